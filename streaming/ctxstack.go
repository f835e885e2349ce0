package streaming

import (
	"fmt"
	"sync"
)

// ContextStack models the CUDA and HIP driver APIs' "current context"
// stack. In C it is per OS thread; Go code runs on goroutines that move
// between threads, so packages cuda and hip keep one stack per process and
// document it. Package streaming itself never uses a current context: every
// call takes explicit handles. The zero value is an empty stack, safe for
// concurrent use.
type ContextStack struct {
	mu    sync.Mutex
	stack []*Context
}

// Current returns the context on top of the stack, or nil.
func (cs *ContextStack) Current() *Context {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if len(cs.stack) == 0 {
		return nil
	}
	return cs.stack[len(cs.stack)-1]
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
	cs.stack = cs.stack[:len(cs.stack)-1]
	return c, nil
}

// SetCurrent replaces the top of the stack with c (pushing onto an empty
// stack); nil pops the top, as cuCtxSetCurrent(NULL) does.
func (cs *ContextStack) SetCurrent(c *Context) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	switch {
	case c == nil && len(cs.stack) > 0:
		cs.stack = cs.stack[:len(cs.stack)-1]
	case c == nil:
	case len(cs.stack) == 0:
		cs.stack = append(cs.stack, c)
	default:
		cs.stack[len(cs.stack)-1] = c
	}
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
	cs.stack = out
}

// Reset empties the stack.
func (cs *ContextStack) Reset() {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.stack = nil
}

// Depth is the number of contexts on the stack.
func (cs *ContextStack) Depth() int {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return len(cs.stack)
}
