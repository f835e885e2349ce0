package haltest

import (
	"context"
	"errors"
	"testing"

	"github.com/streamhal/streamhal/hal"
)

// testIPC checks hal.IPCDevice within one process: an export keeps the
// memory's contents and the device's use of it, and the handles refuse to
// open in their own process (CUDA's answer) or when forged. Opening in
// another process is tested above the driver (package streaming), with a
// second process.
func (s *suite) testIPC(t *testing.T) {
	ipc, ok := s.dev.(hal.IPCDevice)
	if !ok {
		t.Skip("the device has no IPCDevice (streaming answers IPC with ErrNotSupported)")
	}
	d := s.alloc(t, hal.MemoryDevice, 8192)
	want := pattern(8192, 0x3c)
	s.upload(t, d.Device, want)
	h, err := ipc.ExportMemory(d.Device)
	if errors.Is(err, hal.ErrNotSupported) {
		t.Skipf("ExportMemory: %v", err)
	}
	if err != nil {
		t.Fatalf("ExportMemory: %v", err)
	}
	if got := s.download(t, d.Device, 8192); string(got) != string(want) {
		t.Fatalf("the memory changed when it was exported")
	}
	if h2, err := ipc.ExportMemory(d.Device); err != nil || h2 != h {
		t.Errorf("second ExportMemory: %v (same handle: %v)", err, h2 == h)
	}
	if err := s.q.Fill(d.Device, 8192, 0x01020304, 4); err != nil {
		t.Fatal(err)
	}
	s.sync(t)
	if got := s.download(t, d.Device, 8); string(got) != "\x04\x03\x02\x01\x04\x03\x02\x01" {
		t.Errorf("a fill after the export: % x", got)
	}
	if _, err := ipc.ImportMemory(h); !errors.Is(err, hal.ErrInvalidContext) {
		t.Errorf("ImportMemory in the exporting process: %v, want ErrInvalidContext", err)
	}
	if _, err := ipc.ImportMemory([hal.IPCHandleSize]byte{}); err == nil {
		t.Errorf("ImportMemory of zeros succeeded")
	}
	var other [hal.IPCHandleSize]byte
	foreign := "vulkan"
	if s.dev.Info().Driver == "vulkan" {
		foreign = "cpu"
	}
	hal.PutIPCHeader(&other, foreign, hal.IPCMemory)
	if _, err := ipc.ImportMemory(other); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("ImportMemory of another backend's handle: %v, want ErrInvalidValue", err)
	}

	plain, err := s.dev.NewEvent(hal.EventDisableTiming)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if _, err := ipc.ExportEvent(plain); err == nil {
		t.Errorf("ExportEvent of an event without EventInterprocess succeeded")
	}
	e, err := s.dev.NewEvent(hal.EventDisableTiming | hal.EventInterprocess)
	if err != nil {
		t.Fatalf("NewEvent(interprocess): %v", err)
	}
	defer e.Close()
	eh, err := ipc.ExportEvent(e)
	if err != nil {
		t.Fatalf("ExportEvent: %v", err)
	}
	if err := s.q.Record(e); err != nil {
		t.Fatal(err)
	}
	if err := e.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !e.Done() {
		t.Errorf("an interprocess event not done after its wait")
	}
	if _, err := ipc.ImportEvent(eh); !errors.Is(err, hal.ErrInvalidContext) {
		t.Errorf("ImportEvent in the exporting process: %v, want ErrInvalidContext", err)
	}
}
