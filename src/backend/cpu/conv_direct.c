/*
 * conv_direct.c - see conv_direct.h. The reference these kernels are tested
 * against is im2col + gemm_ref (tests/test_kernels.c, "conv_direct" cases).
 *
 * Vocabulary:
 *   staged image  one image copied with its zero padding, each channel split
 *                 into s*s phase planes: plane (py, px) holds padded pixels
 *                 (s*i + py, s*j + px). A kernel tap (ky, kx) then reads
 *                 plane (ky % s, kx % s) at (y + ky / s, x + kx / s) for
 *                 output pixel (y, x): unit-stride vectors for any stride.
 *   column        one (input channel, tap) pair; its offset in the staged
 *                 image is koff[j]. A convolution is out[f][q] =
 *                 sum_j w[f][j] * staged[koff[j] + ipix[q]], for output
 *                 vector q (8 pixels of one output row).
 *   tile          4 filters x 3 output vectors (12 accumulators) for forward
 *                 and the input gradient; 4 filters x 3 columns for the
 *                 weight gradient.
 */
#include "conv_direct.h"

#include <string.h>

#include "../../core/activations.h"
#include "../../core/utils.h"
#include "../../ops/conv2d.h"
#include "simd.h"

#define TF 4 /* filters per tile */
#define TV 3 /* output vectors per forward tile */
#define TC 3 /* columns per weight-gradient tile */
#define MAX_PHASES 16

/* ------------------------------------------------------------------ scratch */

/* A bump allocator over the caller's workspace; with base == NULL it only
 * counts, so conv_direct_workspace() runs the same layout code. */
struct arena {
    float *base;
    size_t used;
};

static void *take(struct arena *a, size_t nfloats)
{
    size_t at = (a->used + 15) & ~(size_t)15; /* 64-byte steps from the base */
    a->used = at + nfloats;
    return a->base ? a->base + at : NULL;
}

/* ------------------------------------------------------------------ staging */

struct stage {
    int C, H, W;     /* source planes (C, H, W) */
    int s;           /* s*s phase planes per channel */
    int top, left;   /* zero rows / columns before the source's first */
    int hs, ws;      /* rows and row length of one phase plane */
    size_t plane;    /* hs * ws */
    size_t cstride;  /* s * s * plane: floats per channel */
    int np;          /* phases per axis that are read (min(s, k)); others are left unwritten */
    size_t size;     /* floats of one staged image, with a padded-row scratch at the end */
    int identity;    /* staged == source (no padding, stride 1): no copy */
};

static void stage_set(struct stage *st, int C, int H, int W, int s, int k, int top, int left, int hs, int ws)
{
    st->C = C, st->H = H, st->W = W, st->s = s, st->top = top, st->left = left;
    st->hs = hs, st->ws = ws;
    st->plane = (size_t)hs * ws;
    st->cstride = (size_t)s * s * st->plane;
    st->np = k < s ? k : s;
    st->size = (size_t)C * st->cstride + (s > 1 ? (size_t)s * ws : 0);
    st->identity = s == 1 && top == 0 && left == 0 && hs == H && ws == W;
}

/* Short rows: inline loops. GCC would turn them into a memset/memmove call
 * per row (whose overhead dominated the staging of 34-float rows); the
 * attribute keeps them loops. */
#if defined(__GNUC__) && !defined(__clang__)
#define NO_LIBCALLS __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define NO_LIBCALLS
#endif
static ALWAYS_INLINE void zero_floats(float *d, int n)
{
    int i = 0;
    for (; i + VL <= n; i += VL) vst(d + i, vset1(0));
    for (; i < n; i++) d[i] = 0;
}

static ALWAYS_INLINE void copy_floats(float *restrict d, const float *restrict s, int n)
{
    int i = 0;
    for (; i + VL <= n; i += VL) vst(d + i, vld(s + i));
    for (; i < n; i++) d[i] = s[i];
}

/* padded[j] = src[j - left] for 0 <= j < n (zero outside the W source floats) */
static ALWAYS_INLINE void pad_row(float *restrict padded, const float *restrict src, int W, int left, int n)
{
    int a = left < n ? left : n, b = left + W < n ? left + W : n;
    if (a < 0) a = 0;
    zero_floats(padded, a);
    if (b > a) copy_floats(padded + a, src + (a - left), b - a);
    if (n > b) zero_floats(padded + (b > 0 ? b : 0), n - (b > 0 ? b : 0));
}

