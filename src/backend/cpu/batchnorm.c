/* batchnorm.c - the CPU batch-norm op; see src/ops/batchnorm.h. */
#include "../../ops/batchnorm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "simd.h"

void bn_init(struct bn *bn, struct layer *l, struct param *beta, int C)
{
    bn->C = C;
    bn->beta = beta;
    bn->gamma = layer_add_param(l, "scales", PARAM_BIAS, C);
    bn->mean = layer_add_param(l, "rolling_mean", PARAM_STAT, C);
    bn->var = layer_add_param(l, "rolling_variance", PARAM_STAT, C);
    for (int i = 0; i < C; i++) bn->gamma->val[i] = 1, bn->var->val[i] = 1;
    bn->inv_std = falloc(C);
    bn->mean_b = falloc(C);
    bn->inv_run = falloc(C);
}

const float *bn_running_inv(struct bn *bn)
{
    for (int c = 0; c < bn->C; c++) bn->inv_run[c] = 1.0f / sqrtf(bn->var->val[c] + BN_EPS);
    return bn->inv_run;
}

void bn_free(struct bn *bn)
{
    free(bn->inv_std);
    free(bn->mean_b);
    free(bn->inv_run);
}

/* The training statistics of channel c from its batch mean mu and biased
 * variance var over N values: *mean and *inv (= 1/sqrt(var + eps)) for the
 * normalisation, kept in mean_b/inv_std for backward, and the running
 * statistics moved by momentum (unbiased variance, as PyTorch). */
static void bn_batch_stats(struct bn *bn, int c, double mu, double var, double N, float momentum, float *mean,
                           float *inv)
{
    *mean = (float)mu;
    *inv = (float)(1.0 / sqrt(var + BN_EPS));
    bn->mean_b[c] = *mean;
    bn->inv_std[c] = *inv;
    double unbiased = N > 1 ? var * N / (N - 1) : var;
    bn->mean->val[c] = (1 - momentum) * bn->mean->val[c] + momentum * (float)mu;
    bn->var->val[c] = (1 - momentum) * bn->var->val[c] + momentum * (float)unbiased;
}

/* ---- fused with the activation (see batchnorm.h) ---- */

/* The loops below use simd.h's 8-float vectors; every element goes through
 * the same float operations as the scalar expressions they replace (no FMA
 * contraction happens in ISO C mode). Sums go through 4-double vectors. */
typedef float v4f __attribute__((vector_size(16)));
typedef double v4d __attribute__((vector_size(32)));

/* f'(x) on 8 lanes, from the pre-activation v = gamma * xhat + beta (for
 * relu and leaky y > 0 exactly when v > 0, so y need not be read) or, for
 * logistic, from y = f(v). v is recomputed from the kept x with the float
 * operations of the forward, so it is the forward's pre-activation bit for
 * bit: swish and mish, whose slope needs it, need no buffer of their own here. */
static inline __attribute__((always_inline)) vf slope8(vf v, const float *y, enum dn_act a)
{
    vf one = vset1(1.0f);
    switch (a) {
    case ACT_RELU:
        return (vf)((vi)(v > vset1(0)) & (vi)one);
    case ACT_LEAKY: {
        vi m = (vi)(v > vset1(0));
        return (vf)((m & (vi)one) | (~m & (vi)vset1(0.1f)));
    }
    case ACT_LOGISTIC: {
        vf q = vld(y);
        return q * (one - q);
    }
    case ACT_RELU6:
    case ACT_RAMP:
    case ACT_SWISH:
    case ACT_MISH: { /* lane by lane: rare activations */
        float s[8];
        for (int k = 0; k < 8; k++) s[k] = act_grad(v[k], a);
        vf r;
        memcpy(&r, s, sizeof(r));
        return r;
    }
    case ACT_LINEAR:
        break;
    }
    return one;
}

static inline __attribute__((always_inline)) float slope1(float v, const float *y, enum dn_act a)
{
    return a == ACT_LOGISTIC ? act_slope(*y, a) : act_grad(v, a);
}

/* l[0..3] += lanes 0-3 of v, l[4..7] += lanes 4-7, in double */
static inline __attribute__((always_inline)) void add_lanes(v4d *lo, v4d *hi, vf v)
{
    v4f a = __builtin_shufflevector(v, v, 0, 1, 2, 3), b = __builtin_shufflevector(v, v, 4, 5, 6, 7);
    *lo += __builtin_convertvector(a, v4d);
    *hi += __builtin_convertvector(b, v4d);
}

