/*
 * route.c - [route]: concatenates the outputs of earlier layers along the
 * channel axis (one layer = a copy). cfg key: layers (required, a comma list;
 * negative = relative). All listed layers must have the same width and
 * height. Backward accumulates each slice of delta into its source's delta.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/network.h"
#include "route.h"
#include "layer_ref.h"

static int route_init(struct layer *l, struct cfg *c, struct cfg_section *s, struct network *net)
{
    struct route_layer *r = xcalloc(1, sizeof(*r));
    l->priv = r;
    int vals[ROUTE_MAX];
    if (!cfg_find(s, "layers")) return cfg_fail(c, s, "layers", "missing required key");
    if (cfg_ints(c, s, "layers", vals, ROUTE_MAX, &r->n)) return -1;
    l->out_c = 0;
    for (int i = 0; i < r->n; i++) {
        r->src[i] = layer_ref(c, s, "layers", vals[i], l->index);
        if (r->src[i] < 0) return -1;
        layer_add_ref(l, r->src[i]);
        const struct layer *f = &net->layers[r->src[i]];
        if (i == 0) l->out_w = f->out_w, l->out_h = f->out_h;
        else if (f->out_w != l->out_w || f->out_h != l->out_h)
            return cfg_fail(c, s, "layers", "layer %d is %dx%d but layer %d is %dx%d", r->src[0],
                            l->out_w, l->out_h, r->src[i], f->out_w, f->out_h);
        l->out_c += f->out_c;
    }
    return 0;
}

static void route_forward(struct layer *l, struct network *net)
{
    struct route_layer *r = l->priv;
    for (int b = 0; b < l->batch; b++) {
        long off = (long)b * l->outputs;
        for (int i = 0; i < r->n; i++) {
            const struct layer *f = &net->layers[r->src[i]];
            memcpy(l->output + off, f->output + (long)b * f->outputs, sizeof(float) * f->outputs);
            off += f->outputs;
        }
    }
}

static void route_backward(struct layer *l, struct network *net)
{
    struct route_layer *r = l->priv;
    for (int b = 0; b < l->batch; b++) {
        long off = (long)b * l->outputs;
        for (int i = 0; i < r->n; i++) {
            struct layer *f = &net->layers[r->src[i]];
            float *d = f->delta + (long)b * f->outputs;
            for (int k = 0; k < f->outputs; k++) d[k] += l->delta[off + k];
            off += f->outputs;
        }
    }
}

static void route_describe(const struct layer *l, char *buf, size_t n)
{
    const struct route_layer *r = l->priv;
    int k = snprintf(buf, n, "layers");
    for (int i = 0; i < r->n && k < (int)n; i++) k += snprintf(buf + k, n - k, " %d", r->src[i]);
}

static void route_free(struct layer *l) { free(l->priv); }

const struct layer_ops route_ops = {
    .name = "route",
    .init = route_init,
    .forward = route_forward,
    .backward = route_backward,
    .free = route_free,
    .describe = route_describe,
#ifdef GPU
    .forward_gpu = route_forward_gpu,
    .backward_gpu = route_backward_gpu,
#endif
};
