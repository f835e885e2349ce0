#!/bin/bash
# A run on the device machine (the tool library's `device`; see
# /work/.library/device/README.md), not part of CI. Here, first:
#   bash .ci/device/build.sh      # test binaries into .dev/bin.tgz (gitignored)
#   and the Vulkan loader and glvnd .debs into .gl/ (gitignored), as the
#   device README says (apt-get download libvulkan1 libegl1 libglvnd0
#   libopengl0 libgl1 libglx0 libgles2 for amd64).
# Then the device call: command `bash .ci/device/run.sh` (or
# `STEPS=other.sh bash .ci/device/run.sh`), carry [".dev", ".gl"]. Each
# step's log is in $OUT/logs.tgz, packed after every step.
for f in .gl/*.deb; do dpkg -x $f /; done; ldconfig
export PATH=$PATH:/usr/local/cuda/bin
export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
export STREAM_HAL_TESTDATA=$PWD/testdata
R=$PWD
mkdir -p /tmp/devbin /tmp/logs && tar xzf .dev/bin.tgz -C /tmp/devbin
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv > /tmp/logs/00_gpu.txt 2>&1
# run NAME TIMEOUT DIR ENV... -- CMD...
run() {
  local name=$1 to=$2 dir=$3; shift 3
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done; shift
  echo "=== $name $(date +%T)"
  (cd $dir && env "${envs[@]}" timeout $to "$@") > /tmp/logs/$name.log 2>&1
  echo "rc=$? $(date +%T)" >> /tmp/logs/$name.log
  tail -3 /tmp/logs/$name.log
  tar czf $OUT/logs.tgz -C /tmp logs
}
B=/tmp/devbin
source "$(dirname "$0")/${STEPS:-steps.sh}"
