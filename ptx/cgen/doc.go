// Package cgen translates PTX into C for the CPU backend: the C compiles
// (with the flags in CFlags and LDFlags) into a CPU kernel library of the
// ABI in kernels/streamhal_cpu.h, which hal/cpu loads like any other.
//
//	res, err := cgen.Translate(ptxSource, cgen.Options{})
//	// res.C: one self-contained translation unit (ABI header included)
//	// res.Kernels: names, entry symbols, parameter layouts, shared memory
//	// cc -O2 -fPIC -shared $(CFlags) -o k.so k.c $(LDFlags)
//
// Version changes whenever the generated C changes; caches of compiled
// libraries key on BuildID (Version and a hash of the embedded C runtime),
// the PTX and the compiler's identity, and never translate on a hit, so a
// change to the output under an old Version would serve stale libraries:
// TestVersionCoversOutput records the output's hash per Version and fails
// until both are updated.
//
// # Execution scheme
//
// A CPU kernel library's entry point runs a range of blocks of a launch
// on one OS thread. Every translated kernel gets such an entry; what it
// does inside a block depends on whether the kernel has sync points —
// instructions that need other threads to arrive: bar.sync, barrier.sync,
// bar.red, bar.arrive (block level), shfl, vote, match, redux,
// bar.warp.sync, activemask and elect (warp level), and calls to functions
// containing them, which the front end inlines (ptx.InlineSyncCalls;
// recursion through such functions is an error).
//
// A kernel without sync points becomes a per-thread C function, inlined
// into three loops over the block's threads (x fastest). Registers are C
// locals of exact-width types, so the C compiler keeps them in machine
// registers and optimizes across the loop. Control flow is C labels and
// goto; ret and exit return.
//
// Most elementwise kernels begin with the 1-D guard
// "i = ctaid.x*ntid.x + tid.x; if (i >= n) return" (in 32 or 64 bits,
// signed or unsigned, < or <=, any operand order). A loop with that branch
// in it stays scalar, so for such a kernel the translator also writes the
// thread function without the guard and a function computing n once per
// block; for a 1-D block whose indices cannot wrap around, the entry runs
// only the threads below n, in a loop over the global index that the C
// compiler vectorizes (the threads it skips would only have computed the
// guard and returned). Other blocks run the plain loop.
//
// A kernel with sync points is cut at them. Its per-thread function (the
// step function) starts with a switch on the thread's resume point: 0
// starts at the top, k jumps to the label right after sync point k. At a
// sync point the thread stores the registers live across it (from the
// liveness analysis) and the operation's operands in its frame, records
// what it waits for, and returns. A block scheduler (shal_run_block in the
// runtime below) keeps one frame per thread and repeats: run every
// runnable lane of each warp to its next sync point; complete the warp
// operations whose participants have all arrived (the member mask's
// non-exited lanes, all waiting at an operation of the same kind and mask;
// operations without a mask — activemask and the old shfl/vote — take the
// lanes that reached the same instruction once the masked ones made
// progress), which writes each lane's result into its frame and lets it
// run again; release block barriers that every expected thread reached
// (all non-exited threads of the block, or the thread count given to
// bar.sync/bar.arrive; barriers 0 to 15; bar.red reduces the arrivals'
// predicates). When nothing can move and some thread has not exited, the
// block deadlocked (threads wait at different barriers): the launch
// faults. Barriers therefore work anywhere CUDA allows them: inside loops,
// after divergent code that reconverges, after some threads exited. Warps
// are 32 consecutive linear thread ids (%laneid = tid % 32, %warpid =
// tid / 32); the last warp of a block may be partial.
//
// A kernel whose only sync points are block-wide barriers (bar.sync or
// barrier.sync without a thread count; no warp operations, no bar.arrive)
// has a faster scheduler: phase by phase, every live thread runs from the
// barrier all of them reached to the next one in one pass, the step
// function inlined and entered at that resume point directly, with no
// per-warp or per-barrier bookkeeping. CUDA requires such barriers to be
// reached by the whole block alike; if the threads of a block stop at
// different barriers, the general scheduler takes the block over where it
// is. A register is stored into the frame where it is assigned when all
// its assignments are outside loops (kernel setup values), and otherwise
// at a sync point only if it may have changed since the last resume
// point, so a loop with barriers in it does not store its invariant
// registers on every iteration.
//
// Most kernels of that kind run as work-item loops instead (next
// section); the uniform scheduler takes the others.
//
// # Work-item loops
//
// A kernel whose only sync points are unguarded block-wide barriers with
// a constant barrier number (bar.sync 0, __syncthreads()), with no .local
// memory and no calls, runs as work-item loops, as PoCL runs OpenCL work
// groups: the kernel is split at its barriers into regions (region 0 from
// the start, region k from barrier k to whichever barrier or exit each
// thread reaches next), and a region is one C function holding a loop over
// the block's threads (x fastest) around a copy of the kernel's body
// entered at the region's start; the C compiler drops the code the region
// cannot reach. Values live across a barrier are kept in three ways:
//
//   - recomputed at the region's start, when the register has a single,
//     unguarded definition outside loops that runs before the barrier, by
//     a pure operation of constants, symbols, kernel parameters, the
//     thread's and the block's indices and sizes and other such registers
//     (addresses such as &As[ty][tx], predicates such as tx < 16): the C
//     compiler then sees them as functions of the loop's index, so
//     shared-memory accesses through them are affine;
//   - in one slot per block, when a divergence analysis proves the
//     register block-uniform (every definition a pure operation of
//     uniform values, and in no block that a branch on a thread-dependent
//     condition controls, loops with such an exit included) and every
//     barrier of the kernel lies in such uncontrolled code: loop counters
//     and the stride of a tree reduction. Every thread then runs the same
//     uniform code from one barrier to the next and stops at the same
//     barrier (or exits), so the threads that stop there write one value
//     into a local of the region, which is stored once after its loop and
//     read once before the next region's loop; a branch on such a
//     register is invariant in that loop, which the C compiler
//     unswitches. (A barrier under a thread-dependent branch in a uniform
//     loop can be reached by different threads in different iterations,
//     with different counters: such a kernel keeps every register in
//     per-thread slots);
//   - otherwise in a context array, one slot per thread (an accumulator),
//     written at the barrier and read at the next region's start.
//
// Three rewrites help the C compiler vectorize the loops. A 32-bit index
// that is some value u plus tid.x (add or mad.lo ending in %tid.x, as
// blockIdx.x*blockDim.x+threadIdx.x is) and is widened to 64 bits
// (mul.wide.u32, for an address) becomes, with u recomputed as the index
// minus tx, u <= 0xffffffff - (ntid.x - 1) ? (uint64_t)u + tx : the
// zero-extended index: the same value, under a condition invariant in
// the loop, so the C compiler versions the loop on it, and in the version
// where the index cannot wrap the accesses are contiguous, not gathers.
// An unsigned comparison of such an index with a value the same for the
// whole block, used only by the branch right after it (the guard
// if (i < n) of a load), is known for every thread when u + ntid.x - 1
// neither wraps nor reaches that value, and is written as that constant
// under this condition, so that the loop is versioned on it too: in the
// version for a block wholly inside the array the loads are plain vector
// loads, not masked ones (which on the AMD host the benchmarks ran on were
// slower than the hand-written kernel's scalar loop). And a region that compares tid.x with a constant for equality
// (if (threadIdx.x == 0), a block's result) runs each row's thread x = 0
// apart, before a loop over x from 1 in which the comparison folds away,
// so that the tail of a reduction becomes a fill of the stop-point
// records instead of a scalar loop over all threads (other regions loop
// from x = 0, which leaves the vectorized loop no scalar remainder when
// the row is a multiple of the vector length).
//
// Every thread records the barrier it stopped at (or that it exited); a
// second loop over these records tells the runner the next region. In a
// kernel whose barriers all lie in code every thread runs (as for
// uniform slots above), the threads that have not exited all stop at the
// same barrier, so a region records that barrier once for the block and,
// per thread, only an exit, and needs no second loop. When the stop points
// differ — threads returned before a barrier the others wait at, or the
// threads of a block wait at different bar.sync instructions, which sm_70
// and later count as one barrier — the runner stores every thread's state
// into the frames of the general scheduler, as its step function would
// have left it, and the general scheduler runs the block to its end.
// Inside a region the threads are independent (a GPU runs them
// concurrently; only atomics, which the C compiler never reorders, may
// tie them together), so the region's loop carries #pragma GCC ivdep, and
// each region works on a private copy of the kernel's arguments, so that
// parameter loads leave the loop. A kernel whose body times its regions
// exceeds 20000 instructions keeps the uniform scheduler, to bound the C's
// size.
//
// Frames, the shared memory window and .local arrays of cut kernels live
// in a per-OS-thread scratch buffer of the library (grown on demand, freed
// when the library is unloaded), so no ABI change is needed; kernels
// without sync points keep .local arrays on the C stack.
//
// # Cooperative launches
//
// CUDA 11 and later implement cooperative groups' grid_group::sync()
// inline: the kernel reads the address of the launch's grid workspace from
// %envreg1 (high half) and %envreg2 (low half), then, between two
// bar.sync 0, thread 0 of each block adds to its barrier word with
// atom.add.release.gpu and polls it with ld.acquire.gpu until the top bit
// flips (block 0 adds 0x80000000 - (blocks - 1), every other block 1). The
// translator maps the two registers to shal_launch.grid_workspace, which
// the CPU driver points at such a workspace in a cooperative launch (NULL
// otherwise, as on CUDA, so grid.sync() outside one traps as cooperative
// groups do), and marks a kernel that reads them
// SHAL_KERNEL_FLAG_CORESIDENT: the driver then runs every block of a
// cooperative launch at once, each on its own thread, and the PTX's own
// polling loop is the grid barrier, as on a GPU. Loads that may poll
// memory other blocks write (volatile, or .relaxed/.acquire beyond the
// block, and atom.cas/atom.exch, on global or generic addresses) yield the
// CPU every 256 executions, since the writer may be waiting for a core,
// and leave the kernel when the driver marks the workspace aborted
// because another block faulted. The other environment registers are
// refused.
//
// # Memory
//
// Generic addresses are host addresses (on the CPU backend a device
// pointer is one). .global and .const variables are C arrays in the
// library with their initializers (address initializers, whole or byte by
// byte, are patched by a constructor), listed in the library table so
// cuModuleGetGlobal finds them. .shared addresses are offsets into the
// block's shared window: module-scope variables first, then the kernel's
// own, then the dynamic (extern .shared) part at an offset common to all
// kernels; cvta.shared, cvta.to.shared and isspacep.shared convert between
// offsets and generic addresses, and 32-bit shared addressing works.
// .local addresses are offsets into the current function's local window
// in the same way (nvcc's __local_depot with %SP/%SPL included). Kernel
// parameters are read from a copy of the packed argument buffer; their
// .param addresses are host addresses, as are those of call arguments
// (each .param of a call is a byte array passed by pointer, so structs by
// value work).
//
// Atomics use the C11 __atomic builtins with the PTX order (.relaxed,
// .acquire, .release, .acq_rel; .sc as sequentially consistent; relaxed
// when none), CAS loops for float add, min/max, inc and dec. All scopes
// are the same on the CPU. membar/fence.cta order only the compiler (one OS
// thread runs a block); wider fences are thread fences. cp.async copies
// synchronously (zero-filling past src-size), so its commit/wait forms are
// no-ops; prefetch, applypriority, discard and nanosleep do nothing.
//
// # Semantics
//
// Integer arithmetic is done on unsigned C types, so it wraps as PTX does
// and signed overflow is never undefined behaviour. Shifts by the width or
// more give 0 (shr.s: the sign). Division by zero does not trap: x/0 and
// x%0 are all ones, signed or unsigned, whatever x (what the H100 gives);
// INT_MIN divided by -1 wraps to INT_MIN with remainder 0. abs and neg of
// .f16, .bf16, .f16x2 and .bf16x2 turn a NaN half into the canonical NaN
// 0x7fff, as the H100 does; other halves have their sign cleared or
// flipped.
//
// Floating-point operations without a rounding modifier, or with .rn, are
// the C operations (IEEE, round to nearest even; the code must be compiled
// without -ffast-math and with -ffp-contract=off, as CFlags says). .rz, .rm
// and .rp are exact: the operation runs in a helper that sets the FPU
// rounding mode around it behind compiler barriers. .ftz flushes f32
// subnormal inputs and results to signed zero; .sat clamps to [0, 1] (NaN
// to 0). min and max return the non-NaN operand (both NaN: the canonical
// NaN; .NaN: NaN if either is) and order -0 below +0. Float-to-integer
// conversions round as asked and saturate; NaN converts to 0 for f32 to a
// 32-bit integer and to 1 << (n-1) otherwise, as the hardware does. f16
// and bf16 values are rounded in software from exact double-precision
// values (sums are computed exactly and rounded to odd first), so every
// rounding is correct; NaN payloads in general are not kept (PTX leaves
// them open).
//
// The approximate instructions are computed more accurately than PTX
// requires, with glibc's libm: rcp.approx, sqrt.approx, div.approx and
// div.full are the correctly rounded IEEE operations (PTX allows 1 or 2
// ulp), except that div.approx.f32 returns 0 (NaN for an infinite
// dividend) for divisors of magnitude in (2^126, 2^128), as PTX specifies;
// rsqrt.approx.f32 is 1/sqrt in double precision rounded once (within 1
// ulp; PTX: relative error 2^-22.9); ex2, lg2, sin and cos .approx.f32 are
// exp2f, log2f, sinf and cosf (within 1 ulp on glibc; PTX allows 2^-22.5
// relative for ex2, 2^-22.6 absolute for lg2 near 1, 2^-20.5 absolute for
// sin and cos on [-pi, pi]); tanh.approx.f32 is tanhf (within 2 ulp; PTX:
// 2^-11 relative). The f16/bf16 forms of ex2 and tanh compute in f32 and
// round once.
//
// # Special registers
//
// %tid, %ntid, %ctaid, %nctaid, %laneid, %warpid and %nwarpid are exact;
// %smid is the worker's index and %nsmid at least 256; %gridid identifies
// the launch; %clock and %clock64 count nanoseconds of a monotonic clock,
// %globaltimer nanoseconds since the epoch; %dynamic_smem_size and
// %total_smem_size the launch's shared memory; %pm* reads 0. %envreg1 and
// %envreg2 hold the grid workspace's address (see Cooperative launches);
// the other %envreg registers are refused.
// Thread block clusters are emulated as clusters of one block: %clusterid
// and %nclusterid equal %ctaid and %nctaid, %cluster_ctaid is 0,
// %cluster_nctaid 1, %cluster_ctarank 0, %cluster_nctarank 1.
//
// # Faults
//
// trap, brkpt, a brx.idx index out of its table, an indirect call through
// a null pointer, a deadlocked block and a failed scratch allocation stop
// the current range of blocks and are recorded in the library, per OS
// thread; the driver reads and clears the record with the library's
// optional export
//
//	uint32_t streamhal_cpu_take_fault(char* msg, uint32_t len);
//
// (0: no fault; 1 trap, 2 deadlock, 3 out of memory, 4 bad call, 5 left a
// cooperative launch another block aborted) on the same thread right after
// each entry call, so the fault belongs to exactly that range of blocks,
// and fails the launch with the message (CUDA reports a trap as
// CUDA_ERROR_LAUNCH_FAILED, and so does the CPU backend for all of them).
// Libraries without the export behave as before.
//
// # printf and assert
//
// Calls to the CUDA runtime's vprintf (what printf in CUDA C compiles to)
// and __assertfail (assert) are the runtime's own (prelude.h). vprintf
// reads the argument buffer the compiler laid out (each argument after
// C's promotions, aligned to its size) by the format's conversions, as
// CUDA documents them (flags, width and precision with '*', the sizes
// h, l and ll, the types c d i o u x X p e E f F g G a A s) and formats
// the call's text with the C library into the library's 1 MiB output
// buffer. As CUDA prints its printf FIFO, the driver writes the buffer to
// standard output at synchronization points (queue and event waits,
// module unload) through the library's streamhal_cpu_flush_output, so a
// kernel's output comes out where it would on a GPU relative to the
// host's; a full buffer is written out at once rather than dropped. At
// most 32 arguments are used, as on CUDA; %n writes nothing.
// __assertfail writes CUDA's message ("file:line: function: block:
// [x,y,z], thread: [x,y,z] Assertion `expr` failed.") to standard error
// and ends the thread (as a trap ends it on the GPU); the other threads
// run on, and every failing one prints, as on CUDA. The launch then fails
// with the first assert's message, which the driver reports as
// hal.ErrAssert (CUDA_ERROR_ASSERT; on CUDA the context is then unusable,
// and the CPU backend's fault is sticky likewise).
//
// # Performance
//
// Kernels without sync points run as fast as hand-written C: their thread
// loops are what a C compiler optimizes well, and guarded 1-D loops
// vectorize. Kernels with barriers run as work-item loops: a region
// whose code the C compiler can if-convert vectorizes (the phases of a
// shared-memory tree reduction do); one with a load under a
// thread-dependent condition from an address GCC cannot prove safe (the
// multiply phase of a tiled matrix multiplication, guarded by
// tx < 16 && ty < 16), or with addresses computed in 32-bit arithmetic
// that may wrap (PTX's mul.wide of a 32-bit index), stays scalar, where
// hand-written SHAL C, whose shared arrays are C arrays of known size,
// vectorizes. A barrier costs a call of the next region's function and
// a loop over the block's threads; where the barriers lie in uniform code,
// nothing per thread is stored for the block-uniform values or the stop
// point, so the phases of a tree reduction cost little more than the
// hand-written loops. The README has the numbers, from hal/cpu's
// BenchmarkPTXKernels.
//
// # Refused
//
// The front end refuses, with an error naming the instruction and its
// line (as a PTX JIT log does): textures and surfaces, tensor-core
// instructions (mma, wmma, wgmma, ldmatrix, stmatrix), bulk asynchronous
// copies and tensor maps, mbarrier objects, griddepcontrol, distributed
// shared memory and cluster barriers, video instructions, 8-bit and tf32
// float conversions, .address_size 32, %envreg registers other than 1
// and 2, and calls to functions that are declared but not defined in the
// module other than vprintf and __assertfail (the CUDA device runtime's,
// such as malloc, or the cudaCG* functions through
// which CUDA 9 and 10 synchronized grids with -rdc=true; CUDA 11 and later
// inline grid.sync(), which is supported).
package cgen
