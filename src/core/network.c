/*
 * network.c - building a network from a cfg, running it, and the SGD step.
 *
 * Build: the [net] section gives the input shape and hyper-parameters; each
 * following section names a layer type in the registry. Layers are built in
 * order: layer i's input is layer i-1's output (or the network input), its
 * init() validates its keys and shapes, then the network allocates its output
 * and delta and checks that no key of the section went unread.
 *
 * SGD (equivalent to torch.optim.SGD with momentum and weight_decay):
 *     g = grad + decay * w      (decay only on conv, connected and SE weights
 *                                with decay_scope=weights, the default as in
 *                                Darknet; on every parameter with
 *                                decay_scope=all, as PyTorch's weight_decay)
 *     v = momentum * v + g
 *     w = w - lr * v
 * grad is the gradient of the mean loss over the batch*subdivisions images.
 */
#include "network.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activations.h"
#ifdef GPU
#include "network_gpu.h"
#endif

struct param *layer_add_param(struct layer *l, const char *name, enum param_kind kind, size_t n)
{
    DN_ASSERT(l->nparams < LAYER_MAX_PARAMS);
    struct param *p = &l->params[l->nparams++];
    p->name = name;
    p->kind = kind;
    p->n = n;
    p->val = falloc(n);
    p->grad = kind == PARAM_STAT ? NULL : falloc(n);
    p->mom = kind == PARAM_STAT ? NULL : falloc(n);
    return p;
}

void layer_add_ref(struct layer *l, int from)
{
    for (int i = 0; i < l->nrefs; i++)
        if (l->refs[i] == from) return;
    DN_ASSERT(l->nrefs < LAYER_MAX_REFS);
    l->refs[l->nrefs++] = from;
}

size_t layer_param_count(const struct layer *l, int kind_stat)
{
    size_t n = 0;
    for (int i = 0; i < l->nparams; i++)
        if ((l->params[i].kind == PARAM_STAT) == !!kind_stat) n += l->params[i].n;
    return n;
}

int net_check_size(struct cfg *c, struct cfg_section *s, const char *key, const char *what, double n)
{
    if (n <= NET_MAX_VALUES) return 0;
    return cfg_fail(c, s, key, "%s would hold %.4g values, more than the limit of %.0f (4 GiB of floats)", what, n,
                    NET_MAX_VALUES);
}

void init_normal(struct network *net, float *w, size_t n, float std)
{
    for (size_t i = 0; i < n; i++) w[i] = std * rng_normal(&net->rng);
}

void init_uniform(struct network *net, float *w, size_t n, float bound)
{
    for (size_t i = 0; i < n; i++) w[i] = rng_uniform(&net->rng, -bound, bound);
}

static const char *const policy_names[] = {"constant", "steps", "step", "poly", "exp", NULL};
static const char *const init_names[] = {"darknet", "fan_out", "fan_in", NULL};
static const char *const decay_names[] = {"all", "weights", NULL};

/*
 * Darknet's image mixing and blur (struct augment's mix and blur): mixup=N
 * (0 off, 1 mixup, 2 cutmix, 3 mosaic, 4 cutmix or mosaic), or cutmix=1
 * and/or mosaic=1 (both: 4), as Darknet sets them; where Darknet would let
 * cutmix/mosaic override a different mixup= silently, this refuses. blur=1
 * is a 15 x 15 Gaussian kernel, another value the (odd) kernel size; the
 * kernel's radius must fit the smaller image side (one border reflection).
 */
