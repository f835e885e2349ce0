// Command ptx2c translates a PTX module into C for the CPU kernel library
// ABI (the translator of the CPU backend, as a tool for debugging it).
//
//	ptx2c [-dump] [-o out.c] module.ptx
//
// With -dump the IR after each pass goes to stderr.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/streamhal/streamhal/ptx/cgen"
)

func main() {
	dump := flag.Bool("dump", false, "write the IR after each pass to stderr")
	out := flag.String("o", "", "output file (default: standard output)")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: ptx2c [-dump] [-o out.c] module.ptx\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	src, err := os.ReadFile(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "ptx2c:", err)
		os.Exit(1)
	}
	var opts cgen.Options
	if *dump {
		opts.Dump = os.Stderr
	}
	res, err := cgen.Translate(src, opts)
	if err != nil {
		fmt.Fprintf(os.Stderr, "ptx2c: %s: %v\n", flag.Arg(0), err)
		os.Exit(1)
	}
	var w io.Writer = os.Stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintln(os.Stderr, "ptx2c:", err)
			os.Exit(1)
		}
		defer f.Close()
		w = f
	}
	if _, err := w.Write(res.C); err != nil {
		fmt.Fprintln(os.Stderr, "ptx2c:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "ptx2c: %d kernels; compile with: cc -O2 -fPIC -shared %v -o k.so out.c %v\n", len(res.Kernels), cgen.CFlags, cgen.LDFlags)
}
