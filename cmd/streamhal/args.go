package main

import (
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"

	"github.com/streamhal/streamhal/streaming"
)

// argSyntax documents run-kernel's argument syntax (help text and package
// documentation).
const argSyntax = `Kernel arguments, in the kernel's parameter order (-args "A B C", repeatable,
or after the flags):

  TYPE:VALUE            a scalar; TYPE is u8 i8 u16 i16 u32 i32 u64 i64 f32 f64
                        (u32:5, i32:-1, u64:0x10, f32:2.5, f64:1e-3, f32:NaN)
  raw:HEX               raw bytes, e.g. a small struct: raw:f9ffffff0000003f
  null                  a null pointer
  buf:TYPE:N=INIT       a device buffer of N elements of TYPE, passed as its
                        device address; INIT is one of
                          zero            all bytes 0
                          gen:iota        element i = i (integers wrap)
                          gen:const:V     every element = V
                          gen:rand:SEED   pseudo-random, the same for the same
                                          SEED: floats in [0,1), integers
                                          over the whole type
                          file:PATH       raw little-endian elements; the file
                                          must hold exactly N elements
  buf:TYPE=file:PATH    the same, N taken from the file's size

Arguments are numbered from 0. -out IDX=PATH writes buffer argument IDX back
to PATH (raw little-endian) after the kernel has run; -print IDX[:N] prints
its first N elements (default 8). Both may be repeated.
`

// elemType is a scalar or buffer element type.
type elemType struct {
	name string
	size int
	kind byte // 'u' unsigned, 'i' signed, 'f' float
}

var elemTypes = []elemType{
	{"u8", 1, 'u'}, {"i8", 1, 'i'}, {"u16", 2, 'u'}, {"i16", 2, 'i'}, {"u32", 4, 'u'}, {"i32", 4, 'i'},
	{"u64", 8, 'u'}, {"i64", 8, 'i'}, {"f32", 4, 'f'}, {"f64", 8, 'f'},
}

func lookupType(name string) (elemType, error) {
	for _, t := range elemTypes {
		if t.name == name {
			return t, nil
		}
	}
	names := make([]string, len(elemTypes))
	for i, t := range elemTypes {
		names[i] = t.name
	}
	return elemType{}, fmt.Errorf("unknown type %q (want one of %s)", name, strings.Join(names, " "))
}

// parseValue parses v as a value of t and returns its bits (the
// little-endian encoding of the value, in the low t.size bytes).
func parseValue(t elemType, v string) (uint64, error) {
	switch t.kind {
	case 'u':
		x, err := strconv.ParseUint(v, 0, t.size*8)
		if err != nil {
			return 0, fmt.Errorf("%q is not a %s (an unsigned integer of %d bits)", v, t.name, t.size*8)
		}
		return x, nil
	case 'i':
		x, err := strconv.ParseInt(v, 0, t.size*8)
		if err != nil {
			return 0, fmt.Errorf("%q is not an %s (a signed integer of %d bits)", v, t.name, t.size*8)
		}
		return uint64(x) & sizeMask(t.size), nil
	}
	x, err := strconv.ParseFloat(v, t.size*8)
	if err != nil {
		return 0, fmt.Errorf("%q is not an %s (a float of %d bits)", v, t.name, t.size*8)
	}
	if t.size == 4 {
		return uint64(math.Float32bits(float32(x))), nil
	}
	return math.Float64bits(x), nil
}

func sizeMask(size int) uint64 {
	if size == 8 {
		return math.MaxUint64
	}
	return 1<<(8*size) - 1
}

// formatValue writes bits of type t as parseValue reads them.
func formatValue(t elemType, bits uint64) string {
	switch t.kind {
	case 'u':
		return strconv.FormatUint(bits, 10)
	case 'i':
		shift := 64 - 8*t.size
		return strconv.FormatInt(int64(bits<<shift)>>shift, 10)
	}
	if t.size == 4 {
		return strconv.FormatFloat(float64(math.Float32frombits(uint32(bits))), 'g', -1, 32)
	}
	return strconv.FormatFloat(math.Float64frombits(bits), 'g', -1, 64)
}

