package modfile

import (
	"fmt"
	"strings"

	"github.com/streamhal/streamhal/hal"
)

// AMDGPU note types (LLVM AMDGPUUsage).
const (
	ntAMDGPUMetadata   = 32 // NT_AMDGPU_METADATA, owner "AMDGPU": msgpack, code object v3+
	ntAMDHSAMetadataV2 = 10 // NT_AMD_HSA_METADATA, owner "AMD": YAML, code object v2
)

// ParseAMDGPU parses an AMDGPU code object (ELF64, EM_AMDGPU) of code
// object version 3 or later: the NT_AMDGPU_METADATA note's MessagePack
// metadata gives each kernel's name, descriptor symbol, explicit arguments
// (hidden_* arguments, which the HIP runtime fills in, are not Params),
// segment sizes, register counts and wavefront size; the symbol table gives
// the module-scope variables. Errors wrap hal.ErrInvalidImage.
func ParseAMDGPU(data []byte) (*Module, error) {
	const what = "amdgpu"
	f, err := parseELF(data, what)
	if err != nil {
		return nil, err
	}
	if f.machine != emAMDGPU {
		return nil, fmt.Errorf("hal/modfile: %s: ELF machine %d, want EM_AMDGPU (%d): %w", what, f.machine, emAMDGPU, hal.ErrInvalidImage)
	}
	notes, err := f.notes(what)
	if err != nil {
		return nil, err
	}
	var meta []byte
	for _, n := range notes {
		if n.owner == "AMDGPU" && n.typ == ntAMDGPUMetadata {
			meta = n.desc
			break
		}
		if n.owner == "AMD" && n.typ == ntAMDHSAMetadataV2 {
			return nil, fmt.Errorf("hal/modfile: %s: code object v2 (YAML metadata) is not supported; rebuild with code object v4 or v5: %w", what, hal.ErrInvalidImage)
		}
	}
	if meta == nil {
		return nil, fmt.Errorf("hal/modfile: %s: no AMDGPU metadata note (NT_AMDGPU_METADATA): %w", what, hal.ErrInvalidImage)
	}
	root, err := decodeMsgpack(meta)
	if err != nil {
		return nil, fmt.Errorf("hal/modfile: %s: metadata: %v: %w", what, err, hal.ErrInvalidImage)
	}
	if root.Kind != msgMap {
		return nil, fmt.Errorf("hal/modfile: %s: metadata is not a map: %w", what, hal.ErrInvalidImage)
	}
	mod := &Module{Format: hal.FormatAMDGPU}
	if f.osABI == elfOSABIAMDHSA {
		// EI_ABIVERSION 1, 2, 3, 4 are code object v3, v4, v5, v6.
		mod.CodeObjectVersion = int(f.abiVer) + 2
	}
	if v, ok := root.get("amdhsa.version"); ok {
		if v.Kind != msgArray || len(v.Array) != 2 {
			return nil, fmt.Errorf("hal/modfile: %s: amdhsa.version is not [major, minor]: %w", what, hal.ErrInvalidImage)
		}
		maj, ok1 := v.Array[0].uint64Value()
		mnr, ok2 := v.Array[1].uint64Value()
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("hal/modfile: %s: amdhsa.version is not [major, minor]: %w", what, hal.ErrInvalidImage)
		}
		mod.Version = fmt.Sprintf("%d.%d", maj, mnr)
	}
	if v, ok := root.get("amdhsa.target"); ok {
		if v.Kind != msgStr {
			return nil, fmt.Errorf("hal/modfile: %s: amdhsa.target is not a string: %w", what, hal.ErrInvalidImage)
		}
		mod.Target = v.Str
		if i := strings.LastIndex(v.Str, "--"); i >= 0 {
			mod.Target = v.Str[i+2:]
		}
	}
	kernels, ok := root.get("amdhsa.kernels")
	if !ok || kernels.Kind != msgArray {
		return nil, fmt.Errorf("hal/modfile: %s: metadata has no amdhsa.kernels array: %w", what, hal.ErrInvalidImage)
	}
	mod.Kernels = make([]KernelInfo, 0, len(kernels.Array))
	for i := range kernels.Array {
		k, err := amdgpuKernel(&kernels.Array[i], i)
		if err != nil {
			return nil, err
		}
		mod.Kernels = append(mod.Kernels, k)
	}
	mod.Globals, err = amdgpuGlobals(f, what)
	if err != nil {
		return nil, err
	}
	// Kernel descriptors ("vector_add.kd") are data objects too; they are
	// not variables.
	descriptors := map[string]bool{}
	for _, k := range mod.Kernels {
		descriptors[k.Symbol] = true
		descriptors[k.Name+".kd"] = true
	}
	vars := mod.Globals[:0]
	for _, g := range mod.Globals {
		if !descriptors[g.Name] {
			vars = append(vars, g)
		}
	}
	mod.Globals = vars
	return mod, nil
}

