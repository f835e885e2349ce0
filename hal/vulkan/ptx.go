//go:build cgo

package vulkan

/*
#include "shim.h"
*/
import "C"

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/modfile"
	"github.com/streamhal/streamhal/internal/kbuild"
	"github.com/streamhal/streamhal/internal/spirv"
	"github.com/streamhal/streamhal/ptx"
	"github.com/streamhal/streamhal/ptx/spirvgen"
)

// EnvWarp set to "emulate" makes the driver emulate warp operations
// through shared memory even on devices with 32-wide subgroups (for
// comparing the two paths).
const EnvWarp = "STREAM_HAL_VULKAN_WARP"

// ptxTarget is what the PTX translator may use on this device.
func (d *device) ptxTarget() spirvgen.Target {
	p := d.pinfo
	t := spirvgen.Target{
		Float64:                p.features.shaderFloat64 != 0,
		Int16:                  p.features.shaderInt16 != 0,
		Int8:                   p.features12.shaderInt8 != 0,
		StorageBuffer8:         p.features12.storageBuffer8BitAccess != 0,
		StorageBuffer16:        p.features11.storageBuffer16BitAccess != 0,
		BufferInt64Atomics:     p.features12.shaderBufferInt64Atomics != 0,
		SharedInt64Atomics:     p.features12.shaderSharedInt64Atomics != 0,
		MemoryModelDeviceScope: p.features12.vulkanMemoryModel != 0 && p.features12.vulkanMemoryModelDeviceScope != 0,
		MaxPushConstants:       d.maxPush,
		MaxSharedBytes:         d.maxShared,
	}
	if p.hasAtomicFloat != 0 {
		t.BufferFloat32AtomicAdd = p.atomicFloat.shaderBufferFloat32AtomicAdd != 0
		t.BufferFloat64AtomicAdd = p.atomicFloat.shaderBufferFloat64AtomicAdd != 0
	}
	t.DenormPreserve16, t.DenormPreserve32, t.DenormPreserve64 = denormPreserve(&p.floatControls)
	fma := d.probeFMA(t.DenormPreserve32)
	t.FusedFMA32, t.FusedFMA64, t.ContractFMA32, t.FlushFMA32 = fma[0], fma[1], fma[2], fma[3]
	if p.hasShaderClock != 0 {
		t.SubgroupClock = p.clock.shaderSubgroupClock != 0
		t.DeviceClock = p.clock.shaderDeviceClock != 0
	}
	const needOps = C.VK_SUBGROUP_FEATURE_BASIC_BIT | C.VK_SUBGROUP_FEATURE_VOTE_BIT | C.VK_SUBGROUP_FEATURE_ARITHMETIC_BIT |
		C.VK_SUBGROUP_FEATURE_BALLOT_BIT | C.VK_SUBGROUP_FEATURE_SHUFFLE_BIT | C.VK_SUBGROUP_FEATURE_SHUFFLE_RELATIVE_BIT
	if p.hasSubgroupSizeControl != 0 && p.sgsc.subgroupSizeControl != 0 && p.sgsc.computeFullSubgroups != 0 &&
		uint32(p.sgscProps.minSubgroupSize) <= 32 && uint32(p.sgscProps.maxSubgroupSize) >= 32 &&
		uint32(p.sgscProps.requiredSubgroupSizeStages)&C.VK_SHADER_STAGE_COMPUTE_BIT != 0 &&
		uint32(p.props11.subgroupSupportedOperations)&needOps == needOps &&
		uint32(p.props11.subgroupSupportedStages)&C.VK_SHADER_STAGE_COMPUTE_BIT != 0 &&
		os.Getenv(EnvWarp) != "emulate" {
		t.Subgroup32 = true
	}
	return t
}

// denormPreserve says at which widths translated kernels ask for the
// DenormPreserve execution mode: where the device supports it
// (shaderDenormPreserveFloat16/32/64) and denormBehaviorIndependence lets
// a module set that width alone. With 32_BIT_ONLY, 16 and 64 go
// together; with NONE, all three or none.
func denormPreserve(fc *C.VkPhysicalDeviceFloatControlsProperties) (p16, p32, p64 bool) {
	p16, p32, p64 = fc.shaderDenormPreserveFloat16 != 0, fc.shaderDenormPreserveFloat32 != 0, fc.shaderDenormPreserveFloat64 != 0
	switch fc.denormBehaviorIndependence {
	case C.VK_SHADER_FLOAT_CONTROLS_INDEPENDENCE_ALL:
	case C.VK_SHADER_FLOAT_CONTROLS_INDEPENDENCE_32_BIT_ONLY:
		both := p16 && p64
		p16, p64 = both, both
	default:
		all := p16 && p32 && p64
		p16, p32, p64 = all, all, all
	}
	return p16, p32, p64
}

