/*
 * connected.c - [connected]: fully connected layer, optional batch norm,
 * activation.
 *
 * cfg keys: output (required; a number, or `classes` to take the .data
 * file's class count), activation (default logistic as in Darknet),
 * batch_normalize (0). The input is flattened per sample (C*H*W values).
 *
 * Math: y (B, O) = x (B, I) * W^T + b with W (O, I) row-major, one row per
 * output (Darknet's and PyTorch's layout). With batch norm, b is BN's beta
 * and y = act(BN(x W^T)).
 * .weights order: biases[O], weights[O*I], then with batch_normalize
 * scales[O], rolling_mean[O], rolling_variance[O] (BN after the weights,
 * unlike convolutional).
 *
 * swish and mish (act_needs_input): backward needs the pre-activation.
 * With batch norm the BN op recomputes it from x; without, the layer keeps
 * x W^T + b in its own buffer `pre`.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../backend/cpu/gemm.h"
#include "../core/network.h"
#include "connected.h"

static int connected_init(struct layer *l, struct cfg *c, struct cfg_section *s, struct network *net)
{
    struct connected_layer *fc = xcalloc(1, sizeof(*fc));
    l->priv = fc;
    int out, act;
    const char *ov = cfg_str(s, "output", NULL);
    if (!ov) return cfg_fail(c, s, "output", "missing required key");
    if (strcmp(ov, "classes") == 0) {
        if (net->classes < 1)
            return cfg_fail(c, s, "output",
                            "no class count known: give a .data file (e.g. ./darknet summary cfg/cifar10.data <cfg>)");
        out = net->classes;
    } else if (cfg_int(c, s, "output", 0, &out)) {
        return -1;
    }
    if (out < 1) return cfg_fail(c, s, "output", "must be at least 1");
    if (cfg_enum(c, s, "activation", act_names, ACT_LOGISTIC, &act) ||
        cfg_int(c, s, "batch_normalize", 0, &fc->bn_on))
        return -1;
    if (fc->bn_on != 0 && fc->bn_on != 1) return cfg_fail(c, s, "batch_normalize", "must be 0 or 1");
    if (net_check_size(c, s, "output", "the weights", (double)out * l->inputs) ||
        net_check_size(c, s, "output", "the output", (double)out * l->batch))
        return -1;
    fc->act = act;
    l->out_c = out, l->out_h = 1, l->out_w = 1;

    fc->biases = layer_add_param(l, "biases", PARAM_BIAS, out);
    fc->weights = layer_add_param(l, "weights", PARAM_WEIGHT, (size_t)out * l->inputs);
    if (fc->bn_on) {
        bn_init(&fc->bn, l, fc->biases, out);
        fc->x = falloc((size_t)l->batch * out);
    } else if (act_needs_input(fc->act)) {
        fc->pre = falloc((size_t)l->batch * out);
    }
    if (net->init == INIT_DARKNET) {
        init_uniform(net, fc->weights->val, fc->weights->n, sqrtf(2.0f / l->inputs));
    } else {
        float bound = 1.0f / sqrtf((float)l->inputs);
        init_uniform(net, fc->weights->val, fc->weights->n, bound);
        if (!fc->bn_on) init_uniform(net, fc->biases->val, out, bound);
    }
    return 0;
}

static void connected_forward(struct layer *l, struct network *net)
{
    struct connected_layer *fc = l->priv;
    int B = l->batch, O = l->outputs, I = l->inputs;
    if (fc->bn_on) { /* batch norm and the activation in one pass */
        gemm(0, 1, B, O, I, 1, l->input, I, fc->weights->val, I, 0, fc->x, O);
        bn_forward_act(&fc->bn, fc->x, l->output, B, 1, net->train, net->opt.bn_momentum, fc->act);
        return;
    }
    float *z = fc->pre ? fc->pre : l->output; /* x W^T + b */
    gemm(0, 1, B, O, I, 1, l->input, I, fc->weights->val, I, 0, z, O);
    for (int b = 0; b < B; b++)
        for (int o = 0; o < O; o++) z[(long)b * O + o] += fc->biases->val[o];
    if (fc->pre) activate_keep(fc->pre, l->output, (size_t)B * O, fc->act);
    else activate(l->output, (size_t)B * O, fc->act);
}

static void connected_backward(struct layer *l, struct network *net)
{
    (void)net;
    struct connected_layer *fc = l->priv;
    int B = l->batch, O = l->outputs, I = l->inputs;
    if (fc->bn_on) {
        bn_backward_act(&fc->bn, fc->x, l->output, l->delta, B, 1, fc->act);
    } else {
        if (fc->pre) gradient_from_input(fc->pre, (size_t)B * O, fc->act, l->delta);
        else gradient(l->output, (size_t)B * O, fc->act, l->delta);
        for (int b = 0; b < B; b++)
            for (int o = 0; o < O; o++) fc->biases->grad[o] += l->delta[(long)b * O + o];
    }
    /* dW (O, I) += delta^T (O, B) * x (B, I);  dx (B, I) += delta (B, O) * W (O, I) */
    gemm(1, 0, O, I, B, 1, l->delta, O, l->input, I, 1, fc->weights->grad, I);
    if (l->dinput) gemm(0, 0, B, I, O, 1, l->delta, O, fc->weights->val, I, 1, l->dinput, I);
}

static void connected_free(struct layer *l)
{
    struct connected_layer *fc = l->priv;
    if (!fc) return;
    if (fc->bn_on) bn_free(&fc->bn);
    free(fc->x);
    free(fc->pre);
    free(fc);
}

static double connected_macs(const struct layer *l) { return (double)l->inputs * l->outputs; }

static void connected_describe(const struct layer *l, char *buf, size_t n)
{
    const struct connected_layer *fc = l->priv;
    snprintf(buf, n, "%d%s %s", l->outputs, fc->bn_on ? " bn" : "", act_names[fc->act]);
}

const struct layer_ops connected_ops = {
    .name = "connected",
    .alias = "fc",
    .init = connected_init,
    .forward = connected_forward,
    .backward = connected_backward,
    .free = connected_free,
    .macs = connected_macs,
    .describe = connected_describe,
#ifdef GPU
    .init_gpu = connected_init_gpu,
    .forward_gpu = connected_forward_gpu,
    .backward_gpu = connected_backward_gpu,
    .free_gpu = connected_free_gpu,
#endif
};
