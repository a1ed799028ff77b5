/*
 * gpu_check.c - the CPU is the reference: every layer type, and two whole
 * networks in training, must give the same numbers on the GPU.
 *
 * Built by `make GPU=1 CUDNN=1 gpu_check` (never by `make` or `make test`);
 * needs a CUDA device to run:
 *
 *     build/gpu_check [-l substring] [-q] [-no-train] [-no-layers] [-train-batch N]
 *                     [-train-iters N] [-exact-batch N] [-no-large] [-time N] [-i device]
 *
 * -l runs only the layer cases whose name contains the substring; -q prints
 * failing checks and the per-case summaries only; -no-train skips the
 * training runs, -no-layers the layer cases and the coverage check; -time N
 * also times N training steps (forward, backward, SGD) of every layer case
 * on the CPU and on the GPU (the layer benchmark). The cfg files of the
 * training runs are read relative to the current directory (run it from the
 * repository root).
 *
 * 1. Layer cases: every case of the layer case table (tests/layer_cases.c,
 *    shared with the CPU gradient checks) not marked CASE_NO_GPU, a small
 *    network from cfg text (cfg_read_text + net_build), built twice with the
 *    same seed (the case's setup hook runs on the CPU twin); the GPU twin
 *    gets the CPU twin's
 *    parameters, then both run, from the same random input (and targets or
 *    a random output gradient): a training forward, backward, SGD step, a
 *    second such step, and an inference forward. Compared, with the max abs
 *    and max rel error of each tensor: every layer's output and delta, the
 *    input gradient, every parameter gradient, the BN running statistics,
 *    the loss, every parameter after one and two SGD steps, the momenta, and
 *    the inference output. The case networks use decay=0.05,
 *    bn_momentum=0.5 and init=fan_in (random biases) so that decay, the
 *    running-statistics update and the bias paths all move the numbers
 *    well above the tolerance. With cuDNN
 *    built in, every case runs twice: through cuDNN and through the
 *    im2col + cuBLAS path.
 *    Tolerance: max|gpu - cpu| <= 1e-6 + 1e-3 * max|cpu| over each tensor
 *    (strict FP32 on both sides; summation order differs: cuDNN's algorithms
 *    and cuBLAS against OpenBLAS). NaN or Inf anywhere fails.
 *    Inputs are random, so activation kinks (ReLU at 0, max-pool ties) are
 *    hit with negligible probability; a failure reproduces exactly (fixed
 *    seeds).
 * 2. Coverage: every layer type of the registry has GPU functions and at
 *    least one case above.
 * 3. Training: ResNet-20 and Res-SE-Net-20 (cfg/resnet_20.cfg,
 *    cfg/res_se_net_20.cfg, classes from cfg/cifar10.data), mini-batch 32
 *    (-train-batch),
 *    20 SGD iterations (-train-iters) at learning rate 0.02 from the same
 *    seed on the same synthetic, learnable data (class prototypes plus
 *    noise) on both. The first loss must agree to 1e-4 relative. Later
 *    losses drift apart as rounding differences grow through training, the
 *    more the more chaotic the run (the cfg's rate 0.1 from a random start
 *    is; hence 0.02), so the bound is calibrated on the CPU itself: a third
 *    run, the CPU network with its parameters moved by 1e-6 relative, gives
 *    the CPU's own drift; every GPU loss must agree with the CPU's to 1e-3
 *    relative or 10x that drift, whichever is larger, and the loss must go
 *    down (mean of the last 5 below the mean of the first 5). Then the GPU network's checkpoint, loaded by a fresh CPU network,
 *    must give the GPU's inference outputs.
 * 4. Augmentation: uint8 batches rendered on the device (u8_feed_new,
 *    cuda_net_feed_u8)
 *    must equal dataset_fill_batch's input and truth bit for bit (1 and 3
 *    channels, odd sizes, crop_pad 0..4, flip, evaluation order), and the
 *    next forward must read the fed batch. Runs with the layer cases
 *    (-l augment: alone).
 *
 * 5. Exact convolutions (gpu_conv_exact.c): every ResNet-20/110 convolution
 *    shape at batch 128 (-exact-batch) against float64, with a tolerance
 *    TF32 fails; cuDNN's algorithms FMA-only, deterministic, reproducible.
 *    Large tensors (gpu_large.c): batch 128 cases past one launch's grid.
 *    Both run with the layer cases (-l exact, -l large: alone; -no-large
 *    leaves out the large cases).
 *
 * Prints one line per check, then "N passed, N failed"; exits 1 on any
 * failure, 2 on wrong usage or when no GPU can be used.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/core/network.h"
#include "../../src/core/network_gpu.h"
#include "../../src/core/weights.h"
#include "../../src/data/data.h"
#include "../layer_cases.h"
#include "gpu_extra.h"

#define ATOL 1e-6
#define RTOL 1e-3

const struct conv_path conv_paths[] = {
#ifdef CUDNN
    {"cudnn", 0},
#endif
    {"im2col", DN_CUDA_NO_CUDNN},
};
const int conv_paths_len = (int)ARRAY_LEN(conv_paths);

static struct gx_tally tally; /* every check of this program, gpu_extra.h's included */
static int time_steps;

