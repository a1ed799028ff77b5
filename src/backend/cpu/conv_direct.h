/*
 * conv_direct.h - the fast CPU convolution: a direct (im2col-free)
 * convolution that works on NCHW tensors in place, vectorised along the
 * output rows, for every geometry whose output rows (and, for the input
 * gradient, input rows per stride phase) are whole multiples of 8 pixels
 * (all the CIFAR networks). conv_direct_ok() says whether it applies;
 * the conv2d op (src/backend/cpu/conv2d.c) falls back to im2col + GEMM
 * otherwise.
 *
 * Semantics are those of conv2d_forward/conv2d_backward (src/ops/conv2d.h):
 *   forward:  out (B, F, OH, OW) (=) conv(in (B, C, H, W), w (F, C, k, k))
 *   backward: dw (+=) dL/dw, din (+=) dL/din (unless NULL)
 *
 * How: each image is first copied into a zero-padded "staged" buffer split
 * into stride x stride phase planes (so a strided convolution reads
 * contiguous vectors), then a register tile of 4 filters x 3 vectors of 8
 * output pixels accumulates over every (channel, kernel tap) with FMAs. The
 * input gradient is the same kernel on the staged output gradient with the
 * kernel flipped (one pass per stride phase of the input); the weight
 * gradient is a tile of 4 filters x 3 (channel, tap) columns reduced over all
 * output pixels of the batch.
 *
 * Threads: forward and the input gradient split the batch; the weight
 * gradient sums 8 fixed groups of images separately (a thread takes whole
 * groups) and adds the groups in order; so the results do not depend on the
 * thread count. 3x3 stride-1 convolutions go to conv_winograd.h instead
 * (except the inference path with batch norm in the store).
 */
#ifndef DN_CONV_DIRECT_H
#define DN_CONV_DIRECT_H

#include <stddef.h>

#include "../../ops/conv2d.h" /* struct conv_geom, struct conv_epilogue */

/* 1 if the direct kernels handle g (never a grouped convolution). */
int conv_direct_ok(const struct conv_geom *g);
/* Floats of scratch conv_direct_forward/backward need with g->threads threads
 * (the kernels then use at most that many). */
size_t conv_direct_workspace(const struct conv_geom *g);
void conv_direct_forward(const struct conv_geom *g, const float *in, const float *w, float *out, float *ws);

/* Inference with conv2d.h's struct conv_epilogue in the store. */
void conv_direct_forward_epi(const struct conv_geom *g, const float *in, const float *w, float *out, float *ws,
                             const struct conv_epilogue *e);
void conv_direct_backward(const struct conv_geom *g, const float *in, const float *w, const float *dout,
                          float *dw, float *din, float *ws);

#endif
