package cuda

import cuabi "github.com/streamhal/streamhal/internal/abi/cuda"

// GetErrorName is cuGetErrorName: the C name of the code
// ("CUDA_ERROR_INVALID_VALUE"), or "" and CUDA_ERROR_INVALID_VALUE when
// cuda.h does not define the code. Like every call of this package it
// returns a nil error on success.
func GetErrorName(r Result) (string, error) { return cuabi.GetErrorName(r) }

// GetErrorString is cuGetErrorString: the driver's description of the code
// ("invalid argument"), or "" and CUDA_ERROR_INVALID_VALUE when cuda.h does
// not define the code.
func GetErrorString(r Result) (string, error) { return cuabi.GetErrorString(r) }

// ResultOf translates an error from package streaming (or any error) into
// the CUresult a C caller would see: CUDA_SUCCESS for nil, the Result
// itself when err wraps one, the code of the first hal sentinel that err
// wraps, and CUDA_ERROR_UNKNOWN otherwise.
func ResultOf(err error) Result { return cuabi.ResultOf(err) }
