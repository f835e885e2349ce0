package hip

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"runtime"
	"slices"
	"testing"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/modfile"
)

// Device tests beyond the conformance suite: they skip without an AMD
// device (and fail under STREAM_HAL_REQUIRE=hip or amdgpu).

func firstDevice(t *testing.T, inst hal.Instance) (hal.Device, hal.Queue) {
	t.Helper()
	dev := inst.Devices()[0]
	q, err := dev.NewQueue(hal.QueueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	return dev, q
}

func loadTestKernels(t *testing.T, dev hal.Device) (hal.Executable, *modfile.Module) {
	t.Helper()
	data := readTestdata(t, "test_kernels."+dev.Info().Arch+".hsaco")
	meta, err := modfile.ParseAMDGPU(data)
	if err != nil {
		t.Fatal(err)
	}
	x, err := dev.Load(hal.FormatAMDGPU, data)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	t.Cleanup(func() { x.Close() })
	return x, meta
}

func TestDeviceModule(t *testing.T) { testDeviceModule(t, openOrSkip(t)) }

func testDeviceModule(t *testing.T, inst hal.Instance) {
	dev, q := firstDevice(t, inst)
	x, meta := loadTestKernels(t, dev)
	names := x.Kernels()
	slices.Sort(names)
	var want []string
	for _, k := range meta.Kernels {
		want = append(want, k.Name)
	}
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("Kernels() = %v, want %v", names, want)
	}
	for _, ki := range meta.Kernels {
		k, err := x.Kernel(ki.Name)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(k.Params(), ki.Params) {
			t.Errorf("%s: Params %v, metadata %v", ki.Name, k.Params(), ki.Params)
		}
	}
	// scale_by_global reads the module global global_scale (2.0).
	addr, size, err := x.Global("global_scale")
	if err != nil || size != 4 || addr == 0 {
		t.Fatalf("Global(global_scale) = %#x, %d, %v", addr, size, err)
	}
	var g float32
	if err := dev.CopyToHost(unsafe.Pointer(&g), addr, 4); err != nil || g != 2 {
		t.Fatalf("global_scale = %v, %v; want 2", g, err)
	}
	if _, _, err := x.Global("no_such_global"); !errors.Is(err, hal.ErrNotFound) {
		t.Errorf("Global(missing) = %v, want ErrNotFound", err)
	}
	const n = 1000
	in, err := dev.Allocate(hal.MemoryDevice, 4*n)
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Free(hal.MemoryDevice, in.Device)
	out, err := dev.Allocate(hal.MemoryDevice, 4*n)
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Free(hal.MemoryDevice, out.Device)
	src := make([]float32, n)
	for i := range src {
		src[i] = float32(i) - 17.5
	}
	if err := dev.CopyFromHost(in.Device, unsafe.Pointer(&src[0]), 4*n); err != nil {
		t.Fatal(err)
	}
	if err := q.Fill(out.Device, 4*n, 0x7fc00001, 4); err != nil { // poison: NaN
		t.Fatal(err)
	}
	k, _ := x.Kernel("scale_by_global")
	args := binary.LittleEndian.AppendUint64(nil, in.Device)
	args = binary.LittleEndian.AppendUint64(args, out.Device)
	args = binary.LittleEndian.AppendUint32(args, n)
	args = append(args, 0, 0, 0, 0)
	if err := q.Dispatch(k, hal.LaunchConfig{Grid: hal.Dim3{X: (n + 63) / 64, Y: 1, Z: 1}, Block: hal.Dim3{X: 64, Y: 1, Z: 1}, Args: args}); err != nil {
		t.Fatal(err)
	}
	if err := q.Synchronize(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := make([]float32, n)
	if err := dev.CopyToHost(unsafe.Pointer(&got[0]), out.Device, 4*n); err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if got[i] != 2*src[i] {
			t.Fatalf("out[%d] = %v, want %v", i, got[i], 2*src[i])
		}
	}
	// A cooperative launch needs hipModuleLaunchCooperativeKernel.
	one := hal.Dim3{X: 1, Y: 1, Z: 1}
	err = q.Dispatch(k, hal.LaunchConfig{Grid: one, Block: one, Args: args, Cooperative: true})
	lib := dev.(*device).lib
	if !lib.has("hipModuleLaunchCooperativeKernel") && !errors.Is(err, hal.ErrNotSupported) {
		t.Errorf("cooperative launch without the runtime function: %v, want ErrNotSupported", err)
	}
	if err := q.Synchronize(context.Background()); err != nil {
		t.Fatal(err)
	}
	// A code object for another processor is refused before the runtime.
	other := map[string]string{"gfx90a": "gfx942"}[dev.Info().Arch]
	if other == "" {
		other = "gfx90a"
	}
	if _, err := dev.Load(hal.FormatAMDGPU, readTestdata(t, "test_kernels."+other+".hsaco")); !errors.Is(err, hal.ErrNoBinaryForDevice) {
		t.Errorf("Load(%s code object) = %v, want ErrNoBinaryForDevice", other, err)
	}
	if _, err := dev.Load(hal.FormatPTX, []byte(".version 7.0")); !errors.Is(err, hal.ErrNotSupported) {
		t.Errorf("Load(PTX) = %v, want ErrNotSupported", err)
	}
}

