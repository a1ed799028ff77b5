/*
 * gpu_conv_exact.c - part of tests/gpu_check: every convolution shape of
 * ResNet-20 and ResNet-110 (both are 6n+2 networks of the same three stages,
 * so they have the same eight shapes: the table below, checked against the
 * cfg files) at batch 128, run on the GPU as a one-layer network and
 * compared with a float64 reference computed here on the CPU: the forward
 * output, the input gradient and the weight gradient.
 *
 * Tolerance: max|gpu - ref| <= 5e-5 * max|ref| for each tensor. That is far
 * above what FP32 FMA arithmetic gives in any summation order, and far below
 * what TF32 tensor-core math gives (inputs rounded to 10 mantissa bits:
 * about 3e-4). The test proves both sides of that claim on the CPU for every
 * shape and pass: the same sums done with TF32-rounded inputs must fail the
 * tolerance, and the same sums accumulated sequentially in float (the worst
 * plausible FP32 order) must pass it.
 *
 * With cuDNN it also asserts, in strict FP32 mode (the default), that every
 * algorithm chosen runs with CUDNN_FMA_MATH and is deterministic, that a
 * second context chooses the same algorithms (conv_algo.cu's reproducible
 * choice), and that the second context's results are bitwise identical.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/core/network.h"
#include "../../src/core/network_gpu.h"
#include "gpu_extra.h"

#define EXACT_TOL 5e-5

void gx_check(struct gx_tally *t, int ok, const char *fmt, ...)
{
    if (ok) t->passed++;
    else t->failed++;
    if (ok && t->quiet) return;
    va_list ap;
    va_start(ap, fmt);
    printf("%s ", ok ? "ok  " : "FAIL");
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

struct conv_shape {
    const char *name;
    int C, H, W, F, k, s, p;
};

static const struct conv_shape shapes[] = {
    {"stem 3->16 32x32 3x3", 3, 32, 32, 16, 3, 1, 1},
    {"16->16 32x32 3x3", 16, 32, 32, 16, 3, 1, 1},
    {"16->32 32x32 3x3 s2", 16, 32, 32, 32, 3, 2, 1},
    {"32->32 16x16 3x3", 32, 16, 16, 32, 3, 1, 1},
    {"32->64 16x16 3x3 s2", 32, 16, 16, 64, 3, 2, 1},
    {"64->64 8x8 3x3", 64, 8, 8, 64, 3, 1, 1},
    {"bridge 16->32 32x32 1x1 s2", 16, 32, 32, 32, 1, 2, 0},
    {"bridge 32->64 16x16 1x1 s2", 32, 16, 16, 64, 1, 2, 0},
};
#define NSHAPES ((int)ARRAY_LEN(shapes))

static int out_size(int n, int k, int s, int p) { return (n + 2 * p - k) / s + 1; }

/* How the reference adds up its products. */
enum ref_mode {
    REF_DOUBLE, /* float64: the reference */
    REF_TF32,   /* both factors rounded to TF32 (10 mantissa bits), float64 sums */
    REF_SEQ32,  /* float products summed one by one into a float */
};

/* Round to TF32: nearest, ties to even, on the 13 low mantissa bits. */
static float tf32(float v)
{
    uint32_t u;
    memcpy(&u, &v, sizeof(u));
    u += 0xfffu + ((u >> 13) & 1u);
    u &= ~0x1fffu;
    memcpy(&v, &u, sizeof(v));
    return v;
}

/* acc += a * b in the given mode (acc32 is the float accumulator). */
static inline void mac(enum ref_mode m, double *acc, float *acc32, float a, float b)
{
    if (m == REF_SEQ32) *acc32 += a * b;
    else if (m == REF_TF32) *acc += (double)tf32(a) * tf32(b);
    else *acc += (double)a * b;
}

/* y (B, F, OH, OW) = x (B, C, H, W) cross-correlated with w (F, C, k, k) */
static void ref_forward(const struct conv_shape *g, int B, const float *x, const float *w, double *y,
                        enum ref_mode m)
{
    int OH = out_size(g->H, g->k, g->s, g->p), OW = out_size(g->W, g->k, g->s, g->p);
#pragma omp parallel for collapse(2) schedule(static)
    for (int b = 0; b < B; b++)
        for (int f = 0; f < g->F; f++)
            for (int oy = 0; oy < OH; oy++)
                for (int ox = 0; ox < OW; ox++) {
                    double acc = 0;
                    float acc32 = 0;
                    for (int c = 0; c < g->C; c++)
                        for (int kh = 0; kh < g->k; kh++)
                            for (int kw = 0; kw < g->k; kw++) {
                                int iy = oy * g->s - g->p + kh, ix = ox * g->s - g->p + kw;
                                if (iy < 0 || iy >= g->H || ix < 0 || ix >= g->W) continue;
                                mac(m, &acc, &acc32, x[(((size_t)b * g->C + c) * g->H + iy) * g->W + ix],
                                    w[(((size_t)f * g->C + c) * g->k + kh) * g->k + kw]);
                            }
                    y[(((size_t)b * g->F + f) * OH + oy) * OW + ox] = m == REF_SEQ32 ? acc32 : acc;
                }
}