// fmaProbe computes fma(a, b, -1) for f32 with a = 1 + ulp, b = 1 + 2 ulp
// (a fused multiply-add gives 3 ulp + 2 ulp^2, one that rounds the product
// first 3 ulp: the result is normal either way, so the translator's
// fallback for tiny fused results does not hide an unfused Fma), and
// fma(a, a, c) for f64 with a = 1 + ulp and c = -(1 + 2 ulp) (fused:
// ulp^2, unfused: 0).
const fmaProbe = `.version 7.0
.target sm_50
.address_size 64
.visible .entry probe(.param .u64 out, .param .f32 a, .param .f32 b, .param .f64 da, .param .f64 dc)
{
	.reg .f32 %f<4>;
	.reg .f64 %fd<4>;
	.reg .b64 %rd<2>;
	ld.param.u64 %rd1, [out];
	ld.param.f32 %f1, [a];
	ld.param.f32 %f2, [b];
	fma.rn.f32 %f3, %f1, %f2, 0fBF800000;
	st.global.f32 [%rd1], %f3;
	ld.param.f64 %fd1, [da];
	ld.param.f64 %fd2, [dc];
	fma.rn.f64 %fd3, %fd1, %fd1, %fd2;
	st.global.f64 [%rd1+8], %fd3;
	ret;
}
`

// contractProbe is four fma.rn.f32 for a device whose compiler may
// contract a multiply and an add into a fused multiply-add
// (Target.ContractFMA32): (1+2^-12)^2 - 1, whose product rounds first
// unfused; 2^-125 (1+2^-12)^2 - 2^-125 (1+2^-11) = 2^-149, where an
// unfused product rounds to the tie's even side and a flushing fma drops
// the subnormal result (both give 0); 2^-149 * 2^23 (a subnormal
// operand, a normal result); 0.5 * 2^-126 + 2^-127 (a subnormal
// product and addend, a normal result).
const contractProbe = `.version 7.0
.target sm_50
.address_size 64
.visible .entry probe(.param .u64 out, .param .u64 ab1, .param .u64 ab2)
{
	.reg .f32 %f<12>;
	.reg .b64 %rd<4>;
	.reg .b32 %r<4>;
	ld.param.u64 %rd1, [out];
	ld.param.u64 %rd2, [ab1];
	ld.param.u64 %rd3, [ab2];
	mov.b64 {%f1, %f2}, %rd2;
	mov.b64 {%f3, %f4}, %rd3;
	fma.rn.f32 %f5, %f1, %f1, 0fBF800000;
	st.global.f32 [%rd1], %f5;
	fma.rn.f32 %f6, %f2, %f3, 0f81001000;
	st.global.f32 [%rd1+4], %f6;
	fma.rn.f32 %f7, %f4, 0f4B000000, 0f00000000;
	st.global.f32 [%rd1+8], %f7;
	fma.rn.f32 %f8, %f4, 0f00000000, 0f00400000;
	fma.rn.f32 %f9, 0f3F000000, 0f00800000, %f8;
	st.global.f32 [%rd1+12], %f9;
	ret;
}
`

// probeFMA runs fmaProbe once per device (on the first PTX load) and
// reports whether the device's f32 and f64 fma are fused,
// contractProbe for whether its compiler contracts an f32 multiply and
// add exactly (with DenormPreserve32 as the kernels will have it), and
// flushProbe for whether its fused f32 Fma flushes as fma.rn.ftz.f32
// does. Any failure counts as "no", which is always correct, only
// slower.
func (d *device) probeFMA(denorm32 bool) [4]bool {
	d.fmaOnce.Do(func() {
		if d.pinfo.features.shaderFloat64 == 0 {
			d.inst.cfg.Log(3, "hal/vulkan: device %d: no shaderFloat64; fma is taken as unfused", d.ordinal)
			return
		}
		r, err := d.runFMAProbe()
		if err != nil {
			d.inst.cfg.Log(2, "hal/vulkan: device %d: fma probe failed (fma is emulated): %v", d.ordinal, err)
			return
		}
		d.fmaFused[0], d.fmaFused[1] = r[0], r[1]
		c, err := d.runContractProbe(denorm32)
		if err != nil {
			d.inst.cfg.Log(2, "hal/vulkan: device %d: fma contraction probe failed: %v", d.ordinal, err)
		}
		d.fmaFused[2] = c
		var fl bool
		if r[0] {
			fl, err = d.runFlushProbe(denorm32)
			if err != nil {
				d.inst.cfg.Log(2, "hal/vulkan: device %d: fma flush probe failed: %v", d.ordinal, err)
			}
		}
		d.fmaFused[3] = fl
		d.inst.cfg.Log(3, "hal/vulkan: device %d: fused fma: f32 %v, f64 %v; exact contracted f32 fma %v; f32 fma flushing as .ftz %v", d.ordinal, r[0], r[1], c, fl)
	})
	return d.fmaFused
}

