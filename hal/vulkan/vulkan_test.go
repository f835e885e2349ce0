package vulkan

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
)

func TestRegistered(t *testing.T) {
	d, err := hal.Lookup("vulkan")
	if err != nil {
		t.Fatal(err)
	}
	if d.Name() != "vulkan" {
		t.Fatalf("name %q", d.Name())
	}
}

func TestDeviceInfo(t *testing.T) {
	d := openDevice(t)
	info := d.Info()
	t.Logf("device %d: %q %s, %d MiB, warp %d, max block %v, shared %d", info.Ordinal, info.Name, info.Arch, info.TotalMem>>20, info.WarpSize, info.MaxBlockDim, info.SharedMemPerBlock)
	if info.Name == "" || info.Driver != "vulkan" {
		t.Errorf("name %q driver %q", info.Name, info.Driver)
	}
	if info.Arch != "vulkan1.2" && info.Arch != "vulkan1.3" {
		t.Errorf("arch %q", info.Arch)
	}
	if info.ComputeMajor != 1 || info.ComputeMinor < 2 {
		t.Errorf("compute %d.%d", info.ComputeMajor, info.ComputeMinor)
	}
	if info.TotalMem == 0 || info.MaxThreadsPerBlock < 128 || info.WarpSize == 0 || info.SharedMemPerBlock < 16384 {
		t.Errorf("implausible info %+v", info)
	}
	if info.UUID == ([16]byte{}) {
		t.Errorf("zero UUID")
	}
	free, total, err := d.MemoryInfo()
	if err != nil || total != info.TotalMem || free > total {
		t.Errorf("MemoryInfo = %d, %d, %v (TotalMem %d)", free, total, err, info.TotalMem)
	}
	// The limits we decoded with our own struct declarations must match
	// what vulkaninfo prints, when it is installed.
	out, err := exec.Command("vulkaninfo").Output()
	if err != nil {
		t.Logf("vulkaninfo not run (%v); limits not cross-checked", err)
		return
	}
	if !bytes.Contains(out, []byte(info.Name)) {
		t.Logf("vulkaninfo does not list %q; limits not cross-checked", info.Name)
		return
	}
	want := map[string]uint64{
		"maxComputeSharedMemorySize":     uint64(d.maxShared),
		"maxComputeWorkGroupInvocations": uint64(d.maxInvocations),
		"maxPushConstantsSize":           uint64(d.maxPush),
	}
	for key, v := range want {
		got, ok := vulkaninfoValue(string(out), info.Name, key)
		if ok && got != v {
			t.Errorf("%s: vulkaninfo says %d, we read %d", key, got, v)
		}
	}
}

// vulkaninfoValue finds "key = N" in the section of the named device.
func vulkaninfoValue(out, device, key string) (uint64, bool) {
	i := strings.Index(out, device)
	if i < 0 {
		return 0, false
	}
	for _, line := range strings.Split(out[i:], "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && f[0] == key && f[1] == "=" {
			v, err := strconv.ParseUint(f[2], 0, 64)
			return v, err == nil
		}
	}
	return 0, false
}

func TestAllocFree(t *testing.T) {
	d := openDevice(t)
	for _, kind := range []hal.MemoryKind{hal.MemoryDevice, hal.MemoryHost, hal.MemoryManaged} {
		a := alloc(t, d, kind, 1000)
		if a.Device == 0 || a.Size != 1000 {
			t.Errorf("%v: allocation %+v", kind, a)
		}
		if (kind == hal.MemoryDevice) != (a.Host == nil) {
			t.Errorf("%v: host mapping %v", kind, a.Host)
		}
		if err := d.Free(kind, a.Device); err != nil {
			t.Errorf("free %v: %v", kind, err)
		}
		if err := d.Free(kind, a.Device); !errors.Is(err, hal.ErrInvalidValue) {
			t.Errorf("double free %v: %v, want invalid value", kind, err)
		}
	}
	if _, err := d.Allocate(hal.MemoryDevice, 0); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("allocate 0: %v", err)
	}
	if _, err := d.Allocate(hal.MemoryDevice, 1<<62); !errors.Is(err, hal.ErrOutOfMemory) {
		t.Errorf("allocate 4 EiB: %v", err)
	}
	a := alloc(t, d, hal.MemoryDevice, 64)
	if err := d.Free(hal.MemoryHost, a.Device); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("free with the wrong kind: %v", err)
	}
	if err := d.Free(hal.MemoryDevice, a.Device+4); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("free of an inner address: %v", err)
	}
	if err := d.Free(hal.MemoryDevice, 12345); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("free of a wild address: %v", err)
	}
}

func TestCopies(t *testing.T) {
	for _, staged := range []bool{false, true} {
		t.Run(fmt.Sprintf("staged=%v", staged), func(t *testing.T) {
			d := openDevice(t)
			d.forceStaging = staged
			q := newQueue(t, d)
			defer q.Close()
			const n = 3*stagingSize/2 + 13 // crosses a staging chunk boundary
			src := make([]byte, n)
			rand.New(rand.NewSource(1)).Read(src)
			kinds := []hal.MemoryKind{hal.MemoryDevice, hal.MemoryHost, hal.MemoryManaged}
			for _, k1 := range kinds {
				for _, k2 := range kinds {
					a := alloc(t, d, k1, n+64)
					b := alloc(t, d, k2, n+64)
					poison(t, d, b.Device, n+64)
					putBytes(t, d, a.Device+7, src)
					// Device to device, at odd offsets.
					if err := q.Copy(b.Device+3, a.Device+7, n); err != nil {
						t.Fatal(err)
					}
					syncQ(t, q)
					got := getBytes(t, d, b.Device, n+64)
					if !bytes.Equal(got[3:3+n], src) {
						t.Errorf("%v -> %v: copied bytes differ", k1, k2)
					}
					if got[2] != 0xff || got[3+n] != 0xff {
						t.Errorf("%v -> %v: copy wrote outside its range", k1, k2)
					}
					if k2 != hal.MemoryDevice && !bytes.Equal(unsafe.Slice((*byte)(b.Host), n+64)[3:3+n], src) {
						t.Errorf("%v -> %v: host mapping does not show the copy", k1, k2)
					}
					d.Free(k1, a.Device)
					d.Free(k2, b.Device)
				}
			}
		})
	}
}

