/*
 * conv2d.h - the 2-D convolution op, composed by [convolutional] and
 * [bridge]: one contract, a CPU implementation (src/backend/cpu/conv2d.c)
 * and its CUDA twin (src/backend/cuda/conv2d.cu, the same names + _gpu).
 *
 * Geometry: in (B, C, H, W), weights (F, C/G, k, k) filter-major as in
 * Darknet and PyTorch, zero padding p, stride s, out (B, F, OH, OW) with
 * OH = (H + 2p - k)/s + 1.
 *
 * Groups (Darknet's and PyTorch's groups=G; G divides C and F): the input
 * channels and the filters are cut into G consecutive slices, and filter
 * slice j (filters j*F/G ..) sees only input channel slice j (channels
 * j*C/G ..): G independent convolutions side by side. G = 1 is the plain
 * convolution; G = C = F is depthwise (one k x k filter per channel).
 *
 * Contract, both twins: forward writes out (=); backward ACCUMULATES dw (+=)
 * and, unless din is NULL, din (+=).
 */
#ifndef DN_OPS_CONV2D_H
#define DN_OPS_CONV2D_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct conv_geom {
    int B, C, H, W; /* input */
    int F, k, s, p; /* filters, kernel, stride, padding */
    int G;          /* groups (above); 1: an ordinary convolution */
    int OH, OW;     /* output (derived by conv_geom_set) */
    /* CPU threads the kernels use at most, and the workspace
     * (conv2d_workspace) is sized for; conv_geom_set sets gemm_threads(). The
     * results do not depend on it. */
    int threads;
};

void conv_geom_set(struct conv_geom *g, int B, int C, int H, int W, int F, int k, int s, int p, int G);

/* ---- CPU (src/backend/cpu/conv2d.c) ----
 * The fastest path that takes the shape. G = 1: Winograd (F(4x4,3x3) on maps
 * 16+ pixels wide, else F(2x2,3x3)) for 3x3 stride-1 pad-1 with 8+ input
 * channels (conv_winograd.h), else the direct kernels
 * (conv_direct.h), else im2col of every image side by side into one
 * (C*k*k, B*OH*OW) matrix and one GEMM with the (F, C*k*k) weights.
 * Depthwise (G = C = F): direct loops, one thread per (image, channel).
 * Other G > 1: im2col of the batch as for G = 1, then one GEMM per group
 * (its F/G filters, its C/G channels' rows), the groups in parallel. */

/* Floats of scratch needed by conv2d_forward/backward with g->threads threads. */
size_t conv2d_workspace(const struct conv_geom *g);
/* out (=) conv(in, w). */
void conv2d_forward(const struct conv_geom *g, const float *in, const float *w, float *out, float *ws);
/* dw (+=) dL/dw; din (+=) dL/din unless din is NULL. dout is (B, F, OH, OW). */
void conv2d_backward(const struct conv_geom *g, const float *in, const float *w, const float *dout,
                     float *dw, float *din, float *ws);
/*
 * Inference with batch norm: the forward with, in its store, per output
 * channel f: out = act(gamma[f] * ((conv - mean[f]) * inv[f]) + beta[f]), the
 * float expressions of bn_forward_act with running statistics (inv[f] =
 * 1 / sqrt(var[f] + eps)), so the result equals the convolution followed by
 * bn_forward_act bit for bit, without the pass over memory in between.
 */
struct conv_epilogue {
    const float *mean, *inv, *gamma, *beta;
    int act; /* enum dn_act */
    /* NULL, or a residual (B, F, OH, OW) added before the activation:
     * out = act(res + bn(conv)), the expression of a bridge's forward */
    const float *res;
};
/* out = the convolution with the epilogue e in its store (Winograd or the
 * direct kernels); returns -1, writing nothing, for a shape neither takes
 * (then: conv2d_forward and bn_forward_act). CPU only: the CUDA backend runs
 * the convolution and the batch norm as separate kernels. */
int conv2d_forward_epi(const struct conv_geom *g, const float *in, const float *w, float *out, float *ws,
                       const struct conv_epilogue *e);
/* The im2col + GEMM path alone (any geometry and groups; the tests' reference). */
size_t conv2d_workspace_gemm(const struct conv_geom *g);
void conv2d_forward_gemm(const struct conv_geom *g, const float *in, const float *w, float *out, float *ws);
void conv2d_backward_gemm(const struct conv_geom *g, const float *in, const float *w, const float *dout,
                          float *dw, float *din, float *ws);

#ifdef GPU
/* ---- CUDA twin (src/backend/cuda/conv2d.cu) ----
 * Device arrays, queued on ctx's stream. cuDNN when the context uses it
 * (algorithms chosen once per shape), otherwise im2col + cuBLAS in the
 * context's shared workspace. A struct conv2d_gpu holds the per-shape state
 * (descriptors, chosen algorithms); conv2d_create_gpu reserves the
 * workspace, so call it while the network is attached, before running.
 * Groups: cuDNN's group count; without cuDNN, im2col + one gemm per group,
 * or direct kernels for depthwise. */
struct dn_cuda;
struct conv2d_gpu;
struct conv2d_gpu *conv2d_create_gpu(struct dn_cuda *ctx, const struct conv_geom *g);
void conv2d_forward_gpu(struct dn_cuda *ctx, struct conv2d_gpu *cg, const float *in, const float *w, float *out);
void conv2d_backward_gpu(struct dn_cuda *ctx, struct conv2d_gpu *cg, const float *in, const float *w,
                         const float *dout, float *dw, float *din);
void conv2d_free_gpu(struct conv2d_gpu *cg); /* NULL: nothing */
#endif

#ifdef __cplusplus
}
#endif

#endif