// flushProbe computes fma.rn.ftz.f32 of the operands in in (three
// words per case) into out.
const flushProbe = `.version 7.0
.target sm_50
.address_size 64
.visible .entry probe(.param .u64 out, .param .u64 in)
{
	.reg .f32 %f<5>;
	.reg .b32 %r;
	.reg .b64 %rd<5>;
	.reg .pred %p;
	ld.param.u64 %rd1, [out];
	ld.param.u64 %rd2, [in];
	mov.u32 %r, 0;
L:
	mul.wide.u32 %rd3, %r, 12;
	add.u64 %rd3, %rd2, %rd3;
	ld.global.f32 %f1, [%rd3];
	ld.global.f32 %f2, [%rd3+4];
	ld.global.f32 %f3, [%rd3+8];
	fma.rn.ftz.f32 %f4, %f1, %f2, %f3;
	mul.wide.u32 %rd4, %r, 4;
	add.u64 %rd4, %rd1, %rd4;
	st.global.f32 [%rd4], %f4;
	add.u32 %r, %r, 1;
	setp.lt.u32 %p, %r, 7;
	@%p bra L;
	ret;
}
`

// flushCases are fma.rn.ftz.f32 cases (a, b, c, want) on which a fused
// Fma that flushes subnormal operands and results to zeros of their sign
// agrees with PTX, and one that keeps any of them does not.
var flushCases = [7][4]uint32{
	{0x1c800000, 0x1c800000, 0, 0},                   // 2^-70 * 2^-70: a subnormal result, +0
	{0x9c800000, 0x1c800000, 0, 0x80000000},          // -2^-140: -0
	{0x00800000, 0x3f800000, 0x80000001, 0x00800000}, // c = -2^-149 flushed: 2^-126
	{0x00000001, 0x71800000, 0, 0},                   // a = 2^-149 flushed: 0 * 2^100
	{0x80000001, 0x71800000, 0, 0},                   // a = -2^-149 flushed: -0 * 2^100 + 0 = +0
	{0x3fc00000, 0x00800000, 0x80600000, 0x00c00000}, // 1.5 * 2^-126 + (flushed -0.75 * 2^-126)
	{0x3f800001, 0x3f800002, 0xbf800000, 0x34c00001}, // (1+2^-23)(1+2^-22) - 1 = 3*2^-23 + 2^-45: fused
}

// runFlushProbe runs flushProbe translated with FlushFMA32 (fma.rn.ftz.f32
// as the bare Fma) and DenormPreserve32 as the kernels will have it, and
// reports whether every answer is PTX's.
func (d *device) runFlushProbe(denorm32 bool) (bool, error) {
	got, err := d.runPTXWords(flushProbe, spirvgen.Target{Float64: true, FusedFMA32: true, FlushFMA32: true, DenormPreserve32: denorm32}, flushInput(), len(flushCases))
	if err != nil {
		return false, err
	}
	for i, c := range flushCases {
		if got[i] != c[3] {
			d.inst.cfg.Log(3, "hal/vulkan: device %d: flushing fma case %d gave %#x, want %#x", d.ordinal, i, got[i], c[3])
			return false, nil
		}
	}
	return true, nil
}

// flushInput is flushProbe's input: the operands of flushCases.
func flushInput() []uint32 {
	var in []uint32
	for _, c := range flushCases {
		in = append(in, c[0], c[1], c[2])
	}
	return in
}

// runPTXWords is runPTXOnce for a kernel (out, in) of 32-bit words: in
// is copied to a device buffer, and the kernel's first n output words
// are returned.
func (d *device) runPTXWords(src string, tg spirvgen.Target, in []uint32, n int) ([]uint32, error) {
	return d.runPTXWordsBlock(src, tg, 1, in, n)
}

