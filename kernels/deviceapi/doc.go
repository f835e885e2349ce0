// Package deviceapi tests the CUDA device API that kernels/gpu/shal_gpu.h
// gives clang builds without the CUDA toolkit: deviceapi.cu, written in
// ordinary CUDA style, and math.cu (the math functions) are built by
// streamhal build (go generate) into testdata/deviceapi.fat and math.fat, and deviceapi_test.go runs it on the test
// target's backend (STREAM_HAL_TEST_TARGET; the CPU by default) against Go
// references: the math functions within the maximum ulp errors of the CUDA
// C++ Programming Guide, atomics on every type, warp intrinsics, block
// votes, extern __shared__, vector types and __half.
//
// The modules are embedded in the test binary, so
//
//	go test -c -o deviceapi.test ./kernels/deviceapi
//
// gives a binary that runs anywhere (STREAM_HAL_TEST_TARGET=cuda
// STREAM_HAL_REQUIRE=cuda ./deviceapi.test -test.v on a GPU machine).
package deviceapi

//go:generate go run ../../cmd/streamhal build -arch sm_80 -amdgpu gfx90a,gfx942 -o testdata/deviceapi.fat deviceapi.cu
//go:generate go run ../../cmd/streamhal build -arch sm_80 -amdgpu gfx90a,gfx942 -o testdata/math.fat math.cu
