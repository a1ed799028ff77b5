/*
 * softmax.cu - [softmax] on the device, softmax.c's semantics. One block
 * per group of a sample (groups=, temperature T): max, sum of exp (double),
 * p = exp(x/T - max) / sum. As the last
 * layer of a training network (loss mode) it also writes
 * delta = (p * sum(t) - t) / T / (batch * subdivisions) and the group's
 * cross-entropy;
 * one thread then adds the batch's terms, in sample order, to the
 * network's device loss. Backward: loss mode passes delta to the input;
 * otherwise the softmax Jacobian dx += p * (delta - sum(p * delta)).
 */
#include <math.h>

#include "../backend/cuda/cuda_common.h"
#include "softmax.h"

#define SOFTMAX_THREADS 256

static int loss_mode(const struct layer *l, const struct network *net)
{
    return net->train && net->truth && l->index == net->n - 1;
}

void softmax_init_gpu(struct layer *l, struct network *net)
{
    (void)net;
    struct softmax_layer *s = (struct softmax_layer *)l->priv;
    CUDA_CHECK(cudaMalloc((void **)&s->gpu.ce, (size_t)l->batch * s->groups * sizeof(double)));
}

void softmax_free_gpu(struct layer *l)
{
    struct softmax_layer *s = (struct softmax_layer *)l->priv;
    if (!s) return;
    cuda_free(s->gpu.ce);
    s->gpu.ce = NULL;
}

__global__ static void softmax_kernel(const float *x, float *p, int n, float T, const float *truth, float *delta,
                                      double *ce, float scale, int loss)
{
    size_t g = blockIdx.x;
    x += g * n, p += g * n;
    float mx = -INFINITY;
    for (int i = threadIdx.x; i < n; i += blockDim.x) mx = fmaxf(mx, x[i] / T);
    mx = cuda_block_max(mx);
    double sum = 0;
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        float e = expf(x[i] / T - mx);
        p[i] = e;
        sum += e;
    }
    sum = cuda_block_sum(sum);
    for (int i = threadIdx.x; i < n; i += blockDim.x) p[i] = (float)(p[i] / sum);
    if (!loss) return; /* uniform across the block */
    const float *t = truth + g * n;
    float *d = delta + g * n;
    double ts = 0;
    for (int i = threadIdx.x; i < n; i += blockDim.x) ts += t[i];
    float tsum = (float)cuda_block_sum(ts);
    double lse = mx + log(sum), c = 0;
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        if (t[i] != 0) c -= t[i] * (x[i] / T - lse);
        d[i] = (p[i] * tsum - t[i]) / T * scale;
    }
    c = cuda_block_sum(c);
    if (threadIdx.x == 0) ce[g] = c;
}

__global__ static void loss_add_kernel(const double *ce, int B, float scale, float *loss)
{
    float l = *loss;
    for (int b = 0; b < B; b++) l += (float)(ce[b] * scale);
    *loss = l;
}

void softmax_forward_gpu(struct layer *l, struct network *net)
{
    struct softmax_layer *sm = (struct softmax_layer *)l->priv;
    struct dn_cuda *ctx = net->cuda;
    float scale = 1.0f / ((float)net->batch * net->subdivisions);
    int loss = loss_mode(l, net);
    int ngroups = l->batch * sm->groups;
    softmax_kernel<<<ngroups, SOFTMAX_THREADS, 0, ctx->stream>>>(l->input_gpu, l->output_gpu, l->inputs / sm->groups,
                                                                 sm->temperature, net->truth_gpu, l->delta_gpu, sm->gpu.ce,
                                                                 scale, loss);
    KERNEL_CHECK();
    if (loss) {
        loss_add_kernel<<<1, 1, 0, ctx->stream>>>(sm->gpu.ce, ngroups, scale, ctx->loss);
        KERNEL_CHECK();
    }
}

__global__ static void softmax_jacobian_kernel(const float *p, const float *d, float *dx, int n, float T)
{
    size_t g = blockIdx.x;
    p += g * n, d += g * n, dx += g * n;
    double dot = 0;
    for (int i = threadIdx.x; i < n; i += blockDim.x) dot += p[i] * d[i];
    float fd = (float)cuda_block_sum(dot);
    for (int i = threadIdx.x; i < n; i += blockDim.x) dx[i] += p[i] * (d[i] - fd) / T;
}

void softmax_backward_gpu(struct layer *l, struct network *net)
{
    if (!l->dinput_gpu) return;
    const struct softmax_layer *sm = (const struct softmax_layer *)l->priv;
    struct dn_cuda *ctx = net->cuda;
    if (loss_mode(l, net)) {
        cuda_add(ctx, (size_t)l->batch * l->inputs, l->delta_gpu, l->dinput_gpu);
        return;
    }
    softmax_jacobian_kernel<<<l->batch * sm->groups, SOFTMAX_THREADS, 0, ctx->stream>>>(
        l->output_gpu, l->delta_gpu, l->dinput_gpu, l->inputs / sm->groups, sm->temperature);
    KERNEL_CHECK();
}
