/* batchnorm.c - see batchnorm.h. */
#include "batchnorm.h"

#include <math.h>
#include <stdlib.h>

void bn_init(struct bn *bn, struct layer *l, struct param *beta, int C)
{
    bn->C = C;
    bn->beta = beta;
    bn->gamma = layer_add_param(l, "scales", PARAM_BIAS, C);
    bn->mean = layer_add_param(l, "rolling_mean", PARAM_STAT, C);
    bn->var = layer_add_param(l, "rolling_variance", PARAM_STAT, C);
    for (int i = 0; i < C; i++) bn->gamma->val[i] = 1, bn->var->val[i] = 1;
    bn->inv_std = falloc(C);
}

void bn_free(struct bn *bn) { free(bn->inv_std); }

void bn_forward(struct bn *bn, float *x, float *y, int B, int S, int train, float momentum)
{
    int C = bn->C;
    double N = (double)B * S;
#pragma omp parallel for
    for (int c = 0; c < C; c++) {
        float mean, inv;
        if (train) {
            double sum = 0, sq = 0;
            for (int b = 0; b < B; b++) {
                const float *p = x + ((long)b * C + c) * S;
                for (int i = 0; i < S; i++) sum += p[i];
            }
            double mu = sum / N;
            for (int b = 0; b < B; b++) {
                const float *p = x + ((long)b * C + c) * S;
                for (int i = 0; i < S; i++) sq += (p[i] - mu) * (p[i] - mu);
            }
            double var = sq / N;
            mean = (float)mu;
            inv = (float)(1.0 / sqrt(var + BN_EPS));
            bn->inv_std[c] = inv;
            double unbiased = N > 1 ? var * N / (N - 1) : var;
            bn->mean->val[c] = (1 - momentum) * bn->mean->val[c] + momentum * (float)mu;
            bn->var->val[c] = (1 - momentum) * bn->var->val[c] + momentum * (float)unbiased;
        } else {
            mean = bn->mean->val[c];
            inv = 1.0f / sqrtf(bn->var->val[c] + BN_EPS);
        }
        float g = bn->gamma->val[c], be = bn->beta->val[c];
        for (int b = 0; b < B; b++) {
            float *p = x + ((long)b * C + c) * S;
            float *q = y + ((long)b * C + c) * S;
            for (int i = 0; i < S; i++) {
                float xh = (p[i] - mean) * inv;
                p[i] = xh;
                q[i] = g * xh + be;
            }
        }
    }
}

void bn_backward(struct bn *bn, const float *xhat, float *dy, int B, int S)
{
    int C = bn->C;
    double N = (double)B * S;
#pragma omp parallel for
    for (int c = 0; c < C; c++) {
        double sdy = 0, sdyx = 0;
        for (int b = 0; b < B; b++) {
            const float *d = dy + ((long)b * C + c) * S;
            const float *xh = xhat + ((long)b * C + c) * S;
            for (int i = 0; i < S; i++) {
                sdy += d[i];
                sdyx += d[i] * xh[i];
            }
        }
        bn->beta->grad[c] += (float)sdy;
        bn->gamma->grad[c] += (float)sdyx;
        /* dx = gamma*inv/N * (N*dy - sum(dy) - xhat*sum(dy*xhat)) */
        float k = bn->gamma->val[c] * bn->inv_std[c];
        float mdy = (float)(sdy / N), mdyx = (float)(sdyx / N);
        for (int b = 0; b < B; b++) {
            float *d = dy + ((long)b * C + c) * S;
            const float *xh = xhat + ((long)b * C + c) * S;
            for (int i = 0; i < S; i++) d[i] = k * (d[i] - mdy - xh[i] * mdyx);
        }
    }
}
