package corpus

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/streaming"
)

// File is one built module of the corpus, named SOURCE.BUILD.ARCH.EXT in
// testdata/ptx: SOURCE the .cu file's base name, BUILD the compiler and
// variant (clang16, clang19, nvcc, nvcc-all, nvcc-size, ...), ARCH the
// target (sm_80), EXT ptx or fatbin.
type File struct {
	Module string
	Build  string
	Arch   string
	Format hal.Format
	Path   string
}

// Variant names the build the file belongs to: BUILD.ARCH.EXT.
func (f File) Variant() string {
	ext := "ptx"
	if f.Format == hal.FormatFatbin {
		ext = "fatbin"
	}
	return f.Build + "." + f.Arch + "." + ext
}

// SM returns the file's target as a number (sm_90 is 90).
func (f File) SM() int {
	n, _ := strconv.Atoi(strings.TrimPrefix(f.Arch, "sm_"))
	return n
}

// NVCC reports whether nvcc built the file.
func (f File) NVCC() bool { return strings.HasPrefix(f.Build, "nvcc") }

// Files lists the corpus modules in the given directories (later
// directories' files replace earlier ones of the same name), sorted by
// variant and module.
func Files(dirs ...string) ([]File, error) {
	byName := map[string]File{}
	for _, d := range dirs {
		ents, err := os.ReadDir(d)
		if err != nil {
			return nil, fmt.Errorf("corpus: list %s: %w", d, err)
		}
		for _, e := range ents {
			parts := strings.Split(e.Name(), ".")
			if e.IsDir() || len(parts) != 4 || !strings.HasPrefix(parts[2], "sm_") {
				continue
			}
			f := File{Module: parts[0], Build: parts[1], Arch: parts[2], Path: filepath.Join(d, e.Name())}
			switch parts[3] {
			case "ptx":
				f.Format = hal.FormatPTX
			case "fatbin":
				f.Format = hal.FormatFatbin
			default:
				continue
			}
			byName[e.Name()] = f
		}
	}
	fs := make([]File, 0, len(byName))
	for _, f := range byName {
		fs = append(fs, f)
	}
	sort.Slice(fs, func(i, j int) bool {
		if fs[i].Variant() != fs[j].Variant() {
			return fs[i].Variant() < fs[j].Variant()
		}
		return fs[i].Module < fs[j].Module
	})
	return fs, nil
}

// Result is what a run left behind: every buffer's contents, and each
// global's contents right after the module was loaded and after the
// launches.
type Result struct {
	Buffers       map[string]any
	GlobalsAtLoad map[string]any
	Globals       map[string]any
}

// Timeout bounds how long Execute waits for a run's launches.
var Timeout = 2 * time.Minute

// ErrTimeout is returned (wrapped) when a run's launches do not finish
// within Timeout; the run's device memory is then left allocated, since
// the kernels may still use it.
var ErrTimeout = errors.New("corpus: launches did not finish in time")