// runPTXWordsBlock is runPTXWords with a block of block threads.
func (d *device) runPTXWordsBlock(src string, tg spirvgen.Target, block uint32, in []uint32, n int) ([]uint32, error) {
	buf, err := d.Allocate(hal.MemoryHost, uint64(4*len(in)))
	if err != nil {
		return nil, err
	}
	defer d.Free(hal.MemoryHost, buf.Device)
	b := make([]byte, 0, 4*len(in))
	for _, v := range in {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	if err := d.CopyFromHost(buf.Device, unsafe.Pointer(&b[0]), uint64(len(b))); err != nil {
		return nil, err
	}
	got, err := d.runPTXBlock(src, tg, block, uint64(4*n), buf.Device)
	if err != nil {
		return nil, err
	}
	out := make([]uint32, n)
	for i := range out {
		out[i] = binary.LittleEndian.Uint32(got[4*i:])
	}
	return out, nil
}

func (d *device) runFMAProbe() ([2]bool, error) {
	var out [2]bool
	got, err := d.runPTXOnce(fmaProbe, spirvgen.Target{Float64: true, FusedFMA32: true, FusedFMA64: true}, 16,
		uint64(math.Float32bits(1+0x1p-23)), uint64(math.Float32bits(1+0x1p-22)),
		math.Float64bits(1+0x1p-52), math.Float64bits(-(1 + 0x1p-51)))
	if err != nil {
		return out, err
	}
	out[0] = math.Float32frombits(binary.LittleEndian.Uint32(got[0:])) == 3*0x1p-23+0x1p-45
	out[1] = math.Float64frombits(binary.LittleEndian.Uint64(got[8:])) == 0x1p-104
	return out, nil
}

// runContractProbe runs contractProbe translated with ContractFMA32 and
// reports whether every answer is the exact fma's.
func (d *device) runContractProbe(denorm32 bool) (bool, error) {
	f := func(x float32) uint64 { return uint64(math.Float32bits(x)) }
	a := float32(1 + 0x1p-12)
	got, err := d.runPTXOnce(contractProbe, spirvgen.Target{Float64: true, ContractFMA32: true, DenormPreserve32: denorm32}, 16,
		f(a)|f(a*0x1p-62)<<32, f(a*0x1p-63)|0x00000001<<32)
	if err != nil {
		return false, err
	}
	want := []uint32{math.Float32bits(0x1p-11 + 0x1p-24), 0x00000001, 0x00800000, 0x00800000}
	for i, w := range want {
		if g := binary.LittleEndian.Uint32(got[4*i:]); g != w {
			d.inst.cfg.Log(3, "hal/vulkan: device %d: contracted fma case %d gave %#x, want %#x", d.ordinal, i, g, w)
			return false, nil
		}
	}
	return true, nil
}

// runPTXOnce translates src for tg and runs its first kernel as one
// thread: its first parameter is an outSize-byte host buffer, the others
// get params (the low bytes of each). It returns the buffer's contents.
func (d *device) runPTXOnce(src string, tg spirvgen.Target, outSize uint64, params ...uint64) ([]byte, error) {
	return d.runPTXBlock(src, tg, 1, outSize, params...)
}

// runPTXBlock is runPTXOnce with one block of block threads.
func (d *device) runPTXBlock(src string, tg spirvgen.Target, block uint32, outSize uint64, params ...uint64) ([]byte, error) {
	res, err := spirvgen.Translate([]byte(src), spirvgen.Options{Target: tg})
	if err != nil {
		return nil, err
	}
	k := res.Kernels[0]
	if len(k.Params) != 1+len(params) {
		return nil, fmt.Errorf("kernel %s has %d parameters, want %d", k.Name, len(k.Params), 1+len(params))
	}
	sk := spirvKernel{Name: k.Name, PushConstantSize: k.PushSize, LocalSize: [3]uint32{1, 1, 1},
		LocalSizeSpecIDs: [3]int{0, 1, 2}, DynamicSharedSpecID: -1, ptx: true, gridOffset: -1}
	for _, p := range k.Params {
		sk.Params = append(sk.Params, hal.Param{Offset: p.Offset, Size: p.Size})
		sk.argsSize = max(sk.argsSize, p.Offset+p.Size)
	}
	x, err := d.newExecutable(res.SPIRV, []spirvKernel{sk})
	if err != nil {
		return nil, err
	}
	defer x.releaseNow()
	buf, err := d.Allocate(hal.MemoryHost, outSize)
	if err != nil {
		return nil, err
	}
	defer d.Free(hal.MemoryHost, buf.Device)
	args := make([]byte, k.ArgsSize)
	put := func(p spirvgen.Param, v uint64) {
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], v)
		copy(args[p.Offset:p.Offset+p.Size], b[:p.Size])
	}
	put(k.Params[0], buf.Device)
	for i, v := range params {
		put(k.Params[1+i], v)
	}
	q := d.syncQ
	kern := x.kernels[k.Name]
	if err := q.Dispatch(kern, hal.LaunchConfig{Grid: hal.Dim3{X: 1, Y: 1, Z: 1}, Block: hal.Dim3{X: block, Y: 1, Z: 1}, Args: args}); err != nil {
		return nil, err
	}
	if err := q.Synchronize(context.Background()); err != nil {
		return nil, err
	}
	got := make([]byte, outSize)
	if err := d.CopyToHost(unsafe.Pointer(&got[0]), buf.Device, outSize); err != nil {
		return nil, err
	}
	return got, nil
}

