/*
 * test_layers.c - the layers, one by one and in small networks:
 *
 *   - finite-difference gradient checks (tests/gradcheck.h) of the input and
 *     every learned parameter, for every layer type in the registry (a
 *     coverage test fails when a registered type has no case), with odd
 *     shapes, every activation, batch norm in training mode;
 *   - forward values against hand-computed numbers or independent naive
 *     loops written here (never the code under test);
 *   - [bridge] against the same block written with [route], [convolutional],
 *     [se] and [shortcut]: identical outputs and gradients;
 *   - gemm() against gemm_ref() and the adjointness of im2col/col2im;
 *   - the direct convolution kernels against im2col + GEMM.
 *
 * Tolerances of the gradient checks (see gradcheck.h for the criterion):
 * eps = 1e-3 and thr = 1e-2 with a floor of 1 (capped per tensor at its
 * largest gradient) unless a case says otherwise. The objective is summed in
 * double, but each forward runs in float: rounding noise in L of about
 * 1e-7 * sqrt(#outputs) * |out| becomes ~1e-4..1e-3 in a central difference
 * with eps = 1e-3, well below thr; truncation error eps^2 * L''' / 6 is ~1e-7.
 * Observed worst errors are ~5e-3 at most (kinks the test absorbs, and float
 * noise on small SE gradients), ~1e-4 for most cases. With
 * DN_GRADCHECK_VERBOSE=1 every case prints its counts and worst error.
 *
 * The "<type>/accumulates" cases put the layer between A and a [shortcut]
 * from=A, whose backward writes A's delta first: a layer that assigned its
 * input gradient instead of adding to it fails there. Parameter gradients
 * start from a non-zero offset in the checker for the same reason.
 */
#include <math.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/backend/cpu/conv_direct.h"
#include "../src/backend/cpu/conv_winograd.h"
#include "../src/backend/cpu/gemm.h"
#include "../src/backend/cpu/im2col.h"
#include "../src/core/network.h"
#include "../src/core/activations.h"
#include "../src/ops/batchnorm.h"
#include "../src/ops/conv2d.h"
#include "gradcheck.h"
#include "harness.h"

#define NET(b, w, h, c) "[net]\nbatch=" #b "\nwidth=" #w "\nheight=" #h "\nchannels=" #c "\n"

/* ------------------------------------------------------------------ */
/* gradient-check cases                                                */
/* ------------------------------------------------------------------ */

struct gc_case {
    const char *name; /* "<group>/<what>"; the group is the layer type under test */
    const char *cfg;
    struct gc_opts o;
};

/* [se] with one hidden unit: make sure it is alive (positive pre-activation)
 * for every sample, or the W1/b1 gradients are all zero and the check vacuous. */
static void se_alive(struct network *net, void *ctx)
{
    (void)ctx;
    for (int i = 0; i < net->n; i++)
        for (int j = 0; j < net->layers[i].nparams; j++) {
            struct param *p = &net->layers[i].params[j];
            if (strcmp(p->name, "se_biases1") == 0)
                for (size_t k = 0; k < p->n; k++) p->val[k] = 1.0f;
        }
}

/* The residual block used by the bridge cases: layer 0 is the block input.
 * Only the bridge's own relu and SE are meant to be non-linear here: behind
 * batch norm every parameter upstream moves all units at once, so a relu
 * there puts a kink within eps of most perturbations (most elements then
 * pass only one-sided, worst error ~8e-3 of the 1e-2 allowed), and a
 * logistic there feeds the next batch norm values whose mean (~0.5) dwarfs
 * their spread, which amplifies float rounding in L ~10x. Layer 0's leaky
 * is before any batch norm. */
#define BLOCK(stride)                                                                              \
    NET(2, 7, 5, 3)                                                                                \
    "[convolutional]\nfilters=3\nsize=3\nstride=1\npad=1\nactivation=leaky\n"                      \
    "[convolutional]\nfilters=4\nsize=3\nstride=" #stride "\npad=1\nbatch_normalize=1\n"           \
    "activation=linear\n"                                                                          \
    "[convolutional]\nfilters=4\nsize=3\nstride=1\npad=1\nbatch_normalize=1\nactivation=linear\n"

