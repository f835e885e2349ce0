package spirvgen

import (
	"fmt"
	"strings"
)

// Target describes what the Vulkan device can run. Each field is a Vulkan
// feature (or a limit); the translator uses a capability only when the
// field says the device has it, and refuses a kernel that needs a missing
// one with an error naming the feature. The zero value is a Vulkan 1.2
// device with none of the optional features.
type Target struct {
	// Float64 is shaderFloat64 (.f64 arithmetic).
	Float64 bool
	// Int8 and Int16 are shaderInt8 and shaderInt16 (8- and 16-bit
	// registers and arithmetic).
	Int8, Int16 bool
	// StorageBuffer8 and StorageBuffer16 are storageBuffer8BitAccess and
	// storageBuffer16BitAccess (8- and 16-bit loads and stores of device
	// memory).
	StorageBuffer8, StorageBuffer16 bool
	// BufferInt64Atomics and SharedInt64Atomics are
	// shaderBufferInt64Atomics and shaderSharedInt64Atomics.
	BufferInt64Atomics, SharedInt64Atomics bool
	// BufferFloat32AtomicAdd and BufferFloat64AtomicAdd are
	// VK_EXT_shader_atomic_float's shaderBufferFloat32AtomicAdd and
	// shaderBufferFloat64AtomicAdd (without them, float atomic adds are
	// compare-and-swap loops).
	BufferFloat32AtomicAdd, BufferFloat64AtomicAdd bool
	// SubgroupClock and DeviceClock are VK_KHR_shader_clock's
	// shaderSubgroupClock and shaderDeviceClock (%clock, %globaltimer).
	SubgroupClock, DeviceClock bool
	// MemoryModelDeviceScope is vulkanMemoryModelDeviceScope (device-scope
	// atomics and fences: atom without .cta, membar.gl, fence.gpu).
	MemoryModelDeviceScope bool
	// Subgroup32 says warp operations may use subgroup operations: the
	// device runs compute pipelines with a required subgroup size of 32
	// and full subgroups (VK_EXT_subgroup_size_control or Vulkan 1.3) and
	// has the basic, vote, ballot, shuffle, shuffle-relative and
	// arithmetic subgroup operations in compute shaders. Without it, warp
	// operations are emulated through shared memory.
	Subgroup32 bool
	// FusedFMA32 and FusedFMA64 say the device's GLSL Fma is a fused
	// multiply-add (one rounding) for f32 and f64. Vulkan allows it to
	// round twice; where it does (lavapipe), fma is emulated exactly with
	// error-free transformations. The driver finds out by running a probe.
	FusedFMA32, FusedFMA64 bool
	// ContractFMA32 says the device's compiler fuses an f32 multiply and
	// an add of its product (OpFMul then OpFAdd, neither marked
	// NoContraction) into one fused multiply-add that keeps subnormals:
	// fma.rn.f32 is then written that way, with no test for subnormals.
	// It is meant for NVIDIA's driver, whose Fma flushes subnormals (so
	// FusedFMA32 alone needs the exact path for them, which doubled a
	// matrix product's time on the H100) while its multiplies and adds
	// keep them; written this way the matrix product ran at GLSL's speed.
	// The driver decides by running a probe whose answers tell a
	// contracted, exact fma from an unfused or flushing one.
	ContractFMA32 bool
	// FlushFMA32 says the device's f32 GLSL Fma is fused and flushes
	// subnormal operands and results to zeros of their sign, as
	// fma.rn.ftz.f32 does: that instruction is then the Fma alone, with
	// no flushing of its own around it (on the H100 the explicit flushes
	// made a matrix product built with -ftz 2.1x its GLSL twin). NVIDIA's
	// driver has it; the driver decides by running a probe.
	FlushFMA32 bool
	// DenormPreserve16, DenormPreserve32 and DenormPreserve64 ask for the
	// DenormPreserve execution mode (SPIR-V 1.4 float controls) at that
	// width: floating-point operations keep subnormal inputs and results,
	// as PTX's do without .ftz (.ftz flushes explicitly). The driver sets
	// them from VkPhysicalDeviceFloatControlsProperties
	// (shaderDenormPreserveFloat16/32/64, within what
	// denormBehaviorIndependence lets a module set). Without them the
	// device chooses: NVIDIA's driver flushes f32 subnormals to zero, a
	// deviation the package documentation names.
	DenormPreserve16, DenormPreserve32, DenormPreserve64 bool
	// MaxPushConstants is maxPushConstantsSize (128 when zero).
	MaxPushConstants uint32
	// MaxSharedBytes is maxComputeSharedMemorySize (16384 when zero).
	MaxSharedBytes uint32
}

// String lists the features that are set, for cache keys and logs.
func (t Target) String() string {
	var f []string
	add := func(on bool, name string) {
		if on {
			f = append(f, name)
		}
	}
	add(t.Float64, "shaderFloat64")
	add(t.Int8, "shaderInt8")
	add(t.Int16, "shaderInt16")
	add(t.StorageBuffer8, "storageBuffer8BitAccess")
	add(t.StorageBuffer16, "storageBuffer16BitAccess")
	add(t.BufferInt64Atomics, "shaderBufferInt64Atomics")
	add(t.SharedInt64Atomics, "shaderSharedInt64Atomics")
	add(t.BufferFloat32AtomicAdd, "shaderBufferFloat32AtomicAdd")
	add(t.BufferFloat64AtomicAdd, "shaderBufferFloat64AtomicAdd")
	add(t.SubgroupClock, "shaderSubgroupClock")
	add(t.DeviceClock, "shaderDeviceClock")
	add(t.MemoryModelDeviceScope, "vulkanMemoryModelDeviceScope")
	add(t.Subgroup32, "subgroupSize32")
	add(t.FusedFMA32, "fusedFMA32")
	add(t.FusedFMA64, "fusedFMA64")
	add(t.ContractFMA32, "contractFMA32")
	add(t.FlushFMA32, "flushFMA32")
	add(t.DenormPreserve16, "denormPreserve16")
	add(t.DenormPreserve32, "denormPreserve32")
	add(t.DenormPreserve64, "denormPreserve64")
	// The A/B forms (fmaCheck) change the output: caches must not mix
	// them up.
	add(fmaCheck != "", "fmaCheck="+fmaCheck)
	return fmt.Sprintf("%s push=%d shared=%d", strings.Join(f, ","), t.maxPush(), t.maxShared())
}

func (t Target) maxPush() uint32 {
	if t.MaxPushConstants == 0 {
		return 128
	}
	return t.MaxPushConstants
}

func (t Target) maxShared() uint32 {
	if t.MaxSharedBytes == 0 {
		return 16384
	}
	return t.MaxSharedBytes
}

// FullTarget is a device with every optional feature the translator uses
// (and 32-wide subgroups): what tests and fuzzing translate for when they
// want every code path.
func FullTarget() Target {
	return Target{
		Float64: true, Int8: true, Int16: true, StorageBuffer8: true, StorageBuffer16: true,
		BufferInt64Atomics: true, SharedInt64Atomics: true,
		BufferFloat32AtomicAdd: true, BufferFloat64AtomicAdd: true,
		SubgroupClock: true, DeviceClock: true, MemoryModelDeviceScope: true,
		Subgroup32: true, FusedFMA32: true, FusedFMA64: true, ContractFMA32: true, DenormPreserve16: true, DenormPreserve32: true, DenormPreserve64: true,
		MaxPushConstants: 256, MaxSharedBytes: 49152,
	}
}
