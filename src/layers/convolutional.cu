/*
 * convolutional.cu - [convolutional] on the device, convolutional.c's
 * semantics: conv (into xhat with batch norm), BN or bias, activation;
 * backward in the reverse order. With batch norm the activation and its
 * gradient are fused into the BN kernels (batchnorm.cu). The convolution is
 * the conv2d op's CUDA twin (src/backend/cuda/conv2d.cu).
 */
#include "../backend/cuda/cuda_common.h"
#include "layers_gpu.h"

struct conv_gpu {
    struct conv2d_gpu *conv;
    struct bn_gpu *bn; /* NULL without batch norm */
    enum dn_act act;
    struct param *biases, *weights;
    float *xhat; /* (B, F, OH, OW) with batch norm */
};

void conv_setup_gpu(struct layer *l, struct network *net, const struct conv_geom *g, enum dn_act act,
                    const struct bn *bn, struct param *biases, struct param *weights)
{
    struct conv_gpu *c = (struct conv_gpu *)xcalloc(1, sizeof(*c));
    l->priv_gpu = c;
    c->conv = conv2d_create_gpu(net->cuda, g);
    c->act = act;
    c->biases = biases, c->weights = weights;
    if (bn) {
        c->bn = bn_gpu_create(net, bn, l->batch, l->out_h * l->out_w);
        c->xhat = dn_gpu_alloc((size_t)l->batch * l->outputs);
    } else {
        dn_cuda_reserve_reduce(net->cuda, l->batch, l->out_c, l->out_h * l->out_w);
    }
}

void conv_free_gpu(struct layer *l)
{
    struct conv_gpu *c = (struct conv_gpu *)l->priv_gpu;
    if (!c) return;
    conv2d_free_gpu(c->conv);
    bn_gpu_free(c->bn);
    dn_gpu_free(c->xhat);
    free(c);
    l->priv_gpu = NULL;
}

void conv_forward_gpu(struct layer *l, struct network *net)
{
    struct conv_gpu *c = (struct conv_gpu *)l->priv_gpu;
    int S = l->out_h * l->out_w;
    if (c->bn) {
        conv2d_forward_gpu(net->cuda, c->conv, l->input_gpu, c->weights->val_gpu, c->xhat);
        bn_gpu_forward(net, c->bn, c->xhat, l->output_gpu, l->batch, S, net->train, net->bn_momentum, c->act);
    } else {
        conv2d_forward_gpu(net->cuda, c->conv, l->input_gpu, c->weights->val_gpu, l->output_gpu);
        gpu_bias_add(net->cuda, l->output_gpu, c->biases->val_gpu, l->batch, l->out_c, S);
        gpu_activate(net->cuda, l->output_gpu, (size_t)l->batch * l->outputs, c->act);
    }
}

void conv_backward_gpu(struct layer *l, struct network *net)
{
    struct conv_gpu *c = (struct conv_gpu *)l->priv_gpu;
    int S = l->out_h * l->out_w;
    if (c->bn) {
        bn_gpu_backward(net, c->bn, c->xhat, l->delta_gpu, l->batch, S, l->output_gpu, c->act);
    } else {
        gpu_gradient(net->cuda, l->output_gpu, (size_t)l->batch * l->outputs, c->act, l->delta_gpu);
        gpu_bias_grad(net->cuda, l->delta_gpu, c->biases->grad_gpu, l->batch, l->out_c, S);
    }
    conv2d_backward_gpu(net->cuda, c->conv, l->input_gpu, c->weights->val_gpu, l->delta_gpu, c->weights->grad_gpu,
                        l->dinput_gpu);
}