static const struct gc_case gc_cases[] = {
    /* convolutional: odd 7x5 input, 3x3 stride 1 and 2, 1x1 stride 2, even
     * 2x2, every activation with and without batch norm (training mode,
     * batch >= 2), a stack (dinput of a middle conv), no input gradient. */
    {"convolutional/3x3_s1_pad1_linear",
     NET(2, 7, 5, 3) "[convolutional]\nfilters=4\nsize=3\nstride=1\npad=1\nactivation=linear\n",
     {.seed = 1}},
    {"convolutional/3x3_s2_pad1_relu",
     NET(2, 7, 5, 3) "[convolutional]\nfilters=3\nsize=3\nstride=2\npad=1\nactivation=relu\n",
     {.seed = 2}},
    {"convolutional/3x3_s1_pad0_leaky",
     NET(2, 7, 5, 3) "[convolutional]\nfilters=3\nsize=3\nstride=1\npad=0\nactivation=leaky\n",
     {.seed = 3}},
    {"convolutional/3x3_s2_pad1_logistic",
     NET(2, 7, 5, 3) "[convolutional]\nfilters=3\nsize=3\nstride=2\npad=1\nactivation=logistic\n",
     {.seed = 4}},
    {"convolutional/1x1_s2_linear",
     NET(2, 7, 5, 3) "[convolutional]\nfilters=4\nsize=1\nstride=2\nactivation=linear\n",
     {.seed = 5}},
    {"convolutional/1x1_s2_relu",
     NET(2, 7, 5, 3) "[convolutional]\nfilters=4\nsize=1\nstride=2\nactivation=relu\n",
     {.seed = 6}},
    {"convolutional/2x2_s2_padding1_leaky",
     NET(2, 7, 5, 2) "[convolutional]\nfilters=3\nsize=2\nstride=2\npadding=1\nactivation=leaky\n",
     {.seed = 7}},
    {"convolutional/3x3_s1_bn_linear",
     NET(2, 7, 5, 3) "[convolutional]\nfilters=4\nsize=3\nstride=1\npad=1\nbatch_normalize=1\n"
                     "activation=linear\n",
     {.seed = 8}},
    {"convolutional/3x3_s2_bn_relu",
     NET(2, 7, 5, 3) "[convolutional]\nfilters=4\nsize=3\nstride=2\npad=1\nbatch_normalize=1\n"
                     "activation=relu\n",
     {.seed = 9}},
    {"convolutional/3x3_s1_bn_leaky",
     NET(3, 5, 7, 2) "[convolutional]\nfilters=3\nsize=3\nstride=1\npad=1\nbatch_normalize=1\n"
                     "activation=leaky\n",
     {.seed = 10}},
    {"convolutional/3x3_s2_bn_logistic",
     NET(2, 7, 5, 3) "[convolutional]\nfilters=3\nsize=3\nstride=2\npad=1\nbatch_normalize=1\n"
                     "activation=logistic\n",
     {.seed = 11}},
    {"convolutional/1x1_s2_bn_leaky",
     NET(2, 7, 5, 3) "[convolutional]\nfilters=4\nsize=1\nstride=2\nbatch_normalize=1\n"
                     "activation=leaky\n",
     {.seed = 12}},
    {"convolutional/stack",
     NET(2, 7, 5, 2) "[convolutional]\nfilters=3\nsize=3\nstride=2\npad=1\nactivation=leaky\n"
                     "[convolutional]\nfilters=4\nsize=3\nstride=1\npad=1\nbatch_normalize=1\n"
                     "activation=relu\n"
                     "[convolutional]\nfilters=2\nsize=1\nactivation=logistic\n",
     {.seed = 13}},
    {"convolutional/no_input_grad",
     NET(2, 7, 5, 3) "[convolutional]\nfilters=3\nsize=3\nstride=2\npad=1\nbatch_normalize=1\n"
                     "activation=leaky\n",
     {.seed = 14, .no_input_grad = 1}},
    /* output rows of 8 (the cases above take im2col + GEMM): 3x3 stride 1
     * goes to Winograd (src/backend/cpu/conv_winograd.c), the others to the
     * direct kernels (conv_direct.c); filters not a multiple of 4 */
    {"convolutional/direct_3x3_s1_bn_relu",
     NET(2, 8, 6, 3) "[convolutional]\nfilters=5\nsize=3\nstride=1\npad=1\nbatch_normalize=1\n"
                     "activation=relu\n",
     {.seed = 15}},
    {"convolutional/direct_3x3_s2_leaky",
     NET(2, 16, 5, 3) "[convolutional]\nfilters=3\nsize=3\nstride=2\npad=1\nactivation=leaky\n",
     {.seed = 16}},
    {"convolutional/direct_1x1_s2_bn_linear_stack",
     NET(2, 16, 4, 3) "[convolutional]\nfilters=4\nsize=1\nstride=2\nbatch_normalize=1\nactivation=linear\n"
                      "[convolutional]\nfilters=6\nsize=5\nstride=1\npad=1\nactivation=logistic\n",
     {.seed = 17}},

    /* connected: every activation; batch norm over the batch only (S = 1),
     * so batch 4: with 2 samples xhat = +-1 whatever x is and the gradient
     * through the statistics is ~0 (a degenerate check). */
    {"connected/linear",
     NET(2, 3, 2, 2) "[connected]\noutput=5\nactivation=linear\n",
     {.seed = 21}},
    {"connected/relu", NET(2, 3, 2, 2) "[connected]\noutput=5\nactivation=relu\n", {.seed = 22}},
    {"connected/leaky", NET(2, 3, 2, 2) "[connected]\noutput=5\nactivation=leaky\n", {.seed = 23}},
    {"connected/logistic",
     NET(2, 3, 2, 2) "[connected]\noutput=5\nactivation=logistic\n",
     {.seed = 24}},
    {"connected/bn_linear",
     NET(4, 3, 2, 2) "[connected]\noutput=5\nbatch_normalize=1\nactivation=linear\n",
     {.seed = 25}},
    {"connected/bn_leaky",
     NET(4, 3, 2, 2) "[connected]\noutput=5\nbatch_normalize=1\nactivation=leaky\n",
     {.seed = 26}},
    {"connected/bn_logistic",
     NET(3, 3, 2, 2) "[connected]\noutput=4\nbatch_normalize=1\nactivation=logistic\n",
     {.seed = 27}},
    {"connected/after_conv_classes",
     NET(2, 7, 5, 2) "[convolutional]\nfilters=2\nsize=3\nstride=2\npad=1\nactivation=leaky\n"
                     "[connected]\noutput=classes\nactivation=relu\n"
                     "[connected]\noutput=3\nactivation=linear\n",
     {.seed = 28, .classes = 6}},
    {"connected/no_input_grad",
     NET(4, 3, 2, 2) "[connected]\noutput=3\nbatch_normalize=1\nactivation=logistic\n",
     {.seed = 29, .no_input_grad = 1}},

    /* shortcut: same shape; a larger `from` with fewer channels (Darknet
     * subsamples its top-left pixels); a smaller `from` with more channels
     * (added at every 2nd output pixel, first C channels). */
    {"shortcut/same_shape",
     NET(2, 7, 5, 3) "[convolutional]\nfilters=4\nsize=3\nstride=1\npad=1\nactivation=leaky\n"
                     "[convolutional]\nfilters=4\nsize=3\nstride=1\npad=1\nbatch_normalize=1\n"
                     "activation=relu\n"
                     "[shortcut]\nfrom=-2\nactivation=leaky\n",
     {.seed = 31}},
    {"shortcut/larger_from_fewer_channels",
     NET(2, 6, 4, 3) "[convolutional]\nfilters=2\nsize=3\nstride=1\npad=1\nactivation=linear\n"
                     "[convolutional]\nfilters=4\nsize=3\nstride=2\npad=1\nactivation=leaky\n"
                     "[shortcut]\nfrom=0\nactivation=linear\n",
     {.seed = 32}},
    {"shortcut/smaller_from_more_channels",
     NET(2, 6, 4, 3) "[convolutional]\nfilters=3\nsize=3\nstride=1\npad=1\nactivation=linear\n"
                     "[convolutional]\nfilters=4\nsize=3\nstride=2\npad=1\nactivation=logistic\n"
                     "[route]\nlayers=0\n"
                     "[shortcut]\nfrom=1\nactivation=relu\n",
     {.seed = 33}},

    /* route: two layers, both orders */
    /* route: two layers, both orders; the trailing shortcut to layer 0
     * writes its delta before the route's backward does, so a route that
     * assigned instead of accumulating would show */
    {"route/two_layers",
     NET(2, 7, 5, 2) "[convolutional]\nfilters=3\nsize=3\nstride=1\npad=1\nactivation=leaky\n"
                     "[convolutional]\nfilters=2\nsize=3\nstride=1\npad=1\nactivation=logistic\n"
                     "[route]\nlayers=-2,-1\n"
                     "[convolutional]\nfilters=3\nsize=1\nactivation=linear\n"
                     "[shortcut]\nfrom=0\n",
     {.seed = 41}},
    {"route/two_layers_reversed",
     NET(2, 5, 3, 2) "[convolutional]\nfilters=2\nsize=3\nstride=1\npad=1\nactivation=linear\n"
                     "[convolutional]\nfilters=3\nsize=1\nactivation=logistic\n"
                     "[route]\nlayers=1,0\n",
     {.seed = 42}},
    {"route/same_layer_twice",
     NET(2, 5, 3, 2) "[convolutional]\nfilters=2\nsize=3\nstride=1\npad=1\nactivation=linear\n"
                     "[route]\nlayers=0,0\n",
     {.seed = 43}},

    /* pooling */
    {"avgpool/after_conv",
     NET(2, 7, 5, 3) "[convolutional]\nfilters=4\nsize=3\nstride=1\npad=1\nactivation=leaky\n"
                     "[avgpool]\n",
     {.seed = 51}},
    {"avgpool/first", NET(2, 7, 5, 3) "[avgpool]\n", {.seed = 52}},
    {"maxpool/2x2_s2_odd_first", NET(2, 7, 5, 3) "[maxpool]\nsize=2\nstride=2\n", {.seed = 53}},
    {"maxpool/3x3_s1_after_conv",
     NET(2, 7, 5, 2) "[convolutional]\nfilters=3\nsize=3\nstride=1\npad=1\nactivation=linear\n"
                     "[maxpool]\nsize=3\nstride=1\n",
     {.seed = 54}},
    {"maxpool/3x3_s2", NET(2, 7, 5, 2) "[maxpool]\nsize=3\nstride=2\n", {.seed = 55}},

    /* softmax: Jacobian path (in the middle or last without targets) and the
     * cross-entropy path (GC_LOSS). The loss is a mean over the batch, so its
     * gradients are ~0.1: the floor drops to 0.01 to keep the test relative,
     * and eps rises to 1e-2 so the float noise of net->loss (~3e-7 / 2eps)
     * stays well below thr*floor = 1e-4 (truncation eps^2*L'''/6 ~ 1e-5
     * relative). At that eps and floor the kink test would take curvature
     * for kinks, so these networks are kink-free (logistic) and `smooth`. */
    {"softmax/jacobian_last",
     NET(2, 3, 2, 2) "[connected]\noutput=6\nactivation=linear\n[softmax]\n",
     {.seed = 61}},
    {"softmax/jacobian_first", NET(2, 7, 5, 3) "[softmax]\n", {.seed = 62}},
    {"softmax/jacobian_middle",
     NET(2, 3, 2, 2) "[softmax]\n[connected]\noutput=3\nactivation=linear\n",
     {.seed = 63}},
    {"softmax/loss",
     NET(3, 3, 2, 2) "[connected]\noutput=5\nactivation=logistic\n[softmax]\n",
     {.seed = 64, .obj = GC_LOSS, .eps = 1e-2, .floor = 1e-2, .smooth = 1}},
    {"softmax/loss_conv_avgpool",
     NET(2, 7, 5, 3) "[convolutional]\nfilters=4\nsize=3\nstride=2\npad=1\nbatch_normalize=1\n"
                     "activation=logistic\n[avgpool]\n[softmax]\n",
     {.seed = 65, .obj = GC_LOSS, .eps = 1e-2, .floor = 1e-2, .smooth = 1}},

    /* cost: identity Jacobian without targets; SSE loss with targets (same
     * floor and eps reasoning as softmax/loss) */
    {"cost/jacobian",
     NET(2, 3, 2, 2) "[connected]\noutput=4\nactivation=linear\n[cost]\ntype=sse\n",
     {.seed = 71}},
    {"cost/sse_loss",
     NET(3, 3, 2, 2) "[connected]\noutput=4\nactivation=logistic\n[cost]\ntype=sse\n",
     {.seed = 72, .obj = GC_LOSS, .eps = 1e-2, .floor = 1e-2, .smooth = 1}},
    {"cost/after_softmax_loss",
     NET(2, 3, 2, 2) "[connected]\noutput=4\nactivation=linear\n[softmax]\n[cost]\n",
     {.seed = 73, .obj = GC_LOSS, .eps = 1e-2, .floor = 1e-2, .smooth = 1}},

    /* dropout: the mask is fixed by resetting net->rng before each forward */
    {"dropout/between",
     NET(2, 7, 5, 2) "[convolutional]\nfilters=3\nsize=3\nstride=2\npad=1\nactivation=leaky\n"
                     "[dropout]\nprobability=0.3\n"
                     "[connected]\noutput=3\nactivation=linear\n",
     {.seed = 81}},
    {"dropout/first",
     NET(2, 5, 3, 2) "[dropout]\n[connected]\noutput=2\nactivation=logistic\n",
     {.seed = 82}},

    /* se: hidden size 1 (kept alive by se_alive) and > 1, first layer */
    {"se/hidden1",
     NET(2, 7, 5, 3) "[convolutional]\nfilters=4\nsize=3\nstride=1\npad=1\nactivation=leaky\n"
                     "[se]\nreduction=4\n",
     {.seed = 91, .setup = se_alive}},
    {"se/hidden4",
     NET(2, 7, 5, 3) "[convolutional]\nfilters=8\nsize=3\nstride=2\npad=1\nactivation=linear\n"
                     "[se]\nreduction=2\n",
     {.seed = 92}},
    {"se/first_hidden3", NET(2, 5, 3, 3) "[se]\nreduction=1\n", {.seed = 93}},
    {"se/first_no_input_grad",
     NET(2, 5, 3, 4) "[se]\nreduction=2\n",
     {.seed = 94, .no_input_grad = 1, .setup = se_alive}},

    /* bridge: se off / after / before, stride 2 (explicit: 7x5 -> 4x3 is not
     * an integer ratio) and 1 (default stride), relu and linear */
    {"bridge/se0_s2_relu", BLOCK(2) "[bridge]\nfrom=0\nstride=2\nactivation=relu\n", {.seed = 101}},
    {"bridge/se0_s1_linear", BLOCK(1) "[bridge]\nfrom=0\n", {.seed = 102}},
    {"bridge/se_after_s2_relu",
     BLOCK(2) "[bridge]\nfrom=0\nstride=2\nse=1\nreduction=2\nactivation=relu\n",
     {.seed = 103}},
    /* eps 2e-3: the SE weights' gradients are ~1e-2 here, and float noise
     * at eps = 1e-3 put their error at 8e-3 (of thr 1e-2); 1e-3 at 2e-3 */
    {"bridge/se_after_s1_linear_hidden1",
     BLOCK(1) "[bridge]\nfrom=0\nse=1\nreduction=4\nactivation=linear\n",
     {.seed = 104, .setup = se_alive, .eps = 2e-3}},
    {"bridge/se_before_s2_linear",
     BLOCK(2) "[bridge]\nfrom=0\nstride=2\nse=1\nreduction=1\nse_position=before\n"
              "activation=linear\n",
     {.seed = 105}},
    {"bridge/se_before_s1_relu",
     BLOCK(1) "[bridge]\nfrom=-3\nse=1\nreduction=3\nse_position=before\nactivation=relu\n",
     {.seed = 106, .setup = se_alive}},
    {"bridge/from_first_layer_after",
     NET(2, 6, 4, 3) "[convolutional]\nfilters=2\nsize=3\nstride=2\npad=1\nactivation=leaky\n"
                     "[bridge]\nfrom=-1\nse=1\nreduction=2\nactivation=relu\n"
                     "[shortcut]\nfrom=0\n",
     {.seed = 107, .setup = se_alive}},

    /* Accumulation: in "A, X, [shortcut] from=A" the shortcut adds to A's
     * delta before X's backward runs, so an X that assigned (=) its input
     * gradient instead of accumulating (+=) would lose the shortcut's part. */
    {"convolutional/accumulates",
     NET(2, 5, 3,
         2) "[convolutional]\nfilters=3\nsize=1\nactivation=linear\n"
            "[convolutional]\nfilters=3\nsize=3\npad=1\nbatch_normalize=1\nactivation=leaky\n"
            "[shortcut]\nfrom=-2\n",
     {.seed = 111}},
    {"connected/accumulates",
     NET(2, 3, 2, 2) "[connected]\noutput=5\nactivation=linear\n"
                     "[connected]\noutput=5\nactivation=logistic\n"
                     "[shortcut]\nfrom=-2\n",
     {.seed = 112}},
    {"avgpool/accumulates",
     NET(2, 4, 4, 2) "[convolutional]\nfilters=3\nsize=3\npad=1\nactivation=linear\n"
                     "[avgpool]\n"
                     "[shortcut]\nfrom=-2\n",
     {.seed = 113}},
    {"maxpool/accumulates",
     NET(2, 5, 3, 2) "[convolutional]\nfilters=3\nsize=1\nactivation=linear\n"
                     "[maxpool]\nsize=3\nstride=1\n"
                     "[shortcut]\nfrom=-2\n",
     {.seed = 114}},
    {"softmax/accumulates",
     NET(2, 5, 3, 2) "[convolutional]\nfilters=3\nsize=1\nactivation=linear\n"
                     "[softmax]\n"
                     "[shortcut]\nfrom=-2\n",
     {.seed = 115}},
    {"cost/accumulates",
     NET(2, 5, 3, 2) "[convolutional]\nfilters=3\nsize=1\nactivation=linear\n"
                     "[cost]\n"
                     "[shortcut]\nfrom=-2\n",
     {.seed = 116}},
    {"dropout/accumulates",
     NET(2, 5, 3, 2) "[convolutional]\nfilters=3\nsize=1\nactivation=linear\n"
                     "[dropout]\nprobability=0.4\n"
                     "[shortcut]\nfrom=-2\n",
     {.seed = 117}},
    {"se/accumulates",
     NET(2, 5, 3, 2) "[convolutional]\nfilters=4\nsize=1\nactivation=linear\n"
                     "[se]\nreduction=2\n"
                     "[shortcut]\nfrom=-2\n",
     {.seed = 118, .setup = se_alive}},
    {"shortcut/accumulates",
     NET(2, 5, 3, 2) "[convolutional]\nfilters=3\nsize=1\nactivation=linear\n"
                     "[convolutional]\nfilters=3\nsize=1\nactivation=linear\n"
                     "[shortcut]\nfrom=-2\nactivation=leaky\n"
                     "[shortcut]\nfrom=-2\n",
     {.seed = 119}},
};

