/*
 * maxpool.c - [maxpool]: max pooling with Darknet's geometry.
 * cfg keys: stride (default 1), size (default = stride), padding (default
 * size-1). out = (in + padding - size)/stride + 1; the window starts at
 * -padding/2. Out-of-image positions never win. Backward routes delta to the
 * arg-max input.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "../core/network.h"
#include "maxpool.h"

static int maxpool_init(struct layer *l, struct cfg *c, struct cfg_section *s, struct network *net)
{
    (void)net;
    struct maxpool_layer *m = xcalloc(1, sizeof(*m));
    l->priv = m;
    if (cfg_int(c, s, "stride", 1, &m->stride)) return -1;
    if (m->stride < 1) return cfg_fail(c, s, "stride", "must be at least 1");
    if (cfg_int(c, s, "size", m->stride, &m->size)) return -1;
    if (m->size < 1) return cfg_fail(c, s, "size", "must be at least 1");
    if (cfg_int(c, s, "padding", m->size - 1, &m->padding)) return -1;
    if (m->padding < 0 || m->padding > m->size)
        return cfg_fail(c, s, "padding", "must be between 0 and size=%d", m->size);
    /* in double: size and padding may be anything up to INT_MAX here */
    double ow = floor(((double)l->w + m->padding - m->size) / m->stride) + 1;
    double oh = floor(((double)l->h + m->padding - m->size) / m->stride) + 1;
    if (ow < 1 || oh < 1) return cfg_fail(c, s, "size", "larger than the input");
    l->out_c = l->c;
    l->out_w = (int)ow, l->out_h = (int)oh;
    m->argmax = xcalloc((size_t)l->batch * l->out_c * l->out_w * l->out_h, sizeof(int));
    return 0;
}

static void maxpool_forward(struct layer *l, struct network *net)
{
    (void)net;
    struct maxpool_layer *m = l->priv;
    int off = -m->padding / 2;
    for (int b = 0; b < l->batch; b++)
        for (int k = 0; k < l->c; k++)
            for (int oy = 0; oy < l->out_h; oy++)
                for (int ox = 0; ox < l->out_w; ox++) {
                    long o = (((long)b * l->c + k) * l->out_h + oy) * l->out_w + ox;
                    float best = -FLT_MAX;
                    int arg = -1;
                    for (int dy = 0; dy < m->size; dy++)
                        for (int dx = 0; dx < m->size; dx++) {
                            int y = oy * m->stride + off + dy, x = ox * m->stride + off + dx;
                            if (y < 0 || y >= l->h || x < 0 || x >= l->w) continue;
                            long i = (((long)b * l->c + k) * l->h + y) * l->w + x;
                            if (arg < 0 || l->input[i] > best) best = l->input[i], arg = (int)i;
                        }
                    l->output[o] = arg < 0 ? 0 : best;
                    m->argmax[o] = arg;
                }
}

static void maxpool_backward(struct layer *l, struct network *net)
{
    (void)net;
    struct maxpool_layer *m = l->priv;
    if (!l->dinput) return;
    for (long o = 0; o < (long)l->batch * l->outputs; o++)
        if (m->argmax[o] >= 0) l->dinput[m->argmax[o]] += l->delta[o];
}

static void maxpool_free(struct layer *l)
{
    struct maxpool_layer *m = l->priv;
    if (m) free(m->argmax);
    free(m);
}

static void maxpool_describe(const struct layer *l, char *buf, size_t n)
{
    const struct maxpool_layer *m = l->priv;
    snprintf(buf, n, "%dx%d/%d", m->size, m->size, m->stride);
}

const struct layer_ops maxpool_ops = {
    .name = "maxpool",
    .init = maxpool_init,
    .forward = maxpool_forward,
    .backward = maxpool_backward,
    .free = maxpool_free,
    .describe = maxpool_describe,
#ifdef GPU
    .init_gpu = maxpool_init_gpu,
    .forward_gpu = maxpool_forward_gpu,
    .backward_gpu = maxpool_backward_gpu,
    .free_gpu = maxpool_free_gpu,
#endif
};
