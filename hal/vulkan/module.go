//go:build cgo

package vulkan

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/ptx/spirvgen"
)

// executable is a loaded SPIR-V module: one VkShaderModule and its kernels.
type executable struct {
	dev     *device
	module  C.VkShaderModule
	kernels map[string]*kernel
	names   []string
	closed  bool

	// Modules translated from PTX: the globals buffer (nil when the
	// module has none) and its variables. detached says Close took the
	// buffer out of the device's address table (release frees it then;
	// otherwise the device frees it with its other allocations).
	globals    *allocation
	globalVars map[string]spirvgen.GlobalVar
	detached   bool
	// printf says how to print the records the module's kernels leave at
	// printfAddr (its printf and assert calls), nil when they make none.
	printf     *spirvgen.Printf
	printfAddr uint64
	// launched says a kernel of the module was enqueued since its records
	// were last read: only then does a Synchronize read the buffer (a
	// staged copy on a discrete GPU).
	launched atomic.Bool
}

var _ hal.Executable = (*executable)(nil)

// kernel is one entry point. Pipelines are created on first use for each
// (block size, dynamic shared bytes) and cached.
type kernel struct {
	exe    *executable
	meta   spirvKernel
	cname  *C.char
	layout C.VkPipelineLayout // 0 when the arguments exceed push constants

	mu    sync.Mutex
	pipes map[pipeKey]C.VkPipeline
}

var _ hal.Kernel = (*kernel)(nil)

type pipeKey struct {
	block  hal.Dim3
	shared uint32
}

// Load loads a SPIR-V module, or a PTX module (bare or in an nvcc
// fatbin) through the PTX translator.
func (d *device) Load(format hal.Format, data []byte) (hal.Executable, error) {
	if d.isClosed() {
		return nil, errClosedDevice
	}
	switch format {
	case hal.FormatSPIRV:
	case hal.FormatPTX, hal.FormatFatbin:
		return d.loadPTX(format, data)
	default:
		return nil, fmt.Errorf("hal/vulkan: load: format %q: the Vulkan driver loads %v modules: %w", format, d.Formats(), hal.ErrNotSupported)
	}
	kernels, err := parseSPIRV(data)
	if err != nil {
		return nil, fmt.Errorf("hal/vulkan: load: %w", err)
	}
	if len(kernels) == 0 {
		return nil, fmt.Errorf("hal/vulkan: load: SPIR-V module has no GLCompute entry point: %w", hal.ErrInvalidImage)
	}
	data = littleEndianWords(data)
	if ptrs, err := spirvPointerParams(data); err == nil {
		for i := range kernels {
			flags := ptrs[kernels[i].Name]
			if len(flags) != len(kernels[i].Params) {
				continue
			}
			params := append([]hal.Param(nil), kernels[i].Params...)
			for j := range params {
				params[j].Pointer = params[j].Pointer || flags[j]
			}
			kernels[i].Params = params
		}
	}
	x, err := d.newExecutable(data, kernels)
	if err != nil {
		return nil, err
	}
	return x.register()
}

// newExecutable creates the shader module and the kernels' pipeline
// layouts.
func (d *device) newExecutable(data []byte, kernels []spirvKernel) (*executable, error) {
	x := &executable{dev: d, kernels: map[string]*kernel{}}
	// The driver may read the code after vkCreateShaderModule returns only
	// on broken implementations; hand it a C copy anyway so that Go's
	// moving of data cannot matter.
	code := C.CBytes(data)
	r := C.shal_create_shader_module(d.c, code, C.size_t(len(data)), &x.module)
	C.free(code)
	if err := check(r, "load: vkCreateShaderModule"); err != nil {
		return nil, fmt.Errorf("%w (%w)", err, hal.ErrInvalidImage)
	}
	for _, mk := range kernels {
		if _, dup := x.kernels[mk.Name]; dup {
			continue
		}
		k := &kernel{exe: x, meta: mk, cname: C.CString(mk.Name), pipes: map[pipeKey]C.VkPipeline{}}
		if k.pushSize() <= d.maxPush {
			if err := check(C.shal_create_pipeline_layout(d.c, C.uint32_t(k.pushSize()), &k.layout), "load: create pipeline layout for %q", mk.Name); err != nil {
				C.free(unsafe.Pointer(k.cname))
				x.releaseNow()
				return nil, err
			}
		}
		x.kernels[mk.Name] = k
		x.names = append(x.names, mk.Name)
	}
	sort.Strings(x.names)
	return x, nil
}

