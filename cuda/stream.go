package cuda

import (
	"context"
	"sync/atomic"

	"github.com/streamhal/streamhal/streaming"
)

// Stream is a CUstream. A nil *Stream is the NULL stream: the current
// context's legacy default stream, whose work waits for the earlier work of
// the context's blocking streams and theirs for its own, as in CUDA.
// CU_STREAM_LEGACY names the same stream explicitly; CU_STREAM_PER_THREAD
// stands for the per-thread default stream (see its doc). A handle of a
// destroyed stream, or of any stream of a destroyed context, is
// CUDA_ERROR_INVALID_HANDLE.
type Stream struct {
	s     *streaming.Stream
	state atomic.Int32 // streamLive, or one of the states below
}

// Stream states. The special handles keep theirs for ever.
const (
	streamLive = iota
	streamLegacy
	streamPerThread
	streamDestroyed
)

func special(state int32) *Stream {
	s := new(Stream)
	s.state.Store(state)
	return s
}

// The special stream handles of cuda.h, which C spells ((CUstream)0x1) and
// ((CUstream)0x2). Go may not keep small integers in pointer variables, so
// here they are distinct sentinel handles. Do not assign to them.
var (
	// CU_STREAM_LEGACY is the current context's legacy default stream, the
	// same stream as a nil *Stream.
	CU_STREAM_LEGACY = special(streamLegacy)
	// CU_STREAM_PER_THREAD is the per-thread default stream. Go code runs
	// on goroutines, not on threads of its own, so it is modelled as one
	// stream per context, shared by every goroutine: an ordinary blocking
	// stream (CU_STREAM_DEFAULT), created on first use, that orders with
	// the legacy stream exactly as CUDA's per-thread stream does.
	CU_STREAM_PER_THREAD = special(streamPerThread)
)

// Streaming returns the streaming.Stream behind s (nil for the special
// handles and nil, which depend on the current context).
func (s *Stream) Streaming() *streaming.Stream {
	if s == nil {
		return nil
	}
	return s.s
}

// resolve returns the streaming stream s stands for. The common case, a
// live stream of an initialized package, is small enough to inline.
func (s *Stream) resolve(what string) (ss *streaming.Stream, err error) {
	if ss = s.live(); ss != nil {
		return ss, nil
	}
	return s.resolveSlow(what)
}

// live returns the stream of a live ordinary handle, else nil. The hot
// calls test it themselves and call resolveSlow only when it is nil, which
// saves a call per operation.
func (s *Stream) live() *streaming.Stream {
	if s != nil && s.state.Load() == streamLive {
		return s.s
	}
	return nil
}

func (s *Stream) resolveSlow(what string) (*streaming.Stream, error) {
	state := int32(streamLegacy)
	if s != nil {
		state = s.state.Load()
	}
	if state == streamLegacy {
		if d := current.Load(); d != nil {
			if sc := d.stack.Current(); sc != nil {
				return sc.DefaultStream(), nil
			}
		}
		_, sc, err := curSlow(what)
		if err != nil {
			return nil, err
		}
		return sc.DefaultStream(), nil
	}
	if state == streamPerThread {
		d, sc, err := cur(what)
		if err != nil {
			return nil, err
		}
		return d.wrap(sc).perThreadStream(sc)
	}
	// Destroyed: by StreamDestroy, with its context, or by HALDeinit.
	if _, err := get(); err != nil {
		return nil, err
	}
	return nil, failf(CUDA_ERROR_INVALID_HANDLE, "%s: the stream was destroyed", what)
}

// handle makes the handle of a stream of c.
func (c *Context) handle(ss *streaming.Stream) *Stream {
	s := &Stream{s: ss}
	c.mu.Lock()
	if c.streams == nil {
		c.streams = map[*Stream]bool{}
	}
	c.streams[s] = true
	c.mu.Unlock()
	return s
}

