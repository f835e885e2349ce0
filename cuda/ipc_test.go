package cuda_test

import (
	"encoding/binary"
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/streamhal/streamhal/cuda"
	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/streaming"
)

// ipcSetup is setup and primary for IPC tests: it skips when the backend
// cannot share memory between processes (fails under STREAM_HAL_REQUIRE).
func ipcSetup(t *testing.T) {
	t.Helper()
	setup(t, streaming.Options{})
	primary(t)
	p := alloc(t, 64)
	if _, err := cuda.IpcGetMemHandle(p); err == cuda.CUDA_ERROR_NOT_SUPPORTED {
		if haltest.Require(backend()) {
			t.Fatalf("STREAM_HAL_REQUIRE=%s: %v", backend(), cuda.LastErrorDetail())
		}
		t.Skip(cuda.LastErrorDetail())
	} else if err != nil {
		t.Fatal(err, cuda.LastErrorDetail())
	}
}

// TestIpc runs the cuIpc* calls and pool export and import between two
// processes, with CUDA's codes for misuse.
func TestIpc(t *testing.T) {
	ipcSetup(t)
	peer := haltest.StartPeer(t)
	const n = 256<<10 + 4
	if haltest.IsPeer(t) {
		ipcPeer(t, peer, n)
		return
	}
	d := alloc(t, n)
	ok(t, cuda.MemcpyHtoD(d, haltest.PeerBytes(n, 1), n))
	h := val[cuda.IpcMemHandle](t)(cuda.IpcGetMemHandle(d))
	if len(h) != cuda.CU_IPC_HANDLE_SIZE || unsafe.Sizeof(cuda.IpcEventHandle{}) != 64 {
		t.Fatalf("handle sizes %d, %d: want 64", len(h), unsafe.Sizeof(cuda.IpcEventHandle{}))
	}
	ev := val[*cuda.Event](t)(cuda.EventCreate(cuda.CU_EVENT_INTERPROCESS | cuda.CU_EVENT_DISABLE_TIMING))
	defer cuda.EventDestroy(ev)
	eh := val[cuda.IpcEventHandle](t)(cuda.IpcGetEventHandle(ev))

	props := &cuda.MemPoolProps{AllocType: cuda.CU_MEM_ALLOCATION_TYPE_PINNED, HandleTypes: cuda.CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR,
		Location: cuda.MemLocation{Type: cuda.CU_MEM_LOCATION_TYPE_DEVICE, Id: 0}}
	pool := val[*cuda.MemoryPool](t)(cuda.MemPoolCreate(props))
	defer cuda.MemPoolDestroy(pool)
	fd := val[uintptr](t)(cuda.MemPoolExportToShareableHandle(pool, cuda.CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR, 0))
	defer syscall.Close(int(fd))
	s := stream(t, cuda.CU_STREAM_NON_BLOCKING)
	pd := val[cuda.DevicePtr](t)(cuda.MemAllocFromPoolAsync(4096, pool, s))
	ok(t, cuda.MemcpyHtoDAsync(pd, haltest.PeerBytes(4096, 7), 4096, s))
	ok(t, cuda.StreamSynchronize(s))
	data := val[cuda.MemPoolPtrExportData](t)(cuda.MemPoolExportPointer(pd))

	peer.Send(h[:])
	peer.Send(eh[:])
	peer.Send(binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, uint32(os.Getpid())), uint32(fd)))
	peer.Send(data[:])
	peer.Expect("opened")

	// An event recorded behind a gate here orders the peer's copy there.
	open := gate(t, s)
	ok(t, cuda.MemsetD32Async(d, 0xC0FFEE, 1, s))
	ok(t, cuda.EventRecord(ev, s))
	wantErr(t, "EventQuery before the gate opens", cuda.EventQuery(ev), cuda.CUDA_ERROR_NOT_READY)
	peer.SendString("recorded")
	peer.Expect("waiting")
	time.Sleep(50 * time.Millisecond)
	open()
	ok(t, cuda.StreamSynchronize(s))
	peer.Expect("done")
	got := make([]byte, 4096)
	ok(t, cuda.MemcpyDtoH(got, pd, 4096))
	haltest.SameBytes(t, "pool memory the peer wrote", got, haltest.PeerBytes(4096, 8))
	ok(t, cuda.MemFreeAsync(pd, s))
	ok(t, cuda.StreamSynchronize(s))
	peer.SendString("bye")
	peer.Wait()

	// Misuse.
	_, err := cuda.IpcOpenMemHandle(h, cuda.CU_IPC_MEM_LAZY_ENABLE_PEER_ACCESS)
	wantErr(t, "IpcOpenMemHandle in the exporting process", err, cuda.CUDA_ERROR_INVALID_CONTEXT)
	_, err = cuda.IpcOpenEventHandle(eh)
	wantErr(t, "IpcOpenEventHandle in the exporting process", err, cuda.CUDA_ERROR_INVALID_CONTEXT)
	_, err = cuda.IpcOpenMemHandle(cuda.IpcMemHandle{}, 0)
	wantErr(t, "IpcOpenMemHandle of zeros", err, cuda.CUDA_ERROR_INVALID_VALUE)
	_, err = cuda.IpcOpenMemHandle(h, 4)
	wantErr(t, "IpcOpenMemHandle flags 4", err, cuda.CUDA_ERROR_INVALID_VALUE)
	_, err = cuda.IpcGetMemHandle(d + 4)
	wantErr(t, "IpcGetMemHandle of an interior pointer", err, cuda.CUDA_ERROR_INVALID_VALUE)
	wantErr(t, "IpcCloseMemHandle of own memory", cuda.IpcCloseMemHandle(d), cuda.CUDA_ERROR_INVALID_VALUE)
	plain := val[*cuda.Event](t)(cuda.EventCreate(cuda.CU_EVENT_DISABLE_TIMING))
	defer cuda.EventDestroy(plain)
	_, err = cuda.IpcGetEventHandle(plain)
	wantErr(t, "IpcGetEventHandle of an event without CU_EVENT_INTERPROCESS", err, cuda.CUDA_ERROR_INVALID_VALUE)
	_, err = cuda.EventCreate(cuda.CU_EVENT_INTERPROCESS)
	wantErr(t, "CU_EVENT_INTERPROCESS without CU_EVENT_DISABLE_TIMING", err, cuda.CUDA_ERROR_INVALID_VALUE)
	_, err = cuda.MemPoolImportFromShareableHandle(fd, cuda.CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR, 0)
	wantErr(t, "import of a pool of this process", err, cuda.CUDA_ERROR_INVALID_CONTEXT)
	_, err = cuda.MemPoolExportToShareableHandle(pool, cuda.CU_MEM_HANDLE_TYPE_NONE, 0)
	wantErr(t, "export with handle type NONE", err, cuda.CUDA_ERROR_INVALID_VALUE)
	def := val[*cuda.MemoryPool](t)(cuda.DeviceGetDefaultMemPool(0))
	_, err = cuda.MemPoolExportToShareableHandle(def, cuda.CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR, 0)
	wantErr(t, "export of a pool created without handle types", err, cuda.CUDA_ERROR_INVALID_VALUE)
	_, err = cuda.MemPoolExportPointer(d)
	wantErr(t, "export pointer of cuMemAlloc memory", err, cuda.CUDA_ERROR_INVALID_VALUE)
}