// releaseNow undoes a load that failed before the module was registered.
func (x *executable) releaseNow() {
	if x.globals != nil {
		if _, err := x.dev.allocs.removeUser(x.globals.base, hal.MemoryDevice); err == nil {
			x.detached = true
		}
	}
	x.release()
}

// register makes the module one of the device's (Close releases it).
func (x *executable) register() (hal.Executable, error) {
	d := x.dev
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		x.releaseNow()
		return nil, errClosedDevice
	}
	d.execs[x] = struct{}{}
	d.mu.Unlock()
	return x, nil
}

func (x *executable) Kernel(name string) (hal.Kernel, error) {
	if k, ok := x.kernels[name]; ok && !x.closed {
		return k, nil
	}
	return nil, fmt.Errorf("hal/vulkan: kernel %q: no such entry point (have %v): %w", name, x.names, hal.ErrNotFound)
}

func (x *executable) Kernels() []string { return append([]string(nil), x.names...) }

// Global returns a module global's device address: modules translated
// from PTX keep their .global and .const variables in a buffer of their
// own. SPIR-V modules have no device-memory globals that the host can
// address (module-scope variables are Private or Workgroup storage, per
// invocation or per workgroup).
func (x *executable) Global(name string) (uint64, uint64, error) {
	if x.globalVars == nil {
		return 0, 0, fmt.Errorf("hal/vulkan: global %q: SPIR-V modules have no device-memory module globals: %w", name, hal.ErrNotFound)
	}
	v, ok := x.globalVars[name]
	if !ok || x.closed {
		return 0, 0, fmt.Errorf("hal/vulkan: global %q: the module has no such .global or .const variable: %w", name, hal.ErrNotFound)
	}
	if x.globals == nil || v.Size == 0 {
		return 0, 0, nil
	}
	return x.globals.base + v.Offset, v.Size, nil
}

// Close releases the module once the enqueued work that uses it is done.
func (x *executable) Close() error {
	d := x.dev
	d.mu.Lock()
	if _, ok := d.execs[x]; !ok {
		d.mu.Unlock()
		return fmt.Errorf("hal/vulkan: module already closed: %w", hal.ErrInvalidHandle)
	}
	delete(d.execs, x)
	d.mu.Unlock()
	if x.printf != nil {
		// What its kernels printed and nobody synchronized for yet, as
		// CUDA prints at module unload (when the device is idle; a
		// failed assert's error has no call to go to then: it is logged).
		if err := d.printModules([]*executable{x}); err != nil {
			d.inst.cfg.Log(1, "hal/vulkan: module unload: %v", err)
		}
		d.printers.Add(-1)
	}
	x.closed = true
	if x.globals != nil {
		if _, err := d.allocs.removeUser(x.globals.base, hal.MemoryDevice); err == nil {
			x.detached = true
		}
	}
	d.deferFree(x.release)
	return nil
}

func (x *executable) release() {
	d := x.dev
	for _, k := range x.kernels {
		k.mu.Lock()
		for key, p := range k.pipes {
			C.shal_destroy_pipeline(d.c, p)
			delete(k.pipes, key)
		}
		k.mu.Unlock()
		C.shal_destroy_pipeline_layout(d.c, k.layout)
		k.layout = 0
		if k.cname != nil {
			C.free(unsafe.Pointer(k.cname))
			k.cname = nil
		}
	}
	C.shal_destroy_shader_module(d.c, x.module)
	x.module = 0
	if x.globals != nil && x.detached {
		d.freeAllocation(x.globals)
		x.globals = nil
	}
}

func (k *kernel) Name() string { return k.meta.Name }

func (k *kernel) Params() []hal.Param { return append([]hal.Param(nil), k.meta.Params...) }

func (k *kernel) Attributes() hal.KernelAttributes {
	d := k.exe.dev
	a := hal.KernelAttributes{
		MaxThreadsPerBlock:  int(d.maxInvocations),
		SharedSizeBytes:     int(k.meta.StaticShared),
		ConstSizeBytes:      int(k.meta.PushConstantSize),
		MaxDynamicSharedMem: int(d.maxShared) - int(k.meta.StaticShared),
	}
	if k.meta.ptx {
		a.ConstSizeBytes = 0
		if k.meta.maxThreads > 0 && int(k.meta.maxThreads) < a.MaxThreadsPerBlock {
			a.MaxThreadsPerBlock = int(k.meta.maxThreads)
		}
		// The translator's per-thread shared memory for a full block.
		a.MaxDynamicSharedMem -= int(k.meta.sharedPerThread) * a.MaxThreadsPerBlock
		if a.MaxDynamicSharedMem < 0 {
			a.MaxDynamicSharedMem = 0
		}
	}
	if k.meta.LocalSizeSpecIDs == [3]int{-1, -1, -1} {
		l := k.meta.LocalSize
		a.MaxThreadsPerBlock = int(l[0] * l[1] * l[2])
	}
	if k.meta.DynamicSharedSpecID < 0 {
		a.MaxDynamicSharedMem = 0
	}
	return a
}

