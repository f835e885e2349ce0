#!/usr/bin/env bash
# gen.sh: rebuilds the PTX test modules of ptx/ and ptx/cgen from the .cu
# sources here with Debian's clang-16 and clang-19 (CUDA mode, no CUDA
# headers), as kernels/compile.sh builds the project's kernels.
set -euo pipefail
cd "$(dirname "$0")"
FLAGS=(-x cuda --cuda-device-only -nocudainc -nocudalib -S -O3 -Wall -Wextra -Werror -Wno-unused-function)
for src in *.cu; do
  base=${src%.cu}
  /usr/lib/llvm-16/bin/clang "${FLAGS[@]}" --cuda-gpu-arch=sm_80 -Xclang -target-feature -Xclang +ptx75 -o "$base.clang16.sm_80.ptx" "$src"
  /usr/lib/llvm-19/bin/clang "${FLAGS[@]}" --cuda-gpu-arch=sm_90 -Xclang -target-feature -Xclang +ptx80 -o "$base.clang19.sm_90.ptx" "$src"
done
