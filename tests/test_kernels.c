/*
 * test_kernels.c - the CPU compute kernels below the layers: gemm() against
 * gemm_ref(), the adjointness of im2col/col2im, and the direct and Winograd
 * convolutions against im2col + GEMM (forward, input and weight gradients,
 * the fused batch-norm epilogue, thread-count independence), and the
 * grouped and depthwise paths against the definition.
 */
#include <math.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/backend/cpu/conv_direct.h"
#include "../src/backend/cpu/conv_winograd.h"
#include "../src/backend/cpu/gemm.h"
#include "../src/backend/cpu/im2col.h"
#include "../src/core/activations.h"
#include "../src/core/utils.h"
#include "../src/ops/batchnorm.h"
#include "../src/ops/conv2d.h"
#include "harness.h"

static void gemm_case(int ta, int tb, int M, int N, int K, int pad, float alpha, float beta,
                      int nan_c)
{
    int lda = (ta ? M : K) + pad, ldb = (tb ? K : N) + pad, ldc = N + pad;
    int arows = ta ? K : M, brows = tb ? N : K;
    float *A = falloc((size_t)arows * lda), *B = falloc((size_t)brows * ldb);
    float *C1 = falloc((size_t)M * ldc), *C2 = falloc((size_t)M * ldc);
    struct dn_rng rng;
    rng_seed(&rng, (uint64_t)(M * 1000 + N * 10 + K + ta * 7 + tb * 13));
    for (int i = 0; i < arows * lda; i++) A[i] = rng_uniform(&rng, -1, 1);
    for (int i = 0; i < brows * ldb; i++) B[i] = rng_uniform(&rng, -1, 1);
    for (int i = 0; i < M * ldc; i++) C1[i] = C2[i] = nan_c ? NAN : rng_uniform(&rng, -1, 1);
    gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C1, ldc);
    gemm_ref(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C2, ldc);
    double m = 0;
    int pad_ok = 1;
    for (int i = 0; i < M; i++) {
        for (int j = 0; j < N; j++) {
            double d = fabs((double)C1[i * ldc + j] - C2[i * ldc + j]);
            if (!(d <= m)) m = d;
        }
        for (int j = N; j < ldc; j++) /* the padding columns are not C's */
            if (!(C1[i * ldc + j] == C2[i * ldc + j] ||
                  (isnan(C1[i * ldc + j]) && isnan(C2[i * ldc + j]))))
                pad_ok = 0;
    }
    EXPECT(m <= 1e-5 * (K + 1), "gemm ta=%d tb=%d %dx%dx%d alpha=%g beta=%g%s: max diff %g", ta, tb,
           M, N, K, alpha, beta, nan_c ? " (C=NaN)" : "", m);
    EXPECT(pad_ok, "gemm ta=%d tb=%d %dx%dx%d wrote outside the N columns", ta, tb, M, N, K);
    free(A), free(B), free(C1), free(C2);
}

static void test_gemm(void)
{
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            gemm_case(ta, tb, 7, 5, 3, 0, 1, 0, 0);
            gemm_case(ta, tb, 37, 29, 23, 3, 0.7f, 0.3f, 0);
            gemm_case(ta, tb, 1, 13, 17, 1, -1.5f, 1, 0);
            gemm_case(ta, tb, 65, 1, 67, 2, 1, 1, 0);
            gemm_case(ta, tb, 11, 9, 131, 0, 1, 0, 1); /* beta = 0 ignores C, even NaN */
            gemm_case(ta, tb, 5, 3, 0, 1, 1, 0.5f, 0); /* K = 0: C = beta*C */
        }
    /* a known product: [1 2; 3 4] [5 6; 7 8] = [19 22; 43 50] */
    const float A[4] = {1, 2, 3, 4}, B[4] = {5, 6, 7, 8};
    float C[4] = {0};
    gemm(0, 0, 2, 2, 2, 1, A, 2, B, 2, 0, C, 2);
    const double want[4] = {19, 22, 43, 50};
    expect_array(C, want, 4, 0, "gemm 2x2");
    /* A^T B^T = (B A)^T: [5 6; 7 8][1 2; 3 4] = [23 34; 31 46], transposed */
    gemm(1, 1, 2, 2, 2, 1, A, 2, B, 2, 0, C, 2);
    const double want_t[4] = {23, 31, 34, 46};
    expect_array(C, want_t, 4, 0, "gemm 2x2 transposed");
}

