package hal

import (
	"errors"
	"slices"
	"testing"
)

type namedDriver string

func (d namedDriver) Name() string { return string(d) }
func (d namedDriver) Open(Config) (Instance, error) {
	return nil, errors.New("hal: test driver " + string(d) + ": " + ErrNotAvailable.Error())
}

// TestRegistryOrder checks that drivers enumerate by the order they gave
// at registration, then by name, and that drivers without an order come
// last: the registry itself knows no driver name.
func TestRegistryOrder(t *testing.T) {
	Register(namedDriver("zz-unordered"))
	Register(namedDriver("aa-unordered"))
	RegisterOrdered(namedDriver("late"), 40)
	RegisterOrdered(namedDriver("first"), 10)
	RegisterOrdered(namedDriver("b-tie"), 20)
	RegisterOrdered(namedDriver("a-tie"), 20)
	want := []string{"first", "a-tie", "b-tie", "late", "aa-unordered", "zz-unordered"}
	if got := Drivers(); !slices.Equal(got, want) {
		t.Errorf("Drivers() = %v, want %v", got, want)
	}
	if _, err := Lookup("nothing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Lookup of an unknown driver: %v, want ErrNotFound", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("a second Register of one name did not panic")
		}
	}()
	RegisterOrdered(namedDriver("first"), 1)
}

// TestUnavailable checks the stand-in that drivers register in a build
// without cgo: it has the driver's name and its Open says why it fails.
func TestUnavailable(t *testing.T) {
	d := Unavailable("stand-in", NeedsCgo)
	if d.Name() != "stand-in" {
		t.Errorf("Name() = %q", d.Name())
	}
	inst, err := d.Open(Config{})
	if inst != nil || !errors.Is(err, ErrNotAvailable) || err.Error() != "hal/stand-in: not available: "+NeedsCgo {
		t.Errorf("Open() = %v, %v; want nil and hal/stand-in: not available: %s", inst, err, NeedsCgo)
	}
}
