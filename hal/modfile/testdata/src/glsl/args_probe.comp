#version 460
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_scalar_block_layout : require
#extension GL_EXT_shader_explicit_arithmetic_types : require
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;
layout(buffer_reference, scalar) writeonly buffer U64Out { uint64_t v[]; };
struct Pair { int x; float y; };
layout(push_constant, scalar) uniform Params {
  uint8_t a;
  layout(offset = 2) uint16_t b;
  layout(offset = 4) uint c;
  layout(offset = 8) uint64_t d;
  layout(offset = 16) float e;
  layout(offset = 24) double f;
  layout(offset = 32) Pair g;
  layout(offset = 40) U64Out out_;
} p;
void main() {
  if (gl_LocalInvocationID.x == 0 && gl_WorkGroupID.x == 0) {
    p.out_.v[0] = uint64_t(p.a);
    p.out_.v[1] = uint64_t(p.b);
    p.out_.v[2] = uint64_t(p.c);
    p.out_.v[3] = p.d;
    p.out_.v[4] = uint64_t(floatBitsToUint(p.e));
    p.out_.v[5] = packUint2x32(unpackDouble2x32(p.f));
    p.out_.v[6] = uint64_t(uint(p.g.x));
    p.out_.v[7] = uint64_t(floatBitsToUint(p.g.y));
  }
}