#define N_GC_CASES ((int)(sizeof(gc_cases) / sizeof(gc_cases[0])))

static void run_group(const char *group)
{
    size_t n = strlen(group);
    int ran = 0;
    const char *v = getenv("DN_GRADCHECK_VERBOSE");
    int verbose = v && v[0] && v[0] != '0';
    for (int i = 0; i < N_GC_CASES; i++) {
        const struct gc_case *c = &gc_cases[i];
        if (strncmp(c->name, group, n) || c->name[n] != '/') continue;
        struct gc_result r;
        int f = gradcheck_cfg(c->name, c->cfg, &c->o, &r);
        EXPECT(f == 0, "gradcheck %s: %d failure(s)", c->name, f);
        EXPECT(f < 0 || r.checked > 0, "gradcheck %s: nothing was checked", c->name);
        if (verbose || f)
            printf("    %-44s %3d tensors %5d checked %3d skipped  worst %.2e at %s\n", c->name,
                   r.tensors, r.checked, r.skipped, r.worst, r.worst_at);
        ran++;
    }
    EXPECT(ran > 0, "no gradcheck case for %s", group);
}

static void test_gc_convolutional(void) { run_group("convolutional"); }
static void test_gc_connected(void) { run_group("connected"); }
static void test_gc_shortcut(void) { run_group("shortcut"); }
static void test_gc_route(void) { run_group("route"); }
static void test_gc_avgpool(void) { run_group("avgpool"); }
static void test_gc_maxpool(void) { run_group("maxpool"); }
static void test_gc_softmax(void) { run_group("softmax"); }
static void test_gc_cost(void) { run_group("cost"); }
static void test_gc_dropout(void) { run_group("dropout"); }
static void test_gc_se(void) { run_group("se"); }
static void test_gc_bridge(void) { run_group("bridge"); }

