package spirv

//go:generate go run ./gen -o .

// Refresh the trimmed grammar from a newer SPIRV-Headers checkout with
//
//	go run ./gen -trim SPIRV-Headers/include/spirv/unified1/spirv.core.grammar.json
//	cp SPIRV-Headers/include/spirv/unified1/extinst.glsl.std.450.grammar.json testdata/
//	go generate ./internal/spirv
//
// and record the commit in testdata/README.md.
