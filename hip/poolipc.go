package hip

import "github.com/streamhal/streamhal/streaming"

// Pools shared between processes: a pool created with
// HipMemHandleTypePosixFileDescriptor exports a file descriptor
// (hipMemPoolExportToShareableHandle) that another process imports
// (hipMemPoolImportFromShareableHandle) after receiving it by SCM_RIGHTS
// or inheritance; each allocation then travels as 64 bytes
// (hipMemPoolExportPointer, hipMemPoolImportPointer). See
// streaming.NewExportableMemPool for how.

// MemPoolPtrExportData is hipMemPoolPtrExportData: 64 opaque bytes (the
// same type as cuda.MemPoolPtrExportData).
type MemPoolPtrExportData = streaming.MemPoolPtrExportData

// exportablePoolCreate is hipMemPoolCreate with shareable handle types.
func exportablePoolCreate(call string, d *streaming.Device, types MemAllocationHandleType) (MemPool, error) {
	if types != HipMemHandleTypePosixFileDescriptor {
		return nil, fail(call, HipErrorNotSupported, "handle types %v: only HipMemHandleTypePosixFileDescriptor is supported", types)
	}
	p, err := d.NewExportableMemPool()
	if err != nil {
		return nil, ret(call, err)
	}
	return p, nil
}

func checkHandleType(call string, handleType MemAllocationHandleType, flags uint32) error {
	if handleType != HipMemHandleTypePosixFileDescriptor {
		return fail(call, HipErrorInvalidValue, "handle type %v: want HipMemHandleTypePosixFileDescriptor", handleType)
	}
	if flags != 0 {
		return fail(call, HipErrorInvalidValue, "flags %#x: want 0", flags)
	}
	return nil
}

// MemPoolExportToShareableHandle is hipMemPoolExportToShareableHandle with
// HipMemHandleTypePosixFileDescriptor: a new file descriptor (as a
// uintptr, the int HIP writes through its void*) that the caller passes
// to another process and closes. A pool created without that handle type
// is HipErrorInvalidValue.
func MemPoolExportToShareableHandle(pool MemPool, handleType MemAllocationHandleType, flags uint32) (uintptr, error) {
	const call = "hipMemPoolExportToShareableHandle"
	if err := poolOf(pool); err != nil {
		return 0, ret(call, err)
	}
	if err := checkHandleType(call, handleType, flags); err != nil {
		return 0, err
	}
	fd, err := pool.ExportToFD()
	if err != nil {
		return 0, ret(call, err)
	}
	return uintptr(fd), nil
}

// MemPoolImportFromShareableHandle is hipMemPoolImportFromShareableHandle:
// a pool, on the current device, that opens the allocations of the pool
// another process exported as the file descriptor handle (which stays
// the caller's). A pool of this process is HipErrorInvalidContext; any
// other descriptor HipErrorInvalidValue.
func MemPoolImportFromShareableHandle(handle uintptr, handleType MemAllocationHandleType, flags uint32) (MemPool, error) {
	const call = "hipMemPoolImportFromShareableHandle"
	c, err := current()
	if err != nil {
		return nil, ret(call, err)
	}
	if err := checkHandleType(call, handleType, flags); err != nil {
		return nil, err
	}
	if handle > 1<<31-1 {
		return nil, fail(call, HipErrorInvalidValue, "handle %#x is not a file descriptor", handle)
	}
	p, err := c.Device().ImportMemPoolFromFD(int(handle))
	if err != nil {
		return nil, ret(call, err)
	}
	return p, nil
}

// MemPoolExportPointer is hipMemPoolExportPointer: the data that lets a
// process that imported ptr's pool open ptr's allocation. ptr must come
// from an exportable pool.
func MemPoolExportPointer(ptr DevicePtr) (MemPoolPtrExportData, error) {
	const call = "hipMemPoolExportPointer"
	c, err := current()
	if err != nil {
		return MemPoolPtrExportData{}, ret(call, err)
	}
	attr, err := c.PointerAttributes(ptr)
	if err != nil {
		return MemPoolPtrExportData{}, ret(call, err)
	}
	if attr.Pool == nil {
		return MemPoolPtrExportData{}, fail(call, HipErrorInvalidValue, "%#x: not memory of a pool", uint64(ptr))
	}
	data, err := attr.Pool.ExportPointer(ptr)
	return data, ret(call, err)
}

// MemPoolImportPointer is hipMemPoolImportPointer: the allocation data
// names, opened on the current device through the imported pool. Free it
// with hipFree or hipFreeAsync before the exporter frees it.
func MemPoolImportPointer(pool MemPool, data *MemPoolPtrExportData) (DevicePtr, error) {
	const call = "hipMemPoolImportPointer"
	if err := poolOf(pool); err != nil {
		return 0, ret(call, err)
	}
	if data == nil {
		return 0, fail(call, HipErrorInvalidValue, "nil export data")
	}
	c, err := current()
	if err != nil {
		return 0, ret(call, err)
	}
	p, err := c.ImportPointer(pool, *data)
	return p, ret(call, err)
}
