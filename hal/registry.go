package hal

import (
	"fmt"
	"sort"
	"sync"
)

var (
	registryMu sync.RWMutex
	registry   = map[string]Driver{}
)

// Register makes a driver available by name. It panics if Register is called
// twice with the same name or with a nil driver, as sql.Register does: both
// are programming errors in a driver's init.
func Register(d Driver) {
	if d == nil {
		panic("hal: Register of a nil driver")
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	name := d.Name()
	if _, dup := registry[name]; dup {
		panic("hal: Register called twice for driver " + name)
	}
	registry[name] = d
}

// Drivers returns the registered driver names in the documented enumeration
// order: cpu first, then cuda, hip, vulkan, then any others alphabetically.
func Drivers() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		ri, rj := driverRank(names[i]), driverRank(names[j])
		if ri != rj {
			return ri < rj
		}
		return names[i] < names[j]
	})
	return names
}

func driverRank(name string) int {
	switch name {
	case "cpu":
		return 0
	case "cuda":
		return 1
	case "hip":
		return 2
	case "vulkan":
		return 3
	}
	return 4
}

// Lookup returns the driver registered under name.
func Lookup(name string) (Driver, error) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	d, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("hal: no driver %q registered (have %v; import its package): %w", name, driverNamesLocked(), ErrNotFound)
	}
	return d, nil
}

func driverNamesLocked() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Open opens the driver registered under name.
func Open(name string, cfg Config) (Instance, error) {
	d, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	return d.Open(cfg)
}
