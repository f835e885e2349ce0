// Command testlog reads the output of go test -json (a file named on the
// command line) and prints it the way CI wants it: one line per package
// when everything passes, and when something fails, the whole output of
// every failing test, of every test that was still running when its
// package failed (a crash, a timeout), and the package's own output (build
// errors, panics outside tests). It exits with status 1 when anything
// failed. .ci/run keeps the full JSON log beside it.
//
//	go run .ci/testlog.go LOG.json
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// event is one line of go test -json (cmd/test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Elapsed float64
	Output  string
}

// maxLines bounds what is printed of one test's or package's output; the
// JSON log keeps everything.
const maxLines = 3000

type testKey struct{ pkg, test string }

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run .ci/testlog.go LOG.json")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "testlog:", err)
		os.Exit(2)
	}
	defer f.Close()
	output := map[testKey][]string{}
	running := map[testKey]bool{}
	var order []testKey // tests in the order they started, for stable output
	failed := false
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Text()
		var e event
		if !strings.HasPrefix(line, "{") || json.Unmarshal([]byte(line), &e) != nil {
			// Not test2json (go's own errors, a crashed tool): show it.
			fmt.Println(line)
			continue
		}
		k := testKey{e.Package, e.Test}
		switch e.Action {
		case "run":
			running[k] = true
			order = append(order, k)
		case "output", "build-output":
			output[k] = append(output[k], e.Output)
		case "pass", "skip":
			if e.Test == "" {
				if e.Action == "skip" {
					fmt.Printf("?   \t%s\t[no test files]\n", e.Package)
				} else {
					fmt.Printf("ok  \t%s\t%.3fs\n", e.Package, e.Elapsed)
				}
				dropPackage(output, running, e.Package)
				continue
			}
			delete(running, k)
			delete(output, k)
		case "fail", "build-fail":
			failed = true
			if e.Test != "" {
				delete(running, k)
				fmt.Printf("--- FAIL: %s %s (%.2fs), its whole output:\n", e.Package, e.Test, e.Elapsed)
				printLines(output[k])
				delete(output, k)
				continue
			}
			// The package failed: tests still running crashed or timed
			// out with it.
			for _, t := range order {
				if t.pkg == e.Package && running[t] {
					fmt.Printf("--- UNFINISHED: %s %s (running when the package failed), its whole output:\n", t.pkg, t.test)
					printLines(output[t])
				}
			}
			fmt.Printf("FAIL\t%s\t%.3fs, the package's own output:\n", e.Package, e.Elapsed)
			printLines(output[testKey{e.Package, ""}])
			dropPackage(output, running, e.Package)
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "testlog:", err)
		os.Exit(2)
	}
	if failed {
		os.Exit(1)
	}
}

func printLines(lines []string) {
	if len(lines) > maxLines {
		fmt.Printf("    ... %d earlier lines are in the JSON log ...\n", len(lines)-maxLines)
		lines = lines[len(lines)-maxLines:]
	}
	for _, l := range lines {
		fmt.Print("    ", l)
		if !strings.HasSuffix(l, "\n") {
			fmt.Println()
		}
	}
}

func dropPackage(output map[testKey][]string, running map[testKey]bool, pkg string) {
	for k := range output {
		if k.pkg == pkg {
			delete(output, k)
		}
	}
	for k := range running {
		if k.pkg == pkg {
			delete(running, k)
		}
	}
}
