package cuda

import (
	"errors"
	"fmt"

	"github.com/streamhal/streamhal/internal/capi"
)

// lastErr holds the detailed error behind the latest failure.
var lastErr capi.ErrorStore

// LastErrorDetail returns the full error behind the most recent non-nil
// Result any call of this package returned: the message of package
// streaming (or of this package) naming the call and the argument that was
// wrong, wrapping the hal sentinel, so errors.Is works on it too. Like the
// current context it is process-wide: with several goroutines failing at
// once it reports one of them. It returns nil before the first failure.
func LastErrorDetail() error { return lastErr.Detail() }

// fail records err as the latest failure and returns its Result.
func fail(err error) error {
	lastErr.Record(err, 0)
	return ResultOf(err)
}

// check is fail for a possibly nil error.
func check(err error) error {
	if err == nil {
		return nil
	}
	return fail(err)
}

// override replaces ResultOf's code for errors wrapping err: where the C
// API reports a misuse with a more specific code than the sentinel's.
type override struct {
	err error
	r   Result
}

// checkAs is check with CUDA-specific codes: the first override whose
// sentinel err wraps decides the Result.
func checkAs(err error, overrides ...override) error {
	if err == nil {
		return nil
	}
	for _, o := range overrides {
		if errors.Is(err, o.err) {
			lastErr.Record(fmt.Errorf("%w (reported as %w)", err, o.r), 0)
			return o.r
		}
	}
	return fail(err)
}

// failf records a failure detected by this package itself.
func failf(r Result, format string, args ...any) error {
	lastErr.Record(fmt.Errorf("cuda: "+format+": %w", append(args, r)...), 0)
	return r
}