int gx_compare(struct gx_tally *t, const char *what, const float *got, const float *ref, size_t n)
{
    double max_abs = 0, max_ref = 0;
    size_t worst = 0, nonfinite = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(got[i]) || !isfinite(ref[i])) {
            if (!nonfinite) worst = i;
            nonfinite++;
            continue;
        }
        double d = fabs((double)got[i] - ref[i]);
        if (d > max_abs && !nonfinite) max_abs = d, worst = i;
        if (fabs(ref[i]) > max_ref) max_ref = fabs(ref[i]);
    }
    double rel = max_abs / (max_ref > 0 ? max_ref : 1);
    int ok = !nonfinite && max_abs <= ATOL + RTOL * max_ref;
    char extra[160] = "";
    if (!ok && n)
        snprintf(extra, sizeof(extra), "  [%zu] gpu %.9g cpu %.9g%s", worst, got[worst], ref[worst],
                 nonfinite ? " (NaN/Inf)" : "");
    gx_check(t, ok, "%-58s n=%-6zu max|cpu| %.2e max_abs %.2e max_rel %.2e%s", what, n, max_ref, max_abs, rel,
             extra);
    return ok;
}

void gx_compare_backward(struct gx_tally *t, const char *name, const struct network *cpu, const struct network *gpu)
{
    char what[256];
    for (int i = 0; i < cpu->n; i++) {
        const struct layer *a = &cpu->layers[i], *b = &gpu->layers[i];
        size_t n = (size_t)a->batch * a->outputs;
        snprintf(what, sizeof(what), "%s L%d %s output", name, i, a->ops->name);
        gx_compare(t, what, b->output, a->output, n);
        snprintf(what, sizeof(what), "%s L%d %s delta", name, i, a->ops->name);
        gx_compare(t, what, b->delta, a->delta, n);
    }
    if (cpu->delta) {
        snprintf(what, sizeof(what), "%s input gradient", name);
        gx_compare(t, what, gpu->delta, cpu->delta, (size_t)cpu->batch * cpu->inputs);
    }
    for (int i = 0; i < cpu->n; i++)
        for (int j = 0; j < cpu->layers[i].nparams; j++) {
            const struct param *a = &cpu->layers[i].params[j], *b = &gpu->layers[i].params[j];
            snprintf(what, sizeof(what), "%s L%d %s %s", name, i, a->name,
                     a->kind == PARAM_STAT ? "(after forward)" : "grad");
            if (a->kind == PARAM_STAT) gx_compare(t, what, b->val, a->val, a->n);
            else gx_compare(t, what, b->grad, a->grad, a->n);
        }
}

static void fill_uniform(struct dn_rng *r, float *x, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++) x[i] = rng_uniform(r, lo, hi);
}

static void copy_params(struct network *dst, const struct network *src)
{
    for (int i = 0; i < src->n; i++)
        for (int j = 0; j < src->layers[i].nparams; j++) {
            const struct param *p = &src->layers[i].params[j];
            memcpy(dst->layers[i].params[j].val, p->val, p->n * sizeof(float));
        }
}

