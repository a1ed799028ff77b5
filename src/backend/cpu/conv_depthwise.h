/*
 * conv_depthwise.h - depthwise convolution on the CPU (G = C = F in
 * src/ops/conv2d.h): each input channel convolved with its own k x k
 * filter into the output channel of the same index. Chosen by
 * src/backend/cpu/conv2d.c for that shape.
 *
 * Direct loops, one (image, channel) plane per OpenMP task. For each output
 * row and kernel tap (kh, kw) the range of output columns whose input pixel
 * lies inside the image is worked out once, so the inner loop has no bounds
 * test (and is a plain a[i] += w * b[i*s] that compilers vectorise at s = 1).
 *
 * The weight gradient sums over the batch: each (image, channel) plane's
 * k*k partial sums go to the workspace, then each channel adds its images
 * in batch order, so results do not depend on the thread count.
 */
#ifndef DN_CONV_DEPTHWISE_H
#define DN_CONV_DEPTHWISE_H

#include <stddef.h>

struct conv_geom;

/* 1 if g is depthwise (G = C = F, G > 1). */
int conv_dw_ok(const struct conv_geom *g);
/* Floats of scratch conv_dw_backward needs (conv_dw_forward needs none). */
size_t conv_dw_workspace(const struct conv_geom *g);
/* out (=) conv(in, w); w is (C, k, k). */
void conv_dw_forward(const struct conv_geom *g, const float *in, const float *w, float *out);
/* dw (+=) dL/dw; din (+=) dL/din unless din is NULL. */
void conv_dw_backward(const struct conv_geom *g, const float *in, const float *w, const float *dout, float *dw,
                      float *din, float *ws);

#endif
