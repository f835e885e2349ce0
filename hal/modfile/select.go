package modfile

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/streamhal/streamhal/hal"
)

// Select picks the binary a device should load from a fat container's
// entries. formats are the formats the device loads, best first
// (hal.Device.Formats); arch is the device's architecture
// (hal.DeviceInfo.Arch). For each format in order, the first match wins:
//
//   - cpu-elf: the target equals arch ("amd64" and "arm64" are accepted as
//     "x86_64" and "aarch64").
//   - ptx: the highest "sm_XY" (or "compute_XY") target with XY at most the
//     device's; arch-specific targets ("sm_90a") only on exactly that
//     architecture, where they beat the generic one.
//   - cubin: the target equals arch; failing that, the architecture's
//     arch-specific build ("sm_90a" on an "sm_90" device).
//   - amdgpu: the target equals arch, features included ("gfx90a:xnack-");
//     failing that, the same processor with no conflicting feature setting
//     (an entry built for xnack- does not run on an xnack+ device), the one
//     sharing most feature settings.
//   - spirv: any target.
//   - any other format: the target equals arch.
//
// On a CPU architecture ("x86_64", "aarch64" and the other names HostArch
// returns) and on Vulkan devices ("vulkan1.2", ...), where PTX is
// translated rather than run, ptx and fatbin entries
// compete by the PTX they hold, ranked as ExtractPTX ranks it with no
// version limit: the newest PTX ISA version, generic before arch-specific,
// then the highest SM. A fatbin entry matches only when it holds PTX. A
// malformed ptx or fatbin entry is an error wrapping hal.ErrInvalidImage.
//
// When nothing matches, the error wraps hal.ErrNoBinaryForDevice and lists
// what the module has and what the device wants.
func Select(entries []FatEntry, formats []hal.Format, arch string) (FatEntry, error) {
	cpu := isCPUArch(arch) || strings.HasPrefix(arch, "vulkan")
	for _, f := range formats {
		if cpu && (f == hal.FormatPTX || f == hal.FormatFatbin) {
			cs, err := fatCandidates(entries, f)
			if err != nil {
				return FatEntry{}, err
			}
			if i := bestPTX(cs, PTXVersion{}); i >= 0 {
				return entries[cs[i].entry], nil
			}
			continue
		}
		best, bestScore := -1, 0
		for i, e := range entries {
			if e.Format != f {
				continue
			}
			if s := matchScore(f, e.Target, arch); s > bestScore {
				best, bestScore = i, s
			}
		}
		if best >= 0 {
			return entries[best], nil
		}
	}
	have := make([]string, len(entries))
	for i, e := range entries {
		have[i] = string(e.Format) + " " + e.Target
	}
	wants := make([]string, len(formats))
	for i, f := range formats {
		wants[i] = string(f)
	}
	return FatEntry{}, fmt.Errorf("hal/modfile: select binary: device wants %s for %q; module has [%s]: %w",
		strings.Join(wants, " or "), arch, strings.Join(have, ", "), hal.ErrNoBinaryForDevice)
}

// matchScore ranks how well a target fits arch for a format; 0 is no match,
// higher is better.
func matchScore(f hal.Format, target, arch string) int {
	switch f {
	case hal.FormatSPIRV:
		return 1
	case hal.FormatCPUELF:
		if normalizeCPUArch(target) == normalizeCPUArch(arch) {
			return 1
		}
		return 0
	case hal.FormatPTX:
		return ptxScore(target, arch)
	case hal.FormatAMDGPU:
		return amdgpuScore(target, arch)
	case hal.FormatCubin:
		switch {
		case target == arch:
			return 2
		case target == arch+"a" && strings.HasPrefix(arch, "sm_"):
			return 1 // sm_90a code runs on the sm_90 device it was built for
		}
		return 0
	}
	if target == arch {
		return 1
	}
	return 0
}

// isCPUArch reports whether arch names a CPU (an ELF machine name or a Go
// GOARCH) rather than a GPU.
func isCPUArch(arch string) bool {
	switch normalizeCPUArch(arch) {
	case "x86_64", "aarch64", "riscv64", "ppc64le", "ppc64", "s390x", "loong64",
		"386", "i386", "i686", "arm", "mips", "mipsle", "mips64", "mips64le":
		return true
	}
	return false
}

// parseSM parses "sm_90", "sm_90a" or "compute_90" into 90 and whether it
// is arch-specific (the "a" suffix).
func parseSM(s string) (sm int, specific, ok bool) {
	switch {
	case strings.HasPrefix(s, "sm_"):
		s = s[3:]
	case strings.HasPrefix(s, "compute_"):
		s = s[8:]
	default:
		return 0, false, false
	}
	if strings.HasSuffix(s, "a") || strings.HasSuffix(s, "f") {
		specific, s = true, s[:len(s)-1]
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 || n > 10000 || s[0] == '+' {
		return 0, false, false
	}
	return n, specific, true
}

// ptxScore: PTX for sm_XY JIT-compiles for any later architecture; the
// closest one wins. Arch-specific PTX runs only on that architecture.
func ptxScore(target, arch string) int {
	t, tSpecific, ok1 := parseSM(target)
	a, _, ok2 := parseSM(arch)
	if !ok1 || !ok2 || t > a {
		return 0
	}
	if tSpecific {
		if t != a {
			return 0
		}
		return 2*t + 2 // the architecture's own features: better than generic sm_XY
	}
	return 2*t + 1
}

// amdgpuScore compares "gfx90a:sramecc+:xnack-" style target IDs.
func amdgpuScore(target, arch string) int {
	if target == arch {
		return 1 << 20
	}
	tProc, tFeat := splitTargetID(target)
	aProc, aFeat := splitTargetID(arch)
	if tProc == "" || tProc != aProc {
		return 0
	}
	score := 1
	for name, on := range tFeat {
		if aOn, ok := aFeat[name]; ok {
			if aOn != on {
				return 0
			}
			score++
		}
	}
	return score
}

// splitTargetID splits an AMDGPU target ID into processor and feature
// settings ("xnack" -> false for "xnack-"). A full triple prefix
// ("amdgcn-amd-amdhsa--") is dropped.
func splitTargetID(s string) (string, map[string]bool) {
	if i := strings.LastIndex(s, "--"); i >= 0 {
		s = s[i+2:]
	}
	parts := strings.Split(s, ":")
	feats := map[string]bool{}
	for _, p := range parts[1:] {
		if n := len(p); n > 1 && (p[n-1] == '+' || p[n-1] == '-') {
			feats[p[:n-1]] = p[n-1] == '+'
		}
	}
	return parts[0], feats
}
