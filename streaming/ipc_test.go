package streaming_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/streaming"
)

// ipcEnv is newEnv for IPC tests: the test skips when the backend cannot
// share memory with other processes (fails under STREAM_HAL_REQUIRE).
func ipcEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	p, err := e.ctx.Malloc(64)
	if err != nil {
		t.Fatal(err)
	}
	defer e.ctx.Free(p)
	if _, err := e.ctx.IPCGetMemHandle(p); errors.Is(err, streaming.ErrNotSupported) {
		// Every backend shares memory between processes where its device
		// can (a Vulkan device without VK_KHR_external_memory_fd says so).
		if haltest.Require(backend()) {
			t.Fatalf("STREAM_HAL_REQUIRE=%s: %v", backend(), err)
		}
		t.Skip(err)
	} else if err != nil {
		t.Fatal(err)
	}
	return e
}

const ipcSize = 1<<20 + 12

// TestIPCMemoryAndEvent shares device memory and an event with a second
// process: the data each writes the other reads; an event recorded here
// orders a copy there; a handle opened twice is one mapping closed twice.
func TestIPCMemoryAndEvent(t *testing.T) {
	e := ipcEnv(t)
	peer := haltest.StartPeer(t)
	if haltest.IsPeer(t) {
		ipcMemoryPeer(t, e, peer)
		return
	}
	ctx := e.ctx
	d, err := ctx.Malloc(ipcSize)
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Free(d)
	mine := haltest.PeerBytes(ipcSize, 0x5a)
	if err := ctx.MemcpyHtoD(d, mine); err != nil {
		t.Fatal(err)
	}
	h, err := ctx.IPCGetMemHandle(d)
	if err != nil {
		t.Fatal(err)
	}
	// A second export gives the same handle, and the data stayed.
	if h2, err := ctx.IPCGetMemHandle(d); err != nil || h2 != h {
		t.Fatalf("second IPCGetMemHandle: %v (same handle: %v)", err, h2 == h)
	}
	got := make([]byte, ipcSize)
	if err := ctx.MemcpyDtoH(got, d); err != nil {
		t.Fatal(err)
	}
	haltest.SameBytes(t, "memory after export", got, mine)

	ev, err := ctx.NewEvent(streaming.EventInterprocess | streaming.EventDisableTiming)
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Close()
	eh, err := ev.IPCHandle()
	if err != nil {
		t.Fatal(err)
	}
	peer.Send(h[:])
	peer.Send(eh[:])

	// 1. The peer reads what we wrote and writes its own pattern.
	peer.Expect("read and written")
	if err := ctx.MemcpyDtoH(got, d); err != nil {
		t.Fatal(err)
	}
	haltest.SameBytes(t, "memory written by the peer", got, haltest.PeerBytes(ipcSize, 0xa5))

	// 2. Work here, held back by a gate, writes a marker and records the
	// event; the peer waits for the event on a stream and then copies the
	// marker out. Without the wait it would copy the old value.
	s, err := ctx.NewStream(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	gate := make(chan struct{})
	if err := s.LaunchHostFunc(func() { <-gate }); err != nil {
		t.Fatal(err)
	}
	marker := make([]byte, 8)
	binary.LittleEndian.PutUint64(marker, 0x1234_5678_9abc_def0)
	if err := s.MemcpyHtoDAsync(d, marker); err != nil {
		t.Fatal(err)
	}
	if err := ev.Record(s); err != nil {
		t.Fatal(err)
	}
	if err := ev.Query(); !errors.Is(err, streaming.ErrNotReady) {
		t.Fatalf("Query before the gate opens: %v, want ErrNotReady", err)
	}
	peer.SendString("recorded")
	peer.Expect("waiting")
	time.Sleep(50 * time.Millisecond) // give a wrong implementation time to copy early
	close(gate)
	if err := s.Synchronize(context.Background()); err != nil {
		t.Fatal(err)
	}
	peer.Expect("ordered")

	// 3. The peer records the event on its side; our wait sees it.
	peer.Expect("peer recorded")
	if err := ev.Synchronize(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := ctx.MemcpyDtoH(got[:8], d); err != nil {
		t.Fatal(err)
	}
	if v := binary.LittleEndian.Uint64(got); v != 0xfeed_f00d {
		t.Fatalf("value the peer wrote before its record: %#x, want 0xfeedf00d", v)
	}
	peer.SendString("bye")
	peer.Wait()
}

func ipcMemoryPeer(t *testing.T, e *env, peer *haltest.Peer) {
	ctx := e.ctx
	h := streaming.IPCMemHandle(peer.Recv())
	eh := streaming.IPCEventHandle(peer.Recv())
	d, err := ctx.IPCOpenMemHandle(h, streaming.IPCMemLazyEnablePeerAccess)
	if err != nil {
		t.Fatal(err)
	}
	// Opened twice: one address, two closes.
	d2, err := ctx.IPCOpenMemHandle(h, 0)
	if err != nil || d2 != d {
		t.Fatalf("second open: %#x, %v; want %#x", d2, err, d)
	}
	if err := ctx.IPCCloseMemHandle(d2); err != nil {
		t.Fatal(err)
	}
	if err := ctx.Free(d); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Fatalf("Free of opened memory: %v, want ErrInvalidValue", err)
	}
	if lo, size, err := ctx.AddressRange(d + 100); err != nil || lo != d || size != ipcSize {
		t.Fatalf("address range of opened memory: %#x, %d, %v; want %#x, %d", lo, size, err, d, ipcSize)
	}
	got := make([]byte, ipcSize)
	if err := ctx.MemcpyDtoH(got, d); err != nil {
		t.Fatal(err)
	}
	haltest.SameBytes(t, "memory exported by the other process", got, haltest.PeerBytes(ipcSize, 0x5a))
	// A kernel reads and writes the opened memory through its address
	// (on Vulkan: the buffer device address of the imported memory).
	const n = 1024
	if err := streaming.CopyToDeviceSync(ctx, d, seq(n, func(i int) float32 { return float32(i) + 0.25 })); err != nil {
		t.Fatal(err)
	}
	if err := streaming.CopyToDeviceSync(ctx, d+4*n, poisoned(n)); err != nil {
		t.Fatal(err)
	}
	cfg := cfg1(n)
	if err := ctx.DefaultStream().Launch(e.fn(t, "vector_add"), cfg.Grid, cfg.Block, 0, d, d, d+4*n, uint32(n)); err != nil {
		t.Fatal(err)
	}
	sum := make([]float32, n)
	if err := streaming.CopyFromDeviceSync(ctx, sum, d+4*n); err != nil {
		t.Fatal(err)
	}
	for i, v := range sum {
		if want := 2 * (float32(i) + 0.25); v != want {
			t.Fatalf("vector_add on opened memory: element %d is %v, want %v", i, v, want)
		}
	}
	if err := ctx.MemcpyHtoD(d, haltest.PeerBytes(ipcSize, 0xa5)); err != nil {
		t.Fatal(err)
	}
	peer.SendString("read and written")

	ev, err := ctx.IPCOpenEventHandle(eh)
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Close()
	peer.Expect("recorded")
	s, err := ctx.NewStream(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.WaitEvent(ev); err != nil {
		t.Fatal(err)
	}
	// Page-locked memory: a copy to Go memory would wait right here.
	hm, err := ctx.MallocHost(8, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer hm.Free()
	out := hm.Bytes()
	for i := range out {
		out[i] = 0xee
	}
	if err := s.MemcpyAsync(hm.DevicePtr(), d, 8); err != nil {
		t.Fatal(err)
	}
	if err := ev.Query(); !errors.Is(err, streaming.ErrNotReady) {
		t.Errorf("Query of the other process's pending record: %v, want ErrNotReady", err)
	}
	peer.SendString("waiting")
	if err := s.Synchronize(context.Background()); err != nil {
		t.Fatal(err)
	}
	if v := binary.LittleEndian.Uint64(out); v != 0x1234_5678_9abc_def0 {
		t.Fatalf("copy after waiting for the other process's event: %#x, want the marker 0x123456789abcdef0", v)
	}
	if err := ev.Query(); err != nil {
		t.Errorf("Query after the record was reached: %v", err)
	}
	peer.SendString("ordered")

	// Record here, seen there.
	var v [8]byte
	binary.LittleEndian.PutUint64(v[:], 0xfeed_f00d)
	if err := s.MemcpyHtoDAsync(d, v[:]); err != nil {
		t.Fatal(err)
	}
	if err := ev.Record(s); err != nil {
		t.Fatal(err)
	}
	peer.SendString("peer recorded")
	peer.Expect("bye")
	if err := s.Synchronize(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := ctx.IPCCloseMemHandle(d); err != nil {
		t.Fatal(err)
	}
	if err := ctx.IPCCloseMemHandle(d); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Fatalf("third close: %v, want ErrInvalidValue", err)
	}
	// Reopened after the last close: a new mapping of the same memory.
	d3, err := ctx.IPCOpenMemHandle(h, 0)
	if err != nil {
		t.Fatalf("reopen after close: %v", err)
	}
	var again [8]byte
	if err := ctx.MemcpyDtoH(again[:], d3); err != nil {
		t.Fatal(err)
	}
	if v := binary.LittleEndian.Uint64(again[:]); v != 0xfeed_f00d {
		t.Fatalf("reopened memory: %#x, want 0xfeedf00d", v)
	}
	if err := ctx.IPCCloseMemHandle(d3); err != nil {
		t.Fatal(err)
	}
}

// TestIPCExporterExitsFirst: the peer exports memory and an event and
// exits; what we opened before stays usable, a handle we open only after
// its exit or whose memory it freed first is stale (ErrInvalidHandle).
func TestIPCExporterExitsFirst(t *testing.T) {
	if haltest.IsPeer(t) {
		// The exporter: a runtime without newEnv's leak check, since it
		// exits holding its memory.
		peer := haltest.StartPeer(t)
		rt := openRuntime(t, streaming.Options{})
		defer rt.Close()
		ctx, err := rt.Default().PrimaryContext()
		if err != nil {
			t.Fatal(err)
		}
		d, err := ctx.Malloc(ipcSize)
		if err != nil {
			t.Fatal(err)
		}
		if err := ctx.MemcpyHtoD(d, haltest.PeerBytes(ipcSize, 0x33)); err != nil {
			t.Fatal(err)
		}
		h, err := ctx.IPCGetMemHandle(d)
		if err != nil {
			t.Fatal(err)
		}
		late, err := ctx.Malloc(4096)
		if err != nil {
			t.Fatal(err)
		}
		lh, err := ctx.IPCGetMemHandle(late)
		if err != nil {
			t.Fatal(err)
		}
		freed, err := ctx.Malloc(4096)
		if err != nil {
			t.Fatal(err)
		}
		fh, err := ctx.IPCGetMemHandle(freed)
		if err != nil {
			t.Fatal(err)
		}
		if err := ctx.Free(freed); err != nil {
			t.Fatal(err)
		}
		ev, err := ctx.NewEvent(streaming.EventInterprocess | streaming.EventDisableTiming)
		if err != nil {
			t.Fatal(err)
		}
		eh, err := ev.IPCHandle()
		if err != nil {
			t.Fatal(err)
		}
		if err := ev.Record(nil); err != nil {
			t.Fatal(err)
		}
		for _, b := range [][]byte{h[:], lh[:], fh[:], eh[:]} {
			peer.Send(b)
		}
		peer.Expect("exit")
		return
	}
	e := ipcEnv(t)
	peer := haltest.StartPeer(t)
	ctx := e.ctx
	h := streaming.IPCMemHandle(peer.Recv())
	lh := streaming.IPCMemHandle(peer.Recv())
	fh := streaming.IPCMemHandle(peer.Recv())
	eh := streaming.IPCEventHandle(peer.Recv())
	// On CUDA, opening a handle of freed memory is undefined (the
	// driver's allocator may keep the block); the CPU backend promises
	// ErrInvalidHandle.
	if backend() == "cpu" {
		if _, err := ctx.IPCOpenMemHandle(fh, 0); !errors.Is(err, streaming.ErrInvalidHandle) {
			t.Errorf("open of memory the exporter freed: %v, want ErrInvalidHandle", err)
		}
	}
	d, err := ctx.IPCOpenMemHandle(h, 0)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := ctx.IPCOpenEventHandle(eh)
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Close()
	peer.SendString("exit")
	peer.Wait()
	got := make([]byte, ipcSize)
	if err := ctx.MemcpyDtoH(got, d); err != nil {
		t.Fatal(err)
	}
	haltest.SameBytes(t, "memory of an exporter that exited", got, haltest.PeerBytes(ipcSize, 0x33))
	if err := ev.Synchronize(context.Background()); err != nil {
		t.Fatalf("wait for the record of an exporter that exited: %v", err)
	}
	if err := ev.Record(nil); err != nil {
		t.Fatal(err)
	}
	if err := ev.Synchronize(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := ctx.IPCCloseMemHandle(d); err != nil {
		t.Fatal(err)
	}
	if _, err := ctx.IPCOpenMemHandle(lh, 0); !staleErr(err) {
		t.Errorf("open after the exporter exited: %v, want ErrInvalidHandle", err)
	}
}

// TestIPCMisuse: bad handles and bad requests are errors, never crashes.
func TestIPCMisuse(t *testing.T) {
	e := ipcEnv(t)
	ctx := e.ctx
	d, err := ctx.Malloc(4096)
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Free(d)
	h, err := ctx.IPCGetMemHandle(d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ctx.IPCOpenMemHandle(h, 0); !errors.Is(err, streaming.ErrInvalidContext) {
		t.Errorf("open in the exporting process: %v, want ErrInvalidContext", err)
	}
	if _, err := ctx.IPCOpenMemHandle(h, 2); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("open with flags 2: %v, want ErrInvalidValue", err)
	}
	if _, err := ctx.IPCGetMemHandle(d + 16); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("export of an interior pointer: %v, want ErrInvalidValue", err)
	}
	if _, err := ctx.IPCGetMemHandle(0x1000); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("export of an address no allocation covers: %v, want ErrInvalidValue", err)
	}
	if err := ctx.IPCCloseMemHandle(d); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("close of memory of this process: %v, want ErrInvalidValue", err)
	}
	hm, err := ctx.MallocHost(64, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer hm.Free()
	if _, err := ctx.IPCGetMemHandle(hm.DevicePtr()); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("export of host memory: %v, want ErrInvalidValue", err)
	}
	// Forged handles: zeros, random bytes, our header with another
	// backend, kind or version; none may crash.
	forged := []streaming.IPCMemHandle{{}, {0xff, 0xfe, 1, 2, 3}}
	for i := 4; i < 8; i++ {
		f := h
		f[i] ^= 0x7
		forged = append(forged, f)
	}
	bad := h
	bad[12] ^= 0x40 // another descriptor
	forged = append(forged, bad)
	bad = h
	bad[20] ^= 1 // another token
	forged = append(forged, bad)
	bad = h
	bad[8], bad[9], bad[10], bad[11] = 1, 0, 0, 0 // process 1 (init)
	forged = append(forged, bad)
	for i, f := range forged {
		p, err := ctx.IPCOpenMemHandle(f, 0)
		if err == nil && backend() != "cpu" {
			// A vendor handle's bytes are the vendor's: CUDA on the H100
			// opened handle 8 (another process id in bytes 8-11, which
			// its handles do not check) as the allocation it names.
			t.Logf("forged handle %d opened by the %s driver (its handles are opaque to us); closing it", i, backend())
			if err := ctx.IPCCloseMemHandle(p); err != nil {
				t.Errorf("closing forged handle %d: %v", i, err)
			}
			continue
		}
		if err == nil {
			t.Fatalf("forged handle %d opened", i)
		}
		// A vendor driver answers forged bytes with a code of its own.
		if backend() == "cpu" && !errors.Is(err, streaming.ErrInvalidValue) && !errors.Is(err, streaming.ErrInvalidHandle) && !errors.Is(err, streaming.ErrInvalidContext) {
			t.Errorf("forged handle %d: %v, want an invalid value, handle or context error", i, err)
		}
		if _, err := ctx.IPCOpenEventHandle(streaming.IPCEventHandle(f)); err == nil {
			t.Errorf("forged handle %d opened as an event", i)
		}
	}
	ev, err := ctx.NewEvent(0)
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Close()
	if _, err := ev.IPCHandle(); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("handle of an event without EventInterprocess: %v, want ErrInvalidValue", err)
	}
	if _, err := ctx.NewEvent(streaming.EventInterprocess); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("interprocess event with timing: %v, want ErrInvalidValue", err)
	}
	iev, err := ctx.NewEvent(streaming.EventInterprocess | streaming.EventDisableTiming)
	if err != nil {
		t.Fatal(err)
	}
	eh, err := iev.IPCHandle()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ctx.IPCOpenEventHandle(eh); !errors.Is(err, streaming.ErrInvalidContext) {
		t.Errorf("open of an event handle in the exporting process: %v, want ErrInvalidContext", err)
	}
	if _, err := ctx.IPCOpenMemHandle(streaming.IPCMemHandle(eh), 0); err == nil {
		t.Errorf("an event handle opened as memory")
	}
	// An interprocess event works in its own process too.
	if err := iev.Record(nil); err != nil {
		t.Fatal(err)
	}
	if err := iev.Synchronize(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := iev.Query(); err != nil {
		t.Fatal(err)
	}
	if err := iev.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := iev.IPCHandle(); !errors.Is(err, streaming.ErrInvalidHandle) {
		t.Errorf("handle of a destroyed event: %v, want ErrInvalidHandle", err)
	}
}

