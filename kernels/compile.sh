#!/usr/bin/env bash
# compile.sh: builds streamhal's test kernels for every target into testdata/
# with Debian's compilers and checks the results. The test modules
# (test_kernels.fat, vector_add.fat) come from one CUDA source,
# kernels/gpu/test_kernels.cu, through streamhal build: PTX and AMDGPU from
# clang 19, the cpu-elf entry from ptx/cgen; Vulkan translates the PTX. The
# SHAL C libraries (the hand-tuned CPU path) and the GLSL baselines are
# built beside them. See kernels/README.md.
#
#   kernels/compile.sh              build, check, write testdata/
#   kernels/compile.sh --selftest   also build and run the CPU selftest
#   kernels/compile.sh --check      build and check, leave testdata/ alone;
#                                   fails if testdata/ is out of date
#
# Missing tools are installed with apt-get (needs root; Debian 12):
# gcc, clang-19 lld-19 llvm-19 (streamhal build), clang-16 lld-16 llvm-16
# (the corpus's clang 16 builds), glslang-tools, spirv-tools; and go.
# Outputs are reproducible: a file in testdata/ is rewritten only when its
# bytes change, so running the script twice changes nothing. At the end it
# runs kernels/corpus/build.sh (the PTX corpus, testdata/ptx/) the same way,
# and rebuilds (or, with --check, checks) the modules that go generate
# builds with streamhal build (kernels/deviceapi, examples/softmax).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=testdata

SELFTEST=0
CHECK_ONLY=0
for arg in "$@"; do
  case "$arg" in
    --selftest) SELFTEST=1 ;;
    --check) CHECK_ONLY=1 ;;
    -h | --help)
      sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "compile.sh: unknown argument $arg (try --help)" >&2
      exit 2
      ;;
  esac
done

log() { printf 'compile.sh: %s\n' "$*" >&2; }
die() {
  printf 'compile.sh: error: %s\n' "$*" >&2
  exit 1
}

# ---- tools ----

LLVM16=/usr/lib/llvm-16/bin
LLVM19=/usr/lib/llvm-19/bin

