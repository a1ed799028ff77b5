/*
 * se.cu - squeeze-and-excitation on the device (se_gpu_*, shared with
 * [bridge]) and the [se] layer, se.c's semantics (formulas in se.h):
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
#include "../backend/cuda/cuda_common.h"
#include "layers_gpu.h"

struct se_gpu {
    int B, C, S, H;
    struct param *b1, *w1, *b2, *w2;
    float *z, *h, *s;    /* saved by forward */
    float *dz, *dh, *ds; /* backward scratch */
};

struct se_gpu *se_gpu_create(struct network *net, const struct se *se)
{
    (void)net;
    struct se_gpu *sg = (struct se_gpu *)xcalloc(1, sizeof(*sg));
    sg->B = se->B, sg->C = se->C, sg->S = se->S, sg->H = se->H;
    sg->b1 = se->b1, sg->w1 = se->w1, sg->b2 = se->b2, sg->w2 = se->w2;
    size_t bc = (size_t)se->B * se->C, bh = (size_t)se->B * se->H;
    sg->z = dn_gpu_alloc(bc), sg->h = dn_gpu_alloc(bh), sg->s = dn_gpu_alloc(bc);
    sg->dz = dn_gpu_alloc(bc), sg->dh = dn_gpu_alloc(bh), sg->ds = dn_gpu_alloc(bc);
    return sg;
}

void se_gpu_free(struct se_gpu *sg)
{
    if (!sg) return;
    dn_gpu_free(sg->z), dn_gpu_free(sg->h), dn_gpu_free(sg->s);
    dn_gpu_free(sg->dz), dn_gpu_free(sg->dh), dn_gpu_free(sg->ds);
    free(sg);
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

void se_gpu_forward(struct network *net, struct se_gpu *sg, const float *x, float *y)
{
    struct dn_cuda *ctx = net->cuda;
    int B = sg->B, C = sg->C, S = sg->S, H = sg->H;
    gpu_row_mean(ctx, x, B * C, S, sg->z);
    gpu_gemm(ctx, 0, 1, B, H, C, 1, sg->z, C, sg->w1->val_gpu, C, 0, sg->h, H);
    se_bias_act_kernel<<<dn_grid((size_t)B * H), DN_THREADS, 0, ctx->stream>>>(sg->h, sg->b1->val_gpu, B, H, 0);
    KERNEL_CHECK();
    gpu_gemm(ctx, 0, 1, B, C, H, 1, sg->h, H, sg->w2->val_gpu, H, 0, sg->s, C);
    se_bias_act_kernel<<<dn_grid((size_t)B * C), DN_THREADS, 0, ctx->stream>>>(sg->s, sg->b2->val_gpu, B, C, 1);
    KERNEL_CHECK();
    size_t n = (size_t)B * C * S;
    se_scale_kernel<<<dn_grid(n), DN_THREADS, 0, ctx->stream>>>(x, sg->s, y, dn_n32(n), S);
    KERNEL_CHECK();
}

void se_gpu_backward(struct network *net, struct se_gpu *sg, const float *x, const float *dy, float *dx)
{
    struct dn_cuda *ctx = net->cuda;
    int B = sg->B, C = sg->C, S = sg->S, H = sg->H, R = B * C, warps = DN_THREADS / 32;
    se_ds_kernel<<<(R + warps - 1) / warps, DN_THREADS, 0, ctx->stream>>>(x, dy, sg->s, R, S, sg->ds);
    KERNEL_CHECK();
    /* second FC */
    gpu_gemm(ctx, 1, 0, C, H, B, 1, sg->ds, C, sg->h, H, 1, sg->w2->grad_gpu, H);
    se_colsum_kernel<<<(C + 127) / 128, 128, 0, ctx->stream>>>(sg->ds, B, C, sg->b2->grad_gpu);
    KERNEL_CHECK();
    gpu_gemm(ctx, 0, 0, B, H, C, 1, sg->ds, C, sg->w2->val_gpu, H, 0, sg->dh, H);
    se_relu_mask_kernel<<<dn_grid((size_t)B * H), DN_THREADS, 0, ctx->stream>>>(sg->dh, sg->h, (size_t)B * H);
    KERNEL_CHECK();
    /* first FC */
    gpu_gemm(ctx, 1, 0, H, C, B, 1, sg->dh, H, sg->z, C, 1, sg->w1->grad_gpu, C);
    se_colsum_kernel<<<(H + 127) / 128, 128, 0, ctx->stream>>>(sg->dh, B, H, sg->b1->grad_gpu);
    KERNEL_CHECK();
    gpu_gemm(ctx, 0, 0, B, C, H, 1, sg->dh, H, sg->w1->val_gpu, C, 0, sg->dz, C);
    size_t n = (size_t)B * C * S;
    se_dx_kernel<<<dn_grid(n), DN_THREADS, 0, ctx->stream>>>(dy, sg->s, sg->dz, dx, dn_n32(n), S);
    KERNEL_CHECK();
}

/* ---- the [se] layer ---- */

struct se_layer_gpu {
    struct se_gpu *se;
    float *scratch; /* dx when the layer has no input gradient (first layer) */
};

void se_layer_setup_gpu(struct layer *l, struct network *net, const struct se *se)
{
    struct se_layer_gpu *s = (struct se_layer_gpu *)xcalloc(1, sizeof(*s));
    l->priv_gpu = s;
    s->se = se_gpu_create(net, se);
    if (!l->dinput_gpu) s->scratch = dn_gpu_alloc((size_t)l->batch * l->inputs);
}

void se_layer_free_gpu(struct layer *l)
{
    struct se_layer_gpu *s = (struct se_layer_gpu *)l->priv_gpu;
    if (!s) return;
    se_gpu_free(s->se);
    dn_gpu_free(s->scratch);
    free(s);
    l->priv_gpu = NULL;
}

void se_layer_forward_gpu(struct layer *l, struct network *net)
{
    struct se_layer_gpu *s = (struct se_layer_gpu *)l->priv_gpu;
    se_gpu_forward(net, s->se, l->input_gpu, l->output_gpu);
}

void se_layer_backward_gpu(struct layer *l, struct network *net)
{
    struct se_layer_gpu *s = (struct se_layer_gpu *)l->priv_gpu;
    se_gpu_backward(net, s->se, l->input_gpu, l->delta_gpu, l->dinput_gpu ? l->dinput_gpu : s->scratch);
}
