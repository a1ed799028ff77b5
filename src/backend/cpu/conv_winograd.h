/*
 * conv_winograd.h - 3x3, stride 1, pad 1 convolutions (every convolution in
 * the CIFAR ResNets except the two strided ones) with Winograd's minimal
 * filtering algorithm F(2x2, 3x3): each 2x2 block of output pixels ("tile")
 * costs 16 multiply-accumulates per (filter, channel) instead of 36, so the
 * forward pass and both gradients do 2.25x fewer of them than the direct
 * kernels.
 *
 * For a tile with input patch d (4x4, the padded input around it) and a
 * filter g (3x3), the tile's output is Y = A^T [(G g G^T) . (B^T d B)] A,
 * '.' being the element-wise product summed over the input channels:
 *
 *   B^T = | 1  0 -1  0 |   G = | 1    0    0   |   A^T = | 1  1  1  0 |
 *         | 0  1  1  0 |       | 1/2  1/2  1/2 |         | 0  1 -1 -1 |
 *         | 0 -1  1  0 |       | 1/2 -1/2  1/2 |
 *         | 0  1  0 -1 |       | 0    0    1   |
 *
 * So a convolution is: transform every filter (U = G g G^T) and every input
 * patch (V = B^T d B), then 16 independent products M[p] = U[p] V[p] (one
 * per element p of the 4x4 transforms: (filters x channels) times
 * (channels x tiles)), then transform M back (A^T M A) into the output.
 * The input gradient of such a convolution is the same computation on the
 * output gradient with the filters rotated by 180 degrees and filters and
 * channels swapped. The weight gradient is its adjoint: per tile,
 * dU[p] += (A dY A^T)[p] * V[p] (dY the tile's 2x2 output gradient), summed
 * over all tiles of the batch, then dW = G^T dU G. The rounding differs
 * from the direct sum (the transforms add and subtract before multiplying):
 * tests/test_kernels.c compares all three with the im2col reference.
 *
 * Where the maps are at least 16 pixels wide (W a multiple of 16, H of 4:
 * the CIFAR ResNets' first two stages), the forward and the input gradient
 * use the larger F(4x4, 3x3) instead (matrices in conv_winograd.c): 36
 * multiply-accumulates per 4x4 tile instead of 144, 4x fewer than direct,
 * at about 10x F(2x2)'s rounding error (still within the tests' bound of
 * 2e-6 per term). The weight gradient stays F(2x2): measured faster there.
 * At inference (conv_wino_forward_epi) batch norm, a residual and the
 * activation are applied in the output transform's store, like the direct
 * kernels' conv_epilogue.
 *
 * Threads: forward and input gradient split the tiles, each output value
 * computed by one thread in a fixed order; the weight gradient sums 8 fixed
 * groups of images separately and adds the groups in order. So results do
 * not depend on the thread count.
 */
#ifndef DN_CONV_WINOGRAD_H
#define DN_CONV_WINOGRAD_H

#include <stddef.h>

#include "../../ops/conv2d.h" /* struct conv_geom, struct conv_epilogue */

/* 1 if g is a 3x3, stride 1, pad 1 convolution (not grouped) with even
 * output height and output rows of a multiple of 8 pixels. */
int conv_wino_ok(const struct conv_geom *g);
/* Floats of scratch conv_wino_forward/backward_data need with g->threads threads
 * (the kernels then use at most that many). */
size_t conv_wino_workspace(const struct conv_geom *g);
/* out (B, F, H, W) = conv(in (B, C, H, W), w (F, C, 3, 3)) */
void conv_wino_forward(const struct conv_geom *g, const float *in, const float *w, float *out, float *ws);
/* din (B, C, H, W) += dL/din for dout = dL/dout (B, F, H, W) */
void conv_wino_backward_data(const struct conv_geom *g, const float *w, const float *dout, float *din, float *ws);
/* Inference: the forward with batch norm, residual and activation in the
 * output transform's store (struct conv_epilogue, src/ops/conv2d.h). */
void conv_wino_forward_epi(const struct conv_geom *g, const float *in, const float *w, float *out, float *ws,
                           const struct conv_epilogue *e);
/* dw (F, C, 3, 3) += dL/dw for input in and dout = dL/dout */
void conv_wino_backward_filter(const struct conv_geom *g, const float *in, const float *dout, float *dw, float *ws);

#endif
