/*
 * bridge.c - [bridge]: ResNet's bridge connection (projection shortcut),
 * optionally with Res-SE-Net's squeeze-and-excitation on it.
 *
 *     branch = SE(BN(conv1x1_stride(from)))      se=1, se_position=after
 *     branch = BN(conv1x1_stride(SE(from)))      se=1, se_position=before
 *     branch = BN(conv1x1_stride(from))          se=0
 *     out    = act(prev + branch)
 *
 * `from` is the block input; `prev` is the previous layer (the residual
 * branch's last layer). The 1x1 convolution has no bias and produces as many
 * channels as prev has.
 *
 * cfg keys: from (required), stride (default: from's size / prev's size),
 * se (0), reduction (16), se_position (after|before), activation (linear).
 *
 * .weights order (a convolutional layer with batch norm, then SE):
 * biases[C] (BN beta), scales[C], rolling_mean[C], rolling_variance[C],
 * weights[C*Cin], then with se=1: b1, W1, b2, W2 (see se.h).
 *
 * With swish or mish (act_needs_input) prev + branch is kept in `pre` for
 * backward.
 *
 * Equivalent to [route] layers=<from>, [convolutional] size=1 stride=s
 * batch_normalize=1 activation=linear, [se], [shortcut] from=<prev>
 * (tests/test_bridge.c checks this on outputs and gradients).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/network.h"
#include "bridge.h"
#include "layer_ref.h"

static const char *const se_positions[] = {"after", "before", NULL}; /* enum bridge_se_position */

static int bridge_init(struct layer *l, struct cfg *c, struct cfg_section *s, struct network *net)
{
    struct bridge_layer *br = xcalloc(1, sizeof(*br));
    l->priv = br;
    int from, stride, reduction, act, se_pos;
    if (cfg_int_req(c, s, "from", &from) || cfg_int(c, s, "stride", 0, &stride) ||
        cfg_int(c, s, "se", 0, &br->se_on) || cfg_int(c, s, "reduction", 16, &reduction) ||
        cfg_enum(c, s, "se_position", se_positions, BRIDGE_SE_AFTER, &se_pos) ||
        cfg_enum(c, s, "activation", act_names, ACT_LINEAR, &act))
        return -1;
    br->act = act, br->se_pos = se_pos;
    br->from = layer_ref(c, s, "from", from, l->index);
    if (br->from < 0) return -1;
    layer_add_ref(l, br->from);
    if (br->se_on != 0 && br->se_on != 1) return cfg_fail(c, s, "se", "must be 0 or 1");
    if (reduction < 1) return cfg_fail(c, s, "reduction", "must be at least 1");
    const struct layer *f = &net->layers[br->from];
    if (stride == 0) {
        if (f->out_w % l->w || f->out_h % l->h || f->out_w / l->w != f->out_h / l->h)
            return cfg_fail(c, s, "from", "layer %d's %dx%d output does not reduce to %dx%d by an integer stride",
                            br->from, f->out_w, f->out_h, l->w, l->h);
        stride = f->out_w / l->w;
    }
    if (stride < 1) return cfg_fail(c, s, "stride", "must be at least 1");
    conv_geom_set(&br->g, l->batch, f->out_c, f->out_h, f->out_w, l->c, 1, stride, 0, 1);
    if (br->g.OH != l->h || br->g.OW != l->w)
        return cfg_fail(c, s, "stride", "maps layer %d's %dx%d to %dx%d, but the previous layer is %dx%d",
                        br->from, f->out_w, f->out_h, br->g.OW, br->g.OH, l->w, l->h);
    if (net_check_size(c, s, "from", "the weights", (double)l->c * f->out_c)) return -1;
    l->out_c = l->c, l->out_h = l->h, l->out_w = l->w;
    l->workspace = conv2d_workspace(&br->g);

    size_t n = (size_t)l->batch * l->inputs;
    br->biases = layer_add_param(l, "biases", PARAM_BIAS, l->c);
    bn_init(&br->bn, l, br->biases, l->c);
    br->weights = layer_add_param(l, "weights", PARAM_WEIGHT, (size_t)l->c * f->out_c);
    float std = net->init == INIT_FAN_OUT ? sqrtf(2.0f / l->c) : sqrtf(2.0f / f->out_c);
    init_normal(net, br->weights->val, br->weights->n, std);
    br->convout = falloc(n);
    br->bnout = falloc(n);
    br->dbn = falloc(n);
    if (act_needs_input(br->act)) br->pre = falloc(n);
    if (br->se_on && br->se_pos == BRIDGE_SE_AFTER) {
        se_init(&br->se, l, net, l->batch, l->c, l->h * l->w, reduction);
        br->branch = falloc(n);
    } else if (br->se_on) {
        size_t nin = (size_t)l->batch * f->outputs;
        se_init(&br->se, l, net, l->batch, f->out_c, f->out_h * f->out_w, reduction);
        br->xs = falloc(nin);
        br->dxs = falloc(nin);
    }
    return 0;
}

