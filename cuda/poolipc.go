package cuda

import "github.com/streamhal/streamhal/streaming"

// Pools shared between processes: a pool created with
// CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR exports a file descriptor
// (cuMemPoolExportToShareableHandle) that another process imports
// (cuMemPoolImportFromShareableHandle) after receiving it by SCM_RIGHTS or
// inheritance; each allocation then travels as 64 bytes
// (cuMemPoolExportPointer, cuMemPoolImportPointer). See
// streaming.NewExportableMemPool for how.

// MemPoolPtrExportData is CUmemPoolPtrExportData: 64 opaque bytes.
type MemPoolPtrExportData = streaming.MemPoolPtrExportData

// exportablePoolCreate is cuMemPoolCreate with shareable handle types.
func exportablePoolCreate(sd *streaming.Device, types MemAllocationHandleType) (*MemoryPool, error) {
	if types != CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR {
		return nil, failf(CUDA_ERROR_NOT_SUPPORTED, "cuMemPoolCreate: handle types %v: only CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR is supported", types)
	}
	p, err := sd.NewExportableMemPool()
	if err != nil {
		return nil, fail(err)
	}
	return p, nil
}

func checkHandleType(what string, handleType MemAllocationHandleType, flags uint64) error {
	if handleType != CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR {
		return failf(CUDA_ERROR_INVALID_VALUE, "%s: handle type %v: want CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR", what, handleType)
	}
	if flags != 0 {
		return failf(CUDA_ERROR_INVALID_VALUE, "%s: flags %#x: want 0", what, flags)
	}
	return nil
}

// MemPoolExportToShareableHandle is cuMemPoolExportToShareableHandle with
// CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR: a new file descriptor (as a
// uintptr, the int CUDA writes through its void*) that the caller passes
// to another process and closes. A pool created without that handle type
// is CUDA_ERROR_INVALID_VALUE.
func MemPoolExportToShareableHandle(p *MemoryPool, handleType MemAllocationHandleType, flags uint64) (uintptr, error) {
	const what = "cuMemPoolExportToShareableHandle"
	if _, err := pool(what, p); err != nil {
		return 0, err
	}
	if err := checkHandleType(what, handleType, flags); err != nil {
		return 0, err
	}
	fd, err := p.ExportToFD()
	if err != nil {
		return 0, fail(err)
	}
	return uintptr(fd), nil
}

// MemPoolImportFromShareableHandle is cuMemPoolImportFromShareableHandle:
// a pool, on the current context's device, that opens the allocations of
// the pool another process exported as the file descriptor handle (which
// stays the caller's). A pool of this process is
// CUDA_ERROR_INVALID_CONTEXT; any other descriptor CUDA_ERROR_INVALID_VALUE.
func MemPoolImportFromShareableHandle(handle uintptr, handleType MemAllocationHandleType, flags uint64) (*MemoryPool, error) {
	const what = "cuMemPoolImportFromShareableHandle"
	_, sc, err := cur(what)
	if err != nil {
		return nil, err
	}
	if err := checkHandleType(what, handleType, flags); err != nil {
		return nil, err
	}
	if handle > 1<<31-1 {
		return nil, failf(CUDA_ERROR_INVALID_VALUE, "%s: handle %#x is not a file descriptor", what, handle)
	}
	p, err := sc.Device().ImportMemPoolFromFD(int(handle))
	if err != nil {
		return nil, fail(err)
	}
	return p, nil
}

// MemPoolExportPointer is cuMemPoolExportPointer: the data that lets a
// process that imported ptr's pool open ptr's allocation. ptr must come
// from an exportable pool.
func MemPoolExportPointer(ptr DevicePtr) (MemPoolPtrExportData, error) {
	const what = "cuMemPoolExportPointer"
	d, err := get()
	if err != nil {
		return MemPoolPtrExportData{}, err
	}
	attr, err := d.rt.PointerAttributes(ptr)
	if err != nil {
		return MemPoolPtrExportData{}, fail(err)
	}
	if attr.Pool == nil {
		return MemPoolPtrExportData{}, failf(CUDA_ERROR_INVALID_VALUE, "%s %#x: not memory of a pool", what, uint64(ptr))
	}
	data, err := attr.Pool.ExportPointer(ptr)
	if err != nil {
		return MemPoolPtrExportData{}, fail(err)
	}
	return data, nil
}

// MemPoolImportPointer is cuMemPoolImportPointer: the allocation data
// names, opened in the current context through the imported pool p. Free
// it with cuMemFree or cuMemFreeAsync before the exporter frees it.
func MemPoolImportPointer(p *MemoryPool, data *MemPoolPtrExportData) (DevicePtr, error) {
	const what = "cuMemPoolImportPointer"
	if _, err := pool(what, p); err != nil {
		return 0, err
	}
	_, sc, err := cur(what)
	if err != nil {
		return 0, err
	}
	if data == nil {
		return 0, failf(CUDA_ERROR_INVALID_VALUE, "%s: NULL export data", what)
	}
	ptr, err := sc.ImportPointer(p, *data)
	if err != nil {
		return 0, fail(err)
	}
	return ptr, nil
}
