/*
 * convolutional.c - [convolutional]: convolution, optional batch norm,
 * activation.
 *
 * cfg keys: filters (required), size (default 1), stride (1), pad (0; pad=1
 * means size/2 zero padding as in Darknet) or padding (explicit pixels),
 * batch_normalize (0), activation (logistic, Darknet's default).
 *
 * .weights order: biases[F] (the BN beta when batch_normalize=1; there is no
 * separate conv bias then), and with batch_normalize scales[F],
 * rolling_mean[F], rolling_variance[F]; then weights[F*C*k*k].
 *
 * The convolution itself (conv2d_forward/backward) goes to the fastest CPU
 * path that takes the shape: Winograd F(2x2,3x3) for 3x3 stride-1 pad-1
 * (backend/cpu/conv_winograd.h), else the direct kernels (conv_direct.h),
 * else im2col of every image side by side into one (C*k*k, B*OH*OW) matrix
 * and one GEMM with the (F, C*k*k) weights (backward re-unfolds the input
 * instead of keeping the columns). At inference with batch norm, the direct
 * kernels apply batch norm and the activation in their store.
 */
#include "convolutional.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../backend/cpu/conv_direct.h"
#include "../backend/cpu/conv_winograd.h"
#include "../backend/cpu/gemm.h"
#include "../backend/cpu/im2col.h"
#include "../core/activations.h"
#include "../core/network.h"
#include "batchnorm.h"

void conv_geom_set(struct conv_geom *g, int B, int C, int H, int W, int F, int k, int s, int p)
{
    g->B = B, g->C = C, g->H = H, g->W = W, g->F = F, g->k = k, g->s = s, g->p = p;
    g->OH = (H + 2 * p - k) / s + 1;
    g->OW = (W + 2 * p - k) / s + 1;
}

size_t conv2d_workspace(const struct conv_geom *g)
{
    if (!conv_direct_ok(g)) return conv2d_workspace_gemm(g);
    size_t n = conv_direct_workspace(g, gemm_threads());
    if (conv_wino_ok(g)) {
        size_t nw = conv_wino_workspace(g, gemm_threads());
        if (nw > n) n = nw;
    }
    return n;
}

size_t conv2d_workspace_gemm(const struct conv_geom *g)
{
    size_t n = (size_t)g->B * g->OH * g->OW;
    return (size_t)g->C * g->k * g->k * n + (size_t)g->F * n;
}

/* cols (C*k*k, B*OHW) <- unfolded batch */
static void unfold_batch(const struct conv_geom *g, const float *in, float *cols)
{
    int ohw = g->OH * g->OW, ld = g->B * ohw;
#pragma omp parallel for
    for (int b = 0; b < g->B; b++)
        im2col(in + (long)b * g->C * g->H * g->W, g->C, g->H, g->W, g->k, g->s, g->p, cols + (long)b * ohw, ld);
}

void conv2d_forward(const struct conv_geom *g, const float *in, const float *w, float *out, float *ws)
{
    if (conv_wino_ok(g)) conv_wino_forward(g, in, w, out, ws);
    else if (conv_direct_ok(g)) conv_direct_forward(g, in, w, out, ws);
    else conv2d_forward_gemm(g, in, w, out, ws);
}

void conv2d_backward(const struct conv_geom *g, const float *in, const float *w, const float *dout,
                     float *dw, float *din, float *ws)
{
    if (conv_wino_ok(g)) {
        conv_wino_backward_filter(g, in, dout, dw, ws);
        if (din) conv_wino_backward_data(g, w, dout, din, ws);
    } else if (conv_direct_ok(g)) {
        conv_direct_backward(g, in, w, dout, dw, din, ws);
    } else {
        conv2d_backward_gemm(g, in, w, dout, dw, din, ws);
    }
}

void conv2d_forward_gemm(const struct conv_geom *g, const float *in, const float *w, float *out, float *ws)
{
    int ohw = g->OH * g->OW, N = g->B * ohw, K = g->C * g->k * g->k;
    float *cols = ws, *tmp = ws + (size_t)K * N;
    unfold_batch(g, in, cols);
    gemm(0, 0, g->F, N, K, 1, w, K, cols, N, 0, tmp, N);
    /* tmp (F, B, OHW) -> out (B, F, OHW) */
#pragma omp parallel for
    for (int b = 0; b < g->B; b++)
        for (int f = 0; f < g->F; f++)
            memcpy(out + ((long)b * g->F + f) * ohw, tmp + (long)f * N + (long)b * ohw, sizeof(float) * ohw);
}