static int parse_net_mix(struct network *net, struct cfg *c, struct cfg_section *s)
{
    int cutmix, mosaic, blur;
    if (cfg_int(c, s, "mixup", 0, &net->aug.mix) || cfg_int(c, s, "cutmix", 0, &cutmix) ||
        cfg_int(c, s, "mosaic", 0, &mosaic) || cfg_int(c, s, "blur", 0, &blur))
        return -1;
    if (net->aug.mix < MIX_NONE || net->aug.mix > MIX_CUTMIX_MOSAIC)
        return cfg_fail(c, s, "mixup", "must be 0 (off), 1 (mixup), 2 (cutmix), 3 (mosaic) or 4 (cutmix or mosaic)");
    if (cutmix != 0 && cutmix != 1) return cfg_fail(c, s, "cutmix", "must be 0 or 1");
    if (mosaic != 0 && mosaic != 1) return cfg_fail(c, s, "mosaic", "must be 0 or 1");
    int implied = cutmix && mosaic ? MIX_CUTMIX_MOSAIC : cutmix ? MIX_CUTMIX : mosaic ? MIX_MOSAIC : MIX_NONE;
    if (implied != MIX_NONE && net->aug.mix != MIX_NONE && net->aug.mix != implied)
        return cfg_fail(c, s, "mixup", "contradicts cutmix=%d mosaic=%d (which mean mixup=%d); set one or the other",
                        cutmix, mosaic, implied);
    if (implied != MIX_NONE) net->aug.mix = implied;
    int side = net->w < net->h ? net->w : net->h;
    net->aug.blur = blur == 1 ? 15 : blur;
    if (blur < 0 || (blur > 1 && blur % 2 == 0))
        return cfg_fail(c, s, "blur", "must be 0 (off), 1 (a 15x15 kernel) or an odd kernel size");
    if (net->aug.blur / 2 > side - 1)
        return cfg_fail(c, s, "blur", "a %dx%d kernel needs a width and height of at least %d (the input is %dx%d)",
                        net->aug.blur, net->aug.blur, net->aug.blur / 2 + 1, net->w, net->h);
    return 0;
}

/*
 * Darknet's classifier augmentation keys, with its defaults: max_crop =
 * 2 * width and min_crop = width (a random 1x..2x zoom-in), angle 0,
 * aspect 1, hue 0, saturation 1, exposure 1, label_smooth_eps 0. Our own
 * pad-crop (crop_pad > 0) replaces the zoom: then the crop range defaults
 * to the width (no zoom), and a real zoom or rotation is refused.
 */
static int parse_net_augment(struct network *net, struct cfg *c, struct cfg_section *s)
{
    int w = net->w;
    int pad = net->aug.crop_pad > 0;
    if (cfg_int(c, s, "max_crop", pad ? w : 2 * w, &net->aug.max_crop) ||
        cfg_int(c, s, "min_crop", w, &net->aug.min_crop) || cfg_float(c, s, "angle", 0, &net->aug.angle) ||
        cfg_float(c, s, "aspect", 1, &net->aug.aspect) || cfg_float(c, s, "hue", 0, &net->aug.hue) ||
        cfg_float(c, s, "saturation", 1, &net->aug.saturation) || cfg_float(c, s, "exposure", 1, &net->aug.exposure) ||
        cfg_float(c, s, "label_smooth_eps", 0, &net->aug.label_smooth))
        return -1;
    if (net->aug.min_crop < 1) return cfg_fail(c, s, "min_crop", "must be at least 1");
    if (net->aug.max_crop < net->aug.min_crop) return cfg_fail(c, s, "max_crop", "must be at least min_crop=%d", net->aug.min_crop);
    if (net->aug.aspect <= 0) return cfg_fail(c, s, "aspect", "must be positive");
    if (net->aug.saturation <= 0) return cfg_fail(c, s, "saturation", "must be positive");
    if (net->aug.exposure <= 0) return cfg_fail(c, s, "exposure", "must be positive");
    if (net->aug.hue < 0 || net->aug.hue > 1) return cfg_fail(c, s, "hue", "must be in [0, 1]");
    if (net->aug.angle < 0 || net->aug.angle > 180) return cfg_fail(c, s, "angle", "must be in [0, 180] degrees");
    if (net->aug.label_smooth < 0 || net->aug.label_smooth >= 1)
        return cfg_fail(c, s, "label_smooth_eps", "must be in [0, 1)");
    int zoom = net->aug.min_crop != w || net->aug.max_crop != w || net->aug.angle != 0 || net->aug.aspect != 1;
    if (zoom && pad)
        return cfg_fail(c, s, "crop_pad", "cannot be combined with Darknet's zoom crop (min_crop=%d max_crop=%d "
                        "angle=%g aspect=%g); use one or the other", net->aug.min_crop, net->aug.max_crop, net->aug.angle,
                        net->aug.aspect);
    if (!zoom) net->aug.min_crop = net->aug.max_crop = 0; /* off: the pad/crop path */
    return parse_net_mix(net, c, s);
}

