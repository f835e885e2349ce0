package cpu

import "testing"

// BenchmarkGuard is the fault guard's cost per call into kernel code: an
// empty entry called through shal_cpu_run (thread-local guard, sigsetjmp
// without the signal mask, the stack moat) against the same entry called
// directly, in one C loop of 1000 calls per iteration.
func BenchmarkGuard(b *testing.B) {
	for _, c := range []struct {
		name    string
		guarded bool
	}{{"direct", false}, {"guarded", true}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				benchGuard(1000, c.guarded)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1000), "ns/call")
		})
	}
}
