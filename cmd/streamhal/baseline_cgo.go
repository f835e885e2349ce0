//go:build cgo

package main

import (
	"fmt"
	"io"
	"unsafe"

	"github.com/streamhal/streamhal/hal/cpu/cbench"
	"github.com/streamhal/streamhal/hal/modfile"
	"github.com/streamhal/streamhal/streaming"
)

// openCBaseline opens the plain-C baseline (libcuda on CUDA devices,
// libvulkan on Vulkan devices) with the kernels of modulePath: hal/cuda's
// and hal/vulkan's devices offer it as NewCBaseline, found by a type
// assertion (it is no part of the drivers' API). When it cannot, the rows
// say why instead of failing the run.
func openCBaseline(dev *streaming.Device, modulePath string, progress io.Writer) (cBaseline, string) {
	image, err := modfile.ReadFile(modulePath)
	if err == nil {
		err = fmt.Errorf("device %s offers no plain-C baseline", dev.Name())
		if d, ok := dev.HAL().(interface {
			NewCBaseline(image []byte) (io.Closer, error)
		}); ok {
			var c io.Closer
			if c, err = d.NewCBaseline(image); err == nil {
				if cb, ok := c.(cBaseline); ok {
					return cb, ""
				}
				c.Close()
				err = fmt.Errorf("the driver's baseline lacks a timing method of this command's cBaseline")
			}
		}
	}
	fmt.Fprintf(progress, "bench: no plain-C baseline: %v\n", err)
	return nil, fmt.Sprintf("n/a (plain-C baseline: %v)", err)
}

// newCVectorAdd starts plain C's c = a + b over n floats on a persistent
// pool of threads C threads; stop ends them.
var newCVectorAdd = func(threads int) (add func(a, b, c []byte, n uint64), stop func(), err error) {
	p, err := cbench.NewPool(threads)
	if err != nil {
		return nil, nil, err
	}
	add = func(a, b, c []byte, n uint64) {
		p.VectorAdd(unsafe.Pointer(&a[0]), unsafe.Pointer(&b[0]), unsafe.Pointer(&c[0]), n)
	}
	return add, p.Close, nil
}
