# Host calls on CUDA (STEPS=steps_host.sh): the host-call tests, the
# phases and round trip against the C loop, the whole-stack bench, and
# streaming's host-function tests.
C="STREAM_HAL_TEST_TARGET=cuda STREAM_HAL_REQUIRE=cuda"
run 02_hostcall_tests 60 $R/hal/cuda $C -- $B/hal_cuda.test -test.v -test.run 'HostCall|Close'
run 02_phases 30 $R/hal/cuda $C -- $B/hal_cuda.test -test.run '^$' -test.bench 'HostCallPhases|HostCallRoundTrip' -test.count 1
run 03_bench_cuda 60 $R -- $B/streamhal bench -backend cuda
run 08_streaming_cuda 40 $R/streaming $C -- $B/streaming.test -test.v -test.run 'HostFunc|Callback|Graph'
echo done
