#version 460
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
layout(push_constant, scalar) uniform Args {
	layout(offset = 0) uint n;
	layout(offset = 4) float a;
	layout(offset = 8) Floats x;
	layout(offset = 16) Floats y;
} p;
void main() {
	uint i = gl_GlobalInvocationID.x;
	if (i < p.n) {
		p.y.v[i] = p.a * p.x.v[i] + p.y.v[i];
	}
}
