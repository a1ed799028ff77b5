/*
 * crop.c - [crop]: see crop.h for what it computes.
 *
 * cfg keys (Darknet's): crop_height, crop_width (default 1, at most the
 * input's), flip (0), noadjust (0), shift (0). angle, saturation and
 * exposure are accepted at their no-op values (0, 1, 1); other values are
 * refused (Darknet applies them only in its GPU build).
 * Layout: input (B, c, h, w) -> output (B, c, crop_height, crop_width).
 */
#include <stdio.h>
#include <stdlib.h>

#include "../core/network.h"
#include "crop.h"

static int crop_init(struct layer *l, struct cfg *c, struct cfg_section *s, struct network *net)
{
    (void)net;
    struct crop_layer *cr = xcalloc(1, sizeof(*cr));
    l->priv = cr;
    int ch, cw, noadjust;
    float angle, saturation, exposure;
    if (cfg_int(c, s, "crop_height", 1, &ch) || cfg_int(c, s, "crop_width", 1, &cw) ||
        cfg_int(c, s, "flip", 0, &cr->flip) || cfg_int(c, s, "noadjust", 0, &noadjust) ||
        cfg_float(c, s, "shift", 0, &cr->shift) || cfg_float(c, s, "angle", 0, &angle) ||
        cfg_float(c, s, "saturation", 1, &saturation) || cfg_float(c, s, "exposure", 1, &exposure))
        return -1;
    if (ch < 1 || ch > l->h) return cfg_fail(c, s, "crop_height", "must be between 1 and the input's %d", l->h);
    if (cw < 1 || cw > l->w) return cfg_fail(c, s, "crop_width", "must be between 1 and the input's %d", l->w);
    if (cr->flip != 0 && cr->flip != 1) return cfg_fail(c, s, "flip", "must be 0 or 1");
    if (noadjust != 0 && noadjust != 1) return cfg_fail(c, s, "noadjust", "must be 0 or 1");
    if (cr->shift < 0) return cfg_fail(c, s, "shift", "must not be negative");
    if (angle != 0) return cfg_fail(c, s, "angle", "not supported here (rotation in [crop]; use [net] angle)");
    if (saturation != 1)
        return cfg_fail(c, s, "saturation", "not supported here (colour jitter in [crop]; use [net] saturation)");
    if (exposure != 1)
        return cfg_fail(c, s, "exposure", "not supported here (colour jitter in [crop]; use [net] exposure)");
    cr->scale = noadjust ? 1.0f : 2.0f;
    cr->trans = noadjust ? 0.0f : -1.0f;
    l->out_c = l->c, l->out_h = ch, l->out_w = cw;
    cr->plan = xcalloc((size_t)l->batch * 3, sizeof(int));
    cr->shifts = falloc((size_t)l->batch * l->c);
    return 0;
}

void crop_draw(struct layer *l, struct network *net)
{
    struct crop_layer *cr = l->priv;
    for (int b = 0; b < l->batch; b++) {
        int *p = cr->plan + 3 * b;
        float *sh = cr->shifts + (size_t)b * l->c;
        if (!net->train) {
            p[0] = (l->h - l->out_h) / 2, p[1] = (l->w - l->out_w) / 2, p[2] = 0;
            for (int k = 0; k < l->c; k++) sh[k] = 0;
            continue;
        }
        p[0] = (int)rng_below(&net->rng, (uint32_t)(l->h - l->out_h + 1));
        p[1] = (int)rng_below(&net->rng, (uint32_t)(l->w - l->out_w + 1));
        p[2] = cr->flip ? (int)(rng_u32(&net->rng) >> 31) : 0;
        for (int k = 0; k < l->c; k++) sh[k] = cr->shift > 0 ? (rng_uniform(&net->rng, 0, 1) - 0.5f) * cr->shift : 0;
    }
}

/* Input index of output pixel (b, k, i, j) under plan p (mirrored columns
 * count from the right: Darknet's w - dx - j - 1). */
static size_t crop_src(const struct layer *l, const int *p, int b, int k, int i, int j)
{
    int col = p[2] ? l->w - 1 - p[1] - j : p[1] + j;
    return (((size_t)b * l->c + k) * l->h + p[0] + i) * l->w + col;
}

static void crop_forward(struct layer *l, struct network *net)
{
    struct crop_layer *cr = l->priv;
    crop_draw(l, net);
    for (int b = 0; b < l->batch; b++)
        for (int k = 0; k < l->c; k++)
            for (int i = 0; i < l->out_h; i++)
                for (int j = 0; j < l->out_w; j++) {
                    float v = l->input[crop_src(l, cr->plan + 3 * b, b, k, i, j)];
                    l->output[(((size_t)b * l->c + k) * l->out_h + i) * l->out_w + j] =
                        v * cr->scale + cr->trans + cr->shifts[(size_t)b * l->c + k];
                }
}

static void crop_backward(struct layer *l, struct network *net)
{
    (void)net;
    struct crop_layer *cr = l->priv;
    if (!l->dinput) return;
    for (int b = 0; b < l->batch; b++)
        for (int k = 0; k < l->c; k++)
            for (int i = 0; i < l->out_h; i++)
                for (int j = 0; j < l->out_w; j++)
                    l->dinput[crop_src(l, cr->plan + 3 * b, b, k, i, j)] +=
                        cr->scale * l->delta[(((size_t)b * l->c + k) * l->out_h + i) * l->out_w + j];
}

static void crop_free(struct layer *l)
{
    struct crop_layer *cr = l->priv;
    if (cr) free(cr->plan), free(cr->shifts);
    free(cr);
    l->priv = NULL;
}

static void crop_describe(const struct layer *l, char *buf, size_t n)
{
    const struct crop_layer *cr = l->priv;
    snprintf(buf, n, "%dx%d%s%s", l->out_w, l->out_h, cr->flip ? " flip" : "", cr->scale == 1 ? "" : " to -1..1");
}

const struct layer_ops crop_ops = {
    .name = "crop",
    .init = crop_init,
    .forward = crop_forward,
    .backward = crop_backward,
    .free = crop_free,
    .describe = crop_describe,
#ifdef GPU
    .init_gpu = crop_init_gpu,
    .forward_gpu = crop_forward_gpu,
    .backward_gpu = crop_backward_gpu,
    .free_gpu = crop_free_gpu,
#endif
};
