// mockcuda: a test double for libcuda.so.1, used by hal/cuda's tests on
// machines without an NVIDIA GPU. It implements the functions the driver
// resolves with host memory ("device" addresses are host addresses), one
// worker thread per stream (so host functions run on a foreign, non-Go
// thread as with CUDA), events, graphs, and the project's test kernels
// (kernels/ conventions) written in C. Like CUDA, it runs the host functions
// of all streams (cuLaunchHostFunc, graph host nodes) on one host thread, one
// at a time, so a host function that blocks holds every stream's host
// functions. Stream memory operations (cuStreamWaitValue32_v2) poll the word
// from the stream's thread. It checks what the real driver checks that
// matters to us: a current context for every call that needs one, the
// stream's context matching the current one, the layout of graph node
// parameter structs, and parameter buffer sizes. Where the real driver's
// behaviour is easy to get wrong above it, the double copies it: device
// allocations are adjacent and freed addresses are reused at once;
// cuStreamDestroy returns before the stream's work is done;
// cuCtxSynchronize waits for every stream of the context, destroyed ones
// and streams blocked on a memory wait included; a context's host-function
// thread and peer mappings end with the context. Stream-ordered pools
// (cuMemPool*, cuMemAllocAsync, cuMemFreeAsync) follow CUDA's reuse rules
// (see the pool section).
//
// Build: cc -shared -fPIC -O1 -pthread -o libmockcuda.so mockcuda.c
//
// Environment: MOCKCUDA_NO_DEVICE=1 makes cuInit fail with
// CUDA_ERROR_NO_DEVICE; MOCKCUDA_NO_PARAMINFO=1 makes cuFuncGetParamInfo
// report CUDA_ERROR_NOT_SUPPORTED (as a driver before 12.4 would lack it);
// MOCKCUDA_NO_MEMOPS=1 makes cuStreamWaitValue32_v2 report
// CUDA_ERROR_NOT_SUPPORTED (a device that refuses stream memory operations);
// MOCKCUDA_DROP_LAUNCHES=1 makes cuLaunchKernel check its arguments and
// return without running the kernel (for benchmarks of the launch path).

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef int CUresult;
typedef unsigned long long CUdeviceptr;

enum {
	OK = 0,
	E_INVALID_VALUE = 1,
	E_OUT_OF_MEMORY = 2,
	E_NOT_INITIALIZED = 3,
	E_NO_DEVICE = 100,
	E_INVALID_DEVICE = 101,
	E_INVALID_CONTEXT = 201,
	E_INVALID_PTX = 218,
	E_INVALID_HANDLE = 400,
	E_NOT_FOUND = 500,
	E_NOT_READY = 600,
	E_PEER_ALREADY = 704,
	E_PEER_NOT = 705,
	E_HOST_NOT_REGISTERED = 713,
	E_NOT_SUPPORTED = 801,
};

#define NDEV 2

static int initialized;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;

// ---- contexts ----

typedef struct ctx {
	int magic;
	int dev;
	int refs;
	int peer[NDEV];
} ctx_t;

#define CTX_MAGIC 0x43545831
static ctx_t primary[NDEV] = {{CTX_MAGIC, 0, 0, {0}}, {CTX_MAGIC, 1, 0, {0}}};
static __thread ctx_t *current;

#define NEED_CTX() \
	do { \
		if (!initialized) return E_NOT_INITIALIZED; \
		if (current == NULL) return E_INVALID_CONTEXT; \
	} while (0)

// MOCKCUDA_DROP_LAUNCHES=1 (read by cuInit): cuLaunchKernel checks and
// copies its arguments as usual, then drops the launch instead of queueing
// it, so the kernel never runs. It is for benchmarks of the launch path
// above the driver (hal/cuda's BenchmarkLaunchEnqueueStack), which would
// otherwise mostly time the stream threads that each queued launch wakes.
static int drop_launches;

CUresult cuInit(unsigned int flags) {
	if (flags != 0) return E_INVALID_VALUE;
	const char *e = getenv("MOCKCUDA_NO_DEVICE");
	if (e && *e == '1') return E_NO_DEVICE;
	e = getenv("MOCKCUDA_DROP_LAUNCHES");
	drop_launches = e && *e == '1';
	initialized = 1;
	return OK;
}
CUresult cuDriverGetVersion(int *v) { *v = 13000; return OK; }

static const char *errname(CUresult r) {
	switch (r) {
	case 0: return "CUDA_SUCCESS";
	case 1: return "CUDA_ERROR_INVALID_VALUE";
	case 2: return "CUDA_ERROR_OUT_OF_MEMORY";
	case 201: return "CUDA_ERROR_INVALID_CONTEXT";
	case 400: return "CUDA_ERROR_INVALID_HANDLE";
	case 4242: return "CUDA_ERROR_MOCK_FUTURE";
	}
	return NULL;
}
CUresult cuGetErrorName(CUresult r, const char **s) {
	*s = errname(r);
	return *s ? OK : E_INVALID_VALUE;
}
CUresult cuGetErrorString(CUresult r, const char **s) { return cuGetErrorName(r, s); }

CUresult cuDeviceGetCount(int *n) {
	if (!initialized) return E_NOT_INITIALIZED;
	*n = NDEV;
	return OK;
}
CUresult cuDeviceGet(int *d, int ordinal) {
	if (ordinal < 0 || ordinal >= NDEV) return E_INVALID_DEVICE;
	*d = ordinal;
	return OK;
}
CUresult cuDeviceGetName(char *name, int len, int d) {
	if (d < 0 || d >= NDEV) return E_INVALID_DEVICE;
	snprintf(name, (size_t)len, "Mock CUDA Device %d", d);
	return OK;
}
CUresult cuDeviceTotalMem_v2(size_t *b, int d) {
	if (d < 0 || d >= NDEV) return E_INVALID_DEVICE;
	*b = (size_t)80 << 30;
	return OK;
}
CUresult cuDeviceGetUuid_v2(unsigned char *u, int d) {
	for (int i = 0; i < 16; i++) u[i] = (unsigned char)(0xA0 + i + d);
	return OK;
}
CUresult cuDeviceGetAttribute(int *v, int a, int d) {
	if (d < 0 || d >= NDEV) return E_INVALID_DEVICE;
	switch (a) {
	case 1: *v = 1024; return OK;
	case 2: case 3: *v = 1024; return OK;
	case 4: *v = 64; return OK;
	case 5: *v = 2147483647; return OK;
	case 6: case 7: *v = 65535; return OK;
	case 8: *v = 49152; return OK;
	case 9: *v = 65536; return OK;
	case 10: *v = 32; return OK;
	case 11: *v = 2147483647; return OK;
	case 12: *v = 65536; return OK;
	case 14: *v = 512; return OK;
	case 16: *v = 132; return OK;
	case 18: *v = 0; return OK;
	case 19: *v = 1; return OK;
	case 31: *v = 1; return OK;
	case 32: *v = 1; return OK;
	case 33: *v = 0x19 + d; return OK;
	case 34: *v = 0; return OK;
	case 37: *v = 5120; return OK;
	case 38: *v = 52428800; return OK;
	case 39: *v = 2048; return OK;
	case 40: *v = 3; return OK;
	case 41: *v = 1; return OK;
	case 50: *v = 0; return OK;
	case 51: *v = 32; return OK;
	case 75: *v = 9; return OK;
	case 76: *v = 0; return OK;
	case 81: *v = 233472; return OK;
	case 82: *v = 65536; return OK;
	case 83: *v = 1; return OK;
	case 89: *v = 1; return OK;
	case 95: *v = 1; return OK;
	case 97: *v = 232448; return OK;
	case 99: *v = 1; return OK;
	case 106: *v = 32; return OK;
	case 115: *v = 1; return OK;
	case 92: *v = 0; return OK;  // CAN_USE_STREAM_MEM_OPS_V1: legacy memops off, as by default
	case 94: *v = 0; return OK;  // CAN_USE_STREAM_WAIT_VALUE_NOR (legacy)
	case 123: *v = 1; return OK; // CAN_USE_STREAM_WAIT_VALUE_NOR_V2
	}
	// Like a newer driver that retired CLOCK_RATE (13) and
	// MEMORY_CLOCK_RATE (36): unknown attributes are invalid values.
	return E_INVALID_VALUE;
}
CUresult cuDeviceCanAccessPeer(int *v, int d, int p) {
	if (d < 0 || d >= NDEV || p < 0 || p >= NDEV) return E_INVALID_DEVICE;
	*v = d != p;
	return OK;
}
CUresult cuDevicePrimaryCtxRetain(ctx_t **c, int d) {
	if (!initialized) return E_NOT_INITIALIZED;
	if (d < 0 || d >= NDEV) return E_INVALID_DEVICE;
	pthread_mutex_lock(&mu);
	primary[d].refs++;
	pthread_mutex_unlock(&mu);
	*c = &primary[d];
	return OK;
}
CUresult cuDevicePrimaryCtxRelease_v2(int d) {
	if (d < 0 || d >= NDEV) return E_INVALID_DEVICE;
	pthread_mutex_lock(&mu);
	CUresult r = primary[d].refs > 0 ? (primary[d].refs--, OK) : E_INVALID_CONTEXT;
	if (r == OK && primary[d].refs == 0) {
		// The context is destroyed: its peer mappings go with it, and the
		// host thread ends once no context is left.
		for (int i = 0; i < NDEV; i++) {
			primary[d].peer[i] = 0;
			primary[i].peer[d] = 0;
		}
		pthread_cond_broadcast(&cond);
	}
	pthread_mutex_unlock(&mu);
	return r;
}
CUresult cuCtxGetCurrent(ctx_t **c) {
	if (!initialized) return E_NOT_INITIALIZED;
	*c = current;
	return OK;
}
CUresult cuCtxSetCurrent(ctx_t *c) {
	if (!initialized) return E_NOT_INITIALIZED;
	if (c != NULL && c->magic != CTX_MAGIC) return E_INVALID_CONTEXT;
	current = c;
	return OK;
}
CUresult cuCtxGetStreamPriorityRange(int *least, int *greatest) {
	NEED_CTX();
	*least = 0;
	*greatest = -5;
	return OK;
}
CUresult cuCtxEnablePeerAccess(ctx_t *p, unsigned int flags) {
	NEED_CTX();
	if (flags != 0 || p == NULL || p->magic != CTX_MAGIC || p == current) return E_INVALID_VALUE;
	if (current->peer[p->dev]) return E_PEER_ALREADY;
	current->peer[p->dev] = 1;
	return OK;
}
CUresult cuCtxDisablePeerAccess(ctx_t *p) {
	NEED_CTX();
	if (p == NULL || p->magic != CTX_MAGIC) return E_INVALID_VALUE;
	if (!current->peer[p->dev]) return E_PEER_NOT;
	current->peer[p->dev] = 0;
	return OK;
}

// ---- memory ----

typedef struct alloc {
	void *p;
	size_t n;
	int kind; // 1 device, 2 host, 3 managed, 4 registered
	struct alloc *next;
} alloc_t;
static alloc_t *allocs;

