#version 460
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_scalar_block_layout : require
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;
layout(buffer_reference, scalar) readonly buffer F32In { float v[]; };
layout(buffer_reference, scalar) writeonly buffer F32Out { float v[]; };
layout(push_constant, scalar) uniform Params {
  F32In A; F32In B; F32Out C; uint M; uint N; uint K;
} p;
shared float As[16][16];
shared float Bs[16][16];
void main() {
  uint tx = gl_LocalInvocationID.x, ty = gl_LocalInvocationID.y;
  uint row = gl_WorkGroupID.y * 16 + ty, col = gl_WorkGroupID.x * 16 + tx;
  float acc = 0.0;
  for (uint t = 0; t < (p.K + 15) / 16; t++) {
    As[ty][tx] = (row < p.M && t * 16 + tx < p.K) ? p.A.v[row * p.K + t * 16 + tx] : 0.0;
    Bs[ty][tx] = (col < p.N && t * 16 + ty < p.K) ? p.B.v[(t * 16 + ty) * p.N + col] : 0.0;
    barrier();
    for (int k = 0; k < 16; k++) acc += As[ty][k] * Bs[k][tx];
    barrier();
  }
  if (row < p.M && col < p.N) p.C.v[row * p.N + col] = acc;
}
