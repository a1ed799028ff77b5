/*
 * test_gradcheck.c - finite-difference gradient checks (tests/gradcheck.h)
 * of the input and every learned parameter, for every case of the layer case
 * table (tests/layer_cases.c), one test per layer type; a coverage test fails
 * when a registered layer type has no case, and a test of the checker itself
 * makes sure a 5% error in a backward pass is caught.
 *
 * Tolerances (see gradcheck.h for the criterion): eps = 1e-3 and thr = 1e-2
 * with a floor of 1 (capped per tensor at its largest gradient) unless a case
 * says otherwise. The objective is summed in double, but each forward runs in
 * float: rounding noise in L of about 1e-7 * sqrt(#outputs) * |out| becomes
 * ~1e-4..1e-3 in a central difference with eps = 1e-3, well below thr;
 * truncation error eps^2 * L''' / 6 is ~1e-7. Observed worst errors are
 * ~5e-3 at most (kinks the test absorbs, and float noise on small SE
 * gradients), ~1e-4 for most cases. With DN_GRADCHECK_VERBOSE=1 every case
 * prints its counts and worst error.
 *
 * Parameter gradients start from a non-zero offset in the checker, so a
 * layer that assigns them instead of accumulating fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/core/network.h"
#include "gradcheck.h"
#include "harness.h"
#include "layer_cases.h"

/* Every gradient-checked case of the group "<type>/". */
static void run_group(const char *group)
{
    int ran = 0;
    const char *v = getenv("DN_GRADCHECK_VERBOSE");
    int verbose = v && v[0] && v[0] != '0';
    for (int i = 0; i < layer_cases_len; i++) {
        const struct layer_case *c = &layer_cases[i];
        if (!layer_case_is(c, group) || (c->skip & CASE_NO_GRAD)) continue;
        char text[4096];
        struct gc_result r = {0};
        double t0 = dn_time();
        int f = layer_case_cfg(c, NULL, text, sizeof(text)) ? gradcheck_cfg(c->name, text, &c->o, &r) : -1;
        EXPECT(f == 0, "gradcheck %s: %d failure(s)", c->name, f);
        EXPECT(f < 0 || r.checked > 0, "gradcheck %s: nothing was checked", c->name);
        if (verbose || f)
            printf("    %-44s %3d tensors %5d checked %3d skipped  worst %.2e at %s (%.1f s)\n", c->name,
                   r.tensors, r.checked, r.skipped, r.worst, r.worst_at, dn_time() - t0);
        ran++;
    }
    EXPECT(ran > 0, "no gradcheck case for %s", group);
}

static void test_gc_convolutional(void) { run_group("convolutional"); }
static void test_gc_connected(void) { run_group("connected"); }
static void test_gc_shortcut(void) { run_group("shortcut"); }
static void test_gc_route(void) { run_group("route"); }
static void test_gc_avgpool(void) { run_group("avgpool"); }
static void test_gc_maxpool(void) { run_group("maxpool"); }
static void test_gc_softmax(void) { run_group("softmax"); }
static void test_gc_cost(void) { run_group("cost"); }
static void test_gc_dropout(void) { run_group("dropout"); }
static void test_gc_crop(void) { run_group("crop"); }
static void test_gc_scale_channels(void) { run_group("scale_channels"); }
static void test_gc_se(void) { run_group("se"); }
static void test_gc_bridge(void) { run_group("bridge"); }

/* The checker itself: a layer whose backward is 5% off must be caught, on the
 * input and on a parameter; a wrong gradient must not hide behind the kink
 * test (relu everywhere, so many elements take the one-sided path). */
extern const struct layer_ops avgpool_ops, convolutional_ops;
static struct layer_ops bad_avgpool_ops, bad_conv_ops;

static void bad_avgpool_backward(struct layer *l, struct network *net)
{
    avgpool_ops.backward(l, net);
    for (long i = 0; i < (long)l->batch * l->inputs; i++) l->dinput[i] *= 1.05f;
}

static void bad_conv_backward(struct layer *l, struct network *net)
{
    convolutional_ops.backward(l, net);
    struct param *w = &l->params[l->nparams - 1]; /* weights */
    for (size_t i = 0; i < w->n; i++) w->grad[i] *= 1.05f;
}

