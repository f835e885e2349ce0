// Package devices holds what every driver's instance does with its list of
// devices in the same way.
package devices

import (
	"errors"
	"sync"

	"github.com/streamhal/streamhal/hal"
)

// List returns ds as the []hal.Device that hal.Instance.Devices returns.
func List[D hal.Device](ds []D) []hal.Device {
	out := make([]hal.Device, len(ds))
	for i, d := range ds {
		out[i] = d
	}
	return out
}

// CloseAll closes every device (or queue) at once and joins their errors,
// but for ErrInvalidHandle: one closed already is the harmless second
// Close of hal.go. Each waits at most the close timeout for work that is
// still running, so closing them together bounds an instance's (or a
// device's) Close by one timeout rather than one per object.
func CloseAll[D interface{ Close() error }](ds []D) error {
	errs := make([]error, len(ds))
	var wg sync.WaitGroup
	for i, d := range ds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := d.Close(); !errors.Is(err, hal.ErrInvalidHandle) {
				errs[i] = err
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
