package corpus_test

import (
	"context"
	"encoding/binary"
	"math"
	"sync"
	"testing"

	"github.com/streamhal/streamhal/streaming"
)

var flushProbe struct {
	sync.Mutex
	done    map[*streaming.Context]bool
	flushes map[*streaming.Context]bool
}

// flushesF32Subnormals says whether translated PTX on ctx's device flushes
// f32 subnormals: it runs mul.rn.f32 1e-20 * 1e-20 (1e-40, a subnormal)
// once per context. Only a Vulkan device without
// shaderDenormPreserveFloat32 should; every other backend keeps them.
func flushesF32Subnormals(t *testing.T, ctx *streaming.Context) bool {
	t.Helper()
	flushProbe.Lock()
	defer flushProbe.Unlock()
	if flushProbe.done[ctx] {
		return flushProbe.flushes[ctx]
	}
	if ctx.Device().HAL().Info().Driver != "vulkan" {
		return false
	}
	const src = `.version 7.8
.target sm_80
.address_size 64
.visible .entry probe(.param .u64 io) {
	.reg .f32 %f<4>; .reg .b64 %a;
	ld.param.u64 %a, [io];
	ld.global.f32 %f1, [%a];
	mul.rn.f32 %f2, %f1, %f1;
	st.global.f32 [%a+4], %f2;
	ret;
}
`
	mod, err := ctx.LoadModuleData([]byte(src))
	if err != nil {
		t.Fatalf("subnormal probe: %v", err)
	}
	defer mod.Close()
	fn, err := mod.Function("probe")
	if err != nil {
		t.Fatal(err)
	}
	p, err := ctx.Malloc(8)
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Free(p)
	io := make([]byte, 8)
	binary.LittleEndian.PutUint32(io, math.Float32bits(1e-20))
	if err := ctx.MemcpyHtoD(p, io); err != nil {
		t.Fatal(err)
	}
	s := ctx.DefaultStream()
	if err := s.Launch(fn, streaming.D1(1), streaming.D1(1), 0, p); err != nil {
		t.Fatal(err)
	}
	if err := s.Synchronize(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := ctx.MemcpyDtoH(io, p); err != nil {
		t.Fatal(err)
	}
	got := binary.LittleEndian.Uint32(io[4:])
	flushes := got == 0
	if !flushes && got != math.Float32bits(float32(1e-20)*float32(1e-20)) {
		t.Fatalf("subnormal probe: 1e-20*1e-20 gave %#x", got)
	}
	if flushProbe.done == nil {
		flushProbe.done, flushProbe.flushes = map[*streaming.Context]bool{}, map[*streaming.Context]bool{}
	}
	flushProbe.done[ctx], flushProbe.flushes[ctx] = true, flushes
	return flushes
}

// TestSubnormalProbe runs the probe the corpus test uses to excuse a
// Vulkan device that flushes f32 subnormals, and logs its answer.
func TestSubnormalProbe(t *testing.T) {
	_, dev, ctx := openTarget(t)
	t.Logf("%s (%s) flushes f32 subnormals: %v", dev.Name(), dev.HAL().Info().Driver, flushesF32Subnormals(t, ctx))
}
