/*
 * conv_winograd.c - see conv_winograd.h.
 *
 * Vocabulary:
 *   tile   2x2 output pixels; image row pair ty, column pair tx. The tiles of
 *          the batch are numbered row pair by row pair: (image, ty) is "tile
 *          row" r = image * th + ty, and tile (r, tx) comes after tile row r's
 *          tx - 1.
 *   unit   a run of consecutive tile rows, sized so that its transformed
 *          inputs V and products M (16 x channels x tiles each) stay in L2;
 *          a thread transforms, multiplies and writes back one unit at a time.
 *   p      an element of a 4x4 transform, 0..15 (row-major).
 * A convolution here has nin input and nout output channels: for the input
 * gradient the output gradient is the input (nin = F) and the input gradient
 * the output (nout = C).
 */
#include "conv_winograd.h"

#include <stdint.h>
#include <string.h>

#include "../../core/activations.h"
#include "../../core/utils.h"
#include "../../ops/conv2d.h"
#include "conv_direct.h" /* struct conv_epilogue */
#include "simd.h"

#define TF 4                       /* output channels per register tile of the products */
#define TV 3                       /* vectors of tiles per register tile */
/* input channels per register tile of the weight gradient: TF x TC
 * accumulators, TC + 1 more vectors (AVX-512VL has 32 registers, AVX 16) */
#ifdef __AVX512VL__
#define TC 4
#else
#define TC 3
#endif
#define UNIT_FLOATS (64 << 10)     /* V and M of one unit: 256 KB */
#define WG_UNIT_FLOATS (512 << 10) /* V and W of a weight-gradient unit: 2 MB (one p: 128 KB) */
#define WG_GROUPS 8

/* all 8 lanes, or (half) the first 4 */
static ALWAYS_INLINE void vst_n(float *p, vf v, int half)
{
    if (half) memcpy(p, &v, sizeof(v) / 2);
    else vst(p, v);
}

struct wino {
    int m, np;      /* output tile m x m (2 or 4), transform elements (m + 2)^2 */
    int B, nin, nout, h, w, th, tw;
    int ru, nunits; /* tile rows per unit, units */
    int tu;         /* tiles per unit rounded up to whole vectors: the row length of V and M */
    size_t vps, mps; /* floats from one p to the next in V and M (not a multiple of 4 KB: the
                      * 16 streams of a transform would fight over the same L1 sets) */
    int nfb;        /* blocks of TF output channels */
    int rowlen;     /* floats of one transformed input row (padded, with room for over-reads) */
    float *u;       /* [np][nfb][nin][TF] transformed filters */
    float *scratch; /* per thread: V [np][nin][tu], M [np][nout][tu] (the weight gradient: W),
                     * rows [m + 2][rowlen], a zero row [w] */
    size_t per_thread;
    int nt;         /* threads: the scratch holds nt per_thread blocks */
};

static size_t up16(size_t n) { return (n + 15) & ~(size_t)15; }

/* The workspace from the caller may start anywhere: align it to 64 bytes. */
static float *align64(float *ws) { return (float *)(((uintptr_t)ws + 63) & ~(uintptr_t)63); }

/* The output tile of g's Winograd transform: F(4x4, 3x3) (36 products per 16
 * outputs instead of 16 per 4) where H is a multiple of 4 and the image rows
 * hold whole vectors of 4x4 tiles' columns (W a multiple of 16), or W is 8
 * (2 tiles a row: a vector holds 4 tile rows); else F(2x2, 3x3). */
static int wino_tile(const struct conv_geom *g)
{
    return g->H % 4 == 0 && (g->W % 16 == 0 || g->W == 8) ? 4 : 2;
}

/* Fill z for a convolution of B images of h x w with units of V and M of
 * about `budget` floats and at most max_rows tile rows; returns the floats
 * of scratch it needs. */
static size_t wino_layout(struct wino *z, int m, int B, int nin, int nout, int h, int w, int nthreads,
                          int budget, int max_rows, float *ws)
{
    z->m = m, z->np = (m + 2) * (m + 2);
    z->B = B, z->nin = nin, z->nout = nout, z->h = h, z->w = w, z->nt = nthreads;
    z->th = h / m, z->tw = w / m;
    int rows = B * z->th;
    z->ru = budget / (z->np * (nin + nout) * z->tw);
    if (z->ru < 1) z->ru = 1;
    int step = 1; /* tile rows that fill whole vectors of tiles: tw 8k: 1, 8k + 4: 2, 2: 4 */
    while (step * z->tw % VL) step++;
    z->ru = (z->ru + step - 1) / step * step;
    if (z->ru > max_rows) z->ru = max_rows;
    z->nunits = (rows + z->ru - 1) / z->ru;
    z->tu = (z->ru * z->tw + VL - 1) / VL * VL;
    z->nfb = (nout + TF - 1) / TF;
    z->rowlen = w + 2 + 4 * VL; /* F(4x4) reads 4 vectors from a tile's first column */
    z->vps = (size_t)nin * z->tu + 16, z->mps = (size_t)nout * z->tu + 16;
    /* + VL: the output transform reads whole vectors past a unit's last half-vector row */
    z->per_thread = up16(z->np * z->vps + VL) + up16(z->np * z->mps + VL) +
                    up16((size_t)(m + 2) * z->rowlen) + up16((size_t)w);
    size_t nu = up16((size_t)z->np * z->nfb * nin * TF);
    z->u = ws;
    z->scratch = ws ? ws + nu : NULL;
    return nu + (size_t)nthreads * z->per_thread;
}

