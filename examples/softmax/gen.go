package main

// softmax.fat is built from softmax.cu by streamhal build: PTX for sm_80
// (which the CUDA driver also runs on newer GPUs), AMDGPU code objects for
// gfx90a and gfx942, and a CPU library for x86_64 translated from the PTX;
// the Vulkan backend translates the PTX when it loads the module. Run
// "go generate ./examples/softmax" after changing softmax.cu (it needs
// clang 16 or newer, ld.lld and a C compiler: see kernels/README.md).

//go:generate go run ../../cmd/streamhal build -arch sm_80 -amdgpu gfx90a,gfx942 -o softmax.fat softmax.cu
