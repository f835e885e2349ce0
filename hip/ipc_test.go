package hip_test

import (
	"encoding/binary"
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/hip"
)

// TestIPC runs the hipIpc* calls and pool export and import between two
// processes, with HIP's codes for misuse.
func TestIPC(t *testing.T) {
	rt := setup(t, 1)
	leakCheck(t, rt)
	probe := malloc(t, 64)
	if _, err := hip.IpcGetMemHandle(probe); hip.ErrorOf(err) == hip.HipErrorNotSupported {
		hip.GetLastError()
		if haltest.Require(backend()) {
			t.Fatalf("STREAM_HAL_REQUIRE=%s: %v", backend(), err)
		}
		t.Skip(err)
	}
	peer := haltest.StartPeer(t)
	const n = 64<<10 + 8
	if haltest.IsPeer(t) {
		h := hip.IpcMemHandle(peer.Recv())
		eh := hip.IpcEventHandle(peer.Recv())
		msg := peer.Recv()
		data := hip.MemPoolPtrExportData(peer.Recv())
		d, err := hip.IpcOpenMemHandle(h, hip.HipIpcMemLazyEnablePeerAccess)
		ok(t, "IpcOpenMemHandle", err)
		got := make([]byte, n)
		ok(t, "MemcpyDtoH", hip.MemcpyDtoH(got, d, n))
		haltest.SameBytes(t, "memory of the other process", got, haltest.PeerBytes(n, 3))
		ev, err := hip.IpcOpenEventHandle(eh)
		ok(t, "IpcOpenEventHandle", err)
		f, err := os.Open(fmt.Sprintf("/proc/%d/fd/%d", binary.LittleEndian.Uint32(msg), binary.LittleEndian.Uint32(msg[4:])))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		pool, err := hip.MemPoolImportFromShareableHandle(f.Fd(), hip.HipMemHandleTypePosixFileDescriptor, 0)
		ok(t, "MemPoolImportFromShareableHandle", err)
		pd, err := hip.MemPoolImportPointer(pool, &data)
		ok(t, "MemPoolImportPointer", err)
		ok(t, "MemcpyHtoD", hip.MemcpyHtoD(pd, haltest.PeerBytes(512, 9), 512))
		ok(t, "Free", hip.Free(pd))
		peer.SendString("opened")
		peer.Expect("recorded")
		s, err := hip.StreamCreate()
		ok(t, "StreamCreate", err)
		defer hip.StreamDestroy(s)
		ok(t, "StreamWaitEvent", hip.StreamWaitEvent(s, ev, 0))
		host, err := hip.HostMalloc(4, 0)
		ok(t, "HostMalloc", err)
		defer hip.HostFree(host)
		*(*uint32)(host) = 0xdeadbeef
		ok(t, "MemcpyDtoHAsync", hip.MemcpyDtoHAsync(host, d, 4, s))
		peer.SendString("waiting")
		ok(t, "StreamSynchronize", hip.StreamSynchronize(s))
		if v := *(*uint32)(host); v != 0xBADC0DE {
			t.Fatalf("copy ordered after the other process's event: %#x, want 0xbadc0de", v)
		}
		ok(t, "EventDestroy", hip.EventDestroy(ev))
		ok(t, "IpcCloseMemHandle", hip.IpcCloseMemHandle(d))
		ok(t, "MemPoolDestroy", hip.MemPoolDestroy(pool))
		peer.SendString("done")
		return
	}
	d := malloc(t, n)
	ok(t, "MemcpyHtoD", hip.MemcpyHtoD(d, haltest.PeerBytes(n, 3), n))
	h, err := hip.IpcGetMemHandle(d)
	ok(t, "IpcGetMemHandle", err)
	if unsafe.Sizeof(h) != hip.HIP_IPC_HANDLE_SIZE {
		t.Fatalf("handle of %d bytes", unsafe.Sizeof(h))
	}
	ev, err := hip.EventCreateWithFlags(hip.HipEventInterprocess | hip.HipEventDisableTiming)
	ok(t, "EventCreateWithFlags", err)
	defer hip.EventDestroy(ev)
	eh, err := hip.IpcGetEventHandle(ev)
	ok(t, "IpcGetEventHandle", err)
	pool, err := hip.MemPoolCreate(&hip.MemPoolProps{AllocType: hip.HipMemAllocationTypePinned, HandleTypes: hip.HipMemHandleTypePosixFileDescriptor,
		Location: hip.MemLocation{Type: hip.HipMemLocationTypeDevice, ID: 0}})
	ok(t, "MemPoolCreate", err)
	defer hip.MemPoolDestroy(pool)
	fd, err := hip.MemPoolExportToShareableHandle(pool, hip.HipMemHandleTypePosixFileDescriptor, 0)
	ok(t, "MemPoolExportToShareableHandle", err)
	defer syscall.Close(int(fd))
	s, err := hip.StreamCreate()
	ok(t, "StreamCreate", err)
	defer hip.StreamDestroy(s)
	pd, err := hip.MallocFromPoolAsync(512, pool, s)
	ok(t, "MallocFromPoolAsync", err)
	data, err := hip.MemPoolExportPointer(pd)
	ok(t, "MemPoolExportPointer", err)
	peer.Send(h[:])
	peer.Send(eh[:])
	peer.Send(binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, uint32(os.Getpid())), uint32(fd)))
	peer.Send(data[:])
	peer.Expect("opened")
	got := make([]byte, 512)
	ok(t, "MemcpyDtoH", hip.MemcpyDtoH(got, pd, 512))
	haltest.SameBytes(t, "pool memory the peer wrote", got, haltest.PeerBytes(512, 9))
	ok(t, "FreeAsync", hip.FreeAsync(pd, s))

	gate := make(chan struct{})
	ok(t, "LaunchHostFunc", hip.LaunchHostFunc(s, func() { <-gate }))
	ok(t, "MemsetD32Async", hip.MemsetD32Async(d, 0xBADC0DE, 1, s))
	ok(t, "EventRecord", hip.EventRecord(ev, s))
	peer.SendString("recorded")
	peer.Expect("waiting")
	time.Sleep(50 * time.Millisecond)
	close(gate)
	ok(t, "StreamSynchronize", hip.StreamSynchronize(s))
	peer.Expect("done")
	peer.Wait()

	_, err = hip.IpcOpenMemHandle(h, hip.HipIpcMemLazyEnablePeerAccess)
	wantCode(t, "IpcOpenMemHandle in the exporting process", err, hip.HipErrorInvalidContext)
	_, err = hip.IpcOpenMemHandle(hip.IpcMemHandle{1, 2, 3}, hip.HipIpcMemLazyEnablePeerAccess)
	wantCode(t, "IpcOpenMemHandle of forged bytes", err, hip.HipErrorInvalidValue)
	_, err = hip.IpcGetEventHandle(nil)
	wantCode(t, "IpcGetEventHandle(nil)", err, hip.HipErrorInvalidHandle)
	_, err = hip.EventCreateWithFlags(hip.HipEventInterprocess)
	wantCode(t, "interprocess event with timing", err, hip.HipErrorInvalidValue)
	_, err = hip.MemPoolImportFromShareableHandle(fd, hip.HipMemHandleTypePosixFileDescriptor, 0)
	wantCode(t, "import of a pool of this process", err, hip.HipErrorInvalidContext)
	hip.GetLastError()
}
