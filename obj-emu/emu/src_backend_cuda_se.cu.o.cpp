/*
 * se.cu - the CUDA twin of the squeeze-and-excitation op, the semantics of
 * src/backend/cpu/se.c (formulas in src/ops/se.h):
 *
 *   forward:  z = mean_S(x) (one warp per (b, c) row); h = relu(z W1^T + b1)
 *             and s = sigmoid(h W2^T + b2) through cuBLAS plus a bias +
 *             activation kernel; y = x * s per row.
 *   backward: ds = sum_S(dy * x) * s * (1 - s) (one warp per row);
 *             dW2 += ds^T h, db2 += column sums of ds, dh = ds W2 masked by
 *             h > 0; dW1 += dh^T z, db1 += column sums of dh, dz = dh W1;
 *             dx += dy * s + dz / S.
 * Column sums run one thread per column over the batch (no atomics).
 */
#include <string.h>

#include "../../ops/se.h"
#include "cuda_common.h"

void se_init_gpu(struct dn_cuda *ctx, struct se *se)
{
    (void)ctx;
    size_t bc = (size_t)se->B * se->C, bh = (size_t)se->B * se->H;
    se->gpu.z = cuda_alloc(bc), se->gpu.h = cuda_alloc(bh), se->gpu.s = cuda_alloc(bc);
    se->gpu.dz = cuda_alloc(bc), se->gpu.dh = cuda_alloc(bh), se->gpu.ds = cuda_alloc(bc);
}

void se_free_gpu(struct se *se)
{
    cuda_free(se->gpu.z), cuda_free(se->gpu.h), cuda_free(se->gpu.s);
    cuda_free(se->gpu.dz), cuda_free(se->gpu.dh), cuda_free(se->gpu.ds);
    memset(&se->gpu, 0, sizeof(se->gpu));
}

/* v (B, N) = act(v + bias[n]); act 0: relu, 1: sigmoid */
__global__ static void se_bias_act_kernel(float *v, const float *bias, unsigned B, unsigned N, int sigmoid)
{
    GRID_STRIDE32(i, B * N)
    {
        float a = v[i] + bias[i % N];
        v[i] = sigmoid ? 1.0f / (1.0f + expf(-a)) : (a > 0 ? a : 0);
    }
}

/* y[r*S + k] = x[r*S + k] * s[r] */
__global__ static void se_scale_kernel(const float *x, const float *s, float *y, unsigned n, unsigned S)
{
    GRID_STRIDE32(i, n) y[i] = x[i] * s[i / S];
}

/* one warp per row r of (B*C, S): ds[r] = sum_k dy*x * s[r] * (1 - s[r]) */
__global__ static void se_ds_kernel(const float *x, const float *dy, const float *s, int R, int S, float *ds)
{
    int warps = blockDim.x / 32;
    int r = blockIdx.x * warps + threadIdx.x / 32, lane = threadIdx.x & 31;
    if (r >= R) return; /* per warp */
    const float *p = x + (size_t)r * S, *d = dy + (size_t)r * S;
    float sum = 0;
    for (int k = lane; k < S; k += 32) sum += d[k] * p[k];
    for (int o = 16; o > 0; o >>= 1) sum += __shfl_down_sync(0xffffffffu, sum, o);
    if (lane == 0) {
        float g = s[r];
        ds[r] = sum * g * (1 - g);
    }
}

/* grad[n] += sum_b v[b*N + n] */
__global__ static void se_colsum_kernel(const float *v, int B, int N, float *grad)
{
    int n = blockIdx.x * blockDim.x + threadIdx.x;
    if (n >= N) return;
    float sum = 0;
    for (int b = 0; b < B; b++) sum += v[(size_t)b * N + n];
    grad[n] += sum;
}

/* dh = 0 where h <= 0 (ReLU backward, from the saved output) */
__global__ static void se_relu_mask_kernel(float *dh, const float *h, size_t n)
{
    GRID_STRIDE(i, n) if (h[i] <= 0) dh[i] = 0;
}

