//go:build cgo

package hip

/*
#include "shal_hip.h"
*/
import "C"

// cLayout reports a size or offset of our C declarations (shal_hip_layout),
// so tests can hold them to the runtime's ABI.
func cLayout(i int) uint64 { return uint64(C.shal_hip_layout(C.int(i))) }

// propsBufferSize is the buffer handed to hipGetDeviceProperties*.
const propsBufferSize = C.SHAL_HIP_PROPS_BUFFER