static int parse_net_section(struct network *net, struct cfg *c, struct cfg_section *s)
{
    int batch, n;
    if (cfg_int(c, s, "batch", 1, &batch) || cfg_int(c, s, "subdivisions", 1, &net->subdivisions))
        return -1;
    if (batch < 1) return cfg_fail(c, s, "batch", "must be at least 1");
    if (net->subdivisions < 1 || batch % net->subdivisions)
        return cfg_fail(c, s, "subdivisions", "must divide batch=%d", batch);
    net->batch = batch / net->subdivisions;
    if (cfg_int_req(c, s, "width", &net->w) || cfg_int_req(c, s, "height", &net->h) ||
        cfg_int_req(c, s, "channels", &net->c))
        return -1;
    if (net->w < 1) return cfg_fail(c, s, "width", "must be positive");
    if (net->h < 1) return cfg_fail(c, s, "height", "must be positive");
    if (net->c < 1) return cfg_fail(c, s, "channels", "must be positive");
    if (net_check_size(c, s, "width", "one input image", (double)net->c * net->h * net->w) ||
        net_check_size(c, s, "batch", "a batch of input images", (double)net->batch * net->c * net->h * net->w))
        return -1;
    net->inputs = net->c * net->h * net->w;

    int policy, init, scope;
    if (cfg_float(c, s, "learning_rate", 0.001f, &net->opt.learning_rate) ||
        cfg_float(c, s, "momentum", 0.9f, &net->opt.momentum) ||
        cfg_float(c, s, "decay", 0.0001f, &net->opt.decay) ||
        cfg_enum(c, s, "decay_scope", decay_names, DECAY_WEIGHTS, &scope) ||
        cfg_enum(c, s, "policy", policy_names, POLICY_CONSTANT, &policy) ||
        cfg_int(c, s, "max_batches", 0, &net->sched.max_batches) ||
        cfg_int(c, s, "burn_in", 0, &net->sched.burn_in) ||
        cfg_float(c, s, "power", 4.0f, &net->sched.power) ||
        cfg_float(c, s, "bn_momentum", 0.1f, &net->opt.bn_momentum) ||
        cfg_enum(c, s, "init", init_names, INIT_DARKNET, &init) ||
        cfg_int(c, s, "crop_pad", 0, &net->aug.crop_pad) || cfg_int(c, s, "flip", 1, &net->aug.flip) ||
        cfg_int(c, s, "backup_every", 1000, &net->sched.backup_every) ||
        cfg_int(c, s, "valid_every", -1, &net->sched.valid_every) ||
        cfg_int(c, s, "cudnn_benchmark", 0, &net->cudnn_benchmark))
        return -1;
    net->sched.policy = policy;
    net->init = init;
    net->opt.decay_scope = scope;
    if (net->opt.learning_rate < 0) return cfg_fail(c, s, "learning_rate", "must not be negative");
    if (net->opt.momentum < 0 || net->opt.momentum >= 1) return cfg_fail(c, s, "momentum", "must be in [0, 1)");
    if (net->opt.decay < 0) return cfg_fail(c, s, "decay", "must not be negative");
    if (net->sched.max_batches < 0) return cfg_fail(c, s, "max_batches", "must not be negative");
    if (net->opt.bn_momentum <= 0 || net->opt.bn_momentum > 1)
        return cfg_fail(c, s, "bn_momentum", "must be in (0, 1]");
    if (net->aug.crop_pad < 0 || net->aug.crop_pad > net->w || net->aug.crop_pad > net->h)
        return cfg_fail(c, s, "crop_pad", "must be between 0 and the input size %dx%d", net->w, net->h);
    if (net->aug.flip != 0 && net->aug.flip != 1) return cfg_fail(c, s, "flip", "must be 0 or 1");
    if (net->cudnn_benchmark != 0 && net->cudnn_benchmark != 1)
        return cfg_fail(c, s, "cudnn_benchmark", "must be 0 or 1");
    if (net->sched.backup_every < 1) return cfg_fail(c, s, "backup_every", "must be at least 1");
    if (net->sched.valid_every < -1)
        return cfg_fail(c, s, "valid_every", "must be 0 (off), -1 (once per epoch) or positive");

    if (policy == POLICY_STEPS) {
        int ns;
        if (cfg_ints(c, s, "steps", net->sched.steps, NET_MAX_STEPS, &net->sched.nsteps) ||
            cfg_floats(c, s, "scales", net->sched.scales, NET_MAX_STEPS, &ns))
            return -1;
        if (net->sched.nsteps == 0) return cfg_fail(c, s, "steps", "policy=steps needs steps=");
        if (ns != net->sched.nsteps)
            return cfg_fail(c, s, "scales", "has %d values but steps has %d", ns, net->sched.nsteps);
        for (int i = 1; i < net->sched.nsteps; i++)
            if (net->sched.steps[i] < net->sched.steps[i - 1]) return cfg_fail(c, s, "steps", "must be increasing");
    } else if (policy == POLICY_STEP) {
        if (cfg_int_req(c, s, "step", &net->sched.step) || cfg_float(c, s, "scale", 1.0f, &net->sched.gamma))
            return -1;
        if (net->sched.step < 1) return cfg_fail(c, s, "step", "must be at least 1");
    } else if (policy == POLICY_EXP) {
        if (cfg_float_req(c, s, "gamma", &net->sched.gamma)) return -1;
    }

    float def_mean[3] = {0, 0, 0}, def_std[3] = {1, 1, 1};
    memcpy(net->aug.mean, def_mean, sizeof(def_mean));
    memcpy(net->aug.std, def_std, sizeof(def_std));
    if (cfg_find(s, "mean")) {
        if (cfg_floats(c, s, "mean", net->aug.mean, 3, &n)) return -1;
        if (n != net->c) return cfg_fail(c, s, "mean", "needs %d values (one per channel)", net->c);
    }
    if (cfg_find(s, "std")) {
        if (cfg_floats(c, s, "std", net->aug.std, 3, &n)) return -1;
        if (n != net->c) return cfg_fail(c, s, "std", "needs %d values (one per channel)", net->c);
        for (int i = 0; i < n; i++)
            if (net->aug.std[i] <= 0) return cfg_fail(c, s, "std", "values must be positive");
    }
    if ((cfg_find(s, "mean") || cfg_find(s, "std")) && net->c > 3)
        return cfg_fail(c, s, "mean", "per-channel normalisation supports at most 3 channels");
    return parse_net_augment(net, c, s) || cfg_check_unused(c, s) ? -1 : 0;
}

