//go:build cgo

package vulkan

import (
	"encoding/binary"
	"math"
	"testing"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
)

// TestPTXDenormals: f32 operations without .ftz keep subnormal results
// and operands (PTX's rule) on a device that can preserve them
// (shaderDenormPreserveFloat32: the translator asks for the DenormPreserve
// execution mode), .ftz ones flush them; f64 likewise. NVIDIA's driver
// flushes f32 subnormals unless asked: floatround and half_convert of the
// corpus failed there before the translator asked. On a device without
// the feature the test logs what the device did (the README's documented
// deviation) and checks only .ftz and f64.
func TestPTXDenormals(t *testing.T) {
	d := openDevice(t)
	fc := &d.pinfo.floatControls
	t.Logf("%s: denormBehaviorIndependence %d, shaderDenormPreserveFloat16/32/64 %d/%d/%d, shaderDenormFlushToZeroFloat16/32/64 %d/%d/%d",
		d.Info().Name, fc.denormBehaviorIndependence, fc.shaderDenormPreserveFloat16, fc.shaderDenormPreserveFloat32, fc.shaderDenormPreserveFloat64,
		fc.shaderDenormFlushToZeroFloat16, fc.shaderDenormFlushToZeroFloat32, fc.shaderDenormFlushToZeroFloat64)
	tg := d.ptxTarget()
	t.Logf("translator target: %v", tg)
	src := ptxHead + `.visible .entry den(.param .u64 io) {
	.reg .f32 %f<12>; .reg .f64 %d<4>; .reg .b64 %a;
	ld.param.u64 %a, [io];
	ld.global.f32 %f1, [%a];
	ld.global.f32 %f2, [%a+4];
	ld.global.f32 %f3, [%a+8];
	ld.global.f64 %d1, [%a+16];
	ld.global.f64 %d2, [%a+24];
	mul.rn.f32 %f4, %f1, %f2;
	add.f32 %f5, %f3, %f3;
	mul.rn.ftz.f32 %f6, %f1, %f2;
	add.ftz.f32 %f7, %f3, %f3;
	mul.rn.f64 %d3, %d1, %d2;
	st.global.f32 [%a+32], %f4;
	st.global.f32 [%a+36], %f5;
	st.global.f32 [%a+40], %f6;
	st.global.f32 [%a+44], %f7;
	st.global.f64 [%a+48], %d3;
	ret;
}
`
	x, err := d.Load(hal.FormatPTX, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	q := newQueue(t, d)
	defer q.Close()
	io := alloc(t, d, hal.MemoryHost, 56)
	defer d.Free(hal.MemoryHost, io.Device)
	b := unsafe.Slice((*byte)(io.Host), 56)
	for i := range b {
		b[i] = 0xa5
	}
	le := binary.LittleEndian
	le.PutUint32(b[0:], math.Float32bits(1e-20))
	le.PutUint32(b[4:], math.Float32bits(1e-20))
	le.PutUint32(b[8:], 0x00000003) // 3 * 2^-149
	le.PutUint64(b[16:], math.Float64bits(1e-160))
	le.PutUint64(b[24:], math.Float64bits(1e-160))
	k := kernelOf(t, x, "den")
	cfg := hal.LaunchConfig{Grid: hal.Dim3{X: 1, Y: 1, Z: 1}, Block: hal.Dim3{X: 1, Y: 1, Z: 1}, Args: (&args{}).ptr(io.Device).bytes()}
	if err := q.Dispatch(k, cfg); err != nil {
		t.Fatal(err)
	}
	syncQ(t, q)
	mul, add := le.Uint32(b[32:]), le.Uint32(b[36:])
	wantMul := math.Float32bits(float32(1e-20) * float32(1e-20)) // 1e-40: subnormal
	if tg.DenormPreserve32 {
		if mul != wantMul || add != 6 {
			t.Errorf("mul.rn.f32 1e-20*1e-20 = %#x, add.f32 of 3*2^-149 twice = %#x; want the subnormals %#x and 0x6 (DenormPreserve)", mul, add, wantMul)
		}
	} else {
		t.Logf("the device cannot preserve f32 subnormals: mul gave %#x (exact %#x), add %#x (exact 0x6)", mul, wantMul, add)
	}
	if f, g := le.Uint32(b[40:]), le.Uint32(b[44:]); f != 0 || g != 0 {
		t.Errorf(".ftz results %#x and %#x, want +0", f, g)
	}
	wantD := math.Float64bits(1e-160 * 1e-160)
	if got := le.Uint64(b[48:]); got != wantD && (tg.DenormPreserve64 || got != 0) {
		t.Errorf("mul.rn.f64 1e-160*1e-160 = %#x, want %#x", got, wantD)
	}
}
