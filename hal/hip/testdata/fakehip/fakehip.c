// fakehip: a test double of libamdhip64 for package hal/hip's tests.
//
// It implements the part of the HIP runtime API the driver calls, on the
// host: device memory is host memory, every stream is a worker thread
// running its operations in order, events are sequence numbers with
// timestamps, graphs run their nodes in creation order, and kernels are
// the project's CPU test kernels (kernels/streamhal_cpu.h ABI, loaded from
// $FAKEHIP_KERNELS) run by name, with the same packed-argument layout that
// the AMDGPU code objects' metadata describes.
//
// It is strict where the driver's use of the ABI is at stake: stream,
// event, module and graph calls fail with hipErrorInvalidDevice unless the
// calling thread's current device (hipSetDevice) is the object's device;
// hipModuleLaunchKernel checks the extra array word by word
// (BUFFER_POINTER, buf, BUFFER_SIZE, &size, END = 3); graph kernel nodes
// must come with kernelParams; copies must use hipMemcpyDefault; streams
// must be non-blocking; host allocations must be mapped.
//
// Build: cc -shared -fPIC -pthread -I kernels [-DFAKEHIP_ROCM6] fakehip.c -ldl
// FAKEHIP_ROCM6 exports the ROCm 6 entry points (hipGetDevicePropertiesR0600,
// hipLaunchHostFunc, hipModuleLaunchCooperativeKernel, hipMemAdvise,
// hipMemPrefetchAsync); without it the library looks like ROCm 5.2
// (unversioned hipGetDeviceProperties with the R0000 layout,
// hipStreamAddCallback only). $FAKEHIP_DEVICES sets the device count
// (default 2; 0 makes hipGetDeviceCount fail with hipErrorNoDevice).

#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "streamhal_cpu.h"

#define API __attribute__((visibility("default")))

typedef int hipError_t;
enum {
	hipSuccess = 0,
	hipErrorInvalidValue = 1,
	hipErrorOutOfMemory = 2,
	hipErrorNoDevice = 100,
	hipErrorInvalidDevice = 101,
	hipErrorInvalidImage = 200,
	hipErrorFileNotFound = 301,
	hipErrorInvalidHandle = 400,
	hipErrorNotFound = 500,
	hipErrorNotReady = 600,
	hipErrorPeerAccessAlreadyEnabled = 704,
	hipErrorPeerAccessNotEnabled = 705,
	hipErrorHostMemoryNotRegistered = 713,
	hipErrorNotSupported = 801,
};

#define MAX_DEVICES 4
#define TOTAL_MEM (16ull << 30)
#define MEMCPY_DEFAULT 4

typedef void (*hipHostFn_t)(void *);
typedef struct stream *hipStream_t;
typedef void (*hipStreamCallback_t)(hipStream_t, hipError_t, void *);

static int ndevices(void) {
	const char *s = getenv("FAKEHIP_DEVICES");
	int n = s ? atoi(s) : 2;
	return n < 0 ? 0 : n > MAX_DEVICES ? MAX_DEVICES : n;
}

// The calling thread's current device, set by hipSetDevice. The fake is
// stricter than HIP: a selection lasts for exactly one following call (each
// entry point takes it into `entered` and clears it), and calls that act on
// a device fail with hipErrorInvalidDevice without one. The driver sets the
// device in the same C call as every device-scoped runtime call, so this
// holds it to that discipline.
static __thread int current = -1;
static __thread int entered = -1;
#define ENTER() (entered = current, current = -1)
#define REQUIRE_DEVICE()                                  \
	do {                                                  \
		if (entered < 0) return hipErrorInvalidDevice; \
	} while (0)
static pthread_mutex_t global = PTHREAD_MUTEX_INITIALIZER;

static int valid_device(int d) { return d >= 0 && d < ndevices(); }

static double now_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

// ---- devices ----

API hipError_t hipGetDeviceCount(int *n) {
	ENTER();
	*n = ndevices();
	return *n > 0 ? hipSuccess : hipErrorNoDevice;
}
API hipError_t hipSetDevice(int d) {
	if (!valid_device(d)) return hipErrorInvalidDevice;
	current = d;
	return hipSuccess;
}
#ifdef FAKEHIP_ROCM6
#define VERSION 60300000
#else
#define VERSION 50221153
#endif
API hipError_t hipDriverGetVersion(int *v) {
	ENTER(); *v = VERSION; return hipSuccess; }
API hipError_t hipRuntimeGetVersion(int *v) {
	ENTER(); *v = VERSION; return hipSuccess; }
API hipError_t hipDeviceGetName(char *name, int len, int d) {
	ENTER();
	if (!valid_device(d)) return hipErrorInvalidDevice;
	snprintf(name, (size_t)len, "Fake AMD GPU %d", d);
	return hipSuccess;
}
API hipError_t hipDeviceTotalMem(size_t *b, int d) {
	ENTER();
	if (!valid_device(d)) return hipErrorInvalidDevice;
	*b = TOTAL_MEM;
	return hipSuccess;
}
API hipError_t hipDeviceGetUuid(char *uuid, int d) {
	ENTER();
	if (!valid_device(d)) return hipErrorInvalidDevice;
	memcpy(uuid, "fakehip-uuid-00", 16);
	uuid[15] = (char)('0' + d);
	return hipSuccess;
}
API hipError_t hipDeviceGetAttribute(int *v, int attr, int d) {
	ENTER();
	if (!valid_device(d)) return hipErrorInvalidDevice;
	switch (attr) { // hipDeviceAttribute_t numbering
	case 2: *v = 2; break;                // AsyncEngineCount
	case 3: *v = 1; break;                // CanMapHostMemory
	case 5: *v = 1700000; break;          // ClockRate
	case 8: *v = 1; break;                // ConcurrentKernels
	case 10: *v = 1; break;               // CooperativeLaunch
	case 19: *v = 8 << 20; break;         // L2CacheSize
	case 23: *v = 9; break;               // ComputeCapabilityMajor
	case 24: *v = 1; break;               // ManagedMemory
	case 25: *v = 32; break;              // MaxBlocksPerMultiProcessor
	case 26: case 27: case 28: *v = 1024; break; // MaxBlockDim
	case 29: *v = 2147483647; break;      // MaxGridDimX
	case 30: case 31: *v = 65536; break;  // MaxGridDimY, Z
	case 56: *v = 1024; break;            // MaxThreadsPerBlock
	case 57: *v = 2048; break;            // MaxThreadsPerMultiProcessor
	case 59: *v = 4096; break;            // MemoryBusWidth
	case 60: *v = 1600000; break;         // MemoryClockRate
	case 61: *v = 0; break;               // ComputeCapabilityMinor
	case 63: *v = 104; break;             // MultiprocessorCount
	case 67: *v = 0x30 + d; break;        // PciBusId
	case 68: *v = 0; break;               // PciDeviceId
	case 69: *v = 0; break;               // PciDomainID
	case 74: *v = 65536; break;           // MaxSharedMemoryPerBlock
	case 87: *v = 64; break;              // WarpSize
	case 88: *v = 1; break;               // MemoryPoolsSupported
	default: return hipErrorInvalidValue;
	}
	return hipSuccess;
}
#ifdef FAKEHIP_ROCM6
API hipError_t hipGetDevicePropertiesR0600(char *p, int d) {
	ENTER();
	if (!valid_device(d)) return hipErrorInvalidDevice;
	memset(p, 0, 1472);
	snprintf(p, 256, "Fake AMD GPU %d", d);
	strcpy(p + 1160, "gfx90a:sramecc+:xnack-");
	return hipSuccess;
}
#else
API hipError_t hipGetDeviceProperties(char *p, int d) {
	ENTER();
	if (!valid_device(d)) return hipErrorInvalidDevice;
	memset(p, 0, 792);
	snprintf(p, 256, "Fake AMD GPU %d", d);
	strcpy(p + 396, "gfx90a:sramecc+:xnack-");
	return hipSuccess;
}
#endif
API hipError_t hipDeviceGetStreamPriorityRange(int *least, int *greatest) {
	ENTER();
	REQUIRE_DEVICE();
	*least = 0;
	*greatest = -1;
	return hipSuccess;
}