struct network *net_build(struct cfg *c, int classes, int batch, int want_delta, uint64_t seed,
                          char *err)
{
    if (c->n == 0 || (strcmp(c->secs[0].type, "net") && strcmp(c->secs[0].type, "network"))) {
        dn_errf(err, "%s:%d: the first section must be [net]", c->path, c->n ? c->secs[0].line : 1);
        return NULL;
    }
    if (c->n == 1) {
        dn_errf(err, "%s:%d: [net]: the network has no layers", c->path, c->secs[0].line);
        return NULL;
    }
    struct network *net = xcalloc(1, sizeof(*net));
    net->cfg_path = xstrdup(c->path);
    net->classes = classes;
    rng_seed(&net->rng, seed);
    if (parse_net_section(net, c, &c->secs[0])) goto fail;
    if (batch > 0) net->batch = batch;
    if (net_check_size(c, &c->secs[0], "batch", "a batch of input images", (double)net->batch * net->inputs))
        goto fail;
    net->input = falloc((size_t)net->batch * net->inputs);
    if (want_delta) net->delta = falloc((size_t)net->batch * net->inputs);
    net->layers = xcalloc(c->n - 1, sizeof(struct layer));

    for (int i = 1; i < c->n; i++) {
        struct cfg_section *s = &c->secs[i];
        const struct layer_ops *ops = layer_lookup(s->type);
        if (!ops) {
            cfg_fail(c, s, NULL, "unknown layer type");
            goto fail;
        }
        struct layer *l = &net->layers[net->n];
        struct layer *prev = net->n ? &net->layers[net->n - 1] : NULL;
        l->ops = ops;
        l->index = net->n;
        l->line = s->line;
        l->batch = net->batch;
        l->c = prev ? prev->out_c : net->c;
        l->h = prev ? prev->out_h : net->h;
        l->w = prev ? prev->out_w : net->w;
        l->inputs = l->c * l->h * l->w;
        l->input = prev ? prev->output : net->input;
        l->dinput = prev ? prev->delta : net->delta;
        net->n++; /* counted before init so net_free releases a half-built layer */
        if (ops->init(l, c, s, net) || cfg_check_unused(c, s)) goto fail;
        if (l->out_c < 1 || l->out_h < 1 || l->out_w < 1) {
            cfg_fail(c, s, NULL, "output shape %dx%dx%d is empty", l->out_w, l->out_h, l->out_c);
            goto fail;
        }
        /* layers check what they allocate; this catches any they missed */
        if (net_check_size(c, s, NULL, "the output", (double)l->batch * l->out_c * l->out_h * l->out_w) ||
            net_check_size(c, s, NULL, "the workspace", (double)l->workspace))
            goto fail;
        l->outputs = l->out_c * l->out_h * l->out_w;
        l->output = falloc((size_t)l->batch * l->outputs);
        l->delta = falloc((size_t)l->batch * l->outputs);
        if (l->workspace > net->workspace_size) net->workspace_size = l->workspace;
    }
    net->workspace = falloc(net->workspace_size);
    net->truths = net_output_layer(net)->outputs;
    net->truth = falloc((size_t)net->batch * net->truths);
    return net;
fail:
    if (err != c->err) snprintf(err, DN_ERR_LEN, "%s", c->err);
    net_free(net);
    return NULL;
}