/* ---- 1. layer cases ---- */

/* The cases are the layer case table's (tests/layer_cases.c), with these
 * optimiser keys added to their [net] sections. */
#define CASE_NET_KEYS "learning_rate=0.05\nmomentum=0.9\ndecay=0.05\nbn_momentum=0.5\ninit=fan_in\n"

/* layer types each case covered (filled while running, for the coverage check) */
static int covered[64];

static void mark_covered(const struct network *net)
{
    for (int i = 0; i < net->n; i++)
        for (int k = 0; k < layer_registry_len && k < 64; k++)
            if (net->layers[i].ops == layer_registry[k]) covered[k] = 1;
}

static struct network *build_case(const struct layer_case *t, char *err)
{
    char text[8192];
    if (!layer_case_cfg(t, CASE_NET_KEYS, text, sizeof(text))) {
        dn_errf(err, "%s: cfg text too long", t->name);
        return NULL;
    }
    struct cfg *c = cfg_read_text(t->name, text, 0, err);
    if (!c) return NULL;
    struct network *net = net_build(c, t->o.classes ? t->o.classes : 10, 0, !t->o.no_input_grad, 1234, err);
    cfg_free(c);
    return net;
}

/* -time: mean milliseconds of a training step on each twin */
static void time_case(struct network *cpu, struct network *gpu, const char *mode, const char *name)
{
    double ms[2];
    struct network *nets[2] = {cpu, gpu};
    for (int k = 0; k < 2; k++) {
        struct network *net = nets[k];
        net->train = 1;
        double t0 = dn_time();
        for (int s = 0; s < time_steps; s++) {
            net_forward(net);
            net_backward(net);
            net_update(net, s + 3);
        }
        if (net->cuda) cuda_sync(net); /* the last backward and update are still queued */
        ms[k] = 1e3 * (dn_time() - t0) / time_steps;
    }
    printf("time %s/%s: %.3f ms cpu, %.3f ms gpu per training step (batch %d, %d steps)\n", mode, name, ms[0], ms[1],
           cpu->batch, time_steps);
}

