// saxpy: y[i] = a*x[i] + y[i] for i < n.
// Parameters (push constants, C layout): n@0 a@4 x@8 y@16.
#version 460
#extension GL_EXT_buffer_reference : require

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;

layout(buffer_reference, std430, buffer_reference_align = 4) readonly buffer FloatsIn { float v[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) buffer Floats { float v[]; };

layout(push_constant, std430) uniform Params {
  layout(offset = 0) uint n;
  layout(offset = 4) float a;
  layout(offset = 8) FloatsIn x;
  layout(offset = 16) Floats y;
} p;

void main() {
  uint i = gl_WorkGroupID.x * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (i < p.n) p.y.v[i] = p.a * p.x.v[i] + p.y.v[i];
}