/* How many of got[0..n) differ from want by more than tol (NaN counts);
 * *worst: the index of the largest difference. */
static size_t count_off(const float *got, const float *want, size_t n, double tol, size_t *worst)
{
    size_t bad = 0;
    *worst = 0;
    for (size_t k = 0; k < n; k++) {
        double e = fabs((double)got[k] - want[k]);
        if (!(e <= tol)) bad++;
        if (!(e <= fabs((double)got[*worst] - want[*worst]))) *worst = k;
    }
    return bad;
}

/* The direct convolution against im2col + GEMM (forward, weight and input
 * gradients) on geometries it accepts: strides 1-3, kernels 1-7, paddings,
 * filter counts that are not multiples of its 4-filter tiles. */
static void test_conv_direct(void)
{
    static const int geo[][8] = {
        /* B, C, H, W, F, k, s, p */
        {3, 16, 8, 32, 16, 3, 1, 1}, {2, 3, 8, 8, 5, 3, 1, 1},  {2, 6, 9, 32, 7, 3, 2, 1},
        {2, 5, 8, 16, 9, 1, 2, 0},   {2, 7, 4, 16, 6, 1, 1, 0}, {2, 3, 6, 16, 2, 5, 1, 2},
        {2, 4, 7, 48, 3, 3, 3, 1},   {1, 2, 5, 16, 3, 7, 2, 3}, {2, 3, 8, 16, 4, 4, 2, 1},
        {2, 64, 8, 8, 64, 3, 1, 1},  {1, 4, 3, 8, 5, 3, 1, 1},
    };
    for (size_t i = 0; i < sizeof(geo) / sizeof(geo[0]); i++) {
        const int *q = geo[i];
        struct conv_geom g;
        conv_geom_set(&g, q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7], 1);
        char what[96];
        snprintf(what, sizeof(what), "B%d C%d %dx%d F%d k%d s%d p%d", q[0], q[1], q[2], q[3], q[4], q[5],
                 q[6], q[7]);
        if (!conv_direct_ok(&g)) {
            test_fail(__FILE__, __LINE__, "%s: the direct kernels should take it", what);
            continue;
        }
        size_t ni = (size_t)g.B * g.C * g.H * g.W, no = (size_t)g.B * g.F * g.OH * g.OW;
        size_t nw = (size_t)g.F * g.C * g.k * g.k;
        struct dn_rng r;
        rng_seed(&r, 40 + i);
        float *in = falloc(ni), *w = falloc(nw), *dout = falloc(no);
        float *o1 = falloc(no), *o2 = falloc(no), *dw1 = falloc(nw), *dw2 = falloc(nw);
        float *di1 = falloc(ni), *di2 = falloc(ni);
        for (size_t k = 0; k < ni; k++) in[k] = rng_uniform(&r, -1, 1), di1[k] = di2[k] = rng_uniform(&r, -1, 1);
        for (size_t k = 0; k < nw; k++) w[k] = rng_uniform(&r, -1, 1), dw1[k] = dw2[k] = rng_uniform(&r, -1, 1);
        for (size_t k = 0; k < no; k++) dout[k] = rng_uniform(&r, -1, 1), o2[k] = NAN;
        g.threads = 4; /* the kernels' workspace holds up to 4 threads */
        float *ws1 = falloc(conv2d_workspace_gemm(&g)), *ws2 = falloc(conv_direct_workspace(&g));
        conv2d_forward_gemm(&g, in, w, o1, ws1);
        conv2d_backward_gemm(&g, in, w, dout, dw1, di1, ws1);
        conv_direct_forward(&g, in, w, o2, ws2);
        conv_direct_backward(&g, in, w, dout, dw2, di2, ws2);
        /* sums of up to C*k*k (forward, input gradient) or B*OH*OW (weights) products */
        double tol_f = 2e-6 * (g.C * g.k * g.k + 1), tol_w = 2e-6 * (g.B * g.OH * g.OW + 1);
        const float *got[3] = {o2, dw2, di2}, *want[3] = {o1, dw1, di1};
        const size_t cnt[3] = {no, nw, ni};
        const double tol[3] = {tol_f, tol_w, tol_f};
        static const char *const part[3] = {"forward", "weight gradient", "input gradient"};
        for (int t = 0; t < 3; t++) {
            size_t worst, bad = count_off(got[t], want[t], cnt[t], tol[t], &worst);
            EXPECT(!bad, "%s %s: %zu of %zu values off by more than %g, e.g. [%zu] %.9g vs %.9g", what, part[t],
                   bad, cnt[t], tol[t], worst, got[t][worst], want[t][worst]);
        }
        free(in), free(w), free(dout), free(o1), free(o2), free(dw1), free(dw2), free(di1), free(di2);
        free(ws1), free(ws2);
    }
    struct conv_geom g;
    conv_geom_set(&g, 2, 3, 7, 5, 4, 3, 1, 1, 1); /* rows of 5: not for the direct kernels */
    EXPECT(!conv_direct_ok(&g), "7x5 output taken by the direct kernels");

}

