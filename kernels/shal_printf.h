/*
 * shal_printf.h: CUDA's device printf, formatted on the host.
 *
 * CUDA C's printf compiles to a call of vprintf(format, args): args points
 * to the arguments after C's default promotions, each at an offset aligned
 * to its size: 4 bytes for the integer conversions (c d i o u x X) without
 * a size or with h/hh, 8 with l, ll, j, z or t; 8 (a double) for e E f F g
 * G a A; 8 for s and p; a '*' width or precision takes a 4-byte int first.
 * shal_printf_to formats such a buffer by the format's conversions, as
 * CUDA documents them, with the C library, and writes the whole text to fd
 * in one write(2), so that the lines of concurrent threads do not mix. At
 * most 32 arguments are used, as on CUDA; %n writes nothing. It returns
 * the number of arguments used (CUDA's printf result), -1 for a null
 * format.
 *
 * The CPU backend's translated PTX (ptx/cgen) calls it from the kernel;
 * hal/vulkan calls it on the host for the records kernels leave in a
 * buffer (ptx/spirvgen), whose argument layout ptx/spirvgen.PrintfLayout
 * computes the same way. Everything is static: each user has its copy.
 */
#ifndef SHAL_PRINTF_H_
#define SHAL_PRINTF_H_

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define SHAL_PRINTF_MAX 4096
typedef struct shal_pbuf {
  char b[SHAL_PRINTF_MAX];
  size_t n;
} shal_pbuf;

static void shal_pbuf_put(shal_pbuf* o, const char* s, size_t n) {
  if (n > sizeof o->b - 1 - o->n) n = sizeof o->b - 1 - o->n;
  memcpy(o->b + o->n, s, n);
  o->n += n;
}

static void shal_pbuf_fmt(shal_pbuf* o, const char* spec, int kind, int star1, int star2, int nstar, const uint8_t* a) {
  char tmp[SHAL_PRINTF_MAX];
  int k = -1;
  uint64_t u = 0;
  double d = 0;
  if (kind == 'd') memcpy(&d, a, 8);
  else if (kind == '8' || kind == 'p' || kind == 's') memcpy(&u, a, 8);
  else if (kind == '4') { uint32_t w; memcpy(&w, a, 4); u = w; }
#define SHAL_PF(v) (nstar == 2 ? snprintf(tmp, sizeof tmp, spec, star1, star2, v) : nstar == 1 ? snprintf(tmp, sizeof tmp, spec, star1, v) : snprintf(tmp, sizeof tmp, spec, v))
  switch (kind) {
    case 'd': k = SHAL_PF(d); break;
    case '8': k = SHAL_PF((long long)u); break;
    case '4': k = SHAL_PF((int)(uint32_t)u); break;
    case 'p': k = SHAL_PF((void*)(uintptr_t)u); break;
    case 's': k = SHAL_PF(u ? (const char*)(uintptr_t)u : "(null)"); break;
  }
#undef SHAL_PF
  if (k > 0) shal_pbuf_put(o, tmp, (size_t)k < sizeof tmp ? (size_t)k : sizeof tmp - 1);
}

/* shal_printf_format formats into o (o->n bytes, at most SHAL_PRINTF_MAX
 * - 1, NUL-terminated) and returns the number of arguments used. */
static __attribute__((unused)) int32_t shal_printf_format(shal_pbuf* out, const char* f, const uint8_t* args) {
  shal_pbuf o;
  o.n = 0;
  size_t off = 0;
  int used = 0;
  while (*f) {
    if (*f != '%') {
      const char* q = strchr(f, '%');
      size_t n = q ? (size_t)(q - f) : strlen(f);
      shal_pbuf_put(&o, f, n);
      f += n;
      continue;
    }
    if (f[1] == '%') {
      shal_pbuf_put(&o, "%", 1);
      f += 2;
      continue;
    }
    /* %[flags][width][.precision][size]type */
    const char* start = f++;
    char spec[64];
    size_t sn = 0;
    spec[sn++] = '%';
    int star[2] = {0, 0}, nstar = 0;
    while (*f && strchr("-+ #0", *f)) { if (sn < 40) spec[sn++] = *f; f++; }
    for (int part = 0; part < 2; part++) {
      if (part == 1) {
        if (*f != '.') break;
        if (sn < 40) spec[sn++] = '.';
        f++;
      }
      if (*f == '*') {
        f++;
        if (used < 32 && args) {
          off = (off + 3) & ~(size_t)3;
          int32_t v;
          memcpy(&v, args + off, 4);
          off += 4;
          used++;
          star[nstar++] = v;
          if (sn < 40) spec[sn++] = '*';
        }
      } else {
        while (*f >= '0' && *f <= '9') { if (sn < 40) spec[sn++] = *f; f++; }
      }
    }
    int size8 = 0, nh = 0;
    while (*f && strchr("hlLqjzt", *f)) {
      if (*f != 'h') size8 = 1;
      else nh++;
      f++;
    }
    char c = *f;
    if (!c || !strchr("cdiouxXpeEfFgGaAsn", c) || used >= 32 || !args) {
      /* not a conversion, or past CUDA's 32 arguments: as written */
      if (c) f++;
      shal_pbuf_put(&o, start, (size_t)(f - start));
      continue;
    }
    f++;
    int kind;
    size_t sz = 8;
    switch (c) {
      case 'c': case 'd': case 'i': case 'o': case 'u': case 'x': case 'X':
        kind = size8 ? '8' : '4';
        sz = size8 ? 8 : 4;
        if (size8) {
          spec[sn++] = 'l';
          spec[sn++] = 'l';
        } else if (nh > 0 && c != 'c') {
          /* h, hh: the int argument converted to short or char, as C
           * and CUDA print it */
          spec[sn++] = 'h';
          if (nh > 1) spec[sn++] = 'h';
        }
        break;
      case 'p': kind = 'p'; break;
      case 's': kind = 's'; break;
      case 'n': kind = 'n'; break;
      default: kind = 'd'; break;
    }
    spec[sn++] = c;
    spec[sn] = 0;
    off = (off + sz - 1) & ~(sz - 1);
    if (kind != 'n') shal_pbuf_fmt(&o, spec, kind, star[0], star[1], nstar, args + off);
    off += sz;
    used++;
  }
  o.b[o.n] = 0;
  *out = o;
  return used;
}

static __attribute__((unused)) int32_t shal_printf_to(int fd, const char* f, const uint8_t* args) {
  if (!f) return -1;
  shal_pbuf o;
  int32_t used = shal_printf_format(&o, f, args);
  if (o.n > 0) {
    const char* p = o.b;
    size_t n = o.n;
    while (n > 0) {
      ssize_t w = write(fd, p, n);
      if (w <= 0) break;
      p += w;
      n -= (size_t)w;
    }
  }
  return used;
}

#endif /* SHAL_PRINTF_H_ */
