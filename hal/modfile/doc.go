// Package modfile reads and writes the module formats streamhal drivers
// load: it identifies an image (Detect), validates CPU kernel libraries
// before dlopen (ParseCPUELF), extracts kernel parameter layouts and other
// metadata from PTX, SPIR-V and AMDGPU code objects (ParsePTX, ParseSPIRV,
// ParseAMDGPU), and builds, parses and picks from streamhal fat containers
// (BuildFat, ParseFat, Select). It is pure Go and never panics on malformed
// input: every parser bounds-checks each offset and length against the
// input before use, and no length field makes it allocate more than a small
// multiple of the input's size. Errors wrap hal.ErrInvalidImage and say
// what was wrong where.
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
// # Command shalfat
//
// cmd/shalfat builds a container from files (checking each with Detect) and
// lists one:
//
//	go run ./hal/modfile/cmd/shalfat -o k.fat x86_64:cpu-elf:k.so sm_80:ptx:k.ptx vulkan1.2:spirv:k.spv
//	go run ./hal/modfile/cmd/shalfat -list k.fat
package modfile