static void track(void *p, size_t n, int kind) {
	alloc_t *a = malloc(sizeof *a);
	a->p = p;
	a->n = n;
	a->kind = kind;
	pthread_mutex_lock(&mu);
	a->next = allocs;
	allocs = a;
	pthread_mutex_unlock(&mu);
}
static int untrack_size(void *p, int kind, size_t *n) {
	pthread_mutex_lock(&mu);
	for (alloc_t **pp = &allocs; *pp; pp = &(*pp)->next) {
		if ((*pp)->p == p && (*pp)->kind == kind) {
			alloc_t *a = *pp;
			*pp = a->next;
			pthread_mutex_unlock(&mu);
			if (n) *n = a->n;
			free(a);
			return 1;
		}
	}
	pthread_mutex_unlock(&mu);
	return 0;
}
static int untrack(void *p, int kind) { return untrack_size(p, kind, NULL); }
// covered reports whether [p, p+n) lies in one tracked allocation.
static int covered(CUdeviceptr p, size_t n) {
	int ok = 0;
	pthread_mutex_lock(&mu);
	for (alloc_t *a = allocs; a; a = a->next) {
		CUdeviceptr b = (CUdeviceptr)(uintptr_t)a->p;
		if (p >= b && p + n <= b + a->n) {
			ok = 1;
			break;
		}
	}
	pthread_mutex_unlock(&mu);
	return ok;
}

static void *mock_alloc(size_t n) {
	void *p = malloc(n);
	if (p) memset(p, 0xCD, n);
	return p;
}

// Device memory (cuMemAlloc) is handed out the way CUDA's allocator does
// it: small allocations are carved from 2 MiB chunks, back to back at
// 512-byte granularity, lowest free address first, so consecutive
// allocations are adjacent (a buffer's base is the end of the one before)
// and a freed address goes to the next allocation that fits. Larger ones
// get their own memory. Chunks are never returned.
#define DEV_CHUNK ((size_t)2 << 20)
#define DEV_GRAIN ((size_t)512)
#define DEV_GRAINS (DEV_CHUNK / DEV_GRAIN)
typedef struct dchunk {
	unsigned char *base;
	unsigned char used[DEV_GRAINS];
	struct dchunk *next;
} dchunk_t;
static dchunk_t *dchunks;

static void *dev_alloc(size_t n) {
	size_t k = (n + DEV_GRAIN - 1) / DEV_GRAIN;
	void *p = NULL;
	if (k > DEV_GRAINS / 2) {
		p = aligned_alloc(DEV_CHUNK, (n + DEV_CHUNK - 1) / DEV_CHUNK * DEV_CHUNK);
	} else {
		pthread_mutex_lock(&mu);
		for (dchunk_t **cp = &dchunks;; cp = &(*cp)->next) {
			if (*cp == NULL) {
				dchunk_t *c = calloc(1, sizeof *c);
				if (c == NULL || (c->base = aligned_alloc(DEV_CHUNK, DEV_CHUNK)) == NULL) {
					free(c);
					break;
				}
				*cp = c;
			}
			dchunk_t *c = *cp;
			size_t run = 0;
			for (size_t i = 0; i < DEV_GRAINS; i++) {
				run = c->used[i] ? 0 : run + 1;
				if (run == k) {
					memset(&c->used[i + 1 - k], 1, k);
					p = c->base + (i + 1 - k) * DEV_GRAIN;
					break;
				}
			}
			if (p) break;
		}
		pthread_mutex_unlock(&mu);
	}
	if (p) memset(p, 0xCD, n);
	return p;
}

static void ipc_unshare(void *p);
static void dev_free(void *p, size_t n) {
	size_t k = (n + DEV_GRAIN - 1) / DEV_GRAIN;
	pthread_mutex_lock(&mu);
	for (dchunk_t *c = dchunks; c; c = c->next) {
		if ((unsigned char *)p >= c->base && (unsigned char *)p < c->base + DEV_CHUNK) {
			memset(&c->used[((unsigned char *)p - c->base) / DEV_GRAIN], 0, k);
			pthread_mutex_unlock(&mu);
			return;
		}
	}
	pthread_mutex_unlock(&mu);
	ipc_unshare(p);
	free(p);
}

static int pool_free_sync(void *p);
static void pools_settle(int dev);

CUresult cuMemGetInfo_v2(size_t *f, size_t *t) {
	NEED_CTX();
	*t = (size_t)80 << 30;
	*f = (size_t)79 << 30;
	return OK;
}
CUresult cuMemAlloc_v2(CUdeviceptr *p, size_t n) {
	NEED_CTX();
	if (n == 0) return E_INVALID_VALUE;
	if (n > ((size_t)1 << 36)) return E_OUT_OF_MEMORY;
	void *q = dev_alloc(n);
	if (!q) return E_OUT_OF_MEMORY;
	track(q, n, 1);
	*p = (CUdeviceptr)(uintptr_t)q;
	return OK;
}
CUresult cuMemFree_v2(CUdeviceptr p) {
	NEED_CTX();
	void *q = (void *)(uintptr_t)p;
	size_t n;
	if (untrack_size(q, 1, &n)) {
		dev_free(q, n);
		return OK;
	}
	if (pool_free_sync(q)) return OK;
	if (!untrack(q, 3)) return E_INVALID_VALUE;
	free(q);
	return OK;
}
CUresult cuMemHostAlloc(void **pp, size_t n, unsigned int flags) {
	NEED_CTX();
	if (n == 0 || (flags & ~7u)) return E_INVALID_VALUE;
	if (flags != 3) return E_INVALID_VALUE; // the driver always asks for PORTABLE|DEVICEMAP
	void *q = mock_alloc(n);
	if (!q) return E_OUT_OF_MEMORY;
	track(q, n, 2);
	*pp = q;
	return OK;
}
CUresult cuMemFreeHost(void *p) {
	NEED_CTX();
	if (!untrack(p, 2)) return E_INVALID_VALUE;
	free(p);
	return OK;
}
CUresult cuMemHostGetDevicePointer_v2(CUdeviceptr *d, void *p, unsigned int flags) {
	NEED_CTX();
	if (flags != 0 || !covered((CUdeviceptr)(uintptr_t)p, 1)) return E_INVALID_VALUE;
	*d = (CUdeviceptr)(uintptr_t)p;
	return OK;
}
CUresult cuMemAllocManaged(CUdeviceptr *p, size_t n, unsigned int flags) {
	NEED_CTX();
	if (n == 0 || flags != 1) return E_INVALID_VALUE;
	void *q = mock_alloc(n);
	if (!q) return E_OUT_OF_MEMORY;
	track(q, n, 3);
	*p = (CUdeviceptr)(uintptr_t)q;
	return OK;
}
CUresult cuMemHostRegister_v2(void *p, size_t n, unsigned int flags) {
	NEED_CTX();
	if (p == NULL || n == 0 || flags != 3) return E_INVALID_VALUE;
	track(p, n, 4);
	return OK;
}
CUresult cuMemHostUnregister(void *p) {
	NEED_CTX();
	return untrack(p, 4) ? OK : E_HOST_NOT_REGISTERED;
}
CUresult cuMemcpyHtoD_v2(CUdeviceptr d, const void *s, size_t n) {
	NEED_CTX();
	if (!covered(d, n)) return E_INVALID_VALUE;
	memmove((void *)(uintptr_t)d, s, n);
	return OK;
}
CUresult cuMemcpyDtoH_v2(void *d, CUdeviceptr s, size_t n) {
	NEED_CTX();
	if (!covered(s, n)) return E_INVALID_VALUE;
	memmove(d, (void *)(uintptr_t)s, n);
	return OK;
}

// ---- streams: one worker thread each, running ops in order ----

typedef struct op op_t;
typedef struct stream stream_t;
typedef struct event event_t;

struct event {
	int magic;
	ctx_t *ctx;
	unsigned int flags;
	long long target;   // generation of the latest record
	long long reached;  // generation reached by the stream
	long long ns;       // time the latest record was reached
	// tp and rp point at target and reached, or for an interprocess event
	// at the two words of its shared page (see the IPC section), which
	// other processes update: waits on it poll.
	long long *tp, *rp;
	int shared;
	int shfd;                 // the exporter's memfd of the shared page, -1 in an importer
	unsigned long long token; // the memfd's name
};
static void event_wait_locked(event_t *e, long long gen);
#define EVENT_MAGIC 0x45564e54

enum { OP_COPY, OP_SET, OP_KERNEL, OP_HOST, OP_RECORD, OP_WAIT, OP_GRAPH, OP_WAIT_VALUE, OP_POOL_FREE };

typedef struct kernel_def kernel_def_t;
typedef struct function function_t;

struct op {
	int type;
	op_t *next;
	// copy / set
	CUdeviceptr dst, src;
	size_t n;
	unsigned int value;
	int elem;
	// kernel
	function_t *fn;
	unsigned int grid[3], block[3], shmem;
	unsigned char *args;
	// host
	void (*host)(void *);
	void *user;
	// record / wait
	event_t *event;
	long long gen;
	// wait value: dst is the word, value the operand, elem the flags
	// graph
	struct gexec *exec;
};

struct stream {
	int magic;
	ctx_t *ctx;
	int priority;
	op_t *head, *tail;
	int busy;
	int quit;
	int error;
	pthread_t thread;
	struct stream *next; // in all_streams, destroyed ones included until drained
};
static struct stream *all_streams;
#define STREAM_MAGIC 0x5354524d

static long long now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void run_kernel(function_t *f, const unsigned int *grid, const unsigned int *block, unsigned int shmem, const unsigned char *args);
static void run_graph(struct gexec *e);
static void pool_free_reached(void *block);

// ---- the host-function thread: one for the process, as in CUDA ----

typedef struct hostreq {
	void (*fn)(void *);
	void *user;
	int done;
	struct hostreq *next;
} hostreq_t;
static hostreq_t *hq_head, *hq_tail;
static int host_running;

// retained reports whether a primary context is retained (mu held).
static int retained(void) {
	for (int d = 0; d < NDEV; d++)
		if (primary[d].refs > 0) return 1;
	return 0;
}

// host_thread runs host functions until none is pending and no context is
// retained any more: like CUDA's, which ends with its context, so that a
// process that released its contexts has no thread left that called Go.
static void *host_thread(void *arg) {
	(void)arg;
	pthread_mutex_lock(&mu);
	for (;;) {
		while (hq_head == NULL && retained()) pthread_cond_wait(&cond, &mu);
		if (hq_head == NULL) {
			host_running = 0;
			pthread_mutex_unlock(&mu);
			return NULL;
		}
		hostreq_t *r = hq_head;
		hq_head = r->next;
		if (hq_head == NULL) hq_tail = NULL;
		pthread_mutex_unlock(&mu);
		r->fn(r->user);
		pthread_mutex_lock(&mu);
		r->done = 1;
		pthread_cond_broadcast(&cond);
	}
	return NULL;
}
// run_host hands fn to the host thread (started when there is none) and
// waits until it has returned: the stream does not go on before its host
// function is done, and host functions of all streams run one at a time.
static void run_host(void (*fn)(void *), void *user) {
	hostreq_t r = {fn, user, 0, NULL};
	pthread_mutex_lock(&mu);
	if (!host_running) {
		pthread_t t;
		host_running = 1;
		pthread_create(&t, NULL, host_thread, NULL);
		pthread_detach(t);
	}
	if (hq_tail) hq_tail->next = &r;
	else hq_head = &r;
	hq_tail = &r;
	pthread_cond_broadcast(&cond);
	while (!r.done) pthread_cond_wait(&cond, &mu);
	pthread_mutex_unlock(&mu);
}

