/*
 * convolutional.cu - [convolutional] on the device, convolutional.c's
 * semantics on the same struct convolutional_layer: conv (into gpu.x with
 * batch norm, into gpu.pre for swish/mish without), BN or bias, activation;
 * backward in the reverse order. With batch norm the activation and its
 * gradient are fused into the BN kernels (src/backend/cuda/batchnorm.cu).
 * The convolution is the conv2d op's CUDA twin (src/backend/cuda/conv2d.cu).
 */
#include <string.h>

#include "../backend/cuda/cuda_common.h"
#include "convolutional.h"

void convolutional_init_gpu(struct layer *l, struct network *net)
{
    struct convolutional_layer *cv = (struct convolutional_layer *)l->priv;
    cv->gpu.conv = conv2d_create_gpu(net->cuda, &cv->g);
    if (cv->bn_on) {
        bn_init_gpu(net->cuda, &cv->bn, l->batch, l->out_h * l->out_w);
        cv->gpu.x = cuda_alloc((size_t)l->batch * l->outputs);
    } else {
        cuda_reserve_reduce(net->cuda, l->batch, l->out_c, l->out_h * l->out_w);
        if (cv->pre) cv->gpu.pre = cuda_alloc((size_t)l->batch * l->outputs);
    }
}

void convolutional_free_gpu(struct layer *l)
{
    struct convolutional_layer *cv = (struct convolutional_layer *)l->priv;
    if (!cv) return;
    conv2d_free_gpu(cv->gpu.conv);
    if (cv->bn_on) bn_free_gpu(&cv->bn);
    cuda_free(cv->gpu.x);
    cuda_free(cv->gpu.pre);
    memset(&cv->gpu, 0, sizeof(cv->gpu));
}

void convolutional_forward_gpu(struct layer *l, struct network *net)
{
    struct convolutional_layer *cv = (struct convolutional_layer *)l->priv;
    struct dn_cuda *ctx = net->cuda;
    int S = l->out_h * l->out_w;
    if (cv->bn_on) {
        conv2d_forward_gpu(ctx, cv->gpu.conv, l->input_gpu, cv->weights->val_gpu, cv->gpu.x);
        bn_forward_act_gpu(ctx, &cv->bn, cv->gpu.x, l->output_gpu, l->batch, S, net->train, net->opt.bn_momentum,
                           cv->act);
    } else {
        float *z = cv->gpu.pre ? cv->gpu.pre : l->output_gpu; /* conv + bias */
        conv2d_forward_gpu(ctx, cv->gpu.conv, l->input_gpu, cv->weights->val_gpu, z);
        cuda_bias_add(ctx, z, cv->biases->val_gpu, l->batch, l->out_c, S);
        if (cv->gpu.pre) cuda_activate_keep(ctx, cv->gpu.pre, l->output_gpu, (size_t)l->batch * l->outputs, cv->act);
        else cuda_activate(ctx, l->output_gpu, (size_t)l->batch * l->outputs, cv->act);
    }
}

void convolutional_backward_gpu(struct layer *l, struct network *net)
{
    struct convolutional_layer *cv = (struct convolutional_layer *)l->priv;
    struct dn_cuda *ctx = net->cuda;
    int S = l->out_h * l->out_w;
    if (cv->bn_on) {
        bn_backward_act_gpu(ctx, &cv->bn, cv->gpu.x, l->delta_gpu, l->batch, S, l->output_gpu, cv->act);
    } else {
        if (cv->gpu.pre)
            cuda_gradient_from_input(ctx, cv->gpu.pre, (size_t)l->batch * l->outputs, cv->act, l->delta_gpu);
        else
            cuda_gradient(ctx, l->output_gpu, (size_t)l->batch * l->outputs, cv->act, l->delta_gpu);
        cuda_bias_grad(ctx, l->delta_gpu, cv->biases->grad_gpu, l->batch, l->out_c, S);
    }
    conv2d_backward_gpu(ctx, cv->gpu.conv, l->input_gpu, cv->weights->val_gpu, l->delta_gpu, cv->weights->grad_gpu,
                        l->dinput_gpu);
}
