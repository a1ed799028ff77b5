/*
 * dnnl_compare.c - our CPU convolutions side by side with oneDNN's (Debian's
 * libdnnl-dev, C API) on the convolution shapes of the paper's CIFAR ResNets
 * at batch 128; docs/dnnl-compare.md says how to build, run and read it.
 * Built only by `make dnnl_compare`: not part of `make`, the tests or CI.
 *
 * Both engines get the same data and the same OpenMP thread count. For each
 * shape:
 *   inference: ours = conv2d_forward_epi (batch norm with running statistics,
 *     the residual where the network has one, and ReLU in the convolution's
 *     store). oneDNN = a forward_inference convolution with the batch norm
 *     folded into its weights and bias, the residual as a sum post-op and
 *     ReLU as an eltwise post-op, src/weights/dst in the layouts it picks
 *     itself (format `any`), timed with the data already in those layouts;
 *     the reorders from and to NCHW are timed apart. oneDNN's Winograd
 *     algorithm is tried too.
 *   training: ours = conv2d_forward + conv2d_backward (dw and din); oneDNN =
 *     forward_training + backward_data + backward_weights. The network's
 *     first convolution has no din (its input is the image) in either.
 * Each time is the median of -reps runs after WARMUP runs. Each row also
 * gives the largest difference between the two engines' results (back in
 * NCHW) relative to the largest |result| of ours. The totals weight each
 * shape by how many convolutions of it ResNet-20 and ResNet-110 have.
 */
#include <ctype.h>
#include <math.h>
#include <omp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl_debug.h>

#include "../src/backend/cpu/gemm.h"
#include "../src/core/activations.h"
#include "../src/core/utils.h"
#include "../src/ops/batchnorm.h"
#include "../src/ops/conv2d.h"

#define BATCH 128
#define WARMUP 2
#define NAME_LEN 96

/* ---- the shapes ---- */

/* One convolution shape (padding k/2). A network with m residual blocks per
 * stage has plain_m*m + plain_1 of it followed by batch norm and ReLU, and
 * res_m*m + res_1 followed by batch norm, the residual, then ReLU (a block's
 * second convolution with its shortcut fused, or a bridge). */
struct shape {
    const char *name;
    int C, HW, F, k, s;
    int first; /* the network's first convolution: no din */
    int plain_m, plain_1, res_m, res_1;
};

static const struct shape shapes[] = {
    {"conv1 3->16 3x3/1 32x32", 3, 32, 16, 3, 1, 1, 0, 1, 0, 0},
    {"16->16 3x3/1 32x32", 16, 32, 16, 3, 1, 0, 1, 0, 1, 0},
    {"16->32 3x3/2 32->16", 16, 32, 32, 3, 2, 0, 0, 1, 0, 0},
    {"32->32 3x3/1 16x16", 32, 16, 32, 3, 1, 0, 1, -1, 1, 0},
    {"32->64 3x3/2 16->8", 32, 16, 64, 3, 2, 0, 0, 1, 0, 0},
    {"64->64 3x3/1 8x8", 64, 8, 64, 3, 1, 0, 1, -1, 1, 0},
    {"bridge 16->32 1x1/2 32->16", 16, 32, 32, 1, 2, 0, 0, 0, 0, 1},
    {"bridge 32->64 1x1/2 16->8", 32, 16, 64, 1, 2, 0, 0, 0, 0, 1},
};
#define NSHAPES ((int)(sizeof(shapes) / sizeof(shapes[0])))

/* residual blocks per stage: ResNet-(6m+2) */
static const struct {
    const char *name;
    int m;
} nets[] = {{"resnet_20", 3}, {"resnet_110", 18}};
#define NNETS ((int)(sizeof(nets) / sizeof(nets[0])))

static int plain_count(const struct shape *sh, int m) { return sh->plain_m * m + sh->plain_1; }
static int res_count(const struct shape *sh, int m) { return sh->res_m * m + sh->res_1; }

static int out_size(const struct shape *sh) { return (sh->HW + 2 * (sh->k / 2) - sh->k) / sh->s + 1; }

/* ---- oneDNN: engine, stream, checked calls ---- */

static dnnl_engine_t engine;
static dnnl_stream_t stream;
static char where[NAME_LEN] = "setup"; /* what is being measured, for error messages */

static void check(dnnl_status_t st, const char *call)
{
    if (st == dnnl_success) return;
    fprintf(stderr, "dnnl_compare: %s failed (%s), shape %s\n", call, dnnl_status2str(st), where);
    exit(1);
}
/* DNNL(fn, args...): call fn and stop with its name and the shape on failure */
#define DNNL(fn, ...) check(fn(__VA_ARGS__), #fn)

/* A sequence of primitive executions, run and timed as one. */
#define MAX_STEPS 4
#define MAX_ARGS 4
struct steps {
    int n;
    struct {
        dnnl_primitive_t prim;
        int nargs;
        dnnl_exec_arg_t args[MAX_ARGS];
    } s[MAX_STEPS];
};

