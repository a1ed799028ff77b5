/*
 * test_network.c - .weights files (round trip, Darknet's size, bad sizes,
 * the momentum trailer, the old 32-bit header), the SGD step against the
 * formula, seeded initialisation, and training with shared deltas
 * (net_share_deltas) bit-identical to training without, and inference with
 * forward buffers only (net_plan_inference) bit-identical to inference without.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../src/core/network.h"
#include "../src/core/weights.h"
#include "../src/layers/shortcut.h"
#include "harness.h"

static const char *SMALL = "[net]\nbatch=2\nwidth=6\nheight=6\nchannels=3\nlearning_rate=0.1\n"
                           "momentum=0.9\ndecay=0.01\n"
                           "[convolutional]\nfilters=4\nsize=3\npad=1\nbatch_normalize=1\nactivation=relu\n"
                           "[convolutional]\nfilters=4\nsize=1\nactivation=linear\n"
                           "[avgpool]\n[connected]\noutput=3\nactivation=linear\n[softmax]\n";

static struct network *small_net(uint64_t seed, const char *text)
{
    char err[DN_ERR_LEN];
    struct cfg *c = cfg_read_text("small.cfg", text, 0, err);
    struct network *net = c ? net_build(c, 0, 0, 0, seed, err) : NULL;
    if (!net) test_fail(__FILE__, __LINE__, "build: %s", err);
    cfg_free(c);
    return net;
}

static void path_in_tmp(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", test_tmpdir(), name);
}

/* 1 if every parameter (and, if mom, momentum buffer) of a and b is equal */
static int same_params(const struct network *a, const struct network *b, int mom)
{
    for (int i = 0; i < a->n; i++)
        for (int j = 0; j < a->layers[i].nparams; j++) {
            const struct param *p = &a->layers[i].params[j], *q = &b->layers[i].params[j];
            if (memcmp(p->val, q->val, p->n * sizeof(float))) return 0;
            if (mom && p->mom && memcmp(p->mom, q->mom, p->n * sizeof(float))) return 0;
        }
    return 1;
}

static void test_weights_roundtrip(void)
{
    char path[512], err[DN_ERR_LEN];
    path_in_tmp(path, sizeof(path), "rt.weights");
    struct network *a = small_net(1, SMALL), *b = small_net(2, SMALL);
    if (!a || !b) return;
    EXPECT(!same_params(a, b, 0), "different seeds must give different weights");
    for (int i = 0; i < a->n; i++) /* make running stats and momentum non-trivial */
        for (int j = 0; j < a->layers[i].nparams; j++) {
            struct param *p = &a->layers[i].params[j];
            for (size_t k = 0; k < p->n; k++) {
                p->val[k] += 0.001f * (float)k;
                if (p->mom) p->mom[k] = 0.5f - 0.01f * (float)k;
            }
        }
    /* a 64-bit count (beyond 2^32 for batch >= 3) at iteration 2e9, below the
     * INT_MAX iterations weights_load accepts */
    a->seen = (uint64_t)a->batch * a->subdivisions * 2000000000ull + 1;
    EXPECT(weights_save(a, path, 0, err) == 0, "save: %s", err);
    EXPECT(weights_load(b, path, 1, err) == 0, "load: %s", err);
    EXPECT(same_params(a, b, 0), "values differ after round trip");
    EXPECT(b->seen == a->seen, "seen %llu", (unsigned long long)b->seen);
    struct stat st;
    stat(path, &st);
    size_t floats = net_param_count(a) + net_stat_count(a);
    EXPECT((size_t)st.st_size == 20 + 4 * floats, "size %ld, expected %zu", (long)st.st_size, 20 + 4 * floats);

    /* with the momentum trailer */
    EXPECT(weights_save(a, path, 1, err) == 0, "save: %s", err);
    struct network *c = small_net(3, SMALL);
    EXPECT(weights_load(c, path, 1, err) == 0, "load with trailer: %s", err);
    EXPECT(same_params(a, c, 1), "momentum differs after round trip");
    struct network *d = small_net(3, SMALL);
    EXPECT(weights_load(d, path, 0, err) == 0, "load ignoring trailer: %s", err);
    EXPECT(same_params(a, d, 0) && !same_params(a, d, 1), "values restored, momentum not");
    net_free(a), net_free(b), net_free(c), net_free(d);
}

