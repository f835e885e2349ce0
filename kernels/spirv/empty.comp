// empty: does nothing. No parameters (no push-constant block).
#version 460
// Every module of test_kernels.spv must use the PhysicalStorageBuffer64
// addressing model for spirv-link; declaring a buffer reference type selects it.
#extension GL_EXT_buffer_reference : require

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;

layout(buffer_reference, std430, buffer_reference_align = 4) buffer Floats { float v[]; };

void main() {}
