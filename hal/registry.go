package hal

import (
	"fmt"
	"math"
	"sort"
	"sync"
)

var (
	registryMu sync.RWMutex
	registry   = map[string]registration{}
)

// registration is what the registry knows of a driver.
type registration struct {
	d     Driver
	order int
}

// orderLast is the order of drivers registered without one: after every
// driver that gave one.
const orderLast = math.MaxInt

// Register makes a driver available by name. Its devices enumerate after
// those of every driver registered with an order (RegisterOrdered), and
// drivers without one enumerate by name. It panics if Register is called
// twice with the same name or with a nil driver, as sql.Register does: both
// are programming errors in a driver's init.
func Register(d Driver) { RegisterOrdered(d, orderLast) }

// RegisterOrdered is Register with the driver's place in the enumeration
// of drivers and so of devices: lower orders first, equal orders by name.
// The registry knows no driver by name; the drivers of this module give
// their orders in their init functions (cpu 10, cuda 20, hip 30, vulkan
// 40), so that the CPU is device 0 wherever it is linked.
func RegisterOrdered(d Driver, order int) {
	if d == nil {
		panic("hal: Register of a nil driver")
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	name := d.Name()
	if _, dup := registry[name]; dup {
		panic("hal: Register called twice for driver " + name)
	}
	registry[name] = registration{d: d, order: order}
}

// Drivers returns the registered driver names in enumeration order: by the
// order given at registration, then by name.
func Drivers() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		oi, oj := registry[names[i]].order, registry[names[j]].order
		if oi != oj {
			return oi < oj
		}
		return names[i] < names[j]
	})
	return names
}

// Lookup returns the driver registered under name.
func Lookup(name string) (Driver, error) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	r, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("hal: no driver %q registered (have %v; import its package): %w", name, driverNamesLocked(), ErrNotFound)
	}
	return r.d, nil
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
