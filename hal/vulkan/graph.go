//go:build cgo

package vulkan

/*
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"sync"

	"github.com/streamhal/streamhal/hal"
)

// graphExec is an instantiated graph: its nodes, in index order (which is a
// topological order), cut into segments at host and event nodes. Each run of
// kernel, copy and fill nodes is one reusable command buffer with a barrier
// between nodes; host nodes run like Queue.HostCall, event nodes like
// Queue.Record and Queue.Wait.
type graphExec struct {
	dev *device

	mu      sync.Mutex
	closed  bool
	nodes   []hal.Node
	segs    []*segment
	nodeSeg []int
	pool    C.VkCommandPool
	// runs are the timeline values of executions that may still use the
	// command buffers, per queue timeline (holding a reference each).
	runs map[*timeline]uint64
	// retired command buffers wait for the executions that use them.
	retired []retiredCB
}

var _ hal.GraphExec = (*graphExec)(nil)

type retiredCB struct {
	cb    C.VkCommandBuffer
	conds []timelineValue // timelines referenced through runs
}

// sweepRetiredLocked frees retired command buffers no execution uses.
func (ge *graphExec) sweepRetiredLocked() {
	keep := ge.retired[:0]
	for _, r := range ge.retired {
		done := true
		for _, c := range r.conds {
			if !c.tl.reached(c.value) {
				done = false
				break
			}
		}
		if done {
			C.shal_free_command_buffer(ge.dev.c, ge.pool, r.cb)
		} else {
			keep = append(keep, r)
		}
	}
	ge.retired = keep
}

type segKind int

const (
	segCommands segKind = iota
	segHost
	segRecord
	segWait
)

type segment struct {
	kind  segKind
	nodes []int
	cb    C.VkCommandBuffer
	dirty bool
	// Node parameters resolved at (re)recording.
	host  func()
	event *event
}

// Instantiate compiles a graph into command buffers.
func (d *device) Instantiate(g *hal.Graph) (hal.GraphExec, error) {
	if d.isClosed() {
		return nil, errClosedDevice
	}
	if g == nil {
		return nil, fmt.Errorf("hal/vulkan: instantiate: nil graph: %w", hal.ErrInvalidValue)
	}
	if err := g.Validate(); err != nil {
		return nil, fmt.Errorf("hal/vulkan: instantiate: %w", err)
	}
	ge := &graphExec{dev: d, nodes: append([]hal.Node(nil), g.Nodes...), nodeSeg: make([]int, len(g.Nodes)), runs: map[*timeline]uint64{}}
	var cur *segment
	for i := range ge.nodes {
		n := &ge.nodes[i]
		if err := ge.checkNode(i, n); err != nil {
			return nil, err
		}
		switch n.Kind {
		case hal.NodeKernel, hal.NodeCopy, hal.NodeFill, hal.NodeEmpty:
			if cur == nil {
				cur = &segment{kind: segCommands, dirty: true}
				ge.segs = append(ge.segs, cur)
			}
			cur.nodes = append(cur.nodes, i)
		case hal.NodeHost:
			cur = nil
			ge.segs = append(ge.segs, &segment{kind: segHost, nodes: []int{i}, host: n.Host})
		case hal.NodeEventRecord, hal.NodeEventWait:
			cur = nil
			k := segRecord
			if n.Kind == hal.NodeEventWait {
				k = segWait
			}
			ge.segs = append(ge.segs, &segment{kind: k, nodes: []int{i}, event: n.Event.(*event)})
		}
		ge.nodeSeg[i] = len(ge.segs) - 1
	}
	if err := check(C.shal_create_command_pool(d.c, C.uint32_t(d.family), &ge.pool), "instantiate: create command pool"); err != nil {
		return nil, err
	}
	ge.mu.Lock()
	for _, s := range ge.segs {
		if s.kind == segCommands {
			if err := ge.recordLocked(s); err != nil {
				ge.mu.Unlock()
				ge.release()
				return nil, err
			}
		}
	}
	ge.mu.Unlock()
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		ge.release()
		return nil, errClosedDevice
	}
	d.graphs[ge] = struct{}{}
	d.mu.Unlock()
	return ge, nil
}

// checkNode validates one node's parameters against the device.
func (ge *graphExec) checkNode(i int, n *hal.Node) error {
	d := ge.dev
	switch n.Kind {
	case hal.NodeKernel:
		k, ok := n.Kernel.(*kernel)
		if !ok || k.exe.dev != d {
			return fmt.Errorf("hal/vulkan: graph node %d: kernel %T is not a kernel of this Vulkan device: %w", i, n.Kernel, hal.ErrInvalidHandle)
		}
		if _, err := k.prepare(n.Launch); err != nil {
			return fmt.Errorf("hal/vulkan: graph node %d: %w", i, err)
		}
		n.Launch.Args = append([]byte(nil), n.Launch.Args...)
	case hal.NodeCopy:
		if n.Size == 0 {
			return nil
		}
		if _, _, err := d.resolve(fmt.Sprintf("graph node %d copy destination", i), n.Dst, n.Size); err != nil {
			return err
		}
		if _, _, err := d.resolve(fmt.Sprintf("graph node %d copy source", i), n.Src, n.Size); err != nil {
			return err
		}
	case hal.NodeFill:
		if _, err := d.planFill(n.Dst, n.Size, n.Pattern, n.PatternSize); err != nil {
			return fmt.Errorf("hal/vulkan: graph node %d: %w", i, err)
		}
	case hal.NodeHost:
		if n.Host == nil {
			return fmt.Errorf("hal/vulkan: graph node %d: host node without a function: %w", i, hal.ErrInvalidValue)
		}
	case hal.NodeEventRecord, hal.NodeEventWait:
		if e, ok := n.Event.(*event); !ok || e.dev != d {
			return fmt.Errorf("hal/vulkan: graph node %d: event %T is not an event of this Vulkan device: %w", i, n.Event, hal.ErrInvalidHandle)
		}
	}
	return nil
}

// recordLocked (re)records a command segment. When executions that may
// still be running use its command buffer, a new one is recorded and the
// old one is freed once they are done.
func (ge *graphExec) recordLocked(s *segment) error {
	d := ge.dev
	ge.sweepRetiredLocked()
	if s.cb != nil {
		busy := false
		for tl, v := range ge.runs {
			if !tl.reached(v) {
				busy = true
			}
		}
		if busy {
			r := retiredCB{cb: s.cb}
			for tl, v := range ge.runs {
				r.conds = append(r.conds, timelineValue{tl, v})
			}
			ge.retired = append(ge.retired, r)
			s.cb = nil
		}
	}
	if s.cb == nil {
		if err := check(C.shal_alloc_command_buffer(d.c, ge.pool, &s.cb), "graph: allocate command buffer"); err != nil {
			return err
		}
	}
	cb := s.cb
	if err := check(C.shal_begin(d.c, cb, C.VK_COMMAND_BUFFER_USAGE_SIMULTANEOUS_USE_BIT), "graph: begin command buffer"); err != nil {
		return err
	}
	// Host nodes before this segment may have written memory.
	C.shal_barrier(d.c, cb, C.VK_PIPELINE_STAGE_HOST_BIT, C.VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT|C.VK_PIPELINE_STAGE_TRANSFER_BIT,
		C.VK_ACCESS_HOST_WRITE_BIT, C.VK_ACCESS_SHADER_READ_BIT|C.VK_ACCESS_SHADER_WRITE_BIT|C.VK_ACCESS_TRANSFER_READ_BIT|C.VK_ACCESS_TRANSFER_WRITE_BIT)
	first := true
	bind := new(bindState)
	for _, i := range s.nodes {
		n := &ge.nodes[i]
		barrier := !first
		switch n.Kind {
		case hal.NodeKernel:
			k := n.Kernel.(*kernel)
			p, err := k.prepare(n.Launch)
			if err != nil {
				C.shal_end(d.c, cb)
				return fmt.Errorf("hal/vulkan: graph node %d: %w", i, err)
			}
			k.record(cb, barrier, p, n.Launch, bind)
		case hal.NodeCopy:
			if n.Size == 0 {
				continue
			}
			da, doff, err := d.resolve("graph copy destination", n.Dst, n.Size)
			if err != nil {
				C.shal_end(d.c, cb)
				return err
			}
			sa, soff, err := d.resolve("graph copy source", n.Src, n.Size)
			if err != nil {
				C.shal_end(d.c, cb)
				return err
			}
			C.shal_cmd_copy(d.c, cb, cbool(barrier), sa.buffer, C.VkDeviceSize(soff), da.buffer, C.VkDeviceSize(doff), C.VkDeviceSize(n.Size))
		case hal.NodeFill:
			p, err := d.planFill(n.Dst, n.Size, n.Pattern, n.PatternSize)
			if err != nil {
				C.shal_end(d.c, cb)
				return err
			}
			if p == nil {
				continue
			}
			d.recordFill(cb, barrier, p)
			bind.forget() // the fill binds its own pipeline
		default:
			continue
		}
		first = false
	}
	C.shal_barrier(d.c, cb, C.VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT|C.VK_PIPELINE_STAGE_TRANSFER_BIT, C.VK_PIPELINE_STAGE_HOST_BIT,
		C.VK_ACCESS_SHADER_WRITE_BIT|C.VK_ACCESS_TRANSFER_WRITE_BIT, C.VK_ACCESS_HOST_READ_BIT|C.VK_ACCESS_HOST_WRITE_BIT)
	if err := check(C.shal_end(d.c, cb), "graph: end command buffer"); err != nil {
		return err
	}
	s.dirty = false
	return nil
}

// Update replaces node i's parameters. Kernel nodes keep their kernel
// (another kernel needs a new instantiation: hal.ErrNotSupported); the
// segment holding the node is re-recorded at the next Execute.
func (ge *graphExec) Update(i int, n hal.Node) error {
	ge.mu.Lock()
	defer ge.mu.Unlock()
	if ge.closed {
		return fmt.Errorf("hal/vulkan: graph update: graph is closed: %w", hal.ErrInvalidHandle)
	}
	if i < 0 || i >= len(ge.nodes) {
		return fmt.Errorf("hal/vulkan: graph update: node %d of %d: %w", i, len(ge.nodes), hal.ErrInvalidValue)
	}
	old := &ge.nodes[i]
	if n.Kind != old.Kind {
		return fmt.Errorf("hal/vulkan: graph update: node %d is a %v node, not %v: %w", i, old.Kind, n.Kind, hal.ErrNotSupported)
	}
	if n.Kind == hal.NodeKernel && n.Kernel != old.Kernel {
		return fmt.Errorf("hal/vulkan: graph update: node %d: changing the kernel needs a new instantiation: %w", i, hal.ErrNotSupported)
	}
	if err := ge.checkNode(i, &n); err != nil {
		return err
	}
	n.Deps = old.Deps
	ge.nodes[i] = n
	s := ge.segs[ge.nodeSeg[i]]
	switch s.kind {
	case segCommands:
		s.dirty = true
	case segHost:
		s.host = n.Host
	case segRecord, segWait:
		s.event = n.Event.(*event)
	}
	return nil
}

// Execute replays a graph on q.
func (q *queue) Execute(g hal.GraphExec) error {
	ge, ok := g.(*graphExec)
	if !ok || ge.dev != q.dev {
		return fmt.Errorf("hal/vulkan: execute: graph %T is not a graph of this Vulkan device: %w", g, hal.ErrInvalidHandle)
	}
	ge.mu.Lock()
	defer ge.mu.Unlock()
	if ge.closed {
		return fmt.Errorf("hal/vulkan: execute: graph is closed: %w", hal.ErrInvalidHandle)
	}
	for _, s := range ge.segs {
		if s.kind == segCommands && s.dirty {
			if err := ge.recordLocked(s); err != nil {
				return err
			}
		}
	}
	for _, n := range ge.nodes {
		if k, ok := n.Kernel.(*kernel); ok && n.Kind == hal.NodeKernel && k.exe.printf != nil {
			k.exe.launched.Store(true)
		}
	}
	if err := q.lockOpen(); err != nil {
		return err
	}
	defer q.mu.Unlock()
	if err := q.flushLocked(); err != nil {
		return err
	}
	for _, s := range ge.segs {
		var err error
		switch s.kind {
		case segCommands:
			waits := q.waits
			q.waits = nil
			if err = q.submitLocked(s.cb, waits, true); err == nil {
				// The command buffer belongs to the graph: the queue only
				// tracks the waits' references.
				q.inflight = append(q.inflight, inflightCB{cb: nil, value: q.tail, waits: waits})
				if q.afterHost {
					q.afterHost = false // the segment starts with a host barrier
				}
			} else {
				for _, w := range waits {
					w.tl.release()
				}
			}
		case segHost:
			err = q.hostCallLocked(s.host)
		case segRecord:
			err = q.recordLocked(s.event)
		case segWait:
			err = q.waitLocked(s.event)
		}
		if err != nil {
			return err
		}
	}
	if old, ok := ge.runs[q.tl]; !ok {
		q.tl.acquire()
		ge.runs[q.tl] = q.tail
	} else if q.tail > old {
		ge.runs[q.tl] = q.tail
	}
	return nil
}

// Close releases the graph once its executions are done.
func (ge *graphExec) Close() error {
	d := ge.dev
	d.mu.Lock()
	if _, ok := d.graphs[ge]; !ok {
		d.mu.Unlock()
		return fmt.Errorf("hal/vulkan: graph already closed: %w", hal.ErrInvalidHandle)
	}
	delete(d.graphs, ge)
	d.mu.Unlock()
	ge.mu.Lock()
	ge.closed = true
	var conds []timelineValue
	for tl, v := range ge.runs {
		conds = append(conds, timelineValue{tl.acquire(), v})
	}
	ge.mu.Unlock()
	d.deferFreeAfter(conds, ge.release)
	return nil
}

// release destroys the graph's command buffers (its executions are done).
func (ge *graphExec) release() {
	ge.mu.Lock()
	defer ge.mu.Unlock()
	ge.closed = true
	if ge.pool != 0 {
		d, pool := ge.dev, ge.pool
		d.reap(func() { C.shal_destroy_command_pool(d.c, pool) }) // see device.reap
		ge.pool = 0
	}
	for _, s := range ge.segs {
		s.cb = nil
	}
	ge.retired = nil
	for tl := range ge.runs {
		tl.release()
	}
	ge.runs = map[*timeline]uint64{}
}