/* U = G g G^T for every (output, input) channel pair, packed for products().
 * flip: the filters of the input gradient (g = w[input][output] rotated by
 * 180 degrees) instead of w[output][input]. */
static void transform_filters4(const struct wino *z, const float *w, int flip);

static void transform_filters(const struct wino *z, const float *w, int flip)
{
    if (z->m == 4) {
        transform_filters4(z, w, flip);
        return;
    }
    memset(z->u, 0, sizeof(float) * z->np * z->nfb * z->nin * TF);
#pragma omp parallel for schedule(static) num_threads(z->nt)
    for (int o = 0; o < z->nout; o++)
        for (int i = 0; i < z->nin; i++) {
            float g[3][3], gg[4][3];
            for (int ky = 0; ky < 3; ky++)
                for (int kx = 0; kx < 3; kx++)
                    g[ky][kx] = flip ? w[((size_t)i * z->nout + o) * 9 + (2 - ky) * 3 + (2 - kx)]
                                     : w[((size_t)o * z->nin + i) * 9 + ky * 3 + kx];
            for (int j = 0; j < 3; j++) {
                gg[0][j] = g[0][j];
                gg[1][j] = 0.5f * (g[0][j] + g[1][j] + g[2][j]);
                gg[2][j] = 0.5f * (g[0][j] - g[1][j] + g[2][j]);
                gg[3][j] = g[2][j];
            }
            for (int a = 0; a < 4; a++) {
                float uu[4] = {gg[a][0], 0.5f * (gg[a][0] + gg[a][1] + gg[a][2]),
                               0.5f * (gg[a][0] - gg[a][1] + gg[a][2]), gg[a][2]};
                for (int b = 0; b < 4; b++)
                    z->u[(((size_t)(a * 4 + b) * z->nfb + o / TF) * z->nin + i) * TF + o % TF] = uu[b];
            }
        }
}

/* Tiles past the unit's last (ntiles of a row of tu): zeros, in the np
 * rows (ps floats apart) of channel c. */
static void zero_tail(float *v, size_t ps, int np, int c, int tu, int ntiles)
{
    if (ntiles < tu)
        for (int p = 0; p < np; p++) memset(v + p * ps + (size_t)c * tu + ntiles, 0, sizeof(float) * (tu - ntiles));
}

/* d[k], k < m + 2: the input rows of tile row r's patches in channel i (the
 * zero row past the image's edges); and a prefetch of that tile row's m rows
 * in channel i + 1, whose turn comes after this unit's rows. */
static ALWAYS_INLINE void patch_rows(const struct wino *z, const float *in, int i, int r, const float *zero,
                                     const float **d)
{
    const int m = z->m, h = z->h, w = z->w, ty = r % z->th;
    const float *src = in + ((size_t)(r / z->th) * z->nin + i) * h * w;
    for (int k = 0; k < m + 2; k++) {
        int y = m * ty - 1 + k;
        d[k] = y >= 0 && y < h ? src + (size_t)y * w : zero;
    }
    if (i + 1 < z->nin)
        for (int k = 0; k < m; k++)
            for (int x = 0; x < w; x += 16) __builtin_prefetch(src + (size_t)h * w + (size_t)(m * ty + k) * w + x);
}

/* V = B^T d B for the tiles of tile rows r0..r1-1 of every input channel. */
static void transform_input(const struct wino *z, const float *in, int r0, int r1, float *v, float *rows,
                            const float *zero)
{
    const int w = z->w, tw = z->tw, tu = z->tu, ntiles = (r1 - r0) * tw;
    float *R[4];
    for (int k = 0; k < 4; k++) R[k] = rows + k * z->rowlen;
    memset(rows, 0, sizeof(float) * 4 * z->rowlen); /* the padding columns stay zero */
    for (int i = 0; i < z->nin; i++) {
        zero_tail(v, z->vps, 16, i, tu, ntiles);
        for (int r = r0; r < r1; r++) {
            const float *d[4];
            patch_rows(z, in, i, r, zero, d);
            /* rows of B^T d, column x of the image at x + 1 (column 0 is the left padding) */
            for (int x = 0; x < w; x += VL) {
                vf d0 = vld(d[0] + x), d1 = vld(d[1] + x), d2 = vld(d[2] + x), d3 = vld(d[3] + x);
                vst(R[0] + x + 1, d0 - d2);
                vst(R[1] + x + 1, d1 + d2);
                vst(R[2] + x + 1, d2 - d1);
                vst(R[3] + x + 1, d1 - d3);
            }
            /* columns: tile tx's patch columns are padded columns 2tx .. 2tx+3 */
            float *dst = v + (size_t)i * tu + (r - r0) * tw;
            const size_t pstride = z->vps;
            for (int tx = 0; tx < tw; tx += VL) {
                int half = tw - tx < VL; /* 4 tiles left in the row, not 8 */
                for (int k = 0; k < 4; k++) {
                    const float *q = R[k] + 2 * tx;
                    vf a = vld(q), b = vld(q + VL), c = vld(q + 2), e = vld(q + 2 + VL);
                    vf c0 = __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14);
                    vf c1 = __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15);
                    vf c2 = __builtin_shufflevector(c, e, 0, 2, 4, 6, 8, 10, 12, 14);
                    vf c3 = __builtin_shufflevector(c, e, 1, 3, 5, 7, 9, 11, 13, 15);
                    float *o = dst + (size_t)k * 4 * pstride + tx;
                    vst_n(o, c0 - c2, half);
                    vst_n(o + pstride, c1 + c2, half);
                    vst_n(o + 2 * pstride, c2 - c1, half);
                    vst_n(o + 3 * pstride, c1 - c3, half);
                }
            }
        }
    }
}