/* Append prim with nargs (DNNL_ARG_..., dnnl_memory_t) pairs. */
static void add_step(struct steps *l, dnnl_primitive_t prim, int nargs, ...)
{
    DN_ASSERT(l->n < MAX_STEPS && nargs <= MAX_ARGS);
    va_list ap;
    va_start(ap, nargs);
    l->s[l->n].prim = prim, l->s[l->n].nargs = nargs;
    for (int i = 0; i < nargs; i++) {
        l->s[l->n].args[i].arg = va_arg(ap, int);
        l->s[l->n].args[i].memory = va_arg(ap, dnnl_memory_t);
    }
    va_end(ap);
    l->n++;
}

static void run_steps(void *ctx)
{
    struct steps *l = ctx;
    for (int i = 0; i < l->n; i++)
        DNNL(dnnl_primitive_execute, l->s[i].prim, stream, l->s[i].nargs, l->s[i].args);
    DNNL(dnnl_stream_wait, stream);
}

static void reorder_create(dnnl_primitive_t *p, const dnnl_memory_desc_t *from, const dnnl_memory_desc_t *to)
{
    dnnl_primitive_desc_t pd;
    DNNL(dnnl_reorder_primitive_desc_create, &pd, from, engine, to, engine, NULL);
    DNNL(dnnl_primitive_create, p, pd);
    DNNL(dnnl_primitive_desc_destroy, pd);
}

/* One tensor twice: a host array in the plain layout (NCHW, OIHW or x) and
 * the memory a primitive uses, in the layout it chose, with the reorders
 * between them (none when the two layouts are the same). */
struct tensor {
    float *host;
    dnnl_memory_t plain, mem; /* mem == plain when the layouts agree */
    dnnl_primitive_t to, back; /* plain -> mem, mem -> plain; NULL when not needed */
};

enum { IN = 1, OUT = 2 }; /* the reorders a tensor needs: host -> mem, mem -> host */

static void tensor_init(struct tensor *t, float *host, int ndims, const dnnl_dim_t *dims, dnnl_format_tag_t tag,
                        const dnnl_memory_desc_t *md, int dirs)
{
    dnnl_memory_desc_t pmd;
    DNNL(dnnl_memory_desc_init_by_tag, &pmd, ndims, dims, dnnl_f32, tag);
    t->host = host;
    DNNL(dnnl_memory_create, &t->plain, &pmd, engine, host);
    t->mem = t->plain, t->to = t->back = NULL;
    if (dnnl_memory_desc_equal(&pmd, md)) return;
    DNNL(dnnl_memory_create, &t->mem, md, engine, DNNL_MEMORY_ALLOCATE);
    /* only the reorders used: oneDNN has none out of its Winograd weights layout */
    if (dirs & IN) reorder_create(&t->to, &pmd, md);
    if (dirs & OUT) reorder_create(&t->back, md, &pmd);
}

/* The reorder host -> mem (in) or mem -> host (out) as a step of l. */
static void add_reorder(struct steps *l, const struct tensor *t, int in)
{
    if (t->mem == t->plain) return;
    DN_ASSERT(in ? t->to != NULL : t->back != NULL);
    if (in) add_step(l, t->to, 2, DNNL_ARG_FROM, t->plain, DNNL_ARG_TO, t->mem);
    else add_step(l, t->back, 2, DNNL_ARG_FROM, t->mem, DNNL_ARG_TO, t->plain);
}

static void tensor_copy(const struct tensor *t, int in)
{
    struct steps l = {0};
    add_reorder(&l, t, in);
    run_steps(&l);
}

static void tensor_free(struct tensor *t)
{
    if (t->mem != t->plain) DNNL(dnnl_memory_destroy, t->mem);
    if (t->to) DNNL(dnnl_primitive_destroy, t->to);
    if (t->back) DNNL(dnnl_primitive_destroy, t->back);
    DNNL(dnnl_memory_destroy, t->plain);
}

/* The layout of md in oneDNN's tag notation: the outer dimensions, largest
 * stride first, a capital for a blocked one, then the inner blocks (nChw16c,
 * OIhw16i16o); letters names the dimensions ("nchw", "oihw"). */
static void layout_name(const dnnl_memory_desc_t *md, const char *letters, char *buf, size_t len)
{
    if (md->format_kind != dnnl_blocked) {
        snprintf(buf, len, "%s", dnnl_fmt_kind2str(md->format_kind));
        return;
    }
    const dnnl_blocking_desc_t *b = &md->format_desc.blocking;
    int n = md->ndims, used[DNNL_MAX_NDIMS] = {0};
    size_t at = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && at < len; i++) {
        int d = -1;
        for (int j = 0; j < n; j++)
            if (!used[j] && (d < 0 || b->strides[j] > b->strides[d])) d = j;
        used[d] = 1;
        int blocked = 0;
        for (int j = 0; j < b->inner_nblks; j++) blocked |= b->inner_idxs[j] == d;
        at += snprintf(buf + at, len - at, "%c", blocked ? toupper((unsigned char)letters[d]) : letters[d]);
    }
    for (int j = 0; j < b->inner_nblks && at < len; j++)
        at += snprintf(buf + at, len - at, "%d%c", (int)b->inner_blks[j], letters[b->inner_idxs[j]]);
}

