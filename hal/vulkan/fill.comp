#version 460
// Byte-granular fill used by hal/vulkan for the partial 32-bit words at the
// edges of an unaligned memset (vkCmdFillBuffer needs 4-byte aligned
// offsets and sizes). Whole words are stored; partial words are merged with
// atomics so that neighbouring bytes written concurrently by other queues
// are never clobbered.
//
// Regenerate fill_spv.go with `go generate` (needs glslangValidator).
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require

layout(local_size_x = 64) in;

layout(buffer_reference, std430, buffer_reference_align = 4) buffer Words {
	uint w[];
};

layout(push_constant) uniform Params {
	uint64_t base;   // 4-byte aligned address of word 0
	uint nwords;     // words to write
	uint value;      // the pattern as it lies in every word
	uint firstMask;  // bits of word 0 that belong to the range
	uint lastMask;   // bits of word nwords-1 that belong to the range
} p;

void main() {
	uint i = gl_GlobalInvocationID.x;
	if (i >= p.nwords) {
		return;
	}
	uint mask = 0xffffffffu;
	if (i == 0u) {
		mask &= p.firstMask;
	}
	if (i == p.nwords - 1u) {
		mask &= p.lastMask;
	}
	Words b = Words(p.base);
	if (mask == 0xffffffffu) {
		b.w[i] = p.value;
	} else {
		atomicAnd(b.w[i], ~mask);
		atomicOr(b.w[i], p.value & mask);
	}
}