/* m[f][q..] = sum_i wp[i][f] * v[i][q..] for nv vectors of tiles and up to TF
 * output channels (nf of them are real). */
static ALWAYS_INLINE void product_tile(const int nv, const float *wp, const float *v, int nin, int tu, float *m,
                                       int nf)
{
    vf acc[TF][TV];
    for (int f = 0; f < TF; f++)
        for (int j = 0; j < TV; j++) acc[f][j] = (vf){0};
    for (int i = 0; i < nin; i++) {
        const float *x = v + (size_t)i * tu;
        vf x0 = vld(x), x1 = nv > 1 ? vld(x + VL) : x0, x2 = nv > 2 ? vld(x + 2 * VL) : x0;
        IN_REG(x0);
        IN_REG(x1);
        IN_REG(x2);
        for (int f = 0; f < TF; f++) {
            float s = wp[i * TF + f];
            vf wv = vset1(s);
            acc[f][0] = VFMA(wv, x0, acc[f][0]);
            if (nv > 1) acc[f][1] = VFMA(wv, x1, acc[f][1]);
            if (nv > 2) acc[f][2] = VFMA(wv, x2, acc[f][2]);
        }
    }
    for (int f = 0; f < nf && f < TF; f++)
        for (int j = 0; j < nv; j++) vst(m + (size_t)f * tu + j * VL, acc[f][j]);
}

/* M[p] = U[p] V[p] for the np elements p. */
static void products(const struct wino *z, const float *v, float *m)
{
    const int nin = z->nin, tu = z->tu;
    for (int p = 0; p < z->np; p++) {
        const float *vp = v + p * z->vps;
        for (int fb = 0; fb < z->nfb; fb++) {
            const float *wp = z->u + ((size_t)p * z->nfb + fb) * nin * TF;
            float *mp = m + p * z->mps + (size_t)fb * TF * tu;
            int nf = z->nout - fb * TF, q = 0;
            for (; q + TV * VL <= tu; q += TV * VL) product_tile(3, wp, vp + q, nin, tu, mp + q, nf);
            if (tu - q == 2 * VL) product_tile(2, wp, vp + q, nin, tu, mp + q, nf);
            else if (tu - q == VL) product_tile(1, wp, vp + q, nin, tu, mp + q, nf);
        }
    }
}

/* Store the 8 outputs v of channel f at q: q = v, q += v (add), or with the
 * inference epilogue e (conv_epilogue; res: the residual at q, or NULL). */
static ALWAYS_INLINE void store_out(float *q, vf v, int add, const struct conv_epilogue *e, int f, const float *res)
{
    if (!e) {
        vst(q, add ? vld(q) + v : v);
        return;
    }
    v = vset1(e->gamma[f]) * ((v - vset1(e->mean[f])) * vset1(e->inv[f])) + vset1(e->beta[f]); /* bn_forward_act's */
    if (res) v = vld(res) + v;
    if (e->act == ACT_RELU) {
        vst(q, (vf)((vi)(v > vset1(0)) & (vi)v)); /* act_value(v, ACT_RELU) */
        return;
    }
    vst(q, v);
    if (e->act != ACT_LINEAR)
        for (int i = 0; i < VL; i++) q[i] = act_value(q[i], (enum dn_act)e->act);
}

/* out (= or +=) A^T M A for the tiles of tile rows r0..r1-1; e: the inference
 * epilogue in the store (conv_epilogue), or NULL. */
static void transform_output(const struct wino *z, const float *m, int r0, int r1, float *out, int add,
                             const struct conv_epilogue *e)
{
    const int h = z->h, w = z->w, th = z->th, tw = z->tw, tu = z->tu;
    for (int o = 0; o < z->nout; o++)
        for (int r = r0; r < r1; r++) {
            int img = r / th, ty = r % th;
            size_t at = ((size_t)img * z->nout + o) * h * w + (size_t)2 * ty * w;
            float *row0 = out + at, *row1 = row0 + w;
            const float *res0 = e && e->res ? e->res + at : NULL;
            for (int tx = 0; tx < tw; tx += VL) {
                int t = (r - r0) * tw + tx;
                vf mm[16];
                for (int p = 0; p < 16; p++) mm[p] = vld(m + p * z->mps + (size_t)o * tu + t);
                vf a0[4], a1[4];
                for (int j = 0; j < 4; j++) {
                    a0[j] = mm[j] + mm[4 + j] + mm[8 + j];
                    a1[j] = mm[4 + j] - mm[8 + j] - mm[12 + j];
                }
                vf y00 = a0[0] + a0[1] + a0[2], y01 = a0[1] - a0[2] - a0[3];
                vf y10 = a1[0] + a1[1] + a1[2], y11 = a1[1] - a1[2] - a1[3];
                /* pixels 2tx, 2tx+1, 2tx+2, ... of each row: the two columns interleaved */
                vf out0[2] = {__builtin_shufflevector(y00, y01, 0, 8, 1, 9, 2, 10, 3, 11),
                              __builtin_shufflevector(y00, y01, 4, 12, 5, 13, 6, 14, 7, 15)};
                vf out1[2] = {__builtin_shufflevector(y10, y11, 0, 8, 1, 9, 2, 10, 3, 11),
                              __builtin_shufflevector(y10, y11, 4, 12, 5, 13, 6, 14, 7, 15)};
                int nvec = tw - tx < VL ? 1 : 2; /* a half vector of tiles fills one output vector */
                for (int j = 0; j < nvec; j++) {
                    size_t px = 2 * tx + j * VL;
                    store_out(row0 + px, out0[j], add, e, o, res0 ? res0 + px : NULL);
                    store_out(row1 + px, out1[j], add, e, o, res0 ? res0 + w + px : NULL);
                }
            }
        }
}

