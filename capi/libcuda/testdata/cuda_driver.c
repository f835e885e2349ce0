// cuda_driver.c is a program written against the CUDA driver API: device
// query, vector add and a tiled matrix multiply from a module, streams and
// events, stream-ordered allocation, graphs (built node by node and by
// stream capture) and the error functions. It runs unmodified on NVIDIA's
// libcuda and on streamhal's libcuda drop-in, on any backend.
//
// Usage: cuda_driver MODULE, MODULE a file with the test kernels
// vector_add and matrix_multiply (kernels/README.md): PTX, a cubin or a
// fatbin. It prints PASS and exits 0 when every check holds.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__has_include)
#if __has_include(<cuda.h>) && !defined(USE_CUDA_MIN)
#include <cuda.h>
#else
#include "cuda_min.h"
#endif
#else
#include "cuda_min.h"
#endif
#include "../../testdata/capi_check.h"

#define CHECK(call)                                                              \
  do {                                                                           \
    CUresult r_ = (call);                                                        \
    if (r_ != CUDA_SUCCESS) {                                                    \
      const char *n_ = "?", *s_ = "?";                                           \
      cuGetErrorName(r_, &n_);                                                   \
      cuGetErrorString(r_, &s_);                                                 \
      fprintf(stderr, "%s:%d: %s = %d (%s: %s)\n", __FILE__, __LINE__, #call, r_, \
              n_, s_);                                                           \
      exit(2);                                                                   \
    }                                                                            \
  } while (0)

// read_file returns the file's bytes, NUL-terminated (PTX is a C string).
static char* read_file(const char* path) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char* buf = malloc(n + 1);
  if (fread(buf, 1, n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  } else {
    buf[n] = 0;
  }
  fclose(f);
  return buf;
}

enum { N = 10000, M = 70, K = 45, P = 53 };

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s MODULE\n", argv[0]);
    return 2;
  }
  // Unbuffered, so that a crash shows how far the program got.
  setvbuf(stdout, NULL, _IONBF, 0);
  const char *name = NULL, *text = NULL;
  CHECK(cuGetErrorName(CUDA_ERROR_INVALID_VALUE, &name));
  EXPECT(strcmp(name, "CUDA_ERROR_INVALID_VALUE") == 0, "name %s", name);
  CHECK(cuGetErrorString(CUDA_ERROR_OUT_OF_MEMORY, &text));
  EXPECT(strlen(text) > 0, "empty error string");

  // Device query.
  CHECK(cuInit(0));
  int version = 0, count = 0;
  CHECK(cuDriverGetVersion(&version));
  CHECK(cuDeviceGetCount(&count));
  EXPECT(version >= 11000 && count >= 1, "version %d, %d devices", version, count);
  CUdevice dev;
  CHECK(cuDeviceGet(&dev, 0));
  char dname[256];
  CHECK(cuDeviceGetName(dname, sizeof dname, dev));
  size_t total = 0;
  CHECK(cuDeviceTotalMem(&total, dev));
  int major = 0, minor = 0, sms = 0, maxThreads = 0, warp = 0;
  CHECK(cuDeviceComputeCapability(&major, &minor, dev));
  CHECK(cuDeviceGetAttribute(&sms, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, dev));
  CHECK(cuDeviceGetAttribute(&maxThreads, CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK, dev));
  CHECK(cuDeviceGetAttribute(&warp, CU_DEVICE_ATTRIBUTE_WARP_SIZE, dev));
  printf("device 0: %s, %zu MiB, compute %d.%d, %d SMs, %d threads/block, warp %d\n", dname, total >> 20,
         major, minor, sms, maxThreads, warp);
  EXPECT(total > 0 && sms > 0 && maxThreads >= 256 && warp > 0, "device attributes");
  EXPECT(cuDeviceGet(&dev, count) != CUDA_SUCCESS, "device %d of %d", count, count);
  CHECK(cuDeviceGet(&dev, 0));

  CUcontext ctx, cur;
