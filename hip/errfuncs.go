package hip

import hipabi "github.com/streamhal/streamhal/internal/abi/hip"

// GetErrorName is hipGetErrorName: the enum name of e ("hipErrorInvalidValue").
func GetErrorName(e Error) string { return hipabi.GetErrorName(e) }

// GetErrorString is hipGetErrorString: the runtime's description of e.
func GetErrorString(e Error) string { return hipabi.GetErrorString(e) }

// ErrorOf maps an error to its hipError_t: nil is HipSuccess, a wrapped Error
// is itself, a streaming/hal sentinel its code, anything else HipErrorUnknown.
func ErrorOf(err error) Error { return hipabi.ErrorOf(err) }

// DecodeDeviceArch unpacks hipDeviceProp_t's arch feature bits.
func DecodeDeviceArch(bits uint32) DeviceArch { return hipabi.DecodeDeviceArch(bits) }
