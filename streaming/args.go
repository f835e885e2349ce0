package streaming

import (
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
)

// Kernel arguments are packed into one buffer exactly as a C struct of the
// kernel's parameters would be laid out (natural alignment, in order) — the
// buffer CUDA's CU_LAUNCH_PARAM_BUFFER_POINTER takes. A Go value packs as:
//
//   - DevicePtr, uintptr, int, uint, int64, uint64, float64: 8 bytes
//   - int32, uint32, float32: 4 bytes; int16, uint16: 2; int8, uint8, bool: 1
//   - arrays and structs of those (no pointers, slices, strings, maps):
//     their Go memory layout, which on 64-bit platforms is the C layout
//
// When the kernel's module records a parameter layout (every format does),
// each argument must have its parameter's exact size and is placed at the
// parameter's offset; a mismatch is ErrInvalidValue naming the argument.

// argBytes returns v's packed bytes and alignment, or an error for a type
// that has no C layout.
func argBytes(v any, scratch []byte) ([]byte, int, error) {
	le := binary.LittleEndian
	switch x := v.(type) {
	case DevicePtr:
		return le.AppendUint64(scratch, uint64(x)), 8, nil
	case uint64:
		return le.AppendUint64(scratch, x), 8, nil
	case int64:
		return le.AppendUint64(scratch, uint64(x)), 8, nil
	case int:
		return le.AppendUint64(scratch, uint64(x)), 8, nil
	case uint:
		return le.AppendUint64(scratch, uint64(x)), 8, nil
	case uintptr:
		return le.AppendUint64(scratch, uint64(x)), 8, nil
	case float64:
		return le.AppendUint64(scratch, math.Float64bits(x)), 8, nil
	case uint32:
		return le.AppendUint32(scratch, x), 4, nil
	case int32:
		return le.AppendUint32(scratch, uint32(x)), 4, nil
	case float32:
		return le.AppendUint32(scratch, math.Float32bits(x)), 4, nil
	case uint16:
		return le.AppendUint16(scratch, x), 2, nil
	case int16:
		return le.AppendUint16(scratch, uint16(x)), 2, nil
	case uint8:
		return append(scratch, x), 1, nil
	case int8:
		return append(scratch, byte(x)), 1, nil
	case bool:
		if x {
			return append(scratch, 1), 1, nil
		}
		return append(scratch, 0), 1, nil
	case nil:
		return nil, 0, fmt.Errorf("nil has no C layout (use DevicePtr(0) for a null pointer)")
	}
	rv := reflect.ValueOf(v)
	if err := plainData(rv.Type()); err != nil {
		return nil, 0, err
	}
	size := int(rv.Type().Size())
	if size == 0 {
		return nil, 0, fmt.Errorf("%s is empty", rv.Type())
	}
	b := append(scratch, make([]byte, size)...)
	putPlain(b, rv)
	return b, rv.Type().Align(), nil
}

