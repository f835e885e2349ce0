// Package streaming is streamhal's idiomatic Go API and its one
// backend-neutral implementation of the CUDA/HIP execution model.
//
// Open a Runtime (it opens every registered driver, or those that Options or
// STREAM_HAL_TEST_TARGET name) and pick a Device. Like database/sql, this
// package imports no driver: a program links the drivers it wants with a
// blank import, usually of the whole default set,
//
//	import _ "github.com/streamhal/streamhal/hal/all"
//
// or of one driver (hal/cpu, hal/cuda, hal/hip, hal/vulkan); packages cuda
// and hip, the streamhal command and the examples import hal/all. A Context
// (the device's PrimaryContext, or NewContext) owns memory, modules,
// streams and events, and Close frees all of it. Devices of all drivers enumerate together:
// cpu first, then cuda, hip and vulkan, each driver's devices in its own
// order.
//
// Memory. DevicePtr is a 64-bit device address. The runtime keeps a range
// table of every allocation (device, page-locked host, registered host,
// managed, pool, module global), so any address inside an allocation
// resolves to it in O(log n): copies infer their direction, PointerAttributes
// and AddressRange answer, and a copy, free or kernel argument that no
// allocation covers is ErrInvalidValue rather than a crash.
//
// Streams. A Stream runs operations in submission order, asynchronously to
// the caller. Each context has a legacy default stream (DefaultStream): its
// work waits for the earlier work of the context's blocking streams and
// theirs for its, as CUDA's NULL stream does; StreamNonBlocking streams do
// not synchronize with it. Copies from ordinary Go memory are staged so the
// source may be reused when the call returns; copies into Go memory return
// once the data is there; page-locked (MallocHost) and registered
// (HostRegister) memory is copied asynchronously. Synchronous forms
// (Context.MemcpyHtoD, ...) run on the default stream and wait.
//
// Kernels. Context.LoadModule detects the format (CPU kernel library, PTX,
// cubin, fatbin, AMDGPU code object, SPIR-V, or a streamhal fat module from
// which the device's best binary is chosen). Stream.Launch packs Go values
// into the single argument buffer by the kernel's parameter layout (see
// PackArgs) and checks grid, block and shared-memory limits and pointer
// arguments first.
//
// Events mark points in streams for queries, waits, cross-stream ordering
// (Stream.WaitEvent, also across devices) and timing (ElapsedTime).
//
// Graphs. Build a Graph with Add*Node calls or by stream capture
// (Stream.BeginCapture ... EndCapture, across streams joined by events),
// Instantiate it once into a GraphExec (the driver's native form: a CPU task
// DAG running independent nodes in parallel, a CUDA graph, Vulkan command
// buffers) and Launch it many times; GraphExec.Update changes parameters
// without re-instantiation when the topology is the same.
//
// Memory pools. Stream.MallocAsync and FreeAsync allocate from a MemPool in
// stream order: freed memory is reused at once by the same stream and by
// other streams once the free has been reached.
//
// Errors wrap the sentinels of this package (ErrInvalidValue, ...), matched
// with errors.Is; messages name the call and the argument. All objects are
// safe for concurrent use, and no state is thread-local: packages cuda and
// hip model the C APIs' "current context" on top (see ContextStack).
//
// Concurrency guarantees. Of concurrent releases of one object (two Frees
// of a pointer, FreeAsync, HostUnregister, two Closes of a stream, event,
// module, graph exec or context, a Free racing its context's destruction
// or Runtime.Close) exactly one releases it; the others fail as CUDA's
// second call does (ErrInvalidValue for memory, ErrInvalidHandle or
// ErrInvalidContext for handles), and no driver sees a double free. An
// operation whose addresses were checked is enqueued before a racing Free
// takes the memory away, and the Free then waits for the device, so no
// kernel or copy runs on freed memory; a graph exec whose memory was freed
// is refused at launch until its node is set again. Kernel pointer
// arguments are checked by the kernel's layout whatever Go type carries
// them, in every launch form and graph node: null and one past the end of
// an allocation are allowed; other memory that no allocation covers, or
// device memory of another device without peer access (EnablePeerAccess),
// is ErrInvalidValue. A second Free that starts only after the first one
// returned and after the address was handed out again frees the new
// allocation, as in CUDA: no library can tell it from a legitimate free.
package streaming