/* The checker itself: a layer whose backward is 5% off must be caught, on the
 * input and on a parameter; a wrong gradient must not hide behind the kink
 * test (relu everywhere, so many elements take the one-sided path). */
extern const struct layer_ops avgpool_ops, convolutional_ops;
static struct layer_ops bad_avgpool_ops, bad_conv_ops;

static void bad_avgpool_backward(struct layer *l, struct network *net)
{
    avgpool_ops.backward(l, net);
    for (long i = 0; i < (long)l->batch * l->inputs; i++) l->dinput[i] *= 1.05f;
}

static void bad_conv_backward(struct layer *l, struct network *net)
{
    convolutional_ops.backward(l, net);
    struct param *w = &l->params[l->nparams - 1]; /* weights */
    for (size_t i = 0; i < w->n; i++) w->grad[i] *= 1.05f;
}

static void use_bad_ops(struct network *net, void *ctx)
{
    (void)ctx;
    for (int i = 0; i < net->n; i++) {
        if (net->layers[i].ops == &avgpool_ops) net->layers[i].ops = &bad_avgpool_ops;
        if (net->layers[i].ops == &convolutional_ops) net->layers[i].ops = &bad_conv_ops;
    }
}

static void test_gradcheck_catches_errors(void)
{
    bad_avgpool_ops = avgpool_ops;
    bad_avgpool_ops.backward = bad_avgpool_backward;
    bad_conv_ops = convolutional_ops;
    bad_conv_ops.backward = bad_conv_backward;
    struct gc_opts o = {.seed = 3, .setup = use_bad_ops, .quiet = 1};
    struct gc_result r;
    int f = gradcheck_cfg("bad_avgpool", NET(2, 5, 3, 2) "[avgpool]\n", &o, &r);
    EXPECT(f > 0 && r.worst > 0.04,
           "a 5%% input-gradient error went unnoticed (%d failures, worst %g)", f, r.worst);
    f = gradcheck_cfg(
        "bad_conv",
        NET(2, 7, 5, 2) "[convolutional]\nfilters=3\nsize=3\npad=1\nactivation=relu\n"
                        "[convolutional]\nfilters=3\nsize=3\npad=1\nbatch_normalize=1\n"
                        "activation=relu\n",
        &o, &r);
    EXPECT(f > 0 && r.worst > 0.04,
           "a 5%% weight-gradient error went unnoticed (%d failures, worst %g)", f, r.worst);
    /* and the same networks with the real ops pass */
    o.setup = NULL;
    f = gradcheck_cfg(
        "good_conv",
        NET(2, 7, 5, 2) "[convolutional]\nfilters=3\nsize=3\npad=1\nactivation=relu\n"
                        "[convolutional]\nfilters=3\nsize=3\npad=1\nbatch_normalize=1\n"
                        "activation=relu\n",
        &o, &r);
    EXPECT(f == 0, "the correct network failed (%d failures, worst %g at %s)", f, r.worst,
           r.worst_at);
}

