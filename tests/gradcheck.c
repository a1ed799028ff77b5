/* gradcheck.c - see gradcheck.h. */
#include "gradcheck.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GC_MAX_PRINT 8 /* failing elements printed per tensor */

struct gc_state {
    const char *name;
    struct network *net;
    const struct gc_opts *o;
    double eps, thr, floor;
    int max_samples;
    float *r;           /* GC_DOT weights of the last layer's output */
    struct dn_rng rng0; /* net->rng before every forward */
    int verbose;
};

/* printf unless the options ask for quiet */
static void say(const struct gc_opts *o, const char *fmt, ...) DN_PRINTF(2, 3);
static void say(const struct gc_opts *o, const char *fmt, ...)
{
    if (o->quiet) return;
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

struct network *gc_build(const char *name, const char *cfg_text, int classes, int batch,
                         int want_delta, uint64_t seed)
{
    char err[DN_ERR_LEN] = "";
    struct cfg *c = cfg_read_text(name, cfg_text, 0, err);
    if (!c) {
        printf("    %s: cfg: %s\n", name, err);
        return NULL;
    }
    struct network *net = net_build(c, classes, batch, want_delta, seed, err);
    cfg_free(c);
    if (!net) printf("    %s: build: %s\n", name, err);
    return net;
}

/* L at the current parameters and input, from the same RNG state every time. */
static double objective(struct gc_state *st)
{
    struct network *net = st->net;
    net->rng = st->rng0;
    net_forward(net);
    if (st->o->obj == GC_LOSS) return net->loss;
    const struct layer *l = net_output_layer(net);
    size_t n = (size_t)l->batch * l->outputs;
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)l->output[i] * st->r[i];
    return s;
}

static const char *layer_name(const struct network *net, int li)
{
    return li < 0 ? "input" : net->layers[li].ops->name;
}

/* Check one tensor: val (n floats) whose analytic gradient is ga. li = -1 for
 * the network input. Returns the number of failures. */