/* dx[i] += dy[i] * s[r] + dz[r] / S, r = i / S */
__global__ static void se_dx_kernel(const float *dy, const float *s, const float *dz, float *dx, unsigned n,
                                    unsigned S)
{
    GRID_STRIDE32(i, n)
    {
        unsigned r = i / S;
        dx[i] += dy[i] * s[r] + dz[r] / S;
    }
}

void se_forward_gpu(struct dn_cuda *ctx, struct se *se, const float *x, float *y)
{
    int B = se->B, C = se->C, S = se->S, H = se->H;
    cuda_row_mean(ctx, x, B * C, S, se->gpu.z);
    cuda_gemm(ctx, 0, 1, B, H, C, 1, se->gpu.z, C, se->w1->val_gpu, C, 0, se->gpu.h, H);
    emu_launch(dim3(cuda_grid((size_t)B * H)), dim3( DN_THREADS), false, [&]() { se_bias_act_kernel(se->gpu.h, se->b1->val_gpu, B, H, 0); });
    KERNEL_CHECK();
    cuda_gemm(ctx, 0, 1, B, C, H, 1, se->gpu.h, H, se->w2->val_gpu, H, 0, se->gpu.s, C);
    emu_launch(dim3(cuda_grid((size_t)B * C)), dim3( DN_THREADS), false, [&]() { se_bias_act_kernel(se->gpu.s, se->b2->val_gpu, B, C, 1); });
    KERNEL_CHECK();
    size_t n = (size_t)B * C * S;
    emu_launch(dim3(cuda_grid(n)), dim3( DN_THREADS), false, [&]() { se_scale_kernel(x, se->gpu.s, y, cuda_n32(n), S); });
    KERNEL_CHECK();
}

void se_backward_gpu(struct dn_cuda *ctx, struct se *se, const float *x, const float *dy, float *dx)
{
    int B = se->B, C = se->C, S = se->S, H = se->H, R = B * C, warps = DN_THREADS / 32;
    emu_launch(dim3((R + warps - 1) / warps), dim3( DN_THREADS), true, [&]() { se_ds_kernel(x, dy, se->gpu.s, R, S, se->gpu.ds); });
    KERNEL_CHECK();
    /* second FC */
    cuda_gemm(ctx, 1, 0, C, H, B, 1, se->gpu.ds, C, se->gpu.h, H, 1, se->w2->grad_gpu, H);
    emu_launch(dim3((C + 127) / 128), dim3( 128), false, [&]() { se_colsum_kernel(se->gpu.ds, B, C, se->b2->grad_gpu); });
    KERNEL_CHECK();
    cuda_gemm(ctx, 0, 0, B, H, C, 1, se->gpu.ds, C, se->w2->val_gpu, H, 0, se->gpu.dh, H);
    emu_launch(dim3(cuda_grid((size_t)B * H)), dim3( DN_THREADS), false, [&]() { se_relu_mask_kernel(se->gpu.dh, se->gpu.h, (size_t)B * H); });
    KERNEL_CHECK();
    /* first FC */
    cuda_gemm(ctx, 1, 0, H, C, B, 1, se->gpu.dh, H, se->gpu.z, C, 1, se->w1->grad_gpu, C);
    emu_launch(dim3((H + 127) / 128), dim3( 128), false, [&]() { se_colsum_kernel(se->gpu.dh, B, H, se->b1->grad_gpu); });
    KERNEL_CHECK();
    cuda_gemm(ctx, 0, 0, B, C, H, 1, se->gpu.dh, H, se->w1->val_gpu, C, 0, se->gpu.dz, C);
    size_t n = (size_t)B * C * S;
    emu_launch(dim3(cuda_grid(n)), dim3( DN_THREADS), false, [&]() { se_dx_kernel(dy, se->gpu.s, se->gpu.dz, dx, cuda_n32(n), S); });
    KERNEL_CHECK();
}