/* Every registered layer type has a case named after it whose cfg uses it. */
static void test_gc_coverage(void)
{
    for (int t = 0; t < layer_registry_len; t++) {
        const struct layer_ops *ops = layer_registry[t];
        char sec[64], alias[64] = "";
        snprintf(sec, sizeof(sec), "[%s]", ops->name);
        if (ops->alias) snprintf(alias, sizeof(alias), "[%s]", ops->alias);
        size_t n = strlen(ops->name);
        int found = 0;
        for (int i = 0; i < N_GC_CASES; i++) {
            const struct gc_case *c = &gc_cases[i];
            if (strncmp(c->name, ops->name, n) || c->name[n] != '/') continue;
            if (strstr(c->cfg, sec) || (alias[0] && strstr(c->cfg, alias))) found = 1;
        }
        EXPECT(found, "layer type [%s] has no gradient-check case in tests/test_layers.c",
               ops->name);
    }
}

/* ------------------------------------------------------------------ */
/* helpers for the forward tests                                        */
/* ------------------------------------------------------------------ */

static struct network *build(const char *text, int want_delta)
{
    struct network *net = gc_build("test.cfg", text, 0, 0, want_delta, 7);
    if (!net) test_fail(__FILE__, __LINE__, "network did not build");
    return net;
}

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

static void expect_array(const float *got, const double *want, int n, double atol, const char *what)
{
    for (int i = 0; i < n; i++) {
        char w[96];
        snprintf(w, sizeof(w), "%s[%d]", what, i);
        EXPECT_NEAR(got[i], want[i], atol, 1e-6, w);
    }
}

static double sigmoid(double a) { return 1.0 / (1.0 + exp(-a)); }

/* ------------------------------------------------------------------ */
/* forward checks                                                       */
/* ------------------------------------------------------------------ */

/* 1-channel 3x3 convolution, pad 1, on the 4x4 input 1..16 with the kernel
 * [0 1 0; 1 -4 2; 0 1 0] (a Laplacian plus the right neighbour, so a flipped
 * kernel shows) and bias 0.5. Worked by hand, e.g. the top-left pixel:
 * down 5 + right 2*2 - 4*1 = 5, + 0.5. */
