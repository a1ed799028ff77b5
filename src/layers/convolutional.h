/*
 * convolutional.h - 2-D convolution as one GEMM over the whole batch, shared
 * by [convolutional] and [bridge].
 *
 * Geometry: in (B, C, H, W), weights (F, C, k, k) filter-major as in Darknet
 * and PyTorch, zero padding p, stride s, out (B, F, OH, OW) with
 * OH = (H + 2p - k)/s + 1.
 */
#ifndef DN_CONVOLUTIONAL_H
#define DN_CONVOLUTIONAL_H

#include <stddef.h>

struct conv_geom {
    int B, C, H, W; /* input */
    int F, k, s, p; /* filters, kernel, stride, padding */
    int OH, OW;     /* output (derived by conv_geom_set) */
    /* CPU threads the kernels use at most, and the workspace
     * (conv2d_workspace) is sized for; conv_geom_set sets gemm_threads(). The
     * results do not depend on it. */
    int threads;
};

void conv_geom_set(struct conv_geom *g, int B, int C, int H, int W, int F, int k, int s, int p);
/* Floats of scratch needed by conv2d_forward/backward with g->threads threads. */
size_t conv2d_workspace(const struct conv_geom *g);
/* out (=) conv(in, w). */
void conv2d_forward(const struct conv_geom *g, const float *in, const float *w, float *out, float *ws);
/* dw (+=) dL/dw; din (+=) dL/din unless din is NULL. dout is (B, F, OH, OW). */
void conv2d_backward(const struct conv_geom *g, const float *in, const float *w, const float *dout,
                     float *dw, float *din, float *ws);
/* The two implementations conv2d_* choose from: im2col + one GEMM over the
 * batch (any geometry), and the direct kernels of
 * src/backend/cpu/conv_direct.h (taken whenever conv_direct_ok()). */
size_t conv2d_workspace_gemm(const struct conv_geom *g);
void conv2d_forward_gemm(const struct conv_geom *g, const float *in, const float *w, float *out, float *ws);
void conv2d_backward_gemm(const struct conv_geom *g, const float *in, const float *w, const float *dout,
                          float *dw, float *din, float *ws);

#endif
