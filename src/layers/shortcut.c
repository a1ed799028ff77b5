/*
 * shortcut.c - [shortcut]: adds the output of an earlier layer to the
 * previous layer's output, then applies `activation` (default linear).
 *
 * cfg keys: from (required; negative = relative), activation.
 *
 * Same shapes: out = act(prev + from). Different shapes follow pjreddie's
 * Darknet: the output has the previous layer's shape; if `from` is larger by
 * an integer factor r in both w and h, its every r-th pixel (top-left of each
 * r x r cell, no averaging) is added; if it is smaller by a factor r it is
 * added only at every r-th output pixel; only the first min(C_prev, C_from)
 * channels are added (the rest pass through unchanged, i.e. the shortcut is
 * zero-padded). Shapes whose ratio is not an integer, or differs between w
 * and h, are a cfg error. For a learned 1x1 projection use [bridge].
 *
 * With swish or mish (act_needs_input) the sum before the activation is kept
 * in `pre` for backward.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../backend/cpu/simd.h"
#include "../core/activations.h"
#include "../core/network.h"
#include "shortcut.h"
#include "layer_ref.h"

static int shortcut_init(struct layer *l, struct cfg *c, struct cfg_section *s, struct network *net)
{
    struct shortcut_layer *sc = xcalloc(1, sizeof(*sc));
    l->priv = sc;
    int from, act;
    if (cfg_int_req(c, s, "from", &from) || cfg_enum(c, s, "activation", act_names, ACT_LINEAR, &act))
        return -1;
    sc->from = layer_ref(c, s, "from", from, l->index);
    if (sc->from < 0) return -1;
    layer_add_ref(l, sc->from);
    sc->act = act;
    const struct layer *f = &net->layers[sc->from];
    l->out_c = l->c, l->out_h = l->h, l->out_w = l->w;
    int fw = f->out_w, fh = f->out_h;
    if (fw >= l->w) {
        if (fw % l->w || fh % l->h || fw / l->w != fh / l->h)
            return cfg_fail(c, s, "from", "layer %d's %dx%dx%d output cannot be added to %dx%dx%d",
                            sc->from, fw, fh, f->out_c, l->w, l->h, l->c);
        sc->stride = fw / l->w, sc->sample = 1;
    } else {
        if (l->w % fw || l->h % fh || l->w / fw != l->h / fh)
            return cfg_fail(c, s, "from", "layer %d's %dx%dx%d output cannot be added to %dx%dx%d",
                            sc->from, fw, fh, f->out_c, l->w, l->h, l->c);
        sc->stride = 1, sc->sample = l->w / fw;
    }
    sc->minc = f->out_c < l->c ? f->out_c : l->c;
    sc->minh = fh < l->h ? fh : l->h;
    sc->minw = fw < l->w ? fw : l->w;
    if (act_needs_input(sc->act)) sc->pre = falloc((size_t)l->batch * l->inputs); /* the output has the input's shape */
    return 0;
}

/* Apply fn to every (output index, from index) pair of sample b. */
#define SHORTCUT_FOR_EACH(sc, l, f, b, OUT_I, FROM_I, BODY)                                        \
    for (int k = 0; k < (sc)->minc; k++)                                                           \
        for (int j = 0; j < (sc)->minh; j++)                                                       \
            for (int i = 0; i < (sc)->minw; i++) {                                                 \
                long OUT_I = (((long)(b) * (l)->c + k) * (l)->h + j * (sc)->sample) * (l)->w +     \
                             i * (sc)->sample;                                                     \
                long FROM_I = (((long)(b) * (f)->out_c + k) * (f)->out_h + j * (sc)->stride) *     \
                                  (f)->out_w + i * (sc)->stride;                                   \
                BODY;                                                                              \
            }

/* The CPU plans (net_share_deltas, net_plan_inference): a same-shape
 * shortcut of an earlier layer than the previous one goes into the previous
 * layer's store when that layer takes it; not with swish or mish, whose
 * backward needs the sum that this layer would keep in pre. */
static int shortcut_fold(struct layer *l, struct network *net)
{
    struct shortcut_layer *sc = l->priv;
    const struct layer *f = &net->layers[sc->from];
    struct layer *prev = &net->layers[l->index - 1];
    if (f->outputs != l->outputs || f->out_c != l->c || sc->from == l->index - 1 || sc->pre ||
        !prev->ops->take_residual || prev->ops->take_residual(prev, sc->from, sc->act))
        return 0;
    sc->folded = 1;
    return 1;
}

