#version 460
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#extension GL_EXT_shader_explicit_arithmetic_types_int8 : require
#extension GL_EXT_shader_explicit_arithmetic_types_int16 : require
struct G {
	int x;
	float y;
};
layout(push_constant, scalar) uniform Args {
	layout(offset = 0) uint8_t a;
	layout(offset = 2) uint16_t b;
	layout(offset = 4) uint c;
	layout(offset = 8) uint64_t d;
	layout(offset = 16) float e;
	layout(offset = 24) double f;
	layout(offset = 32) G g;
	layout(offset = 40) Ulongs out_;
} p;
void main() {
	if (gl_GlobalInvocationID == uvec3(0)) {
		p.out_.v[0] = uint64_t(p.a);
		p.out_.v[1] = uint64_t(p.b);
		p.out_.v[2] = uint64_t(p.c);
		p.out_.v[3] = p.d;
		p.out_.v[4] = uint64_t(floatBitsToUint(p.e));
		uvec2 fb = unpackDouble2x32(p.f);
		p.out_.v[5] = (uint64_t(fb.y) << 32) | uint64_t(fb.x);
		p.out_.v[6] = uint64_t(uint(p.g.x));
		p.out_.v[7] = uint64_t(floatBitsToUint(p.g.y));
	}
}
