// Command vector_add adds two vectors on a streamhal device and checks the
// result: the smallest end-to-end use of the library.
//
//	go run ./examples/vector_add                  # the default device (CPU)
//	go run ./examples/vector_add -backend cuda -n 1000000
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"github.com/streamhal/streamhal/streaming"

	_ "github.com/streamhal/streamhal/hal/all" // every driver: the program picks with -backend
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "vector_add:", err)
		os.Exit(1)
	}
}

// defaultModule finds testdata/vector_add.fat: in the working directory
// (go run from the repository root), else beside this source file.
func defaultModule() string {
	const rel = "testdata/vector_add.fat"
	if _, err := os.Stat(rel); err == nil {
		return rel
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		return filepath.Join(filepath.Dir(file), "..", "..", rel)
	}
	return rel
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("vector_add", flag.ContinueOnError)
	backend := fs.String("backend", "", "backend to use: cpu, cuda, vulkan, hip (default: STREAM_HAL_TEST_TARGET, else every available backend, device 0)")
	n := fs.Int("n", 1<<20, "number of elements")
	module := fs.String("module", defaultModule(), "module with a vector_add kernel (any format streamhal loads)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n <= 0 || *n > 1<<30 {
		return fmt.Errorf("-n %d: want 1..%d", *n, 1<<30)
	}
	opts := streaming.Options{}
	if *backend != "" {
		opts.Backends = []string{*backend}
	}
	rt, err := streaming.Open(opts)
	if err != nil {
		return err
	}
	defer rt.Close()
	dev := rt.Default()
	fmt.Fprintf(out, "device: %s (%s)\n", dev.Name(), dev.Backend())

	ctx, err := dev.PrimaryContext()
	if err != nil {
		return err
	}
	defer dev.PrimaryContextRelease()
	mod, err := ctx.LoadModule(*module)
	if err != nil {
		return err
	}
	defer mod.Close()
	fn, err := mod.Function("vector_add")
	if err != nil {
		return err
	}

	count := uint64(*n)
	a := make([]float32, count)
	b := make([]float32, count)
	for i := range a {
		a[i] = float32(i)
		b[i] = float32(i) * 4 // a[i]+b[i] == 5i
	}
	bytes := 4 * count
	dA, err := ctx.Malloc(bytes)
	if err != nil {
		return err
	}
	defer ctx.Free(dA)
	dB, err := ctx.Malloc(bytes)
	if err != nil {
		return err
	}
	defer ctx.Free(dB)
	dC, err := ctx.Malloc(bytes)
	if err != nil {
		return err
	}
	defer ctx.Free(dC)

	s := ctx.DefaultStream()
	if err := streaming.CopyToDevice(s, dA, a); err != nil {
		return err
	}
	if err := streaming.CopyToDevice(s, dB, b); err != nil {
		return err
	}
	const block = 256
	grid := uint32((count + block - 1) / block)
	if err := s.Launch(fn, streaming.D1(grid), streaming.D1(block), 0, dA, dB, dC, uint32(count)); err != nil {
		return err
	}
	c := make([]float32, count)
	for i := range c {
		c[i] = -1
	}
	if err := streaming.CopyFromDevice(s, c, dC); err != nil {
		return err
	}
	if err := s.Synchronize(context.Background()); err != nil {
		return err
	}
	bad := 0
	for i := range c {
		if c[i] != a[i]+b[i] {
			if bad < 5 {
				fmt.Fprintf(out, "mismatch at %d: got %v, want %v\n", i, c[i], a[i]+b[i])
			}
			bad++
		}
	}
	if bad > 0 {
		fmt.Fprintln(out, "FAILURE")
		return errors.New("result differs from the reference")
	}
	fmt.Fprintf(out, "added %d elements: SUCCESS\n", count)
	return nil
}