/* Stride 1: each staged plane is the zero-padded source plane. */
static NO_LIBCALLS void stage_image_s1(const struct stage *st, const float *src, float *dst)
{
    const int W = st->W, H = st->H, ws = st->ws, hs = st->hs, left = st->left, top = st->top;
    /* source rows y0..y1-1 land in staged rows top+y0..; columns: the first n of them */
    int y0 = top < 0 ? -top : 0, y1 = H < hs - top ? H : hs - top;
    int x0 = left < 0 ? -left : 0, n = W - x0 < ws - (left + x0) ? W - x0 : ws - (left + x0);
    if (y1 < y0) y1 = y0;
    if (n < 0) n = 0;
    int l = left + x0, r = ws - l - n; /* zeros before and after the copied columns */
    for (int c = 0; c < st->C; c++) {
        const float *sp = src + (size_t)c * H * W;
        float *pl = dst + c * st->cstride;
        zero_floats(pl, (top + y0) * ws);
        for (int y = y0; y < y1; y++) {
            float *row = pl + (size_t)(y + top) * ws;
            zero_floats(row, l);
            copy_floats(row + l, sp + (size_t)y * W + x0, n);
            zero_floats(row + l + n, r);
        }
        zero_floats(pl + (size_t)(y1 + top) * ws, (hs - y1 - top) * ws);
    }
}

/* Stride 2 with source rows of whole 16-float blocks, when every phase
 * plane's row is exactly the source's even or odd columns (shifted) between
 * zeros: each block's two vectors are loaded once and dealt to both column
 * phases (the general loop below costs more per short row than the copy).
 * Returns 0 when the shape is not one of these. */
static NO_LIBCALLS int stage_image_s2(const struct stage *st, const float *src, float *dst)
{
    const int W = st->W, ws = st->ws, np = st->np;
    int m[2], odd[2], j0[2], j1[2];
    if (st->s != 2 || W % (2 * VL)) return 0;
    for (int px = 0; px < np; px++) { /* row[j] = source column 2j + off, j0 <= j < j1 */
        int off = px - st->left;
        m[px] = off >= 0 ? off / 2 : -((1 - off) / 2); /* floor(off / 2) */
        odd[px] = off - 2 * m[px];
        j0[px] = -m[px], j1[px] = W / 2 - m[px];
        if (j0[px] < 0 || j1[px] > ws) return 0;
    }
    /* padded row r = 2i + py is row i of the planes (py, px) and source row
     * r - top: the padding rows are zeros, the source rows are read in
     * order (one stream through memory) */
    for (int c = 0; c < st->C; c++)
        for (int r = 0; r < 2 * st->hs; r++) {
            int py = r % 2, y = r - st->top;
            if (py >= np) continue; /* a phase no tap reads */
            float *row[2];
            for (int px = 0; px < np; px++)
                row[px] = dst + c * st->cstride + (size_t)(py * 2 + px) * st->plane + (size_t)(r / 2) * ws;
            if (y < 0 || y >= st->H) {
                for (int px = 0; px < np; px++) zero_floats(row[px], ws);
                continue;
            }
            const float *sr = src + ((size_t)c * st->H + y) * W;
            for (int px = 0; px < np; px++) {
                zero_floats(row[px], j0[px]);
                zero_floats(row[px] + j1[px], ws - j1[px]);
            }
            for (int t = 0; 2 * t < W; t += VL) {
                vf a = vld(sr + 2 * t), b = vld(sr + 2 * t + VL);
                vf ev = __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14);
                vf od = __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15);
                for (int px = 0; px < np; px++) vst(row[px] + t - m[px], odd[px] ? od : ev);
            }
        }
    return 1;
}

static NO_LIBCALLS void stage_image(const struct stage *st, const float *src, float *dst)
{
    int s = st->s, W = st->W, ws = st->ws;
    if (s == 1) {
        stage_image_s1(st, src, dst);
        return;
    }
    if (stage_image_s2(st, src, dst)) return;
    /* other strides (and stride-2 shapes stage_image_s2 does not take): each source row
     * padded once, then every s-th float of it per column phase */
    float *padded = dst + (size_t)st->C * st->cstride; /* s * ws floats of scratch */
    for (int c = 0; c < st->C; c++)
        for (int py = 0; py < st->np; py++)
            for (int i = 0; i < st->hs; i++) {
                int y = i * s + py - st->top;
                const float *sr = y >= 0 && y < st->H ? src + ((size_t)c * st->H + y) * W : NULL;
                float *row0 = dst + c * st->cstride + (size_t)py * s * st->plane + (size_t)i * ws;
                for (int px = 0; px < st->np; px++) {
                    float *row = row0 + (size_t)px * st->plane;
                    if (!sr) {
                        zero_floats(row, ws);
                        continue;
                    }
                    if (px == 0) pad_row(padded, sr, W, st->left, s * ws);
                    for (int j = 0; j < ws; j++) row[j] = padded[j * s + px];
                }
            }
}

