package main

import (
	"context"
	"fmt"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/modfile"
	"github.com/streamhal/streamhal/internal/kbuild"
	"github.com/streamhal/streamhal/ptx/cgen"
)

// ptxTranslator is a PTX to C translator: its output is a CPU kernel
// library's source for kernels/streamhal_cpu.h.
type ptxTranslator struct {
	// Version identifies the translator's output; it is part of the build
	// cache's key, so a new translator never reuses an old build.
	Version string
	// MaxPTX is the newest PTX ISA version the translator accepts (zero:
	// any); it picks which PTX entry is translated.
	MaxPTX modfile.PTXVersion
	// Translate returns the C source for a PTX module.
	Translate func(ptx []byte) ([]byte, error)
	// CFlags are the compiler flags its C needs (after kbuild.Flags).
	CFlags []string
}

// translator is the PTX to C translator behind -cpu-from-ptx: ptx/cgen,
// the one the CPU backend uses at load time (with the same flags and
// cache keys, so a library built here also fills the build cache). The
// flag exists only when it is set.
var translator = &ptxTranslator{
	Version: cgen.BuildID,
	MaxPTX:  cgen.MaxPTX,
	Translate: func(ptx []byte) ([]byte, error) {
		res, err := cgen.Translate(ptx, cgen.Options{})
		if err != nil {
			return nil, err
		}
		return res.C, nil
	},
	CFlags: cgen.CFlags,
}

// addCPUFromPTX translates the best PTX among entries (ptx entries and the
// PTX inside fatbin entries, chosen as modfile.ExtractPTX chooses), builds
// it into a CPU kernel library with the C compiler (kbuild: $CC, the build
// cache), and returns entries with a cpu-elf entry for the library's
// architecture added, so that a program that loads the container on that
// CPU needs neither the translator nor a compiler.
func addCPUFromPTX(ctx context.Context, entries []modfile.FatEntry, tr *ptxTranslator, opts kbuild.Options) ([]modfile.FatEntry, string, error) {
	fat, err := modfile.BuildFat(entries)
	if err != nil {
		return nil, "", err
	}
	ptx, which, err := modfile.ExtractPTX(hal.FormatFat, fat, tr.MaxPTX)
	if err != nil {
		return nil, "", fmt.Errorf("-cpu-from-ptx: %w", err)
	}
	var terr error
	opts.Flags = append(append([]string{}, opts.Flags...), tr.CFlags...)
	lib, _, err := kbuild.BuildFrom(ctx, kbuild.PTXKey(ptx, tr.Version), func() ([]byte, error) {
		src, err := tr.Translate(ptx)
		terr = err
		return src, err
	}, opts)
	if terr != nil {
		return nil, "", fmt.Errorf("-cpu-from-ptx: translate %s: %w", which, terr)
	}
	if err != nil {
		return nil, "", fmt.Errorf("-cpu-from-ptx: build the C translated from %s: %w", which, err)
	}
	info, err := modfile.ParseCPUELF(lib)
	if err != nil {
		return nil, "", fmt.Errorf("-cpu-from-ptx: %w", err)
	}
	for _, e := range entries {
		if e.Format == hal.FormatCPUELF && e.Target == info.Arch {
			return nil, "", fmt.Errorf("-cpu-from-ptx: the inputs already hold a cpu-elf entry for %s", info.Arch)
		}
	}
	out := append(append([]modfile.FatEntry{}, entries...), modfile.FatEntry{Format: hal.FormatCPUELF, Target: info.Arch, Data: lib})
	return out, fmt.Sprintf("added cpu-elf %s (%d bytes) from %s", info.Arch, len(lib), which), nil
}
