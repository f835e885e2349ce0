// Package vulkan is streamhal's Vulkan driver: it runs SPIR-V compute
// kernels with CUDA semantics on any Vulkan 1.2 device (GPUs, and lavapipe
// on the CPU). It registers itself as "vulkan"; import it for its side
// effects, or open it with hal.Open("vulkan", cfg).
//
// # Loading
//
// libvulkan.so.1 is opened at run time (hal/internal/dl); every other entry
// point comes from vkGetInstanceProcAddr and vkGetDeviceProcAddr. The types,
// enums and structures used are declared in vkdecl.h from the Vulkan
// specification, so no SDK is needed to build. Without the library, Open
// returns an error wrapping hal.ErrNotAvailable. A device is used when it
// has Vulkan 1.2, a compute queue, bufferDeviceAddress, timelineSemaphore
// and shaderInt64; each skipped device is logged with the reason. The
// features PTX kernels may use are enabled where the device has them
// (f64, 8/16-bit integers and storage, 64-bit atomics, the Vulkan memory
// model, VK_EXT_shader_atomic_float, VK_KHR_shader_clock,
// VK_EXT_subgroup_size_control).
//
// # Memory
//
// Device pointers are buffer device addresses: every allocation is one
// VkBuffer (storage, transfer, shader-device-address usage) bound to its own
// VkDeviceMemory, and a sorted address table resolves any address inside an
// allocation to (buffer, offset) for copies and fills. MemoryHost is
// host-visible coherent memory, mapped for its lifetime; MemoryManaged
// prefers host-visible device-local memory. Managed memory has a host
// mapping and a device address that differ (Vulkan cannot give one address
// to both), so DeviceInfo.ManagedMemory is false. Register imports host
// memory with VK_EXT_external_memory_host. Free and Unregister destroy the
// buffer only after the work already enqueued on the device is done.
//
// # Interprocess sharing
//
// The device implements hal.IPCDevice. Where it has VK_KHR_external_memory_fd
// (and exports and imports opaque fds of such buffers), MemoryDevice
// allocations are made exportable, ExportMemory hands out an opaque fd of
// the memory, and ImportMemory in another process imports it into a new
// buffer at a fresh device address that kernels use like any other; without
// the extension, memory handles are hal.ErrNotSupported naming it. The
// descriptor travels over an abstract Unix socket of the exporting process,
// named in the 64-byte handle, to processes of the same user. Interprocess
// events need no extension: their state is a shared page, recorded and
// waited for by host calls on the queues (ipc.go says why not exported
// timeline semaphores).
//
// # Kernels
//
// The driver loads SPIR-V, and PTX (bare, or the PTX of an nvcc fatbin or
// of a streamhal fat module without SPIR-V for the device) by translating
// it with package ptx/spirvgen for the device's features: every CUDA
// kernel shipped as PTX runs on any Vulkan device. Translations are
// cached on disk (internal/kbuild's cache, keyed by the PTX, the
// translator's version and the device's features). On the first PTX load
// the driver runs a probe kernel to learn whether the device's fma is
// fused (the translator emulates fma exactly where it is not, as on
// lavapipe). A translated kernel's parameters are the PTX's, at their C
// offsets in the push constants (with the grid size after them when the
// kernel reads %nctaid); pointer flags come from the PTX as for the other
// drivers. Its .global and .const variables live in a buffer the driver
// allocates and initialises at load (relocating address initializers),
// whose device address Executable.Global returns (cuModuleGetGlobal);
// pipelines get the buffer's address as specialization constants 4 and
// 5, and a required subgroup size of 32 when warp operations use
// subgroups. PTX that does not parse and PTX the translator refuses
// (naming the instruction, its line and any missing device feature) are
// load errors wrapping hal.ErrInvalidPTX and hal.ErrInvalidImage
// (CUDA_ERROR_INVALID_PTX, as a JIT and hal/cpu report them).
// Kernels' printf and assert calls leave records in a buffer of their
// module that queue Synchronize and event Wait print once the device is
// idle, and module Close before the module goes (printf.go; a failed
// assert fails that call with hal.ErrAssert, and an event wait's also the
// next queue Synchronize).
// STREAM_HAL_VULKAN_WARP=emulate makes warp
// operations use the shared-memory emulation even where subgroups could
// serve.
//
// A SPIR-V module is one VkShaderModule; its kernels' parameter layouts
// come from the push-constant block (hal/modfile.ParseSPIRV). Arguments are pushed as
// push constants, so a kernel's arguments must fit maxPushConstantsSize
// (128 bytes or more). Pipelines are created on first launch for each block
// size and dynamic shared size, with specialization constants 0, 1, 2 = the
// block size and 3 = dynamic shared bytes (kernels/README.md conventions),
// and cached. Grids larger than maxComputeWorkGroupCount are split into
// several vkCmdDispatchBase calls, so gl_WorkGroupID still numbers blocks
// across the whole grid. SPIR-V has no device-memory module globals, so
// Executable.Global fails with hal.ErrNotFound for SPIR-V modules.
//
// # Queues
//
// A hal queue records its operations into a command buffer with a memory
// barrier between consecutive operations, and submits it to a VkQueue
// (shared between hal queues under a mutex) when the device is idle, when
// the batch is full, or when an operation needs it submitted: Synchronize,
// Record, Wait, HostCall, Execute. Each queue owns a timeline semaphore that
// counts its submissions; every submission waits for the previous value, so
// the queue is in order. Events are (semaphore, value) pairs plus a
// timestamp query; waiting on another queue's event adds a semaphore wait to
// the next submission. Host calls run on one goroutine per queue, which
// waits for the preceding value and then signals the next one from the
// host. Graphs are recorded once into reusable command buffers, cut at host
// and event nodes, and replayed by Execute; Update re-records the affected
// segment.
//
// # Faults and Close
//
// A GPU reports a shader's memory fault as VK_ERROR_DEVICE_LOST; the driver
// maps it to hal.ErrIllegalAddress, which package streaming makes a sticky
// error of the context, as CUDA does with CUDA_ERROR_ILLEGAL_ADDRESS.
//
// A CPU implementation (lavapipe, VK_PHYSICAL_DEVICE_TYPE_CPU) runs shaders
// as native code on its own threads, which streamhal does not own: a shader
// that dereferences a bad address there raises SIGSEGV on a Mesa thread,
// where there is no point to return to, and the process ends (the CPU
// driver's fault containment, see hal/cpu, only covers its own workers).
// What can be refused before submission is: on such a device a launch
// whose pointer parameter is null is hal.ErrInvalidValue, and a pointer
// parameter outside every allocation was refused already (as on every
// device). An address computed wrongly inside the shader, or an index past
// the end of a buffer into unmapped memory, still ends the process: test
// such kernels with the CPU backend's memory-checking mode (hal/cpu).
// llvmpipe also ends a shader's loops after 65535 iterations in all (its
// guard against hung shaders): a kernel that loops longer computes a wrong
// result there, and no kernel can run forever.
//
// Device Close waits for the device's work at most hal.Config.CloseTimeout
// (30 s by default), counted from when a wait with a deadline first gave up
// on it; then it gives up, leaks the VkDevice and what it holds, and
// returns an error wrapping hal.ErrTimeout. Devices without a PCI location
// (VK_EXT_pci_bus_info; lavapipe has none) get a synthetic one,
// ffff:01:NN.0 for Vulkan device NN (hal.SyntheticPCIDomain).
//
// # Testing
//
// The tests run on lavapipe (mesa-vulkan-drivers). They skip when Vulkan is
// not available, unless STREAM_HAL_REQUIRE names vulkan. They find their
// SPIR-V in ./testdata (hal/vulkan's own kernels, rebuilt by
// testdata/build.sh) and the project's testdata (STREAM_HAL_TESTDATA
// overrides both), so a compiled test binary can run on another machine
// with the .spv files next to it.
package vulkan
