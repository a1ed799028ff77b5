/*
 * layer_cases.c - the layer test cases: see layer_cases.h.
 *
 * The first part came from the gradient checks (odd shapes, every
 * activation, batch norm in training mode, "<type>/accumulates"), the second
 * from the CPU-vs-GPU checks (larger shapes, strides and paddings cuDNN
 * handles differently, optimiser keys). Both run everywhere unless a row
 * says otherwise.
 *
 * The "<type>/accumulates" cases put the layer between A and a [shortcut]
 * from=A, whose backward writes A's delta first: a layer that assigned its
 * input gradient instead of adding to it fails there.
 */
#include "layer_cases.h"

#include <stdio.h>
#include <string.h>

#include "../src/core/network.h"

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

#define CONV_BN_RELU(f) "[convolutional]\nbatch_normalize=1\nfilters=" #f "\nsize=3\npad=1\nactivation=relu\n"
/* a residual block's two convolutions before its [bridge] (from=-3: the block's input) */
#define BRIDGE_STEM                                                                               \
    CONV_BN_RELU(4)                                                                               \
    "[convolutional]\nbatch_normalize=1\nfilters=8\nsize=3\nstride=2\npad=1\nactivation=relu\n" \
    "[convolutional]\nbatch_normalize=1\nfilters=8\nsize=3\npad=1\nactivation=linear\n"

