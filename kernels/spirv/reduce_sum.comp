// reduce_sum: partial[blockIdx.x] = sum of in[blockIdx.x*blockDim.x ...]
// (blockDim.x elements, those past n count as 0); tree reduction in dynamic
// shared memory: sharedBytes = blockDim.x * 4, blockDim.x a power of two.
// Parameters (push constants, C layout): in@0 partial@8 n@16.
#version 460
#extension GL_EXT_buffer_reference : require

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;

// The launch's dynamic shared memory in bytes, set by the driver.
layout(constant_id = 3) const uint SHAL_DYNAMIC_SHARED_BYTES = 4;
shared float sdata[SHAL_DYNAMIC_SHARED_BYTES / 4];

layout(buffer_reference, std430, buffer_reference_align = 4) readonly buffer FloatsIn { float v[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) buffer Floats { float v[]; };

layout(push_constant, std430) uniform Params {
  layout(offset = 0) FloatsIn in_;
  layout(offset = 8) Floats partial;
  layout(offset = 16) uint n;
} p;

void main() {
  uint t = gl_LocalInvocationID.x;
  uint i = gl_WorkGroupID.x * gl_WorkGroupSize.x + t;
  sdata[t] = i < p.n ? p.in_.v[i] : 0.0;
  barrier();
  for (uint s = gl_WorkGroupSize.x / 2; s > 0; s >>= 1) {
    if (t < s) sdata[t] += sdata[t + s];
    barrier();
  }
  if (t == 0) p.partial.v[gl_WorkGroupID.x] = sdata[0];
}