static void write_bytes(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    fwrite(p, 1, n, f);
    fclose(f);
}

static void test_weights_bad_sizes(void)
{
    char path[512], bad[512], err[DN_ERR_LEN];
    path_in_tmp(path, sizeof(path), "ok.weights");
    path_in_tmp(bad, sizeof(bad), "bad.weights");
    struct network *a = small_net(1, SMALL);
    if (!a) return;
    size_t floats = net_param_count(a) + net_stat_count(a);
    weights_save(a, path, 0, err);
    FILE *f = fopen(path, "rb");
    size_t n = 20 + 4 * floats;
    char *buf = xcalloc(n + 8, 1);
    EXPECT(fread(buf, 1, n, f) == n, "read back");
    fclose(f);
    char want[256];
    write_bytes(bad, buf, n - 4);
    EXPECT(weights_load(a, bad, 0, err) == -1, "truncated file accepted");
    snprintf(want, sizeof(want), "holds %zu floats of parameters, but small.cfg needs %zu", floats - 1, floats);
    EXPECT(strstr(err, want) && strstr(err, bad), "got '%s'", err);
    write_bytes(bad, buf, n + 8);
    EXPECT(weights_load(a, bad, 0, err) == -1, "oversized file accepted");
    snprintf(want, sizeof(want), "holds %zu floats of parameters, but small.cfg needs %zu", floats + 2, floats);
    EXPECT(strstr(err, want), "got '%s'", err);
    write_bytes(bad, buf, 10);
    EXPECT(weights_load(a, bad, 0, err) == -1 && strstr(err, "too short"), "got '%s'", err);
    EXPECT(weights_load(a, "/nonexistent.weights", 0, err) == -1 && strstr(err, "cannot open"), "got '%s'", err);

    /* version 0.1: `seen` is 32 bits */
    int32_t head[4] = {0, 1, 0, 77};
    char *old = xcalloc(16 + 4 * floats, 1);
    memcpy(old, head, 16);
    memcpy(old + 16, buf + 20, 4 * floats);
    write_bytes(bad, old, 16 + 4 * floats);
    struct network *b = small_net(9, SMALL);
    EXPECT(weights_load(b, bad, 0, err) == 0, "old header: %s", err);
    EXPECT(b->seen == 77 && same_params(a, b, 0), "old header contents");
    free(buf), free(old);
    net_free(a), net_free(b);
}

static void test_weights_darknet_size(void)
{
    /* Darknet's ResNet-20 file is 20 + 4*274042 = 1,096,188 bytes */
    char err[DN_ERR_LEN], path[512];
    struct network *net = net_load_cfg("cfg/resnet_20.cfg", 10, 1, 1, err);
    EXPECT(net != NULL, "%s", err);
    if (!net) return;
    path_in_tmp(path, sizeof(path), "r20.weights");
    EXPECT(weights_save(net, path, 0, err) == 0, "%s", err);
    struct stat st;
    stat(path, &st);
    EXPECT(st.st_size == 1096188, "resnet_20.weights is %ld bytes", (long)st.st_size);
    net_free(net);
}

