#!/bin/sh
# Regenerates the hal/modfile test fixtures from testdata/src with Debian's
# compilers: clang-16 + lld-16 (PTX, AMDGPU, AArch64), glslang-tools and
# spirv-tools (SPIR-V), cc (x86-64 CPU library). Run from this directory.
set -eu
export PATH=/usr/lib/llvm-16/bin:$PATH
S=src
H=../../../kernels

# PTX (clang CUDA mode, no CUDA SDK).
for sm in sm_80 sm_90; do
  clang-16 -x cuda --cuda-gpu-arch=$sm --cuda-device-only -nocudainc -nocudalib -S -O2 \
    $S/kernels.cu -o kernels.$sm.ptx
done

# AMDGPU code objects: v4 for gfx90a (with a target feature), v5 for gfx940.
clang-16 -x hip --cuda-device-only -nogpulib -nogpuinc --no-gpu-bundle-output \
  --offload-arch=gfx90a:xnack- -mcode-object-version=4 -O2 $S/kernels.cu -o kernels.gfx90a.hsaco
clang-16 -x hip --cuda-device-only -nogpulib -nogpuinc --no-gpu-bundle-output \
  --offload-arch=gfx940 -mcode-object-version=5 -O2 $S/kernels.cu -o kernels.gfx940.hsaco

# SPIR-V: one entry point per kernel, linked into one module (SPIR-V 1.5);
# a SPIR-V 1.3 module (entry point interfaces list only inputs/outputs);
# a SPIR-V 1.6 module (LocalSizeId instead of the WorkgroupSize built-in).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for k in vector_add saxpy args_probe matrix_multiply reduce_sum empty; do
  glslangValidator -q --target-env vulkan1.2 -e $k --source-entrypoint main -o $tmp/$k.spv $S/glsl/$k.comp >/dev/null
done
spirv-link --target-env vulkan1.2 -o kernels.spv \
  $tmp/vector_add.spv $tmp/saxpy.spv $tmp/args_probe.spv $tmp/matrix_multiply.spv $tmp/reduce_sum.spv $tmp/empty.spv
spirv-val --target-env vulkan1.2 kernels.spv
for k in vector_add reduce_sum; do
  glslangValidator -q --target-env vulkan1.1 -e $k --source-entrypoint main -o $tmp/$k.13.spv $S/glsl/$k.comp >/dev/null
done
spirv-link --target-env vulkan1.1 -o kernels.spv13.spv $tmp/vector_add.13.spv $tmp/reduce_sum.13.spv
spirv-val --target-env vulkan1.1 kernels.spv13.spv
glslangValidator -q --target-env vulkan1.3 -e reduce_sum --source-entrypoint main -o reduce_sum.spv16.spv $S/glsl/reduce_sum.comp >/dev/null
spirv-val --target-env vulkan1.3 reduce_sum.spv16.spv

# Compressed PTX, for the decompressors of NVIDIA fatbin entries: a zstd
# frame, and one LZ4 block (the block inside an LZ4 frame of one 64 KiB
# block: skip the 7-byte frame header and the 4-byte block size).
zstd -q -19 -f kernels.sm_80.ptx -o kernels.sm_80.ptx.zst
lz4 -q -f -9 -B4 --no-frame-crc kernels.sm_80.ptx $tmp/k.lz4
size=$(od -An -tu4 -j7 -N4 $tmp/k.lz4 | tr -d ' ')
dd if=$tmp/k.lz4 of=kernels.sm_80.ptx.lz4block bs=1 skip=11 count=$size status=none

# CPU kernel libraries.
cc -O2 -shared -fPIC -fvisibility=hidden -s -I$H -o kernels.x86_64.so $S/cpu_kernels.c
cc -O2 -shared -fPIC -fvisibility=hidden -s -o not_a_library.x86_64.so $S/not_a_library.c
clang-16 --target=aarch64-linux-gnu -ffreestanding -nostdlib -fuse-ld=lld -shared -fPIC -O2 -s \
  -fvisibility=hidden -o library.aarch64.so $S/aarch64_library.c

# A fat container of the above.
go run ../cmd/shalfat -o kernels.fat \
  x86_64:cpu-elf:kernels.x86_64.so sm_80:ptx:kernels.sm_80.ptx sm_90:ptx:kernels.sm_90.ptx \
  gfx90a:xnack-:amdgpu:kernels.gfx90a.hsaco gfx940:amdgpu:kernels.gfx940.hsaco vulkan1.2:spirv:kernels.spv
