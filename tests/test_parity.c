/*
 * test_parity.c - numerical parity with PyTorch, tensor by tensor (as llm.c
 * checks its C against PyTorch).
 *
 * Each fixture tests/fixtures/<name>.bin was written by
 *     /usr/bin/python3 scripts/torch_reference.py --out tests/fixtures
 * from our own PyTorch definitions of the network, computed in float64 (the
 * script documents the file format, the initial values and the schedule).
 * This test needs neither Python nor PyTorch. It builds the matching cfg with
 * 10 classes and batch 4, loads the initial parameters and running statistics
 * (checking that the fixture's tensors are exactly the network's parameters,
 * layer by layer and name by name, in .weights order), and runs on the CPU:
 *     train forward      logits (the [connected] output, input of the softmax), loss
 *     backward           every parameter gradient
 *     net_update(net, 1) parameters, their change, and the running statistics
 *     eval forward       eval logits
 *     train forward      logits2, loss2; backward: grads2
 *     net_update(net, 2) parameters and running statistics (momentum now non-zero)
 *     eval forward       eval logits2
 * comparing every stored element with the per-kind tolerance of `kind_defs`
 * below and printing, for each kind, the worst element (largest error over
 * tolerance) with its tensor, index, both values and the absolute and
 * relative error. Gradient and parameter tensors larger than 2048 elements are
 * stored subsampled (every s-th element, s odd and not a multiple of 3).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/core/network.h"
#include "harness.h"

#define FX_MAGIC "DNPARITY"
#define FX_VERSION 1
enum { ENC_RAW, ENC_STRIDED, ENC_UNIFORM };

struct fx_tensor {
    char name[128];
    int ndims;
    uint32_t dims[8];
    size_t n; /* elements of the full tensor */
    int enc;
    uint32_t stride; /* RAW: 1 */
    size_t m;        /* stored elements (RAW/STRIDED) */
    const unsigned char *data; /* m little-endian float32 (read with memcpy: unaligned) */
    uint64_t seed; /* UNIFORM */
    float offset, scale;
    uint32_t gap;
};

struct fixture {
    unsigned char *buf;
    int n;
    struct fx_tensor *t;
};

/* ------------------------------------------------------------------ reading */

struct rd {
    const unsigned char *p, *end;
    int bad;
};

static const void *rd_take(struct rd *r, size_t n)
{
    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = 1;
        return NULL;
    }
    const void *q = r->p;
    r->p += n;
    return q;
}