const struct layer_case layer_cases[] = {
    /* convolutional: odd 7x5 input, 3x3 stride 1 and 2, 1x1 stride 2, even
     * 2x2, every activation with and without batch norm (training mode,
     * batch >= 2), a stack (dinput of a middle conv), no input gradient. */
    {"convolutional/3x3_s1_pad1_linear",
     2, 7, 5, 3,
     "[convolutional]\nfilters=4\nsize=3\nstride=1\npad=1\nactivation=linear\n",
     .o = {.seed = 1}},
    {"convolutional/3x3_s2_pad1_relu",
     2, 7, 5, 3,
     "[convolutional]\nfilters=3\nsize=3\nstride=2\npad=1\nactivation=relu\n",
     .o = {.seed = 2}},
    {"convolutional/3x3_s1_pad0_leaky",
     2, 7, 5, 3,
     "[convolutional]\nfilters=3\nsize=3\nstride=1\npad=0\nactivation=leaky\n",
     .o = {.seed = 3}},
    {"convolutional/3x3_s2_pad1_logistic",
     2, 7, 5, 3,
     "[convolutional]\nfilters=3\nsize=3\nstride=2\npad=1\nactivation=logistic\n",
     .o = {.seed = 4}},
    {"convolutional/1x1_s2_linear",
     2, 7, 5, 3,
     "[convolutional]\nfilters=4\nsize=1\nstride=2\nactivation=linear\n",
     .o = {.seed = 5}},
    {"convolutional/1x1_s2_relu",
     2, 7, 5, 3,
     "[convolutional]\nfilters=4\nsize=1\nstride=2\nactivation=relu\n",
     .o = {.seed = 6}},
    {"convolutional/2x2_s2_padding1_leaky",
     2, 7, 5, 2,
     "[convolutional]\nfilters=3\nsize=2\nstride=2\npadding=1\nactivation=leaky\n",
     .o = {.seed = 7}},
    {"convolutional/3x3_s1_bn_linear",
     2, 7, 5, 3,
     "[convolutional]\nfilters=4\nsize=3\nstride=1\npad=1\nbatch_normalize=1\n"
     "activation=linear\n",
     .o = {.seed = 8}},
    {"convolutional/3x3_s2_bn_relu",
     2, 7, 5, 3,
     "[convolutional]\nfilters=4\nsize=3\nstride=2\npad=1\nbatch_normalize=1\n"
     "activation=relu\n",
     .o = {.seed = 9}},
    {"convolutional/3x3_s1_bn_leaky",
     3, 5, 7, 2,
     "[convolutional]\nfilters=3\nsize=3\nstride=1\npad=1\nbatch_normalize=1\n"
     "activation=leaky\n",
     .o = {.seed = 10}},
    {"convolutional/3x3_s2_bn_logistic",
     2, 7, 5, 3,
     "[convolutional]\nfilters=3\nsize=3\nstride=2\npad=1\nbatch_normalize=1\n"
     "activation=logistic\n",
     .o = {.seed = 11}},
    {"convolutional/3x3_s1_bn_relu6",
     3, 5, 7, 2,
     "[convolutional]\nfilters=3\nsize=3\nstride=1\npad=1\nbatch_normalize=1\n"
     "activation=relu6\n",
     .o = {.seed = 13}},
    {"convolutional/3x3_s2_pad1_ramp",
     2, 7, 5, 3,
     "[convolutional]\nfilters=4\nsize=3\nstride=2\npad=1\nactivation=ramp\n",
     .o = {.seed = 14}},
    {"convolutional/1x1_s2_bn_leaky",
     2, 7, 5, 3,
     "[convolutional]\nfilters=4\nsize=1\nstride=2\nbatch_normalize=1\n"
     "activation=leaky\n",
     .o = {.seed = 12}},
    {"convolutional/stack",
     2, 7, 5, 2,
     "[convolutional]\nfilters=3\nsize=3\nstride=2\npad=1\nactivation=leaky\n"
     "[convolutional]\nfilters=4\nsize=3\nstride=1\npad=1\nbatch_normalize=1\n"
     "activation=relu\n"
     "[convolutional]\nfilters=2\nsize=1\nactivation=logistic\n",
     .o = {.seed = 13}},
    {"convolutional/no_input_grad",
     2, 7, 5, 3,
     "[convolutional]\nfilters=3\nsize=3\nstride=2\npad=1\nbatch_normalize=1\n"
     "activation=leaky\n",
     .o = {.seed = 14, .no_input_grad = 1}},
    /* output rows of 8 (the cases above take im2col + GEMM): 3x3 stride 1
     * goes to Winograd (src/backend/cpu/conv_winograd.c), the others to the
     * direct kernels (conv_direct.c); filters not a multiple of 4 */
    {"convolutional/direct_3x3_s1_bn_relu",
     2, 8, 6, 3,
     "[convolutional]\nfilters=5\nsize=3\nstride=1\npad=1\nbatch_normalize=1\n"
     "activation=relu\n",
     .o = {.seed = 15}},
    {"convolutional/direct_3x3_s2_leaky",
     2, 16, 5, 3,
     "[convolutional]\nfilters=3\nsize=3\nstride=2\npad=1\nactivation=leaky\n",
     .o = {.seed = 16}},
    {"convolutional/direct_1x1_s2_bn_linear_stack",
     2, 16, 4, 3,
     "[convolutional]\nfilters=4\nsize=1\nstride=2\nbatch_normalize=1\nactivation=linear\n"
     "[convolutional]\nfilters=6\nsize=5\nstride=1\npad=1\nactivation=logistic\n",
     .o = {.seed = 17}},
    /* groups (src/ops/conv2d.h): grouped, im2col + GEMM per group (c=8,
     * filters=12, groups=4: 2 channels and 3 filters a group); depthwise,
     * the direct loops (c = filters = groups); a depthwise multiplier
     * (filters = 2c, groups = c: GEMM per group with one channel each).
     * The 8-pixel rows would go to Winograd / the direct kernels if those
     * took grouped shapes; the accumulating case checks that the depthwise
     * input gradient adds (+=). */
    {"convolutional/grouped_3x3_s1_g4_leaky",
     2, 7, 5, 8,
     "[convolutional]\nfilters=12\nsize=3\nstride=1\npad=1\ngroups=4\nactivation=leaky\n",
     .o = {.seed = 31}},
    {"convolutional/grouped_3x3_s2_g4_bn_relu",
     2, 7, 5, 8,
     "[convolutional]\nfilters=12\nsize=3\nstride=2\npad=1\ngroups=4\nbatch_normalize=1\n"
     "activation=relu\n",
     .o = {.seed = 32}},
    {"convolutional/grouped_3x3_g2_rows8_bn",
     2, 8, 6, 4,
     "[convolutional]\nfilters=6\nsize=3\nstride=1\npad=1\ngroups=2\nbatch_normalize=1\n"
     "activation=linear\n",
     .o = {.seed = 33}},
    {"convolutional/dw_3x3_s1_linear",
     2, 7, 5, 6,
     "[convolutional]\nfilters=6\nsize=3\nstride=1\npad=1\ngroups=6\nactivation=linear\n",
     .o = {.seed = 34}},
    {"convolutional/dw_5x5_s2_bn_relu6",
     2, 7, 5, 6,
     "[convolutional]\nfilters=6\nsize=5\nstride=2\npad=1\ngroups=6\nbatch_normalize=1\n"
     "activation=relu6\n",
     .o = {.seed = 35}},
    {"convolutional/dw_3x3_s2_nopad_rows8_logistic",
     3, 17, 6, 6,
     "[convolutional]\nfilters=6\nsize=3\nstride=2\ngroups=6\nactivation=logistic\n",
     .o = {.seed = 36}},
    {"convolutional/dw_3x3_s1_rows8_bn_leaky",
     2, 8, 6, 6,
     "[convolutional]\nfilters=6\nsize=3\nstride=1\npad=1\ngroups=6\nbatch_normalize=1\n"
     "activation=leaky\n",
     .o = {.seed = 37}},
    {"convolutional/dw_multiplier2_3x3_linear",
     2, 7, 5, 4,
     "[convolutional]\nfilters=8\nsize=3\nstride=1\npad=1\ngroups=4\nactivation=linear\n",
     .o = {.seed = 38}},
    {"convolutional/dw_accumulates",
     2, 7, 5, 3,
     "[convolutional]\nfilters=6\nsize=1\nactivation=linear\n"
     "[convolutional]\nfilters=6\nsize=3\npad=1\ngroups=6\nactivation=leaky\n"
     "[convolutional]\nfilters=6\nsize=3\nstride=1\npad=1\ngroups=3\nbatch_normalize=1\nactivation=linear\n"
     "[shortcut]\nfrom=-3\n",
     .o = {.seed = 26}},
    {"convolutional/dw_3x3_s2_bn_swish",
     2, 7, 5, 6,
     "[convolutional]\nfilters=6\nsize=3\nstride=2\npad=1\ngroups=6\nbatch_normalize=1\nactivation=swish\n",
     .o = {.seed = 39}},
    {"convolutional/grouped_3x3_g3_mish",
     2, 7, 5, 6,
     "[convolutional]\nfilters=9\nsize=3\npad=1\ngroups=3\nactivation=mish\n",
     .o = {.seed = 40}},
    /* swish and mish (their slope needs the pre-activation): with batch norm
     * (recomputed from the BN input) and without (the layer's own buffer),
     * through im2col + GEMM, Winograd (3x3 s1 with rows of 8) and the direct
     * kernels; at inference (compared by the GPU check) the last two apply
     * batch norm and the activation in their store */
    {"convolutional/3x3_s1_bn_mish",
     3, 5, 7, 2,
     "[convolutional]\nfilters=3\nsize=3\nstride=1\npad=1\nbatch_normalize=1\n"
     "activation=mish\n",
     .o = {.seed = 121}},
    {"convolutional/3x3_s2_pad1_swish",
     2, 7, 5, 3,
     "[convolutional]\nfilters=4\nsize=3\nstride=2\npad=1\nactivation=swish\n",
     .o = {.seed = 122}},
    {"convolutional/direct_3x3_s1_bn_swish",
     2, 8, 6, 3,
     "[convolutional]\nfilters=5\nsize=3\nstride=1\npad=1\nbatch_normalize=1\n"
     "activation=swish\n",
     .o = {.seed = 123}},
    {"convolutional/direct_3x3_s2_mish_1x1_bn_swish",
     2, 16, 5, 3,
     "[convolutional]\nfilters=3\nsize=3\nstride=2\npad=1\nactivation=mish\n"
     "[convolutional]\nfilters=2\nsize=1\nbatch_normalize=1\nactivation=swish\n",
     .o = {.seed = 124}},

    /* connected: every activation; batch norm over the batch only (S = 1),
     * so batch 4: with 2 samples xhat = +-1 whatever x is and the gradient
     * through the statistics is ~0 (a degenerate check). */
    {"connected/linear",
     2, 3, 2, 2,
     "[connected]\noutput=5\nactivation=linear\n",
     .o = {.seed = 21}},
    {"connected/relu", 2, 3, 2, 2,
     "[connected]\noutput=5\nactivation=relu\n", .o = {.seed = 22}},
    {"connected/leaky", 2, 3, 2, 2,
     "[connected]\noutput=5\nactivation=leaky\n", .o = {.seed = 23}},
    {"connected/ramp",
     2, 3, 2, 2,
     "[connected]\noutput=5\nactivation=ramp\n",
     .o = {.seed = 25}},
    {"connected/bn_relu6",
     4, 3, 2, 2,
     "[connected]\noutput=5\nbatch_normalize=1\nactivation=relu6\n",
     .o = {.seed = 26}},
    {"connected/logistic",
     2, 3, 2, 2,
     "[connected]\noutput=5\nactivation=logistic\n",
     .o = {.seed = 24}},
    {"connected/bn_linear",
     4, 3, 2, 2,
     "[connected]\noutput=5\nbatch_normalize=1\nactivation=linear\n",
     .o = {.seed = 25}},
    {"connected/bn_leaky",
     4, 3, 2, 2,
     "[connected]\noutput=5\nbatch_normalize=1\nactivation=leaky\n",
     .o = {.seed = 26}},
    {"connected/bn_logistic",
     3, 3, 2, 2,
     "[connected]\noutput=4\nbatch_normalize=1\nactivation=logistic\n",
     .o = {.seed = 27}},
    {"connected/swish",
     2, 3, 2, 2,
     "[connected]\noutput=5\nactivation=swish\n",
     .o = {.seed = 125}},
    {"connected/bn_mish",
     4, 3, 2, 2,
     "[connected]\noutput=5\nbatch_normalize=1\nactivation=mish\n",
     .o = {.seed = 126}},
    {"connected/after_conv_classes",
     2, 7, 5, 2,
     "[convolutional]\nfilters=2\nsize=3\nstride=2\npad=1\nactivation=leaky\n"
     "[connected]\noutput=classes\nactivation=relu\n"
     "[connected]\noutput=3\nactivation=linear\n",
     .o = {.seed = 28, .classes = 6}},
    {"connected/no_input_grad",
     4, 3, 2, 2,
     "[connected]\noutput=3\nbatch_normalize=1\nactivation=logistic\n",
     .o = {.seed = 29, .no_input_grad = 1}},

    /* shortcut: same shape; a larger `from` with fewer channels (Darknet
     * subsamples its top-left pixels); a smaller `from` with more channels
     * (added at every 2nd output pixel, first C channels). */
    {"shortcut/same_shape",
     2, 7, 5, 3,
     "[convolutional]\nfilters=4\nsize=3\nstride=1\npad=1\nactivation=leaky\n"
     "[convolutional]\nfilters=4\nsize=3\nstride=1\npad=1\nbatch_normalize=1\n"
     "activation=relu\n"
     "[shortcut]\nfrom=-2\nactivation=leaky\n",
     .o = {.seed = 31}},
    {"shortcut/larger_from_fewer_channels",
     2, 6, 4, 3,
     "[convolutional]\nfilters=2\nsize=3\nstride=1\npad=1\nactivation=linear\n"
     "[convolutional]\nfilters=4\nsize=3\nstride=2\npad=1\nactivation=leaky\n"
     "[shortcut]\nfrom=0\nactivation=linear\n",
     .o = {.seed = 32}},
    {"shortcut/smaller_from_more_channels",
     2, 6, 4, 3,
     "[convolutional]\nfilters=3\nsize=3\nstride=1\npad=1\nactivation=linear\n"
     "[convolutional]\nfilters=4\nsize=3\nstride=2\npad=1\nactivation=logistic\n"
     "[route]\nlayers=0\n"
     "[shortcut]\nfrom=1\nactivation=relu\n",
     .o = {.seed = 33}},
    /* swish and mish keep prev + from: the one-pass path (from and prev
     * distinct), the general path (from = prev: the delta buffers coincide),
     * different shapes */
    {"shortcut/same_shape_mish",
     2, 7, 5, 3,
     "[convolutional]\nfilters=4\nsize=3\nstride=1\npad=1\nactivation=leaky\n"
     "[convolutional]\nfilters=4\nsize=3\nstride=1\npad=1\nbatch_normalize=1\n"
     "activation=linear\n"
     "[shortcut]\nfrom=-2\nactivation=mish\n",
     .o = {.seed = 127}},
    {"shortcut/from_prev_swish",
     2, 7, 5, 3,
     "[convolutional]\nfilters=3\nsize=3\nstride=1\npad=1\nactivation=linear\n"
     "[shortcut]\nfrom=-1\nactivation=swish\n",
     .o = {.seed = 128}},
    {"shortcut/larger_from_mish",
     2, 6, 4, 3,
     "[convolutional]\nfilters=2\nsize=3\nstride=1\npad=1\nactivation=linear\n"
     "[convolutional]\nfilters=4\nsize=3\nstride=2\npad=1\nactivation=leaky\n"
     "[shortcut]\nfrom=0\nactivation=mish\n",
     .o = {.seed = 129}},

    /* route: two layers, both orders; the trailing shortcut to layer 0
     * writes its delta before the route's backward does, so a route that
     * assigned instead of accumulating would show */
    {"route/two_layers",
     2, 7, 5, 2,
     "[convolutional]\nfilters=3\nsize=3\nstride=1\npad=1\nactivation=leaky\n"
     "[convolutional]\nfilters=2\nsize=3\nstride=1\npad=1\nactivation=logistic\n"
     "[route]\nlayers=-2,-1\n"
     "[convolutional]\nfilters=3\nsize=1\nactivation=linear\n"
     "[shortcut]\nfrom=0\n",
     .o = {.seed = 41}},
    {"route/two_layers_reversed",
     2, 5, 3, 2,
     "[convolutional]\nfilters=2\nsize=3\nstride=1\npad=1\nactivation=linear\n"
     "[convolutional]\nfilters=3\nsize=1\nactivation=logistic\n"
     "[route]\nlayers=1,0\n",
     .o = {.seed = 42}},
    {"route/same_layer_twice",
     2, 5, 3, 2,
     "[convolutional]\nfilters=2\nsize=3\nstride=1\npad=1\nactivation=linear\n"
     "[route]\nlayers=0,0\n",
     .o = {.seed = 43}},

    /* pooling */
    {"avgpool/after_conv",
     2, 7, 5, 3,
     "[convolutional]\nfilters=4\nsize=3\nstride=1\npad=1\nactivation=leaky\n"
     "[avgpool]\n",
     .o = {.seed = 51}},
    {"avgpool/first", 2, 7, 5, 3,
     "[avgpool]\n", .o = {.seed = 52}},
    {"maxpool/2x2_s2_odd_first", 2, 7, 5, 3,
     "[maxpool]\nsize=2\nstride=2\n", .o = {.seed = 53}},
    {"maxpool/3x3_s1_after_conv",
     2, 7, 5, 2,
     "[convolutional]\nfilters=3\nsize=3\nstride=1\npad=1\nactivation=linear\n"
     "[maxpool]\nsize=3\nstride=1\n",
     .o = {.seed = 54}},
    {"maxpool/3x3_s2", 2, 7, 5, 2,
     "[maxpool]\nsize=3\nstride=2\n", .o = {.seed = 55}},

    /* softmax: Jacobian path (in the middle or last without targets) and the
     * cross-entropy path (GC_LOSS). The loss is a mean over the batch, so its
     * gradients are ~0.1: the floor drops to 0.01 to keep the test relative,
     * and eps rises to 1e-2 so the float noise of net->loss (~3e-7 / 2eps)
     * stays well below thr*floor = 1e-4 (truncation eps^2*L'''/6 ~ 1e-5
     * relative). At that eps and floor the kink test would take curvature
     * for kinks, so these networks are kink-free (logistic) and `smooth`. */
    {"softmax/jacobian_last",
     2, 3, 2, 2,
     "[connected]\noutput=6\nactivation=linear\n[softmax]\n",
     .o = {.seed = 61}},
    {"softmax/jacobian_first", 2, 7, 5, 3,
     "[softmax]\n", .o = {.seed = 62}},
    {"softmax/jacobian_middle",
     2, 3, 2, 2,
     "[softmax]\n[connected]\noutput=3\nactivation=linear\n",
     .o = {.seed = 63}},
    {"softmax/loss",
     3, 3, 2, 2,
     "[connected]\noutput=5\nactivation=logistic\n[softmax]\n",
     .o = {.seed = 64, .obj = GC_LOSS, .eps = 1e-2, .floor = 1e-2, .smooth = 1}},
    /* soft targets, as [net] mixup/cutmix/mosaic make them: the exact
     * gradient p * sum(t) - t and the loss -sum t log p with two classes
     * mixed (sometimes the same class twice) */
    {"softmax/loss_soft_targets",
     4, 3, 2, 2,
     "[connected]\noutput=5\nactivation=logistic\n[softmax]\n",
     .o = {.seed = 68, .obj = GC_LOSS, .eps = 1e-2, .floor = 1e-2, .smooth = 1, .soft_targets = 1}},
    {"softmax/loss_conv_avgpool",
     2, 7, 5, 3,
     "[convolutional]\nfilters=4\nsize=3\nstride=2\npad=1\nbatch_normalize=1\n"
     "activation=logistic\n[avgpool]\n[softmax]\n",
     .o = {.seed = 65, .obj = GC_LOSS, .eps = 1e-2, .floor = 1e-2, .smooth = 1}},

    /* upstream's groups= and temperature=: per-group distributions of x/T
     * (the one-hot target lies in one group, so the exact loss gradient
     * p * sum(t) - t is checked for groups with and without the target) */
    {"softmax/groups3_temperature_jacobian",
     2, 3, 2, 2,
     "[connected]\noutput=6\nactivation=linear\n[softmax]\ngroups=3\ntemperature=2.5\n",
     .o = {.seed = 66}},
    {"softmax/groups2_temperature_loss",
     3, 3, 2, 2,
     "[connected]\noutput=6\nactivation=logistic\n[softmax]\ngroups=2\ntemperature=0.5\n",
     .o = {.seed = 67, .obj = GC_LOSS, .eps = 1e-2, .floor = 1e-2, .smooth = 1}},

    /* cost: identity Jacobian without targets; SSE loss with targets (same
     * floor and eps reasoning as softmax/loss) */
    {"cost/jacobian",
     2, 3, 2, 2,
     "[connected]\noutput=4\nactivation=linear\n[cost]\ntype=sse\n",
     .o = {.seed = 71}},
    {"cost/sse_loss",
     3, 3, 2, 2,
     "[connected]\noutput=4\nactivation=logistic\n[cost]\ntype=sse\n",
     .o = {.seed = 72, .obj = GC_LOSS, .eps = 1e-2, .floor = 1e-2, .smooth = 1}},
    {"cost/after_softmax_loss",
     2, 3, 2, 2,
     "[connected]\noutput=4\nactivation=linear\n[softmax]\n[cost]\n",
     .o = {.seed = 73, .obj = GC_LOSS, .eps = 1e-2, .floor = 1e-2, .smooth = 1}},

    /* crop: random windows, mirrors and channel shifts from net->rng, fixed
     * like dropout's masks by resetting it before each forward */
    {"crop/first_flip_noadjust",
     3, 7, 6, 2,
     "[crop]\ncrop_height=4\ncrop_width=5\nflip=1\nnoadjust=1\n"
     "[connected]\noutput=3\nactivation=logistic\n",
     .o = {.seed = 91}},
    {"crop/after_conv_scale_shift",
     2, 6, 6, 3,
     "[convolutional]\nfilters=2\nsize=3\npad=1\nactivation=leaky\n"
     "[crop]\ncrop_height=3\ncrop_width=4\nflip=1\nshift=.2\n",
     .o = {.seed = 92}},

    /* scale_channels: AlexeyAB's SE written with plain layers (conv, global
     * avgpool, two 1x1 convs, scale the conv's maps), and scale_wh's
     * per-pixel form */
    {"scale_channels/se_composition",
     2, 5, 4, 3,
     "[convolutional]\nfilters=4\nsize=3\npad=1\nactivation=linear\n[avgpool]\n"
     "[convolutional]\nfilters=2\nsize=1\nactivation=leaky\n"
     "[convolutional]\nfilters=4\nsize=1\nactivation=logistic\n[scale_channels]\nfrom=-4\n",
     .o = {.seed = 93}},
    {"scale_channels/wh_leaky",
     2, 5, 4, 2,
     "[convolutional]\nfilters=3\nsize=3\npad=1\nactivation=linear\n"
     "[convolutional]\nfilters=1\nsize=1\nactivation=logistic\n"
     "[scale_channels]\nfrom=-2\nscale_wh=1\nactivation=leaky\n",
     .o = {.seed = 94}},
    {"scale_channels/mish",
     2, 5, 4, 3,
     "[convolutional]\nfilters=4\nsize=3\npad=1\nactivation=linear\n[avgpool]\n"
     "[convolutional]\nfilters=4\nsize=1\nactivation=logistic\n[scale_channels]\nfrom=-3\nactivation=mish\n",
     .o = {.seed = 130}},

    /* dropout: the mask is fixed by resetting net->rng before each forward */
    {"dropout/between",
     2, 7, 5, 2,
     "[convolutional]\nfilters=3\nsize=3\nstride=2\npad=1\nactivation=leaky\n"
     "[dropout]\nprobability=0.3\n"
     "[connected]\noutput=3\nactivation=linear\n",
     .o = {.seed = 81}},
    {"dropout/first",
     2, 5, 3, 2,
     "[dropout]\n[connected]\noutput=2\nactivation=logistic\n",
     .o = {.seed = 82}},

    /* se: hidden size 1 (kept alive by se_alive) and > 1, first layer */
    {"se/hidden1",
     2, 7, 5, 3,
     "[convolutional]\nfilters=4\nsize=3\nstride=1\npad=1\nactivation=leaky\n"
     "[se]\nreduction=4\n",
     .o = {.seed = 91, .setup = se_alive}},
    {"se/hidden4",
     2, 7, 5, 3,
     "[convolutional]\nfilters=8\nsize=3\nstride=2\npad=1\nactivation=linear\n"
     "[se]\nreduction=2\n",
     .o = {.seed = 92}},
    {"se/first_hidden3", 2, 5, 3, 3,
     "[se]\nreduction=1\n", .o = {.seed = 93}},
    {"se/first_no_input_grad",
     2, 5, 3, 4,
     "[se]\nreduction=2\n",
     .o = {.seed = 94, .no_input_grad = 1, .setup = se_alive}},

    /* bridge: se off / after / before, stride 2 (explicit: 7x5 -> 4x3 is not
     * an integer ratio) and 1 (default stride), relu and linear */
    {"bridge/se0_s2_relu", 2, 7, 5, 3, RESIDUAL_BLOCK(2) "[bridge]\nfrom=0\nstride=2\nactivation=relu\n",
     .o = {.seed = 101}},
    {"bridge/se0_s1_linear", 2, 7, 5, 3, RESIDUAL_BLOCK(1) "[bridge]\nfrom=0\n", .o = {.seed = 102}},
    {"bridge/se_after_s2_relu",
     2, 7, 5, 3, RESIDUAL_BLOCK(2) "[bridge]\nfrom=0\nstride=2\nse=1\nreduction=2\nactivation=relu\n",
     .o = {.seed = 103}},
    /* eps 2e-3: the SE weights' gradients are ~1e-2 here, and float noise
     * at eps = 1e-3 put their error at 8e-3 (of thr 1e-2); 1e-3 at 2e-3 */
    {"bridge/se_after_s1_linear_hidden1",
     2, 7, 5, 3, RESIDUAL_BLOCK(1) "[bridge]\nfrom=0\nse=1\nreduction=4\nactivation=linear\n",
     .o = {.seed = 104, .setup = se_alive, .eps = 2e-3}},
    {"bridge/se_before_s2_linear",
     2, 7, 5, 3, RESIDUAL_BLOCK(2) "[bridge]\nfrom=0\nstride=2\nse=1\nreduction=1\nse_position=before\n"
     "activation=linear\n",
     .o = {.seed = 105}},
    {"bridge/se_before_s1_relu",
     2, 7, 5, 3, RESIDUAL_BLOCK(1) "[bridge]\nfrom=-3\nse=1\nreduction=3\nse_position=before\nactivation=relu\n",
     .o = {.seed = 106, .setup = se_alive}},
    {"bridge/from_first_layer_after",
     2, 6, 4, 3,
     "[convolutional]\nfilters=2\nsize=3\nstride=2\npad=1\nactivation=leaky\n"
     "[bridge]\nfrom=-1\nse=1\nreduction=2\nactivation=relu\n"
     "[shortcut]\nfrom=0\n",
     .o = {.seed = 107, .setup = se_alive}},
    {"bridge/se0_s2_mish", 2, 7, 5, 3, RESIDUAL_BLOCK(2) "[bridge]\nfrom=0\nstride=2\nactivation=mish\n",
     .o = {.seed = 131}},
    {"bridge/se_after_s1_swish",
     2, 7, 5, 3, RESIDUAL_BLOCK(1) "[bridge]\nfrom=0\nse=1\nreduction=2\nactivation=swish\n",
     .o = {.seed = 132, .setup = se_alive}},

    /* Accumulation: in "A, X, [shortcut] from=A" the shortcut adds to A's
     * delta before X's backward runs, so an X that assigned (=) its input
     * gradient instead of accumulating (+=) would lose the shortcut's part. */
    {"convolutional/accumulates",
     2, 5, 3, 2,
     "[convolutional]\nfilters=3\nsize=1\nactivation=linear\n"
     "[convolutional]\nfilters=3\nsize=3\npad=1\nbatch_normalize=1\nactivation=leaky\n"
     "[shortcut]\nfrom=-2\n",
     .o = {.seed = 111}},
    {"connected/accumulates",
     2, 3, 2, 2,
     "[connected]\noutput=5\nactivation=linear\n"
     "[connected]\noutput=5\nactivation=logistic\n"
     "[shortcut]\nfrom=-2\n",
     .o = {.seed = 112}},
    {"avgpool/accumulates",
     2, 4, 4, 2,
     "[convolutional]\nfilters=3\nsize=3\npad=1\nactivation=linear\n"
     "[avgpool]\n"
     "[shortcut]\nfrom=-2\n",
     .o = {.seed = 113}},
    {"maxpool/accumulates",
     2, 5, 3, 2,
     "[convolutional]\nfilters=3\nsize=1\nactivation=linear\n"
     "[maxpool]\nsize=3\nstride=1\n"
     "[shortcut]\nfrom=-2\n",
     .o = {.seed = 114}},
    {"softmax/accumulates",
     2, 5, 3, 2,
     "[convolutional]\nfilters=3\nsize=1\nactivation=linear\n"
     "[softmax]\n"
     "[shortcut]\nfrom=-2\n",
     .o = {.seed = 115}},
    {"cost/accumulates",
     2, 5, 3, 2,
     "[convolutional]\nfilters=3\nsize=1\nactivation=linear\n"
     "[cost]\n"
     "[shortcut]\nfrom=-2\n",
     .o = {.seed = 116}},
    {"dropout/accumulates",
     2, 5, 3, 2,
     "[convolutional]\nfilters=3\nsize=1\nactivation=linear\n"
     "[dropout]\nprobability=0.4\n"
     "[shortcut]\nfrom=-2\n",
     .o = {.seed = 117}},
    {"se/accumulates",
     2, 5, 3, 2,
     "[convolutional]\nfilters=4\nsize=1\nactivation=linear\n"
     "[se]\nreduction=2\n"
     "[shortcut]\nfrom=-2\n",
     .o = {.seed = 118, .setup = se_alive}},
    {"shortcut/accumulates",
     2, 5, 3, 2,
     "[convolutional]\nfilters=3\nsize=1\nactivation=linear\n"
     "[convolutional]\nfilters=3\nsize=1\nactivation=linear\n"
     "[shortcut]\nfrom=-2\nactivation=leaky\n"
     "[shortcut]\nfrom=-2\n",
     .o = {.seed = 119}},

    /* ---- the cases that came from the CPU-vs-GPU checks ---- */
    {"convolutional/3x3_bn_relu_8x8", 4, 8, 8, 3, CONV_BN_RELU(5), .o = {.seed = 201}},
    {"convolutional/1ch_3x3_s2_odd9_leaky", 3, 9, 9, 1,
     "[convolutional]\nfilters=4\nsize=3\nstride=2\npad=1\nactivation=leaky\n", .o = {.seed = 202}},
    {"convolutional/1x1_s2_odd7_bn_linear", 4, 7, 7, 3,
     "[convolutional]\nbatch_normalize=1\nfilters=6\nsize=1\nstride=2\nactivation=linear\n", .o = {.seed = 203}},
    {"convolutional/5x5_nopad_logistic", 2, 5, 5, 2, "[convolutional]\nfilters=3\nsize=5\nactivation=logistic\n",
     .o = {.seed = 204}},
    {"convolutional/3x3_s3_padding2_10x9_bn", 2, 10, 9, 3,
     "[convolutional]\nbatch_normalize=1\nfilters=4\nsize=3\nstride=3\npadding=2\nactivation=relu\n",
     .o = {.seed = 205}},
    /* a ResNeXt-like grouped 3x3 (groups of 2 channels) and an
     * EfficientNet-like depthwise 3x3 stride 2, 16 channels, batch 4 */
    {"convolutional/grouped_g8_3x3_bn_relu_8x8", 4, 8, 8, 16,
     "[convolutional]\nbatch_normalize=1\nfilters=16\nsize=3\npad=1\ngroups=8\nactivation=relu\n",
     .o = {.seed = 207}},
    {"convolutional/dw_16ch_3x3_s2_bn_leaky_8x8", 4, 8, 8, 16,
     "[convolutional]\nbatch_normalize=1\nfilters=16\nsize=3\nstride=2\npad=1\ngroups=16\nactivation=leaky\n",
     .o = {.seed = 208}},
    {"convolutional/stack_s2_odd_no_input_grad", 3, 11, 11, 3,
     CONV_BN_RELU(4) "[convolutional]\nbatch_normalize=1\nfilters=6\nsize=3\nstride=2\npad=1\nactivation=leaky\n",
     .o = {.seed = 206, .no_input_grad = 1}},
    {"connected/linear_48_inputs", 4, 4, 4, 3, "[connected]\noutput=7\nactivation=linear\n", .o = {.seed = 211}},
    {"connected/bn_relu", 5, 3, 3, 2, "[connected]\noutput=5\nbatch_normalize=1\nactivation=relu\n",
     .o = {.seed = 212}},
    {"connected/1ch_logistic_batch1", 1, 1, 5, 1, "[connected]\noutput=3\nactivation=logistic\n",
     .o = {.seed = 213}},
    {"shortcut/same_shape_relu", 3, 6, 6, 3,
     CONV_BN_RELU(4) "[convolutional]\nbatch_normalize=1\nfilters=4\nsize=3\npad=1\nactivation=linear\n"
                     "[shortcut]\nfrom=-2\nactivation=relu\n",
     .o = {.seed = 221}},
    {"shortcut/from_larger_decay_weights", 2, 8, 8, 3,
     "[convolutional]\nfilters=4\nsize=1\nactivation=linear\n"
     "[convolutional]\nbatch_normalize=1\nfilters=6\nsize=3\nstride=2\npad=1\nactivation=linear\n"
     "[shortcut]\nfrom=0\nactivation=leaky\n",
     .o = {.seed = 222}, .net_keys = "decay_scope=weights\n"},
    {"shortcut/from_smaller", 2, 8, 8, 2,
     "[convolutional]\nfilters=4\nsize=3\npad=1\nactivation=relu\n"
     "[convolutional]\nfilters=3\nsize=3\nstride=2\npad=1\nactivation=linear\n"
     "[route]\nlayers=0\n[shortcut]\nfrom=1\nactivation=linear\n",
     .o = {.seed = 223}},
    {"route/concat", 3, 6, 6, 3,
     "[convolutional]\nfilters=4\nsize=3\npad=1\nactivation=relu\n"
     "[convolutional]\nfilters=3\nsize=1\nactivation=leaky\n"
     "[route]\nlayers=0,1\n[convolutional]\nfilters=2\nsize=1\nactivation=linear\n",
     .o = {.seed = 231}},
    {"avgpool/5x7", 3, 7, 5, 3, "[convolutional]\nfilters=4\nsize=3\npad=1\nactivation=relu\n[avgpool]\n",
     .o = {.seed = 241}},
    {"maxpool/2x2_s2", 2, 8, 8, 2, "[maxpool]\nsize=2\nstride=2\n", .o = {.seed = 242}},
    {"maxpool/3x3_s2_odd9", 2, 9, 9, 3, "[maxpool]\nsize=3\nstride=2\n", .o = {.seed = 243}},
    {"maxpool/1ch_2x2_s1_batch1", 1, 5, 5, 1, "[maxpool]\nsize=2\nstride=1\n", .o = {.seed = 244}},
    {"softmax/cross_entropy", 4, 6, 6, 3,
     CONV_BN_RELU(4) "[avgpool]\n[connected]\noutput=10\nactivation=linear\n[softmax]\n",
     .o = {.seed = 251, .obj = GC_LOSS}, .skip = CASE_NO_GRAD}, /* relu and a loss objective: see softmax/loss */
    {"softmax/jacobian_then_route", 3, 2, 2, 3,
     "[connected]\noutput=6\nactivation=linear\n[softmax]\n[route]\nlayers=-1\n", .o = {.seed = 252}},
    {"cost/sse", 4, 3, 3, 2, "[connected]\noutput=4\nactivation=linear\n[cost]\n", .o = {.seed = 261, .obj = GC_LOSS}},
    {"dropout/p0.3", 3, 5, 5, 3,
     "[convolutional]\nfilters=4\nsize=3\npad=1\nactivation=relu\n[dropout]\nprobability=0.3\n",
     .o = {.seed = 271}},
    {"se/r4_after_conv", 3, 6, 6, 3, CONV_BN_RELU(8) "[se]\nreduction=4\n", .o = {.seed = 281, .setup = se_alive}},
    {"se/hidden1_first_layer", 3, 5, 5, 3, "[se]\nreduction=16\n", .o = {.seed = 282}},
    {"se/1ch_no_input_grad", 2, 4, 4, 1, "[se]\nreduction=1\n",
     .o = {.seed = 283, .no_input_grad = 1, .setup = se_alive}},
    /* not gradient-checked: each of these 8x8 blocks costs about as much as
     * all the 7x5 bridge cases above, which check the same code paths */
    {"bridge/plain", 3, 8, 8, 3, BRIDGE_STEM "[bridge]\nfrom=-3\nactivation=relu\n", .o = {.seed = 291},
     .skip = CASE_NO_GRAD},
    {"bridge/se_after_r4", 3, 8, 8, 3,
     BRIDGE_STEM "[bridge]\nfrom=-3\nstride=2\nse=1\nreduction=4\nactivation=relu\n", .o = {.seed = 292},
     .skip = CASE_NO_GRAD},
    {"bridge/se_after_hidden1_odd9", 2, 9, 9, 3,
     BRIDGE_STEM "[bridge]\nfrom=-3\nstride=2\nse=1\nreduction=16\nse_position=after\nactivation=relu\n",
     .o = {.seed = 293}, .skip = CASE_NO_GRAD},
    {"bridge/se_before_r2", 3, 8, 8, 3,
     BRIDGE_STEM "[bridge]\nfrom=-3\nse=1\nreduction=2\nse_position=before\nactivation=relu\n",
     .o = {.seed = 294}, .skip = CASE_NO_GRAD},
    {"bridge/se_before_hidden1_odd7", 2, 7, 7, 3,
     BRIDGE_STEM "[bridge]\nfrom=-3\nstride=2\nse=1\nreduction=16\nse_position=before\nactivation=linear\n",
     .o = {.seed = 295}, .skip = CASE_NO_GRAD},
};

const int layer_cases_len = (int)(sizeof(layer_cases) / sizeof(layer_cases[0]));

char *layer_case_cfg(const struct layer_case *t, const char *runner_keys, char *buf, size_t n)
{
    int len = snprintf(buf, n, "[net]\nbatch=%d\nwidth=%d\nheight=%d\nchannels=%d\n%s%s%s", t->batch, t->w, t->h,
                       t->c, runner_keys ? runner_keys : "", t->net_keys ? t->net_keys : "", t->layers);
    if (len < 0 || (size_t)len >= n) {
        printf("    %s: cfg text longer than %zu bytes\n", t->name, n);
        return NULL;
    }
    return buf;
}

int layer_case_is(const struct layer_case *t, const char *type)
{
    size_t n = strlen(type);
    return strncmp(t->name, type, n) == 0 && t->name[n] == '/';
}
