//go:build cgo

package cpu

// #include "runtime.h"
import "C"

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/modfile"
	"github.com/streamhal/streamhal/internal/kbuild"
	"github.com/streamhal/streamhal/ptx"
	"github.com/streamhal/streamhal/ptx/cgen"
)

// PTX on the CPU: a ptx or fatbin image (or the PTX entry a fat module's
// selection picked) is translated to C by ptx/cgen and compiled by the
// system C compiler into a CPU kernel library (internal/kbuild), which then
// loads like any other. The library is cached twice: on disk by kbuild,
// keyed by the PTX's hash, the translator's version, the ABI header, the
// compiler's identity and the flags (so a later process pays a hash, a
// file read and a dlopen), and in this process by ptxLibraries (so a
// second load of the same PTX, by any device or context, pays a hash and a
// dlopen). Nothing here holds a lock of the driver while it compiles.

// EnvCacheDir moves the on-disk cache of libraries built from PTX; "off"
// disables it (kbuild.EnvCacheDir).
const EnvCacheDir = kbuild.EnvCacheDir

// buildTimeout bounds one translation and compilation.
const buildTimeout = 10 * time.Minute

// ptxLibraries remembers the libraries built from PTX in this process, by
// the PTX's hash and the compiler settings, bounded in count and bytes (the
// oldest go first).
var ptxLibraries = struct {
	mu      sync.Mutex
	builds  map[[sha256.Size]byte]*ptxBuild
	order   [][sha256.Size]byte
	bytes   int
	maxN    int
	maxSize int
}{builds: map[[sha256.Size]byte]*ptxBuild{}, maxN: 64, maxSize: 256 << 20}

// ptxBuild is one library being built or built; done closes when lib or
// err is set.
type ptxBuild struct {
	done chan struct{}
	lib  []byte
	err  error
}

// ptxKey is the in-process key of a PTX module's library: the PTX and what
// the build depends on besides it that may change while a process runs.
func ptxKey(src []byte) [sha256.Size]byte {
	h := sha256.New()
	for _, f := range [][]byte{src, []byte(cgen.BuildID), []byte(os.Getenv(kbuild.EnvCC)), []byte(os.Getenv("PATH")), []byte(os.Getenv(EnvCacheDir)), []byte(os.Getenv(EnvMarch))} {
		h.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(f))))
		h.Write(f)
	}
	var k [sha256.Size]byte
	h.Sum(k[:0])
	return k
}

// ptxLibrary returns the CPU kernel library for the PTX in data (a ptx or
// fatbin image), translating and compiling it unless this process or the
// disk cache already has it. Concurrent calls for the same PTX build once.
func (d *device) ptxLibrary(format hal.Format, data []byte) ([]byte, error) {
	src, which, err := modfile.ExtractPTX(format, data, cgen.MaxPTX)
	if err != nil {
		return nil, fmt.Errorf("hal/cpu: load %s module: %w", format, err)
	}
	key := ptxKey(src)
	c := &ptxLibraries
	c.mu.Lock()
	b, ok := c.builds[key]
	if !ok {
		b = &ptxBuild{done: make(chan struct{})}
		c.builds[key] = b
	}
	c.mu.Unlock()
	if ok {
		<-b.done
		if b.err == nil {
			return b.lib, nil
		}
		// The build failed for the caller that ran it; failures are not
		// kept (a compiler may have been installed since), so this
		// caller's error is its own.
		return d.buildPTX(src, which)
	}
	b.lib, b.err = d.buildPTX(src, which)
	close(b.done)
	c.mu.Lock()
	if b.err != nil {
		if c.builds[key] == b {
			delete(c.builds, key)
		}
	} else {
		c.order = append(c.order, key)
		c.bytes += len(b.lib)
		for len(c.order) > 1 && (len(c.order) > c.maxN || c.bytes > c.maxSize) {
			old := c.order[0]
			c.order = c.order[1:]
			if ob := c.builds[old]; ob != nil {
				c.bytes -= len(ob.lib)
				delete(c.builds, old)
			}
		}
	}
	c.mu.Unlock()
	return b.lib, b.err
}

// buildPTX translates src and compiles the C (or reads the disk cache).
func (d *device) buildPTX(src []byte, which string) ([]byte, error) {
	// The translator's output for a PTX module is fixed by its version and
	// the ABI header it inlines (which kbuild's key covers, ABI version
	// included), so these name the C source.
	key := kbuild.PTXKey(src, cgen.BuildID)
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	start := time.Now()
	translated := false
	lib, cached, err := kbuild.BuildFrom(ctx, key, func() ([]byte, error) {
		res, err := cgen.Translate(src, cgen.Options{})
		if err != nil {
			return nil, err
		}
		translated = true
		return res.C, nil
	}, kbuild.Options{Flags: ptxCFlags(), Logf: d.inst.cfg.Log})
	if err != nil {
		if errors.Is(err, ptx.ErrInvalidPTX) {
			// As a PTX JIT log: the instruction, its line and why.
			return nil, fmt.Errorf("hal/cpu: PTX (%s) cannot run on the CPU:\n%v\n%w: %w", which, err, hal.ErrInvalidPTX, hal.ErrInvalidImage)
		}
		return nil, fmt.Errorf("hal/cpu: build the CPU kernel library for PTX (%s): %w", which, err)
	}
	switch {
	case cached:
		d.inst.cfg.Log(4, "hal/cpu: PTX (%s, %d bytes) built before: library from the cache (%v)", which, len(src), time.Since(start))
	case translated:
		d.inst.cfg.Log(3, "hal/cpu: PTX (%s, %d bytes) translated and compiled in %v", which, len(src), time.Since(start))
	}
	return lib, nil
}

// ptxCFlags are the compiler flags of libraries built from PTX: the
// translator's, and the instruction set of this CPU by its x86-64 level
// (-march=x86-64-v2, -v3 or -v4), as a JIT compiles for the GPU at hand:
// the libraries are built here, for here. The level is named explicitly
// (never -march=native) so that a cache directory shared with another
// machine keys its libraries apart. STREAM_HAL_CPU_MARCH overrides it
// ("x86-64" for the baseline, "off" for no -march flag).
func ptxCFlags() []string {
	flags := append([]string{}, cgen.CFlags...)
	if m := hostMarch(); m != "" {
		flags = append(flags, "-march="+m)
	}
	return flags
}

// EnvMarch overrides the -march level of libraries built from PTX.
const EnvMarch = "STREAM_HAL_CPU_MARCH"

var hostMarchOnce = sync.OnceValue(func() string {
	if level := int(C.shal_cpu_x86_level()); level >= 2 {
		return fmt.Sprintf("x86-64-v%d", level)
	}
	return ""
})

func hostMarch() string {
	switch m := os.Getenv(EnvMarch); m {
	case "":
		return hostMarchOnce()
	case "off":
		return ""
	default:
		return m
	}
}
