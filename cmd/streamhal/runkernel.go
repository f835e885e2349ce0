package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/modfile"
	"github.com/streamhal/streamhal/streaming"
)

const runKernelUsage = `Usage: streamhal run-kernel [-module FILE] -kernel NAME -grid X[,Y,Z] -block X[,Y,Z]
                            [-shared N] [-args "ARG ..."] [-out IDX=PATH] [-print IDX[:N]]
                            [-backend NAME] [-device N]
       streamhal run-kernel [-module FILE] -list

Loads a module (any format streamhal loads: a CPU kernel library, PTX,
cubin, fatbin, AMDGPU code object, SPIR-V, or a streamhal fat module), launches
one kernel with arguments given on the command line, waits for it, and writes
or prints the buffers asked for: a way to try a kernel without writing Go.
-list prints the module's binaries and the kernels (with their parameter
layouts, offset:size) of the binary loaded on the device instead.

Example (testdata/test_kernels.fat is the default module):

  streamhal run-kernel -kernel vector_add -grid 4 -block 256 \
    -args "buf:f32:1024=gen:iota buf:f32:1024=gen:const:0.5 buf:f32:1024=zero u32:1024" \
    -print 2 -out 2=c.bin

`

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, " ") }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }

// fieldsList is a repeatable flag whose values are split at white space.
type fieldsList []string

func (l *fieldsList) String() string     { return strings.Join(*l, " ") }
func (l *fieldsList) Set(s string) error { *l = append(*l, strings.Fields(s)...); return nil }

// chunkBytes bounds the host memory used to fill and read back buffers.
const chunkBytes = 16 << 20

func runKernel(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run-kernel", runKernelUsage+argSyntax, stderr)
	lf := addLaunchFlags(fs, "see above")
	module, kernel, gridS, blockS, shared := lf.module, lf.kernel, lf.grid, lf.block, lf.shared
	var outs, prints stringList
	fs.Var(&outs, "out", "IDX=PATH: write buffer argument IDX to PATH after the launch (repeatable)")
	fs.Var(&prints, "print", "IDX[:N]: print the first N (default 8) elements of buffer argument IDX (repeatable)")
	backend := fs.String("backend", "", "use the first device of this backend: cpu, cuda, hip (or amdgpu), vulkan")
	var device deviceFlag
	fs.Var(&device, "device", "use the device with ordinal `N` (default: the default device)")
	list := fs.Bool("list", false, "list the module's binaries and kernels instead of launching")
	if err := lf.parse(fs, args); err != nil {
		return err
	}
	argList := lf.args

	// Check the whole command line before opening anything.
	kargs, grid, block, err := parseLaunch(argList, *gridS, *blockS, *shared)
	if err != nil {
		return err
	}
	bufferArg := func(flagName string, i int) error {
		if i >= len(kargs) {
			return usagef("%s %d: there are %d arguments (numbered from 0)", flagName, i, len(kargs))
		}
		if kargs[i].kind != argBuffer {
			return usagef("%s %d: argument %d (%s) is not a buffer", flagName, i, i, kargs[i])
		}
		return nil
	}
	type outSpec struct {
		idx  int
		path string
	}
	var outSpecs []outSpec
	for _, o := range outs {
		i, path, err := parseOut(o)
		if err != nil {
			return usagef("%v", err)
		}
		if err := bufferArg("-out", i); err != nil {
			return err
		}
		outSpecs = append(outSpecs, outSpec{i, path})
	}
	type printSpec struct{ idx, n int }
	var printSpecs []printSpec
	for _, p := range prints {
		i, n, err := parsePrint(p)
		if err != nil {
			return usagef("%v", err)
		}
		if err := bufferArg("-print", i); err != nil {
			return err
		}
		printSpecs = append(printSpecs, printSpec{i, n})
	}
	if *kernel == "" && !*list {
		return usagef("-kernel NAME is required (-list shows the module's kernels)")
	}
	// Buffers from files: the count comes from, or must match, the file.
	for i := range kargs {
		if err := checkFile(&kargs[i]); err != nil {
			return fmt.Errorf("argument %d %q: %w", i, argList[i], err)
		}
	}
	if *module == "" {
		p, err := findTestKernels()
		if err != nil {
			return err
		}
		*module = p
	}

	rt, dev, err := openDevice(*backend, device, stderr)
	if err != nil {
		return err
	}
	defer rt.Close()
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
	if *list {
		return listModule(stdout, *module, dev, mod)
	}
	fn, err := mod.Function(*kernel)
	if err != nil {
		if errors.Is(err, streaming.ErrNotFound) {
			return fmt.Errorf("module %s (%s binary on %s) has no kernel %q; it has: %s: %w",
				*module, mod.Format(), dev.Name(), *kernel, strings.Join(mod.Kernels(), ", "), streaming.ErrNotFound)
		}
		return err
	}
	if err := checkParams(fn, kargs, argList); err != nil {
		return err
	}

	// Allocate and fill the buffers, then launch.
	ptrs := make([]streaming.DevicePtr, len(kargs))
	values := make([]any, len(kargs))
	for i, a := range kargs {
		if a.kind == argBuffer {
			p, err := ctx.Malloc(a.count * uint64(a.typ.size))
			if err != nil {
				return fmt.Errorf("argument %d %q: %w", i, argList[i], err)
			}
			defer ctx.Free(p)
			if err := fillBuffer(ctx, p, a); err != nil {
				return fmt.Errorf("argument %d %q: %w", i, argList[i], err)
			}
			ptrs[i] = p
		}
		values[i] = a.value(ptrs[i])
	}
	s := ctx.DefaultStream()
	t0 := time.Now()
	if err := s.Launch(fn, grid, block, uint32(*shared), values...); err != nil {
		return err
	}
	if err := ctx.Synchronize(context.Background()); err != nil {
		return fmt.Errorf("kernel %s: %w", *kernel, err)
	}
	elapsed := time.Since(t0)
	fmt.Fprintf(stdout, "ran %s on device %d: %s (%s): grid %s, block %s, %d bytes shared, %s (launch + synchronize)\n",
		*kernel, dev.Ordinal(), dev.Name(), dev.Backend(), dimString(grid), dimString(block), *shared, elapsed.Round(time.Microsecond))

	for _, p := range printSpecs {
		a := kargs[p.idx]
		n := min(uint64(p.n), a.count)
		b := make([]byte, n*uint64(a.typ.size))
		if err := ctx.MemcpyDtoH(b, ptrs[p.idx]); err != nil {
			return fmt.Errorf("-print %d: %w", p.idx, err)
		}
		fmt.Fprintf(stdout, "arg %d (%s): %s (first %d of %d)\n", p.idx, a, formatElems(a.typ, b), n, a.count)
	}
	for _, o := range outSpecs {
		a := kargs[o.idx]
		if err := writeBuffer(ctx, ptrs[o.idx], a.count*uint64(a.typ.size), o.path); err != nil {
			return fmt.Errorf("-out %d=%s: %w", o.idx, o.path, err)
		}
		fmt.Fprintf(stdout, "wrote arg %d (%d bytes) to %s\n", o.idx, a.count*uint64(a.typ.size), o.path)
	}
	return nil
}