static void test_sgd_step(void)
{
    /* Independent restatement of torch.optim.SGD with momentum and weight decay:
       v = m v + (g + wd w); w = w - lr v; here lr 0.1, m 0.9, wd 0.01, two steps.
       decay_scope=all decays every parameter; by default (Darknet's
       decay_scope=weights) only PARAM_WEIGHT tensors are decayed. */
    static char all[2048];
    snprintf(all, sizeof(all), "[net]\ndecay_scope=all\n%s", SMALL + 6);
    const char *cases[2] = {all, SMALL};
    for (int ci = 0; ci < 2; ci++) {
        struct network *net = small_net(5, cases[ci]);
        if (!net) return;
        EXPECT(net->opt.decay_scope == (ci ? DECAY_WEIGHTS : DECAY_ALL), "decay_scope");
        for (int step = 1; step <= 2; step++) {
            float *want_w[LAYER_MAX_PARAMS * 8] = {0}, *want_v[LAYER_MAX_PARAMS * 8] = {0};
            int slot = 0;
            for (int i = 0; i < net->n; i++)
                for (int j = 0; j < net->layers[i].nparams; j++, slot++) {
                    struct param *q = &net->layers[i].params[j];
                    if (!q->grad) continue;
                    want_w[slot] = xmalloc(q->n * sizeof(float));
                    want_v[slot] = xmalloc(q->n * sizeof(float));
                    float wd = (q->kind == PARAM_WEIGHT || ci == 0) ? 0.01f : 0.0f;
                    for (size_t k = 0; k < q->n; k++) {
                        q->grad[k] = 0.3f - 0.02f * (float)(k % 29) + 0.1f * step;
                        double v = 0.9 * q->mom[k] + q->grad[k] + wd * q->val[k];
                        want_v[slot][k] = (float)v;
                        want_w[slot][k] = (float)(q->val[k] - 0.1 * v);
                    }
                }
            net_update(net, step);
            slot = 0;
            for (int i = 0; i < net->n; i++)
                for (int j = 0; j < net->layers[i].nparams; j++, slot++) {
                    struct param *q = &net->layers[i].params[j];
                    if (!q->grad) continue;
                    for (size_t k = 0; k < q->n; k++) {
                        EXPECT_NEAR(q->mom[k], want_v[slot][k], 1e-6, 1e-6, q->name);
                        EXPECT_NEAR(q->val[k], want_w[slot][k], 1e-6, 1e-6, q->name);
                        EXPECT(q->grad[k] == 0, "grad not zeroed");
                    }
                    free(want_w[slot]), free(want_v[slot]);
                }
        }
        net_free(net);
    }
}

static void test_seeded_init(void)
{
    struct network *a = small_net(42, SMALL), *b = small_net(42, SMALL);
    if (!a || !b) return;
    EXPECT(same_params(a, b, 0), "same seed, different weights");
    /* conv weights: Darknet's default is normal with std sqrt(2/fan_in) */
    struct param *w = &a->layers[0].params[4];
    EXPECT(strcmp(w->name, "weights") == 0, "param order: %s", w->name);
    EXPECT(strcmp(a->layers[0].params[0].name, "biases") == 0 &&
               strcmp(a->layers[0].params[1].name, "scales") == 0 &&
               strcmp(a->layers[0].params[2].name, "rolling_mean") == 0 &&
               strcmp(a->layers[0].params[3].name, "rolling_variance") == 0,
           "conv .weights order");
    double sq = 0;
    for (size_t k = 0; k < w->n; k++) sq += w->val[k] * w->val[k];
    double std = sqrt(sq / w->n), want = sqrt(2.0 / 27);
    EXPECT(fabs(std - want) < 0.25 * want, "init std %f, want about %f", std, want);
    EXPECT(a->layers[0].params[1].val[0] == 1 && a->layers[0].params[3].val[0] == 1, "BN gamma/var = 1");
    net_free(a), net_free(b);
}

/* Every layer kind that reads earlier layers (shortcut of a smaller layer,
 * bridge with SE before and after, route of two layers, se) plus dropout. */
static const char *BRANCHY =
    "[net]\nbatch=3\nwidth=8\nheight=8\nchannels=3\nlearning_rate=0.05\nmomentum=0.9\ndecay=0.001\n"
    "[convolutional]\nfilters=8\nsize=3\npad=1\nbatch_normalize=1\nactivation=relu\n"   /* 0 */
    "[convolutional]\nfilters=8\nsize=3\npad=1\nbatch_normalize=1\nactivation=relu\n"   /* 1 */
    "[convolutional]\nfilters=8\nsize=3\npad=1\nbatch_normalize=1\nactivation=linear\n" /* 2 */
    "[shortcut]\nfrom=-3\nactivation=relu\n"                                              /* 3 */
    "[convolutional]\nfilters=16\nsize=3\nstride=2\npad=1\nbatch_normalize=1\nactivation=relu\n"
    "[convolutional]\nfilters=16\nsize=3\npad=1\nbatch_normalize=1\nactivation=linear\n" /* 5 */
    "[bridge]\nfrom=-3\nse=1\nreduction=4\nactivation=relu\n"                            /* 6 */
    "[convolutional]\nfilters=16\nsize=3\npad=1\nbatch_normalize=1\nactivation=linear\n"
    "[se]\nreduction=4\n"                                                                 /* 8 */
    "[bridge]\nfrom=-3\nstride=1\nse=1\nreduction=4\nse_position=before\nactivation=relu\n"
    "[route]\nlayers=-1,-4\n"                                                             /* 10 */
    "[shortcut]\nfrom=3\nactivation=leaky\n"                                             /* 11 */
    "[dropout]\nprobability=0.2\n"
    "[avgpool]\n[connected]\noutput=5\nactivation=linear\n[softmax]\n";

