/*
 * oclbench.c: runs kernels/opencl/test_kernels.cl on an OpenCL CPU device
 * (PoCL) for hal/cpu's BenchmarkPTXKernels, which builds this program
 * with cc (-lOpenCL, the ICD loader) and drives it over a pipe, so that
 * PoCL's launches alternate with the CPU backend's in one run.
 *
 *   oclbench KERNELS.cl
 *
 * prints "ready DEVICE" once the program is built, then answers one line
 * per command line on stdin:
 *
 *   setup KERNEL N   buffers for KERNEL (vector_add, saxpy, reduce_sum: N
 *                    floats; matrix_multiply: N x N matrices), inputs all
 *                    1.0, as the Go side fills its own -> "ok"
 *   run              one launch and clFinish -> the nanoseconds it took
 *   check I          element I of the output buffer -> its value
 *   quit
 *
 * The launch shapes are the CUDA ones: 256 work-items per group (16x16 for
 * matrix_multiply), global size = groups * local size. Errors print
 * "error ..." and exit 1.
 */
#define _POSIX_C_SOURCE 200809L
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void die(const char* what, cl_int err) {
  printf("error %s (%d)\n", what, (int)err);
  fflush(stdout);
  exit(1);
}

#define CHECK(call)                    \
  do {                                 \
    cl_int e_ = (call);                \
    if (e_ != CL_SUCCESS) die(#call, e_); \
  } while (0)

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static char* slurp(const char* path, size_t* n) {
  FILE* f = fopen(path, "rb");
  if (!f) die("open kernels", 0);
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  char* b = malloc((size_t)len + 1);
  if (fread(b, 1, (size_t)len, f) != (size_t)len) die("read kernels", 0);
  b[len] = 0;
  fclose(f);
  *n = (size_t)len;
  return b;
}

int main(int argc, char** argv) {
  if (argc != 2) die("usage: oclbench KERNELS.cl", 0);
  cl_platform_id plat;
  cl_uint np = 0;
  CHECK(clGetPlatformIDs(1, &plat, &np));
  if (np == 0) die("no OpenCL platform", 0);
  cl_device_id dev;
  CHECK(clGetDeviceIDs(plat, CL_DEVICE_TYPE_ALL, 1, &dev, NULL));
  char name[256] = {0};
  CHECK(clGetDeviceInfo(dev, CL_DEVICE_NAME, sizeof name - 1, name, NULL));
  cl_int err;
  cl_context ctx = clCreateContext(NULL, 1, &dev, NULL, NULL, &err);
  if (err) die("clCreateContext", err);
  cl_command_queue q = clCreateCommandQueue(ctx, dev, 0, &err);
  if (err) die("clCreateCommandQueue", err);
  size_t srclen;
  const char* src = slurp(argv[1], &srclen);
  cl_program prog = clCreateProgramWithSource(ctx, 1, &src, &srclen, &err);
  if (err) die("clCreateProgramWithSource", err);
  if ((err = clBuildProgram(prog, 1, &dev, "", NULL, NULL)) != CL_SUCCESS) {
    char log[8192] = {0};
    clGetProgramBuildInfo(prog, dev, CL_PROGRAM_BUILD_LOG, sizeof log - 1, log, NULL);
    printf("error build: %s\n", log);
    return 1;
  }
  printf("ready %s\n", name);
  fflush(stdout);

  cl_kernel k = NULL;
  cl_mem bufs[3] = {NULL, NULL, NULL};
  size_t outbuf = 0, outlen = 0, global[2] = {0, 0}, local[2] = {0, 0};
  cl_uint dims = 1;
  char line[256];
  while (fgets(line, sizeof line, stdin)) {
    char cmd[32] = {0}, kname[64] = {0};
    unsigned long n = 0;
    if (sscanf(line, "%31s", cmd) != 1) continue;
    if (strcmp(cmd, "quit") == 0) break;
    if (strcmp(cmd, "setup") == 0) {
      if (sscanf(line, "%*s %63s %lu", kname, &n) != 2) die("setup KERNEL N", 0);
      for (int i = 0; i < 3; i++)
        if (bufs[i]) clReleaseMemObject(bufs[i]), bufs[i] = NULL;
      if (k) clReleaseKernel(k);
      k = clCreateKernel(prog, kname, &err);
      if (err) die("clCreateKernel", err);
      size_t elems[3] = {n, n, n};
      int nb = 3;
      dims = 1;
      local[0] = 256;
      global[0] = (n + 255) / 256 * 256;
      if (strcmp(kname, "matrix_multiply") == 0) {
        elems[0] = elems[1] = elems[2] = n * n;
        dims = 2;
        local[0] = local[1] = 16;
        global[0] = global[1] = (n + 15) / 16 * 16;
        outbuf = 2;
      } else if (strcmp(kname, "saxpy") == 0) {
        nb = 2;
        outbuf = 1;
      } else if (strcmp(kname, "reduce_sum") == 0) {
        nb = 2;
        elems[1] = (n + 255) / 256;
        outbuf = 1;
      } else {
        outbuf = 2;
      }
      for (int i = 0; i < nb; i++) {
        bufs[i] = clCreateBuffer(ctx, CL_MEM_READ_WRITE, elems[i] * 4, NULL, &err);
        if (err) die("clCreateBuffer", err);
        float one = 1.0f;
        CHECK(clEnqueueFillBuffer(q, bufs[i], &one, 4, 0, elems[i] * 4, 0, NULL, NULL));
      }
      outlen = elems[outbuf];
      cl_uint un = (cl_uint)n;
      float a = 2.0f;
      if (strcmp(kname, "vector_add") == 0) {
        CHECK(clSetKernelArg(k, 0, sizeof(cl_mem), &bufs[0]));
        CHECK(clSetKernelArg(k, 1, sizeof(cl_mem), &bufs[1]));
        CHECK(clSetKernelArg(k, 2, sizeof(cl_mem), &bufs[2]));
        CHECK(clSetKernelArg(k, 3, sizeof un, &un));
      } else if (strcmp(kname, "saxpy") == 0) {
        CHECK(clSetKernelArg(k, 0, sizeof un, &un));
        CHECK(clSetKernelArg(k, 1, sizeof a, &a));
        CHECK(clSetKernelArg(k, 2, sizeof(cl_mem), &bufs[0]));
        CHECK(clSetKernelArg(k, 3, sizeof(cl_mem), &bufs[1]));
      } else if (strcmp(kname, "matrix_multiply") == 0) {
        CHECK(clSetKernelArg(k, 0, sizeof(cl_mem), &bufs[0]));
        CHECK(clSetKernelArg(k, 1, sizeof(cl_mem), &bufs[1]));
        CHECK(clSetKernelArg(k, 2, sizeof(cl_mem), &bufs[2]));
        for (int i = 3; i < 6; i++) CHECK(clSetKernelArg(k, (cl_uint)i, sizeof un, &un));
      } else if (strcmp(kname, "reduce_sum") == 0) {
        CHECK(clSetKernelArg(k, 0, sizeof(cl_mem), &bufs[0]));
        CHECK(clSetKernelArg(k, 1, sizeof(cl_mem), &bufs[1]));
        CHECK(clSetKernelArg(k, 2, sizeof un, &un));
        CHECK(clSetKernelArg(k, 3, 256 * sizeof(float), NULL));
      } else {
        die("unknown kernel", 0);
      }
      CHECK(clFinish(q));
      printf("ok\n");
    } else if (strcmp(cmd, "run") == 0) {
      if (!k) die("run before setup", 0);
      uint64_t t0 = now_ns();
      CHECK(clEnqueueNDRangeKernel(q, k, dims, NULL, global, local, 0, NULL, NULL));
      CHECK(clFinish(q));
      printf("%llu\n", (unsigned long long)(now_ns() - t0));
    } else if (strcmp(cmd, "check") == 0) {
      unsigned long i = 0;
      if (!k || sscanf(line, "%*s %lu", &i) != 1 || i >= outlen) die("check I", 0);
      float v = 0;
      CHECK(clEnqueueReadBuffer(q, bufs[outbuf], CL_TRUE, i * 4, 4, &v, 0, NULL, NULL));
      printf("%.9g\n", v);
    } else {
      die("unknown command", 0);
    }
    fflush(stdout);
  }
  return 0;
}
