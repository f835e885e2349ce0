package hip_test

import (
	"context"
	"fmt"
	"testing"
	"unsafe"

	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/hip"
	"github.com/streamhal/streamhal/streaming"
)

// The benchmarks measure what the HIP layer adds to package streaming: the
// same operation through both APIs.

func BenchmarkLaunchEmpty(b *testing.B) {
	setup(b, 1)
	m, err := hip.ModuleLoad(haltest.TestdataFile(b, "test_kernels.fat"))
	if err != nil {
		b.Fatal(err)
	}
	f, err := hip.ModuleGetFunction(m, "empty")
	if err != nil {
		b.Fatal(err)
	}
	s, err := hip.StreamCreate()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("hip.ModuleLaunchKernel", func(b *testing.B) {
		for b.Loop() {
			if err := hip.ModuleLaunchKernel(f, 1, 1, 1, 1, 1, 1, 0, s, nil, nil); err != nil {
				b.Fatal(err)
			}
		}
		hip.StreamSynchronize(s)
	})
	b.Run("streaming.Launch", func(b *testing.B) {
		for b.Loop() {
			if err := s.Launch(f, streaming.D1(1), streaming.D1(1), 0); err != nil {
				b.Fatal(err)
			}
		}
		s.Synchronize(context.Background())
	})
}

func BenchmarkLaunchVectorAdd(b *testing.B) {
	setup(b, 1)
	m, err := hip.ModuleLoad(haltest.TestdataFile(b, "test_kernels.fat"))
	if err != nil {
		b.Fatal(err)
	}
	f, _ := hip.ModuleGetFunction(m, "vector_add")
	const n = 1024
	dA, _ := hip.Malloc(4 * n)
	dB, _ := hip.Malloc(4 * n)
	dC, _ := hip.Malloc(4 * n)
	nArg := uint32(n)
	kp := []unsafe.Pointer{unsafe.Pointer(&dA), unsafe.Pointer(&dB), unsafe.Pointer(&dC), unsafe.Pointer(&nArg)}
	s, _ := hip.StreamCreate()
	b.Run("kernelParams", func(b *testing.B) {
		for b.Loop() {
			if err := hip.ModuleLaunchKernel(f, n/256, 1, 1, 256, 1, 1, 0, s, kp, nil); err != nil {
				b.Fatal(err)
			}
		}
		hip.StreamSynchronize(s)
	})
	buf, _ := streaming.PackArgs(f.Params(), dA, dB, dC, nArg)
	extra := hip.LaunchParamBuffer(buf)
	b.Run("extra", func(b *testing.B) {
		for b.Loop() {
			if err := hip.ModuleLaunchKernel(f, n/256, 1, 1, 256, 1, 1, 0, s, nil, extra); err != nil {
				b.Fatal(err)
			}
		}
		hip.StreamSynchronize(s)
	})
	b.Run("streaming.Launch", func(b *testing.B) {
		for b.Loop() {
			if err := s.Launch(f, streaming.D1(n/256), streaming.D1(256), 0, dA, dB, dC, nArg); err != nil {
				b.Fatal(err)
			}
		}
		s.Synchronize(context.Background())
	})
}

func BenchmarkMemcpy(b *testing.B) {
	setup(b, 1)
	for _, n := range []int{4 << 10, 1 << 20, 16 << 20} {
		d, err := hip.Malloc(uint64(n))
		if err != nil {
			b.Fatal(err)
		}
		host := make([]byte, n)
		c, _ := hip.CtxGetCurrent()
		// Touch every page first, so that neither variant pays for it.
		for range 20 {
			hip.MemcpyHtoD(d, host, uint64(n))
			hip.MemcpyDtoH(host, d, uint64(n))
		}
		b.Run(fmt.Sprintf("HtoD/%d/hip", n), func(b *testing.B) {
			b.SetBytes(int64(n))
			for b.Loop() {
				if err := hip.MemcpyHtoD(d, host, uint64(n)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("HtoD/%d/streaming", n), func(b *testing.B) {
			b.SetBytes(int64(n))
			for b.Loop() {
				if err := c.MemcpyHtoD(d, host); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("DtoH/%d/hip", n), func(b *testing.B) {
			b.SetBytes(int64(n))
			for b.Loop() {
				if err := hip.Memcpy(host, d, uint64(n), hip.HipMemcpyDefault); err != nil {
					b.Fatal(err)
				}
			}
		})
		hip.Free(d)
	}
}