func ipcPeer(t *testing.T, peer *haltest.Peer, n uint64) {
	h := cuda.IpcMemHandle(peer.Recv())
	eh := cuda.IpcEventHandle(peer.Recv())
	msg := peer.Recv()
	data := cuda.MemPoolPtrExportData(peer.Recv())
	d := val[cuda.DevicePtr](t)(cuda.IpcOpenMemHandle(h, cuda.CU_IPC_MEM_LAZY_ENABLE_PEER_ACCESS))
	got := make([]byte, n)
	ok(t, cuda.MemcpyDtoH(got, d, n))
	haltest.SameBytes(t, "memory of the other process", got, haltest.PeerBytes(int(n), 1))
	wantErr(t, "MemFree of opened memory", cuda.MemFree(d), cuda.CUDA_ERROR_INVALID_VALUE)
	ev := val[*cuda.Event](t)(cuda.IpcOpenEventHandle(eh))

	f, err := os.Open(fmt.Sprintf("/proc/%d/fd/%d", binary.LittleEndian.Uint32(msg), binary.LittleEndian.Uint32(msg[4:])))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pool := val[*cuda.MemoryPool](t)(cuda.MemPoolImportFromShareableHandle(f.Fd(), cuda.CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR, 0))
	pd := val[cuda.DevicePtr](t)(cuda.MemPoolImportPointer(pool, &data))
	pg := make([]byte, 4096)
	ok(t, cuda.MemcpyDtoH(pg, pd, 4096))
	haltest.SameBytes(t, "pool memory of the other process", pg, haltest.PeerBytes(4096, 7))
	ok(t, cuda.MemcpyHtoD(pd, haltest.PeerBytes(4096, 8), 4096))
	ok(t, cuda.MemFree(pd))
	peer.SendString("opened")

	peer.Expect("recorded")
	s := stream(t, cuda.CU_STREAM_NON_BLOCKING)
	ok(t, cuda.StreamWaitEvent(s, ev, 0))
	host := val[unsafe.Pointer](t)(cuda.MemAllocHost(4))
	defer cuda.MemFreeHost(host)
	*(*uint32)(host) = 0xdeadbeef
	ok(t, cuda.MemcpyDtoHAsync(host, d, 4, s))
	peer.SendString("waiting")
	ok(t, cuda.StreamSynchronize(s))
	if v := *(*uint32)(host); v != 0xC0FFEE {
		t.Fatalf("copy ordered after the other process's event: %#x, want 0xc0ffee", v)
	}
	ok(t, cuda.EventQuery(ev))
	ok(t, cuda.EventDestroy(ev))
	ok(t, cuda.IpcCloseMemHandle(d))
	wantErr(t, "second IpcCloseMemHandle", cuda.IpcCloseMemHandle(d), cuda.CUDA_ERROR_INVALID_VALUE)
	ok(t, cuda.MemPoolDestroy(pool))
	peer.SendString("done")
	peer.Expect("bye")
}