static void test_conv_forward_hand(void)
{
    struct network *net =
        build(NET(1, 4, 4, 1) "[convolutional]\nfilters=1\nsize=3\nstride=1\npad=1\n"
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
        build(NET(2, 7, 5, 2) "[convolutional]\nfilters=3\nsize=3\nstride=2\npad=1\n"
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

/* Batch norm through a 1x1 identity convolution, batch 2, 2 channels, 2 pixels:
 *   channel 0: {1, 2 | 3, 6}: mean 3, biased var (4+1+0+9)/4 = 3.5, unbiased 14/3
 *   channel 1: {-1, 1 | 0, 0}: mean 0, biased var 2/4 = 0.5, unbiased 2/3
 * gamma = {2, 1}, beta = {0.5, -1}. Running stats start at mean 0, var 1 and
 * move by momentum 0.1: mean {0.3, 0}, var {0.9 + 1.4/3, 0.9 + 0.2/3}. */
static void test_bn_forward_hand(void)
{
    struct network *net =
        build(NET(2, 2, 1, 2) "[convolutional]\nfilters=2\nsize=1\nbatch_normalize=1\n"
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
    EXPECT(net->bn_momentum == 0.1f, "default bn_momentum %g", net->bn_momentum);

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
        build(NET(1, 4, 4, 1) "[convolutional]\nfilters=1\nsize=1\nactivation=linear\n"
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

    net = build(
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
    struct network *net = build(NET(1, 5, 5, 1) "[maxpool]\nsize=2\nstride=2\n", 1);
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
    net = build(NET(1, 3, 3, 1) "[maxpool]\nsize=3\nstride=1\n", 0);
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
    struct network *net = build(NET(1, 3, 2, 2) "[avgpool]\n", 0);
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
    struct network *net = build(NET(2, 3, 1, 1) "[softmax]\n", 1);
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
    struct network *net = build(NET(2, 2, 1, 2) "[se]\nreduction=2\n", 0);
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
    struct network *net = build(NET(2, 3, 1, 1) "[connected]\noutput=2\nactivation=leaky\n", 0);
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

/* ------------------------------------------------------------------ */
/* bridge == route + conv (+ se) + shortcut                             */
/* ------------------------------------------------------------------ */

static double max_abs_diff(const float *a, const float *b, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (!(d <= m)) m = d; /* NaN propagates */
    }
    return m;
}

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

static void bridge_equivalence(const char *what, const char *tail_bridge, const char *tail_equiv,
                               int stride_block)
{
    char ta[2048], tb[2048];
    const char *block = stride_block == 2 ? BLOCK(2) : BLOCK(1);
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
    struct network *net = build(BLOCK(2) "[bridge]\nfrom=0\nstride=2\nse=1\nreduction=2\n", 0);
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
                       2);
    bridge_equivalence("se=1 after, stride 1",
                       "[bridge]\nfrom=0\nse=1\nreduction=4\nactivation=relu\n",
                       "[route]\nlayers=0\n"
                       "[convolutional]\nfilters=4\nsize=1\nstride=1\npad=0\nbatch_normalize=1\n"
                       "activation=linear\n"
                       "[se]\nreduction=4\n"
                       "[shortcut]\nfrom=2\nactivation=relu\n",
                       1);
    bridge_equivalence("se=0, stride 2", "[bridge]\nfrom=0\nstride=2\nactivation=relu\n",
                       "[route]\nlayers=0\n"
                       "[convolutional]\nfilters=4\nsize=1\nstride=2\npad=0\nbatch_normalize=1\n"
                       "activation=linear\n"
                       "[shortcut]\nfrom=2\nactivation=relu\n",
                       2);
    bridge_equivalence("se=1 before, stride 2",
                       "[bridge]\nfrom=0\nstride=2\nse=1\nreduction=1\nse_position=before\n"
                       "activation=relu\n",
                       "[route]\nlayers=0\n"
                       "[se]\nreduction=1\n"
                       "[convolutional]\nfilters=4\nsize=1\nstride=2\npad=0\nbatch_normalize=1\n"
                       "activation=linear\n"
                       "[shortcut]\nfrom=2\nactivation=relu\n",
                       2);
}

/* ------------------------------------------------------------------ */
/* gemm and im2col                                                      */
/* ------------------------------------------------------------------ */

static void gemm_case(int ta, int tb, int M, int N, int K, int pad, float alpha, float beta,
                      int nan_c)
{
    int lda = (ta ? M : K) + pad, ldb = (tb ? K : N) + pad, ldc = N + pad;
    int arows = ta ? K : M, brows = tb ? N : K;
    float *A = falloc((size_t)arows * lda), *B = falloc((size_t)brows * ldb);
    float *C1 = falloc((size_t)M * ldc), *C2 = falloc((size_t)M * ldc);
    struct dn_rng rng;
    rng_seed(&rng, (uint64_t)(M * 1000 + N * 10 + K + ta * 7 + tb * 13));
    for (int i = 0; i < arows * lda; i++) A[i] = rng_uniform(&rng, -1, 1);
    for (int i = 0; i < brows * ldb; i++) B[i] = rng_uniform(&rng, -1, 1);
    for (int i = 0; i < M * ldc; i++) C1[i] = C2[i] = nan_c ? NAN : rng_uniform(&rng, -1, 1);
    gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C1, ldc);
    gemm_ref(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C2, ldc);
    double m = 0;
    int pad_ok = 1;
    for (int i = 0; i < M; i++) {
        for (int j = 0; j < N; j++) {
            double d = fabs((double)C1[i * ldc + j] - C2[i * ldc + j]);
            if (!(d <= m)) m = d;
        }
        for (int j = N; j < ldc; j++) /* the padding columns are not C's */
            if (!(C1[i * ldc + j] == C2[i * ldc + j] ||
                  (isnan(C1[i * ldc + j]) && isnan(C2[i * ldc + j]))))
                pad_ok = 0;
    }
    EXPECT(m <= 1e-5 * (K + 1), "gemm ta=%d tb=%d %dx%dx%d alpha=%g beta=%g%s: max diff %g", ta, tb,
           M, N, K, alpha, beta, nan_c ? " (C=NaN)" : "", m);
    EXPECT(pad_ok, "gemm ta=%d tb=%d %dx%dx%d wrote outside the N columns", ta, tb, M, N, K);
    free(A), free(B), free(C1), free(C2);
}

static void test_gemm(void)
{
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            gemm_case(ta, tb, 7, 5, 3, 0, 1, 0, 0);
            gemm_case(ta, tb, 37, 29, 23, 3, 0.7f, 0.3f, 0);
            gemm_case(ta, tb, 1, 13, 17, 1, -1.5f, 1, 0);
            gemm_case(ta, tb, 65, 1, 67, 2, 1, 1, 0);
            gemm_case(ta, tb, 11, 9, 131, 0, 1, 0, 1); /* beta = 0 ignores C, even NaN */
            gemm_case(ta, tb, 5, 3, 0, 1, 1, 0.5f, 0); /* K = 0: C = beta*C */
        }
    /* a known product: [1 2; 3 4] [5 6; 7 8] = [19 22; 43 50] */
    const float A[4] = {1, 2, 3, 4}, B[4] = {5, 6, 7, 8};
    float C[4] = {0};
    gemm(0, 0, 2, 2, 2, 1, A, 2, B, 2, 0, C, 2);
    const double want[4] = {19, 22, 43, 50};
    expect_array(C, want, 4, 0, "gemm 2x2");
    /* A^T B^T = (B A)^T: [5 6; 7 8][1 2; 3 4] = [23 34; 31 46], transposed */
    gemm(1, 1, 2, 2, 2, 1, A, 2, B, 2, 0, C, 2);
    const double want_t[4] = {23, 31, 34, 46};
    expect_array(C, want_t, 4, 0, "gemm 2x2 transposed");
}

/* <col2im(c), x> == <c, im2col(x)> for geometries with padding, strides and
 * kernels that do not tile the input, with a column stride ldc > OH*OW. */
/* The direct convolution against im2col + GEMM (forward, weight and input
 * gradients) on geometries it accepts: strides 1-3, kernels 1-7, paddings,
 * filter counts that are not multiples of its 4-filter tiles. */
/* How many of got[0..n) differ from want by more than tol (NaN counts);
 * *worst: the index of the largest difference. */
static size_t count_off(const float *got, const float *want, size_t n, double tol, size_t *worst)
{
    size_t bad = 0;
    *worst = 0;
    for (size_t k = 0; k < n; k++) {
        double e = fabs((double)got[k] - want[k]);
        if (!(e <= tol)) bad++;
        if (!(e <= fabs((double)got[*worst] - want[*worst]))) *worst = k;
    }
    return bad;
}

static void test_conv_direct(void)
{
    static const int geo[][8] = {
        /* B, C, H, W, F, k, s, p */
        {3, 16, 8, 32, 16, 3, 1, 1}, {2, 3, 8, 8, 5, 3, 1, 1},  {2, 6, 9, 32, 7, 3, 2, 1},
        {2, 5, 8, 16, 9, 1, 2, 0},   {2, 7, 4, 16, 6, 1, 1, 0}, {2, 3, 6, 16, 2, 5, 1, 2},
        {2, 4, 7, 48, 3, 3, 3, 1},   {1, 2, 5, 16, 3, 7, 2, 3}, {2, 3, 8, 16, 4, 4, 2, 1},
        {2, 64, 8, 8, 64, 3, 1, 1},  {1, 4, 3, 8, 5, 3, 1, 1},
    };
    for (size_t i = 0; i < sizeof(geo) / sizeof(geo[0]); i++) {
        const int *q = geo[i];
        struct conv_geom g;
        conv_geom_set(&g, q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7]);
        char what[96];
        snprintf(what, sizeof(what), "B%d C%d %dx%d F%d k%d s%d p%d", q[0], q[1], q[2], q[3], q[4], q[5],
                 q[6], q[7]);
        if (!conv_direct_ok(&g)) {
            test_fail(__FILE__, __LINE__, "%s: the direct kernels should take it", what);
            continue;
        }
        size_t ni = (size_t)g.B * g.C * g.H * g.W, no = (size_t)g.B * g.F * g.OH * g.OW;
        size_t nw = (size_t)g.F * g.C * g.k * g.k;
        struct dn_rng r;
        rng_seed(&r, 40 + i);
        float *in = falloc(ni), *w = falloc(nw), *dout = falloc(no);
        float *o1 = falloc(no), *o2 = falloc(no), *dw1 = falloc(nw), *dw2 = falloc(nw);
        float *di1 = falloc(ni), *di2 = falloc(ni);
        for (size_t k = 0; k < ni; k++) in[k] = rng_uniform(&r, -1, 1), di1[k] = di2[k] = rng_uniform(&r, -1, 1);
        for (size_t k = 0; k < nw; k++) w[k] = rng_uniform(&r, -1, 1), dw1[k] = dw2[k] = rng_uniform(&r, -1, 1);
        for (size_t k = 0; k < no; k++) dout[k] = rng_uniform(&r, -1, 1), o2[k] = NAN;
        g.threads = 4; /* the kernels' workspace holds up to 4 threads */
        float *ws1 = falloc(conv2d_workspace_gemm(&g)), *ws2 = falloc(conv_direct_workspace(&g));
        conv2d_forward_gemm(&g, in, w, o1, ws1);
        conv2d_backward_gemm(&g, in, w, dout, dw1, di1, ws1);
        conv_direct_forward(&g, in, w, o2, ws2);
        conv_direct_backward(&g, in, w, dout, dw2, di2, ws2);
        /* sums of up to C*k*k (forward, input gradient) or B*OH*OW (weights) products */
        double tol_f = 2e-6 * (g.C * g.k * g.k + 1), tol_w = 2e-6 * (g.B * g.OH * g.OW + 1);
        const float *got[3] = {o2, dw2, di2}, *want[3] = {o1, dw1, di1};
        const size_t cnt[3] = {no, nw, ni};
        const double tol[3] = {tol_f, tol_w, tol_f};
        static const char *const part[3] = {"forward", "weight gradient", "input gradient"};
        for (int t = 0; t < 3; t++) {
            size_t worst, bad = count_off(got[t], want[t], cnt[t], tol[t], &worst);
            EXPECT(!bad, "%s %s: %zu of %zu values off by more than %g, e.g. [%zu] %.9g vs %.9g", what, part[t],
                   bad, cnt[t], tol[t], worst, got[t][worst], want[t][worst]);
        }
        free(in), free(w), free(dout), free(o1), free(o2), free(dw1), free(dw2), free(di1), free(di2);
        free(ws1), free(ws2);
    }
    struct conv_geom g;
    conv_geom_set(&g, 2, 3, 7, 5, 4, 3, 1, 1); /* rows of 5: not for the direct kernels */
    EXPECT(!conv_direct_ok(&g), "7x5 output taken by the direct kernels");

    /* the inference epilogue equals the convolution followed by the batch
     * norm formula of bn_forward_act, bit for bit, for every activation */
    conv_geom_set(&g, 3, 5, 8, 16, 7, 3, 1, 1);
    size_t ni = (size_t)g.B * g.C * g.H * g.W, no = (size_t)g.B * g.F * g.OH * g.OW, nw = (size_t)g.F * g.C * 9;
    float *in = falloc(ni), *w = falloc(nw), *x = falloc(no), *y = falloc(no);
    float *ws = falloc(conv_direct_workspace(&g));
    float mean[7], inv[7], gamma[7], beta[7];
    struct dn_rng r;
    rng_seed(&r, 77);
    for (size_t k = 0; k < ni; k++) in[k] = rng_uniform(&r, -1, 1);
    for (size_t k = 0; k < nw; k++) w[k] = rng_uniform(&r, -1, 1);
    for (int f = 0; f < 7; f++) {
        mean[f] = rng_uniform(&r, -0.5f, 0.5f), gamma[f] = rng_uniform(&r, -2, 2), beta[f] = rng_uniform(&r, -1, 1);
        inv[f] = 1.0f / sqrtf(rng_uniform(&r, 0.1f, 3) + BN_EPS);
    }
    conv_direct_forward(&g, in, w, x, ws);
    for (int a = ACT_LINEAR; a <= ACT_LOGISTIC; a++) {
        struct conv_epilogue e = {mean, inv, gamma, beta, a};
        conv_direct_forward_epi(&g, in, w, y, ws, &e);
        size_t bad = 0;
        for (size_t k = 0; k < no; k++) {
            int f = (int)(k / ((size_t)g.OH * g.OW) % g.F);
            float want = act_value(gamma[f] * ((x[k] - mean[f]) * inv[f]) + beta[f], a);
            bad += memcmp(&want, &y[k], sizeof(float)) != 0;
        }
        EXPECT(!bad, "inference epilogue, %s: %zu of %zu values differ from conv + batch norm", act_names[a], bad,
               no);
    }
    free(in), free(w), free(x), free(y), free(ws);
}

/* Set the OpenMP thread count; returns the previous one. */
static int set_threads(int n)
{
#ifdef _OPENMP
    int old = omp_get_max_threads();
    omp_set_num_threads(n);
    return old;
#else
    return n;
#endif
}

/* Winograd F(2x2, 3x3) forward, input and weight gradients against im2col + gemm_ref,
 * and bit-identical results with 1 and 2 threads. */
static void test_conv_winograd(void)
{
    static const int geo[][5] = {
        /* B, C, H, W, F (3x3, stride 1, pad 1) */
        {3, 16, 8, 32, 16}, {2, 3, 8, 8, 5}, {2, 64, 8, 8, 64}, {1, 4, 2, 8, 5},
        {3, 1, 6, 8, 1},    {2, 5, 4, 16, 17}, {2, 17, 8, 24, 3}, {5, 32, 16, 16, 32},
    };
    double worst_rel = 0;
    for (size_t i = 0; i < sizeof(geo) / sizeof(geo[0]); i++) {
        const int *q = geo[i];
        struct conv_geom g;
        conv_geom_set(&g, q[0], q[1], q[2], q[3], q[4], 3, 1, 1);
        char what[64];
        snprintf(what, sizeof(what), "B%d C%d %dx%d F%d", q[0], q[1], q[2], q[3], q[4]);
        if (!conv_wino_ok(&g)) {
            test_fail(__FILE__, __LINE__, "%s: Winograd should take it", what);
            continue;
        }
        size_t ni = (size_t)g.B * g.C * g.H * g.W, no = (size_t)g.B * g.F * g.OH * g.OW, nw = (size_t)g.F * g.C * 9;
        struct dn_rng r;
        rng_seed(&r, 90 + i);
        float *in = falloc(ni), *w = falloc(nw), *dout = falloc(no);
        float *dw1 = falloc(nw), *dw2 = falloc(nw), *dw3 = falloc(nw);
        float *o1 = falloc(no), *o2 = falloc(no), *o3 = falloc(no);
        float *di1 = falloc(ni), *di2 = falloc(ni), *di3 = falloc(ni);
        for (size_t k = 0; k < ni; k++) in[k] = rng_uniform(&r, -1, 1), di1[k] = rng_uniform(&r, -1, 1);
        for (size_t k = 0; k < nw; k++) w[k] = rng_uniform(&r, -1, 1), dw1[k] = rng_uniform(&r, -1, 1);
        memcpy(di2, di1, ni * sizeof(float)), memcpy(di3, di1, ni * sizeof(float));
        memcpy(dw2, dw1, nw * sizeof(float)), memcpy(dw3, dw1, nw * sizeof(float));
        for (size_t k = 0; k < no; k++) dout[k] = rng_uniform(&r, -1, 1), o2[k] = o3[k] = NAN;
        g.threads = 4; /* the kernels' workspace holds up to 4 threads */
        float *ws1 = falloc(conv2d_workspace_gemm(&g)), *ws2 = falloc(conv_wino_workspace(&g));
        conv2d_forward_gemm(&g, in, w, o1, ws1);
        conv2d_backward_gemm(&g, in, w, dout, dw1, di1, ws1);
        int threads = set_threads(1);
        conv_wino_forward(&g, in, w, o2, ws2);
        conv_wino_backward_data(&g, w, dout, di2, ws2);
        conv_wino_backward_filter(&g, in, dout, dw2, ws2);
        set_threads(2);
        conv_wino_forward(&g, in, w, o3, ws2);
        conv_wino_backward_data(&g, w, dout, di3, ws2);
        conv_wino_backward_filter(&g, in, dout, dw3, ws2);
        set_threads(threads);
        /* relative to the number of terms (C*9, F*9 or B*H*W of them, each < 1) */
        const float *got[3] = {o2, di2, dw2}, *want[3] = {o1, di1, dw1}, *again[3] = {o3, di3, dw3};
        const size_t cnt[3] = {no, ni, nw};
        const double tol[3] = {2e-6 * (g.C * 9 + 1), 2e-6 * (g.F * 9 + 1), 2e-6 * (g.B * g.H * g.W + 1)};
        static const char *const part[3] = {"forward", "input gradient", "weight gradient"};
        for (int t = 0; t < 3; t++) {
            size_t worst, bad = count_off(got[t], want[t], cnt[t], tol[t], &worst);
            double e = fabs((double)got[t][worst] - want[t][worst]) / tol[t];
            if (e > worst_rel) worst_rel = e;
            EXPECT(!bad, "%s %s: %zu of %zu values off by more than %g, e.g. [%zu] %.9g vs %.9g", what, part[t],
                   bad, cnt[t], tol[t], worst, got[t][worst], want[t][worst]);
            EXPECT(!memcmp(got[t], again[t], cnt[t] * sizeof(float)), "%s %s: 1 and 2 threads differ", what,
                   part[t]);
        }
        free(in), free(w), free(dout), free(dw1), free(dw2), free(dw3);
        free(o1), free(o2), free(o3), free(di1), free(di2), free(di3);
        free(ws1), free(ws2);
    }
    printf("    worst Winograd error: %.3f of the tolerance\n", worst_rel);
    struct conv_geom g;
    conv_geom_set(&g, 2, 3, 7, 8, 4, 3, 1, 1); /* odd height: no whole 2x2 tiles */
    EXPECT(!conv_wino_ok(&g), "7x8 output taken by Winograd");
    conv_geom_set(&g, 2, 3, 8, 8, 4, 3, 2, 1);
    EXPECT(!conv_wino_ok(&g), "stride 2 taken by Winograd");
}

static void test_im2col_adjoint(void)
{
    static const int geo[][6] = {
        /* C, H, W, k, s, p */
        {2, 5, 7, 3, 1, 1}, {3, 6, 5, 3, 2, 1}, {1, 7, 7, 1, 2, 0},
        {2, 4, 5, 5, 3, 2}, {1, 5, 4, 2, 2, 0}, {2, 3, 3, 3, 1, 2},
    };
    for (size_t g = 0; g < sizeof(geo) / sizeof(geo[0]); g++) {
        int C = geo[g][0], H = geo[g][1], W = geo[g][2], k = geo[g][3], s = geo[g][4],
            p = geo[g][5];
        int OH = (H + 2 * p - k) / s + 1, OW = (W + 2 * p - k) / s + 1, rows = C * k * k;
        int ldc = OH * OW + 3;
        float *x = falloc((size_t)C * H * W), *cx = falloc((size_t)rows * ldc);
        float *c = falloc((size_t)rows * ldc), *xc = falloc((size_t)C * H * W);
        struct dn_rng rng;
        rng_seed(&rng, 100 + g);
        for (int i = 0; i < C * H * W; i++) x[i] = rng_uniform(&rng, -1, 1);
        for (int i = 0; i < rows * ldc; i++) c[i] = rng_uniform(&rng, -1, 1);
        for (int i = 0; i < rows * ldc; i++) cx[i] = 1234.0f; /* the ldc padding must survive */
        im2col(x, C, H, W, k, s, p, cx, ldc);
        col2im(c, ldc, C, H, W, k, s, p, xc);
        double lhs = 0, rhs = 0, mag = 0;
        int pad_ok = 1;
        for (int i = 0; i < C * H * W; i++)
            lhs += (double)xc[i] * x[i], mag += fabs((double)xc[i] * x[i]);
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < OH * OW; j++) rhs += (double)c[r * ldc + j] * cx[r * ldc + j];
            for (int j = OH * OW; j < ldc; j++)
                if (cx[r * ldc + j] != 1234.0f) pad_ok = 0;
        }
        EXPECT(fabs(lhs - rhs) <= 1e-5 * (mag + 1),
               "im2col/col2im C%d %dx%d k%d s%d p%d: %.9g vs %.9g", C, H, W, k, s, p, lhs, rhs);
        EXPECT(pad_ok, "im2col C%d %dx%d k%d s%d p%d wrote past OH*OW in a row", C, H, W, k, s, p);
        /* col2im accumulates: a second call doubles the result */
        float before = xc[0];
        col2im(c, ldc, C, H, W, k, s, p, xc);
        EXPECT(fabsf(xc[0] - 2 * before) <= 1e-5f * (1 + fabsf(before)), "col2im must accumulate");
        free(x), free(cx), free(c), free(xc);
    }
}