func TestDeviceMemoryKinds(t *testing.T) { testDeviceMemoryKinds(t, openOrSkip(t)) }

func testDeviceMemoryKinds(t *testing.T, inst hal.Instance) {
	dev, q := firstDevice(t, inst)
	const n = 1 << 16
	d, err := dev.Allocate(hal.MemoryDevice, n)
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Free(hal.MemoryDevice, d.Device)
	// Registered Go memory, pinned for the registration's life.
	buf := make([]byte, n)
	for i := range buf {
		buf[i] = byte(i * 13)
	}
	var pin runtime.Pinner
	pin.Pin(&buf[0])
	defer pin.Unpin()
	reg, err := dev.Register(unsafe.Pointer(&buf[0]), n)
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	if err := q.Copy(d.Device, reg.Device, n); err != nil {
		t.Fatal(err)
	}
	if err := q.Fill(reg.Device, n, 0x5a, 1); err != nil { // overwrite the source after the copy
		t.Fatal(err)
	}
	if err := q.Synchronize(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, n)
	if err := dev.CopyToHost(unsafe.Pointer(&got[0]), d.Device, n); err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if got[i] != byte(i*13) {
			t.Fatalf("copy from registered memory: byte %d = %#x", i, got[i])
		}
		if buf[i] != 0x5a {
			t.Fatalf("fill of registered memory: byte %d = %#x", i, buf[i])
		}
	}
	if err := dev.Unregister(reg); err != nil {
		t.Fatal(err)
	}
	if err := dev.Unregister(reg); !errors.Is(err, hal.ErrNotMapped) {
		t.Errorf("second Unregister = %v, want ErrNotMapped", err)
	}
	if !dev.Info().ManagedMemory {
		return
	}
	m, err := dev.Allocate(hal.MemoryManaged, n)
	if err != nil {
		t.Fatalf("Allocate(managed): %v", err)
	}
	defer dev.Free(hal.MemoryManaged, m.Device)
	hm := unsafe.Slice((*uint32)(m.Host), n/4)
	for i := range hm {
		hm[i] = 1
	}
	if err := q.Fill(m.Device+64, n-128, math.Float32bits(3), 4); err != nil {
		t.Fatal(err)
	}
	if err := q.Synchronize(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i, v := range hm {
		want := math.Float32bits(3)
		if i < 16 || i >= n/4-16 {
			want = 1
		}
		if v != want {
			t.Fatalf("managed word %d = %#x, want %#x", i, v, want)
		}
	}
}

func TestDeviceGraphUpdateRules(t *testing.T) { testDeviceGraphUpdateRules(t, openOrSkip(t)) }

