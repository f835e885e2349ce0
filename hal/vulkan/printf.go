//go:build cgo

package vulkan

/*
#include <stdlib.h>
// Go's build cache does not see edits of a header outside the package:
// change this line with kernels/shal_printf.h (revision 2: h and hh).
#include "../../kernels/shal_printf.h"

// shal_vk_format formats a record into a C string the caller frees.
static char* shal_vk_format(const char* format, const uint8_t* args) {
	shal_pbuf* o = malloc(sizeof *o);
	if (!o) return NULL;
	shal_printf_format(o, format, args);
	char* s = malloc(o->n + 1);
	if (s) memcpy(s, o->b, o->n + 1);
	free(o);
	return s;
}
*/
import "C"

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/ptx/spirvgen"
)

// printRecords prints what the kernels of the device's modules recorded
// with printf and assert (ptx/spirvgen's printf.go) and empties their
// buffers. It runs after a queue's Synchronize, and only when no queue of
// the device has work left, so that no kernel writes a record meanwhile;
// otherwise a later Synchronize prints them (CUDA prints at
// synchronization points too). A failed assert's message goes to standard
// error and the result is an error wrapping hal.ErrAssert. A kernel that
// another goroutine launches while the records are read may lose its
// output (the buffer is emptied under it); its writes stay inside the
// buffer.
func (d *device) printRecords() error {
	if d.printers.Load() == 0 {
		return nil
	}
	d.mu.Lock()
	var xs []*executable
	for x := range d.execs {
		if x.printf != nil {
			xs = append(xs, x)
		}
	}
	d.mu.Unlock()
	return d.printModules(xs)
}

// printModules prints the records of modules xs (printRecords) when the
// device is idle.
func (d *device) printModules(xs []*executable) error {
	d.printMu.Lock()
	defer d.printMu.Unlock()
	qs, ok := d.openQueues()
	if !ok {
		return nil
	}
	for _, q := range qs {
		if !q.Idle() {
			return nil
		}
	}
	var asserts []string
	for _, x := range xs {
		if !x.launched.Swap(false) {
			continue
		}
		a, err := d.printModule(x)
		if err != nil {
			d.inst.cfg.Log(1, "hal/vulkan: device %d: printf records: %v", d.ordinal, err)
		}
		asserts = append(asserts, a...)
	}
	if n := len(asserts); n > 0 {
		if n > 3 {
			asserts = append(asserts[:3], fmt.Sprintf("%d more failed asserts", n-3))
		}
		return fmt.Errorf("hal/vulkan: device %d: %s: %w", d.ordinal, strings.Join(asserts, "; "), hal.ErrAssert)
	}
	return nil
}

// printModule prints and clears one module's records; it returns the
// messages of failed asserts.
func (d *device) printModule(x *executable) ([]string, error) {
	var head [4]byte
	if err := d.CopyToHost(unsafe.Pointer(&head[0]), x.printfAddr, 4); err != nil {
		return nil, err
	}
	used := uint64(binary.LittleEndian.Uint32(head[:]))
	if used == 0 {
		return nil, nil
	}
	used = min(used, spirvgen.PrintfBufferSize-8)
	buf := make([]byte, used)
	if err := d.CopyToHost(unsafe.Pointer(&buf[0]), x.printfAddr+8, used); err != nil {
		return nil, err
	}
	var asserts []string
	for pos := 0; pos+4 <= len(buf); {
		id := binary.LittleEndian.Uint32(buf[pos:])
		if id == 0 || int(id) > len(x.printf.Formats) {
			break // not written: the buffer filled up there
		}
		f := &x.printf.Formats[id-1]
		n := f.RecordSize()
		if pos+n > len(buf) {
			break
		}
		msg := d.printRecord(f, buf[pos+4:pos+n])
		if f.Assert {
			asserts = append(asserts, strings.TrimSuffix(msg, "\n"))
		}
		pos += n
	}
	// Empty the buffer: the count, and the records read (a record left
	// half-written by a kernel that found the buffer full reads as 0).
	zero := make([]byte, 8+used)
	return asserts, d.CopyFromHost(x.printfAddr, unsafe.Pointer(&zero[0]), uint64(len(zero)))
}

// printRecord prints one record (its argument bytes after the format
// number) with kernels/shal_printf.h, as the CPU backend prints, after
// replacing the device addresses of %s arguments by copies of their
// strings, to standard output (an assert's message: standard error). It
// returns the text.
func (d *device) printRecord(f *spirvgen.PrintfFormat, args []byte) string {
	var free []unsafe.Pointer
	defer func() {
		for _, p := range free {
			C.free(p)
		}
	}()
	cstr := func(s string) *C.char {
		p := C.CString(s)
		free = append(free, unsafe.Pointer(p))
		return p
	}
	format := f.Format
	if f.Dynamic {
		format = d.readString(binary.LittleEndian.Uint64(args))
		args = nil
	}
	var cargs *C.uint8_t
	if len(args) > 0 {
		p := C.malloc(C.size_t(len(args)))
		free = append(free, p)
		b := unsafe.Slice((*byte)(p), len(args))
		copy(b, args)
		for _, off := range f.Args.Strings {
			if off+8 > len(b) {
				continue
			}
			if addr := binary.LittleEndian.Uint64(b[off:]); addr != 0 {
				binary.LittleEndian.PutUint64(b[off:], uint64(uintptr(unsafe.Pointer(cstr(d.readString(addr))))))
			}
		}
		cargs = (*C.uint8_t)(p)
	}
	cs := C.shal_vk_format(cstr(format), cargs)
	if cs == nil {
		return ""
	}
	free = append(free, unsafe.Pointer(cs))
	text := C.GoString(cs)
	w := os.Stdout
	if f.Assert {
		w = os.Stderr
	}
	w.WriteString(text)
	return text
}

// deferAssert keeps a failed assert that an event wait reported for the
// next queue Synchronize, which the caller's runtime treats as a fault of
// the context (hal.Sticky).
func (d *device) deferAssert(err error) {
	d.pendingAssert.CompareAndSwap(nil, &err)
}

// takeAssert returns and clears what deferAssert kept.
func (d *device) takeAssert() error {
	if d.pendingAssert.Load() == nil {
		return nil // every Synchronize asks: no write on the common path
	}
	if p := d.pendingAssert.Swap(nil); p != nil {
		return *p
	}
	return nil
}

// maxPrintfString bounds the text read for one %s argument.
const maxPrintfString = 4096

// readString reads the NUL-terminated string at a device address (a
// string constant of a module, or any device memory), at most
// maxPrintfString bytes; an address of no allocation reads as a note
// saying so.
func (d *device) readString(addr uint64) string {
	var out []byte
	for len(out) < maxPrintfString {
		a, off, ok := d.allocs.find(addr, 1)
		if !ok {
			if len(out) == 0 {
				return fmt.Sprintf("(string at %#x: not device memory)", addr)
			}
			break
		}
		n := min(uint64(256), a.size-off, uint64(maxPrintfString-len(out)))
		chunk := make([]byte, n)
		if err := d.CopyToHost(unsafe.Pointer(&chunk[0]), addr, n); err != nil {
			return fmt.Sprintf("(string at %#x: %v)", addr, errors.Unwrap(err))
		}
		if i := strings.IndexByte(string(chunk), 0); i >= 0 {
			return string(append(out, chunk[:i]...))
		}
		out = append(out, chunk...)
		addr += n
	}
	return string(out)
}
