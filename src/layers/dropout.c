/*
 * dropout.c - [dropout]: in training, zero each value with probability
 * `probability` (default 0.5) and scale the survivors by 1/(1-p); at
 * inference, the identity. The mask comes from the network's seeded RNG.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/network.h"
#include "dropout.h"

static int dropout_init(struct layer *l, struct cfg *c, struct cfg_section *s, struct network *net)
{
    (void)net;
    struct dropout_layer *d = xcalloc(1, sizeof(*d));
    l->priv = d;
    if (cfg_float(c, s, "probability", 0.5f, &d->p)) return -1;
    if (d->p < 0 || d->p >= 1) return cfg_fail(c, s, "probability", "must be in [0, 1)");
    l->out_c = l->c, l->out_h = l->h, l->out_w = l->w;
    d->mask = falloc((size_t)l->batch * l->inputs);
    return 0;
}

static void dropout_forward(struct layer *l, struct network *net)
{
    struct dropout_layer *d = l->priv;
    size_t n = (size_t)l->batch * l->inputs;
    if (!net->train) {
        memcpy(l->output, l->input, n * sizeof(float));
        return;
    }
    float keep = 1.0f / (1.0f - d->p);
    for (size_t i = 0; i < n; i++) {
        d->mask[i] = rng_uniform(&net->rng, 0, 1) < d->p ? 0.0f : keep;
        l->output[i] = l->input[i] * d->mask[i];
    }
}

static void dropout_backward(struct layer *l, struct network *net)
{
    struct dropout_layer *d = l->priv;
    if (!l->dinput) return;
    size_t n = (size_t)l->batch * l->inputs;
    for (size_t i = 0; i < n; i++) l->dinput[i] += l->delta[i] * (net->train ? d->mask[i] : 1.0f);
}

static void dropout_free(struct layer *l)
{
    struct dropout_layer *d = l->priv;
    if (d) free(d->mask);
    free(d);
}

static void dropout_describe(const struct layer *l, char *buf, size_t n)
{
    const struct dropout_layer *d = l->priv;
    snprintf(buf, n, "p=%.2f", d->p);
}

const struct layer_ops dropout_ops = {
    .name = "dropout",
    .init = dropout_init,
    .forward = dropout_forward,
    .backward = dropout_backward,
    .free = dropout_free,
    .describe = dropout_describe,
#ifdef GPU
    .init_gpu = dropout_init_gpu,
    .forward_gpu = dropout_forward_gpu,
    .backward_gpu = dropout_backward_gpu,
    .free_gpu = dropout_free_gpu,
#endif
};
