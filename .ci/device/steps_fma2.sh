# A short run (STEPS=steps_fma2.sh): matrix_multiply's PTX against its
# GLSL twin in the default build and in each A/B form of VARIANTS (with
# the fused-fma tests of each form on the device), then the CUDA pool and
# enqueue stacks and the CUDA bench. Build and run with the same VARIANTS:
#   VARIANTS="run1 run2 reloadvol,run4 reloadvol,run2 cvtrn cvtrn,run2" QUEUE_VARIANTS="" bash .ci/device/build.sh
#   VARIANTS="..." STEPS=steps_fma2.sh bash .ci/device/run.sh   (carry .dev and .gl)
V="STREAM_HAL_TEST_TARGET=vulkan STREAM_HAL_REQUIRE=vulkan"
C="STREAM_HAL_TEST_TARGET=cuda STREAM_HAL_REQUIRE=cuda"
run 01_matrix 40 $R/hal/vulkan STREAM_HAL_VK_PIPELINE_STATS=1 -- $B/hal_vulkan.test -test.run '^$' -test.bench 'PTXvsGLSL/matrix' -test.count 2
for v in $VARIANTS; do
  run 02_var_${v//,/_} 30 $R/hal/vulkan STREAM_HAL_VK_PIPELINE_STATS=1 -- $B/hv_${v//,/_}.test -test.run '^$' -test.bench 'PTXvsGLSL/matrix' -test.count 2
  run 02_fma_${v//,/_} 30 $R/hal/vulkan $V -- $B/hv_${v//,/_}.test -test.run 'FusedFMA32'
done
run 03_stacks 60 $R/hal/cuda $C -- $B/hal_cuda.test -test.run '^$' -test.bench 'PoolStack|LaunchEnqueueStack|LaunchEnqueueAlternating' -test.count 2 -test.benchtime 0.5s
run 04_bench_cuda 60 $R -- $B/streamhal bench -backend cuda
echo done
