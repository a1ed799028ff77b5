/*
 * avgpool.c - [avgpool]: global average pooling, (B, C, H, W) -> (B, C, 1, 1).
 * No cfg keys. Backward spreads delta/(H*W) over each channel.
 */
#include "../backend/cpu/simd.h"
#include "../core/network.h"
#include "avgpool.h"

static int avgpool_init(struct layer *l, struct cfg *c, struct cfg_section *s, struct network *net)
{
    (void)c, (void)s, (void)net;
    l->out_c = l->c, l->out_h = 1, l->out_w = 1;
    return 0;
}

static void avgpool_forward(struct layer *l, struct network *net)
{
    (void)net;
    int S = l->h * l->w;
    for (long i = 0; i < (long)l->batch * l->c; i++) l->output[i] = sum_floats(l->input + i * S, NULL, S) / S;
}

static void avgpool_backward(struct layer *l, struct network *net)
{
    (void)net;
    if (!l->dinput) return;
    int S = l->h * l->w;
    for (long i = 0; i < (long)l->batch * l->c; i++) {
        float d = l->delta[i] / S;
        float *dx = l->dinput + i * S;
        for (int k = 0; k < S; k++) dx[k] += d;
    }
}

const struct layer_ops avgpool_ops = {
    .name = "avgpool",
    .init = avgpool_init,
    .forward = avgpool_forward,
    .backward = avgpool_backward,
#ifdef GPU
    .forward_gpu = avgpool_forward_gpu,
    .backward_gpu = avgpool_backward_gpu,
#endif
};