static int run_case(const struct layer_case *t, int flags, const char *mode, int device)
{
    char err[DN_ERR_LEN], what[256];
    int fails0 = tally.failed;
    struct network *cpu = build_case(t, err), *gpu = cpu ? build_case(t, err) : NULL;
    if (!cpu || !gpu) {
        gx_check(&tally, 0, "%s/%s: cannot build: %s", mode, t->name, err);
        net_free(cpu);
        return 0;
    }
    mark_covered(cpu);
    if (t->o.setup) t->o.setup(cpu, t->o.ctx); /* the case's hook; the GPU twin copies the result */
    copy_params(gpu, cpu);
    int loss = t->o.obj == GC_LOSS;
    if (cuda_net_attach(gpu, device, flags, err)) {
        gx_check(&tally, 0, "%s/%s: cannot attach the GPU: %s", mode, t->name, err);
        net_free(cpu), net_free(gpu);
        return 0;
    }
    struct dn_rng r;
    rng_seed(&r, 99);
    size_t nin = (size_t)cpu->batch * cpu->inputs, ntruth = (size_t)cpu->batch * cpu->truths;
    fill_uniform(&r, cpu->input, nin, -1, 1);
    memcpy(gpu->input, cpu->input, nin * sizeof(float));
    struct layer *lc = net_output_layer(cpu), *lg = net_output_layer(gpu);
    if (loss && strcmp(lc->ops->name, "softmax") == 0) {
        memset(cpu->truth, 0, ntruth * sizeof(float));
        for (int b = 0; b < cpu->batch; b++) {
            float a = t->o.soft_targets ? rng_uniform(&r, 0.1f, 0.9f) : 1; /* two classes mixed, or one-hot */
            cpu->truth[(size_t)b * cpu->truths + rng_below(&r, cpu->truths)] += a;
            if (t->o.soft_targets) cpu->truth[(size_t)b * cpu->truths + rng_below(&r, cpu->truths)] += 1 - a;
        }
    } else {
        fill_uniform(&r, cpu->truth, ntruth, -1, 1);
    }
    memcpy(gpu->truth, cpu->truth, ntruth * sizeof(float));

    /* training step */
    cpu->train = gpu->train = 1;
    net_forward(cpu);
    net_forward(gpu);
    float *out_grad = falloc((size_t)lc->batch * lc->outputs);
    if (!loss) {
        size_t n = (size_t)lc->batch * lc->outputs;
        fill_uniform(&r, out_grad, n, -1, 1);
        memcpy(lc->delta, out_grad, n * sizeof(float));
        cuda_upload(gpu, lg->delta_gpu, lc->delta, n);
    }
    net_backward(cpu);
    net_backward(gpu);
    cuda_net_pull_activations(gpu);
    cuda_net_pull(gpu);
    snprintf(what, sizeof(what), "%s/%s", mode, t->name);
    gx_compare_backward(&tally, what, cpu, gpu);
    if (loss) {
        snprintf(what, sizeof(what), "%s/%s loss", mode, t->name);
        gx_compare(&tally, what, &gpu->loss, &cpu->loss, 1);
    }

    /* one SGD step (decay; grads zeroed) */
    net_update(cpu, 1);
    net_update(gpu, 1);
    cuda_net_pull(gpu);
    for (int i = 0; i < cpu->n; i++)
        for (int j = 0; j < cpu->layers[i].nparams; j++) {
            const struct param *a = &cpu->layers[i].params[j], *b = &gpu->layers[i].params[j];
            if (a->kind == PARAM_STAT) continue;
            snprintf(what, sizeof(what), "%s/%s L%d %s after SGD", mode, t->name, i, a->name);
            gx_compare(&tally, what, b->val, a->val, a->n);
            snprintf(what, sizeof(what), "%s/%s L%d %s grad zeroed", mode, t->name, i, a->name);
            gx_compare(&tally, what, b->grad, a->grad, a->n);
        }

    /* a second step from the same data (momentum now matters) */
    net_forward(cpu);
    net_forward(gpu);
    if (!loss) {
        size_t n = (size_t)lc->batch * lc->outputs;
        memcpy(lc->delta, out_grad, n * sizeof(float));
        cuda_upload(gpu, lg->delta_gpu, lc->delta, n);
    }
    net_backward(cpu);
    net_backward(gpu);
    net_update(cpu, 2);
    net_update(gpu, 2);
    cuda_net_pull(gpu);
    for (int i = 0; i < cpu->n; i++)
        for (int j = 0; j < cpu->layers[i].nparams; j++) {
            const struct param *a = &cpu->layers[i].params[j], *b = &gpu->layers[i].params[j];
            snprintf(what, sizeof(what), "%s/%s L%d %s after 2 steps", mode, t->name, i, a->name);
            gx_compare(&tally, what, b->val, a->val, a->n);
            if (a->kind == PARAM_STAT) continue;
            snprintf(what, sizeof(what), "%s/%s L%d %s momentum after 2 steps", mode, t->name, i, a->name);
            gx_compare(&tally, what, b->mom, a->mom, a->n);
        }

    /* inference with the updated parameters and running statistics */
    cpu->train = gpu->train = 0;
    net_forward(cpu);
    net_forward(gpu);
    snprintf(what, sizeof(what), "%s/%s inference output", mode, t->name);
    gx_compare(&tally, what, lg->output, lc->output, (size_t)lc->batch * lc->outputs);

    int ok = tally.failed == fails0;
    printf("%s %s/%s (%d layers)\n", ok ? "==== ok  " : "==== FAIL", mode, t->name, cpu->n);
    if (time_steps > 0) time_case(cpu, gpu, mode, t->name);
    free(out_grad);
    net_free(cpu);
    net_free(gpu);
    return ok;
}

/* ---- 3. training ---- *//* ---- 3. training ---- */

/* Synthetic, learnable data: sample = prototype[label] + 0.5 * noise. */
static void synth_batch(struct dn_rng *r, const float *proto, int classes, int B, int inputs, float *x, float *truth)
{
    memset(truth, 0, (size_t)B * classes * sizeof(float));
    for (int b = 0; b < B; b++) {
        int label = (int)rng_below(r, classes);
        truth[(size_t)b * classes + label] = 1;
        const float *p = proto + (size_t)label * inputs;
        for (int i = 0; i < inputs; i++) x[(size_t)b * inputs + i] = p[i] + 0.5f * rng_normal(r);
    }
}

