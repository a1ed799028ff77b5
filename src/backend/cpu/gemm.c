/* gemm.c - see gemm.h. */
#include "gemm.h"

#include <stdlib.h>

#ifdef DN_OPENBLAS
#include <cblas.h>
#endif
#ifdef _OPENMP
#include <omp.h>
#endif

void gemm_init_threads(int n)
{
#ifdef _OPENMP
    if (n > 0) omp_set_num_threads(n);
#else
    (void)n;
#endif
#if defined(DN_OPENBLAS) && defined(_OPENMP)
    if (!getenv("OPENBLAS_NUM_THREADS")) openblas_set_num_threads(1);
#endif
}

void gemm_blas_threads(int n)
{
#ifdef DN_OPENBLAS
    openblas_set_num_threads(n > 0 ? n : 1);
#else
    (void)n;
#endif
}

int gemm_threads(void)
{
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

void gemm_ref(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
              const float *B, int ldb, float beta, float *C, int ldc)
{
    if (!ta && tb) {
        /* C = alpha A B^T + beta C: dot products of contiguous rows, summed in
         * double. This is a convolution's weight gradient, a sum over every
         * output pixel of the batch (K = 4096 at batch 4 on 32x32); a float
         * running sum lost up to 0.5% of results that cancel (tests/test_parity.c),
         * and the strided walk of B was 16x slower. */
        for (int i = 0; i < M; i++) {
            const float *a = A + (long)i * lda;
            float *c = C + (long)i * ldc;
            for (int j = 0; j < N; j++) {
                const float *b = B + (long)j * ldb;
                double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                int k = 0;
                for (; k + 4 <= K; k += 4) {
                    s0 += (double)a[k] * b[k];
                    s1 += (double)a[k + 1] * b[k + 1];
                    s2 += (double)a[k + 2] * b[k + 2];
                    s3 += (double)a[k + 3] * b[k + 3];
                }
                for (; k < K; k++) s0 += (double)a[k] * b[k];
                double s = alpha * ((s0 + s1) + (s2 + s3));
                c[j] = (float)(beta == 0 ? s : beta * (double)c[j] + s);
            }
        }
        return;
    }
    for (int i = 0; i < M; i++) {
        float *c = C + (long)i * ldc;
        if (beta == 0) {
            for (int j = 0; j < N; j++) c[j] = 0;
        } else if (beta != 1) {
            for (int j = 0; j < N; j++) c[j] *= beta;
        }
        for (int k = 0; k < K; k++) {
            float a = alpha * (ta ? A[(long)k * lda + i] : A[(long)i * lda + k]);
            if (a == 0) continue;
            if (!tb) {
                const float *b = B + (long)k * ldb;
                for (int j = 0; j < N; j++) c[j] += a * b[j];
            } else {
                for (int j = 0; j < N; j++) c[j] += a * B[(long)j * ldb + k];
            }
        }
    }
}

void gemm(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda, const float *B,
          int ldb, float beta, float *C, int ldc)
{
    if (M <= 0 || N <= 0) return;
#ifdef DN_OPENBLAS
    if (K <= 0) {
        gemm_ref(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N,
                K, alpha, A, lda, B, ldb, beta, C, ldc);
#else
    gemm_ref(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#endif
}

const char *gemm_backend(void)
{
#ifdef DN_OPENBLAS
    return "openblas";
#else
    return "reference";
#endif
}