// TestIPCMemPool shares an exportable pool: the descriptor (reopened by
// the peer through /proc, as a program would pass it with SCM_RIGHTS),
// then allocations by their export data; the peer reads what we wrote,
// writes back, and frees its mappings with Free and FreeAsync.
func TestIPCMemPool(t *testing.T) {
	e := ipcEnv(t)
	peer := haltest.StartPeer(t)
	ctx := e.ctx
	if haltest.IsPeer(t) {
		msg := peer.Recv()
		pid, fd := binary.LittleEndian.Uint32(msg), binary.LittleEndian.Uint32(msg[4:])
		f, err := os.Open(fmt.Sprintf("/proc/%d/fd/%d", pid, fd))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		pool, err := e.dev.ImportMemPoolFromFD(int(f.Fd()))
		if err != nil {
			t.Fatal(err)
		}
		defer pool.Destroy()
		s, err := ctx.NewStream(0, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if _, err := s.MallocFromPoolAsync(64, pool); !errors.Is(err, streaming.ErrInvalidValue) {
			t.Errorf("allocation from an imported pool: %v, want ErrInvalidValue", err)
		}
		var ptrs [2]streaming.DevicePtr
		for i := range ptrs {
			data := streaming.MemPoolPtrExportData(peer.Recv())
			p, err := ctx.ImportPointer(pool, data)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]byte, 4096)
			if err := ctx.MemcpyDtoH(got, p); err != nil {
				t.Fatal(err)
			}
			haltest.SameBytes(t, fmt.Sprintf("pool allocation %d", i), got, haltest.PeerBytes(4096, byte(i)))
			if err := ctx.MemcpyHtoD(p, haltest.PeerBytes(4096, byte(0x80+i))); err != nil {
				t.Fatal(err)
			}
			ptrs[i] = p
			forged := data
			forged[9] ^= 1
			if _, err := ctx.ImportPointer(pool, forged); !errors.Is(err, streaming.ErrInvalidValue) {
				t.Errorf("import of export data with another pool's token: %v, want ErrInvalidValue", err)
			}
		}
		if err := ctx.Free(ptrs[0]); err != nil {
			t.Fatal(err)
		}
		if err := s.FreeAsync(ptrs[1]); err != nil {
			t.Fatal(err)
		}
		peer.SendString("done")
		peer.Expect("bye")
		return
	}
	pool, err := e.dev.NewExportableMemPool()
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Destroy()
	fd, err := pool.ExportToFD()
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	s, err := ctx.NewStream(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var ptrs [2]streaming.DevicePtr
	for i := range ptrs {
		if ptrs[i], err = s.MallocFromPoolAsync(4096, pool); err != nil {
			t.Fatal(err)
		}
		if err := s.MemcpyHtoDAsync(ptrs[i], haltest.PeerBytes(4096, byte(i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Synchronize(context.Background()); err != nil {
		t.Fatal(err)
	}
	msg := binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, uint32(os.Getpid())), uint32(fd))
	peer.Send(msg)
	for _, p := range ptrs {
		data, err := pool.ExportPointer(p)
		if err != nil {
			t.Fatal(err)
		}
		peer.Send(data[:])
	}
	peer.Expect("done")
	for i, p := range ptrs {
		got := make([]byte, 4096)
		if err := ctx.MemcpyDtoH(got, p); err != nil {
			t.Fatal(err)
		}
		haltest.SameBytes(t, fmt.Sprintf("pool allocation %d written by the peer", i), got, haltest.PeerBytes(4096, byte(0x80+i)))
		if err := s.FreeAsync(p); err != nil {
			t.Fatal(err)
		}
	}
	peer.SendString("bye")
	peer.Wait()

	// Misuse: the default pool is not exportable; this process cannot
	// import its own pool; pointers of another pool do not export.
	if _, err := e.dev.DefaultMemPool().ExportToFD(); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("export of a pool not created exportable: %v, want ErrInvalidValue", err)
	}
	if _, err := e.dev.ImportMemPoolFromFD(fd); !errors.Is(err, streaming.ErrInvalidContext) {
		t.Errorf("import of a pool of this process: %v, want ErrInvalidContext", err)
	}
	if _, err := e.dev.ImportMemPoolFromFD(0); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("import of standard input: %v, want ErrInvalidValue", err)
	}
	d, err := ctx.Malloc(64)
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Free(d)
	if _, err := pool.ExportPointer(d); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("export of a pointer not from the pool: %v, want ErrInvalidValue", err)
	}
	if _, err := ctx.ImportPointer(pool, streaming.MemPoolPtrExportData{}); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("import into a pool that was not imported: %v, want ErrInvalidValue", err)
	}
}

// staleErr reports whether err is what opening a stale handle gives: the
// CPU backend's ErrInvalidHandle, or on a vendor driver whichever error it
// picks.
func staleErr(err error) bool {
	if backend() == "cpu" {
		return errors.Is(err, streaming.ErrInvalidHandle)
	}
	return err != nil
}