// ---- memory ----

enum { MEM_DEVICE = 1, MEM_HOST, MEM_MANAGED, MEM_REGISTERED };

typedef struct alloc {
	void *p;
	size_t n;
	int kind, dev;
	struct alloc *next;
} alloc;
static alloc *allocs;
static size_t used[MAX_DEVICES];

static hipError_t track(void *p, size_t n, int kind) {
	alloc *a = calloc(1, sizeof(*a));
	if (a == NULL) return hipErrorOutOfMemory;
	*a = (alloc){p, n, kind, entered, NULL};
	pthread_mutex_lock(&global);
	a->next = allocs;
	allocs = a;
	used[entered] += n;
	pthread_mutex_unlock(&global);
	return hipSuccess;
}

// untrack removes p's record if it has the given kind and belongs to the
// current device (stricter than HIP, to check that the driver makes the
// right device current); returns 0 if none.
static int untrack(void *p, int kind) {
	pthread_mutex_lock(&global);
	for (alloc **a = &allocs; *a; a = &(*a)->next) {
		if ((*a)->p == p && (*a)->kind == kind && (*a)->dev == entered) {
			alloc *x = *a;
			*a = x->next;
			used[x->dev] -= x->n;
			pthread_mutex_unlock(&global);
			free(x);
			return 1;
		}
	}
	pthread_mutex_unlock(&global);
	return 0;
}

static hipError_t allocate(void **p, size_t n, int kind) {
	if (n == 0) return hipErrorInvalidValue;
	if (n > TOTAL_MEM - used[entered]) return hipErrorOutOfMemory;
	*p = aligned_alloc(256, (n + 255) & ~(size_t)255);
	if (*p == NULL) return hipErrorOutOfMemory;
	memset(*p, 0xCD, n); // uninitialised device memory is not zero
	return track(*p, n, kind);
}

// Like HIP's (and CUDA's), frees synchronize with all outstanding work.
static void drain_all(void);
static int pool_free_sync(void *p);
static void pools_settle(int dev);

API hipError_t hipMalloc(void **p, size_t n) {
	ENTER();
	REQUIRE_DEVICE(); return allocate(p, n, MEM_DEVICE); }
API hipError_t hipFree(void *p) {
	ENTER();
	REQUIRE_DEVICE();
	if (p == NULL) return hipSuccess;
	drain_all();
	// hipFree releases hipMalloc and hipMallocManaged memory.
	if (pool_free_sync(p)) return hipSuccess;
	if (!untrack(p, MEM_DEVICE) && !untrack(p, MEM_MANAGED)) return hipErrorInvalidValue;
	free(p);
	return hipSuccess;
}
API hipError_t hipHostMalloc(void **p, size_t n, unsigned flags) {
	ENTER();
	REQUIRE_DEVICE();
	if ((flags & 2) == 0) return hipErrorInvalidValue; // the driver always maps
	return allocate(p, n, MEM_HOST);
}
API hipError_t hipHostFree(void *p) {
	ENTER();
	REQUIRE_DEVICE();
	drain_all();
	if (!untrack(p, MEM_HOST)) return hipErrorInvalidValue;
	free(p);
	return hipSuccess;
}
API hipError_t hipHostGetDevicePointer(void **d, void *h, unsigned flags) {
	ENTER();
	(void)flags;
	*d = h;
	return hipSuccess;
}
API hipError_t hipMallocManaged(void **p, size_t n, unsigned flags) {
	ENTER();
	REQUIRE_DEVICE();
	if (flags != 1) return hipErrorInvalidValue; // hipMemAttachGlobal
	return allocate(p, n, MEM_MANAGED);
}
API hipError_t hipHostRegister(void *h, size_t n, unsigned flags) {
	ENTER();
	REQUIRE_DEVICE();
	if (h == NULL || n == 0 || (flags & 2) == 0) return hipErrorInvalidValue;
	return track(h, n, MEM_REGISTERED);
}
API hipError_t hipHostUnregister(void *h) {
	ENTER();
	REQUIRE_DEVICE();
	return untrack(h, MEM_REGISTERED) ? hipSuccess : hipErrorHostMemoryNotRegistered;
}
API hipError_t hipMemGetInfo(size_t *free_, size_t *total) {
	ENTER();
	REQUIRE_DEVICE();
	*total = TOTAL_MEM;
	*free_ = TOTAL_MEM - used[entered];
	return hipSuccess;
}
API hipError_t hipMemcpy(void *dst, const void *src, size_t n, int kind) {
	ENTER();
	REQUIRE_DEVICE();
	if (kind != MEMCPY_DEFAULT) return hipErrorInvalidValue;
	memmove(dst, src, n);
	return hipSuccess;
}

// ---- modules and kernels ----

typedef struct module {
	int dev;
	void *dl;
	const shal_library *lib;
} module;

typedef struct function {
	module *m;
	const shal_kernel *k;
} function;

API hipError_t hipModuleLoadData(module **out, const unsigned char *image) {
	ENTER();
	REQUIRE_DEVICE();
	// An AMDGPU code object: ELF magic and e_machine EM_AMDGPU (224).
	if (image == NULL || memcmp(image, "\x7f" "ELF", 4) != 0 || (image[18] | image[19] << 8) != 224) {
		return hipErrorInvalidImage;
	}
	const char *path = getenv("FAKEHIP_KERNELS");
	void *dl = path ? dlopen(path, RTLD_NOW | RTLD_LOCAL) : NULL;
	if (dl == NULL) return hipErrorFileNotFound;
	const shal_library *(*get)(void) = (const shal_library *(*)(void))dlsym(dl, "streamhal_cpu_library");
	if (get == NULL) {
		dlclose(dl);
		return hipErrorInvalidImage;
	}
	module *m = calloc(1, sizeof(*m));
	*m = (module){entered, dl, get()};
	*out = m;
	return hipSuccess;
}
API hipError_t hipModuleUnload(module *m) {
	ENTER();
	REQUIRE_DEVICE();
	if (m == NULL) return hipErrorInvalidHandle;
	if (m->dev != entered) return hipErrorInvalidDevice;
	dlclose(m->dl);
	free(m);
	return hipSuccess;
}
API hipError_t hipModuleGetFunction(function **f, module *m, const char *name) {
	ENTER();
	REQUIRE_DEVICE();
	if (m->dev != entered) return hipErrorInvalidDevice;
	for (uint32_t i = 0; i < m->lib->kernel_count; i++) {
		if (strcmp(m->lib->kernels[i].name, name) == 0) {
			function *fn = calloc(1, sizeof(*fn)); // lives as long as the process
			*fn = (function){m, &m->lib->kernels[i]};
			*f = fn;
			return hipSuccess;
		}
	}
	return hipErrorNotFound;
}
API hipError_t hipModuleGetGlobal(void **p, size_t *n, module *m, const char *name) {
	ENTER();
	REQUIRE_DEVICE();
	if (m->dev != entered) return hipErrorInvalidDevice;
	for (uint32_t i = 0; i < m->lib->global_count; i++) {
		if (strcmp(m->lib->globals[i].name, name) == 0) {
			if (p) *p = m->lib->globals[i].address;
			if (n) *n = m->lib->globals[i].size;
			return hipSuccess;
		}
	}
	return hipErrorNotFound;
}
API hipError_t hipFuncGetAttribute(int *v, int attr, function *f) {
	ENTER();
	REQUIRE_DEVICE();
	if (f->m->dev != entered) return hipErrorInvalidDevice;
	switch (attr) {
	case 0: *v = f->k->max_threads_per_block ? (int)f->k->max_threads_per_block : 1024; break;
	case 1: *v = (int)f->k->static_shared_bytes; break;
	case 4: *v = 32; break;
	case 8: *v = 65536 - (int)f->k->static_shared_bytes; break;
	case 2: case 3: case 6: *v = 0; break;
	default: return hipErrorInvalidValue;
	}
	return hipSuccess;
}

