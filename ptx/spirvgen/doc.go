// Package spirvgen translates PTX into SPIR-V for Vulkan compute (the
// Shader capability, the Vulkan memory model, PhysicalStorageBuffer64
// addressing), so that a CUDA kernel shipped as PTX runs on any Vulkan
// device: the Vulkan driver (hal/vulkan) loads PTX, and the PTX inside fat
// modules and nvcc fatbins, through it.
//
//	res, err := spirvgen.Translate(ptxSource, spirvgen.Options{Target: target})
//	// res.SPIRV: one module, an entry point per .entry
//	// res.Kernels: parameters, push-constant layout, shared memory, flags
//	// res.Globals: the .global/.const buffer's layout, initial bytes, relocations
//
// The Target says what the device has (f64, 8/16-bit integers and
// storage, 64-bit and float atomics, clocks, 32-wide subgroups, whether
// its fma is fused); a kernel that needs something missing is refused
// with an *Error naming the Vulkan feature (errors.Is ErrMissingFeature).
// Version changes whenever the output does; caches key on it.
//
// # Passes
//
// The front end (package ptx) parses and checks the module. Then, per
// kernel: every call is inlined (inline.go; Vulkan has no recursion, and
// inlining lets the analyses see every pointer and branch; an indirect
// call becomes a brx.idx over the address-taken functions, whose pointer
// values are small integers; a kernel whose calls recurse is refused
// before anything is copied, with an error matching ErrRecursion that
// names the cycle, and so is one whose inlined size, summed over its call
// graph, passes a million instructions); ptx.BuildCFG; the address-space analysis
// (prov.go); the divergence analysis (diverge.go); the layout of the
// windows; then emission into a graph of blocks that package
// internal/spirv/structure turns into structured control flow (an
// irreducible graph is a load error naming where).
//
// # Values and memory
//
// Registers are Function variables (drivers promote them; no phis are
// needed), of unsigned integer types of the register's size, float and
// double for .f32/.f64 and bool for predicates; 16-bit floats are their
// bits. A generic address is the same number as the address in its own
// space, and cvta is the identity: which space a generic access means is
// decided by analysis (every register's possible origins: symbols, cvta,
// loads, and the registers it is computed from). The analysis tells an
// address from an integer offset: a register narrower than 64 bits never
// holds a generic address, so a 32-bit value loaded from memory (a kernel
// parameter widened by mul.wide, say) is an index; and an address of a
// known space plus an integer, or plus a 64-bit value loaded from memory,
// or minus an integer, is an address of that space (PTX has no use for
// the sum of two pointers, so the loaded value is the offset). Every other
// combination keeps the spaces of both operands. An access whose register
// may point to two spaces (a select between a shared and a global
// pointer), or that uses a value loaded from memory as the address after
// a shared or local address was stored there, is a load error naming the
// instruction. Global and constant memory are PhysicalStorageBuffer
// pointers made from the 64-bit device address, with the alignment PTX
// guarantees and NonPrivatePointer, so barriers and fences order them.
// Shared memory (static variables, then the dynamic part, sized by
// specialization constant 3), local memory (the kernel's .local variables
// and its calls' .param variables) and the argument block (push
// constants, at the C offsets) are arrays of 32-bit words addressed by
// byte offset: wider accesses use several words, narrower ones extract or
// insert bits, and narrow stores to shared memory use atomic and/or, so
// that no neighbour's byte is lost. A kernel with 64-bit shared atomics
// gets 64-bit shared words. .global and .const variables live in one
// buffer the driver allocates and initialises (addresses in initializers
// are relocations it patches); kernels find it through specialization
// constants 4 and 5. %nctaid comes from three words the driver appends to
// the push constants (a grid split into several dispatches still sees the
// whole grid); the block size is specialization constants 0 to 2, as the
// WorkgroupSize built-in.
//
// # Arithmetic
//
// Integer operations follow the C translator's semantics (ptx/cgen), which
// are the hardware's: wraparound, shifts by the width or more giving 0 or
// the sign, division and remainder by zero giving all ones (signed or
// unsigned, as on the H100), INT_MIN/-1 = INT_MIN. Signed division and
// remainder are computed from the unsigned quotient and remainder of the
// magnitudes, never OpSDiv, OpSRem or OpSMod (NVIDIA's driver computes
// OpSRem wrongly for negative operands). abs and neg of .f16, .bf16,
// .f16x2 and .bf16x2 turn a NaN half into the canonical NaN 0x7fff, as
// the H100 does.
//
// Subnormals are kept, as PTX keeps them without .ftz, through the
// DenormPreserve execution mode at the widths Target.DenormPreserve16/32/64
// name; .ftz flushes explicitly. Where the device cannot preserve f32
// subnormals (Target.DenormPreserve32 false) it may flush them: NVIDIA's
// driver does by default. Round-to-nearest add, sub and mul of
// f32 and f64 are the SPIR-V instructions (correctly rounded in Vulkan),
// marked NoContraction. Everything Vulkan does not round exactly is done in
// software (softfloat.go): directed roundings (.rz/.rm/.rp) via error-free
// transformations (TwoSum, Dekker's product or a fused fma) and rounding to
// odd, finished by an integer rounding routine that handles subnormals,
// overflow and every mode; f32 division and square root from double
// precision, corrected by the sign of the exact remainder; f64 division
// and square root refined from the device's result by exact residuals;
// f16/bf16 arithmetic in double precision, rounded once; fma on the
// device's Fma when the driver's probe finds it fused (NVIDIA), else
// emulated exactly (Boldo and Melquiond). A fused f32 Fma with a
// subnormal operand or a result below the smallest normal (zero
// included) is recomputed exactly in double precision: NVIDIA's driver
// flushes Fma's subnormals even under DenormPreserve. Consecutive fmas of
// a block share that test (fmarun.go): each folds the magnitudes of its
// operands and result into a run minimum, and one compare where the run
// ends guards an in-order recomputation of the whole run; a test and a
// branch after every fma doubled a matrix product's time on the H100,
// the runs make it 1.55x. Operands loaded from shared memory are tested
// where they are stored instead (sharedflag.go): a store that may leave a
// subnormal word sets a sticky Workgroup flag, and a run that read such
// values also tests the flag. Where the driver's probe finds the fused Fma
// flushing exactly as .ftz does (Target.FlushFMA32), fma.rn.ftz.f32 is
// that Fma alone. Where a probe finds that the compiler contracts an
// OpFMul and an OpFAdd of its product into an exact fused multiply-add
// that keeps subnormals (Target.ContractFMA32), fma.rn.f32 is written
// that way instead. The big routines (f64
// division, square root and fma, directed f64 add and mul, the exact f32
// fma) are out-of-line functions, one per module and rounding mode,
// called from every use (outline.go): inlined, an f64 division emulated
// on a device whose Fma rounds twice was thousands of instructions. An exact zero in
// .rm gets its sign as integer bits (+0 only for +0 + +0): a float select
// between +0 and -0 is folded by NVIDIA's compiler. Tiny and huge results are
// computed at a scale where the transformations are exact. The
// approximate instructions are computed in double precision (polynomials
// for ex2, lg2, sin, cos and tanh), within 1 ulp of f32: far inside PTX's
// bounds. min/max follow PTX's NaN and signed-zero rules.
//
// # Barriers and warps
//
// A warp is 32 consecutive linear thread ids, as on NVIDIA GPUs. A
// barrier that the whole block reaches together (no divergent branch
// controls it: diverge.go) is OpControlBarrier at workgroup scope,
// acquire-release on shared memory, and on device memory too where a
// global store, atomic or reduction may run before it and a global access
// after it, or a global read before it and a write after it; a read
// whose value every path stores to shared memory before the barrier does
// not count, as the barrier orders that store (sync.go: ordering device
// memory cost reduce_sum 1.27x on NVIDIA's driver, and GLSL's barrier()
// orders shared memory only). Warp operations use
// subgroup operations when the device runs 32-wide subgroups (the driver
// then creates the pipeline with a required subgroup size of 32, full
// subgroups when the block's x size allows); otherwise (lavapipe's
// subgroups are 8 wide) they are emulated through shared memory: each
// thread posts its operand, a barrier, each thread computes its result
// from its warp's slots (shfl with PTX's clamp and segment masks,
// out-of-range lanes giving their own value and a false predicate; vote,
// ballot, match, redux over the member mask's lanes; activemask; elect),
// a barrier. A kernel with a barrier or an emulated warp operation that
// not every thread reaches together (after an early exit, in a divergent
// branch, with a thread count, bar.arrive, bar.red) runs through the
// scheduler (sched.go): the kernel becomes a loop of rounds in which each
// thread runs to its next sync point and posts to shared memory, then,
// between two barriers every thread executes, the sync points whose
// participants have all arrived complete (barriers by arrival counts,
// warp operations when every non-exited lane of the member mask waits at
// the same kind of operation). The rules are the C translator's. Resuming
// at a sync point inside a loop that can go round without it (a barrier
// in an inner loop, with counters in .local memory the analysis cannot
// prove uniform) enters that loop at two places; reducible.go gives such
// a cycle one entry again, a switch on a per-thread variable.
//
// # Not supported
//
// Beyond what the front end refuses (textures, surfaces, tensor cores,
// bulk copies, clusters): 128-bit values, %envreg (the cooperative-groups
// grid workspace), grid-wide synchronization, isspacep.const, and
// argument blocks larger than maxPushConstantsSize (128 bytes on lavapipe,
// 256 on NVIDIA) with the grid size, and printf with arguments whose
// format is not a string constant of the module (printf.go). trap ends
// the thread (there is no fault report to the host; a failed assert is
// reported through its printf record). Each is a load error naming the
// instruction and its line.
//
// # printf and assert
//
// Calls of CUDA's vprintf and __assertfail become records in a module
// buffer that the driver prints on the host (printf.go has the scheme).
package spirvgen