#if defined(CUDA_VERSION) && CUDA_VERSION >= 13000
  CHECK(cuCtxCreate(&ctx, NULL, 0, dev));  // cuCtxCreate_v4
#else
  CHECK(cuCtxCreate(&ctx, 0, dev));
#endif
  CHECK(cuCtxGetCurrent(&cur));
  EXPECT(cur == ctx, "current context %p, created %p", (void*)cur, (void*)ctx);
  CUdevice cdev = -1;
  CHECK(cuCtxGetDevice(&cdev));
  EXPECT(cdev == dev, "context device %d", cdev);

  // Modules: from the file, and from memory.
  CUmodule mod, mod2;
  CHECK(cuModuleLoad(&mod, argv[1]));
  char* image = read_file(argv[1]);
  EXPECT(image != NULL, "read %s", argv[1]);
  CHECK(cuModuleLoadData(&mod2, image));
  CUfunction vadd, vadd2, matmul;
  CHECK(cuModuleGetFunction(&vadd, mod, "vector_add"));
  CHECK(cuModuleGetFunction(&vadd2, mod2, "vector_add"));
  CHECK(cuModuleGetFunction(&matmul, mod, "matrix_multiply"));
  EXPECT(cuModuleGetFunction(&vadd, mod, "no_such_kernel") == CUDA_ERROR_NOT_FOUND, "missing kernel");
  CHECK(cuModuleGetFunction(&vadd, mod, "vector_add"));
  int fmax = 0;
  CHECK(cuFuncGetAttribute(&fmax, CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, vadd));
  EXPECT(fmax >= 256, "vector_add max threads %d", fmax);

  // Vector add: kernelParams on the NULL stream.
  const size_t bytes = N * sizeof(float);
  float *a = malloc(bytes), *b = malloc(bytes), *c = malloc(bytes), *want = malloc(bytes);
  for (int i = 0; i < N; i++) {
    a[i] = (float)i * 0.25f;
    b[i] = 3.0f - (float)i;
    want[i] = a[i] + b[i];
  }
  CUdeviceptr da, db, dc;
  CHECK(cuMemAlloc(&da, bytes));
  CHECK(cuMemAlloc(&db, bytes));
  CHECK(cuMemAlloc(&dc, bytes));
  CHECK(cuMemcpyHtoD(da, a, bytes));
  CHECK(cuMemcpyHtoD(db, b, bytes));
  CHECK(cuMemsetD32(dc, 0x7fc00000u, N));
  unsigned n = N;
  void* args[] = {&da, &db, &dc, &n};
  CHECK(cuLaunchKernel(vadd, (N + 127) / 128, 1, 1, 128, 1, 1, 0, NULL, args, NULL));
  CHECK(cuCtxSynchronize());
  poison(c, N);
  CHECK(cuMemcpyDtoH(c, dc, bytes));
  check_floats("vector_add", c, want, N, 1e-6f);

  // The extra array, a module loaded from memory.
  struct {
    CUdeviceptr a, b, c;
    unsigned n;
  } packed = {db, da, dc, N};
  // The parameters' size (28 bytes), not sizeof packed (32 with the
  // struct's tail padding): CUDA refuses a larger buffer.
  size_t psize = offsetof(__typeof__(packed), n) + sizeof packed.n;
  void* extra[] = {CU_LAUNCH_PARAM_BUFFER_POINTER, &packed, CU_LAUNCH_PARAM_BUFFER_SIZE, &psize, CU_LAUNCH_PARAM_END};
  CHECK(cuMemsetD8(dc, 0, bytes));
  CHECK(cuLaunchKernel(vadd2, (N + 255) / 256, 1, 1, 256, 1, 1, 0, CU_STREAM_LEGACY, NULL, extra));
  CHECK(cuCtxSynchronize());
  poison(c, N);
  CHECK(cuMemcpyDtoH(c, dc, bytes));
  check_floats("vector_add (extra, module from memory)", c, want, N, 1e-6f);

  // Tiled matrix multiply: C(MxP) = A(MxK) * B(KxP), 16x16 tiles.
  float *ha = malloc(M * K * 4), *hb = malloc(K * P * 4), *hc = malloc(M * P * 4), *ref = malloc(M * P * 4);
  for (int i = 0; i < M * K; i++) ha[i] = (float)((i * 7) % 13) - 6.0f;
  for (int i = 0; i < K * P; i++) hb[i] = (float)((i * 5) % 11) * 0.5f;
  for (int i = 0; i < M; i++)
    for (int j = 0; j < P; j++) {
      float s = 0;
      for (int k = 0; k < K; k++) s += ha[i * K + k] * hb[k * P + j];
      ref[i * P + j] = s;
    }
  CUdeviceptr mA, mB, mC;
  CHECK(cuMemAlloc(&mA, M * K * 4));
  CHECK(cuMemAlloc(&mB, K * P * 4));
  CHECK(cuMemAlloc(&mC, M * P * 4));
  CHECK(cuMemcpyHtoD(mA, ha, M * K * 4));
  CHECK(cuMemcpyHtoD(mB, hb, K * P * 4));
  unsigned um = M, un = P, uk = K;
  void* margs[] = {&mA, &mB, &mC, &um, &un, &uk};
  CHECK(cuLaunchKernel(matmul, (P + 15) / 16, (M + 15) / 16, 1, 16, 16, 1, 0, NULL, margs, NULL));
  poison(hc, M * P);
  CHECK(cuMemcpyDtoH(hc, mC, M * P * 4));
  check_floats("matrix_multiply", hc, ref, M * P, 1e-4f);

  // Streams and events: copies and a launch on a stream, a second stream
  // waiting for an event, a host function, timing.
  CUstream s1, s2;
  CHECK(cuStreamCreate(&s1, CU_STREAM_NON_BLOCKING));
  CHECK(cuStreamCreate(&s2, CU_STREAM_DEFAULT));
  CUevent start, stop, done;
  CHECK(cuEventCreate(&start, CU_EVENT_DEFAULT));
  CHECK(cuEventCreate(&stop, CU_EVENT_DEFAULT));
  CHECK(cuEventCreate(&done, CU_EVENT_DISABLE_TIMING));
  float* pinned;
  CHECK(cuMemAllocHost((void**)&pinned, bytes));
  poison(pinned, N);
  CHECK(cuEventRecord(start, s1));
  CHECK(cuMemcpyHtoDAsync(da, a, bytes, s1));
  CHECK(cuMemsetD32Async(dc, 0, N, s1));
  CHECK(cuEventRecord(done, s1));
  CHECK(cuStreamWaitEvent(s2, done, 0));
  CHECK(cuLaunchKernel(vadd, (N + 127) / 128, 1, 1, 128, 1, 1, 0, s2, args, NULL));
  CHECK(cuMemcpyDtoHAsync(pinned, dc, bytes, s2));
  int calls = 0;
  CHECK(cuLaunchHostFunc(s2, host_fn, &calls));
  CHECK(cuEventRecord(stop, s2));
  CHECK(cuEventSynchronize(stop));
  EXPECT(cuEventQuery(stop) == CUDA_SUCCESS, "event query after synchronize");
  EXPECT(cuStreamQuery(s2) == CUDA_SUCCESS, "stream idle");
  EXPECT(calls == 1, "host function ran %d times", calls);
  float ms = -1;
  CHECK(cuEventElapsedTime(&ms, start, stop));
  EXPECT(ms >= 0, "elapsed %g ms", ms);
  check_floats("stream vector_add", pinned, want, N, 1e-6f);

  // Stream-ordered allocation.
  CUdeviceptr tmp;
  CHECK(cuMemAllocAsync(&tmp, bytes, s1));
  CHECK(cuMemcpyHtoDAsync(tmp, b, bytes, s1));
  CHECK(cuMemcpyDtoDAsync(dc, tmp, bytes, s1));
  CHECK(cuMemFreeAsync(tmp, s1));
  CHECK(cuStreamSynchronize(s1));
  poison(c, N);
  CHECK(cuMemcpyDtoH(c, dc, bytes));
  check_floats("stream-ordered copy", c, b, N, 0);

  // A memory pool of its own, its attributes, an allocation from it.
  CUmemPoolProps props;
  memset(&props, 0, sizeof props);
  props.allocType = CU_MEM_ALLOCATION_TYPE_PINNED;
  props.location.type = CU_MEM_LOCATION_TYPE_DEVICE;
  props.location.id = dev;
  CUmemoryPool pool, defpool;
  CHECK(cuMemPoolCreate(&pool, &props));
  CHECK(cuDeviceGetDefaultMemPool(&defpool, dev));
  EXPECT(pool != defpool, "a new pool is the default pool");
  cuuint64_t threshold = 1 << 20, got = 0;
  CHECK(cuMemPoolSetAttribute(pool, CU_MEMPOOL_ATTR_RELEASE_THRESHOLD, &threshold));
  CHECK(cuMemPoolGetAttribute(pool, CU_MEMPOOL_ATTR_RELEASE_THRESHOLD, &got));
  EXPECT(got == threshold, "release threshold %llu", (unsigned long long)got);
  CHECK(cuMemAllocFromPoolAsync(&tmp, bytes, pool, s1));
  CHECK(cuMemcpyHtoDAsync(tmp, a, bytes, s1));
  CHECK(cuStreamSynchronize(s1));
  CHECK(cuMemPoolGetAttribute(pool, CU_MEMPOOL_ATTR_USED_MEM_CURRENT, &got));
  EXPECT(got >= bytes, "pool uses %llu bytes", (unsigned long long)got);
  poison(c, N);
  CHECK(cuMemcpyDtoH(c, tmp, bytes));
  check_floats("pool allocation", c, a, N, 0);
  CHECK(cuMemFreeAsync(tmp, s1));
  CHECK(cuStreamSynchronize(s1));
  CHECK(cuMemPoolTrimTo(pool, 0));
  CHECK(cuMemPoolDestroy(pool));

  // Queries: stream priorities, a stream's context, occupancy.
  int least = 0, greatest = 0, prio = 99, blocks = 0;
  CHECK(cuCtxGetStreamPriorityRange(&least, &greatest));
  CHECK(cuStreamGetPriority(s1, &prio));
  EXPECT(prio <= least && prio >= greatest, "priority %d outside [%d, %d]", prio, greatest, least);
  CUcontext sctx;
  CHECK(cuStreamGetCtx(s1, &sctx));
  EXPECT(sctx == ctx, "stream context %p, want %p", (void*)sctx, (void*)ctx);
  CHECK(cuOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, vadd, 128, 0));
  EXPECT(blocks >= 1, "occupancy %d blocks", blocks);

  // A graph built node by node: memset -> kernel -> host node.
  CUgraph g;
  CHECK(cuGraphCreate(&g, 0));
  CUDA_MEMSET_NODE_PARAMS mp;
  memset(&mp, 0, sizeof mp);
  mp.dst = dc;
  mp.elementSize = 4;
  mp.width = N;
  mp.height = 1;
  CUgraphNode nset, nkern, nhost, nempty;
  CHECK(cuGraphAddMemsetNode(&nset, g, NULL, 0, &mp, ctx));
  CUDA_KERNEL_NODE_PARAMS kp;
  memset(&kp, 0, sizeof kp);
  kp.func = vadd;
  kp.gridDimX = (N + 127) / 128;
  kp.gridDimY = kp.gridDimZ = 1;
  kp.blockDimX = 128;
  kp.blockDimY = kp.blockDimZ = 1;
  kp.kernelParams = args;
  CHECK(cuGraphAddKernelNode(&nkern, g, &nset, 1, &kp));
  CUDA_HOST_NODE_PARAMS hp = {host_fn, &calls};
  CHECK(cuGraphAddHostNode(&nhost, g, &nkern, 1, &hp));
  CHECK(cuGraphAddEmptyNode(&nempty, g, &nhost, 1));
  size_t nn = 0;
  CHECK(cuGraphGetNodes(g, NULL, &nn));
  EXPECT(nn == 4, "%zu nodes", nn);
  CUgraphExec x;
  CUgraph clone;
  CHECK(cuGraphClone(&clone, g));
  CHECK(cuGraphGetNodes(clone, NULL, &nn));
  EXPECT(nn == 4, "clone has %zu nodes", nn);
  CHECK(cuGraphDestroy(clone));
  CHECK(cuGraphInstantiate(&x, g, 0));
  calls = 0;
  for (int i = 0; i < 3; i++) CHECK(cuGraphLaunch(x, s1));
  CHECK(cuStreamSynchronize(s1));
  EXPECT(calls == 3, "graph host node ran %d times", calls);
  poison(c, N);
  CHECK(cuMemcpyDtoH(c, dc, bytes));
  check_floats("graph vector_add", c, want, N, 1e-6f);
  CHECK(cuGraphExecDestroy(x));
  CHECK(cuGraphDestroy(g));

  // Stream capture.
  CUstreamCaptureStatus st;
  CHECK(cuStreamBeginCapture(s1, CU_STREAM_CAPTURE_MODE_GLOBAL));
  CHECK(cuStreamIsCapturing(s1, &st));
  EXPECT(st == CU_STREAM_CAPTURE_STATUS_ACTIVE, "capture status %d", st);
  CHECK(cuMemsetD32Async(dc, 0, N, s1));
  CHECK(cuLaunchKernel(vadd, (N + 127) / 128, 1, 1, 128, 1, 1, 0, s1, args, NULL));
  CUgraph captured;
  CHECK(cuStreamEndCapture(s1, &captured));
  CHECK(cuGraphGetNodes(captured, NULL, &nn));
  EXPECT(nn == 2, "captured %zu nodes", nn);
  CHECK(cuGraphInstantiate(&x, captured, 0));
  CHECK(cuGraphLaunch(x, s1));
  CHECK(cuStreamSynchronize(s1));
  poison(c, N);
  CHECK(cuMemcpyDtoH(c, dc, bytes));
  check_floats("captured vector_add", c, want, N, 1e-6f);
  CHECK(cuGraphExecDestroy(x));
  CHECK(cuGraphDestroy(captured));

  // Under streamhal's drop-in, an unimplemented function is a stub.
  if (dlsym(RTLD_DEFAULT, "streamhal_capi_dropin") != NULL) {
    EXPECT(cuMemcpy2D(NULL) == CUDA_ERROR_NOT_SUPPORTED, "stub");
  }

  CHECK(cuStreamDestroy(s2));
  // A destroyed handle is undefined behaviour in CUDA (NVIDIA's libcuda
  // may crash on it); the drop-in promises an error.
  if (dlsym(RTLD_DEFAULT, "streamhal_capi_dropin") != NULL) {
    EXPECT(cuStreamQuery(s2) == CUDA_ERROR_INVALID_HANDLE, "destroyed stream");
  }
  CHECK(cuStreamDestroy(s1));
  CHECK(cuEventDestroy(start));
  CHECK(cuEventDestroy(stop));
  CHECK(cuEventDestroy(done));
  CHECK(cuMemFreeHost(pinned));
  CUdeviceptr frees[] = {da, db, dc, mA, mB, mC};
  for (int i = 0; i < 6; i++) CHECK(cuMemFree(frees[i]));
  CHECK(cuModuleUnload(mod2));
  CHECK(cuModuleUnload(mod));
  CHECK(cuCtxDestroy(ctx));
  free(image);
  free(a), free(b), free(c), free(want), free(ha), free(hb), free(hc), free(ref);
  if (failures) {
    printf("FAIL: %d checks\n", failures);
    return 1;
  }
  printf("PASS\n");
  return 0;
}
