package streaming

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/streamhal/streamhal/hal"
)

// CaptureMode says which calls are illegal while a capture is in progress
// (CUstreamCaptureMode's values). Go has no thread identity, so
// CaptureModeThreadLocal behaves as CaptureModeGlobal: while such a capture
// is in progress, calls that would synchronize implicitly (Malloc, Free,
// synchronous copies and memsets, Context.Synchronize) fail with
// ErrCaptureUnsupported anywhere in the runtime. CaptureModeRelaxed
// restricts nothing outside the captured streams.
type CaptureMode int

// Capture modes.
const (
	CaptureModeGlobal      CaptureMode = 0
	CaptureModeThreadLocal CaptureMode = 1
	CaptureModeRelaxed     CaptureMode = 2
)

// CaptureStatus is a stream's capture state (CUstreamCaptureStatus).
type CaptureStatus int

// Capture states.
const (
	CaptureStatusNone        CaptureStatus = 0
	CaptureStatusActive      CaptureStatus = 1
	CaptureStatusInvalidated CaptureStatus = 2
)

// Flags for UpdateCaptureDependencies (CUstreamUpdateCaptureDependencies_flags).
const (
	CaptureDependenciesAdd uint32 = 0x0
	CaptureDependenciesSet uint32 = 0x1
)

var captureIDs atomic.Uint64

// capture is one capture sequence: the graph being built and, for every
// stream taking part, the nodes its next operation depends on.
type capture struct {
	rt     *Runtime
	ctx    *Context
	id     uint64
	mode   CaptureMode
	origin *Stream

	mu        sync.Mutex
	graph     *Graph
	frontiers map[*Stream][]*GraphNode
	err       error // why the capture was invalidated
	ended     bool
}

// eventCapture is what recording an event in a capturing stream leaves on
// the event: the capture and the nodes it marks.
type eventCapture struct {
	c     *capture
	nodes []*GraphNode
}

// BeginCapture starts capturing the stream's operations into a graph
// instead of running them (cuStreamBeginCapture). The legacy default stream
// cannot be captured.
func (s *Stream) BeginCapture(mode CaptureMode) error {
	if mode < CaptureModeGlobal || mode > CaptureModeRelaxed {
		return fmt.Errorf("streaming: begin capture with mode %d: %w", mode, ErrInvalidValue)
	}
	if s.kind == streamLegacy {
		return fmt.Errorf("streaming: the legacy default stream cannot be captured; use a created stream: %w", ErrCaptureUnsupported)
	}
	if err := s.ctx.check("begin capture"); err != nil {
		return err
	}
	c := &capture{rt: s.ctx.rt, ctx: s.ctx, id: captureIDs.Add(1), mode: mode, origin: s, graph: NewGraph(), frontiers: map[*Stream][]*GraphNode{s: nil}}
	if !s.cap.CompareAndSwap(nil, c) {
		return fmt.Errorf("streaming: begin capture on %v: it is already being captured: %w", s, ErrIllegalState)
	}
	s.ctx.rt.captures.Add(1)
	if mode != CaptureModeRelaxed {
		s.ctx.rt.capturing.Add(1)
	}
	return nil
}

