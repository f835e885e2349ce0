// hip_features.c exercises the HIP runtime C API beyond hip_api_demo.c:
// streams, events, host functions, graphs (built node by node and by
// stream capture), stream-ordered allocation and memory pools, and the
// error functions. Usage: hip_features test_kernels.fat. Every check
// prints what failed; the program prints PASS and exits 0 when all hold.
#include <hip/hip_runtime_api.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../testdata/capi_check.h"

#define CHECK(call)                                                        \
  do {                                                                     \
    hipError_t e_ = (call);                                                \
    if (e_ != hipSuccess) {                                                \
      fprintf(stderr, "%s:%d: %s = %d (%s: %s)\n", __FILE__, __LINE__,    \
              #call, e_, hipGetErrorName(e_), hipGetErrorString(e_));      \
      exit(2);                                                             \
    }                                                                      \
  } while (0)

enum { N = 4096 };

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s test_kernels.fat\n", argv[0]);
    return 2;
  }
  const size_t bytes = N * sizeof(float);
  float *a = malloc(bytes), *b = malloc(bytes), *c = malloc(bytes), *want = malloc(bytes);
  for (int i = 0; i < N; i++) {
    a[i] = (float)i;
    b[i] = 0.5f * (float)i + 1.0f;
    want[i] = a[i] + b[i];
  }

  // Errors: names and strings, the last error.
  EXPECT(strcmp(hipGetErrorName(hipErrorInvalidValue), "hipErrorInvalidValue") == 0, "name %s",
         hipGetErrorName(hipErrorInvalidValue));
  EXPECT(strlen(hipGetErrorString(hipErrorOutOfMemory)) > 0, "empty error string");
  EXPECT(hipGetLastError() == hipSuccess, "fresh last error");
  hipDeviceptr_t bad;
  EXPECT(hipFree((void*)0x1234) == hipErrorInvalidValue, "free of a made-up pointer");
  EXPECT(hipPeekAtLastError() == hipErrorInvalidValue, "peek after a failed free");
  EXPECT(hipGetLastError() == hipErrorInvalidValue, "last error after a failed free");
  EXPECT(hipGetLastError() == hipSuccess, "last error cleared");
  EXPECT(hipModuleLoad(NULL, argv[1]) == hipErrorInvalidValue, "NULL module out-pointer");
  EXPECT(hipStreamSynchronize((hipStream_t)0x42) == hipErrorInvalidHandle, "made-up stream");
  EXPECT(hipMalloc(&bad, (size_t)1 << 62) == hipErrorOutOfMemory, "huge malloc");
  EXPECT(hipGetDeviceProperties(NULL, 0) == hipErrorNotSupported, "a stub is hipErrorNotSupported");
  (void)hipGetLastError();

  int count = 0;
  CHECK(hipGetDeviceCount(&count));
  EXPECT(count >= 1, "%d devices", count);
  int major = -1, minor = -1, amajor = -2, threads = 0, warp = 0, sms = 0;
  CHECK(hipDeviceComputeCapability(&major, &minor, 0));
  CHECK(hipDeviceGetAttribute(&amajor, hipDeviceAttributeComputeCapabilityMajor, 0));
  CHECK(hipDeviceGetAttribute(&threads, hipDeviceAttributeMaxThreadsPerBlock, 0));
  CHECK(hipDeviceGetAttribute(&warp, hipDeviceAttributeWarpSize, 0));
  CHECK(hipDeviceGetAttribute(&sms, hipDeviceAttributeMultiprocessorCount, 0));
  EXPECT(amajor == major, "attribute major %d, compute capability %d", amajor, major);
  EXPECT(threads >= 256 && warp >= 1 && sms >= 1, "threads %d, warp %d, SMs %d", threads, warp, sms);

  hipModule_t mod;
  CHECK(hipModuleLoad(&mod, argv[1]));
  hipFunction_t vadd;
  CHECK(hipModuleGetFunction(&vadd, mod, "vector_add"));
  EXPECT(hipModuleGetFunction(&vadd, mod, "no_such_kernel") == hipErrorNotFound, "missing kernel");
  CHECK(hipModuleGetFunction(&vadd, mod, "vector_add"));

  float *da, *db, *dc;
  CHECK(hipMalloc((void**)&da, bytes));
  CHECK(hipMalloc((void**)&db, bytes));
  CHECK(hipMalloc((void**)&dc, bytes));

  // Streams and events: copies and a launch on a stream, timed.
  hipStream_t s;
  CHECK(hipStreamCreateWithFlags(&s, hipStreamNonBlocking));
  hipEvent_t start, stop;
  CHECK(hipEventCreate(&start));
  CHECK(hipEventCreateWithFlags(&stop, hipEventDefault));
  CHECK(hipEventRecord(start, s));
  CHECK(hipMemcpyHtoDAsync(da, a, bytes, s));
  CHECK(hipMemcpyAsync(db, b, bytes, hipMemcpyHostToDevice, s));
  CHECK(hipMemsetAsync(dc, 0xff, bytes, s));
  unsigned n = N;
  void* args[] = {&da, &db, &dc, &n};
  CHECK(hipModuleLaunchKernel(vadd, (N + 255) / 256, 1, 1, 256, 1, 1, 0, s, args, NULL));
  int calls = 0;
  CHECK(hipLaunchHostFunc(s, host_fn, &calls));
  CHECK(hipEventRecord(stop, s));
  CHECK(hipEventSynchronize(stop));
  EXPECT(hipEventQuery(stop) == hipSuccess, "query after synchronize");
  EXPECT(hipStreamQuery(s) == hipSuccess, "stream idle");
  EXPECT(calls == 1, "host function ran %d times", calls);
  float ms = -1;
  CHECK(hipEventElapsedTime(&ms, start, stop));
  EXPECT(ms >= 0, "elapsed %g ms", ms);
  poison(c, N);
  CHECK(hipMemcpyDtoH(c, dc, bytes));
  check_floats("stream vector_add", c, want, N, 1e-5f);

  // The extra array: the arguments as one packed buffer.
  struct { float *a, *b, *c; unsigned n; } packed = {db, da, dc, N};
  size_t psize = sizeof(packed);
  void* extra[] = {HIP_LAUNCH_PARAM_BUFFER_POINTER, &packed, HIP_LAUNCH_PARAM_BUFFER_SIZE, &psize, HIP_LAUNCH_PARAM_END};
  CHECK(hipMemset(dc, 0, bytes));
  CHECK(hipModuleLaunchKernel(vadd, (N + 255) / 256, 1, 1, 256, 1, 1, 0, NULL, NULL, extra));
  CHECK(hipDeviceSynchronize());
  poison(c, N);
  CHECK(hipMemcpy(c, dc, bytes, hipMemcpyDeviceToHost));
  check_floats("extra vector_add", c, want, N, 1e-5f);

  // A second stream waits for an event of the first.
  hipStream_t s2;
  CHECK(hipStreamCreate(&s2));
  hipEvent_t done;
  CHECK(hipEventCreateWithFlags(&done, hipEventDisableTiming));
  CHECK(hipMemsetD32Async(dc, 0, N, s));
  CHECK(hipEventRecord(done, s));
  CHECK(hipStreamWaitEvent(s2, done, 0));
  CHECK(hipModuleLaunchKernel(vadd, (N + 255) / 256, 1, 1, 256, 1, 1, 0, s2, args, NULL));
  CHECK(hipStreamSynchronize(s2));
  poison(c, N);
  CHECK(hipMemcpyDtoH(c, dc, bytes));
  check_floats("cross-stream vector_add", c, want, N, 1e-5f);

  // A graph built node by node: memset -> kernel -> copy to host memory
  // the runtime knows, plus a host node.
  float* pinned;
  CHECK(hipHostMalloc((void**)&pinned, bytes, 0));
  poison(pinned, N);
  hipGraph_t g;
  CHECK(hipGraphCreate(&g, 0));
  hipMemsetParams mp = {0};
  mp.dst = dc;
  mp.elementSize = 4;
  mp.width = N;
  mp.height = 1;
  mp.value = 0;
  hipGraphNode_t nset, nkern, ncopy, nhost;
  CHECK(hipGraphAddMemsetNode(&nset, g, NULL, 0, &mp));
  hipKernelNodeParams kp = {0};
  kp.func = (void*)vadd;
  kp.gridDim.x = (N + 255) / 256;
  kp.gridDim.y = kp.gridDim.z = 1;
  kp.blockDim.x = 256;
  kp.blockDim.y = kp.blockDim.z = 1;
  kp.kernelParams = args;
  CHECK(hipGraphAddKernelNode(&nkern, g, &nset, 1, &kp));
  CHECK(hipGraphAddMemcpyNode1D(&ncopy, g, &nkern, 1, pinned, dc, bytes, hipMemcpyDeviceToHost));
  hipHostNodeParams hp = {host_fn, &calls};
  CHECK(hipGraphAddHostNode(&nhost, g, NULL, 0, &hp));
  CHECK(hipGraphAddDependencies(g, &ncopy, &nhost, 1));
  size_t nn = 0;
  CHECK(hipGraphGetNodes(g, NULL, &nn));
  EXPECT(nn == 4, "%zu nodes", nn);
  hipGraphNodeType nt;
  CHECK(hipGraphNodeGetType(nkern, &nt));
  EXPECT(nt == hipGraphNodeTypeKernel, "kernel node type %d", nt);
  CHECK(hipGraphNodeGetType(nset, &nt));
  EXPECT(nt == hipGraphNodeTypeMemset, "memset node type %d", nt);
  hipGraph_t clone;
  CHECK(hipGraphClone(&clone, g));
  CHECK(hipGraphGetNodes(clone, NULL, &nn));
  EXPECT(nn == 4, "clone has %zu nodes", nn);
  CHECK(hipGraphDestroy(clone));
  hipGraphExec_t x;
  CHECK(hipGraphInstantiate(&x, g, NULL, NULL, 0));
  calls = 0;
  for (int i = 0; i < 3; i++) CHECK(hipGraphLaunch(x, s));
  CHECK(hipStreamSynchronize(s));
  EXPECT(calls == 3, "graph host node ran %d times", calls);
  check_floats("graph vector_add", pinned, want, N, 1e-5f);
  CHECK(hipGraphExecDestroy(x));
  CHECK(hipGraphDestroy(g));

  // Stream capture: the same work recorded, then replayed.
  hipStreamCaptureStatus st;
  CHECK(hipStreamBeginCapture(s, hipStreamCaptureModeGlobal));
  CHECK(hipStreamIsCapturing(s, &st));
  EXPECT(st == hipStreamCaptureStatusActive, "capture status %d", st);
  CHECK(hipMemsetAsync(dc, 0, bytes, s));
  CHECK(hipModuleLaunchKernel(vadd, (N + 255) / 256, 1, 1, 256, 1, 1, 0, s, args, NULL));
  hipGraph_t captured;
  CHECK(hipStreamEndCapture(s, &captured));
  CHECK(hipStreamIsCapturing(s, &st));
  EXPECT(st == hipStreamCaptureStatusNone, "status after capture %d", st);
  CHECK(hipGraphGetNodes(captured, NULL, &nn));
  EXPECT(nn == 2, "captured %zu nodes", nn);
  CHECK(hipGraphInstantiateWithFlags(&x, captured, 0));
  CHECK(hipGraphLaunch(x, s));
  CHECK(hipStreamSynchronize(s));
  poison(c, N);
  CHECK(hipMemcpyDtoH(c, dc, bytes));
  check_floats("captured vector_add", c, want, N, 1e-5f);
  CHECK(hipGraphExecDestroy(x));
  CHECK(hipGraphDestroy(captured));

  // Stream-ordered allocation from the default pool and from a new pool.
  float* tmp;
  CHECK(hipMallocAsync((void**)&tmp, bytes, s));
  CHECK(hipMemcpyHtoDAsync(tmp, a, bytes, s));
  CHECK(hipMemcpyDtoDAsync(dc, tmp, bytes, s));
  CHECK(hipFreeAsync(tmp, s));
  CHECK(hipStreamSynchronize(s));
  poison(c, N);
  CHECK(hipMemcpyDtoH(c, dc, bytes));
  check_floats("pool copy", c, a, N, 1e-5f);

  hipMemPool_t defpool;
  CHECK(hipDeviceGetDefaultMemPool(&defpool, 0));
  hipMemPoolProps props;
  memset(&props, 0, sizeof props);
  props.allocType = hipMemAllocationTypePinned;
  props.location.type = hipMemLocationTypeDevice;
  props.location.id = 0;
  hipMemPool_t pool;
  CHECK(hipMemPoolCreate(&pool, &props));
  EXPECT(pool != defpool, "a new pool is not the default pool");
  uint64_t threshold = (uint64_t)1 << 20, got = 0;
  CHECK(hipMemPoolSetAttribute(pool, hipMemPoolAttrReleaseThreshold, &threshold));
  CHECK(hipMemPoolGetAttribute(pool, hipMemPoolAttrReleaseThreshold, &got));
  EXPECT(got == threshold, "release threshold %llu", (unsigned long long)got);
  int reuse = 0;
  CHECK(hipMemPoolSetAttribute(pool, hipMemPoolReuseAllowOpportunistic, &reuse));
  reuse = 7;
  CHECK(hipMemPoolGetAttribute(pool, hipMemPoolReuseAllowOpportunistic, &reuse));
  EXPECT(reuse == 0, "reuse flag %d", reuse);
  CHECK(hipMallocFromPoolAsync((void**)&tmp, bytes, pool, s));
  CHECK(hipMemcpyHtoDAsync(tmp, b, bytes, s));
  CHECK(hipStreamSynchronize(s));
  CHECK(hipMemPoolGetAttribute(pool, hipMemPoolAttrUsedMemCurrent, &got));
  EXPECT(got >= bytes, "used %llu bytes", (unsigned long long)got);
  poison(c, N);
  CHECK(hipMemcpyDtoH(c, tmp, bytes));
  check_floats("pool buffer", c, b, N, 1e-5f);
  CHECK(hipFreeAsync(tmp, s));
  CHECK(hipStreamSynchronize(s));
  CHECK(hipMemPoolTrimTo(pool, 0));
  CHECK(hipMemPoolDestroy(pool));

  // Queries and pitched memory.
  int least = 0, greatest = 0, prio = 99, blocks = 0;
  CHECK(hipDeviceGetStreamPriorityRange(&least, &greatest));
  CHECK(hipStreamGetPriority(s, &prio));
  EXPECT(prio <= least && prio >= greatest, "priority %d outside [%d, %d]", prio, greatest, least);
  CHECK(hipModuleOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, vadd, 256, 0));
  EXPECT(blocks >= 1, "occupancy %d", blocks);
  void* pitched;
  size_t pitch = 0, rsize = 0;
  CHECK(hipMallocPitch(&pitched, &pitch, 100, 7));
  EXPECT(pitch >= 100, "pitch %zu", pitch);
  hipDeviceptr_t base;
  CHECK(hipMemGetAddressRange(&base, &rsize, (char*)pitched + 10));
  EXPECT(base == pitched && rsize >= pitch * 7, "range %p+%zu of %p", base, rsize, pitched);
  CHECK(hipFree(pitched));

  // Destroyed handles are invalid.
  CHECK(hipStreamDestroy(s2));
  EXPECT(hipStreamQuery(s2) == hipErrorInvalidHandle, "destroyed stream");

  CHECK(hipEventDestroy(start));
  CHECK(hipEventDestroy(stop));
  CHECK(hipEventDestroy(done));
  CHECK(hipStreamDestroy(s));
  CHECK(hipHostFree(pinned));
  CHECK(hipFree(da));
  CHECK(hipFree(db));
  CHECK(hipFree(dc));
  CHECK(hipModuleUnload(mod));
  EXPECT(hipModuleGetFunction(&vadd, mod, "vector_add") == hipErrorInvalidHandle, "unloaded module");
  free(a);
  free(b);
  free(c);
  free(want);
  if (failures) {
    printf("FAIL: %d checks\n", failures);
    return 1;
  }
  printf("PASS\n");
  return 0;
}