// prepare validates a launch and returns its pipeline.
func (k *kernel) prepare(cfg hal.LaunchConfig) (C.VkPipeline, error) {
	d := k.exe.dev
	name := k.meta.Name
	if k.exe.closed {
		return 0, fmt.Errorf("hal/vulkan: launch %q: module is closed: %w", name, hal.ErrInvalidHandle)
	}
	if cfg.Cooperative {
		return 0, fmt.Errorf("hal/vulkan: launch %q: cooperative launches are not supported by Vulkan compute: %w", name, hal.ErrNotSupported)
	}
	b, g := cfg.Block, cfg.Grid
	if b.X == 0 || b.Y == 0 || b.Z == 0 || b.X > d.maxBlock[0] || b.Y > d.maxBlock[1] || b.Z > d.maxBlock[2] || b.Count() > uint64(d.maxInvocations) {
		return 0, fmt.Errorf("hal/vulkan: launch %q: block (%d,%d,%d) exceeds the device limits maxComputeWorkGroupSize (%d,%d,%d) and maxComputeWorkGroupInvocations %d: %w",
			name, b.X, b.Y, b.Z, d.maxBlock[0], d.maxBlock[1], d.maxBlock[2], d.maxInvocations, hal.ErrInvalidValue)
	}
	if g.X == 0 || g.Y == 0 || g.Z == 0 {
		return 0, fmt.Errorf("hal/vulkan: launch %q: grid (%d,%d,%d) has a zero dimension: %w", name, g.X, g.Y, g.Z, hal.ErrInvalidValue)
	}
	fixed := k.meta.LocalSize
	for i, v := range [3]uint32{b.X, b.Y, b.Z} {
		if k.meta.LocalSizeSpecIDs[i] < 0 && v != fixed[i] {
			return 0, fmt.Errorf("hal/vulkan: launch %q: block (%d,%d,%d) differs from the kernel's fixed local size (%d,%d,%d): %w",
				name, b.X, b.Y, b.Z, fixed[0], fixed[1], fixed[2], hal.ErrInvalidValue)
		}
	}
	static := uint64(k.meta.StaticShared) + uint64(k.meta.sharedPerThread)*b.Count()
	if uint64(cfg.SharedBytes)+static > uint64(d.maxShared) {
		return 0, fmt.Errorf("hal/vulkan: launch %q: %d bytes of dynamic shared memory plus %d static exceed maxComputeSharedMemorySize %d: %w",
			name, cfg.SharedBytes, static, d.maxShared, hal.ErrInvalidValue)
	}
	if k.meta.ptx {
		if m := k.meta.maxThreads; m > 0 && b.Count() > uint64(m) {
			return 0, fmt.Errorf("hal/vulkan: launch %q: block (%d,%d,%d) has more threads than the kernel's .maxntid/.reqntid %d: %w",
				name, b.X, b.Y, b.Z, m, hal.ErrInvalidValue)
		}
		if r := k.meta.reqNTID; r[0] > 0 && (b.X != r[0] || (r[1] > 0 && b.Y != r[1]) || (r[2] > 0 && b.Z != r[2])) {
			return 0, fmt.Errorf("hal/vulkan: launch %q: block (%d,%d,%d) differs from the kernel's .reqntid (%d,%d,%d): %w",
				name, b.X, b.Y, b.Z, r[0], r[1], r[2], hal.ErrInvalidValue)
		}
	}
	if cfg.SharedBytes > 0 && k.meta.DynamicSharedSpecID < 0 {
		return 0, fmt.Errorf("hal/vulkan: launch %q: %d bytes of dynamic shared memory requested, but the kernel declares no specialization constant %d for it: %w",
			name, cfg.SharedBytes, dynamicSharedID, hal.ErrInvalidValue)
	}
	if k.layout == 0 {
		return 0, fmt.Errorf("hal/vulkan: launch %q: %d bytes of arguments exceed the device's maxPushConstantsSize %d: %w",
			name, k.pushSize(), d.maxPush, hal.ErrNotSupported)
	}
	if need := k.argBytes(); uint32(len(cfg.Args)) < need {
		return 0, fmt.Errorf("hal/vulkan: launch %q: %d bytes of arguments, the kernel's parameters take %d: %w",
			name, len(cfg.Args), need, hal.ErrInvalidValue)
	}
	if err := k.checkPointers(cfg.Args); err != nil {
		return 0, err
	}
	return k.pipeline(b, cfg.SharedBytes)
}