// goValue is the Go value that packs as bits of type t.
func goValue(t elemType, bits uint64) any {
	switch t.name {
	case "u8":
		return uint8(bits)
	case "i8":
		return int8(bits)
	case "u16":
		return uint16(bits)
	case "i16":
		return int16(bits)
	case "u32":
		return uint32(bits)
	case "i32":
		return int32(bits)
	case "u64":
		return bits
	case "i64":
		return int64(bits)
	case "f32":
		return math.Float32frombits(uint32(bits))
	}
	return math.Float64frombits(bits)
}

type argKind int

const (
	argScalar argKind = iota + 1
	argRaw
	argNull
	argBuffer
)

// bufInit says how a buffer is filled.
type bufInit int

const (
	initZero bufInit = iota + 1
	initIota
	initConst
	initRand
	initFile
)

// kernelArg is one parsed command-line kernel argument.
type kernelArg struct {
	kind argKind
	typ  elemType // scalar and buffer element type
	bits uint64   // scalar value, or the buffer's gen:const value
	raw  []byte   // raw bytes

	// Buffers.
	count uint64 // elements; 0 until read from the file for buf:TYPE=file:PATH
	init  bufInit
	seed  uint64
	path  string
}

// maxBufferBytes bounds one buffer so that sizes cannot overflow; real
// devices refuse far smaller requests with an out-of-memory error.
const maxBufferBytes = 1 << 48

// maxRawBytes bounds raw: arguments (kernel parameter buffers are small).
const maxRawBytes = 4096

// parseArg parses one argument in the syntax of argSyntax.
func parseArg(s string) (kernelArg, error) {
	switch {
	case s == "null":
		return kernelArg{kind: argNull}, nil
	case strings.HasPrefix(s, "buf:"):
		return parseBuffer(s[len("buf:"):])
	case strings.HasPrefix(s, "raw:"):
		h := s[len("raw:"):]
		b, err := hex.DecodeString(h)
		if err != nil || len(b) == 0 {
			return kernelArg{}, fmt.Errorf("raw:%s: want an even number of hex digits (raw:0a0b...)", h)
		}
		if len(b) > maxRawBytes {
			return kernelArg{}, fmt.Errorf("raw: %d bytes, at most %d", len(b), maxRawBytes)
		}
		return kernelArg{kind: argRaw, raw: b}, nil
	}
	tn, v, ok := strings.Cut(s, ":")
	if !ok {
		return kernelArg{}, fmt.Errorf("want TYPE:VALUE, buf:TYPE:N=INIT, raw:HEX or null")
	}
	t, err := lookupType(tn)
	if err != nil {
		return kernelArg{}, err
	}
	bits, err := parseValue(t, v)
	if err != nil {
		return kernelArg{}, err
	}
	return kernelArg{kind: argScalar, typ: t, bits: bits}, nil
}

func parseBuffer(s string) (kernelArg, error) {
	head, init, ok := strings.Cut(s, "=")
	if !ok {
		return kernelArg{}, fmt.Errorf("buf:%s: want buf:TYPE:N=INIT (INIT: zero, gen:iota, gen:const:V, gen:rand:SEED, file:PATH)", s)
	}
	tn, ns, hasCount := strings.Cut(head, ":")
	t, err := lookupType(tn)
	if err != nil {
		return kernelArg{}, fmt.Errorf("buf: %v", err)
	}
	a := kernelArg{kind: argBuffer, typ: t}
	if hasCount {
		n, err := strconv.ParseUint(ns, 10, 64)
		if err != nil || n == 0 {
			return kernelArg{}, fmt.Errorf("buf:%s: element count %q: want a whole number of at least 1", head, ns)
		}
		if n > maxBufferBytes/uint64(t.size) {
			return kernelArg{}, fmt.Errorf("buf:%s: %d elements of %d bytes is more than %d bytes", head, n, t.size, uint64(maxBufferBytes))
		}
		a.count = n
	}
	switch {
	case init == "zero":
		a.init = initZero
	case init == "gen:iota":
		a.init = initIota
	case strings.HasPrefix(init, "gen:const:"):
		a.init = initConst
		a.bits, err = parseValue(t, init[len("gen:const:"):])
		if err != nil {
			return kernelArg{}, fmt.Errorf("buf:%s=%s: %v", head, init, err)
		}
	case strings.HasPrefix(init, "gen:rand:"):
		a.init = initRand
		a.seed, err = strconv.ParseUint(init[len("gen:rand:"):], 0, 64)
		if err != nil {
			return kernelArg{}, fmt.Errorf("buf:%s=%s: seed: want an unsigned 64-bit integer", head, init)
		}
	case strings.HasPrefix(init, "file:"):
		a.init = initFile
		a.path = init[len("file:"):]
		if a.path == "" {
			return kernelArg{}, fmt.Errorf("buf:%s=file: needs a path", head)
		}
	default:
		return kernelArg{}, fmt.Errorf("buf:%s=%s: unknown fill (want zero, gen:iota, gen:const:V, gen:rand:SEED or file:PATH)", head, init)
	}
	if !hasCount && a.init != initFile {
		return kernelArg{}, fmt.Errorf("buf:%s=%s: the element count may be left out only with file:PATH (buf:%s:N=...)", head, init, head)
	}
	return a, nil
}

