package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/streamhal/streamhal/streaming"
)

const checkUsage = `Usage: streamhal check [-module FILE] -kernel NAME -grid X[,Y,Z] -block X[,Y,Z]
                       [-shared N] [-args "ARG ..."] [-backends A,B] [-ulp N] [-show N]

Runs one launch (arguments as for run-kernel) on two backends with the same
inputs and compares every buffer argument afterwards: integers bit for bit,
floats within -ulp units in the last place (with 0, equal as numbers: +0
and -0 match, and a NaN matches any NaN). Prints the first -show differences of each buffer and exits with
status 1 when there are any: the tool for a kernel that behaves differently
on the CPU and on a GPU.

Example:

  streamhal check -module k.fat -kernel softmax -grid 8 -block 256 -shared 32 \
    -args "buf:f32:8000=gen:rand:1 buf:f32:8000=zero i32:1000" -backends cpu,vulkan -ulp 2

`

// errDiffer makes run exit with status 1 after check printed differences.
var errDiffer = errors.New("the backends' results differ")

// launchResult is one backend's run: every buffer argument's final bytes.
type launchResult struct {
	device string
	bufs   map[int][]byte
}

func runCheck(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("check", checkUsage+argSyntax, stderr)
	lf := addLaunchFlags(fs, "see run-kernel")
	module, kernel, gridS, blockS, shared := lf.module, lf.kernel, lf.grid, lf.block, lf.shared
	backends := fs.String("backends", "", "the two `backends` to compare, A,B (default: cpu and the first other backend present)")
	ulp := fs.Uint64("ulp", 0, "tolerance for float elements, in units in the last place")
	show := fs.Int("show", 10, "differences to print per buffer")
	if err := lf.parse(fs, args); err != nil {
		return err
	}
	argList := lf.args
	if *kernel == "" {
		return usagef("-kernel NAME is required")
	}
	kargs, grid, block, err := parseLaunch(argList, *gridS, *blockS, *shared)
	if err != nil {
		return err
	}
	if *show < 0 {
		return usagef("-show %d: want 0 or more", *show)
	}
	for i := range kargs {
		if err := checkFile(&kargs[i]); err != nil {
			return fmt.Errorf("argument %d %q: %w", i, argList[i], err)
		}
	}
	names := splitList(*backends)
	if *backends == "" {
		names, err = defaultCheckBackends(stderr)
		if err != nil {
			return err
		}
	}
	if len(names) != 2 {
		return usagef("-backends %q: want two backends, A,B (the same one twice checks that a kernel is deterministic)", *backends)
	}
	if *module == "" {
		p, err := findTestKernels()
		if err != nil {
			return err
		}
		*module = p
	}
	var res [2]launchResult
	for i, b := range names {
		if res[i], err = launchOn(b, *module, *kernel, grid, block, uint32(*shared), kargs, argList, stderr); err != nil {
			return fmt.Errorf("%s: %w", b, err)
		}
		fmt.Fprintf(stdout, "ran %s on %s\n", *kernel, res[i].device)
	}
	differ := false
	for i, a := range kargs {
		if a.kind != argBuffer {
			continue
		}
		n, first := compareBuffers(a.typ, res[0].bufs[i], res[1].bufs[i], *ulp, *show)
		if n == 0 {
			fmt.Fprintf(stdout, "arg %d (%s): %d elements equal\n", i, a, a.count)
			continue
		}
		differ = true
		fmt.Fprintf(stdout, "arg %d (%s): %d of %d elements differ\n", i, a, n, a.count)
		for _, d := range first {
			fmt.Fprintf(stdout, "  [%d] %s: %s  %s: %s%s\n", d.index, names[0], d.a, names[1], d.b, d.note)
		}
	}
	if differ {
		return errDiffer
	}
	fmt.Fprintf(stdout, "%s and %s agree", names[0], names[1])
	if *ulp > 0 {
		fmt.Fprintf(stdout, " (floats within %d ulp)", *ulp)
	}
	fmt.Fprintln(stdout)
	return nil
}

// defaultCheckBackends is cpu and the first other backend that opens.
func defaultCheckBackends(stderr io.Writer) ([]string, error) {
	rt, err := streaming.Open(streaming.Options{LogOutput: stderr})
	if err != nil {
		return nil, err
	}
	statuses := rt.Backends()
	rt.Close()
	for _, s := range statuses {
		if s.Name != "cpu" && s.Err == nil && s.Devices > 0 {
			return []string{"cpu", s.Name}, nil
		}
	}
	return nil, fmt.Errorf("only the CPU backend is available here; -backends A,B names two: %w", streaming.ErrNotAvailable)
}

