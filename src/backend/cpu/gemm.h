/*
 * gemm.h - single-precision matrix multiply, row-major:
 *     C(M,N) = alpha * op(A) * op(B) + beta * C
 * op(X) = X or X^T (ta/tb = 1). A is M x K after op, B is K x N after op.
 * With OPENBLAS=1 this calls cblas_sgemm; otherwise a plain C loop.
 * gemm_ref is the plain C loop always (the reference the tests compare with).
 */
#ifndef DN_GEMM_H
#define DN_GEMM_H

void gemm(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda, const float *B,
          int ldb, float beta, float *C, int ldc);
void gemm_ref(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
              const float *B, int ldb, float beta, float *C, int ldc);

/* Call once at start-up with the -threads value (0: OpenMP's default). Debian's default OpenBLAS runs its own pthread
 * pool, which fights OpenMP's pool for the cores when both spin (measured on
 * 2 cores: 65 images/s with both at 2 threads, 97 with OpenBLAS at 1), so
 * with OpenMP on, OpenBLAS gets one thread unless OPENBLAS_NUM_THREADS is set. */
void gemm_init_threads(int n);
/* CPU threads: -threads N or OMP_NUM_THREADS, else every core (OpenMP's
 * default; 1 without OpenMP). */
int gemm_threads(void);
/* Let OpenBLAS itself use n threads (only while no OpenMP region runs:
 * `./darknet bench gemm` measures the machine's SGEMM peak this way). */
void gemm_blas_threads(int n);

/* Name of the backend in use ("openblas" or "reference"). */
const char *gemm_backend(void);

#endif
