/*
 * test_forward.c - forward (and a few backward) values of single layers
 * against numbers worked out by hand or independent naive loops written here
 * (never the code under test): convolution, batch norm in training and
 * inference with its running statistics, Darknet's shortcut between shapes,
 * max and average pooling, softmax with cross-entropy, SE, connected.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/core/activations.h"
#include "../src/core/network.h"
#include "harness.h"
#include "layer_cases.h"

static struct param *find_param(struct layer *l, const char *name)
{
    for (int j = 0; j < l->nparams; j++)
        if (strcmp(l->params[j].name, name) == 0) return &l->params[j];
    test_fail(__FILE__, __LINE__, "layer %d (%s) has no parameter %s", l->index, l->ops->name,
              name);
    return NULL;
}

static void set_param(struct layer *l, const char *name, const float *v, size_t n)
{
    struct param *p = find_param(l, name);
    if (!p) return;
    EXPECT(p->n == n, "%s has %zu values, not %zu", name, p->n, n);
    if (p->n == n) memcpy(p->val, v, sizeof(float) * n);
}

static double sigmoid(double a) { return 1.0 / (1.0 + exp(-a)); }

/* 1-channel 3x3 convolution, pad 1, on the 4x4 input 1..16 with the kernel
 * [0 1 0; 1 -4 2; 0 1 0] (a Laplacian plus the right neighbour, so a flipped
 * kernel shows) and bias 0.5. Worked by hand, e.g. the top-left pixel:
 * down 5 + right 2*2 - 4*1 = 5, + 0.5. */
static void test_conv_forward_hand(void)
{
    struct network *net =
        test_build(NET(1, 4, 4, 1) "[convolutional]\nfilters=1\nsize=3\nstride=1\npad=1\n"
                                   "activation=linear\n",
                   0);
    if (!net) return;
    struct layer *l = &net->layers[0];
    const float w[9] = {0, 1, 0, 1, -4, 2, 0, 1, 0}, b = 0.5f;
    set_param(l, "weights", w, 9);
    set_param(l, "biases", &b, 1);
    for (int i = 0; i < 16; i++) net->input[i] = (float)(i + 1);
    net->train = 0;
    net_forward(net);
    const double want[16] = {5.5, 5.5,  5.5,  -4.5,  2.5,   7.5,  8.5,  -8.5,
                             2.5, 11.5, 12.5, -12.5, -14.5, -2.5, -2.5, -36.5};
    expect_array(l->output, want, 16, 1e-6, "conv out");
    net_free(net);
}

/* Multi-channel, stride 2, odd input, batch 2, leaky: against a naive loop. */
static void test_conv_forward_naive(void)
{
    struct network *net =
        test_build(NET(2, 7, 5, 2) "[convolutional]\nfilters=3\nsize=3\nstride=2\npad=1\n"
                                   "activation=leaky\n",
                   0);
    if (!net) return;
    struct layer *l = &net->layers[0];
    struct param *w = find_param(l, "weights"), *bias = find_param(l, "biases");
    struct dn_rng rng;
    rng_seed(&rng, 3);
    for (size_t i = 0; i < w->n; i++) w->val[i] = rng_uniform(&rng, -1, 1);
    for (size_t i = 0; i < bias->n; i++) bias->val[i] = rng_uniform(&rng, -1, 1);
    for (int i = 0; i < 2 * 2 * 5 * 7; i++) net->input[i] = rng_uniform(&rng, -1, 1);
    net->train = 0;
    net_forward(net);
    EXPECT(l->out_w == 4 && l->out_h == 3 && l->out_c == 3, "shape %dx%dx%d", l->out_w, l->out_h,
           l->out_c);
    int C = 2, H = 5, W = 7, F = 3, OH = 3, OW = 4;
    double maxerr = 0;
    for (int b = 0; b < 2; b++)
        for (int f = 0; f < F; f++)
            for (int oy = 0; oy < OH; oy++)
                for (int ox = 0; ox < OW; ox++) {
                    double s = bias->val[f];
                    for (int c = 0; c < C; c++)
                        for (int ky = 0; ky < 3; ky++)
                            for (int kx = 0; kx < 3; kx++) {
                                int y = oy * 2 - 1 + ky, x = ox * 2 - 1 + kx;
                                if (y < 0 || y >= H || x < 0 || x >= W) continue;
                                s += (double)w->val[((f * C + c) * 3 + ky) * 3 + kx] *
                                     net->input[((b * C + c) * H + y) * W + x];
                            }
                    if (s < 0) s *= 0.1;
                    double got = l->output[((b * F + f) * OH + oy) * OW + ox];
                    if (fabs(got - s) > maxerr) maxerr = fabs(got - s);
                }
    EXPECT(maxerr < 1e-5, "conv vs naive loop: max error %g", maxerr);
    net_free(net);
}