// amdgpuKernel decodes one amdhsa.kernels map.
func amdgpuKernel(v *msgValue, idx int) (KernelInfo, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("hal/modfile: amdgpu: kernel %d: "+format+": %w", append([]any{idx}, append(args, hal.ErrInvalidImage)...)...)
	}
	if v.Kind != msgMap {
		return KernelInfo{}, bad("not a map")
	}
	str := func(key string, required bool) (string, error) {
		s, ok := v.get(key)
		if !ok {
			if required {
				return "", bad("no %s", key)
			}
			return "", nil
		}
		if s.Kind != msgStr {
			return "", bad("%s is not a string", key)
		}
		return s.Str, nil
	}
	u32 := func(key string) (uint32, error) {
		s, ok := v.get(key)
		if !ok {
			return 0, nil
		}
		n, ok := s.uint64Value()
		if !ok || n > 0xffffffff {
			return 0, bad("%s is not a 32-bit unsigned integer", key)
		}
		return uint32(n), nil
	}
	name, err := str(".name", true)
	if err != nil {
		return KernelInfo{}, err
	}
	k := newKernel(name)
	if k.Symbol, err = str(".symbol", false); err != nil {
		return KernelInfo{}, err
	}
	fields := []struct {
		key string
		dst *uint32
	}{
		{".kernarg_segment_size", &k.KernargSegmentSize},
		{".kernarg_segment_align", &k.KernargSegmentAlign},
		{".group_segment_fixed_size", &k.SharedBytes},
		{".private_segment_fixed_size", &k.PrivateSegmentFixedSize},
	}
	for _, fl := range fields {
		if *fl.dst, err = u32(fl.key); err != nil {
			return KernelInfo{}, err
		}
	}
	ints := []struct {
		key string
		dst *int
	}{
		{".wavefront_size", &k.WavefrontSize},
		{".sgpr_count", &k.SGPRCount},
		{".vgpr_count", &k.VGPRCount},
		{".agpr_count", &k.AGPRCount},
		{".max_flat_workgroup_size", &k.MaxThreadsPerBlock},
	}
	for _, fl := range ints {
		n, err := u32(fl.key)
		if err != nil {
			return KernelInfo{}, err
		}
		*fl.dst = int(min(n, 1<<31-1))
	}
	if r, ok := v.get(".reqd_workgroup_size"); ok {
		if r.Kind != msgArray || len(r.Array) != 3 {
			return KernelInfo{}, bad(".reqd_workgroup_size is not [x, y, z]")
		}
		for i := range 3 {
			n, ok := r.Array[i].uint64Value()
			if !ok || n > 0xffffffff {
				return KernelInfo{}, bad(".reqd_workgroup_size is not [x, y, z]")
			}
			k.ReqdWorkgroupSize[i] = uint32(n)
		}
	}
	args, ok := v.get(".args")
	if !ok {
		k.ArgsSize = 0
		return k, nil
	}
	if args.Kind != msgArray {
		return KernelInfo{}, bad("%s: .args is not an array", name)
	}
	var lay layout
	for i := range args.Array {
		a := &args.Array[i]
		if a.Kind != msgMap {
			return KernelInfo{}, bad("%s: argument %d is not a map", name, i)
		}
		kindV, ok := a.get(".value_kind")
		if !ok || kindV.Kind != msgStr {
			return KernelInfo{}, bad("%s: argument %d has no .value_kind", name, i)
		}
		offV, ok1 := a.get(".offset")
		sizeV, ok2 := a.get(".size")
		if !ok1 || !ok2 {
			return KernelInfo{}, bad("%s: argument %d lacks .offset or .size", name, i)
		}
		off, ok1 := offV.uint64Value()
		size, ok2 := sizeV.uint64Value()
		if !ok1 || !ok2 || off > maxArgsSize || size > maxArgsSize {
			return KernelInfo{}, bad("%s: argument %d has a bad .offset or .size", name, i)
		}
		if k.KernargSegmentSize != 0 && off+size > uint64(k.KernargSegmentSize) {
			return KernelInfo{}, bad("%s: argument %d (%d+%d) overruns the %d-byte kernarg segment", name, i, off, size, k.KernargSegmentSize)
		}
		if strings.HasPrefix(kindV.Str, "hidden_") {
			continue
		}
		if off < lay.end {
			return KernelInfo{}, bad("%s: argument %d at offset %d overlaps the previous one (ending at %d)", name, i, off, lay.end)
		}
		al := inferAlign(off, size)
		if al > lay.maxAlign {
			lay.maxAlign = al
		}
		lay.end = off + size
		ptr := kindV.Str == "global_buffer" || kindV.Str == "dynamic_shared_pointer"
		k.Params = append(k.Params, hal.Param{Offset: uint32(off), Size: uint32(size), Pointer: ptr})
	}
	k.ArgsSize = uint32(lay.size())
	return k, nil
}

// amdgpuGlobals lists the defined, non-local data objects of the symbol
// table (or dynamic symbol table).
func amdgpuGlobals(f *elfFile, what string) ([]GlobalInfo, error) {
	syms, ok, err := f.symbols(shtSymtab, what)
	if err != nil {
		return nil, err
	}
	if !ok {
		if syms, _, err = f.symbols(shtDynsym, what); err != nil {
			return nil, err
		}
	}
	var out []GlobalInfo
	for _, s := range syms {
		if s.typ == sttObject && s.bind != stbLocal && s.shndx != shnUndef && s.name != "" {
			out = append(out, GlobalInfo{Name: s.name, Size: s.size})
		}
	}
	return out, nil
}
