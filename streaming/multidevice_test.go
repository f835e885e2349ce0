package streaming_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/streaming"
)

// The original README's multi-device example, ported: contexts on every
// device, peer capability, peer access, and a peer copy — with 2 and 4 CPU
// devices (or every device of the backend under test).
func TestMultiDevice(t *testing.T) {
	for _, n := range []int{2, 4} {
		t.Run(fmt.Sprint(n, "devices"), func(t *testing.T) {
			opts := streaming.Options{}
			if backend() == "cpu" {
				opts.CPUDevices = n
			}
			rt := openRuntime(t, opts)
			defer rt.Close()
			devs := rt.Devices()
			if len(devs) < 2 {
				t.Skipf("%d device(s) of %s", len(devs), backend())
			}
			if backend() == "cpu" && len(devs) != n {
				t.Fatalf("%d devices, want %d", len(devs), n)
			}
			ctxs := make([]*streaming.Context, len(devs))
			for i, d := range devs {
				c, err := d.NewContext(0)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				ctxs[i] = c
				if d.Ordinal() != i {
					t.Errorf("device %d has ordinal %d", i, d.Ordinal())
				}
			}
			if devs[0].UUID() == devs[1].UUID() {
				t.Error("two devices share a UUID")
			}
			can := devs[0].CanAccessPeer(devs[1])
			if backend() == "cpu" && !can {
				t.Fatal("CPU devices cannot access each other")
			}
			if devs[0].CanAccessPeer(devs[0]) {
				t.Error("a device reports peer access to itself")
			}
			if can {
				if err := devs[0].EnablePeerAccess(devs[1]); err != nil {
					t.Fatal(err)
				}
				if err := devs[0].EnablePeerAccess(devs[1]); !errors.Is(err, streaming.ErrPeerAlreadyEnabled) {
					t.Errorf("enabling twice: got %v, want ErrPeerAlreadyEnabled", err)
				}
				if v, _ := devs[0].P2PAttribute(streaming.P2PAccessSupported, devs[1]); v != 1 {
					t.Errorf("P2P access-supported attribute = %d", v)
				}
			}
			if err := devs[1].DisablePeerAccess(devs[0]); !errors.Is(err, streaming.ErrPeerNotEnabled) {
				t.Errorf("disabling access never enabled: got %v, want ErrPeerNotEnabled", err)
			}
			// A peer copy through every device: 0 -> 1 -> ... -> n-1 -> 0.
			const size = 1<<20 + 5
			src := make([]byte, size)
			for i := range src {
				src[i] = byte(i * 13)
			}
			bufs := make([]streaming.DevicePtr, len(devs))
			for i, c := range ctxs {
				p, err := c.Malloc(size)
				if err != nil {
					t.Fatal(err)
				}
				bufs[i] = p
			}
			if err := ctxs[0].MemcpyHtoD(bufs[0], src); err != nil {
				t.Fatal(err)
			}
			for i := 1; i < len(devs); i++ {
				s := ctxs[i].DefaultStream()
				if err := s.MemcpyPeerAsync(bufs[i], ctxs[i], bufs[i-1], ctxs[i-1], size); err != nil {
					t.Fatal(err)
				}
				syncStream(t, s)
			}
			got := make([]byte, size)
			if err := ctxs[len(devs)-1].MemcpyDtoH(got, bufs[len(devs)-1]); err != nil {
				t.Fatal(err)
			}
			if string(got) != string(src) {
				t.Fatal("data differs after the peer copies")
			}
			// A kernel on the last device reading the first device's memory,
			// where the devices can access each other: as in CUDA, only
			// once the last device has peer access to the first.
			if can && backend() == "cpu" {
				last := ctxs[len(devs)-1]
				_, data, err := haltest.Kernels(devs[len(devs)-1].HAL())
				if err != nil {
					t.Fatal(err)
				}
				mod, err := last.LoadModuleData(data)
				if err != nil {
					t.Fatal(err)
				}
				defer mod.Close()
				f, _ := mod.Function("vector_add_scaled")
				const m = 1000
				in0, _ := ctxs[0].Malloc(4 * m)
				out, _ := last.Malloc(4 * m)
				streaming.CopyToDeviceSync(ctxs[0], in0, seq(m, func(i int) float32 { return float32(i) }))
				s := last.DefaultStream()
				launch := func() error {
					return s.Launch(f, streaming.D1(8), streaming.D1(128), 0, in0, in0, out, float32(1), float32(2), uint32(m))
				}
				if err := launch(); !errors.Is(err, streaming.ErrInvalidValue) {
					t.Fatalf("launch with another device's memory before EnablePeerAccess: got %v, want ErrInvalidValue", err)
				}
				if err := devs[len(devs)-1].EnablePeerAccess(devs[0]); err != nil {
					t.Fatal(err)
				}
				if err := launch(); err != nil {
					t.Fatal(err)
				}
				res := poisoned(m)
				streaming.CopyFromDevice(s, res, out)
				for i := range res {
					if res[i] != 3*float32(i) {
						t.Fatalf("peer kernel: out[%d] = %v, want %v", i, res[i], 3*float32(i))
					}
				}
			}
			for i, c := range ctxs {
				if err := c.Free(bufs[i]); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// An event of one device can order a stream of another.
func TestCrossDeviceEventWait(t *testing.T) {
	if backend() != "cpu" {
		t.Skip("uses two CPU devices")
	}
	rt := openRuntime(t, streaming.Options{CPUDevices: 2})
	defer rt.Close()
	d0, _ := rt.Device(0)
	d1, _ := rt.Device(1)
	c0, _ := d0.NewContext(0)
	c1, _ := d1.NewContext(0)
	defer c0.Close()
	defer c1.Close()
	s0, _ := c0.NewStream(streaming.StreamNonBlocking, 0)
	s1, _ := c1.NewStream(streaming.StreamNonBlocking, 0)
	ev, _ := c0.NewEvent(0)
	release := make(chan struct{})
	flag, seen := 0, -1
	s0.LaunchHostFunc(func() { <-release; flag = 1 })
	ev.Record(s0)
	if err := s1.WaitEvent(ev); err != nil {
		t.Fatal(err)
	}
	s1.LaunchHostFunc(func() { seen = flag })
	close(release)
	syncStream(t, s1)
	if seen != 1 {
		t.Error("device 1's stream ran before device 0's event")
	}
	if err := ev.Record(s1); !errors.Is(err, streaming.ErrInvalidHandle) {
		t.Errorf("recording device 0's event on device 1: got %v, want ErrInvalidHandle", err)
	}
	s0.Close()
	s1.Close()
}