// args_end is the first byte after the kernel's last parameter.
static size_t args_end(const shal_kernel *k) {
	size_t end = 0;
	for (uint32_t i = 0; i < k->param_count; i++) {
		size_t e = (size_t)k->params[i].offset + k->params[i].size;
		if (e > end) end = e;
	}
	return end;
}

typedef struct launch {
	const shal_kernel *k;
	shal_dim3 grid, block;
	unsigned shared;
	unsigned char *args; // owned, max(size, args_size) bytes
} launch;

static void run_kernel(const launch *l) {
	shal_launch L = {l->grid, l->block, l->args, l->shared, 1, NULL, NULL};
	void *sh = NULL;
	if (l->shared > 0) sh = aligned_alloc(64, (l->shared + 63) & ~63u);
	shal_worker W = {sh, 0, 0, NULL, 0};
	uint64_t blocks = (uint64_t)l->grid.x * l->grid.y * l->grid.z;
	l->k->entry(&L, &W, 0, blocks);
	free(sh);
}

static hipError_t check_dims(unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz) {
	if (!gx || !gy || !gz || !bx || !by || !bz) return hipErrorInvalidValue;
	if ((uint64_t)bx * by * bz > 1024) return hipErrorInvalidValue;
	if ((uint64_t)gx * bx > UINT32_MAX || (uint64_t)gy * by > UINT32_MAX || (uint64_t)gz * bz > UINT32_MAX) {
		return hipErrorInvalidValue;
	}
	return hipSuccess;
}

// args_from_params gathers a kernelParams array into a packed buffer.
static unsigned char *args_from_params(const shal_kernel *k, void **kp) {
	size_t size = k->args_size > 0 ? k->args_size : 1;
	unsigned char *buf = calloc(1, size);
	for (uint32_t i = 0; i < k->param_count; i++) {
		memcpy(buf + k->params[i].offset, kp[i], k->params[i].size);
	}
	return buf;
}

// ---- streams ----

enum { OP_COPY, OP_FILL, OP_KERNEL, OP_HOST, OP_CALLBACK, OP_RECORD, OP_WAIT, OP_GRAPH, OP_NOP, OP_POOL_FREE };

struct event;
struct gexec_run;

typedef struct op {
	int kind;
	void *dst;
	const void *src;
	size_t n;
	uint32_t pattern;
	int psize;
	launch l;
	hipHostFn_t fn;
	hipStreamCallback_t cb;
	void *user;
	struct event *ev;
	uint64_t seq;
	struct gexec_run *graph;
	struct op *next;
} op;

struct stream {
	int dev;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	op *head, *tail;
	int busy, stop;
	pthread_t th;
	struct stream *next_all;
};

static struct stream *all_streams;

typedef struct event {
	int dev;
	unsigned flags;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t recorded, completed;
	double at;
} event;

static void fill(void *dst, uint32_t pattern, int psize, size_t count) {
	unsigned char *d = dst;
	for (size_t i = 0; i < count; i++) memcpy(d + i * (size_t)psize, &pattern, (size_t)psize);
}

static void event_reach(event *e, uint64_t seq) {
	pthread_mutex_lock(&e->mu);
	if (seq > e->completed) e->completed = seq;
	e->at = now_ms();
	pthread_cond_broadcast(&e->cv);
	pthread_mutex_unlock(&e->mu);
}

static void event_wait(event *e, uint64_t seq) {
	pthread_mutex_lock(&e->mu);
	while (e->completed < seq) pthread_cond_wait(&e->cv, &e->mu);
	pthread_mutex_unlock(&e->mu);
}

static void run_graph(struct stream *s, struct gexec_run *g);
static void pool_free_reached(void *block);

static void run_op(struct stream *s, op *o) {
	switch (o->kind) {
	case OP_COPY: memmove(o->dst, o->src, o->n); break;
	case OP_FILL: fill(o->dst, o->pattern, o->psize, o->n); break;
	case OP_KERNEL: run_kernel(&o->l); free(o->l.args); break;
	case OP_HOST: o->fn(o->user); break;
	case OP_CALLBACK: o->cb(s, hipSuccess, o->user); break;
	case OP_RECORD: event_reach(o->ev, o->seq); break;
	case OP_WAIT: event_wait(o->ev, o->seq); break;
	case OP_GRAPH: run_graph(s, o->graph); break;
	case OP_POOL_FREE: pool_free_reached(o->user); break;
	}
}