static const dnnl_memory_desc_t *query_md(const_dnnl_primitive_desc_t pd, dnnl_query_t what)
{
    const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(pd, what, 0);
    if (!md) check(dnnl_invalid_arguments, "dnnl_primitive_desc_query_md");
    return md;
}

static void impl_name(const_dnnl_primitive_desc_t pd, char *buf, size_t len)
{
    const char *s = NULL;
    DNNL(dnnl_primitive_desc_query, pd, dnnl_query_impl_info_str, 0, (void *)&s);
    snprintf(buf, len, "%s", s ? s : "?");
}

/* The dims of a convolution of sh at batch BATCH: src, weights, dst, bias,
 * strides and padding (the same on both sides). */
struct conv_dims {
    dnnl_dims_t src, wei, dst, bias, strides, pad;
};

static void conv_dims(const struct shape *sh, struct conv_dims *d)
{
    int o = out_size(sh);
    memset(d, 0, sizeof(*d));
    d->src[0] = BATCH, d->src[1] = sh->C, d->src[2] = sh->HW, d->src[3] = sh->HW;
    d->wei[0] = sh->F, d->wei[1] = sh->C, d->wei[2] = sh->k, d->wei[3] = sh->k;
    d->dst[0] = BATCH, d->dst[1] = sh->F, d->dst[2] = o, d->dst[3] = o;
    d->bias[0] = sh->F;
    d->strides[0] = d->strides[1] = sh->s;
    d->pad[0] = d->pad[1] = sh->k / 2;
}

static void any_md(dnnl_memory_desc_t *md, int ndims, const dnnl_dim_t *dims)
{
    DNNL(dnnl_memory_desc_init_by_tag, md, ndims, dims, dnnl_f32, dnnl_format_tag_any);
}

/* ---- timing and comparing ---- */

static int reps = 20;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median milliseconds of run(ctx) over reps runs after WARMUP runs; prep
 * (may be NULL) runs untimed before each. */
static double time_ms(void (*run)(void *), void (*prep)(void *), void *ctx)
{
    double *t = xmalloc(sizeof(double) * reps);
    for (int i = 0; i < WARMUP + reps; i++) {
        if (prep) prep(ctx);
        double t0 = dn_time();
        run(ctx);
        if (i >= WARMUP) t[i - WARMUP] = (dn_time() - t0) * 1e3;
    }
    qsort(t, reps, sizeof(double), cmp_double);
    double m = reps % 2 ? t[reps / 2] : 0.5 * (t[reps / 2 - 1] + t[reps / 2]);
    free(t);
    return m;
}

/* max |ours - theirs| / max |ours| */
static double rel_diff(const float *ours, const float *theirs, size_t n)
{
    double d = 0, m = 0;
    for (size_t i = 0; i < n; i++) {
        d = fmax(d, fabs((double)ours[i] - theirs[i]));
        m = fmax(m, fabs((double)ours[i]));
    }
    return m > 0 ? d / m : d;
}

static float *rand_array(struct dn_rng *r, size_t n, float lo, float hi)
{
    float *a = falloc(n);
    for (size_t i = 0; i < n; i++) a[i] = rng_uniform(r, lo, hi);
    return a;
}

/* ---- inference ---- */

struct infer_result {
    double ours, dnnl, reorders, diff;
    int fallback; /* ours: conv2d_forward_epi took no such shape */
    char impl[NAME_LEN], layouts[4 * NAME_LEN];
    int wino; /* oneDNN Winograd: 1 measured, 0 unimplemented */
    double wino_ms, wino_diff;
    char wino_impl[NAME_LEN];
};

/* Our inference: the fused store, or when conv2d_forward_epi takes no such
 * shape, conv2d_forward, bn_forward_act and the residual and ReLU apart. */
struct ours_infer {
    struct conv_geom g;
    const float *in, *w, *res;
    float *out, *ws, *x; /* x: the convolution's output, for the fallback */
    struct conv_epilogue e;
    struct param beta, gamma, mean, var;
    struct bn bn;
    int fallback;
};

static void run_ours_infer(void *ctx)
{
    struct ours_infer *o = ctx;
    if (!o->fallback) {
        conv2d_forward_epi(&o->g, o->in, o->w, o->out, o->ws, &o->e);
        return;
    }
    conv2d_forward(&o->g, o->in, o->w, o->x, o->ws);
    bn_forward_act(&o->bn, o->x, o->out, o->g.B, o->g.OH * o->g.OW, 0, 0, o->res ? ACT_LINEAR : ACT_RELU);
    if (!o->res) return;
    size_t n = (size_t)o->g.B * o->g.F * o->g.OH * o->g.OW;
#pragma omp parallel for
    for (size_t i = 0; i < n; i++) o->out[i] = act_value(o->res[i] + o->out[i], ACT_RELU);
}

/* A forward_inference convolution descriptor of sh with a bias, post-ops
 * [sum if with_res], ReLU, formats `any`; returns the failing call's status
 * (*call names it), so that an unimplemented Winograd can be told apart. */