// EndCapture ends the capture begun on s and returns the graph
// (cuStreamEndCapture). Every stream that joined the capture through events
// must have been joined back into s. When the capture was invalidated the
// error wraps ErrCaptureInvalidated and says why.
func (s *Stream) EndCapture() (*Graph, error) {
	c := s.cap.Load()
	if c == nil {
		return nil, fmt.Errorf("streaming: end capture on %v: it is not being captured: %w", s, ErrIllegalState)
	}
	if c.origin != s {
		return nil, fmt.Errorf("streaming: end capture on %v: the capture began on another stream: %w", s, ErrCaptureUnmatched)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	err := c.err
	if err == nil {
		err = c.checkJoinedLocked()
	}
	c.endLocked()
	if err != nil {
		// Nobody gets the graph: release the memory its captured
		// allocations reserved.
		c.graph.Destroy()
		return nil, err
	}
	return c.graph, nil
}

// checkJoinedLocked makes sure every other stream's last operations are
// ancestors of the origin stream's.
func (c *capture) checkJoinedLocked() error {
	reach := map[*GraphNode]bool{}
	var visit func(n *GraphNode)
	visit = func(n *GraphNode) {
		if reach[n] {
			return
		}
		reach[n] = true
		for _, d := range n.deps {
			visit(d)
		}
	}
	for _, n := range c.frontiers[c.origin] {
		visit(n)
	}
	for s, f := range c.frontiers {
		if s == c.origin {
			continue
		}
		for _, n := range f {
			if !reach[n] {
				return fmt.Errorf("streaming: end capture: work captured on %v was not joined back into %v (record an event there and wait for it on %v): %w", s, c.origin, c.origin, ErrCaptureUnjoined)
			}
		}
	}
	return nil
}

// endLocked takes every stream out of the capture.
func (c *capture) endLocked() {
	if c.ended {
		return
	}
	c.ended = true
	for s := range c.frontiers {
		s.cap.CompareAndSwap(c, nil)
	}
	c.rt.captures.Add(-1)
	if c.mode != CaptureModeRelaxed {
		c.rt.capturing.Add(-1)
	}
}

// invalidate marks the capture failed; EndCapture will report reason.
func (c *capture) invalidate(reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = fmt.Errorf("streaming: capture invalidated: %s: %w", reason, ErrCaptureInvalidated)
	}
}

// illegal invalidates the capture for an operation that cannot take part in
// one and returns the error for that operation.
func (c *capture) illegal(what string) error {
	c.invalidate(what + " is not permitted while capturing")
	return fmt.Errorf("streaming: %s while the stream is being captured: %w", what, ErrCaptureUnsupported)
}

// IsCapturing reports the stream's capture state (cuStreamIsCapturing).
func (s *Stream) IsCapturing() CaptureStatus {
	c := s.cap.Load()
	if c == nil {
		return CaptureStatusNone
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return CaptureStatusInvalidated
	}
	return CaptureStatusActive
}

// CaptureInfo describes a stream's capture (cuStreamGetCaptureInfo).
type CaptureInfo struct {
	Status       CaptureStatus
	ID           uint64       // unique per capture sequence
	Graph        *Graph       // the graph being built
	Dependencies []*GraphNode // the nodes the stream's next operation will depend on
}