static int check_tensor(struct gc_state *st, int li, const char *tname, float *val, const float *ga,
                        size_t n, double L0, struct dn_rng *srng, struct gc_result *res)
{
    int fails = 0, checked = 0, one_sided = 0, skipped = 0, printed = 0;
    double worst = 0;
    size_t worst_k = 0;

    /* the floor, capped at the tensor's largest analytic gradient */
    double gmax = 0;
    for (size_t k = 0; k < n; k++) gmax = fmax(gmax, fabs(ga[k]));
    int allzero = gmax == 0;
    double fl = fmax(fmin(st->floor, gmax), 1e-3 * st->floor); /* floor_t */

    /* indices: all, or the first max_samples of a seeded shuffle */
    size_t m = n <= (size_t)st->max_samples ? n : (size_t)st->max_samples;
    size_t *idx = xmalloc(sizeof(size_t) * (n ? n : 1));
    for (size_t k = 0; k < n; k++) idx[k] = k;
    if (m < n)
        for (size_t k = 0; k < m; k++) {
            size_t j = k + rng_below(srng, (uint32_t)(n - k));
            size_t t = idx[k];
            idx[k] = idx[j], idx[j] = t;
        }

    for (size_t s = 0; s < m; s++) {
        size_t k = idx[s];
        float x0 = val[k];
        float xp = (float)(x0 + st->eps), xm = (float)(x0 - st->eps);
        val[k] = xp;
        double Lp = objective(st);
        val[k] = xm;
        double Lm = objective(st);
        val[k] = x0;
        double gn = (Lp - Lm) / ((double)xp - xm);
        double dr = (Lp - L0) / ((double)xp - x0), dl = (L0 - Lm) / ((double)x0 - xm);
        double a = ga[k];
        if (!isfinite(a) || !isfinite(gn)) {
            if (printed++ < GC_MAX_PRINT)
                say(st->o,
                    "    gradcheck %s: layer %d (%s) %s[%zu]: analytic %.9g numeric %.9g (not "
                    "finite)\n",
                    st->name, li, layer_name(st->net, li), tname, k, a, gn);
            fails++;
            continue;
        }
        double kink = fabs(dr - dl), kscale = fmax(fmax(fabs(dl), fabs(dr)), fl);
        if (!st->o->smooth && kink > 0.5 * st->thr * kscale) {
            /* a kink within eps: the slope on its far side is exact (or it
             * was curvature after all, and the central difference is) */
            double el = fabs(a - dl) / fmax(fmax(fabs(a), fabs(dl)), fl);
            double er = fabs(a - dr) / fmax(fmax(fabs(a), fabs(dr)), fl);
            double ec = fabs(a - gn) / fmax(fmax(fabs(a), fabs(gn)), fl);
            double e1 = fmin(fmin(el, er), ec);
            if (e1 <= st->thr) {
                checked++, one_sided++;
                if (e1 > worst) worst = e1, worst_k = k;
            } else {
                skipped++;
            }
            continue;
        }
        checked++;
        double scale = fmax(fmax(fabs(a), fabs(gn)), fl);
        double err = fabs(a - gn) / scale;
        if (err > worst) worst = err, worst_k = k;
        if (err > st->thr) {
            if (printed++ < GC_MAX_PRINT)
                say(st->o,
                    "    gradcheck %s: layer %d (%s) %s[%zu]: analytic %.9g numeric %.9g "
                    "(err %.3g > thr %.3g)\n",
                    st->name, li, layer_name(st->net, li), tname, k, a, gn, err, st->thr);
            fails++;
        }
    }
    free(idx);

    int max_skip = (int)(m / 4) > 2 ? (int)(m / 4) : 2;
    if (skipped > max_skip) {
        say(st->o,
            "    gradcheck %s: layer %d (%s) %s: %d of %zu sampled elements skipped (kinks "
            "within eps, or float noise; more than %d): the check is not meaningful\n",
            st->name, li, layer_name(st->net, li), tname, skipped, m, max_skip);
        fails++;
    }
    if (allzero && n > 0) {
        say(st->o,
            "    gradcheck %s: layer %d (%s) %s: the analytic gradient is all zero: the check is "
            "vacuous (dead units? change the seed or the setup)\n",
            st->name, li, layer_name(st->net, li), tname);
        fails++;
    }
    if (st->verbose)
        say(st->o,
            "    gradcheck %s: layer %d (%s) %s: %d checked (%d one-sided), %d skipped, %zu "
            "elements, worst %.3g\n",
            st->name, li, layer_name(st->net, li), tname, checked, one_sided, skipped, n, worst);
    res->tensors++;
    res->checked += checked;
    res->one_sided += one_sided;
    res->skipped += skipped;
    if (worst > res->worst || !res->worst_at[0]) {
        if (worst > res->worst) res->worst = worst;
        snprintf(res->worst_at, sizeof(res->worst_at), "layer %d (%s) %s[%zu]", li,
                 layer_name(st->net, li), tname, worst_k);
    }
    return fails;
}

/* the starting value of parameter gradient k (exact in float) */
static float grad_offset(size_t k) { return 0.25f * (float)((int)(k % 7) - 3); }

static void randomise_params(struct network *net, struct dn_rng *rng)
{
    for (int i = 0; i < net->n; i++) {
        struct layer *l = &net->layers[i];
        for (int j = 0; j < l->nparams; j++) {
            struct param *p = &l->params[j];
            if (p->kind != PARAM_BIAS) continue;
            float base = strcmp(p->name, "scales") == 0 ? 1.0f : 0.0f;
            for (size_t k = 0; k < p->n; k++) p->val[k] = base + rng_uniform(rng, -0.3f, 0.3f);
        }
    }
}

int gradcheck_net(const char *name, struct network *net, const struct gc_opts *o,
                  struct gc_result *res_out)
{
    struct gc_result res_local;
    struct gc_result *res = res_out ? res_out : &res_local;
    memset(res, 0, sizeof(*res));
    struct gc_state st = {
        .name = name,
        .net = net,
        .o = o,
        .eps = o->eps > 0 ? o->eps : 1e-3,
        .thr = o->thr > 0 ? o->thr : 1e-2,
        .floor = o->floor > 0 ? o->floor : 1.0,
        .max_samples = o->max_samples > 0 ? o->max_samples : 200,
    };
    const char *v = getenv("DN_GRADCHECK_VERBOSE");
    st.verbose = v && v[0] && v[0] != '0';

    struct dn_rng rng;
    rng_seed(&rng, o->seed ^ 0x6772616463686b31ull);
    net->train = 1;
    if (!o->keep_init) randomise_params(net, &rng);
    if (o->setup) o->setup(net, o->ctx);