/* BRANCHY with relu -> mish and leaky -> swish: the layers then keep their
 * pre-activations (their own buffers), which neither plan may share. */
static const char *branchy_smooth(void)
{
    static char buf[2048];
    const char *s = BRANCHY;
    size_t n = 0;
    while (*s && n + 16 < sizeof(buf)) {
        if (strncmp(s, "=relu\n", 6) == 0) n += (size_t)sprintf(buf + n, "=mish\n"), s += 6;
        else if (strncmp(s, "=leaky\n", 7) == 0) n += (size_t)sprintf(buf + n, "=swish\n"), s += 7;
        else buf[n++] = *s++;
    }
    buf[n] = 0;
    EXPECT(!*s, "branchy_smooth: BRANCHY does not fit %zu bytes", sizeof(buf));
    return buf;
}

static void shared_deltas(const char *text)
{
    char err[DN_ERR_LEN];
    struct network *net[2];
    for (int k = 0; k < 2; k++) {
        struct cfg *c = cfg_read_text("branchy.cfg", text, 0, err);
        net[k] = c ? net_build(c, 0, 0, 1, 5, err) : NULL;
        cfg_free(c);
        if (!net[k]) {
            test_fail(__FILE__, __LINE__, "build: %s", err);
            return;
        }
    }
    size_t saved = net_share_deltas(net[1]);
    EXPECT(saved > 0, "net_share_deltas saved nothing");
    /* the shortcut after the linear batch-norm convolution is folded into it
     * (layer_ops.fold) with relu, not with mish (branchy_smooth) */
    int folded = 0, smooth = strstr(text, "mish") != NULL;
    for (int i = 0; i < net[1]->n; i++)
        if (strcmp(net[1]->layers[i].ops->name, "shortcut") == 0)
            folded += ((const struct shortcut_layer *)net[1]->layers[i].priv)->folded;
    EXPECT(folded == !smooth, "%d shortcuts folded into their convolution for training, want %d", folded, !smooth);
    struct dn_rng r;
    for (int it = 1; it <= 3; it++) {
        rng_seed(&r, 100 + it);
        for (int k = 0; k < 2; k++) {
            struct network *n = net[k];
            struct dn_rng rr = r;
            for (int i = 0; i < n->batch * n->inputs; i++) n->input[i] = rng_normal(&rr);
            memset(n->truth, 0, sizeof(float) * n->batch * n->truths);
            for (int b = 0; b < n->batch; b++) n->truth[b * n->truths + rng_below(&rr, n->truths)] = 1;
            n->train = 1;
            net_forward(n);
            net_backward(n);
        }
        EXPECT(net[0]->loss == net[1]->loss, "iteration %d: loss %.9g vs %.9g", it, net[0]->loss, net[1]->loss);
        EXPECT(!memcmp(net[0]->delta, net[1]->delta, sizeof(float) * net[0]->batch * net[0]->inputs),
               "iteration %d: input gradients differ", it);
        for (int i = 0; i < net[0]->n; i++)
            for (int j = 0; j < net[0]->layers[i].nparams; j++) {
                const struct param *p = &net[0]->layers[i].params[j], *q = &net[1]->layers[i].params[j];
                if (p->grad) EXPECT(!memcmp(p->grad, q->grad, p->n * sizeof(float)),
                                    "iteration %d: layer %d %s gradients differ", it, i, p->name);
            }
        net_update(net[0], it);
        net_update(net[1], it);
    }
    EXPECT(same_params(net[0], net[1], 1), "parameters differ after 3 steps");
    net_free(net[0]);
    net_free(net[1]);
}

