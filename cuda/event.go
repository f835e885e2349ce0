package cuda

import (
	"context"

	"github.com/streamhal/streamhal/streaming"
)

// Event is a CUevent: the streaming event itself, so a handle works with
// both packages.
type Event = streaming.Event

// EventCreate is cuEventCreate: an event in the current context with
// CU_EVENT_* flags. CU_EVENT_INTERPROCESS (with CU_EVENT_DISABLE_TIMING)
// makes an event cuIpcGetEventHandle shares with other processes.
func EventCreate(flags uint32) (*Event, error) {
	_, sc, err := cur("cuEventCreate")
	if err != nil {
		return nil, err
	}
	return eventCreate(sc, flags)
}

// EventCreate is the package's EventCreate in c.
func (c *Context) EventCreate(flags uint32) (*Event, error) {
	sc, err := c.get("cuEventCreate")
	if err != nil {
		return nil, err
	}
	return eventCreate(sc, flags)
}

func eventCreate(sc *streaming.Context, flags uint32) (*Event, error) {
	e, err := sc.NewEvent(flags)
	if err != nil {
		return nil, fail(err)
	}
	return e, nil
}

// EventRecord is cuEventRecord: e marks the current end of the work of s
// (nil: the NULL stream). Queries and waits refer to the most recent
// record. s must belong to e's device (else CUDA_ERROR_INVALID_HANDLE).
func EventRecord(e *Event, s *Stream) error {
	ss := s.live()
	if ss == nil {
		var err error
		if ss, err = s.resolveSlow("cuEventRecord"); err != nil {
			return err
		}
	}
	if e == nil {
		return failf(CUDA_ERROR_INVALID_HANDLE, "cuEventRecord: NULL event")
	}
	return check(e.Record(ss))
}

// EventRecordWithFlags is cuEventRecordWithFlags: EventRecord with
// CU_EVENT_RECORD_DEFAULT or CU_EVENT_RECORD_EXTERNAL (which only matters
// during stream capture and is recorded as the default here).
func EventRecordWithFlags(e *Event, s *Stream, flags uint32) error {
	if flags&^CU_EVENT_RECORD_EXTERNAL != 0 {
		if _, err := get(); err != nil {
			return err
		}
		return failf(CUDA_ERROR_INVALID_VALUE, "cuEventRecordWithFlags flags %#x: unknown bits", flags)
	}
	return EventRecord(e, s)
}

// EventQuery is cuEventQuery: nil when e's most recent record has been
// reached (or e was never recorded), CUDA_ERROR_NOT_READY otherwise.
func EventQuery(e *Event) error {
	if _, err := get(); err != nil {
		return err
	}
	if e == nil {
		return failf(CUDA_ERROR_INVALID_HANDLE, "cuEventQuery: NULL event")
	}
	return check(e.Query())
}

// EventSynchronize is cuEventSynchronize: it waits until e's most recent
// record is reached.
func EventSynchronize(e *Event) error {
	if _, err := get(); err != nil {
		return err
	}
	if e == nil {
		return failf(CUDA_ERROR_INVALID_HANDLE, "cuEventSynchronize: NULL event")
	}
	return check(e.Synchronize(context.Background()))
}

// EventDestroy is cuEventDestroy; work already waiting on e is unaffected.
// CUDA_ERROR_INVALID_HANDLE for nil or a destroyed event.
func EventDestroy(e *Event) error {
	if _, err := get(); err != nil {
		return err
	}
	if e == nil {
		return failf(CUDA_ERROR_INVALID_HANDLE, "cuEventDestroy: NULL event")
	}
	return check(e.Close())
}

// EventElapsedTime is cuEventElapsedTime: the milliseconds between two
// reached records of events of one device. CUDA_ERROR_NOT_READY when either
// is not reached yet, CUDA_ERROR_INVALID_HANDLE when either was never
// recorded or was created with CU_EVENT_DISABLE_TIMING.
func EventElapsedTime(start, end *Event) (float32, error) {
	if _, err := get(); err != nil {
		return 0, err
	}
	ms, err := streaming.ElapsedTime(start, end)
	if err != nil {
		return 0, fail(err)
	}
	return ms, nil
}
