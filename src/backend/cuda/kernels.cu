/*
 * kernels.cu - the generic device helpers declared in cuda_common.h:
 * row-major gemm through cuBLAS, activations, element-wise sums, bias
 * add/gradient, row means and deterministic per-channel reductions.
 *
 * Every kernel is a grid-stride loop or one block per independent unit;
 * none of them writes one address from two threads, so no atomics are
 * needed and results do not depend on scheduling.
 */
#include "cuda_common.h"

void cuda_gemm(struct dn_cuda *ctx, int ta, int tb, int M, int N, int K, float alpha, const float *A,
              int lda, const float *B, int ldb, float beta, float *C, int ldc)
{
    if (M <= 0 || N <= 0) return;
    /* Row-major C (M,N) is column-major C^T (N,M) = op(B)^T op(A)^T: swap the
     * operands; each row-major matrix read column-major is its transpose. */
    DN_COUNT_LIBRARY_CALL();
    CUBLAS_CHECK(cublasSgemm(ctx->blas, tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N,
                             N, M, K, &alpha, B, ldb, A, lda, &beta, C, ldc));
}

/* y = f(x); y may be x */
__global__ static void activate_kernel(const float *x, float *y, size_t n, int a)
{
    GRID_STRIDE(i, n) y[i] = act_f(x[i], a);
}

/* d *= f'(x) from y = f(x) (from_x 0) or from x itself (from_x 1) */
__global__ static void gradient_kernel(const float *v, size_t n, int a, int from_x, float *d)
{
    GRID_STRIDE(i, n) d[i] *= from_x ? act_dx(v[i], a) : act_df(v[i], a);
}

void cuda_activate(struct dn_cuda *ctx, float *x, size_t n, enum dn_act a)
{
    if (a == ACT_LINEAR || n == 0) return;
    activate_kernel<<<cuda_grid(n), DN_THREADS, 0, ctx->stream>>>(x, x, n, (int)a);
    KERNEL_CHECK();
}

void cuda_gradient(struct dn_cuda *ctx, const float *y, size_t n, enum dn_act a, float *delta)
{
    DN_ASSERT(!act_needs_input(a)); /* swish, mish: cuda_gradient_from_input */
    if (a == ACT_LINEAR || n == 0) return;
    gradient_kernel<<<cuda_grid(n), DN_THREADS, 0, ctx->stream>>>(y, n, (int)a, 0, delta);
    KERNEL_CHECK();
}

void cuda_activate_keep(struct dn_cuda *ctx, const float *x, float *y, size_t n, enum dn_act a)
{
    if (n == 0) return;
    activate_kernel<<<cuda_grid(n), DN_THREADS, 0, ctx->stream>>>(x, y, n, (int)a);
    KERNEL_CHECK();
}

void cuda_gradient_from_input(struct dn_cuda *ctx, const float *x, size_t n, enum dn_act a, float *delta)
{
    if (a == ACT_LINEAR || n == 0) return;
    gradient_kernel<<<cuda_grid(n), DN_THREADS, 0, ctx->stream>>>(x, n, (int)a, 1, delta);
    KERNEL_CHECK();
}

__global__ static void add_kernel(size_t n, const float *x, float *y)
{
    GRID_STRIDE(i, n) y[i] += x[i];
}

__global__ static void sum_kernel(size_t n, const float *a, const float *b, float *y)
{
    GRID_STRIDE(i, n) y[i] = a[i] + b[i];
}

void cuda_add(struct dn_cuda *ctx, size_t n, const float *x, float *y)
{
    if (n == 0) return;
    add_kernel<<<cuda_grid(n), DN_THREADS, 0, ctx->stream>>>(n, x, y);
    KERNEL_CHECK();
}

void cuda_sum(struct dn_cuda *ctx, size_t n, const float *a, const float *b, float *y)
{
    if (n == 0) return;
    sum_kernel<<<cuda_grid(n), DN_THREADS, 0, ctx->stream>>>(n, a, b, y);
    KERNEL_CHECK();
}

void cuda_copy(struct dn_cuda *ctx, size_t n, const float *x, float *y)
{
    if (n == 0 || x == y) return;
    CUDA_CHECK(cudaMemcpyAsync(y, x, n * sizeof(float), cudaMemcpyDeviceToDevice, ctx->stream));
}

void cuda_zero(struct dn_cuda *ctx, size_t n, float *y)
{
    if (n == 0) return;
    CUDA_CHECK(cudaMemsetAsync(y, 0, n * sizeof(float), ctx->stream));
}

__global__ static void bias_add_kernel(float *y, const float *bias, unsigned C, unsigned S, unsigned n)
{
    GRID_STRIDE32(i, n) y[i] += bias[(i / S) % C];
}

void cuda_bias_add(struct dn_cuda *ctx, float *y, const float *bias, int B, int C, int S)
{
    size_t n = (size_t)B * C * S;
    if (n == 0) return;
    bias_add_kernel<<<cuda_grid(n), DN_THREADS, 0, ctx->stream>>>(y, bias, C, S, cuda_n32(n));
    KERNEL_CHECK();
}

