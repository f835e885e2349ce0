# A short GPU run (STEPS=steps_fma.sh): the PTX-vs-GLSL benchmark with its
# A/B builds, then the translator's checks on NVIDIA's Vulkan driver.
V="STREAM_HAL_TEST_TARGET=vulkan STREAM_HAL_REQUIRE=vulkan"
run 01_bench 75 $R/hal/vulkan STREAM_HAL_VK_PIPELINE_STATS=1 -- $B/hal_vulkan.test -test.run '^$' -test.bench PTXvsGLSL -test.count 2
for v in ${VARIANTS:-unrolled}; do
  run 07_var_$v 30 $R/hal/vulkan -- $B/hv_$v.test -test.run '^$' -test.bench 'PTXvsGLSL/(matrix|reduce)' -test.count 2
done
run 05_spirvgen 70 $R/ptx/spirvgen $V -- $B/ptx_spirvgen.test -test.v -test.run 'TestSemantics|TestBarrier|TestFMA|TestVolatile|TestNoSigned|TestFlush'
run 05b_hal_vulkan 90 $R/hal/vulkan $V -- $B/hal_vulkan.test -test.v -test.run 'Flush|FusedFMA|Contract|PTX|CBaseline|GoLaunchSync|PipelineStats|QueueAB'
run 06_corpus 150 $R/kernels/corpus $V -- $B/kernels_corpus.test -test.v
echo done