/* ------------------------------------------------------------- F(4x4, 3x3)
 *
 *   B^T = | 4  0 -5  0  1  0 |   G = |  1/4     0     0  |   A^T = | 1  1  1  1  1  0 |
 *         | 0 -4 -4  1  1  0 |       | -1/6  -1/6  -1/6  |         | 0  1 -1  2 -2  0 |
 *         | 0  4 -4 -1  1  0 |       | -1/6   1/6  -1/6  |         | 0  1  1  4  4  0 |
 *         | 0 -2 -1  2  1  0 |       |  1/24  1/12  1/6  |         | 0  1 -1  8 -8  1 |
 *         | 0  2 -1 -2  1  0 |       |  1/24 -1/12  1/6  |
 *         | 0  4  0 -5  0  1 |       |  0     0     1    |
 */
static const float G4[6][3] = {{0.25f, 0, 0},
                               {-1.0f / 6, -1.0f / 6, -1.0f / 6},
                               {-1.0f / 6, 1.0f / 6, -1.0f / 6},
                               {1.0f / 24, 1.0f / 12, 1.0f / 6},
                               {1.0f / 24, -1.0f / 12, 1.0f / 6},
                               {0, 0, 1}};

/* U = G g G^T (6x6) for every (output, input) channel pair, packed for
 * products(); 16 input channels at a time, written element by element (the
 * 36 elements of one pair lie a power of two apart). */
static void transform_filters4(const struct wino *z, const float *w, int flip)
{
#pragma omp parallel for schedule(static) num_threads(z->nt)
    for (int o = 0; o < z->nout; o++)
        for (int i0 = 0; i0 < z->nin; i0 += 16) {
            int ni = z->nin - i0 < 16 ? z->nin - i0 : 16;
            float u[36][16];
            for (int di = 0; di < ni; di++) {
                int i = i0 + di;
                float g[3][3], gg[6][3];
                for (int ky = 0; ky < 3; ky++)
                    for (int kx = 0; kx < 3; kx++)
                        g[ky][kx] = flip ? w[((size_t)i * z->nout + o) * 9 + (2 - ky) * 3 + (2 - kx)]
                                         : w[((size_t)o * z->nin + i) * 9 + ky * 3 + kx];
                for (int a = 0; a < 6; a++)
                    for (int j = 0; j < 3; j++)
                        gg[a][j] = G4[a][0] * g[0][j] + G4[a][1] * g[1][j] + G4[a][2] * g[2][j];
                for (int a = 0; a < 6; a++)
                    for (int b = 0; b < 6; b++)
                        u[a * 6 + b][di] = gg[a][0] * G4[b][0] + gg[a][1] * G4[b][1] + gg[a][2] * G4[b][2];
            }
            for (int p = 0; p < 36; p++) {
                float *dst = z->u + (((size_t)p * z->nfb + o / TF) * z->nin + i0) * TF + o % TF;
                for (int di = 0; di < ni; di++) dst[(size_t)di * TF] = u[p][di];
            }
        }
}

/* The 6 rows (or columns) of B^T d from d0..d5. */
static ALWAYS_INLINE void bt6(vf d0, vf d1, vf d2, vf d3, vf d4, vf d5, vf r[6])
{
    const vf four = vset1(4.0f), five = vset1(5.0f), two = vset1(2.0f);
    vf s12 = d1 + d2, s34 = d3 + d4;
    r[0] = four * d0 - five * d2 + d4;
    r[1] = s34 - four * s12;
    r[2] = (d4 - d3) + four * (d1 - d2);
    r[3] = (d4 - d2) + two * (d3 - d1);
    r[4] = (d4 - d2) - two * (d3 - d1);
    r[5] = four * d1 - five * d3 + d5;
}

/* Columns 4t, 4t+1, 4t+2, 4t+3 of the 32 floats at q, as 4 vectors over t = 0..7 */
static ALWAYS_INLINE void deal4(const float *q, vf c[4])
{
    vf v0 = vld(q), v1 = vld(q + VL), v2 = vld(q + 2 * VL), v3 = vld(q + 3 * VL);
    vf t0 = __builtin_shufflevector(v0, v1, 0, 4, 8, 12, 1, 5, 9, 13);
    vf t1 = __builtin_shufflevector(v0, v1, 2, 6, 10, 14, 3, 7, 11, 15);
    vf t2 = __builtin_shufflevector(v2, v3, 0, 4, 8, 12, 1, 5, 9, 13);
    vf t3 = __builtin_shufflevector(v2, v3, 2, 6, 10, 14, 3, 7, 11, 15);
    c[0] = __builtin_shufflevector(t0, t2, 0, 1, 2, 3, 8, 9, 10, 11);
    c[1] = __builtin_shufflevector(t0, t2, 4, 5, 6, 7, 12, 13, 14, 15);
    c[2] = __builtin_shufflevector(t1, t3, 0, 1, 2, 3, 8, 9, 10, 11);
    c[3] = __builtin_shufflevector(t1, t3, 4, 5, 6, 7, 12, 13, 14, 15);
}

/* The inverse of deal4: 4 vectors of columns over 8 tiles into 32 floats at q
 * (nvec = 4), or the first 4 tiles' 16 (nvec = 2); add: q += instead of =;
 * e: the inference epilogue of channel f instead (then add = 0). */