// putPlain writes rv, plain data (see plainData), into b in its Go memory
// layout, leaving padding as it finds it. It reads the value through
// reflect's accessors rather than copying its memory: a copy through
// reflect.Value.Set would make every argument of every launch escape to
// the heap.
func putPlain(b []byte, rv reflect.Value) {
	le := binary.LittleEndian
	t := rv.Type()
	switch k := rv.Kind(); k {
	case reflect.Bool:
		if rv.Bool() {
			b[0] = 1
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		var u uint64
		if rv.CanInt() {
			u = uint64(rv.Int())
		} else {
			u = rv.Uint()
		}
		switch t.Size() {
		case 1:
			b[0] = byte(u)
		case 2:
			le.PutUint16(b, uint16(u))
		case 4:
			le.PutUint32(b, uint32(u))
		default:
			le.PutUint64(b, u)
		}
	case reflect.Float32:
		le.PutUint32(b, math.Float32bits(float32(rv.Float())))
	case reflect.Float64:
		le.PutUint64(b, math.Float64bits(rv.Float()))
	case reflect.Array:
		es := int(t.Elem().Size())
		for i := range rv.Len() {
			putPlain(b[i*es:], rv.Index(i))
		}
	case reflect.Struct:
		for i := range t.NumField() {
			putPlain(b[t.Field(i).Offset:], rv.Field(i))
		}
	}
}

// plainData accepts types whose memory is plain numbers.
func plainData(t reflect.Type) error {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return nil
	case reflect.Array:
		return plainData(t.Elem())
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			if err := plainData(t.Field(i).Type); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("%s has no C layout (kernel arguments are numbers, DevicePtr, and arrays or structs of them)", t)
}

// typeName is fmt's %T of v. Handing v itself to fmt would make every
// argument of every launch escape to the heap: a DevicePtr passed to Launch
// would cost an allocation even when the launch is valid.
func typeName(v any) string {
	if t := reflect.TypeOf(v); t != nil {
		return t.String()
	}
	return "<nil>"
}

// kernelArgs are a launch's arguments as its caller gave them: Go values
// (Launch), a pointer to each value (LaunchParams), or a packed buffer
// (LaunchPacked), which form says.
type kernelArgs struct {
	form   argForm
	vals   []any
	ptrs   []unsafe.Pointer
	packed []byte
}

type argForm int

const (
	argValues argForm = iota
	argPointers
	argPacked
)

// pack packs a by params into dst's memory when it is large enough, else
// into a new buffer.
func (a *kernelArgs) pack(dst []byte, params []hal.Param) ([]byte, error) {
	switch a.form {
	case argPointers:
		return packParamPointers(dst, params, a.ptrs)
	case argPacked:
		// Checked by LaunchPacked; copied, as the caller may change it
		// once the launch call returns.
		return append(dst[:0], a.packed...), nil
	}
	return packArgs(dst, params, a.vals)
}

// pointerLike accepts the Go types that can carry a device address.
func pointerLike(v any) bool {
	switch v.(type) {
	case DevicePtr, uintptr, uint64, int64, uint, int:
		return true
	}
	return false
}

// PackArgs packs Go values into a kernel argument buffer. params is the
// kernel's parameter layout (Function.Params); nil packs by natural
// alignment alone.
func PackArgs(params []hal.Param, args ...any) ([]byte, error) {
	return packArgs(nil, params, args)
}

// packArgs is PackArgs into dst's memory when it is large enough (its
// contents do not matter), else into a new buffer.
func packArgs(dst []byte, params []hal.Param, args []any) ([]byte, error) {
	if params != nil && len(args) != len(params) {
		return nil, fmt.Errorf("streaming: %d arguments for a kernel with %d parameters: %w", len(args), len(params), ErrInvalidValue)
	}
	if len(args) == 0 {
		// Whatever the layout, it has no parameter (checked above).
		return nil, nil
	}
	// One allocation for the buffer: its size is known from the layout
	// (growing it argument by argument cost one allocation each).
	var buf []byte
	if params != nil {
		end := 0
		for _, p := range params {
			end = max(end, int(p.Offset+p.Size))
		}
		if end <= cap(dst) {
			buf = dst[:end]
			clear(buf)
		} else {
			buf = make([]byte, end)
		}
	} else if cap(dst) >= 8*len(args) {
		buf = dst[:0]
	} else {
		buf = make([]byte, 0, 8*len(args))
	}
	le := binary.LittleEndian
	var scratch [16]byte
	off := 0
	for i, v := range args {
		if params != nil {
			// The usual arguments go straight to their parameter, which
			// the layout places inside buf.
			p := &params[i]
			switch x := v.(type) {
			case DevicePtr:
				if p.Size == 8 {
					le.PutUint64(buf[p.Offset:], uint64(x))
					continue
				}
			case uint32:
				if p.Size == 4 && !p.Pointer {
					le.PutUint32(buf[p.Offset:], x)
					continue
				}
			case int32:
				if p.Size == 4 && !p.Pointer {
					le.PutUint32(buf[p.Offset:], uint32(x))
					continue
				}
			case float32:
				if p.Size == 4 && !p.Pointer {
					le.PutUint32(buf[p.Offset:], math.Float32bits(x))
					continue
				}
			}
		}
		b, align, err := argBytes(v, scratch[:0])
		if err != nil {
			return nil, fmt.Errorf("streaming: argument %d (%s): %v: %w", i, typeName(v), err, ErrInvalidValue)
		}
		if params != nil {
			p := params[i]
			if int(p.Size) != len(b) {
				return nil, fmt.Errorf("streaming: argument %d (%s) is %d bytes, kernel parameter %d is %d bytes: %w", i, typeName(v), len(b), i, p.Size, ErrInvalidValue)
			}
			if p.Pointer && !pointerLike(v) {
				return nil, fmt.Errorf("streaming: argument %d (%s) for a pointer parameter (pass a DevicePtr): %w", i, typeName(v), ErrInvalidValue)
			}
			off = int(p.Offset)
		} else {
			off = (off + align - 1) &^ (align - 1)
		}
		if need := off + len(b); need > len(buf) {
			if need <= cap(buf) {
				clear(buf[len(buf):need])
				buf = buf[:need]
			} else {
				buf = append(buf, make([]byte, need-len(buf))...)
			}
		}
		copy(buf[off:], b)
		off += len(b)
	}
	// No tail padding: CUDA rejects a buffer longer than the parameters,
	// and drivers whose kernels read the padded struct pad it themselves.
	return buf, nil
}

// PackParamPointers packs CUDA-style kernelParams (one pointer to each
// argument's value) by the kernel's layout, reading params[i].Size bytes
// from ptrs[i]. C callers often end the array with NULL: nils beyond the
// kernel's parameters are ignored. No pointers at all, for a kernel
// without parameters, pack to an empty buffer, also when its module
// records no layout.
func PackParamPointers(params []hal.Param, ptrs []unsafe.Pointer) ([]byte, error) {
	return packParamPointers(nil, params, ptrs)
}

// packParamPointers is PackParamPointers into dst's memory when it is
// large enough (its contents do not matter), else into a new buffer.
func packParamPointers(dst []byte, params []hal.Param, ptrs []unsafe.Pointer) ([]byte, error) {
	for len(ptrs) > len(params) && ptrs[len(ptrs)-1] == nil {
		ptrs = ptrs[:len(ptrs)-1]
	}
	if len(ptrs) == 0 && len(params) == 0 {
		return nil, nil
	}
	if params == nil {
		return nil, fmt.Errorf("streaming: kernelParams need the kernel's parameter layout, which its module does not record: %w", ErrInvalidValue)
	}
	if len(ptrs) != len(params) {
		return nil, fmt.Errorf("streaming: %d kernelParams for a kernel with %d parameters: %w", len(ptrs), len(params), ErrInvalidValue)
	}
	end := 0
	for _, p := range params {
		end = max(end, int(p.Offset+p.Size))
	}
	var buf []byte
	if end <= cap(dst) {
		buf = dst[:end]
		clear(buf) // the padding between parameters
	} else {
		buf = make([]byte, end)
	}
	for i, p := range params {
		if ptrs[i] == nil {
			return nil, fmt.Errorf("streaming: kernelParams[%d] is nil: %w", i, ErrInvalidValue)
		}
		copy(buf[p.Offset:], unsafe.Slice((*byte)(ptrs[i]), p.Size))
	}
	return buf, nil
}