// perThreadStream returns the stream CU_STREAM_PER_THREAD means in c.
func (c *Context) perThreadStream(sc *streaming.Context) (*streaming.Stream, error) {
	c.mu.Lock()
	if p := c.perThread; p != nil {
		c.mu.Unlock()
		return p.s, nil
	}
	c.mu.Unlock()
	ss, err := sc.NewStream(streaming.StreamDefault, 0)
	if err != nil {
		return nil, fail(err)
	}
	h := c.handle(ss)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.perThread != nil { // another goroutine made one meanwhile
		delete(c.streams, h)
		ss.Close()
		return c.perThread.s, nil
	}
	c.perThread = h
	return ss, nil
}

// DefaultStream returns a handle of c's NULL stream (its legacy default
// stream), for the asynchronous functions and launches when c is not the
// current context. It cannot be destroyed.
func (c *Context) DefaultStream() (*Stream, error) {
	sc, err := c.get("default stream")
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	h := c.legacy
	c.mu.Unlock()
	if h != nil && h.s == sc.DefaultStream() {
		return h, nil
	}
	h = c.handle(sc.DefaultStream())
	c.mu.Lock()
	c.legacy = h
	c.mu.Unlock()
	return h, nil
}

// StreamCreate is cuStreamCreate: a stream in the current context; flags
// is CU_STREAM_DEFAULT (the stream synchronizes with the legacy default
// stream) or CU_STREAM_NON_BLOCKING (it does not).
func StreamCreate(flags uint32) (*Stream, error) {
	return StreamCreateWithPriority(flags, 0)
}

// StreamCreate is the package's StreamCreate in c.
func (c *Context) StreamCreate(flags uint32) (*Stream, error) {
	return c.StreamCreateWithPriority(flags, 0)
}

// StreamCreateWithPriority is cuStreamCreateWithPriority: StreamCreate with
// a priority, clamped into CtxGetStreamPriorityRange (lower numbers run
// first).
func StreamCreateWithPriority(flags uint32, priority int) (*Stream, error) {
	d, sc, err := cur("cuStreamCreate")
	if err != nil {
		return nil, err
	}
	return d.wrap(sc).streamCreate(sc, flags, priority)
}

// StreamCreateWithPriority is the package's StreamCreateWithPriority in c.
func (c *Context) StreamCreateWithPriority(flags uint32, priority int) (*Stream, error) {
	sc, err := c.get("cuStreamCreate")
	if err != nil {
		return nil, err
	}
	return c.streamCreate(sc, flags, priority)
}

func (c *Context) streamCreate(sc *streaming.Context, flags uint32, priority int) (*Stream, error) {
	ss, err := sc.NewStream(flags, priority)
	if err != nil {
		return nil, fail(err)
	}
	return c.handle(ss), nil
}

// StreamGetPriority is cuStreamGetPriority (0 for the NULL stream).
func StreamGetPriority(s *Stream) (int, error) {
	ss, err := s.resolve("cuStreamGetPriority")
	if err != nil {
		return 0, err
	}
	return ss.Priority(), nil
}

// StreamGetFlags is cuStreamGetFlags (CU_STREAM_DEFAULT for the NULL and
// per-thread streams).
func StreamGetFlags(s *Stream) (uint32, error) {
	ss, err := s.resolve("cuStreamGetFlags")
	if err != nil {
		return 0, err
	}
	return ss.Flags(), nil
}

// StreamGetCtx is cuStreamGetCtx: the context s belongs to.
func StreamGetCtx(s *Stream) (*Context, error) {
	ss, err := s.resolve("cuStreamGetCtx")
	if err != nil {
		return nil, err
	}
	d, err := get()
	if err != nil {
		return nil, err
	}
	return d.wrap(ss.Context()), nil
}

// StreamWaitEvent is cuStreamWaitEvent: later work of s waits until e's
// most recent record is reached (e may belong to another device). flags is
// CU_EVENT_WAIT_DEFAULT, or CU_EVENT_WAIT_EXTERNAL, which only matters
// during stream capture and is accepted as the default here.
func StreamWaitEvent(s *Stream, e *Event, flags uint32) error {
	ss := s.live()
	if ss == nil {
		var err error
		if ss, err = s.resolveSlow("cuStreamWaitEvent"); err != nil {
			return err
		}
	}
	if flags&^CU_EVENT_WAIT_EXTERNAL != 0 {
		return failf(CUDA_ERROR_INVALID_VALUE, "cuStreamWaitEvent flags %#x: unknown bits", flags)
	}
	if e == nil {
		return failf(CUDA_ERROR_INVALID_HANDLE, "cuStreamWaitEvent: NULL event")
	}
	return check(ss.WaitEvent(e))
}