static ALWAYS_INLINE void undeal4_vecs(const vf y[4], vf o[4])
{
    vf t0 = __builtin_shufflevector(y[0], y[1], 0, 8, 1, 9, 2, 10, 3, 11);
    vf t1 = __builtin_shufflevector(y[2], y[3], 0, 8, 1, 9, 2, 10, 3, 11);
    vf t2 = __builtin_shufflevector(y[0], y[1], 4, 12, 5, 13, 6, 14, 7, 15);
    vf t3 = __builtin_shufflevector(y[2], y[3], 4, 12, 5, 13, 6, 14, 7, 15);
    o[0] = __builtin_shufflevector(t0, t1, 0, 1, 8, 9, 2, 3, 10, 11);
    o[1] = __builtin_shufflevector(t0, t1, 4, 5, 12, 13, 6, 7, 14, 15);
    o[2] = __builtin_shufflevector(t2, t3, 0, 1, 8, 9, 2, 3, 10, 11);
    o[3] = __builtin_shufflevector(t2, t3, 4, 5, 12, 13, 6, 7, 14, 15);
}

static ALWAYS_INLINE void undeal4(float *q, const vf y[4], int nvec, int add, const struct conv_epilogue *e, int f,
                                  const float *res)
{
    vf o[4];
    undeal4_vecs(y, o);
    for (int j = 0; j < nvec; j++) store_out(q + j * VL, o[j], add, e, f, res ? res + j * VL : NULL);
}

/* transform_input4 for maps 8 wide: a vector of 8 tiles holds 4 tile rows
 * (2 tiles each), so each tile row's padded rows of B^T d are laid out as
 * deal4 expects 8 tiles' columns: A, tile t's columns 0-3 at 4t; E, its
 * columns 4-7 at 4t (4 and 5 are read). Tile rows past r1 are zeros. */
static void transform_input4_w8(const struct wino *z, const float *in, int r0, int r1, float *v, const float *zero)
{
    const int tu = z->tu, ntiles = (r1 - r0) * 2;
    const size_t ps = z->vps;
    const vf vz = vset1(0);
    for (int i = 0; i < z->nin; i++) {
        zero_tail(v, ps, 36, i, tu, ntiles);
        for (int r = r0; r < r1; r += 4) {
            float A[6][4 * VL], E[6][4 * VL];
            for (int j = 0; j < 4; j++) {
                vf t[6] = {vz, vz, vz, vz, vz, vz};
                if (r + j < r1) {
                    const float *d[6];
                    patch_rows(z, in, i, r + j, zero, d);
                    bt6(vld(d[0]), vld(d[1]), vld(d[2]), vld(d[3]), vld(d[4]), vld(d[5]), t);
                }
                for (int k = 0; k < 6; k++) { /* row k's image column x is padded column x + 1 */
                    vst(A[k] + j * VL, __builtin_shufflevector(vz, t[k], 0, 8, 9, 10, 11, 12, 13, 14)); /* 0..7 */
                    vst(E[k] + j * VL, __builtin_shufflevector(t[k], vz, 3, 4, 5, 6, 7, 8, 8, 8));     /* 4..11 */
                }
            }
            float *dst = v + (size_t)i * tu + (r - r0) * 2;
            for (int k = 0; k < 6; k++) {
                vf c[4], e[4], t[6];
                deal4(A[k], c);
                deal4(E[k], e);
                bt6(c[0], c[1], c[2], c[3], e[0], e[1], t);
                for (int j = 0; j < 6; j++) vst(dst + (size_t)(k * 6 + j) * ps, t[j]);
            }
        }
    }
}

/* V = B^T d B (6x6) for the 4x4 tiles of tile rows r0..r1-1 of every input channel. */
static void transform_input4(const struct wino *z, const float *in, int r0, int r1, float *v, float *rows,
                             const float *zero)
{
    const int w = z->w, tw = z->tw, tu = z->tu, ntiles = (r1 - r0) * tw;
    const size_t ps = z->vps;
    if (tw == 2) {
        transform_input4_w8(z, in, r0, r1, v, zero);
        return;
    }
    float *R[6];
    for (int k = 0; k < 6; k++) R[k] = rows + k * z->rowlen;
    memset(rows, 0, sizeof(float) * 6 * z->rowlen); /* the padding columns stay zero */
    for (int i = 0; i < z->nin; i++) {
        zero_tail(v, ps, 36, i, tu, ntiles);
        for (int r = r0; r < r1; r++) {
            const float *d[6];
            patch_rows(z, in, i, r, zero, d);
            /* rows of B^T d, column x of the image at x + 1 (column 0 is the left padding) */
            for (int x = 0; x < w; x += VL) {
                vf t[6];
                bt6(vld(d[0] + x), vld(d[1] + x), vld(d[2] + x), vld(d[3] + x), vld(d[4] + x), vld(d[5] + x), t);
                for (int k = 0; k < 6; k++) vst(R[k] + x + 1, t[k]);
            }
            /* columns: tile tx's patch columns are padded columns 4tx .. 4tx+5 */
            float *dst = v + (size_t)i * tu + (r - r0) * tw;
            for (int tx = 0; tx < tw; tx += VL) {
                int half = tw - tx < VL; /* 4 tiles left in the row, not 8 */
                for (int k = 0; k < 6; k++) {
                    vf c[4], e[4], t[6];
                    deal4(R[k] + 4 * tx, c);
                    deal4(R[k] + 4 * tx + 4, e); /* columns 4 and 5: the next tile's 0 and 1 */
                    bt6(c[0], c[1], c[2], c[3], e[0], e[1], t);
                    float *o = dst + (size_t)k * 6 * ps + tx;
                    for (int j = 0; j < 6; j++) vst_n(o + j * ps, t[j], half);
                }
            }
        }
    }
}

