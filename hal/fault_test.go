package hal

import (
	"testing"
	"time"
)

func TestCloseDeadline(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	const timeout = 400 * time.Millisecond
	for _, c := range []struct {
		name  string
		since time.Time
		want  time.Duration // from now
	}{
		{"no earlier wait", time.Time{}, timeout},
		{"earlier wait just now", now, timeout},
		{"earlier wait 100ms ago", now.Add(-100 * time.Millisecond), 300 * time.Millisecond},
		{"rest below the floor", now.Add(-350 * time.Millisecond), timeout / 4},
		{"timeout long past", now.Add(-time.Hour), timeout / 4},
		{"earlier wait in the future (clock step)", now.Add(time.Second), timeout},
	} {
		if got := CloseDeadline(now, c.since, timeout).Sub(now); got != c.want {
			t.Errorf("%s: CloseDeadline waits %v, want %v", c.name, got, c.want)
		}
	}
}