/* ------------------------------------------------------------------ a plan */

/* One convolution problem over staged images: nf outputs of nq vectors. */
struct plan {
    int nf;      /* output channels */
    int K;       /* columns */
    int *koff;   /* [K] column offsets in a staged image */
    int oh, ow;  /* output plane: oh rows of ow (a multiple of VL) */
    int ws;      /* row length of a staged plane */
    int nq;      /* output vectors per output plane */
    int *ipix;   /* [nq] vector offsets in a staged plane */
    int *opix;   /* [nq] vector offsets in an output plane */
    size_t oplane;
    float *wp;   /* [ceil(nf/TF)][K][TF] weights, zero-padded filters */
};

/* Vectors of an oh x ow output plane read from staged rows of length ws. */
static void plan_pixels(struct plan *pl, struct arena *a, int oh, int ow, int ws)
{
    pl->oh = oh, pl->ow = ow, pl->ws = ws;
    pl->nq = oh * ow / VL;
    pl->oplane = (size_t)oh * ow;
    pl->ipix = take(a, pl->nq);
    pl->opix = take(a, pl->nq);
    if (!a->base) return;
    for (int q = 0; q < pl->nq; q++) {
        int y = q * VL / ow, x = q * VL % ow;
        pl->ipix[q] = y * ws + x;
        pl->opix[q] = q * VL;
    }
}

/* ------------------------------------------------------------------ kernels */

/* out[f][opix[q]] (= or +=) sum_j wp[j][f] * x[koff[j] + ipix[q]], for the
 * nf_left (<= TF) filters of one tile and nv (<= TV) vectors from q. */
static ALWAYS_INLINE void tile_fwd(const int nv, const struct plan *pl, const float *x, const float *wp,
                                   int q, float *out, int nf_left, int add, const struct conv_epilogue *e,
                                   int f0, const float *res)
{
    vf acc[TF][TV];
    for (int f = 0; f < TF; f++)
        for (int v = 0; v < TV; v++) acc[f][v] = vset1(0);
    const int p0 = pl->ipix[q], p1 = pl->ipix[q + (nv > 1)], p2 = pl->ipix[q + 2 * (nv > 2)];
    const int *koff = pl->koff;
    for (int j = 0; j < pl->K; j++) {
        const float *xj = x + koff[j];
        const float *wj = wp + (size_t)j * TF;
        vf a0 = vld(xj + p0), a1 = a0, a2 = a0;
        if (nv > 1) a1 = vld(xj + p1);
        if (nv > 2) a2 = vld(xj + p2);
        for (int f = 0; f < TF; f++) {
            vf wv = vset1(wj[f]);
            acc[f][0] = VFMA(wv, a0, acc[f][0]);
            if (nv > 1) acc[f][1] = VFMA(wv, a1, acc[f][1]);
            if (nv > 2) acc[f][2] = VFMA(wv, a2, acc[f][2]);
        }
    }
    for (int f = 0; f < nf_left && f < TF; f++) {
        if (e) { /* batch norm at inference and the activation (conv_epilogue) */
            int ff = f0 + f;
            vf m = vset1(e->mean[ff]), iv = vset1(e->inv[ff]), ga = vset1(e->gamma[ff]), be = vset1(e->beta[ff]);
            for (int v = 0; v < nv; v++) {
                size_t at = (size_t)f * pl->oplane + pl->opix[q + v];
                float *o = out + at;
                vf y = ga * ((acc[f][v] - m) * iv) + be;
                if (res) y = vld(res + at) + y;
                if (e->act == ACT_RELU) {
                    y = (vf)((vi)(y > vset1(0)) & (vi)y); /* act_value(y, ACT_RELU) */
                    vst(o, y);
                } else {
                    vst(o, y);
                    if (e->act != ACT_LINEAR)
                        for (int i = 0; i < VL; i++) o[i] = act_value(o[i], (enum dn_act)e->act);
                }
            }
            continue;
        }
        for (int v = 0; v < nv; v++) {
            float *o = out + f * pl->oplane + pl->opix[q + v];
            vst(o, add ? vld(o) + acc[f][v] : acc[f][v]);
        }
    }
}

/* The whole output (nf, oplane) of one staged image; e: see conv_epilogue,
 * res: this image's part of e->res (or NULL). */
