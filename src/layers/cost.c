/*
 * cost.c - [cost]: a sum-of-squares loss on its input, for networks that end
 * in regression (or Darknet cfgs that put [cost] after [softmax]).
 * cfg key: type (only `sse`). Output = input. When training with targets:
 *     loss += sum 0.5 (x - t)^2 / (batch * subdivisions)
 * and backward passes (x - t) / (batch * subdivisions) to the input.
 * Without targets backward is the identity on delta.
 */
#include "../core/network.h"
#include "cost.h"

static const char *const cost_types[] = {"sse", NULL};

static int cost_init(struct layer *l, struct cfg *c, struct cfg_section *s, struct network *net)
{
    (void)net;
    int type;
    if (cfg_enum(c, s, "type", cost_types, 0, &type)) return -1;
    l->out_c = l->c, l->out_h = l->h, l->out_w = l->w;
    return 0;
}

static int cost_active(const struct layer *l, const struct network *net)
{
    return net->train && net->truth && l->index == net->n - 1;
}

static void cost_forward(struct layer *l, struct network *net)
{
    size_t n = (size_t)l->batch * l->inputs;
    float scale = 1.0f / ((float)net->batch * net->subdivisions);
    double loss = 0;
    for (size_t i = 0; i < n; i++) {
        l->output[i] = l->input[i];
        if (cost_active(l, net)) {
            float e = l->input[i] - net->truth[i];
            loss += 0.5 * e * e;
            l->delta[i] = e * scale;
        }
    }
    if (cost_active(l, net)) net->loss += (float)(loss * scale);
}

static void cost_backward(struct layer *l, struct network *net)
{
    (void)net;
    if (!l->dinput) return;
    size_t n = (size_t)l->batch * l->inputs;
    for (size_t i = 0; i < n; i++) l->dinput[i] += l->delta[i];
}

const struct layer_ops cost_ops = {
    .name = "cost",
    .init = cost_init,
    .forward = cost_forward,
    .backward = cost_backward,
#ifdef GPU
    .forward_gpu = cost_forward_gpu,
    .backward_gpu = cost_backward_gpu,
#endif
};