// CaptureInfo returns the stream's capture state.
func (s *Stream) CaptureInfo() CaptureInfo {
	c := s.cap.Load()
	if c == nil {
		return CaptureInfo{Status: CaptureStatusNone}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	st := CaptureStatusActive
	if c.err != nil {
		st = CaptureStatusInvalidated
	}
	return CaptureInfo{Status: st, ID: c.id, Graph: c.graph, Dependencies: append([]*GraphNode(nil), c.frontiers[s]...)}
}

// UpdateCaptureDependencies adds to (CaptureDependenciesAdd) or replaces
// (CaptureDependenciesSet) the nodes the stream's next captured operation
// depends on (cuStreamUpdateCaptureDependencies).
func (s *Stream) UpdateCaptureDependencies(deps []*GraphNode, flags uint32) error {
	c := s.cap.Load()
	if c == nil {
		return fmt.Errorf("streaming: update capture dependencies of %v: it is not being captured: %w", s, ErrIllegalState)
	}
	if flags != CaptureDependenciesAdd && flags != CaptureDependenciesSet {
		return fmt.Errorf("streaming: update capture dependencies: flags %#x: %w", flags, ErrInvalidValue)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, d := range deps {
		if d == nil || d.g != c.graph {
			return fmt.Errorf("streaming: update capture dependencies: node %d is not in the capture graph: %w", i, ErrInvalidValue)
		}
	}
	if flags == CaptureDependenciesSet {
		c.frontiers[s] = append([]*GraphNode(nil), deps...)
		return nil
	}
	c.frontiers[s] = union(c.frontiers[s], deps)
	return nil
}

func union(a, b []*GraphNode) []*GraphNode {
	out := append([]*GraphNode(nil), a...)
	for _, n := range b {
		dup := false
		for _, m := range out {
			dup = dup || m == n
		}
		if !dup {
			out = append(out, n)
		}
	}
	return out
}

// add records one operation of s into the capture graph.
func (c *capture) add(s *Stream, what string, o op) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		// The capture ended between the caller's check and now.
		return fmt.Errorf("streaming: %s: the capture of %v ended concurrently: %w", what, s, ErrCaptureInvalidated)
	}
	if c.err != nil {
		return fmt.Errorf("streaming: %s: %w", what, c.err)
	}
	deps := c.frontiers[s]
	n := &GraphNode{}
	switch {
	case o.exec != nil:
		child, err := o.exec.src.Clone()
		if err != nil {
			return err
		}
		n.typ, n.child = GraphNodeGraph, child
	case o.node.Kind == hal.NodeKernel:
		n.typ = GraphNodeKernel
		n.kernel = KernelNodeParams{Function: o.fn, Config: o.cfg, Args: o.node.Launch.Args}
		n.bound = o.refs
	case o.node.Kind == hal.NodeCopy:
		n.typ = GraphNodeMemcpy
		n.memcpy = MemcpyNodeParams{Dst: DevicePtr(o.node.Dst), Src: DevicePtr(o.node.Src), Size: o.node.Size}
	case o.node.Kind == hal.NodeFill:
		n.typ = GraphNodeMemset
		n.memset = MemsetNodeParams{Dst: DevicePtr(o.node.Dst), Value: o.node.Pattern, ElementSize: o.node.PatternSize,
			Width: o.node.Size / uint64(o.node.PatternSize), Height: 1}
	case o.node.Kind == hal.NodeHost:
		n.typ, n.host = GraphNodeHost, o.node.Host
	case o.node.Kind == hal.NodeEventRecord:
		// Recording an event marks the stream's current position in the
		// capture for later waits (fork and join); it adds no node.
		o.event.mu.Lock()
		o.event.captured = &eventCapture{c: c, nodes: append([]*GraphNode(nil), deps...)}
		o.event.recorded = true
		o.event.mu.Unlock()
		return nil
	case o.node.Kind == hal.NodeEventWait || o.event != nil:
		o.event.mu.Lock()
		ec := o.event.captured
		o.event.mu.Unlock()
		if ec != nil && ec.c == c {
			c.frontiers[s] = union(deps, ec.nodes)
			return nil
		}
		if ec != nil && !ec.c.ended {
			return fmt.Errorf("streaming: %s: the event was recorded in another capture: %w", what, ErrCaptureIsolation)
		}
		n.typ, n.event = GraphNodeWaitEvent, o.event
	default:
		return fmt.Errorf("streaming: %s cannot be captured: %w", what, ErrCaptureUnsupported)
	}
	n.g = c.graph
	n.deps = append([]*GraphNode(nil), deps...)
	c.graph.mu.Lock()
	c.graph.nodes = append(c.graph.nodes, n)
	c.graph.mu.Unlock()
	c.frontiers[s] = []*GraphNode{n}
	return nil
}

// joinCapture makes s (not capturing) wait for e, recorded in an active
// capture: s joins that capture. It reports whether e was such an event.
func (s *Stream) joinCapture(e *Event) (bool, error) {
	e.mu.Lock()
	ec := e.captured
	e.mu.Unlock()
	if ec == nil {
		return false, nil
	}
	c := ec.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return false, nil
	}
	if !s.cap.CompareAndSwap(nil, c) {
		return false, nil // s started its own capture meanwhile; the caller's path handles it
	}
	c.frontiers[s] = append([]*GraphNode(nil), ec.nodes...)
	return true, nil
}

// checkImplicitCapture refuses operations that would synchronize implicitly
// with a capture in progress: work on the legacy stream while a blocking
// stream of its context is captured (that would make the legacy stream
// depend on the capture).
func (s *Stream) checkImplicitCapture(what string) error {
	if s.kind != streamLegacy || s.ctx.rt.captures.Load() == 0 {
		return nil
	}
	for _, b := range s.ctx.blockingStreams() {
		if c := b.cap.Load(); c != nil {
			c.invalidate(fmt.Sprintf("%s on the legacy default stream", what))
			return fmt.Errorf("streaming: %s on the legacy default stream while %v is being captured: %w", what, b, ErrCaptureImplicit)
		}
	}
	return nil
}

// checkGlobalCapture refuses calls that are unsafe while a global-mode
// capture is in progress.
func (rt *Runtime) checkGlobalCapture(what string) error {
	if rt.capturing.Load() > 0 {
		return fmt.Errorf("streaming: %s while a stream is being captured in global mode (use CaptureModeRelaxed to allow it): %w", what, ErrCaptureUnsupported)
	}
	return nil
}
