// Package corpus is streamhal's PTX test corpus: CUDA kernels
// (kernels/corpus/*.cu) built to PTX by clang 16 and 19 and by nvcc
// (testdata/ptx/), and for every kernel a Case: its launch shapes,
// deterministic inputs from a seeded PRNG, a plain Go reference for its
// outputs, and the rule its outputs are compared by.
//
// The corpus proves that a backend runs PTX the way an NVIDIA GPU does.
// The tests in this package run every case on the backend under test
// (STREAM_HAL_TEST_TARGET) and compare with the references, and, on a
// machine with both a CPU and a CUDA device, run every case on both and
// compare the two (see corpus_test.go and kernels/README.md).
//
// Comparison rules. Integer results and correctly rounded floating-point
// results (IEEE operations in every rounding mode, conversions) must match
// bit for bit; every NaN matches every NaN, since PTX leaves NaN payloads
// open. Results of the approximate instructions (ex2, lg2, sin, cos,
// rsqrt, rcp, sqrt, div, tanh .approx) must lie in the interval the PTX
// ISA's stated error bound allows around the exact value; Check.Why names
// the bound. Order-dependent results (which thread's atomicExch displaced
// which value) are compared as multisets, or by a check function that
// states the invariant.
//
// The references are independent of the kernels: plain Go loops over the
// same inputs, Go's math package, and math/big for rounding (float.go).
// Kernels whose references involve a subtle algorithm are also checked a
// second way in corpus_test.go.
package corpus

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/streamhal/streamhal/hal"
)

// PoisonByte fills every output buffer before a launch, so that an element
// a kernel fails to write shows up as 0xa5a5... instead of a plausible
// zero. References of elements a kernel must leave alone expect it.
const PoisonByte = 0xa5

// Buf is a launch argument that stands for Run.Buffers[i]'s device
// address.
type Buf int

// Check says how a buffer's contents are compared.
type Check struct {
	// Lo and Hi, when set, bound each floating-point element: got must lie
	// in [Lo[i], Hi[i]] (numerically, so -0 == +0); a NaN bound requires a
	// NaN. Want then holds the correctly rounded exact value, shown on
	// failure.
	Lo, Hi []float64
	// Why names the bound (the PTX ISA's statement) for Lo and Hi.
	Why string
	// Unordered compares the contents as multisets: which thread wrote
	// which element is up to the hardware, the set of values is not.
	Unordered bool
	// Custom, when set, replaces the comparison: it gets the contents
	// read back and returns what is wrong with them.
	Custom func(got any) error
	// F16 and BF16 mark uint16 elements as binary16 / bfloat16 encodings,
	// so that every NaN encoding matches every other.
	F16, BF16 bool
	// Index, when set, describes element i for error messages (the row and
	// column of a multi-output layout).
	Index func(i int) string
	// AnyZeroSign, when set, marks elements where the PTX ISA leaves the
	// sign of a zero result open: +0 and -0 both match either.
	AnyZeroSign func(i int) bool
}

// Buffer is one device allocation of a Run.
type Buffer struct {
	Name string
	// In is the initial contents (a slice of int8, uint8, int16, uint16,
	// int32, uint32, int64, uint64, float32 or float64), or nil for an
	// output that starts poisoned; then Elem's type and Len size it.
	In   any
	Elem any
	Len  int
	// Want is the expected contents after the launches; nil for a buffer
	// that is only read.
	Want  any
	Check Check
}

// Global is a module-scope variable (cuModuleGetGlobal).
type Global struct {
	Name string
	// Init is what the module's initializer puts there: the contents read
	// right after the module is loaded must equal it.
	Init any
	// Set, when not nil, is written by the host before the launches.
	Set any
	// Want is the expected contents after the launches.
	Want any
}

// Launch is one kernel launch of a Run.
type Launch struct {
	Kernel      string
	Grid, Block hal.Dim3
	Shared      uint32
	// Args are the kernel's arguments: Buf(i) for a buffer's address,
	// Go scalars (int32, uint32, int64, uint64, float32, float64)
	// otherwise.
	Args []any
}