static void shortcut_forward(struct layer *l, struct network *net)
{
    struct shortcut_layer *sc = l->priv;
    const struct layer *f = &net->layers[sc->from];
    size_t n = (size_t)l->batch * l->outputs;
    if (sc->folded) return; /* the previous layer wrote act(prev + from) into l->output */
    if (f->outputs == l->outputs && f->out_c == l->c) {
        /* one pass: out = act(prev + from), split between threads */
        const float *a = l->input, *b = f->output;
        float *o = l->output, *pre = sc->pre;
        if (sc->act == ACT_RELU) {
#pragma omp parallel for schedule(static) if (n >= (1 << 16))
            for (size_t i = 0; i < n; i++) o[i] = act_value(a[i] + b[i], ACT_RELU);
        } else if (pre) {
            enum dn_act act = sc->act;
#pragma omp parallel for schedule(static) if (n >= (1 << 16))
            for (size_t i = 0; i < n; i++) {
                pre[i] = a[i] + b[i];
                o[i] = act_value(pre[i], act);
            }
        } else {
            enum dn_act act = sc->act;
#pragma omp parallel for schedule(static) if (n >= (1 << 16))
            for (size_t i = 0; i < n; i++) o[i] = act_value(a[i] + b[i], act);
        }
        return;
    }
    float *z = sc->pre ? sc->pre : l->output; /* prev + from */
    memcpy(z, l->input, n * sizeof(float));
    for (int b = 0; b < l->batch; b++)
        SHORTCUT_FOR_EACH(sc, l, f, b, o, q, z[o] += f->output[q]);
    if (sc->pre) activate_keep(sc->pre, l->output, n, sc->act);
    else activate(l->output, n, sc->act);
}

/* d = delta * f'(y) (f'(pre) when pre is not NULL); delta = d; dx += d;
 * df += d, for n elements of three distinct buffers (relu: 8 at a time; GCC
 * does not vectorise the plain loop) */
static void shortcut_delta(float *restrict d, float *restrict dx, float *restrict df, const float *restrict y,
                           const float *restrict pre, size_t n, enum dn_act act)
{
    size_t i = 0;
    if (act == ACT_RELU) {
        const vf one = {1, 1, 1, 1, 1, 1, 1, 1}, zero = {0};
        for (; i + 8 <= n; i += 8) {
            vf m = (vf)((vi)(vld(y + i) > zero) & (vi)one); /* act_slope(y, ACT_RELU) */
            vf v = vld(d + i) * m;
            vst(d + i, v);
            vst(dx + i, vld(dx + i) + v);
            vst(df + i, vld(df + i) + v);
        }
    }
    for (; i < n; i++) {
        float v = d[i] * (pre ? act_grad(pre[i], act) : act_slope(y[i], act));
        d[i] = v;
        dx[i] += v;
        df[i] += v;
    }
}

static void shortcut_backward(struct layer *l, struct network *net)
{
    struct shortcut_layer *sc = l->priv;
    struct layer *f = &net->layers[sc->from];
    size_t n = (size_t)l->batch * l->outputs;
    if (f->outputs == l->outputs && f->out_c == l->c && l->dinput && l->dinput != f->delta) {
        /* one pass, split between threads (chunk functions, as restrict does
         * not survive OpenMP's outlining) */
        size_t step = 1 << 14;
#pragma omp parallel for schedule(static) if (n >= 4 * step)
        for (size_t i = 0; i < n; i += step)
            shortcut_delta(l->delta + i, l->dinput + i, f->delta + i, l->output + i, sc->pre ? sc->pre + i : NULL,
                           n - i < step ? n - i : step, sc->act);
        return;
    }
    if (sc->pre) gradient_from_input(sc->pre, n, sc->act, l->delta);
    else gradient(l->output, n, sc->act, l->delta);
    if (l->dinput)
        for (size_t i = 0; i < n; i++) l->dinput[i] += l->delta[i];
    if (f->outputs == l->outputs && f->out_c == l->c) {
        for (size_t i = 0; i < n; i++) f->delta[i] += l->delta[i];
    } else {
        for (int b = 0; b < l->batch; b++)
            SHORTCUT_FOR_EACH(sc, l, f, b, o, q, f->delta[q] += l->delta[o]);
    }
}

static void shortcut_describe(const struct layer *l, char *buf, size_t n)
{
    const struct shortcut_layer *sc = l->priv;
    snprintf(buf, n, "from %d %s", sc->from, act_names[sc->act]);
}

static void shortcut_free(struct layer *l)
{
    struct shortcut_layer *sc = l->priv;
    if (sc) free(sc->pre);
    free(sc);
}

const struct layer_ops shortcut_ops = {
    .name = "shortcut",
    .alias = NULL,
    .init = shortcut_init,
    .forward = shortcut_forward,
    .backward = shortcut_backward,
    .free = shortcut_free,
    .describe = shortcut_describe,
    .fold = shortcut_fold,
#ifdef GPU
    .init_gpu = shortcut_init_gpu,
    .forward_gpu = shortcut_forward_gpu,
    .backward_gpu = shortcut_backward_gpu,
    .free_gpu = shortcut_free_gpu,
#endif
};
