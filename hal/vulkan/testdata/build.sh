#!/bin/sh
# Builds testdata/vk_test_kernels.spv, hal/vulkan's own SPIR-V test module
# one GLSL file per kernel, compiled with glslangValidator (entry point
# renamed to the kernel's name) and linked into one module with spirv-link.
# Needs glslang-tools and spirv-tools (Debian packages).
set -eu
cd "$(dirname "$0")/glsl"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mods=""
for k in vector_add vector_add_scaled saxpy matrix_multiply reduce_sum empty grid_probe; do
	glslangValidator -V --target-env vulkan1.2 -e "$k" --source-entrypoint main -o "$tmp/$k.spv" "$k.comp" >/dev/null
	mods="$mods $tmp/$k.spv"
done
# shellcheck disable=SC2086
spirv-link --target-env vulkan1.2 -o ../vk_test_kernels.spv $mods
spirv-val --target-env vulkan1.2 ../vk_test_kernels.spv
# args_probe (8/16-bit and double push constants) is a module of its own:
# the Khronos validation layer 1.3.239 crashes in vkCreateShaderModule on
# it, and keeping it apart lets the other tests run under that layer.
glslangValidator -V --target-env vulkan1.2 -e args_probe --source-entrypoint main -o ../vk_args_probe.spv args_probe.comp >/dev/null
spirv-val --target-env vulkan1.2 ../vk_args_probe.spv
# reduce_sum with the barrier semantics ptx/spirvgen gives bar.sync, for
# BenchmarkBarrierSemantics.
glslangValidator -V --target-env vulkan1.2 -e reduce_sum_bufbar --source-entrypoint main -o ../vk_reduce_bufbar.spv reduce_sum_bufbar.comp >/dev/null
spirv-val --target-env vulkan1.2 ../vk_reduce_bufbar.spv
echo "wrote testdata/vk_test_kernels.spv testdata/vk_args_probe.spv testdata/vk_reduce_bufbar.spv"