// Run is the concrete data of one case: buffers, globals and launches in
// order (launches run back to back on one stream).
type Run struct {
	Buffers     []*Buffer
	Globals     []*Global
	Launches    []Launch
	Cooperative bool // launch with cuLaunchCooperativeKernel
	// Invariant, when set, checks what no single buffer's Want can say
	// (the results of order-dependent atomics); get returns any buffer's
	// contents by name. InvariantDoc states it.
	Invariant    func(get func(name string) any) error
	InvariantDoc string
}

// Case is one corpus test.
type Case struct {
	// Name is "module/kernel" (a suffix tells variants apart).
	Name string
	// Module is the source's base name: kernels/corpus/Module.cu, built
	// to testdata/ptx/Module.*.ptx.
	Module string
	// NVCCOnly marks sources only nvcc builds (cooperative groups).
	NVCCOnly bool
	// F32Subnormals marks cases whose f32 results or operands include
	// subnormals without .ftz: a Vulkan device that cannot preserve them
	// (no shaderDenormPreserveFloat32) flushes them, the deviation the
	// README documents, and the corpus test excuses these cases there.
	F32Subnormals bool
	// Covers says what the case exercises, for humans.
	Covers string
	// Make builds the case's run from a PRNG seeded by the case's name.
	Make func(r *rand.Rand) *Run
}

// Build returns the case's run; the same case always builds the same run.
func (c Case) Build() *Run {
	h := fnv.New64a()
	h.Write([]byte(c.Name))
	return c.Make(rand.New(rand.NewPCG(h.Sum64(), 0x5eed_c0de)))
}

// Kernels lists the kernels the case launches.
func (r *Run) Kernels() []string {
	var ks []string
	seen := map[string]bool{}
	for _, l := range r.Launches {
		if !seen[l.Kernel] {
			seen[l.Kernel] = true
			ks = append(ks, l.Kernel)
		}
	}
	return ks
}

var registry []Case

func register(cs ...Case) { registry = append(registry, cs...) }

// Cases returns every case, sorted by name.
func Cases() []Case {
	cs := append([]Case(nil), registry...)
	sort.Slice(cs, func(i, j int) bool { return cs[i].Name < cs[j].Name })
	return cs
}

// ---- building runs ----

// builder assembles a Run.
type builder struct{ run *Run }

func newBuilder() *builder { return &builder{run: &Run{}} }

func (b *builder) add(buf *Buffer) Buf {
	b.run.Buffers = append(b.run.Buffers, buf)
	return Buf(len(b.run.Buffers) - 1)
}

// in adds an input buffer.
func (b *builder) in(name string, data any) Buf {
	return b.add(&Buffer{Name: name, In: data})
}

// out adds a poisoned output compared exactly with want.
func (b *builder) out(name string, want any) Buf {
	return b.outCheck(name, want, Check{})
}

// outCheck adds a poisoned output with a comparison rule.
func (b *builder) outCheck(name string, want any, c Check) Buf {
	return b.add(&Buffer{Name: name, Elem: zeroOf(want), Len: sliceLen(want), Want: want, Check: c})
}

// inout adds a buffer with initial contents that the launches change.
func (b *builder) inout(name string, init, want any) Buf {
	return b.add(&Buffer{Name: name, In: init, Want: want})
}

func (b *builder) launch(kernel string, grid, block hal.Dim3, shared uint32, args ...any) {
	b.run.Launches = append(b.run.Launches, Launch{Kernel: kernel, Grid: grid, Block: block, Shared: shared, Args: args})
}

func d1(x uint32) hal.Dim3       { return hal.Dim3{X: x, Y: 1, Z: 1} }
func d2(x, y uint32) hal.Dim3    { return hal.Dim3{X: x, Y: y, Z: 1} }
func d3(x, y, z uint32) hal.Dim3 { return hal.Dim3{X: x, Y: y, Z: z} }
func blocks(n, per int) uint32   { return uint32((n + per - 1) / per) }