/* The inference store (conv2d_forward_epi: Winograd F(4x4) or F(2x2), or the
 * direct kernels) equals conv2d_forward followed by bn_forward_act's formula
 * (and a residual, a bridge's store) bit for bit, for every activation. */
static void test_conv_epilogue(void)
{
    static const int geo[][7] = {
        /* B, C, H, W, F, k, s (pad k/2) */
        {3, 5, 16, 16, 7, 3, 2}, {2, 6, 16, 16, 5, 1, 2}, /* direct: strided 3x3, a bridge's 1x1 */
        {3, 16, 8, 32, 16, 3, 1}, {2, 5, 4, 16, 7, 3, 1}, /* Winograd F(4x4): 8 and 4 tiles a row */
        {2, 9, 8, 8, 11, 3, 1},                           /* Winograd F(2x2) */
    };
    for (size_t i = 0; i < sizeof(geo) / sizeof(geo[0]); i++) {
        const int *q = geo[i];
        struct conv_geom g;
        conv_geom_set(&g, q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[5] / 2, 1);
        size_t ni = (size_t)g.B * g.C * g.H * g.W, no = (size_t)g.B * g.F * g.OH * g.OW;
        size_t nw = (size_t)g.F * g.C * g.k * g.k;
        float *in = falloc(ni), *w = falloc(nw), *x = falloc(no), *y = falloc(no), *res = falloc(no);
        float *ws = falloc(conv2d_workspace(&g)), mean[16], inv[16], gamma[16], beta[16];
        struct dn_rng r;
        rng_seed(&r, 120 + i);
        for (size_t k = 0; k < ni; k++) in[k] = rng_uniform(&r, -1, 1);
        for (size_t k = 0; k < nw; k++) w[k] = rng_uniform(&r, -1, 1);
        for (size_t k = 0; k < no; k++) res[k] = rng_uniform(&r, -1, 1);
        for (int f = 0; f < g.F; f++) {
            mean[f] = rng_uniform(&r, -0.5f, 0.5f), gamma[f] = rng_uniform(&r, -2, 2);
            beta[f] = rng_uniform(&r, -1, 1), inv[f] = 1.0f / sqrtf(rng_uniform(&r, 0.1f, 3) + BN_EPS);
        }
        conv2d_forward(&g, in, w, x, ws);
        for (int a = ACT_LINEAR; a <= ACT_MISH; a++)
            for (int with_res = 0; with_res < 2; with_res++) {
                struct conv_epilogue e = {mean, inv, gamma, beta, a, with_res ? res : NULL};
                int rc = conv2d_forward_epi(&g, in, w, y, ws, &e);
                size_t bad = 0;
                for (size_t k = 0; k < no; k++) {
                    int f = (int)(k / ((size_t)g.OH * g.OW) % g.F);
                    float bn = gamma[f] * ((x[k] - mean[f]) * inv[f]) + beta[f];
                    float want = act_value(with_res ? res[k] + bn : bn, a);
                    bad += memcmp(&want, &y[k], sizeof(float)) != 0;
                }
                EXPECT(rc == 0 && !bad, "epilogue, shape %zu (%dx%d conv %dx%d s%d), %s%s: rc %d, %zu of %zu values differ",
                       i, g.H, g.W, g.k, g.k, g.s, act_names[a], with_res ? " with residual" : "", rc, bad, no);
            }
        free(in), free(w), free(x), free(y), free(res), free(ws);
    }
    struct conv_geom g;
    conv_geom_set(&g, 2, 4, 6, 6, 4, 3, 1, 1, 4); /* depthwise: neither path */
    EXPECT(conv2d_forward_epi(&g, NULL, NULL, NULL, NULL, NULL) == -1, "depthwise taken by the fused store");
}

