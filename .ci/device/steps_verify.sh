# A verification run after host-call or translator changes
# (STEPS=steps_verify.sh): hal/cuda's whole suite (host calls through
# events included), the host-call phases and round trip, the whole-stack
# CUDA bench, streaming on CUDA, then the translator's checks and the
# PTX-vs-GLSL benchmark on NVIDIA's Vulkan driver.
V="STREAM_HAL_TEST_TARGET=vulkan STREAM_HAL_REQUIRE=vulkan"
C="STREAM_HAL_TEST_TARGET=cuda STREAM_HAL_REQUIRE=cuda"
run 01_hal_cuda 80 $R/hal/cuda $C -- $B/hal_cuda.test -test.v
run 02_phases 60 $R/hal/cuda $C -- $B/hal_cuda.test -test.run '^$' -test.bench 'HostCallPhases|HostCallRoundTrip|HostCallFloor|LaunchEnqueueStack|LaunchEnqueueAlternating|PoolStack' -test.count 1 -test.benchtime 0.5s
run 03_bench_cuda 60 $R -- $B/streamhal bench -backend cuda
run 04_streaming_cuda 60 $R/streaming $C -- $B/streaming.test -test.v -test.run 'HostFunc|Callback|Graph|Stress|TestDevicePrintf|TestDeviceAssert'
run 05_spirvgen 70 $R/ptx/spirvgen $V -- $B/ptx_spirvgen.test -test.v -test.run 'TestSemantics|TestBarrier|TestFMA|TestVolatile|TestNoSigned|TestFlush'
run 06_bench_ptx 60 $R/hal/vulkan STREAM_HAL_VK_PIPELINE_STATS=1 -- $B/hal_vulkan.test -test.run '^$' -test.bench PTXvsGLSL -test.count 2
for v in $VARIANTS; do
  run 08_var_${v//,/_} 30 $R/hal/vulkan STREAM_HAL_VK_PIPELINE_STATS=1 -- $B/hv_${v//,/_}.test -test.run '^$' -test.bench 'PTXvsGLSL/matrix' -test.count 2
  run 08_fma_${v//,/_} 30 $R/hal/vulkan $V -- $B/hv_${v//,/_}.test -test.run 'FusedFMA32'
done
run 07_hal_vulkan 90 $R/hal/vulkan $V -- $B/hal_vulkan.test -test.v -test.run 'Flush|FusedFMA|Contract|PTX|CBaseline|PipelineStats|BindState'
echo done
