/*
 * se.c - [se] squeeze-and-excitation on the previous layer's output, and the
 * SE math shared with [bridge] (see se.h for the formulas and layout).
 * cfg key: reduction (default 16).
 */
#include "se.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../backend/cpu/gemm.h"
#include "../core/network.h"

void se_init(struct se *se, struct layer *l, struct network *net, int B, int C, int S, int reduction)
{
    se->B = B, se->C = C, se->S = S;
    se->H = C / reduction > 0 ? C / reduction : 1;
    se->b1 = layer_add_param(l, "se_biases1", PARAM_BIAS, se->H);
    se->w1 = layer_add_param(l, "se_weights1", PARAM_WEIGHT, (size_t)se->H * C);
    se->b2 = layer_add_param(l, "se_biases2", PARAM_BIAS, C);
    se->w2 = layer_add_param(l, "se_weights2", PARAM_WEIGHT, (size_t)C * se->H);
    float k1 = 1.0f / sqrtf((float)C), k2 = 1.0f / sqrtf((float)se->H);
    /* PyTorch's nn.Linear draws weight then bias; keep that order per FC */
    init_uniform(net, se->w1->val, se->w1->n, k1);
    init_uniform(net, se->b1->val, se->b1->n, k1);
    init_uniform(net, se->w2->val, se->w2->n, k2);
    init_uniform(net, se->b2->val, se->b2->n, k2);
    se->z = falloc((size_t)B * C);
    se->h = falloc((size_t)B * se->H);
    se->s = falloc((size_t)B * C);
    se->dz = falloc((size_t)B * C);
    se->dh = falloc((size_t)B * se->H);
    se->ds = falloc((size_t)B * C);
}

void se_free(struct se *se)
{
    free(se->z), free(se->h), free(se->s);
    free(se->dz), free(se->dh), free(se->ds);
}

void se_forward(struct se *se, const float *x, float *y)
{
    int B = se->B, C = se->C, S = se->S, H = se->H;
    /* the (b, c) rows are independent: split between threads, each row summed
     * in order as before */
#pragma omp parallel for schedule(static) if ((long)B * C * S >= (1 << 16))
    for (long i = 0; i < (long)B * C; i++) {
        const float *p = x + i * S;
        float sum = 0;
        for (int k = 0; k < S; k++) sum += p[k];
        se->z[i] = sum / S;
    }
    gemm(0, 1, B, H, C, 1, se->z, C, se->w1->val, C, 0, se->h, H);
    for (int b = 0; b < B; b++)
        for (int j = 0; j < H; j++) {
            float v = se->h[b * H + j] + se->b1->val[j];
            se->h[b * H + j] = v > 0 ? v : 0;
        }
    gemm(0, 1, B, C, H, 1, se->h, H, se->w2->val, H, 0, se->s, C);
    for (int b = 0; b < B; b++)
        for (int c = 0; c < C; c++) {
            float a = se->s[b * C + c] + se->b2->val[c];
            se->s[b * C + c] = 1.0f / (1.0f + expf(-a));
        }
#pragma omp parallel for schedule(static) if ((long)B * C * S >= (1 << 16))
    for (long i = 0; i < (long)B * C; i++) {
        const float *p = x + i * S;
        float *q = y + i * S, g = se->s[i];
        for (int k = 0; k < S; k++) q[k] = p[k] * g;
    }
}

void se_backward(struct se *se, const float *x, const float *dy, float *dx)
{
    int B = se->B, C = se->C, S = se->S, H = se->H;
    /* ds = sum_S dy*x, then through the sigmoid: da = ds * s * (1 - s) */
#pragma omp parallel for schedule(static) if ((long)B * C * S >= (1 << 16))
    for (long i = 0; i < (long)B * C; i++) {
        const float *p = x + i * S, *d = dy + i * S;
        float sum = 0;
        for (int k = 0; k < S; k++) sum += d[k] * p[k];
        float s = se->s[i];
        se->ds[i] = sum * s * (1 - s);
    }
    /* second FC: dW2 (C,H) += da^T h; db2 += sum_b da; dh = da W2 */
    gemm(1, 0, C, H, B, 1, se->ds, C, se->h, H, 1, se->w2->grad, H);
    for (int b = 0; b < B; b++)
        for (int c = 0; c < C; c++) se->b2->grad[c] += se->ds[b * C + c];
    gemm(0, 0, B, H, C, 1, se->ds, C, se->w2->val, H, 0, se->dh, H);
    for (long i = 0; i < (long)B * H; i++)
        if (se->h[i] <= 0) se->dh[i] = 0;
    /* first FC: dW1 (H,C) += dh^T z; db1 += sum_b dh; dz = dh W1 */
    gemm(1, 0, H, C, B, 1, se->dh, H, se->z, C, 1, se->w1->grad, C);
    for (int b = 0; b < B; b++)
        for (int j = 0; j < H; j++) se->b1->grad[j] += se->dh[b * H + j];
    gemm(0, 0, B, C, H, 1, se->dh, H, se->w1->val, C, 0, se->dz, C);
    /* dx += dy * s + dz / S */
#pragma omp parallel for schedule(static) if ((long)B * C * S >= (1 << 16))
    for (long i = 0; i < (long)B * C; i++) {
        const float *d = dy + i * S;
        float *q = dx + i * S, g = se->s[i], dzs = se->dz[i] / S;
        for (int k = 0; k < S; k++) q[k] += d[k] * g + dzs;
    }
}

double se_macs(const struct se *se) { return 2.0 * se->C * se->H; }

/* ---- the [se] layer ---- */

static int se_layer_init(struct layer *l, struct cfg *c, struct cfg_section *s, struct network *net)
{
    struct se *se = xcalloc(1, sizeof(*se));
    l->priv = se;
    int reduction;
    if (cfg_int(c, s, "reduction", 16, &reduction)) return -1;
    if (reduction < 1) return cfg_fail(c, s, "reduction", "must be at least 1");
    if (net_check_size(c, s, "reduction", "the weights", 2.0 * l->c * ((double)l->c / reduction))) return -1;
    l->out_c = l->c, l->out_h = l->h, l->out_w = l->w;
    se_init(se, l, net, l->batch, l->c, l->h * l->w, reduction);
    return 0;
}

static void se_layer_forward(struct layer *l, struct network *net)
{
    (void)net;
    se_forward(l->priv, l->input, l->output);
}

static void se_layer_backward(struct layer *l, struct network *net)
{
    (void)net;
    struct se *se = l->priv;
    if (l->dinput) {
        se_backward(se, l->input, l->delta, l->dinput);
    } else {
        /* first layer without an input gradient: still need parameter grads */
        float *scratch = falloc((size_t)l->batch * l->inputs);
        se_backward(se, l->input, l->delta, scratch);
        free(scratch);
    }
}

static void se_layer_free(struct layer *l)
{
    if (l->priv) se_free(l->priv);
    free(l->priv);
}

static double se_layer_macs(const struct layer *l) { return se_macs(l->priv); }

static void se_layer_describe(const struct layer *l, char *buf, size_t n)
{
    const struct se *se = l->priv;
    snprintf(buf, n, "%d->%d->%d", se->C, se->H, se->C);
}

#ifdef GPU
#include "layers_gpu.h"

static void se_layer_init_gpu(struct layer *l, struct network *net) { se_layer_setup_gpu(l, net, l->priv); }
#endif

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
