/*
 * se.c - the CPU squeeze-and-excitation op (formulas and layout in
 * src/ops/se.h).
 */
#include "../../ops/se.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/network.h"
#include "gemm.h"
#include "simd.h"

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
        se->z[i] = sum_floats(x + i * S, NULL, S) / S; /* as [avgpool] */
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
        float s = se->s[i];
        se->ds[i] = sum_floats(dy + i * S, x + i * S, S) * s * (1 - s);
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