/* One warp per row: out[r] = sum(x[r*S ..]) / S. */
__global__ static void row_mean_kernel(const float *x, int R, int S, float *out)
{
    int warps = blockDim.x / 32;
    int r = blockIdx.x * warps + threadIdx.x / 32, lane = threadIdx.x & 31;
    if (r >= R) return; /* whole warps leave together: R is per warp */
    const float *p = x + (size_t)r * S;
    float s = 0;
    for (int k = lane; k < S; k += 32) s += p[k];
    for (int o = 16; o > 0; o >>= 1) s += __shfl_down_sync(0xffffffffu, s, o);
    if (lane == 0) out[r] = s / S;
}

void cuda_row_mean(struct dn_cuda *ctx, const float *x, int R, int S, float *out)
{
    if (R <= 0) return;
    int warps = DN_THREADS / 32;
    row_mean_kernel<<<(R + warps - 1) / warps, DN_THREADS, 0, ctx->stream>>>(x, R, S, out);
    KERNEL_CHECK();
}

/* Partials of the per-channel sums: grid (C, P), channels on x (up to 2^31-1
 * blocks; a bias-only [connected] has one channel per output) and the at
 * most 64 partitions on y (at most 65535); block (c, p) sums elements
 * e = p*256 + t, p*256 + t + P*256, ... of channel c's B*S. */
__global__ static void chan_partial_kernel(float *x, const float *y, const float *gy, int act, unsigned N,
                                           unsigned C, unsigned S, int P, double *red)
{
    unsigned c = blockIdx.x, p = blockIdx.y;
    double a = 0, b = 0;
    for (unsigned e = p * blockDim.x + threadIdx.x; e < N; e += P * blockDim.x) {
        unsigned bi = e / S, s = e - bi * S;
        size_t i = ((size_t)bi * C + c) * S + s;
        float v = x[i];
        if (gy) x[i] = v *= act_df(gy[i], act); /* each element has one owner thread */
        a += v;
        b += y ? (double)v * y[i] : (double)v * v;
    }
    a = cuda_block_sum(a);
    b = cuda_block_sum(b);
    if (threadIdx.x == 0) {
        red[((size_t)c * P + p) * 2] = a;
        red[((size_t)c * P + p) * 2 + 1] = b;
    }
}

static int chan_parts(int B, int S)
{
    size_t N = (size_t)B * S, p = (N + 4095) / 4096;
    return p < 1 ? 1 : p > 64 ? 64 : (int)p;
}

static int chan_partials(struct dn_cuda *ctx, float *x, const float *y, const float *gy, enum dn_act act, int B,
                         int C, int S)
{
    int P = chan_parts(B, S);
    DN_ASSERT((size_t)C * P * 2 <= ctx->red_n);
    DN_ASSERT(!act_needs_input(act)); /* the slope comes from out = f(x) */
    dim3 grid(C, P);
    cuda_n32((size_t)B * C * S);
    if (act == ACT_LINEAR) gy = NULL;
    chan_partial_kernel<<<grid, DN_THREADS, 0, ctx->stream>>>(x, y, gy, (int)act, (unsigned)B * S, C, S, P, ctx->red);
    KERNEL_CHECK();
    return P;
}

int cuda_chan_partials(struct dn_cuda *ctx, const float *x, const float *y, int B, int C, int S)
{
    /* x is only read when no gradient is applied */
    return chan_partials(ctx, (float *)x, y, NULL, ACT_LINEAR, B, C, S);
}

int cuda_chan_partials_grad(struct dn_cuda *ctx, float *dy, const float *y, const float *out, enum dn_act act, int B,
                           int C, int S)
{
    return chan_partials(ctx, dy, y, out, act, B, C, S);
}

void cuda_reserve_reduce(struct dn_cuda *ctx, int B, int C, int S)
{
    size_t need = (size_t)C * chan_parts(B, S) * 2;
    if (need <= ctx->red_n) return;
    CUDA_CHECK(cudaStreamSynchronize(ctx->stream));
    cuda_free(ctx->red);
    CUDA_CHECK(cudaMalloc((void **)&ctx->red, need * sizeof(double)));
    ctx->red_n = need;
}

__global__ static void bias_grad_kernel(const double *red, int P, int C, float *grad)
{
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= C) return;
    double a, b;
    cuda_chan_total(red, P, c, &a, &b);
    grad[c] += (float)a;
}

void cuda_bias_grad(struct dn_cuda *ctx, const float *dy, float *grad, int B, int C, int S)
{
    int P = cuda_chan_partials(ctx, dy, NULL, B, C, S);
    bias_grad_kernel<<<(C + 127) / 128, 128, 0, ctx->stream>>>(ctx->red, P, C, grad);
    KERNEL_CHECK();
}
