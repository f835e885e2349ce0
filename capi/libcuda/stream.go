package main

/*
#include "shal_cuda_capi.h"
*/
import "C"

import (
	"unsafe"

	"github.com/streamhal/streamhal/cuda"
)

//export cuStreamCreate
func cuStreamCreate(ps *C.cuHandle, flags C.uint) C.CUresult {
	return cuStreamCreateWithPriority(ps, flags, 0)
}

//export cuStreamCreateWithPriority
func cuStreamCreateWithPriority(ps *C.cuHandle, flags C.uint, priority C.int) C.CUresult {
	if ps == nil {
		return invalidValue
	}
	s, err := cuda.StreamCreateWithPriority(uint32(flags), int(priority))
	if err == nil {
		*ps = h(s)
	}
	return code(err)
}

//export cuStreamDestroy_v2
func cuStreamDestroy_v2(s C.cuHandle) C.CUresult {
	st, ok := obj[*cuda.Stream](s)
	if !ok {
		return invalidHandle
	}
	err := cuda.StreamDestroy(st)
	if err == nil {
		handles.Drop(st)
	}
	return code(err)
}

//export cuStreamSynchronize
func cuStreamSynchronize(s C.cuHandle) C.CUresult {
	st, ok := stream(s)
	if !ok {
		return invalidHandle
	}
	return code(cuda.StreamSynchronize(st))
}

//export cuStreamQuery
func cuStreamQuery(s C.cuHandle) C.CUresult {
	st, ok := stream(s)
	if !ok {
		return invalidHandle
	}
	return code(cuda.StreamQuery(st))
}

//export cuStreamWaitEvent
func cuStreamWaitEvent(s, e C.cuHandle, flags C.uint) C.CUresult {
	st, ok := stream(s)
	ev, ok2 := obj[*cuda.Event](e)
	if !ok || !ok2 {
		return invalidHandle
	}
	return code(cuda.StreamWaitEvent(st, ev, uint32(flags)))
}

//export cuLaunchHostFunc
func cuLaunchHostFunc(s C.cuHandle, fn C.CUhostFn, data unsafe.Pointer) C.CUresult {
	st, ok := stream(s)
	if !ok {
		return invalidHandle
	}
	if fn == nil {
		return invalidValue
	}
	return code(cuda.LaunchHostFunc(st, func() { C.shal_call_host_fn(fn, data) }))
}

//export cuEventCreate
func cuEventCreate(pe *C.cuHandle, flags C.uint) C.CUresult {
	if pe == nil {
		return invalidValue
	}
	e, err := cuda.EventCreate(uint32(flags))
	if err == nil {
		*pe = h(e)
	}
	return code(err)
}

//export cuEventRecord
func cuEventRecord(e, s C.cuHandle) C.CUresult {
	ev, ok := obj[*cuda.Event](e)
	st, ok2 := stream(s)
	if !ok || !ok2 {
		return invalidHandle
	}
	return code(cuda.EventRecord(ev, st))
}

//export cuEventRecordWithFlags
func cuEventRecordWithFlags(e, s C.cuHandle, flags C.uint) C.CUresult {
	ev, ok := obj[*cuda.Event](e)
	st, ok2 := stream(s)
	if !ok || !ok2 {
		return invalidHandle
	}
	return code(cuda.EventRecordWithFlags(ev, st, uint32(flags)))
}

//export cuEventQuery
func cuEventQuery(e C.cuHandle) C.CUresult {
	ev, ok := obj[*cuda.Event](e)
	if !ok {
		return invalidHandle
	}
	return code(cuda.EventQuery(ev))
}

//export cuEventSynchronize
func cuEventSynchronize(e C.cuHandle) C.CUresult {
	ev, ok := obj[*cuda.Event](e)
	if !ok {
		return invalidHandle
	}
	return code(cuda.EventSynchronize(ev))
}

//export cuEventDestroy_v2
func cuEventDestroy_v2(e C.cuHandle) C.CUresult {
	ev, ok := obj[*cuda.Event](e)
	if !ok {
		return invalidHandle
	}
	err := cuda.EventDestroy(ev)
	if err == nil {
		handles.Drop(ev)
	}
	return code(err)
}

//export cuEventElapsedTime
func cuEventElapsedTime(ms *C.float, start, end C.cuHandle) C.CUresult {
	a, ok := obj[*cuda.Event](start)
	b, ok2 := obj[*cuda.Event](end)
	if !ok || !ok2 {
		return invalidHandle
	}
	if ms == nil {
		return invalidValue
	}
	t, err := cuda.EventElapsedTime(a, b)
	if err == nil {
		*ms = C.float(t)
	}
	return code(err)
}

// cuEventElapsedTime_v2 is the name cuda.h 12.8 and later map
// cuEventElapsedTime to; the signature is the same.
//
//export cuEventElapsedTime_v2
func cuEventElapsedTime_v2(ms *C.float, start, end C.cuHandle) C.CUresult {
	return cuEventElapsedTime(ms, start, end)
}
