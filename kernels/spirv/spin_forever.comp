// spin_forever: thread 0 waits until flag[0] != 0 (host-visible memory the
// host writes), then stores flag[0] + 1 to done[0]; done[1] counts its
// polls. For the tests of bounded Close (kernels/gpu/spin_forever.cu is the
// CUDA/HIP twin, the CPU one is in kernels/cpu/fault_kernels.c). A module
// of its own (testdata/spin_forever.spv).
// Parameters (push constants, C layout): flag@0 done@8.
#version 460
#extension GL_EXT_buffer_reference : require

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;

layout(buffer_reference, std430, buffer_reference_align = 4) coherent buffer Words { uint v[]; };

layout(push_constant, std430) uniform Params {
  layout(offset = 0) Words flag;
  layout(offset = 8) Words done;
} p;

void main() {
  if (gl_GlobalInvocationID.x != 0) return;
  // llvmpipe (lavapipe) ends a shader's loops after 65535 iterations in
  // all, its guard against hung shaders: there this kernel ends with
  // done[1] == 65535 instead of spinning. GPUs spin until the flag is set.
  uint v;
  while ((v = atomicAdd(p.flag.v[0], 0u)) == 0u) {
    atomicAdd(p.done.v[1], 1u);
  }
  p.done.v[0] = v + 1;
}
