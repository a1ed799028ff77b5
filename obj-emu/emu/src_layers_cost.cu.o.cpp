/*
 * cost.cu - [cost] on the device, cost.c's semantics: output = input; when
 * training with targets as the last layer, delta = (x - t) * scale and the
 * loss gets sum 0.5 (x - t)^2 * scale, scale = 1 / (batch * subdivisions).
 * The loss is summed by one block (double, fixed order); backward adds
 * delta to the input gradient.
 */
#include "../backend/cuda/cuda_common.h"
#include "cost.h"

#define COST_THREADS 1024

static int cost_active(const struct layer *l, const struct network *net)
{
    return net->train && net->truth && l->index == net->n - 1;
}

__global__ static void cost_kernel(const float *x, const float *t, float *delta, size_t n, float scale, float *loss)
{
    double sum = 0;
    for (size_t i = threadIdx.x; i < n; i += blockDim.x) {
        float e = x[i] - t[i];
        sum += 0.5 * e * e;
        delta[i] = e * scale;
    }
    sum = cuda_block_sum(sum);
    if (threadIdx.x == 0) *loss += (float)(sum * scale);
}

void cost_forward_gpu(struct layer *l, struct network *net)
{
    struct dn_cuda *ctx = net->cuda;
    size_t n = (size_t)l->batch * l->inputs;
    cuda_copy(ctx, n, l->input_gpu, l->output_gpu);
    if (!cost_active(l, net)) return;
    float scale = 1.0f / ((float)net->batch * net->subdivisions);
    emu_launch(dim3(1), dim3( COST_THREADS), true, [&]() { cost_kernel(l->input_gpu, net->truth_gpu, l->delta_gpu, n, scale, ctx->loss); });
    KERNEL_CHECK();
}

void cost_backward_gpu(struct layer *l, struct network *net)
{
    if (!l->dinput_gpu) return;
    cuda_add(net->cuda, (size_t)l->batch * l->inputs, l->delta_gpu, l->dinput_gpu);
}