static dnnl_status_t infer_pd(dnnl_primitive_desc_t *pd, const struct shape *sh, dnnl_alg_kind_t alg, int with_res,
                              const char **call)
{
    struct conv_dims d;
    conv_dims(sh, &d);
    dnnl_memory_desc_t src, wei, dst, bias;
    any_md(&src, 4, d.src), any_md(&wei, 4, d.wei), any_md(&dst, 4, d.dst);
    DNNL(dnnl_memory_desc_init_by_tag, &bias, 1, d.bias, dnnl_f32, dnnl_x);
    dnnl_convolution_desc_t cd;
    *call = "dnnl_convolution_forward_desc_init";
    dnnl_status_t st = dnnl_convolution_forward_desc_init(&cd, dnnl_forward_inference, alg, &src, &wei, &bias, &dst,
                                                          d.strides, d.pad, d.pad);
    if (st != dnnl_success) return st;
    dnnl_post_ops_t po;
    dnnl_primitive_attr_t attr;
    DNNL(dnnl_post_ops_create, &po);
    if (with_res) DNNL(dnnl_post_ops_append_sum, po, 1.0f); /* dst = conv + bias + dst (the residual) */
    DNNL(dnnl_post_ops_append_eltwise, po, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f);
    DNNL(dnnl_primitive_attr_create, &attr);
    DNNL(dnnl_primitive_attr_set_post_ops, attr, po);
    *call = "dnnl_primitive_desc_create";
    st = dnnl_primitive_desc_create(pd, &cd, attr, engine, NULL);
    DNNL(dnnl_primitive_attr_destroy, attr);
    DNNL(dnnl_post_ops_destroy, po);
    return st;
}

/* Runs the oneDNN inference convolution pd once on in (NCHW) with the folded
 * weights wf and bias, the residual res (or NULL), leaving its result in
 * out (NCHW); then times it (data in its own layouts) and its reorders. */
static void dnnl_infer(const_dnnl_primitive_desc_t pd, const struct shape *sh, float *in, float *wf, float *bias,
                       const float *res, float *out, double *ms, double *reorder_ms)
{
    struct conv_dims d;
    conv_dims(sh, &d);
    struct tensor src, wei, dst;
    dnnl_memory_t bmem;
    dnnl_memory_desc_t bmd;
    tensor_init(&src, in, 4, d.src, dnnl_nchw, query_md(pd, dnnl_query_src_md), IN);
    tensor_init(&wei, wf, 4, d.wei, dnnl_oihw, query_md(pd, dnnl_query_weights_md), IN);
    tensor_init(&dst, out, 4, d.dst, dnnl_nchw, query_md(pd, dnnl_query_dst_md), res ? IN | OUT : OUT);
    DNNL(dnnl_memory_desc_init_by_tag, &bmd, 1, d.bias, dnnl_f32, dnnl_x);
    DNNL(dnnl_memory_create, &bmem, &bmd, engine, bias);
    dnnl_primitive_t conv;
    DNNL(dnnl_primitive_create, &conv, pd);
    struct steps run = {0}, reorders = {0};
    add_step(&run, conv, 4, DNNL_ARG_SRC, src.mem, DNNL_ARG_WEIGHTS, wei.mem, DNNL_ARG_BIAS, bmem, DNNL_ARG_DST,
             dst.mem);
    add_reorder(&reorders, &src, 1);
    if (res) add_reorder(&reorders, &dst, 1); /* the residual, into dst for the sum */
    add_reorder(&reorders, &dst, 0);

    size_t n = (size_t)BATCH * sh->F * out_size(sh) * out_size(sh);
    if (res) memcpy(out, res, sizeof(float) * n);
    tensor_copy(&src, 1), tensor_copy(&wei, 1);
    if (res) tensor_copy(&dst, 1);
    run_steps(&run);
    tensor_copy(&dst, 0);
    /* with the residual the timed runs keep adding into dst: the values
     * change, the work does not */
    *ms = time_ms(run_steps, NULL, &run);
    *reorder_ms = time_ms(run_steps, NULL, &reorders);

    DNNL(dnnl_primitive_destroy, conv);
    DNNL(dnnl_memory_destroy, bmem);
    tensor_free(&src), tensor_free(&wei), tensor_free(&dst);
}

