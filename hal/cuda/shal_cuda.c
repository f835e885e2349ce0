// The C side of package cuda: the function table resolved from libcuda,
// small trampolines that make a context current around each driver call,
// the host-function trampoline into Go, and plain-C benchmark baselines.

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shal_cuda.h"
#include "_cgo_export.h"

#include <pthread.h>
#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

static long long shal_now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

// shal_cpu_relax is the pause of a spin-wait loop.
static inline void shal_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

// shal_futex_wait sleeps while *addr == val, at most timeout_ns; without
// futexes (not Linux) it sleeps 50 us and lets the caller look again.
static void shal_futex_wait(uint32_t *addr, uint32_t val, long long timeout_ns) {
#if defined(__linux__)
	struct timespec ts = {timeout_ns / 1000000000LL, timeout_ns % 1000000000LL};
	syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, &ts, NULL, 0);
#else
	(void)addr;
	(void)val;
	(void)timeout_ns;
	struct timespec ts = {0, 50000};
	nanosleep(&ts, NULL);
#endif
}

// shal_futex_wake wakes the thread sleeping in shal_futex_wait on addr.
static void shal_futex_wake(uint32_t *addr) {
#if defined(__linux__)
	syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
#else
	(void)addr;
#endif
}

// Typed pointers to every function in SHAL_CU_FUNCS.
#define SHAL_TYPEDEF(req, name, ret, params) typedef ret (*shal_pfn_##name) params;
SHAL_CU_FUNCS(SHAL_TYPEDEF)
#undef SHAL_TYPEDEF

static void *shal_fns[SHAL_FN_COUNT];

#define SHAL_NAME(req, name, ret, params) #name,
static const char *const shal_names[SHAL_FN_COUNT] = {SHAL_CU_FUNCS(SHAL_NAME)};
#undef SHAL_NAME

#define SHAL_REQ(req, name, ret, params) req,
static const int shal_required[SHAL_FN_COUNT] = {SHAL_CU_FUNCS(SHAL_REQ)};
#undef SHAL_REQ

#define F(name) ((shal_pfn_##name)shal_fns[SHAL_FN_##name])

// Errors the trampolines report for a function the driver lacks.
#define SHAL_CUDA_ERROR_INVALID_VALUE 1
#define SHAL_CUDA_ERROR_NOT_SUPPORTED 801

int shal_fn_count(void) { return SHAL_FN_COUNT; }
const char *shal_fn_name(int i) { return i >= 0 && i < SHAL_FN_COUNT ? shal_names[i] : NULL; }
int shal_fn_required(int i) { return i >= 0 && i < SHAL_FN_COUNT ? shal_required[i] : 0; }
void shal_fn_set(int i, void *p) {
	if (i >= 0 && i < SHAL_FN_COUNT) shal_fns[i] = p;
}
int shal_fn_present(int i) { return i >= 0 && i < SHAL_FN_COUNT && shal_fns[i] != NULL; }

// Context handling. CUDA keeps a current context per OS thread. Every
// driver call that needs one goes through a single cgo call into one of the
// trampolines below, which runs entirely on one OS thread: it makes ctx
// current (one cuCtxGetCurrent, plus a cuCtxSetCurrent only when another
// context is current), calls the driver, and restores a different context
// that someone else had made current on this thread. When the thread had no
// context, ours stays current: that is harmless (CUDA's runtime does the
// same) and keeps the common case to a single cuCtxGetCurrent. Go code never
// depends on what is current, so goroutines may move between threads freely.
static inline CUresult shal_enter(CUcontext ctx, CUcontext *prev) {
	CUcontext cur = NULL;
	CUresult r = F(cuCtxGetCurrent)(&cur);
	*prev = cur;
	if (r != 0 || cur == ctx) return r;
	return F(cuCtxSetCurrent)(ctx);
}

static inline void shal_leave(CUcontext ctx, CUcontext prev) {
	if (prev != NULL && prev != ctx) F(cuCtxSetCurrent)(prev);
}

#define WITH_CTX(ctx, call)                              \
	do {                                                 \
		CUcontext prev_;                                 \
		CUresult r_ = shal_enter((ctx), &prev_);         \
		if (r_ != 0) return r_;                          \
		r_ = (call);                                     \
		shal_leave((ctx), prev_);                        \
		return r_;                                       \
	} while (0)

