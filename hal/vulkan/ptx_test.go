//go:build cgo

package vulkan

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/internal/kbuild"
)

const ptxHead = ".version 7.8\n.target sm_80\n.address_size 64\n"

// TestPTXLoadErrors: PTX that does not parse, and valid PTX the
// translator refuses, are invalid PTX (CUDA_ERROR_INVALID_PTX, as a JIT
// reports them) and an invalid image, naming the instruction.
func TestPTXLoadErrors(t *testing.T) {
	d := openDevice(t)
	t.Setenv(kbuild.EnvCacheDir, "off")
	cases := []struct {
		name, src string
		want      error
		mention   string
	}{
		{"syntax", ptxHead + ".visible .entry k() { frobnicate.u32 %r1; }", hal.ErrInvalidPTX, "frobnicate"},
		{"texture", ptxHead + ".visible .entry k(.param .u64 t) { .reg .f32 %f<5>; .reg .b64 %r; ld.param.u64 %r, [t]; tex.1d.v4.f32.f32 {%f1, %f2, %f3, %f4}, [%r, {%f1}]; ret; }", hal.ErrInvalidPTX, "tex"},
		{"irreducible", ptxHead + `.visible .entry k(.param .u32 n) { .reg .pred %p; .reg .b32 %r; ld.param.u32 %r, [n]; setp.eq.u32 %p, %r, 0; @%p bra B;
A: add.u32 %r, %r, 1; setp.lt.u32 %p, %r, 9; @%p bra B; ret;
B: add.u32 %r, %r, 2; setp.lt.u32 %p, %r, 9; @%p bra A; ret; }`, hal.ErrInvalidPTX, "irreducible"},
		{"no kernels", ptxHead + ".func f() { ret; }", hal.ErrInvalidPTX, "no kernels"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x, err := d.Load(hal.FormatPTX, []byte(c.src))
			if err == nil {
				x.Close()
				t.Fatalf("loaded, want %v", c.want)
			}
			if !errors.Is(err, c.want) || !errors.Is(err, hal.ErrInvalidImage) || !strings.Contains(err.Error(), c.mention) {
				t.Errorf("%v: want %v mentioning %q", err, c.want, c.mention)
			}
		})
	}
}

