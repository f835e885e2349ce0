package kernels

// The project's test modules (kernels/README.md, "The project's test
// kernels"): one CUDA source per module, built by streamhal build for
// every backend (PTX and AMDGPU from clang 19, the cpu-elf entry
// translated from the PTX by ptx/cgen; Vulkan translates the PTX when it
// loads the module), and the PTX and AMDGPU entries written out as files
// of their own for the tests that load one format. kernels/compile.sh
// runs these same lines (it reads them from this file), checks every
// entry, and builds the hand-written baselines beside them; CI's
// generated-files check reruns them and wants the same bytes.
//
//go:generate go run ../cmd/streamhal build -arch sm_80,sm_90 -amdgpu gfx90a,gfx942 -o ../testdata/test_kernels.fat gpu/test_kernels.cu
//go:generate go run ../cmd/streamhal build -arch sm_80,sm_90 -amdgpu gfx90a,gfx942 -D SHAL_ONLY_VECTOR_ADD -o ../testdata/vector_add.fat gpu/test_kernels.cu
//go:generate go run ../cmd/streamhal build -arch sm_80 -amdgpu gfx90a,gfx942 -cpu=false -o ../testdata/spin_forever.fat gpu/spin_forever.cu
//go:generate go run ../hal/modfile/cmd/shalfat -extract ../testdata -formats ptx,amdgpu ../testdata/test_kernels.fat
//go:generate go run ../hal/modfile/cmd/shalfat -extract ../testdata -formats ptx,amdgpu ../testdata/vector_add.fat
//go:generate go run ../hal/modfile/cmd/shalfat -extract ../testdata -formats ptx,amdgpu ../testdata/spin_forever.fat
