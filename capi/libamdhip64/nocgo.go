//go:build !cgo

// Without cgo there is no C API to export: the package builds (so that
// CGO_ENABLED=0 go build ./... works) into a program that says so.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "streamhal C-API drop-in: needs cgo (build with CGO_ENABLED=1 -buildmode=c-shared)")
	os.Exit(2)
}