// Execute runs r with the kernels of mod (loaded in ctx): it allocates and
// fills the buffers (outputs poisoned with PoisonByte), reads and sets the
// globals, launches on a new stream, waits, and reads everything back.
func Execute(ctx *streaming.Context, mod *streaming.Module, r *Run) (res *Result, err error) {
	res = &Result{Buffers: map[string]any{}, GlobalsAtLoad: map[string]any{}, Globals: map[string]any{}}
	ptrs := make([]streaming.DevicePtr, len(r.Buffers))
	keep := false
	defer func() {
		if keep {
			return
		}
		for _, p := range ptrs {
			if p != 0 {
				if ferr := ctx.Free(p); ferr != nil && err == nil {
					err = fmt.Errorf("corpus: free: %w", ferr)
				}
			}
		}
	}()
	for i, b := range r.Buffers {
		var data []byte
		if b.In != nil {
			data = bytesOf(b.In)
		} else {
			data = make([]byte, b.Len*ElemSize(b.Elem))
			for k := range data {
				data[k] = PoisonByte
			}
		}
		if len(data) == 0 {
			return nil, fmt.Errorf("corpus: buffer %s is empty", b.Name)
		}
		p, err := ctx.Malloc(uint64(len(data)))
		if err != nil {
			return nil, fmt.Errorf("corpus: allocate buffer %s (%d bytes): %w", b.Name, len(data), err)
		}
		ptrs[i] = p
		if err := ctx.MemcpyHtoD(p, data); err != nil {
			return nil, fmt.Errorf("corpus: fill buffer %s: %w", b.Name, err)
		}
	}
	for _, g := range r.Globals {
		p, size, err := mod.Global(g.Name)
		if err != nil {
			return nil, fmt.Errorf("corpus: global %s: %w", g.Name, err)
		}
		if want := uint64(sliceLen(g.Init) * ElemSize(g.Init)); size != want {
			return nil, fmt.Errorf("corpus: global %s is %d bytes, want %d", g.Name, size, want)
		}
		buf := make([]byte, size)
		if err := ctx.MemcpyDtoH(buf, p); err != nil {
			return nil, fmt.Errorf("corpus: read global %s: %w", g.Name, err)
		}
		res.GlobalsAtLoad[g.Name] = sliceFrom(buf, g.Init)
		if g.Set != nil {
			if err := ctx.MemcpyHtoD(p, bytesOf(g.Set)); err != nil {
				return nil, fmt.Errorf("corpus: write global %s: %w", g.Name, err)
			}
		}
	}
	s, err := ctx.NewStream(0, 0)
	if err != nil {
		return nil, fmt.Errorf("corpus: new stream: %w", err)
	}
	defer s.Close()
	for _, l := range r.Launches {
		fn, err := mod.Function(l.Kernel)
		if err != nil {
			return nil, fmt.Errorf("corpus: kernel %s: %w", l.Kernel, err)
		}
		args := make([]any, len(l.Args))
		for k, a := range l.Args {
			if b, ok := a.(Buf); ok {
				args[k] = ptrs[b]
			} else {
				args[k] = a
			}
		}
		cfg := streaming.LaunchConfig{Grid: l.Grid, Block: l.Block, SharedBytes: l.Shared, Cooperative: r.Cooperative}
		if err := s.LaunchConfigured(fn, cfg, args...); err != nil {
			return nil, fmt.Errorf("corpus: launch %s grid %v block %v shared %d: %w", l.Kernel, l.Grid, l.Block, l.Shared, err)
		}
	}
	wait, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	if err := s.Synchronize(wait); err != nil {
		if wait.Err() != nil {
			keep = true
			return nil, fmt.Errorf("%w (%v; %v): %v", ErrTimeout, Timeout, r.Kernels(), err)
		}
		return nil, fmt.Errorf("corpus: run %v: %w", r.Kernels(), err)
	}
	for i, b := range r.Buffers {
		like := b.In
		n := sliceLen0(b.In)
		if like == nil {
			like, n = b.Elem, b.Len
		}
		buf := make([]byte, n*ElemSize(like))
		if err := ctx.MemcpyDtoH(buf, ptrs[i]); err != nil {
			return nil, fmt.Errorf("corpus: read buffer %s: %w", b.Name, err)
		}
		res.Buffers[b.Name] = sliceFrom(buf, like)
	}
	for _, g := range r.Globals {
		p, size, err := mod.Global(g.Name)
		if err != nil {
			return nil, fmt.Errorf("corpus: global %s: %w", g.Name, err)
		}
		buf := make([]byte, size)
		if err := ctx.MemcpyDtoH(buf, p); err != nil {
			return nil, fmt.Errorf("corpus: read global %s: %w", g.Name, err)
		}
		res.Globals[g.Name] = sliceFrom(buf, g.Init)
	}
	return res, nil
}

func sliceLen0(s any) int {
	if s == nil {
		return 0
	}
	return sliceLen(s)
}

// Verify compares a result with the run's references: every buffer that
// has a Want, the globals as loaded and after the launches, and the
// invariant. It reports every mismatching buffer (the first bad element of
// each).
func (r *Run) Verify(res *Result) error {
	var errs []error
	for _, b := range r.Buffers {
		if b.Want == nil {
			continue
		}
		if err := b.Compare(res.Buffers[b.Name]); err != nil {
			errs = append(errs, err)
		}
	}
	for _, g := range r.Globals {
		at := &Buffer{Name: "global " + g.Name + " as loaded", Want: g.Init}
		if err := at.Compare(res.GlobalsAtLoad[g.Name]); err != nil {
			errs = append(errs, err)
		}
		after := &Buffer{Name: "global " + g.Name + " after the launches", Want: g.Want}
		if err := after.Compare(res.Globals[g.Name]); err != nil {
			errs = append(errs, err)
		}
	}
	if r.Invariant != nil {
		if err := r.Invariant(func(name string) any { return res.Buffers[name] }); err != nil {
			errs = append(errs, fmt.Errorf("invariant (%s): %w", r.InvariantDoc, err))
		}
	}
	return errors.Join(errs...)
}