/* dx (B, C, H, W) = the transpose of the above applied to dy */
static void ref_backward_data(const struct conv_shape *g, int B, const float *dy, const float *w, double *dx,
                              enum ref_mode m)
{
    int OH = out_size(g->H, g->k, g->s, g->p), OW = out_size(g->W, g->k, g->s, g->p);
#pragma omp parallel for collapse(2) schedule(static)
    for (int b = 0; b < B; b++)
        for (int c = 0; c < g->C; c++)
            for (int iy = 0; iy < g->H; iy++)
                for (int ix = 0; ix < g->W; ix++) {
                    double acc = 0;
                    float acc32 = 0;
                    for (int f = 0; f < g->F; f++)
                        for (int kh = 0; kh < g->k; kh++)
                            for (int kw = 0; kw < g->k; kw++) {
                                int ty = iy + g->p - kh, tx = ix + g->p - kw;
                                if (ty < 0 || tx < 0 || ty % g->s || tx % g->s) continue;
                                int oy = ty / g->s, ox = tx / g->s;
                                if (oy >= OH || ox >= OW) continue;
                                mac(m, &acc, &acc32, dy[(((size_t)b * g->F + f) * OH + oy) * OW + ox],
                                    w[(((size_t)f * g->C + c) * g->k + kh) * g->k + kw]);
                            }
                    dx[(((size_t)b * g->C + c) * g->H + iy) * g->W + ix] = m == REF_SEQ32 ? acc32 : acc;
                }
}

/* dw (F, C, k, k) = sum over the batch and output pixels of dy * x */
static void ref_backward_filter(const struct conv_shape *g, int B, const float *x, const float *dy, double *dw,
                                enum ref_mode m)
{
    int OH = out_size(g->H, g->k, g->s, g->p), OW = out_size(g->W, g->k, g->s, g->p);
#pragma omp parallel for collapse(2) schedule(dynamic)
    for (int f = 0; f < g->F; f++)
        for (int c = 0; c < g->C; c++)
            for (int kh = 0; kh < g->k; kh++)
                for (int kw = 0; kw < g->k; kw++) {
                    double acc = 0;
                    float acc32 = 0;
                    for (int b = 0; b < B; b++)
                        for (int oy = 0; oy < OH; oy++)
                            for (int ox = 0; ox < OW; ox++) {
                                int iy = oy * g->s - g->p + kh, ix = ox * g->s - g->p + kw;
                                if (iy < 0 || iy >= g->H || ix < 0 || ix >= g->W) continue;
                                mac(m, &acc, &acc32, dy[(((size_t)b * g->F + f) * OH + oy) * OW + ox],
                                    x[(((size_t)b * g->C + c) * g->H + iy) * g->W + ix]);
                            }
                    dw[(((size_t)f * g->C + c) * g->k + kh) * g->k + kw] = m == REF_SEQ32 ? acc32 : acc;
                }
}

/* max|got - ref| / max|ref|; infinity if anything is not finite */
static double rel_err_f(const float *got, const double *ref, size_t n)
{
    double e = 0, r = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(got[i])) return INFINITY;
        double d = fabs(got[i] - ref[i]);
        if (d > e) e = d;
        if (fabs(ref[i]) > r) r = fabs(ref[i]);
    }
    return r > 0 ? e / r : e;
}

static double rel_err_d(const double *got, const double *ref, size_t n)
{
    double e = 0, r = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs(got[i] - ref[i]);
        if (d > e) e = d;
        if (fabs(ref[i]) > r) r = fabs(ref[i]);
    }
    return r > 0 ? e / r : e;
}

/* One [convolutional] layer of shape g (linear, no batch norm, zero bias)
 * with an input gradient, weights from the seed. */
