#version 460
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_buffer_reference2 : require
#extension GL_EXT_scalar_block_layout : require
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;
layout(buffer_reference, scalar) readonly buffer F32In { float v[]; };
layout(buffer_reference, scalar) writeonly buffer F32Out { float v[]; };
layout(push_constant, scalar) uniform Params {
  F32In a;
  F32In b;
  F32Out c;
  uint n;
} p;
void main() {
  uint i = gl_WorkGroupID.x * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (i < p.n) p.c.v[i] = p.a.v[i] + p.b.v[i];
}