#define NEED(name) \
	if (shal_fns[SHAL_FN_##name] == NULL) return SHAL_CUDA_ERROR_NOT_SUPPORTED

// ---- calls without a context ----

void *shal_host_ptr(CUdeviceptr p) { return (void *)(uintptr_t)p; }

CUresult shal_init(void) { return F(cuInit)(0); }
CUresult shal_driver_version(int *v) { return F(cuDriverGetVersion)(v); }
const char *shal_error_name(CUresult r) {
	const char *s = NULL;
	if (shal_fns[SHAL_FN_cuGetErrorName] == NULL || F(cuGetErrorName)(r, &s) != 0) return NULL;
	return s;
}
CUresult shal_device_count(int *n) { return F(cuDeviceGetCount)(n); }
CUresult shal_device_get(CUdevice *d, int ordinal) { return F(cuDeviceGet)(d, ordinal); }
CUresult shal_device_name(char *buf, int len, CUdevice d) { return F(cuDeviceGetName)(buf, len, d); }
CUresult shal_device_total_mem(size_t *bytes, CUdevice d) { return F(cuDeviceTotalMem_v2)(bytes, d); }
CUresult shal_device_attr(int *v, int attr, CUdevice d) { return F(cuDeviceGetAttribute)(v, attr, d); }
CUresult shal_device_uuid(shal_CUuuid *u, CUdevice d) {
	if (shal_fns[SHAL_FN_cuDeviceGetUuid_v2] != NULL) return F(cuDeviceGetUuid_v2)(u, d);
	NEED(cuDeviceGetUuid);
	return F(cuDeviceGetUuid)(u, d);
}
CUresult shal_device_can_access_peer(int *v, CUdevice d, CUdevice peer) {
	return F(cuDeviceCanAccessPeer)(v, d, peer);
}
CUresult shal_primary_retain(CUcontext *ctx, CUdevice d) { return F(cuDevicePrimaryCtxRetain)(ctx, d); }
CUresult shal_primary_release(CUdevice d) { return F(cuDevicePrimaryCtxRelease_v2)(d); }

// ---- calls with a context ----

CUresult shal_ctx_noop(CUcontext ctx) { WITH_CTX(ctx, 0); }
CUresult shal_ctx_synchronize(CUcontext ctx) { WITH_CTX(ctx, F(cuCtxSynchronize)()); }
CUresult shal_ctx_priority_range(CUcontext ctx, int *least, int *greatest) {
	WITH_CTX(ctx, F(cuCtxGetStreamPriorityRange)(least, greatest));
}
CUresult shal_ctx_enable_peer(CUcontext ctx, CUcontext peer) { WITH_CTX(ctx, F(cuCtxEnablePeerAccess)(peer, 0)); }
CUresult shal_ctx_disable_peer(CUcontext ctx, CUcontext peer) { WITH_CTX(ctx, F(cuCtxDisablePeerAccess)(peer)); }
CUresult shal_mem_info(CUcontext ctx, size_t *free, size_t *total) { WITH_CTX(ctx, F(cuMemGetInfo_v2)(free, total)); }
CUresult shal_mem_alloc(CUcontext ctx, CUdeviceptr *p, size_t n) { WITH_CTX(ctx, F(cuMemAlloc_v2)(p, n)); }
CUresult shal_mem_free(CUcontext ctx, CUdeviceptr p) { WITH_CTX(ctx, F(cuMemFree_v2)(p)); }

// CU_MEMHOSTALLOC_PORTABLE | CU_MEMHOSTALLOC_DEVICEMAP, and the same bits
// for CU_MEMHOSTREGISTER_*.
#define SHAL_HOST_FLAGS 0x3

static CUresult shal_mem_host_alloc_in(void **host, CUdeviceptr *dev, size_t n) {
	CUresult r = F(cuMemHostAlloc)(host, n, SHAL_HOST_FLAGS);
	if (r != 0) return r;
	r = F(cuMemHostGetDevicePointer_v2)(dev, *host, 0);
	if (r != 0) {
		F(cuMemFreeHost)(*host);
		*host = NULL;
	}
	return r;
}
CUresult shal_mem_host_alloc(CUcontext ctx, void **host, CUdeviceptr *dev, size_t n) {
	WITH_CTX(ctx, shal_mem_host_alloc_in(host, dev, n));
}
CUresult shal_mem_free_host(CUcontext ctx, void *p) { WITH_CTX(ctx, F(cuMemFreeHost)(p)); }
// CU_MEM_ATTACH_GLOBAL.
CUresult shal_mem_alloc_managed(CUcontext ctx, CUdeviceptr *p, size_t n) {
	WITH_CTX(ctx, F(cuMemAllocManaged)(p, n, 1));
}
static CUresult shal_mem_host_register_in(void *p, size_t n, CUdeviceptr *dev) {
	CUresult r = F(cuMemHostRegister_v2)(p, n, SHAL_HOST_FLAGS);
	if (r != 0) return r;
	r = F(cuMemHostGetDevicePointer_v2)(dev, p, 0);
	if (r != 0) F(cuMemHostUnregister)(p);
	return r;
}
CUresult shal_mem_host_register(CUcontext ctx, void *p, size_t n, CUdeviceptr *dev) {
	WITH_CTX(ctx, shal_mem_host_register_in(p, n, dev));
}
CUresult shal_mem_host_unregister(CUcontext ctx, void *p) { WITH_CTX(ctx, F(cuMemHostUnregister)(p)); }
// cuMemcpyHtoD from pageable memory returns once the bytes are staged for
// DMA, possibly before they reach the device ("API synchronization
// behavior" in the driver API reference). The copy runs on the NULL
// stream, which the driver's queues (CU_STREAM_NON_BLOCKING) do not wait
// for, so a kernel launched next could read the old contents; wait for
// the NULL stream before returning.
static CUresult shal_htod_done(CUdeviceptr dst, const void *src, size_t n) {
	CUresult r = F(cuMemcpyHtoD_v2)(dst, src, n);
	if (r != 0) return r;
	return F(cuStreamSynchronize)((CUstream)0);
}
CUresult shal_memcpy_htod(CUcontext ctx, CUdeviceptr dst, const void *src, size_t n) {
	WITH_CTX(ctx, shal_htod_done(dst, src, n));
}
CUresult shal_memcpy_dtoh(CUcontext ctx, void *dst, CUdeviceptr src, size_t n) {
	WITH_CTX(ctx, F(cuMemcpyDtoH_v2)(dst, src, n));
}
CUresult shal_memcpy_async(uintptr_t ctx, CUdeviceptr dst, CUdeviceptr src, size_t n, uintptr_t s) {
	WITH_CTX((CUcontext)ctx, F(cuMemcpyAsync)(dst, src, n, (CUstream)s));
}
CUresult shal_memcpy_peer_async(CUcontext ctx, CUdeviceptr dst, CUcontext dstCtx, CUdeviceptr src, CUcontext srcCtx, size_t n, CUstream s) {
	WITH_CTX(ctx, F(cuMemcpyPeerAsync)(dst, dstCtx, src, srcCtx, n, s));
}
static CUresult shal_memset_in(CUdeviceptr dst, unsigned int v, int size, size_t count, CUstream s) {
	switch (size) {
	case 1: return F(cuMemsetD8Async)(dst, (unsigned char)v, count, s);
	case 2: return F(cuMemsetD16Async)(dst, (unsigned short)v, count, s);
	case 4: return F(cuMemsetD32Async)(dst, v, count, s);
	}
	return SHAL_CUDA_ERROR_INVALID_VALUE;
}
CUresult shal_memset_async(uintptr_t ctx, CUdeviceptr dst, unsigned int v, int size, size_t count, uintptr_t s) {
	WITH_CTX((CUcontext)ctx, shal_memset_in(dst, v, size, count, (CUstream)s));
}
// CU_STREAM_NON_BLOCKING.
CUresult shal_stream_create(CUcontext ctx, CUstream *s, int priority) {
	WITH_CTX(ctx, F(cuStreamCreateWithPriority)(s, 1, priority));
}
CUresult shal_stream_destroy(CUcontext ctx, CUstream s) { WITH_CTX(ctx, F(cuStreamDestroy_v2)(s)); }
CUresult shal_stream_synchronize(uintptr_t ctx, uintptr_t s) { WITH_CTX((CUcontext)ctx, F(cuStreamSynchronize)((CUstream)s)); }
CUresult shal_stream_query(uintptr_t ctx, uintptr_t s) { WITH_CTX((CUcontext)ctx, F(cuStreamQuery)((CUstream)s)); }
CUresult shal_stream_wait_event(uintptr_t ctx, uintptr_t s, uintptr_t e) {
	WITH_CTX((CUcontext)ctx, F(cuStreamWaitEvent)((CUstream)s, (CUevent)e, 0));
}

// The host-function trampoline: CUDA calls it on one of its own threads and
// it calls into Go with the cgo.Handle it was given.
static void shal_host_trampoline(void *userData) { shalHostCallback((uintptr_t)userData); }

CUresult shal_launch_host_func(uintptr_t ctx, uintptr_t s, uintptr_t handle) {
	WITH_CTX((CUcontext)ctx, F(cuLaunchHostFunc)((CUstream)s, shal_host_trampoline, (void *)handle));
}

long long shal_mono_ns(void) { return shal_now_ns(); }

// The waking trampoline of per-queue host calls, run from a worker's own
// stream once the queue's stream has reached the event the worker waits
// for: it only wakes the worker and returns at once, so CUDA's single
// host-function thread is never held and never enters Go.
static void shal_host_signal(void *userData) {
	shal_host_sig *sig = userData;
	if (__atomic_load_n(&sig->trace, __ATOMIC_RELAXED)) __atomic_store_n(&sig->t_cb, shal_now_ns(), __ATOMIC_RELAXED);
	__atomic_add_fetch(&sig->gen, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&sig->sleeping, __ATOMIC_SEQ_CST)) shal_futex_wake(&sig->gen);
	// Last: once notified counts this call, the trampoline no longer
	// touches the signal, whose page may then be freed (hostcall.go's
	// exit compares it with the wakes enqueued).
	__atomic_add_fetch(&sig->notified, 1, __ATOMIC_SEQ_CST);
}

void shal_host_stop(shal_host_sig *sig) {
	__atomic_store_n(&sig->stop, 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&sig->gen, 1, __ATOMIC_SEQ_CST);
	shal_futex_wake(&sig->gen);
}

// CUDA_ERROR_NOT_READY: cuEventQuery's answer for work not yet done.
#define SHAL_CUDA_ERROR_NOT_READY 600

int shal_host_wait(shal_host_sig *sig, uintptr_t ctx, uintptr_t next, uint32_t listed_seen, uintptr_t side,
	long long spin_ns, long long pending_ns, long long idle_ns) {
	// Stopped first: a stopped worker's context may be on its way out.
	if (__atomic_load_n(&sig->stop, __ATOMIC_SEQ_CST)) return 1;
	CUcontext prev = NULL;
	int entered = next != 0 && shal_enter((CUcontext)ctx, &prev) == 0;
	int ret = -1, woke = 0; // woke: 1 a wake is enqueued on side, 2 none could be
	long long t0 = shal_now_ns(), queried = t0 - 1000;
	while (ret < 0) {
		uint32_t g = __atomic_load_n(&sig->gen, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&sig->stop, __ATOMIC_SEQ_CST)) {
			ret = 1;
			break;
		}
		if (__atomic_load_n(&sig->listed, __ATOMIC_SEQ_CST) != listed_seen) {
			ret = 3;
			break;
		}
		// Any answer but "not ready" ends the wait: an error (a failed
		// context) must not leave the call waiting forever. Without the
		// context the event cannot be asked, and the call is never taken
		// as due: the device's Close stops the worker. The event is asked
		// at most once a microsecond while spinning, so that the driver's
		// locks stay free for the stream's own calls.
		long long now = shal_now_ns();
		int ask = next != 0 && now - queried >= 1000;
		if (ask) queried = now;
		if (ask && entered && F(cuEventQuery)((CUevent)next) != SHAL_CUDA_ERROR_NOT_READY) {
			if (__atomic_load_n(&sig->trace, __ATOMIC_RELAXED)) __atomic_store_n(&sig->t_wake, shal_now_ns(), __ATOMIC_RELAXED);
			ret = 0;
			break;
		}
		long long t = now - t0;
		if (t < spin_ns || (next != 0 && t < pending_ns)) {
			shal_cpu_relax();
			continue;
		}
		if (next != 0 && !ask) continue; // ask once more before sleeping
		if (next == 0 && t >= idle_ns) {
			ret = 2;
			break;
		}
		if (next != 0 && woke == 0) {
			// The side stream wakes this thread once the stream has
			// reached the event: a trampoline, off the queue's stream.
			woke = 2;
			if (side != 0 && F(cuStreamWaitEvent)((CUstream)side, (CUevent)next, 0) == 0 &&
			    F(cuLaunchHostFunc)((CUstream)side, shal_host_signal, sig) == 0) {
				__atomic_add_fetch(&sig->wakes, 1, __ATOMIC_SEQ_CST);
				woke = 1;
			}
			continue; // look again before sleeping
		}
		// Without a wake on the side stream, poll every millisecond.
		long long sleep = next == 0 ? idle_ns - t : (woke == 1 ? 1000000000LL : 1000000LL);
		__atomic_store_n(&sig->sleeping, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&sig->gen, __ATOMIC_SEQ_CST) == g && !__atomic_load_n(&sig->stop, __ATOMIC_SEQ_CST))
			shal_futex_wait(&sig->gen, g, sleep);
		__atomic_store_n(&sig->sleeping, 0, __ATOMIC_SEQ_CST);
	}
	if (entered) shal_leave((CUcontext)ctx, prev);
	return ret;
}