// CUstreamWaitValue_flags.
enum { WAIT_GEQ = 0, WAIT_EQ = 1, WAIT_AND = 2, WAIT_NOR = 3 };

static int value_reached(uint32_t v, uint32_t want, int flags) {
	switch (flags) {
	case WAIT_GEQ: return (int32_t)(v - want) >= 0;
	case WAIT_EQ: return v == want;
	case WAIT_AND: return (v & want) != 0;
	case WAIT_NOR: return ~(v | want) != 0;
	}
	return 1;
}

// wait_value polls the word as the GPU's front end does, from the
// stream's own thread.
static void wait_value(const op_t *o) {
	const uint32_t *p = (const uint32_t *)(uintptr_t)o->dst;
	while (!value_reached(__atomic_load_n(p, __ATOMIC_ACQUIRE), o->value, o->elem)) {
		struct timespec ts = {0, 20000};
		nanosleep(&ts, NULL);
	}
}

static void run_op(op_t *o) {
	switch (o->type) {
	case OP_COPY:
		memmove((void *)(uintptr_t)o->dst, (void *)(uintptr_t)o->src, o->n);
		break;
	case OP_SET:
		for (size_t i = 0; i < o->n; i++) {
			unsigned char *p = (unsigned char *)(uintptr_t)o->dst + i * (size_t)o->elem;
			memcpy(p, &o->value, (size_t)o->elem); // little-endian
		}
		break;
	case OP_KERNEL:
		run_kernel(o->fn, o->grid, o->block, o->shmem, o->args);
		break;
	case OP_HOST:
		run_host(o->host, o->user);
		break;
	case OP_WAIT_VALUE:
		wait_value(o);
		break;
	case OP_RECORD:
		pthread_mutex_lock(&mu);
		if (o->gen > *o->event->rp) {
			__atomic_store_n(o->event->rp, o->gen, __ATOMIC_RELEASE);
			o->event->ns = now_ns();
		}
		pthread_cond_broadcast(&cond);
		pthread_mutex_unlock(&mu);
		break;
	case OP_WAIT:
		pthread_mutex_lock(&mu);
		event_wait_locked(o->event, o->gen);
		pthread_mutex_unlock(&mu);
		break;
	case OP_GRAPH:
		run_graph(o->exec);
		break;
	case OP_POOL_FREE:
		pool_free_reached(o->user);
		break;
	}
}

static void *worker(void *arg) {
	stream_t *s = arg;
	pthread_mutex_lock(&mu);
	for (;;) {
		while (s->head == NULL && !s->quit) pthread_cond_wait(&cond, &mu);
		if (s->head == NULL && s->quit) break;
		op_t *o = s->head;
		s->head = o->next;
		if (s->head == NULL) s->tail = NULL;
		s->busy = 1;
		pthread_mutex_unlock(&mu);
		run_op(o);
		free(o->args);
		free(o);
		pthread_mutex_lock(&mu);
		s->busy = 0;
		pthread_cond_broadcast(&cond);
	}
	for (stream_t **pp = &all_streams; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&mu);
	// A destroyed stream is freed by its thread once its work is done.
	free(s);
	return NULL;
}

static CUresult check_stream(stream_t *s) {
	if (s == NULL || s->magic != STREAM_MAGIC) return E_INVALID_HANDLE;
	if (s->ctx != current) return E_INVALID_CONTEXT;
	return OK;
}

static void enqueue(stream_t *s, op_t *o) {
	pthread_mutex_lock(&mu);
	o->next = NULL;
	if (s->tail) s->tail->next = o;
	else s->head = o;
	s->tail = o;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&mu);
}

static op_t *new_op(int type) {
	op_t *o = calloc(1, sizeof *o);
	o->type = type;
	return o;
}

CUresult cuStreamCreateWithPriority(stream_t **ps, unsigned int flags, int priority) {
	NEED_CTX();
	if (flags != 1) return E_INVALID_VALUE; // the driver always asks for NON_BLOCKING
	stream_t *s = calloc(1, sizeof *s);
	s->magic = STREAM_MAGIC;
	s->ctx = current;
	s->priority = priority < -5 ? -5 : priority > 0 ? 0 : priority;
	pthread_mutex_lock(&mu);
	s->next = all_streams;
	all_streams = s;
	pthread_mutex_unlock(&mu);
	pthread_create(&s->thread, NULL, worker, s);
	*ps = s;
	return OK;
}
CUresult cuStreamDestroy_v2(stream_t *s) {
	NEED_CTX();
	CUresult r = check_stream(s);
	if (r) return r;
	// Like CUDA, return at once: work already enqueued still completes
	// (the stream's thread drains it, then frees the stream).
	pthread_mutex_lock(&mu);
	s->quit = 1;
	s->magic = 0;
	pthread_detach(s->thread);
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&mu);
	return OK;
}
CUresult cuStreamSynchronize(stream_t *s) {
	NEED_CTX();
	// The NULL stream: this mock's synchronous copies are done when they
	// return, and its streams are all non-blocking, so there is nothing to
	// wait for.
	if (s == NULL) return OK;
	CUresult r = check_stream(s);
	if (r) return r;
	pthread_mutex_lock(&mu);
	while (s->head != NULL || s->busy) pthread_cond_wait(&cond, &mu);
	pools_settle(current->dev);
	pthread_mutex_unlock(&mu);
	return OK;
}
CUresult cuStreamQuery(stream_t *s) {
	NEED_CTX();
	CUresult r = check_stream(s);
	if (r) return r;
	pthread_mutex_lock(&mu);
	r = (s->head != NULL || s->busy) ? E_NOT_READY : OK;
	pthread_mutex_unlock(&mu);
	return r;
}
// ctx_busy reports whether a stream of c, destroyed or not, has work left
// (mu held).
static int ctx_busy(const ctx_t *c) {
	for (stream_t *s = all_streams; s; s = s->next)
		if (s->ctx == c && (s->head != NULL || s->busy)) return 1;
	return 0;
}

// cuCtxSynchronize waits, as CUDA's does, for all work of every stream of
// the context: kernels, host functions, waits on memory (a stream blocked
// in cuStreamWaitValue32 blocks it too), and the work of destroyed streams
// still draining.
CUresult cuCtxSynchronize(void) {
	NEED_CTX();
	pthread_mutex_lock(&mu);
	while (ctx_busy(current)) pthread_cond_wait(&cond, &mu);
	pools_settle(current->dev);
	pthread_mutex_unlock(&mu);
	return OK;
}

static CUresult check_event(event_t *e) {
	return e != NULL && e->magic == EVENT_MAGIC ? OK : E_INVALID_HANDLE;
}

CUresult cuStreamWaitEvent(stream_t *s, event_t *e, unsigned int flags) {
	NEED_CTX();
	CUresult r = check_stream(s);
	if (r) return r;
	if ((r = check_event(e))) return r;
	if (flags != 0) return E_INVALID_VALUE;
	op_t *o = new_op(OP_WAIT);
	o->event = e;
	pthread_mutex_lock(&mu);
	o->gen = __atomic_load_n(e->tp, __ATOMIC_ACQUIRE);
	pthread_mutex_unlock(&mu);
	enqueue(s, o);
	return OK;
}
CUresult cuLaunchHostFunc(stream_t *s, void (*fn)(void *), void *user) {
	NEED_CTX();
	CUresult r = check_stream(s);
	if (r) return r;
	if (fn == NULL) return E_INVALID_VALUE;
	op_t *o = new_op(OP_HOST);
	o->host = fn;
	o->user = user;
	enqueue(s, o);
	return OK;
}
// cuStreamWaitValue32_v2: later work of the stream waits until the 32-bit
// word at addr (device-mapped host memory here) satisfies the condition.
CUresult cuStreamWaitValue32_v2(stream_t *s, CUdeviceptr addr, uint32_t value, unsigned int flags) {
	NEED_CTX();
	CUresult r = check_stream(s);
	if (r) return r;
	const char *e = getenv("MOCKCUDA_NO_MEMOPS");
	if (e && *e == '1') return E_NOT_SUPPORTED;
	if (flags > WAIT_NOR || addr % 4 != 0 || !covered(addr, 4)) return E_INVALID_VALUE;
	op_t *o = new_op(OP_WAIT_VALUE);
	o->dst = addr;
	o->value = value;
	o->elem = (int)flags;
	enqueue(s, o);
	return OK;
}
CUresult cuMemcpyAsync(CUdeviceptr d, CUdeviceptr src, size_t n, stream_t *s) {
	NEED_CTX();
	CUresult r = check_stream(s);
	if (r) return r;
	if (!covered(d, n) || !covered(src, n)) return E_INVALID_VALUE;
	op_t *o = new_op(OP_COPY);
	o->dst = d;
	o->src = src;
	o->n = n;
	enqueue(s, o);
	return OK;
}
CUresult cuMemcpyPeerAsync(CUdeviceptr d, ctx_t *dc, CUdeviceptr src, ctx_t *sc, size_t n, stream_t *s) {
	if (dc == NULL || sc == NULL || dc->magic != CTX_MAGIC || sc->magic != CTX_MAGIC) return E_INVALID_CONTEXT;
	return cuMemcpyAsync(d, src, n, s);
}
static CUresult memset_async(CUdeviceptr d, unsigned int v, int elem, size_t n, stream_t *s) {
	NEED_CTX();
	CUresult r = check_stream(s);
	if (r) return r;
	if (!covered(d, n * (size_t)elem)) return E_INVALID_VALUE;
	op_t *o = new_op(OP_SET);
	o->dst = d;
	o->value = v;
	o->elem = elem;
	o->n = n;
	enqueue(s, o);
	return OK;
}
CUresult cuMemsetD8Async(CUdeviceptr d, unsigned char v, size_t n, stream_t *s) { return memset_async(d, v, 1, n, s); }
CUresult cuMemsetD16Async(CUdeviceptr d, unsigned short v, size_t n, stream_t *s) { return memset_async(d, v, 2, n, s); }
CUresult cuMemsetD32Async(CUdeviceptr d, unsigned int v, size_t n, stream_t *s) { return memset_async(d, v, 4, n, s); }

// ---- events ----

// event_wait_locked waits (mu held) until e has reached gen. A shared
// event is updated by other processes, which do not signal our cond: poll.
static void event_wait_locked(event_t *e, long long gen) {
	while (__atomic_load_n(e->rp, __ATOMIC_ACQUIRE) < gen) {
		if (e->shared) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 200000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&cond, &mu, &ts);
		} else {
			pthread_cond_wait(&cond, &mu);
		}
	}
}
static CUresult ipc_event_share(event_t *e);

