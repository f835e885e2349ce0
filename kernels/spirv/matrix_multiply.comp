// matrix_multiply: C(MxN) = A(MxK) * B(KxN), row-major, 16x16 tiles in
// static shared memory. Launch: block (16,16,1), grid (ceil(N/16), ceil(M/16), 1).
// Parameters (push constants, C layout): A@0 B@8 C@16 M@24 N@28 K@32.
#version 460
#extension GL_EXT_buffer_reference : require

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;

layout(buffer_reference, std430, buffer_reference_align = 4) readonly buffer FloatsIn { float v[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) buffer Floats { float v[]; };

layout(push_constant, std430) uniform Params {
  layout(offset = 0) FloatsIn A;
  layout(offset = 8) FloatsIn B;
  layout(offset = 16) Floats C;
  layout(offset = 24) uint M;
  layout(offset = 28) uint N;
  layout(offset = 32) uint K;
} p;

const uint TILE = 16;
shared float As[TILE][TILE];
shared float Bs[TILE][TILE];

void main() {
  uint tx = gl_LocalInvocationID.x, ty = gl_LocalInvocationID.y;
  uint row = gl_WorkGroupID.y * TILE + ty, col = gl_WorkGroupID.x * TILE + tx;
  bool in_tile = tx < TILE && ty < TILE;
  float acc = 0.0;
  for (uint t0 = 0; t0 < p.K; t0 += TILE) {
    if (in_tile) {
      As[ty][tx] = (row < p.M && t0 + tx < p.K) ? p.A.v[row * p.K + t0 + tx] : 0.0;
      Bs[ty][tx] = (col < p.N && t0 + ty < p.K) ? p.B.v[(t0 + ty) * p.N + col] : 0.0;
    }
    barrier();
    if (in_tile) {
      for (uint k = 0; k < TILE; k++) acc += As[ty][k] * Bs[k][tx];
    }
    barrier();
  }
  if (in_tile && row < p.M && col < p.N) p.C.v[row * p.N + col] = acc;
}