void shal_host_wake(shal_host_sig *sig) { shal_futex_wake(&sig->gen); }

// CUstreamWaitValue_flags: CU_STREAM_WAIT_VALUE_GEQ waits until
// (int32_t)(*addr - value) >= 0, a cyclic comparison.
#define SHAL_CU_STREAM_WAIT_VALUE_GEQ 0x0

// The _v2 stream memory operations (CUDA 11.7+) are available on every
// platform; the legacy ones need NVreg_EnableStreamMemOPs=1, which the Go
// side checks (CU_DEVICE_ATTRIBUTE_CAN_USE_STREAM_MEM_OPS_V1) before it
// lets this fall back to them.
static CUresult shal_wait_value_in(CUstream s, CUdeviceptr addr, uint32_t value) {
	if (shal_fns[SHAL_FN_cuStreamWaitValue32_v2] != NULL)
		return F(cuStreamWaitValue32_v2)(s, addr, value, SHAL_CU_STREAM_WAIT_VALUE_GEQ);
	NEED(cuStreamWaitValue32);
	return F(cuStreamWaitValue32)(s, addr, value, SHAL_CU_STREAM_WAIT_VALUE_GEQ);
}

CUresult shal_stream_wait_value(uintptr_t ctx, uintptr_t s, CUdeviceptr addr, uint32_t value) {
	WITH_CTX((CUcontext)ctx, shal_wait_value_in((CUstream)s, addr, value));
}
CUresult shal_event_create(CUcontext ctx, CUevent *e, unsigned int flags) { WITH_CTX(ctx, F(cuEventCreate)(e, flags)); }
CUresult shal_event_destroy(CUcontext ctx, CUevent e) { WITH_CTX(ctx, F(cuEventDestroy_v2)(e)); }
CUresult shal_event_record(uintptr_t ctx, uintptr_t e, uintptr_t s) {
	WITH_CTX((CUcontext)ctx, F(cuEventRecord)((CUevent)e, (CUstream)s));
}
CUresult shal_event_query(uintptr_t ctx, uintptr_t e) { WITH_CTX((CUcontext)ctx, F(cuEventQuery)((CUevent)e)); }
CUresult shal_event_synchronize(uintptr_t ctx, uintptr_t e) { WITH_CTX((CUcontext)ctx, F(cuEventSynchronize)((CUevent)e)); }
CUresult shal_event_elapsed(CUcontext ctx, float *ms, CUevent start, CUevent end) {
	WITH_CTX(ctx, F(cuEventElapsedTime)(ms, start, end));
}

// CU_IPC_MEM_LAZY_ENABLE_PEER_ACCESS: peer access is enabled where needed.
#define SHAL_IPC_LAZY_PEER 0x1