// poison32 and friends are what PoisonByte leaves in an element.
const (
	poison8  = uint8(PoisonByte)
	poison16 = uint16(PoisonByte) * 0x0101
	poison32 = uint32(poison16) * 0x10001
	poison64 = uint64(poison32) * 0x100000001
)

// ---- random inputs ----

func ints(r *rand.Rand, n int, lo, hi int32) []int32 {
	s := make([]int32, n)
	for i := range s {
		s[i] = lo + int32(r.Int64N(int64(hi)-int64(lo)+1))
	}
	return s
}

func uints(r *rand.Rand, n int) []uint32 {
	s := make([]uint32, n)
	for i := range s {
		s[i] = r.Uint32()
	}
	return s
}

func uint64s(r *rand.Rand, n int) []uint64 {
	s := make([]uint64, n)
	for i := range s {
		s[i] = r.Uint64()
	}
	return s
}

// dyadic returns n floats k/den with k uniform in [-lim, lim]: sums of a
// few thousand of them are exact in float32, in any order.
func dyadic(r *rand.Rand, n int, lim int, den float32) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.IntN(2*lim+1)-lim) / den
	}
	return s
}

func uniform32(r *rand.Rand, n int, lo, hi float64) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(lo + (hi-lo)*r.Float64())
	}
	return s
}

// ---- helpers on typed slices ----

func zeroOf(s any) any {
	switch s.(type) {
	case []int8:
		return int8(0)
	case []uint8:
		return uint8(0)
	case []int16:
		return int16(0)
	case []uint16:
		return uint16(0)
	case []int32:
		return int32(0)
	case []uint32:
		return uint32(0)
	case []int64:
		return int64(0)
	case []uint64:
		return uint64(0)
	case []float32:
		return float32(0)
	case []float64:
		return float64(0)
	}
	panic(fmt.Sprintf("corpus: unsupported element type %T", s))
}

func sliceLen(s any) int {
	switch v := s.(type) {
	case []int8:
		return len(v)
	case []uint8:
		return len(v)
	case []int16:
		return len(v)
	case []uint16:
		return len(v)
	case []int32:
		return len(v)
	case []uint32:
		return len(v)
	case []int64:
		return len(v)
	case []uint64:
		return len(v)
	case []float32:
		return len(v)
	case []float64:
		return len(v)
	}
	panic(fmt.Sprintf("corpus: unsupported buffer type %T", s))
}

// ElemSize is the byte size of a buffer element type (a zero value or a
// slice).
func ElemSize(v any) int {
	switch v.(type) {
	case int8, uint8, []int8, []uint8:
		return 1
	case int16, uint16, []int16, []uint16:
		return 2
	case int32, uint32, float32, []int32, []uint32, []float32:
		return 4
	case int64, uint64, float64, []int64, []uint64, []float64:
		return 8
	}
	panic(fmt.Sprintf("corpus: unsupported element type %T", v))
}

// bitsAt returns element i as raw bits (floats by their encoding) and
// whether it is a floating-point NaN.
func bitsAt(s any, i int) (uint64, bool) {
	switch v := s.(type) {
	case []int8:
		return uint64(uint8(v[i])), false
	case []uint8:
		return uint64(v[i]), false
	case []int16:
		return uint64(uint16(v[i])), false
	case []uint16:
		return uint64(v[i]), false
	case []int32:
		return uint64(uint32(v[i])), false
	case []uint32:
		return uint64(v[i]), false
	case []int64:
		return uint64(v[i]), false
	case []uint64:
		return v[i], false
	case []float32:
		return uint64(math.Float32bits(v[i])), math.IsNaN(float64(v[i]))
	case []float64:
		return math.Float64bits(v[i]), math.IsNaN(v[i])
	}
	panic(fmt.Sprintf("corpus: unsupported buffer type %T", s))
}