static void *worker(void *arg) {
	struct stream *s = arg;
	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (s->head == NULL && !s->stop) pthread_cond_wait(&s->cv, &s->mu);
		if (s->head == NULL && s->stop) break;
		op *o = s->head;
		s->head = o->next;
		if (s->head == NULL) s->tail = NULL;
		s->busy = 1;
		pthread_mutex_unlock(&s->mu);
		run_op(s, o);
		free(o);
		pthread_mutex_lock(&s->mu);
		s->busy = 0;
		pthread_cond_broadcast(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

static hipError_t enqueue(struct stream *s, op *o) {
	if (s == NULL) return hipErrorInvalidHandle;
	if (s->dev != entered) {
		free(o);
		return hipErrorInvalidDevice;
	}
	o->next = NULL;
	pthread_mutex_lock(&s->mu);
	if (s->tail) s->tail->next = o;
	else s->head = o;
	s->tail = o;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	return hipSuccess;
}

static op *new_op(int kind) {
	op *o = calloc(1, sizeof(*o));
	o->kind = kind;
	return o;
}

static void stream_drain(struct stream *s) {
	pthread_mutex_lock(&s->mu);
	while (s->head != NULL || s->busy) pthread_cond_wait(&s->cv, &s->mu);
	pthread_mutex_unlock(&s->mu);
}

API hipError_t hipStreamCreateWithPriority(struct stream **out, unsigned flags, int priority) {
	ENTER();
	REQUIRE_DEVICE();
	if (flags != 1) return hipErrorInvalidValue; // hipStreamNonBlocking
	if (priority < -1 || priority > 0) return hipErrorInvalidValue;
	struct stream *s = calloc(1, sizeof(*s));
	s->dev = entered;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	pthread_create(&s->th, NULL, worker, s);
	pthread_mutex_lock(&global);
	s->next_all = all_streams;
	all_streams = s;
	pthread_mutex_unlock(&global);
	*out = s;
	return hipSuccess;
}
API hipError_t hipStreamDestroy(struct stream *s) {
	ENTER();
	REQUIRE_DEVICE();
	if (s->dev != entered) return hipErrorInvalidDevice;
	pthread_mutex_lock(&global);
	for (struct stream **p = &all_streams; *p; p = &(*p)->next_all) {
		if (*p == s) {
			*p = s->next_all;
			break;
		}
	}
	pthread_mutex_unlock(&global);
	pthread_mutex_lock(&s->mu);
	s->stop = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->th, NULL);
	free(s);
	return hipSuccess;
}
API hipError_t hipStreamSynchronize(struct stream *s) {
	ENTER();
	REQUIRE_DEVICE();
	// The NULL stream: the fake's hipMemcpy is done when it returns.
	if (s == NULL) return hipSuccess;
	if (s->dev != entered) return hipErrorInvalidDevice;
	stream_drain(s);
	pools_settle(entered);
	return hipSuccess;
}
API hipError_t hipStreamQuery(struct stream *s) {
	ENTER();
	REQUIRE_DEVICE();
	if (s->dev != entered) return hipErrorInvalidDevice;
	pthread_mutex_lock(&s->mu);
	int pending = s->head != NULL || s->busy;
	pthread_mutex_unlock(&s->mu);
	return pending ? hipErrorNotReady : hipSuccess;
}
// drain waits for the streams of dev (all devices for -1). It holds the
// global lock so that no stream is destroyed meanwhile; host functions
// must not allocate or free (HIP forbids runtime calls in them anyway).
static void drain(int dev) {
	pthread_mutex_lock(&global);
	for (struct stream *s = all_streams; s; s = s->next_all) {
		if (dev < 0 || s->dev == dev) stream_drain(s);
	}
	pthread_mutex_unlock(&global);
}

static void drain_all(void) { drain(-1); }

API hipError_t hipDeviceSynchronize(void) {
	ENTER();
	REQUIRE_DEVICE();
	drain(entered);
	pools_settle(entered);
	return hipSuccess;
}
API hipError_t hipMemcpyAsync(void *dst, const void *src, size_t n, int kind, struct stream *s) {
	ENTER();
	REQUIRE_DEVICE();
	if (kind != MEMCPY_DEFAULT) return hipErrorInvalidValue;
	op *o = new_op(OP_COPY);
	o->dst = dst;
	o->src = src;
	o->n = n;
	return enqueue(s, o);
}
static hipError_t memset_async(void *dst, uint32_t v, int psize, size_t count, struct stream *s) {
	op *o = new_op(OP_FILL);
	o->dst = dst;
	o->pattern = v;
	o->psize = psize;
	o->n = count;
	return enqueue(s, o);
}
API hipError_t hipMemsetD8Async(void *dst, unsigned char v, size_t count, struct stream *s) {
	ENTER();
	REQUIRE_DEVICE();
	return memset_async(dst, v, 1, count, s);
}
API hipError_t hipMemsetD16Async(void *dst, unsigned short v, size_t count, struct stream *s) {
	ENTER();
	REQUIRE_DEVICE();
	return memset_async(dst, v, 2, count, s);
}
API hipError_t hipMemsetD32Async(void *dst, int v, size_t count, struct stream *s) {
	ENTER();
	REQUIRE_DEVICE();
	return memset_async(dst, (uint32_t)v, 4, count, s);
}
API hipError_t hipStreamAddCallback(struct stream *s, hipStreamCallback_t cb, void *user, unsigned flags) {
	ENTER();
	REQUIRE_DEVICE();
	if (cb == NULL || flags != 0) return hipErrorInvalidValue;
	op *o = new_op(OP_CALLBACK);
	o->cb = cb;
	o->user = user;
	return enqueue(s, o);
}
#ifdef FAKEHIP_ROCM6
API hipError_t hipLaunchHostFunc(struct stream *s, hipHostFn_t fn, void *user) {
	ENTER();
	REQUIRE_DEVICE();
	if (fn == NULL) return hipErrorInvalidValue;
	op *o = new_op(OP_HOST);
	o->fn = fn;
	o->user = user;
	return enqueue(s, o);
}
#endif

// ---- events ----

API hipError_t hipEventCreateWithFlags(event **out, unsigned flags) {
	ENTER();
	REQUIRE_DEVICE();
	if (flags & ~3u) return hipErrorInvalidValue;
	event *e = calloc(1, sizeof(*e));
	e->dev = entered;
	e->flags = flags;
	pthread_mutex_init(&e->mu, NULL);
	pthread_cond_init(&e->cv, NULL);
	*out = e;
	return hipSuccess;
}
API hipError_t hipEventDestroy(event *e) {
	ENTER();
	REQUIRE_DEVICE();
	if (e->dev != entered) return hipErrorInvalidDevice;
	free(e);
	return hipSuccess;
}
static uint64_t event_next(event *e) {
	pthread_mutex_lock(&e->mu);
	uint64_t seq = ++e->recorded;
	pthread_mutex_unlock(&e->mu);
	return seq;
}
API hipError_t hipEventRecord(event *e, struct stream *s) {
	ENTER();
	REQUIRE_DEVICE();
	if (e->dev != entered || (s && s->dev != e->dev)) return hipErrorInvalidDevice;
	op *o = new_op(OP_RECORD);
	o->ev = e;
	o->seq = event_next(e);
	return enqueue(s, o);
}
API hipError_t hipEventQuery(event *e) {
	ENTER();
	REQUIRE_DEVICE();
	if (e->dev != entered) return hipErrorInvalidDevice;
	pthread_mutex_lock(&e->mu);
	int done = e->completed >= e->recorded;
	pthread_mutex_unlock(&e->mu);
	return done ? hipSuccess : hipErrorNotReady;
}
API hipError_t hipEventSynchronize(event *e) {
	ENTER();
	REQUIRE_DEVICE();
	if (e->dev != entered) return hipErrorInvalidDevice;
	pthread_mutex_lock(&e->mu);
	uint64_t seq = e->recorded;
	pthread_mutex_unlock(&e->mu);
	event_wait(e, seq);
	return hipSuccess;
}
API hipError_t hipEventElapsedTime(float *ms, event *a, event *b) {
	ENTER();
	REQUIRE_DEVICE();
	if ((a->flags | b->flags) & 2) return hipErrorInvalidHandle;
	if (a->completed == 0 || b->completed == 0) return hipErrorInvalidHandle;
	if (a->completed < a->recorded || b->completed < b->recorded) return hipErrorNotReady;
	*ms = (float)(b->at - a->at);
	return hipSuccess;
}
API hipError_t hipStreamWaitEvent(struct stream *s, event *e, unsigned flags) {
	ENTER();
	REQUIRE_DEVICE();
	if (flags != 0) return hipErrorInvalidValue;
	pthread_mutex_lock(&e->mu);
	uint64_t seq = e->recorded;
	pthread_mutex_unlock(&e->mu);
	op *o = new_op(OP_WAIT);
	o->ev = e;
	o->seq = seq;
	return enqueue(s, o);
}

// ---- launches ----

API hipError_t hipModuleLaunchKernel(function *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                                     unsigned bz, unsigned shared, struct stream *s, void **kernelParams, void **extra) {
	ENTER();
	REQUIRE_DEVICE();
	if (f == NULL) return hipErrorInvalidHandle;
	if (f->m->dev != entered) return hipErrorInvalidDevice;
	hipError_t err = check_dims(gx, gy, gz, bx, by, bz);
	if (err) return err;
	// The driver passes the packed buffer in extra, never kernelParams.
	if (kernelParams != NULL || extra == NULL) return hipErrorInvalidValue;
	if (extra[0] != (void *)1 || extra[2] != (void *)2 || extra[4] != (void *)3) return hipErrorInvalidValue;
	size_t size = *(size_t *)extra[3];
	if (size < args_end(f->k)) return hipErrorInvalidValue;
	size_t cap = size > f->k->args_size ? size : f->k->args_size;
	unsigned char *args = calloc(1, cap > 0 ? cap : 1);
	if (size > 0) memcpy(args, extra[1], size);
	op *o = new_op(OP_KERNEL);
	o->l = (launch){f->k, {gx, gy, gz}, {bx, by, bz}, shared, args};
	err = enqueue(s, o);
	if (err) free(args);
	return err;
}
#ifdef FAKEHIP_ROCM6
API hipError_t hipModuleLaunchCooperativeKernel(function *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx,
                                                unsigned by, unsigned bz, unsigned shared, struct stream *s,
                                                void **kernelParams) {
	ENTER();
	REQUIRE_DEVICE();
	if (f->m->dev != entered) return hipErrorInvalidDevice;
	hipError_t err = check_dims(gx, gy, gz, bx, by, bz);
	if (err) return err;
	if (kernelParams == NULL && f->k->param_count > 0) return hipErrorInvalidValue;
	op *o = new_op(OP_KERNEL);
	o->l = (launch){f->k, {gx, gy, gz}, {bx, by, bz}, shared, args_from_params(f->k, kernelParams)};
	return enqueue(s, o);
}
API hipError_t hipMemAdvise(const void *p, size_t n, int advice, int device) {
	ENTER();
	REQUIRE_DEVICE();
	(void)p, (void)n;
	if (advice < 1 || advice > 6 || (device != -1 && !valid_device(device))) return hipErrorInvalidValue;
	return hipSuccess;
}
API hipError_t hipMemPrefetchAsync(const void *p, size_t n, int device, struct stream *s) {
	ENTER();
	REQUIRE_DEVICE();
	(void)p, (void)n;
	if (device != -1 && !valid_device(device)) return hipErrorInvalidDevice;
	return enqueue(s, new_op(OP_NOP));
}
#endif

// ---- peers ----

static int peer_on[MAX_DEVICES][MAX_DEVICES];

API hipError_t hipDeviceCanAccessPeer(int *can, int d, int p) {
	ENTER();
	if (!valid_device(d) || !valid_device(p)) return hipErrorInvalidDevice;
	*can = d != p;
	return hipSuccess;
}
API hipError_t hipDeviceEnablePeerAccess(int p, unsigned flags) {
	ENTER();
	REQUIRE_DEVICE();
	if (!valid_device(p) || p == entered || flags != 0) return hipErrorInvalidValue;
	if (peer_on[entered][p]) return hipErrorPeerAccessAlreadyEnabled;
	peer_on[entered][p] = 1;
	return hipSuccess;
}
API hipError_t hipDeviceDisablePeerAccess(int p) {
	ENTER();
	REQUIRE_DEVICE();
	if (!valid_device(p)) return hipErrorInvalidValue;
	if (!peer_on[entered][p]) return hipErrorPeerAccessNotEnabled;
	peer_on[entered][p] = 0;
	return hipSuccess;
}
API hipError_t hipMemcpyPeerAsync(void *dst, int dd, const void *src, int sd, size_t n, struct stream *s) {
	ENTER();
	REQUIRE_DEVICE();
	if (!valid_device(dd) || !valid_device(sd) || (dd != s->dev && sd != s->dev)) return hipErrorInvalidDevice;
	op *o = new_op(OP_COPY);
	o->dst = dst;
	o->src = src;
	o->n = n;
	return enqueue(s, o);
}

// ---- graphs ----

enum { N_EMPTY, N_KERNEL, N_COPY, N_FILL, N_HOST, N_RECORD, N_WAIT };

typedef struct gnode {
	int kind, index;
	launch l; // args owned
	void *dst;
	const void *src;
	size_t n;
	uint32_t pattern;
	int psize;
	hipHostFn_t fn;
	void *user;
	event *ev;
} gnode;

typedef struct graph {
	int dev;
	gnode **nodes;
	int n, cap;
} graph;

typedef struct gexec {
	int dev;
	graph *g;
	gnode *nodes; // copies, by index
	int n;
} gexec;

struct gexec_run {
	gnode *nodes;
	uint64_t *seqs;
	int n;
};

typedef struct {
	shal_dim3 blockDim;
	void **extra;
	void *func;
	shal_dim3 gridDim;
	void **kernelParams;
	unsigned sharedMemBytes;
} kernel_params;

typedef struct {
	void *dst;
	unsigned elementSize;
	size_t height, pitch;
	unsigned value;
	size_t width;
} memset_params;

typedef struct {
	hipHostFn_t fn;
	void *userData;
} host_params;

API hipError_t hipGraphCreate(graph **out, unsigned flags) {
	ENTER();
	REQUIRE_DEVICE();
	if (flags != 0) return hipErrorInvalidValue;
	graph *g = calloc(1, sizeof(*g));
	g->dev = entered;
	*out = g;
	return hipSuccess;
}

static void free_node(gnode *n) { free(n->l.args); }

API hipError_t hipGraphDestroy(graph *g) {
	ENTER();
	REQUIRE_DEVICE();
	if (g->dev != entered) return hipErrorInvalidDevice;
	for (int i = 0; i < g->n; i++) {
		free_node(g->nodes[i]);
		free(g->nodes[i]);
	}
	free(g->nodes);
	free(g);
	return hipSuccess;
}

static int node_index(graph *g, gnode *n) {
	for (int i = 0; i < g->n; i++) {
		if (g->nodes[i] == n) return i;
	}
	return -1;
}

// add_node checks the dependencies (nodes of g, added earlier) and appends.
static hipError_t add_node(gnode **out, graph *g, gnode *const *deps, size_t ndeps, gnode *n) {
	if (g->dev != entered) {
		free_node(n);
		free(n);
		return hipErrorInvalidDevice;
	}
	for (size_t i = 0; i < ndeps; i++) {
		if (node_index(g, deps[i]) < 0) {
			free_node(n);
			free(n);
			return hipErrorInvalidValue;
		}
	}
	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 8;
		g->nodes = realloc(g->nodes, sizeof(*g->nodes) * (size_t)g->cap);
	}
	n->index = g->n;
	g->nodes[g->n++] = n;
	*out = n;
	return hipSuccess;
}