CUresult shal_ipc_get_mem(CUcontext ctx, shal_ipc_handle *h, CUdeviceptr p) {
	NEED(cuIpcGetMemHandle);
	WITH_CTX(ctx, F(cuIpcGetMemHandle)(h, p));
}
// shal_ipc_open_mem opens a handle and finds the size of the memory.
static CUresult shal_ipc_open_mem_in(CUdeviceptr *p, size_t *size, const shal_ipc_handle *h) {
	CUresult r = F(cuIpcOpenMemHandle_v2)(p, *h, SHAL_IPC_LAZY_PEER);
	if (r != 0) return r;
	CUdeviceptr base;
	r = F(cuMemGetAddressRange_v2)(&base, size, *p);
	if (r != 0) {
		F(cuIpcCloseMemHandle)(*p);
		return r;
	}
	return 0;
}
CUresult shal_ipc_open_mem(CUcontext ctx, CUdeviceptr *p, size_t *size, const shal_ipc_handle *h) {
	NEED(cuIpcOpenMemHandle_v2);
	NEED(cuIpcCloseMemHandle);
	NEED(cuMemGetAddressRange_v2);
	WITH_CTX(ctx, shal_ipc_open_mem_in(p, size, h));
}
CUresult shal_ipc_close_mem(CUcontext ctx, CUdeviceptr p) {
	NEED(cuIpcCloseMemHandle);
	WITH_CTX(ctx, F(cuIpcCloseMemHandle)(p));
}
CUresult shal_ipc_get_event(CUcontext ctx, shal_ipc_handle *h, CUevent e) {
	NEED(cuIpcGetEventHandle);
	WITH_CTX(ctx, F(cuIpcGetEventHandle)(h, e));
}
CUresult shal_ipc_open_event(CUcontext ctx, CUevent *e, const shal_ipc_handle *h) {
	NEED(cuIpcOpenEventHandle);
	WITH_CTX(ctx, F(cuIpcOpenEventHandle)(e, *h));
}

// CUjit_option values.
#define SHAL_CU_JIT_INFO_LOG_BUFFER 3
#define SHAL_CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES 4
#define SHAL_CU_JIT_ERROR_LOG_BUFFER 5
#define SHAL_CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES 6

CUresult shal_module_load_ptx(CUcontext ctx, CUmodule *m, const char *ptx, char *errlog, unsigned int errsize, char *infolog, unsigned int infosize) {
	int opts[4] = {SHAL_CU_JIT_ERROR_LOG_BUFFER, SHAL_CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
	               SHAL_CU_JIT_INFO_LOG_BUFFER, SHAL_CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES};
	void *vals[4] = {errlog, (void *)(uintptr_t)errsize, infolog, (void *)(uintptr_t)infosize};
	WITH_CTX(ctx, F(cuModuleLoadDataEx)(m, ptx, 4, opts, vals));
}
CUresult shal_module_load(CUcontext ctx, CUmodule *m, const void *image) { WITH_CTX(ctx, F(cuModuleLoadData)(m, image)); }
CUresult shal_module_unload(CUcontext ctx, CUmodule m) { WITH_CTX(ctx, F(cuModuleUnload)(m)); }
CUresult shal_module_function(CUcontext ctx, CUfunction *f, CUmodule m, const char *name) {
	WITH_CTX(ctx, F(cuModuleGetFunction)(f, m, name));
}
CUresult shal_module_global(CUcontext ctx, CUdeviceptr *p, size_t *n, CUmodule m, const char *name) {
	WITH_CTX(ctx, F(cuModuleGetGlobal_v2)(p, n, m, name));
}
CUresult shal_module_function_count(CUcontext ctx, unsigned int *n, CUmodule m) {
	NEED(cuModuleGetFunctionCount);
	WITH_CTX(ctx, F(cuModuleGetFunctionCount)(n, m));
}
CUresult shal_module_functions(CUcontext ctx, CUfunction *fns, unsigned int n, CUmodule m) {
	NEED(cuModuleEnumerateFunctions);
	WITH_CTX(ctx, F(cuModuleEnumerateFunctions)(fns, n, m));
}
CUresult shal_func_name(CUcontext ctx, const char **name, CUfunction f) {
	NEED(cuFuncGetName);
	WITH_CTX(ctx, F(cuFuncGetName)(name, f));
}
CUresult shal_func_param_info(CUcontext ctx, CUfunction f, size_t index, size_t *offset, size_t *size) {
	NEED(cuFuncGetParamInfo);
	WITH_CTX(ctx, F(cuFuncGetParamInfo)(f, index, offset, size));
}
CUresult shal_func_attr(CUcontext ctx, int *v, int attr, CUfunction f) { WITH_CTX(ctx, F(cuFuncGetAttribute)(v, attr, f)); }

// The packed argument buffer is passed with CU_LAUNCH_PARAM_BUFFER_POINTER
// (0x1) and CU_LAUNCH_PARAM_BUFFER_SIZE (0x2), ended by
// CU_LAUNCH_PARAM_END (0x0). The array lives on this C stack; the driver
// copies the arguments before cuLaunchKernel returns.
CUresult shal_launch(uintptr_t ctx, uintptr_t f, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx, unsigned int by, unsigned int bz, unsigned int shmem, uintptr_t s, uintptr_t args, size_t size) {
	void *extra[5] = {(void *)1, (void *)args, (void *)2, &size, (void *)0};
	WITH_CTX((CUcontext)ctx, F(cuLaunchKernel)((CUfunction)f, gx, gy, gz, bx, by, bz, shmem, (CUstream)s, NULL, size ? extra : NULL));
}

// kernelParams[i] points at parameter i inside the packed buffer.
#define SHAL_MAX_STACK_PARAMS 64
static void **shal_param_ptrs(void **stackbuf, void *args, const uint32_t *offsets, int n) {
	void **p = stackbuf;
	if (n > SHAL_MAX_STACK_PARAMS) {
		p = malloc(sizeof(void *) * (size_t)n);
		if (p == NULL) return NULL;
	}
	for (int i = 0; i < n; i++) p[i] = (char *)args + offsets[i];
	return p;
}

CUresult shal_launch_cooperative(CUcontext ctx, CUfunction f, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx, unsigned int by, unsigned int bz, unsigned int shmem, CUstream s, void *args, const uint32_t *offsets, int nparams) {
	void *stackbuf[SHAL_MAX_STACK_PARAMS];
	void **params = NULL;
	if (nparams > 0) {
		params = shal_param_ptrs(stackbuf, args, offsets, nparams);
		if (params == NULL) return 2; // CUDA_ERROR_OUT_OF_MEMORY
	}
	CUcontext prev;
	CUresult r = shal_enter(ctx, &prev);
	if (r == 0) {
		r = F(cuLaunchCooperativeKernel)(f, gx, gy, gz, bx, by, bz, shmem, s, params);
		shal_leave(ctx, prev);
	}
	if (params != NULL && params != stackbuf) free(params);
	return r;
}

// ---- graphs ----

// ---- stream-ordered memory pools ----

