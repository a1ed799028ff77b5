/*
 * conv2d.c - the CPU convolution op (see src/ops/conv2d.h): the path choice
 * (Winograd, direct, depthwise, im2col + GEMM) and the im2col + GEMM path
 * itself.
 *
 * im2col + GEMM: every image of the batch is unfolded side by side into one
 * (C*k*k, B*OH*OW) matrix, then one GEMM with the (F, C*k*k) weights and a
 * transpose back to NCHW; backward re-unfolds the input instead of keeping
 * the columns. With G groups the unfolding is the same (group j's C/G
 * channels are rows j*K.. of the columns, K = C/G*k*k), and G GEMMs, one
 * per group, in parallel: filters [j*F/G, (j+1)*F/G) (rows j*F/G.. of the
 * (F, K) weights) times group j's rows into rows j*F/G.. of the
 * (F, B*OH*OW) result. Each group is one GEMM call whatever the thread
 * count, so results do not depend on it.
 */
#include "../../ops/conv2d.h"

#include <string.h>

#include "conv_depthwise.h"
#include "conv_direct.h"
#include "conv_winograd.h"
#include "gemm.h"
#include "im2col.h"

void conv_geom_set(struct conv_geom *g, int B, int C, int H, int W, int F, int k, int s, int p, int G)
{
    g->B = B, g->C = C, g->H = H, g->W = W, g->F = F, g->k = k, g->s = s, g->p = p, g->G = G;
    g->OH = (H + 2 * p - k) / s + 1;
    g->OW = (W + 2 * p - k) / s + 1;
    g->threads = gemm_threads();
}

/* Winograd where it takes the shape, except for a few input channels (an
 * RGB image): its transforms then cost more than the multiply-accumulates
 * they save, and the direct kernels are faster (ResNet-20's first
 * convolution, 3 -> 16 at 32x32, batch 128: 1.9 ms instead of 2.9 forward). */
static int use_wino(const struct conv_geom *g)
{
    return conv_wino_ok(g) && (g->C >= 8 || !conv_direct_ok(g));
}

size_t conv2d_workspace(const struct conv_geom *g)
{
    if (conv_dw_ok(g)) return conv_dw_workspace(g);
    if (!conv_direct_ok(g)) return conv2d_workspace_gemm(g);
    size_t n = conv_direct_workspace(g);
    if (use_wino(g)) {
        size_t nw = conv_wino_workspace(g);
        if (nw > n) n = nw;
    }
    return n;
}

size_t conv2d_workspace_gemm(const struct conv_geom *g)
{
    size_t n = (size_t)g->B * g->OH * g->OW;
    return (size_t)g->C * g->k * g->k * n + (size_t)g->F * n;
}

/* cols (C*k*k, B*OHW) <- unfolded batch */
static void unfold_batch(const struct conv_geom *g, const float *in, float *cols)
{
    int ohw = g->OH * g->OW, ld = g->B * ohw;
#pragma omp parallel for
    for (int b = 0; b < g->B; b++)
        im2col(in + (long)b * g->C * g->H * g->W, g->C, g->H, g->W, g->k, g->s, g->p, cols + (long)b * ohw, ld);
}

void conv2d_forward(const struct conv_geom *g, const float *in, const float *w, float *out, float *ws)
{
    if (conv_dw_ok(g)) conv_dw_forward(g, in, w, out);
    else if (use_wino(g)) conv_wino_forward(g, in, w, out, ws);
    else if (conv_direct_ok(g)) conv_direct_forward(g, in, w, out, ws);
    else conv2d_forward_gemm(g, in, w, out, ws);
}

int conv2d_forward_epi(const struct conv_geom *g, const float *in, const float *w, float *out, float *ws,
                       const struct conv_epilogue *e)
{
    if (use_wino(g)) conv_wino_forward_epi(g, in, w, out, ws, e);
    else if (conv_direct_ok(g)) conv_direct_forward_epi(g, in, w, out, ws, e);
    else return -1;
    return 0;
}

void conv2d_backward(const struct conv_geom *g, const float *in, const float *w, const float *dout,
                     float *dw, float *din, float *ws)
{
    if (conv_dw_ok(g)) {
        conv_dw_backward(g, in, w, dout, dw, din, ws);
    } else if (use_wino(g)) {
        conv_wino_backward_filter(g, in, dout, dw, ws);
        if (din) conv_wino_backward_data(g, w, dout, din, ws);
    } else if (conv_direct_ok(g)) {
        conv_direct_backward(g, in, w, dout, dw, din, ws);
    } else {
        conv2d_backward_gemm(g, in, w, dout, dw, din, ws);
    }
}

void conv2d_forward_gemm(const struct conv_geom *g, const float *in, const float *w, float *out, float *ws)
{
    int ohw = g->OH * g->OW, N = g->B * ohw, K = g->C / g->G * g->k * g->k, fg = g->F / g->G;
    float *cols = ws, *tmp = ws + (size_t)g->G * K * N;
    unfold_batch(g, in, cols);
#pragma omp parallel for if (g->G > 1)
    for (int j = 0; j < g->G; j++)
        gemm(0, 0, fg, N, K, 1, w + (size_t)j * fg * K, K, cols + (size_t)j * K * N, N, 0, tmp + (size_t)j * fg * N,
             N);
    /* tmp (F, B, OHW) -> out (B, F, OHW) */
#pragma omp parallel for
    for (int b = 0; b < g->B; b++)
        for (int f = 0; f < g->F; f++)
            memcpy(out + ((long)b * g->F + f) * ohw, tmp + (long)f * N + (long)b * ohw, sizeof(float) * ohw);
}

void conv2d_backward_gemm(const struct conv_geom *g, const float *in, const float *w, const float *dout,
                          float *dw, float *din, float *ws)
{
    int ohw = g->OH * g->OW, N = g->B * ohw, K = g->C / g->G * g->k * g->k, fg = g->F / g->G;
    float *cols = ws, *dtmp = ws + (size_t)g->G * K * N;
#pragma omp parallel for
    for (int b = 0; b < g->B; b++)
        for (int f = 0; f < g->F; f++)
            memcpy(dtmp + (long)f * N + (long)b * ohw, dout + ((long)b * g->F + f) * ohw, sizeof(float) * ohw);
    unfold_batch(g, in, cols);
    /* per group: dw_j += dout_j cols_j^T, then (with din) cols_j = w_j^T dout_j */
#pragma omp parallel for if (g->G > 1)
    for (int j = 0; j < g->G; j++) {
        float *cj = cols + (size_t)j * K * N;
        const float *dj = dtmp + (size_t)j * fg * N;
        gemm(0, 1, fg, K, N, 1, dj, N, cj, N, 1, dw + (size_t)j * fg * K, K);
        if (din) gemm(1, 0, K, N, fg, 1, w + (size_t)j * fg * K, K, dj, N, 0, cj, N);
    }
    if (!din) return;
#pragma omp parallel for
    for (int b = 0; b < g->B; b++)
        col2im(cols + (long)b * ohw, N, g->C, g->H, g->W, g->k, g->s, g->p, din + (long)b * g->C * g->H * g->W);
}
