/*
 * bridge.cu - [bridge] on the device, bridge.c's semantics on the same
 * struct bridge_layer:
 *
 *     branch = SE(BN(conv1x1_stride(from)))      se=1, se_position=after
 *     branch = BN(conv1x1_stride(SE(from)))      se=1, se_position=before
 *     branch = BN(conv1x1_stride(from))          se=0
 *     out    = act(prev + branch)
 *
 * With swish or mish, prev + branch is built in gpu.pre, kept for backward.
 * Backward: activation gradient; dprev += delta; through SE (after) into
 * dbn, or dbn = delta; BN backward in place on dbn; the convolution's dw and
 * its input gradient, which goes to from's delta, or (before) into dxs and
 * then through SE into from's delta.
 */
#include <string.h>

#include "../backend/cuda/cuda_common.h"
#include "bridge.h"

static int se_after(const struct bridge_layer *br) { return br->se_on && br->se_pos == BRIDGE_SE_AFTER; }
static int se_before(const struct bridge_layer *br) { return br->se_on && br->se_pos == BRIDGE_SE_BEFORE; }

void bridge_init_gpu(struct layer *l, struct network *net)
{
    struct bridge_layer *br = (struct bridge_layer *)l->priv;
    br->gpu.conv = conv2d_create_gpu(net->cuda, &br->g);
    bn_init_gpu(net->cuda, &br->bn, l->batch, l->out_h * l->out_w);
    size_t n = (size_t)l->batch * l->outputs, nin = (size_t)l->batch * net->layers[br->from].outputs;
    br->gpu.convout = cuda_alloc(n);
    br->gpu.bnout = cuda_alloc(n);
    br->gpu.dbn = cuda_alloc(n);
    if (br->se_on) se_init_gpu(net->cuda, &br->se);
    if (se_after(br)) br->gpu.branch = cuda_alloc(n);
    if (se_before(br)) br->gpu.xs = cuda_alloc(nin), br->gpu.dxs = cuda_alloc(nin);
    if (br->pre) br->gpu.pre = cuda_alloc(n);
}

void bridge_free_gpu(struct layer *l)
{
    struct bridge_layer *br = (struct bridge_layer *)l->priv;
    if (!br) return;
    conv2d_free_gpu(br->gpu.conv);
    bn_free_gpu(&br->bn);
    if (br->se_on) se_free_gpu(&br->se);
    cuda_free(br->gpu.xs), cuda_free(br->gpu.dxs), cuda_free(br->gpu.convout), cuda_free(br->gpu.bnout);
    cuda_free(br->gpu.branch), cuda_free(br->gpu.dbn), cuda_free(br->gpu.pre);
    memset(&br->gpu, 0, sizeof(br->gpu));
}

void bridge_forward_gpu(struct layer *l, struct network *net)
{
    struct bridge_layer *br = (struct bridge_layer *)l->priv;
    struct dn_cuda *ctx = net->cuda;
    const float *x = net->layers[br->from].output_gpu;
    if (se_before(br)) {
        se_forward_gpu(ctx, &br->se, x, br->gpu.xs);
        x = br->gpu.xs;
    }
    conv2d_forward_gpu(ctx, br->gpu.conv, x, br->weights->val_gpu, br->gpu.convout);
    bn_forward_act_gpu(ctx, &br->bn, br->gpu.convout, br->gpu.bnout, l->batch, l->out_h * l->out_w, net->train,
                       net->opt.bn_momentum, ACT_LINEAR);
    const float *branch = br->gpu.bnout;
    if (se_after(br)) {
        se_forward_gpu(ctx, &br->se, br->gpu.bnout, br->gpu.branch);
        branch = br->gpu.branch;
    }
    size_t n = (size_t)l->batch * l->outputs;
    if (br->gpu.pre) {
        cuda_sum(ctx, n, l->input_gpu, branch, br->gpu.pre);
        cuda_activate_keep(ctx, br->gpu.pre, l->output_gpu, n, br->act);
    } else {
        cuda_sum(ctx, n, l->input_gpu, branch, l->output_gpu);
        cuda_activate(ctx, l->output_gpu, n, br->act);
    }
}

void bridge_backward_gpu(struct layer *l, struct network *net)
{
    struct bridge_layer *br = (struct bridge_layer *)l->priv;
    struct dn_cuda *ctx = net->cuda;
    struct layer *f = &net->layers[br->from];
    size_t n = (size_t)l->batch * l->outputs;
    if (br->gpu.pre) cuda_gradient_from_input(ctx, br->gpu.pre, n, br->act, l->delta_gpu);
    else cuda_gradient(ctx, l->output_gpu, n, br->act, l->delta_gpu);
    if (l->dinput_gpu) cuda_add(ctx, n, l->delta_gpu, l->dinput_gpu);
    if (se_after(br)) {
        cuda_zero(ctx, n, br->gpu.dbn);
        se_backward_gpu(ctx, &br->se, br->gpu.bnout, l->delta_gpu, br->gpu.dbn);
    } else {
        cuda_copy(ctx, n, l->delta_gpu, br->gpu.dbn);
    }
    bn_backward_act_gpu(ctx, &br->bn, br->gpu.convout, br->gpu.dbn, l->batch, l->out_h * l->out_w, NULL,
                        ACT_LINEAR);
    if (se_before(br)) {
        cuda_zero(ctx, (size_t)l->batch * f->outputs, br->gpu.dxs);
        conv2d_backward_gpu(ctx, br->gpu.conv, br->gpu.xs, br->weights->val_gpu, br->gpu.dbn, br->weights->grad_gpu,
                            br->gpu.dxs);
        se_backward_gpu(ctx, &br->se, f->output_gpu, br->gpu.dxs, f->delta_gpu);
    } else {
        conv2d_backward_gpu(ctx, br->gpu.conv, f->output_gpu, br->weights->val_gpu, br->gpu.dbn,
                            br->weights->grad_gpu, f->delta_gpu);
    }
}
