# A benchmark-only GPU run (STEPS=steps_bench.sh): PTX vs GLSL with its
# A/B builds (VARIANTS, each with its pipeline statistics: register count,
# binary size), then the whole-stack benches on CUDA and on Vulkan and the
# host-call layers. Build with QUEUE_VARIANTS="" to leave the queue forms out.
S=STREAM_HAL_VK_PIPELINE_STATS=1
run 01_bench 75 $R/hal/vulkan $S -- $B/hal_vulkan.test -test.run '^$' -test.bench PTXvsGLSL -test.count 2
for v in ${VARIANTS-unrolled slowfma}; do
  run 07_var_$v 30 $R/hal/vulkan $S -- $B/hv_$v.test -test.run '^$' -test.bench 'PTXvsGLSL/matrix' -test.count 2
done
run 03_bench_cuda 60 $R -- $B/streamhal bench -backend cuda
run 09_bench_vulkan 120 $R -- $B/streamhal bench -backend vulkan
run 02_hostcall_cuda 40 $R/hal/cuda STREAM_HAL_TEST_TARGET=cuda -- $B/hal_cuda.test -test.run '^$' -test.bench 'HostCallRoundTrip|HostCallPhases|HostCallFloor|LaunchEnqueueStack' -test.count 1
echo done
