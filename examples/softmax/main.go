// Command softmax computes a row-wise softmax on every streamhal device of
// the machine (or one backend's) from one CUDA source, softmax.cu, built
// into softmax.fat by streamhal build (go generate; see gen.go), and checks
// each device's result against a float64 computation in Go.
//
//	go run ./examples/softmax                   # every backend present
//	go run ./examples/softmax -backend vulkan -rows 512 -cols 3000
package main

import (
	"context"
	_ "embed"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"

	"github.com/streamhal/streamhal/streaming"

	_ "github.com/streamhal/streamhal/hal/all" // every driver
)

//go:embed softmax.fat
var module []byte

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "softmax:", err)
		os.Exit(1)
	}
}

// block is the threads per row; scratch holds one float per warp.
const block = 256

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("softmax", flag.ContinueOnError)
	backend := fs.String("backend", "", "run on this backend only: cpu, cuda, hip, vulkan (default: every device of every backend present, or STREAM_HAL_TEST_TARGET's)")
	rows := fs.Int("rows", 256, "rows of the matrix (one block each)")
	cols := fs.Int("cols", 1000, "columns of the matrix")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *rows <= 0 || *rows > 1<<16 || *cols <= 0 || *cols > 1<<20 {
		return fmt.Errorf("-rows %d -cols %d: want 1..65536 rows and 1..1048576 columns", *rows, *cols)
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

	x := make([]float32, *rows**cols)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range x {
		x[i] = float32(r.NormFloat64() * 4)
	}
	want := reference(x, *rows, *cols)
	var failed []string
	for _, dev := range rt.Devices() {
		fmt.Fprintf(out, "device: %s (%s): ", dev.Name(), dev.Backend())
		worst, err := onDevice(dev, x, *rows, *cols, want)
		if err != nil {
			fmt.Fprintf(out, "FAILURE: %v\n", err)
			failed = append(failed, dev.Backend())
			continue
		}
		fmt.Fprintf(out, "%d x %d softmax, max relative error %.2g: SUCCESS\n", *rows, *cols, worst)
	}
	if len(failed) > 0 {
		return fmt.Errorf("failed on %v", failed)
	}
	return nil
}

// reference is the softmax in float64, rounded to float32.
func reference(x []float32, rows, cols int) []float64 {
	y := make([]float64, len(x))
	for r := 0; r < rows; r++ {
		row := x[r*cols : (r+1)*cols]
		m := math.Inf(-1)
		for _, v := range row {
			m = math.Max(m, float64(v))
		}
		var s float64
		for _, v := range row {
			s += math.Exp(float64(v) - m)
		}
		for c, v := range row {
			y[r*cols+c] = math.Exp(float64(v)-m) / s
		}
	}
	return y
}

// onDevice runs the kernel on dev and returns the largest relative error.
func onDevice(dev *streaming.Device, x []float32, rows, cols int, want []float64) (float64, error) {
	ctx, err := dev.NewContext(0)
	if err != nil {
		return 0, err
	}
	defer ctx.Close()
	mod, err := ctx.LoadModuleData(module)
	if err != nil {
		return 0, err
	}
	defer mod.Close()
	fn, err := mod.Function("softmax")
	if err != nil {
		return 0, err
	}
	bytes := uint64(4 * len(x))
	dx, err := ctx.Malloc(bytes)
	if err != nil {
		return 0, err
	}
	defer ctx.Free(dx)
	dy, err := ctx.Malloc(bytes)
	if err != nil {
		return 0, err
	}
	defer ctx.Free(dy)
	s := ctx.DefaultStream()
	if err := streaming.CopyToDevice(s, dx, x); err != nil {
		return 0, err
	}
	y := make([]float32, len(x))
	for i := range y {
		y[i] = float32(math.NaN()) // poison: an unwritten element fails
	}
	if err := streaming.CopyToDevice(s, dy, y); err != nil {
		return 0, err
	}
	if err := s.Launch(fn, streaming.D1(uint32(rows)), streaming.D1(block), 4*block/32, dx, dy, int32(cols)); err != nil {
		return 0, err
	}
	if err := streaming.CopyFromDevice(s, y, dy); err != nil {
		return 0, err
	}
	if err := s.Synchronize(context.Background()); err != nil {
		return 0, err
	}
	// expf is within 2 ulp and the sums are of positive terms: a few
	// float32 epsilons per row, growing slowly with the columns.
	tol := 1e-5 * (1 + math.Log2(float64(cols)))
	var worst float64
	for i, v := range y {
		e := math.Abs(float64(v)-want[i]) / want[i]
		if !(e <= tol) { // NaN fails too
			return e, fmt.Errorf("y[%d][%d] = %v, want %v (relative error %.3g > %.3g)", i/cols, i%cols, v, want[i], e, tol)
		}
		worst = math.Max(worst, e)
	}
	return worst, nil
}