// StreamQuery is cuStreamQuery: nil when all work of s is done,
// CUDA_ERROR_NOT_READY while some is in flight.
func StreamQuery(s *Stream) error {
	ss := s.live()
	if ss == nil {
		var err error
		if ss, err = s.resolveSlow("cuStreamQuery"); err != nil {
			return err
		}
	}
	return check(ss.Query())
}

// StreamSynchronize is cuStreamSynchronize: it waits for the work of s and
// returns the first error that work raised.
func StreamSynchronize(s *Stream) error {
	ss := s.live()
	if ss == nil {
		var err error
		if ss, err = s.resolveSlow("cuStreamSynchronize"); err != nil {
			return err
		}
	}
	return check(ss.Synchronize(context.Background()))
}

// StreamDestroy is cuStreamDestroy: it destroys s once its work is done.
// The NULL, legacy and per-thread streams cannot be destroyed
// (CUDA_ERROR_INVALID_HANDLE), nor can a stream twice.
//
// It returns once that work is done (streaming.Stream.Close, bounded by
// the close timeout), where cuStreamDestroy returns at once and the work
// finishes afterwards. Results are the same; only a program that destroys
// a stream whose work waits for something the program does after the
// call (an event it records later) waits here, until the close timeout,
// and then gets CUDA_ERROR_TIMEOUT.
func StreamDestroy(s *Stream) error {
	if _, err := get(); err != nil {
		return err
	}
	if s == nil || s.state.Load() == streamLegacy || s.state.Load() == streamPerThread {
		return failf(CUDA_ERROR_INVALID_HANDLE, "cuStreamDestroy: the NULL, legacy and per-thread streams cannot be destroyed")
	}
	if !s.state.CompareAndSwap(streamLive, streamDestroyed) {
		return failf(CUDA_ERROR_INVALID_HANDLE, "cuStreamDestroy: the stream was already destroyed")
	}
	if err := s.s.Close(); err != nil {
		s.state.Store(streamLive) // the default stream's handle: still usable
		return fail(err)
	}
	if d, err := get(); err == nil {
		d.mu.Lock()
		c := d.ctxs[s.s.Context()]
		d.mu.Unlock()
		if c != nil {
			c.mu.Lock()
			delete(c.streams, s)
			if c.perThread == s {
				c.perThread = nil
			}
			c.mu.Unlock()
		}
	}
	return nil
}

// StreamCopyAttributes is cuStreamCopyAttributes: it copies the stream
// attributes (access policy window, synchronization policy) of src to dst.
// Streams here have none of those attributes (a stream's priority is fixed
// at creation), so it checks both handles and changes nothing.
func StreamCopyAttributes(dst, src *Stream) error {
	if _, err := dst.resolve("cuStreamCopyAttributes destination"); err != nil {
		return err
	}
	_, err := src.resolve("cuStreamCopyAttributes source")
	return err
}

// LaunchHostFunc is cuLaunchHostFunc: fn runs on a host goroutine once the
// earlier work of s is done, and later work of s waits for it to return.
// The C userData argument is whatever fn captures. fn must not call into
// this package to wait on s itself; a panic in fn is reported by the next
// StreamSynchronize.
func LaunchHostFunc(s *Stream, fn func()) error {
	ss := s.live()
	if ss == nil {
		var err error
		if ss, err = s.resolveSlow("cuLaunchHostFunc"); err != nil {
			return err
		}
	}
	if fn == nil {
		return failf(CUDA_ERROR_INVALID_VALUE, "cuLaunchHostFunc: NULL function")
	}
	return check(ss.LaunchHostFunc(fn))
}