void conv2d_backward_gemm(const struct conv_geom *g, const float *in, const float *w, const float *dout,
                          float *dw, float *din, float *ws)
{
    int ohw = g->OH * g->OW, N = g->B * ohw, K = g->C * g->k * g->k;
    float *cols = ws, *dtmp = ws + (size_t)K * N;
#pragma omp parallel for
    for (int b = 0; b < g->B; b++)
        for (int f = 0; f < g->F; f++)
            memcpy(dtmp + (long)f * N + (long)b * ohw, dout + ((long)b * g->F + f) * ohw, sizeof(float) * ohw);
    unfold_batch(g, in, cols);
    gemm(0, 1, g->F, K, N, 1, dtmp, N, cols, N, 1, dw, K);
    if (!din) return;
    gemm(1, 0, K, N, g->F, 1, w, K, dtmp, N, 0, cols, N);
#pragma omp parallel for
    for (int b = 0; b < g->B; b++)
        col2im(cols + (long)b * ohw, N, g->C, g->H, g->W, g->k, g->s, g->p, din + (long)b * g->C * g->H * g->W);
}

struct conv_layer {
    struct conv_geom g;
    int bn_on;
    enum dn_act act;
    struct param *biases, *weights;
    struct bn bn;
    float *x; /* (B, F, OH, OW) conv output before batch norm (with batch norm) */
    float *eval; /* [2F]: running mean and 1/sqrt(running var + eps), for inference */
};

static int conv_init(struct layer *l, struct cfg *c, struct cfg_section *s, struct network *net)
{
    struct conv_layer *cv = xcalloc(1, sizeof(*cv));
    l->priv = cv;
    int filters, size, stride, pad, padding, act;
    if (cfg_int_req(c, s, "filters", &filters) || cfg_int(c, s, "size", 1, &size) ||
        cfg_int(c, s, "stride", 1, &stride) || cfg_int(c, s, "pad", 0, &pad) ||
        cfg_int(c, s, "padding", -1, &padding) ||
        cfg_int(c, s, "batch_normalize", 0, &cv->bn_on) ||
        cfg_enum(c, s, "activation", act_names, ACT_LOGISTIC, &act))
        return -1;
    if (filters < 1) return cfg_fail(c, s, "filters", "must be at least 1");
    if (size < 1) return cfg_fail(c, s, "size", "must be at least 1");
    if (stride < 1) return cfg_fail(c, s, "stride", "must be at least 1");
    if (pad != 0 && pad != 1) return cfg_fail(c, s, "pad", "must be 0 or 1");
    if (cv->bn_on != 0 && cv->bn_on != 1) return cfg_fail(c, s, "batch_normalize", "must be 0 or 1");
    if (padding < 0) padding = pad ? size / 2 : 0;
    if (padding > size) return cfg_fail(c, s, "padding", "must not exceed size=%d", size);
    if ((double)l->h + 2.0 * padding < size || (double)l->w + 2.0 * padding < size)
        return cfg_fail(c, s, "size", "kernel larger than the %dx%d input plus padding", l->w, l->h);
    double oh = floor(((double)l->h + 2.0 * padding - size) / stride) + 1;
    double ow = floor(((double)l->w + 2.0 * padding - size) / stride) + 1;
    if (net_check_size(c, s, "filters", "the output", (double)l->batch * filters * oh * ow) ||
        net_check_size(c, s, "filters", "the weights", (double)filters * l->c * size * size))
        return -1;
    cv->act = act;
    conv_geom_set(&cv->g, l->batch, l->c, l->h, l->w, filters, size, stride, padding);
    l->out_c = filters, l->out_h = cv->g.OH, l->out_w = cv->g.OW;
    l->workspace = conv2d_workspace(&cv->g);

    cv->biases = layer_add_param(l, "biases", PARAM_BIAS, filters);
    if (cv->bn_on) {
        bn_init(&cv->bn, l, cv->biases, filters);
        cv->x = falloc((size_t)l->batch * filters * cv->g.OH * cv->g.OW);
        cv->eval = falloc(2 * (size_t)filters);
    }
    size_t nw = (size_t)filters * l->c * size * size;
    cv->weights = layer_add_param(l, "weights", PARAM_WEIGHT, nw);
    float fan_in = (float)l->c * size * size, fan_out = (float)filters * size * size;
    if (net->init == INIT_FAN_OUT) init_normal(net, cv->weights->val, nw, sqrtf(2.0f / fan_out));
    else init_normal(net, cv->weights->val, nw, sqrtf(2.0f / fan_in));
    if (!cv->bn_on && net->init != INIT_DARKNET)
        init_uniform(net, cv->biases->val, filters, 1.0f / sqrtf(fan_in));
    return 0;
}

