#version 460
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
layout(push_constant, scalar) uniform Args {
	layout(offset = 0) Floats a;
	layout(offset = 8) Floats b;
	layout(offset = 16) Floats c;
	layout(offset = 24) uint n;
} p;
void main() {
	uint i = gl_GlobalInvocationID.x;
	if (i < p.n) {
		p.c.v[i] = p.a.v[i] + p.b.v[i];
	}
}