static void infer_case(const struct shape *sh, int with_res, int threads, struct infer_result *r)
{
    memset(r, 0, sizeof(*r));
    snprintf(where, sizeof(where), "%s (inference%s)", sh->name, with_res ? ", residual" : "");
    struct dn_rng rng;
    rng_seed(&rng, 1000 + 10 * (sh - shapes) + with_res);
    int K = sh->C * sh->k * sh->k, o = out_size(sh);
    size_t nin = (size_t)BATCH * sh->C * sh->HW * sh->HW, nout = (size_t)BATCH * sh->F * o * o;
    float wmax = sqrtf(6.0f / K);
    float *in = rand_array(&rng, nin, -1, 1), *w = rand_array(&rng, (size_t)sh->F * K, -wmax, wmax);
    float *mean = rand_array(&rng, sh->F, -0.2f, 0.2f), *var = rand_array(&rng, sh->F, 0.5f, 2);
    float *gamma = rand_array(&rng, sh->F, 0.5f, 1.5f), *beta = rand_array(&rng, sh->F, -0.2f, 0.2f);
    float *res = with_res ? rand_array(&rng, nout, -1, 1) : NULL;
    float *inv = falloc(sh->F), *wf = falloc((size_t)sh->F * K), *bias = falloc(sh->F);
    float *out = falloc(nout), *theirs = falloc(nout);

    /* ours */
    struct ours_infer oi = {0};
    conv_geom_set(&oi.g, BATCH, sh->C, sh->HW, sh->HW, sh->F, sh->k, sh->s, sh->k / 2, 1);
    DN_ASSERT(oi.g.threads == threads);
    for (int f = 0; f < sh->F; f++) inv[f] = 1.0f / sqrtf(var[f] + BN_EPS);
    oi.in = in, oi.w = w, oi.res = res, oi.out = out, oi.ws = falloc(conv2d_workspace(&oi.g));
    oi.e = (struct conv_epilogue){mean, inv, gamma, beta, ACT_RELU, res};
    oi.beta.val = beta, oi.gamma.val = gamma, oi.mean.val = mean, oi.var.val = var;
    oi.bn = (struct bn){.C = sh->F, .beta = &oi.beta, .gamma = &oi.gamma, .mean = &oi.mean, .var = &oi.var};
    oi.fallback = conv2d_forward_epi(&oi.g, in, w, out, oi.ws, &oi.e) != 0;
    if (oi.fallback) {
        oi.x = falloc(nout);
        run_ours_infer(&oi);
    }
    r->fallback = oi.fallback;
    r->ours = time_ms(run_ours_infer, NULL, &oi);

    /* oneDNN: the batch norm folded into the weights and a bias */
    for (int f = 0; f < sh->F; f++) {
        float scale = gamma[f] * inv[f];
        for (int j = 0; j < K; j++) wf[(size_t)f * K + j] = w[(size_t)f * K + j] * scale;
        bias[f] = beta[f] - mean[f] * scale;
    }
    dnnl_primitive_desc_t pd;
    const char *call = "";
    dnnl_status_t st = infer_pd(&pd, sh, dnnl_convolution_direct, with_res, &call);
    check(st, call);
    impl_name(pd, r->impl, sizeof(r->impl));
    char ls[32], lw[32], ld[32];
    layout_name(query_md(pd, dnnl_query_src_md), "nchw", ls, sizeof(ls));
    layout_name(query_md(pd, dnnl_query_weights_md), "oihw", lw, sizeof(lw));
    layout_name(query_md(pd, dnnl_query_dst_md), "nchw", ld, sizeof(ld));
    snprintf(r->layouts, sizeof(r->layouts), "src %s, weights %s, dst %s", ls, lw, ld);
    dnnl_infer(pd, sh, in, wf, bias, res, theirs, &r->dnnl, &r->reorders);
    r->diff = rel_diff(out, theirs, nout);
    DNNL(dnnl_primitive_desc_destroy, pd);

    /* oneDNN's Winograd, where it has one */
    st = sh->k == 3 ? infer_pd(&pd, sh, dnnl_convolution_winograd, with_res, &call) : dnnl_unimplemented;
    if (st != dnnl_unimplemented) {
        check(st, call);
        impl_name(pd, r->wino_impl, sizeof(r->wino_impl));
        double reorder_ms;
        dnnl_infer(pd, sh, in, wf, bias, res, theirs, &r->wino_ms, &reorder_ms);
        r->wino_diff = rel_diff(out, theirs, nout);
        r->wino = 1;
        DNNL(dnnl_primitive_desc_destroy, pd);
    }

    free(in), free(w), free(mean), free(var), free(gamma), free(beta), free(res);
    free(inv), free(wf), free(bias), free(out), free(theirs), free(oi.ws), free(oi.x);
}

/* ---- training ---- */

struct train_result {
    double ours_f, ours_b, dnnl_f, dnnl_b;
    double diff_out, diff_dw, diff_din; /* diff_din < 0: none (first convolution) */
    char impl_f[NAME_LEN], impl_bd[NAME_LEN], impl_bw[NAME_LEN], layouts[4 * NAME_LEN];
    int same_act; /* the three primitives agree on the layouts of src/dst and their gradients */
};

struct ours_train {
    struct conv_geom g;
    const float *in, *w, *dout;
    float *out, *dw, *din, *ws; /* din NULL: no input gradient */
    size_t ndw, ndin;
};

static void run_ours_fwd(void *ctx)
{
    struct ours_train *o = ctx;
    conv2d_forward(&o->g, o->in, o->w, o->out, o->ws);
}

/* conv2d_backward accumulates: zero dw and din first (untimed) */
static void prep_ours_bwd(void *ctx)
{
    struct ours_train *o = ctx;
    memset(o->dw, 0, sizeof(float) * o->ndw);
    if (o->din) memset(o->din, 0, sizeof(float) * o->ndin);
}

static void run_ours_bwd(void *ctx)
{
    struct ours_train *o = ctx;
    conv2d_backward(&o->g, o->in, o->w, o->dout, o->dw, o->din, o->ws);
}

