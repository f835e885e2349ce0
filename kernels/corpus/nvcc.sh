#!/usr/bin/env bash
# nvcc.sh: builds the PTX corpus (kernels/corpus/*.cu, the nvcc-only
# sources included) with NVIDIA's nvcc, for a machine that has the CUDA
# toolkit (and need not have Go). Run it from anywhere in the checkout:
#
#   kernels/corpus/nvcc.sh OUTDIR
#
# OUTDIR receives at most five files:
#   corpus-nvcc.tar.gz   SOURCE.nvcc.ARCH.ptx (nvcc -ptx) and the fatbins
#                        SOURCE.nvcc[-VARIANT].ARCH.fatbin (nvcc -fatbin),
#                        named for testdata/ptx/ (untar them there)
#   nvcc-version.txt     nvcc --version, and the --help lines the script
#                        relied on
#   nvcc-build.log       every command with its output; failures marked
#   ptxas-clang.log      ptxas's verdict on the committed clang PTX
#                        (testdata/ptx/*.clang*.ptx)
#   summary.txt          what was built, what failed
# The fatbin variants (each for sm_80 and sm_90, SASS + PTX unless said):
#   nvcc                 nvcc's defaults (which compress only large entries)
#   nvcc-all             -Xfatbin -compress-all (every entry compressed)
#   nvcc-nocompress      --no-compress, when nvcc --help lists it
#   nvcc-MODE            --compress-mode=MODE -Xfatbin -compress-all, for
#                        each MODE nvcc --help lists (CUDA 12.8+: default,
#                        size, speed, balance, none)
#   nvcc-ptxonly         PTX only (code=compute_XX), -Xfatbin -compress-all
# The flags come from nvcc --help: an option that this nvcc does not list
# is skipped and said so in summary.txt, never guessed.
# Exit status: 0 when every build succeeded, 1 otherwise (the outputs are
# written either way).
set -uo pipefail

OUTDIR=${1:?usage: kernels/corpus/nvcc.sh OUTDIR}
mkdir -p "$OUTDIR" || exit 2
OUTDIR=$(cd "$OUTDIR" && pwd)
cd "$(dirname "$0")/../.." || exit 2

