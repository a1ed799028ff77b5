/*
 * avgpool.cu - [avgpool] on the device, avgpool.c's semantics: global mean
 * per (b, c) row (one warp per row), backward spreads delta / (H*W).
 */
#include "../backend/cuda/cuda_common.h"
#include "avgpool.h"

__global__ static void avgpool_backward_kernel(const float *delta, float *dx, unsigned n, unsigned S)
{
    GRID_STRIDE32(i, n) dx[i] += delta[i / S] / S;
}

void avgpool_forward_gpu(struct layer *l, struct network *net)
{
    cuda_row_mean(net->cuda, l->input_gpu, l->batch * l->c, l->h * l->w, l->output_gpu);
}

void avgpool_backward_gpu(struct layer *l, struct network *net)
{
    if (!l->dinput_gpu) return;
    size_t n = (size_t)l->batch * l->inputs;
    emu_launch(dim3(cuda_grid(n)), dim3( DN_THREADS), false, [&]() { avgpool_backward_kernel(l->delta_gpu, l->dinput_gpu,
                                                                                cuda_n32(n), l->h * l->w); });
    KERNEL_CHECK();
}
