// Command streamhal lists streamhal devices, benchmarks a device, runs a
// kernel from the command line, builds a CUDA source into a module for
// every backend, and compares a launch on two backends.
//
// Install it with
//
//	go install github.com/streamhal/streamhal/cmd/streamhal@latest
//
// # streamhal devices [-backend NAME] [-json]
//
// Lists every device of every backend, like deviceQuery or vulkaninfo
// --summary: name, backend, ordinal, memory, compute capability (CPU: 0.0;
// Vulkan: the API version), multiprocessors, block and grid limits, shared
// memory per block, warp size, PCI bus id and UUID, the peer access matrix
// (Device.CanAccessPeer), and one line per driver that is not available
// saying why (library not found, no device). Drivers that cannot run are
// reported, not fatal; with -backend only that driver is opened, and the
// exit status is 1 when it has no device.
//
// With -json it prints one object, version 1 of a stable shape (fields may
// be added within a version, never renamed or removed):
//
//	{
//	  "version": 1,
//	  "devices": [{
//	    "ordinal": 0,                        // index in the runtime (all backends)
//	    "name": "...", "backend": "cpu", "backend_ordinal": 0, "arch": "x86_64",
//	    "uuid": "8-4-4-4-12 hex", "pci_bus_id": "0000:00:00.0",
//	    "total_memory_bytes": N, "free_memory_bytes": N,
//	    "compute_capability": "0.0", "compute_major": 0, "compute_minor": 0,
//	    "multiprocessors": N, "max_threads_per_block": N,
//	    "max_block_dim": [x, y, z], "max_grid_dim": [x, y, z],
//	    "shared_memory_per_block_bytes": N, "shared_memory_per_block_optin_bytes": N,
//	    "warp_size": N, "clock_rate_khz": N, "l2_cache_bytes": N,    // 0: not known
//	    "integrated": bool, "unified_addressing": bool, "managed_memory": bool,
//	    "concurrent_kernels": bool, "cooperative_launch": bool, "memory_pools": bool,
//	    "peer_access": [ordinals whose memory this device can access]
//	  }],
//	  "peer_access": [[bool]],               // [i][j]: devices[i] can access devices[j]'s memory
//	  "backends": [{"name": "cuda", "available": false, "devices": 0,
//	                "error": "why, when not available"}]
//	}
//
// # streamhal bench [-backend NAME] [-device N] [-module FILE] [-quick] [-json]
//
// Runs the standard benchmark table on one device, each row against its
// baseline measured in the same run: the operation and its baseline
// alternate in one loop (which goes first alternates too), so machine noise
// hits both, and each is reported as the median over the rounds. The rows
// (ids in parentheses) are launch enqueue of an empty kernel, in runs of
// 64 launches between untimed synchronizes, so that the driver's launch
// queue never fills (absolute on the CPU) (launch_enqueue); launch+synchronize (launch_sync), event
// record+synchronize (event_sync) and host function+synchronize
// (host_func_sync) round trips; HtoD and DtoH bandwidth from pageable and
// page-locked memory (htod_pageable, htod_pinned, dtoh_pageable,
// dtoh_pinned); DtoD bandwidth (dtod); vector_add of 64M floats
// (vector_add); graph replay cost per node of a 1000-node chain of empty
// kernels against the same launches issued eagerly (graph_per_node); and
// pool MallocAsync+FreeAsync (pool_alloc).
//
// Baselines on the CPU backend: a Go channel round trip to a goroutine for
// the round trips (the floor of a synchronous cross-thread hand-off), Go's
// copy of the same size for the copies, hal/cpu/cbench.Pool (plain C on a
// persistent pthread pool over all cores, on the same memory) for
// vector_add, Malloc+Free for pool_alloc. On the CUDA backend every row has
// a plain-C baseline (hal/cuda's cbaseline.go: loops in C calling libcuda,
// the same buffers for copies and vector_add, cuLaunchHostFunc for
// host_func_sync, the same chain as a native CUDA graph for graph_per_node,
// cuMemAllocAsync+cuMemFreeAsync for pool_alloc). On the Vulkan backend the
// launch, event, copy and vector_add rows have a plain-C baseline on the
// same device and VkQueue (hal/vulkan's cbaseline.c: vkQueueSubmit and a
// timeline semaphore wait, the same pipelines and buffers); on HIP the
// host-baseline rows report "n/a".
//
// Progress lines ("bench: [3/12] event record + synchronize ...") go to
// standard error; the table, or with -json this object (version 1), to
// standard output:
//
//	{
//	  "version": 1,
//	  "device": {"ordinal": 0, "name": "...", "backend": "cpu"},
//	  "module": "testdata/test_kernels.fat",
//	  "quick": false,
//	  "rows": [{
//	    "id": "htod_pageable", "name": "HtoD pageable 64 MiB",
//	    "value": 9.8, "unit": "GB/s",          // units: us, ms, GB/s, ns/node
//	    "baseline": 10.1,                       // null when the row has none
//	    "baseline_name": "Go copy of 64 MiB",  // or why there is none
//	    "ratio": 1.03,                          // operation time / baseline time; null without baseline
//	    "rounds": 31, "ops_per_round": 2
//	  }]
//	}
//
// -quick uses 4 MiB copies and 1M-element vectors with short rounds (a few
// seconds); the full run (64 MiB, 64M floats) takes about a minute. The
// kernels come from -module, by default testdata/test_kernels.fat found in
// the working directory or its parents, then beside the command's source.
//
// # streamhal run-kernel -kernel NAME -grid X[,Y,Z] -block X[,Y,Z] ...
//
// Loads a module file (-module, any format streamhal loads; by default the
// test kernels as for bench), launches one kernel with arguments given on
// the command line, and writes (-out IDX=PATH) or prints (-print IDX[:N])
// buffer arguments afterwards. -shared N sets the dynamic shared memory,
// -list prints the module's binaries and each kernel's parameter layout.
// The argument syntax:
//
//	TYPE:VALUE            a scalar; TYPE is u8 i8 u16 i16 u32 i32 u64 i64 f32 f64
//	raw:HEX               raw bytes (a small struct), placed at the parameter's offset
//	null                  a null pointer
//	buf:TYPE:N=INIT       a device buffer of N elements, passed as its address;
//	                      INIT: zero | gen:iota | gen:const:V | gen:rand:SEED | file:PATH
//	buf:TYPE=file:PATH    the same, N from the file's size (raw little-endian)
//
// For example:
//
//	streamhal run-kernel -kernel vector_add -grid 4 -block 256 \
//	  -args "buf:f32:1024=gen:iota buf:f32:1024=gen:const:0.5 buf:f32:1024=zero u32:1024" \
//	  -print 2 -out 2=c.bin
//
// Arguments are checked against the kernel's parameter layout (count, sizes,
// pointers) before anything is allocated; an unknown kernel lists the
// module's kernels.
//
// Exit status: 0 on success, 1 when the command failed (or devices found no
// device), 2 for a bad command line. STREAM_HAL_TEST_TARGET,
// STREAM_HAL_DEVICE_ORDINAL, STREAM_HAL_CPU_DEVICES and STREAM_HAL_LOG_LEVEL
// apply as in package streaming.
//
// # streamhal build [-o FILE.fat] [-arch sm_80,...] [-amdgpu gfx90a,...] [-cpu=false] [-nvcc] SOURCE.cu
//
// Compiles one CUDA C++ source for every backend into a streamhal fat
// module: PTX per -arch (clang, or nvcc with -nvcc), AMDGPU code objects
// per -amdgpu target (clang and ld.lld), a CPU library translated from the
// PTX (ptx/cgen and the C compiler); the Vulkan backend translates the PTX
// at load time, and build warns when ptx/spirvgen refuses it. The source
// gets kernels/gpu/shal_gpu.h (embedded) included, the CUDA device API
// without the CUDA toolkit. Compiler errors name SOURCE:LINE:COLUMN; a
// missing compiler is reported with the Debian packages to install. See
// kernels/README.md.
//
// # streamhal check -kernel NAME -grid X -block X -args "..." [-backends A,B] [-ulp N]
//
// Runs one launch (run-kernel's arguments) on two backends with the same
// inputs and compares every buffer argument: integers bit for bit, floats
// within -ulp units in the last place; prints the first differences of
// each buffer and exits with status 1 when there are any.
package main
