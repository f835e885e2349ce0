// Command shalfat builds and lists streamhal fat containers.
//
//	shalfat -o out.fat target:format:path ...
//	shalfat -list file.fat
//	shalfat -extract dir [-formats ptx,amdgpu,...] file.fat
//
// Each input names the architecture the binary is for, its format (cpu-elf,
// ptx, cubin, fatbin, amdgpu, spirv, or auto to detect it) and the file. The
// target may itself contain colons ("gfx90a:xnack-:amdgpu:k.hsaco"): the
// argument is split around the format name. Every input is checked with
// modfile.Detect, and its detected format must be the one named.
//
// -list prints one line per entry: index, format, target, size, and for
// PTX, SPIR-V and AMDGPU entries the kernels they hold; for a fatbin entry,
// one more line per image inside it.
//
// -extract writes each entry to dir as NAME.TARGET.EXT, NAME being the
// container's file name less .fat and EXT the format's usual suffix (.ptx,
// .hsaco, .so, .spv, .cubin, .fatbin; .bin for others), with the colons of
// a target ("gfx90a:xnack-") written as underscores; it prints the names.
// -formats limits it to the entries of the formats listed.
// kernels/compile.sh extracts the modules it builds with streamhal build to
// check each entry with the compilers' tools.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/modfile"
	"github.com/streamhal/streamhal/internal/kbuild"
)

var formats = []hal.Format{
	hal.FormatCPUELF, hal.FormatPTX, hal.FormatCubin, hal.FormatFatbin,
	hal.FormatAMDGPU, hal.FormatSPIRV, "auto",
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "shalfat:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("shalfat", flag.ContinueOnError)
	out := fs.String("o", "", "write the container to `file`")
	list := fs.String("list", "", "list the entries of fat container `file`")
	extract := fs.String("extract", "", "write the entries of the fat container to `dir`")
	only := fs.String("formats", "", "with -extract: only the entries of these comma-separated `formats`")
	// The flag exists only with a translator (see translator in cpu.go).
	cpuFromPTX := new(bool)
	if translator != nil {
		fs.BoolVar(cpuFromPTX, "cpu-from-ptx", false, "add a cpu-elf entry for the C compiler's target ($CC), translated from the best PTX input")
	}
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: shalfat -o out.fat target:format:path ...\n       shalfat -list file.fat\n       shalfat -extract dir file.fat\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case *list != "" && *out == "" && *extract == "" && fs.NArg() == 0:
		return listFat(*list, stdout)
	case *extract != "" && *out == "" && *list == "" && fs.NArg() == 1:
		return extractFat(fs.Arg(0), *extract, *only, stdout)
	case *out != "" && *list == "" && *extract == "" && fs.NArg() > 0:
		return buildFat(*out, fs.Args(), *cpuFromPTX, stdout)
	}
	fs.Usage()
	return errors.New("want -o and inputs, -list alone, or -extract dir and one container")
}

// splitInput splits "target:format:path" around the first ":format:" with a
// known format name.
func splitInput(arg string) (target string, format hal.Format, path string, err error) {
	best := -1
	for _, f := range formats {
		if i := strings.Index(arg, ":"+string(f)+":"); i >= 0 && (best < 0 || i < best) {
			best, format = i, f
		}
	}
	if best <= 0 {
		return "", "", "", fmt.Errorf("input %q: want target:format:path with format one of %v", arg, formats)
	}
	target = arg[:best]
	path = arg[best+len(format)+2:]
	if path == "" {
		return "", "", "", fmt.Errorf("input %q: no path", arg)
	}
	return target, format, path, nil
}

