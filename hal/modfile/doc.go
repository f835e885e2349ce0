// Package modfile reads and writes the module formats streamhal drivers
// load: it identifies an image (Detect), validates CPU kernel libraries
// before dlopen (ParseCPUELF), extracts kernel parameter layouts and other
// metadata from PTX, SPIR-V and AMDGPU code objects (ParsePTX, ParseSPIRV,
// ParseAMDGPU), lists NVIDIA fatbins (ParseFatbin), builds, parses and
// picks from streamhal fat containers (BuildFat, ParseFat, Select), and
// finds the PTX a CPU device translates in any image that holds some
// (ExtractPTX). It is pure Go and never panics on malformed input: every
// parser bounds-checks each offset and length against the input before
// use, and no length field makes it allocate more than a small multiple of
// the input's size (decompressed fatbin entries: see ParseFatbin). Errors
// wrap hal.ErrInvalidImage and say what was wrong where.
//
// # Parameter layouts
//
// Every backend takes kernel arguments as one buffer packed with C natural
// alignment (see DESIGN.md). KernelInfo.Params gives each parameter's offset
// and size in that buffer, read from the format's own record: PTX .param
// lists (laid out with each parameter's alignment: its .align, else its
// element size), AMDGPU metadata .args (explicit arguments only; the HIP
// runtime fills in the hidden_* ones), SPIR-V push-constant block member
// Offset decorations. For saxpy(uint32_t n, float a, const float* x,
// float* y) every format yields offsets 0, 4, 8, 16 and ArgsSize 24.
//
// # Fat container format, version 1
//
// A streamhal fat container bundles binaries of several formats and targets
// in one file so that one module loads on every backend. All integers are
// little-endian. The file is:
//
//	offset  size  field
//	0       8     magic "SHALFAT\x00"
//	8       2     version, 1
//	10      2     header size, 32
//	12      4     entry count N (at most 4096)
//	16      8     file size in bytes (the whole container; detects truncation)
//	24      4     entry record size, 32
//	28      4     reserved, 0
//	32      32*N  entry records
//	...           string area: each entry's format name then target string
//	...           entry data, each starting at a multiple of 16 bytes
//
// Each 32-byte entry record is:
//
//	offset  size  field
//	0       8     data offset from the start of the file (multiple of 16)
//	8       8     data size in bytes (at least 1)
//	16      4     offset of the entry's names from the start of the file
//	20      2     format name length (1..32 bytes of [a-z0-9-], a hal.Format)
//	22      2     target length (1..255 bytes of printable ASCII, no spaces)
//	24      4     CRC-32 (IEEE) of the data
//	28      4     reserved, 0
//
// A reader rejects a container unless: the version is 1 and the header and
// record sizes are as above; the file size field equals the file's size;
// every name and data range lies after the entry table and inside the file;
// ranges do not overlap; data is 16-byte aligned; checksums match; names
// are well formed; no entry is itself a fat container; and no two entries
// share a (format, target) pair. Padding between ranges is zero when
// written and ignored when read. A later version that changes the layout
// gets a new version number; readers reject versions they do not know.
//
// Targets name the architecture an entry is for: "x86_64" or "aarch64"
// (cpu-elf), "sm_80" (ptx, cubin), "gfx90a" or "gfx90a:xnack-" (amdgpu),
// "vulkan1.2" (spirv). Select picks the entry a device loads.
//
// # NVIDIA fatbins
//
// NVIDIA documents the fatbin container only through the field names of
// its fatbinary headers; the layout below is what open readers agree on
// (ZLUDA's dark_api/src/fatbin.rs and cuda_types/src/dark_api.rs, the
// fatbinary Rust crate, cuda-fatbin-decompression) and what libnvfatbin
// 13.0 was observed to write. All integers are little-endian.
//
// A container is a 16-byte header (magic 0xBA55ED50, version 1, header
// size 16, then the size of what follows) and entries back to back, each an
// entry header and its payload padded to 8 bytes. A linked program's
// .nv_fatbin section may hold several containers in a row. The entry
// header (scanFatbinEntry in fatbin.go lists its fields) gives the kind (1
// PTX, 2 ELF cubin), the SM number, a version (PTX entries: the PTX ISA
// version; cubins: the cubin format's), a 64-bit flag word (FatbinFlags),
// an identifier string and, for PTX, the ptxas options. The flag word's
// bits 0-6 say 64-bit, debug, producer (CUDA, OpenCL) and host OS; 0x100000
// and 0x200000 mark "sm_90a" and "sm_100f" builds.
//
// Compressed payloads carry the compressed size in the header and the
// decompressed size at offset 56. Flag 0x2000 is LZ4 (the block format,
// one block: what LZ4_decompress_safe takes); flag 0x8000 is zstd (standard
// frames). Toolkits before CUDA 12.8 compress with LZ4 only (by default
// the images fatbinary deems large; -Xfatbin=-compress-all, all). CUDA 12.8 added
// nvcc --compress-mode={default,size,speed,balance,none}; libnvfatbin 13.0
// compresses PTX with zstd by default and with -compress-mode=size, with
// LZ4 for -compress-mode=speed, and cubins only when asked (-compress-all,
// -compress-mode=size, -g); RAPIDS documents that balance and size need a
// newer driver (550.54.14) than the LZ4 modes (525.60.13). PTX entries
// drop the source's comments and end in NUL padding, which ParseFatbin
// removes. The LZ4 decoder is this package's own; zstd uses the standard
// library's decoder (see zstdFrames in decompress.go).
//
// # Command shalfat
//
// cmd/shalfat builds a container from files (checking each with Detect) and
// lists one:
//
//	go run ./hal/modfile/cmd/shalfat -o k.fat x86_64:cpu-elf:k.so sm_80:ptx:k.ptx vulkan1.2:spirv:k.spv
//	go run ./hal/modfile/cmd/shalfat -list k.fat
package modfile