static void test_shared_deltas(void)
{
    shared_deltas(BRANCHY);
    EXPECT(strstr(branchy_smooth(), "mish") && strstr(branchy_smooth(), "swish") && !strstr(branchy_smooth(), "relu"),
           "branchy_smooth: %s", branchy_smooth());
    shared_deltas(branchy_smooth());
}

/* Darknet's partial: the first k layers' parameters, seen = 0; loaded as a
 * prefix they set those layers only (the rest keep their init), and only
 * when the caller allows prefixes; other short or long files are refused. */
static void test_weights_prefix(void)
{
    struct network *a = small_net(1, SMALL), *b = small_net(2, SMALL), *c = small_net(2, SMALL);
    char path[512], bad[512], err[DN_ERR_LEN];
    if (!a || !b || !c) goto out;
    path_in_tmp(path, sizeof(path), "small.conv.2");
    path_in_tmp(bad, sizeof(bad), "small.bad");
    a->seen = 1234;
    EXPECT(weights_save_upto(a, path, 2, 0, 0, err) == 0, "%s", err);
    struct stat st;
    stat(path, &st);
    /* conv0: 4 biases + 3*4 BN floats + 4*3*3*3 weights; conv1: 4 + 16 */
    EXPECT(st.st_size == 20 + 4 * (4 + 12 + 108 + 4 + 16), "prefix file is %ld bytes", (long)st.st_size);
    EXPECT(weights_load(b, path, 0, err) != 0 && strstr(err, "needs"), "a prefix is refused by weights_load: %s", err);
    int k = -1;
    EXPECT(weights_load_prefix(b, path, 0, &k, err) == 0, "%s", err);
    EXPECT(k == 2 && b->seen == 0, "loaded %d layers, seen %llu", k, (unsigned long long)b->seen);
    for (int i = 0; i < b->n; i++)
        for (int j = 0; j < b->layers[i].nparams; j++) {
            const struct param *p = &b->layers[i].params[j];
            const struct param *want = i < 2 ? &a->layers[i].params[j] : &c->layers[i].params[j];
            EXPECT(memcmp(p->val, want->val, p->n * sizeof(float)) == 0, "layer %d %s is not the %s's", i, p->name,
                   i < 2 ? "file" : "initialisation");
        }
    /* one float more than the prefix: neither a full file nor a prefix */
    FILE *f = fopen(path, "rb"), *g = fopen(bad, "wb");
    char buf[4096];
    size_t got = f ? fread(buf, 1, sizeof(buf), f) : 0;
    if (g) fwrite(buf, 1, got, g), fwrite(buf, 1, 4, g);
    if (f) fclose(f);
    if (g) fclose(g);
    EXPECT(weights_load_prefix(b, bad, 0, &k, err) != 0 && strstr(err, "nor is it the parameters of its first layers"),
           "a non-prefix short file: %s", err);
out:
    net_free(a), net_free(b), net_free(c);
}

/* export's fold of [net] mean/std into the first convolution: the folded
 * network on raw pixels gives the original's outputs on normalised ones
 * (inference, with and without batch norm); a padded first convolution is
 * refused with the reason. */
