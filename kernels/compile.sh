#!/usr/bin/env bash
# compile.sh: builds streamhal's test kernels for every target into testdata/
# with Debian's compilers, checks the results, and bundles them into fat
# modules. See kernels/README.md.
#
#   kernels/compile.sh              build, check, write testdata/
#   kernels/compile.sh --selftest   also build and run the CPU selftest
#   kernels/compile.sh --check      build and check, leave testdata/ alone;
#                                   fails if testdata/ is out of date
#
# Missing tools are installed with apt-get (needs root; Debian 12):
# gcc, clang-16 lld-16 llvm-16 (PTX, gfx90a), clang-19 lld-19 llvm-19
# (gfx942, which clang-16 does not know), glslang-tools, spirv-tools.
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
CLANG16=$LLVM16/clang
CLANG19=$LLVM19/clang
READELF=$LLVM16/llvm-readelf

# ---- build directory ----

# A fixed relative layout under a fresh directory: compilers see the same
# relative paths on every machine, so outputs do not depend on where the
# checkout lives.
BUILD=$(mktemp -d "${TMPDIR:-/tmp}/shal-kernels.XXXXXX")
trap 'rm -rf "$BUILD"' EXIT
mkdir -p "$BUILD/out"
B=$BUILD/out

CPU_FLAGS=(-O3 -std=c11 -Wall -Wextra -Werror -shared -fPIC -fvisibility=hidden -Ikernels)
PTX_FLAGS=(-x cuda --cuda-device-only -nocudainc -nocudalib -S -O3 -Wall -Wextra -Werror -Ikernels/gpu)
# -fuse-cuid=none: clang 19 otherwise names a symbol after a random id.
HIP_FLAGS=(-x hip --cuda-device-only -nogpulib -nogpuinc --no-gpu-bundle-output
  -mcode-object-version=5 -fuse-cuid=none -O3 -Wall -Wextra -Werror -Ikernels/gpu)
GLSL_FLAGS=(--target-env vulkan1.2)

# clang for an AMDGPU target: 16 where it knows the chip, else 19.
hip_clang() {
  case "$1" in
    gfx942) echo "$CLANG19" ;;
    *) echo "$CLANG16" ;;
  esac
}
hip_clang_name() {
  case "$1" in
    gfx942) echo clang-19 ;;
    *) echo clang-16 ;;
  esac
}
hip_path() {
  case "$1" in
    gfx942) echo "$LLVM19" ;;
    *) echo "$LLVM16" ;;
  esac
}

PTX_ARCHES=(sm_80 sm_90)
AMD_ARCHES=(gfx90a gfx942)
SPIRV_KERNELS=(vector_add vector_add_scaled saxpy matrix_multiply reduce_sum empty)

# ---- build ----

build_cpu() { # output defines... (SRC: the source, test_kernels.c by default)
  local out=$1
  shift
  "$CC" "${CPU_FLAGS[@]}" "$@" -o "$out" "kernels/cpu/${SRC:-test_kernels.c}"
}

build_ptx() { # arch output defines... (SRC: the source, test_kernels.cu by default)
  local arch=$1 out=$2
  shift 2
  "$CLANG16" "${PTX_FLAGS[@]}" --cuda-gpu-arch="$arch" "$@" -o "$out" "kernels/gpu/${SRC:-test_kernels.cu}"
}

build_hsaco() { # arch output defines... (SRC: the source, test_kernels.cu by default)
  local arch=$1 out=$2
  shift 2
  PATH="$(hip_path "$arch"):$PATH" "$(hip_clang "$arch")" "${HIP_FLAGS[@]}" \
    --offload-arch="$arch" "$@" -o "$out" "kernels/gpu/${SRC:-test_kernels.cu}"
}

build_spv() { # kernel output
  glslangValidator "${GLSL_FLAGS[@]}" -e "$1" --source-entrypoint main \
    -o "$2" "kernels/spirv/$1.comp" >"$BUILD/glslang.log" 2>&1 ||
    { cat "$BUILD/glslang.log" >&2; die "glslangValidator $1 failed"; }
}

log "building CPU (x86_64)"
build_cpu "$B/test_kernels.x86_64.so"
build_cpu "$B/vector_add.x86_64.so" -DSHAL_ONLY_VECTOR_ADD
SRC=fault_kernels.c build_cpu "$B/fault_kernels.x86_64.so"