/* A grouped convolution is G independent convolutions on channel slices:
 * the layer with groups=G against one ungrouped layer (C/G channels, F/G
 * filters) run G times on input channel slice j with weight slice j (the
 * .weights layout: group j's filters are j*F/G.., each with C/G channels)
 * and bias slice j. Compared: output channels j*F/G.., the input gradient of
 * channel slice j, and the weight and bias gradients of slice j. The
 * ungrouped layer takes the ordinary paths (Winograd, direct, im2col +
 * GEMM); the grouped one the depthwise loops (G = C = F) or per-group GEMM. */
static void grouped_case(int B, int W, int H, int C, int F, int G, int k, int s, int seed)
{
    const char *fmt = "[net]\nbatch=%d\nwidth=%d\nheight=%d\nchannels=%d\n[convolutional]\nfilters=%d\nsize=%d\n"
                      "stride=%d\npad=1\ngroups=%d\nactivation=linear\n";
    char text[512], what[96];
    snprintf(what, sizeof(what), "B%d %dx%dx%d F%d G%d %dx%d/%d", B, W, H, C, F, G, k, k, s);
    snprintf(text, sizeof(text), fmt, B, W, H, C, F, k, s, G);
    struct network *net = test_build(text, 1);
    snprintf(text, sizeof(text), fmt, B, W, H, C / G, F / G, k, s, 1);
    struct network *one = test_build(text, 1);
    if (!net || !one) {
        net_free(net), net_free(one);
        return;
    }
    struct layer *l = &net->layers[0], *m = &one->layers[0];
    struct param *w = find_param(l, "weights"), *b = find_param(l, "biases");
    struct param *mw = find_param(m, "weights"), *mb = find_param(m, "biases");
    int cg = C / G, fg = F / G;
    size_t per = mw->n, plane_in = (size_t)H * W, plane_out = (size_t)l->out_h * l->out_w;
    EXPECT(w->n == (size_t)G * per && per == (size_t)fg * cg * k * k, "%s: %zu weights, %zu per group", what, w->n,
           per);
    if (w->n != (size_t)G * per) goto out;
    struct dn_rng rng;
    rng_seed(&rng, seed);
    for (size_t i = 0; i < w->n; i++) w->val[i] = rng_uniform(&rng, -1, 1), w->grad[i] = 0;
    for (size_t i = 0; i < b->n; i++) b->val[i] = rng_uniform(&rng, -1, 1), b->grad[i] = 0;
    for (size_t i = 0; i < (size_t)B * C * plane_in; i++) net->input[i] = rng_uniform(&rng, -1, 1);
    size_t nout = (size_t)B * l->outputs;
    float *dout = falloc(nout);
    for (size_t i = 0; i < nout; i++) dout[i] = rng_uniform(&rng, -1, 1);
    net->train = 1;
    net_forward(net);
    memcpy(l->delta, dout, sizeof(float) * nout);
    net_backward(net);

    /* sums of at most C*k*k (outputs, input gradient) or B*OH*OW (weights) products of values in [-1, 1) */
    double tol_f = 2e-6 * (cg * k * k + 1), tol_w = 2e-6 * (B * plane_out + 1), worst[4] = {0, 0, 0, 0};
    for (int j = 0; j < G; j++) {
        memcpy(mw->val, w->val + j * per, sizeof(float) * per);
        memcpy(mb->val, b->val + (size_t)j * fg, sizeof(float) * fg);
        memset(mw->grad, 0, sizeof(float) * per);
        memset(mb->grad, 0, sizeof(float) * fg);
        for (int i = 0; i < B; i++)
            memcpy(one->input + (size_t)i * cg * plane_in, net->input + ((size_t)i * C + (size_t)j * cg) * plane_in,
                   sizeof(float) * cg * plane_in);
        one->train = 1;
        net_forward(one);
        for (int i = 0; i < B; i++) {
            size_t at = ((size_t)i * F + (size_t)j * fg) * plane_out, n = (size_t)fg * plane_out;
            double d = max_abs_diff(l->output + at, m->output + (size_t)i * n, n);
            if (!(d <= worst[0])) worst[0] = d;
            memcpy(m->delta + (size_t)i * n, dout + at, sizeof(float) * n);
        }
        net_backward(one);
        for (int i = 0; i < B; i++) {
            size_t n = (size_t)cg * plane_in;
            double d = max_abs_diff(net->delta + ((size_t)i * C + (size_t)j * cg) * plane_in, one->delta + i * n, n);
            if (!(d <= worst[1])) worst[1] = d;
        }
        double dw = max_abs_diff(w->grad + j * per, mw->grad, per), db = max_abs_diff(b->grad + (size_t)j * fg, mb->grad, fg);
        if (!(dw <= worst[2])) worst[2] = dw;
        if (!(db <= worst[3])) worst[3] = db;
    }
    EXPECT(worst[0] <= tol_f, "%s: output differs from G separate convolutions by %g (tol %g)", what, worst[0], tol_f);
    EXPECT(worst[1] <= tol_f, "%s: input gradient differs by %g (tol %g)", what, worst[1], tol_f);
    EXPECT(worst[2] <= tol_w, "%s: weight gradient differs by %g (tol %g)", what, worst[2], tol_w);
    EXPECT(worst[3] <= tol_w, "%s: bias gradient differs by %g (tol %g)", what, worst[3], tol_w);
    free(dout);
out:
    net_free(net), net_free(one);
}

