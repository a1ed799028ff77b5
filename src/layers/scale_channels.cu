/*
 * scale_channels.cu - [scale_channels] on the device, scale_channels.c's
 * semantics (scale_channels.h). Forward and df: one thread per output
 * element. din: one thread per input element, summing its scaled elements
 * in order (no atomics, so runs repeat exactly).
 */
#include "../backend/cuda/cuda_common.h"

extern "C" {
#include "../core/network.h"
}
#include "scale_channels.h"

/* input index of output element i, as scale_channels.c's scale_index */
__device__ static size_t scale_index(size_t i, unsigned S, unsigned C, int wh)
{
    size_t CS = (size_t)C * S;
    return wh ? i / CS * S + i % S : i / S;
}

__global__ static void forward_kernel(const float *in, const float *f, unsigned S, unsigned C, int wh, int act,
                                      unsigned n, float *out)
{
    GRID_STRIDE32(i, n) out[i] = act_f(in[scale_index(i, S, C, wh)] * f[i], act);
}

/* d *= act'(in * f) (swish, mish: the pre-activation, recomputed) */
__global__ static void pre_grad_kernel(const float *in, const float *f, unsigned S, unsigned C, int wh, int act,
                                       unsigned n, float *d)
{
    GRID_STRIDE32(i, n) d[i] *= act_dx(in[scale_index(i, S, C, wh)] * f[i], act);
}

__global__ static void dfrom_kernel(const float *in, const float *d, unsigned S, unsigned C, int wh, unsigned n,
                                    float *df)
{
    GRID_STRIDE32(i, n) df[i] += in[scale_index(i, S, C, wh)] * d[i];
}

/* din[j] += sum over the output elements scaled by input j of d * f */
__global__ static void dinput_kernel(const float *d, const float *f, unsigned S, unsigned C, int wh, unsigned nin,
                                     float *din)
{
    GRID_STRIDE32(j, nin)
    {
        float sum = 0;
        if (wh) { /* j = b*S + s: channels k of pixel s */
            size_t b = j / S, s = j % S;
            for (unsigned k = 0; k < C; k++) {
                size_t i = (b * C + k) * S + s;
                sum += d[i] * f[i];
            }
        } else { /* j = b*C + k: the S pixels of channel k */
            for (unsigned s = 0; s < S; s++) {
                size_t i = (size_t)j * S + s;
                sum += d[i] * f[i];
            }
        }
        din[j] += sum;
    }
}

void scale_channels_forward_gpu(struct layer *l, struct network *net)
{
    const struct scale_channels_layer *sc = (const struct scale_channels_layer *)l->priv;
    const struct layer *f = &net->layers[sc->from];
    size_t n = (size_t)l->batch * l->outputs;
    forward_kernel<<<cuda_grid(n), DN_THREADS, 0, net->cuda->stream>>>(
        l->input_gpu, f->output_gpu, l->out_h * l->out_w, l->out_c, sc->scale_wh, sc->act, cuda_n32(n), l->output_gpu);
    KERNEL_CHECK();
}

void scale_channels_backward_gpu(struct layer *l, struct network *net)
{
    const struct scale_channels_layer *sc = (const struct scale_channels_layer *)l->priv;
    struct dn_cuda *ctx = net->cuda;
    struct layer *f = &net->layers[sc->from];
    size_t n = (size_t)l->batch * l->outputs, nin = (size_t)l->batch * l->inputs;
    unsigned S = l->out_h * l->out_w;
    if (act_needs_input(sc->act)) {
        pre_grad_kernel<<<cuda_grid(n), DN_THREADS, 0, ctx->stream>>>(l->input_gpu, f->output_gpu, S, l->out_c,
                                                                    sc->scale_wh, sc->act, cuda_n32(n), l->delta_gpu);
        KERNEL_CHECK();
    } else {
        cuda_gradient(ctx, l->output_gpu, n, sc->act, l->delta_gpu);
    }
    if (l->dinput_gpu) {
        dinput_kernel<<<cuda_grid(nin), DN_THREADS, 0, ctx->stream>>>(l->delta_gpu, f->output_gpu, S, l->out_c,
                                                                     sc->scale_wh, cuda_n32(nin), l->dinput_gpu);
        KERNEL_CHECK();
    }
    dfrom_kernel<<<cuda_grid(n), DN_THREADS, 0, ctx->stream>>>(l->input_gpu, l->delta_gpu, S, l->out_c, sc->scale_wh,
                                                             cuda_n32(n), f->delta_gpu);
    KERNEL_CHECK();
}