CUresult cuEventCreate(event_t **pe, unsigned int flags) {
	NEED_CTX();
	if (flags & ~7u) return E_INVALID_VALUE;
	event_t *e = calloc(1, sizeof *e);
	e->magic = EVENT_MAGIC;
	e->ctx = current;
	e->flags = flags;
	e->tp = &e->target;
	e->rp = &e->reached;
	if (flags & 4) {
		if (!(flags & 2)) {
			free(e);
			return E_INVALID_VALUE; // CU_EVENT_INTERPROCESS needs CU_EVENT_DISABLE_TIMING
		}
		CUresult r = ipc_event_share(e);
		if (r) {
			free(e);
			return r;
		}
	}
	*pe = e;
	return OK;
}
CUresult cuEventDestroy_v2(event_t *e) {
	NEED_CTX();
	CUresult r = check_event(e);
	if (r) return r;
	e->magic = 0; // leaked on purpose: an op in flight may still point at it
	return OK;
}
static void record_op(event_t *e, stream_t *s) {
	op_t *o = new_op(OP_RECORD);
	o->event = e;
	pthread_mutex_lock(&mu);
	o->gen = __atomic_add_fetch(e->tp, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&mu);
	enqueue(s, o);
}
CUresult cuEventRecord(event_t *e, stream_t *s) {
	NEED_CTX();
	CUresult r = check_event(e);
	if (r) return r;
	if ((r = check_stream(s))) return r;
	if (e->ctx != s->ctx) return E_INVALID_HANDLE;
	record_op(e, s);
	return OK;
}
CUresult cuEventQuery(event_t *e) {
	NEED_CTX();
	CUresult r = check_event(e);
	if (r) return r;
	pthread_mutex_lock(&mu);
	r = __atomic_load_n(e->rp, __ATOMIC_ACQUIRE) >= __atomic_load_n(e->tp, __ATOMIC_ACQUIRE) ? OK : E_NOT_READY;
	pthread_mutex_unlock(&mu);
	return r;
}
CUresult cuEventSynchronize(event_t *e) {
	NEED_CTX();
	CUresult r = check_event(e);
	if (r) return r;
	pthread_mutex_lock(&mu);
	event_wait_locked(e, __atomic_load_n(e->tp, __ATOMIC_ACQUIRE));
	pools_settle(current->dev);
	pthread_mutex_unlock(&mu);
	return OK;
}
CUresult cuEventElapsedTime(float *ms, event_t *a, event_t *b) {
	NEED_CTX();
	CUresult r;
	if ((r = check_event(a)) || (r = check_event(b))) return r;
	if ((a->flags & 2) || (b->flags & 2)) return E_INVALID_HANDLE;
	pthread_mutex_lock(&mu);
	if (*a->tp == 0 || *b->tp == 0) r = E_INVALID_HANDLE;
	else if (*a->rp < *a->tp || *b->rp < *b->tp) r = E_NOT_READY;
	else *ms = (float)((double)(b->ns - a->ns) / 1e6);
	pthread_mutex_unlock(&mu);
	return r;
}


// ---- stream-ordered memory pools (cuMemPool*, cuMemAllocAsync) ----
//
// Each block of a pool is its own device allocation (dev_alloc, tracked
// as kind 5 so copies may use it). A block freed with cuMemFreeAsync is
// reused at once by later allocations on the freeing stream, by other
// streams once the free is reached (with REUSE_ALLOW_OPPORTUNISTIC), and
// goes back to the device when the pool is trimmed, at synchronization
// points above the release threshold, or when its destroyed pool's last
// use ends. Attribute value types are CUDA's: int for the reuse policies,
// cuuint64_t for the rest.

enum {
	POOL_REUSE_FOLLOW = 1, POOL_REUSE_OPPORTUNISTIC = 2, POOL_REUSE_INTERNAL = 3,
	POOL_RELEASE_THRESHOLD = 4, POOL_RESERVED_CUR = 5, POOL_RESERVED_HIGH = 6,
	POOL_USED_CUR = 7, POOL_USED_HIGH = 8,
};

typedef struct pblock {
	void *p;
	size_t n;
	int in_use;
	int done; // the free was reached (or was synchronous)
	stream_t *freed_on;
	struct pool *pool;
	struct pblock *next;
} pblock_t;

typedef struct pool {
	int magic;
	int dev;
	int deflt;
	int destroyed;
	int reuse[4];
	unsigned long long release, reserved, reserved_high, used, used_high;
	int access[NDEV];
	pblock_t *blocks;
	struct pool *next;
} pool_t;
#define POOL_MAGIC 0x504f4f4c

// CUmemLocation, CUmemAccessDesc, CUmemPoolProps (88 bytes).
typedef struct { int type, id; } memloc_t;
typedef struct { memloc_t loc; int flags; } accessdesc_t;
typedef struct {
	int allocType, handleTypes;
	memloc_t loc;
	void *win32;
	size_t maxSize;
	unsigned short usage;
	unsigned char reserved[54];
} poolprops_t;
_Static_assert(sizeof(poolprops_t) == 88, "CUmemPoolProps is 88 bytes");

static pool_t *all_pools;
static pool_t default_pools[NDEV];
static pool_t *current_pool[NDEV];

static void pool_init(pool_t *p, int dev, int deflt) {
	memset(p, 0, sizeof *p);
	p->magic = POOL_MAGIC;
	p->dev = dev;
	p->deflt = deflt;
	p->reuse[POOL_REUSE_FOLLOW] = p->reuse[POOL_REUSE_OPPORTUNISTIC] = p->reuse[POOL_REUSE_INTERNAL] = 1;
	p->access[dev] = 3;
	p->next = all_pools;
	all_pools = p;
}

// default_pool returns device d's default pool (mu held).
static pool_t *default_pool(int d) {
	if (default_pools[d].magic != POOL_MAGIC) pool_init(&default_pools[d], d, 1);
	return &default_pools[d];
}

static CUresult check_pool(pool_t *p) {
	return p != NULL && p->magic == POOL_MAGIC && !p->destroyed ? OK : E_INVALID_VALUE;
}

static void block_release(pblock_t *b) {
	b->pool->reserved -= b->n;
	pthread_mutex_unlock(&mu);
	untrack(b->p, 5);
	dev_free(b->p, b->n);
	pthread_mutex_lock(&mu);
	free(b);
}

// pool_trim frees reached cached blocks, largest first, until the pool
// holds at most keep bytes (mu held).
static void pool_trim(pool_t *p, unsigned long long keep) {
	while (p->reserved > keep) {
		pblock_t **best = NULL;
		for (pblock_t **bp = &p->blocks; *bp; bp = &(*bp)->next)
			if (!(*bp)->in_use && (*bp)->done && (best == NULL || (*bp)->n > (*best)->n)) best = bp;
		if (best == NULL) return;
		pblock_t *b = *best;
		*best = b->next;
		block_release(b);
	}
}

// pools_settle applies the release thresholds of device dev's pools at a
// synchronization point (mu held).
static void pools_settle(int dev) {
	for (pool_t *p = all_pools; p; p = p->next)
		if (p->dev == dev && p->reserved > p->release) pool_trim(p, p->release);
}

