/*
 * test_bridge.c - [bridge] against the same block written with [route],
 * [convolutional], [se] and [shortcut]: identical outputs, input and
 * parameter gradients, running statistics and inference outputs, for SE off,
 * after and before, strides 1 and 2; and the .weights order of its
 * parameters that the mapping relies on.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/core/network.h"
#include "gradcheck.h"
#include "harness.h"
#include "layer_cases.h"

/* Copy parameter values of network a into b: layers before `first` have the
 * same structure; the bridge's parameters (layer `first` of a) go to the
 * equally named parameters of b's layers first.. (conv and se). */
static int copy_params(struct network *a, struct network *b, int first)
{
    for (int i = 0; i < first; i++)
        for (int j = 0; j < a->layers[i].nparams; j++) {
            struct param *p = &a->layers[i].params[j], *q = &b->layers[i].params[j];
            if (p->n != q->n) return -1;
            memcpy(q->val, p->val, sizeof(float) * p->n);
        }
    struct layer *br = &a->layers[first];
    for (int j = 0; j < br->nparams; j++) {
        struct param *p = &br->params[j], *q = NULL;
        for (int i = first; i < b->n && !q; i++)
            for (int k = 0; k < b->layers[i].nparams; k++)
                if (strcmp(b->layers[i].params[k].name, p->name) == 0) q = &b->layers[i].params[k];
        if (!q || q->n != p->n) return -1;
        memcpy(q->val, p->val, sizeof(float) * p->n);
    }
    return 0;
}

static struct param *find_named_from(struct network *net, int first, const char *name)
{
    for (int i = first; i < net->n; i++)
        for (int k = 0; k < net->layers[i].nparams; k++)
            if (strcmp(net->layers[i].params[k].name, name) == 0) return &net->layers[i].params[k];
    return NULL;
}

/* wide: a 16x16 input, whose bridge (output rows of 8 or 16 pixels) takes the
 * direct kernels and, at inference, its fused store (conv_epilogue with the
 * residual); else 7x5 (im2col + GEMM, the unfused path). */
static void bridge_equivalence(const char *what, const char *tail_bridge, const char *tail_equiv,
                               int stride_block, int wide)
{
    char ta[2048], tb[2048];
    const char *block = stride_block == 2 ? (wide ? NET(2, 16, 16, 3) RESIDUAL_BLOCK(2) : NET(2, 7, 5, 3) RESIDUAL_BLOCK(2))
                                          : (wide ? NET(2, 16, 16, 3) RESIDUAL_BLOCK(1) : NET(2, 7, 5, 3) RESIDUAL_BLOCK(1));
    snprintf(ta, sizeof(ta), "%s%s", block, tail_bridge);
    snprintf(tb, sizeof(tb), "%s%s", block, tail_equiv);
    struct network *a = gc_build("bridge.cfg", ta, 0, 0, 1, 11);
    struct network *b = gc_build("equiv.cfg", tb, 0, 0, 1, 12);
    if (!a || !b) {
        EXPECT(0, "%s: networks did not build", what);
        net_free(a), net_free(b);
        return;
    }
    int first = 3; /* the bridge, and the route in the equivalent network */
    /* random biases, BN scales and shifts (not just their 0/1 init) */
    struct dn_rng rng;
    rng_seed(&rng, 5);
    for (int i = 0; i < a->n; i++)
        for (int j = 0; j < a->layers[i].nparams; j++) {
            struct param *p = &a->layers[i].params[j];
            if (p->kind == PARAM_STAT) continue;
            float base = strcmp(p->name, "scales") == 0 ? 1.0f : 0.0f;
            if (p->kind == PARAM_BIAS)
                for (size_t k = 0; k < p->n; k++) p->val[k] = base + rng_uniform(&rng, -0.3f, 0.3f);
        }
    EXPECT(copy_params(a, b, first) == 0, "%s: parameters do not map", what);
    struct layer *la = net_output_layer(a), *lb = net_output_layer(b);
    EXPECT(la->outputs == lb->outputs && la->out_c == lb->out_c, "%s: output shapes differ", what);
    size_t nout = (size_t)la->batch * la->outputs, nin = (size_t)a->batch * a->inputs;
    for (size_t i = 0; i < nin; i++) a->input[i] = b->input[i] = rng_uniform(&rng, -1, 1);

    a->train = b->train = 1;
    free(a->truth), free(b->truth);
    a->truth = b->truth = NULL;
    net_forward(a);
    net_forward(b);
    EXPECT(max_abs_diff(la->output, lb->output, nout) <= 1e-6, "%s: outputs differ by %g", what,
           max_abs_diff(la->output, lb->output, nout));
    float *r = falloc(nout);
    for (size_t i = 0; i < nout; i++) r[i] = rng_uniform(&rng, -1, 1);
    memcpy(la->delta, r, sizeof(float) * nout);
    memcpy(lb->delta, r, sizeof(float) * nout);
    free(r);
    net_backward(a);
    net_backward(b);
    double din = max_abs_diff(a->delta, b->delta, nin);
    EXPECT(din <= 1e-6, "%s: input gradients differ by %g", what, din);
    /* every parameter: gradients (learned) and running statistics (stats) */
    for (int i = 0; i < a->n; i++)
        for (int j = 0; j < a->layers[i].nparams; j++) {
            struct param *p = &a->layers[i].params[j];
            struct param *q =
                i < first ? &b->layers[i].params[j] : find_named_from(b, first, p->name);
            if (!q || q->n != p->n) {
                EXPECT(0, "%s: layer %d %s has no counterpart", what, i, p->name);
                continue;
            }
            double d = p->kind == PARAM_STAT ? max_abs_diff(p->val, q->val, p->n)
                                             : max_abs_diff(p->grad, q->grad, p->n);
            EXPECT(d <= 1e-6, "%s: layer %d %s %s differ by %g", what, i, p->name,
                   p->kind == PARAM_STAT ? "values" : "gradients", d);
        }
    /* and at inference with the (equal) running statistics */
    a->train = b->train = 0;
    net_forward(a);
    net_forward(b);
    EXPECT(max_abs_diff(la->output, lb->output, nout) <= 1e-6, "%s: inference outputs differ by %g",
           what, max_abs_diff(la->output, lb->output, nout));
    net_free(a);
    net_free(b);
}

