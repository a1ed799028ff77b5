/*
 * softmax.cu - [softmax] on the device, softmax.c's semantics. One block
 * per sample: max, sum of exp (double), p = exp(x - max) / sum. As the last
 * layer of a training network (loss mode) it also writes
 * delta = (p - t) / (batch * subdivisions) and the sample's cross-entropy;
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
    CUDA_CHECK(cudaMalloc((void **)&s->gpu.ce, (size_t)l->batch * sizeof(double)));
}

void softmax_free_gpu(struct layer *l)
{
    struct softmax_layer *s = (struct softmax_layer *)l->priv;
    if (!s) return;
    cuda_free(s->gpu.ce);
    s->gpu.ce = NULL;
}

__global__ static void softmax_kernel(const float *x, float *p, int n, const float *truth, float *delta, double *ce,
                                      float scale, int loss)
{
    size_t b = blockIdx.x;
    x += b * n, p += b * n;
    float mx = -INFINITY;
    for (int i = threadIdx.x; i < n; i += blockDim.x) mx = fmaxf(mx, x[i]);
    mx = cuda_block_max(mx);
    double sum = 0;
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        float e = expf(x[i] - mx);
        p[i] = e;
        sum += e;
    }
    sum = cuda_block_sum(sum);
    for (int i = threadIdx.x; i < n; i += blockDim.x) p[i] = (float)(p[i] / sum);
    if (!loss) return; /* uniform across the block */
    const float *t = truth + b * n;
    float *d = delta + b * n;
    double lse = mx + log(sum), c = 0;
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        if (t[i] != 0) c -= t[i] * (x[i] - lse);
        d[i] = (p[i] - t[i]) * scale;
    }
    c = cuda_block_sum(c);
    if (threadIdx.x == 0) ce[b] = c;
}

__global__ static void loss_add_kernel(const double *ce, int B, float scale, float *loss)
{
    float l = *loss;
    for (int b = 0; b < B; b++) l += (float)(ce[b] * scale);
    *loss = l;
}

void softmax_forward_gpu(struct layer *l, struct network *net)
{
    struct softmax_layer *s = (struct softmax_layer *)l->priv;
    struct dn_cuda *ctx = net->cuda;
    float scale = 1.0f / ((float)net->batch * net->subdivisions);
    int loss = loss_mode(l, net);
    emu_launch(dim3(l->batch), dim3( SOFTMAX_THREADS), true, [&]() { softmax_kernel(l->input_gpu, l->output_gpu, l->inputs,
                                                                  net->truth_gpu, l->delta_gpu, s->gpu.ce, scale, loss); });
    KERNEL_CHECK();
    if (loss) {
        emu_launch(dim3(1), dim3( 1), false, [&]() { loss_add_kernel(s->gpu.ce, l->batch, scale, ctx->loss); });
        KERNEL_CHECK();
    }
}

__global__ static void softmax_jacobian_kernel(const float *p, const float *d, float *dx, int n)
{
    size_t b = blockIdx.x;
    p += b * n, d += b * n, dx += b * n;
    double dot = 0;
    for (int i = threadIdx.x; i < n; i += blockDim.x) dot += p[i] * d[i];
    float fd = (float)cuda_block_sum(dot);
    for (int i = threadIdx.x; i < n; i += blockDim.x) dx[i] += p[i] * (d[i] - fd);
}

void softmax_backward_gpu(struct layer *l, struct network *net)
{
    if (!l->dinput_gpu) return;
    struct dn_cuda *ctx = net->cuda;
    if (loss_mode(l, net)) {
        cuda_add(ctx, (size_t)l->batch * l->inputs, l->delta_gpu, l->dinput_gpu);
        return;
    }
    emu_launch(dim3(l->batch), dim3( SOFTMAX_THREADS), true, [&]() { softmax_jacobian_kernel(l->output_gpu, l->delta_gpu,
                                                                           l->dinput_gpu, l->inputs); });
    KERNEL_CHECK();
}