#define MAX_ITERS 1000
#define TRAIN_LR 0.02f
#define TRAIN_TOL 1e-3

static void train_check(const char *cfgpath, int classes, int device, int batch, int iters)
{
    char err[DN_ERR_LEN], name[256];
    snprintf(name, sizeof(name), "train %s", cfgpath);
    struct network *cpu = net_load_cfg(cfgpath, classes, batch, 7, err);
    struct network *pert = cpu ? net_load_cfg(cfgpath, classes, batch, 7, err) : NULL;
    struct network *gpu = pert ? net_load_cfg(cfgpath, classes, batch, 7, err) : NULL;
    if (!gpu) {
        gx_check(&tally, 0, "%s: cannot build: %s", name, err);
        net_free(cpu), net_free(pert);
        return;
    }
    copy_params(gpu, cpu);
    copy_params(pert, cpu);
    struct dn_rng r;
    rng_seed(&r, 2024);
    /* pert: the CPU network with every learned value moved by up to 1e-6
     * relative, the rounding level: how far the CPU drifts from itself */
    for (int i = 0; i < pert->n; i++)
        for (int j = 0; j < pert->layers[i].nparams; j++) {
            struct param *p = &pert->layers[i].params[j];
            if (p->kind != PARAM_STAT)
                for (size_t k = 0; k < p->n; k++) p->val[k] *= 1 + 1e-6f * rng_uniform(&r, -1, 1);
        }
    cpu->opt.learning_rate = pert->opt.learning_rate = gpu->opt.learning_rate = TRAIN_LR;
    if (cuda_net_attach(gpu, device, 0, err)) {
        gx_check(&tally, 0, "%s: cannot attach the GPU: %s", name, err);
        net_free(cpu), net_free(pert), net_free(gpu);
        return;
    }
    float *proto = falloc((size_t)classes * cpu->inputs);
    fill_uniform(&r, proto, (size_t)classes * cpu->inputs, -1, 1);
    float lc[MAX_ITERS] = {0}, lg[MAX_ITERS] = {0}, lp[MAX_ITERS] = {0};
    double tc = 0, tg = 0;
    size_t nx = (size_t)cpu->batch * cpu->inputs, nt = (size_t)cpu->batch * cpu->truths;
    cpu->train = pert->train = gpu->train = 1;
    for (int it = 0; it < iters; it++) {
        for (int s = 0; s < cpu->subdivisions; s++) {
            synth_batch(&r, proto, classes, cpu->batch, cpu->inputs, cpu->input, cpu->truth);
            memcpy(gpu->input, cpu->input, nx * sizeof(float));
            memcpy(gpu->truth, cpu->truth, nt * sizeof(float));
            memcpy(pert->input, cpu->input, nx * sizeof(float));
            memcpy(pert->truth, cpu->truth, nt * sizeof(float));
            double t0 = dn_time();
            net_forward(cpu);
            net_backward(cpu);
            double t1 = dn_time();
            net_forward(gpu);
            net_backward(gpu);
            double t2 = dn_time();
            net_forward(pert);
            net_backward(pert);
            tc += t1 - t0, tg += t2 - t1;
            lc[it] += cpu->loss;
            lg[it] += gpu->loss;
            lp[it] += pert->loss;
        }
        net_update(cpu, it + 1);
        net_update(gpu, it + 1);
        net_update(pert, it + 1);
    }
    double first = fabs(lg[0] - lc[0]) / fabs(lc[0]), worst = 0, drift = 0;
    int at = 0, finite = 1;
    for (int it = 0; it < iters; it++) {
        double d = fabs(lg[it] - lc[it]) / fabs(lc[it]), e = fabs(lp[it] - lc[it]) / fabs(lc[it]);
        if (!isfinite(lg[it]) || !isfinite(lc[it])) finite = 0;
        if (d > worst) worst = d, at = it + 1;
        if (e > drift) drift = e;
    }
    double tol = 10 * drift > TRAIN_TOL ? 10 * drift : TRAIN_TOL;
    /* learning: the mean of the last w losses is below the first w's */
    int w = iters / 2 < 5 ? iters / 2 : 5;
    double head = 0, tail = 0;
    for (int k = 0; k < w; k++) head += lc[k], tail += lc[iters - 1 - k];
    if (!tally.quiet)
        for (int it = 0; it < iters; it++)
            printf("     iteration %2d: loss cpu %.6f gpu %.6f cpu-perturbed %.6f\n", it + 1, lc[it], lg[it], lp[it]);
    gx_check(&tally, finite && first <= 1e-4, "%s: first loss cpu %.6f gpu %.6f, rel diff %.2e (tol 1e-4)", name, lc[0], lg[0],
          first);
    gx_check(&tally, finite && worst <= tol && tail < head,
          "%s: %d iterations at batch %d, lr %g: loss %.4f -> %.4f (cpu) vs %.4f -> %.4f (gpu), max rel diff %.2e "
          "at iteration %d (tol %.1e: %g or 10x the cpu's own drift %.1e); forward+backward %.1f ms cpu, %.1f ms gpu "
          "per iteration",
          name, iters, batch, TRAIN_LR, lc[0], lc[iters - 1], lg[0], lg[iters - 1], worst, at, tol, TRAIN_TOL, drift,
          1e3 * tc / iters, 1e3 * tg / iters);
    net_free(pert);

    /* the GPU's checkpoint, on a fresh CPU network, gives the GPU's outputs */
    char path[512];
    snprintf(path, sizeof(path), "/tmp/dn_gpu_check_%d.weights", (int)getpid());
    struct network *back = NULL;
    if (weights_save(gpu, path, 1, err)) {
        gx_check(&tally, 0, "%s: checkpoint: %s", name, err);
    } else if (!(back = net_load_cfg(cfgpath, classes, batch, 99, err)) || weights_load(back, path, 1, err)) {
        gx_check(&tally, 0, "%s: checkpoint reload: %s", name, err);
    } else {
        gpu->train = back->train = 0;
        synth_batch(&r, proto, classes, gpu->batch, gpu->inputs, gpu->input, gpu->truth);
        memcpy(back->input, gpu->input, (size_t)gpu->batch * gpu->inputs * sizeof(float));
        net_forward(gpu);
        net_forward(back);
        snprintf(name, sizeof(name), "train %s: GPU checkpoint on the CPU, inference output", cfgpath);
        gx_compare(&tally, name, net_output_layer(gpu)->output, net_output_layer(back)->output,
                   (size_t)gpu->batch * net_output_layer(gpu)->outputs);
    }
    unlink(path);
    free(proto);
    net_free(back);
    net_free(cpu);
    net_free(gpu);
}