struct network *net_load_cfg_set(const char *path, int classes, int batch, uint64_t seed,
                                 char *const *sets, int nsets, char *err)
{
    struct cfg *c = cfg_read(path, 0, err);
    if (!c) return NULL;
    for (int i = 0; i < nsets; i++) {
        char key[128];
        const char *eq = strchr(sets[i], '=');
        if (!eq || eq == sets[i] || eq - sets[i] >= (long)sizeof(key)) {
            dn_errf(err, "-set %s: expected key=value for a [net] key", sets[i]);
            cfg_free(c);
            return NULL;
        }
        if (c->n == 0) break; /* net_build reports the missing [net] */
        snprintf(key, sizeof(key), "%.*s", (int)(eq - sets[i]), sets[i]);
        cfg_set(&c->secs[0], key, eq + 1);
    }
    struct network *net = net_build(c, classes, batch, 0, seed, err);
    cfg_free(c);
    return net;
}

struct network *net_load_cfg(const char *path, int classes, int batch, uint64_t seed, char *err)
{
    return net_load_cfg_set(path, classes, batch, seed, NULL, 0, err);
}

void net_free(struct network *net)
{
    if (!net) return;
#ifdef GPU
    cuda_net_detach(net);
#endif
    for (int i = 0; i < net->n; i++) {
        struct layer *l = &net->layers[i];
        if (l->ops && l->ops->free) l->ops->free(l);
        for (int j = 0; j < l->nparams; j++) {
            free(l->params[j].val);
            free(l->params[j].grad);
            free(l->params[j].mom);
        }
        if (!net->output_pool) free(l->output);
        if (!net->delta_pool) free(l->delta);
    }
    for (int i = 0; i < net->noutput_pool; i++) free(net->output_pool[i]);
    free(net->output_pool);
    for (int i = 0; i < net->ndelta_pool; i++) free(net->delta_pool[i]);
    free(net->delta_pool);
    free(net->zero_first);
    free(net->zero_list);
    free(net->layers);
    free(net->input);
    free(net->delta);
    free(net->truth);
    free(net->workspace);
    free(net->cfg_path);
    free(net);
}

struct layer *net_output_layer(struct network *net) { return &net->layers[net->n - 1]; }

/* Zero the shared deltas whose live interval starts at backward step t. */
static void zero_deltas(struct network *net, int t)
{
    for (int k = net->zero_first[t]; k < net->zero_first[t + 1]; k++) {
        const struct layer *l = &net->layers[net->zero_list[k]];
        size_t n = (size_t)l->batch * l->outputs, step = 1 << 16;
#pragma omp parallel for schedule(static) if (n >= 2 * step)
        for (size_t i = 0; i < n; i += step) memset(l->delta + i, 0, sizeof(float) * (n - i < step ? n - i : step));
    }
}