static void test_conv_grouped_slices(void)
{
    /* B, W, H, C, F, G, k, s, seed */
    grouped_case(2, 7, 5, 8, 12, 4, 3, 1, 1);   /* grouped */
    grouped_case(2, 7, 5, 8, 12, 4, 3, 2, 2);   /* grouped, stride 2 */
    grouped_case(2, 16, 8, 4, 8, 2, 3, 1, 3);   /* rows of 16: the slices take Winograd */
    grouped_case(3, 16, 9, 6, 6, 3, 1, 2, 4);   /* 1x1 stride 2: the slices take the direct kernels */
    grouped_case(2, 7, 5, 6, 6, 6, 3, 1, 5);    /* depthwise */
    grouped_case(2, 7, 5, 6, 6, 6, 5, 1, 6);    /* depthwise 5x5 */
    grouped_case(2, 9, 6, 6, 6, 6, 5, 2, 7);    /* depthwise 5x5 stride 2 */
    grouped_case(2, 16, 8, 6, 6, 6, 3, 1, 8);   /* depthwise, rows of 16 */
    grouped_case(2, 7, 5, 4, 8, 4, 3, 2, 9);    /* depthwise multiplier 2 */
}

/* Upstream's .weights layout and operation count for groups: F*(C/G)*k*k
 * weights, filters/groups in the summary, MACs F*(C/G)*k*k*OH*OW. */
static void test_conv_grouped_counts(void)
{
    struct network *net = test_build(NET(1, 8, 6, 8) "[convolutional]\nfilters=12\nsize=3\npad=1\ngroups=4\n"
                                                     "batch_normalize=1\nactivation=leaky\n",
                                     0);
    if (!net) return;
    struct layer *l = &net->layers[0];
    EXPECT(find_param(l, "weights")->n == 12 * 2 * 3 * 3, "weights: %zu", find_param(l, "weights")->n);
    EXPECT(l->ops->macs(l) == 12.0 * 2 * 3 * 3 * 6 * 8, "MACs: %g", l->ops->macs(l));
    char d[64];
    l->ops->describe(l, d, sizeof(d));
    EXPECT(strcmp(d, "12/4 3x3/1 bn leaky") == 0, "summary detail '%s'", d);
    net_free(net);
}

/* Batch norm through a 1x1 identity convolution, batch 2, 2 channels, 2 pixels:
 *   channel 0: {1, 2 | 3, 6}: mean 3, biased var (4+1+0+9)/4 = 3.5, unbiased 14/3
 *   channel 1: {-1, 1 | 0, 0}: mean 0, biased var 2/4 = 0.5, unbiased 2/3
 * gamma = {2, 1}, beta = {0.5, -1}. Running stats start at mean 0, var 1 and
 * move by momentum 0.1: mean {0.3, 0}, var {0.9 + 1.4/3, 0.9 + 0.2/3}. */
