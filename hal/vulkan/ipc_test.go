package vulkan

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/streamhal/streamhal/hal"
)

// TestIPCHandles checks, within one process, what a memory handle says
// and how forged, foreign-device and stale handles are refused. Opening
// in another process is tested in package streaming (two processes).
func TestIPCHandles(t *testing.T) {
	d := openDevice(t)
	if !d.ipcMemory {
		if _, err := d.ExportMemory(0); !errors.Is(err, hal.ErrNotSupported) || !strings.Contains(err.Error(), d.ipcMissing) {
			t.Errorf("ExportMemory without support: %v, want not supported naming %q", err, d.ipcMissing)
		}
		t.Skipf("device lacks %s", d.ipcMissing)
	}
	a := alloc(t, d, hal.MemoryDevice, 5000)
	h, err := d.ExportMemory(a.Device)
	if err != nil {
		t.Fatal(err)
	}
	if got := binary.LittleEndian.Uint32(h[hPID:]); int(got) != os.Getpid() {
		t.Errorf("handle names process %d, want %d", got, os.Getpid())
	}
	if got := binary.LittleEndian.Uint64(h[hSize:]); got != 5000 {
		t.Errorf("handle size %d, want 5000", got)
	}
	if got := binary.LittleEndian.Uint64(h[hAllocSize:]); got < 5000 {
		t.Errorf("handle allocation size %d, below the size", got)
	}
	if _, err := d.ExportMemory(a.Device + 4); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("export of an interior address: %v, want ErrInvalidValue", err)
	}
	host := alloc(t, d, hal.MemoryHost, 64)
	if _, err := d.ExportMemory(host.Device); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("export of host memory: %v, want ErrInvalidValue", err)
	}

	// The same bytes as if another process had exported them: pid 1
	// serves no streamhal handles.
	other := h
	binary.LittleEndian.PutUint32(other[hPID:], 1)
	if _, err := d.ImportMemory(other); !errors.Is(err, hal.ErrInvalidHandle) {
		t.Errorf("handle of a process that serves nothing: %v, want ErrInvalidHandle", err)
	}
	cases := []struct {
		name string
		edit func(h *[hal.IPCHandleSize]byte)
		want error
	}{
		{"own process", func(h *[hal.IPCHandleSize]byte) { binary.LittleEndian.PutUint32(h[hPID:], uint32(os.Getpid())) }, hal.ErrInvalidContext},
		{"another device", func(h *[hal.IPCHandleSize]byte) { h[hDevice] ^= 1 }, hal.ErrInvalidValue},
		{"size zero", func(h *[hal.IPCHandleSize]byte) { binary.LittleEndian.PutUint64(h[hSize:], 0) }, hal.ErrInvalidValue},
		{"size over the allocation", func(h *[hal.IPCHandleSize]byte) { binary.LittleEndian.PutUint64(h[hSize:], 1<<40) }, hal.ErrInvalidValue},
		{"memory type", func(h *[hal.IPCHandleSize]byte) { binary.LittleEndian.PutUint32(h[hType:], 99) }, hal.ErrInvalidValue},
		{"flags", func(h *[hal.IPCHandleSize]byte) { binary.LittleEndian.PutUint32(h[hFlags:], 6) }, hal.ErrInvalidValue},
		{"event kind", func(h *[hal.IPCHandleSize]byte) { h[6] = byte(hal.IPCEvent) }, hal.ErrInvalidValue},
		{"cpu backend", func(h *[hal.IPCHandleSize]byte) { h[5] = 1 }, hal.ErrInvalidValue},
		{"zeros", func(h *[hal.IPCHandleSize]byte) { *h = [hal.IPCHandleSize]byte{} }, hal.ErrInvalidValue},
	}
	for _, c := range cases {
		f := other
		c.edit(&f)
		if _, err := d.ImportMemory(f); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
		if _, err := d.ImportEvent(f); err == nil {
			t.Errorf("%s: opened as an event", c.name)
		}
	}
	if err := d.CloseMemory(a.Device); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("CloseMemory of memory allocated here: %v, want ErrInvalidValue", err)
	}

	// Nothing exported: the descriptor server is gone.
	if err := d.Free(hal.MemoryDevice, a.Device); err != nil {
		t.Fatal(err)
	}
	serverMu.Lock()
	running := server != nil
	serverMu.Unlock()
	if running {
		t.Errorf("the descriptor server runs with nothing exported")
	}
}

// BenchmarkAllocateExportable measures what making every device
// allocation exportable costs: Allocate+Free with and without it.
func BenchmarkAllocateExportable(b *testing.B) {
	d := openDevice(b)
	if !d.ipcMemory {
		b.Skipf("device lacks %s", d.ipcMissing)
	}
	defer func() { d.ipcMemory = true }()
	for _, size := range []uint64{4 << 10, 1 << 20, 64 << 20} {
		for _, exportable := range []bool{false, true} {
			b.Run(fmt.Sprintf("%d/exportable=%v", size, exportable), func(b *testing.B) {
				d.ipcMemory = exportable
				for b.Loop() {
					a, err := d.Allocate(hal.MemoryDevice, size)
					if err != nil {
						b.Fatal(err)
					}
					if err := d.Free(hal.MemoryDevice, a.Device); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