/*
 * One step of the greedy interval assignment shared by net_share_deltas and
 * net_plan_inference: take the smallest free buffer of the nbuf that holds
 * `need` floats, else grow the largest free one, else add a buffer; mark it
 * busy and return its index.
 */
static int pick_buffer(size_t *cap, int *busy, int *nbuf, size_t need)
{
    int fit = -1, big = -1;
    for (int b = 0; b < *nbuf; b++) {
        if (busy[b]) continue;
        if (cap[b] >= need) {
            if (fit < 0 || cap[b] < cap[fit]) fit = b;
        } else if (big < 0 || cap[b] > cap[big]) {
            big = b;
        }
    }
    int best = fit >= 0 ? fit : big >= 0 ? big : (*nbuf)++;
    if (cap[best] < need) cap[best] = need;
    busy[best] = 1;
    return best;
}

/* Fold the layers that can be folded into the previous one (layer_ops.fold),
 * where that layer's output is read by the folding layer alone; returns
 * folded[n], 1 for each folded layer. */
static int *fold_layers(struct network *net)
{
    int n = net->n, *folded = xcalloc(n, sizeof(int)), *named = xcalloc(n, sizeof(int));
    for (int j = 0; j < n; j++) /* named[i]: a later layer reads layer i's output by refs */
        for (int r = 0; r < net->layers[j].nrefs; r++) named[net->layers[j].refs[r]] = 1;
    for (int t = 1; t < n; t++) {
        struct layer *l = &net->layers[t];
        folded[t] = l->ops->fold && !named[t - 1] && l->ops->fold(l, net);
    }
    free(named);
    return folded;
}

size_t net_share_deltas(struct network *net)
{
    int n = net->n;
    if (net->zero_first || n < 1) return 0;
    /* start[i]: the backward step from which delta i must hold its sum (n:
     * from the forward on, for the loss layer's own delta) */
    int *start = xcalloc(n, sizeof(int)), *buf = xcalloc(n, sizeof(int));
    for (int i = 0; i < n; i++) start[i] = i == n - 1 ? n : i + 1;
    for (int j = 0; j < n; j++)
        for (int r = 0; r < net->layers[j].nrefs; r++) {
            int i = net->layers[j].refs[r];
            if (start[i] < j) start[i] = j;
        }
    /* greedy interval assignment, walking backward time from n down to 0 */
    size_t *cap = xcalloc(n, sizeof(size_t)), before = 0, after = 0;
    int *busy = xcalloc(n, sizeof(int)), nbuf = 0;
    for (int t = n; t >= 0; t--) {
        for (int i = 0; i < n; i++) {
            if (start[i] != t) continue;
            buf[i] = pick_buffer(cap, busy, &nbuf, (size_t)net->layers[i].batch * net->layers[i].outputs);
        }
        if (t < n) busy[buf[t]] = 0;
    }
    net->delta_pool = xcalloc(nbuf, sizeof(float *));
    net->ndelta_pool = nbuf;
    for (int b = 0; b < nbuf; b++) {
        net->delta_pool[b] = falloc(cap[b]);
        after += cap[b] * sizeof(float);
    }
    for (int i = 0; i < n; i++) {
        struct layer *l = &net->layers[i];
        before += (size_t)l->batch * l->outputs * sizeof(float);
        free(l->delta);
        l->delta = net->delta_pool[buf[i]];
    }
    for (int i = 1; i < n; i++)
        if (net->layers[i].dinput) net->layers[i].dinput = net->layers[i - 1].delta;
    /* zero lists, grouped by start step */
    net->zero_first = xcalloc(n + 2, sizeof(int));
    net->zero_list = xcalloc(n, sizeof(int));
    for (int i = 0; i < n; i++) net->zero_first[start[i] + 1]++;
    for (int t = 0; t <= n; t++) net->zero_first[t + 1] += net->zero_first[t];
    int *fill = xcalloc(n + 1, sizeof(int));
    for (int i = 0; i < n; i++) net->zero_list[net->zero_first[start[i]] + fill[start[i]]++] = i;
    free(fill), free(start), free(buf), free(cap), free(busy);
    /* CPU training too: a folded [shortcut]'s output is written by the
     * convolution before it (the buffers stay apart) */
    free(fold_layers(net));
    return before > after ? before - after : 0;
}