// kernel_node fills n from hipKernelNodeParams, which must carry
// kernelParams (the driver's form for graphs), and copies the arguments.
static hipError_t kernel_node(gnode *n, const kernel_params *p) {
	function *f = p->func;
	if (f == NULL) return 98; // hipErrorInvalidDeviceFunction
	if (f->m->dev != entered) return hipErrorInvalidDevice;
	if (p->kernelParams == NULL || p->extra != NULL) return hipErrorInvalidValue;
	hipError_t err = check_dims(p->gridDim.x, p->gridDim.y, p->gridDim.z, p->blockDim.x, p->blockDim.y, p->blockDim.z);
	if (err) return err;
	free(n->l.args);
	n->kind = N_KERNEL;
	n->l = (launch){f->k, p->gridDim, p->blockDim, p->sharedMemBytes, args_from_params(f->k, p->kernelParams)};
	return hipSuccess;
}

static hipError_t memset_node(gnode *n, const memset_params *p) {
	if (p->elementSize != 1 && p->elementSize != 2 && p->elementSize != 4) return hipErrorInvalidValue;
	if (p->width == 0 || p->height != 1 || p->dst == NULL) return hipErrorInvalidValue;
	n->kind = N_FILL;
	n->dst = p->dst;
	n->pattern = p->value;
	n->psize = (int)p->elementSize;
	n->n = p->width;
	return hipSuccess;
}

