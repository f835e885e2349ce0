package main

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func readF32(t *testing.T, path string) []float32 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b)%4 != 0 {
		t.Fatalf("%s: %d bytes", path, len(b))
	}
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

func writeF32(t *testing.T, path string, v []float32) {
	t.Helper()
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRunKernelVectorAddFile feeds a from a file written here, b as a
// constant, and a poisoned c of which the kernel must write only the first
// n elements.
func TestRunKernelVectorAddFile(t *testing.T) {
	cleanEnv(t)
	dir := t.TempDir()
	const size, n = 1000, 900
	a := make([]float32, size)
	for i := range a {
		a[i] = float32(i)*0.25 - 17
	}
	writeF32(t, filepath.Join(dir, "a.bin"), a)
	cPath := filepath.Join(dir, "c.bin")
	out, errs, code := runCmd(t, "run-kernel", "-module", testModule, "-kernel", "vector_add", "-grid", "4", "-block", "256",
		"-args", "buf:f32="+"file:"+filepath.Join(dir, "a.bin")+" buf:f32:1000=gen:const:1.5",
		"-args", "buf:f32:1000=gen:const:NaN u32:900", "-out", "2="+cPath)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	c := readF32(t, cPath)
	if len(c) != size {
		t.Fatalf("c has %d elements", len(c))
	}
	for i := range c {
		if i < n && c[i] != a[i]+1.5 {
			t.Fatalf("c[%d] = %v, want %v", i, c[i], a[i]+1.5)
		}
		if i >= n && !math.IsNaN(float64(c[i])) {
			t.Fatalf("c[%d] = %v beyond n = %d: the poison was overwritten", i, c[i], n)
		}
	}
	for _, want := range []string{"ran vector_add on device 0:", "grid 4x1x1, block 256x1x1", "wrote arg 2 (4000 bytes) to " + cPath} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestRunKernelGenerated uses gen:iota and gen:rand, writes every buffer
// back and checks c = a + b with a Go loop.
func TestRunKernelGenerated(t *testing.T) {
	cleanEnv(t)
	dir := t.TempDir()
	const size = 3000
	runAdd := func(seed string) (a, b, c []float32) {
		p := func(s string) string { return filepath.Join(dir, s+seed+".bin") }
		out, errs, code := runCmd(t, "run-kernel", "-kernel", "vector_add", "-grid", "12", "-block", "256",
			"buf:f32:3000=gen:iota", "buf:f32:3000=gen:rand:"+seed, "buf:f32:3000=gen:const:-1e30", "u32:3000",
			"-out", "0="+p("a"), "-out", "1="+p("b"), "-out", "2="+p("c"), "-print", "0:4")
		if code != exitOK {
			t.Fatalf("exit %d\n%s%s", code, out, errs)
		}
		if !strings.Contains(out, "arg 0 (buf:f32:3000=gen:iota): [0 1 2 3] (first 4 of 3000)") {
			t.Errorf("print line missing:\n%s", out)
		}
		return readF32(t, p("a")), readF32(t, p("b")), readF32(t, p("c"))
	}
	a, b, c := runAdd("7")
	distinct := map[float32]bool{}
	for i := 0; i < size; i++ {
		if a[i] != float32(i) {
			t.Fatalf("a[%d] = %v, want %d", i, a[i], i)
		}
		if b[i] < 0 || b[i] >= 1 {
			t.Fatalf("b[%d] = %v, not in [0,1)", i, b[i])
		}
		distinct[b[i]] = true
		if want := a[i] + b[i]; c[i] != want {
			t.Fatalf("c[%d] = %v, want %v", i, c[i], want)
		}
	}
	if len(distinct) < size/2 {
		t.Errorf("gen:rand gave only %d distinct values of %d", len(distinct), size)
	}
	_, b2, _ := runAdd("7")
	if !reflect.DeepEqual(b, b2) {
		t.Errorf("gen:rand:7 differs between runs")
	}
	_, b3, _ := runAdd("8")
	if reflect.DeepEqual(b, b3) {
		t.Errorf("gen:rand:7 and gen:rand:8 gave the same values")
	}
}

// TestRunKernelArgsProbe passes every scalar type and a raw struct to
// args_probe, which writes each parameter back zero-extended to 64 bits.
func TestRunKernelArgsProbe(t *testing.T) {
	cleanEnv(t)
	dir := t.TempDir()
	// g = {int32 x = -7; float y = 0.5}
	raw := "raw:f9ffffff0000003f"
	for _, tc := range []struct {
		args []string
		want [8]uint64
	}{
		{[]string{"u8:200", "u16:65000", "u32:4000000000", "u64:0x1122334455667788", "f32:2.5", "f64:-1.25", raw},
			[8]uint64{200, 65000, 4000000000, 0x1122334455667788, uint64(math.Float32bits(2.5)), math.Float64bits(-1.25), 0xfffffff9, uint64(math.Float32bits(0.5))}},
		{[]string{"i8:-56", "i16:-2", "i32:-1", "i64:-2", "f32:-0", "f64:1e-300", raw},
			[8]uint64{200, 0xfffe, 0xffffffff, 0xfffffffffffffffe, 0x80000000, math.Float64bits(1e-300), 0xfffffff9, uint64(math.Float32bits(0.5))}},
	} {
		path := filepath.Join(dir, "probe.bin")
		args := append([]string{"run-kernel", "-module", testModule, "-kernel", "args_probe", "-out", "7=" + path}, tc.args...)
		args = append(args, "buf:u64:8=gen:const:0xdeadbeefdeadbeef")
		out, errs, code := runCmd(t, args...)
		if code != exitOK {
			t.Fatalf("%q: exit %d\n%s%s", tc.args, code, out, errs)
		}
		b, err := os.ReadFile(path)
		if err != nil || len(b) != 64 {
			t.Fatalf("%s: %d bytes, %v", path, len(b), err)
		}
		for i, want := range tc.want {
			if got := binary.LittleEndian.Uint64(b[8*i:]); got != want {
				t.Errorf("%q: out[%d] = %#x, want %#x", tc.args, i, got, want)
			}
		}
	}
}

// TestRunKernelErrors checks that bad command lines give clear errors and
// the right exit status, never a panic.
func TestRunKernelErrors(t *testing.T) {
	cleanEnv(t)
	dir := t.TempDir()
	short := filepath.Join(dir, "short.bin")
	writeF32(t, short, make([]float32, 10))
	odd := filepath.Join(dir, "odd.bin")
	os.WriteFile(odd, []byte{1, 2, 3}, 0o644)
	vadd := []string{"-kernel", "vector_add", "-grid", "1", "-block", "64"}
	bufs := "buf:f32:64=zero buf:f32:64=zero buf:f32:64=zero"
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no kernel", []string{"-args", bufs}, exitUsage, "-kernel NAME is required"},
		{"unknown kernel", []string{"-kernel", "nope"}, exitError, `no kernel "nope"; it has: args_probe, empty,`},
		{"bad u32", append(vadd, "-args", bufs+" u32:abc"), exitUsage, `argument 3 "u32:abc": "abc" is not a u32`},
		{"u8 range", append(vadd, "-args", "u8:256"), exitUsage, `"256" is not a u8`},
		{"unsigned negative", append(vadd, "-args", "u32:-1"), exitUsage, `"-1" is not a u32`},
		{"bad float", append(vadd, "-args", "f32:1e39"), exitUsage, `"1e39" is not an f32`},
		{"unknown type", append(vadd, "-args", "f33:1"), exitUsage, `unknown type "f33"`},
		{"no colon", append(vadd, "-args", "5"), exitUsage, "want TYPE:VALUE"},
		{"zero count", append(vadd, "-args", "buf:f32:0=zero"), exitUsage, "at least 1"},
		{"bad count", append(vadd, "-args", "buf:f32:x=zero"), exitUsage, `element count "x"`},
		{"huge count", append(vadd, "-args", "buf:f64:99999999999999999999=zero"), exitUsage, "element count"},
		{"too many bytes", append(vadd, "-args", "buf:f64:281474976710656=zero"), exitUsage, "more than"},
		{"unknown fill", append(vadd, "-args", "buf:f32:4=gen:foo"), exitUsage, "unknown fill"},
		{"no fill", append(vadd, "-args", "buf:f32:4"), exitUsage, "want buf:TYPE:N=INIT"},
		{"count needed", append(vadd, "-args", "buf:f32=zero"), exitUsage, "only with file:PATH"},
		{"bad const", append(vadd, "-args", "buf:u8:4=gen:const:1.5"), exitUsage, `"1.5" is not a u8`},
		{"bad seed", append(vadd, "-args", "buf:u8:4=gen:rand:-3"), exitUsage, "seed"},
		{"bad raw", append(vadd, "-args", "raw:abc"), exitUsage, "hex digits"},
		{"empty file path", append(vadd, "-args", "buf:f32:4=file:"), exitUsage, "needs a path"},
		{"missing file", append(vadd, "-args", bufs+" buf:f32=file:"+filepath.Join(dir, "nope.bin")), exitError, "input file"},
		{"file size", append(vadd, "-args", "buf:f32:64=file:"+short), exitError, "has 40 bytes; 64 f32 elements need 256"},
		{"file not whole", append(vadd, "-args", "buf:f32=file:"+odd), exitError, "not a whole number"},
		{"arg count", append(vadd, "-args", bufs), exitUsage, "vector_add takes 4 arguments (offset:size 0:8 ptr, 8:8 ptr, 16:8 ptr, 24:4), got 3"},
		{"scalar for pointer", append(vadd, "-args", "u32:1 buf:f32:64=zero buf:f32:64=zero u32:64"), exitUsage, "is 4 bytes, but parameter 0 of vector_add is 8 bytes (a pointer: pass buf:... or null)"},
		{"float for pointer", append(vadd, "-args", "f64:1 buf:f32:64=zero buf:f32:64=zero u32:64"), exitUsage, "parameter 0 of vector_add is a pointer"},
		{"buffer for u32", append(vadd, "-args", bufs+" buf:u32:1=zero"), exitUsage, "is 8 bytes, but parameter 3"},
		{"out of scalar", append(vadd, "-args", bufs+" u32:64", "-out", "3=x.bin"), exitUsage, "-out 3: argument 3 (u32:64) is not a buffer"},
		{"out index", append(vadd, "-args", bufs+" u32:64", "-out", "9=x.bin"), exitUsage, "-out 9: there are 4 arguments"},
		{"out syntax", append(vadd, "-args", bufs+" u32:64", "-out", "x.bin"), exitUsage, "want IDX=PATH"},
		{"print count", append(vadd, "-args", bufs+" u32:64", "-print", "2:0"), exitUsage, "at least 1"},
		{"print index", append(vadd, "-args", bufs+" u32:64", "-print", "-1"), exitUsage, "must be a whole number"},
		{"out unwritable", append(vadd, "-args", bufs+" u32:64", "-out", "2="+filepath.Join(dir, "no", "dir", "c.bin")), exitError, "-out 2="},
		{"grid zero", []string{"-kernel", "empty", "-grid", "0"}, exitUsage, "-grid"},
		{"grid 4-D", []string{"-kernel", "empty", "-grid", "1,2,3,4"}, exitUsage, "want X, X,Y or X,Y,Z"},
		{"block word", []string{"-kernel", "empty", "-block", "x"}, exitUsage, "-block"},
		{"grid too big", []string{"-kernel", "empty", "-grid", "4294967296"}, exitUsage, "-grid"},
		{"shared too big", []string{"-kernel", "empty", "-shared", "8589934592"}, exitUsage, "-shared"},
		{"shared over limit", []string{"-kernel", "empty", "-shared", "100000000"}, exitError, "dynamic shared memory"},
		{"block over limit", append(vadd[:4:4], "-block", "4096", "-args", bufs+" u32:64"), exitError, "exceeds"},
		{"module missing", []string{"-module", filepath.Join(dir, "none.fat"), "-kernel", "empty"}, exitError, "none.fat"},
		{"module garbage", []string{"-module", odd, "-kernel", "empty"}, exitError, "odd.bin"},
		{"module /dev/zero", []string{"-module", "/dev/zero", "-kernel", "empty"}, exitError, "/dev/zero: not a regular file (a character device)"},
		{"module directory", []string{"-module", dir, "-list"}, exitError, "not a regular file (a directory)"},
		{"device", []string{"-device", "5", "-kernel", "empty"}, exitUsage, "-device 5"},
		{"backend", []string{"-backend", fakeDriver, "-kernel", "empty"}, exitError, "libzz.so.1 not found"},
		{"flag", []string{"-nosuch"}, exitUsage, "flag provided but not defined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"run-kernel"}, tc.args...)
			if !contains(tc.args, "-module") {
				args = append(args, "-module", testModule)
			}
			out, errs, code := runCmd(t, args...)
			if code != tc.code || !strings.Contains(errs, tc.want) {
				t.Errorf("exit %d, want %d; stderr should contain %q\nstdout:\n%s\nstderr:\n%s", code, tc.code, tc.want, out, errs)
			}
		})
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func TestRunKernelList(t *testing.T) {
	cleanEnv(t)
	out, errs, code := runCmd(t, "run-kernel", "-module", testModule, "-list")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{"streamhal-fat", "cpu-elf", "sm_80", "sm_90", "gfx90a", "gfx942", "<- loaded on device 0",
		"  vector_add(0:8 ptr, 8:8 ptr, 16:8 ptr, 24:4)", "  saxpy(0:4, 4:4, 8:8 ptr, 16:8 ptr)"} {
		if !strings.Contains(out, want) {
			t.Errorf("-list output lacks %q:\n%s", want, out)
		}
	}
}

// TestParseArgRoundTrip checks String against parseArg for each form.
func TestParseArgRoundTrip(t *testing.T) {
	for _, s := range []string{"u8:7", "i8:-128", "u16:65535", "i16:-32768", "u32:5", "i32:-1", "u64:18446744073709551615",
		"i64:-9223372036854775808", "f32:2.5", "f64:-0.125", "f32:NaN", "f64:+Inf", "null", "raw:00ff",
		"buf:f32:10=zero", "buf:u8:3=gen:iota", "buf:f64:2=gen:const:1.5", "buf:i32:9=gen:rand:42",
		"buf:f32=file:a=b:c.bin", "buf:u16:4=file:x"} {
		a, err := parseArg(s)
		if err != nil {
			t.Errorf("parseArg(%q): %v", s, err)
			continue
		}
		b, err := parseArg(a.String())
		if err != nil || !reflect.DeepEqual(a, b) {
			t.Errorf("parseArg(%q) = %+v, String %q parses to %+v, %v", s, a, a.String(), b, err)
		}
	}
	a, _ := parseArg("buf:f32=file:a=b:c.bin")
	if a.path != "a=b:c.bin" || a.count != 0 {
		t.Errorf("file path %+v", a)
	}
}

func TestGenerator(t *testing.T) {
	for _, tc := range []struct {
		arg  string
		want []byte
	}{
		{"buf:u8:3=gen:iota", []byte{0, 1, 2}},
		{"buf:i16:2=gen:const:-2", []byte{0xfe, 0xff, 0xfe, 0xff}},
		{"buf:f32:2=gen:iota", []byte{0, 0, 0, 0, 0, 0, 0x80, 0x3f}},
	} {
		a, err := parseArg(tc.arg)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]byte, len(tc.want))
		newGenerator(a).fill(got)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: % x, want % x", tc.arg, got, tc.want)
		}
	}
	// Chunked generation equals one pass.
	a, _ := parseArg("buf:f64:100=gen:rand:3")
	one := make([]byte, 800)
	newGenerator(a).fill(one)
	g := newGenerator(a)
	two := make([]byte, 800)
	g.fill(two[:240])
	g.fill(two[240:])
	if !reflect.DeepEqual(one, two) {
		t.Errorf("chunked gen:rand differs")
	}
}