/* The 4 rows (or columns) of A^T m from m0..m5. */
static ALWAYS_INLINE void at6(vf m0, vf m1, vf m2, vf m3, vf m4, vf m5, vf y[4])
{
    const vf two = vset1(2.0f), four = vset1(4.0f), eight = vset1(8.0f);
    vf a12 = m1 + m2, s12 = m1 - m2, a34 = m3 + m4, s34 = m3 - m4;
    y[0] = m0 + a12 + a34;
    y[1] = s12 + two * s34;
    y[2] = a12 + four * a34;
    y[3] = s12 + eight * s34 + m5;
}

/* The columns j of A^T M (rows i) for the 8 tiles of M at mp: a[i][j]. */
static ALWAYS_INLINE void at_rows(const float *mp, size_t ps, vf a[4][6])
{
    for (int j = 0; j < 6; j++) {
        vf y[4];
        at6(vld(mp + (size_t)j * ps), vld(mp + (size_t)(6 + j) * ps), vld(mp + (size_t)(12 + j) * ps),
            vld(mp + (size_t)(18 + j) * ps), vld(mp + (size_t)(24 + j) * ps), vld(mp + (size_t)(30 + j) * ps), y);
        for (int i = 0; i < 4; i++) a[i][j] = y[i];
    }
}

/* transform_output4 for maps 8 wide (see transform_input4_w8): the 8 tiles
 * of a vector are 4 tile rows, and undeal4's vector v is output row i of
 * tile row r + v. */
static void transform_output4_w8(const struct wino *z, const float *m, int r0, int r1, float *out, int add,
                                 const struct conv_epilogue *e)
{
    const int h = z->h, th = z->th, tu = z->tu;
    for (int o = 0; o < z->nout; o++)
        for (int r = r0; r < r1; r += 4) {
            vf a[4][6];
            at_rows(m + (size_t)o * tu + (r - r0) * 2, z->mps, a);
            for (int i = 0; i < 4; i++) {
                vf y[4], ov[4];
                at6(a[i][0], a[i][1], a[i][2], a[i][3], a[i][4], a[i][5], y);
                undeal4_vecs(y, ov);
                for (int v = 0; v < 4 && r + v < r1; v++) {
                    int img = (r + v) / th, ty = (r + v) % th;
                    size_t at = ((size_t)img * z->nout + o) * h * 8 + (size_t)(4 * ty + i) * 8;
                    store_out(out + at, ov[v], add, e, o, e && e->res ? e->res + at : NULL);
                }
            }
        }
}

/* out (= or +=) A^T M A (4x4) for the tiles of tile rows r0..r1-1; e: the
 * inference epilogue (conv_epilogue) in the store, or NULL. */
static void transform_output4(const struct wino *z, const float *m, int r0, int r1, float *out, int add,
                              const struct conv_epilogue *e)
{
    const int h = z->h, w = z->w, th = z->th, tw = z->tw, tu = z->tu;
    const size_t ps = z->mps;
    if (tw == 2) {
        transform_output4_w8(z, m, r0, r1, out, add, e);
        return;
    }
    for (int o = 0; o < z->nout; o++)
        for (int r = r0; r < r1; r++) {
            int img = r / th, ty = r % th;
            size_t at = ((size_t)img * z->nout + o) * h * w + (size_t)4 * ty * w;
            float *row0 = out + at;
            const float *res0 = e && e->res ? e->res + at : NULL;
            if (o + 1 < z->nout) /* the next channel's rows, written (and with add read) after this unit's */
                for (int x = 0; x < 4 * w; x += 16) {
                    __builtin_prefetch(row0 + (size_t)h * w + x, 1);
                    if (res0) __builtin_prefetch(res0 + (size_t)h * w + x);
                }
            for (int tx = 0; tx < tw; tx += VL) {
                vf a[4][6]; /* a[i][j]: row i of A^T M, column j */
                at_rows(m + (size_t)o * tu + (r - r0) * tw + tx, ps, a);
                int nvec = tw - tx < VL ? 2 : 4; /* 4 tiles: 16 output pixels per row */
                for (int i = 0; i < 4; i++) {
                    vf y[4];
                    at6(a[i][0], a[i][1], a[i][2], a[i][3], a[i][4], a[i][5], y);
                    size_t px = (size_t)i * w + 4 * tx;
                    undeal4(row0 + px, y, nvec, add, e, o, res0 ? res0 + px : NULL);
                }
            }
        }
}

/* Every unit: transform its inputs, multiply, transform back into out (with
 * the inference epilogue e, or NULL). */
static void wino_run(const struct wino *z, const float *in, float *out, int add, const struct conv_epilogue *e)
{
    int rows = z->B * z->th;
#pragma omp parallel for schedule(dynamic, 1) num_threads(z->nt)
    for (int un = 0; un < z->nunits; un++) {
        float *s = z->scratch + (size_t)thread_id() * z->per_thread;
        float *v = s, *m = v + up16(z->np * z->vps + VL);
        float *rowbuf = m + up16(z->np * z->mps + VL), *zero = rowbuf + up16((size_t)(z->m + 2) * z->rowlen);
        memset(zero, 0, sizeof(float) * z->w);
        int r0 = un * z->ru, r1 = r0 + z->ru < rows ? r0 + z->ru : rows;
        if (z->m == 4) transform_input4(z, in, r0, r1, v, rowbuf, zero);
        else transform_input(z, in, r0, r1, v, rowbuf, zero);
        products(z, v, m);
        if (z->m == 4) transform_output4(z, m, r0, r1, out, add, e);
        else transform_output(z, m, r0, r1, out, add, e);
    }
}

