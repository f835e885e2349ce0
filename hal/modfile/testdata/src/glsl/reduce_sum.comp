#version 460
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_scalar_block_layout : require
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;
layout(constant_id = 3) const uint SHAL_DYNAMIC_SHARED_BYTES = 4;
layout(buffer_reference, scalar) readonly buffer F32In { float v[]; };
layout(buffer_reference, scalar) writeonly buffer F32Out { float v[]; };
layout(push_constant, scalar) uniform Params { F32In in_; F32Out partial; uint n; } p;
shared float sdata[SHAL_DYNAMIC_SHARED_BYTES / 4];
void main() {
  uint tid = gl_LocalInvocationID.x;
  uint i = gl_WorkGroupID.x * gl_WorkGroupSize.x + tid;
  sdata[tid] = i < p.n ? p.in_.v[i] : 0.0;
  barrier();
  for (uint s = gl_WorkGroupSize.x / 2; s > 0; s >>= 1) {
    if (tid < s) sdata[tid] += sdata[tid + s];
    barrier();
  }
  if (tid == 0) p.partial.v[gl_WorkGroupID.x] = sdata[0];
}
