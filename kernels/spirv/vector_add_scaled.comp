// vector_add_scaled: c[i] = alpha*a[i] + beta*b[i] for i < n.
// Parameters (push constants, C layout): a@0 b@8 c@16 alpha@24 beta@28 n@32.
#version 460
#extension GL_EXT_buffer_reference : require

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;

layout(buffer_reference, std430, buffer_reference_align = 4) readonly buffer FloatsIn { float v[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) buffer Floats { float v[]; };

layout(push_constant, std430) uniform Params {
  layout(offset = 0) FloatsIn a;
  layout(offset = 8) FloatsIn b;
  layout(offset = 16) Floats c;
  layout(offset = 24) float alpha;
  layout(offset = 28) float beta;
  layout(offset = 32) uint n;
} p;

void main() {
  uint i = gl_WorkGroupID.x * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (i < p.n) p.c.v[i] = p.alpha * p.a.v[i] + p.beta * p.b.v[i];
}