/* Set the OpenMP thread count; returns the previous one. */
static int set_threads(int n)
{
#ifdef _OPENMP
    int old = omp_get_max_threads();
    omp_set_num_threads(n);
    return old;
#else
    return n;
#endif
}

/* Winograd forward, input and weight gradients against im2col + gemm_ref
 * (F(4x4) forward and input gradient where the maps are 8, 16 or 32 wide and
 * the height a multiple of 4, else F(2x2)), and bit-identical results with 1
 * and 2 threads. */
static void test_conv_winograd(void)
{
    static const int geo[][5] = {
        /* B, C, H, W, F (3x3, stride 1, pad 1) */
        {3, 16, 8, 32, 16}, {2, 3, 8, 8, 5}, {2, 64, 8, 8, 64}, {1, 4, 2, 8, 5},
        {3, 1, 6, 8, 1},    {2, 5, 4, 16, 17}, {2, 17, 8, 24, 3}, {5, 32, 16, 16, 32},
        {1, 3, 4, 48, 5},   {2, 7, 12, 64, 9}, /* F(4x4): 12 tiles a row (a vector and a half), 16 */
        {3, 5, 8, 8, 6},    {1, 2, 4, 8, 3},   /* F(4x4) 8 wide, 4 tile rows a vector: 6 rows, 1 row */
    };
    double worst_rel = 0;
    for (size_t i = 0; i < sizeof(geo) / sizeof(geo[0]); i++) {
        const int *q = geo[i];
        struct conv_geom g;
        conv_geom_set(&g, q[0], q[1], q[2], q[3], q[4], 3, 1, 1, 1);
        char what[64];
        snprintf(what, sizeof(what), "B%d C%d %dx%d F%d", q[0], q[1], q[2], q[3], q[4]);
        if (!conv_wino_ok(&g)) {
            test_fail(__FILE__, __LINE__, "%s: Winograd should take it", what);
            continue;
        }
        size_t ni = (size_t)g.B * g.C * g.H * g.W, no = (size_t)g.B * g.F * g.OH * g.OW, nw = (size_t)g.F * g.C * 9;
        struct dn_rng r;
        rng_seed(&r, 90 + i);
        float *in = falloc(ni), *w = falloc(nw), *dout = falloc(no);
        float *dw1 = falloc(nw), *dw2 = falloc(nw), *dw3 = falloc(nw);
        float *o1 = falloc(no), *o2 = falloc(no), *o3 = falloc(no);
        float *di1 = falloc(ni), *di2 = falloc(ni), *di3 = falloc(ni);
        for (size_t k = 0; k < ni; k++) in[k] = rng_uniform(&r, -1, 1), di1[k] = rng_uniform(&r, -1, 1);
        for (size_t k = 0; k < nw; k++) w[k] = rng_uniform(&r, -1, 1), dw1[k] = rng_uniform(&r, -1, 1);
        memcpy(di2, di1, ni * sizeof(float)), memcpy(di3, di1, ni * sizeof(float));
        memcpy(dw2, dw1, nw * sizeof(float)), memcpy(dw3, dw1, nw * sizeof(float));
        for (size_t k = 0; k < no; k++) dout[k] = rng_uniform(&r, -1, 1), o2[k] = o3[k] = NAN;
        g.threads = 4; /* the kernels' workspace holds up to 4 threads */
        float *ws1 = falloc(conv2d_workspace_gemm(&g)), *ws2 = falloc(conv_wino_workspace(&g));
        conv2d_forward_gemm(&g, in, w, o1, ws1);
        conv2d_backward_gemm(&g, in, w, dout, dw1, di1, ws1);
        int threads = set_threads(1);
        conv_wino_forward(&g, in, w, o2, ws2);
        conv_wino_backward_data(&g, w, dout, di2, ws2);
        conv_wino_backward_filter(&g, in, dout, dw2, ws2);
        set_threads(2);
        conv_wino_forward(&g, in, w, o3, ws2);
        conv_wino_backward_data(&g, w, dout, di3, ws2);
        conv_wino_backward_filter(&g, in, dout, dw3, ws2);
        set_threads(threads);
        /* relative to the number of terms (C*9, F*9 or B*H*W of them, each < 1) */
        const float *got[3] = {o2, di2, dw2}, *want[3] = {o1, di1, dw1}, *again[3] = {o3, di3, dw3};
        const size_t cnt[3] = {no, ni, nw};
        const double tol[3] = {2e-6 * (g.C * 9 + 1), 2e-6 * (g.F * 9 + 1), 2e-6 * (g.B * g.H * g.W + 1)};
        static const char *const part[3] = {"forward", "input gradient", "weight gradient"};
        for (int t = 0; t < 3; t++) {
            size_t worst, bad = count_off(got[t], want[t], cnt[t], tol[t], &worst);
            double e = fabs((double)got[t][worst] - want[t][worst]) / tol[t];
            if (e > worst_rel) worst_rel = e;
            EXPECT(!bad, "%s %s: %zu of %zu values off by more than %g, e.g. [%zu] %.9g vs %.9g", what, part[t],
                   bad, cnt[t], tol[t], worst, got[t][worst], want[t][worst]);
            EXPECT(!memcmp(got[t], again[t], cnt[t] * sizeof(float)), "%s %s: 1 and 2 threads differ", what,
                   part[t]);
        }
        free(in), free(w), free(dout), free(dw1), free(dw2), free(dw3);
        free(o1), free(o2), free(o3), free(di1), free(di2), free(di3);
        free(ws1), free(ws2);
    }
    printf("    worst Winograd error: %.3f of the tolerance\n", worst_rel);

    struct conv_geom g;
    conv_geom_set(&g, 2, 3, 7, 8, 4, 3, 1, 1, 1); /* odd height: no whole 2x2 tiles */
    EXPECT(!conv_wino_ok(&g), "7x8 output taken by Winograd");
    conv_geom_set(&g, 2, 3, 8, 8, 4, 3, 2, 1, 1);
    EXPECT(!conv_wino_ok(&g), "stride 2 taken by Winograd");
}