static uint32_t rd_u32(struct rd *r)
{
    const unsigned char *q = rd_take(r, 4);
    return q ? (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24 : 0;
}

static uint64_t rd_u64(struct rd *r)
{
    uint64_t lo = rd_u32(r);
    return lo | (uint64_t)rd_u32(r) << 32;
}

static float rd_f32(struct rd *r)
{
    uint32_t u = rd_u32(r);
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static void fx_free(struct fixture *fx)
{
    free(fx->buf);
    free(fx->t);
    memset(fx, 0, sizeof(*fx));
}

/* Reads and validates the whole file; 0 or -1 with a message in err. */
static int fx_load(struct fixture *fx, const char *path, char *err, size_t errlen)
{
    memset(fx, 0, sizeof(*fx));
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open (regenerate: /usr/bin/python3 scripts/torch_reference.py "
                              "--out tests/fixtures)", path);
        return -1;
    }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    fx->buf = malloc(len > 0 ? (size_t)len : 1);
    size_t got = fx->buf ? fread(fx->buf, 1, (size_t)len, f) : 0;
    fclose(f);
    if (len <= 0 || got != (size_t)len) {
        snprintf(err, errlen, "%s: read error", path);
        fx_free(fx);
        return -1;
    }
    struct rd r = {fx->buf, fx->buf + len, 0};
    const char *magic = rd_take(&r, 8);
    uint32_t version = rd_u32(&r), count = rd_u32(&r);
    if (r.bad || memcmp(magic, FX_MAGIC, 8) != 0 || version != FX_VERSION || count > 100000) {
        snprintf(err, errlen, "%s: not a version %d parity fixture", path, FX_VERSION);
        fx_free(fx);
        return -1;
    }
    fx->t = calloc(count ? count : 1, sizeof(*fx->t));
    for (uint32_t i = 0; i < count && !r.bad; i++) {
        struct fx_tensor *t = &fx->t[i];
        uint32_t nl = rd_u32(&r);
        const char *name = rd_take(&r, nl);
        if (r.bad || nl >= sizeof(t->name)) break;
        memcpy(t->name, name, nl);
        t->ndims = (int)rd_u32(&r);
        if (t->ndims < 0 || t->ndims > 8) break;
        t->n = 1;
        for (int d = 0; d < t->ndims; d++) t->n *= t->dims[d] = rd_u32(&r);
        t->enc = (int)rd_u32(&r);
        t->stride = 1;
        if (t->enc == ENC_RAW) {
            t->m = t->n;
        } else if (t->enc == ENC_STRIDED) {
            t->stride = rd_u32(&r);
            t->m = rd_u32(&r);
            if (t->stride < 1 || t->m != (t->n + t->stride - 1) / t->stride) break;
        } else if (t->enc == ENC_UNIFORM) {
            t->seed = rd_u64(&r);
            t->offset = rd_f32(&r);
            t->scale = rd_f32(&r);
            t->gap = rd_u32(&r);
            fx->n++;
            continue;
        } else {
            break;
        }
        t->data = rd_take(&r, t->m * sizeof(float));
        fx->n++;
    }
    if (r.bad || fx->n != (int)count || r.p != r.end) {
        snprintf(err, errlen, "%s: corrupt fixture (tensor %d of %u)", path, fx->n, count);
        fx_free(fx);
        return -1;
    }
    return 0;
}

static const struct fx_tensor *fx_find(const struct fixture *fx, const char *name)
{
    for (int i = 0; i < fx->n; i++)
        if (strcmp(fx->t[i].name, name) == 0) return &fx->t[i];
    return NULL;
}

/* Stored element k (element k*stride of the tensor) of a RAW/STRIDED tensor. */
static float fx_at(const struct fx_tensor *t, size_t k)
{
    float v;
    memcpy(&v, t->data + 4 * k, sizeof(v));
    return v;
}

/* The generator of scripts/torch_reference.py (uniform_t): exact in float32. */
static float uniform_t(uint64_t seed, uint64_t i)
{
    uint64_t z = seed + (i + 1) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    int64_t u = (int64_t)(z >> 40);
    return (float)(2 * u + 1 - (1 << 24)) * 0x1p-24f;
}

/* Full values of any tensor into out[t->n] (STRIDED: only for the sampled ones). */
static void fx_expand(const struct fx_tensor *t, float *out)
{
    if (t->enc == ENC_UNIFORM) {
        for (size_t i = 0; i < t->n; i++) {
            float u = uniform_t(t->seed, i);
            out[i] = (t->gap && u < 0 ? -t->offset : t->offset) + t->scale * u;
        }
    } else {
        for (size_t k = 0; k < t->m; k++) out[k * t->stride] = fx_at(t, k);
    }
}

/* ------------------------------------------------------------------ comparing */

/*
 * One kind of tensor (logits, gradients, ...) and its tolerance. Element i of
 * a tensor t passes when
 *     |ours_i - ref_i| <= afrac * S_t + rtol * |ref_i|   (+ 2^-22 |w1_i| for "step1 update")
 * with S_t = max(max |ref_t| over the tensor, 1e-3 G), G the largest |ref| of
 * the kind. The floor is for gradients that cancel almost exactly: the BN beta
 * of a channel that only shifts the input of a conv followed by batch norm
 * gets a gradient of 1e-5 G or less (zero up to float64 rounding before a 1x1
 * conv), the sum of terms of order G that cancel; float32 rounding of those
 * terms leaves ~1e-8 G there in any implementation (PyTorch's float32 too).
 * The "update" kind compares the change of a
 * parameter over the step (w1 - w0) rather than its value, which the rounding
 * of w1 itself (the ulp term) would otherwise hide. scripts/torch_reference.py
 * applies the same rules when it picks a well-conditioned seed: keep the two
 * tables in step.
 */
struct kind {
    const char *name;
    double afrac, rtol;
    int update; /* compare w - w_before (1) and add the ulp term */
    /* results */
    double G;
    size_t count;
    double worst; /* max error / tolerance */
    char worst_tensor[160];
    size_t worst_idx;
    double worst_ours, worst_ref;
    double max_abs, max_rel;
};

enum { K_LOGITS, K_LOSS, K_GRAD, K_STEP, K_UPDATE, K_STATS, K_EVAL, K_LOGITS2, K_LOSS2, K_GRAD2, K_STEP2,
       K_STATS2, K_EVAL2, K_N };
static const struct kind kind_defs[K_N] = {
    [K_LOGITS] = {"logits", 1e-5, 1e-4, 0},
    [K_LOSS] = {"loss", 0, 1e-5, 0},
    [K_GRAD] = {"grads", 1e-4, 1e-3, 0},
    [K_STEP] = {"step1 params", 1e-6, 1e-5, 0},
    [K_UPDATE] = {"step1 update", 1e-4, 1e-3, 1},
    [K_STATS] = {"step1 stats", 1e-5, 1e-4, 0},
    [K_EVAL] = {"eval logits", 1e-5, 1e-4, 0},
    [K_LOGITS2] = {"logits2", 1e-5, 1e-4, 0},
    [K_LOSS2] = {"loss2", 0, 1e-5, 0},
    [K_GRAD2] = {"grads2", 1e-4, 1e-3, 0},
    [K_STEP2] = {"step2 params", 1e-6, 1e-5, 0},
    [K_STATS2] = {"step2 stats", 1e-5, 1e-4, 0},
    [K_EVAL2] = {"eval logits2", 1e-5, 1e-4, 0},
};

/* One comparison: ours (the full tensor) against the stored elements of ref;
 * for update kinds base_ours/base_ref (full tensors) are the values before. */
struct cmp {
    const char *name;
    const float *ours;
    const struct fx_tensor *ref;
    const float *base_ours, *base_ref;
};

static double ref_at(const struct cmp *c, size_t j)
{
    double r = fx_at(c->ref, j);
    return c->base_ref ? r - c->base_ref[j * c->ref->stride] : r;
}

static double tensor_scale(const struct cmp *c)
{
    double mx = 0;
    for (size_t j = 0; j < c->ref->m; j++)
        if (fabs(ref_at(c, j)) > mx) mx = fabs(ref_at(c, j));
    return mx;
}

/* Compares all of a kind's tensors (G first, then every element). */
static void compare_kind(struct kind *k, const struct cmp *cs, int n)
{
    k->G = 0;
    for (int t = 0; t < n; t++) {
        double s = tensor_scale(&cs[t]);
        if (s > k->G) k->G = s;
    }
    for (int t = 0; t < n; t++) {
        const struct cmp *c = &cs[t];
        double S = tensor_scale(c);
        if (S < 1e-3 * k->G) S = 1e-3 * k->G;
        for (size_t j = 0; j < c->ref->m; j++) {
            size_t i = j * c->ref->stride;
            double r = ref_at(c, j);
            double o = (double)c->ours[i] - (c->base_ours ? c->base_ours[i] : 0);
            double d = fabs(o - r);
            double tol = k->afrac * S + k->rtol * fabs(r) + (k->update ? 0x1p-22 * fabs(fx_at(c->ref, j)) : 0);
            double ratio = d == 0 ? 0 : tol > 0 ? d / tol : INFINITY;
            if (d != d) ratio = INFINITY;
            k->count++;
            if (d > k->max_abs) k->max_abs = d;
            if (r != 0 && d / fabs(r) > k->max_rel) k->max_rel = d / fabs(r);
            if (ratio > k->worst || k->count == 1) {
                k->worst = ratio;
                snprintf(k->worst_tensor, sizeof(k->worst_tensor), "%s", c->name);
                k->worst_idx = i;
                k->worst_ours = o;
                k->worst_ref = r;
            }
        }
    }
}

static void report(const struct kind *k)
{
    double d = fabs(k->worst_ours - k->worst_ref);
    printf("    %-12s %7zu values: worst %.3f of tol at %s[%zu]: ours % .9g ref % .9g abs %.3g rel %.3g; "
           "max abs %.3g max rel %.3g (afrac %.0e rtol %.0e)\n",
           k->name, k->count, k->worst, k->worst_tensor, k->worst_idx, k->worst_ours, k->worst_ref, d,
           k->worst_ref != 0 ? d / fabs(k->worst_ref) : 0.0, k->max_abs, k->max_rel, k->afrac, k->rtol);
    EXPECT(k->count > 0, "%s: nothing compared", k->name);
    EXPECT(k->worst <= 1.0, "%s: worst element %.3g times its tolerance (%s[%zu]: ours %.9g, ref %.9g)", k->name,
           k->worst, k->worst_tensor, k->worst_idx, k->worst_ours, k->worst_ref);
}

/* ------------------------------------------------------------------ the run */

struct slot {
    struct param *p;
    char name[128]; /* L<i>/<type>/<param> */
};

/* Lists the network's params (and stats) in .weights order and checks that the
 * fixture's param/ tensors are exactly these: same names, order and sizes. */
static int map_params(struct network *net, const struct fixture *fx, struct slot **out)
{
    int total = 0;
    for (int i = 0; i < net->n; i++) total += net->layers[i].nparams;
    struct slot *s = calloc(total ? total : 1, sizeof(*s));
    int k = 0;
    for (int i = 0; i < net->n; i++)
        for (int j = 0; j < net->layers[i].nparams; j++, k++) {
            s[k].p = &net->layers[i].params[j];
            snprintf(s[k].name, sizeof(s[k].name), "L%d/%s/%s", i, net->layers[i].ops->name, s[k].p->name);
        }
    *out = s;
    int nfx = 0;
    for (int i = 0; i < fx->n; i++) {
        const struct fx_tensor *t = &fx->t[i];
        if (strncmp(t->name, "param/", 6) != 0) continue;
        if (nfx >= total) {
            test_fail(__FILE__, __LINE__, "fixture has %s beyond the network's %d parameter tensors", t->name,
                      total);
            return -1;
        }
        if (strcmp(t->name + 6, s[nfx].name) != 0 || t->n != s[nfx].p->n || t->enc != ENC_UNIFORM) {
            test_fail(__FILE__, __LINE__, "parameter %d: fixture %s (%zu floats) but the network has %s (%zu)",
                      nfx, t->name, t->n, s[nfx].name, s[nfx].p->n);
            return -1;
        }
        nfx++;
    }
    if (nfx != total) {
        test_fail(__FILE__, __LINE__, "fixture has %d parameter tensors, the network %d", nfx, total);
        return -1;
    }
    return total;
}

/* The fixture tensor <prefix><name> (name written to buf), checked to be stored data of n floats. */
static const struct fx_tensor *need(const struct fixture *fx, const char *prefix, const char *name, size_t n,
                                    char *buf, size_t len)
{
    snprintf(buf, len, "%s%s", prefix, name);
    const struct fx_tensor *t = fx_find(fx, buf);
    if (!t || t->enc == ENC_UNIFORM || t->n != n) {
        test_fail(__FILE__, __LINE__, "fixture tensor %s: %s", buf, t ? "wrong size or encoding" : "missing");
        return NULL;
    }
    return t;
}

struct run {
    const struct fixture *fx;
    struct slot *s;
    int ns;
    struct kind k[K_N];
    char names[512][160]; /* scratch: tensor names of one kind's comparisons */
};

/* Compares one whole-network output (logits, loss) of kind k. */
static void cmp_one(struct run *R, int kind, const char *name, const float *ours, size_t n)
{
    struct cmp c = {R->names[0], ours, NULL, NULL, NULL};
    c.ref = need(R->fx, "", name, n, R->names[0], sizeof(R->names[0]));
    if (c.ref) compare_kind(&R->k[kind], &c, 1);
}

/* Compares per-parameter tensors prefix<name>: which = 0 gradients, 1 values
 * of learned params, 2 values of running stats, 3 updates (value - base). */
static void cmp_params(struct run *R, int kind, const char *prefix, int which, float *const *base_ours,
                       float *const *base_ref)
{
    struct cmp *cs = calloc(R->ns, sizeof(*cs));
    int n = 0;
    DN_ASSERT(R->ns <= 512);
    for (int i = 0; i < R->ns; i++) {
        const struct param *p = R->s[i].p;
        if ((p->kind == PARAM_STAT) != (which == 2)) continue;
        const struct fx_tensor *t = need(R->fx, prefix, R->s[i].name, p->n, R->names[n], sizeof(R->names[n]));
        if (!t) continue;
        cs[n] = (struct cmp){R->names[n], which == 0 ? p->grad : p->val, t, NULL, NULL};
        if (which == 3) cs[n].base_ours = base_ours[i], cs[n].base_ref = base_ref[i];
        n++;
    }
    compare_kind(&R->k[kind], cs, n);
    free(cs);
}

static void run_parity(const char *fixture, const char *cfg)
{
    char path[256], err[DN_ERR_LEN];
    snprintf(path, sizeof(path), "tests/fixtures/%s.bin", fixture);
    struct fixture fx;
    if (fx_load(&fx, path, err, sizeof(err))) {
        test_fail(__FILE__, __LINE__, "%s", err);
        return;
    }
    struct run *R = calloc(1, sizeof(*R));
    R->fx = &fx;
    memcpy(R->k, kind_defs, sizeof(R->k));
    const struct fx_tensor *input = fx_find(&fx, "input"), *labels = fx_find(&fx, "labels"),
                           *sgd = fx_find(&fx, "sgd");
    struct network *net = net_load_cfg(cfg, 10, 4, 1, err);
    float **p0 = NULL;
    if (!net) {
        test_fail(__FILE__, __LINE__, "%s: %s", cfg, err);
        goto out;
    }
    int B = net->batch;
    if (!input || !labels || !sgd || input->enc != ENC_RAW || labels->enc != ENC_RAW || sgd->enc != ENC_RAW ||
        sgd->n != 3 || input->n != (size_t)B * net->inputs || labels->n != (size_t)B) {
        test_fail(__FILE__, __LINE__, "%s: input (%d x %d floats), labels (%d) or sgd (3) missing or mis-sized",
                  path, B, net->inputs, B);
        goto out;
    }
    struct layer *fc = &net->layers[net->n - 2];
    if (strcmp(net->layers[net->n - 1].ops->name, "softmax") || strcmp(fc->ops->name, "connected")) {
        test_fail(__FILE__, __LINE__, "%s: expected the network to end in [connected] [softmax]", cfg);
        goto out;
    }
    /* PyTorch's SGD: the same rate at steps 1 and 2, momentum, decay on every parameter */
    EXPECT(net_rate(net, 1) == fx_at(sgd, 0) && net_rate(net, 2) == fx_at(sgd, 0),
           "learning rate %g/%g, fixture %g", net_rate(net, 1), net_rate(net, 2), fx_at(sgd, 0));
    EXPECT(net->opt.momentum == fx_at(sgd, 1), "momentum %g, fixture %g", net->opt.momentum, fx_at(sgd, 1));
    EXPECT(net->opt.decay == fx_at(sgd, 2), "decay %g, fixture %g", net->opt.decay, fx_at(sgd, 2));
    EXPECT(net->opt.decay_scope == DECAY_ALL, "decay_scope must be all (PyTorch decays every parameter)");
    EXPECT(net->subdivisions == 1, "subdivisions %d", net->subdivisions);
    R->ns = map_params(net, &fx, &R->s);
    if (R->ns < 0) goto out;

    /* initial parameters, and copies for the update comparisons */
    int ns = R->ns;
    p0 = calloc(ns, sizeof(float *));
    for (int i = 0; i < ns; i++) {
        char name[160];
        snprintf(name, sizeof(name), "param/%s", R->s[i].name);
        struct param *p = R->s[i].p;
        fx_expand(fx_find(&fx, name), p->val);
        if (p->mom) memset(p->mom, 0, p->n * sizeof(float));
        p0[i] = malloc(p->n * sizeof(float));
        memcpy(p0[i], p->val, p->n * sizeof(float));
    }
    for (size_t i = 0; i < input->n; i++) net->input[i] = fx_at(input, i);
    memset(net->truth, 0, sizeof(float) * B * net->truths);
    for (int b = 0; b < B; b++) {
        int c = (int)fx_at(labels, b);
        EXPECT(c >= 0 && c < net->truths && c == fx_at(labels, b), "label %g", fx_at(labels, b));
        if (c >= 0 && c < net->truths) net->truth[b * net->truths + c] = 1;
    }
    size_t nlog = (size_t)B * fc->outputs;

    /* step 1 */
    net->train = 1;
    net_forward(net);
    cmp_one(R, K_LOGITS, "logits", fc->output, nlog);
    cmp_one(R, K_LOSS, "loss", &net->loss, 1);
    net_backward(net);
    cmp_params(R, K_GRAD, "grad/", 0, NULL, NULL);
    net_update(net, 1);
    cmp_params(R, K_STEP, "step1/", 1, NULL, NULL);
    cmp_params(R, K_UPDATE, "step1/", 3, p0, p0);
    cmp_params(R, K_STATS, "step1/", 2, NULL, NULL);
    net->train = 0;
    net_forward(net);
    cmp_one(R, K_EVAL, "eval_logits", fc->output, nlog);

    /* step 2: the first with a non-zero momentum buffer */
    net->train = 1;
    net_forward(net);
    cmp_one(R, K_LOGITS2, "logits2", fc->output, nlog);
    cmp_one(R, K_LOSS2, "loss2", &net->loss, 1);
    net_backward(net);
    cmp_params(R, K_GRAD2, "grad2/", 0, NULL, NULL);
    net_update(net, 2);
    cmp_params(R, K_STEP2, "step2/", 1, NULL, NULL);
    cmp_params(R, K_STATS2, "step2/", 2, NULL, NULL);
    net->train = 0;
    net_forward(net);
    cmp_one(R, K_EVAL2, "eval_logits2", fc->output, nlog);

    printf("    %s vs %s: %d tensors, %zu learned params\n", cfg, path, ns, net_param_count(net));
    for (int i = 0; i < K_N; i++) report(&R->k[i]);
out:
    for (int i = 0; p0 && i < R->ns; i++) free(p0[i]);
    free(p0);
    free(R->s);
    free(R);
    net_free(net);
    fx_free(&fx);
}

static void test_parity_resnet_20(void) { run_parity("resnet_20", "cfg/resnet_20.cfg"); }
static void test_parity_se_resnet_20(void) { run_parity("se_resnet_20", "cfg/se_resnet_20.cfg"); }
static void test_parity_res_se_net_20(void) { run_parity("res_se_net_20", "cfg/res_se_net_20.cfg"); }
static void test_parity_released_res_se_net_44(void)
{
    run_parity("released_res_se_net_44", "cfg/released/res_se_net_44.cfg");
}

const struct test_case parity_tests[] = {
    {"parity_resnet_20", test_parity_resnet_20},
    {"parity_se_resnet_20", test_parity_se_resnet_20},
    {"parity_res_se_net_20", test_parity_res_se_net_20},
    {"parity_released_res_se_net_44", test_parity_released_res_se_net_44},
    {NULL, NULL},
};