size_t net_plan_inference(struct network *net)
{
    int n = net->n;
    if (net->output_pool || n < 1) return 0;
    DN_ASSERT(!net->zero_first); /* a training plan: the network keeps training */
    /* Inference needs no gradients: drop every delta, the input gradient and
     * the parameters' gradient and momentum (calloc'd and never written, so
     * they were never resident; freeing them keeps them so). */
    size_t before = 0, after = 0;
    for (int i = 0; i < n; i++) {
        struct layer *l = &net->layers[i];
        size_t out = (size_t)l->batch * l->outputs;
        before += 2 * out * sizeof(float);
        free(l->delta), free(l->output);
        l->delta = l->output = NULL;
        l->dinput = NULL;
        for (int j = 0; j < l->nparams; j++) {
            struct param *p = &l->params[j];
            if (p->kind != PARAM_STAT) before += 2 * p->n * sizeof(float);
            free(p->grad), free(p->mom);
            p->grad = p->mom = NULL;
        }
    }
    if (net->delta) before += (size_t)net->batch * net->inputs * sizeof(float);
    free(net->delta);
    net->delta = NULL;
    /* last[i]: the last forward step that reads layer i's output: the next
     * layer (its input), a later layer naming it (refs), and for the last
     * layer the caller, after the forward (step n) */
    int *last = xcalloc(n, sizeof(int)), *buf = xcalloc(n, sizeof(int)), *folded = fold_layers(net);
    for (int i = 0; i < n; i++) last[i] = i + 1;
    for (int j = 0; j < n; j++)
        for (int r = 0; r < net->layers[j].nrefs; r++) {
            int i = net->layers[j].refs[r];
            if (last[i] < j) last[i] = j;
        }
    /* a folded layer's output shares the previous layer's buffer, which then
     * lives as long as the folded layer's output is read */
    for (int t = n - 1; t >= 1; t--)
        if (folded[t]) last[t - 1] = last[t];
    /* walk forward: step t writes layer t's output into a buffer that holds
     * nothing still to be read, then frees the buffers step t read last */
    size_t *cap = xcalloc(n, sizeof(size_t));
    int *busy = xcalloc(n, sizeof(int)), nbuf = 0;
    for (int t = 0; t < n; t++) {
        if (folded[t]) buf[t] = buf[t - 1];
        else buf[t] = pick_buffer(cap, busy, &nbuf, (size_t)net->layers[t].batch * net->layers[t].outputs);
        for (int i = 0; i <= t; i++)
            if (last[i] == t) busy[buf[i]] = 0;
    }
    net->output_pool = xcalloc(nbuf, sizeof(float *));
    net->noutput_pool = nbuf;
    for (int b = 0; b < nbuf; b++) {
        net->output_pool[b] = falloc(cap[b]);
        after += cap[b] * sizeof(float);
    }
    for (int i = 0; i < n; i++) {
        struct layer *l = &net->layers[i];
        l->output = net->output_pool[buf[i]];
        l->input = i ? net->layers[i - 1].output : net->input;
    }
    free(last), free(buf), free(cap), free(busy), free(folded);
    return before > after ? before - after : 0;
}

void net_forward(struct network *net)
{
#ifdef GPU
    if (net->cuda) {
        net_forward_gpu(net);
        return;
    }
#endif
    DN_ASSERT(!(net->train && net->output_pool)); /* net_plan_inference dropped the gradients */
    if (net->train) {
        if (net->zero_first) zero_deltas(net, net->n);
        else
            for (int i = 0; i < net->n; i++)
                memset(net->layers[i].delta, 0, sizeof(float) * net->layers[i].batch * net->layers[i].outputs);
        if (net->delta) memset(net->delta, 0, sizeof(float) * net->batch * net->inputs);
    }
    net->loss = 0;
    for (int i = 0; i < net->n; i++) {
        double t0 = net->prof ? dn_time() : 0;
        net->layers[i].ops->forward(&net->layers[i], net);
        if (net->prof) net->prof[i] += dn_time() - t0;
    }
}

