/*
 * network.cu - the device runner: a network on one CUDA device, attaching
 * (a context from context.cu, device buffers, upload), the device
 * forward/backward/SGD step, and the host <-> device copies. See
 * src/core/network_gpu.h for the contract.
 *
 * Memory: one arena holds every layer's output, one every delta (so the
 * per-forward zeroing is a single memset), and three arenas with identical
 * offsets hold the learned parameters, their gradients and momenta (so the
 * SGD step is a single kernel). Learned parameters are laid out weights
 * first, then biases: decay applies to the first part always and to the
 * second with decay_scope=all, exactly network.c's rule. Every slice starts
 * on a 256-byte boundary; the padding between slices is zero and stays zero
 * under SGD.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_common.h"

static size_t pad64(size_t n) { return (n + 63) & ~(size_t)63; }

int cuda_net_attach(struct network *net, int device, int flags, char *err)
{
    DN_ASSERT(net->cuda == NULL);
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess || count == 0) {
        dn_errf(err, "no CUDA device available (%s); use -nogpu to run on the CPU",
                e != cudaSuccess ? cudaGetErrorString(e) : "0 devices");
        (void)cudaGetLastError();
        return -1;
    }
    if (device < 0 || device >= count) {
        dn_errf(err, "GPU %d does not exist: %d CUDA device%s found (0..%d)", device, count,
                count == 1 ? "" : "s", count - 1);
        return -1;
    }
    for (int i = 0; i < net->n; i++) {
        const struct layer_ops *o = net->layers[i].ops;
        if (!o->forward_gpu || !o->backward_gpu) {
            dn_errf(err, "%s:%d: [%s] (layer %d) has no GPU implementation", net->cfg_path,
                    net->layers[i].line, o->name, i);
            return -1;
        }
    }
    if (net->cudnn_benchmark) flags |= DN_CUDA_CUDNN_BENCHMARK;
    struct dn_cuda *ctx = cuda_context_new(device, flags);
    net->cuda = ctx;
    size_t B = (size_t)net->batch;

    net->input_gpu = cuda_alloc(B * net->inputs);
    net->truth_gpu = cuda_alloc(B * net->truths);
    if (cudaHostRegister(net->input, B * net->inputs * sizeof(float), cudaHostRegisterDefault) == cudaSuccess)
        ctx->input_pinned = 1;
    else
        (void)cudaGetLastError(); /* pageable copies still work, only slower */

    /* activations */
    size_t nout = 0, ndelta = net->delta ? pad64(B * net->inputs) : 0;
    for (int i = 0; i < net->n; i++) nout += pad64(B * net->layers[i].outputs);
    ndelta += nout;
    ctx->outputs = cuda_alloc(nout);
    ctx->deltas = cuda_alloc(ndelta);
    ctx->deltas_n = ndelta;
    size_t off = 0;
    if (net->delta) {
        net->delta_gpu = ctx->deltas;
        off = pad64(B * net->inputs);
    }
    size_t oo = 0;
    for (int i = 0; i < net->n; i++) {
        struct layer *l = &net->layers[i];
        l->output_gpu = ctx->outputs + oo;
        l->delta_gpu = ctx->deltas + off;
        oo += pad64(B * l->outputs);
        off += pad64(B * l->outputs);
        struct layer *prev = i ? &net->layers[i - 1] : NULL;
        l->input_gpu = prev ? prev->output_gpu : net->input_gpu;
        l->dinput_gpu = prev ? prev->delta_gpu : net->delta_gpu;
    }

    /* parameters: weights, then biases, then (separately) statistics */
    size_t nw = 0, nb = 0, ns = 0;
    for (int i = 0; i < net->n; i++)
        for (int j = 0; j < net->layers[i].nparams; j++) {
            const struct param *p = &net->layers[i].params[j];
            if (p->kind == PARAM_WEIGHT) nw += pad64(p->n);
            else if (p->kind == PARAM_BIAS) nb += pad64(p->n);
            else ns += pad64(p->n);
        }
    ctx->pn_weights = nw;
    ctx->pn = nw + nb;
    ctx->pval = cuda_alloc(ctx->pn);
    ctx->pgrad = cuda_alloc(ctx->pn);
    ctx->pmom = cuda_alloc(ctx->pn);
    ctx->pstat = cuda_alloc(ns);
    size_t ow = 0, ob = nw, os = 0;
    for (int i = 0; i < net->n; i++)
        for (int j = 0; j < net->layers[i].nparams; j++) {
            struct param *p = &net->layers[i].params[j];
            size_t *o = p->kind == PARAM_WEIGHT ? &ow : p->kind == PARAM_BIAS ? &ob : &os;
            if (p->kind == PARAM_STAT) {
                p->val_gpu = ctx->pstat + *o;
                p->grad_gpu = p->mom_gpu = NULL;
            } else {
                p->val_gpu = ctx->pval + *o;
                p->grad_gpu = ctx->pgrad + *o;
                p->mom_gpu = ctx->pmom + *o;
            }
            *o += pad64(p->n);
        }
    cuda_net_push(net);

    for (int i = 0; i < net->n; i++) {
        struct layer *l = &net->layers[i];
        if (l->ops->init_gpu) l->ops->init_gpu(l, net);
    }
    CUDA_CHECK(cudaStreamSynchronize(ctx->stream));
    return 0;
}

