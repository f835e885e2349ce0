// reduce_sum with the barrier ptx/spirvgen emits for bar.sync (PTX's
// barrier orders shared and device memory alike): workgroup scope,
// acquire-release, workgroup and storage-buffer memory, make available and
// visible. BenchmarkBarrierSemantics compares it with reduce_sum's
// barrier() (shared memory only) to show what that costs on a device.
#version 460
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_memory_scope_semantics : require
#pragma use_vulkan_memory_model
#include "common.glsl"
layout(constant_id = 3) const uint SHAL_DYNAMIC_SHARED_BYTES = 4;
layout(push_constant, scalar) uniform Args {
	layout(offset = 0) Floats in_;
	layout(offset = 8) Floats partial;
	layout(offset = 16) uint n;
} p;
shared float sdata[SHAL_DYNAMIC_SHARED_BYTES / 4];
void ptxBarrier() {
	controlBarrier(gl_ScopeWorkgroup, gl_ScopeWorkgroup, gl_StorageSemanticsShared | gl_StorageSemanticsBuffer,
		gl_SemanticsAcquireRelease | gl_SemanticsMakeAvailable | gl_SemanticsMakeVisible);
}
void main() {
	uint tid = gl_LocalInvocationID.x;
	uint i = gl_GlobalInvocationID.x;
	sdata[tid] = i < p.n ? p.in_.v[i] : 0.0;
	ptxBarrier();
	for (uint s = gl_WorkGroupSize.x / 2u; s > 0u; s >>= 1) {
		if (tid < s) {
			sdata[tid] += sdata[tid + s];
		}
		ptxBarrier();
	}
	if (tid == 0u) {
		p.partial.v[gl_WorkGroupID.x] = sdata[0];
	}
}