// CompareResults compares two backends' results of the same run (see
// Buffer.CompareOutputs); notes describe the differences within bounds.
func (r *Run) CompareResults(a, b *Result, nameA, nameB string) (notes []string, err error) {
	var errs []error
	for _, buf := range r.Buffers {
		note, err := buf.CompareOutputs(a.Buffers[buf.Name], b.Buffers[buf.Name], nameA, nameB)
		if err != nil {
			errs = append(errs, err)
		}
		if note != "" {
			notes = append(notes, note)
		}
	}
	for _, g := range r.Globals {
		gb := &Buffer{Name: "global " + g.Name, Want: g.Want}
		if _, err := gb.CompareOutputs(a.Globals[g.Name], b.Globals[g.Name], nameA, nameB); err != nil {
			errs = append(errs, err)
		}
	}
	return notes, errors.Join(errs...)
}

// bytesOf returns the memory of a typed slice (little-endian hosts, which
// are the only ones streamhal runs on).
func bytesOf(s any) []byte {
	n := sliceLen(s) * ElemSize(s)
	if n == 0 {
		return nil
	}
	var p unsafe.Pointer
	switch v := s.(type) {
	case []int8:
		p = unsafe.Pointer(&v[0])
	case []uint8:
		p = unsafe.Pointer(&v[0])
	case []int16:
		p = unsafe.Pointer(&v[0])
	case []uint16:
		p = unsafe.Pointer(&v[0])
	case []int32:
		p = unsafe.Pointer(&v[0])
	case []uint32:
		p = unsafe.Pointer(&v[0])
	case []int64:
		p = unsafe.Pointer(&v[0])
	case []uint64:
		p = unsafe.Pointer(&v[0])
	case []float32:
		p = unsafe.Pointer(&v[0])
	case []float64:
		p = unsafe.Pointer(&v[0])
	}
	return append([]byte(nil), unsafe.Slice((*byte)(p), n)...)
}

// sliceFrom makes a slice of like's element type (like: a zero value or a
// slice) from raw bytes.
func sliceFrom(b []byte, like any) any {
	n := len(b) / ElemSize(like)
	var out any
	var p unsafe.Pointer
	switch like.(type) {
	case int8, []int8:
		s := make([]int8, n)
		out, p = s, unsafe.Pointer(unsafe.SliceData(s))
	case uint8, []uint8:
		s := make([]uint8, n)
		out, p = s, unsafe.Pointer(unsafe.SliceData(s))
	case int16, []int16:
		s := make([]int16, n)
		out, p = s, unsafe.Pointer(unsafe.SliceData(s))
	case uint16, []uint16:
		s := make([]uint16, n)
		out, p = s, unsafe.Pointer(unsafe.SliceData(s))
	case int32, []int32:
		s := make([]int32, n)
		out, p = s, unsafe.Pointer(unsafe.SliceData(s))
	case uint32, []uint32:
		s := make([]uint32, n)
		out, p = s, unsafe.Pointer(unsafe.SliceData(s))
	case int64, []int64:
		s := make([]int64, n)
		out, p = s, unsafe.Pointer(unsafe.SliceData(s))
	case uint64, []uint64:
		s := make([]uint64, n)
		out, p = s, unsafe.Pointer(unsafe.SliceData(s))
	case float32, []float32:
		s := make([]float32, n)
		out, p = s, unsafe.Pointer(unsafe.SliceData(s))
	case float64, []float64:
		s := make([]float64, n)
		out, p = s, unsafe.Pointer(unsafe.SliceData(s))
	default:
		panic(fmt.Sprintf("corpus: unsupported element type %T", like))
	}
	if n > 0 {
		copy(unsafe.Slice((*byte)(p), len(b)), b)
	}
	return out
}

// ArgSize is the packed size of a launch argument.
func ArgSize(a any) int {
	switch a.(type) {
	case Buf, int64, uint64, float64:
		return 8
	case int32, uint32, float32:
		return 4
	case int16, uint16:
		return 2
	case int8, uint8:
		return 1
	}
	return -1
}