func FuzzParseArg(f *testing.F) {
	for _, s := range []string{"u32:5", "i32:-1", "f32:2.5", "f64:1e-3", "u8:0x10", "raw:0a0b", "null",
		"buf:f32:1024=gen:iota", "buf:f32:8=gen:const:1.5", "buf:u64:8=gen:rand:9", "buf:f32=file:x.bin",
		"buf:u8:4=zero", "buf:", "buf:f32:=zero", ":", "u16:1_000", "i8:-0b101"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := parseArg(s)
		if err != nil {
			return
		}
		if a.size() < 1 {
			t.Fatalf("%q: size %d", s, a.size())
		}
		if a.kind == argBuffer && a.count > 0 && a.count*uint64(a.typ.size) > maxBufferBytes {
			t.Fatalf("%q: %d elements accepted", s, a.count)
		}
		b, err := parseArg(a.String())
		if err != nil {
			t.Fatalf("%q parses, its String %q does not: %v", s, a.String(), err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("%q: %+v, via String %q: %+v", s, a, a.String(), b)
		}
		if a.kind == argBuffer && a.init != initFile && a.count <= 64 {
			buf := make([]byte, a.count*uint64(a.typ.size))
			newGenerator(a).fill(buf)
		}
	})
}

func FuzzParseDim(f *testing.F) {
	for _, s := range []string{"1", "4096", "16,16", "1,2,3", "0", "1,2,3,4", ",", "4294967295", " 3 ,4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseDim(s)
		if err != nil {
			return
		}
		if d.X == 0 || d.Y == 0 || d.Z == 0 {
			t.Fatalf("%q: %v has a zero dimension", s, d)
		}
		e, err := parseDim(strings.ReplaceAll(dimString(d), "x", ","))
		if err != nil || e != d {
			t.Fatalf("%q: %v does not round-trip: %v %v", s, d, e, err)
		}
	})
}
