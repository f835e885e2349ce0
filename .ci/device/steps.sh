# The steps of a GPU run (sourced by run.sh), most important first: the
# logs are packed after each step, so a run cut short keeps what it did.
V="STREAM_HAL_TEST_TARGET=vulkan STREAM_HAL_REQUIRE=vulkan"
C="STREAM_HAL_TEST_TARGET=cuda STREAM_HAL_REQUIRE=cuda"
run 01_bench 75 $R/hal/vulkan STREAM_HAL_VK_PIPELINE_STATS=1 -- $B/hal_vulkan.test -test.run '^$' -test.bench PTXvsGLSL -test.count 2
for v in ${VARIANTS:-unrolled slowfma}; do
  run 07_var_$v 30 $R/hal/vulkan -- $B/hv_$v.test -test.run '^$' -test.bench 'PTXvsGLSL/(matrix|reduce)' -test.count 2
done
for bin in $B/hal_vulkan.test $B/hq_*.test; do
  run 01_layers_$(basename $bin .test) 25 $R/hal/vulkan -- $bin -test.run '^$' -test.bench 'LaunchSyncLayers|EventSyncLayers' -test.benchtime 2000x -test.count 2
done
run 02_hostcall_cuda 90 $R/hal/cuda $C -- $B/hal_cuda.test -test.v -test.run 'HostCall' -test.bench 'HostCallRoundTrip|PoolStack|LaunchEnqueueStack' -test.count 1
run 03_bench_cuda 60 $R -- $B/streamhal bench -backend cuda
run 05_spirvgen 70 $R/ptx/spirvgen $V -- $B/ptx_spirvgen.test -test.v -test.run 'TestSemantics|TestBarrier|TestFMA|TestVolatile|TestNoSigned|TestFlush'
run 05b_hal_vulkan 90 $R/hal/vulkan $V -- $B/hal_vulkan.test -test.v -test.run 'Flush|FusedFMA|Contract|PTX|CBaseline|GoLaunchSync|PipelineStats|QueueAB'
run 06_corpus 200 $R/kernels/corpus $V -- $B/kernels_corpus.test -test.v
run 08_streaming_cuda 40 $R/streaming $C -- $B/streaming.test -test.v -test.run 'TestDevicePrintf|TestDeviceAssert|HostFunc'
run 09_bench_vulkan 120 $R -- $B/streamhal bench -backend vulkan
echo done
