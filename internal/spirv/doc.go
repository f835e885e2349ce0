// Package spirv builds, encodes, decodes and checks SPIR-V modules for
// streamhal's translators (PTX to SPIR-V for the Vulkan driver).
//
// The opcode and operand tables (zspirv.go, zglsl.go) are generated from
// Khronos' machine-readable grammar (spirv.core.grammar.json and
// extinst.glsl.std.450.grammar.json of SPIRV-Headers, trimmed copies in
// testdata/) by ./gen; go generate ./internal/spirv rewrites them. Every
// instruction's operand kinds, the capabilities that enable instructions
// and enumerants, and the enumerants' names come from there, never from a
// hand-written list.
//
// A Module collects the logical layout's sections (capabilities,
// extensions, imports, memory model, entry points, execution modes, debug
// names, annotations, types/constants/globals, functions) and writes them
// in order. Types, constants and decorations are de-duplicated, ids are
// allocated from one counter, and functions are built block by block: a
// Block is allocated (NewBlock) before it is laid out (Begin), so merge
// blocks and continue targets can be named by branches before their code
// is written. Builder mistakes are recorded and returned by Words/Encode,
// never panicked on.
//
// Decode splits a binary into instructions, Binary.Operands splits those
// into operands by the grammar, and Validate checks what a translator can
// get wrong short of semantics: grammar conformance, section order, ids,
// capabilities and the shape of functions and blocks. Structured control
// flow is the business of package structure (./structure), which produces
// it by construction; tests run spirv-val on everything besides.
package spirv