// TestPTXGlobals: a PTX module's .global variables live in a buffer the
// driver initialises (address initializers relocated); Global gives
// their device addresses; a kernel reads and writes them.
func TestPTXGlobals(t *testing.T) {
	d := openDevice(t)
	src := ptxHead + `.visible .global .align 4 .u32 counter = 5;
.visible .global .align 8 .u64 self = counter;
.visible .entry bump(.param .u64 out) {
	.reg .b32 %r; .reg .b64 %a, %p;
	ld.param.u64 %a, [out];
	ld.global.u64 %p, [self];
	atom.global.add.u32 %r, [%p], 10;
	st.global.u32 [%a], %r;
	ret;
}
`
	x, err := d.Load(hal.FormatPTX, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	caddr, csize, err := x.Global("counter")
	if err != nil || csize != 4 || caddr == 0 {
		t.Fatalf("Global(counter) = %#x, %d, %v", caddr, csize, err)
	}
	saddr, _, err := x.Global("self")
	if err != nil {
		t.Fatal(err)
	}
	var self uint64
	if err := d.CopyToHost(unsafe.Pointer(&self), saddr, 8); err != nil {
		t.Fatal(err)
	}
	if self != caddr {
		t.Errorf("self = %#x, want counter's address %#x (relocated initializer)", self, caddr)
	}
	if _, _, err := x.Global("nothing"); !errors.Is(err, hal.ErrNotFound) {
		t.Errorf("Global(nothing): %v, want not found", err)
	}
	q := newQueue(t, d)
	defer q.Close()
	out := alloc(t, d, hal.MemoryHost, 4)
	defer d.Free(hal.MemoryHost, out.Device)
	k := kernelOf(t, x, "bump")
	for i := 0; i < 3; i++ {
		cfg := hal.LaunchConfig{Grid: hal.Dim3{X: 1, Y: 1, Z: 1}, Block: hal.Dim3{X: 1, Y: 1, Z: 1}, Args: (&args{}).ptr(out.Device).bytes()}
		if err := q.Dispatch(k, cfg); err != nil {
			t.Fatal(err)
		}
	}
	syncQ(t, q)
	var got uint32
	if err := d.CopyToHost(unsafe.Pointer(&got), caddr, 4); err != nil {
		t.Fatal(err)
	}
	if got != 35 {
		t.Errorf("counter = %d after three launches adding 10 to 5, want 35", got)
	}
	if old := binary.LittleEndian.Uint32(unsafe.Slice((*byte)(out.Host), 4)); old != 25 {
		t.Errorf("last launch saw %d, want 25", old)
	}
}

// TestPTXFatbin loads the PTX of an nvcc-style fatbin (the CUDA test
// kernels wrapped in a fatbin container) and runs vector_add.
func TestPTXFatbin(t *testing.T) {
	d := openDevice(t)
	p := testdataPath(t, "test_kernels.sm_80.ptx")
	if p == "" {
		t.Skip("test_kernels.sm_80.ptx not found")
	}
	ptx, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	x, err := d.Load(hal.FormatFatbin, fatbinOf(ptx))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	q := newQueue(t, d)
	defer q.Close()
	const n = 1000
	a, b, c := alloc(t, d, hal.MemoryHost, 4*n), alloc(t, d, hal.MemoryHost, 4*n), alloc(t, d, hal.MemoryHost, 4*n)
	defer func() {
		for _, m := range []hal.Allocation{a, b, c} {
			d.Free(hal.MemoryHost, m.Device)
		}
	}()
	fa, fb, fc := unsafe.Slice((*float32)(a.Host), n), unsafe.Slice((*float32)(b.Host), n), unsafe.Slice((*float32)(c.Host), n)
	for i := range fa {
		fa[i], fb[i], fc[i] = float32(i), float32(2*i)+0.5, -1
	}
	cfg := launch1D(n, 128)
	cfg.Args = (&args{}).ptr(a.Device).ptr(b.Device).ptr(c.Device).u32(n).bytes()
	if err := q.Dispatch(kernelOf(t, x, "vector_add"), cfg); err != nil {
		t.Fatal(err)
	}
	syncQ(t, q)
	for i := range fc {
		if want := float32(i) + float32(2*i) + 0.5; fc[i] != want {
			t.Fatalf("c[%d] = %v, want %v", i, fc[i], want)
		}
	}
}

// fatbinOf wraps PTX in a minimal fatbin container: one uncompressed
// PTX entry (ISA 7.8, sm_80) in the layout hal/modfile.ParseFatbin reads.
func fatbinOf(ptx []byte) []byte {
	le := binary.LittleEndian
	payload := append(append([]byte(nil), ptx...), 0)
	for len(payload)%8 != 0 {
		payload = append(payload, 0)
	}
	h := make([]byte, 64)
	le.PutUint16(h[0:], 1)      // kind: PTX
	le.PutUint16(h[2:], 0x0101) // header version
	le.PutUint32(h[4:], 64)     // header size
	le.PutUint64(h[8:], uint64(len(payload)))
	le.PutUint16(h[24:], 8) // PTX ISA minor
	le.PutUint16(h[26:], 7) // PTX ISA major
	le.PutUint32(h[28:], 80)
	le.PutUint64(h[40:], 0x11) // 64-bit, Linux host
	body := append(h, payload...)
	out := make([]byte, 16, 16+len(body))
	le.PutUint32(out, 0xba55ed50)
	le.PutUint16(out[4:], 1)
	le.PutUint16(out[6:], 16)
	le.PutUint64(out[8:], uint64(len(body)))
	return append(out, body...)
}

// TestPTXTranslationCache: the second load of a module reads its
// translation from the cache; a damaged entry is rebuilt.
func TestPTXTranslationCache(t *testing.T) {
	d := openDevice(t)
	dir := t.TempDir()
	t.Setenv(kbuild.EnvCacheDir, dir)
	src := []byte(ptxHead + ".visible .entry k(.param .u64 p) { .reg .b64 %a; ld.param.u64 %a, [p]; st.global.u32 [%a], 7; ret; }")
	load := func() {
		x, err := d.Load(hal.FormatPTX, src)
		if err != nil {
			t.Fatal(err)
		}
		x.Close()
	}
	load()
	entries, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(entries) != 1 {
		t.Fatalf("%d cache entries after one load, want 1", len(entries))
	}
	st, _ := os.Stat(entries[0])
	load()
	st2, _ := os.Stat(entries[0])
	if !st2.ModTime().Equal(st.ModTime()) {
		t.Errorf("the second load rewrote the cache entry")
	}
	// Damage it: the next load rebuilds and rewrites it.
	b, _ := os.ReadFile(entries[0])
	b[len(b)/2] ^= 0xff
	os.WriteFile(entries[0], b, 0o644)
	load()
	b2, _ := os.ReadFile(entries[0])
	if bytes.Equal(b, b2) {
		t.Errorf("a damaged cache entry was not rebuilt")
	}
}
