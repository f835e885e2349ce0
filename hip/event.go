package hip

import (
	"context"

	"github.com/streamhal/streamhal/streaming"
)

// EventCreate is hipEventCreate: an event on the current context.
func EventCreate() (Event, error) { return eventCreate("hipEventCreate", HipEventDefault) }

// EventCreateWithFlags is hipEventCreateWithFlags. HipEventInterprocess
// (which needs HipEventDisableTiming) makes an event hipIpcGetEventHandle
// shares with other processes. At most one of the release and system-fence flags may be
// given; they only tune cache flushes on AMD devices and are otherwise
// accepted as hints.
func EventCreateWithFlags(flags uint32) (Event, error) {
	return eventCreate("hipEventCreateWithFlags", flags)
}

func eventCreate(call string, flags uint32) (Event, error) {
	if flags&^eventFlagsMask != 0 {
		return nil, fail(call, HipErrorInvalidValue, "flags %#x: unknown bits %#x", flags, flags&^eventFlagsMask)
	}
	release := flags & (HipEventDisableSystemFence | HipEventReleaseToDevice | HipEventReleaseToSystem)
	if release&(release-1) != 0 {
		return nil, fail(call, HipErrorInvalidValue, "flags %#x: more than one release flag", flags)
	}
	c, err := current()
	if err != nil {
		return nil, ret(call, err)
	}
	e, err := c.NewEvent(flags & (HipEventBlockingSync | HipEventDisableTiming | HipEventInterprocess))
	return e, ret(call, err)
}

// EventRecord is hipEventRecord: the event marks the current end of the
// stream's work. The stream must belong to the event's device.
func EventRecord(event Event, stream Stream) error {
	const call = "hipEventRecord"
	if event == nil {
		return fail(call, HipErrorInvalidHandle, "%v", errNilHandle)
	}
	if stream == nil {
		// The NULL stream of the event's own context.
		if err := event.Err(); err != nil {
			return ret(call, err)
		}
		return ret(call, event.Record(nil))
	}
	if err := stream.Err(); err != nil {
		return ret(call, err)
	}
	return ret(call, event.Record(stream))
}

// EventQuery is hipEventQuery: nil when the most recent record has been
// reached (or the event was never recorded), else HipErrorNotReady (not
// recorded as the last error).
func EventQuery(event Event) error {
	if event == nil {
		return fail("hipEventQuery", HipErrorInvalidHandle, "%v", errNilHandle)
	}
	return ret("hipEventQuery", event.Query())
}

// EventSynchronize is hipEventSynchronize: it waits until the most recent
// record is reached.
func EventSynchronize(event Event) error {
	if event == nil {
		return fail("hipEventSynchronize", HipErrorInvalidHandle, "%v", errNilHandle)
	}
	return ret("hipEventSynchronize", event.Synchronize(context.Background()))
}

// EventDestroy is hipEventDestroy. Destroying an event twice is
// HipErrorContextIsDestroyed, as in AMD's runtime.
func EventDestroy(event Event) error {
	const call = "hipEventDestroy"
	if event == nil {
		return fail(call, HipErrorInvalidHandle, "%v", errNilHandle)
	}
	if err := event.Err(); err != nil {
		return ret(call, err, HipErrorContextIsDestroyed)
	}
	return ret(call, event.Close())
}

// EventElapsedTime is hipEventElapsedTime: the milliseconds between two
// reached records of one device. An event that was never recorded or has
// timing disabled is HipErrorInvalidHandle; one not reached yet is
// HipErrorNotReady.
func EventElapsedTime(start, stop Event) (float32, error) {
	const call = "hipEventElapsedTime"
	if start == nil || stop == nil {
		return 0, fail(call, HipErrorInvalidHandle, "%v", errNilHandle)
	}
	ms, err := streaming.ElapsedTime(start, stop)
	return ms, ret(call, err)
}
