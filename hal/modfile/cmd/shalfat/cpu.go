package main

import (
	"context"
	"crypto/sha256"
	"fmt"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/modfile"
	"github.com/streamhal/streamhal/internal/kbuild"
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
}

// translator is the PTX to C translator behind -cpu-from-ptx. It is nil
// until the translator is in the module, and the flag exists only when it
// is set: wiring it in is this one assignment, for example
//
//	var translator = &ptxTranslator{Version: cgen.Version, MaxPTX: cgen.MaxPTX, Translate: cgen.Translate}
var translator *ptxTranslator

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
	src, err := tr.Translate(ptx)
	if err != nil {
		return nil, "", fmt.Errorf("-cpu-from-ptx: translate %s: %w", which, err)
	}
	sum := sha256.Sum256(ptx)
	key := append(sum[:], "\x00ptx-to-c "+tr.Version...)
	lib, _, err := kbuild.Build(ctx, src, key, opts)
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