void net_backward(struct network *net)
{
#ifdef GPU
    if (net->cuda) {
        net_backward_gpu(net);
        return;
    }
#endif
    DN_ASSERT(!net->output_pool);
    for (int i = net->n - 1; i >= 0; i--) {
        if (net->zero_first) zero_deltas(net, i);
        double t0 = net->prof ? dn_time() : 0;
        net->layers[i].ops->backward(&net->layers[i], net);
        if (net->prof) net->prof[net->n + i] += dn_time() - t0;
    }
}

float net_rate(const struct network *net, int batch_num)
{
    if (batch_num < net->sched.burn_in)
        return net->opt.learning_rate * powf((float)batch_num / net->sched.burn_in, net->sched.power);
    switch (net->sched.policy) {
    case POLICY_CONSTANT:
        return net->opt.learning_rate;
    case POLICY_STEPS: {
        float rate = net->opt.learning_rate;
        for (int i = 0; i < net->sched.nsteps; i++) {
            if (net->sched.steps[i] > batch_num) return rate;
            rate *= net->sched.scales[i];
        }
        return rate;
    }
    case POLICY_STEP:
        return net->opt.learning_rate * powf(net->sched.gamma, batch_num / net->sched.step);
    case POLICY_POLY:
        if (net->sched.max_batches <= 0) return net->opt.learning_rate;
        return net->opt.learning_rate * powf(1.0f - (float)batch_num / net->sched.max_batches, net->sched.power);
    case POLICY_EXP:
        return net->opt.learning_rate * powf(net->sched.gamma, batch_num);
    }
    return net->opt.learning_rate;
}

int net_iteration(const struct network *net)
{
    return (int)(net->seen / ((uint64_t)net->batch * net->subdivisions));
}

void net_update(struct network *net, int batch_num)
{
#ifdef GPU
    if (net->cuda) {
        net_update_gpu(net, batch_num);
        return;
    }
#endif
    DN_ASSERT(!net->output_pool);
    float lr = net_rate(net, batch_num), m = net->opt.momentum;
    for (int i = 0; i < net->n; i++) {
        struct layer *l = &net->layers[i];
        for (int j = 0; j < l->nparams; j++) {
            struct param *p = &l->params[j];
            if (p->kind == PARAM_STAT) continue;
            float d = (p->kind == PARAM_WEIGHT || net->opt.decay_scope == DECAY_ALL) ? net->opt.decay : 0;
            for (size_t k = 0; k < p->n; k++) {
                float g = p->grad[k] + d * p->val[k];
                p->mom[k] = m * p->mom[k] + g;
                p->val[k] -= lr * p->mom[k];
                p->grad[k] = 0;
            }
        }
    }
}

size_t net_param_count(const struct network *net)
{
    size_t n = 0;
    for (int i = 0; i < net->n; i++) n += layer_param_count(&net->layers[i], 0);
    return n;
}

size_t net_stat_count(const struct network *net)
{
    size_t n = 0;
    for (int i = 0; i < net->n; i++) n += layer_param_count(&net->layers[i], 1);
    return n;
}

double net_macs(const struct network *net)
{
    double m = 0;
    for (int i = 0; i < net->n; i++)
        if (net->layers[i].ops->macs) m += net->layers[i].ops->macs(&net->layers[i]);
    return m;
}

void net_print_summary(const struct network *net, FILE *f)
{
    fprintf(f, "layer     type            detail              input                output      params\n");
    for (int i = 0; i < net->n; i++) {
        const struct layer *l = &net->layers[i];
        char d[64] = "";
        if (l->ops->describe) l->ops->describe(l, d, sizeof(d));
        char in[32], out[32];
        snprintf(in, sizeof(in), "%d x %d x %d", l->w, l->h, l->c);
        snprintf(out, sizeof(out), "%d x %d x %d", l->out_w, l->out_h, l->out_c);
        fprintf(f, "%5d %-15s %-18s %16s -> %16s %9zu\n", i, l->ops->name, d, in, out,
                layer_param_count(l, 0));
    }
    fprintf(f, "parameters: %zu learned, %zu batch-norm running statistics\n", net_param_count(net),
            net_stat_count(net));
    fprintf(f, "forward: %.0f multiply-accumulates per %dx%dx%d image (%.2f MMAC)\n", net_macs(net),
            net->w, net->h, net->c, net_macs(net) / 1e6);
}
