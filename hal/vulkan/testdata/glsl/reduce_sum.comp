#version 460
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
layout(constant_id = 3) const uint SHAL_DYNAMIC_SHARED_BYTES = 4;
layout(push_constant, scalar) uniform Args {
	layout(offset = 0) Floats in_;
	layout(offset = 8) Floats partial;
	layout(offset = 16) uint n;
} p;
shared float sdata[SHAL_DYNAMIC_SHARED_BYTES / 4];
void main() {
	uint tid = gl_LocalInvocationID.x;
	uint i = gl_GlobalInvocationID.x;
	sdata[tid] = i < p.n ? p.in_.v[i] : 0.0;
	barrier();
	for (uint s = gl_WorkGroupSize.x / 2u; s > 0u; s >>= 1) {
		if (tid < s) {
			sdata[tid] += sdata[tid + s];
		}
		barrier();
	}
	if (tid == 0u) {
		p.partial.v[gl_WorkGroupID.x] = sdata[0];
	}
}
