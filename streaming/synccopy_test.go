package streaming_test

import (
	"errors"
	"fmt"
	"testing"
	"unsafe"

	"github.com/streamhal/streamhal/streaming"
)

// TestSyncCopiesEveryHostKind: the synchronous MemcpyHtoD and MemcpyDtoH
// from and into page-locked memory, registered memory and Go memory that
// is only partly registered move the right bytes, at sizes below and
// above the drivers' switch to a library memcpy (hal/vulkan's memcpyMin)
// and at odd offsets. Each destination is poisoned first. On lavapipe the
// page-locked and partly registered cases take the direct path through
// the mapping of device memory (hal.HostMappedCopier); elsewhere the
// queued copy or the bounce.
func TestSyncCopiesEveryHostKind(t *testing.T) {
	e := newEnv(t)
	const page = 4096
	for _, n := range []uint64{1, 4093, 16<<10 + 5, 1<<20 + 3} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			d := e.malloc(t, n+8)
			pattern := func(seed byte) []byte {
				b := make([]byte, n)
				for i := range b {
					b[i] = byte(i*7) ^ seed
				}
				return b
			}
			check := func(what string, got, want []byte) {
				t.Helper()
				if string(got) != string(want) {
					for i := range got {
						if got[i] != want[i] {
							t.Fatalf("%s: byte %d = %#x, want %#x", what, i, got[i], want[i])
						}
					}
				}
			}
			readBack := func() []byte {
				got := make([]byte, n)
				for i := range got {
					got[i] = 0xEE
				}
				must(t, e.ctx.MemcpyDtoH(got, d+3))
				return got
			}

			// Page-locked memory, both ways.
			h, err := e.ctx.MallocHost(n, 0)
			must(t, err)
			defer h.Free()
			want := pattern(0x11)
			copy(h.Bytes(), want)
			must(t, e.ctx.MemsetD8(d, 0xA5, n+8))
			must(t, e.ctx.MemcpyHtoD(d+3, h.Bytes()))
			check("HtoD from page-locked memory", readBack(), want)
			for i := range h.Bytes() {
				h.Bytes()[i] = 0xEE
			}
			must(t, e.ctx.MemcpyDtoH(h.Bytes(), d+3))
			check("DtoH into page-locked memory", h.Bytes(), want)

			// Go memory of which only the middle pages are registered:
			// the copy covers registered and ordinary memory at once.
			buf := make([]byte, n+3*page)
			body := buf[page/2 : page/2+int(n)]
			want = pattern(0x5C)
			copy(body, want)
			regStart := (uintptr(unsafe.Pointer(&buf[0])) + page - 1) &^ (page - 1)
			regPtr := unsafe.Pointer(&buf[regStart-uintptr(unsafe.Pointer(&buf[0]))])
			err = e.ctx.HostRegister(regPtr, page, 0)
			if errors.Is(err, streaming.ErrNotSupported) {
				t.Logf("HostRegister not supported here (%v): the partly registered case is skipped", err)
				return
			}
			must(t, err)
			defer func() { must(t, e.ctx.HostUnregister(regPtr)) }()
			must(t, e.ctx.MemsetD8(d, 0xA5, n+8))
			must(t, e.ctx.MemcpyHtoD(d+3, body))
			check("HtoD from partly registered memory", readBack(), want)
			for i := range body {
				body[i] = 0xEE
			}
			must(t, e.ctx.MemcpyDtoH(body, d+3))
			check("DtoH into partly registered memory", body, want)
		})
	}
}