// translation is a cached translation: the translator's result.
type translation struct {
	Kernels []spirvgen.Kernel
	Globals spirvgen.Globals
	Printf  *spirvgen.Printf `json:",omitempty"`
	SPIRV   []byte
}

func (t *translation) check() error {
	if len(t.SPIRV)%4 != 0 || len(t.SPIRV) < 20 {
		return errors.New("not a SPIR-V module")
	}
	words := make([]uint32, len(t.SPIRV)/4)
	for i := range words {
		words[i] = binary.LittleEndian.Uint32(t.SPIRV[4*i:])
	}
	if err := spirv.Validate(words); err != nil {
		return err
	}
	if uint64(len(t.Globals.Init)) != t.Globals.Size && len(t.Globals.Init) != 0 {
		return errors.New("globals image of the wrong size")
	}
	for _, r := range t.Globals.Relocs {
		if r.Offset+uint64(r.Size) > t.Globals.Size || (r.Size != 1 && r.Size != 4 && r.Size != 8) {
			return errors.New("relocation outside the globals")
		}
	}
	if t.Printf != nil {
		ok := false
		for _, v := range t.Globals.Vars {
			ok = ok || v.Name == spirvgen.PrintfBuffer && v.Size == spirvgen.PrintfBufferSize && v.Offset+v.Size <= t.Globals.Size
		}
		if !ok {
			return errors.New("printf formats without their buffer")
		}
		for _, f := range t.Printf.Formats {
			if f.Args.Size < 0 || f.Args.Size > 32*8 {
				return errors.New("printf format with an impossible argument size")
			}
		}
	}
	return nil
}

// translate turns PTX into SPIR-V for this device, through the on-disk
// cache (keyed by the PTX, the translator's version and the device's
// features).
func (d *device) translate(src []byte) (*translation, error) {
	target := d.ptxTarget()
	sum := sha256.Sum256(src)
	key := fmt.Appendf(nil, "%x\x00%s\x00%s", sum, spirvgen.Version, target)
	var terr error
	data, cached, err := kbuild.Cached("vulkan-spirv", key, kbuild.Options{Logf: d.inst.cfg.Logf}, func(b []byte) error {
		var t translation
		if err := json.Unmarshal(b, &t); err != nil {
			return err
		}
		return t.check()
	}, func() ([]byte, error) {
		res, err := spirvgen.Translate(src, spirvgen.Options{Target: target})
		if err != nil {
			terr = err
			return nil, err
		}
		return json.Marshal(&translation{Kernels: res.Kernels, Globals: res.Globals, Printf: res.Printf, SPIRV: res.SPIRV})
	})
	if err != nil {
		return nil, err
	}
	var t translation
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("hal/vulkan: load PTX: cached translation: %v: %w", err, hal.ErrInvalidImage)
	}
	if err := t.check(); err != nil {
		return nil, fmt.Errorf("hal/vulkan: load PTX: translation fails validation: %v: %w", err, hal.ErrInvalidImage)
	}
	_ = terr
	d.inst.cfg.Log(4, "hal/vulkan: PTX translated to %d bytes of SPIR-V (cached: %v)", len(t.SPIRV), cached)
	return &t, nil
}

