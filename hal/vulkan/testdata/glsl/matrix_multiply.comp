#version 460
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
layout(push_constant, scalar) uniform Args {
	layout(offset = 0) Floats A;
	layout(offset = 8) Floats B;
	layout(offset = 16) Floats C;
	layout(offset = 24) uint M;
	layout(offset = 28) uint N;
	layout(offset = 32) uint K;
} p;
shared float As[16][16];
shared float Bs[16][16];
void main() {
	uint tx = gl_LocalInvocationID.x;
	uint ty = gl_LocalInvocationID.y;
	uint row = gl_WorkGroupID.y * 16u + ty;
	uint col = gl_WorkGroupID.x * 16u + tx;
	float acc = 0.0;
	for (uint t = 0u; t < (p.K + 15u) / 16u; t++) {
		uint ac = t * 16u + tx;
		uint br = t * 16u + ty;
		As[ty][tx] = (row < p.M && ac < p.K) ? p.A.v[row * p.K + ac] : 0.0;
		Bs[ty][tx] = (br < p.K && col < p.N) ? p.B.v[br * p.N + col] : 0.0;
		barrier();
		for (uint k = 0u; k < 16u; k++) {
			acc += As[ty][k] * Bs[k][tx];
		}
		barrier();
	}
	if (row < p.M && col < p.N) {
		p.C.v[row * p.N + col] = acc;
	}
}