/* ------------------------------------------------------- weight gradient */

/* Even and odd lanes of the 16 floats a, b. */
static ALWAYS_INLINE vf even16(vf a, vf b) { return __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14); }
static ALWAYS_INLINE vf odd16(vf a, vf b) { return __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15); }

/* W = A dY A^T (dY: a tile's 2x2 output gradient) for the tiles of tile rows
 * r0..r1-1 of every output channel, into wt [16][nout][tu] (p-stride mps). */
static void transform_grad(const struct wino *z, const float *dout, int r0, int r1, float *wt)
{
    const int h = z->h, w = z->w, th = z->th, tw = z->tw, tu = z->tu, ntiles = (r1 - r0) * tw;
    const size_t ps = z->mps;
    for (int o = 0; o < z->nout; o++) {
        zero_tail(wt, ps, 16, o, tu, ntiles);
        for (int r = r0; r < r1; r++) {
            int img = r / th, ty = r % th;
            const float *row0 = dout + ((size_t)img * z->nout + o) * h * w + (size_t)2 * ty * w, *row1 = row0 + w;
            float *dst = wt + (size_t)o * tu + (r - r0) * tw;
            if (o + 1 < z->nout) /* the next channel's rows (see transform_input) */
                for (int x = 0; x < 2 * w; x += 16) __builtin_prefetch(row0 + (size_t)h * w + x);
            for (int tx = 0; tx < tw; tx += VL) {
                int half = tw - tx < VL; /* 4 tiles left: read only this row's 8 floats */
                vf a0 = vld(row0 + 2 * tx), a1 = vld(row1 + 2 * tx);
                vf b0 = half ? a0 : vld(row0 + 2 * tx + VL), b1 = half ? a1 : vld(row1 + 2 * tx + VL);
                vf y00 = even16(a0, b0), y01 = odd16(a0, b0), y10 = even16(a1, b1), y11 = odd16(a1, b1);
                /* rows of A dY: row 0, row 0 + row 1, row 0 - row 1, -row 1 (columns 0 and 1) */
                vf c0[4] = {y00, y00 + y10, y00 - y10, -y10}, c1[4] = {y01, y01 + y11, y01 - y11, -y11};
                for (int i = 0; i < 4; i++) { /* columns of (A dY) A^T, the same combinations */
                    float *q = dst + (size_t)i * 4 * ps + tx;
                    vst_n(q, c0[i], half);
                    vst_n(q + ps, c0[i] + c1[i], half);
                    vst_n(q + 2 * ps, c0[i] - c1[i], half);
                    vst_n(q + 3 * ps, -c1[i], half);
                }
            }
        }
    }
}

static float hsum(vf v)
{
    float s = 0;
    for (int i = 0; i < VL; i++) s += v[i];
    return s;
}

/* du[p][o][i] += sum over the unit's tiles t of W[p][o][t] * V[p][i][t], in
 * tiles of TF output x TC input channels (vector lanes summed last). */
static void wgrad_products(const struct wino *z, const float *v, const float *wt, float *du)
{
    const int nin = z->nin, nout = z->nout, tu = z->tu;
    for (int p = 0; p < z->np; p++) {
        const float *vp = v + p * z->vps, *wp = wt + p * z->mps;
        float *dp = du + (size_t)p * nout * nin;
        for (int o0 = 0; o0 < nout; o0 += TF)
            for (int i0 = 0; i0 < nin; i0 += TC) {
                const float *wr[TF], *vr[TC];
                for (int f = 0; f < TF; f++) wr[f] = wp + (size_t)(o0 + f < nout ? o0 + f : nout - 1) * tu;
                for (int c = 0; c < TC; c++) vr[c] = vp + (size_t)(i0 + c < nin ? i0 + c : nin - 1) * tu;
                vf acc[TF][TC];
                for (int f = 0; f < TF; f++)
                    for (int c = 0; c < TC; c++) acc[f][c] = (vf){0};
                for (int t = 0; t < tu; t += VL) {
                    vf x[TC];
                    for (int c = 0; c < TC; c++) {
                        x[c] = vld(vr[c] + t);
                        IN_REG(x[c]);
                    }
                    for (int f = 0; f < TF; f++) {
                        vf a = vld(wr[f] + t);
                        IN_REG(a);
                        for (int c = 0; c < TC; c++) acc[f][c] = VFMA(a, x[c], acc[f][c]);
                    }
                }
                for (int f = 0; f < TF && o0 + f < nout; f++)
                    for (int c = 0; c < TC && i0 + c < nin; c++) dp[(size_t)(o0 + f) * nin + i0 + c] += hsum(acc[f][c]);
            }
    }
}

/* The weight-gradient layout: z, the groups, and the floats of scratch. */
static size_t wgrad_layout(const struct conv_geom *g, struct wino *z, int *groups, int nthreads, float *ws)
{
    *groups = g->B < WG_GROUPS ? g->B : WG_GROUPS;
    int most = (g->B + *groups - 1) / *groups; /* images in the largest group */
    /* F(2x2) always: F(4x4)'s units hold 4x fewer tiles per element p, and the
     * sums that close each block of products then cost more than its 1.8x
     * fewer products save (measured slower on ResNet-20's shapes) */
    size_t n = wino_layout(z, 2, g->B, g->C, g->F, g->H, g->W, nthreads, WG_UNIT_FLOATS, most * (g->H / 2), ws);
    return n + (size_t)*groups * z->np * g->F * g->C;
}

