package hal

import "fmt"

// NodeKind is the kind of a graph node.
type NodeKind int

// Node kinds. Child graphs are flattened by package streaming before
// instantiation, so drivers never see them.
const (
	NodeEmpty NodeKind = iota + 1
	NodeKernel
	NodeCopy
	NodeFill
	NodeHost
	NodeEventRecord
	NodeEventWait
)

func (k NodeKind) String() string {
	switch k {
	case NodeEmpty:
		return "empty"
	case NodeKernel:
		return "kernel"
	case NodeCopy:
		return "memcpy"
	case NodeFill:
		return "memset"
	case NodeHost:
		return "host"
	case NodeEventRecord:
		return "event-record"
	case NodeEventWait:
		return "event-wait"
	}
	return fmt.Sprintf("NodeKind(%d)", int(k))
}

// Node is one operation of a Graph. Which fields matter depends on Kind.
type Node struct {
	Kind NodeKind
	// Deps are indices of nodes (all lower than this node's own index) that
	// must finish before this one starts.
	Deps []int

	Kernel Kernel       // NodeKernel
	Launch LaunchConfig // NodeKernel

	Dst, Src uint64 // NodeCopy (Dst, Src), NodeFill (Dst)
	Size     uint64 // bytes, NodeCopy and NodeFill

	Pattern     uint32 // NodeFill
	PatternSize int    // NodeFill: 1, 2 or 4

	Host func() // NodeHost

	Event Event // NodeEventRecord, NodeEventWait
}

// Graph is a validated DAG of nodes in topological order (every dependency
// index is lower than the node's own index).
type Graph struct {
	Nodes []Node
}

// Validate checks the structural rules drivers rely on.
func (g *Graph) Validate() error {
	for i, n := range g.Nodes {
		for _, d := range n.Deps {
			if d < 0 || d >= i {
				return fmt.Errorf("hal: graph node %d depends on node %d, which is not earlier: %w", i, d, ErrInvalidValue)
			}
		}
		switch n.Kind {
		case NodeEmpty, NodeHost, NodeCopy:
		case NodeKernel:
			if n.Kernel == nil {
				return fmt.Errorf("hal: graph node %d: kernel node without a kernel: %w", i, ErrInvalidValue)
			}
		case NodeFill:
			if err := CheckFill(n.Size, n.PatternSize); err != nil {
				return fmt.Errorf("hal: graph node %d: %w", i, err)
			}
		case NodeEventRecord, NodeEventWait:
			if n.Event == nil {
				return fmt.Errorf("hal: graph node %d: event node without an event: %w", i, ErrInvalidValue)
			}
		default:
			return fmt.Errorf("hal: graph node %d: unknown kind %v: %w", i, n.Kind, ErrInvalidValue)
		}
	}
	return nil
}

// CheckFill is the one rule for fills (Queue.Fill, NodeFill): the pattern
// is 1, 2 or 4 bytes and n a multiple of it. Package streaming applies it
// to every fill it hands a driver (and Graph.Validate to every fill node),
// so drivers do not check again.
func CheckFill(n uint64, patternSize int) error {
	if patternSize != 1 && patternSize != 2 && patternSize != 4 {
		return fmt.Errorf("fill pattern size %d (want 1, 2 or 4): %w", patternSize, ErrInvalidValue)
	}
	if n%uint64(patternSize) != 0 {
		return fmt.Errorf("fill of %d bytes: not a multiple of the %d-byte pattern: %w", n, patternSize, ErrInvalidValue)
	}
	return nil
}

// GraphExec is an instantiated graph.
type GraphExec interface {
	// Update replaces the parameters of node i (same kind, same kernel
	// shape) without re-instantiating. It returns ErrNotSupported when the
	// change needs a new instantiation; the caller then re-instantiates.
	Update(i int, n Node) error
	Close() error
}