func dimString(d streaming.Dim3) string { return fmt.Sprintf("%dx%dx%d", d.X, d.Y, d.Z) }

// checkFile sets the element count of a file buffer from the file's size,
// or checks the given count against it.
func checkFile(a *kernelArg) error {
	if a.kind != argBuffer || a.init != initFile {
		return nil
	}
	st, err := os.Stat(a.path)
	if err != nil {
		return fmt.Errorf("input file: %v: %w", err, streaming.ErrNotFound)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("input file %s is not a regular file: %w", a.path, streaming.ErrInvalidValue)
	}
	size := uint64(st.Size())
	es := uint64(a.typ.size)
	if a.count == 0 {
		if size == 0 || size%es != 0 {
			return fmt.Errorf("input file %s has %d bytes, not a whole number (at least 1) of %d-byte %s elements: %w", a.path, size, es, a.typ.name, streaming.ErrInvalidValue)
		}
		if size > maxBufferBytes {
			return fmt.Errorf("input file %s has %d bytes, more than %d: %w", a.path, size, uint64(maxBufferBytes), streaming.ErrInvalidValue)
		}
		a.count = size / es
		return nil
	}
	if want := a.count * es; size != want {
		return fmt.Errorf("input file %s has %d bytes; %d %s elements need %d: %w", a.path, size, a.count, a.typ.name, want, streaming.ErrInvalidValue)
	}
	return nil
}

// describeParams writes a kernel's parameter layout as offset:size, with
// "ptr" for pointers.
func describeParams(ps []hal.Param) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = fmt.Sprintf("%d:%d", p.Offset, p.Size)
		if p.Pointer {
			parts[i] += " ptr"
		}
	}
	return strings.Join(parts, ", ")
}