/* ---- 4. augmentation on the device ---- */

/* A dataset of n random images (c, h, w) with random labels. */
static void synth_dataset(struct dn_rng *r, struct dataset *d, int n, int c, int h, int w, int classes)
{
    memset(d, 0, sizeof(*d));
    d->n = n, d->c = c, d->h = h, d->w = w, d->classes = classes;
    d->perm_epoch = -1;
    d->pixels = xmalloc((size_t)n * c * h * w);
    d->labels = xmalloc((size_t)n * sizeof(int));
    for (size_t i = 0; i < (size_t)n * c * h * w; i++) d->pixels[i] = (uint8_t)rng_u32(r);
    for (int i = 0; i < n; i++) d->labels[i] = (int)rng_below(r, (uint32_t)classes);
}

/* u8 batches rendered by the GPU (cuda_net_feed_u8) against
 * dataset_fill_batch, bit for bit: input and (one-hot or smoothed) truth of three
 * consecutive batches (crossing epochs), and the next training forward
 * reads the fed batch, not net->input/net->truth. */
static void augment_check(int device)
{
    static const struct {
        int c, h, w, batch, train, crop_pad, flip;
        float smooth; /* label_smooth_eps */
    } set[] = {
        {3, 8, 8, 5, 1, 4, 1, 0},  {3, 9, 7, 4, 1, 0, 1, 0}, {1, 5, 7, 3, 1, 2, 0, 0},
        {1, 3, 3, 6, 1, 4, 1, 0},  {3, 7, 5, 4, 0, 4, 1, 0}, {3, 32, 32, 8, 1, 4, 1, 0},
        {3, 8, 8, 5, 1, 2, 1, 0.1f},
    };
    const int n = 11, classes = 6;
    for (size_t i = 0; i < ARRAY_LEN(set); i++) {
        char err[DN_ERR_LEN], text[512], name[160];
        snprintf(name, sizeof(name), "augment c=%d %dx%d batch %d %s crop_pad %d flip %d smooth %g", set[i].c,
                 set[i].h, set[i].w, set[i].batch, set[i].train ? "train" : "eval", set[i].crop_pad, set[i].flip,
                 set[i].smooth);
        snprintf(text, sizeof(text),
                 "[net]\nbatch=%d\nwidth=%d\nheight=%d\nchannels=%d\n"
                 "[connected]\noutput=%d\nactivation=linear\n[softmax]\n",
                 set[i].batch, set[i].w, set[i].h, set[i].c, classes);
        struct cfg *c = cfg_read_text(name, text, 0, err);
        struct network *cpu = c ? net_build(c, classes, 0, 0, 5, err) : NULL;
        struct network *gpu = cpu ? net_build(c, classes, 0, 0, 5, err) : NULL;
        cfg_free(c);
        if (!gpu || cuda_net_attach(gpu, device, 0, err)) {
            gx_check(&tally, 0, "%s: cannot build or attach: %s", name, err);
            net_free(cpu), net_free(gpu);
            continue;
        }
        copy_params(gpu, cpu);
        cuda_net_push(gpu);
        struct dn_rng r;
        rng_seed(&r, 31 + i);
        struct dataset d;
        synth_dataset(&r, &d, n, set[i].c, set[i].h, set[i].w, classes);
        struct augment a = {.train = set[i].train, .crop_pad = set[i].crop_pad, .flip = set[i].flip,
                            .mean = {0.49f, 0.48f, 0.45f}, .std = {0.25f, 0.24f, 0.26f},
                            .label_smooth = set[i].smooth};
        size_t nx = (size_t)gpu->batch * gpu->inputs, nt = (size_t)gpu->batch * gpu->truths;
        float *x = falloc(nx), *t = falloc(nt);
        struct u8_feed *feed = u8_feed_new(gpu, &a);
        struct u8_batch *u = u8_feed_batch(feed);
        int bad = 0;
        for (uint64_t first = 7; first < 7 + 3 * (uint64_t)gpu->batch; first += gpu->batch) {
            dataset_fill_batch(&d, &a, 9, first, gpu->batch, cpu->input, cpu->truth);
            dataset_gather_batch(&d, &a, 9, first, u);
            cuda_net_feed_u8(gpu, feed);
            cuda_download(gpu, x, gpu->input_gpu, nx);
            cuda_download(gpu, t, gpu->truth_gpu, nt);
            bad += memcmp(x, cpu->input, nx * sizeof(float)) != 0;
            bad += memcmp(t, cpu->truth, nt * sizeof(float)) != 0;
        }
        /* the last batch is still fed: garbage on the host must not be used */
        for (size_t k = 0; k < nx; k++) gpu->input[k] = NAN;
        memset(gpu->truth, 0, nt * sizeof(float));
        cpu->train = gpu->train = 1;
        net_forward(cpu);
        net_forward(gpu);
        double dl = fabs((double)gpu->loss - cpu->loss);
        int ok = bad == 0 && isfinite(gpu->loss) && dl <= ATOL + RTOL * fabs(cpu->loss);
        gx_check(&tally, ok, "%-58s 3 batches: %d of 6 input/truth differ bitwise; forward loss cpu %.6f gpu %.6f", name, bad,
              cpu->loss, gpu->loss);
        free(x), free(t);
        u8_feed_free(feed);
        dataset_free(&d);
        net_free(cpu);
        net_free(gpu);
    }
}