static void test_bridge_equivalence(void)
{
    /* the .weights order that the mapping below relies on */
    struct network *net =
        test_build(NET(2, 7, 5, 3) RESIDUAL_BLOCK(2) "[bridge]\nfrom=0\nstride=2\nse=1\nreduction=2\n", 0);
    if (net) {
        static const char *const order[] = {"biases",           "scales",     "rolling_mean",
                                            "rolling_variance", "weights",    "se_biases1",
                                            "se_weights1",      "se_biases2", "se_weights2"};
        struct layer *br = &net->layers[3];
        EXPECT(br->nparams == 9, "bridge has %d parameters, not 9", br->nparams);
        for (int j = 0; j < br->nparams && j < 9; j++)
            EXPECT(strcmp(br->params[j].name, order[j]) == 0, "bridge parameter %d is %s, not %s",
                   j, br->params[j].name, order[j]);
        net_free(net);
    }
    bridge_equivalence("se=1 after, stride 2",
                       "[bridge]\nfrom=0\nstride=2\nse=1\nreduction=2\nactivation=relu\n",
                       "[route]\nlayers=0\n"
                       "[convolutional]\nfilters=4\nsize=1\nstride=2\npad=0\nbatch_normalize=1\n"
                       "activation=linear\n"
                       "[se]\nreduction=2\n"
                       "[shortcut]\nfrom=2\nactivation=relu\n",
                       2, 0);
    bridge_equivalence("se=1 after, stride 1",
                       "[bridge]\nfrom=0\nse=1\nreduction=4\nactivation=relu\n",
                       "[route]\nlayers=0\n"
                       "[convolutional]\nfilters=4\nsize=1\nstride=1\npad=0\nbatch_normalize=1\n"
                       "activation=linear\n"
                       "[se]\nreduction=4\n"
                       "[shortcut]\nfrom=2\nactivation=relu\n",
                       1, 0);
    bridge_equivalence("se=0, stride 2", "[bridge]\nfrom=0\nstride=2\nactivation=relu\n",
                       "[route]\nlayers=0\n"
                       "[convolutional]\nfilters=4\nsize=1\nstride=2\npad=0\nbatch_normalize=1\n"
                       "activation=linear\n"
                       "[shortcut]\nfrom=2\nactivation=relu\n",
                       2, 0);
    bridge_equivalence("se=1 before, stride 2",
                       "[bridge]\nfrom=0\nstride=2\nse=1\nreduction=1\nse_position=before\n"
                       "activation=relu\n",
                       "[route]\nlayers=0\n"
                       "[se]\nreduction=1\n"
                       "[convolutional]\nfilters=4\nsize=1\nstride=2\npad=0\nbatch_normalize=1\n"
                       "activation=linear\n"
                       "[shortcut]\nfrom=2\nactivation=relu\n",
                       2, 0);
    /* the fused inference store of the bridge (and, in the composition, of
     * the 1x1 convolution) */
    bridge_equivalence("se=0, stride 2, 16x16", "[bridge]\nfrom=0\nstride=2\nactivation=relu\n",
                       "[route]\nlayers=0\n"
                       "[convolutional]\nfilters=4\nsize=1\nstride=2\npad=0\nbatch_normalize=1\n"
                       "activation=linear\n"
                       "[shortcut]\nfrom=2\nactivation=relu\n",
                       2, 1);
    bridge_equivalence("se=1 after, stride 2, 16x16", "[bridge]\nfrom=0\nstride=2\nse=1\nreduction=2\nactivation=relu\n",
                       "[route]\nlayers=0\n"
                       "[convolutional]\nfilters=4\nsize=1\nstride=2\npad=0\nbatch_normalize=1\n"
                       "activation=linear\n"
                       "[se]\nreduction=2\n"
                       "[shortcut]\nfrom=2\nactivation=relu\n",
                       2, 1);
    bridge_equivalence("se=1 before, stride 1, 16x16",
                       "[bridge]\nfrom=0\nse=1\nreduction=1\nse_position=before\nactivation=leaky\n",
                       "[route]\nlayers=0\n"
                       "[se]\nreduction=1\n"
                       "[convolutional]\nfilters=4\nsize=1\nstride=1\npad=0\nbatch_normalize=1\n"
                       "activation=linear\n"
                       "[shortcut]\nfrom=2\nactivation=leaky\n",
                       1, 1);
}