/* Grouped convolution by definition, in double: out (=), dw (+=), din (+=).
 * Filter f belongs to group f / (F/G) and reads input channels
 * group*C/G + cc for cc < C/G. */
static void conv_grouped_naive(const struct conv_geom *g, const float *in, const float *w, const float *dout,
                               double *out, double *dw, double *din)
{
    int cg = g->C / g->G, fg = g->F / g->G, k = g->k;
    for (int b = 0; b < g->B; b++)
        for (int f = 0; f < g->F; f++)
            for (int oy = 0; oy < g->OH; oy++)
                for (int ox = 0; ox < g->OW; ox++) {
                    size_t o = (((size_t)b * g->F + f) * g->OH + oy) * g->OW + ox;
                    double sum = 0;
                    for (int cc = 0; cc < cg; cc++)
                        for (int kh = 0; kh < k; kh++)
                            for (int kw = 0; kw < k; kw++) {
                                int y = oy * g->s - g->p + kh, x = ox * g->s - g->p + kw, c = f / fg * cg + cc;
                                if (y < 0 || y >= g->H || x < 0 || x >= g->W) continue;
                                size_t i = (((size_t)b * g->C + c) * g->H + y) * g->W + x;
                                size_t wi = (((size_t)f * cg + cc) * k + kh) * k + kw;
                                sum += (double)w[wi] * in[i];
                                dw[wi] += (double)dout[o] * in[i];
                                din[i] += (double)dout[o] * w[wi];
                            }
                    out[o] = sum;
                }
}

/* The grouped paths of conv2d_forward/backward (the depthwise loops for
 * G = C = F, per-group im2col + GEMM otherwise) and the GEMM path on every
 * grouped shape, against the definition; the depthwise loops give the same
 * bits with 1 and 2 threads. */