static void conv_image(const struct plan *pl, const float *x, float *out, int add, const struct conv_epilogue *e,
                       const float *res)
{
    for (int fb = 0; fb * TF < pl->nf; fb++) {
        const float *wp = pl->wp + (size_t)fb * pl->K * TF;
        size_t at = (size_t)fb * TF * pl->oplane;
        float *o = out + at;
        const float *r = res ? res + at : NULL;
        int left = pl->nf - fb * TF, q = 0;
        for (; q + TV <= pl->nq; q += TV) tile_fwd(3, pl, x, wp, q, o, left, add, e, fb * TF, r);
        if (pl->nq - q == 2) tile_fwd(2, pl, x, wp, q, o, left, add, e, fb * TF, r);
        else if (pl->nq - q == 1) tile_fwd(1, pl, x, wp, q, o, left, add, e, fb * TF, r);
    }
}

/* acc[f][t] += sum over nq vectors of dy_f[opix[q]] * x[kc[t] + ipix[q]]. */
/* One step of tile_dw: the vectors at x* + XO and d* + DO. */
#define DW_STEP(XO, DO)                                                                            \
    do {                                                                                           \
        vf b0 = vld(x0 + (XO)), b1 = vld(x1 + (XO)), b2 = vld(x2 + (XO)), a;                       \
        IN_REG(b0);                                                                                \
        IN_REG(b1);                                                                                \
        IN_REG(b2);                                                                                \
        a = vld(d0 + (DO));                                                                        \
        IN_REG(a);                                                                                 \
        acc[0][0] = VFMA(a, b0, acc[0][0]);                                                        \
        acc[0][1] = VFMA(a, b1, acc[0][1]);                                                        \
        acc[0][2] = VFMA(a, b2, acc[0][2]);                                                        \
        a = vld(d1 + (DO));                                                                        \
        IN_REG(a);                                                                                 \
        acc[1][0] = VFMA(a, b0, acc[1][0]);                                                        \
        acc[1][1] = VFMA(a, b1, acc[1][1]);                                                        \
        acc[1][2] = VFMA(a, b2, acc[1][2]);                                                        \
        a = vld(d2 + (DO));                                                                        \
        IN_REG(a);                                                                                 \
        acc[2][0] = VFMA(a, b0, acc[2][0]);                                                        \
        acc[2][1] = VFMA(a, b1, acc[2][1]);                                                        \
        acc[2][2] = VFMA(a, b2, acc[2][2]);                                                        \
        a = vld(d3 + (DO));                                                                        \
        IN_REG(a);                                                                                 \
        acc[3][0] = VFMA(a, b0, acc[3][0]);                                                        \
        acc[3][1] = VFMA(a, b1, acc[3][1]);                                                        \
        acc[3][2] = VFMA(a, b2, acc[3][2]);                                                        \
    } while (0)

/* acc[f][t] += sum over nb images and their planes' vectors of
 * dy_f[pixel] * x[kc[t] + pixel]; image b's planes are at dy[f] + b * dstride
 * and x + b * xstride. */
static ALWAYS_INLINE void tile_dw(const struct plan *pl, const float *const dy[TF], size_t dstride, const float *x,
                                  size_t xstride, const int *kc, int nb, vf acc[TF][TC])
{
    const int ws = pl->ws, ow = pl->ow;
    for (int b = 0; b < nb; b++) {
        const float *x0 = x + kc[0] + b * xstride, *x1 = x + kc[1] + b * xstride, *x2 = x + kc[2] + b * xstride;
        const float *d0 = dy[0] + b * dstride, *d1 = dy[1] + b * dstride, *d2 = dy[2] + b * dstride,
                    *d3 = dy[3] + b * dstride;
        if (ow == VL) { /* one vector per row */
            for (int y = 0; y < pl->oh; y++) {
                DW_STEP(0, 0);
                x0 += ws, x1 += ws, x2 += ws;
                d0 += VL, d1 += VL, d2 += VL, d3 += VL;
            }
            continue;
        }
        for (int y = 0; y < pl->oh; y++) {
            for (int i = 0; i < ow; i += VL) DW_STEP(i, i);
            x0 += ws, x1 += ws, x2 += ws;
            d0 += ow, d1 += ow, d2 += ow, d3 += ow;
        }
    }
}

static float hsum(vf v)
{
    float s = 0;
    for (int i = 0; i < VL; i++) s += v[i];
    return s;
}

/* ------------------------------------------------------------------ forward */

