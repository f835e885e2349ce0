package hal

import (
	"fmt"
	"strconv"
	"strings"
)

// byteUnits are the suffixes ParseBytes accepts, longest first.
var byteUnits = []struct {
	suffix string
	mult   uint64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
	{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"T", 1 << 40},
	{"B", 1},
}

// ParseBytes reads a size such as "1073741824", "512MiB", "8G" or "1.5GiB"
// (K, M, G and T alone are binary units, KB, MB, GB, TB decimal). It is how
// environment variables such as STREAM_HAL_CPU_MEMORY are read.
func ParseBytes(s string) (uint64, error) {
	t := strings.TrimSpace(s)
	mult := uint64(1)
	for _, u := range byteUnits {
		if len(t) > len(u.suffix) && strings.EqualFold(t[len(t)-len(u.suffix):], u.suffix) {
			t, mult = strings.TrimSpace(t[:len(t)-len(u.suffix)]), u.mult
			break
		}
	}
	if n, err := strconv.ParseUint(t, 10, 64); err == nil {
		if mult > 1 && n > ^uint64(0)/mult {
			return 0, fmt.Errorf("hal: size %q overflows 64 bits: %w", s, ErrInvalidValue)
		}
		return n * mult, nil
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f < 0 || f*float64(mult) >= 1<<64 || t == "" {
		return 0, fmt.Errorf("hal: size %q: want bytes, optionally with a unit (KiB, MiB, GiB, TiB, K, M, G, T, KB, MB, GB, TB): %w", s, ErrInvalidValue)
	}
	return uint64(f * float64(mult)), nil
}

// FormatBytes writes n in the largest binary unit that keeps it at least 1
// ("1.5 GiB", "4096 B").
func FormatBytes(n uint64) string {
	const units = "KMGTPE"
	if n < 1<<10 {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n)/1024, 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	return fmt.Sprintf("%.1f %ciB", v, units[i])
}
