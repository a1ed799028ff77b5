/*
 * se.c - [se]: squeeze-and-excitation (src/ops/se.h) on the previous
 * layer's output, y = x * s(x) per channel.
 * cfg key: reduction (default 16).
 * .weights order: b1[H], W1[H*C], b2[C], W2[C*H] (H = max(1, C / reduction)).
 */
#include "se.h"

#include <stdio.h>
#include <stdlib.h>

#include "../core/network.h"

static int se_layer_init(struct layer *l, struct cfg *c, struct cfg_section *s, struct network *net)
{
    struct se_layer *sl = xcalloc(1, sizeof(*sl));
    l->priv = sl;
    int reduction;
    if (cfg_int(c, s, "reduction", 16, &reduction)) return -1;
    if (reduction < 1) return cfg_fail(c, s, "reduction", "must be at least 1");
    if (net_check_size(c, s, "reduction", "the weights", 2.0 * l->c * ((double)l->c / reduction))) return -1;
    l->out_c = l->c, l->out_h = l->h, l->out_w = l->w;
    se_init(&sl->se, l, net, l->batch, l->c, l->h * l->w, reduction);
    return 0;
}

static void se_layer_forward(struct layer *l, struct network *net)
{
    (void)net;
    struct se_layer *sl = l->priv;
    se_forward(&sl->se, l->input, l->output);
}

static void se_layer_backward(struct layer *l, struct network *net)
{
    (void)net;
    struct se_layer *sl = l->priv;
    if (l->dinput) {
        se_backward(&sl->se, l->input, l->delta, l->dinput);
    } else {
        /* first layer without an input gradient: still need parameter grads */
        float *scratch = falloc((size_t)l->batch * l->inputs);
        se_backward(&sl->se, l->input, l->delta, scratch);
        free(scratch);
    }
}

static void se_layer_free(struct layer *l)
{
    struct se_layer *sl = l->priv;
    if (!sl) return;
    if (sl->se.z) se_free(&sl->se);
    free(sl);
}

static double se_layer_macs(const struct layer *l)
{
    const struct se_layer *sl = l->priv;
    return se_macs(&sl->se);
}

static void se_layer_describe(const struct layer *l, char *buf, size_t n)
{
    const struct se_layer *sl = l->priv;
    snprintf(buf, n, "%d->%d->%d", sl->se.C, sl->se.H, sl->se.C);
}

const struct layer_ops se_ops = {
    .name = "se",
    .init = se_layer_init,
    .forward = se_layer_forward,
    .backward = se_layer_backward,
    .free = se_layer_free,
    .macs = se_layer_macs,
    .describe = se_layer_describe,
#ifdef GPU
    .init_gpu = se_layer_init_gpu,
    .forward_gpu = se_layer_forward_gpu,
    .backward_gpu = se_layer_backward_gpu,
    .free_gpu = se_layer_free_gpu,
#endif
};
