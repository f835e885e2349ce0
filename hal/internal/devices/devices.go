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

// Set is the devices of a driver's instance, embedded in it: Devices is
// hal.Instance's, and CloseOnce closes them all together, the first time.
type Set[D hal.Device] struct {
	// All is the instance's devices, by ordinal; filled while the instance
	// opens, read-only after.
	All  []D
	once sync.Once
}

// Devices returns All as hal.Instance.Devices does.
func (s *Set[D]) Devices() []hal.Device { return List(s.All) }

// CloseOnce closes every device (CloseAll), then runs after (the
// instance's own resources; nil if none), the first time it is called;
// later calls return nil: a second Close is harmless.
func (s *Set[D]) CloseOnce(after func()) error {
	var err error
	s.once.Do(func() {
		err = CloseAll(s.All)
		if after != nil {
			after()
		}
	})
	return err
}
