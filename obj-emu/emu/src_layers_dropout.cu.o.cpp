/*
 * dropout.cu - [dropout] on the device, dropout.c's semantics. The mask is
 * drawn on the host from the network's seeded RNG, element by element in
 * the CPU's order, into the layer's host mask, and uploaded: a GPU run draws
 * exactly the CPU run's masks (and leaves the RNG in the same state).
 * Forward: out = in * mask in training, a copy at inference; backward:
 * dx += delta * mask (training) or delta.
 */
#include "../backend/cuda/cuda_common.h"
#include "dropout.h"

void dropout_init_gpu(struct layer *l, struct network *net)
{
    (void)net;
    struct dropout_layer *d = (struct dropout_layer *)l->priv;
    d->gpu.mask = cuda_alloc((size_t)l->batch * l->inputs);
}

void dropout_free_gpu(struct layer *l)
{
    struct dropout_layer *d = (struct dropout_layer *)l->priv;
    if (!d) return;
    cuda_free(d->gpu.mask);
    d->gpu.mask = NULL;
}

__global__ static void mul_kernel(const float *x, const float *m, float *y, size_t n)
{
    GRID_STRIDE(i, n) y[i] = x[i] * m[i];
}

__global__ static void add_mul_kernel(const float *d, const float *m, float *dx, size_t n)
{
    GRID_STRIDE(i, n) dx[i] += d[i] * m[i];
}

void dropout_forward_gpu(struct layer *l, struct network *net)
{
    struct dropout_layer *d = (struct dropout_layer *)l->priv;
    struct dn_cuda *ctx = net->cuda;
    size_t n = (size_t)l->batch * l->inputs;
    if (!net->train) {
        cuda_copy(ctx, n, l->input_gpu, l->output_gpu);
        return;
    }
    float keep = 1.0f / (1.0f - d->p);
    for (size_t i = 0; i < n; i++) d->mask[i] = rng_uniform(&net->rng, 0, 1) < d->p ? 0.0f : keep;
    /* from pageable memory: the copy is staged before this call returns, so
     * the host mask may be redrawn by the next forward */
    CUDA_CHECK(cudaMemcpyAsync(d->gpu.mask, d->mask, n * sizeof(float), cudaMemcpyHostToDevice, ctx->stream));
    emu_launch(dim3(cuda_grid(n)), dim3( DN_THREADS), false, [&]() { mul_kernel(l->input_gpu, d->gpu.mask, l->output_gpu, n); });
    KERNEL_CHECK();
}

void dropout_backward_gpu(struct layer *l, struct network *net)
{
    struct dropout_layer *d = (struct dropout_layer *)l->priv;
    if (!l->dinput_gpu) return;
    size_t n = (size_t)l->batch * l->inputs;
    if (!net->train) {
        cuda_add(net->cuda, n, l->delta_gpu, l->dinput_gpu);
        return;
    }
    emu_launch(dim3(cuda_grid(n)), dim3( DN_THREADS), false, [&]() { add_mul_kernel(l->delta_gpu, d->gpu.mask, l->dinput_gpu, n); });
    KERNEL_CHECK();
}