const struct test_case layer_tests[] = {
    {"layers/gradcheck_coverage", test_gc_coverage},
    {"layers/gradcheck_catches_errors", test_gradcheck_catches_errors},
    {"layers/gradcheck_convolutional", test_gc_convolutional},
    {"layers/gradcheck_connected", test_gc_connected},
    {"layers/gradcheck_shortcut", test_gc_shortcut},
    {"layers/gradcheck_route", test_gc_route},
    {"layers/gradcheck_avgpool", test_gc_avgpool},
    {"layers/gradcheck_maxpool", test_gc_maxpool},
    {"layers/gradcheck_softmax", test_gc_softmax},
    {"layers/gradcheck_cost", test_gc_cost},
    {"layers/gradcheck_dropout", test_gc_dropout},
    {"layers/gradcheck_se", test_gc_se},
    {"layers/gradcheck_bridge", test_gc_bridge},
    {"layers/conv_forward_hand", test_conv_forward_hand},
    {"layers/conv_forward_naive", test_conv_forward_naive},
    {"layers/bn_forward_hand", test_bn_forward_hand},
    {"layers/shortcut_forward_hand", test_shortcut_forward_hand},
    {"layers/maxpool_forward_hand", test_maxpool_forward_hand},
    {"layers/avgpool_forward_hand", test_avgpool_forward_hand},
    {"layers/softmax_forward_hand", test_softmax_forward_hand},
    {"layers/se_forward_hand", test_se_forward_hand},
    {"layers/connected_forward_hand", test_connected_forward_hand},
    {"layers/bridge_equivalence", test_bridge_equivalence},
    {"layers/gemm", test_gemm},
    {"layers/im2col_adjoint", test_im2col_adjoint},
    {"layers/conv_direct_vs_gemm", test_conv_direct},
    {"layers/conv_winograd_vs_gemm", test_conv_winograd},
    {NULL, NULL},
};
