// Package hip holds the HIP runtime API's numeric tables — hipError_t with
// names, strings and the hal sentinel each code stands for,
// hipDeviceAttribute_t and the other enums, flags, and the hipDeviceProp_t
// layout — with the exact values of AMD's headers. It imports no driver
// and no API package, so that both package hip (which re-exports every
// name in its generated zalias.go) and the hal/hip driver use this one
// copy.
package hip
