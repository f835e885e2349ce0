// args_probe: thread 0 of block 0 writes every argument, as 64-bit words, to
// out[0..7]. Built into its own module (testdata/args_probe.spv), not into
// test_kernels.spv, because it needs Int8/Int16/Int64/Float64 and 8/16-bit
// push-constant storage, which not every device has.
// Parameters (push constants, C layout): a@0(u8) b@2(u16) c@4(u32) d@8(u64)
// e@16(f32) f@24(f64) g@32(struct{int32 x; float y;}) out@40.
#version 460
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_shader_8bit_storage : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;

layout(buffer_reference, std430, buffer_reference_align = 8) buffer U64s { uint64_t v[]; };

struct Pair {
  int x;
  float y;
};

layout(push_constant, std430) uniform Params {
  layout(offset = 0) uint8_t a;
  layout(offset = 2) uint16_t b;
  layout(offset = 4) uint c;
  layout(offset = 8) uint64_t d;
  layout(offset = 16) float e;
  layout(offset = 24) double f;
  layout(offset = 32) Pair g;
  layout(offset = 40) U64s out_;
} p;

void main() {
  if (gl_LocalInvocationID != uvec3(0) || gl_WorkGroupID != uvec3(0)) return;
  uvec2 fbits = unpackDouble2x32(p.f);
  p.out_.v[0] = uint64_t(uint(p.a));
  p.out_.v[1] = uint64_t(uint(p.b));
  p.out_.v[2] = uint64_t(p.c);
  p.out_.v[3] = p.d;
  p.out_.v[4] = uint64_t(floatBitsToUint(p.e));
  p.out_.v[5] = uint64_t(fbits.x) | (uint64_t(fbits.y) << 32);
  p.out_.v[6] = uint64_t(uint(p.g.x));
  p.out_.v[7] = uint64_t(floatBitsToUint(p.g.y));
}