static void conv_forward(struct layer *l, struct network *net)
{
    struct conv_layer *cv = l->priv;
    int S = l->out_h * l->out_w;
    if (cv->bn_on && !net->train && conv_direct_ok(&cv->g)) {
        /* inference: batch norm and activation applied in the convolution's
         * store (the same float expressions as bn_forward_act) */
        float *mean = cv->eval, *inv = cv->eval + l->out_c;
        for (int f = 0; f < l->out_c; f++) {
            mean[f] = cv->bn.mean->val[f];
            inv[f] = 1.0f / sqrtf(cv->bn.var->val[f] + BN_EPS);
        }
        struct conv_epilogue e = {mean, inv, cv->bn.gamma->val, cv->bn.beta->val, cv->act};
        conv_direct_forward_epi(&cv->g, l->input, cv->weights->val, l->output, net->workspace, &e);
        return;
    }
    if (cv->bn_on) {
        conv2d_forward(&cv->g, l->input, cv->weights->val, cv->x, net->workspace);
        bn_forward_act(&cv->bn, cv->x, l->output, l->batch, S, net->train, net->bn_momentum, cv->act);
        return;
    }
    conv2d_forward(&cv->g, l->input, cv->weights->val, l->output, net->workspace);
    for (int b = 0; b < l->batch; b++)
        for (int f = 0; f < l->out_c; f++) {
            float *o = l->output + ((long)b * l->out_c + f) * S, bias = cv->biases->val[f];
            for (int i = 0; i < S; i++) o[i] += bias;
        }
    activate(l->output, (size_t)l->batch * l->outputs, cv->act);
}

static void conv_backward(struct layer *l, struct network *net)
{
    struct conv_layer *cv = l->priv;
    int S = l->out_h * l->out_w;
    if (cv->bn_on) {
        bn_backward_act(&cv->bn, cv->x, l->output, l->delta, l->batch, S, cv->act);
    } else {
        gradient(l->output, (size_t)l->batch * l->outputs, cv->act, l->delta);
        for (int b = 0; b < l->batch; b++)
            for (int f = 0; f < l->out_c; f++) {
                const float *d = l->delta + ((long)b * l->out_c + f) * S;
                float sum = 0;
                for (int i = 0; i < S; i++) sum += d[i];
                cv->biases->grad[f] += sum;
            }
    }
    conv2d_backward(&cv->g, l->input, cv->weights->val, l->delta, cv->weights->grad, l->dinput,
                    net->workspace);
}

static void conv_free(struct layer *l)
{
    struct conv_layer *cv = l->priv;
    if (!cv) return;
    if (cv->bn_on) bn_free(&cv->bn);
    free(cv->x);
    free(cv->eval);
    free(cv);
}

static double conv_macs(const struct layer *l)
{
    const struct conv_layer *cv = l->priv;
    return (double)cv->g.F * cv->g.C * cv->g.k * cv->g.k * cv->g.OH * cv->g.OW;
}

static void conv_describe(const struct layer *l, char *buf, size_t n)
{
    const struct conv_layer *cv = l->priv;
    snprintf(buf, n, "%d %dx%d/%d%s %s", cv->g.F, cv->g.k, cv->g.k, cv->g.s, cv->bn_on ? " bn" : "",
             act_names[cv->act]);
}

#ifdef GPU
#include "layers_gpu.h"

static void conv_init_gpu(struct layer *l, struct network *net)
{
    struct conv_layer *cv = l->priv;
    conv_setup_gpu(l, net, &cv->g, cv->act, cv->bn_on ? &cv->bn : NULL, cv->biases, cv->weights);
}
#endif

const struct layer_ops convolutional_ops = {
    .name = "convolutional",
    .alias = "conv",
    .init = conv_init,
    .forward = conv_forward,
    .backward = conv_backward,
    .free = conv_free,
    .macs = conv_macs,
    .describe = conv_describe,
#ifdef GPU
    .init_gpu = conv_init_gpu,
    .forward_gpu = conv_forward_gpu,
    .backward_gpu = conv_backward_gpu,
    .free_gpu = conv_free_gpu,
#endif
};