/* Sums over one channel's B segments of S floats, in double. Lane k of the
 * 8 running sums takes the elements with i % 8 == k (a fixed order, so the
 * result does not depend on the thread that computes it). */
struct chan_sums {
    double a, b;
};

static double lanes_total(const double *l)
{
    return ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
}

/* sum and sum of squares of one channel, in double */
static void chan_moments(const float *x, int B, int C, int S, int c, double *sum, double *sumsq)
{
    double l1[8] = {0}, l2[8] = {0};
    v4d s1lo = {0}, s1hi = {0}, s2lo = {0}, s2hi = {0};
    for (int b = 0; b < B; b++) {
        const float *p = x + ((long)b * C + c) * S;
        const float *next = b + 1 < B ? p + (long)C * S : p; /* the next image's segment */
        int i = 0;
        for (; i + 8 <= S; i += 8) {
            if (i % 16 == 0) __builtin_prefetch(next + i); /* a new page each segment: no hardware prefetch */
            vf v = vld(p + i);
            v4f lo = __builtin_shufflevector(v, v, 0, 1, 2, 3), hi = __builtin_shufflevector(v, v, 4, 5, 6, 7);
            v4d dlo = __builtin_convertvector(lo, v4d), dhi = __builtin_convertvector(hi, v4d);
            s1lo += dlo, s1hi += dhi;
            s2lo += dlo * dlo, s2hi += dhi * dhi;
        }
        for (; i < S; i++) {
            l1[i % 8] += p[i];
            l2[i % 8] += (double)p[i] * p[i];
        }
    }
    for (int k = 0; k < 4; k++) {
        l1[k] += s1lo[k], l1[k + 4] += s1hi[k];
        l2[k] += s2lo[k], l2[k + 4] += s2hi[k];
    }
    *sum = lanes_total(l1);
    *sumsq = lanes_total(l2);
}

void bn_forward_act(struct bn *bn, const float *x, float *y, int B, int S, int train, float momentum,
                    enum dn_act act)
{
    bn_forward_act_res(bn, x, y, NULL, B, S, train, momentum, act);
}

void bn_forward_act_res(struct bn *bn, const float *x, float *y, const float *res, int B, int S, int train,
                        float momentum, enum dn_act act)
{
    int C = bn->C;
    double N = (double)B * S;
#pragma omp parallel for schedule(dynamic)
    for (int c = 0; c < C; c++) {
        float mean, inv;
        if (train) {
            double sum, sumsq;
            chan_moments(x, B, C, S, c, &sum, &sumsq);
            double mu = sum / N, var = sumsq / N - mu * mu; /* exact squares: float^2 fits a double */
            if (var < 0) var = 0;
            bn_batch_stats(bn, c, mu, var, N, momentum, &mean, &inv);
        } else {
            mean = bn->mean->val[c];
            inv = 1.0f / sqrtf(bn->var->val[c] + BN_EPS);
        }
        float g = bn->gamma->val[c], be = bn->beta->val[c];
        for (int b = 0; b < B; b++) {
            const float *p = x + ((long)b * C + c) * S;
            float *q = y + ((long)b * C + c) * S;
            if (res) { /* [shortcut]'s act(prev + from), prev being the batch norm's output */
                const float *r = res + ((long)b * C + c) * S;
                if (act == ACT_RELU)
                    for (int i = 0; i < S; i++) q[i] = act_value((g * ((p[i] - mean) * inv) + be) + r[i], ACT_RELU);
                else
                    for (int i = 0; i < S; i++) q[i] = act_value((g * ((p[i] - mean) * inv) + be) + r[i], act);
                continue;
            }
            switch (act) { /* one loop per activation, so each vectorises */
            case ACT_RELU:
                for (int i = 0; i < S; i++) q[i] = act_value(g * ((p[i] - mean) * inv) + be, ACT_RELU);
                break;
            case ACT_LINEAR:
                for (int i = 0; i < S; i++) q[i] = g * ((p[i] - mean) * inv) + be;
                break;
            default:
                for (int i = 0; i < S; i++) q[i] = act_value(g * ((p[i] - mean) * inv) + be, act);
            }
        }
    }
}