static struct network *conv_net(const struct conv_shape *g, int B, char *err)
{
    char text[512];
    snprintf(text, sizeof(text),
             "[net]\nbatch=%d\nwidth=%d\nheight=%d\nchannels=%d\ninit=fan_in\n"
             "[convolutional]\nfilters=%d\nsize=%d\nstride=%d\npadding=%d\nactivation=linear\n",
             B, g->W, g->H, g->C, g->F, g->k, g->s, g->p);
    struct cfg *c = cfg_read_text(g->name, text, 0, err);
    struct network *net = c ? net_build(c, 10, 0, 1, 77, err) : NULL;
    cfg_free(c);
    if (!net) return NULL;
    struct layer *l = &net->layers[0];
    for (int j = 0; j < l->nparams; j++)
        if (strcmp(l->params[j].name, "biases") == 0) memset(l->params[j].val, 0, l->params[j].n * sizeof(float));
    return net;
}

static struct param *find_param(struct layer *l, const char *name)
{
    for (int j = 0; j < l->nparams; j++)
        if (strcmp(l->params[j].name, name) == 0) return &l->params[j];
    return NULL;
}

/* The GPU's forward output, input gradient and weight gradient of the
 * shape for input x and output gradient dy (y, dx, dw: host arrays). */
static int gpu_conv(struct network *net, int device, int flags, const float *x, const float *dy, float *y, float *dx,
                    float *dw, char *err)
{
    if (cuda_net_attach(net, device, flags, err)) return -1;
    struct layer *l = &net->layers[0];
    size_t nin = (size_t)net->batch * net->inputs, nout = (size_t)net->batch * l->outputs;
    memcpy(net->input, x, nin * sizeof(float));
    net->train = 1;
    net_forward(net);
    memcpy(y, l->output, nout * sizeof(float));
    cuda_upload(net, l->delta_gpu, dy, nout);
    net_backward(net);
    cuda_net_pull(net);
    cuda_net_pull_activations(net);
    memcpy(dx, net->delta, nin * sizeof(float));
    struct param *w = find_param(l, "weights");
    memcpy(dw, w->grad, w->n * sizeof(float));
    return 0;
}

/* The table holds every shape of the cfg's convolutions and bridges. */
static void check_table_complete(struct gx_tally *t, const char *cfgpath)
{
    char err[DN_ERR_LEN];
    struct network *net = net_load_cfg(cfgpath, 10, 1, 1, err);
    if (!net) {
        gx_check(t, 0, "exact: %s: %s (run from the repository root)", cfgpath, err);
        return;
    }
    int convs = 0, missing = 0;
    for (int i = 0; i < net->n; i++) {
        const struct layer *l = &net->layers[i];
        int bridge = strcmp(l->ops->name, "bridge") == 0;
        if (!bridge && strcmp(l->ops->name, "convolutional") != 0) continue;
        convs++;
        int found = 0;
        for (int s = 0; s < NSHAPES; s++) {
            const struct conv_shape *g = &shapes[s];
            int OH = out_size(g->H, g->k, g->s, g->p), OW = out_size(g->W, g->k, g->s, g->p);
            if (g->F == l->out_c && OH == l->out_h && OW == l->out_w &&
                (bridge ? g->k == 1 && g->C * 2 == l->out_c : g->k == 3 && g->C == l->c && g->H == l->h))
                found = 1;
        }
        if (!found) {
            gx_check(t, 0, "exact: %s layer %d (%s %dx%dx%d -> %dx%dx%d) has no row in the shape table", cfgpath, i,
                     l->ops->name, l->c, l->h, l->w, l->out_c, l->out_h, l->out_w);
            missing++;
        }
    }
    gx_check(t, missing == 0 && convs > 0, "exact: the %d shapes cover all %d convolutions and bridges of %s", NSHAPES,
             convs, cfgpath);
    net_free(net);
}