// loadPTX loads a PTX module (or the PTX of a fatbin) by translating it.
func (d *device) loadPTX(format hal.Format, data []byte) (hal.Executable, error) {
	src, which, err := modfile.ExtractPTX(format, data, modfile.PTXVersion{})
	if err != nil {
		return nil, fmt.Errorf("hal/vulkan: load %s: %w", format, err)
	}
	t, err := d.translate(src)
	if err != nil {
		if errors.Is(err, ptx.ErrInvalidPTX) {
			// As a PTX JIT log (and as hal/cpu reports it): the
			// instruction, its line, why, and any missing device feature.
			return nil, fmt.Errorf("hal/vulkan: PTX (%s) cannot run on this device:\n%v\n%w: %w", which, err, hal.ErrInvalidPTX, hal.ErrInvalidImage)
		}
		return nil, fmt.Errorf("hal/vulkan: load %s: %v: %w", which, err, hal.ErrInvalidImage)
	}
	// Pointer flags, as the other drivers read them from the PTX.
	ptrs := map[string][]hal.Param{}
	if m, err := modfile.ParsePTX(src); err == nil {
		for _, k := range m.Kernels {
			ptrs[k.Name] = k.Params
		}
	}
	var kernels []spirvKernel
	for _, k := range t.Kernels {
		sk := spirvKernel{
			Name:                k.Name,
			PushConstantSize:    k.PushSize,
			LocalSize:           [3]uint32{1, 1, 1},
			LocalSizeSpecIDs:    [3]int{spirvgen.SpecBlockX, spirvgen.SpecBlockY, spirvgen.SpecBlockZ},
			DynamicSharedSpecID: spirvgen.SpecDynamicShared,
			StaticShared:        k.StaticShared,
			ptx:                 true,
			gridOffset:          k.GridOffset,
			sharedPerThread:     k.SharedPerThread,
			subgroup32:          k.Subgroup32,
			maxThreads:          k.MaxThreads,
			reqNTID:             k.ReqNTID,
		}
		// A launch passes the arguments up to the end of the last one
		// (no tail padding).
		sk.argsSize = 0
		pp := ptrs[k.Name]
		for i, p := range k.Params {
			sk.argsSize = max(sk.argsSize, p.Offset+p.Size)
			hp := hal.Param{Offset: p.Offset, Size: p.Size}
			if i < len(pp) && pp[i].Offset == p.Offset && pp[i].Size == p.Size {
				hp.Pointer = pp[i].Pointer
			}
			sk.Params = append(sk.Params, hp)
		}
		if sk.Params == nil {
			sk.Params = []hal.Param{}
		}
		kernels = append(kernels, sk)
	}
	x, err := d.newExecutable(t.SPIRV, kernels)
	if err != nil {
		return nil, err
	}
	if err := x.setupGlobals(&t.Globals); err != nil {
		x.releaseNow()
		return nil, err
	}
	if t.Printf != nil && x.globals != nil {
		x.printf = t.Printf
		x.printfAddr = x.globals.base + x.globalVars[spirvgen.PrintfBuffer].Offset
		d.printers.Add(1)
	}
	return x.register()
}

// setupGlobals allocates the module's globals buffer and writes its
// initial contents, addresses included.
func (x *executable) setupGlobals(gl *spirvgen.Globals) error {
	d := x.dev
	x.globalVars = map[string]spirvgen.GlobalVar{}
	for _, v := range gl.Vars {
		x.globalVars[v.Name] = v
	}
	if gl.Size == 0 {
		return nil
	}
	alloc, err := d.Allocate(hal.MemoryDevice, gl.Size)
	if err != nil {
		return fmt.Errorf("hal/vulkan: load PTX: %d bytes of module globals: %w", gl.Size, err)
	}
	a, _, ok := d.allocs.find(alloc.Device, 1)
	if !ok {
		return fmt.Errorf("hal/vulkan: load PTX: module globals: allocation vanished: %w", hal.ErrIllegalState)
	}
	x.globals = a
	img := make([]byte, gl.Size)
	copy(img, gl.Init)
	base := a.base
	for _, r := range gl.Relocs {
		v := r.Target
		if !r.Func {
			v += base
		}
		if r.Masked {
			img[r.Offset] = byte(v >> r.Shift)
			continue
		}
		var buf [8]byte
		binary.LittleEndian.PutUint64(buf[:], v)
		copy(img[r.Offset:r.Offset+uint64(r.Size)], buf[:r.Size])
	}
	if err := d.CopyFromHost(base, unsafe.Pointer(&img[0]), uint64(len(img))); err != nil {
		return fmt.Errorf("hal/vulkan: load PTX: initialize module globals: %w", err)
	}
	return nil
}