int shal_pools_present(void) {
	return shal_fns[SHAL_FN_cuMemPoolCreate] && shal_fns[SHAL_FN_cuMemPoolDestroy] && shal_fns[SHAL_FN_cuMemAllocFromPoolAsync] &&
	       shal_fns[SHAL_FN_cuMemFreeAsync] && shal_fns[SHAL_FN_cuMemPoolSetAttribute] && shal_fns[SHAL_FN_cuMemPoolGetAttribute] &&
	       shal_fns[SHAL_FN_cuMemPoolTrimTo] && shal_fns[SHAL_FN_cuMemPoolSetAccess] && shal_fns[SHAL_FN_cuMemPoolGetAccess] &&
	       shal_fns[SHAL_FN_cuDeviceGetDefaultMemPool] && shal_fns[SHAL_FN_cuDeviceSetMemPool];
}
CUresult shal_pool_default(CUcontext ctx, CUmemoryPool *p, CUdevice d) {
	NEED(cuDeviceGetDefaultMemPool);
	WITH_CTX(ctx, F(cuDeviceGetDefaultMemPool)(p, d));
}
CUresult shal_pool_set_current(CUcontext ctx, CUdevice d, CUmemoryPool p) {
	NEED(cuDeviceSetMemPool);
	WITH_CTX(ctx, F(cuDeviceSetMemPool)(d, p));
}
// CU_MEM_ALLOCATION_TYPE_PINNED, CU_MEM_HANDLE_TYPE_NONE,
// CU_MEM_LOCATION_TYPE_DEVICE.
CUresult shal_pool_create(CUcontext ctx, CUmemoryPool *p, CUdevice d, size_t maxSize) {
	NEED(cuMemPoolCreate);
	shal_mem_pool_props props;
	memset(&props, 0, sizeof props);
	props.allocType = 1;
	props.handleTypes = 0;
	props.location.type = 1;
	props.location.id = d;
	props.maxSize = maxSize;
	WITH_CTX(ctx, F(cuMemPoolCreate)(p, &props));
}
CUresult shal_pool_destroy(CUcontext ctx, CUmemoryPool p) {
	NEED(cuMemPoolDestroy);
	WITH_CTX(ctx, F(cuMemPoolDestroy)(p));
}
static CUresult shal_pool_alloc_async_to(uintptr_t ctx, CUdeviceptr *dptr, size_t n, uintptr_t pool, uintptr_t s) {
	NEED(cuMemAllocFromPoolAsync);
	WITH_CTX((CUcontext)ctx, F(cuMemAllocFromPoolAsync)(dptr, n, (CUmemoryPool)pool, (CUstream)s));
}
shal_alloc_result shal_pool_alloc_async(uintptr_t ctx, size_t n, uintptr_t pool, uintptr_t s) {
	shal_alloc_result res = {0, 0};
	res.r = shal_pool_alloc_async_to(ctx, &res.ptr, n, pool, s);
	return res;
}
CUresult shal_free_async(uintptr_t ctx, CUdeviceptr p, uintptr_t s) {
	NEED(cuMemFreeAsync);
	WITH_CTX((CUcontext)ctx, F(cuMemFreeAsync)(p, (CUstream)s));
}
// The reuse policies (1-3) are ints, the other attributes cuuint64_t.
CUresult shal_pool_get_attr(CUcontext ctx, CUmemoryPool p, int attr, unsigned long long *v) {
	NEED(cuMemPoolGetAttribute);
	if (attr >= 1 && attr <= 3) {
		int i = 0;
		CUcontext prev;
		CUresult r = shal_enter(ctx, &prev);
		if (r != 0) return r;
		r = F(cuMemPoolGetAttribute)(p, attr, &i);
		shal_leave(ctx, prev);
		*v = (unsigned long long)i;
		return r;
	}
	WITH_CTX(ctx, F(cuMemPoolGetAttribute)(p, attr, v));
}
CUresult shal_pool_set_attr(CUcontext ctx, CUmemoryPool p, int attr, unsigned long long v) {
	NEED(cuMemPoolSetAttribute);
	if (attr >= 1 && attr <= 3) {
		int i = v != 0;
		WITH_CTX(ctx, F(cuMemPoolSetAttribute)(p, attr, &i));
	}
	WITH_CTX(ctx, F(cuMemPoolSetAttribute)(p, attr, &v));
}
CUresult shal_pool_trim(CUcontext ctx, CUmemoryPool p, size_t keep) {
	NEED(cuMemPoolTrimTo);
	WITH_CTX(ctx, F(cuMemPoolTrimTo)(p, keep));
}
CUresult shal_pool_set_access(CUcontext ctx, CUmemoryPool p, int dev, int flags) {
	NEED(cuMemPoolSetAccess);
	shal_mem_access_desc desc = {{1, dev}, flags};
	WITH_CTX(ctx, F(cuMemPoolSetAccess)(p, &desc, 1));
}
CUresult shal_pool_get_access(CUcontext ctx, CUmemoryPool p, int dev, int *flags) {
	NEED(cuMemPoolGetAccess);
	shal_mem_location loc = {1, dev};
	WITH_CTX(ctx, F(cuMemPoolGetAccess)(flags, p, &loc));
}

CUresult shal_graph_create(CUcontext ctx, CUgraph *g) { WITH_CTX(ctx, F(cuGraphCreate)(g, 0)); }
CUresult shal_graph_destroy(CUcontext ctx, CUgraph g) { WITH_CTX(ctx, F(cuGraphDestroy)(g)); }

// Kernel nodes take the parameters as kernelParams when the layout is known
// (nparams >= 0) and through the extra buffer otherwise; the driver copies
// them when the node is created or updated.
static CUresult shal_kernel_params(shal_kernel_node_params *p, void **stackbuf, void **extra, size_t *size,
                                   CUfunction f, unsigned int gx, unsigned int gy, unsigned int gz,
                                   unsigned int bx, unsigned int by, unsigned int bz, unsigned int shmem,
                                   void *args, const uint32_t *offsets, int nparams) {
	memset(p, 0, sizeof(*p));
	p->func = f;
	p->gridDimX = gx;
	p->gridDimY = gy;
	p->gridDimZ = gz;
	p->blockDimX = bx;
	p->blockDimY = by;
	p->blockDimZ = bz;
	p->sharedMemBytes = shmem;
	if (nparams > 0) {
		p->kernelParams = shal_param_ptrs(stackbuf, args, offsets, nparams);
		if (p->kernelParams == NULL) return 2;
	} else if (nparams < 0 && *size > 0) {
		extra[0] = (void *)1;
		extra[1] = args;
		extra[2] = (void *)2;
		extra[3] = size;
		extra[4] = (void *)0;
		p->extra = extra;
	}
	return 0;
}

CUresult shal_graph_add_kernel(CUcontext ctx, CUgraphNode *n, CUgraph g, const CUgraphNode *deps, size_t ndeps, CUfunction f, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx, unsigned int by, unsigned int bz, unsigned int shmem, void *args, size_t size, const uint32_t *offsets, int nparams, int cooperative) {
	shal_kernel_node_params p;
	void *stackbuf[SHAL_MAX_STACK_PARAMS];
	void *extra[5];
	CUresult r = shal_kernel_params(&p, stackbuf, extra, &size, f, gx, gy, gz, bx, by, bz, shmem, args, offsets, nparams);
	if (r != 0) return r;
	CUcontext prev;
	r = shal_enter(ctx, &prev);
	if (r == 0) {
		r = F(cuGraphAddKernelNode_v2)(n, g, deps, ndeps, &p);
		if (r == 0 && cooperative) {
			if (shal_fns[SHAL_FN_cuGraphKernelNodeSetAttribute] == NULL) {
				r = SHAL_CUDA_ERROR_NOT_SUPPORTED;
			} else {
				shal_launch_attr_value v;
				memset(&v, 0, sizeof v);
				v.cooperative = 1;
				r = F(cuGraphKernelNodeSetAttribute)(*n, 2 /* CU_LAUNCH_ATTRIBUTE_COOPERATIVE */, &v);
			}
		}
		shal_leave(ctx, prev);
	}
	if (p.kernelParams != NULL && p.kernelParams != stackbuf) free(p.kernelParams);
	return r;
}

