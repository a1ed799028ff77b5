/*
 * scale_channels.c - [scale_channels]: see scale_channels.h for what it
 * computes. cfg keys (Darknet's): from (required), scale_wh (0), activation
 * (linear). The input must be (C, 1, 1) with C = from's channels, or with
 * scale_wh=1 (1, H, W) with from's H, W; the output has from's shape.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../core/network.h"
#include "layer_ref.h"
#include "scale_channels.h"

static int scale_channels_init(struct layer *l, struct cfg *c, struct cfg_section *s, struct network *net)
{
    struct scale_channels_layer *sc = xcalloc(1, sizeof(*sc));
    l->priv = sc;
    int from, act;
    if (cfg_int_req(c, s, "from", &from) || cfg_int(c, s, "scale_wh", 0, &sc->scale_wh) ||
        cfg_enum(c, s, "activation", act_names, ACT_LINEAR, &act))
        return -1;
    sc->act = act;
    if (sc->scale_wh != 0 && sc->scale_wh != 1) return cfg_fail(c, s, "scale_wh", "must be 0 or 1");
    sc->from = layer_ref(c, s, "from", from, l->index);
    if (sc->from < 0) return -1;
    layer_add_ref(l, sc->from);
    const struct layer *f = &net->layers[sc->from];
    if (!sc->scale_wh && (l->w != 1 || l->h != 1 || l->c != f->out_c))
        return cfg_fail(c, s, "from", "needs an input of 1x1x%d (one scale per channel of layer %d), got %dx%dx%d",
                        f->out_c, sc->from, l->w, l->h, l->c);
    if (sc->scale_wh && (l->c != 1 || l->w != f->out_w || l->h != f->out_h))
        return cfg_fail(c, s, "from", "with scale_wh=1 needs an input of %dx%dx1 (one scale per pixel of layer %d), "
                        "got %dx%dx%d", f->out_w, f->out_h, sc->from, l->w, l->h, l->c);
    l->out_c = f->out_c, l->out_h = f->out_h, l->out_w = f->out_w;
    return 0;
}

/* Input index of output element i (of one batch: b*C*S + k*S + s). */
static size_t scale_index(const struct layer *l, const struct scale_channels_layer *sc, size_t i)
{
    size_t S = (size_t)l->out_h * l->out_w, CS = (size_t)l->out_c * S;
    return sc->scale_wh ? i / CS * S + i % S : i / S;
}

static void scale_channels_forward(struct layer *l, struct network *net)
{
    const struct scale_channels_layer *sc = l->priv;
    const float *f = net->layers[sc->from].output;
    size_t n = (size_t)l->batch * l->outputs;
    for (size_t i = 0; i < n; i++) l->output[i] = act_value(l->input[scale_index(l, sc, i)] * f[i], sc->act);
}

static void scale_channels_backward(struct layer *l, struct network *net)
{
    const struct scale_channels_layer *sc = l->priv;
    struct layer *fl = &net->layers[sc->from];
    size_t n = (size_t)l->batch * l->outputs;
    if (act_needs_input(sc->act)) /* swish, mish: from the pre-activation, recomputed as forward did */
        for (size_t i = 0; i < n; i++)
            l->delta[i] *= act_grad(l->input[scale_index(l, sc, i)] * fl->output[i], sc->act);
    else
        gradient(l->output, n, sc->act, l->delta);
    for (size_t i = 0; i < n; i++) {
        size_t j = scale_index(l, sc, i);
        if (l->dinput) l->dinput[j] += l->delta[i] * fl->output[i];
        fl->delta[i] += l->input[j] * l->delta[i];
    }
}

static void scale_channels_free(struct layer *l)
{
    free(l->priv);
    l->priv = NULL;
}

static void scale_channels_describe(const struct layer *l, char *buf, size_t n)
{
    const struct scale_channels_layer *sc = l->priv;
    snprintf(buf, n, "x layer %d%s %s", sc->from, sc->scale_wh ? " wh" : "", act_names[sc->act]);
}

const struct layer_ops scale_channels_ops = {
    .name = "scale_channels",
    .init = scale_channels_init,
    .forward = scale_channels_forward,
    .backward = scale_channels_backward,
    .free = scale_channels_free,
    .describe = scale_channels_describe,
#ifdef GPU
    .forward_gpu = scale_channels_forward_gpu,
    .backward_gpu = scale_channels_backward_gpu,
#endif
};
