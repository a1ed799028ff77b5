/*
 * shortcut.cu - [shortcut] on the device, shortcut.c's semantics: same
 * shapes, out = act(prev + from); otherwise out = prev, plus from added on
 * the first min(C) channels at Darknet's strided / sampled pixels (see
 * shortcut.c). Each (b, k, j, i) of that loop maps to one output pixel and
 * one `from` pixel, so neither the forward scatter nor the backward one
 * writes an address twice: one thread each, no atomics. With swish or mish
 * the sum is built in gpu.pre, kept for backward, and activated into the
 * output.
 */
#include <string.h>

#include "../backend/cuda/cuda_common.h"
#include "shortcut.h"

void shortcut_init_gpu(struct layer *l, struct network *net)
{
    (void)net;
    struct shortcut_layer *s = (struct shortcut_layer *)l->priv;
    if (s->pre) s->gpu.pre = cuda_alloc((size_t)l->batch * l->outputs);
}

void shortcut_free_gpu(struct layer *l)
{
    struct shortcut_layer *s = (struct shortcut_layer *)l->priv;
    if (!s) return;
    cuda_free(s->gpu.pre);
    memset(&s->gpu, 0, sizeof(s->gpu));
}

struct shortcut_map {
    int minc, minh, minw, stride, sample;
    int c, h, w;    /* this layer's shape */
    int fc, fh, fw; /* from's shape */
};

/* backward == 0: out[o] += from[q]; backward == 1: dfrom[q] += dout[o] */
__global__ static void shortcut_kernel(struct shortcut_map m, int B, const float *src, float *dst, int backward)
{
    size_t total = (size_t)B * m.minc * m.minh * m.minw;
    GRID_STRIDE(t, total)
    {
        int i = (int)(t % m.minw), j = (int)((t / m.minw) % m.minh), k = (int)((t / ((size_t)m.minw * m.minh)) % m.minc);
        size_t b = t / ((size_t)m.minw * m.minh * m.minc);
        size_t o = ((b * m.c + k) * m.h + (size_t)j * m.sample) * m.w + (size_t)i * m.sample;
        size_t q = ((b * m.fc + k) * m.fh + (size_t)j * m.stride) * m.fw + (size_t)i * m.stride;
        if (backward) dst[q] += src[o];
        else dst[o] += src[q];
    }
}

static int same_shape(const struct layer *l, const struct layer *f)
{
    return f->outputs == l->outputs && f->out_c == l->c;
}

static struct shortcut_map make_map(const struct shortcut_layer *s, const struct layer *l, const struct layer *f)
{
    struct shortcut_map m = {s->minc, s->minh, s->minw, s->stride, s->sample,
                             l->c,    l->h,    l->w,    f->out_c,  f->out_h, f->out_w};
    return m;
}

void shortcut_forward_gpu(struct layer *l, struct network *net)
{
    struct shortcut_layer *s = (struct shortcut_layer *)l->priv;
    struct dn_cuda *ctx = net->cuda;
    const struct layer *f = &net->layers[s->from];
    size_t n = (size_t)l->batch * l->outputs;
    float *z = s->gpu.pre ? s->gpu.pre : l->output_gpu; /* prev + from */
    if (same_shape(l, f)) {
        cuda_sum(ctx, n, l->input_gpu, f->output_gpu, z);
    } else {
        cuda_copy(ctx, n, l->input_gpu, z);
        size_t total = (size_t)l->batch * s->minc * s->minh * s->minw;
        shortcut_kernel<<<cuda_grid(total), DN_THREADS, 0, ctx->stream>>>(make_map(s, l, f), l->batch, f->output_gpu,
                                                                        z, 0);
        KERNEL_CHECK();
    }
    if (s->gpu.pre) cuda_activate_keep(ctx, s->gpu.pre, l->output_gpu, n, s->act);
    else cuda_activate(ctx, l->output_gpu, n, s->act);
}

void shortcut_backward_gpu(struct layer *l, struct network *net)
{
    struct shortcut_layer *s = (struct shortcut_layer *)l->priv;
    struct dn_cuda *ctx = net->cuda;
    struct layer *f = &net->layers[s->from];
    size_t n = (size_t)l->batch * l->outputs;
    if (s->gpu.pre) cuda_gradient_from_input(ctx, s->gpu.pre, n, s->act, l->delta_gpu);
    else cuda_gradient(ctx, l->output_gpu, n, s->act, l->delta_gpu);
    if (l->dinput_gpu) cuda_add(ctx, n, l->delta_gpu, l->dinput_gpu);
    if (same_shape(l, f)) {
        cuda_add(ctx, n, l->delta_gpu, f->delta_gpu);
    } else {
        size_t total = (size_t)l->batch * s->minc * s->minh * s->minw;
        shortcut_kernel<<<cuda_grid(total), DN_THREADS, 0, ctx->stream>>>(make_map(s, l, f), l->batch, l->delta_gpu,
                                                                        f->delta_gpu, 1);
        KERNEL_CHECK();
    }
}