static void shal_copy_params(shal_memcpy3d *p, CUdeviceptr dst, CUdeviceptr src, size_t size) {
	memset(p, 0, sizeof(*p));
	p->srcMemoryType = SHAL_CU_MEMORYTYPE_UNIFIED;
	p->srcDevice = src;
	p->srcPitch = size;
	p->srcHeight = 1;
	p->dstMemoryType = SHAL_CU_MEMORYTYPE_UNIFIED;
	p->dstDevice = dst;
	p->dstPitch = size;
	p->dstHeight = 1;
	p->WidthInBytes = size;
	p->Height = 1;
	p->Depth = 1;
}

static void shal_memset_params(shal_memset_node_params *p, CUdeviceptr dst, unsigned int value, unsigned int elemsize, size_t count) {
	memset(p, 0, sizeof(*p));
	p->dst = dst;
	p->pitch = count * elemsize;
	p->value = value;
	p->elementSize = elemsize;
	p->width = count;
	p->height = 1;
}

CUresult shal_graph_add_memcpy(CUcontext ctx, CUgraphNode *n, CUgraph g, const CUgraphNode *deps, size_t ndeps, CUdeviceptr dst, CUdeviceptr src, size_t size) {
	shal_memcpy3d p;
	shal_copy_params(&p, dst, src, size);
	WITH_CTX(ctx, F(cuGraphAddMemcpyNode)(n, g, deps, ndeps, &p, ctx));
}
CUresult shal_graph_add_memset(CUcontext ctx, CUgraphNode *n, CUgraph g, const CUgraphNode *deps, size_t ndeps, CUdeviceptr dst, unsigned int value, unsigned int elemsize, size_t count) {
	shal_memset_node_params p;
	shal_memset_params(&p, dst, value, elemsize, count);
	WITH_CTX(ctx, F(cuGraphAddMemsetNode)(n, g, deps, ndeps, &p, ctx));
}
CUresult shal_graph_add_host(CUcontext ctx, CUgraphNode *n, CUgraph g, const CUgraphNode *deps, size_t ndeps, uintptr_t handle) {
	shal_host_node_params p = {shal_host_trampoline, (void *)handle};
	WITH_CTX(ctx, F(cuGraphAddHostNode)(n, g, deps, ndeps, &p));
}
CUresult shal_graph_add_empty(CUcontext ctx, CUgraphNode *n, CUgraph g, const CUgraphNode *deps, size_t ndeps) {
	WITH_CTX(ctx, F(cuGraphAddEmptyNode)(n, g, deps, ndeps));
}
CUresult shal_graph_add_event_record(CUcontext ctx, CUgraphNode *n, CUgraph g, const CUgraphNode *deps, size_t ndeps, CUevent e) {
	WITH_CTX(ctx, F(cuGraphAddEventRecordNode)(n, g, deps, ndeps, e));
}
CUresult shal_graph_add_event_wait(CUcontext ctx, CUgraphNode *n, CUgraph g, const CUgraphNode *deps, size_t ndeps, CUevent e) {
	WITH_CTX(ctx, F(cuGraphAddEventWaitNode)(n, g, deps, ndeps, e));
}
CUresult shal_graph_instantiate(CUcontext ctx, CUgraphExec *e, CUgraph g) { WITH_CTX(ctx, F(cuGraphInstantiateWithFlags)(e, g, 0)); }
CUresult shal_graph_exec_destroy(CUcontext ctx, CUgraphExec e) { WITH_CTX(ctx, F(cuGraphExecDestroy)(e)); }
CUresult shal_graph_launch(uintptr_t ctx, uintptr_t e, uintptr_t s) {
	WITH_CTX((CUcontext)ctx, F(cuGraphLaunch)((CUgraphExec)e, (CUstream)s));
}

CUresult shal_graph_exec_set_kernel(CUcontext ctx, CUgraphExec e, CUgraphNode n, CUfunction f, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx, unsigned int by, unsigned int bz, unsigned int shmem, void *args, size_t size, const uint32_t *offsets, int nparams) {
	shal_kernel_node_params p;
	void *stackbuf[SHAL_MAX_STACK_PARAMS];
	void *extra[5];
	CUresult r = shal_kernel_params(&p, stackbuf, extra, &size, f, gx, gy, gz, bx, by, bz, shmem, args, offsets, nparams);
	if (r != 0) return r;
	CUcontext prev;
	r = shal_enter(ctx, &prev);
	if (r == 0) {
		r = F(cuGraphExecKernelNodeSetParams_v2)(e, n, &p);
		shal_leave(ctx, prev);
	}
	if (p.kernelParams != NULL && p.kernelParams != stackbuf) free(p.kernelParams);
	return r;
}
CUresult shal_graph_exec_set_memcpy(CUcontext ctx, CUgraphExec e, CUgraphNode n, CUdeviceptr dst, CUdeviceptr src, size_t size) {
	shal_memcpy3d p;
	shal_copy_params(&p, dst, src, size);
	WITH_CTX(ctx, F(cuGraphExecMemcpyNodeSetParams)(e, n, &p, ctx));
}
CUresult shal_graph_exec_set_memset(CUcontext ctx, CUgraphExec e, CUgraphNode n, CUdeviceptr dst, unsigned int value, unsigned int elemsize, size_t count) {
	shal_memset_node_params p;
	shal_memset_params(&p, dst, value, elemsize, count);
	WITH_CTX(ctx, F(cuGraphExecMemsetNodeSetParams)(e, n, &p, ctx));
}
CUresult shal_graph_exec_set_host(CUcontext ctx, CUgraphExec e, CUgraphNode n, uintptr_t handle) {
	shal_host_node_params p = {shal_host_trampoline, (void *)handle};
	WITH_CTX(ctx, F(cuGraphExecHostNodeSetParams)(e, n, &p));
}
CUresult shal_graph_exec_set_event_record(CUcontext ctx, CUgraphExec e, CUgraphNode n, CUevent ev) {
	WITH_CTX(ctx, F(cuGraphExecEventRecordNodeSetEvent)(e, n, ev));
}
CUresult shal_graph_exec_set_event_wait(CUcontext ctx, CUgraphExec e, CUgraphNode n, CUevent ev) {
	WITH_CTX(ctx, F(cuGraphExecEventWaitNodeSetEvent)(e, n, ev));
}

// ---- plain-C baselines ----


// A plain C program sets its context once and then calls the driver.
static CUresult shal_bench_begin(CUcontext ctx) { return F(cuCtxSetCurrent)(ctx); }