// floatAt returns element i of a float slice as float64.
func floatAt(s any, i int) (float64, bool) {
	switch v := s.(type) {
	case []float32:
		return float64(v[i]), true
	case []float64:
		return v[i], true
	}
	return 0, false
}

// show formats element i for messages.
func show(s any, i int, c Check) string {
	b, _ := bitsAt(s, i)
	switch v := s.(type) {
	case []float32:
		return fmt.Sprintf("%g (%#08x)", v[i], b)
	case []float64:
		return fmt.Sprintf("%g (%#016x)", v[i], b)
	case []uint16:
		if c.F16 {
			return fmt.Sprintf("%#04x (%g)", b, F16Value(v[i], Binary16))
		}
		if c.BF16 {
			return fmt.Sprintf("%#04x (%g)", b, F16Value(v[i], BFloat16))
		}
	}
	switch v := s.(type) {
	case []int8:
		return fmt.Sprint(v[i])
	case []int16:
		return fmt.Sprint(v[i])
	case []int32:
		return fmt.Sprint(v[i])
	case []int64:
		return fmt.Sprint(v[i])
	}
	return fmt.Sprintf("%d (%#x)", b, b)
}

func (c Check) where(i int) string {
	if c.Index != nil {
		return fmt.Sprintf("element %d (%s)", i, c.Index(i))
	}
	return fmt.Sprintf("element %d", i)
}

// sameElem reports whether element i of got and want are equal under the
// exact rule (NaN == NaN).
func sameElem(got, want any, i int, c Check) bool {
	g, gn := bitsAt(got, i)
	w, wn := bitsAt(want, i)
	if gn || wn {
		return gn && wn
	}
	if c.AnyZeroSign != nil && c.AnyZeroSign(i) {
		if gf, ok := floatAt(got, i); ok && gf == 0 {
			if wf, _ := floatAt(want, i); wf == 0 {
				return true
			}
		}
	}
	if c.F16 || c.BF16 {
		gh, wh := uint16(g), uint16(w)
		if IsF16NaN(gh, c.BF16) || IsF16NaN(wh, c.BF16) {
			return IsF16NaN(gh, c.BF16) && IsF16NaN(wh, c.BF16)
		}
	}
	return g == w
}

// Compare checks got (the contents read back) against the buffer's Want
// by its Check; the error names the first offending element.
func (b *Buffer) Compare(got any) error {
	if b.Check.Custom != nil {
		if err := b.Check.Custom(got); err != nil {
			return fmt.Errorf("buffer %s: %w", b.Name, err)
		}
		return nil
	}
	n := sliceLen(b.Want)
	if gl := sliceLen(got); gl != n {
		return fmt.Errorf("buffer %s: %d elements read back, want %d", b.Name, gl, n)
	}
	if b.Check.Unordered {
		return compareMultiset(b.Name, got, b.Want)
	}
	for i := 0; i < n; i++ {
		if b.Check.Lo != nil {
			g, _ := floatAt(got, i)
			lo, hi := b.Check.Lo[i], b.Check.Hi[i]
			ok := (math.IsNaN(lo) && math.IsNaN(g)) || (lo <= g && g <= hi)
			if !ok {
				return fmt.Errorf("buffer %s: %s: got %s, want %s in [%g, %g] (%s)",
					b.Name, b.Check.where(i), show(got, i, b.Check), show(b.Want, i, b.Check), lo, hi, b.Check.Why)
			}
			continue
		}
		if !sameElem(got, b.Want, i, b.Check) {
			return fmt.Errorf("buffer %s: %s: got %s, want %s", b.Name, b.Check.where(i), show(got, i, b.Check), show(b.Want, i, b.Check))
		}
	}
	return nil
}

func compareMultiset(name string, got, want any) error {
	n := sliceLen(want)
	gs := make([]uint64, n)
	ws := make([]uint64, n)
	for i := 0; i < n; i++ {
		gs[i], _ = bitsAt(got, i)
		ws[i], _ = bitsAt(want, i)
	}
	sort.Slice(gs, func(i, j int) bool { return gs[i] < gs[j] })
	sort.Slice(ws, func(i, j int) bool { return ws[i] < ws[j] })
	for i := range gs {
		if gs[i] != ws[i] {
			return fmt.Errorf("buffer %s: as a multiset, the %d-th smallest value is %#x, want %#x", name, i, gs[i], ws[i])
		}
	}
	return nil
}

