/*
 * convolutional.c - [convolutional]: convolution, optional batch norm,
 * activation.
 *
 * cfg keys: filters (required), size (default 1), stride (1), pad (0; pad=1
 * means size/2 zero padding as in Darknet) or padding (explicit pixels),
 * batch_normalize (0), activation (logistic, Darknet's default), groups (1:
 * G > 1 splits the input channels and the filters into G slices, filter
 * slice j seeing only channel slice j, as upstream Darknet and PyTorch; G
 * must divide both; G = channels = filters is a depthwise convolution).
 *
 * .weights order: biases[F] (the BN beta when batch_normalize=1; there is no
 * separate conv bias then), and with batch_normalize scales[F],
 * rolling_mean[F], rolling_variance[F]; then weights[F*(C/G)*k*k] (filter,
 * then its C/G input channels, then kh, kw: upstream's layout).
 *
 * The convolution itself is the conv2d op (src/ops/conv2d.h), which picks
 * the fastest CPU path that takes the shape (Winograd, direct kernels,
 * depthwise loops, or im2col + GEMM). At inference with batch norm, the
 * direct kernels apply batch norm and the activation in their store.
 *
 * swish and mish (act_needs_input): backward needs the pre-activation.
 * With batch norm the BN op recomputes it from x; without, the layer keeps
 * conv + bias in its own buffer `pre`.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "../core/network.h"
#include "convolutional.h"

static int conv_init(struct layer *l, struct cfg *c, struct cfg_section *s, struct network *net)
{
    struct convolutional_layer *cv = xcalloc(1, sizeof(*cv));
    l->priv = cv;
    int filters, size, stride, pad, padding, groups, act;
    if (cfg_int_req(c, s, "filters", &filters) || cfg_int(c, s, "size", 1, &size) ||
        cfg_int(c, s, "stride", 1, &stride) || cfg_int(c, s, "pad", 0, &pad) ||
        cfg_int(c, s, "padding", -1, &padding) || cfg_int(c, s, "groups", 1, &groups) ||
        cfg_int(c, s, "batch_normalize", 0, &cv->bn_on) ||
        cfg_enum(c, s, "activation", act_names, ACT_LOGISTIC, &act))
        return -1;
    if (filters < 1) return cfg_fail(c, s, "filters", "must be at least 1");
    if (size < 1) return cfg_fail(c, s, "size", "must be at least 1");
    if (stride < 1) return cfg_fail(c, s, "stride", "must be at least 1");
    if (pad != 0 && pad != 1) return cfg_fail(c, s, "pad", "must be 0 or 1");
    if (cv->bn_on != 0 && cv->bn_on != 1) return cfg_fail(c, s, "batch_normalize", "must be 0 or 1");
    if (groups < 1) return cfg_fail(c, s, "groups", "must be at least 1");
    if (l->c % groups) return cfg_fail(c, s, "groups", "must divide the %d input channels", l->c);
    if (filters % groups) return cfg_fail(c, s, "groups", "must divide filters=%d", filters);
    if (padding < 0) padding = pad ? size / 2 : 0;
    if (padding > size) return cfg_fail(c, s, "padding", "must not exceed size=%d", size);
    if ((double)l->h + 2.0 * padding < size || (double)l->w + 2.0 * padding < size)
        return cfg_fail(c, s, "size", "kernel larger than the %dx%d input plus padding", l->w, l->h);
    double oh = floor(((double)l->h + 2.0 * padding - size) / stride) + 1;
    double ow = floor(((double)l->w + 2.0 * padding - size) / stride) + 1;
    if (net_check_size(c, s, "filters", "the output", (double)l->batch * filters * oh * ow) ||
        net_check_size(c, s, "filters", "the weights", (double)filters * (l->c / groups) * size * size))
        return -1;
    cv->act = act;
    conv_geom_set(&cv->g, l->batch, l->c, l->h, l->w, filters, size, stride, padding, groups);
    l->out_c = filters, l->out_h = cv->g.OH, l->out_w = cv->g.OW;
    l->workspace = conv2d_workspace(&cv->g);

    cv->biases = layer_add_param(l, "biases", PARAM_BIAS, filters);
    if (cv->bn_on) {
        bn_init(&cv->bn, l, cv->biases, filters);
        cv->x = falloc((size_t)l->batch * filters * cv->g.OH * cv->g.OW);
    } else if (act_needs_input(cv->act)) {
        cv->pre = falloc((size_t)l->batch * filters * cv->g.OH * cv->g.OW);
    }
    size_t nw = (size_t)filters * (l->c / groups) * size * size;
    cv->weights = layer_add_param(l, "weights", PARAM_WEIGHT, nw);
    /* the fans of the (F, C/G, k, k) weights, as PyTorch counts them */
    float fan_in = (float)(l->c / groups) * size * size, fan_out = (float)filters * size * size;
    if (net->init == INIT_FAN_OUT) init_normal(net, cv->weights->val, nw, sqrtf(2.0f / fan_out));
    else init_normal(net, cv->weights->val, nw, sqrtf(2.0f / fan_in));
    if (!cv->bn_on && net->init != INIT_DARKNET)
        init_uniform(net, cv->biases->val, filters, 1.0f / sqrtf(fan_in));
    return 0;
}

