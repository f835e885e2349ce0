#version 460
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
// out[linear block index] = linear block index + 1, for one thread per
// block; checks that grids larger than maxComputeWorkGroupCount, split into
// several vkCmdDispatchBase calls, still see the right gl_WorkGroupID.
layout(push_constant, scalar) uniform Args {
	layout(offset = 0) Uints out_;
	layout(offset = 8) uint gx;
	layout(offset = 12) uint gy;
} p;
void main() {
	if (gl_LocalInvocationIndex == 0u) {
		uint b = (gl_WorkGroupID.z * p.gy + gl_WorkGroupID.y) * p.gx + gl_WorkGroupID.x;
		p.out_.v[b] = b + 1u;
	}
}