# spin_forever, the kernel of the bounded-Close tests, for the GPU targets
# (its CPU twin is in fault_kernels.c).
log "building spin_forever (PTX sm_80, AMDGPU)"
SRC=spin_forever.cu build_ptx sm_80 "$B/spin_forever.sm_80.ptx"
for a in "${AMD_ARCHES[@]}"; do
  SRC=spin_forever.cu build_hsaco "$a" "$B/spin_forever.$a.hsaco"
done

for a in "${PTX_ARCHES[@]}"; do
  log "building PTX $a"
  build_ptx "$a" "$B/test_kernels.$a.ptx"
  build_ptx "$a" "$B/vector_add.$a.ptx" -DSHAL_ONLY_VECTOR_ADD
done

for a in "${AMD_ARCHES[@]}"; do
  log "building AMDGPU $a"
  build_hsaco "$a" "$B/test_kernels.$a.hsaco"
  build_hsaco "$a" "$B/vector_add.$a.hsaco" -DSHAL_ONLY_VECTOR_ADD
done

log "building SPIR-V"
mkdir -p "$BUILD/spv"
for k in "${SPIRV_KERNELS[@]}" args_probe spin_forever; do
  build_spv "$k" "$BUILD/spv/$k.spv"
done
spv_inputs=()
for k in "${SPIRV_KERNELS[@]}"; do spv_inputs+=("$BUILD/spv/$k.spv"); done
spirv-link --target-env vulkan1.2 -o "$B/test_kernels.spv" "${spv_inputs[@]}" ||
  die "spirv-link failed"
cp "$BUILD/spv/vector_add.spv" "$B/vector_add.spv"
cp "$BUILD/spv/args_probe.spv" "$B/args_probe.spv"
cp "$BUILD/spv/spin_forever.spv" "$B/spin_forever.spv"

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
  notes=$("$(hip_path "$arch")/llvm-readelf" --notes "$f")
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
for k in "${SPIRV_KERNELS[@]}" args_probe spin_forever; do
  spirv-val --target-env vulkan1.2 "$BUILD/spv/$k.spv" || die "$k.spv: spirv-val failed"
  [ "$k" = empty ] || check_spv_offsets "$BUILD/spv/$k.spv" "$k"
done
check_spv "$B/test_kernels.spv" "${SPIRV_KERNELS[@]}"
check_spv "$B/vector_add.spv" vector_add
check_spv "$B/args_probe.spv" args_probe
check_spv "$B/spin_forever.spv" spin_forever
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

# ---- fat modules ----

# The container format belongs to hal/modfile; its command writes it.
SHALFAT=hal/modfile/cmd/shalfat
# Entries as target:format:path, paths relative to the build directory.
fat_args() { # prefix
  local p=$1 a
  echo "x86_64:cpu-elf:$p.x86_64.so"
  for a in "${PTX_ARCHES[@]}"; do echo "$a:ptx:$p.$a.ptx"; done
  for a in "${AMD_ARCHES[@]}"; do echo "$a:amdgpu:$p.$a.hsaco"; done
  echo "vulkan1.2:spirv:$p.spv"
}
if compgen -G "$SHALFAT/*.go" >/dev/null && command -v go >/dev/null; then
  log "bundling fat modules with $SHALFAT"
  # Built once (the `go run` of the command), then run inside the build
  # directory so that only relative names reach it.
  go build -o "$BUILD/shalfat" "./$SHALFAT"
  for p in test_kernels vector_add; do
    mapfile -t args < <(fat_args "$p")
    (cd "$B" && "$BUILD/shalfat" -o "$p.fat" "${args[@]}") ||
      die "$SHALFAT failed for $p.fat"
  done
else
  log "notice: $SHALFAT (or go) not found; skipping testdata/*.fat"
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
    echo "- CPU: \`$(tool_version "$CC" --version)\`"
    echo "- PTX and gfx90a: \`$(tool_version "$CLANG16" --version)\`"
    echo "- gfx942: \`$(tool_version "$CLANG19" --version)\` (clang 16 does not know gfx942)"
    echo "- SPIR-V: \`glslangValidator $(glslangValidator --version 2>&1 | sed -n 's/^Glslang Version: //p')\`, \`$(tool_version spirv-link --version)\`"
    cat <<EOF

## Files

