package main

/*
#include "shal_hip_capi.h"
*/
import "C"

import (
	"unsafe"

	"github.com/streamhal/streamhal/hip"
)

//export hipStreamCreate
func hipStreamCreate(stream *C.hipHandle) C.hipError_t {
	return hipStreamCreateWithPriority(stream, 0, 0)
}

//export hipStreamCreateWithFlags
func hipStreamCreateWithFlags(stream *C.hipHandle, flags C.uint) C.hipError_t {
	return hipStreamCreateWithPriority(stream, flags, 0)
}

//export hipStreamCreateWithPriority
func hipStreamCreateWithPriority(stream *C.hipHandle, flags C.uint, priority C.int) C.hipError_t {
	if stream == nil {
		return invalidValue
	}
	s, err := hip.StreamCreateWithPriority(uint32(flags), int(priority))
	if err == nil {
		*stream = h(s)
	}
	return code(err)
}

//export hipStreamDestroy
func hipStreamDestroy(stream C.hipHandle) C.hipError_t {
	s, ok := obj[hip.Stream](stream)
	if !ok {
		return invalidHandle
	}
	err := hip.StreamDestroy(s)
	if err == nil {
		handles.Drop(s)
	}
	return code(err)
}

//export hipStreamSynchronize
func hipStreamSynchronize(stream C.hipHandle) C.hipError_t {
	s, ok := obj[hip.Stream](stream)
	if !ok {
		return invalidHandle
	}
	return code(hip.StreamSynchronize(s))
}

//export hipStreamQuery
func hipStreamQuery(stream C.hipHandle) C.hipError_t {
	s, ok := obj[hip.Stream](stream)
	if !ok {
		return invalidHandle
	}
	return code(hip.StreamQuery(s))
}

//export hipStreamWaitEvent
func hipStreamWaitEvent(stream, event C.hipHandle, flags C.uint) C.hipError_t {
	s, ok := obj[hip.Stream](stream)
	e, ok2 := obj[hip.Event](event)
	if !ok || !ok2 {
		return invalidHandle
	}
	return code(hip.StreamWaitEvent(s, e, uint32(flags)))
}

//export hipLaunchHostFunc
func hipLaunchHostFunc(stream C.hipHandle, fn C.hipHostFn_t, data unsafe.Pointer) C.hipError_t {
	s, ok := obj[hip.Stream](stream)
	if !ok {
		return invalidHandle
	}
	if fn == nil {
		return invalidValue
	}
	return code(hip.LaunchHostFunc(s, func() { C.shal_call_host_fn(fn, data) }))
}

//export hipEventCreate
func hipEventCreate(event *C.hipHandle) C.hipError_t {
	return hipEventCreateWithFlags(event, C.uint(hip.HipEventDefault))
}

//export hipEventCreateWithFlags
func hipEventCreateWithFlags(event *C.hipHandle, flags C.uint) C.hipError_t {
	if event == nil {
		return invalidValue
	}
	e, err := hip.EventCreateWithFlags(uint32(flags))
	if err == nil {
		*event = h(e)
	}
	return code(err)
}

//export hipEventRecord
func hipEventRecord(event, stream C.hipHandle) C.hipError_t {
	e, ok := obj[hip.Event](event)
	s, ok2 := obj[hip.Stream](stream)
	if !ok || !ok2 {
		return invalidHandle
	}
	return code(hip.EventRecord(e, s))
}

//export hipEventQuery
func hipEventQuery(event C.hipHandle) C.hipError_t {
	e, ok := obj[hip.Event](event)
	if !ok {
		return invalidHandle
	}
	return code(hip.EventQuery(e))
}

//export hipEventSynchronize
func hipEventSynchronize(event C.hipHandle) C.hipError_t {
	e, ok := obj[hip.Event](event)
	if !ok {
		return invalidHandle
	}
	return code(hip.EventSynchronize(e))
}

//export hipEventDestroy
func hipEventDestroy(event C.hipHandle) C.hipError_t {
	e, ok := obj[hip.Event](event)
	if !ok {
		return invalidHandle
	}
	err := hip.EventDestroy(e)
	if err == nil {
		handles.Drop(e)
	}
	return code(err)
}

//export hipEventElapsedTime
func hipEventElapsedTime(ms *C.float, start, stop C.hipHandle) C.hipError_t {
	a, ok := obj[hip.Event](start)
	b, ok2 := obj[hip.Event](stop)
	if !ok || !ok2 {
		return invalidHandle
	}
	if ms == nil {
		return invalidValue
	}
	t, err := hip.EventElapsedTime(a, b)
	if err == nil {
		*ms = C.float(t)
	}
	return code(err)
}
