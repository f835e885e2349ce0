#version 460
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_scalar_block_layout : require
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;
layout(buffer_reference, scalar) readonly buffer F32In { float v[]; };
layout(buffer_reference, scalar) buffer F32 { float v[]; };
layout(push_constant, scalar) uniform Params {
  uint n;
  float a;
  layout(offset = 8) F32In x;
  F32 y;
} p;
void main() {
  uint i = gl_WorkGroupID.x * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (i < p.n) p.y.v[i] = p.a * p.x.v[i] + p.y.v[i];
}