void cuda_net_detach(struct network *net)
{
    struct dn_cuda *ctx = net->cuda;
    if (!ctx) return;
    CUDA_CHECK(cudaStreamSynchronize(ctx->stream));
    for (int i = 0; i < net->n; i++) {
        struct layer *l = &net->layers[i];
        if (l->ops->free_gpu) l->ops->free_gpu(l);
        l->input_gpu = l->dinput_gpu = l->output_gpu = l->delta_gpu = NULL;
        for (int j = 0; j < l->nparams; j++)
            l->params[j].val_gpu = l->params[j].grad_gpu = l->params[j].mom_gpu = NULL;
    }
    if (ctx->input_pinned) CUDA_CHECK(cudaHostUnregister(net->input));
    cuda_free(net->input_gpu);
    cuda_free(net->truth_gpu);
    net->input_gpu = net->truth_gpu = net->delta_gpu = NULL;
    cuda_free(ctx->outputs);
    cuda_free(ctx->deltas);
    cuda_free(ctx->pval);
    cuda_free(ctx->pgrad);
    cuda_free(ctx->pmom);
    cuda_free(ctx->pstat);
    cuda_context_free(ctx);
    net->cuda = NULL;
}

/* Copy every parameter's value, and for learned ones gradient and momentum,
 * between host and device (kind: cudaMemcpyHostToDevice or DeviceToHost). */
static void copy_params(const struct network *net, cudaMemcpyKind kind)
{
    struct dn_cuda *ctx = net->cuda;
    DN_ASSERT(ctx);
    int up = kind == cudaMemcpyHostToDevice;
    for (int i = 0; i < net->n; i++)
        for (int j = 0; j < net->layers[i].nparams; j++) {
            const struct param *p = &net->layers[i].params[j];
            size_t b = p->n * sizeof(float);
            float *host[3] = {p->val, p->grad, p->mom}, *dev[3] = {p->val_gpu, p->grad_gpu, p->mom_gpu};
            int n = p->kind == PARAM_STAT ? 1 : 3;
            for (int k = 0; k < n; k++)
                CUDA_CHECK(cudaMemcpyAsync(up ? (void *)dev[k] : (void *)host[k], up ? (void *)host[k] : (void *)dev[k],
                                           b, kind, ctx->stream));
        }
    CUDA_CHECK(cudaStreamSynchronize(ctx->stream));
}

void cuda_net_push(struct network *net) { copy_params(net, cudaMemcpyHostToDevice); }

void cuda_net_pull(const struct network *net) { copy_params(net, cudaMemcpyDeviceToHost); }

void cuda_net_pull_activations(struct network *net)
{
    struct dn_cuda *ctx = net->cuda;
    DN_ASSERT(ctx);
    for (int i = 0; i < net->n; i++) {
        struct layer *l = &net->layers[i];
        size_t b = (size_t)l->batch * l->outputs * sizeof(float);
        CUDA_CHECK(cudaMemcpyAsync(l->output, l->output_gpu, b, cudaMemcpyDeviceToHost, ctx->stream));
        CUDA_CHECK(cudaMemcpyAsync(l->delta, l->delta_gpu, b, cudaMemcpyDeviceToHost, ctx->stream));
    }
    if (net->delta)
        CUDA_CHECK(cudaMemcpyAsync(net->delta, net->delta_gpu, (size_t)net->batch * net->inputs * sizeof(float),
                                   cudaMemcpyDeviceToHost, ctx->stream));
    CUDA_CHECK(cudaStreamSynchronize(ctx->stream));
}