// checkPointers rejects pointer arguments that are neither null nor inside
// an allocation of this device: a kernel dereferencing a wild address
// crashes a CPU implementation (lavapipe) and loses a GPU device.
func (k *kernel) checkPointers(args []byte) error {
	d := k.exe.dev
	for i, p := range k.meta.Params {
		if !p.Pointer || p.Size != 8 || int(p.Offset)+8 > len(args) {
			continue
		}
		addr := binary.LittleEndian.Uint64(args[p.Offset:])
		if addr == 0 && d.hostExecuted {
			return fmt.Errorf("hal/vulkan: launch %q: argument %d is a null pointer, refused on %s: it runs shaders as native code on its own threads, where a null dereference ends the process (a GPU would report VK_ERROR_DEVICE_LOST): %w",
				k.meta.Name, i, d.info.Name, hal.ErrInvalidValue)
		}
		if addr == 0 {
			continue
		}
		if _, _, ok := d.allocs.find(addr, 0); !ok {
			// One past the end of an allocation is a valid C pointer.
			if _, _, ok := d.allocs.find(addr-1, 1); !ok {
				return fmt.Errorf("hal/vulkan: launch %q: argument %d is the address %#x, which is not inside an allocation of device %d: %w",
					k.meta.Name, i, addr, d.ordinal, hal.ErrInvalidValue)
			}
		}
	}
	return nil
}