static void bridge_forward(struct layer *l, struct network *net)
{
    struct bridge_layer *br = l->priv;
    const struct layer *f = &net->layers[br->from];
    const float *x = f->output;
    if (br->se_on && br->se_pos == BRIDGE_SE_BEFORE) {
        se_forward(&br->se, x, br->xs);
        x = br->xs;
    }
    int se_after = br->se_on && br->se_pos == BRIDGE_SE_AFTER, bn_done = 0;
    if (!net->train) {
        /* inference: batch norm in the convolution's store and, without an
         * SE after it, the sum and the activation too: one pass instead of
         * three (the same float expressions, so the same output bit for
         * bit), where the shape allows */
        struct conv_epilogue e = {br->bn.mean->val, bn_running_inv(&br->bn), br->bn.gamma->val, br->bn.beta->val,
                                  se_after ? ACT_LINEAR : br->act, se_after ? NULL : l->input};
        bn_done = conv2d_forward_epi(&br->g, x, br->weights->val, se_after ? br->bnout : l->output, net->workspace,
                                     &e) == 0;
        if (bn_done && !se_after) return;
    }
    if (!bn_done) {
        conv2d_forward(&br->g, x, br->weights->val, br->convout, net->workspace);
        bn_forward_act(&br->bn, br->convout, br->bnout, l->batch, l->h * l->w, net->train, net->opt.bn_momentum,
                       ACT_LINEAR);
    }
    const float *branch = br->bnout;
    if (se_after) {
        se_forward(&br->se, br->bnout, br->branch);
        branch = br->branch;
    }
    size_t n = (size_t)l->batch * l->outputs;
    const float *a = l->input;
    float *o = l->output, *pre = br->pre;
    enum dn_act act = br->act;
    if (pre) {
#pragma omp parallel for schedule(static) if (n >= (1 << 16))
        for (size_t i = 0; i < n; i++) {
            pre[i] = a[i] + branch[i];
            o[i] = act_value(pre[i], act);
        }
        return;
    }
    if (act == ACT_RELU) { /* a constant activation, so the loop vectorises */
#pragma omp parallel for schedule(static) if (n >= (1 << 16))
        for (size_t i = 0; i < n; i++) o[i] = act_value(a[i] + branch[i], ACT_RELU);
        return;
    }
#pragma omp parallel for schedule(static) if (n >= (1 << 16))
    for (size_t i = 0; i < n; i++) o[i] = act_value(a[i] + branch[i], act);
}

static void bridge_backward(struct layer *l, struct network *net)
{
    struct bridge_layer *br = l->priv;
    struct layer *f = &net->layers[br->from];
    size_t n = (size_t)l->batch * l->outputs;
    if (br->pre) gradient_from_input(br->pre, n, br->act, l->delta);
    else gradient(l->output, n, br->act, l->delta);
    if (l->dinput) {
        float *dx = l->dinput;
        const float *d = l->delta;
#pragma omp parallel for schedule(static) if (n >= (1 << 16))
        for (size_t i = 0; i < n; i++) dx[i] += d[i];
    }
    if (br->se_on && br->se_pos == BRIDGE_SE_AFTER) {
        memset(br->dbn, 0, n * sizeof(float));
        se_backward(&br->se, br->bnout, l->delta, br->dbn);
    } else {
        memcpy(br->dbn, l->delta, n * sizeof(float));
    }
    bn_backward_act(&br->bn, br->convout, br->bnout, br->dbn, l->batch, l->h * l->w, ACT_LINEAR);
    if (br->se_on && br->se_pos == BRIDGE_SE_BEFORE) {
        memset(br->dxs, 0, sizeof(float) * l->batch * f->outputs);
        conv2d_backward(&br->g, br->xs, br->weights->val, br->dbn, br->weights->grad, br->dxs,
                        net->workspace);
        se_backward(&br->se, f->output, br->dxs, f->delta);
    } else {
        conv2d_backward(&br->g, f->output, br->weights->val, br->dbn, br->weights->grad, f->delta,
                        net->workspace);
    }
}

static void bridge_free(struct layer *l)
{
    struct bridge_layer *br = l->priv;
    if (!br) return;
    if (br->bn.inv_std) bn_free(&br->bn);
    if (br->se.z) se_free(&br->se);
    free(br->xs), free(br->dxs), free(br->convout), free(br->bnout), free(br->branch), free(br->dbn);
    free(br->pre);
    free(br);
}

static double bridge_macs(const struct layer *l)
{
    const struct bridge_layer *br = l->priv;
    double m = (double)br->g.C * br->g.F * br->g.OH * br->g.OW;
    return br->se_on ? m + se_macs(&br->se) : m;
}

static void bridge_describe(const struct layer *l, char *buf, size_t n)
{
    const struct bridge_layer *br = l->priv;
    snprintf(buf, n, "from %d 1x1/%d%s %s", br->from, br->g.s,
             br->se_on ? (br->se_pos == BRIDGE_SE_AFTER ? " se" : " se-before") : "", act_names[br->act]);
}

const struct layer_ops bridge_ops = {
    .name = "bridge",
    .init = bridge_init,
    .forward = bridge_forward,
    .backward = bridge_backward,
    .free = bridge_free,
    .macs = bridge_macs,
    .describe = bridge_describe,
#ifdef GPU
    .init_gpu = bridge_init_gpu,
    .forward_gpu = bridge_forward_gpu,
    .backward_gpu = bridge_backward_gpu,
    .free_gpu = bridge_free_gpu,
#endif
};