static void train_case(const struct shape *sh, struct train_result *r)
{
    memset(r, 0, sizeof(*r));
    snprintf(where, sizeof(where), "%s (training)", sh->name);
    struct dn_rng rng;
    rng_seed(&rng, 2000 + (sh - shapes));
    int K = sh->C * sh->k * sh->k, o = out_size(sh), with_din = !sh->first;
    size_t nin = (size_t)BATCH * sh->C * sh->HW * sh->HW, nout = (size_t)BATCH * sh->F * o * o, nw = (size_t)sh->F * K;
    float wmax = sqrtf(6.0f / K);
    float *in = rand_array(&rng, nin, -1, 1), *w = rand_array(&rng, nw, -wmax, wmax);
    float *dout = rand_array(&rng, nout, -1, 1);
    float *out = falloc(nout), *dw = falloc(nw), *din = falloc(nin);
    float *d_out = falloc(nout), *d_dw = falloc(nw), *d_din = falloc(nin);

    /* ours */
    struct ours_train ot = {.in = in, .w = w, .dout = dout, .out = out, .dw = dw, .din = with_din ? din : NULL};
    conv_geom_set(&ot.g, BATCH, sh->C, sh->HW, sh->HW, sh->F, sh->k, sh->s, sh->k / 2, 1);
    ot.ws = falloc(conv2d_workspace(&ot.g)), ot.ndw = nw, ot.ndin = nin;
    r->ours_f = time_ms(run_ours_fwd, NULL, &ot);
    r->ours_b = time_ms(run_ours_bwd, prep_ours_bwd, &ot);

    /* oneDNN: forward_training, backward_data, backward_weights, no bias */
    struct conv_dims d;
    conv_dims(sh, &d);
    dnnl_memory_desc_t src, wei, dst;
    any_md(&src, 4, d.src), any_md(&wei, 4, d.wei), any_md(&dst, 4, d.dst);
    dnnl_convolution_desc_t cf, cd, cw;
    dnnl_primitive_desc_t pf, pd = NULL, pw;
    DNNL(dnnl_convolution_forward_desc_init, &cf, dnnl_forward_training, dnnl_convolution_direct, &src, &wei, NULL,
         &dst, d.strides, d.pad, d.pad);
    DNNL(dnnl_primitive_desc_create, &pf, &cf, NULL, engine, NULL);
    if (with_din) {
        DNNL(dnnl_convolution_backward_data_desc_init, &cd, dnnl_convolution_direct, &src, &wei, &dst, d.strides, d.pad,
             d.pad);
        DNNL(dnnl_primitive_desc_create, &pd, &cd, NULL, engine, pf);
    }
    DNNL(dnnl_convolution_backward_weights_desc_init, &cw, dnnl_convolution_direct, &src, &wei, NULL, &dst, d.strides,
         d.pad, d.pad);
    DNNL(dnnl_primitive_desc_create, &pw, &cw, NULL, engine, pf);
    impl_name(pf, r->impl_f, sizeof(r->impl_f));
    impl_name(pw, r->impl_bw, sizeof(r->impl_bw));
    snprintf(r->impl_bd, sizeof(r->impl_bd), "-");
    if (pd) impl_name(pd, r->impl_bd, sizeof(r->impl_bd));

    /* each primitive's tensors in its own layouts (the host arrays shared) */
    struct tensor f_src, f_wei, f_dst, d_wei, d_ddst, d_dsrc, w_src, w_ddst, w_dwei;
    tensor_init(&f_src, in, 4, d.src, dnnl_nchw, query_md(pf, dnnl_query_src_md), IN);
    tensor_init(&f_wei, w, 4, d.wei, dnnl_oihw, query_md(pf, dnnl_query_weights_md), IN);
    tensor_init(&f_dst, d_out, 4, d.dst, dnnl_nchw, query_md(pf, dnnl_query_dst_md), OUT);
    tensor_init(&w_src, in, 4, d.src, dnnl_nchw, query_md(pw, dnnl_query_src_md), IN);
    tensor_init(&w_ddst, dout, 4, d.dst, dnnl_nchw, query_md(pw, dnnl_query_diff_dst_md), IN);
    tensor_init(&w_dwei, d_dw, 4, d.wei, dnnl_oihw, query_md(pw, dnnl_query_diff_weights_md), OUT);
    const dnnl_memory_desc_t *fs = query_md(pf, dnnl_query_src_md), *fw = query_md(pf, dnnl_query_weights_md);
    const dnnl_memory_desc_t *fd = query_md(pf, dnnl_query_dst_md);
    r->same_act = dnnl_memory_desc_equal(fs, query_md(pw, dnnl_query_src_md)) &&
                  dnnl_memory_desc_equal(fd, query_md(pw, dnnl_query_diff_dst_md));
    char ls[32], ld[32], lw[32], lbd[32] = "-", lbw[32];
    layout_name(fs, "nchw", ls, sizeof(ls)), layout_name(fd, "nchw", ld, sizeof(ld));
    layout_name(fw, "oihw", lw, sizeof(lw));
    layout_name(query_md(pw, dnnl_query_diff_weights_md), "oihw", lbw, sizeof(lbw));
    if (pd) {
        tensor_init(&d_wei, w, 4, d.wei, dnnl_oihw, query_md(pd, dnnl_query_weights_md), IN);
        tensor_init(&d_ddst, dout, 4, d.dst, dnnl_nchw, query_md(pd, dnnl_query_diff_dst_md), IN);
        tensor_init(&d_dsrc, d_din, 4, d.src, dnnl_nchw, query_md(pd, dnnl_query_diff_src_md), OUT);
        r->same_act = r->same_act && dnnl_memory_desc_equal(fd, query_md(pd, dnnl_query_diff_dst_md)) &&
                      dnnl_memory_desc_equal(fs, query_md(pd, dnnl_query_diff_src_md));
        layout_name(query_md(pd, dnnl_query_weights_md), "oihw", lbd, sizeof(lbd));
    }
    snprintf(r->layouts, sizeof(r->layouts), "src %s, dst %s; weights: forward %s, backward_data %s, dw %s", ls, ld,
             lw, lbd, lbw);

    dnnl_primitive_t fwd, bwd_d = NULL, bwd_w;
    DNNL(dnnl_primitive_create, &fwd, pf);
    DNNL(dnnl_primitive_create, &bwd_w, pw);
    if (pd) DNNL(dnnl_primitive_create, &bwd_d, pd);
    struct steps run_f = {0}, run_b = {0};
    add_step(&run_f, fwd, 3, DNNL_ARG_SRC, f_src.mem, DNNL_ARG_WEIGHTS, f_wei.mem, DNNL_ARG_DST, f_dst.mem);
    if (pd)
        add_step(&run_b, bwd_d, 3, DNNL_ARG_DIFF_DST, d_ddst.mem, DNNL_ARG_WEIGHTS, d_wei.mem, DNNL_ARG_DIFF_SRC,
                 d_dsrc.mem);
    add_step(&run_b, bwd_w, 3, DNNL_ARG_SRC, w_src.mem, DNNL_ARG_DIFF_DST, w_ddst.mem, DNNL_ARG_DIFF_WEIGHTS,
             w_dwei.mem);
    tensor_copy(&f_src, 1), tensor_copy(&f_wei, 1), tensor_copy(&w_src, 1), tensor_copy(&w_ddst, 1);
    if (pd) tensor_copy(&d_wei, 1), tensor_copy(&d_ddst, 1);
    r->dnnl_f = time_ms(run_steps, NULL, &run_f);
    r->dnnl_b = time_ms(run_steps, NULL, &run_b);
    tensor_copy(&f_dst, 0), tensor_copy(&w_dwei, 0);
    if (pd) tensor_copy(&d_dsrc, 0);

    r->diff_out = rel_diff(out, d_out, nout);
    r->diff_dw = rel_diff(dw, d_dw, nw);
    r->diff_din = pd ? rel_diff(din, d_din, nin) : -1;

    DNNL(dnnl_primitive_destroy, fwd);
    DNNL(dnnl_primitive_destroy, bwd_w);
    tensor_free(&f_src), tensor_free(&f_wei), tensor_free(&f_dst);
    tensor_free(&w_src), tensor_free(&w_ddst), tensor_free(&w_dwei);
    DNNL(dnnl_primitive_desc_destroy, pf);
    DNNL(dnnl_primitive_desc_destroy, pw);
    if (pd) {
        DNNL(dnnl_primitive_destroy, bwd_d);
        tensor_free(&d_wei), tensor_free(&d_ddst), tensor_free(&d_dsrc);
        DNNL(dnnl_primitive_desc_destroy, pd);
    }
    free(in), free(w), free(dout), free(out), free(dw), free(din), free(d_out), free(d_dw), free(d_din), free(ot.ws);
}