void gpu_conv_exact_checks(struct gx_tally *t, int device, int batch)
{
    check_table_complete(t, "cfg/resnet_20.cfg");
    check_table_complete(t, "cfg/resnet_110.cfg");
    const char *pass_name[3] = {"forward", "input gradient", "weight gradient"};
    for (int s = 0; s < NSHAPES; s++) {
        const struct conv_shape *g = &shapes[s];
        char err[DN_ERR_LEN];
        struct network *proto = conv_net(g, batch, err);
        if (!proto) {
            gx_check(t, 0, "exact %s: cannot build: %s", g->name, err);
            continue;
        }
        struct layer *l = &proto->layers[0];
        size_t n[3] = {(size_t)batch * l->outputs, (size_t)batch * proto->inputs, find_param(l, "weights")->n};
        const float *w = find_param(l, "weights")->val;
        float *x = falloc(n[1]), *dy = falloc(n[0]);
        struct dn_rng r;
        rng_seed(&r, 1000 + s);
        for (size_t i = 0; i < n[1]; i++) x[i] = rng_uniform(&r, -1, 1);
        for (size_t i = 0; i < n[0]; i++) dy[i] = rng_uniform(&r, -1, 1);

        /* the reference, and the two calibrations of the tolerance */
        double *ref[3], *cal[3];
        double tf32_err[3], seq_err[3];
        for (int k = 0; k < 3; k++) ref[k] = xmalloc(n[k] * sizeof(double)), cal[k] = xmalloc(n[k] * sizeof(double));
        ref_forward(g, batch, x, w, ref[0], REF_DOUBLE);
        ref_backward_data(g, batch, dy, w, ref[1], REF_DOUBLE);
        ref_backward_filter(g, batch, x, dy, ref[2], REF_DOUBLE);
        for (int m = REF_TF32; m <= REF_SEQ32; m++) {
            ref_forward(g, batch, x, w, cal[0], (enum ref_mode)m);
            ref_backward_data(g, batch, dy, w, cal[1], (enum ref_mode)m);
            ref_backward_filter(g, batch, x, dy, cal[2], (enum ref_mode)m);
            for (int k = 0; k < 3; k++) (m == REF_TF32 ? tf32_err : seq_err)[k] = rel_err_d(cal[k], ref[k], n[k]);
        }
        for (int k = 0; k < 3; k++)
            gx_check(t, tf32_err[k] > EXACT_TOL && seq_err[k] <= EXACT_TOL,
                     "exact %-28s %-15s batch %d: tolerance %.0e separates TF32 (%.2e) from sequential FP32 (%.2e)",
                     g->name, pass_name[k], batch, EXACT_TOL, tf32_err[k], seq_err[k]);

        for (int m = 0; m < conv_paths_len; m++) {
            float *got[2][3];
            int attached = 0;
            /* two fresh contexts: the second must choose the same algorithms
             * and give the same bits */
            struct dn_conv_choice ch[2][4];
            int nch[2] = {0, 0};
            memset(ch, 0, sizeof(ch));
            for (int run = 0; run < 2; run++) {
                for (int k = 0; k < 3; k++) got[run][k] = falloc(n[k]);
                struct network *net = conv_net(g, batch, err);
                if (net && gpu_conv(net, device, conv_paths[m].flags, x, dy, got[run][0], got[run][1], got[run][2], err) == 0) {
                    attached++;
                    nch[run] = cuda_net_conv_choices(net, ch[run], 4);
                }
                if (!net || attached <= run) gx_check(t, 0, "exact %s/%s: %s", conv_paths[m].name, g->name, err);
                net_free(net);
            }
            if (attached == 2) {
                for (int k = 0; k < 3; k++) {
                    double e = rel_err_f(got[0][k], ref[k], n[k]);
                    gx_check(t, e <= EXACT_TOL,
                             "exact %s/%-28s %-15s batch %d: max|gpu-ref|/max|ref| %.2e (tol %.0e; TF32 gives %.2e)",
                             conv_paths[m].name, g->name, pass_name[k], batch, e, EXACT_TOL, tf32_err[k]);
                }
                int same = 1;
                for (int k = 0; k < 3; k++) same &= memcmp(got[0][k], got[1][k], n[k] * sizeof(float)) == 0;
                gx_check(t, same, "exact %s/%s: a second context gives bitwise identical results", conv_paths[m].name,
                         g->name);
            }
            if (attached == 2 && conv_paths[m].flags == 0) {
                const struct dn_conv_choice *c = &ch[0][0];
                int ok = nch[0] == 1 && nch[1] == 1;
                for (int k = 0; k < 3 && ok; k++)
                    ok = c->fma[k] && c->deterministic[k] && ch[1][0].algo[k] == c->algo[k];
                gx_check(t, ok,
                         "exact %s/%s: cuDNN algorithms fwd %d bwd-data %d bwd-filter %d: FMA math %d%d%d, "
                         "deterministic %d%d%d, the same in a second context (%d %d %d)",
                         conv_paths[m].name, g->name, c->algo[0], c->algo[1], c->algo[2], c->fma[0], c->fma[1], c->fma[2],
                         c->deterministic[0], c->deterministic[1], c->deterministic[2], ch[1][0].algo[0],
                         ch[1][0].algo[1], ch[1][0].algo[2]);
            }
            for (int run = 0; run < 2; run++)
                for (int k = 0; k < 3; k++) free(got[run][k]);
        }
        for (int k = 0; k < 3; k++) free(ref[k]), free(cal[k]);
        free(x), free(dy);
        net_free(proto);
    }
}