static void test_conv_grouped(void)
{
    static const int geo[][9] = {
        /* B, C, H, W, F, k, s, p, G */
        {2, 8, 5, 7, 12, 3, 1, 1, 4},  {2, 8, 5, 7, 12, 3, 2, 1, 4}, {3, 6, 6, 9, 6, 3, 1, 1, 6},
        {2, 6, 7, 5, 6, 5, 2, 2, 6},   {2, 5, 4, 16, 5, 3, 2, 0, 5}, {1, 3, 9, 8, 3, 7, 1, 3, 3},
        {2, 4, 5, 6, 8, 3, 1, 1, 4},   {2, 6, 6, 6, 4, 1, 2, 0, 2},  {3, 16, 8, 8, 16, 3, 1, 1, 16},
        {2, 4, 3, 3, 4, 3, 3, 3, 4},
    };
    for (size_t i = 0; i < sizeof(geo) / sizeof(geo[0]); i++) {
        const int *q = geo[i];
        struct conv_geom g;
        conv_geom_set(&g, q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7], q[8]);
        char what[96];
        snprintf(what, sizeof(what), "B%d C%d %dx%d F%d k%d s%d p%d G%d", q[0], q[1], q[2], q[3], q[4], q[5], q[6],
                 q[7], q[8]);
        EXPECT(!conv_direct_ok(&g) && !conv_wino_ok(&g), "%s: taken by the ungrouped kernels", what);
        size_t ni = (size_t)g.B * g.C * g.H * g.W, no = (size_t)g.B * g.F * g.OH * g.OW;
        size_t nw = (size_t)g.F * (g.C / g.G) * g.k * g.k;
        struct dn_rng r;
        rng_seed(&r, 140 + i);
        float *in = falloc(ni), *w = falloc(nw), *dout = falloc(no), *o[3], *dw[3], *di[3];
        double *o_ref = xcalloc(no, sizeof(double)), *dw_ref = xcalloc(nw, sizeof(double));
        double *di_ref = xcalloc(ni, sizeof(double));
        for (int t = 0; t < 3; t++) o[t] = falloc(no), dw[t] = falloc(nw), di[t] = falloc(ni);
        for (size_t k = 0; k < ni; k++) in[k] = rng_uniform(&r, -1, 1), di_ref[k] = rng_uniform(&r, -1, 1);
        for (size_t k = 0; k < nw; k++) w[k] = rng_uniform(&r, -1, 1), dw_ref[k] = rng_uniform(&r, -1, 1);
        for (size_t k = 0; k < no; k++) dout[k] = rng_uniform(&r, -1, 1);
        for (int t = 0; t < 3; t++) {
            for (size_t k = 0; k < no; k++) o[t][k] = NAN;
            for (size_t k = 0; k < nw; k++) dw[t][k] = (float)dw_ref[k];
            for (size_t k = 0; k < ni; k++) di[t][k] = (float)di_ref[k];
        }
        conv_grouped_naive(&g, in, w, dout, o_ref, dw_ref, di_ref);
        size_t nws = conv2d_workspace(&g), nwg = conv2d_workspace_gemm(&g);
        float *ws = falloc(nws > nwg ? nws : nwg);
        /* 0: the chosen path with 1 thread, 1: with 2 threads, 2: GEMM */
        int threads = set_threads(1);
        conv2d_forward(&g, in, w, o[0], ws);
        conv2d_backward(&g, in, w, dout, dw[0], di[0], ws);
        set_threads(2);
        conv2d_forward(&g, in, w, o[1], ws);
        conv2d_backward(&g, in, w, dout, dw[1], di[1], ws);
        set_threads(threads);
        conv2d_forward_gemm(&g, in, w, o[2], ws);
        conv2d_backward_gemm(&g, in, w, dout, dw[2], di[2], ws);
        const double tol[3] = {2e-6 * (g.C / g.G * g.k * g.k + 1), 2e-6 * (g.B * g.OH * g.OW + 1),
                               2e-6 * (g.F / g.G * g.k * g.k + 1)};
        static const char *const part[3] = {"forward", "weight gradient", "input gradient"};
        static const char *const path[3] = {"chosen path", "chosen path, 2 threads", "GEMM path"};
        for (int t = 0; t < 3; t++) {
            const float *got[3] = {o[t], dw[t], di[t]};
            const double *want[3] = {o_ref, dw_ref, di_ref};
            const size_t cnt[3] = {no, nw, ni};
            for (int v = 0; v < 3; v++) {
                size_t bad = 0, worst = 0;
                for (size_t k = 0; k < cnt[v]; k++) {
                    double e = fabs(got[v][k] - want[v][k]);
                    if (!(e <= tol[v])) bad++;
                    if (!(e <= fabs(got[v][worst] - want[v][worst]))) worst = k;
                }
                EXPECT(!bad, "%s, %s, %s: %zu of %zu values off by more than %g, e.g. [%zu] %.9g vs %.9g", what,
                       path[t], part[v], bad, cnt[v], tol[v], worst, got[v][worst], want[v][worst]);
            }
        }
        EXPECT(!memcmp(o[0], o[1], no * sizeof(float)) && !memcmp(dw[0], dw[1], nw * sizeof(float)) &&
                   !memcmp(di[0], di[1], ni * sizeof(float)),
               "%s: 1 and 2 threads differ", what);
        for (int t = 0; t < 3; t++) free(o[t]), free(dw[t]), free(di[t]);
        free(in), free(w), free(dout), free(o_ref), free(dw_ref), free(di_ref), free(ws);
    }
}