static void fwd_layout(const struct conv_geom *g, struct arena *a, struct stage *st, struct plan *pl,
                       int nthreads, float **stbuf)
{
    int k = g->k, s = g->s, e = (k - 1) / s;
    stage_set(st, g->C, g->H, g->W, s, k, g->p, g->p, g->OH + e, g->OW + e);
    pl->nf = g->F;
    pl->K = g->C * k * k;
    pl->koff = take(a, pl->K);
    pl->wp = take(a, (size_t)((g->F + TF - 1) / TF) * TF * pl->K);
    plan_pixels(pl, a, g->OH, g->OW, st->ws);
    *stbuf = st->identity ? NULL : take(a, (size_t)nthreads * st->size);
    if (!a->base) return;
    for (int c = 0; c < g->C; c++)
        for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++)
                pl->koff[(c * k + ky) * k + kx] =
                    (int)(c * st->cstride + (size_t)((ky % s) * s + kx % s) * st->plane) +
                    (ky / s) * st->ws + kx / s;
}

/* wp[fb][j][i] = w[fb*TF + i][j] (0 past nf) for weights w (nf, K). */
static void pack_rows(float *wp, const float *w, int nf, int K)
{
    for (int fb = 0; fb * TF < nf; fb++)
        for (int j = 0; j < K; j++)
            for (int i = 0; i < TF; i++) {
                int f = fb * TF + i;
                wp[((size_t)fb * K + j) * TF + i] = f < nf ? w[(size_t)f * K + j] : 0;
            }
}

void conv_direct_forward(const struct conv_geom *g, const float *in, const float *w, float *out, float *ws)
{
    conv_direct_forward_epi(g, in, w, out, ws, NULL);
}

void conv_direct_forward_epi(const struct conv_geom *g, const float *in, const float *w, float *out, float *ws,
                             const struct conv_epilogue *e)
{
    int nt = threads_capped(g->threads);
    struct arena a = {ws, 0};
    struct stage st;
    struct plan pl;
    float *stbuf;
    fwd_layout(g, &a, &st, &pl, nt, &stbuf);
    pack_rows(pl.wp, w, g->F, pl.K);
    size_t in_img = (size_t)g->C * g->H * g->W, out_img = (size_t)g->F * pl.oplane;
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
    for (int b = 0; b < g->B; b++) {
        const float *x = in + b * in_img;
        if (!st.identity) {
            float *mine = stbuf + (size_t)thread_id() * st.size;
            stage_image(&st, x, mine);
            x = mine;
        }
        conv_image(&pl, x, out + b * out_img, 0, e, e && e->res ? e->res + b * out_img : NULL);
    }
}

/* ------------------------------------------------------------------ backward */

/* The input gradient, one plan per stride phase (py, px) of the input: the
 * taps (ky, kx) with (py + p - ky) and (px + p - kx) divisible by s read the
 * output gradient at an offset (dy, dx) = ((py + p - ky)/s, (px + p - kx)/s). */
struct din_layout {
    struct stage st;                /* the staged output gradient (stride 1) */
    int nph;                        /* phases with at least one tap */
    int py[MAX_PHASES], px[MAX_PHASES];
    struct plan pl[MAX_PHASES];     /* nf = C, columns (filter, tap) */
    int *kyx[MAX_PHASES];           /* [taps] ky * k + kx of each phase's taps */
    int ntap[MAX_PHASES];
    int hph[MAX_PHASES], wph[MAX_PHASES];
    float *stbuf, *tmp;             /* per thread: staged gradient, phase output */
    size_t tmp_size;
};

static int div_exact(int a, int s, int *q)
{
    int r = ((a % s) + s) % s;
    if (r) return 0;
    *q = (a - r) / s;
    return 1;
}