func TestCopyErrors(t *testing.T) {
	d := openDevice(t)
	q := newQueue(t, d)
	defer q.Close()
	a := alloc(t, d, hal.MemoryDevice, 256)
	b := alloc(t, d, hal.MemoryDevice, 256)
	cases := []struct {
		name     string
		dst, src uint64
		n        uint64
	}{
		{"past the end", b.Device, a.Device, 257},
		{"source past the end", b.Device, a.Device + 200, 100},
		{"wild source", b.Device, 0x1000, 16},
		{"wild destination", 0xdead0000, a.Device, 16},
		{"overlap", a.Device + 8, a.Device, 64},
	}
	for _, c := range cases {
		if err := q.Copy(c.dst, c.src, c.n); !errors.Is(err, hal.ErrInvalidValue) {
			t.Errorf("%s: %v, want invalid value", c.name, err)
		}
	}
	var x [16]byte
	if err := d.CopyFromHost(0x1234, unsafe.Pointer(&x[0]), 16); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("copy from host to a wild address: %v", err)
	}
	if err := d.CopyToHost(unsafe.Pointer(&x[0]), a.Device+250, 16); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("copy to host past the end: %v", err)
	}
	if err := q.Fill(a.Device+250, 16, 0, 1); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("fill past the end: %v", err)
	}
	syncQ(t, q)
}

func TestFill(t *testing.T) {
	d := openDevice(t)
	q := newQueue(t, d)
	defer q.Close()
	const size = 64
	a := alloc(t, d, hal.MemoryDevice, size)
	patterns := map[int]uint32{1: 0xa5, 2: 0xbeef, 4: 0x01234567}
	for _, ps := range []int{1, 2, 4} {
		for start := 0; start < 12; start++ {
			if start%ps != 0 {
				continue
			}
			for n := 0; start+n <= 40; n += ps {
				poison(t, d, a.Device, size)
				if err := q.Fill(a.Device+uint64(start), uint64(n), patterns[ps], ps); err != nil {
					t.Fatalf("fill ps=%d start=%d n=%d: %v", ps, start, n, err)
				}
				syncQ(t, q)
				got := getBytes(t, d, a.Device, size)
				want := bytes.Repeat([]byte{0xff}, size)
				for i := 0; i < n; i++ {
					want[start+i] = byte(patterns[ps] >> (8 * (i % ps)))
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("fill ps=%d start=%d n=%d:\n got %x\nwant %x", ps, start, n, got, want)
				}
			}
		}
	}
	// Bad pattern sizes and lengths are the caller's to refuse
	// (hal.CheckFill, tested in package hal).
}

func TestFillLarge(t *testing.T) {
	d := openDevice(t)
	q := newQueue(t, d)
	defer q.Close()
	const n = 1<<20 + 6
	a := alloc(t, d, hal.MemoryDevice, n+4)
	poison(t, d, a.Device, n+4)
	if err := q.Fill(a.Device+1, n, 0x5a, 1); err != nil {
		t.Fatal(err)
	}
	syncQ(t, q)
	got := getBytes(t, d, a.Device, n+4)
	if got[0] != 0xff || got[n+1] != 0xff {
		t.Errorf("fill wrote outside its range")
	}
	for i := 1; i <= n; i++ {
		if got[i] != 0x5a {
			t.Fatalf("byte %d = %#x", i, got[i])
		}
	}
}

func TestVectorAdd(t *testing.T) {
	d := openDevice(t)
	x := loadTestModule(t, d)
	q := newQueue(t, d)
	defer q.Close()
	k := kernelOf(t, x, "vector_add")
	if p := k.Params(); len(p) != 4 || p[2] != (hal.Param{Offset: 16, Size: 8, Pointer: true}) || p[3] != (hal.Param{Offset: 24, Size: 4}) {
		t.Errorf("vector_add params %v", p)
	}
	for _, n := range []uint32{1, 1000, 1 << 20} {
		a := make([]float32, n)
		b := make([]float32, n)
		for i := range a {
			a[i] = float32(i) * 0.5
			b[i] = float32(int(n)-i) * 0.25
		}
		da, db, dc := alloc(t, d, hal.MemoryDevice, uint64(4*n)), alloc(t, d, hal.MemoryDevice, uint64(4*n)), alloc(t, d, hal.MemoryDevice, uint64(4*n))
		putFloats(t, d, da.Device, a)
		putFloats(t, d, db.Device, b)
		poison(t, d, dc.Device, uint64(4*n))
		cfg := launch1D(n, 256)
		cfg.Args = (&args{}).ptr(da.Device).ptr(db.Device).ptr(dc.Device).u32(n).bytes()
		if err := q.Dispatch(k, cfg); err != nil {
			t.Fatal(err)
		}
		syncQ(t, q)
		got := getFloats(t, d, dc.Device, int(n))
		for i := range got {
			if got[i] != a[i]+b[i] {
				t.Fatalf("n=%d: c[%d] = %v, want %v", n, i, got[i], a[i]+b[i])
			}
		}
		for _, p := range []uint64{da.Device, db.Device, dc.Device} {
			d.Free(hal.MemoryDevice, p)
		}
	}
}
