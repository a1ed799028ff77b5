/*
 * im2col.h - unfold image patches into columns for convolution as GEMM.
 *
 * For one image im (C, H, W), a k x k kernel, stride s and zero padding p,
 * the output is OH x OW with OH = (H + 2p - k)/s + 1. The column matrix has
 * C*k*k rows (channel-major, then kh, kw: the order of a filter's weights)
 * and OH*OW columns; im2col writes it with row stride ldc (so that a whole
 * batch can be laid side by side: image b at column offset b*OH*OW).
 * col2im is the adjoint: it ACCUMULATES (+=) columns back into im.
 */
#ifndef DN_IM2COL_H
#define DN_IM2COL_H

void im2col(const float *im, int C, int H, int W, int k, int s, int p, float *col, int ldc);
void col2im(const float *col, int ldc, int C, int H, int W, int k, int s, int p, float *im);

#endif
