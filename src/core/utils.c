/* utils.c - see utils.h. */
#define _POSIX_C_SOURCE 200809L
#include "utils.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void dn_abort(const char *file, int line, const char *func, const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fprintf(stderr, "%s:%d: %s: ", file, line, func);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) DN_ABORT("out of memory allocating %zu bytes", n);
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p) DN_ABORT("out of memory allocating %zu x %zu bytes", count, size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) DN_ABORT("out of memory reallocating %zu bytes", n);
    return q;
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = xmalloc(n);
    memcpy(d, s, n);
    return d;
}

float *falloc(size_t n) { return xcalloc(n, sizeof(float)); }

void dn_errf(char *err, const char *fmt, ...)
{
    va_list ap;
    if (!err) return;
    va_start(ap, fmt);
    vsnprintf(err, DN_ERR_LEN, fmt, ap);
    va_end(ap);
}

double dn_time(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

uint64_t hash64(uint64_t x)
{
    /* splitmix64 finaliser */
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

void rng_seed(struct dn_rng *r, uint64_t seed) { r->state = hash64(seed); }

uint32_t rng_u32(struct dn_rng *r)
{
    /* PCG-XSH-RR step on a 64-bit LCG */
    uint64_t old = r->state;
    r->state = old * 6364136223846793005ull + 1442695040888963407ull;
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31));
}

float rng_uniform(struct dn_rng *r, float lo, float hi)
{
    float u = (rng_u32(r) >> 8) * (1.0f / 16777216.0f); /* 24 random bits in [0,1) */
    return lo + (hi - lo) * u;
}

float rng_normal(struct dn_rng *r)
{
    /* Box-Muller; u1 in (0,1] so log() is finite */
    double u1 = ((rng_u32(r) >> 8) + 1.0) / 16777216.0;
    double u2 = (rng_u32(r) >> 8) / 16777216.0;
    return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

uint32_t rng_below(struct dn_rng *r, uint32_t n)
{
    /* Lemire's multiply-shift; bias is negligible for our n */
    return (uint32_t)(((uint64_t)rng_u32(r) * n) >> 32);
}