long long shal_bench_launch(CUcontext ctx, CUfunction f, CUstream s, long long n, unsigned int gx, unsigned int bx, void *args, size_t size, int sync_each, int sync_end) {
	CUresult r = shal_bench_begin(ctx);
	if (r != 0) return -r;
	void *extra[5] = {(void *)1, args, (void *)2, &size, (void *)0};
	long long t0 = shal_now_ns();
	for (long long i = 0; i < n; i++) {
		r = F(cuLaunchKernel)(f, gx, 1, 1, bx, 1, 1, 0, s, NULL, size ? extra : NULL);
		if (r != 0) return -r;
		if (sync_each && (r = F(cuStreamSynchronize)(s)) != 0) return -r;
	}
	if (sync_end && (r = F(cuStreamSynchronize)(s)) != 0) return -r;
	long long t = shal_now_ns() - t0;
	if (!sync_end && (r = F(cuStreamSynchronize)(s)) != 0) return -r;
	return t;
}

// shal_bench_launch_via is shal_bench_launch's enqueue loop through
// shal_launch, hal's entry (the context check around cuLaunchKernel), all
// in C: what the check costs per launch, without cgo.
long long shal_bench_launch_via(CUcontext ctx, CUfunction f, CUstream s, long long n, void *args, size_t size) {
	CUresult r = shal_bench_begin(ctx);
	if (r != 0) return -r;
	long long t0 = shal_now_ns();
	for (long long i = 0; i < n; i++) {
		r = shal_launch((uintptr_t)ctx, (uintptr_t)f, 1, 1, 1, 1, 1, 1, 0, (uintptr_t)s, (uintptr_t)args, size);
		if (r != 0) return -r;
	}
	long long t = shal_now_ns() - t0;
	if ((r = F(cuStreamSynchronize)(s)) != 0) return -r;
	return t;
}

long long shal_bench_event(CUcontext ctx, CUevent e, CUstream s, long long n) {
	CUresult r = shal_bench_begin(ctx);
	if (r != 0) return -r;
	long long t0 = shal_now_ns();
	for (long long i = 0; i < n; i++) {
		if ((r = F(cuEventRecord)(e, s)) != 0) return -r;
		if ((r = F(cuEventSynchronize)(e)) != 0) return -r;
	}
	return shal_now_ns() - t0;
}

long long shal_bench_htod(CUcontext ctx, CUdeviceptr dst, const void *src, size_t size, long long n) {
	CUresult r = shal_bench_begin(ctx);
	if (r != 0) return -r;
	long long t0 = shal_now_ns();
	for (long long i = 0; i < n; i++) {
		if ((r = F(cuMemcpyHtoD_v2)(dst, src, size)) != 0) return -r;
	}
	return shal_now_ns() - t0;
}

long long shal_bench_dtoh(CUcontext ctx, void *dst, CUdeviceptr src, size_t size, long long n) {
	CUresult r = shal_bench_begin(ctx);
	if (r != 0) return -r;
	long long t0 = shal_now_ns();
	for (long long i = 0; i < n; i++) {
		if ((r = F(cuMemcpyDtoH_v2)(dst, src, size)) != 0) return -r;
	}
	return shal_now_ns() - t0;
}

long long shal_bench_dtod(CUcontext ctx, CUdeviceptr dst, CUdeviceptr src, size_t size, CUstream s, long long n) {
	CUresult r = shal_bench_begin(ctx);
	if (r != 0) return -r;
	long long t0 = shal_now_ns();
	for (long long i = 0; i < n; i++) {
		if ((r = F(cuMemcpyAsync)(dst, src, size, s)) != 0) return -r;
	}
	if ((r = F(cuStreamSynchronize)(s)) != 0) return -r;
	return shal_now_ns() - t0;
}

// A chain of `nodes` launches of the parameterless kernel f, replayed n
// times; the graph is built and instantiated outside the timed loop.
long long shal_bench_graph(CUcontext ctx, CUfunction f, CUstream s, int nodes, long long n) {
	CUresult r = shal_bench_begin(ctx);
	if (r != 0) return -r;
	CUgraph g = NULL;
	CUgraphExec e = NULL;
	if ((r = F(cuGraphCreate)(&g, 0)) != 0) return -r;
	CUgraphNode prev = NULL;
	for (int i = 0; i < nodes; i++) {
		shal_kernel_node_params p;
		memset(&p, 0, sizeof p);
		p.func = f;
		p.gridDimX = p.gridDimY = p.gridDimZ = 1;
		p.blockDimX = p.blockDimY = p.blockDimZ = 1;
		CUgraphNode node;
		r = F(cuGraphAddKernelNode_v2)(&node, g, prev ? &prev : NULL, prev ? 1 : 0, &p);
		if (r != 0) goto out;
		prev = node;
	}
	if ((r = F(cuGraphInstantiateWithFlags)(&e, g, 0)) != 0) goto out;
	// One warm-up replay uploads the graph.
	if ((r = F(cuGraphLaunch)(e, s)) != 0 || (r = F(cuStreamSynchronize)(s)) != 0) goto out;
	long long t0 = shal_now_ns();
	for (long long i = 0; i < n; i++) {
		if ((r = F(cuGraphLaunch)(e, s)) != 0) goto out;
	}
	if ((r = F(cuStreamSynchronize)(s)) != 0) goto out;
	long long t = shal_now_ns() - t0;
	F(cuGraphExecDestroy)(e);
	F(cuGraphDestroy)(g);
	return t;
out:
	if (e) F(cuGraphExecDestroy)(e);
	if (g) F(cuGraphDestroy)(g);
	return -r;
}

// The cost of our context handling alone: n trampoline-style enter/leave
// pairs without a driver call in between (compare with a cgo call of
// shal_ctx_noop per iteration from Go).
long long shal_bench_ctx_enter(CUcontext ctx, long long n) {
	long long t0 = shal_now_ns();
	for (long long i = 0; i < n; i++) {
		CUcontext prev;
		CUresult r = shal_enter(ctx, &prev);
		if (r != 0) return -r;
		shal_leave(ctx, prev);
	}
	return shal_now_ns() - t0;
}

// A host function that does nothing, for the host-function baseline.
static void shal_bench_nop(void *userData) { (void)userData; }

// n × (cuLaunchHostFunc of an empty C function + cuStreamSynchronize): what
// a host-function round trip costs a C program on CUDA's own host thread.
long long shal_bench_host_func(CUcontext ctx, CUstream s, long long n) {
	CUresult r = shal_bench_begin(ctx);
	if (r != 0) return -r;
	long long t0 = shal_now_ns();
	for (long long i = 0; i < n; i++) {
		if ((r = F(cuLaunchHostFunc)(s, shal_bench_nop, NULL)) != 0) return -r;
		if ((r = F(cuStreamSynchronize)(s)) != 0) return -r;
	}
	return shal_now_ns() - t0;
}

