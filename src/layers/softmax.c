/*
 * softmax.c - [softmax]: softmax over each sample's values, and the
 * cross-entropy loss when it ends a network that is training.
 *
 * As the last layer in training mode with targets (net->truth, one-hot):
 *     loss += sum_b -sum_i t log p / (batch * subdivisions)
 * and backward passes dL/dlogits = (p - t) / (batch * subdivisions) straight
 * to the input (the mean over the full SGD batch, as PyTorch's
 * CrossEntropyLoss). Anywhere else (or without targets) backward is the
 * softmax Jacobian applied to delta: dx = p * (delta - sum(p * delta)).
 * No cfg keys.
 */
#include <math.h>
#include <stdlib.h>

#include "../core/network.h"
#include "softmax.h"

static int loss_mode(const struct layer *l, const struct network *net)
{
    return net->train && net->truth && l->index == net->n - 1;
}

static int softmax_init(struct layer *l, struct cfg *c, struct cfg_section *s, struct network *net)
{
    (void)c, (void)s, (void)net;
    struct softmax_layer *sm = xcalloc(1, sizeof(*sm));
    l->priv = sm;
    sm->ce = xcalloc((size_t)l->batch, sizeof(double));
    l->out_c = l->c, l->out_h = l->h, l->out_w = l->w;
    return 0;
}

static void softmax_forward(struct layer *l, struct network *net)
{
    struct softmax_layer *sm = l->priv;
    int n = l->inputs;
    float scale = 1.0f / ((float)net->batch * net->subdivisions);
    for (int b = 0; b < l->batch; b++) {
        const float *x = l->input + (long)b * n;
        float *p = l->output + (long)b * n;
        float mx = x[0];
        for (int i = 1; i < n; i++) mx = x[i] > mx ? x[i] : mx;
        double sum = 0;
        for (int i = 0; i < n; i++) sum += p[i] = expf(x[i] - mx);
        for (int i = 0; i < n; i++) p[i] = (float)(p[i] / sum);
        if (loss_mode(l, net)) {
            const float *t = net->truth + (long)b * n;
            float *d = l->delta + (long)b * n;
            double lse = mx + log(sum), ce = 0;
            for (int i = 0; i < n; i++) {
                if (t[i] != 0) ce -= t[i] * (x[i] - lse);
                d[i] = (p[i] - t[i]) * scale;
            }
            sm->ce[b] = ce;
            net->loss += (float)(ce * scale);
        }
    }
}

static void softmax_backward(struct layer *l, struct network *net)
{
    if (!l->dinput) return;
    int n = l->inputs;
    size_t total = (size_t)l->batch * n;
    if (loss_mode(l, net)) {
        for (size_t i = 0; i < total; i++) l->dinput[i] += l->delta[i];
        return;
    }
    for (int b = 0; b < l->batch; b++) {
        const float *p = l->output + (long)b * n, *d = l->delta + (long)b * n;
        float *dx = l->dinput + (long)b * n;
        double dot = 0;
        for (int i = 0; i < n; i++) dot += p[i] * d[i];
        for (int i = 0; i < n; i++) dx[i] += p[i] * (d[i] - (float)dot);
    }
}

static void softmax_free(struct layer *l)
{
    struct softmax_layer *sm = l->priv;
    if (sm) free(sm->ce);
    free(sm);
}

const struct layer_ops softmax_ops = {
    .name = "softmax",
    .init = softmax_init,
    .forward = softmax_forward,
    .backward = softmax_backward,
    .free = softmax_free,
#ifdef GPU
    .init_gpu = softmax_init_gpu,
    .forward_gpu = softmax_forward_gpu,
    .backward_gpu = softmax_backward_gpu,
    .free_gpu = softmax_free_gpu,
#endif
};