static hipError_t copy_node(gnode *n, void *dst, const void *src, size_t count, int kind) {
	// HIP refuses empty copies and copies onto themselves.
	if (kind != MEMCPY_DEFAULT || count == 0 || dst == src || dst == NULL || src == NULL) return hipErrorInvalidValue;
	n->kind = N_COPY;
	n->dst = dst;
	n->src = src;
	n->n = count;
	return hipSuccess;
}

API hipError_t hipGraphAddKernelNode(gnode **out, graph *g, gnode *const *deps, size_t ndeps, const kernel_params *p) {
	ENTER();
	REQUIRE_DEVICE();
	gnode *n = calloc(1, sizeof(*n));
	hipError_t err = kernel_node(n, p);
	if (err) {
		free(n);
		return err;
	}
	return add_node(out, g, deps, ndeps, n);
}
API hipError_t hipGraphAddMemcpyNode1D(gnode **out, graph *g, gnode *const *deps, size_t ndeps, void *dst,
                                       const void *src, size_t count, int kind) {
	ENTER();
	REQUIRE_DEVICE();
	gnode *n = calloc(1, sizeof(*n));
	hipError_t err = copy_node(n, dst, src, count, kind);
	if (err) {
		free(n);
		return err;
	}
	return add_node(out, g, deps, ndeps, n);
}
API hipError_t hipGraphAddMemsetNode(gnode **out, graph *g, gnode *const *deps, size_t ndeps, const memset_params *p) {
	ENTER();
	REQUIRE_DEVICE();
	gnode *n = calloc(1, sizeof(*n));
	hipError_t err = memset_node(n, p);
	if (err) {
		free(n);
		return err;
	}
	return add_node(out, g, deps, ndeps, n);
}
API hipError_t hipGraphAddHostNode(gnode **out, graph *g, gnode *const *deps, size_t ndeps, const host_params *p) {
	ENTER();
	REQUIRE_DEVICE();
	if (p->fn == NULL) return hipErrorInvalidValue;
	gnode *n = calloc(1, sizeof(*n));
	n->kind = N_HOST;
	n->fn = p->fn;
	n->user = p->userData;
	return add_node(out, g, deps, ndeps, n);
}
API hipError_t hipGraphAddEmptyNode(gnode **out, graph *g, gnode *const *deps, size_t ndeps) {
	ENTER();
	REQUIRE_DEVICE();
	gnode *n = calloc(1, sizeof(*n));
	n->kind = N_EMPTY;
	return add_node(out, g, deps, ndeps, n);
}
static hipError_t add_event_node(gnode **out, graph *g, gnode *const *deps, size_t ndeps, event *e, int kind) {
	if (e == NULL) return hipErrorInvalidValue;
	gnode *n = calloc(1, sizeof(*n));
	n->kind = kind;
	n->ev = e;
	return add_node(out, g, deps, ndeps, n);
}
API hipError_t hipGraphAddEventRecordNode(gnode **out, graph *g, gnode *const *deps, size_t ndeps, event *e) {
	ENTER();
	REQUIRE_DEVICE();
	return add_event_node(out, g, deps, ndeps, e, N_RECORD);
}
API hipError_t hipGraphAddEventWaitNode(gnode **out, graph *g, gnode *const *deps, size_t ndeps, event *e) {
	ENTER();
	REQUIRE_DEVICE();
	return add_event_node(out, g, deps, ndeps, e, N_WAIT);
}

static void copy_gnode(gnode *dst, const gnode *src) {
	*dst = *src;
	if (src->l.args) {
		size_t size = src->l.k->args_size > 0 ? src->l.k->args_size : 1;
		dst->l.args = malloc(size);
		memcpy(dst->l.args, src->l.args, size);
	}
}

API hipError_t hipGraphInstantiate(gexec **out, graph *g, gnode **errNode, char *log, size_t logSize) {
	ENTER();
	REQUIRE_DEVICE();
	(void)errNode, (void)log, (void)logSize;
	if (g->dev != entered) return hipErrorInvalidDevice;
	gexec *x = calloc(1, sizeof(*x));
	x->dev = entered;
	x->g = g;
	x->n = g->n;
	x->nodes = calloc((size_t)(g->n > 0 ? g->n : 1), sizeof(gnode));
	for (int i = 0; i < g->n; i++) copy_gnode(&x->nodes[i], g->nodes[i]);
	*out = x;
	return hipSuccess;
}
API hipError_t hipGraphExecDestroy(gexec *x) {
	ENTER();
	REQUIRE_DEVICE();
	if (x->dev != entered) return hipErrorInvalidDevice;
	for (int i = 0; i < x->n; i++) free_node(&x->nodes[i]);
	free(x->nodes);
	free(x);
	return hipSuccess;
}

// exec_node finds the executable's copy of a node of its graph.
static gnode *exec_node(gexec *x, gnode *n, int kind) {
	if (x->dev != entered) return NULL;
	int i = node_index(x->g, n);
	if (i < 0 || x->nodes[i].kind != kind) return NULL;
	return &x->nodes[i];
}

API hipError_t hipGraphExecKernelNodeSetParams(gexec *x, gnode *n, const kernel_params *p) {
	ENTER();
	REQUIRE_DEVICE();
	gnode *c = exec_node(x, n, N_KERNEL);
	return c ? kernel_node(c, p) : hipErrorInvalidValue;
}
API hipError_t hipGraphExecMemcpyNodeSetParams1D(gexec *x, gnode *n, void *dst, const void *src, size_t count,
                                                 int kind) {
	ENTER();
	REQUIRE_DEVICE();
	gnode *c = exec_node(x, n, N_COPY);
	return c ? copy_node(c, dst, src, count, kind) : hipErrorInvalidValue;
}
API hipError_t hipGraphExecMemsetNodeSetParams(gexec *x, gnode *n, const memset_params *p) {
	ENTER();
	REQUIRE_DEVICE();
	gnode *c = exec_node(x, n, N_FILL);
	return c ? memset_node(c, p) : hipErrorInvalidValue;
}
API hipError_t hipGraphExecHostNodeSetParams(gexec *x, gnode *n, const host_params *p) {
	ENTER();
	REQUIRE_DEVICE();
	gnode *c = exec_node(x, n, N_HOST);
	if (c == NULL || p->fn == NULL) return hipErrorInvalidValue;
	c->fn = p->fn;
	c->user = p->userData;
	return hipSuccess;
}
API hipError_t hipGraphExecEventRecordNodeSetEvent(gexec *x, gnode *n, event *e) {
	ENTER();
	REQUIRE_DEVICE();
	gnode *c = exec_node(x, n, N_RECORD);
	if (c == NULL || e == NULL) return hipErrorInvalidValue;
	c->ev = e;
	return hipSuccess;
}
API hipError_t hipGraphExecEventWaitNodeSetEvent(gexec *x, gnode *n, event *e) {
	ENTER();
	REQUIRE_DEVICE();
	gnode *c = exec_node(x, n, N_WAIT);
	if (c == NULL || e == NULL) return hipErrorInvalidValue;
	c->ev = e;
	return hipSuccess;
}

