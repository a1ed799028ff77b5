/*
 * simd.h - what the CPU kernels (conv_direct.c, conv_winograd.c, and the
 * batch-norm and shortcut loops of src/layers) share: 8-float vectors
 * through GCC/Clang vector extensions (one AVX register each; pairs of SSE
 * registers in a build without AVX), loads and stores that allow any
 * alignment, FMA, and the OpenMP thread helpers.
 * Include it from .c files only: it defines static inline functions.
 */
#ifndef DN_SIMD_H
#define DN_SIMD_H

#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* Builds without AVX (NATIVE=0) pass these vectors in SSE halves; the helpers
 * are static and inlined, so the ABI note GCC gives for that does not apply. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

#define VL 8 /* floats per vector */
#define ALWAYS_INLINE inline __attribute__((always_inline))

typedef float vf __attribute__((vector_size(VL * sizeof(float))));
typedef int vi __attribute__((vector_size(VL * sizeof(int))));

static ALWAYS_INLINE vf vld(const float *p)
{
    vf v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static ALWAYS_INLINE void vst(float *p, vf v) { memcpy(p, &v, sizeof(v)); }

static ALWAYS_INLINE vf vset1(float s) { return (vf){s, s, s, s, s, s, s, s}; }

#if defined(__FMA__) && defined(__AVX__)
#include <immintrin.h>
#define VFMA(a, b, c) _mm256_fmadd_ps((a), (b), (c)) /* a * b + c, one rounding */
#else
#define VFMA(a, b, c) ((a) * (b) + (c))
#endif

/* Keep v in a register: without this GCC folds each load of a reused vector
 * into every FMA that reads it (a memory operand), so a 12-accumulator tile
 * issues 15-16 loads per 12 FMAs instead of 7 and runs at 60% of the rate. */
#if defined(__GNUC__) && defined(__AVX__)
#define IN_REG(v) __asm__("" : "+x"(v))
#else
#define IN_REG(v) ((void)0)
#endif

/* OpenMP's thread count, but at most `most` (what the workspace was sized
 * for), and at least 1. */
static inline int threads_capped(int most)
{
#ifdef _OPENMP
    int n = omp_get_max_threads();
    n = n < most ? n : most;
    return n < 1 ? 1 : n;
#else
    (void)most;
    return 1;
#endif
}

static inline int thread_id(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

/* The sum of a[i] (b == NULL) or of a[i] * b[i], i < n, in 8 running sums
 * (sum k takes i % 8 == k, up to the last whole vector), added in a fixed
 * order, then the rest one by one: a fixed order, and 8 additions in flight
 * instead of one. */
static inline float sum_floats(const float *a, const float *b, int n)
{
    vf acc = vset1(0);
    int i = 0;
    for (; i + VL <= n; i += VL) acc += b ? vld(a + i) * vld(b + i) : vld(a + i);
    float s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (; i < n; i++) s += b ? a[i] * b[i] : a[i];
    return s;
}

#endif
