/*
 * connected.cu - [connected] on the device, connected.c's semantics:
 * y (B, O) = x (B, I) W^T through cuBLAS, then BN (S = 1, activation fused
 * in) or the bias and the activation; backward: activation gradient, BN or
 * bias gradient, dW += delta^T x and dx += delta W.
 */
#include "../backend/cuda/cuda_common.h"
#include "layers_gpu.h"

struct fc_gpu {
    struct bn_gpu *bn; /* NULL without batch norm */
    enum dn_act act;
    struct param *biases, *weights;
    float *xhat; /* (B, O) with batch norm */
};

void fc_setup_gpu(struct layer *l, struct network *net, enum dn_act act, const struct bn *bn,
                  struct param *biases, struct param *weights)
{
    struct fc_gpu *f = (struct fc_gpu *)xcalloc(1, sizeof(*f));
    l->priv_gpu = f;
    f->act = act;
    f->biases = biases, f->weights = weights;
    if (bn) {
        f->bn = bn_gpu_create(net, bn, l->batch, 1);
        f->xhat = dn_gpu_alloc((size_t)l->batch * l->outputs);
    } else {
        dn_cuda_reserve_reduce(net->cuda, l->batch, l->outputs, 1);
    }
}

void fc_free_gpu(struct layer *l)
{
    struct fc_gpu *f = (struct fc_gpu *)l->priv_gpu;
    if (!f) return;
    bn_gpu_free(f->bn);
    dn_gpu_free(f->xhat);
    free(f);
    l->priv_gpu = NULL;
}

void fc_forward_gpu(struct layer *l, struct network *net)
{
    struct fc_gpu *f = (struct fc_gpu *)l->priv_gpu;
    struct dn_cuda *ctx = net->cuda;
    int B = l->batch, O = l->outputs, I = l->inputs;
    float *y = f->bn ? f->xhat : l->output_gpu;
    gpu_gemm(ctx, 0, 1, B, O, I, 1, l->input_gpu, I, f->weights->val_gpu, I, 0, y, O);
    if (f->bn) {
        bn_gpu_forward(net, f->bn, f->xhat, l->output_gpu, B, 1, net->train, net->bn_momentum, f->act);
    } else {
        gpu_bias_add(ctx, l->output_gpu, f->biases->val_gpu, B, O, 1);
        gpu_activate(ctx, l->output_gpu, (size_t)B * O, f->act);
    }
}

void fc_backward_gpu(struct layer *l, struct network *net)
{
    struct fc_gpu *f = (struct fc_gpu *)l->priv_gpu;
    struct dn_cuda *ctx = net->cuda;
    int B = l->batch, O = l->outputs, I = l->inputs;
    if (f->bn) {
        bn_gpu_backward(net, f->bn, f->xhat, l->delta_gpu, B, 1, l->output_gpu, f->act);
    } else {
        gpu_gradient(ctx, l->output_gpu, (size_t)B * O, f->act, l->delta_gpu);
        gpu_bias_grad(ctx, l->delta_gpu, f->biases->grad_gpu, B, O, 1);
    }
    gpu_gemm(ctx, 1, 0, O, I, B, 1, l->delta_gpu, O, l->input_gpu, I, 1, f->weights->grad_gpu, I);
    if (l->dinput_gpu) gpu_gemm(ctx, 0, 0, B, I, O, 1, l->delta_gpu, O, f->weights->val_gpu, I, 1, l->dinput_gpu, I);
}
