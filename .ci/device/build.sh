#!/bin/bash
# builds the test binaries for a GPU run into .dev/bin.tgz; VARIANTS names
# the A/B forms of ptx/spirvgen (fmaCheck) to build as hv_<form>.test,
# QUEUE_VARIANTS those of hal/vulkan's queue (queueAB) as hq_<form>.test
set -e
cd "$(dirname "$0")/../.."
mkdir -p .dev
B=/tmp/devbin; rm -rf $B; mkdir -p $B
X=github.com/streamhal/streamhal/ptx/spirvgen.fmaCheck
go test -c -ldflags "-s -w" -o $B/hal_vulkan.test ./hal/vulkan &
for v in ${VARIANTS-unrolled slowfma}; do
  go test -c -ldflags "-s -w -X $X=$v" -o $B/hv_${v//,/_}.test ./hal/vulkan &
done
wait
Q=github.com/streamhal/streamhal/hal/vulkan.queueAB
for v in ${QUEUE_VARIANTS-oldsync nowait nobarrier}; do
  go test -c -ldflags "-s -w -X $Q=$v" -o $B/hq_${v//,/_}.test ./hal/vulkan &
done
wait
go test -c -ldflags "-s -w" -o $B/ptx_spirvgen.test ./ptx/spirvgen &
go test -c -ldflags "-s -w" -o $B/kernels_corpus.test ./kernels/corpus &
go test -c -ldflags "-s -w" -o $B/streaming.test ./streaming &
go test -c -ldflags "-s -w" -o $B/hal_cuda.test ./hal/cuda &
go build -ldflags "-s -w" -o $B/streamhal ./cmd/streamhal &
wait
tar czf .dev/bin.tgz -C $B .
ls -la .dev/bin.tgz
