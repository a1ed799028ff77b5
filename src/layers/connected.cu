/*
 * connected.cu - [connected] on the device, connected.c's semantics on the
 * same struct connected_layer: y (B, O) = x (B, I) W^T through cuBLAS, then
 * BN (S = 1, activation fused in) or the bias and the activation; backward:
 * activation gradient, BN or bias gradient, dW += delta^T x and
 * dx += delta W.
 */
#include <string.h>

#include "../backend/cuda/cuda_common.h"
#include "connected.h"

void connected_init_gpu(struct layer *l, struct network *net)
{
    struct connected_layer *fc = (struct connected_layer *)l->priv;
    if (fc->bn_on) {
        bn_init_gpu(net->cuda, &fc->bn, l->batch, 1);
        fc->gpu.x = cuda_alloc((size_t)l->batch * l->outputs);
    } else {
        cuda_reserve_reduce(net->cuda, l->batch, l->outputs, 1);
        if (fc->pre) fc->gpu.pre = cuda_alloc((size_t)l->batch * l->outputs);
    }
}

void connected_free_gpu(struct layer *l)
{
    struct connected_layer *fc = (struct connected_layer *)l->priv;
    if (!fc) return;
    if (fc->bn_on) bn_free_gpu(&fc->bn);
    cuda_free(fc->gpu.x);
    cuda_free(fc->gpu.pre);
    memset(&fc->gpu, 0, sizeof(fc->gpu));
}

void connected_forward_gpu(struct layer *l, struct network *net)
{
    struct connected_layer *fc = (struct connected_layer *)l->priv;
    struct dn_cuda *ctx = net->cuda;
    int B = l->batch, O = l->outputs, I = l->inputs;
    /* x W^T into: the BN input, or the kept pre-activation (swish, mish), or the output */
    float *y = fc->bn_on ? fc->gpu.x : fc->gpu.pre ? fc->gpu.pre : l->output_gpu;
    cuda_gemm(ctx, 0, 1, B, O, I, 1, l->input_gpu, I, fc->weights->val_gpu, I, 0, y, O);
    if (fc->bn_on) {
        bn_forward_act_gpu(ctx, &fc->bn, fc->gpu.x, l->output_gpu, B, 1, net->train, net->opt.bn_momentum, fc->act);
    } else {
        cuda_bias_add(ctx, y, fc->biases->val_gpu, B, O, 1);
        if (fc->gpu.pre) cuda_activate_keep(ctx, fc->gpu.pre, l->output_gpu, (size_t)B * O, fc->act);
        else cuda_activate(ctx, l->output_gpu, (size_t)B * O, fc->act);
    }
}

void connected_backward_gpu(struct layer *l, struct network *net)
{
    struct connected_layer *fc = (struct connected_layer *)l->priv;
    struct dn_cuda *ctx = net->cuda;
    int B = l->batch, O = l->outputs, I = l->inputs;
    if (fc->bn_on) {
        bn_backward_act_gpu(ctx, &fc->bn, fc->gpu.x, l->delta_gpu, B, 1, l->output_gpu, fc->act);
    } else {
        if (fc->gpu.pre) cuda_gradient_from_input(ctx, fc->gpu.pre, (size_t)B * O, fc->act, l->delta_gpu);
        else cuda_gradient(ctx, l->output_gpu, (size_t)B * O, fc->act, l->delta_gpu);
        cuda_bias_grad(ctx, l->delta_gpu, fc->biases->grad_gpu, B, O, 1);
    }
    cuda_gemm(ctx, 1, 0, O, I, B, 1, l->delta_gpu, O, l->input_gpu, I, 1, fc->weights->grad_gpu, I);
    if (l->dinput_gpu) cuda_gemm(ctx, 0, 0, B, I, O, 1, l->delta_gpu, O, fc->weights->val_gpu, I, 1, l->dinput_gpu, I);
}
