# The shortest useful GPU run (STEPS=steps_min.sh), for a nearly spent
# device budget: PTX vs GLSL with the unrolled A/B build, the fma tests,
# the translator's semantics, then the corpus for what time is left.
V="STREAM_HAL_TEST_TARGET=vulkan STREAM_HAL_REQUIRE=vulkan"
run 01_bench 40 $R/hal/vulkan -- $B/hal_vulkan.test -test.run '^$' -test.bench PTXvsGLSL -test.count 2
run 07_var_unrolled 20 $R/hal/vulkan -- $B/hv_unrolled.test -test.run '^$' -test.bench 'PTXvsGLSL/matrix' -test.count 2
run 05b_hal_vulkan 30 $R/hal/vulkan $V -- $B/hal_vulkan.test -test.v -test.run 'Flush|FusedFMA|Contract|QueueAB|GoLaunchSync'
run 05_spirvgen 40 $R/ptx/spirvgen $V -- $B/ptx_spirvgen.test -test.v -test.run 'TestSemantics|TestBarrier|TestFMA|TestRecursion'
run 06_corpus 100 $R/kernels/corpus $V -- $B/kernels_corpus.test -test.v
echo done