// hipGraphLaunch snapshots the executable (later updates affect later
// launches only) and runs its nodes in creation order, a topological order.
API hipError_t hipGraphLaunch(gexec *x, struct stream *s) {
	ENTER();
	REQUIRE_DEVICE();
	if (x->dev != entered) return hipErrorInvalidDevice;
	struct gexec_run *r = calloc(1, sizeof(*r));
	r->n = x->n;
	r->nodes = calloc((size_t)(x->n > 0 ? x->n : 1), sizeof(gnode));
	r->seqs = calloc((size_t)(x->n > 0 ? x->n : 1), sizeof(uint64_t));
	for (int i = 0; i < x->n; i++) {
		copy_gnode(&r->nodes[i], &x->nodes[i]);
		if (r->nodes[i].kind == N_RECORD) r->seqs[i] = event_next(r->nodes[i].ev);
		if (r->nodes[i].kind == N_WAIT) {
			pthread_mutex_lock(&r->nodes[i].ev->mu);
			r->seqs[i] = r->nodes[i].ev->recorded;
			pthread_mutex_unlock(&r->nodes[i].ev->mu);
		}
	}
	op *o = new_op(OP_GRAPH);
	o->graph = r;
	return enqueue(s, o);
}

static void run_graph(struct stream *s, struct gexec_run *r) {
	(void)s;
	for (int i = 0; i < r->n; i++) {
		gnode *n = &r->nodes[i];
		switch (n->kind) {
		case N_KERNEL: run_kernel(&n->l); break;
		case N_COPY: memmove(n->dst, n->src, n->n); break;
		case N_FILL: fill(n->dst, n->pattern, n->psize, n->n); break;
		case N_HOST: n->fn(n->user); break;
		case N_RECORD: event_reach(n->ev, r->seqs[i]); break;
		case N_WAIT: event_wait(n->ev, r->seqs[i]); break;
		}
		free_node(n);
	}
	free(r->nodes);
	free(r->seqs);
	free(r);
}

// ---- stream-ordered memory pools (hipMemPool*, hipMallocFromPoolAsync) ----
//
// Each block is its own allocation (tracked as device memory of the pool's
// device while it exists). A block freed with hipFreeAsync is reused by
// later allocations on the freeing stream at once, by other streams once
// the free is reached (hipMemPoolReuseAllowOpportunistic), and goes back
// when trimmed or, above the release threshold, at hipStreamSynchronize
// and hipDeviceSynchronize. Reuse attributes are ints, the rest uint64_t.

typedef struct pblock {
	void *p;
	size_t n;
	int in_use, done;
	struct stream *freed_on;
	struct fpool *pool;
	struct pblock *next;
} pblock;

typedef struct fpool {
	int magic, dev, deflt, destroyed;
	int reuse[4];
	unsigned long long release, reserved, reserved_high, used, used_high;
	int access[MAX_DEVICES];
	pblock *blocks;
	struct fpool *next;
} fpool;
#define POOL_MAGIC 0x46504f4c

typedef struct { int type, id; } memloc;
typedef struct { memloc loc; int flags; } accessdesc;
typedef struct {
	int allocType, handleTypes;
	memloc loc;
	void *win32;
	size_t maxSize;
	unsigned char reserved[56];
} poolprops;
_Static_assert(sizeof(poolprops) == 88, "hipMemPoolProps is 88 bytes");

static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static fpool *all_pools;
static fpool default_pools[MAX_DEVICES];

static void pool_init(fpool *p, int dev, int deflt) {
	memset(p, 0, sizeof *p);
	p->magic = POOL_MAGIC;
	p->dev = dev;
	p->deflt = deflt;
	p->reuse[1] = p->reuse[2] = p->reuse[3] = 1;
	p->access[dev] = 3;
	p->next = all_pools;
	all_pools = p;
}
static fpool *default_pool(int d) {
	if (default_pools[d].magic != POOL_MAGIC) pool_init(&default_pools[d], d, 1);
	return &default_pools[d];
}
static hipError_t check_pool(fpool *p) {
	return p != NULL && p->magic == POOL_MAGIC && !p->destroyed ? hipSuccess : hipErrorInvalidValue;
}
// block_release frees a cached block (pool_mu held).
static void block_release(pblock *b) {
	b->pool->reserved -= b->n;
	pthread_mutex_lock(&global);
	for (alloc **a = &allocs; *a; a = &(*a)->next) {
		if ((*a)->p == b->p) {
			alloc *x = *a;
			*a = x->next;
			used[x->dev] -= x->n;
			free(x);
			break;
		}
	}
	pthread_mutex_unlock(&global);
	free(b->p);
	free(b);
}
static void pool_trim(fpool *p, unsigned long long keep) {
	while (p->reserved > keep) {
		pblock **best = NULL;
		for (pblock **bp = &p->blocks; *bp; bp = &(*bp)->next)
			if (!(*bp)->in_use && (*bp)->done && (best == NULL || (*bp)->n > (*best)->n)) best = bp;
		if (best == NULL) return;
		pblock *b = *best;
		*best = b->next;
		block_release(b);
	}
}
static void pools_settle(int dev) {
	pthread_mutex_lock(&pool_mu);
	for (fpool *p = all_pools; p; p = p->next) {
		if (p->destroyed) pool_trim(p, 0);
		else if (p->dev == dev && p->reserved > p->release) pool_trim(p, p->release);
	}
	pthread_mutex_unlock(&pool_mu);
}
static pblock *find_block(void *ptr) {
	for (fpool *p = all_pools; p; p = p->next)
		for (pblock *b = p->blocks; b; b = b->next)
			if (b->p == ptr && b->in_use) return b;
	return NULL;
}
// pool_free_reached runs on the stream's thread, which must not take the
// global lock (drain holds it while waiting for the stream): the block of
// a destroyed pool goes back at the next synchronization.
static void pool_free_reached(void *arg) {
	pblock *b = arg;
	pthread_mutex_lock(&pool_mu);
	b->done = 1;
	pthread_mutex_unlock(&pool_mu);
}
static int pool_free_sync(void *ptr) {
	pthread_mutex_lock(&pool_mu);
	pblock *b = find_block(ptr);
	if (b == NULL) {
		pthread_mutex_unlock(&pool_mu);
		return 0;
	}
	b->in_use = 0;
	b->freed_on = NULL;
	b->pool->used -= b->n;
	b->done = 1;
	if (b->pool->destroyed) pool_trim(b->pool, 0);
	pthread_mutex_unlock(&pool_mu);
	return 1;
}

