/*
 * route.cu - [route] on the device, route.c's semantics: forward copies each
 * source's per-sample slice into its channel range of the output; backward
 * adds the matching slice of delta into each source's delta.
 */
#include <string.h>

#include "../backend/cuda/cuda_common.h"
#include "route.h"

/* backward == 0: out[b*lo + off + k] = src[b*fo + k]; 1: src[...] += out[...] */
__global__ static void route_kernel(float *src, int fo, float *out, int lo, int off, int B, int backward)
{
    GRID_STRIDE(t, (size_t)B * fo)
    {
        size_t b = t / fo, k = t - b * fo;
        size_t o = b * lo + off + k;
        if (backward) src[t] += out[o];
        else out[o] = src[t];
    }
}

static void route_run(struct layer *l, struct network *net, int backward)
{
    struct route_layer *r = (struct route_layer *)l->priv;
    struct dn_cuda *ctx = net->cuda;
    int off = 0;
    for (int i = 0; i < r->n; i++) {
        struct layer *f = &net->layers[r->src[i]];
        float *src = backward ? f->delta_gpu : f->output_gpu;
        float *out = backward ? l->delta_gpu : l->output_gpu;
        size_t total = (size_t)l->batch * f->outputs;
        emu_launch(dim3(cuda_grid(total)), dim3( DN_THREADS), false, [&]() { route_kernel(src, f->outputs, out, l->outputs, off, l->batch,
                                                                    backward); });
        KERNEL_CHECK();
        off += f->outputs;
    }
}

void route_forward_gpu(struct layer *l, struct network *net) { route_run(l, net, 0); }
void route_backward_gpu(struct layer *l, struct network *net) { route_run(l, net, 1); }