static void use_bad_ops(struct network *net, void *ctx)
{
    (void)ctx;
    for (int i = 0; i < net->n; i++) {
        if (net->layers[i].ops == &avgpool_ops) net->layers[i].ops = &bad_avgpool_ops;
        if (net->layers[i].ops == &convolutional_ops) net->layers[i].ops = &bad_conv_ops;
    }
}

static void test_gradcheck_catches_errors(void)
{
    bad_avgpool_ops = avgpool_ops;
    bad_avgpool_ops.backward = bad_avgpool_backward;
    bad_conv_ops = convolutional_ops;
    bad_conv_ops.backward = bad_conv_backward;
    struct gc_opts o = {.seed = 3, .setup = use_bad_ops, .quiet = 1};
    struct gc_result r;
    int f = gradcheck_cfg("bad_avgpool", NET(2, 5, 3, 2) "[avgpool]\n", &o, &r);
    EXPECT(f > 0 && r.worst > 0.04,
           "a 5%% input-gradient error went unnoticed (%d failures, worst %g)", f, r.worst);
    f = gradcheck_cfg(
        "bad_conv",
        NET(2, 7, 5, 2) "[convolutional]\nfilters=3\nsize=3\npad=1\nactivation=relu\n"
                        "[convolutional]\nfilters=3\nsize=3\npad=1\nbatch_normalize=1\n"
                        "activation=relu\n",
        &o, &r);
    EXPECT(f > 0 && r.worst > 0.04,
           "a 5%% weight-gradient error went unnoticed (%d failures, worst %g)", f, r.worst);
    /* and the same networks with the real ops pass */
    o.setup = NULL;
    f = gradcheck_cfg(
        "good_conv",
        NET(2, 7, 5, 2) "[convolutional]\nfilters=3\nsize=3\npad=1\nactivation=relu\n"
                        "[convolutional]\nfilters=3\nsize=3\npad=1\nbatch_normalize=1\n"
                        "activation=relu\n",
        &o, &r);
    EXPECT(f == 0, "the correct network failed (%d failures, worst %g at %s)", f, r.worst,
           r.worst_at);
}

/* Every registered layer type has a case named after it whose cfg uses it. */
static void test_gc_coverage(void)
{
    for (int t = 0; t < layer_registry_len; t++) {
        const struct layer_ops *ops = layer_registry[t];
        char sec[64], alias[64] = "";
        snprintf(sec, sizeof(sec), "[%s]", ops->name);
        if (ops->alias) snprintf(alias, sizeof(alias), "[%s]", ops->alias);
        int found = 0;
        for (int i = 0; i < layer_cases_len; i++) {
            const struct layer_case *c = &layer_cases[i];
            if (!layer_case_is(c, ops->name) || (c->skip & CASE_NO_GRAD)) continue;
            if (strstr(c->layers, sec) || (alias[0] && strstr(c->layers, alias))) found = 1;
        }
        EXPECT(found, "layer type [%s] has no gradient-check case in tests/layer_cases.c", ops->name);
    }
}

const struct test_case gradcheck_tests[] = {
    {"layers/gradcheck_coverage", test_gc_coverage},
    {"layers/gradcheck_catches_errors", test_gradcheck_catches_errors},
    {"layers/gradcheck_convolutional", test_gc_convolutional},
    {"layers/gradcheck_connected", test_gc_connected},
    {"layers/gradcheck_shortcut", test_gc_shortcut},
    {"layers/gradcheck_route", test_gc_route},
    {"layers/gradcheck_avgpool", test_gc_avgpool},
    {"layers/gradcheck_maxpool", test_gc_maxpool},
    {"layers/gradcheck_softmax", test_gc_softmax},
    {"layers/gradcheck_cost", test_gc_cost},
    {"layers/gradcheck_dropout", test_gc_dropout},
    {"layers/gradcheck_crop", test_gc_crop},
    {"layers/gradcheck_scale_channels", test_gc_scale_channels},
    {"layers/gradcheck_se", test_gc_se},
    {"layers/gradcheck_bridge", test_gc_bridge},
    {NULL, NULL},
};
