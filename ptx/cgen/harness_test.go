package cgen_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/streamhal/streamhal/ptx/cgen"
)

// The tests compile translated C with the system compiler ($CC, default
// cc) and run kernels through testdata/harness.c, which loads the library
// with dlopen and calls its entries as the CPU driver does.

func compilerPath(t testing.TB) string {
	cc := os.Getenv("CC")
	if cc == "" {
		cc = "cc"
	}
	fields := strings.Fields(cc)
	p, err := exec.LookPath(fields[0])
	if err != nil {
		if os.Getenv("STREAM_HAL_REQUIRE") == "cpu" {
			t.Fatalf("no C compiler (%s): %v", cc, err)
		}
		t.Skipf("no C compiler (%s): %v", cc, err)
	}
	return p
}

var (
	harnessOnce sync.Once
	harnessBin  string
	harnessErr  error
	harnessDir  string
)

func harness(t testing.TB) string {
	cc := compilerPath(t)
	harnessOnce.Do(func() {
		dir, err := os.MkdirTemp("", "cgen-harness")
		if err != nil {
			harnessErr = err
			return
		}
		harnessDir = dir
		harnessBin = filepath.Join(dir, "harness")
		out, err := exec.Command(cc, "-O2", "-std=c11", "-Wall", "-Werror", "-I../../kernels", "-o", harnessBin,
			"testdata/harness.c", "-ldl", "-lpthread").CombinedOutput()
		if err != nil {
			harnessErr = fmt.Errorf("building the harness: %v\n%s", err, out)
		}
	})
	if harnessErr != nil {
		t.Fatal(harnessErr)
	}
	return harnessBin
}

// compileC builds C source into a shared library in a temporary directory
// and returns its path. Extra flags (e.g. -O0) come after the defaults.
func compileC(t testing.TB, src []byte, extra ...string) string {
	t.Helper()
	return compileWith(t, compilerPath(t), src, extra...)
}

// compileWith builds with a given compiler.
func compileWith(t testing.TB, cc string, src []byte, extra ...string) string {
	t.Helper()
	dir := t.TempDir()
	cfile := filepath.Join(dir, "k.c")
	if err := os.WriteFile(cfile, src, 0o644); err != nil {
		t.Fatal(err)
	}
	so := filepath.Join(dir, "k.so")
	args := append([]string{"-O2", "-fPIC", "-shared", "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter"}, cgen.CFlags...)
	args = append(args, extra...)
	args = append(args, "-o", so, cfile)
	args = append(args, cgen.LDFlags...)
	out, err := exec.Command(cc, args...).CombinedOutput()
	if err != nil {
		keep := filepath.Join(os.TempDir(), "cgen-failed.c")
		_ = os.WriteFile(keep, src, 0o644)
		t.Fatalf("compiling the generated C (kept in %s): %v\n%s", keep, err, firstLines(string(out), 40))
	}
	return so
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

// translate translates PTX and compiles it.
func buildPTX(t testing.TB, src string) (string, *cgen.Result) {
	t.Helper()
	res, err := cgen.Translate([]byte(src), cgen.Options{})
	if err != nil {
		t.Fatalf("translate: %v", err)
	}
	return compileC(t, res.C), res
}

type dim3 struct{ x, y, z uint32 }

// launch is one kernel run through the harness.
type launch struct {
	kernel  string
	grid    dim3
	block   dim3
	shared  uint32
	workers uint32
	bufs    [][]byte
	args    []byte
	ptrs    [][2]uint32 // args offset, buffer index
	globals map[string][]byte
}

type launchResult struct {
	fault   uint32
	msg     string
	bufs    [][]byte
	globals map[string][]byte
}

func runLaunch(t testing.TB, lib string, l launch) launchResult {
	t.Helper()
	var in bytes.Buffer
	w := func(v any) { _ = binary.Write(&in, binary.LittleEndian, v) }
	in.WriteString("SHAL")
	w(uint32(len(l.kernel)))
	in.WriteString(l.kernel)
	for _, d := range []dim3{l.grid, l.block} {
		w(d.x)
		w(d.y)
		w(d.z)
	}
	w(l.shared)
	w(max(l.workers, 1))
	w(uint32(len(l.bufs)))
	for _, b := range l.bufs {
		w(uint64(len(b)))
		in.Write(b)
	}
	w(uint32(len(l.args)))
	in.Write(l.args)
	w(uint32(len(l.ptrs)))
	for _, p := range l.ptrs {
		w(p[0])
		w(p[1])
	}
	w(uint32(len(l.globals)))
	for name, b := range l.globals {
		w(uint32(len(name)))
		in.WriteString(name)
		w(uint64(len(b)))
		in.Write(b)
	}
	cmd := exec.Command(harness(t), lib)
	cmd.Stdin = &in
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("harness: %v\n%s", err, errb.String())
	}
	r := bytes.NewReader(out.Bytes())
	var res launchResult
	rd := func(v any) {
		if err := binary.Read(r, binary.LittleEndian, v); err != nil {
			t.Fatalf("reading harness output: %v", err)
		}
	}
	rd(&res.fault)
	var ml uint32
	rd(&ml)
	msg := make([]byte, ml)
	rd(msg)
	res.msg = string(msg)
	for _, b := range l.bufs {
		nb := make([]byte, len(b))
		rd(nb)
		res.bufs = append(res.bufs, nb)
	}
	res.globals = map[string][]byte{}
	for r.Len() > 0 {
		var nl uint32
		rd(&nl)
		name := make([]byte, nl)
		rd(name)
		var size uint64
		rd(&size)
		b := make([]byte, size)
		rd(b)
		res.globals[string(name)] = b
	}
	return res
}

func libTable(t testing.TB, lib string) string {
	out, err := exec.Command(harness(t), lib, "table").CombinedOutput()
	if err != nil {
		t.Fatalf("harness table: %v\n%s", err, out)
	}
	return string(out)
}

// argPacker builds a packed argument buffer with C natural alignment.
type argPacker struct {
	buf  []byte
	ptrs [][2]uint32
	max  int
}

func (p *argPacker) align(a int) {
	for len(p.buf)%a != 0 {
		p.buf = append(p.buf, 0)
	}
	p.max = max(p.max, a)
}

func (p *argPacker) ptr(buf int) *argPacker {
	p.align(8)
	p.ptrs = append(p.ptrs, [2]uint32{uint32(len(p.buf)), uint32(buf)})
	p.buf = append(p.buf, make([]byte, 8)...)
	return p
}

func (p *argPacker) u32(v uint32) *argPacker {
	p.align(4)
	p.buf = binary.LittleEndian.AppendUint32(p.buf, v)
	return p
}

func (p *argPacker) u64(v uint64) *argPacker {
	p.align(8)
	p.buf = binary.LittleEndian.AppendUint64(p.buf, v)
	return p
}

func (p *argPacker) bytes() []byte {
	if p.max > 0 {
		p.align(p.max)
	}
	return p.buf
}

func f32bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], mathFloat32bits(x))
	}
	return b
}

func bytesF32(b []byte) []float32 {
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = mathFloat32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

func u32bytes(v []uint32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], x)
	}
	return b
}

func bytesU32(b []byte) []uint32 {
	v := make([]uint32, len(b)/4)
	for i := range v {
		v[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return v
}

func poison(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = 0xA5
	}
	return b
}
