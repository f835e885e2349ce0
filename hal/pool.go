package hal

// PoolDevice is implemented by devices whose driver has its own
// stream-ordered allocator (CUDA's cuMemPool* and cuMemAllocAsync, HIP's
// hipMemPool* and hipMallocAsync). Package streaming then serves MemPool,
// MallocAsync and FreeAsync through it, and keeps every allocation in its
// pointer table as for any other memory. Without PoolDevice (hal/cpu,
// hal/vulkan), package streaming keeps its own pools on top of
// Device.Allocate.
//
// Further pool capabilities (exporting a pool to another process) are
// optional interfaces of Pool, discovered the same way.
type PoolDevice interface {
	// DefaultPool returns the device's default pool
	// (cuDeviceGetDefaultMemPool). Closing it releases nothing.
	DefaultPool() (Pool, error)
	// NewPool creates a pool of the device's memory (cuMemPoolCreate).
	NewPool(opts PoolOptions) (Pool, error)
	// SetCurrentPool makes p the pool that the driver's own
	// cuMemAllocAsync uses on this device (cuDeviceSetMemPool), so that C
	// code sharing the process sees the pool package streaming uses.
	SetCurrentPool(p Pool) error
}

// PoolOptions configure a new pool.
type PoolOptions struct {
	// MaxSize bounds the memory the pool may reserve; 0 is the driver's
	// default (no bound beyond the device's memory).
	MaxSize uint64
}

// PoolAttribute is a pool attribute, numbered as CUmemPool_attribute and
// hipMemPoolAttr (the same numbers).
type PoolAttribute int

// Pool attributes. The reuse policies are booleans (0 or 1), the others
// byte counts.
const (
	PoolReuseFollowEventDependencies   PoolAttribute = 1
	PoolReuseAllowOpportunistic        PoolAttribute = 2
	PoolReuseAllowInternalDependencies PoolAttribute = 3
	PoolReleaseThreshold               PoolAttribute = 4
	PoolReservedMemCurrent             PoolAttribute = 5
	PoolReservedMemHigh                PoolAttribute = 6
	PoolUsedMemCurrent                 PoolAttribute = 7
	PoolUsedMemHigh                    PoolAttribute = 8
)

// PoolAccess says how a device may use a pool's memory (CUmemAccess_flags,
// hipMemAccessFlags).
type PoolAccess int

// Access flags.
const (
	PoolAccessNone      PoolAccess = 0
	PoolAccessRead      PoolAccess = 1
	PoolAccessReadWrite PoolAccess = 3
)

// Pool is a driver's memory pool. Package streaming validates every
// argument (sizes, attributes and their values, access flags, that addr
// came from this pool and is freed once) before it calls a Pool.
type Pool interface {
	// AllocateAsync allocates size bytes ordered on q, a queue of the
	// pool's device or of a device that has access to the pool
	// (cuMemAllocFromPoolAsync).
	AllocateAsync(q Queue, size uint64) (Allocation, error)
	// FreeAsync returns memory from AllocateAsync, ordered on q: work
	// enqueued on q before it may still use the memory (cuMemFreeAsync).
	// It works after Close too, as cuMemFreeAsync does for memory of a
	// destroyed pool.
	FreeAsync(q Queue, addr uint64) error
	// Free returns memory from AllocateAsync at once; the caller has
	// waited for the work that used it (cuMemFree). It works after Close.
	Free(addr uint64) error
	// Attribute and SetAttribute read and change a pool attribute
	// (cuMemPoolGetAttribute, cuMemPoolSetAttribute).
	Attribute(attr PoolAttribute) (uint64, error)
	SetAttribute(attr PoolAttribute, v uint64) error
	// TrimTo releases unused memory until the pool holds at most keep
	// bytes (cuMemPoolTrimTo).
	TrimTo(keep uint64) error
	// SetAccess and Access change and report how peer, another device of
	// the same driver, may use the pool's memory (cuMemPoolSetAccess,
	// cuMemPoolGetAccess).
	SetAccess(peer Device, flags PoolAccess) error
	Access(peer Device) (PoolAccess, error)
	// Close destroys a created pool (cuMemPoolDestroy); memory still
	// allocated from it stays valid until it is freed. Closing the default
	// pool releases nothing.
	Close() error
}