// CompareOutputs compares the same buffer as read back from two backends:
// bit for bit where the rule is exact, both inside the bound where it is
// an interval (their distance is then at most the bound's width), and not
// at all for order-dependent buffers (each was checked against the
// reference on its own). It returns a note on the largest difference
// found within the bounds.
func (b *Buffer) CompareOutputs(x, y any, nameX, nameY string) (string, error) {
	if b.Want == nil || b.Check.Custom != nil || b.Check.Unordered {
		return "", nil
	}
	n := sliceLen(b.Want)
	if sliceLen(x) != n || sliceLen(y) != n {
		return "", fmt.Errorf("buffer %s: %d and %d elements, want %d", b.Name, sliceLen(x), sliceLen(y), n)
	}
	if b.Check.Lo != nil {
		worst := 0.0
		for i := 0; i < n; i++ {
			fx, _ := floatAt(x, i)
			fy, _ := floatAt(y, i)
			if math.IsNaN(fx) != math.IsNaN(fy) {
				return "", fmt.Errorf("buffer %s: %s: %s %g, %s %g", b.Name, b.Check.where(i), nameX, fx, nameY, fy)
			}
			if d := math.Abs(fx - fy); d > b.Check.Hi[i]-b.Check.Lo[i] {
				return "", fmt.Errorf("buffer %s: %s: %s %g and %s %g differ by more than the bound's width %g (%s)",
					b.Name, b.Check.where(i), nameX, fx, nameY, fy, b.Check.Hi[i]-b.Check.Lo[i], b.Check.Why)
			}
			if u := ulpDistance(fx, fy, x); u > worst {
				worst = u
			}
		}
		return fmt.Sprintf("%s: %s and %s differ by up to %g ulp (%s)", b.Name, nameX, nameY, worst, b.Check.Why), nil
	}
	for i := 0; i < n; i++ {
		if !sameElem(x, y, i, b.Check) {
			return "", fmt.Errorf("buffer %s: %s: %s %s, %s %s", b.Name, b.Check.where(i), nameX, show(x, i, b.Check), nameY, show(y, i, b.Check))
		}
	}
	return "", nil
}

// ulpDistance counts the representable values between a and b in the
// slice's float format.
func ulpDistance(a, b float64, like any) float64 {
	if a == b || math.IsNaN(a) || math.IsNaN(b) {
		return 0
	}
	if _, ok := like.([]float32); ok {
		return math.Abs(float64(ordered32(float32(a)) - ordered32(float32(b))))
	}
	return math.Abs(float64(ordered64(a) - ordered64(b)))
}

func ordered32(x float32) int64 {
	b := int64(math.Float32bits(x))
	if b&(1<<31) != 0 {
		return -(b &^ (1 << 31))
	}
	return b
}

func ordered64(x float64) int64 {
	b := math.Float64bits(x)
	if b&(1<<63) != 0 {
		return -int64(b &^ (1 << 63))
	}
	return int64(b)
}

// rowIndex describes element i of a row-major rows x n layout whose rows
// have names.
func rowIndex(n int, names []string) func(int) string {
	return func(i int) string {
		r := i / n
		name := fmt.Sprint(r)
		if r < len(names) {
			name = names[r]
		}
		return fmt.Sprintf("%s of element %d", name, i%n)
	}
}

// colIndex describes element i of a layout with k values per element.
func colIndex(k int, names []string) func(int) string {
	return func(i int) string {
		c := i % k
		name := fmt.Sprint(c)
		if c < len(names) {
			name = names[c]
		}
		return fmt.Sprintf("%s of element %d", name, i/k)
	}
}

func joinNames(ns ...string) []string { return ns }
