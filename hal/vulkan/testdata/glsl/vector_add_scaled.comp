#version 460
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
layout(push_constant, scalar) uniform Args {
	layout(offset = 0) Floats a;
	layout(offset = 8) Floats b;
	layout(offset = 16) Floats c;
	layout(offset = 24) float alpha;
	layout(offset = 28) float beta;
	layout(offset = 32) uint n;
} p;
void main() {
	uint i = gl_GlobalInvocationID.x;
	if (i < p.n) {
		p.c.v[i] = p.alpha * p.a.v[i] + p.beta * p.b.v[i];
	}
}