static void din_layout(const struct conv_geom *g, struct arena *a, struct din_layout *d, int nthreads)
{
    int k = g->k, s = g->s, p = g->p;
    int top = 0, left = 0, hs = 0, ws = 0;
    /* pass 1: padding needed before the first gradient row / column */
    for (int py = 0; py < s; py++)
        for (int ky = 0; ky < k; ky++) {
            int dy;
            if (div_exact(py + p - ky, s, &dy) && -dy > top) top = -dy;
        }
    for (int px = 0; px < s; px++)
        for (int kx = 0; kx < k; kx++) {
            int dx;
            if (div_exact(px + p - kx, s, &dx) && -dx > left) left = -dx;
        }
    /* pass 2: rows/columns read, and the phases */
    d->nph = 0;
    d->tmp_size = 0;
    for (int py = 0; py < s; py++)
        for (int px = 0; px < s; px++) {
            int hph = (g->H - py + s - 1) / s, wph = (g->W - px + s - 1) / s, n = 0;
            for (int ky = 0; ky < k; ky++)
                for (int kx = 0; kx < k; kx++) {
                    int dy, dx;
                    if (!div_exact(py + p - ky, s, &dy) || !div_exact(px + p - kx, s, &dx)) continue;
                    if (hph + dy + top > hs) hs = hph + dy + top;
                    if (wph + dx + left > ws) ws = wph + dx + left;
                    n++;
                }
            if (!n || hph < 1 || wph < 1) continue;
            int i = d->nph++;
            d->py[i] = py, d->px[i] = px, d->ntap[i] = n, d->hph[i] = hph, d->wph[i] = wph;
            if ((size_t)g->C * hph * wph > d->tmp_size) d->tmp_size = (size_t)g->C * hph * wph;
        }
    stage_set(&d->st, g->F, g->OH, g->OW, 1, 1, top, left, hs, ws);
    for (int i = 0; i < d->nph; i++) {
        struct plan *pl = &d->pl[i];
        pl->nf = g->C;
        pl->K = g->F * d->ntap[i];
        pl->koff = take(a, pl->K);
        pl->wp = take(a, (size_t)((g->C + TF - 1) / TF) * TF * pl->K);
        d->kyx[i] = take(a, d->ntap[i]);
        plan_pixels(pl, a, d->hph[i], d->wph[i], ws);
        if (!a->base) continue;
        int n = 0;
        for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++) {
                int dy, dx;
                if (!div_exact(d->py[i] + p - ky, s, &dy) || !div_exact(d->px[i] + p - kx, s, &dx)) continue;
                d->kyx[i][n] = ky * k + kx;
                for (int f = 0; f < g->F; f++)
                    pl->koff[f * d->ntap[i] + n] = (int)(f * d->st.cstride) + (dy + top) * ws + dx + left;
                n++;
            }
    }
    d->stbuf = d->st.identity ? NULL : take(a, (size_t)nthreads * d->st.size);
    d->tmp = s == 1 ? NULL : take(a, (size_t)nthreads * 2 * d->tmp_size); /* two phases' outputs */
}

/* The weight-gradient pass. The batch is cut into DW_GROUPS fixed groups of
 * consecutive images (fewer when the batch is smaller): a thread takes whole
 * groups, stages each image of its group once, in chunks sized so that the
 * chunk's staged inputs and output gradients stay in L2, and sweeps every
 * tile of TF filters x TC columns over the chunk, accumulating in image
 * order. Each group's sums land in their own slice of part; the slices are
 * then added in group order. The groups depend on the batch size only, so the
 * result does not depend on the thread count. */
#define DW_GROUPS 8

struct dw_layout {
    int nfb, ncb, items;  /* filter blocks, column blocks, tiles */
    int *kpad;            /* [ncb * TC] column offsets, the last repeated */
    int groups;
    float *acc;           /* per thread: [items][TF][TC][VL] */
    float *part;          /* [groups][F][K] each group's weight gradient */
    int chunk;            /* images staged at once */
    float *stbuf;         /* per thread: [chunk] staged images */
};

static void dw_layout(const struct conv_geom *g, struct arena *a, const struct stage *st, struct dw_layout *d,
                      int nthreads)
{
    int K = g->C * g->k * g->k;
    d->nfb = (g->F + TF - 1) / TF;
    d->ncb = (K + TC - 1) / TC;
    d->items = d->nfb * d->ncb;
    d->kpad = take(a, (size_t)d->ncb * TC);
    d->groups = g->B < DW_GROUPS ? g->B : DW_GROUPS;
    d->acc = take(a, (size_t)nthreads * d->items * TF * TC * VL);
    d->part = take(a, (size_t)d->groups * g->F * K);
    size_t per_image = (st->identity ? (size_t)g->C * g->H * g->W : st->size) + (size_t)g->F * g->OH * g->OW;
    d->chunk = (int)((64u << 10) / per_image); /* 256 KB */
    if (d->chunk < 1) d->chunk = 1;
    if (d->chunk > g->B) d->chunk = g->B;
    d->stbuf = st->identity ? NULL : take(a, (size_t)nthreads * d->chunk * st->size);
}