// checkParams matches the arguments against the kernel's parameter layout
// (when its module records one), with messages in command-line terms.
func checkParams(fn *streaming.Function, kargs []kernelArg, texts []string) error {
	ps := fn.Params()
	if ps == nil {
		return nil
	}
	if len(ps) != len(kargs) {
		return usagef("kernel %s takes %d arguments (offset:size %s), got %d", fn.Name(), len(ps), describeParams(ps), len(kargs))
	}
	for i, p := range ps {
		a := kargs[i]
		if a.size() != int(p.Size) {
			hint := ""
			if p.Pointer {
				hint = " (a pointer: pass buf:... or null)"
			}
			return usagef("argument %d %q is %d bytes, but parameter %d of %s is %d bytes%s", i, texts[i], a.size(), i, fn.Name(), p.Size, hint)
		}
		if p.Pointer && a.kind != argBuffer && a.kind != argNull && !(a.kind == argScalar && a.typ.kind != 'f') {
			return usagef("argument %d %q: parameter %d of %s is a pointer: pass buf:... or null", i, texts[i], i, fn.Name())
		}
	}
	return nil
}

// fillBuffer writes a buffer's initial contents to the device, a chunk at a
// time.
func fillBuffer(ctx *streaming.Context, p streaming.DevicePtr, a kernelArg) error {
	total := a.count * uint64(a.typ.size)
	if a.init == initZero {
		return ctx.MemsetD8(p, 0, total)
	}
	chunk := make([]byte, min(total, chunkBytes/uint64(a.typ.size)*uint64(a.typ.size)))
	var f *os.File
	if a.init == initFile {
		var err error
		if f, err = os.Open(a.path); err != nil {
			return fmt.Errorf("input file: %v: %w", err, streaming.ErrNotFound)
		}
		defer f.Close()
	}
	g := newGenerator(a)
	for off := uint64(0); off < total; {
		b := chunk[:min(uint64(len(chunk)), total-off)]
		if f != nil {
			if _, err := io.ReadFull(f, b); err != nil {
				return fmt.Errorf("read %s at byte %d: %v (did it change?): %w", a.path, off, err, streaming.ErrInvalidValue)
			}
		} else {
			g.fill(b)
		}
		if err := ctx.MemcpyHtoD(p+streaming.DevicePtr(off), b); err != nil {
			return err
		}
		off += uint64(len(b))
	}
	return nil
}

// writeBuffer copies n bytes at p to the file path, a chunk at a time.
func writeBuffer(ctx *streaming.Context, p streaming.DevicePtr, n uint64, path string) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	w := bufio.NewWriterSize(f, 1<<20)
	chunk := make([]byte, min(n, chunkBytes))
	for off := uint64(0); off < n; {
		b := chunk[:min(uint64(len(chunk)), n-off)]
		if err := ctx.MemcpyDtoH(b, p+streaming.DevicePtr(off)); err != nil {
			return err
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
		off += uint64(len(b))
	}
	return w.Flush()
}

// listModule prints a module's binaries (hal/modfile) and the kernels of
// the binary loaded on dev.
func listModule(w io.Writer, path string, dev *streaming.Device, mod *streaming.Module) error {
	data, err := modfile.ReadFile(path)
	if err != nil {
		return err
	}
	format, err := modfile.Detect(data)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "module %s: %s, %d bytes\n", path, format, len(data))
	if format == hal.FormatFat {
		entries, err := modfile.ParseFat(data)
		if err != nil {
			return err
		}
		chosen, selErr := modfile.Select(entries, dev.HAL().Formats(), dev.Info().Arch)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  format\ttarget\tbytes\tkernels\t")
		for _, e := range entries {
			kernels := "-"
			if m, err := modfile.Parse(e.Format, e.Data); err == nil {
				kernels = fmt.Sprint(len(m.Kernels))
			}
			mark := ""
			if selErr == nil && e.Format == chosen.Format && e.Target == chosen.Target {
				mark = fmt.Sprintf("<- loaded on device %d", dev.Ordinal())
			}
			fmt.Fprintf(tw, "  %s\t%s\t%d\t%s\t%s\n", e.Format, e.Target, len(e.Data), kernels, mark)
		}
		tw.Flush()
	}
	fmt.Fprintf(w, "kernels of the %s binary loaded on device %d (%s), parameters as offset:size:\n", mod.Format(), dev.Ordinal(), dev.Name())
	for _, name := range mod.Kernels() {
		fn, err := mod.Function(name)
		if err != nil {
			return err
		}
		ps := fn.Params()
		if ps == nil {
			fmt.Fprintf(w, "  %s (no parameter layout recorded: arguments pack by natural alignment)\n", name)
			continue
		}
		fmt.Fprintf(w, "  %s(%s)\n", name, describeParams(ps))
	}
	return nil
}
