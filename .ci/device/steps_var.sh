# The shortest A/B run of the PTX-vs-GLSL benchmark (STEPS=steps_var.sh):
# the default build, then each form in VARIANTS, with pipeline statistics.
S=STREAM_HAL_VK_PIPELINE_STATS=1
run 01_bench 75 $R/hal/vulkan $S -- $B/hal_vulkan.test -test.run '^$' -test.bench 'PTXvsGLSL/(matrix|reduce)' -test.count 2
for v in ${VARIANTS-unrolled slowfma}; do
  run 07_var_$v 30 $R/hal/vulkan $S -- $B/hv_$v.test -test.run '^$' -test.bench 'PTXvsGLSL/matrix' -test.count 2
done
run 05_fma 60 $R/hal/vulkan STREAM_HAL_TEST_TARGET=vulkan STREAM_HAL_REQUIRE=vulkan -- $B/hal_vulkan.test -test.v -test.run 'FMA|Fma|Flush'
run 02_hostphases 30 $R/hal/cuda STREAM_HAL_TEST_TARGET=cuda -- $B/hal_cuda.test -test.run '^$' -test.bench 'HostCallPhases|HostCallRoundTrip' -test.count 2
echo done
