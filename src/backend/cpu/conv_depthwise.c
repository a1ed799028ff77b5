/*
 * conv_depthwise.c - depthwise convolution on the CPU: see conv_depthwise.h.
 *
 * Per plane (image b, channel c), with in, out, w the plane's input (H, W),
 * output (OH, OW) and filter (k, k):
 *   out[oy][ox]  = sum_{kh,kw} w[kh][kw] * in[oy*s - p + kh][ox*s - p + kw]
 *   din[y][x]   += the adjoint (every output scatters back through each tap)
 *   dw[kh][kw]  += sum_{b,oy,ox} dout[oy][ox] * in[oy*s - p + kh][ox*s - p + kw]
 * with zero outside the image.
 */
#include "conv_depthwise.h"

#include <string.h>

#include "../../ops/conv2d.h"

int conv_dw_ok(const struct conv_geom *g) { return g->G > 1 && g->G == g->C && g->G == g->F; }

size_t conv_dw_workspace(const struct conv_geom *g) { return (size_t)g->B * g->C * g->k * g->k; }

/* The outputs o in [*lo, *hi) of n_out whose input o*s + off lies in [0, n_in). */
static void tap_range(int n_out, int n_in, int s, int off, int *lo, int *hi)
{
    int a = off < 0 ? (-off + s - 1) / s : 0;
    int last = n_in - 1 - off; /* o*s <= last */
    int b = last < 0 ? 0 : last / s + 1;
    if (b > n_out) b = n_out;
    *lo = a < b ? a : b;
    *hi = b;
}

static void forward_plane(const struct conv_geom *g, const float *in, const float *w, float *out)
{
    int k = g->k, s = g->s;
    for (int oy = 0; oy < g->OH; oy++) {
        float *o = out + (size_t)oy * g->OW;
        memset(o, 0, sizeof(float) * g->OW);
        for (int kh = 0; kh < k; kh++) {
            int y = oy * s - g->p + kh;
            if (y < 0 || y >= g->H) continue;
            for (int kw = 0; kw < k; kw++) {
                int lo, hi, off = kw - g->p; /* output ox reads row[ox*s + off] */
                tap_range(g->OW, g->W, s, off, &lo, &hi);
                const float *row = in + (size_t)y * g->W;
                float wv = w[kh * k + kw];
                if (s == 1) /* unit stride: a loop the compiler vectorises */
                    for (int ox = lo; ox < hi; ox++) o[ox] += wv * row[ox + off];
                else
                    for (int ox = lo; ox < hi; ox++) o[ox] += wv * row[ox * s + off];
            }
        }
    }
}

/* din (+=) and the plane's k*k weight-gradient partial sums part (=) */
static void backward_plane(const struct conv_geom *g, const float *in, const float *w, const float *dout,
                           float *part, float *din)
{
    int k = g->k, s = g->s;
    memset(part, 0, sizeof(float) * k * k);
    for (int oy = 0; oy < g->OH; oy++) {
        const float *d = dout + (size_t)oy * g->OW;
        for (int kh = 0; kh < k; kh++) {
            int y = oy * s - g->p + kh;
            if (y < 0 || y >= g->H) continue;
            for (int kw = 0; kw < k; kw++) {
                int lo, hi, off = kw - g->p; /* output ox reads row[ox*s + off] */
                tap_range(g->OW, g->W, s, off, &lo, &hi);
                const float *row = in + (size_t)y * g->W;
                float sum = 0;
                for (int ox = lo; ox < hi; ox++) sum += d[ox] * row[ox * s + off];
                part[kh * k + kw] += sum;
                if (!din) continue;
                float *drow = din + (size_t)y * g->W, wv = w[kh * k + kw];
                if (s == 1)
                    for (int ox = lo; ox < hi; ox++) drow[ox + off] += wv * d[ox];
                else
                    for (int ox = lo; ox < hi; ox++) drow[ox * s + off] += wv * d[ox];
            }
        }
    }
}

void conv_dw_forward(const struct conv_geom *g, const float *in, const float *w, float *out)
{
    size_t in_plane = (size_t)g->H * g->W, out_plane = (size_t)g->OH * g->OW, kk = (size_t)g->k * g->k;
    int planes = g->B * g->C;
#pragma omp parallel for
    for (int bc = 0; bc < planes; bc++)
        forward_plane(g, in + bc * in_plane, w + (bc % g->C) * kk, out + bc * out_plane);
}

void conv_dw_backward(const struct conv_geom *g, const float *in, const float *w, const float *dout, float *dw,
                      float *din, float *ws)
{
    size_t in_plane = (size_t)g->H * g->W, out_plane = (size_t)g->OH * g->OW, kk = (size_t)g->k * g->k;
    int planes = g->B * g->C;
#pragma omp parallel for
    for (int bc = 0; bc < planes; bc++)
        backward_plane(g, in + bc * in_plane, w + (bc % g->C) * kk, dout + bc * out_plane, ws + bc * kk,
                       din ? din + bc * in_plane : NULL);
    /* ws is [B][C][k*k]: each channel's images in batch order */
#pragma omp parallel for
    for (int c = 0; c < g->C; c++)
        for (size_t t = 0; t < kk; t++) {
            float sum = 0;
            for (int b = 0; b < g->B; b++) sum += ws[((size_t)b * g->C + c) * kk + t];
            dw[c * kk + t] += sum;
        }
}
