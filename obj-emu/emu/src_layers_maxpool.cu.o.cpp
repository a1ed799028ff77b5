/*
 * maxpool.cu - [maxpool] on the device, maxpool.c's semantics: window of
 * size x size starting at -padding/2 with the given stride, out-of-image
 * positions never win, ties keep the first maximum in scan order (strict >),
 * an output whose window lies entirely outside is 0 with no arg-max.
 * Backward gathers: each input pixel sums the deltas of the outputs whose
 * window contains it and whose arg-max it is (windows overlap when
 * size > stride; gathering avoids atomics and keeps the order fixed).
 */
#include <float.h>

#include "../backend/cuda/cuda_common.h"
#include "maxpool.h"

void maxpool_init_gpu(struct layer *l, struct network *net)
{
    (void)net;
    struct maxpool_layer *m = (struct maxpool_layer *)l->priv;
    CUDA_CHECK(cudaMalloc((void **)&m->gpu.argmax, (size_t)l->batch * l->outputs * sizeof(int)));
}

void maxpool_free_gpu(struct layer *l)
{
    struct maxpool_layer *m = (struct maxpool_layer *)l->priv;
    if (!m) return;
    cuda_free(m->gpu.argmax);
    m->gpu.argmax = NULL;
}

struct pool_geom {
    int C, H, W, OH, OW, size, stride, off;
};

__global__ static void maxpool_forward_kernel(const float *in, float *out, int *argmax, struct pool_geom g, size_t n)
{
    GRID_STRIDE(o, n)
    {
        int ox = (int)(o % g.OW), oy = (int)((o / g.OW) % g.OH);
        size_t bk = o / ((size_t)g.OW * g.OH); /* b*C + k */
        float best = -FLT_MAX;
        long arg = -1;
        for (int dy = 0; dy < g.size; dy++)
            for (int dx = 0; dx < g.size; dx++) {
                int y = oy * g.stride + g.off + dy, x = ox * g.stride + g.off + dx;
                if (y < 0 || y >= g.H || x < 0 || x >= g.W) continue;
                size_t i = (bk * g.H + y) * g.W + x;
                if (arg < 0 || in[i] > best) best = in[i], arg = (long)i;
            }
        out[o] = arg < 0 ? 0 : best;
        argmax[o] = (int)arg;
    }
}

__global__ static void maxpool_backward_kernel(const float *delta, const int *argmax, float *dx, struct pool_geom g,
                                               size_t n)
{
    GRID_STRIDE(i, n)
    {
        int x = (int)(i % g.W), y = (int)((i / g.W) % g.H);
        size_t bk = i / ((size_t)g.W * g.H);
        /* outputs whose window covers y: oy*stride + off <= y <= oy*stride + off + size - 1 */
        int ly = y - g.off - g.size + 1, lx = x - g.off - g.size + 1;
        int oy0 = ly <= 0 ? 0 : (ly + g.stride - 1) / g.stride, oy1 = (y - g.off) / g.stride;
        int ox0 = lx <= 0 ? 0 : (lx + g.stride - 1) / g.stride, ox1 = (x - g.off) / g.stride;
        if (oy1 > g.OH - 1) oy1 = g.OH - 1;
        if (ox1 > g.OW - 1) ox1 = g.OW - 1;
        float sum = 0;
        for (int oy = oy0; oy <= oy1; oy++)
            for (int ox = ox0; ox <= ox1; ox++) {
                size_t o = (bk * g.OH + oy) * g.OW + ox;
                if (argmax[o] == (int)i) sum += delta[o];
            }
        dx[i] += sum;
    }
}

static struct pool_geom geom(const struct layer *l, const struct maxpool_layer *m)
{
    struct pool_geom g = {l->c, l->h, l->w, l->out_h, l->out_w, m->size, m->stride, -m->padding / 2};
    return g;
}

void maxpool_forward_gpu(struct layer *l, struct network *net)
{
    struct maxpool_layer *m = (struct maxpool_layer *)l->priv;
    size_t n = (size_t)l->batch * l->outputs;
    emu_launch(dim3(cuda_grid(n)), dim3( DN_THREADS), false, [&]() { maxpool_forward_kernel(l->input_gpu, l->output_gpu,
                                                                               m->gpu.argmax, geom(l, m), n); });
    KERNEL_CHECK();
}

void maxpool_backward_gpu(struct layer *l, struct network *net)
{
    struct maxpool_layer *m = (struct maxpool_layer *)l->priv;
    if (!l->dinput_gpu) return;
    size_t n = (size_t)l->batch * l->inputs;
    emu_launch(dim3(cuda_grid(n)), dim3( DN_THREADS), false, [&]() { maxpool_backward_kernel(l->delta_gpu, m->gpu.argmax,
                                                                                l->dinput_gpu, geom(l, m), n); });
    KERNEL_CHECK();
}