ensure_tools() {
  local pkgs=()
  command -v cc >/dev/null || pkgs+=(gcc libc6-dev)
  [ -x "$LLVM16/clang" ] || pkgs+=(clang-16)
  [ -x "$LLVM16/ld.lld" ] || pkgs+=(lld-16)
  [ -x "$LLVM16/llvm-readelf" ] || pkgs+=(llvm-16)
  [ -x "$LLVM19/clang" ] || pkgs+=(clang-19)
  [ -x "$LLVM19/ld.lld" ] || pkgs+=(lld-19)
  [ -x "$LLVM19/llvm-readelf" ] || pkgs+=(llvm-19)
  command -v glslangValidator >/dev/null || pkgs+=(glslang-tools)
  { command -v spirv-link && command -v spirv-val && command -v spirv-dis; } \
    >/dev/null || pkgs+=(spirv-tools)
  [ ${#pkgs[@]} -eq 0 ] && return
  [ "$(id -u)" = 0 ] || die "missing tools; as root run: apt-get install -y ${pkgs[*]}"
  log "installing ${pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >&2
}
ensure_tools

CC=${CC:-cc}
CLANG19=$LLVM19/clang
READELF=$LLVM19/llvm-readelf
command -v go >/dev/null || die "go not found (streamhal build, shalfat)"
# streamhal build looks for clang-19 in $PATH first.
export PATH="$LLVM19:$PATH"

# ---- build directory ----

# A fixed relative layout under a fresh directory: compilers see the same
# relative paths on every machine, so outputs do not depend on where the
# checkout lives.
BUILD=$(mktemp -d "${TMPDIR:-/tmp}/shal-kernels.XXXXXX")
trap 'rm -rf "$BUILD"' EXIT
mkdir -p "$BUILD/out"
B=$BUILD/out

CPU_FLAGS=(-O3 -std=c11 -Wall -Wextra -Werror -shared -fPIC -fvisibility=hidden -Ikernels)
GLSL_FLAGS=(--target-env vulkan1.2)

PTX_ARCHES=(sm_80 sm_90)
AMD_ARCHES=(gfx90a gfx942)
# The hand-written GLSL kept as the benchmark baselines of the PTX-to-SPIR-V
# translation (go test ./hal/vulkan -bench PTXvsGLSL) and, vector_add, as
# the GLSL example of kernels/README.md. The test kernels themselves reach
# Vulkan as PTX, translated by ptx/spirvgen when the module loads.
GLSL_BASELINES=(vector_add saxpy matrix_multiply reduce_sum)

# ---- build ----

# The hand-tuned CPU path (the SHAL C dialect): the benchmark baseline of
# the PTX-to-C translation, and the library of the CPU conformance suite.
build_cpu() { # output defines... (SRC: the source, test_kernels.c by default)
  local out=$1
  shift
  "$CC" "${CPU_FLAGS[@]}" "$@" -o "$out" "kernels/cpu/${SRC:-test_kernels.c}"
}

build_spv() { # kernel output
  glslangValidator "${GLSL_FLAGS[@]}" -e "$1" --source-entrypoint main \
    -o "$2" "kernels/spirv/$1.comp" >"$BUILD/glslang.log" 2>&1 ||
    { cat "$BUILD/glslang.log" >&2; die "glslangValidator $1 failed"; }
}

log "building CPU (x86_64) from the SHAL C dialect"
build_cpu "$B/test_kernels.x86_64.so"
build_cpu "$B/vector_add.x86_64.so" -DSHAL_ONLY_VECTOR_ADD
SRC=fault_kernels.c build_cpu "$B/fault_kernels.x86_64.so"

# The GPU and portable modules: one CUDA source each, built by streamhal
# build (clang-19 for PTX and AMDGPU, ptx/cgen and cc for the cpu-elf
# entry); the Vulkan backend translates their PTX. The PTX and AMDGPU
# entries are also written out as files of their own
# (testdata/NAME.TARGET.*) for the tests that load one format, and checked
# below. The commands are the go:generate lines of kernels/generate.go, run
# here into the build directory: go generate ./kernels writes the same
# bytes into testdata/ (CI's generated-files check).
go build -o "$BUILD/streamhal" ./cmd/streamhal
go build -o "$BUILD/shalfat" ./hal/modfile/cmd/shalfat
# No build cache: the cpu-elf entry does not depend on what the user's
# cache holds.
export STREAM_HAL_CACHE_DIR=off
mkdir -p "$BUILD/fat" "$BUILD/x"
GEN=kernels/generate.go
grep -q '^//go:generate go run ../cmd/streamhal build' "$GEN" || die "$GEN: no streamhal build lines"
while read -r line; do
  read -r -a argv <<<"${line#//go:generate go run }"
  tool=${argv[0]##*/}
  for ((i = 1; i < ${#argv[@]}; i++)); do
    # ../testdata/X -> the build directory's copy
    case "${argv[$i]}" in
      ../testdata/*.fat) argv[$i]="$BUILD/fat/${argv[$i]#../testdata/}" ;;
      ../testdata) argv[$i]="$BUILD/x" ;;
    esac
  done
  log "$tool ${argv[*]:1}"
  (cd kernels && "$BUILD/$tool" "${argv[@]:1}" >/dev/null) || die "$GEN: failed: $line"
done < <(grep '^//go:generate go run ' "$GEN")
cp "$BUILD"/fat/*.fat "$BUILD"/x/* "$B/"
for f in test_kernels vector_add spin_forever; do
  [ -f "$B/$f.fat" ] || die "$GEN did not build $f.fat"
done
for p in test_kernels vector_add; do
  mkdir -p "$BUILD/cpu/$p"
  "$BUILD/shalfat" -extract "$BUILD/cpu/$p" -formats cpu-elf "$B/$p.fat" >/dev/null
done
SB_ARCHES=$(
  IFS=,
  echo "${PTX_ARCHES[*]}"
)
SB_AMD=$(
  IFS=,
  echo "${AMD_ARCHES[*]}"
)

log "building the GLSL baselines (SPIR-V)"
mkdir -p "$BUILD/spv"
for k in "${GLSL_BASELINES[@]}"; do
  build_spv "$k" "$BUILD/spv/$k.spv"
done
spv_inputs=()
for k in "${GLSL_BASELINES[@]}"; do spv_inputs+=("$BUILD/spv/$k.spv"); done
spirv-link --target-env vulkan1.2 -o "$B/glsl_baselines.spv" "${spv_inputs[@]}" ||
  die "spirv-link failed"
cp "$BUILD/spv/vector_add.spv" "$B/vector_add.spv"

# ---- check ----

# The parameter table of kernels/README.md: name | offset:size ... | PTX
# parameter types. Every target must agree with it.
EXPECT=(
  "vector_add|0:8 8:8 16:8 24:4|u64 u64 u64 u32"
  "vector_add_scaled|0:8 8:8 16:8 24:4 28:4 32:4|u64 u64 u64 f32 f32 u32"
  "saxpy|0:4 4:4 8:8 16:8|u32 f32 u64 u64"
  "matrix_multiply|0:8 8:8 16:8 24:4 28:4 32:4|u64 u64 u64 u32 u32 u32"
  "reduce_sum|0:8 8:8 16:4|u64 u64 u32"
  "empty||"
  "scale_by_global|0:8 8:8 16:4|u64 u64 u32"
  "args_probe|0:1 2:2 4:4 8:8 16:4 24:8 32:8 40:8|u8 u16 u32 u64 f32 f64 b8[8] u64"
  "spin_forever|0:8 8:8|u64 u64"
)

expect_field() { # kernel field-number
  local e
  for e in "${EXPECT[@]}"; do
    if [ "${e%%|*}" = "$1" ]; then
      echo "$e" | cut -d'|' -f"$2"
      return
    fi
  done
  die "no expectation for $1"
}

# PTX: one `.visible .entry NAME(` per kernel with the expected parameter
# types, and the global.
check_ptx() { # file kernels...
  local f=$1 k got want
  shift
  for k in "$@"; do
    grep -q "^\.visible \.entry $k(" "$f" || die "$f: no .entry $k"
    got=$(awk -v k="$k" '
      $0 ~ "^\\.visible \\.entry " k "\\(\\)" { exit }
      $0 ~ "^\\.visible \\.entry " k "\\(" { on = 1; next }
      on && /^\)/ { exit }
      on && /\.param/ {
        t = ""; n = ""
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^\.(u|s|b|f)[0-9]+$/) t = substr($i, 2)
          if ($i ~ /_param_[0-9]+/) n = $i
        }
        gsub(/,/, "", n)
        if (match(n, /\[[0-9]+\]/)) t = t substr(n, RSTART, RLENGTH)
        printf "%s%s", sep, t; sep = " "
      }' "$f")
    want=$(expect_field "$k" 3)
    [ "$got" = "$want" ] || die "$f: $k parameters ($got), want ($want)"
  done
  if printf '%s\n' "$@" | grep -qx scale_by_global; then
    grep -q '^\.visible \.global \.align 4 \.f32 global_scale = 0f40000000;' "$f" ||
      die "$f: global_scale missing"
  fi
}

# AMDGPU: the metadata note lists each kernel with its explicit .args
# (offset:size, hidden_* arguments left out).
check_hsaco() { # file arch kernels...
  local f=$1 arch=$2 k got want notes
  shift 2
  notes=$("$READELF" --notes "$f")
  grep -q "amdhsa.target: *amdgcn-amd-amdhsa--$arch" <<<"$notes" ||
    die "$f: not a $arch code object"
  grep -q '^amdhsa.kernels:' <<<"$notes" || die "$f: no amdhsa.kernels metadata"
  for k in "$@"; do
    got=$(awk -v k="$k" '
      /^  - / { args = ""; sep = "" }
      /^ +(- )?\.offset:/ { off = $NF }
      /^ +(- )?\.size:/ { size = $NF }
      /^ +(- )?\.value_kind:/ {
        if ($NF !~ /^hidden_/) { args = args sep off ":" size; sep = " " }
      }
      /^    \.name:/ && $NF == k { print args; found = 1; exit }
      END { if (!found) print "MISSING" }' <<<"$notes")
    want=$(expect_field "$k" 2)
    [ "$got" = "$want" ] || die "$f: $k .args ($got), want ($want)"
  done
  local n
  n=$(grep -c '^    \.name:' <<<"$notes")
  [ "$n" = $# ] || die "$f: $n kernels, want $#"
}

# SPIR-V: valid for Vulkan 1.2, one GLCompute entry point per kernel, and
# each kernel's push-constant member Offsets equal to the C offsets.
check_spv_offsets() { # single-kernel-file kernel
  local got want
  got=$(spirv-dis "$1" | awk '
    /OpMemberDecorate %Params [0-9]+ Offset/ { printf "%s%s", sep, $NF; sep = " " }')
  want=$(expect_field "$2" 2 | sed -E 's/:[0-9]+//g')
  [ "$got" = "$want" ] || die "$1: $2 push-constant offsets ($got), want ($want)"
}

check_spv() { # file kernels...
  local f=$1 k
  shift
  spirv-val --target-env vulkan1.2 "$f" || die "$f: spirv-val failed"
  local dis
  dis=$(spirv-dis "$f")
  for k in "$@"; do
    grep -q "OpEntryPoint GLCompute %$k \"$k\"" <<<"$dis" || die "$f: no entry point $k"
  done
  local n
  n=$(grep -c 'OpEntryPoint' <<<"$dis")
  [ "$n" = $# ] || die "$f: $n entry points, want $#"
}

check_cpu() { # file kernels...
  local f=$1
  nm -D --defined-only "$f" | grep -q ' T streamhal_cpu_library$' ||
    die "$f: does not export streamhal_cpu_library"
}

GPU_KERNELS=(vector_add vector_add_scaled saxpy matrix_multiply reduce_sum empty scale_by_global args_probe)

log "checking"
check_cpu "$B/test_kernels.x86_64.so"
check_cpu "$B/vector_add.x86_64.so"
check_cpu "$B/fault_kernels.x86_64.so"
for p in test_kernels vector_add; do
  check_cpu "$BUILD/cpu/$p/$p.x86_64.so"
done
check_ptx "$B/spin_forever.sm_80.ptx" spin_forever
for a in "${AMD_ARCHES[@]}"; do
  check_hsaco "$B/spin_forever.$a.hsaco" "$a" spin_forever
done
for a in "${PTX_ARCHES[@]}"; do
  grep -q "^\.target $a$" "$B/test_kernels.$a.ptx" || die "test_kernels.$a.ptx: wrong .target"
  check_ptx "$B/test_kernels.$a.ptx" "${GPU_KERNELS[@]}"
  check_ptx "$B/vector_add.$a.ptx" vector_add
done
for a in "${AMD_ARCHES[@]}"; do
  check_hsaco "$B/test_kernels.$a.hsaco" "$a" "${GPU_KERNELS[@]}"
  check_hsaco "$B/vector_add.$a.hsaco" "$a" vector_add
done
for k in "${GLSL_BASELINES[@]}"; do
  spirv-val --target-env vulkan1.2 "$BUILD/spv/$k.spv" || die "$k.spv: spirv-val failed"
  check_spv_offsets "$BUILD/spv/$k.spv" "$k"
done
check_spv "$B/glsl_baselines.spv" "${GLSL_BASELINES[@]}"
check_spv "$B/vector_add.spv" vector_add
if command -v ptxas >/dev/null; then
  for a in "${PTX_ARCHES[@]}"; do
    ptxas -arch="$a" -o /dev/null "$B/test_kernels.$a.ptx" || die "ptxas $a failed"
  done
  log "ptxas accepted the PTX"
else
  log "ptxas not installed: PTX checked for structure only"
fi

if [ "$SELFTEST" = 1 ]; then
  log "running the CPU selftest"
  "$CC" -O2 -std=c11 -Wall -Wextra -Werror -Ikernels -o "$BUILD/selftest" \
    kernels/cpu/selftest.c -ldl -lpthread -lm
  "$BUILD/selftest" "$B/test_kernels.x86_64.so"
  "$BUILD/selftest" "$B/vector_add.x86_64.so" vector_add
fi

# ---- install ----

tool_version() { "$@" 2>&1 | head -n 1; }

write_readme() { # file
  local f
  {
    cat <<'EOF'
# testdata: prebuilt streamhal test kernels

Generated by `kernels/compile.sh` from the sources in `kernels/`; do not edit
by hand, rerun the script (it rewrites only files whose bytes change). The
kernels, their parameters and semantics are described in `kernels/README.md`.

## Compilers

EOF
    echo "- CPU (SHAL C): \`$(tool_version "$CC" --version)\`"
    echo "- streamhal build (PTX, AMDGPU; cpu-elf from ptx/cgen and cc): \`$(tool_version "$CLANG19" --version)\`, ld.lld 19, \`$(tool_version "$CC" --version)\`"
    echo "- SPIR-V (GLSL baselines): \`glslangValidator $(glslangValidator --version 2>&1 | sed -n 's/^Glslang Version: //p')\`, \`$(tool_version spirv-link --version)\`"
    cat <<EOF

## Files

| file | target | built with | kernels |
|---|---|---|---|
| test_kernels.fat | sm_80, sm_90 (ptx), gfx90a, gfx942 (amdgpu), x86_64 (cpu-elf) | \`streamhal build -arch $SB_ARCHES -amdgpu $SB_AMD gpu/test_kernels.cu\` (kernels/generate.go, \`go generate ./kernels\`; the cpu-elf entry is the PTX translated by ptx/cgen; the Vulkan backend translates the PTX with ptx/spirvgen when it loads the module) | the GPU eight: vector_add, vector_add_scaled, saxpy, matrix_multiply, reduce_sum, empty, scale_by_global (+ global \`global_scale\`), args_probe |
| vector_add.fat | as test_kernels.fat | the same with \`-D SHAL_ONLY_VECTOR_ADD\` | vector_add |
EOF
    for p in test_kernels vector_add; do
      for a in "${PTX_ARCHES[@]}"; do
        echo "| $p.$a.ptx | $a (ptx) | the $a entry of $p.fat (\`shalfat -extract\`) | as $p.fat |"
      done
      for a in "${AMD_ARCHES[@]}"; do
        echo "| $p.$a.hsaco | $a (amdgpu, code object v5) | the $a entry of $p.fat | as $p.fat |"
      done
    done
    cat <<EOF
| spin_forever.fat | sm_80 (ptx), gfx90a, gfx942 (amdgpu) | \`streamhal build -arch sm_80 -amdgpu $SB_AMD -cpu=false gpu/spin_forever.cu\` (kernels/generate.go) | spin_forever (the bounded-Close tests; the CPU twin is in fault_kernels) |
| spin_forever.sm_80.ptx | sm_80 (ptx) | the sm_80 entry of spin_forever.fat | spin_forever (the Vulkan backend translates this PTX) |
EOF
    for a in "${AMD_ARCHES[@]}"; do
      echo "| spin_forever.$a.hsaco | $a (amdgpu) | the $a entry of spin_forever.fat | spin_forever |"
    done
    cat <<EOF
| test_kernels.x86_64.so | x86_64 (cpu-elf) | \`cc ${CPU_FLAGS[*]} kernels/cpu/test_kernels.c\` (the hand-tuned SHAL C path) | all nine: the GPU eight and grid_sum (cooperative) |
| vector_add.x86_64.so | x86_64 (cpu-elf) | same, \`-DSHAL_ONLY_VECTOR_ADD\` | vector_add |
| fault_kernels.x86_64.so | x86_64 (cpu-elf) | \`cc ${CPU_FLAGS[*]} kernels/cpu/fault_kernels.c\` | kernels that fault, overrun or spin on request (the fault-containment, memcheck and Close tests): poke, fill_u32, read_u32, block_sum (at most 256 threads), block_sum_undeclared, divide, trap, copy_bytes, spin_forever, grid_poke (cooperative) |
| glsl_baselines.spv | vulkan1.2 (spirv) | \`glslangValidator ${GLSL_FLAGS[*]} -e NAME --source-entrypoint main kernels/spirv/NAME.comp\` per kernel, then \`spirv-link --target-env vulkan1.2\` | ${GLSL_BASELINES[*]}: hand-written GLSL, the baselines of \`go test ./hal/vulkan -bench PTXvsGLSL\` (not the test kernels) |
| vector_add.spv | vulkan1.2 (spirv) | glslangValidator as above | vector_add (the GLSL example) |
EOF
    cat <<'EOF'

grid_sum (cooperative: a grid barrier) is in the SHAL C library only: its
CUDA form reads the grid workspace from %envreg, which the Vulkan
translation refuses, and one such kernel would keep the whole module off
Vulkan. AMDGPU metadata also lists `hidden_*` kernel arguments after the
explicit ones (code object v5); they are not parameters.

## Checksums (sha256)

```
EOF
    (cd "$B" && for f in $(ls | sort); do sha256sum "$f"; done)
    echo '```'
  } >"$1"
}
write_readme "$BUILD/README.md"
mv "$BUILD/README.md" "$B/README.md"

mkdir -p "$OUT"
changed=0
for f in $(cd "$B" && ls | sort); do
  if ! cmp -s "$B/$f" "$OUT/$f"; then
    changed=$((changed + 1))
    if [ "$CHECK_ONLY" = 1 ]; then
      log "out of date: $OUT/$f"
    else
      install -m 0644 "$B/$f" "$OUT/$f"
      log "wrote $OUT/$f"
    fi
  fi
done
# Files a former layout wrote (the hand-written GLSL test modules) go.
for f in $(cd "$OUT" && find . -maxdepth 1 -type f -printf '%f\n' | sort); do
  if [ ! -e "$B/$f" ]; then
    changed=$((changed + 1))
    if [ "$CHECK_ONLY" = 1 ]; then
      log "not built any more: $OUT/$f"
    else
      rm -f "$OUT/$f"
      log "removed $OUT/$f"
    fi
  fi
done
if [ "$CHECK_ONLY" = 1 ] && [ "$changed" -gt 0 ]; then
  die "$changed file(s) in $OUT/ differ from a fresh build; run kernels/compile.sh"
fi
log "done ($changed file(s) changed)"

# ---- modules built by streamhal build ----

# CUDA sources built with `streamhal build` (the workflow of
# kernels/README.md): each directory's go:generate lines say how. In
# --check mode they are built into the build directory and compared.
STREAMHAL_BUILT=(kernels/deviceapi examples/softmax)
if command -v go >/dev/null; then
  go build -o "$BUILD/streamhal" ./cmd/streamhal
  for d in "${STREAMHAL_BUILT[@]}"; do
    while read -r line; do
      # //go:generate go run ../../cmd/streamhal build ARGS... -o OUT SRC
      args=${line#*cmd/streamhal }
      read -r -a argv <<<"$args"
      out=""
      for ((i = 0; i < ${#argv[@]}; i++)); do
        if [ "${argv[$i]}" = -o ]; then out=${argv[$((i + 1))]}; argv[$((i + 1))]="$BUILD/gen.fat"; fi
      done
      [ -n "$out" ] || die "$d: go:generate line without -o: $line"
      (cd "$d" && "$BUILD/streamhal" "${argv[@]}" >/dev/null) || die "streamhal build failed in $d"
      if ! cmp -s "$BUILD/gen.fat" "$d/$out"; then
        if [ "$CHECK_ONLY" = 1 ]; then
          die "$d/$out differs from a fresh streamhal build; run go generate ./$d"
        fi
        install -m 0644 "$BUILD/gen.fat" "$d/$out"
        log "wrote $d/$out"
      fi
    done < <(grep -h '^//go:generate go run ../../cmd/streamhal build' "$d"/*.go)
  done
else
  log "notice: go not found; skipping the streamhal build modules"
fi

# ---- the PTX corpus ----

# kernels/corpus/*.cu into testdata/ptx/ (its own script: see
# kernels/README.md, "The PTX corpus").
if [ "$CHECK_ONLY" = 1 ]; then
  kernels/corpus/build.sh --check
else
  kernels/corpus/build.sh
fi