/* Group grp's weight gradient into d->part (thread t's buffers). */
static void dw_group(const struct conv_geom *g, const struct stage *st, const struct plan *pl,
                     const struct dw_layout *d, int t, int grp, const float *in, const float *dout)
{
    int K = pl->K;
    size_t in_img = (size_t)g->C * g->H * g->W, out_img = (size_t)g->F * pl->oplane;
    int first = (int)((long)g->B * grp / d->groups), end = (int)((long)g->B * (grp + 1) / d->groups);
    float *acc0 = d->acc + (size_t)t * d->items * TF * TC * VL;
    float *mine = st->identity ? NULL : d->stbuf + (size_t)t * d->chunk * st->size;
    memset(acc0, 0, sizeof(float) * d->items * TF * TC * VL);
    for (int b0 = first; b0 < end; b0 += d->chunk) {
        int nb = end - b0 < d->chunk ? end - b0 : d->chunk;
        if (!st->identity)
            for (int b = 0; b < nb; b++) stage_image(st, in + (b0 + b) * in_img, mine + b * st->size);
        const float *x = st->identity ? in + b0 * in_img : mine;
        for (int it = 0; it < d->items; it++) {
            int fb = it / d->ncb, cb = it % d->ncb;
            vf acc[TF][TC];
            float *ap = acc0 + (size_t)it * TF * TC * VL;
            for (int f = 0; f < TF; f++)
                for (int c = 0; c < TC; c++) acc[f][c] = vld(ap + (f * TC + c) * VL);
            const float *dy[TF];
            for (int f = 0; f < TF; f++) {
                int ff = fb * TF + f < g->F ? fb * TF + f : g->F - 1;
                dy[f] = dout + b0 * out_img + ff * pl->oplane;
            }
            tile_dw(pl, dy, out_img, x, st->identity ? in_img : st->size, d->kpad + cb * TC, nb, acc);
            for (int f = 0; f < TF; f++)
                for (int c = 0; c < TC; c++) vst(ap + (f * TC + c) * VL, acc[f][c]);
        }
    }
    float *part = d->part + (size_t)grp * g->F * K;
    for (int it = 0; it < d->items; it++) {
        int fb = it / d->ncb, cb = it % d->ncb;
        const float *ap = acc0 + (size_t)it * TF * TC * VL;
        for (int f = 0; f < TF && fb * TF + f < g->F; f++)
            for (int c = 0; c < TC && cb * TC + c < K; c++)
                part[(size_t)(fb * TF + f) * K + cb * TC + c] = hsum(vld(ap + (f * TC + c) * VL));
    }
}

static void pack_din(const struct conv_geom *g, const struct din_layout *d, const float *w)
{
    int kk = g->k * g->k;
    for (int i = 0; i < d->nph; i++) {
        const struct plan *pl = &d->pl[i];
        int n = d->ntap[i];
        for (int cb = 0; cb * TF < g->C; cb++)
            for (int f = 0; f < g->F; f++)
                for (int t = 0; t < n; t++)
                    for (int r = 0; r < TF; r++) {
                        int c = cb * TF + r;
                        pl->wp[((size_t)cb * pl->K + f * n + t) * TF + r] =
                            c < g->C ? w[((size_t)f * g->C + c) * kk + d->kyx[i][t]] : 0;
                    }
    }
}