API hipError_t hipDeviceGetDefaultMemPool(fpool **out, int d) {
	ENTER();
	if (!valid_device(d)) return hipErrorInvalidDevice;
	if (out == NULL) return hipErrorInvalidValue;
	pthread_mutex_lock(&pool_mu);
	*out = default_pool(d);
	pthread_mutex_unlock(&pool_mu);
	return hipSuccess;
}
static fpool *current_pool[MAX_DEVICES];
API hipError_t hipDeviceSetMemPool(int d, fpool *p) {
	ENTER();
	if (!valid_device(d)) return hipErrorInvalidDevice;
	hipError_t r = check_pool(p);
	if (r) return r;
	if (p->dev != d) return hipErrorInvalidValue;
	pthread_mutex_lock(&pool_mu);
	current_pool[d] = p;
	pthread_mutex_unlock(&pool_mu);
	return hipSuccess;
}
API hipError_t hipMemPoolCreate(fpool **out, const poolprops *props) {
	ENTER();
	if (out == NULL || props == NULL || props->allocType != 1 || props->loc.type != 1) return hipErrorInvalidValue;
	if (!valid_device(props->loc.id)) return hipErrorInvalidDevice;
	if (props->handleTypes != 0) return hipErrorNotSupported;
	for (size_t i = 0; i < sizeof props->reserved; i++)
		if (props->reserved[i]) return hipErrorInvalidValue;
	fpool *p = malloc(sizeof *p);
	pthread_mutex_lock(&pool_mu);
	pool_init(p, props->loc.id, 0);
	pthread_mutex_unlock(&pool_mu);
	*out = p;
	return hipSuccess;
}
API hipError_t hipMemPoolDestroy(fpool *p) {
	ENTER();
	hipError_t r = check_pool(p);
	if (r) return r;
	if (p->deflt) return hipErrorInvalidValue;
	pthread_mutex_lock(&pool_mu);
	p->destroyed = 1;
	if (current_pool[p->dev] == p) current_pool[p->dev] = NULL;
	for (pblock **bp = &p->blocks; *bp;) {
		pblock *b = *bp;
		if (!b->in_use && b->done) {
			*bp = b->next;
			block_release(b);
		} else {
			bp = &b->next;
		}
	}
	pthread_mutex_unlock(&pool_mu);
	return hipSuccess;
}
API hipError_t hipMallocFromPoolAsync(void **out, size_t n, fpool *p, struct stream *s) {
	ENTER();
	REQUIRE_DEVICE();
	hipError_t r = check_pool(p);
	if (r) return r;
	if (out == NULL || n == 0 || s == NULL) return hipErrorInvalidValue;
	if (s->dev != entered) return hipErrorInvalidDevice;
	if (p->access[entered] == 0) return hipErrorInvalidValue;
	size_t size = (n + 255) & ~(size_t)255;
	pthread_mutex_lock(&pool_mu);
	pblock *best = NULL;
	for (pblock *b = p->blocks; b; b = b->next) {
		if (b->in_use || b->n < size || b->n > 2 * size) continue;
		if (!(b->freed_on == s || b->freed_on == NULL || (p->reuse[2] && b->done))) continue;
		if (best == NULL || b->n < best->n) best = b;
	}
	if (best == NULL) {
		// Allocate without pool_mu: track takes the global lock.
		pthread_mutex_unlock(&pool_mu);
		void *q;
		int was = entered;
		entered = p->dev; // the block is memory of the pool's device
		r = allocate(&q, size, MEM_DEVICE);
		entered = was;
		if (r) return r;
		pthread_mutex_lock(&pool_mu);
		best = calloc(1, sizeof *best);
		best->p = q;
		best->n = size;
		best->pool = p;
		best->next = p->blocks;
		p->blocks = best;
		p->reserved += size;
		if (p->reserved > p->reserved_high) p->reserved_high = p->reserved;
	}
	best->in_use = 1;
	best->done = 0;
	best->freed_on = NULL;
	p->used += best->n;
	if (p->used > p->used_high) p->used_high = p->used;
	*out = best->p;
	pthread_mutex_unlock(&pool_mu);
	return hipSuccess;
}
API hipError_t hipFreeAsync(void *ptr, struct stream *s) {
	ENTER();
	REQUIRE_DEVICE();
	if (s == NULL) return hipErrorInvalidValue;
	pthread_mutex_lock(&pool_mu);
	pblock *b = find_block(ptr);
	if (b == NULL) {
		pthread_mutex_unlock(&pool_mu);
		return hipErrorInvalidValue;
	}
	b->in_use = 0;
	b->done = 0;
	b->freed_on = s;
	b->pool->used -= b->n;
	pthread_mutex_unlock(&pool_mu);
	op *o = new_op(OP_POOL_FREE);
	o->user = b;
	return enqueue(s, o);
}
API hipError_t hipMemPoolTrimTo(fpool *p, size_t keep) {
	ENTER();
	hipError_t r = check_pool(p);
	if (r) return r;
	pthread_mutex_lock(&pool_mu);
	pool_trim(p, keep);
	pthread_mutex_unlock(&pool_mu);
	return hipSuccess;
}
API hipError_t hipMemPoolSetAttribute(fpool *p, int attr, void *v) {
	ENTER();
	hipError_t r = check_pool(p);
	if (r) return r;
	if (v == NULL) return hipErrorInvalidValue;
	pthread_mutex_lock(&pool_mu);
	switch (attr) {
	case 1: case 2: case 3: p->reuse[attr] = *(int *)v != 0; break;
	case 4: p->release = *(unsigned long long *)v; break;
	case 6: case 8:
		if (*(unsigned long long *)v != 0) r = hipErrorInvalidValue;
		else if (attr == 6) p->reserved_high = p->reserved;
		else p->used_high = p->used;
		break;
	default: r = hipErrorInvalidValue;
	}
	pthread_mutex_unlock(&pool_mu);
	return r;
}
API hipError_t hipMemPoolGetAttribute(fpool *p, int attr, void *v) {
	ENTER();
	hipError_t r = check_pool(p);
	if (r) return r;
	if (v == NULL) return hipErrorInvalidValue;
	pthread_mutex_lock(&pool_mu);
	switch (attr) {
	case 1: case 2: case 3: *(int *)v = p->reuse[attr]; break;
	case 4: *(unsigned long long *)v = p->release; break;
	case 5: *(unsigned long long *)v = p->reserved; break;
	case 6: *(unsigned long long *)v = p->reserved_high; break;
	case 7: *(unsigned long long *)v = p->used; break;
	case 8: *(unsigned long long *)v = p->used_high; break;
	default: r = hipErrorInvalidValue;
	}
	pthread_mutex_unlock(&pool_mu);
	return r;
}
API hipError_t hipMemPoolSetAccess(fpool *p, const accessdesc *d, size_t count) {
	ENTER();
	hipError_t r = check_pool(p);
	if (r) return r;
	if (d == NULL && count > 0) return hipErrorInvalidValue;
	for (size_t i = 0; i < count; i++) {
		if (d[i].loc.type != 1 || !valid_device(d[i].loc.id)) return hipErrorInvalidDevice;
		if (d[i].flags != 0 && d[i].flags != 1 && d[i].flags != 3) return hipErrorInvalidValue;
		if (d[i].loc.id == p->dev && d[i].flags != 3) return hipErrorInvalidValue;
	}
	pthread_mutex_lock(&pool_mu);
	for (size_t i = 0; i < count; i++) p->access[d[i].loc.id] = d[i].flags;
	pthread_mutex_unlock(&pool_mu);
	return hipSuccess;
}
API hipError_t hipMemPoolGetAccess(int *flags, fpool *p, const memloc *loc) {
	ENTER();
	hipError_t r = check_pool(p);
	if (r) return r;
	if (flags == NULL || loc == NULL || loc->type != 1 || !valid_device(loc->id)) return hipErrorInvalidValue;
	pthread_mutex_lock(&pool_mu);
	*flags = p->access[loc->id];
	pthread_mutex_unlock(&pool_mu);
	return hipSuccess;
}