void cuda_upload(struct network *net, float *dst_gpu, const float *src, size_t n)
{
    CUDA_CHECK(cudaMemcpyAsync(dst_gpu, src, n * sizeof(float), cudaMemcpyHostToDevice, net->cuda->stream));
    CUDA_CHECK(cudaStreamSynchronize(net->cuda->stream));
}

void cuda_download(struct network *net, float *dst, const float *src_gpu, size_t n)
{
    CUDA_CHECK(cudaMemcpyAsync(dst, src_gpu, n * sizeof(float), cudaMemcpyDeviceToHost, net->cuda->stream));
    CUDA_CHECK(cudaStreamSynchronize(net->cuda->stream));
}

void cuda_sync(struct network *net) { CUDA_CHECK(cudaStreamSynchronize(net->cuda->stream)); }

const char *cuda_describe(const struct network *net) { return net->cuda ? net->cuda->desc : "CPU"; }

void net_forward_gpu(struct network *net)
{
    struct dn_cuda *ctx = net->cuda;
    size_t B = (size_t)net->batch;
    if (net->train) CUDA_CHECK(cudaMemsetAsync(ctx->deltas, 0, ctx->deltas_n * sizeof(float), ctx->stream));
    CUDA_CHECK(cudaMemsetAsync(ctx->loss, 0, sizeof(float), ctx->stream));
    if (!ctx->fed) { /* else cuda_net_feed_u8 rendered input and truth on the device */
        CUDA_CHECK(cudaMemcpyAsync(net->input_gpu, net->input, B * net->inputs * sizeof(float),
                                   cudaMemcpyHostToDevice, ctx->stream));
        if (net->train && net->truth)
            CUDA_CHECK(cudaMemcpyAsync(net->truth_gpu, net->truth, B * net->truths * sizeof(float),
                                       cudaMemcpyHostToDevice, ctx->stream));
    }
    ctx->fed = 0;
    for (int i = 0; i < net->n; i++) net->layers[i].ops->forward_gpu(&net->layers[i], net);
    struct layer *last = net_output_layer(net);
    CUDA_CHECK(cudaMemcpyAsync(last->output, last->output_gpu, (size_t)last->batch * last->outputs * sizeof(float),
                               cudaMemcpyDeviceToHost, ctx->stream));
    float loss = 0;
    CUDA_CHECK(cudaMemcpyAsync(&loss, ctx->loss, sizeof(float), cudaMemcpyDeviceToHost, ctx->stream));
    CUDA_CHECK(cudaStreamSynchronize(ctx->stream));
    net->loss = loss;
}

void net_backward_gpu(struct network *net)
{
    for (int i = net->n - 1; i >= 0; i--) net->layers[i].ops->backward_gpu(&net->layers[i], net);
}

/* network.c's SGD step; elements [0, nw) are weights (always decayed), the
 * rest biases (decayed with decay_bias, 0 unless decay_scope=all). */
__global__ static void sgd_kernel(float *val, float *grad, float *mom, size_t nw, size_t n, float lr, float m,
                                  float decay, float decay_bias)
{
    GRID_STRIDE(i, n)
    {
        float d = i < nw ? decay : decay_bias;
        float g = grad[i] + d * val[i];
        float v = m * mom[i] + g;
        mom[i] = v;
        val[i] -= lr * v;
        grad[i] = 0;
    }
}

void net_update_gpu(struct network *net, int batch_num)
{
    struct dn_cuda *ctx = net->cuda;
    if (ctx->pn == 0) return;
    float lr = net_rate(net, batch_num);
    float db = net->opt.decay_scope == DECAY_ALL ? net->opt.decay : 0.0f;
    sgd_kernel<<<cuda_grid(ctx->pn), DN_THREADS, 0, ctx->stream>>>(ctx->pval, ctx->pgrad, ctx->pmom, ctx->pn_weights,
                                                                 ctx->pn, lr, net->opt.momentum, net->opt.decay, db);
    KERNEL_CHECK();
}