void conv_direct_backward(const struct conv_geom *g, const float *in, const float *w, const float *dout,
                          float *dw, float *din, float *ws)
{
    int nt = threads_capped(g->threads);
    struct arena a = {ws, 0};
    struct stage st;
    struct plan pl;
    float *fwd_stbuf; /* unused here: the weight gradient stages per chunk */
    struct dw_layout d;
    struct din_layout di;
    fwd_layout(g, &a, &st, &pl, 0, &fwd_stbuf);
    dw_layout(g, &a, &st, &d, nt);
    if (din) din_layout(g, &a, &di, nt);
    int K = pl.K;
    for (int j = 0; j < d.ncb * TC; j++) d.kpad[j] = pl.koff[j < K ? j : K - 1];
    size_t in_img = (size_t)g->C * g->H * g->W, out_img = (size_t)g->F * pl.oplane;

    /* weight gradient: the groups, then their sum in group order */
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
    for (int grp = 0; grp < d.groups; grp++) dw_group(g, &st, &pl, &d, thread_id(), grp, in, dout);
    size_t nw = (size_t)g->F * K;
#pragma omp parallel for schedule(static) num_threads(nt)
    for (size_t i = 0; i < nw; i++) {
        float sum = d.part[i];
        for (int grp = 1; grp < d.groups; grp++) sum += d.part[(size_t)grp * nw + i];
        dw[i] += sum;
    }
    if (!din) return;

    /* input gradient */
    pack_din(g, &di, w);
    size_t g_img = di.st.size;
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
    for (int b = 0; b < g->B; b++) {
        int t = thread_id();
        const float *x = dout + b * out_img;
        if (!di.st.identity) {
            float *mine = di.stbuf + t * g_img;
            stage_image(&di.st, x, mine);
            x = mine;
        }
        float *dx = din + b * in_img;
        if (g->s == 1) {
            conv_image(&di.pl[0], x, dx, 1, NULL, NULL);
            continue;
        }
        float *tmp = di.tmp + t * 2 * di.tmp_size;
        if (g->s == 2 && di.nph == 4) { /* phases (py, 0) and (py, 1) side by side: whole vectors */
            for (int py = 0; py < 2; py++) {
                const int i0 = 2 * py, hph = di.hph[i0], wph = di.wph[i0];
                float *t1 = tmp + di.tmp_size;
                conv_image(&di.pl[i0], x, tmp, 0, NULL, NULL);
                conv_image(&di.pl[i0 + 1], x, t1, 0, NULL, NULL);
                for (int c = 0; c < g->C; c++)
                    for (int y = 0; y < hph; y++) {
                        const float *s0 = tmp + ((size_t)c * hph + y) * wph, *s1 = t1 + ((size_t)c * hph + y) * wph;
                        float *dst = dx + ((size_t)c * g->H + y * 2 + py) * g->W;
                        for (int xx = 0; xx < wph; xx += VL) { /* columns 2xx + 0 from s0, 2xx + 1 from s1 */
                            vf a0 = vld(s0 + xx), a1 = vld(s1 + xx);
                            vst(dst + 2 * xx, vld(dst + 2 * xx) + __builtin_shufflevector(a0, a1, 0, 8, 1, 9, 2, 10, 3, 11));
                            vst(dst + 2 * xx + VL,
                                vld(dst + 2 * xx + VL) + __builtin_shufflevector(a0, a1, 4, 12, 5, 13, 6, 14, 7, 15));
                        }
                    }
            }
            continue;
        }
        for (int i = 0; i < di.nph; i++) {
            const struct plan *p = &di.pl[i];
            conv_image(p, x, tmp, 0, NULL, NULL);
            int hph = di.hph[i], wph = di.wph[i];
            for (int c = 0; c < g->C; c++)
                for (int y = 0; y < hph; y++) {
                    const float *src = tmp + ((size_t)c * hph + y) * wph;
                    float *row = dx + ((size_t)c * g->H + y * g->s + di.py[i]) * g->W;
                    int px = di.px[i], xx = 0;
                    if (g->s == 2 && px == 0) /* (a 1x1 bridge's one phase) whole vectors: src doubled,
                                                  * added into the even lanes */
                        for (; xx + VL <= wph; xx += VL) {
                            vf a = vld(src + xx), o0 = vld(row + 2 * xx), o1 = vld(row + 2 * xx + VL);
                            vf s0 = o0 + __builtin_shufflevector(a, a, 0, 0, 1, 1, 2, 2, 3, 3);
                            vf s1 = o1 + __builtin_shufflevector(a, a, 4, 4, 5, 5, 6, 6, 7, 7);
                            vst(row + 2 * xx, __builtin_shufflevector(o0, s0, 8, 1, 10, 3, 12, 5, 14, 7));
                            vst(row + 2 * xx + VL, __builtin_shufflevector(o1, s1, 8, 1, 10, 3, 12, 5, 14, 7));
                        }
                    for (; xx < wph; xx++) row[px + xx * g->s] += src[xx];
                }
        }
    }
}

/* ------------------------------------------------------------------ sizes */

int conv_direct_ok(const struct conv_geom *g)
{
    if (g->G != 1 || g->OW % VL || g->k < 1 || g->s < 1 || g->s * g->s > MAX_PHASES || g->p < 0) return 0;
    if (g->W % g->s || (g->W / g->s) % VL) return 0; /* input-gradient phases */
    /* offsets are ints */
    if ((double)g->C * (g->H + 2 * g->p + g->s) * (g->W + 2 * g->p + g->s) > 1e9) return 0;
    if ((double)g->F * (g->OH + g->k) * (g->OW + g->k) > 1e9) return 0;
    return 1;
}

size_t conv_direct_workspace(const struct conv_geom *g)
{
    int nthreads = g->threads < 1 ? 1 : g->threads;
    struct arena a = {NULL, 0};
    struct stage st;
    struct plan pl;
    float *stbuf;
    fwd_layout(g, &a, &st, &pl, nthreads, &stbuf);
    size_t fwd = a.used;
    a.used = 0;
    struct dw_layout d;
    struct din_layout di;
    fwd_layout(g, &a, &st, &pl, 0, &stbuf);
    dw_layout(g, &a, &st, &d, nthreads);
    din_layout(g, &a, &di, nthreads);
    size_t bwd = a.used;
    return (fwd > bwd ? fwd : bwd) + 16;
}