// launchOn runs the launch on backend's default device and reads back every
// buffer argument.
func launchOn(backend, module, kernel string, grid, block streaming.Dim3, shared uint32,
	kargs []kernelArg, texts []string, stderr io.Writer) (launchResult, error) {
	rt, dev, err := openDevice(backend, deviceFlag{}, stderr)
	if err != nil {
		return launchResult{}, err
	}
	defer rt.Close()
	ctx, err := dev.NewContext(0)
	if err != nil {
		return launchResult{}, err
	}
	defer ctx.Close()
	mod, err := ctx.LoadModule(module)
	if err != nil {
		return launchResult{}, err
	}
	defer mod.Close()
	fn, err := mod.Function(kernel)
	if err != nil {
		return launchResult{}, err
	}
	if err := checkParams(fn, kargs, texts); err != nil {
		return launchResult{}, err
	}
	ptrs := make([]streaming.DevicePtr, len(kargs))
	values := make([]any, len(kargs))
	for i, a := range kargs {
		if a.kind == argBuffer {
			p, err := ctx.Malloc(a.count * uint64(a.typ.size))
			if err != nil {
				return launchResult{}, fmt.Errorf("argument %d %q: %w", i, texts[i], err)
			}
			defer ctx.Free(p)
			if err := fillBuffer(ctx, p, a); err != nil {
				return launchResult{}, fmt.Errorf("argument %d %q: %w", i, texts[i], err)
			}
			ptrs[i] = p
		}
		values[i] = a.value(ptrs[i])
	}
	s := ctx.DefaultStream()
	if err := s.Launch(fn, grid, block, shared, values...); err != nil {
		return launchResult{}, err
	}
	if err := ctx.Synchronize(context.Background()); err != nil {
		return launchResult{}, fmt.Errorf("kernel %s: %w", kernel, err)
	}
	res := launchResult{device: fmt.Sprintf("%s (%s)", dev.Name(), dev.Backend()), bufs: map[int][]byte{}}
	for i, a := range kargs {
		if a.kind != argBuffer {
			continue
		}
		b := make([]byte, a.count*uint64(a.typ.size))
		if err := ctx.MemcpyDtoH(b, ptrs[i]); err != nil {
			return launchResult{}, fmt.Errorf("read back argument %d: %w", i, err)
		}
		res.bufs[i] = b
	}
	return res, nil
}

// difference is one differing element, formatted.
type difference struct {
	index uint64
	a, b  string
	note  string
}

// compareBuffers counts the elements of type t that differ between a and b
// (floats: by more than ulp units in the last place) and formats the first
// show of them.
func compareBuffers(t elemType, a, b []byte, ulp uint64, show int) (int, []difference) {
	n := 0
	var first []difference
	for off := 0; off+t.size <= len(a) && off+t.size <= len(b); off += t.size {
		x, y := getBits(a[off:], t.size), getBits(b[off:], t.size)
		if x == y {
			continue
		}
		note := ""
		if t.kind == 'f' {
			d, ok := floatULP(t.size, x, y)
			if ok && d <= ulp {
				continue
			}
			if ok {
				note = fmt.Sprintf(" (%d ulp)", d)
			}
		}
		n++
		if len(first) < show {
			first = append(first, difference{uint64(off / t.size), formatValue(t, x), formatValue(t, y), note})
		}
	}
	return n, first
}

func getBits(b []byte, size int) uint64 {
	switch size {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(binary.LittleEndian.Uint16(b))
	case 4:
		return uint64(binary.LittleEndian.Uint32(b))
	}
	return binary.LittleEndian.Uint64(b)
}

// floatULP is the distance of two floats in units in the last place; two
// NaNs are 0 apart; a NaN and a number are not comparable (ok false).
func floatULP(size int, x, y uint64) (uint64, bool) {
	var ox, oy int64
	if size == 4 {
		fx, fy := math.Float32frombits(uint32(x)), math.Float32frombits(uint32(y))
		if fx != fx || fy != fy {
			return 0, fx != fx && fy != fy
		}
		ord := func(b uint32) int64 {
			if b>>31 != 0 {
				return -int64(b & 0x7fffffff)
			}
			return int64(b)
		}
		ox, oy = ord(uint32(x)), ord(uint32(y))
	} else {
		fx, fy := math.Float64frombits(x), math.Float64frombits(y)
		if fx != fx || fy != fy {
			return 0, fx != fx && fy != fy
		}
		ord := func(b uint64) int64 {
			if b>>63 != 0 {
				return -int64(b & 0x7fffffffffffffff)
			}
			return int64(b)
		}
		ox, oy = ord(x), ord(y)
	}
	if ox > oy {
		return uint64(ox - oy), true
	}
	return uint64(oy - ox), true
}
