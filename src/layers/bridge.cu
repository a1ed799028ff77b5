/*
 * bridge.cu - [bridge] on the device, bridge.c's semantics:
 *
 *     branch = SE(BN(conv1x1_stride(from)))      se_mode 1 (se_position=after)
 *     branch = BN(conv1x1_stride(SE(from)))      se_mode 2 (se_position=before)
 *     branch = BN(conv1x1_stride(from))          se_mode 0
 *     out    = act(prev + branch)
 *
 * Backward: activation gradient; dprev += delta; through SE (after) into
 * dbn, or dbn = delta; BN backward in place on dbn; the convolution's dw and
 * its input gradient, which goes to from's delta, or (before) into dxs and
 * then through SE into from's delta.
 */
#include "../backend/cuda/cuda_common.h"
#include "layers_gpu.h"

struct bridge_gpu {
    int from, se_mode;
    enum dn_act act;
    struct conv2d_gpu *conv;
    struct bn_gpu *bn;
    struct se_gpu *se; /* NULL with se_mode 0 */
    struct param *weights;
    float *xs, *dxs;     /* se_mode 2: SE(from) and its gradient (B, Cin, Sin) */
    float *xhat, *bnout; /* (B, C, S) */
    float *branch;       /* se_mode 1: SE(bnout) */
    float *dbn;          /* gradient w.r.t. bnout, then conv output */
    size_t nin;          /* B * from's outputs */
};

void bridge_setup_gpu(struct layer *l, struct network *net, int from, int se_mode, enum dn_act act,
                      const struct conv_geom *g, const struct bn *bn, struct param *weights, const struct se *se)
{
    struct bridge_gpu *br = (struct bridge_gpu *)xcalloc(1, sizeof(*br));
    l->priv_gpu = br;
    br->from = from, br->se_mode = se_mode, br->act = act, br->weights = weights;
    br->conv = conv2d_create_gpu(net->cuda, g);
    br->bn = bn_gpu_create(net, bn, l->batch, l->out_h * l->out_w);
    size_t n = (size_t)l->batch * l->outputs;
    br->nin = (size_t)l->batch * net->layers[from].outputs;
    br->xhat = dn_gpu_alloc(n);
    br->bnout = dn_gpu_alloc(n);
    br->dbn = dn_gpu_alloc(n);
    if (se_mode) br->se = se_gpu_create(net, se);
    if (se_mode == 1) br->branch = dn_gpu_alloc(n);
    if (se_mode == 2) br->xs = dn_gpu_alloc(br->nin), br->dxs = dn_gpu_alloc(br->nin);
}

void bridge_free_gpu(struct layer *l)
{
    struct bridge_gpu *br = (struct bridge_gpu *)l->priv_gpu;
    if (!br) return;
    conv2d_free_gpu(br->conv);
    bn_gpu_free(br->bn);
    se_gpu_free(br->se);
    dn_gpu_free(br->xs), dn_gpu_free(br->dxs), dn_gpu_free(br->xhat), dn_gpu_free(br->bnout);
    dn_gpu_free(br->branch), dn_gpu_free(br->dbn);
    free(br);
    l->priv_gpu = NULL;
}

void bridge_forward_gpu(struct layer *l, struct network *net)
{
    struct bridge_gpu *br = (struct bridge_gpu *)l->priv_gpu;
    struct dn_cuda *ctx = net->cuda;
    const float *x = net->layers[br->from].output_gpu;
    if (br->se_mode == 2) {
        se_gpu_forward(net, br->se, x, br->xs);
        x = br->xs;
    }
    conv2d_forward_gpu(net->cuda, br->conv, x, br->weights->val_gpu, br->xhat);
    bn_gpu_forward(net, br->bn, br->xhat, br->bnout, l->batch, l->out_h * l->out_w, net->train, net->bn_momentum,
                   ACT_LINEAR);
    const float *branch = br->bnout;
    if (br->se_mode == 1) {
        se_gpu_forward(net, br->se, br->bnout, br->branch);
        branch = br->branch;
    }
    size_t n = (size_t)l->batch * l->outputs;
    gpu_sum(ctx, n, l->input_gpu, branch, l->output_gpu);
    gpu_activate(ctx, l->output_gpu, n, br->act);
}

void bridge_backward_gpu(struct layer *l, struct network *net)
{
    struct bridge_gpu *br = (struct bridge_gpu *)l->priv_gpu;
    struct dn_cuda *ctx = net->cuda;
    struct layer *f = &net->layers[br->from];
    size_t n = (size_t)l->batch * l->outputs;
    gpu_gradient(ctx, l->output_gpu, n, br->act, l->delta_gpu);
    if (l->dinput_gpu) gpu_add(ctx, n, l->delta_gpu, l->dinput_gpu);
    if (br->se_mode == 1) {
        gpu_zero(ctx, n, br->dbn);
        se_gpu_backward(net, br->se, br->bnout, l->delta_gpu, br->dbn);
    } else {
        gpu_copy(ctx, n, l->delta_gpu, br->dbn);
    }
    bn_gpu_backward(net, br->bn, br->xhat, br->dbn, l->batch, l->out_h * l->out_w, NULL, ACT_LINEAR);
    if (br->se_mode == 2) {
        gpu_zero(ctx, br->nin, br->dxs);
        conv2d_backward_gpu(net->cuda, br->conv, br->xs, br->weights->val_gpu, br->dbn, br->weights->grad_gpu, br->dxs);
        se_gpu_backward(net, br->se, f->output_gpu, br->dxs, f->delta_gpu);
    } else {
        conv2d_backward_gpu(net->cuda, br->conv, f->output_gpu, br->weights->val_gpu, br->dbn, br->weights->grad_gpu,
                            f->delta_gpu);
    }
}