NVCC=${NVCC:-nvcc}
command -v "$NVCC" >/dev/null || {
  echo "nvcc.sh: $NVCC not found (set NVCC= or put the CUDA toolkit's bin on PATH)" >&2
  exit 2
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/shal-nvcc.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
B=$WORK/ptx
mkdir -p "$B"
LOG=$OUTDIR/nvcc-build.log
SUM=$OUTDIR/summary.txt
: >"$LOG"
: >"$SUM"
failures=0

run() { # description, command...
  local what=$1
  shift
  {
    echo "== $what"
    echo "\$ $*"
  } >>"$LOG"
  if "$@" >>"$LOG" 2>&1; then
    echo "ok" >>"$LOG"
    return 0
  fi
  echo "FAILED" >>"$LOG"
  echo "FAILED: $what" >>"$SUM"
  failures=$((failures + 1))
  return 1
}

HELP=$("$NVCC" --help 2>&1)
{
  "$NVCC" --version
  echo
  echo "nvcc --help, the options this script uses:"
  grep -E -A4 -- '--compress-mode|--no-compress|^--fatbin|^--ptx|Xfatbin' <<<"$HELP"
} >"$OUTDIR/nvcc-version.txt" 2>&1

has_opt() { grep -q -- "$1" <<<"$HELP"; }

# --compress-mode's values as nvcc --help lists them ("Allowed values for
# this option: 'default','size','speed','balance','none'." on CUDA 12.8+).
MODES=()
if has_opt '--compress-mode'; then
  # CUDA 13.0 prints the values in the option's own line:
  # "--compress-mode [default,size,speed,balance,none]   (-compress-mode)";
  # some 12.x releases print "Allowed values for this option: 'a','b'."
  # a few lines below it.
  mapfile -t MODES < <(grep -o -- '--compress-mode \[[a-z,]*\]' <<<"$HELP" | head -n 1 |
    sed 's/.*\[//; s/\]//' | tr ',' '\n')
  if [ ${#MODES[@]} -eq 0 ]; then
    mapfile -t MODES < <(awk '/--compress-mode/ && !on { on = NR } on && NR - on > 12 { exit } on && /Allowed values/ { print; exit }' <<<"$HELP" |
      grep -o "'[a-z]*'" | tr -d "'")
  fi
  [ ${#MODES[@]} -gt 0 ] || echo "note: --compress-mode listed but its values were not found in --help" >>"$SUM"
else
  echo "note: this nvcc has no --compress-mode (CUDA < 12.8); only -Xfatbin -compress-all variants" >>"$SUM"
fi
HAS_NO_COMPRESS=0
if has_opt '--no-compress'; then HAS_NO_COMPRESS=1; else echo "note: no --no-compress in nvcc --help" >>"$SUM"; fi

ARCHES=(sm_80 sm_90)
COMMON=(-O3 -Ikernels/gpu -std=c++17)

# One job per source (nvcc is slow and single-threaded): each writes its
# own log and summary lines, merged in source order afterwards.
build_source() { # src
  local src=$1 name arch num m
  name=$(basename "$src" .cu)
  LOG=$WORK/log.$name SUM=$WORK/sum.$name
  : >"$LOG"
  : >"$SUM"
  for arch in "${ARCHES[@]}"; do
    num=${arch#sm_}
    run "$name $arch ptx" "$NVCC" -ptx "${COMMON[@]}" -arch="$arch" \
      -o "$B/$name.nvcc.$arch.ptx" "$src"
    run "$name $arch fatbin (defaults)" "$NVCC" -fatbin "${COMMON[@]}" -arch="$arch" \
      -o "$B/$name.nvcc.$arch.fatbin" "$src"
    run "$name $arch fatbin -compress-all" "$NVCC" -fatbin "${COMMON[@]}" -arch="$arch" \
      -Xfatbin -compress-all -o "$B/$name.nvcc-all.$arch.fatbin" "$src"
    if [ "$HAS_NO_COMPRESS" = 1 ]; then
      run "$name $arch fatbin --no-compress" "$NVCC" -fatbin "${COMMON[@]}" -arch="$arch" \
        --no-compress -o "$B/$name.nvcc-nocompress.$arch.fatbin" "$src"
    fi
    for m in "${MODES[@]}"; do
      run "$name $arch fatbin --compress-mode=$m" "$NVCC" -fatbin "${COMMON[@]}" -arch="$arch" \
        --compress-mode="$m" -Xfatbin -compress-all \
        -o "$B/$name.nvcc-$m.$arch.fatbin" "$src"
    done
    run "$name $arch fatbin PTX only" "$NVCC" -fatbin "${COMMON[@]}" \
      -gencode "arch=compute_$num,code=compute_$num" -Xfatbin -compress-all \
      -o "$B/$name.nvcc-ptxonly.$arch.fatbin" "$src"
  done
}

JOBS=${JOBS:-$(nproc 2>/dev/null || echo 4)}
for src in kernels/corpus/*.cu; do
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
  build_source "$src" &
done
wait
for src in kernels/corpus/*.cu; do
  name=$(basename "$src" .cu)
  cat "$WORK/log.$name" >>"$LOG"
  cat "$WORK/sum.$name" >>"$SUM"
done
built=$(grep -c '^ok$' "$LOG")
failures=$(grep -c '^FAILED: ' "$SUM")

# What the fatbins hold, for the record.
if command -v cuobjdump >/dev/null; then
  for f in "$B"/*.nvcc-all.sm_90.fatbin; do
    [ -e "$f" ] || continue
    run "cuobjdump $(basename "$f")" cuobjdump --list-elf --list-ptx "$f"
  done
fi

# ptxas on the committed clang PTX: the assembler's verdict on what the
# CPU and Vulkan translators are tested with.
PLOG=$OUTDIR/ptxas-clang.log
: >"$PLOG"
if command -v ptxas >/dev/null; then
  for f in testdata/ptx/*.clang*.ptx; do
    [ -e "$f" ] || continue
    arch=$(sed -n 's/^\.target \(sm_[0-9a-z]*\)$/\1/p' "$f")
    if ptxas -arch="$arch" -o /dev/null "$f" >>"$PLOG" 2>&1; then
      echo "ok $f" >>"$PLOG"
    else
      echo "REJECTED $f" >>"$PLOG"
      echo "FAILED: ptxas rejects $f" >>"$SUM"
      failures=$((failures + 1))
    fi
  done
else
  echo "ptxas not on PATH" >>"$PLOG"
fi

(cd "$B" && tar czf "$OUTDIR/corpus-nvcc.tar.gz" $(ls | sort)) || {
  echo "FAILED: tar" >>"$SUM"
  failures=$((failures + 1))
}
size=$(stat -c %s "$OUTDIR/corpus-nvcc.tar.gz" 2>/dev/null || echo 0)
{
  echo "built $built files from $(ls kernels/corpus/*.cu | wc -l) sources; $failures failure(s)"
  echo "corpus-nvcc.tar.gz: $size bytes"
  [ "$size" -le $((16 << 20)) ] || echo "WARNING: the tar is over 16 MiB"
} >>"$SUM"
cat "$SUM"
[ "$failures" = 0 ]