| file | target | built with | kernels |
|---|---|---|---|
| test_kernels.x86_64.so | x86_64 (cpu-elf) | \`cc ${CPU_FLAGS[*]} kernels/cpu/test_kernels.c\` | all nine: vector_add, vector_add_scaled, saxpy, matrix_multiply, reduce_sum, empty, scale_by_global (+ global \`global_scale\`), args_probe, grid_sum (cooperative) |
| vector_add.x86_64.so | x86_64 (cpu-elf) | same, \`-DSHAL_ONLY_VECTOR_ADD\` | vector_add |
| fault_kernels.x86_64.so | x86_64 (cpu-elf) | \`cc ${CPU_FLAGS[*]} kernels/cpu/fault_kernels.c\` | kernels that fault, overrun or spin on request (the fault-containment, memcheck and Close tests): poke, fill_u32, read_u32, block_sum (at most 256 threads), block_sum_undeclared, divide, trap, copy_bytes, spin_forever, grid_poke (cooperative) |
| spin_forever.sm_80.ptx | sm_80 (ptx) | \`clang-16 ${PTX_FLAGS[*]} --cuda-gpu-arch=sm_80 kernels/gpu/spin_forever.cu\` | spin_forever (the bounded-Close tests) |
EOF
    for a in "${AMD_ARCHES[@]}"; do
      echo "| spin_forever.$a.hsaco | $a (amdgpu) | \`$(hip_clang_name "$a") ${HIP_FLAGS[*]} --offload-arch=$a kernels/gpu/spin_forever.cu\` | spin_forever |"
    done
    cat <<EOF
    for a in "${PTX_ARCHES[@]}"; do
      echo "| test_kernels.$a.ptx | $a (ptx) | \`clang-16 ${PTX_FLAGS[*]} --cuda-gpu-arch=$a kernels/gpu/test_kernels.cu\` | the GPU eight: vector_add, vector_add_scaled, saxpy, matrix_multiply, reduce_sum, empty, scale_by_global (+ \`.global global_scale\`), args_probe |"
      echo "| vector_add.$a.ptx | $a (ptx) | same, \`-DSHAL_ONLY_VECTOR_ADD\` | vector_add |"
    done
    for a in "${AMD_ARCHES[@]}"; do
      echo "| test_kernels.$a.hsaco | $a (amdgpu, code object v5) | \`$(hip_clang_name "$a") ${HIP_FLAGS[*]} --offload-arch=$a kernels/gpu/test_kernels.cu\` (PATH=$(hip_path "$a"):\$PATH for ld.lld) | the GPU eight (+ \`global_scale\`) |"
      echo "| vector_add.$a.hsaco | $a (amdgpu) | same, \`-DSHAL_ONLY_VECTOR_ADD\` | vector_add |"
    done
    cat <<EOF
| test_kernels.spv | vulkan1.2 (spirv) | \`glslangValidator ${GLSL_FLAGS[*]} -e NAME --source-entrypoint main kernels/spirv/NAME.comp\` per kernel, then \`spirv-link --target-env vulkan1.2\` | ${SPIRV_KERNELS[*]} (one GLCompute entry point each) |
| vector_add.spv | vulkan1.2 (spirv) | glslangValidator as above | vector_add |
| args_probe.spv | vulkan1.2 (spirv) | glslangValidator as above; a module of its own because it needs Int8/Int16/Int64/Float64 and 8/16-bit push-constant storage | args_probe |
| spin_forever.spv | vulkan1.2 (spirv) | glslangValidator as above | spin_forever (the bounded-Close tests) |
EOF
    if [ -f "$B/test_kernels.fat" ]; then
      cat <<EOF
| test_kernels.fat | all (streamhal-fat) | \`go run ./$SHALFAT -o test_kernels.fat\` with x86_64:cpu-elf, sm_80:ptx, sm_90:ptx, gfx90a:amdgpu, gfx942:amdgpu, vulkan1.2:spirv entries from the test_kernels.* files above | as each entry |
| vector_add.fat | all (streamhal-fat) | the same from the vector_add.* files | vector_add |
EOF
    fi
    cat <<'EOF'

Not in SPIR-V: scale_by_global (module-scope globals) and grid_sum (CPU
only; cooperative). AMDGPU metadata also lists `hidden_*` kernel
arguments after the explicit ones (code object v5); they are not parameters.

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
