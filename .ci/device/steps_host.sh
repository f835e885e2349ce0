# Host-call latency experiments (STEPS=steps_host.sh): the phases of a
# host call's round trip with the goroutine free or locked to its thread,
# under a few runtime settings, beside the C floors.
C="STREAM_HAL_TEST_TARGET=cuda"
run 02_phases 40 $R/hal/cuda $C -- $B/hal_cuda.test -test.run '^$' -test.bench 'HostCallPhases|HostCallFloor/(direct|no-stream|event)' -test.count 2
run 02_phases_p4 25 $R/hal/cuda $C GOMAXPROCS=4 -- $B/hal_cuda.test -test.run '^$' -test.bench 'HostCallPhases' -test.count 1
run 02_phases_nopreempt 25 $R/hal/cuda $C GODEBUG=asyncpreemptoff=1 -- $B/hal_cuda.test -test.run '^$' -test.bench 'HostCallPhases' -test.count 1
echo done
