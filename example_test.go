package streamhal_test

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/streaming"

	// Package streaming links no driver: a program imports the ones it
	// wants, here the default set.
	_ "github.com/streamhal/streamhal/hal/all"
)

// Add two vectors on the default device (the CPU unless
// STREAM_HAL_TEST_TARGET says otherwise).
func Example() {
	rt, err := streaming.Open(streaming.Options{})
	if err != nil {
		panic(err)
	}
	defer rt.Close()
	dev := rt.Default()
	ctx, err := dev.PrimaryContext()
	if err != nil {
		panic(err)
	}
	defer dev.PrimaryContextRelease()
	// The repository's testdata/vector_add.fat (a path relative to the
	// repository root, where go test runs this example), found also when
	// the test binary runs elsewhere.
	dir, err := haltest.TestdataDir()
	if err != nil {
		panic(err)
	}
	mod, err := ctx.LoadModule(filepath.Join(dir, "vector_add.fat"))
	if err != nil {
		panic(err)
	}
	defer mod.Close()
	add, err := mod.Function("vector_add")
	if err != nil {
		panic(err)
	}

	a := []float32{1, 2, 3, 4}
	b := []float32{10, 20, 30, 40}
	dA, _ := ctx.Malloc(16)
	dB, _ := ctx.Malloc(16)
	dC, _ := ctx.Malloc(16)
	defer ctx.Free(dA)
	defer ctx.Free(dB)
	defer ctx.Free(dC)

	s := ctx.DefaultStream()
	streaming.CopyToDevice(s, dA, a)
	streaming.CopyToDevice(s, dB, b)
	if err := s.Launch(add, streaming.D1(1), streaming.D1(4), 0, dA, dB, dC, uint32(4)); err != nil {
		panic(err)
	}
	c := make([]float32, 4)
	streaming.CopyFromDevice(s, c, dC)
	if err := s.Synchronize(context.Background()); err != nil {
		panic(err)
	}
	fmt.Println(c)
	// Output: [11 22 33 44]
}
