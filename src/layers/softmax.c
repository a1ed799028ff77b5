/*
 * softmax.c - [softmax]: softmax over each sample's values, and the
 * cross-entropy loss when it ends a network that is training.
 *
 * cfg keys (upstream Darknet's): groups (default 1) splits each sample's n
 * values into that many consecutive groups of n/groups, each its own
 * distribution; temperature (default 1) divides the inputs first:
 *     p = exp(x/T - max) / sum exp(x/T - max)      per group
 *
 * As the last layer in training mode with targets (net->truth):
 *     loss += sum_b -sum_i t log p / (batch * subdivisions)
 * and backward passes the exact dL/dx straight to the input:
 *     dx_i = (p_i * sum_{j in group} t_j - t_i) / T / (batch * subdivisions)
 * which is (p - t) / (batch * subdivisions) for one-hot targets, T = 1 (the
 * mean over the full SGD batch, as PyTorch's CrossEntropyLoss). Upstream
 * passes t - p whatever T is; the two agree for T = 1.
 * Anywhere else (or without targets) backward is the softmax Jacobian
 * applied to delta: dx = p * (delta - sum_group(p * delta)) / T.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "../core/network.h"
#include "softmax.h"

static int loss_mode(const struct layer *l, const struct network *net)
{
    return net->train && net->truth && l->index == net->n - 1;
}

static int softmax_init(struct layer *l, struct cfg *c, struct cfg_section *s, struct network *net)
{
    (void)net;
    struct softmax_layer *sm = xcalloc(1, sizeof(*sm));
    l->priv = sm;
    if (cfg_int(c, s, "groups", 1, &sm->groups) || cfg_float(c, s, "temperature", 1.0f, &sm->temperature))
        return -1;
    if (sm->groups < 1 || l->inputs % sm->groups != 0)
        return cfg_fail(c, s, "groups", "must be at least 1 and divide the %d inputs", l->inputs);
    if (!(sm->temperature > 0)) return cfg_fail(c, s, "temperature", "must be positive");
    sm->ce = xcalloc((size_t)l->batch * sm->groups, sizeof(double));
    l->out_c = l->c, l->out_h = l->h, l->out_w = l->w;
    return 0;
}

static void softmax_free(struct layer *l)
{
    struct softmax_layer *sm = l->priv;
    if (sm) free(sm->ce);
    free(sm);
    l->priv = NULL;
}

/* One group of n values: p = softmax(x / T); returns log(sum exp(x/T - max)) + max. */
static double softmax_group(const float *x, float *p, int n, float T)
{
    float mx = x[0] / T;
    for (int i = 1; i < n; i++) mx = x[i] / T > mx ? x[i] / T : mx;
    double sum = 0;
    for (int i = 0; i < n; i++) sum += p[i] = expf(x[i] / T - mx);
    for (int i = 0; i < n; i++) p[i] = (float)(p[i] / sum);
    return mx + log(sum);
}

static void softmax_forward(struct layer *l, struct network *net)
{
    struct softmax_layer *sm = l->priv;
    float T = sm->temperature;
    int n = l->inputs / sm->groups;
    float scale = 1.0f / ((float)net->batch * net->subdivisions);
    for (int g = 0; g < l->batch * sm->groups; g++) {
        const float *x = l->input + (long)g * n;
        float *p = l->output + (long)g * n;
        double lse = softmax_group(x, p, n, T);
        if (loss_mode(l, net)) {
            const float *t = net->truth + (long)g * n;
            float *d = l->delta + (long)g * n;
            double ce = 0;
            float tsum = 0;
            for (int i = 0; i < n; i++) tsum += t[i];
            for (int i = 0; i < n; i++) {
                if (t[i] != 0) ce -= t[i] * (x[i] / T - lse);
                d[i] = (p[i] * tsum - t[i]) / T * scale;
            }
            sm->ce[g] = ce;
            net->loss += (float)(ce * scale);
        }
    }
}

static void softmax_backward(struct layer *l, struct network *net)
{
    if (!l->dinput) return;
    const struct softmax_layer *sm = l->priv;
    int n = l->inputs / sm->groups;
    size_t total = (size_t)l->batch * l->inputs;
    if (loss_mode(l, net)) {
        for (size_t i = 0; i < total; i++) l->dinput[i] += l->delta[i];
        return;
    }
    for (int g = 0; g < l->batch * sm->groups; g++) {
        const float *p = l->output + (long)g * n, *d = l->delta + (long)g * n;
        float *dx = l->dinput + (long)g * n;
        double dot = 0;
        for (int i = 0; i < n; i++) dot += p[i] * d[i];
        for (int i = 0; i < n; i++) dx[i] += p[i] * (d[i] - (float)dot) / sm->temperature;
    }
}

static void softmax_describe(const struct layer *l, char *buf, size_t n)
{
    const struct softmax_layer *sm = l->priv;
    if (sm->groups == 1 && sm->temperature == 1) {
        buf[0] = 0;
        return;
    }
    snprintf(buf, n, "groups %d T %g", sm->groups, sm->temperature);
}

const struct layer_ops softmax_ops = {
    .name = "softmax",
    .init = softmax_init,
    .forward = softmax_forward,
    .backward = softmax_backward,
    .free = softmax_free,
    .describe = softmax_describe,
#ifdef GPU
    .init_gpu = softmax_init_gpu,
    .forward_gpu = softmax_forward_gpu,
    .backward_gpu = softmax_backward_gpu,
    .free_gpu = softmax_free_gpu,
#endif
};
