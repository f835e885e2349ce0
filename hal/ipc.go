package hal

import "fmt"

// IPCHandleSize is the size of an interprocess handle, CUDA's
// CU_IPC_HANDLE_SIZE (CUipcMemHandle, CUipcEventHandle) and HIP's
// HIP_IPC_HANDLE_SIZE.
const IPCHandleSize = 64

// IPCDevice is implemented by devices whose memory and events other
// processes can open (cuIpcGetMemHandle and friends). Without it, package
// streaming answers every IPC call on the device with ErrNotSupported.
//
// Handles are opaque bytes of IPCHandleSize. A driver with native handles
// (hal/cuda, hal/hip) returns the vendor's own bytes; a driver without
// them (hal/cpu) describes what the other process needs to map the memory
// and writes its own header so that handles of other drivers, of another
// streamhal version and forged bytes are told apart. Importing bytes that
// the driver does not recognise, a handle whose memory or event is gone
// (stale), or a handle exported by this very process returns an error
// wrapping ErrInvalidValue, ErrInvalidHandle (stale) or ErrInvalidContext
// (same process, CUDA's answer), never a crash.
type IPCDevice interface {
	// ExportMemory returns the handle of the device allocation at base
	// (an address Allocate returned for MemoryDevice). It may wait for
	// the device's queued work (hal/cpu moves the memory into a shareable
	// mapping).
	ExportMemory(base uint64) ([IPCHandleSize]byte, error)
	// ImportMemory maps memory that another process exported and returns
	// its address on this device (a fresh address, usable by queues and
	// graphs of the device like its own memory) and its size.
	ImportMemory(h [IPCHandleSize]byte) (Allocation, error)
	// CloseMemory unmaps memory ImportMemory returned, by its address.
	CloseMemory(addr uint64) error
	// ExportEvent returns the handle of an event created with
	// EventInterprocess.
	ExportEvent(e Event) ([IPCHandleSize]byte, error)
	// ImportEvent opens an event another process exported: Record and
	// Wait on the queues of this device, Done and Wait, see the records
	// of both processes.
	ImportEvent(h [IPCHandleSize]byte) (Event, error)
}

// EventInterprocess asks for an event that ExportEvent can share with
// another process (CU_EVENT_INTERPROCESS). Such an event must also have
// timing disabled; drivers without IPCDevice refuse it.
const EventInterprocess EventFlags = 1 << 2

// IPCKind says what a handle of a driver without native handles shares.
type IPCKind byte

// Handle kinds.
const (
	IPCMemory IPCKind = 1
	IPCEvent  IPCKind = 2
)

func (k IPCKind) String() string {
	switch k {
	case IPCMemory:
		return "memory"
	case IPCEvent:
		return "event"
	}
	return fmt.Sprintf("IPCKind(%d)", byte(k))
}

// ipcMagic opens every handle of a driver without native handles, followed
// by the format version, the driver's code and the kind. Native CUDA and
// HIP handles are the vendors' own bytes and carry no such header.
var ipcMagic = [4]byte{'s', 'h', 'I', 'P'}

const ipcVersion = 1

// ipcDrivers numbers the drivers that write IPCHeader handles; the index is
// the code in byte 5.
var ipcDrivers = []string{1: "cpu", 2: "vulkan"}

// IPCHeaderSize is the size of the header PutIPCHeader writes: a driver's
// own fields follow it.
const IPCHeaderSize = 8

// PutIPCHeader writes the header of a handle of driver (which must be one
// of the drivers without native handles: "cpu", "vulkan") for kind.
func PutIPCHeader(h *[IPCHandleSize]byte, driver string, kind IPCKind) {
	copy(h[:4], ipcMagic[:])
	h[4] = ipcVersion
	for i, d := range ipcDrivers {
		if d == driver && i > 0 {
			h[5] = byte(i)
		}
	}
	h[6] = byte(kind)
	h[7] = 0
}

// CheckIPCHeader checks that h is a handle of driver for kind, written by
// PutIPCHeader: bytes of another driver, another kind, another version or
// no header at all (a native CUDA or HIP handle, forged bytes) are an error
// wrapping ErrInvalidValue that says which.
func CheckIPCHeader(h [IPCHandleSize]byte, driver string, kind IPCKind) error {
	if [4]byte(h[:4]) != ipcMagic {
		return fmt.Errorf("hal/%s: %v handle: not a handle of streamhal's %s backend (a native CUDA or HIP handle, or forged bytes): %w", driver, kind, driver, ErrInvalidValue)
	}
	if h[4] != ipcVersion || h[7] != 0 {
		return fmt.Errorf("hal/%s: %v handle: format version %d, want %d: %w", driver, kind, h[4], ipcVersion, ErrInvalidValue)
	}
	if int(h[5]) >= len(ipcDrivers) || ipcDrivers[h[5]] == "" {
		return fmt.Errorf("hal/%s: %v handle: unknown backend code %d: %w", driver, kind, h[5], ErrInvalidValue)
	}
	if from := ipcDrivers[h[5]]; from != driver {
		return fmt.Errorf("hal/%s: %v handle of the %s backend: it opens only on a %s device: %w", driver, kind, from, from, ErrInvalidValue)
	}
	if IPCKind(h[6]) != kind {
		return fmt.Errorf("hal/%s: %v handle: it is a handle of an %v: %w", driver, kind, IPCKind(h[6]), ErrInvalidValue)
	}
	return nil
}

// IPCHandleDriver reports which driver wrote h with PutIPCHeader, if any:
// drivers with native handles use it to refuse another backend's handle
// before their vendor library sees the bytes.
func IPCHandleDriver(h [IPCHandleSize]byte) (string, bool) {
	if [4]byte(h[:4]) != ipcMagic || int(h[5]) >= len(ipcDrivers) || ipcDrivers[h[5]] == "" {
		return "", false
	}
	return ipcDrivers[h[5]], true
}
