#version 460
#extension GL_EXT_buffer_reference : require
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;
// Declaring a buffer reference type selects the PhysicalStorageBuffer64
// addressing model, which spirv-link needs to match the other kernels.
layout(buffer_reference) buffer Unused { uint v; };
void main() {}