func buildFat(out string, inputs []string, cpuFromPTX bool, stdout io.Writer) error {
	var entries []modfile.FatEntry
	for _, in := range inputs {
		target, format, path, err := splitInput(in)
		if err != nil {
			return err
		}
		data, err := modfile.ReadFile(path)
		if err != nil {
			return err
		}
		got, err := modfile.Detect(data)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if format == "auto" {
			format = got
		}
		if got != format {
			return fmt.Errorf("%s: named %s but the file is %s", path, format, got)
		}
		if got == hal.FormatFat {
			return fmt.Errorf("%s: is itself a fat container; fat containers do not nest", path)
		}
		if _, err := modfile.Parse(got, data); err != nil && !errors.Is(err, hal.ErrNotSupported) {
			return fmt.Errorf("%s: %w", path, err)
		}
		if got == hal.FormatCPUELF {
			if _, err := modfile.ParseCPUELF(data); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
		}
		if got == hal.FormatFatbin {
			if _, err := modfile.ParseFatbin(data); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
		}
		entries = append(entries, modfile.FatEntry{Format: format, Target: target, Data: data})
	}
	if cpuFromPTX {
		var note string
		var err error
		entries, note, err = addCPUFromPTX(context.Background(), entries, translator, kbuild.Options{
			Logf: func(level int, format string, args ...any) { fmt.Fprintf(os.Stderr, "shalfat: "+format+"\n", args...) },
		})
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, note)
	}
	fat, err := modfile.BuildFat(entries)
	if err != nil {
		return err
	}
	return os.WriteFile(out, fat, 0o644)
}

func listFat(path string, w io.Writer) error {
	data, err := modfile.ReadFile(path)
	if err != nil {
		return err
	}
	entries, err := modfile.ParseFat(data)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	for i, e := range entries {
		line := fmt.Sprintf("%d\t%s\t%s\t%d bytes", i, e.Format, e.Target, len(e.Data))
		if m, err := modfile.Parse(e.Format, e.Data); err == nil {
			names := make([]string, len(m.Kernels))
			for j, k := range m.Kernels {
				names[j] = k.Name
			}
			line += "\t" + strings.Join(names, ",")
		}
		fmt.Fprintln(w, line)
		if e.Format == hal.FormatFatbin {
			images, err := modfile.ParseFatbin(e.Data)
			if err != nil {
				fmt.Fprintf(w, "\t%v\n", err)
			}
			for j, im := range images {
				fmt.Fprintf(w, "\t%d.%d\t%v\n", i, j, im)
			}
		}
	}
	return nil
}

// suffixes are the file suffixes -extract writes per format.
var suffixes = map[hal.Format]string{
	hal.FormatCPUELF: "so", hal.FormatPTX: "ptx", hal.FormatCubin: "cubin",
	hal.FormatFatbin: "fatbin", hal.FormatAMDGPU: "hsaco", hal.FormatSPIRV: "spv",
}

func extractFat(path, dir, only string, w io.Writer) error {
	var want map[hal.Format]bool
	if only != "" {
		want = map[hal.Format]bool{}
		for _, f := range strings.Split(only, ",") {
			if _, ok := suffixes[hal.Format(f)]; !ok {
				return fmt.Errorf("-formats: unknown format %q", f)
			}
			want[hal.Format(f)] = true
		}
	}
	data, err := modfile.ReadFile(path)
	if err != nil {
		return err
	}
	entries, err := modfile.ParseFat(data)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	base := strings.TrimSuffix(filepath.Base(path), ".fat")
	seen := map[string]bool{}
	for _, e := range entries {
		if want != nil && !want[e.Format] {
			continue
		}
		ext := suffixes[e.Format]
		if ext == "" {
			ext = "bin"
		}
		name := base + "." + strings.ReplaceAll(e.Target, ":", "_") + "." + ext
		if seen[name] || strings.ContainsAny(e.Target, "/\\") || e.Target == "" {
			return fmt.Errorf("%s: entry %s %q: cannot be written as a file of its own (%s)", path, e.Format, e.Target, name)
		}
		seen[name] = true
		if err := os.WriteFile(filepath.Join(dir, name), e.Data, 0o644); err != nil {
			return err
		}
		fmt.Fprintln(w, name)
	}
	return nil
}
