// Shared declarations of the hal/vulkan test kernels (KERNELS.md SPIR-V
// conventions: buffer references for pointers, one push-constant block with
// the parameters at C natural-alignment offsets, block size from
// specialization constants 0,1,2).
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_scalar_block_layout : require
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;

layout(buffer_reference, scalar, buffer_reference_align = 4) buffer Floats {
	float v[];
};
layout(buffer_reference, scalar, buffer_reference_align = 4) buffer Uints {
	uint v[];
};
layout(buffer_reference, scalar, buffer_reference_align = 8) buffer Ulongs {
	uint64_t v[];
};
