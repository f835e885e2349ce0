package streaming

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// ContextStack models the CUDA and HIP driver APIs' "current context"
// stack. In C it is per OS thread; Go code runs on goroutines that move
// between threads, so packages cuda and hip keep one stack per process and
// document it. Package streaming itself never uses a current context: every
// call takes explicit handles. The zero value is an empty stack, safe for
// concurrent use.
type ContextStack struct {
	mu    sync.Mutex // serialises changes
	stack []*Context
	// top mirrors the top of stack, so that Current, which the C-API layers
	// call on nearly every call, takes no lock.
	top atomic.Pointer[Context]
}

// Current returns the context on top of the stack, or nil. It takes no
// lock: a change made concurrently is seen either whole or not at all.
func (cs *ContextStack) Current() *Context { return cs.top.Load() }

// changed updates top after a change of stack (cs.mu held).
func (cs *ContextStack) changed() {
	if len(cs.stack) == 0 {
		cs.top.Store(nil)
		return
	}
	cs.top.Store(cs.stack[len(cs.stack)-1])
}

// Push makes c current, keeping the previous one below it
// (cuCtxPushCurrent).
func (cs *ContextStack) Push(c *Context) error {
	if c == nil {
		return fmt.Errorf("streaming: push a nil context: %w", ErrInvalidContext)
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.stack = append(cs.stack, c)
	cs.changed()
	return nil
}

// Pop removes and returns the current context (cuCtxPopCurrent);
// ErrInvalidContext when the stack is empty.
func (cs *ContextStack) Pop() (*Context, error) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if len(cs.stack) == 0 {
		return nil, fmt.Errorf("streaming: pop current context: no context is current: %w", ErrInvalidContext)
	}
	c := cs.stack[len(cs.stack)-1]
	cs.stack[len(cs.stack)-1] = nil
	cs.stack = cs.stack[:len(cs.stack)-1]
	cs.changed()
	return c, nil
}

// SetCurrent replaces the top of the stack with c (pushing onto an empty
// stack); nil pops the top, as cuCtxSetCurrent(NULL) does.
func (cs *ContextStack) SetCurrent(c *Context) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	switch {
	case c == nil && len(cs.stack) > 0:
		cs.stack[len(cs.stack)-1] = nil
		cs.stack = cs.stack[:len(cs.stack)-1]
	case c == nil:
	case len(cs.stack) == 0:
		cs.stack = append(cs.stack, c)
	default:
		cs.stack[len(cs.stack)-1] = c
	}
	cs.changed()
}

// Remove drops every entry of c (used when c is destroyed).
func (cs *ContextStack) Remove(c *Context) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	out := cs.stack[:0]
	for _, x := range cs.stack {
		if x != c {
			out = append(out, x)
		}
	}
	clear(cs.stack[len(out):])
	cs.stack = out
	cs.changed()
}

// Replace puts fresh in place of every entry of old, keeping the order of
// the stack (for a context that another takes the place of);
// ErrInvalidContext when fresh is nil.
func (cs *ContextStack) Replace(old, fresh *Context) error {
	if fresh == nil {
		return fmt.Errorf("streaming: replace a context on the stack with a nil context: %w", ErrInvalidContext)
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	for i, x := range cs.stack {
		if x == old {
			cs.stack[i] = fresh
		}
	}
	cs.changed()
	return nil
}

// Reset empties the stack.
func (cs *ContextStack) Reset() {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.stack = nil
	cs.changed()
}

// Depth is the number of contexts on the stack.
func (cs *ContextStack) Depth() int {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return len(cs.stack)
}
