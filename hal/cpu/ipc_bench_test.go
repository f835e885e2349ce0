package cpu_test

import (
	"fmt"
	"testing"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/cpu"
)

// BenchmarkAllocate measures an Allocate and Free pair. Device memory owns
// whole pages so that it can be exported to another process (ipc.go);
// host memory comes from the C heap as device memory did before, which
// makes it the same-run baseline for what page ownership costs.
func BenchmarkAllocate(b *testing.B) {
	inst, err := cpu.Driver{}.Open(hal.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer inst.Close()
	dev := inst.Devices()[0]
	for _, kind := range []hal.MemoryKind{hal.MemoryHost, hal.MemoryDevice} {
		for _, n := range []uint64{64, 4096, 256 << 10, 4 << 20} {
			b.Run(fmt.Sprintf("%v/%d", kind, n), func(b *testing.B) {
				for b.Loop() {
					a, err := dev.Allocate(kind, n)
					if err != nil {
						b.Fatal(err)
					}
					if err := dev.Free(kind, a.Device); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkExportMemory measures the first export of an allocation (its
// pages move into a memfd) and the free that undoes it, against the
// allocation alone.
func BenchmarkExportMemory(b *testing.B) {
	inst, err := cpu.Driver{}.Open(hal.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer inst.Close()
	dev := inst.Devices()[0]
	ipc := dev.(hal.IPCDevice)
	for _, n := range []uint64{4096, 1 << 20} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.SetBytes(int64(n))
			for b.Loop() {
				a, err := dev.Allocate(hal.MemoryDevice, n)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := ipc.ExportMemory(a.Device); err != nil {
					b.Fatal(err)
				}
				if err := dev.Free(hal.MemoryDevice, a.Device); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