static void test_bn_forward_hand(void)
{
    struct network *net =
        test_build(NET(2, 2, 1, 2) "[convolutional]\nfilters=2\nsize=1\nbatch_normalize=1\n"
                                   "activation=linear\n",
                   0);
    if (!net) return;
    struct layer *l = &net->layers[0];
    const float w[4] = {1, 0, 0, 1}, gamma[2] = {2, 1}, beta[2] = {0.5f, -1};
    set_param(l, "weights", w, 4);
    set_param(l, "scales", gamma, 2);
    set_param(l, "biases", beta, 2);
    const float x[8] = {1, 2, -1, 1, 3, 6, 0, 0}; /* (b, c, s) */
    memcpy(net->input, x, sizeof(x));
    EXPECT(net->opt.bn_momentum == 0.1f, "default bn_momentum %g", net->opt.bn_momentum);

    net->train = 1;
    net_forward(net);
    double s0 = sqrt(3.5 + 1e-5), s1 = sqrt(0.5 + 1e-5);
    const double want[8] = {
        2 * (1 - 3) / s0 + 0.5, 2 * (2 - 3) / s0 + 0.5, -1 / s1 - 1, 1 / s1 - 1,
        2 * (3 - 3) / s0 + 0.5, 2 * (6 - 3) / s0 + 0.5, 0 / s1 - 1,  0 / s1 - 1};
    expect_array(l->output, want, 8, 1e-5, "bn train out");
    const double rm[2] = {0.3, 0.0}, rv[2] = {0.9 + 0.1 * 14.0 / 3, 0.9 + 0.1 * 2.0 / 3};
    expect_array(find_param(l, "rolling_mean")->val, rm, 2, 1e-6, "rolling_mean");
    expect_array(find_param(l, "rolling_variance")->val, rv, 2, 1e-6, "rolling_variance");

    /* inference normalises with the running statistics */
    net->train = 0;
    net_forward(net);
    double want_inf[8];
    for (int b = 0; b < 2; b++)
        for (int c = 0; c < 2; c++)
            for (int s = 0; s < 2; s++) {
                int i = (b * 2 + c) * 2 + s;
                want_inf[i] = gamma[c] * (x[i] - rm[c]) / sqrt(rv[c] + 1e-5) + beta[c];
            }
    expect_array(l->output, want_inf, 8, 1e-5, "bn inference out");
    const double rm_same[2] = {0.3, 0.0};
    expect_array(find_param(l, "rolling_mean")->val, rm_same, 2, 1e-6,
                 "rolling_mean after inference");

    /* a second training step compounds: 0.9*0.3 + 0.1*3 = 0.57 */
    net->train = 1;
    net_forward(net);
    const double rm2[2] = {0.57, 0.0},
                 rv2[2] = {0.9 * rv[0] + 0.1 * 14.0 / 3, 0.9 * rv[1] + 0.1 * 2.0 / 3};
    expect_array(find_param(l, "rolling_mean")->val, rm2, 2, 1e-6, "rolling_mean step 2");
    expect_array(find_param(l, "rolling_variance")->val, rv2, 2, 1e-6, "rolling_variance step 2");
    net_free(net);
}

/* Darknet's shortcut with a 4x4x1 `from` and a 2x2x2 previous layer: channel
 * 0 gets from's pixels (0,0), (0,2), (2,0), (2,2); channel 1 passes through.
 * Backward routes the same pixels back. Then the reverse: a 2x2x2 `from`
 * added to a 4x4x1 layer at every 2nd pixel, channel 0 only. */
