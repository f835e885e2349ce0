#!/usr/bin/env bash
# bundle.sh DIR: builds the C-API drop-ins (libamdhip64.so.5, libcuda.so.1
# and their links) into DIR, and the HIP test programs (hip_api_demo,
# hip_features, compiled here against Debian's HIP headers, which GPU
# machines may lack). Run it where Go is, from the repository root; carry
# DIR to the GPU machine and run capi/gpu-check.sh DIR there.
set -euo pipefail
dir=${1:?usage: capi/bundle.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
go build -buildmode=c-shared -ldflags=-extldflags=-Wl,-soname,libamdhip64.so.5 -o "$dir/libamdhip64.so.5" ./capi/libamdhip64
go build -buildmode=c-shared -ldflags=-extldflags=-Wl,-soname,libcuda.so.1 -o "$dir/libcuda.so.1" ./capi/libcuda
rm -f "$dir/libamdhip64.so.h" "$dir/libcuda.so.h" "$dir"/*.h
ln -sf libamdhip64.so.5 "$dir/libamdhip64.so"
ln -sf libamdhip64.so.5 "$dir/libamdhip64.so.6"
ln -sf libcuda.so.1 "$dir/libcuda.so"
for p in hip_api_demo hip_features; do
  # hip_api_demo.c relied on its original header for stdio, stdlib and math.
  gcc -O1 -Wall -D__HIP_PLATFORM_AMD__ -include stdio.h -include stdlib.h -include math.h \
    -o "$dir/$p" "capi/libamdhip64/testdata/$p.c" -L"$dir" -lamdhip64 -lm
done
ls -l "$dir"