int main(int argc, char **argv)
{
    const char *filter = NULL;
    int train = 1, layers = 1, device = 0, train_batch = 32, train_iters = 20, exact_batch = 128, no_large = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-l") == 0 && i + 1 < argc) filter = argv[++i];
        else if (strcmp(argv[i], "-i") == 0 && i + 1 < argc) device = atoi(argv[++i]);
        else if (strcmp(argv[i], "-q") == 0) tally.quiet = 1;
        else if (strcmp(argv[i], "-no-train") == 0) train = 0;
        else if (strcmp(argv[i], "-no-layers") == 0) layers = 0;
        else if (strcmp(argv[i], "-no-large") == 0) no_large = 1;
        else if (strcmp(argv[i], "-train-batch") == 0 && i + 1 < argc) train_batch = atoi(argv[++i]);
        else if (strcmp(argv[i], "-train-iters") == 0 && i + 1 < argc) train_iters = atoi(argv[++i]);
        else if (strcmp(argv[i], "-exact-batch") == 0 && i + 1 < argc) exact_batch = atoi(argv[++i]);
        else if (strcmp(argv[i], "-time") == 0 && i + 1 < argc) time_steps = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: build/gpu_check [-l substring] [-q] [-no-train] [-no-layers] [-train-batch N] "
                            "[-train-iters N] [-exact-batch N] [-no-large] [-time N] [-i device]\n");
            return 2;
        }
    }
    if (train_batch < 2 || train_iters < 2 || train_iters > MAX_ITERS || exact_batch < 1) {
        fprintf(stderr, "gpu_check: -train-batch must be at least 2, -train-iters in 2..%d, -exact-batch positive\n",
                MAX_ITERS);
        return 2;
    }
    if (cuda_device_count() <= device) {
        fprintf(stderr, "gpu_check: no CUDA device %d (found %d): this program needs a GPU\n", device,
                cuda_device_count());
        return 2;
    }
    printf("gpu_check: tolerance max|gpu-cpu| <= %g + %g*max|cpu| per tensor\n", ATOL, RTOL);

    int cases_ok = 0, cases_run = 0;
    for (int m = 0; m < conv_paths_len && layers; m++)
        for (int i = 0; i < layer_cases_len; i++) {
            if (layer_cases[i].skip & CASE_NO_GPU) continue;
            if (filter && !strstr(layer_cases[i].name, filter)) continue;
            cases_run++;
            cases_ok += run_case(&layer_cases[i], conv_paths[m].flags, conv_paths[m].name, device);
        }
    if (layers) printf("layer cases: %d of %d passed\n", cases_ok, cases_run);

    if (!filter && layers) {
        char missing[512] = "";
        int nmiss = 0;
        for (int k = 0; k < layer_registry_len; k++) {
            const struct layer_ops *o = layer_registry[k];
            if (!o->forward_gpu || !o->backward_gpu || k >= 64 || !covered[k]) {
                size_t len = strlen(missing);
                snprintf(missing + len, sizeof(missing) - len, " %s", o->name);
                nmiss++;
            }
        }
        gx_check(&tally, nmiss == 0, "coverage: %d of %d layer types have GPU code and a case%s%s", layer_registry_len - nmiss,
              layer_registry_len, nmiss ? "; missing:" : "", missing);
    }

    if (train && !filter) {
        char err[DN_ERR_LEN];
        struct data_cfg d;
        if (data_cfg_read("cfg/cifar10.data", &d, err)) {
            gx_check(&tally, 0, "train: %s (run from the repository root)", err);
        } else {
            train_check("cfg/resnet_20.cfg", d.classes, device, train_batch, train_iters);
            train_check("cfg/res_se_net_20.cfg", d.classes, device, train_batch, train_iters);
        }
    }
    if (layers && (!filter || strstr("augment", filter))) augment_check(device);
    if (layers && (!filter || strstr("exact", filter))) gpu_conv_exact_checks(&tally, device, exact_batch);
    if (layers && !no_large && (!filter || strstr("large", filter))) gpu_large_checks(&tally, device);
    printf("%d passed, %d failed\n", tally.passed, tally.failed);
    return tally.failed ? 1 : 0;
}