/* bn_backward_act for one channel; ACT is a constant in each expansion. */
#define BN_BACKWARD_CHANNEL(ACT)                                                                   \
    do {                                                                                           \
        double l1[8] = {0}, l2[8] = {0};                                                           \
        v4d s1lo = {0}, s1hi = {0}, s2lo = {0}, s2hi = {0};                                        \
        vf vmean = vset1(mean), vinv = vset1(inv), vg = vset1(g), vbe = vset1(be);            \
        for (int b = 0; b < B; b++) {                                                              \
            const float *d = dy + ((long)b * C + c) * S;                                           \
            const float *p = x + ((long)b * C + c) * S, *q = y + ((long)b * C + c) * S;            \
            long nx = b + 1 < B ? (long)C * S : 0; /* to the next image's segments */               \
            int i = 0;                                                                             \
            for (; i + 8 <= S; i += 8) {                                                           \
                if (i % 16 == 0) {                                                                 \
                    __builtin_prefetch(d + nx + i);                                                \
                    __builtin_prefetch(p + nx + i);                                                \
                }                                                                                  \
                vf xh = (vld(p + i) - vmean) * vinv;                                              \
                vf dm = vld(d + i) * slope8(vg * xh + vbe, q + i, ACT);                           \
                add_lanes(&s1lo, &s1hi, dm);                                                       \
                add_lanes(&s2lo, &s2hi, dm * xh);                                                  \
            }                                                                                      \
            for (; i < S; i++) {                                                                   \
                float xh = (p[i] - mean) * inv;                                                    \
                float dm = d[i] * slope1(g * xh + be, q + i, ACT);                                 \
                l1[i % 8] += dm;                                                                   \
                l2[i % 8] += dm * xh;                                                              \
            }                                                                                      \
        }                                                                                          \
        for (int k = 0; k < 4; k++) {                                                              \
            l1[k] += s1lo[k], l1[k + 4] += s1hi[k];                                                \
            l2[k] += s2lo[k], l2[k + 4] += s2hi[k];                                                \
        }                                                                                          \
        double sdy = lanes_total(l1), sdyx = lanes_total(l2);                                      \
        bn->beta->grad[c] += (float)sdy;                                                           \
        bn->gamma->grad[c] += (float)sdyx;                                                         \
        float k = g * inv;                                                                         \
        float mdy = (float)(sdy / N), mdyx = (float)(sdyx / N);                                    \
        vf vk = vset1(k), vmdy = vset1(mdy), vmdyx = vset1(mdyx);                              \
        for (int b = 0; b < B; b++) {                                                              \
            float *d = dy + ((long)b * C + c) * S;                                                 \
            const float *p = x + ((long)b * C + c) * S, *q = y + ((long)b * C + c) * S;            \
            long nx = b + 1 < B ? (long)C * S : 0;                                                 \
            int i = 0;                                                                             \
            for (; i + 8 <= S; i += 8) {                                                           \
                if (i % 16 == 0) {                                                                 \
                    __builtin_prefetch(d + nx + i, 1);                                             \
                    __builtin_prefetch(p + nx + i);                                                \
                }                                                                                  \
                vf xh = (vld(p + i) - vmean) * vinv;                                              \
                vf dm = vld(d + i) * slope8(vg * xh + vbe, q + i, ACT);                           \
                vst(d + i, vk * (dm - vmdy - xh * vmdyx));                                         \
            }                                                                                      \
            for (; i < S; i++) {                                                                   \
                float xh = (p[i] - mean) * inv;                                                    \
                float dm = d[i] * slope1(g * xh + be, q + i, ACT);                                 \
                d[i] = k * (dm - mdy - xh * mdyx);                                                 \
            }                                                                                      \
        }                                                                                          \
    } while (0)

void bn_backward_act(struct bn *bn, const float *x, const float *y, float *dy, int B, int S, enum dn_act act)
{
    int C = bn->C;
    double N = (double)B * S;
#pragma omp parallel for schedule(dynamic)
    for (int c = 0; c < C; c++) {
        float mean = bn->mean_b[c], inv = bn->inv_std[c];
        float g = bn->gamma->val[c], be = bn->beta->val[c];
        switch (act) {
        case ACT_RELU:
            BN_BACKWARD_CHANNEL(ACT_RELU);
            break;
        case ACT_LINEAR:
            BN_BACKWARD_CHANNEL(ACT_LINEAR);
            break;
        default:
            BN_BACKWARD_CHANNEL(act);
        }
    }
}
