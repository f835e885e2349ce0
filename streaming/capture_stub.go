package streaming

import "github.com/streamhal/streamhal/hal"

// Placeholders replaced by graph.go and pool.go.

type capture struct{}

func (c *capture) invalidate(reason string) {}

func (s *Stream) captureNode(what string, n hal.Node) (bool, error) { return false, nil }

// GraphExec is an instantiated graph.
type GraphExec struct{}

func (g *GraphExec) destroy() error { return nil }

// MemPool is a memory pool.
type MemPool struct{}

func (p *MemPool) put(a *allocation) error { return nil }
func (p *MemPool) destroy()                {}