/* AlexeyAB's SE composition ([avgpool], two 1x1 [convolutional], then
 * [scale_channels]) equals our [se] with the same weights: outputs, input
 * gradients and the SE weights' gradients. */
static void test_se_vs_scale_channels(void)
{
    const char *stem = NET(2, 5, 4, 3) "[convolutional]\nfilters=4\nsize=3\npad=1\nactivation=leaky\n";
    char ta[1024], tb[1024];
    snprintf(ta, sizeof(ta), "%s[se]\nreduction=2\n", stem);
    snprintf(tb, sizeof(tb), "%s[avgpool]\n[convolutional]\nfilters=2\nsize=1\nactivation=relu\n"
             "[convolutional]\nfilters=4\nsize=1\nactivation=logistic\n[scale_channels]\nfrom=-4\n", stem);
    struct network *a = gc_build("se.cfg", ta, 0, 0, 1, 21), *b = gc_build("sc.cfg", tb, 0, 0, 1, 22);
    if (!a || !b) {
        EXPECT(0, "networks did not build");
        net_free(a), net_free(b);
        return;
    }
    /* a's [se] params b1, W1, b2, W2 are b's two 1x1 convs' biases, weights */
    struct param *pa[6] = {&a->layers[0].params[0], &a->layers[0].params[1], &a->layers[1].params[0],
                           &a->layers[1].params[1], &a->layers[1].params[2], &a->layers[1].params[3]};
    struct param *pb[6] = {&b->layers[0].params[0], &b->layers[0].params[1], &b->layers[2].params[0],
                           &b->layers[2].params[1], &b->layers[3].params[0], &b->layers[3].params[1]};
    struct dn_rng rng;
    rng_seed(&rng, 8);
    for (int k = 0; k < 6; k++) {
        EXPECT(pa[k]->n == pb[k]->n, "parameter %d: %zu vs %zu values", k, pa[k]->n, pb[k]->n);
        if (pa[k]->n != pb[k]->n) goto out;
        for (size_t i = 0; i < pa[k]->n; i++) pa[k]->val[i] = pb[k]->val[i] = rng_uniform(&rng, -0.8f, 0.8f);
    }
    struct layer *la = net_output_layer(a), *lb = net_output_layer(b);
    size_t nout = (size_t)la->batch * la->outputs, nin = (size_t)a->batch * a->inputs;
    for (size_t i = 0; i < nin; i++) a->input[i] = b->input[i] = rng_uniform(&rng, -1, 1);
    a->train = b->train = 1;
    free(a->truth), free(b->truth);
    a->truth = b->truth = NULL;
    net_forward(a);
    net_forward(b);
    EXPECT(la->outputs == lb->outputs && max_abs_diff(la->output, lb->output, nout) <= 1e-6, "outputs differ by %g",
           max_abs_diff(la->output, lb->output, nout));
    for (size_t i = 0; i < nout; i++) la->delta[i] = lb->delta[i] = rng_uniform(&rng, -1, 1);
    net_backward(a);
    net_backward(b);
    EXPECT(max_abs_diff(a->delta, b->delta, nin) <= 1e-6, "input gradients differ by %g",
           max_abs_diff(a->delta, b->delta, nin));
    for (int k = 0; k < 6; k++)
        EXPECT(max_abs_diff(pa[k]->grad, pb[k]->grad, pa[k]->n) <= 1e-5, "parameter %d gradients differ by %g", k,
               max_abs_diff(pa[k]->grad, pb[k]->grad, pa[k]->n));
out:
    net_free(a);
    net_free(b);
}

const struct test_case bridge_tests[] = {
    {"layers/bridge_equivalence", test_bridge_equivalence},
    {"layers/se_vs_scale_channels", test_se_vs_scale_channels},
    {NULL, NULL},
};
