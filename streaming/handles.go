package streaming

import "fmt"

// Err methods report whether a handle may still be used, for the C-API
// layers (packages hip and cuda), whose calls take handles that the caller
// may already have destroyed: nil while the object is usable, else an error
// wrapping ErrInvalidHandle (ErrInvalidContext for a context). Most methods
// of this package already fail that way on a destroyed object; these cover
// the few that would not notice (Stream.Query and Stream.Synchronize on the
// CPU driver succeed on a destroyed queue; Stream.Priority and
// Function.Attributes read plain fields).

// Err reports whether s can still be used: it fails once s, or its
// context, was destroyed.
func (s *Stream) Err() error {
	// Lock-free: Synchronize asks twice per call. closed is set before gone
	// and never cleared.
	if s.gone.Load() {
		return fmt.Errorf("streaming: %v was destroyed: %w", s, ErrInvalidHandle)
	}
	return nil
}

// Err reports whether c can still be used: it fails once c was destroyed.
// (A context unusable after a kernel fault is still a valid handle: its
// calls fail with the fault, see Context.)
func (c *Context) Err() error { return c.checkOpen("context") }

// Err reports whether e can still be used: it fails once e, or its
// context, was destroyed.
func (e *Event) Err() error { return e.check("event") }

// Err reports whether m can still be used: it fails once m was unloaded.
func (m *Module) Err() error { return m.check("module") }

// Err reports whether f can still be used: it fails once its module was
// unloaded.
func (f *Function) Err() error { return f.mod.check("function " + f.Name()) }