/* <col2im(c), x> == <c, im2col(x)> for geometries with padding, strides and
 * kernels that do not tile the input, with a column stride ldc > OH*OW. */
static void test_im2col_adjoint(void)
{
    static const int geo[][6] = {
        /* C, H, W, k, s, p */
        {2, 5, 7, 3, 1, 1}, {3, 6, 5, 3, 2, 1}, {1, 7, 7, 1, 2, 0},
        {2, 4, 5, 5, 3, 2}, {1, 5, 4, 2, 2, 0}, {2, 3, 3, 3, 1, 2},
    };
    for (size_t g = 0; g < sizeof(geo) / sizeof(geo[0]); g++) {
        int C = geo[g][0], H = geo[g][1], W = geo[g][2], k = geo[g][3], s = geo[g][4],
            p = geo[g][5];
        int OH = (H + 2 * p - k) / s + 1, OW = (W + 2 * p - k) / s + 1, rows = C * k * k;
        int ldc = OH * OW + 3;
        float *x = falloc((size_t)C * H * W), *cx = falloc((size_t)rows * ldc);
        float *c = falloc((size_t)rows * ldc), *xc = falloc((size_t)C * H * W);
        struct dn_rng rng;
        rng_seed(&rng, 100 + g);
        for (int i = 0; i < C * H * W; i++) x[i] = rng_uniform(&rng, -1, 1);
        for (int i = 0; i < rows * ldc; i++) c[i] = rng_uniform(&rng, -1, 1);
        for (int i = 0; i < rows * ldc; i++) cx[i] = 1234.0f; /* the ldc padding must survive */
        im2col(x, C, H, W, k, s, p, cx, ldc);
        col2im(c, ldc, C, H, W, k, s, p, xc);
        double lhs = 0, rhs = 0, mag = 0;
        int pad_ok = 1;
        for (int i = 0; i < C * H * W; i++)
            lhs += (double)xc[i] * x[i], mag += fabs((double)xc[i] * x[i]);
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < OH * OW; j++) rhs += (double)c[r * ldc + j] * cx[r * ldc + j];
            for (int j = OH * OW; j < ldc; j++)
                if (cx[r * ldc + j] != 1234.0f) pad_ok = 0;
        }
        EXPECT(fabs(lhs - rhs) <= 1e-5 * (mag + 1),
               "im2col/col2im C%d %dx%d k%d s%d p%d: %.9g vs %.9g", C, H, W, k, s, p, lhs, rhs);
        EXPECT(pad_ok, "im2col C%d %dx%d k%d s%d p%d wrote past OH*OW in a row", C, H, W, k, s, p);
        /* col2im accumulates: a second call doubles the result */
        float before = xc[0];
        col2im(c, ldc, C, H, W, k, s, p, xc);
        EXPECT(fabsf(xc[0] - 2 * before) <= 1e-5f * (1 + fabsf(before)), "col2im must accumulate");
        free(x), free(cx), free(c), free(xc);
    }
}

const struct test_case kernel_tests[] = {
    {"layers/gemm", test_gemm},
    {"layers/im2col_adjoint", test_im2col_adjoint},
    {"layers/conv_direct_vs_gemm", test_conv_direct},
    {"layers/conv_winograd_vs_gemm", test_conv_winograd},
    {"layers/conv_epilogue", test_conv_epilogue},
    {"layers/conv_grouped_vs_naive", test_conv_grouped},
    {NULL, NULL},
};