// String writes the argument back in the syntax parseArg reads.
func (a kernelArg) String() string {
	switch a.kind {
	case argNull:
		return "null"
	case argRaw:
		return "raw:" + hex.EncodeToString(a.raw)
	case argScalar:
		return a.typ.name + ":" + formatValue(a.typ, a.bits)
	}
	head := "buf:" + a.typ.name
	if a.count > 0 {
		head += ":" + strconv.FormatUint(a.count, 10)
	}
	switch a.init {
	case initZero:
		return head + "=zero"
	case initIota:
		return head + "=gen:iota"
	case initConst:
		return head + "=gen:const:" + formatValue(a.typ, a.bits)
	case initRand:
		return head + "=gen:rand:" + strconv.FormatUint(a.seed, 10)
	}
	return head + "=file:" + a.path
}

// size is the argument's size in the packed argument buffer.
func (a kernelArg) size() int {
	switch a.kind {
	case argScalar:
		return a.typ.size
	case argRaw:
		return len(a.raw)
	}
	return 8
}

// value is the Go value passed to Stream.Launch; ptr is the buffer's
// device address for buffer arguments.
func (a kernelArg) value(ptr streaming.DevicePtr) any {
	switch a.kind {
	case argScalar:
		return goValue(a.typ, a.bits)
	case argRaw:
		// A byte array packs as its bytes, at the parameter's offset.
		v := reflect.New(reflect.ArrayOf(len(a.raw), reflect.TypeFor[byte]())).Elem()
		reflect.Copy(v, reflect.ValueOf(a.raw))
		return v.Interface()
	case argNull:
		return streaming.DevicePtr(0)
	}
	return ptr
}

// generator produces a buffer's elements in order.
type generator struct {
	a   kernelArg
	i   uint64
	rng *rand.Rand
}

func newGenerator(a kernelArg) *generator {
	g := &generator{a: a}
	if a.init == initRand {
		g.rng = rand.New(rand.NewPCG(a.seed, a.seed^0x9e3779b97f4a7c15))
	}
	return g
}

// fill encodes the next len(b)/size elements into b.
func (g *generator) fill(b []byte) {
	t := g.a.typ
	for off := 0; off+t.size <= len(b); off += t.size {
		var bits uint64
		switch g.a.init {
		case initIota:
			switch {
			case t.kind != 'f':
				bits = g.i
			case t.size == 4:
				bits = uint64(math.Float32bits(float32(g.i)))
			default:
				bits = math.Float64bits(float64(g.i))
			}
		case initConst:
			bits = g.a.bits
		case initRand:
			switch {
			case t.kind != 'f':
				bits = g.rng.Uint64()
			case t.size == 4:
				bits = uint64(math.Float32bits(g.rng.Float32()))
			default:
				bits = math.Float64bits(g.rng.Float64())
			}
		}
		putBits(b[off:off+t.size], bits)
		g.i++
	}
}

// putBits stores the low len(b) bytes of bits little-endian.
func putBits(b []byte, bits uint64) {
	var tmp [8]byte
	binary.LittleEndian.PutUint64(tmp[:], bits)
	copy(b, tmp[:len(b)])
}

// formatElems prints the elements of type t encoded in b.
func formatElems(t elemType, b []byte) string {
	var sb strings.Builder
	sb.WriteByte('[')
	for off := 0; off+t.size <= len(b); off += t.size {
		if off > 0 {
			sb.WriteByte(' ')
		}
		var tmp [8]byte
		copy(tmp[:], b[off:off+t.size])
		sb.WriteString(formatValue(t, binary.LittleEndian.Uint64(tmp[:])))
	}
	sb.WriteByte(']')
	return sb.String()
}

