// spin_forever: thread 0 waits until flag[0] != 0 (host-visible memory the
// host writes), then stores its poll count to done[1] and flag[0] + 1 to
// done[0]. For the tests of bounded Close (kernels/gpu/spin_forever.cu is the
// CUDA/HIP twin, the CPU one is in kernels/cpu/fault_kernels.c). A module
// of its own (testdata/spin_forever.spv).
//
// Every access is a Volatile atomic (Vulkan memory model): NVIDIA's driver
// keeps a device-scope atomic of host-visible memory in the GPU's L2, so
// the first version (plain atomicAdd(flag, 0) on a coherent buffer) never
// saw the host's write on the H100 and the released kernel never ended.
// Volatile is SPIR-V's "another agent may change this" (PTX's
// ld.volatile, which CUDA's twin uses).
// Parameters (push constants, C layout): flag@0 done@8.
#version 460
#extension GL_EXT_buffer_reference : require
#extension GL_KHR_memory_scope_semantics : require
#pragma use_vulkan_memory_model

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;

layout(buffer_reference, std430, buffer_reference_align = 4) buffer Words { uint v[]; };

layout(push_constant, std430) uniform Params {
  layout(offset = 0) Words flag;
  layout(offset = 8) Words done;
} p;

const int kVolatile = gl_SemanticsRelaxed | gl_SemanticsVolatile;

void main() {
  if (gl_GlobalInvocationID.x != 0) return;
  // llvmpipe (lavapipe) ends a shader's loops after 65535 iterations in
  // all, its guard against hung shaders: there this kernel ends with
  // done[1] == 65535 instead of spinning. GPUs spin until the flag is set.
  // The loop only loads: an atomic read-modify-write of a word next to
  // the flag (the polls used to be counted in done[1] that way) would
  // keep the flag's line in the GPU's L2.
  uint v;
  uint polls = 0u;
  while ((v = atomicLoad(p.flag.v[0], gl_ScopeDevice, gl_StorageSemanticsBuffer, kVolatile)) == 0u) {
    polls++;
  }
  atomicStore(p.done.v[1], polls, gl_ScopeDevice, gl_StorageSemanticsBuffer, kVolatile);
  atomicStore(p.done.v[0], v + 1u, gl_ScopeDevice, gl_StorageSemanticsBuffer, kVolatile);
}
