package haltest

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
)

// testPools checks hal.PoolDevice: the default pool and a created one
// allocate in stream order memory that queue operations use, free it in
// stream order or at once, and report and change their attributes,
// access and size as the driver's pools do.
func (s *suite) testPools(t *testing.T) {
	pd, ok := s.dev.(hal.PoolDevice)
	if !ok {
		t.Skip("the device has no native pools (package streaming keeps its own)")
	}
	if !s.dev.Info().MemoryPoolsSupported {
		if _, err := pd.DefaultPool(); !errors.Is(err, hal.ErrNotSupported) {
			t.Errorf("DefaultPool without pool support: %v, want ErrNotSupported", err)
		}
		t.Skip("the device does not support memory pools")
	}
	def, err := pd.DefaultPool()
	if err != nil {
		t.Fatalf("DefaultPool: %v", err)
	}
	p, err := pd.NewPool(hal.PoolOptions{})
	if err != nil {
		t.Fatalf("NewPool: %v", err)
	}
	for _, pool := range []hal.Pool{def, p} {
		const n = 8192
		used0, err := pool.Attribute(hal.PoolUsedMemCurrent)
		if err != nil {
			t.Fatalf("Attribute(used): %v", err)
		}
		a, err := pool.AllocateAsync(s.q, n)
		if err != nil {
			t.Fatalf("AllocateAsync: %v", err)
		}
		if used, _ := pool.Attribute(hal.PoolUsedMemCurrent); used < used0+n {
			t.Errorf("used %d after allocating %d bytes (was %d)", used, n, used0)
		}
		if r, _ := pool.Attribute(hal.PoolReservedMemCurrent); r < n {
			t.Errorf("reserved %d with %d bytes in use", r, n)
		}
		// The memory serves queue operations in order: fill, copy to
		// device memory, read back.
		dst, err := s.dev.Allocate(hal.MemoryDevice, n)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.q.Fill(a.Device, n, 0x5a, 1); err != nil {
			t.Fatal(err)
		}
		if err := s.q.Copy(dst.Device, a.Device, n); err != nil {
			t.Fatal(err)
		}
		if err := pool.FreeAsync(s.q, a.Device); err != nil {
			t.Fatalf("FreeAsync: %v", err)
		}
		if err := s.q.Synchronize(context.Background()); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, n)
		if err := s.dev.CopyToHost(unsafe.Pointer(&got[0]), dst.Device, n); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, bytes.Repeat([]byte{0x5a}, n)) {
			t.Errorf("pool memory did not hold the fill")
		}
		s.dev.Free(hal.MemoryDevice, dst.Device)
		if used, _ := pool.Attribute(hal.PoolUsedMemCurrent); used != used0 {
			t.Errorf("used %d after FreeAsync, want %d", used, used0)
		}
		// Free takes pool memory back at once.
		b, err := pool.AllocateAsync(s.q, 100)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.q.Synchronize(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := pool.Free(b.Device); err != nil {
			t.Fatalf("Free of pool memory: %v", err)
		}
		// Attributes: the reuse policies are booleans, the threshold a
		// byte count, the high-water marks reset to the current value.
		if err := pool.SetAttribute(hal.PoolReuseAllowOpportunistic, 0); err != nil {
			t.Fatal(err)
		}
		if v, _ := pool.Attribute(hal.PoolReuseAllowOpportunistic); v != 0 {
			t.Errorf("reuse-allow-opportunistic %d after setting 0", v)
		}
		pool.SetAttribute(hal.PoolReuseAllowOpportunistic, 1)
		if v, _ := pool.Attribute(hal.PoolReuseAllowOpportunistic); v != 1 {
			t.Errorf("reuse-allow-opportunistic %d after setting 1", v)
		}
		if err := pool.SetAttribute(hal.PoolReleaseThreshold, 1<<20); err != nil {
			t.Fatal(err)
		}
		if v, _ := pool.Attribute(hal.PoolReleaseThreshold); v != 1<<20 {
			t.Errorf("release threshold %d, want %d", v, 1<<20)
		}
		pool.SetAttribute(hal.PoolReleaseThreshold, 0)
		if err := pool.SetAttribute(hal.PoolUsedMemHigh, 0); err != nil {
			t.Fatal(err)
		}
		if err := pool.TrimTo(0); err != nil {
			t.Fatalf("TrimTo: %v", err)
		}
		if r, _ := pool.Attribute(hal.PoolReservedMemCurrent); r != 0 {
			t.Errorf("reserved %d after TrimTo(0) with nothing in use", r)
		}
		if f, err := pool.Access(s.dev); err != nil || f != hal.PoolAccessReadWrite {
			t.Errorf("the owner's access: %v, %v", f, err)
		}
	}
	if err := pd.SetCurrentPool(p); err != nil {
		t.Fatalf("SetCurrentPool: %v", err)
	}
	if err := pd.SetCurrentPool(def); err != nil {
		t.Fatalf("SetCurrentPool(default): %v", err)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := p.Close(); !errors.Is(err, hal.ErrInvalidHandle) {
		t.Errorf("second Close: %v, want ErrInvalidHandle", err)
	}
	if _, err := p.AllocateAsync(s.q, 64); !errors.Is(err, hal.ErrInvalidHandle) {
		t.Errorf("AllocateAsync on a closed pool: %v, want ErrInvalidHandle", err)
	}
	if err := def.Close(); err != nil {
		t.Errorf("Close of the default pool: %v", err)
	}
}
