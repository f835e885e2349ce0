// Package hipabi holds the HIP runtime API's numeric tables — hipError_t
// with names and strings, hipDeviceAttribute_t and the other enums, flags,
// and the hipDeviceProp_t layout — with the exact values of AMD's headers.
// It imports no driver, so that both package hip (which re-exports every
// name) and the hal/hip driver use one copy.
package hipabi
