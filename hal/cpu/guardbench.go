//go:build cgo

package cpu

/*
#include "runtime.h"
*/
import "C"

// benchGuard makes n calls of an empty kernel entry, guarded as launches
// are (shal_cpu_run) or not: BenchmarkGuard measures the fault guard's cost
// per call into kernel code with it.
func benchGuard(n int, guarded bool) {
	f := newFaultRecord()
	defer freeFaultRecord(f)
	g := C.int(0)
	if guarded {
		g = 1
	}
	C.shal_cpu_bench_guard(C.uint64_t(n), g, f)
}
