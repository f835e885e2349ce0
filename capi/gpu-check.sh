#!/usr/bin/env bash
# gpu-check.sh DIR: on a machine with an NVIDIA GPU, the CUDA toolkit and
# gcc (no Go needed), runs the C programs through the drop-ins of DIR (made
# by capi/bundle.sh): cuda_driver.c compiled here against the real cuda.h,
# with modules built by nvcc and the repository's PTX, first on NVIDIA's own
# libcuda (the reference), then through the libcuda drop-in on the CUDA and
# CPU backends; then the HIP programs through the libamdhip64 drop-in on
# the CUDA backend; then the C-ABI call benchmark. Run from the repository
# root. Every run prints its result line and "rc=N"; rc=0 is a pass.
set -uo pipefail
dir=$(cd "${1:?usage: capi/gpu-check.sh DIR}" && pwd)
cuda=${CUDA_HOME:-/usr/local/cuda}
out=$(mktemp -d)
cc=${CC:-gcc}
run() {
  echo "== $*"
  "$@" 2>&1 | tail -25
  echo "rc=${PIPESTATUS[0]}"
}
$cc -O1 -Wall -o "$out/cuda_driver" capi/libcuda/testdata/cuda_driver.c -Icapi/libcuda/testdata -I"$cuda/include" \
  -L"$dir" -lcuda -ldl -lm || exit 1
$cc -O1 -Wall -o "$out/callbench" capi/libcuda/testdata/callbench.c -Icapi/libcuda/testdata -I"$cuda/include" \
  -L"$dir" -lcuda -lm || exit 1
modules=(testdata/test_kernels.sm_80.ptx)
if command -v nvcc >/dev/null || [ -x "$cuda/bin/nvcc" ]; then
  nvcc=$(command -v nvcc || echo "$cuda/bin/nvcc")
  for kind in ptx cubin fatbin; do
    "$nvcc" -$kind -O3 -std=c++17 -Ikernels/gpu -arch=sm_90 kernels/gpu/test_kernels.cu -o "$out/tk.nvcc.$kind" &&
      modules+=("$out/tk.nvcc.$kind")
  done
fi
echo "### reference: NVIDIA's libcuda (no drop-in)"
for m in "${modules[@]}"; do run "$out/cuda_driver" "$m"; done
echo "### libcuda drop-in, CUDA backend"
for m in "${modules[@]}"; do
  run env LD_LIBRARY_PATH="$dir" STREAM_HAL_TEST_TARGET=cuda STREAM_HAL_LOG_LEVEL=2 "$out/cuda_driver" "$m"
done
echo "### libcuda drop-in, CPU backend (PTX through the translator; a cubin has no PTX and must fail to load)"
for m in "${modules[@]}"; do
  run env LD_LIBRARY_PATH="$dir" STREAM_HAL_TEST_TARGET=cpu "$out/cuda_driver" "$m"
done
echo "### libamdhip64 drop-in, CUDA backend and CPU"
for t in cuda cpu; do
  run env LD_LIBRARY_PATH="$dir" STREAM_HAL_TEST_TARGET=$t STREAM_HAL_LOG_LEVEL=2 "$dir/hip_api_demo" testdata/vector_add.fat
  run env LD_LIBRARY_PATH="$dir" STREAM_HAL_TEST_TARGET=$t "$dir/hip_features" testdata/test_kernels.fat
done
echo "### C-ABI call cost (ns per call): NVIDIA's libcuda, then the drop-in on CUDA and CPU"
run "$out/callbench" 200000
run env LD_LIBRARY_PATH="$dir" STREAM_HAL_TEST_TARGET=cuda "$out/callbench" 200000
run env LD_LIBRARY_PATH="$dir" STREAM_HAL_TEST_TARGET=cpu "$out/callbench" 200000
rm -rf "$out"
