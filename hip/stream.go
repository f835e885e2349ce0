package hip

import "context"

// StreamCreate is hipStreamCreate: a blocking stream on the current
// context (it orders against the NULL stream).
func StreamCreate() (Stream, error) {
	return streamCreate("hipStreamCreate", HipStreamDefault, 0)
}

// StreamCreateWithFlags is hipStreamCreateWithFlags: flags is
// HipStreamDefault or HipStreamNonBlocking.
func StreamCreateWithFlags(flags uint32) (Stream, error) {
	return streamCreate("hipStreamCreateWithFlags", flags, 0)
}

// StreamCreateWithPriority is hipStreamCreateWithPriority. priority is
// clamped into DeviceGetStreamPriorityRange; lower numbers run first.
func StreamCreateWithPriority(flags uint32, priority int) (Stream, error) {
	return streamCreate("hipStreamCreateWithPriority", flags, priority)
}

func streamCreate(call string, flags uint32, priority int) (Stream, error) {
	if flags != HipStreamDefault && flags != HipStreamNonBlocking {
		return nil, fail(call, HipErrorInvalidValue, "flags %#x: want HipStreamDefault or HipStreamNonBlocking", flags)
	}
	c, err := current()
	if err != nil {
		return nil, ret(call, err)
	}
	s, err := c.NewStream(flags, priority)
	return s, ret(call, err)
}

// StreamDestroy is hipStreamDestroy: it waits for the stream's work and
// destroys it. A nil stream (the NULL stream) is HipErrorInvalidHandle, as
// is a stream destroyed before.
func StreamDestroy(stream Stream) error {
	const call = "hipStreamDestroy"
	if stream == nil {
		return fail(call, HipErrorInvalidHandle, "the NULL stream cannot be destroyed")
	}
	if err := stream.Err(); err != nil {
		return ret(call, err)
	}
	return ret(call, stream.Close())
}

// StreamQuery is hipStreamQuery: nil when all of the stream's work is done,
// else HipErrorNotReady (which, as in HIP, is not recorded as the last
// error).
func StreamQuery(stream Stream) error {
	s, err := streamOf(stream)
	if err != nil {
		return ret("hipStreamQuery", err)
	}
	return ret("hipStreamQuery", s.Query())
}

// StreamSynchronize is hipStreamSynchronize: it waits for the stream's
// work and returns the first error it raised. The NULL stream includes the
// earlier work of the context's blocking streams.
func StreamSynchronize(stream Stream) error {
	s, err := streamOf(stream)
	if err != nil {
		return ret("hipStreamSynchronize", err)
	}
	return ret("hipStreamSynchronize", s.Synchronize(context.Background()))
}

// StreamWaitEvent is hipStreamWaitEvent: the stream's later work waits for
// the event's most recent record. flags is HipEventWaitDefault (or
// HipEventWaitExternal, which matters only to stream capture).
func StreamWaitEvent(stream Stream, event Event, flags uint32) error {
	const call = "hipStreamWaitEvent"
	if flags != HipEventWaitDefault && flags != HipEventWaitExternal {
		return fail(call, HipErrorInvalidValue, "flags %#x: unknown", flags)
	}
	if event == nil {
		return fail(call, HipErrorInvalidHandle, "%v", errNilHandle)
	}
	s, err := streamOf(stream)
	if err != nil {
		return ret(call, err)
	}
	return ret(call, s.WaitEvent(event))
}

// StreamGetPriority is hipStreamGetPriority (the NULL stream's is 0).
func StreamGetPriority(stream Stream) (int, error) {
	if stream == nil {
		return 0, nil
	}
	if err := stream.Err(); err != nil {
		return 0, ret("hipStreamGetPriority", err)
	}
	return stream.Priority(), nil
}

// StreamGetFlags is hipStreamGetFlags. As in AMD's runtime, the NULL stream
// has no flags to report (HipErrorInvalidValue).
func StreamGetFlags(stream Stream) (uint32, error) {
	const call = "hipStreamGetFlags"
	if stream == nil {
		return 0, fail(call, HipErrorInvalidValue, "the NULL stream")
	}
	if err := stream.Err(); err != nil {
		return 0, ret(call, err)
	}
	return stream.Flags(), nil
}

// StreamGetDevice is hipStreamGetDevice: the stream's device (the current
// device for the NULL stream).
func StreamGetDevice(stream Stream) (Device, error) {
	s, err := streamOf(stream)
	if err != nil {
		return 0, ret("hipStreamGetDevice", err)
	}
	return Device(s.Device().Ordinal()), nil
}

// LaunchHostFunc is hipLaunchHostFunc: fn runs on a host goroutine once the
// stream's earlier work is done, and the stream's later work waits for it
// to return. A Go closure replaces the C userData argument. fn must not
// wait on the stream itself.
func LaunchHostFunc(stream Stream, fn func()) error {
	const call = "hipLaunchHostFunc"
	if fn == nil {
		return fail(call, HipErrorInvalidValue, "nil function")
	}
	s, err := streamOf(stream)
	if err != nil {
		return ret(call, err)
	}
	return ret(call, s.LaunchHostFunc(fn))
}

// eventFlagsMask holds every flag of hipEventCreateWithFlags.
const eventFlagsMask = HipEventBlockingSync | HipEventDisableTiming | HipEventInterprocess |
	HipEventDisableSystemFence | HipEventReleaseToDevice | HipEventReleaseToSystem