static CUresult pool_alloc(CUdeviceptr *out, size_t n, pool_t *p, stream_t *s) {
	if (out == NULL || n == 0) return E_INVALID_VALUE;
	if (n > ((size_t)1 << 36)) return E_OUT_OF_MEMORY;
	size_t size = (n + DEV_GRAIN - 1) / DEV_GRAIN * DEV_GRAIN;
	pthread_mutex_lock(&mu);
	pblock_t *best = NULL;
	for (pblock_t *b = p->blocks; b; b = b->next) {
		if (b->in_use || b->n < size || b->n > 2 * size) continue;
		if (!(b->freed_on == s || b->freed_on == NULL || (p->reuse[POOL_REUSE_OPPORTUNISTIC] && b->done))) continue;
		if (best == NULL || b->n < best->n) best = b;
	}
	if (best == NULL) {
		pthread_mutex_unlock(&mu);
		void *q = dev_alloc(size);
		if (q == NULL) return E_OUT_OF_MEMORY;
		track(q, size, 5);
		pthread_mutex_lock(&mu);
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
	*out = (CUdeviceptr)(uintptr_t)best->p;
	pthread_mutex_unlock(&mu);
	return OK;
}

// find_block returns the in-use block at p (mu held).
static pblock_t *find_block(void *p) {
	for (pool_t *pl = all_pools; pl; pl = pl->next)
		for (pblock_t *b = pl->blocks; b; b = b->next)
			if (b->p == p && b->in_use) return b;
	return NULL;
}

// pool_free_reached runs when a cuMemFreeAsync is reached by its stream.
static void pool_free_reached(void *arg) {
	pblock_t *b = arg;
	pthread_mutex_lock(&mu);
	b->done = 1;
	if (b->pool->destroyed) {
		for (pblock_t **bp = &b->pool->blocks; *bp; bp = &(*bp)->next) {
			if (*bp == b) {
				*bp = b->next;
				break;
			}
		}
		block_release(b);
	}
	pthread_mutex_unlock(&mu);
}

// pool_free_sync is cuMemFree of pool memory: it reports whether p was
// such memory.
static int pool_free_sync(void *p) {
	pthread_mutex_lock(&mu);
	pblock_t *b = find_block(p);
	if (b == NULL) {
		pthread_mutex_unlock(&mu);
		return 0;
	}
	b->in_use = 0;
	b->freed_on = NULL;
	b->pool->used -= b->n;
	pthread_mutex_unlock(&mu);
	pool_free_reached(b);
	return 1;
}

CUresult cuDeviceGetDefaultMemPool(pool_t **out, int d) {
	if (!initialized) return E_NOT_INITIALIZED;
	if (d < 0 || d >= NDEV) return E_INVALID_DEVICE;
	if (out == NULL) return E_INVALID_VALUE;
	pthread_mutex_lock(&mu);
	*out = default_pool(d);
	pthread_mutex_unlock(&mu);
	return OK;
}
CUresult cuDeviceGetMemPool(pool_t **out, int d) {
	if (!initialized) return E_NOT_INITIALIZED;
	if (d < 0 || d >= NDEV) return E_INVALID_DEVICE;
	if (out == NULL) return E_INVALID_VALUE;
	pthread_mutex_lock(&mu);
	*out = current_pool[d] ? current_pool[d] : default_pool(d);
	pthread_mutex_unlock(&mu);
	return OK;
}
CUresult cuDeviceSetMemPool(int d, pool_t *p) {
	if (!initialized) return E_NOT_INITIALIZED;
	if (d < 0 || d >= NDEV) return E_INVALID_DEVICE;
	CUresult r = check_pool(p);
	if (r) return r;
	if (p->dev != d) return E_INVALID_VALUE;
	pthread_mutex_lock(&mu);
	current_pool[d] = p;
	pthread_mutex_unlock(&mu);
	return OK;
}
CUresult cuMemPoolCreate(pool_t **out, const poolprops_t *props) {
	if (!initialized) return E_NOT_INITIALIZED;
	if (out == NULL || props == NULL) return E_INVALID_VALUE;
	if (props->allocType != 1 || props->loc.type != 1) return E_INVALID_VALUE;
	if (props->loc.id < 0 || props->loc.id >= NDEV) return E_INVALID_DEVICE;
	if (props->handleTypes != 0) return E_NOT_SUPPORTED;
	for (size_t i = 0; i < sizeof props->reserved; i++)
		if (props->reserved[i]) return E_INVALID_VALUE;
	pool_t *p = malloc(sizeof *p);
	pthread_mutex_lock(&mu);
	pool_init(p, props->loc.id, 0);
	pthread_mutex_unlock(&mu);
	*out = p;
	return OK;
}
// cuMemPoolDestroy returns at once; blocks still in use or whose frees
// are pending go back to the device when their frees are reached.
CUresult cuMemPoolDestroy(pool_t *p) {
	CUresult r = check_pool(p);
	if (r) return r;
	if (p->deflt) return E_INVALID_VALUE;
	pthread_mutex_lock(&mu);
	p->destroyed = 1;
	if (current_pool[p->dev] == p) current_pool[p->dev] = NULL;
	for (pblock_t **bp = &p->blocks; *bp;) {
		pblock_t *b = *bp;
		if (!b->in_use && b->done) {
			*bp = b->next;
			block_release(b);
		} else {
			bp = &b->next;
		}
	}
	pthread_mutex_unlock(&mu);
	return OK;
}
CUresult cuMemAllocFromPoolAsync(CUdeviceptr *out, size_t n, pool_t *p, stream_t *s) {
	NEED_CTX();
	CUresult r = check_stream(s);
	if (r || (r = check_pool(p))) return r;
	if (p->access[current->dev] == 0) return E_INVALID_VALUE;
	return pool_alloc(out, n, p, s);
}
CUresult cuMemAllocAsync(CUdeviceptr *out, size_t n, stream_t *s) {
	NEED_CTX();
	CUresult r = check_stream(s);
	if (r) return r;
	pthread_mutex_lock(&mu);
	pool_t *p = current_pool[current->dev] ? current_pool[current->dev] : default_pool(current->dev);
	pthread_mutex_unlock(&mu);
	return pool_alloc(out, n, p, s);
}
CUresult cuMemFreeAsync(CUdeviceptr dptr, stream_t *s) {
	NEED_CTX();
	CUresult r = check_stream(s);
	if (r) return r;
	pthread_mutex_lock(&mu);
	pblock_t *b = find_block((void *)(uintptr_t)dptr);
	if (b == NULL) {
		pthread_mutex_unlock(&mu);
		return E_INVALID_VALUE;
	}
	b->in_use = 0;
	b->done = 0;
	b->freed_on = s;
	b->pool->used -= b->n;
	pthread_mutex_unlock(&mu);
	op_t *o = new_op(OP_POOL_FREE);
	o->user = b;
	enqueue(s, o);
	return OK;
}
CUresult cuMemPoolTrimTo(pool_t *p, size_t keep) {
	CUresult r = check_pool(p);
	if (r) return r;
	pthread_mutex_lock(&mu);
	pool_trim(p, keep);
	pthread_mutex_unlock(&mu);
	return OK;
}
CUresult cuMemPoolSetAttribute(pool_t *p, int attr, void *v) {
	CUresult r = check_pool(p);
	if (r) return r;
	if (v == NULL) return E_INVALID_VALUE;
	pthread_mutex_lock(&mu);
	switch (attr) {
	case POOL_REUSE_FOLLOW: case POOL_REUSE_OPPORTUNISTIC: case POOL_REUSE_INTERNAL:
		p->reuse[attr] = *(int *)v != 0;
		break;
	case POOL_RELEASE_THRESHOLD:
		p->release = *(unsigned long long *)v;
		break;
	case POOL_RESERVED_HIGH: case POOL_USED_HIGH:
		if (*(unsigned long long *)v != 0) r = E_INVALID_VALUE;
		else if (attr == POOL_RESERVED_HIGH) p->reserved_high = p->reserved;
		else p->used_high = p->used;
		break;
	default:
		r = E_INVALID_VALUE;
	}
	pthread_mutex_unlock(&mu);
	return r;
}
CUresult cuMemPoolGetAttribute(pool_t *p, int attr, void *v) {
	CUresult r = check_pool(p);
	if (r) return r;
	if (v == NULL) return E_INVALID_VALUE;
	pthread_mutex_lock(&mu);
	switch (attr) {
	case POOL_REUSE_FOLLOW: case POOL_REUSE_OPPORTUNISTIC: case POOL_REUSE_INTERNAL:
		*(int *)v = p->reuse[attr];
		break;
	case POOL_RELEASE_THRESHOLD: *(unsigned long long *)v = p->release; break;
	case POOL_RESERVED_CUR: *(unsigned long long *)v = p->reserved; break;
	case POOL_RESERVED_HIGH: *(unsigned long long *)v = p->reserved_high; break;
	case POOL_USED_CUR: *(unsigned long long *)v = p->used; break;
	case POOL_USED_HIGH: *(unsigned long long *)v = p->used_high; break;
	default: r = E_INVALID_VALUE;
	}
	pthread_mutex_unlock(&mu);
	return r;
}
CUresult cuMemPoolSetAccess(pool_t *p, const accessdesc_t *map, size_t count) {
	CUresult r = check_pool(p);
	if (r) return r;
	if (map == NULL && count > 0) return E_INVALID_VALUE;
	for (size_t i = 0; i < count; i++) {
		const accessdesc_t *a = &map[i];
		if (a->loc.type != 1 || a->loc.id < 0 || a->loc.id >= NDEV) return E_INVALID_DEVICE;
		if (a->flags != 0 && a->flags != 1 && a->flags != 3) return E_INVALID_VALUE;
		if (a->loc.id == p->dev && a->flags != 3) return E_INVALID_VALUE;
	}
	pthread_mutex_lock(&mu);
	for (size_t i = 0; i < count; i++) p->access[map[i].loc.id] = map[i].flags;
	pthread_mutex_unlock(&mu);
	return OK;
}
CUresult cuMemPoolGetAccess(int *flags, pool_t *p, const memloc_t *loc) {
	CUresult r = check_pool(p);
	if (r) return r;
	if (flags == NULL || loc == NULL || loc->type != 1 || loc->id < 0 || loc->id >= NDEV) return E_INVALID_VALUE;
	pthread_mutex_lock(&mu);
	*flags = p->access[loc->id];
	pthread_mutex_unlock(&mu);
	return OK;
}

// ---- modules and the test kernels ----

struct kernel_def {
	const char *name;
	int nparams;
	unsigned int off[8], size[8];
};

static const kernel_def_t defs[] = {
	{"vector_add", 4, {0, 8, 16, 24}, {8, 8, 8, 4}},
	{"vector_add_scaled", 6, {0, 8, 16, 24, 28, 32}, {8, 8, 8, 4, 4, 4}},
	{"saxpy", 4, {0, 4, 8, 16}, {4, 4, 8, 8}},
	{"matrix_multiply", 6, {0, 8, 16, 24, 28, 32}, {8, 8, 8, 4, 4, 4}},
	{"reduce_sum", 3, {0, 8, 16}, {8, 8, 4}},
	{"empty", 0, {0}, {0}},
	{"scale_by_global", 3, {0, 8, 16}, {8, 8, 4}},
	{"args_probe", 8, {0, 2, 4, 8, 16, 24, 32, 40}, {1, 2, 4, 8, 4, 8, 8, 8}},
	{"spin_forever", 2, {0, 8}, {8, 8}},
};
#define NDEFS (int)(sizeof defs / sizeof defs[0])

static unsigned int arg_size(const kernel_def_t *k) {
	return k->nparams ? k->off[k->nparams - 1] + k->size[k->nparams - 1] : 0;
}

typedef struct module {
	int magic;
	ctx_t *ctx;
	float *global_scale; // module global "global_scale", 2.0
	function_t *fns;
	int nfns;
} module_t;
#define MODULE_MAGIC 0x4d4f444c

struct function {
	int magic;
	module_t *mod;
	const kernel_def_t *def;
};
#define FUNCTION_MAGIC 0x46554e43

static int has_entry(const char *img, const char *name) {
	size_t n = strlen(name);
	for (const char *p = strstr(img, ".entry"); p; p = strstr(p + 1, ".entry")) {
		const char *q = p + 6;
		while (*q == ' ' || *q == '\t') q++;
		if (strncmp(q, name, n) == 0 && (q[n] == '(' || q[n] == ' ' || q[n] == '\n' || q[n] == '\r' || q[n] == '\t'))
			return 1;
	}
	return 0;
}

static CUresult load(module_t **pm, const char *img, char *errlog, size_t errsize) {
	NEED_CTX();
	if (img == NULL) return E_INVALID_VALUE;
	int depth = 0, blocks = 0;
	for (const char *c = img; *c; c++) {
		if (*c == '{') depth++, blocks++;
		if (*c == '}' && --depth < 0) break;
	}
	if (strstr(img, ".version") == NULL || strstr(img, "SYNTAX ERROR") != NULL || depth != 0 || blocks == 0) {
		if (errlog && errsize) snprintf(errlog, errsize, "ptxas application ptx input, line 1; fatal   : mock: Parsing error near 'SYNTAX ERROR'");
		return E_INVALID_PTX;
	}
	module_t *m = calloc(1, sizeof *m);
	m->magic = MODULE_MAGIC;
	m->ctx = current;
	m->fns = calloc(NDEFS, sizeof(function_t));
	for (int i = 0; i < NDEFS; i++) {
		if (has_entry(img, defs[i].name)) {
			function_t *f = &m->fns[m->nfns++];
			f->magic = FUNCTION_MAGIC;
			f->mod = m;
			f->def = &defs[i];
		}
	}
	if (strstr(img, "global_scale")) {
		m->global_scale = malloc(sizeof(float));
		*m->global_scale = 2.0f;
		track(m->global_scale, sizeof(float), 1);
	}
	*pm = m;
	return OK;
}
CUresult cuModuleLoadData(module_t **pm, const void *img) { return load(pm, img, NULL, 0); }
CUresult cuModuleLoadDataEx(module_t **pm, const void *img, unsigned int n, int *opts, void **vals) {
	char *errlog = NULL;
	size_t errsize = 0;
	for (unsigned int i = 0; i < n; i++) {
		if (opts[i] == 5) errlog = vals[i];
		if (opts[i] == 6) errsize = (size_t)(uintptr_t)vals[i];
		if (opts[i] == 3 && vals[i]) ((char *)vals[i])[0] = 0;
	}
	return load(pm, img, errlog, errsize);
}
static CUresult check_module(module_t *m) {
	return m != NULL && m->magic == MODULE_MAGIC ? OK : E_INVALID_HANDLE;
}
CUresult cuModuleUnload(module_t *m) {
	NEED_CTX();
	CUresult r = check_module(m);
	if (r) return r;
	m->magic = 0;
	return OK;
}
CUresult cuModuleGetFunction(function_t **f, module_t *m, const char *name) {
	NEED_CTX();
	CUresult r = check_module(m);
	if (r) return r;
	for (int i = 0; i < m->nfns; i++) {
		if (strcmp(m->fns[i].def->name, name) == 0) {
			*f = &m->fns[i];
			return OK;
		}
	}
	return E_NOT_FOUND;
}
CUresult cuModuleGetGlobal_v2(CUdeviceptr *p, size_t *n, module_t *m, const char *name) {
	NEED_CTX();
	CUresult r = check_module(m);
	if (r) return r;
	if (m->global_scale && strcmp(name, "global_scale") == 0) {
		if (p) *p = (CUdeviceptr)(uintptr_t)m->global_scale;
		if (n) *n = sizeof(float);
		return OK;
	}
	return E_NOT_FOUND;
}
CUresult cuModuleGetFunctionCount(unsigned int *n, module_t *m) {
	NEED_CTX();
	CUresult r = check_module(m);
	if (r) return r;
	*n = (unsigned int)m->nfns;
	return OK;
}
CUresult cuModuleEnumerateFunctions(function_t **fns, unsigned int n, module_t *m) {
	NEED_CTX();
	CUresult r = check_module(m);
	if (r) return r;
	for (unsigned int i = 0; i < n && (int)i < m->nfns; i++) fns[i] = &m->fns[i];
	return OK;
}
static CUresult check_function(function_t *f) {
	return f != NULL && f->magic == FUNCTION_MAGIC && f->mod->magic == MODULE_MAGIC ? OK : E_INVALID_HANDLE;
}
CUresult cuFuncGetName(const char **name, function_t *f) {
	CUresult r = check_function(f);
	if (r) return r;
	*name = f->def->name;
	return OK;
}
CUresult cuFuncGetParamInfo(function_t *f, size_t i, size_t *off, size_t *size) {
	const char *e = getenv("MOCKCUDA_NO_PARAMINFO");
	if (e && *e == '1') return E_NOT_SUPPORTED;
	CUresult r = check_function(f);
	if (r) return r;
	if (i >= (size_t)f->def->nparams) return E_INVALID_VALUE;
	*off = f->def->off[i];
	*size = f->def->size[i];
	return OK;
}
CUresult cuFuncGetAttribute(int *v, int a, function_t *f) {
	NEED_CTX();
	CUresult r = check_function(f);
	if (r) return r;
	switch (a) {
	case 0: *v = 1024; return OK;
	case 1: *v = strcmp(f->def->name, "matrix_multiply") == 0 ? 2048 : 0; return OK;
	case 2: case 3: *v = 0; return OK;
	case 4: *v = 16; return OK;
	case 5: *v = 78; return OK;
	case 6: *v = 90; return OK;
	case 8: *v = 48 * 1024; return OK;
	}
	return E_INVALID_VALUE;
}

static float rdf(const unsigned char *a, unsigned int off) { float v; memcpy(&v, a + off, 4); return v; }
static uint32_t rdu32(const unsigned char *a, unsigned int off) { uint32_t v; memcpy(&v, a + off, 4); return v; }
static uint64_t rdu64(const unsigned char *a, unsigned int off) { uint64_t v; memcpy(&v, a + off, 8); return v; }
#define PTR(T, a, off) ((T *)(uintptr_t)rdu64(a, off))

// run_kernel executes one launch block by block, thread by thread (the
// kernels here need no intra-block synchronisation except reduce_sum and
// matrix_multiply, which are written per block).
static void run_kernel(function_t *f, const unsigned int *grid, const unsigned int *block, unsigned int shmem, const unsigned char *a) {
	const char *name = f->def->name;
	unsigned long long nb = (unsigned long long)grid[0] * grid[1] * grid[2];
	unsigned long long bt = (unsigned long long)block[0] * block[1] * block[2];
	if (strcmp(name, "spin_forever") == 0) {
		// Waits until *flag != 0 (host memory), then done[0] = *flag + 1.
		const uint32_t *flag = PTR(const uint32_t, a, 0);
		uint32_t *done = PTR(uint32_t, a, 8);
		uint32_t v;
		while ((v = __atomic_load_n(flag, __ATOMIC_ACQUIRE)) == 0) {
			struct timespec ts = {0, 100000};
			nanosleep(&ts, NULL);
		}
		done[0] = v + 1;
	} else if (strcmp(name, "vector_add") == 0 || strcmp(name, "vector_add_scaled") == 0) {
		int scaled = name[10] == '_';
		const float *x = PTR(const float, a, 0), *y = PTR(const float, a, 8);
		float *z = PTR(float, a, 16);
		float alpha = scaled ? rdf(a, 24) : 1, beta = scaled ? rdf(a, 28) : 1;
		uint32_t n = rdu32(a, scaled ? 32 : 24);
		for (unsigned long long i = 0; i < nb * bt && i < n; i++) z[i] = scaled ? alpha * x[i] + beta * y[i] : x[i] + y[i];
	} else if (strcmp(name, "saxpy") == 0) {
		uint32_t n = rdu32(a, 0);
		float alpha = rdf(a, 4);
		const float *x = PTR(const float, a, 8);
		float *y = PTR(float, a, 16);
		for (unsigned long long i = 0; i < nb * bt && i < n; i++) y[i] = alpha * x[i] + y[i];
	} else if (strcmp(name, "matrix_multiply") == 0) {
		const float *A = PTR(const float, a, 0), *B = PTR(const float, a, 8);
		float *C = PTR(float, a, 16);
		uint32_t M = rdu32(a, 24), N = rdu32(a, 28), K = rdu32(a, 32);
		for (unsigned int by = 0; by < grid[1]; by++)
			for (unsigned int bx = 0; bx < grid[0]; bx++)
				for (unsigned int ty = 0; ty < block[1]; ty++)
					for (unsigned int tx = 0; tx < block[0]; tx++) {
						unsigned int row = by * block[1] + ty, col = bx * block[0] + tx;
						if (row >= M || col >= N) continue;
						float s = 0;
						for (unsigned int k = 0; k < K; k++) s += A[row * K + k] * B[k * N + col];
						C[row * N + col] = s;
					}
	} else if (strcmp(name, "reduce_sum") == 0) {
		const float *in = PTR(const float, a, 0);
		float *partial = PTR(float, a, 8);
		uint32_t n = rdu32(a, 16);
		if (shmem < block[0] * 4) return; // would fault on a GPU
		for (unsigned long long b = 0; b < nb; b++) {
			float s = 0;
			for (unsigned long long t = 0; t < block[0]; t++) {
				unsigned long long i = b * block[0] + t;
				if (i < n) s += in[i];
			}
			partial[b] = s;
		}
	} else if (strcmp(name, "scale_by_global") == 0) {
		const float *in = PTR(const float, a, 0);
		float *out = PTR(float, a, 8);
		uint32_t n = rdu32(a, 16);
		float g = *f->mod->global_scale;
		for (unsigned long long i = 0; i < nb * bt && i < n; i++) out[i] = in[i] * g;
	} else if (strcmp(name, "args_probe") == 0) {
		uint64_t *out = PTR(uint64_t, a, 40);
		out[0] = a[0];
		out[1] = (uint64_t)(a[2] | a[3] << 8);
		out[2] = rdu32(a, 4);
		out[3] = rdu64(a, 8);
		out[4] = rdu32(a, 16);
		out[5] = rdu64(a, 24);
		out[6] = rdu32(a, 32);
		out[7] = rdu32(a, 36);
	}
}

// gather packs kernelParams into a fresh buffer by the kernel's layout.
static unsigned char *gather(const kernel_def_t *k, void **params) {
	unsigned char *buf = calloc(1, arg_size(k) + 1);
	for (int i = 0; i < k->nparams; i++) memcpy(buf + k->off[i], params[i], k->size[i]);
	return buf;
}

// take_args copies the arguments of a launch or kernel node (kernelParams
// or the extra buffer) as the driver does.
static CUresult take_args(const kernel_def_t *k, void **params, void **extra, unsigned char **out) {
	if (params != NULL && extra != NULL) return E_INVALID_VALUE;
	if (params != NULL) {
		*out = gather(k, params);
		return OK;
	}
	if (extra != NULL) {
		void *buf = NULL;
		size_t *size = NULL;
		for (int i = 0; extra[i] != NULL; i += 2) {
			if (extra[i] == (void *)1) buf = extra[i + 1];
			else if (extra[i] == (void *)2) size = extra[i + 1];
			else return E_INVALID_VALUE;
		}
		if (buf == NULL || size == NULL || *size != arg_size(k)) return E_INVALID_VALUE;
		*out = calloc(1, *size + 1);
		memcpy(*out, buf, *size);
		return OK;
	}
	if (k->nparams != 0) return E_INVALID_VALUE;
	*out = calloc(1, 1);
	return OK;
}

static CUresult check_dims(unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx, unsigned int by, unsigned int bz) {
	if (!gx || !gy || !gz || !bx || !by || !bz) return E_INVALID_VALUE;
	if ((unsigned long long)bx * by * bz > 1024) return E_INVALID_VALUE;
	return OK;
}

CUresult cuLaunchKernel(function_t *f, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx, unsigned int by, unsigned int bz, unsigned int shmem, stream_t *s, void **params, void **extra) {
	NEED_CTX();
	CUresult r;
	if ((r = check_function(f)) || (r = check_stream(s))) return r;
	if (f->mod->ctx != current) return E_INVALID_CONTEXT;
	if ((r = check_dims(gx, gy, gz, bx, by, bz))) return r;
	unsigned char *args;
	if ((r = take_args(f->def, params, extra, &args))) return r;
	if (drop_launches) {
		free(args);
		return OK;
	}
	op_t *o = new_op(OP_KERNEL);
	o->fn = f;
	o->grid[0] = gx, o->grid[1] = gy, o->grid[2] = gz;
	o->block[0] = bx, o->block[1] = by, o->block[2] = bz;
	o->shmem = shmem;
	o->args = args;
	enqueue(s, o);
	return OK;
}
CUresult cuLaunchCooperativeKernel(function_t *f, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx, unsigned int by, unsigned int bz, unsigned int shmem, stream_t *s, void **params) {
	if (params == NULL && f != NULL && f->magic == FUNCTION_MAGIC && f->def->nparams > 0) return E_INVALID_VALUE;
	return cuLaunchKernel(f, gx, gy, gz, bx, by, bz, shmem, s, params, NULL);
}

// ---- graphs ----

typedef struct {
	void *func;
	unsigned int gx, gy, gz, bx, by, bz, shmem;
	void **kernelParams;
	void **extra;
	void *kern;
	void *ctx;
} kparams_t;

typedef struct {
	size_t srcXInBytes, srcY, srcZ, srcLOD;
	int srcMemoryType;
	const void *srcHost;
	CUdeviceptr srcDevice;
	void *srcArray;
	void *reserved0;
	size_t srcPitch, srcHeight;
	size_t dstXInBytes, dstY, dstZ, dstLOD;
	int dstMemoryType;
	void *dstHost;
	CUdeviceptr dstDevice;
	void *dstArray;
	void *reserved1;
	size_t dstPitch, dstHeight;
	size_t WidthInBytes, Height, Depth;
} memcpy3d_t;

typedef struct {
	CUdeviceptr dst;
	size_t pitch;
	unsigned int value, elementSize;
	size_t width, height;
} msparams_t;

typedef struct {
	void (*fn)(void *);
	void *user;
} hparams_t;

typedef struct gnode {
	int magic;
	int index;
	op_t op; // what the node does (args owned)
	int ndeps;
	int deps[64];
} gnode_t;
#define NODE_MAGIC 0x4e4f4445

typedef struct graph {
	int magic;
	gnode_t *nodes[4096];
	int n;
} graph_t;
#define GRAPH_MAGIC 0x47524150

typedef struct gexec {
	int magic;
	graph_t *g;
	op_t ops[4096];
	int n;
	int running;
} gexec_t;
#define EXEC_MAGIC 0x47455845

CUresult cuGraphCreate(graph_t **pg, unsigned int flags) {
	if (flags != 0) return E_INVALID_VALUE;
	graph_t *g = calloc(1, sizeof *g);
	g->magic = GRAPH_MAGIC;
	*pg = g;
	return OK;
}
CUresult cuGraphDestroy(graph_t *g) {
	if (g == NULL || g->magic != GRAPH_MAGIC) return E_INVALID_HANDLE;
	g->magic = 0;
	return OK;
}

static CUresult add_node(gnode_t **out, graph_t *g, gnode_t **deps, size_t nd, op_t op) {
	if (g == NULL || g->magic != GRAPH_MAGIC) return E_INVALID_HANDLE;
	if (nd > 64 || g->n >= 4096 || (nd > 0 && deps == NULL)) return E_INVALID_VALUE;
	gnode_t *n = calloc(1, sizeof *n);
	n->magic = NODE_MAGIC;
	n->index = g->n;
	n->op = op;
	for (size_t i = 0; i < nd; i++) {
		if (deps[i] == NULL || deps[i]->magic != NODE_MAGIC) return E_INVALID_VALUE;
		for (size_t j = 0; j < i; j++)
			if (deps[j] == deps[i]) return E_INVALID_VALUE; // duplicates are an error in CUDA
		n->deps[n->ndeps++] = deps[i]->index;
	}
	g->nodes[g->n++] = n;
	*out = n;
	return OK;
}

static CUresult kernel_op(const kparams_t *p, op_t *o) {
	function_t *f = p->func;
	CUresult r = check_function(f);
	if (r) return r;
	if (p->kern != NULL) return E_INVALID_VALUE;
	if ((r = check_dims(p->gx, p->gy, p->gz, p->bx, p->by, p->bz))) return r;
	memset(o, 0, sizeof *o);
	o->type = OP_KERNEL;
	o->fn = f;
	o->grid[0] = p->gx, o->grid[1] = p->gy, o->grid[2] = p->gz;
	o->block[0] = p->bx, o->block[1] = p->by, o->block[2] = p->bz;
	o->shmem = p->shmem;
	return take_args(f->def, p->kernelParams, p->extra, &o->args);
}

CUresult cuGraphAddKernelNode_v2(gnode_t **out, graph_t *g, gnode_t **deps, size_t nd, const kparams_t *p) {
	NEED_CTX();
	op_t o;
	CUresult r = kernel_op(p, &o);
	if (r) return r;
	return add_node(out, g, deps, nd, o);
}
CUresult cuGraphKernelNodeSetAttribute(gnode_t *n, int attr, const void *v) {
	if (n == NULL || n->magic != NODE_MAGIC || n->op.type != OP_KERNEL) return E_INVALID_VALUE;
	if (attr != 2 || *(const int *)v != 1) return E_INVALID_VALUE;
	return OK;
}

static CUresult copy_op(const memcpy3d_t *p, ctx_t *c, op_t *o) {
	if (c != current) return E_INVALID_CONTEXT;
	if (p->srcMemoryType != 4 || p->dstMemoryType != 4 || p->srcHost || p->dstHost || p->srcArray || p->dstArray ||
	    p->reserved0 || p->reserved1 || p->srcXInBytes || p->srcY || p->srcZ || p->srcLOD || p->dstXInBytes ||
	    p->dstY || p->dstZ || p->dstLOD || p->Height != 1 || p->Depth != 1 || p->WidthInBytes == 0 ||
	    p->srcPitch < p->WidthInBytes || p->dstPitch < p->WidthInBytes)
		return E_INVALID_VALUE;
	if (!covered(p->srcDevice, p->WidthInBytes) || !covered(p->dstDevice, p->WidthInBytes)) return E_INVALID_VALUE;
	memset(o, 0, sizeof *o);
	o->type = OP_COPY;
	o->dst = p->dstDevice;
	o->src = p->srcDevice;
	o->n = p->WidthInBytes;
	return OK;
}
CUresult cuGraphAddMemcpyNode(gnode_t **out, graph_t *g, gnode_t **deps, size_t nd, const memcpy3d_t *p, ctx_t *c) {
	NEED_CTX();
	op_t o;
	CUresult r = copy_op(p, c, &o);
	if (r) return r;
	return add_node(out, g, deps, nd, o);
}
static CUresult set_op(const msparams_t *p, ctx_t *c, op_t *o) {
	if (c != current) return E_INVALID_CONTEXT;
	if (p->elementSize != 1 && p->elementSize != 2 && p->elementSize != 4) return E_INVALID_VALUE;
	if (p->height != 1 || p->width == 0) return E_INVALID_VALUE;
	if (!covered(p->dst, p->width * p->elementSize)) return E_INVALID_VALUE;
	memset(o, 0, sizeof *o);
	o->type = OP_SET;
	o->dst = p->dst;
	o->value = p->value;
	o->elem = (int)p->elementSize;
	o->n = p->width;
	return OK;
}
CUresult cuGraphAddMemsetNode(gnode_t **out, graph_t *g, gnode_t **deps, size_t nd, const msparams_t *p, ctx_t *c) {
	NEED_CTX();
	op_t o;
	CUresult r = set_op(p, c, &o);
	if (r) return r;
	return add_node(out, g, deps, nd, o);
}
CUresult cuGraphAddHostNode(gnode_t **out, graph_t *g, gnode_t **deps, size_t nd, const hparams_t *p) {
	NEED_CTX();
	if (p->fn == NULL) return E_INVALID_VALUE;
	op_t o = {0};
	o.type = OP_HOST;
	o.host = p->fn;
	o.user = p->user;
	return add_node(out, g, deps, nd, o);
}
CUresult cuGraphAddEmptyNode(gnode_t **out, graph_t *g, gnode_t **deps, size_t nd) {
	op_t o = {0};
	o.type = -1;
	return add_node(out, g, deps, nd, o);
}
CUresult cuGraphAddEventRecordNode(gnode_t **out, graph_t *g, gnode_t **deps, size_t nd, event_t *e) {
	NEED_CTX();
	if (check_event(e)) return E_INVALID_HANDLE;
	op_t o = {0};
	o.type = OP_RECORD;
	o.event = e;
	return add_node(out, g, deps, nd, o);
}
CUresult cuGraphAddEventWaitNode(gnode_t **out, graph_t *g, gnode_t **deps, size_t nd, event_t *e) {
	NEED_CTX();
	if (check_event(e)) return E_INVALID_HANDLE;
	op_t o = {0};
	o.type = OP_WAIT;
	o.event = e;
	return add_node(out, g, deps, nd, o);
}
CUresult cuGraphInstantiateWithFlags(gexec_t **pe, graph_t *g, unsigned long long flags) {
	NEED_CTX();
	if (g == NULL || g->magic != GRAPH_MAGIC) return E_INVALID_HANDLE;
	if (flags != 0) return E_INVALID_VALUE;
	gexec_t *e = calloc(1, sizeof *e);
	e->magic = EXEC_MAGIC;
	e->g = g;
	e->n = g->n;
	for (int i = 0; i < g->n; i++) {
		e->ops[i] = g->nodes[i]->op;
		if (e->ops[i].type == OP_KERNEL) {
			size_t sz = arg_size(e->ops[i].fn->def) + 1;
			e->ops[i].args = malloc(sz);
			memcpy(e->ops[i].args, g->nodes[i]->op.args, sz);
		}
	}
	*pe = e;
	return OK;
}
CUresult cuGraphExecDestroy(gexec_t *e) {
	if (e == NULL || e->magic != EXEC_MAGIC) return E_INVALID_HANDLE;
	e->magic = 0; // leaked: a replay may be in flight
	return OK;
}

// Nodes run in index order, which respects every dependency (each one
// points at an earlier node). Event records within a graph complete the
// generation current at replay time.
static void run_graph(gexec_t *e) {
	for (int i = 0; i < e->n; i++) {
		op_t o = e->ops[i];
		if (o.type < 0) continue;
		if (o.type == OP_RECORD || o.type == OP_WAIT) {
			pthread_mutex_lock(&mu);
			if (o.type == OP_RECORD) o.gen = __atomic_add_fetch(o.event->tp, 1, __ATOMIC_ACQ_REL);
			else o.gen = __atomic_load_n(o.event->tp, __ATOMIC_ACQUIRE);
			pthread_mutex_unlock(&mu);
		}
		run_op(&o);
	}
}

CUresult cuGraphLaunch(gexec_t *e, stream_t *s) {
	NEED_CTX();
	CUresult r = check_stream(s);
	if (r) return r;
	if (e == NULL || e->magic != EXEC_MAGIC) return E_INVALID_HANDLE;
	op_t *o = new_op(OP_GRAPH);
	o->exec = e;
	enqueue(s, o);
	return OK;
}

static CUresult exec_node(gexec_t *e, gnode_t *n, int type) {
	if (e == NULL || e->magic != EXEC_MAGIC) return E_INVALID_HANDLE;
	if (n == NULL || n->magic != NODE_MAGIC || n->index >= e->n) return E_INVALID_VALUE;
	if (e->ops[n->index].type != type) return E_INVALID_VALUE;
	return OK;
}
CUresult cuGraphExecKernelNodeSetParams_v2(gexec_t *e, gnode_t *n, const kparams_t *p) {
	NEED_CTX();
	CUresult r = exec_node(e, n, OP_KERNEL);
	if (r) return r;
	op_t o;
	if ((r = kernel_op(p, &o))) return r;
	e->ops[n->index] = o; // the previous args leak: a replay may be using them
	return OK;
}
CUresult cuGraphExecMemcpyNodeSetParams(gexec_t *e, gnode_t *n, const memcpy3d_t *p, ctx_t *c) {
	NEED_CTX();
	CUresult r = exec_node(e, n, OP_COPY);
	if (r) return r;
	op_t o;
	if ((r = copy_op(p, c, &o))) return r;
	e->ops[n->index] = o;
	return OK;
}
CUresult cuGraphExecMemsetNodeSetParams(gexec_t *e, gnode_t *n, const msparams_t *p, ctx_t *c) {
	NEED_CTX();
	CUresult r = exec_node(e, n, OP_SET);
	if (r) return r;
	op_t o;
	if ((r = set_op(p, c, &o))) return r;
	e->ops[n->index] = o;
	return OK;
}
CUresult cuGraphExecHostNodeSetParams(gexec_t *e, gnode_t *n, const hparams_t *p) {
	NEED_CTX();
	CUresult r = exec_node(e, n, OP_HOST);
	if (r) return r;
	if (p->fn == NULL) return E_INVALID_VALUE;
	e->ops[n->index].host = p->fn;
	e->ops[n->index].user = p->user;
	return OK;
}
CUresult cuGraphExecEventRecordNodeSetEvent(gexec_t *e, gnode_t *n, event_t *ev) {
	NEED_CTX();
	CUresult r = exec_node(e, n, OP_RECORD);
	if (r) return r;
	if (check_event(ev)) return E_INVALID_HANDLE;
	e->ops[n->index].event = ev;
	return OK;
}
CUresult cuGraphExecEventWaitNodeSetEvent(gexec_t *e, gnode_t *n, event_t *ev) {
	NEED_CTX();
	CUresult r = exec_node(e, n, OP_WAIT);
	if (r) return r;
	if (check_event(ev)) return E_INVALID_HANDLE;
	e->ops[n->index].event = ev;
	return OK;
}

// ---- interprocess handles ----
//
// cuIpcGetMemHandle moves the memory behind an allocation into a memfd
// mapped over the same addresses (contents kept): the 2 MiB chunk a small
// allocation was carved from (as CUDA exports the whole block behind a
// suballocation) or a large allocation's own pages. The handle names the
// process, the descriptor, a random token that is also the memfd's name,
// and the allocation's offset and size; cuIpcOpenMemHandle opens
// /proc/<pid>/fd/<fd>, checks the name and maps it. Interprocess events
// keep their two generation words in a shared page of their own memfd.

typedef struct {
	unsigned char b[64];
} ipc_handle_t;

typedef struct share {
	unsigned char *base;
	size_t len;
	int fd;
	unsigned long long token;
	struct share *next;
} share_t;
static share_t *shares;

typedef struct opened {
	unsigned char *map;
	size_t len;
	CUdeviceptr p;
	struct opened *next;
} opened_t;
static opened_t *openeds;

static const char ipc_mem_magic[8] = "mockIPM";
static const char ipc_event_magic[8] = "mockIPE";

static unsigned long long ipc_token(void) {
	static unsigned long long n;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	unsigned long long x = (unsigned long long)ts.tv_nsec ^ ((unsigned long long)ts.tv_sec << 30) ^ ((unsigned long long)getpid() << 40);
	x += __atomic_add_fetch(&n, 0x9E3779B97F4A7C15ull, __ATOMIC_RELAXED);
	x ^= x >> 31;
	x *= 0xBF58476D1CE4E5B9ull;
	return x ^ (x >> 29);
}

static int ipc_memfd(unsigned long long token, size_t len) {
	char name[64];
	snprintf(name, sizeof name, "mockcuda-%016llx", token);
	int fd = memfd_create(name, MFD_CLOEXEC);
	if (fd < 0) return -1;
	if (ftruncate(fd, (off_t)len) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void put64(unsigned char *b, unsigned long long v) { memcpy(b, &v, 8); }
static unsigned long long get64(const unsigned char *b) {
	unsigned long long v;
	memcpy(&v, b, 8);
	return v;
}

// ipc_open opens the memfd a handle names; -1 with *r set otherwise.
static int ipc_open(const ipc_handle_t *h, const char *magic, size_t *size, CUresult *r) {
	if (memcmp(h->b, magic, 8) != 0) {
		*r = E_INVALID_VALUE;
		return -1;
	}
	unsigned int pid = (unsigned int)get64(h->b + 8);
	int fd = (int)(get64(h->b + 8) >> 32);
	unsigned long long token = get64(h->b + 16);
	if ((pid_t)pid == getpid()) {
		*r = E_INVALID_CONTEXT; // as CUDA: not in the exporting process
		return -1;
	}
	char path[64], link[128], want[64];
	snprintf(path, sizeof path, "/proc/%u/fd/%d", pid, fd);
	int f = open(path, O_RDWR | O_CLOEXEC);
	if (f < 0) {
		*r = E_INVALID_HANDLE;
		return -1;
	}
	snprintf(path, sizeof path, "/proc/self/fd/%d", f);
	ssize_t n = readlink(path, link, sizeof link - 1);
	snprintf(want, sizeof want, "/memfd:mockcuda-%016llx (deleted)", token);
	struct stat st;
	if (n < 0 || (link[n] = 0, strcmp(link, want) != 0) || fstat(f, &st) != 0) {
		close(f);
		*r = E_INVALID_HANDLE;
		return -1;
	}
	*size = (size_t)st.st_size;
	return f;
}

// ipc_region finds the pages an allocation lives in (mu held).
static void ipc_region(unsigned char *p, size_t n, unsigned char **base, size_t *len) {
	for (dchunk_t *c = dchunks; c; c = c->next) {
		if (p >= c->base && p < c->base + DEV_CHUNK) {
			*base = c->base;
			*len = DEV_CHUNK;
			return;
		}
	}
	*base = p;
	*len = (n + DEV_CHUNK - 1) / DEV_CHUNK * DEV_CHUNK;
}

CUresult cuIpcGetMemHandle(ipc_handle_t *h, CUdeviceptr dp) {
	NEED_CTX();
	unsigned char *p = (unsigned char *)(uintptr_t)dp;
	size_t n = 0;
	int found = 0;
	pthread_mutex_lock(&mu);
	for (alloc_t *a = allocs; a; a = a->next) {
		if (a->p == p && a->kind == 1) {
			n = a->n;
			found = 1;
		}
	}
	if (!found) {
		pthread_mutex_unlock(&mu);
		return E_INVALID_VALUE;
	}
	unsigned char *base;
	size_t len;
	ipc_region(p, n, &base, &len);
	share_t *sh = NULL;
	for (share_t *x = shares; x; x = x->next) {
		if (x->base == base) sh = x;
	}
	if (sh == NULL) {
		unsigned long long token = ipc_token();
		int fd = ipc_memfd(token, len);
		void *tmp = fd < 0 ? MAP_FAILED : mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (tmp == MAP_FAILED) {
			if (fd >= 0) close(fd);
			pthread_mutex_unlock(&mu);
			return E_OUT_OF_MEMORY;
		}
		memcpy(tmp, base, len);
		munmap(tmp, len);
		if (mmap(base, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED) {
			close(fd);
			pthread_mutex_unlock(&mu);
			return E_OUT_OF_MEMORY;
		}
		sh = calloc(1, sizeof *sh);
		sh->base = base;
		sh->len = len;
		sh->fd = fd;
		sh->token = token;
		sh->next = shares;
		shares = sh;
	}
	memset(h, 0, sizeof *h);
	memcpy(h->b, ipc_mem_magic, 8);
	put64(h->b + 8, (unsigned long long)(unsigned int)getpid() | (unsigned long long)(unsigned int)sh->fd << 32);
	put64(h->b + 16, sh->token);
	put64(h->b + 24, sh->len);
	put64(h->b + 32, (unsigned long long)(p - base));
	put64(h->b + 40, n);
	pthread_mutex_unlock(&mu);
	return OK;
}

// ipc_unshare gives a large allocation private memory again before it is
// freed (chunks are never freed).
static void ipc_unshare(void *p) {
	pthread_mutex_lock(&mu);
	for (share_t **xp = &shares; *xp; xp = &(*xp)->next) {
		share_t *x = *xp;
		if (x->base == p) {
			mmap(x->base, x->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
			close(x->fd);
			*xp = x->next;
			free(x);
			break;
		}
	}
	pthread_mutex_unlock(&mu);
}

CUresult cuIpcOpenMemHandle_v2(CUdeviceptr *pd, ipc_handle_t h, unsigned int flags) {
	NEED_CTX();
	if (flags & ~1u) return E_INVALID_VALUE;
	CUresult r;
	size_t fsize;
	int f = ipc_open(&h, ipc_mem_magic, &fsize, &r);
	if (f < 0) return r;
	size_t len = get64(h.b + 24), off = get64(h.b + 32), n = get64(h.b + 40);
	if (len != fsize || n == 0 || off >= len || n > len - off) {
		close(f);
		return E_INVALID_VALUE;
	}
	void *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
	close(f);
	if (map == MAP_FAILED) return 205; // CUDA_ERROR_MAP_FAILED
	opened_t *o = calloc(1, sizeof *o);
	o->map = map;
	o->len = len;
	o->p = (CUdeviceptr)(uintptr_t)((unsigned char *)map + off);
	track((unsigned char *)map + off, n, 5);
	pthread_mutex_lock(&mu);
	o->next = openeds;
	openeds = o;
	pthread_mutex_unlock(&mu);
	*pd = o->p;
	return OK;
}

CUresult cuIpcCloseMemHandle(CUdeviceptr p) {
	NEED_CTX();
	pthread_mutex_lock(&mu);
	for (opened_t **op = &openeds; *op; op = &(*op)->next) {
		opened_t *o = *op;
		if (o->p == p) {
			*op = o->next;
			pthread_mutex_unlock(&mu);
			untrack((void *)(uintptr_t)p, 5);
			munmap(o->map, o->len);
			free(o);
			return OK;
		}
	}
	pthread_mutex_unlock(&mu);
	return E_INVALID_VALUE;
}

static CUresult ipc_event_share(event_t *e) {
	unsigned long long token = ipc_token();
	int fd = ipc_memfd(token, 4096);
	if (fd < 0) return E_OUT_OF_MEMORY;
	long long *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (page == MAP_FAILED) {
		close(fd);
		return E_OUT_OF_MEMORY;
	}
	e->tp = &page[0];
	e->rp = &page[1];
	e->shared = 1;
	e->shfd = fd;
	e->token = token;
	return OK;
}

CUresult cuIpcGetEventHandle(ipc_handle_t *h, event_t *e) {
	NEED_CTX();
	CUresult r = check_event(e);
	if (r) return E_INVALID_HANDLE;
	if (!e->shared || e->shfd < 0) return E_INVALID_VALUE;
	memset(h, 0, sizeof *h);
	memcpy(h->b, ipc_event_magic, 8);
	put64(h->b + 8, (unsigned long long)(unsigned int)getpid() | (unsigned long long)(unsigned int)e->shfd << 32);
	put64(h->b + 16, e->token);
	return OK;
}

CUresult cuIpcOpenEventHandle(event_t **pe, ipc_handle_t h) {
	NEED_CTX();
	CUresult r;
	size_t fsize;
	int f = ipc_open(&h, ipc_event_magic, &fsize, &r);
	if (f < 0) return r;
	long long *page = fsize == 4096 ? mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0) : MAP_FAILED;
	close(f);
	if (page == MAP_FAILED) return E_INVALID_VALUE;
	event_t *e = calloc(1, sizeof *e);
	e->magic = EVENT_MAGIC;
	e->ctx = current;
	e->flags = 6; // CU_EVENT_INTERPROCESS | CU_EVENT_DISABLE_TIMING
	e->tp = &page[0];
	e->rp = &page[1];
	e->shared = 1;
	e->shfd = -1;
	e->token = get64(h.b + 16);
	*pe = e;
	return OK;
}

CUresult cuMemGetAddressRange_v2(CUdeviceptr *base, size_t *size, CUdeviceptr p) {
	NEED_CTX();
	CUresult r = E_NOT_FOUND;
	pthread_mutex_lock(&mu);
	for (alloc_t *a = allocs; a; a = a->next) {
		CUdeviceptr b = (CUdeviceptr)(uintptr_t)a->p;
		if (p >= b && p < b + a->n) {
			if (base) *base = b;
			if (size) *size = a->n;
			r = OK;
			break;
		}
	}
	pthread_mutex_unlock(&mu);
	return r;
}