/* d (3x3) += G^T u G for a 4x4 weight-gradient tile u */
static void untransform_grad(const float u[16], float *d)
{
    float t[3][4];
    for (int j = 0; j < 4; j++) {
        t[0][j] = u[j] + 0.5f * (u[4 + j] + u[8 + j]);
        t[1][j] = 0.5f * (u[4 + j] - u[8 + j]);
        t[2][j] = 0.5f * (u[4 + j] + u[8 + j]) + u[12 + j];
    }
    for (int a = 0; a < 3; a++) {
        d[a * 3 + 0] += t[a][0] + 0.5f * (t[a][1] + t[a][2]);
        d[a * 3 + 1] += 0.5f * (t[a][1] - t[a][2]);
        d[a * 3 + 2] += 0.5f * (t[a][1] + t[a][2]) + t[a][3];
    }
}

void conv_wino_backward_filter(const struct conv_geom *g, const float *in, const float *dout, float *dw, float *ws)
{
    DN_ASSERT(conv_wino_ok(g));
    struct wino z;
    int groups, nt = threads_capped(g->threads);
    float *base = align64(ws);
    size_t layout = wgrad_layout(g, &z, &groups, nt, base), nd = (size_t)z.np * g->F * g->C;
    float *part = base + layout - (size_t)groups * nd; /* [groups][np][F][C] */
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
    for (int grp = 0; grp < groups; grp++) {
        float *s = z.scratch + (size_t)thread_id() * z.per_thread;
        float *v = s, *wt = v + up16(z.np * z.vps + VL);
        float *rowbuf = wt + up16(z.np * z.mps + VL), *zero = rowbuf + up16((size_t)(z.m + 2) * z.rowlen);
        memset(zero, 0, sizeof(float) * z.w);
        float *du = part + grp * nd;
        memset(du, 0, sizeof(float) * nd);
        int rb = (int)((long)g->B * grp / groups) * z.th, re = (int)((long)g->B * (grp + 1) / groups) * z.th;
        for (int r0 = rb; r0 < re; r0 += z.ru) {
            int r1 = r0 + z.ru < re ? r0 + z.ru : re;
            transform_input(&z, in, r0, r1, v, rowbuf, zero);
            transform_grad(&z, dout, r0, r1, wt);
            wgrad_products(&z, v, wt, du);
        }
    }
    /* the groups in order, then dw += G^T dU G; a block of up to 64 input
     * channels at a time, whose rows are read whole (the 16 x groups rows of
     * one (o, i) lie a power of two apart and would evict each other from
     * the cache if read one float at a time) */
    const int F = g->F, C = g->C;
#pragma omp parallel for schedule(static) num_threads(nt)
    for (int o = 0; o < F; o++)
        for (int i0 = 0; i0 < C; i0 += 64) {
            int ni = C - i0 < 64 ? C - i0 : 64;
            float sums[16][64];
            for (int p = 0; p < 16; p++) {
                const float *row = part + ((size_t)p * F + o) * C + i0;
                for (int i = 0; i < ni; i++) sums[p][i] = row[i];
                for (int grp = 1; grp < groups; grp++)
                    for (int i = 0; i < ni; i++) sums[p][i] += row[grp * nd + i];
            }
            for (int i = i0; i < i0 + ni; i++) {
                float u[16];
                for (int p = 0; p < 16; p++) u[p] = sums[p][i - i0];
                untransform_grad(u, dw + ((size_t)o * C + i) * 9);
            }
        }
}

int conv_wino_ok(const struct conv_geom *g)
{
    return g->G == 1 && g->k == 3 && g->s == 1 && g->p == 1 && g->H % 2 == 0 && g->W % VL == 0 &&
           g->OH == g->H && g->OW == g->W && g->B >= 1 && g->C >= 1 && g->F >= 1;
}

size_t conv_wino_workspace(const struct conv_geom *g)
{
    int nthreads = g->threads < 1 ? 1 : g->threads;
    struct wino a, b, c;
    int m = wino_tile(g), rows = g->B * (g->H / m), groups;
    size_t fwd = wino_layout(&a, m, g->B, g->C, g->F, g->H, g->W, nthreads, UNIT_FLOATS, rows, NULL);
    size_t bwd = wino_layout(&b, m, g->B, g->F, g->C, g->H, g->W, nthreads, UNIT_FLOATS, rows, NULL);
    size_t wgr = wgrad_layout(g, &c, &groups, nthreads, NULL);
    if (bwd > fwd) fwd = bwd;
    return (wgr > fwd ? wgr : fwd) + 16;
}


void conv_wino_forward(const struct conv_geom *g, const float *in, const float *w, float *out, float *ws)
{
    conv_wino_forward_epi(g, in, w, out, ws, NULL);
}

void conv_wino_backward_data(const struct conv_geom *g, const float *w, const float *dout, float *din, float *ws)
{
    DN_ASSERT(conv_wino_ok(g));
    struct wino z;
    int m = wino_tile(g);
    wino_layout(&z, m, g->B, g->F, g->C, g->H, g->W, threads_capped(g->threads), UNIT_FLOATS, g->B * (g->H / m),
                align64(ws));
    transform_filters(&z, w, 1);
    wino_run(&z, dout, din, 1, NULL);
}

void conv_wino_forward_epi(const struct conv_geom *g, const float *in, const float *w, float *out, float *ws,
                           const struct conv_epilogue *e)
{
    DN_ASSERT(conv_wino_ok(g));
    struct wino z;
    int m = wino_tile(g);
    wino_layout(&z, m, g->B, g->C, g->F, g->H, g->W, threads_capped(g->threads), UNIT_FLOATS, g->B * (g->H / m),
                align64(ws));
    transform_filters(&z, w, 0);
    wino_run(&z, in, out, 0, e);
}