static void test_shortcut_forward_hand(void)
{
    struct network *net =
        test_build(NET(1, 4, 4, 1) "[convolutional]\nfilters=1\nsize=1\nactivation=linear\n"
                                   "[convolutional]\nfilters=2\nsize=3\nstride=2\npad=1\n"
                                   "activation=linear\n"
                                   "[shortcut]\nfrom=0\n",
                   0);
    if (!net) return;
    struct layer *f = &net->layers[0], *p = &net->layers[1], *l = &net->layers[2];
    for (int i = 0; i < 16; i++) f->output[i] = (float)i;
    for (int i = 0; i < 8; i++) p->output[i] = 100.0f + i;
    l->ops->forward(l, net);
    const double want[8] = {100 + 0, 101 + 2, 102 + 8, 103 + 10, 104, 105, 106, 107};
    expect_array(l->output, want, 8, 0, "shortcut subsample out");

    memset(f->delta, 0, sizeof(float) * 16);
    memset(p->delta, 0, sizeof(float) * 8);
    for (int i = 0; i < 8; i++) l->delta[i] = (float)(i + 1);
    l->ops->backward(l, net);
    const double wf[16] = {1, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4, 0, 0, 0, 0, 0};
    const double wp[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    expect_array(f->delta, wf, 16, 0, "shortcut subsample from delta");
    expect_array(p->delta, wp, 8, 0, "shortcut subsample prev delta");
    net_free(net);

    net = test_build(
        NET(1, 4, 4, 1) "[convolutional]\nfilters=1\nsize=1\nactivation=linear\n"
                        "[convolutional]\nfilters=2\nsize=3\nstride=2\npad=1\nactivation=linear\n"
                        "[route]\nlayers=0\n"
                        "[shortcut]\nfrom=1\n",
        0);
    if (!net) return;
    struct layer *r = &net->layers[2];
    f = &net->layers[1], l = &net->layers[3];
    for (int i = 0; i < 16; i++) r->output[i] = (float)i;
    for (int i = 0; i < 8; i++) f->output[i] = 100.0f * (i + 1);
    l->ops->forward(l, net);
    const double want2[16] = {0 + 100, 1, 2 + 200,  3,  4,  5,  6,  7,
                              8 + 300, 9, 10 + 400, 11, 12, 13, 14, 15};
    expect_array(l->output, want2, 16, 0, "shortcut upsample out");
    net_free(net);
}

static void test_maxpool_forward_hand(void)
{
    /* size 2 stride 2 on 5x5 (Darknet: padding 1, out 3x3, the last window
     * hangs over the edge); all inputs <= 0 so a zero pad would win */
    struct network *net = test_build(NET(1, 5, 5, 1) "[maxpool]\nsize=2\nstride=2\n", 1);
    if (!net) return;
    for (int i = 0; i < 25; i++) net->input[i] = -(float)i;
    net->train = 1;
    net_forward(net);
    struct layer *l = &net->layers[0];
    EXPECT(l->out_w == 3 && l->out_h == 3, "maxpool 5x5/2 -> %dx%d", l->out_w, l->out_h);
    const double want[9] = {0, -2, -4, -10, -12, -14, -20, -22, -24};
    expect_array(l->output, want, 9, 0, "maxpool 2/2 out");
    for (int i = 0; i < 9; i++) l->delta[i] = (float)(i + 1);
    net_backward(net);
    double wd[25] = {0};
    for (int j = 0; j < 3; j++)
        for (int i = 0; i < 3; i++) wd[(2 * j) * 5 + 2 * i] = j * 3 + i + 1;
    expect_array(net->delta, wd, 25, 0, "maxpool 2/2 input delta");
    net_free(net);

    /* size 3 stride 1 on 3x3 (padding 2, window from -1): negative values */
    net = test_build(NET(1, 3, 3, 1) "[maxpool]\nsize=3\nstride=1\n", 0);
    if (!net) return;
    const float x[9] = {-9, -2, -8, -7, -10, -6, -1, -5, -3};
    memcpy(net->input, x, sizeof(x));
    net->train = 0;
    net_forward(net);
    const double want3[9] = {-2, -2, -2, -1, -1, -2, -1, -1, -3};
    expect_array(net->layers[0].output, want3, 9, 0, "maxpool 3/1 out");
    net_free(net);
}

static void test_avgpool_forward_hand(void)
{
    struct network *net = test_build(NET(1, 3, 2, 2) "[avgpool]\n", 0);
    if (!net) return;
    const float x[12] = {1, 2, 3, 4, 5, 6, -1, 0, 0, 0, 0, 7};
    memcpy(net->input, x, sizeof(x));
    net->train = 0;
    net_forward(net);
    const double want[2] = {3.5, 1.0};
    expect_array(net->layers[0].output, want, 2, 1e-6, "avgpool out");
    net_free(net);
}

/* softmax(1, 2, 3) = e^i / (e + e^2 + e^3) with e^1 = 2.718281828,
 * e^2 = 7.389056099, e^3 = 20.08553692, sum 30.19287485; shifting by 1000
 * must not change it. Cross-entropy with targets 2 and 0:
 * (-ln 0.66524096 - ln 0.09003057) / 2 = (0.40760596 + 2.40760596) / 2. */
static void test_softmax_forward_hand(void)
{
    struct network *net = test_build(NET(2, 3, 1, 1) "[softmax]\n", 1);
    if (!net) return;
    const float x[6] = {1, 2, 3, 1000, 1001, 1002};
    memcpy(net->input, x, sizeof(x));
    memset(net->truth, 0, sizeof(float) * 6);
    net->truth[2] = 1, net->truth[3] = 1;
    net->train = 1;
    net_forward(net);
    const double p[6] = {0.09003057, 0.24472847, 0.66524096, 0.09003057, 0.24472847, 0.66524096};
    expect_array(net->layers[0].output, p, 6, 1e-7, "softmax out");
    EXPECT_NEAR(net->loss, 1.40760596, 1e-6, 0, "softmax cross-entropy");
    net_backward(net);
    const double d[6] = {0.09003057 / 2,       0.24472847 / 2, (0.66524096 - 1) / 2,
                         (0.09003057 - 1) / 2, 0.24472847 / 2, 0.66524096 / 2};
    expect_array(net->delta, d, 6, 1e-7, "softmax loss gradient");
    net_free(net);
}

/* SE on 2 channels x 2 pixels, reduction 2 (one hidden unit), by hand:
 *   W1 = [0.5 -1], b1 = 0.25, W2 = [1; -2], b2 = [-2, 1]
 *   sample 0: x = {1, 3 | -2, 0}: z = (2, -1), h = relu(1 + 1 + 0.25) = 2.25,
 *             a = (2.25 - 2, -4.5 + 1) = (0.25, -3.5)
 *   sample 1: x = {-2, -4 | 1, 1}: z = (-3, 1), h = relu(-1.5 - 1 + 0.25) = 0,
 *             a = b2 = (-2, 1)
 *   y = x * sigmoid(a) per channel. */
static void test_se_forward_hand(void)
{
    struct network *net = test_build(NET(2, 2, 1, 2) "[se]\nreduction=2\n", 0);
    if (!net) return;
    struct layer *l = &net->layers[0];
    const float b1 = 0.25f, w1[2] = {0.5f, -1}, b2[2] = {-2, 1}, w2[2] = {1, -2};
    set_param(l, "se_biases1", &b1, 1);
    set_param(l, "se_weights1", w1, 2);
    set_param(l, "se_biases2", b2, 2);
    set_param(l, "se_weights2", w2, 2);
    const float x[8] = {1, 3, -2, 0, -2, -4, 1, 1};
    memcpy(net->input, x, sizeof(x));
    net->train = 0;
    net_forward(net);
    double s00 = sigmoid(0.25), s01 = sigmoid(-3.5), s10 = sigmoid(-2), s11 = sigmoid(1);
    const double want[8] = {1 * s00, 3 * s00, -2 * s01, 0, -2 * s10, -4 * s10, 1 * s11, 1 * s11};
    expect_array(l->output, want, 8, 1e-6, "se out");
    net_free(net);
}

/* y = x W^T + b with W = [1 2 3; -1 0 1], b = (0.5, -0.5):
 * x = (1, -1, 2) -> (5.5, 0.5); x = (0, 1, 0) -> (2.5, -0.5); then leaky. */
static void test_connected_forward_hand(void)
{
    struct network *net = test_build(NET(2, 3, 1, 1) "[connected]\noutput=2\nactivation=leaky\n", 0);
    if (!net) return;
    struct layer *l = &net->layers[0];
    const float w[6] = {1, 2, 3, -1, 0, 1}, b[2] = {0.5f, -0.5f};
    set_param(l, "weights", w, 6);
    set_param(l, "biases", b, 2);
    const float x[6] = {1, -1, 2, 0, 1, 0};
    memcpy(net->input, x, sizeof(x));
    net->train = 0;
    net_forward(net);
    const double want[4] = {5.5, 0.5, 2.5, -0.05};
    expect_array(l->output, want, 4, 1e-6, "connected out");
    net_free(net);
}

/* [crop] at inference: the centred window, scaled to -1..1 (Darknet's
 * 2x - 1); in training, every window offset of a 4x4 image with a 3x3 crop
 * and every mirror appear. Input pixel (y, x) holds 4y + x. */
static void test_crop_forward_hand(void)
{
    struct network *net = test_build(NET(64, 4, 4, 1) "[crop]\ncrop_height=2\ncrop_width=2\nflip=1\n", 1);
    if (!net) return;
    for (int b = 0; b < 64; b++)
        for (int i = 0; i < 16; i++) net->input[b * 16 + i] = (float)i;
    net->train = 0;
    net_forward(net);
    const double centre[4] = {9, 11, 17, 19}; /* 2 * {5, 6, 9, 10} - 1 */
    expect_array(net->layers[0].output, centre, 4, 0, "centred crop");
    net->train = 1;
    net_forward(net);
    int seen[3][3][2] = {{{0}}}, unexplained = 0;
    for (int b = 0; b < 64; b++) {
        const float *o = net->layers[0].output + b * 4;
        float tl = (o[0] + 1) / 2, tr = (o[1] + 1) / 2;
        int y = (int)tl / 4, x = (int)tl % 4, mirrored = tr < tl;
        int left = mirrored ? x - 1 : x; /* the window's left column */
        int ok = left >= 0 && left <= 2 && y <= 2 && fabsf(tr - tl) == 1 &&
                 (o[2] + 1) / 2 == tl + 4 && (o[3] + 1) / 2 == tr + 4;
        if (ok) seen[y][left][mirrored]++;
        unexplained += !ok;
    }
    int missing = 0;
    for (int y = 0; y < 3; y++)
        for (int x = 0; x < 3; x++) missing += !seen[y][x][0] + !seen[y][x][1];
    EXPECT(unexplained == 0 && missing <= 2, "training crops: %d unexplained, %d of 18 windows never drawn", unexplained,
           missing);
    net_free(net);
}

/* Darknet's relu6 and ramp, by hand, through activate() and gradient() (the
 * array paths) and act_value/act_slope (the fused paths). */
static void test_activations_hand(void)
{
    const float x[5] = {-2, -0.5f, 0.5f, 3, 7};
    const double relu6[5] = {0, 0, 0.5, 3, 6}, relu6_d[5] = {0, 0, 1, 1, 0};
    const double ramp[5] = {-0.2, -0.05, 0.55, 3.3, 7.7}, ramp_d[5] = {0.1, 0.1, 1.1, 1.1, 1.1};
    const enum dn_act acts[2] = {ACT_RELU6, ACT_RAMP};
    const double *want[2] = {relu6, ramp}, *want_d[2] = {relu6_d, ramp_d};
    for (int a = 0; a < 2; a++) {
        float y[5], d[5] = {1, 1, 1, 1, 1};
        memcpy(y, x, sizeof(y));
        activate(y, 5, acts[a]);
        gradient(y, 5, acts[a], d);
        expect_array(y, want[a], 5, 1e-6, act_names[acts[a]]);
        expect_array(d, want_d[a], 5, 1e-6, act_names[acts[a]]);
        for (int i = 0; i < 5; i++) {
            EXPECT(act_value(x[i], acts[a]) == y[i], "%s act_value(%g)", act_names[acts[a]], x[i]);
            EXPECT(act_slope(y[i], acts[a]) == d[i], "%s act_slope(%g)", act_names[acts[a]], y[i]);
        }
    }
}

/* swish x/(1+e^-x) and mish x tanh(log(1+e^x)) in double precision,
 * without Darknet's softplus threshold (it changes softplus by < 2.1e-9 = e^-20) */
static double swish_ref(double x) { return x / (1.0 + exp(-x)); }
static double mish_ref(double x) { return x * tanh(log1p(exp(x))); }

/* swish and mish: act_value against the double formulas, act_grad against
 * central differences of them, the threshold at |x| = 20 as Darknet's, and
 * the array functions (activate, activate_keep, gradient_from_input) equal
 * to the scalar ones bit for bit. For the other activations act_grad(x) is
 * act_slope(f(x)), so gradient_from_input equals gradient. */
static void test_activations_swish_mish(void)
{
    enum { N = 29 };
    const float x[N] = {-90,  -40,  -25,  -20.5f, -20,   -19.5f, -10,    -5,    -1.5f, -1.278f,
                        -1.2f, -1,  -0.5f, -1e-3f, 0,     1e-3f,  0.25f,  0.5f,  1,     2.5f,
                        5,    10,   19.5f, 20,     20.5f, 25,     40,     90,    3.75f};
    const enum dn_act acts[2] = {ACT_SWISH, ACT_MISH};
    double (*ref[2])(double) = {swish_ref, mish_ref};
    for (int a = 0; a < 2; a++) {
        const char *name = act_names[acts[a]];
        EXPECT(act_needs_input(acts[a]), "%s: act_needs_input", name);
        float y[N], yk[N], d[N], dk[N];
        memcpy(y, x, sizeof(y));
        activate(y, N, acts[a]);
        activate_keep(x, yk, N, acts[a]);
        for (int i = 0; i < N; i++) d[i] = 1, dk[i] = 0.5f;
        gradient_from_input(x, N, acts[a], d);
        gradient_from_input(x, N, acts[a], dk);
        for (int i = 0; i < N; i++) {
            char what[64];
            snprintf(what, sizeof(what), "%s(%g)", name, x[i]);
            float v = act_value(x[i], acts[a]), g = act_grad(x[i], acts[a]);
            EXPECT_NEAR(v, ref[a](x[i]), 1e-30, 2e-6, what);
            double h = 1e-4 * (fabs(x[i]) > 1 ? fabs(x[i]) : 1);
            double fd = (ref[a](x[i] + h) - ref[a](x[i] - h)) / (2 * h);
            snprintf(what, sizeof(what), "%s'(%g)", name, x[i]);
            EXPECT_NEAR(g, fd, 1e-6, 1e-5, what);
            EXPECT(y[i] == v && yk[i] == v, "%s: activate %g, activate_keep %g, act_value %g", what, y[i], yk[i], v);
            EXPECT(d[i] == g && dk[i] == 0.5f * g, "%s: gradient_from_input %g, act_grad %g", what, d[i], g);
            EXPECT(isnan(act_slope(v, acts[a])), "%s: act_slope(y) must be NaN (needs x)", what);
        }
    }
    /* Darknet's softplus threshold: x above 20, e^x below -20, log(1 + e^x)
     * between (in float the cut moves values by under an ulp from |x| ~ 17
     * on; at 10 it would not) */
    EXPECT(act_softplus(20.5f) == 20.5f && act_softplus(-20.5f) == expf(-20.5f), "softplus beyond the threshold");
    EXPECT(act_softplus(10.0f) == log1pf(expf(10.0f)) && act_softplus(10.0f) != 10.0f &&
               act_softplus(-10.0f) == log1pf(expf(-10.0f)),
           "softplus inside the threshold");
    EXPECT(act_value(25, ACT_MISH) == 25 * tanhf(25.0f), "mish(25) = 25 tanh(25)");
    /* the activations whose slope comes from y: from x, the same numbers */
    for (int a = ACT_LINEAR; a <= ACT_RAMP; a++) {
        EXPECT(!act_needs_input((enum dn_act)a), "%s: act_needs_input", act_names[a]);
        float y[N], d1[N], d2[N];
        memcpy(y, x, sizeof(y));
        activate(y, N, (enum dn_act)a);
        for (int i = 0; i < N; i++) d1[i] = d2[i] = 1 + 0.01f * i;
        gradient(y, N, (enum dn_act)a, d1);
        gradient_from_input(x, N, (enum dn_act)a, d2);
        EXPECT(memcmp(d1, d2, sizeof(d1)) == 0, "%s: gradient_from_input differs from gradient", act_names[a]);
    }
}

const struct test_case forward_tests[] = {
    {"layers/conv_forward_hand", test_conv_forward_hand},
    {"layers/conv_forward_naive", test_conv_forward_naive},
    {"layers/conv_grouped_slices", test_conv_grouped_slices},
    {"layers/conv_grouped_counts", test_conv_grouped_counts},
    {"layers/bn_forward_hand", test_bn_forward_hand},
    {"layers/shortcut_forward_hand", test_shortcut_forward_hand},
    {"layers/maxpool_forward_hand", test_maxpool_forward_hand},
    {"layers/avgpool_forward_hand", test_avgpool_forward_hand},
    {"layers/activations_hand", test_activations_hand},
    {"layers/activations_swish_mish", test_activations_swish_mish},
    {"layers/crop_forward_hand", test_crop_forward_hand},
    {"layers/softmax_forward_hand", test_softmax_forward_hand},
    {"layers/se_forward_hand", test_se_forward_hand},
    {"layers/connected_forward_hand", test_connected_forward_hand},
    {NULL, NULL},
};