static void test_fold_normalisation(void)
{
    const char *layers[2] = {"[convolutional]\nfilters=4\nsize=3\nbatch_normalize=1\nactivation=leaky\n",
                             "[convolutional]\nfilters=4\nsize=2\nstride=2\nactivation=relu\n"};
    for (int t = 0; t < 2; t++) {
        char text[1024], err[DN_ERR_LEN];
        snprintf(text, sizeof(text), "[net]\nbatch=2\nwidth=5\nheight=6\nchannels=3\nmean=.4,.5,.6\nstd=.2,.25,.3\n"
                 "%s[avgpool]\n[connected]\noutput=3\nactivation=linear\n", layers[t]);
        struct network *a = small_net(3, text), *b = small_net(4, text);
        if (!a || !b) goto next;
        struct dn_rng r;
        rng_seed(&r, 9 + t);
        for (int i = 0; i < a->n; i++)
            for (int j = 0; j < a->layers[i].nparams; j++) {
                struct param *p = &a->layers[i].params[j], *q = &b->layers[i].params[j];
                int var = strcmp(p->name, "rolling_variance") == 0;
                for (size_t k = 0; k < p->n; k++)
                    p->val[k] = q->val[k] = var ? rng_uniform(&r, 0.5f, 2) : rng_uniform(&r, -0.5f, 0.5f);
            }
        EXPECT(weights_fold_normalisation(b, 0, err) == 0, "%s", err);
        EXPECT(b->aug.mean[1] == 0 && b->aug.std[1] == 1, "folded network still normalises");
        for (int i = 0; i < a->batch * a->inputs; i++) {
            int c = i / (a->w * a->h) % 3;
            float x = rng_uniform(&r, 0, 1);
            b->input[i] = x;
            a->input[i] = (x - a->aug.mean[c]) / a->aug.std[c];
        }
        a->train = b->train = 0;
        net_forward(a);
        net_forward(b);
        const float *ya = net_output_layer(a)->output, *yb = net_output_layer(b)->output;
        double worst = 0;
        for (int i = 0; i < a->batch * 3; i++) worst = fmax(worst, fabs(ya[i] - yb[i]));
        EXPECT(worst < 1e-5, "%s: folded outputs differ by %g", t ? "no batch norm" : "batch norm", worst);
    next:
        net_free(a), net_free(b);
    }
    char err[DN_ERR_LEN];
    struct network *p = small_net(5, "[net]\nbatch=1\nwidth=5\nheight=5\nchannels=3\nmean=.4,.5,.6\nstd=.2,.25,.3\n"
                                     "[convolutional]\nfilters=2\nsize=3\npad=1\nactivation=relu\n");
    if (p) {
        float w0 = p->layers[0].params[1].val[0];
        EXPECT(weights_fold_normalisation(p, 1, err) != 0 && strstr(err, "pads by 1") &&
                   strstr(err, "black in Darknet") && p->layers[0].params[1].val[0] == w0 && p->aug.std[0] != 1,
               "padded first convolution: %s", err);
    }
    net_free(p);
}

/* Inference with net_plan_inference (no gradients, outputs in shared buffers,
 * `folds` [shortcut]s done in the previous convolution's store) gives the same
 * bytes as the network with every buffer its own, over inputs that change, on
 * a network where every layer type reads earlier outputs; and a residual
 * network needs three activation buffers. */
static void inference_plan(const char *text, int folds)
{
    char err[DN_ERR_LEN];
    struct network *net[2];
    for (int k = 0; k < 2; k++) {
        struct cfg *c = cfg_read_text("branchy.cfg", text, 0, err);
        net[k] = c ? net_build(c, 0, 0, 0, 5, err) : NULL;
        cfg_free(c);
        if (!net[k]) {
            test_fail(__FILE__, __LINE__, "build: %s", err);
            return;
        }
    }
    struct dn_rng r;
    rng_seed(&r, 7);
    /* one training step on net[0] makes the batch-norm statistics non-trivial */
    for (int i = 0; i < net[0]->batch * net[0]->inputs; i++) net[0]->input[i] = rng_normal(&r);
    for (int b = 0; b < net[0]->batch; b++) net[0]->truth[b * net[0]->truths + rng_below(&r, net[0]->truths)] = 1;
    net[0]->train = 1;
    net_forward(net[0]);
    net_backward(net[0]);
    net_update(net[0], 1);
    net[0]->train = 0;
    size_t saved = net_plan_inference(net[1]);
    EXPECT(saved > 0, "net_plan_inference saved nothing");
    EXPECT(net[1]->noutput_pool < net[1]->n, "%d output buffers for %d layers", net[1]->noutput_pool, net[1]->n);
    int folded = 0; /* a folded shortcut's output is its input, written by the convolution before it */
    for (int i = 1; i < net[1]->n; i++) folded += net[1]->layers[i].output == net[1]->layers[i - 1].output;
    EXPECT(folded == folds, "%d shortcuts folded into their convolution, want %d", folded, folds);
    for (int i = 0; i < net[0]->n; i++)
        for (int j = 0; j < net[0]->layers[i].nparams; j++) {
            const struct param *p = &net[0]->layers[i].params[j], *q = &net[1]->layers[i].params[j];
            EXPECT(q->grad == NULL && q->mom == NULL, "layer %d %s kept its gradient", i, p->name);
            memcpy(q->val, p->val, p->n * sizeof(float));
        }
    const struct layer *out[2] = {net_output_layer(net[0]), net_output_layer(net[1])};
    for (int it = 0; it < 3; it++) {
        for (int i = 0; i < net[0]->batch * net[0]->inputs; i++) net[0]->input[i] = net[1]->input[i] = rng_normal(&r);
        net_forward(net[0]);
        net_forward(net[1]);
        size_t n = (size_t)out[0]->batch * out[0]->outputs;
        EXPECT(!memcmp(out[0]->output, out[1]->output, n * sizeof(float)),
               "input %d: outputs differ (%.9g vs %.9g first)", it, out[0]->output[0], out[1]->output[0]);
    }
    net_free(net[0]);
    net_free(net[1]);
}

