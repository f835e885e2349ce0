/*
 * printf_edge.cu: device printf's corner cases, printed on an H100 by
 * CUDA itself as the reference (printf_edge.h100.txt) for the printf of
 * the CPU and Vulkan backends, which run the same nvcc-built PTX
 * (printf_edge.nvcc.sm_80.ptx). Built and run on the GPU machine with
 *
 *   nvcc -arch=sm_90 -o printf_edge printf_edge.cu && ./printf_edge > printf_edge.h100.txt
 *   nvcc -ptx -arch=sm_80 -o printf_edge.nvcc.sm_80.ptx printf_edge.cu
 *
 * One thread prints every line, so the order is fixed.
 */
#include <cstdio>

extern "C" __global__ void print_edges(const char* null_str, float f, double d, int neg, unsigned long long big) {
  printf("1 prec*:[%.*f] then [%d]\n", 3, d, 42);
  printf("2 width*prec*:[%*.*f] then [%d]\n", 9, 2, d, 43);
  printf("3 width*:[%*d] [%-*d] then [%d]\n", 6, neg, 6, neg, 44);
  printf("4 flags:[%+d] [% d] [%#x] [%#o] [%#X] [%05d] [%-5d|]\n", 7, 7, 255, 8, 255, neg, neg);
  printf("5 floats:[%8.3f] [%-10.2e] [%g] [%G] [%.0f] [%#.0f] [%a]\n", d, d, f, 1e-10, 2.5, 2.5, 1.0);
  printf("6 special:[%f] [%f] [%e] [%g] [%5.1f]\n", 1.0 / 0.0, -1.0 / 0.0, 0.0 / 0.0, -0.0, d);
  printf("7 ints:[%hd] [%hhd] [%ld] [%lld] [%llu] [%llx] [%u]\n", 70000, 300, (long)neg, (long long)big, big, big, neg);
  printf("8 strings:[%s] [%10s] [%-10s|] [%.3s] [%c%c%c]\n", "abc", "right", "left", "truncate", 'x', 'y', 'z');
  printf("9 null:[%s] percent:[%%] [%5%]\n", null_str);
  printf("10 unknown:[%y] then [%d]\n", 45);
  printf("11 no args, pct at end %");
  printf("\n12 %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d\n", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
  printf("13 pointer:[%p] [%p]\n", (void*)0, (void*)0x1234);
  printf("14 float arg as %%d:[%d] then [%d]\n", 1.5f, 46);
  printf("15 long double-ish:[%Lf] then [%d]\n", d, 47);
}

int main() {
  print_edges<<<1, 1>>>(nullptr, 2.5f, 3.14159265358979, -12, 18000000000000000000ull);
  cudaError_t e = cudaDeviceSynchronize();
  if (e != cudaSuccess) {
    fprintf(stderr, "print_edges: %s\n", cudaGetErrorString(e));
    return 1;
  }
  return 0;
}