func testDeviceGraphUpdateRules(t *testing.T, inst hal.Instance) {
	dev, q := firstDevice(t, inst)
	a, err := dev.Allocate(hal.MemoryDevice, 64)
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Free(hal.MemoryDevice, a.Device)
	g := &hal.Graph{Nodes: []hal.Node{
		{Kind: hal.NodeFill, Dst: a.Device, Size: 64, Pattern: 7, PatternSize: 4},
		{Kind: hal.NodeCopy, Deps: []int{0}, Dst: a.Device, Src: a.Device, Size: 64}, // onto itself: runs as empty
		{Kind: hal.NodeHost, Deps: []int{1}, Host: func() { panic("graph host node") }},
	}}
	x, err := dev.Instantiate(g)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if err := q.Execute(x); err != nil {
		t.Fatal(err)
	}
	if err := q.Synchronize(context.Background()); err == nil {
		t.Errorf("Synchronize after a panicking graph host node: nil error")
	}
	if err := x.Update(1, hal.Node{Kind: hal.NodeCopy, Deps: []int{0}, Dst: a.Device, Src: a.Device + 32, Size: 32}); !errors.Is(err, hal.ErrNotSupported) {
		t.Errorf("Update turning an empty copy into a real one = %v, want ErrNotSupported", err)
	}
	if err := x.Update(0, hal.Node{Kind: hal.NodeFill, Deps: []int{0}, Dst: a.Device, Size: 64, PatternSize: 4}); !errors.Is(err, hal.ErrNotSupported) {
		t.Errorf("Update changing dependencies = %v, want ErrNotSupported", err)
	}
	if err := x.Update(0, hal.Node{Kind: hal.NodeFill, Dst: a.Device, Size: 64, Pattern: 9, PatternSize: 4}); err != nil {
		t.Errorf("Update of a fill: %v", err)
	}
	if err := x.Update(5, g.Nodes[0]); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("Update(5) of a 3-node graph = %v, want ErrInvalidValue", err)
	}
}

func TestDevicePeers(t *testing.T) { testDevicePeers(t, openOrSkip(t)) }

func testDevicePeers(t *testing.T, inst hal.Instance) {
	devs := inst.Devices()
	if len(devs) < 2 {
		t.Skipf("%d AMD device(s); peer tests need 2", len(devs))
	}
	d0, d1 := devs[0].(hal.PeerDevice), devs[1]
	if d0.CanAccessPeer(devs[0]) {
		t.Errorf("a device is its own peer")
	}
	if d0.CanAccessPeer(d1) {
		if err := d0.EnablePeerAccess(d1); err != nil {
			t.Fatal(err)
		}
		if err := d0.EnablePeerAccess(d1); !errors.Is(err, hal.ErrPeerAlreadyEnabled) {
			t.Errorf("second EnablePeerAccess = %v, want ErrPeerAlreadyEnabled", err)
		}
		defer func() {
			if err := d0.DisablePeerAccess(d1); err != nil {
				t.Errorf("DisablePeerAccess: %v", err)
			}
			if err := d0.DisablePeerAccess(d1); !errors.Is(err, hal.ErrPeerNotEnabled) {
				t.Errorf("second DisablePeerAccess = %v, want ErrPeerNotEnabled", err)
			}
		}()
	}
	const n = 4096
	src, err := d1.Allocate(hal.MemoryDevice, n)
	if err != nil {
		t.Fatal(err)
	}
	defer d1.Free(hal.MemoryDevice, src.Device)
	dst, err := devs[0].Allocate(hal.MemoryDevice, n)
	if err != nil {
		t.Fatal(err)
	}
	defer devs[0].Free(hal.MemoryDevice, dst.Device)
	want := make([]byte, n)
	for i := range want {
		want[i] = byte(i ^ 0x3c)
	}
	if err := d1.CopyFromHost(src.Device, unsafe.Pointer(&want[0]), n); err != nil {
		t.Fatal(err)
	}
	q, err := devs[0].NewQueue(hal.QueueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if err := d0.CopyPeer(q, dst.Device, d1, src.Device, n); err != nil {
		t.Fatal(err)
	}
	if err := q.Synchronize(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, n)
	if err := devs[0].CopyToHost(unsafe.Pointer(&got[0]), dst.Device, n); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("peer copy: data differs")
	}
	// The same copy back, ordered on a queue of the source device.
	q1, err := d1.NewQueue(hal.QueueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer q1.Close()
	if err := d1.(hal.PeerDevice).CopyPeer(q1, src.Device+1, devs[0], dst.Device, n-1); err != nil {
		t.Fatal(err)
	}
	if err := q1.Synchronize(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := d1.CopyToHost(unsafe.Pointer(&got[0]), src.Device, n); err != nil {
		t.Fatal(err)
	}
	if got[0] != want[0] || !slices.Equal(got[1:], want[:n-1]) {
		t.Errorf("peer copy on the source device's queue: data differs")
	}
	if len(devs) > 2 {
		return
	}
	if err := d0.CopyPeer(q1, dst.Device, devs[0], src.Device, n); err == nil {
		t.Errorf("CopyPeer from device 0 to itself on a queue of device 1: no error")
	}
}