    float scale = o->input_scale > 0 ? o->input_scale : 1.0f;
    for (size_t i = 0; i < (size_t)net->batch * net->inputs; i++)
        net->input[i] = rng_uniform(&rng, -scale, scale);

    struct layer *last = net_output_layer(net);
    size_t nout = (size_t)last->batch * last->outputs;
    if (o->obj == GC_DOT) {
        free(net->truth);
        net->truth = NULL;
        st.r = falloc(nout);
        for (size_t i = 0; i < nout; i++) st.r[i] = rng_uniform(&rng, -1, 1);
    } else {
        int onehot = strcmp(last->ops->name, "softmax") == 0;
        for (int b = 0; b < net->batch; b++) {
            float *t = net->truth + (size_t)b * net->truths;
            if (onehot && o->soft_targets) {
                memset(t, 0, sizeof(float) * net->truths);
                float a = rng_uniform(&rng, 0.1f, 0.9f);
                t[rng_below(&rng, (uint32_t)net->truths)] += a;
                t[rng_below(&rng, (uint32_t)net->truths)] += 1 - a;
            } else if (onehot) {
                memset(t, 0, sizeof(float) * net->truths);
                t[rng_below(&rng, (uint32_t)net->truths)] = 1;
            } else {
                for (int i = 0; i < net->truths; i++) t[i] = rng_uniform(&rng, -1, 1);
            }
        }
    }
    st.rng0 = net->rng;

    /* analytic gradients: one forward and backward. Parameter gradients must
     * accumulate (+=), so they start from a known offset that is subtracted
     * afterwards: a layer that assigned (=) them would show. */
    for (int i = 0; i < net->n; i++)
        for (int j = 0; j < net->layers[i].nparams; j++) {
            struct param *p = &net->layers[i].params[j];
            if (p->kind != PARAM_STAT)
                for (size_t k = 0; k < p->n; k++) p->grad[k] = grad_offset(k);
        }
    double L0 = objective(&st);
    if (o->obj == GC_DOT) memcpy(last->delta, st.r, sizeof(float) * nout);
    net_backward(net);

    /* keep the input gradient: every forward zeroes net->delta */
    size_t nin = (size_t)net->batch * net->inputs;
    float *ga_in = NULL;
    if (net->delta) {
        ga_in = xmalloc(sizeof(float) * nin);
        memcpy(ga_in, net->delta, sizeof(float) * nin);
    }

    int fails = 0;
    if (!isfinite(L0)) {
        say(o, "    gradcheck %s: the objective is not finite (%g)\n", name, L0);
        fails++;
    }
    double L0b = objective(&st);
    if (L0b != L0) {
        say(o, "    gradcheck %s: the forward is not deterministic (L %.17g then %.17g)\n", name,
            L0, L0b);
        fails++;
    }

    struct dn_rng srng;
    rng_seed(&srng, o->seed ^ 0x73616d706c657321ull);
    if (ga_in) {
        fails += check_tensor(&st, -1, "input", net->input, ga_in, nin, L0, &srng, res);
        free(ga_in);
    }
    for (int i = 0; i < net->n; i++) {
        struct layer *l = &net->layers[i];
        for (int j = 0; j < l->nparams; j++) {
            struct param *p = &l->params[j];
            if (p->kind == PARAM_STAT) continue;
            float *ga = xmalloc(sizeof(float) * (p->n ? p->n : 1));
            for (size_t k = 0; k < p->n; k++) ga[k] = p->grad[k] - grad_offset(k);
            fails += check_tensor(&st, i, p->name, p->val, ga, p->n, L0, &srng, res);
            free(ga);
        }
    }
    res->failed = fails;
    if (st.verbose)
        say(o,
            "    gradcheck %s: %d tensors, %d checked (%d one-sided), %d skipped, %d failed, worst "
            "%.3g at %s\n",
            name, res->tensors, res->checked, res->one_sided, res->skipped, fails, res->worst,
            res->worst_at);
    free(st.r);
    return fails;
}

int gradcheck_cfg(const char *name, const char *cfg_text, const struct gc_opts *o,
                  struct gc_result *res)
{
    struct network *net =
        gc_build(name, cfg_text, o->classes, o->batch, !o->no_input_grad, o->seed);
    if (!net) {
        if (res) memset(res, 0, sizeof(*res));
        return -1;
    }
    int f = gradcheck_net(name, net, o, res);
    net_free(net);
    return f;
}