// ---- host-call floors (what the per-queue host-call design can reach) ----
//
// shal_bench_host_floor times n round trips of one host call in plain C,
// each released through a word of page-locked host memory that the stream
// waits on (cuStreamWaitValue32), as hostcall.go does:
//   mode 0: cuLaunchHostFunc of a C function that stores the word itself;
//   mode 1: cuLaunchHostFunc of a C function that only signals a waiting
//           C thread (spinning spin_ns, then a futex), which stores it;
//   mode 2: cuEventRecord, then the caller spins on cuEventQuery and
//           stores the word;
//   mode 3: the word already holds the value (the wait alone);
//   mode 5: cuEventRecord alone; a C thread polls the event with
//           cuEventQuery and stores the word; the caller synchronizes the
//           stream, then waits for the word (no host-function node in the
//           stream at all);
//   mode 4: as mode 1, but the stream does not wait on the word: the
//           caller's cuStreamSynchronize, then a spin until the thread has
//           stored it (hostcall.go's design since the stream waits only
//           when work follows a host call).
// Each round trip ends with cuStreamSynchronize.
typedef struct {
	volatile uint32_t *word;
	uint32_t notified, gen, sleeping, stop;
	long long spin_ns;
	CUcontext ctx;   // mode 5: the polling thread's context
	CUevent ev;      // mode 5: the event it polls
	uint32_t posted; // mode 5: records the caller made so far
} shal_floor;

// shal_floor_poller is mode 5's thread: for each record the caller posts,
// it polls the event until the stream has reached it, then stores the
// record's number into the word.
static void *shal_floor_poller(void *p) {
	shal_floor *f = p;
	if (F(cuCtxSetCurrent)(f->ctx) != 0) return NULL;
	uint32_t ran = 0;
	for (;;) {
		if (__atomic_load_n(&f->stop, __ATOMIC_SEQ_CST)) return NULL;
		if (__atomic_load_n(&f->posted, __ATOMIC_SEQ_CST) == ran) {
			shal_cpu_relax();
			continue;
		}
		if (F(cuEventQuery)(f->ev) != 0) continue;
		ran++;
		__atomic_store_n(f->word, ran, __ATOMIC_SEQ_CST);
	}
}

static void shal_floor_store(void *p) {
	shal_floor *f = p;
	__atomic_add_fetch(&f->notified, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(f->word, f->notified, __ATOMIC_SEQ_CST);
}

static void shal_floor_signal(void *p) {
	shal_floor *f = p;
	__atomic_add_fetch(&f->notified, 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&f->gen, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&f->sleeping, __ATOMIC_SEQ_CST)) shal_futex_wake(&f->gen);
}

static void *shal_floor_thread(void *p) {
	shal_floor *f = p;
	uint32_t ran = 0;
	for (;;) {
		long long t0 = shal_now_ns();
		for (;;) {
			uint32_t g = __atomic_load_n(&f->gen, __ATOMIC_SEQ_CST);
			if (__atomic_load_n(&f->notified, __ATOMIC_SEQ_CST) != ran || __atomic_load_n(&f->stop, __ATOMIC_SEQ_CST)) break;
			if (shal_now_ns() - t0 < f->spin_ns) {
				shal_cpu_relax();
				continue;
			}
			__atomic_store_n(&f->sleeping, 1, __ATOMIC_SEQ_CST);
			if (__atomic_load_n(&f->notified, __ATOMIC_SEQ_CST) == ran && !__atomic_load_n(&f->stop, __ATOMIC_SEQ_CST))
				shal_futex_wait(&f->gen, g, 1000000000LL);
			__atomic_store_n(&f->sleeping, 0, __ATOMIC_SEQ_CST);
		}
		if (__atomic_load_n(&f->stop, __ATOMIC_SEQ_CST)) return NULL;
		ran++;
		__atomic_store_n(f->word, ran, __ATOMIC_SEQ_CST);
	}
}

long long shal_bench_host_floor(CUcontext ctx, CUstream s, CUevent ev, void *word_host, CUdeviceptr word_dev, int mode, long long spin_ns, long long n) {
	CUresult r = shal_bench_begin(ctx);
	if (r != 0) return -r;
	shal_floor f = {.word = word_host, .spin_ns = spin_ns, .ctx = ctx, .ev = ev};
	*f.word = 0;
	pthread_t th;
	int threaded = mode == 1 || mode == 4 || mode == 5;
	if (threaded && pthread_create(&th, NULL, mode == 5 ? shal_floor_poller : shal_floor_thread, &f) != 0) return -SHAL_CUDA_ERROR_NOT_SUPPORTED;
	long long t0 = shal_now_ns();
	for (long long i = 1; i <= n; i++) {
		uint32_t seq = (uint32_t)i;
		switch (mode) {
		case 0: r = F(cuLaunchHostFunc)(s, shal_floor_store, &f); break;
		case 1:
		case 4: r = F(cuLaunchHostFunc)(s, shal_floor_signal, &f); break;
		case 2: r = F(cuEventRecord)(ev, s); break;
		case 5:
			if ((r = F(cuEventRecord)(ev, s)) == 0) __atomic_store_n(&f.posted, seq, __ATOMIC_SEQ_CST);
			break;
		default: __atomic_store_n(f.word, seq, __ATOMIC_SEQ_CST); break;
		}
		if (r != 0) break;
		if (mode == 4 || mode == 5) {
			// No wait on the word: synchronize, then wait for the thread.
			if ((r = F(cuStreamSynchronize)(s)) != 0) break;
			while ((int32_t)(*f.word - seq) < 0) shal_cpu_relax();
			continue;
		}
		if ((r = shal_wait_value_in(s, word_dev, seq)) != 0) break;
		if (mode == 2) {
			while ((r = F(cuEventQuery)(ev)) == SHAL_CUDA_ERROR_NOT_READY) shal_cpu_relax();
			if (r != 0) break;
			__atomic_store_n(f.word, seq, __ATOMIC_SEQ_CST);
		}
		if ((r = F(cuStreamSynchronize)(s)) != 0) break;
	}
	long long t = shal_now_ns() - t0;
	if (threaded) {
		__atomic_store_n(&f.stop, 1, __ATOMIC_SEQ_CST);
		__atomic_add_fetch(&f.gen, 1, __ATOMIC_SEQ_CST);
		shal_futex_wake(&f.gen);
		pthread_join(th, NULL);
	}
	return r != 0 ? -r : t;
}

// shal_bench_pool times n × (cuMemAllocAsync + cuMemFreeAsync of size
// bytes) on s, or with pool non-NULL cuMemAllocFromPoolAsync from it (the
// call hal makes); the cuStreamSynchronize that follows is not timed.
long long shal_bench_pool(CUcontext ctx, CUstream s, CUmemoryPool pool, size_t size, long long n) {
	int alloc = pool != NULL ? SHAL_FN_cuMemAllocFromPoolAsync : SHAL_FN_cuMemAllocAsync;
	if (shal_fns[alloc] == NULL || shal_fns[SHAL_FN_cuMemFreeAsync] == NULL) return -SHAL_CUDA_ERROR_NOT_SUPPORTED;
	CUresult r = shal_bench_begin(ctx);
	if (r != 0) return -r;
	long long t0 = shal_now_ns();
	for (long long i = 0; i < n; i++) {
		CUdeviceptr p;
		r = pool != NULL ? F(cuMemAllocFromPoolAsync)(&p, size, pool, s) : F(cuMemAllocAsync)(&p, size, s);
		if (r != 0) return -r;
		if ((r = F(cuMemFreeAsync)(p, s)) != 0) return -r;
	}
	long long t = shal_now_ns() - t0;
	if ((r = F(cuStreamSynchronize)(s)) != 0) return -r;
	return t;
}