static void conv_forward(struct layer *l, struct network *net)
{
    struct convolutional_layer *cv = l->priv;
    int S = l->out_h * l->out_w;
    /* a folded [shortcut] (take_residual): write its output, act(batch norm
     * + its from-output), instead of this layer's, which nothing else reads */
    float *out = cv->res_on ? net->layers[l->index + 1].output : l->output;
    const float *res = cv->res_on ? net->layers[cv->res_from].output : NULL;
    enum dn_act act = cv->res_on ? cv->res_act : cv->act;
    if (cv->bn_on && !net->train) {
        /* inference: batch norm, the residual and the activation applied in
         * the convolution's store (the same float expressions as
         * bn_forward_act_res), where the shape allows */
        struct conv_epilogue e = {cv->bn.mean->val, bn_running_inv(&cv->bn), cv->bn.gamma->val, cv->bn.beta->val,
                                  act, res};
        if (conv2d_forward_epi(&cv->g, l->input, cv->weights->val, out, net->workspace, &e) == 0) return;
    }
    if (cv->bn_on) {
        conv2d_forward(&cv->g, l->input, cv->weights->val, cv->x, net->workspace);
        bn_forward_act_res(&cv->bn, cv->x, out, res, l->batch, S, net->train, net->opt.bn_momentum, act);
        return;
    }
    float *z = cv->pre ? cv->pre : l->output; /* conv + bias */
    conv2d_forward(&cv->g, l->input, cv->weights->val, z, net->workspace);
    for (int b = 0; b < l->batch; b++)
        for (int f = 0; f < l->out_c; f++) {
            float *o = z + ((long)b * l->out_c + f) * S, bias = cv->biases->val[f];
            for (int i = 0; i < S; i++) o[i] += bias;
        }
    if (cv->pre) activate_keep(cv->pre, l->output, (size_t)l->batch * l->outputs, cv->act);
    else activate(l->output, (size_t)l->batch * l->outputs, cv->act);
}

static void conv_backward(struct layer *l, struct network *net)
{
    struct convolutional_layer *cv = l->priv;
    int S = l->out_h * l->out_w;
    if (cv->bn_on) {
        bn_backward_act(&cv->bn, cv->x, l->output, l->delta, l->batch, S, cv->act);
    } else {
        if (cv->pre) gradient_from_input(cv->pre, (size_t)l->batch * l->outputs, cv->act, l->delta);
        else gradient(l->output, (size_t)l->batch * l->outputs, cv->act, l->delta);
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

/* layer_ops.take_residual: with batch norm and a linear activation, the
 * forward writes the next layer's output, act(batch norm + `from`'s output)
 * (a folded [shortcut]; its backward is unchanged: this layer's own backward
 * never reads its output with a linear activation). */
static int conv_take_residual(struct layer *l, int from, int act)
{
    struct convolutional_layer *cv = l->priv;
    if (!cv->bn_on || cv->act != ACT_LINEAR) return -1;
    cv->res_on = 1, cv->res_from = from, cv->res_act = act;
    return 0;
}

static void conv_free(struct layer *l)
{
    struct convolutional_layer *cv = l->priv;
    if (!cv) return;
    if (cv->bn_on) bn_free(&cv->bn);
    free(cv->x);
    free(cv->pre);
    free(cv);
}

static double conv_macs(const struct layer *l)
{
    const struct convolutional_layer *cv = l->priv;
    return (double)cv->g.F * (cv->g.C / cv->g.G) * cv->g.k * cv->g.k * cv->g.OH * cv->g.OW;
}

static void conv_describe(const struct layer *l, char *buf, size_t n)
{
    const struct convolutional_layer *cv = l->priv;
    char groups[16] = ""; /* filters/groups, as upstream prints them */
    if (cv->g.G > 1) snprintf(groups, sizeof(groups), "/%d", cv->g.G);
    snprintf(buf, n, "%d%s %dx%d/%d%s %s", cv->g.F, groups, cv->g.k, cv->g.k, cv->g.s, cv->bn_on ? " bn" : "",
             act_names[cv->act]);
}

const struct layer_ops convolutional_ops = {
    .name = "convolutional",
    .alias = "conv",
    .init = conv_init,
    .forward = conv_forward,
    .backward = conv_backward,
    .free = conv_free,
    .macs = conv_macs,
    .describe = conv_describe,
    .take_residual = conv_take_residual,
#ifdef GPU
    .init_gpu = convolutional_init_gpu,
    .forward_gpu = convolutional_forward_gpu,
    .backward_gpu = convolutional_backward_gpu,
    .free_gpu = convolutional_free_gpu,
#endif
};
