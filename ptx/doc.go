// Package ptx is a front end for NVIDIA PTX: a lexer and parser, a checker
// that turns the parse into a typed IR, and the analyses the translators
// (PTX to C for the CPU backend, PTX to SPIR-V for Vulkan) build on.
//
// Parse reads a module and checks it: every register is declared with a
// type, every label, variable, parameter and function exists, every
// instruction's modifiers are known for its operation and its operands
// agree with its type under the PTX ISA's type-checking rules (bit types
// agree with any type of their size, signed and unsigned integers with
// each other, floats only with themselves; ld, st and cvt accept wider
// registers), and an instruction form newer than the module's .version is
// refused, as ptxas refuses it (for the forms in isaversion.go's table,
// from the PTX ISA's notes). Problems are reported as *Error values (or an
// ErrorList) with the line and column, in the style of ptxas; they match
// ErrInvalidPTX with errors.Is, and valid PTX that the translators refuse
// (textures, surfaces, tensor cores, bulk copies, clusters) also matches
// ErrUnsupported.
//
// The IR keeps PTX's shape: a Module of global variables and functions, a
// Func with parameters laid out as a C struct (for kernels this is the
// packed launch argument buffer), registers, body-scope variables and a
// flat instruction list with labels. An Inst records its base operation
// ("ld", "shfl", "cp.async"), its decoded modifiers (types, state space,
// rounding, comparison, flags, memory order and scope) and its operands.
//
// The passes are separate and testable on their own:
//
//   - InlineSyncCalls expands calls to functions that contain sync points
//     (barriers and warp operations), so every sync point of a kernel is in
//     the kernel's own body, where a translator can cut it.
//   - BuildCFG splits a function into basic blocks and computes reverse
//     postorder, dominators, post-dominators, natural loops and whether the
//     graph is reducible (the SPIR-V structurizer needs that).
//   - Liveness computes live-in and live-out registers per block; LiveAfter
//     gives the registers live across one instruction (what a thread must
//     keep when it is suspended at a barrier).
//   - SyncKindOf and Module.SyncFuncs find the sync points.
//
// Analyze runs them in order; Dump prints the IR with every analysis, the
// debug listing the translators print with their dump options.
package ptx