static void test_inference_plan(void)
{
    char err[DN_ERR_LEN];
    inference_plan(BRANCHY, 1);
    inference_plan(branchy_smooth(), 0); /* a mish shortcut keeps its own sum: not folded */
    /* 6x6 maps: no Winograd or direct store takes the shape, so the folded
     * shortcut runs as separate passes inside the convolution */
    inference_plan("[net]\nbatch=2\nwidth=6\nheight=6\nchannels=3\n"
                   "[convolutional]\nfilters=4\nsize=3\npad=1\nbatch_normalize=1\nactivation=relu\n"
                   "[convolutional]\nfilters=4\nsize=3\npad=1\nbatch_normalize=1\nactivation=linear\n"
                   "[shortcut]\nfrom=-2\nactivation=leaky\n"
                   "[convolutional]\nfilters=4\nsize=3\npad=1\nbatch_normalize=1\nactivation=relu\n"
                   "[shortcut]\nfrom=-2\nactivation=relu\n" /* after a relu convolution: not folded */
                   "[avgpool]\n[connected]\noutput=5\nactivation=linear\n[softmax]\n",
                   1);

    const char *cfgs[] = {"cfg/resnet_20.cfg", "cfg/res_se_net_20.cfg", "cfg/resnet_110.cfg"};
    for (int k = 0; k < 3; k++) {
        struct network *n = net_load_cfg(cfgs[k], 10, 2, 1, err);
        if (!n) {
            test_fail(__FILE__, __LINE__, "%s: %s", cfgs[k], err);
            continue;
        }
        net_plan_inference(n);
        EXPECT(n->noutput_pool == 3, "%s: %d output buffers, want 3 (block input, two convolutions)",
               cfgs[k], n->noutput_pool);
        int shortcuts = 0, folded = 0;
        for (int i = 1; i < n->n; i++) {
            shortcuts += strcmp(n->layers[i].ops->name, "shortcut") == 0;
            folded += n->layers[i].output == n->layers[i - 1].output;
        }
        EXPECT(shortcuts > 0 && folded == shortcuts, "%s: %d of %d shortcuts folded", cfgs[k], folded, shortcuts);
        net_free(n);
    }
}

const struct test_case network_tests[] = {
    {"weights_fold_normalisation", test_fold_normalisation},
    {"weights_prefix_partial", test_weights_prefix},
    {"weights_roundtrip_bit_exact", test_weights_roundtrip},
    {"weights_bad_sizes_rejected", test_weights_bad_sizes},
    {"weights_darknet_resnet20_size", test_weights_darknet_size},
    {"sgd_step_matches_pytorch_formula", test_sgd_step},
    {"seeded_init", test_seeded_init},
    {"shared_deltas_bit_exact", test_shared_deltas},
    {"inference_plan_bit_exact", test_inference_plan},
    {NULL, NULL},
};