/* ---- main ---- */

static void usage(void)
{
    fprintf(stderr, "usage: dnnl_compare [-threads N (default 2)] [-reps N (default 20)]\n");
    exit(2);
}

static int arg_int(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) usage();
    char *end;
    long v = strtol(argv[++*i], &end, 10);
    if (*end || v < 1 || v > 100000) usage();
    return (int)v;
}

int main(int argc, char **argv)
{
    int threads = 2;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-threads")) threads = arg_int(argc, argv, &i);
        else if (!strcmp(argv[i], "-reps")) reps = arg_int(argc, argv, &i);
        else usage();
    }
    /* the same OpenMP pool (libgomp) for both engines; OpenBLAS at 1 thread */
    gemm_init_threads(threads);
    omp_set_num_threads(threads);

    const dnnl_version_t *v = dnnl_version();
    printf("dnnl_compare: oneDNN %d.%d.%d, CPU runtime %s; %d threads (omp_get_max_threads %d), batch %d, "
           "median of %d runs after %d warm-up runs\n",
           v->major, v->minor, v->patch, dnnl_runtime2str(v->cpu_runtime), threads, omp_get_max_threads(), BATCH,
           reps, WARMUP);
    if (v->cpu_runtime != DNNL_RUNTIME_OMP)
        printf("warning: oneDNN's CPU runtime is not OpenMP: -threads does not set its thread count\n");
    DNNL(dnnl_engine_create, &engine, dnnl_cpu, 0);
    DNNL(dnnl_stream_create, &stream, engine, dnnl_stream_default_flags);

    static struct infer_result inf[NSHAPES][2]; /* [shape][residual] */
    static struct train_result tr[NSHAPES];

    printf("\nINFERENCE: convolution + batch norm (running statistics) [+ residual] + ReLU, ms per call\n");
    printf("ours = conv2d_forward_epi; oneDNN = forward_inference, batch norm folded, post-ops, data in its layouts\n");
    printf("%-28s %-12s %9s %9s %8s %9s %9s\n", "shape", "epilogue", "ours", "oneDNN", "ratio", "reorders", "rel.diff");
    for (int i = 0; i < NSHAPES; i++) {
        const struct shape *sh = &shapes[i];
        for (int with_res = 0; with_res < 2; with_res++) {
            int used = 0;
            for (int n = 0; n < NNETS; n++)
                used |= (with_res ? res_count(sh, nets[n].m) : plain_count(sh, nets[n].m)) > 0;
            if (!used) continue;
            struct infer_result *r = &inf[i][with_res];
            infer_case(sh, with_res, threads, r);
            printf("%-28s %-12s %9.3f %9.3f %8.2f %9.3f %9.1e\n", sh->name, with_res ? "bn+res+relu" : "bn+relu",
                   r->ours, r->dnnl, r->ours / r->dnnl, r->reorders, r->diff);
            if (r->fallback)
                printf("    ours: conv2d_forward_epi returned -1 for this shape: conv2d_forward + bn_forward_act timed\n");
            printf("    oneDNN %s; %s\n", r->impl, r->layouts);
            if (sh->k != 3) continue;
            if (r->wino)
                printf("    oneDNN winograd: %.3f ms (ours/winograd %.2f), rel.diff %.1e, %s\n", r->wino_ms,
                       r->ours / r->wino_ms, r->wino_diff, r->wino_impl);
            else
                printf("    oneDNN winograd: unimplemented\n");
        }
    }

    printf("\nTRAINING: forward + backward (dw and din; no din for conv1), ms per call\n");
    printf("ours = conv2d_forward + conv2d_backward; oneDNN = forward_training + backward_data + backward_weights\n");
    printf("%-28s %8s %8s %8s %8s %8s %8s %7s  %s\n", "shape", "ours_fw", "ours_bw", "ours", "dnnl_fw", "dnnl_bw",
           "oneDNN", "ratio", "rel.diff out / dw / din");
    for (int i = 0; i < NSHAPES; i++) {
        const struct shape *sh = &shapes[i];
        struct train_result *r = &tr[i];
        train_case(sh, r);
        double ours = r->ours_f + r->ours_b, dnnl = r->dnnl_f + r->dnnl_b;
        char din[16] = "-";
        if (r->diff_din >= 0) snprintf(din, sizeof(din), "%.1e", r->diff_din);
        printf("%-28s %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f %7.2f  %.1e / %.1e / %s\n", sh->name, r->ours_f, r->ours_b,
               ours, r->dnnl_f, r->dnnl_b, dnnl, ours / dnnl, r->diff_out, r->diff_dw, din);
        printf("    oneDNN forward %s, backward_data %s, backward_weights %s\n", r->impl_f, r->impl_bd, r->impl_bw);
        printf("    layouts %s; src/dst and their gradients in the same layout in all three: %s\n", r->layouts,
               r->same_act ? "yes" : "no (the reorders between them are not timed)");
    }

    /* totals: each shape's time times its count in the network */
    double tot[NNETS][2][2] = {{{0}}}; /* [net][infer, train][ours, oneDNN] */
    for (int n = 0; n < NNETS; n++)
        for (int i = 0; i < NSHAPES; i++) {
            const struct shape *sh = &shapes[i];
            int np = plain_count(sh, nets[n].m), nr = res_count(sh, nets[n].m);
            tot[n][0][0] += np * inf[i][0].ours + nr * inf[i][1].ours;
            tot[n][0][1] += np * inf[i][0].dnnl + nr * inf[i][1].dnnl;
            tot[n][1][0] += (np + nr) * (tr[i].ours_f + tr[i].ours_b);
            tot[n][1][1] += (np + nr) * (tr[i].dnnl_f + tr[i].dnnl_b);
        }
    printf("\nTOTALS per network at batch %d: each shape's ms times its count (oneDNN without reorders)\n", BATCH);
    for (int n = 0; n < NNETS; n++)
        for (int mode = 0; mode < 2; mode++)
            printf("%-11s %-9s ours %9.2f ms  oneDNN %9.2f ms  ours/oneDNN %.2f\n", nets[n].name,
                   mode ? "training" : "inference", tot[n][mode][0], tot[n][mode][1],
                   tot[n][mode][0] / tot[n][mode][1]);
    for (int n = 0; n < NNETS; n++)
        for (int mode = 0; mode < 2; mode++)
            printf("dnnl_compare net=%s mode=%s ours_ms=%.3f dnnl_ms=%.3f ratio=%.3f\n", nets[n].name,
                   mode ? "train" : "infer", tot[n][mode][0], tot[n][mode][1], tot[n][mode][0] / tot[n][mode][1]);

    DNNL(dnnl_stream_destroy, stream);
    DNNL(dnnl_engine_destroy, engine);
    return 0;
}
