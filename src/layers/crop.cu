/*
 * crop.cu - [crop] on the device, crop.c's semantics (crop.h). The window
 * offsets, mirrors and channel shifts are drawn on the host by crop_draw
 * (the CPU's draws, from the same RNG) and uploaded with each forward; one
 * thread per output element, forward and backward (the window's pixels are
 * distinct, so the backward adds need no atomics).
 */
#include "../backend/cuda/cuda_common.h"

#include "crop.h"

void crop_init_gpu(struct layer *l, struct network *net)
{
    (void)net;
    struct crop_layer *cr = (struct crop_layer *)l->priv;
    CUDA_CHECK(cudaMalloc((void **)&cr->gpu.plan, (size_t)l->batch * 3 * sizeof(int)));
    cr->gpu.shifts = cuda_alloc((size_t)l->batch * l->c);
}

void crop_free_gpu(struct layer *l)
{
    struct crop_layer *cr = (struct crop_layer *)l->priv;
    if (!cr) return;
    cuda_free(cr->gpu.plan);
    cuda_free(cr->gpu.shifts);
    cr->gpu.plan = NULL, cr->gpu.shifts = NULL;
}

/* input index of output element i (b, k, y, x), as crop.c's crop_src */
__device__ static size_t crop_src(unsigned i, const int *plan, unsigned c, unsigned h, unsigned w, unsigned oh,
                                  unsigned ow)
{
    unsigned x = i % ow, y = i / ow % oh, k = i / (ow * oh) % c, b = i / (ow * oh * c);
    const int *p = plan + 3 * b;
    int col = p[2] ? (int)w - 1 - p[1] - (int)x : p[1] + (int)x;
    return (((size_t)b * c + k) * h + (unsigned)p[0] + y) * w + (unsigned)col;
}

__global__ static void crop_forward_kernel(const float *in, const int *plan, const float *shifts, float scale,
                                           float trans, unsigned c, unsigned h, unsigned w, unsigned oh, unsigned ow,
                                           unsigned n, float *out)
{
    GRID_STRIDE32(i, n) out[i] = in[crop_src(i, plan, c, h, w, oh, ow)] * scale + trans + shifts[i / (ow * oh)];
}

__global__ static void crop_backward_kernel(const float *delta, const int *plan, float scale, unsigned c, unsigned h,
                                            unsigned w, unsigned oh, unsigned ow, unsigned n, float *dx)
{
    GRID_STRIDE32(i, n) dx[crop_src(i, plan, c, h, w, oh, ow)] += scale * delta[i];
}

void crop_forward_gpu(struct layer *l, struct network *net)
{
    struct crop_layer *cr = (struct crop_layer *)l->priv;
    struct dn_cuda *ctx = net->cuda;
    crop_draw(l, net);
    /* from pageable memory: staged before the call returns, so the next
     * forward may redraw the host plan */
    CUDA_CHECK(cudaMemcpyAsync(cr->gpu.plan, cr->plan, (size_t)l->batch * 3 * sizeof(int), cudaMemcpyHostToDevice,
                               ctx->stream));
    CUDA_CHECK(cudaMemcpyAsync(cr->gpu.shifts, cr->shifts, (size_t)l->batch * l->c * sizeof(float),
                               cudaMemcpyHostToDevice, ctx->stream));
    size_t n = (size_t)l->batch * l->outputs;
    crop_forward_kernel<<<cuda_grid(n), DN_THREADS, 0, ctx->stream>>>(l->input_gpu, cr->gpu.plan, cr->gpu.shifts,
                                                                    cr->scale, cr->trans, l->c, l->h, l->w, l->out_h,
                                                                    l->out_w, cuda_n32(n), l->output_gpu);
    KERNEL_CHECK();
}

void crop_backward_gpu(struct layer *l, struct network *net)
{
    struct crop_layer *cr = (struct crop_layer *)l->priv;
    if (!l->dinput_gpu) return;
    size_t n = (size_t)l->batch * l->outputs;
    crop_backward_kernel<<<cuda_grid(n), DN_THREADS, 0, net->cuda->stream>>>(l->delta_gpu, cr->gpu.plan, cr->scale,
                                                                           l->c, l->h, l->w, l->out_h, l->out_w,
                                                                           cuda_n32(n), l->dinput_gpu);
    KERNEL_CHECK();
}
