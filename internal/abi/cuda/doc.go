// Package cuda holds the CUDA driver API's error table — every CUresult
// with its C name, the text cuGetErrorString gives and the hal sentinel it
// stands for — with the exact values of cuda.h. It imports no driver and no
// API package, so that both package cuda (which re-exports Result and its
// constants in its generated zalias.go) and the hal/cuda driver use this
// one copy.
package cuda