// pipeline returns the cached pipeline for a block size and dynamic shared
// size, creating it with specialization constants 0,1,2 = block size and
// 3 = dynamic shared bytes.
func (k *kernel) pipeline(b hal.Dim3, shared uint32) (C.VkPipeline, error) {
	key := pipeKey{b, shared}
	for i, id := range k.meta.LocalSizeSpecIDs {
		if id < 0 {
			key.block = setDim(key.block, i, 0)
		}
	}
	if k.meta.DynamicSharedSpecID < 0 {
		key.shared = 0
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if p, ok := k.pipes[key]; ok {
		return p, nil
	}
	var ids, vals [4]C.uint32_t
	n := 0
	for i, v := range [3]uint32{b.X, b.Y, b.Z} {
		if id := k.meta.LocalSizeSpecIDs[i]; id >= 0 {
			ids[n], vals[n] = C.uint32_t(id), C.uint32_t(v)
			n++
		}
	}
	if k.meta.DynamicSharedSpecID >= 0 && shared > 0 {
		ids[n], vals[n] = C.uint32_t(k.meta.DynamicSharedSpecID), C.uint32_t(shared)
		n++
	}
	var extra [2]C.uint32_t
	var extraIDs [2]C.uint32_t
	ne := 0
	if g := k.exe.globals; g != nil {
		extraIDs[0], extra[0] = spirvgen.SpecGlobalsLo, C.uint32_t(uint32(g.base))
		extraIDs[1], extra[1] = spirvgen.SpecGlobalsHi, C.uint32_t(uint32(g.base>>32))
		ne = 2
	}
	var allIDs, allVals [6]C.uint32_t
	copy(allIDs[:], ids[:n])
	copy(allVals[:], vals[:n])
	copy(allIDs[n:], extraIDs[:ne])
	copy(allVals[n:], extra[:ne])
	n += ne
	subgroup := C.uint32_t(0)
	if k.meta.subgroup32 {
		subgroup = 32
	}
	d := k.exe.dev
	var p C.VkPipeline
	r := C.shal_create_pipeline(d.c, k.exe.module, k.cname, k.layout, C.uint32_t(n), &allIDs[0], &allVals[0], subgroup, C.uint32_t(b.X), &p)
	if err := check(r, "launch %q: create pipeline for block (%d,%d,%d), %d shared bytes", k.meta.Name, b.X, b.Y, b.Z, shared); err != nil {
		return 0, err
	}
	k.pipes[key] = p
	if d.c.captureStats != 0 {
		var buf [2048]C.char
		if C.shal_pipeline_stats(d.c, p, &buf[0], C.size_t(len(buf))) >= 0 {
			fmt.Fprintf(os.Stderr, "hal/vulkan: pipeline %s, block (%d,%d,%d), %d shared bytes: %s\n", k.meta.Name, b.X, b.Y, b.Z, shared, C.GoString(&buf[0]))
		}
	}
	return p, nil
}

// pipelineStatsEnv, when set, makes each Vulkan device that has
// VK_KHR_pipeline_executable_properties capture its compiler's statistics
// of every kernel pipeline (registers, instructions, as the driver names
// them) and print them to stderr: a diagnostic for comparing translated
// PTX with hand-written GLSL on a GPU.
const pipelineStatsEnv = "STREAM_HAL_VK_PIPELINE_STATS"

func setDim(d hal.Dim3, i int, v uint32) hal.Dim3 {
	switch i {
	case 0:
		d.X = v
	case 1:
		d.Y = v
	default:
		d.Z = v
	}
	return d
}

// pushSize is the push-constant range: the block's extent rounded up to the
// 4-byte multiple Vulkan requires.
func (k *kernel) pushSize() uint32 { return (k.meta.PushConstantSize + 3) &^ 3 }

// argBytes is how many argument bytes a launch must pass.
func (k *kernel) argBytes() uint32 {
	if k.meta.ptx {
		return k.meta.argsSize
	}
	return k.meta.PushConstantSize
}

// pushBlock is the push-constant block of a launch (its first pushSize
// bytes): cfg.Args where they fill it and the kernel reads no grid size,
// else a copy padded to pushSize with the grid size where a translated
// kernel reads %nctaid.
func (k *kernel) pushBlock(cfg hal.LaunchConfig) []byte {
	push := k.pushSize()
	if uint32(len(cfg.Args)) >= push && k.meta.gridOffset < 0 {
		return cfg.Args[:push]
	}
	a := make([]byte, push)
	k.fillPush(a, cfg)
	return a
}

// fillPush writes the push-constant block of a launch into a (pushSize
// bytes, zeroed): the arguments, and the grid where the kernel reads it.
func (k *kernel) fillPush(a []byte, cfg hal.LaunchConfig) {
	copy(a, cfg.Args)
	if o := k.meta.gridOffset; o >= 0 && o+12 <= len(a) {
		binary.LittleEndian.PutUint32(a[o:], cfg.Grid.X)
		binary.LittleEndian.PutUint32(a[o+4:], cfg.Grid.Y)
		binary.LittleEndian.PutUint32(a[o+8:], cfg.Grid.Z)
	}
}

// record writes a dispatch of k into cb (split where the grid is larger
// than maxComputeWorkGroupCount). st is what cb has bound from
// its earlier dispatches (nil: assume nothing): the pipeline is bound, and
// the push constants pushed, only where they differ from st's. Bindings
// and push constants stay in a command buffer across dispatches and
// barriers, so a queue launching one kernel again and again records a
// barrier and a dispatch each time (on lavapipe every command recorded is
// also freed when the buffer is reused).
func (k *kernel) record(cb C.VkCommandBuffer, barrier bool, p C.VkPipeline, cfg hal.LaunchConfig, st *bindState) {
	d := k.exe.dev
	size := k.pushSize()
	var block []byte
	if st != nil && int(size) <= len(st.next) {
		block = st.next[:size]
		clear(block)
		k.fillPush(block, cfg)
	} else {
		block = k.pushBlock(cfg)
	}
	bind := p
	if st != nil {
		if st.pipe == p && st.n == int(size) && bytes.Equal(st.push[:size], block) {
			size = 0 // the same pipeline, the same bytes: nothing to push
			st.skipped++
		}
		if st.pipe == p {
			bind = 0
			st.skipped++
		}
		st.pipe = p
		if size > 0 {
			st.n = copy(st.push[:], block)
		}
	}
	C.shal_cmd_dispatch(d.c, cb, cbool(barrier), bind, k.layout, cbytes(block), C.uint32_t(size),
		C.uint32_t(cfg.Grid.X), C.uint32_t(cfg.Grid.Y), C.uint32_t(cfg.Grid.Z),
		C.uint32_t(d.maxGroups[0]), C.uint32_t(d.maxGroups[1]), C.uint32_t(d.maxGroups[2]))
}

// maxPushBytes bounds the push-constant blocks that bindState holds (the
// devices' maxPushConstantsSize is 128 to 256); a larger block is built
// and pushed as before.
const maxPushBytes = 256

// bindState is what a command buffer being recorded has bound: the compute
// pipeline of its last dispatch (0: none known) and the push-constant
// bytes it pushed. next is scratch for the next launch's block, so that
// building it allocates nothing.
type bindState struct {
	pipe C.VkPipeline
	n    int
	push [maxPushBytes]byte
	next [maxPushBytes]byte
	// skipped counts the binds and pushes left out (for tests)
	skipped int
}

// forget says that something else (another pipeline, a new buffer) may
// have changed the bindings.
func (s *bindState) forget() { s.pipe, s.n = 0, 0 }