// parseDim parses X[,Y[,Z]] with every dimension at least 1.
func parseDim(s string) (streaming.Dim3, error) {
	parts := strings.Split(s, ",")
	if len(parts) > 3 {
		return streaming.Dim3{}, fmt.Errorf("%q: want X, X,Y or X,Y,Z", s)
	}
	d := [3]uint32{1, 1, 1}
	for i, p := range parts {
		v, err := strconv.ParseUint(strings.TrimSpace(p), 10, 32)
		if err != nil || v == 0 {
			return streaming.Dim3{}, fmt.Errorf("%q: dimension %d (%q) must be a whole number from 1 to %d", s, i, p, uint32(math.MaxUint32))
		}
		d[i] = uint32(v)
	}
	return streaming.Dim3{X: d[0], Y: d[1], Z: d[2]}, nil
}

// parseIndexed parses IDX=VALUE (-out) .
func parseOut(s string) (int, string, error) {
	is, path, ok := strings.Cut(s, "=")
	if !ok || path == "" {
		return 0, "", fmt.Errorf("-out %q: want IDX=PATH", s)
	}
	i, err := strconv.Atoi(is)
	if err != nil || i < 0 {
		return 0, "", fmt.Errorf("-out %q: argument index %q must be a whole number", s, is)
	}
	return i, path, nil
}

// parsePrint parses IDX[:N] (-print).
func parsePrint(s string) (int, int, error) {
	is, ns, hasN := strings.Cut(s, ":")
	i, err := strconv.Atoi(is)
	if err != nil || i < 0 {
		return 0, 0, fmt.Errorf("-print %q: argument index %q must be a whole number", s, is)
	}
	n := 8
	if hasN {
		n, err = strconv.Atoi(ns)
		if err != nil || n < 1 {
			return 0, 0, fmt.Errorf("-print %q: element count %q must be at least 1", s, ns)
		}
	}
	return i, n, nil
}

// parseLaunch parses the kernel arguments and the launch shape of
// run-kernel and check, as usage errors.
func parseLaunch(argList []string, gridS, blockS string, shared uint) (kargs []kernelArg, grid, block streaming.Dim3, err error) {
	kargs = make([]kernelArg, len(argList))
	for i, s := range argList {
		a, err := parseArg(s)
		if err != nil {
			return nil, grid, block, usagef("argument %d %q: %v", i, s, err)
		}
		kargs[i] = a
	}
	if grid, err = parseDim(gridS); err != nil {
		return nil, grid, block, usagef("-grid %v", err)
	}
	if block, err = parseDim(blockS); err != nil {
		return nil, grid, block, usagef("-block %v", err)
	}
	if shared > 1<<32-1 {
		return nil, grid, block, usagef("-shared %d: at most %d bytes", shared, uint32(1<<32-1))
	}
	return kargs, grid, block, nil
}

// launchFlags are the flags that run-kernel and check share: the module,
// the kernel, its launch shape and its arguments.
type launchFlags struct {
	module, kernel, grid, block *string
	shared                      *uint
	args                        fieldsList
}

// addLaunchFlags defines the shared flags on fs; argsRef says where the
// argument syntax is described.
func addLaunchFlags(fs *flag.FlagSet, argsRef string) *launchFlags {
	l := &launchFlags{
		module: fs.String("module", "", "module file (default: "+testKernelsRel+" found from the working directory or the source)"),
		kernel: fs.String("kernel", "", "name of the kernel to launch"),
		grid:   fs.String("grid", "1", "grid size in blocks: X[,Y[,Z]]"),
		block:  fs.String("block", "1", "block size in threads: X[,Y[,Z]]"),
		shared: fs.Uint("shared", 0, "dynamic shared memory per block, in bytes"),
	}
	fs.Var(&l.args, "args", "kernel arguments, separated by spaces (repeatable; "+argsRef+")")
	return l
}

// parse parses args into fs; kernel arguments may also stand between and
// after the flags, and are appended to l.args.
func (l *launchFlags) parse(fs *flag.FlagSet, args []string) error {
	for rest := args; ; {
		if err := parseFlags(fs, rest); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			return nil
		}
		l.args = append(l.args, fs.Arg(0))
		rest = fs.Args()[1:]
	}
}
