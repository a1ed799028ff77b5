/*
 * classifier.c - `./darknet classifier train|valid|predict`.
 *
 * train: trains the cfg on the .data file's `train` list, printing one line
 * per iteration in Darknet's format plus an ETA, appending the same numbers
 * to <backup>/<base>.loss.csv, writing <backup>/<base>.backup every
 * backup_every iterations and <backup>/<base>_final.weights at the end
 * (both atomically, both with the SGD momentum trailer so a resumed run is
 * bit-identical to an uninterrupted one). <base> is the cfg file name up to
 * its first '.', as Darknet does. Every valid_every iterations it scores
 * the `valid` list into <backup>/<base>.valid.csv and <backup>/chart.png
 * (evaluate.h).
 * valid: top-1 and top-k accuracy on the `valid` list (test-time
 * preprocessing: normalisation only).
 * predict: the top-k labels of one image with their probabilities.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <stb/stb_image.h>

#include "../core/network.h"
#include "../core/train.h"
#include "../core/weights.h"
#include "../data/data.h"
#include "args.h"
#include "commands.h"
#include "evaluate.h"
#ifdef GPU
#include "../core/network_gpu.h"
#endif

static int mkdir_p(const char *dir, char *err)
{
    char buf[1024];
    snprintf(buf, sizeof(buf), "%s", dir);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == 0) {
            char c = *p;
            *p = 0;
            if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
                dn_errf(err, "%s: cannot create directory: %s", buf, strerror(errno));
                return -1;
            }
            *p = c;
            if (!c) break;
        }
    }
    return 0;
}

/* cfg file name without directories and from its first '.' on. */
static void base_name(const char *cfg, char *out, size_t n)
{
    const char *s = strrchr(cfg, '/');
    snprintf(out, n, "%s", s ? s + 1 : cfg);
    char *dot = strchr(out, '.');
    if (dot) *dot = 0;
}

static void join(char *out, size_t n, const char *dir, const char *name)
{
    size_t len = strlen(dir);
    snprintf(out, n, "%s%s%s", dir, len && dir[len - 1] == '/' ? "" : "/", name);
}

/* Keep the loss log consistent with the checkpoint: drop rows after iter
 * (csv_log_trim: atomic, the log is kept whole if that fails). *avg gets the
 * average loss of the last row kept (-1 if none), so that a resumed run
 * continues the running average. */
static int trim_loss_log(const char *path, int iter, float *avg, char *err)
{
    *avg = -1;
    if (csv_log_trim(path, iter, err)) return -1;
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char line[512];
    while (fgets(line, sizeof(line), f)) {
        int it;
        float epoch, loss, a;
        if (sscanf(line, "%d,%f,%f,%f", &it, &epoch, &loss, &a) == 4) *avg = a;
    }
    fclose(f);
    return 0;
}

/* Move net onto CUDA device gpu; -1 keeps it on the CPU. Training and
 * validation feed the GPU uint8 batches (core/train.h), predict feeds
 * net->input on both (see network_gpu.h). */
static int use_gpu(struct network *net, int gpu, char *err)
{
#ifdef GPU
    if (gpu < 0) return 0;
    if (cuda_net_attach(net, gpu, 0, err)) return -1;
    fprintf(stderr, "using %s\n", cuda_describe(net));
#else
    (void)net, (void)gpu, (void)err;
#endif
    return 0;
}

/*
 * A fresh run (iteration 0) would replace the loss log, validation log and
 * checkpoint of an earlier run of the same cfg in the same backup folder.
 * Keep what the user has: 1 with a one-line error that names the file and
 * says how to resume it, or to start over with -clear; 0 if nothing is there.
 */
static int earlier_run(const char *dir, const char *base, const char *cfgfile, const char *datafile, char *err)
{
    static const char *const suffix[] = {".backup", "_final.weights", ".loss.csv", ".valid.csv"};
    char name[300], path[1024];
    for (size_t i = 0; i < ARRAY_LEN(suffix); i++) {
        struct stat st;
        snprintf(name, sizeof(name), "%s%s", base, suffix[i]);
        join(path, sizeof(path), dir, name);
        if (stat(path, &st) != 0) continue;
        if (i == 0)
            dn_errf(err, "%s: an earlier run's checkpoint; resume it with: darknet classifier train %s %s %s"
                    " (or add -clear to start over, replacing its checkpoint and logs)", path, datafile, cfgfile,
                    path);
        else
            dn_errf(err, "%s: an earlier run's file (it left no checkpoint); add -clear to start over, "
                    "replacing it, or use another backup= folder", path);
        return 1;
    }
    return 0;
}

static int check_classes(struct network *net, const struct data_cfg *d, char *err)
{
    struct layer *out = net_output_layer(net);
    if (out->outputs != d->classes) {
        dn_errf(err, "%s: the network ends in %d outputs but %s has classes=%d", net->cfg_path,
                out->outputs, d->path, d->classes);
        return -1;
    }
    return 0;
}

static int train(int argc, char **argv, int gpu)
{
    char err[DN_ERR_LEN];
    int bad = 0;
    int clear = arg_flag(&argc, argv, "-clear");
    long seed = arg_long(&argc, argv, "-seed", 1, &bad);
    char *sets[32];
    int nsets = 0;
    for (const char *v; nsets < 32 && (v = arg_str(&argc, argv, "-set", NULL));) sets[nsets++] = (char *)v;
    int topk = arg_flag(&argc, argv, "-topk");          /* Darknet: validate top-k while training */
    const char *chart = arg_str(&argc, argv, "-chart", NULL); /* Darknet: where chart.png goes */
    if (bad || arg_unknown(argc, argv, 3)) return 2;
    if (argc != 5 && argc != 6) {
        fprintf(stderr, "usage: darknet classifier train <data> <cfg> [weights] [-clear] [-seed N] [-set key=value]... "
                        "[-topk] [-chart PATH]\n");
        return 2;
    }
    const char *datafile = argv[3], *cfgfile = argv[4], *weightfile = argc == 6 ? argv[5] : NULL;
    struct data_cfg d;
    struct network *net = NULL;
    struct dataset ds = {0};
    struct loader *L = NULL;
    struct feeder feed = {0};
    struct validator val = {0};
    FILE *log = NULL;
    int rc = 1;
    if (data_cfg_read(datafile, &d, err)) goto fail;
    net = net_load_cfg_set(cfgfile, d.classes, 0, (uint64_t)seed, sets, nsets, err);
    if (!net || check_classes(net, &d, err)) goto fail;
    if (net->sched.max_batches < 1) {
        dn_errf(err, "%s: [net] max_batches must be set to train", cfgfile);
        goto fail;
    }
    if (weightfile) {
        int nloaded = 0; /* a Darknet prefix file (partial, *.conv.N) starts a training too */
        if (weights_load_prefix(net, weightfile, !clear, &nloaded, err)) goto fail;
        if (nloaded < net->n)
            fprintf(stderr, "%s: weights of layers 0-%d only (a prefix file); the other layers start from their "
                            "initialisation\n", weightfile, nloaded - 1);
        if (clear) net->seen = 0;
    }
    net_print_summary(net, stderr);
    if (use_gpu(net, gpu, err)) goto fail;
    if (gpu < 0) net_share_deltas(net); /* CPU: layers share delta buffers */
    if (mkdir_p(d.backup, err)) goto fail;

    char base[256], backup[1024], final[1024], logpath[1024], name[300];
    base_name(cfgfile, base, sizeof(base));
    snprintf(name, sizeof(name), "%s.backup", base);
    join(backup, sizeof(backup), d.backup, name);
    snprintf(name, sizeof(name), "%s_final.weights", base);
    join(final, sizeof(final), d.backup, name);
    snprintf(name, sizeof(name), "%s.loss.csv", base);
    join(logpath, sizeof(logpath), d.backup, name);

    int iter = net_iteration(net);
    if (iter > net->sched.max_batches) {
        dn_errf(err, "%s: at iteration %d, past max_batches=%d of %s; raise it (-set max_batches=N) to train on",
                weightfile, iter, net->sched.max_batches, cfgfile);
        goto fail;
    }
    if (iter == 0 && !clear && earlier_run(d.backup, base, cfgfile, datafile, err)) goto fail;
    if (dataset_load(&ds, d.train, d.labels, d.classes, net->c, net->h, net->w, err)) goto fail;
    float avg = -1;
    if (iter > 0 && trim_loss_log(logpath, iter, &avg, err)) goto fail;
    if (iter == 0) remove(logpath); /* a fresh run (-clear, or nothing earlier) starts a fresh log */
    log = fopen(logpath, "a");
    if (!log) {
        dn_errf(err, "%s: cannot write: %s", logpath, strerror(errno));
        goto fail;
    }
    if (ftell(log) == 0) fprintf(log, "iteration,epoch,loss,avg_loss,rate,seconds,images\n");
    if (topk && net->sched.valid_every == 0) net->sched.valid_every = -1; /* once per epoch */
    if (validator_open(&val, net, &d, d.backup, base, iter, ds.n, err)) goto fail;
    if (chart) snprintf(val.chart, sizeof(val.chart), "%s", chart);

    fprintf(stderr, "training %s on %d images of %s, %d classes, batch %d x %d, seed %ld, from iteration %d\n",
            cfgfile, ds.n, d.train, d.classes, net->batch, net->subdivisions, seed, iter);
    feeder_init(&feed, net, 1);
    L = feeder_loader(&feed, &ds, hash64((uint64_t)seed ^ 0xDA7A5EEDull), net->seen);
    double start = dn_time(), spent = 0;
    int first_iter = iter;
    while (iter < net->sched.max_batches) {
        double t0 = dn_time();
        float loss = train_step(&feed, L);
        iter = net_iteration(net);
        double sec = dn_time() - t0;
        spent = dn_time() - start;
        avg = avg < 0 ? loss : 0.9f * avg + 0.1f * loss;
        float rate = net_rate(net, iter);
        double eta = spent / (iter - first_iter) * (net->sched.max_batches - iter);
        printf("%d, %.3f: %f, %f avg, %f rate, %lf seconds, %llu images, %.2f hours left\n", iter,
               (double)net->seen / ds.n, loss, avg, rate, sec, (unsigned long long)net->seen, eta / 3600);
        fflush(stdout);
        fprintf(log, "%d,%.4f,%.9g,%.9g,%g,%f,%llu\n", iter, (double)net->seen / ds.n, loss, avg, rate, sec,
                (unsigned long long)net->seen);
        if (fflush(log) != 0 || ferror(log)) { /* a full disk: stop rather than lose rows */
            dn_errf(err, "%s: cannot write: %s (checkpoints saved so far are intact; resume from the last one "
                    "once there is room)", logpath, strerror(errno));
            goto fail;
        }
        if (!isfinite(loss)) {
            dn_errf(err, "training diverged: loss is %f at iteration %d", loss, iter);
            goto fail;
        }
        if (validator_step(&val, net, iter, (double)net->seen / ds.n, err)) goto fail;
        if (iter % net->sched.backup_every == 0 && iter < net->sched.max_batches) {
            if (weights_save(net, backup, 1, err)) goto fail;
            fprintf(stderr, "saved %s\n", backup);
        }
    }
    /* measured after the loop: the last iteration's validation counts in
     * val.seconds, so it must count in the elapsed time too */
    spent = dn_time() - start;
    if (weights_save(net, backup, 1, err) || weights_save(net, final, 1, err)) goto fail;
    fprintf(stderr, "saved %s\n", final);
    double train_s = spent - val.seconds; /* throughput without the validations */
    if (iter > first_iter)
        fprintf(stderr, "trained %d iterations in %.1f s: %.1f images/s%s\n", iter - first_iter, train_s,
                (double)(iter - first_iter) * net->batch * net->subdivisions / train_s,
                val.seconds > 0 ? " (validation not counted)" : "");
    rc = 0;
fail:
    if (rc) fprintf(stderr, "%s\n", err);
    if (L) loader_stop(L);
    feeder_free(&feed);
    if (log) fclose(log);
    validator_close(&val);
    dataset_free(&ds);
    net_free(net);
    return rc;
}

static int valid(int argc, char **argv, int gpu)
{
    char err[DN_ERR_LEN];
    if (arg_unknown(argc, argv, 3)) return 2;
    if (argc != 6) {
        fprintf(stderr, "usage: darknet classifier valid <data> <cfg> <weights>\n");
        return 2;
    }
    struct data_cfg d;
    struct network *net = NULL;
    struct dataset ds = {0};
    int rc = 1;
    if (data_cfg_read(argv[3], &d, err)) goto fail;
    net = net_load_cfg(argv[4], d.classes, 100, 1, err);
    if (!net || check_classes(net, &d, err)) goto fail;
    if (weights_load(net, argv[5], 0, err) || use_gpu(net, gpu, err)) goto fail;
    if (gpu < 0) net_plan_inference(net); /* CPU: forward buffers only, shared */
    if (dataset_load(&ds, d.valid, d.labels, d.classes, net->c, net->h, net->w, err)) goto fail;
    struct eval_result r;
    evaluate(net, &ds, d.top, &r);
    if (r.nonfinite)
        fprintf(stderr, "warning: %d images gave non-finite outputs (counted as wrong)\n", r.nonfinite);
    printf("%s: %d images, top 1: %f, top %d: %f\n", d.valid, r.n, (double)r.hit1 / r.n, r.k,
           (double)r.hitk / r.n);
    rc = 0;
fail:
    if (rc) fprintf(stderr, "%s\n", err);
    dataset_free(&ds);
    net_free(net);
    return rc;
}

/* Bilinear resize of a CHW uint8 image to (c, h, w) floats in 0..1. */
static void resize_to(const unsigned char *im, int iw, int ih, int c, float *out, int w, int h)
{
    for (int k = 0; k < c; k++)
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                float sx = (x + 0.5f) * iw / w - 0.5f, sy = (y + 0.5f) * ih / h - 0.5f;
                sx = sx < 0 ? 0 : sx, sy = sy < 0 ? 0 : sy;
                int x0 = (int)sx, y0 = (int)sy;
                int x1 = x0 + 1 < iw ? x0 + 1 : x0, y1 = y0 + 1 < ih ? y0 + 1 : y0;
                float fx = sx - x0, fy = sy - y0;
#define PX(yy, xx) im[((yy) * iw + (xx)) * c + k] /* stb gives interleaved HWC */
                float v = (1 - fy) * ((1 - fx) * PX(y0, x0) + fx * PX(y0, x1)) +
                          fy * ((1 - fx) * PX(y1, x0) + fx * PX(y1, x1));
#undef PX
                out[((long)k * h + y) * w + x] = v / 255.0f;
            }
}

static int predict(int argc, char **argv, int gpu)
{
    char err[DN_ERR_LEN];
    int bad = 0;
    int given = 0; /* -t N, N from 1; absent: the .data file's top */
    for (int i = 3; i < argc; i++) given |= strcmp(argv[i], "-t") == 0;
    long top = arg_long(&argc, argv, "-t", 0, &bad);
    if (bad || arg_unknown(argc, argv, 3)) return 2;
    if (given && (top < 1 || top > 100000)) {
        fprintf(stderr, "darknet: -t %ld: expected how many top classes to print, at least 1\n", top);
        return 2;
    }
    if (argc != 7) {
        fprintf(stderr, "usage: darknet classifier predict <data> <cfg> <weights> <image> [-t N]\n");
        return 2;
    }
    struct data_cfg d;
    struct network *net = NULL;
    char **names = NULL;
    int nnames = 0, rc = 1;
    unsigned char *im = NULL;
    if (data_cfg_read(argv[3], &d, err)) goto fail;
    names = read_lines(d.names, &nnames, err);
    if (!names) goto fail;
    if (nnames != d.classes) {
        dn_errf(err, "%s: has %d names, %s says classes=%d", d.names, nnames, d.path, d.classes);
        goto fail;
    }
    net = net_load_cfg(argv[4], d.classes, 1, 1, err);
    if (!net || check_classes(net, &d, err)) goto fail;
    if (weights_load(net, argv[5], 0, err) || use_gpu(net, gpu, err)) goto fail;
    if (gpu < 0) net_plan_inference(net); /* CPU: forward buffers only, shared */
    int w, h, n;
    if (stbi_info(argv[6], &w, &h, &n) && (double)w * h > 64.0 * 1024 * 1024) {
        dn_errf(err, "%s: a %dx%d image, more than 64 megapixels: not decoded", argv[6], w, h);
        goto fail;
    }
    im = stbi_load(argv[6], &w, &h, &n, net->c);
    if (!im) {
        dn_errf(err, "%s: cannot load image: %s", argv[6], stbi_failure_reason());
        goto fail;
    }
    double t0 = dn_time();
    resize_to(im, w, h, net->c, net->input, net->w, net->h);
    struct augment test_time = net_augment(net, 0); /* as validation: normalisation only */
    augment_normalize(&test_time, net->c, net->h, net->w, net->input);
    net->train = 0;
    net_forward(net);
    fprintf(stderr, "%s: Predicted in %f seconds.\n", argv[6], dn_time() - t0);
    const float *p = net_output_layer(net)->output;
    for (int c = 0; c < d.classes; c++)
        if (!isfinite(p[c])) {
            dn_errf(err, "%s: the network's output for %s is not finite (%f for class %d): the weights are "
                    "diverged or damaged", argv[5], argv[6], p[c], c);
            goto fail;
        }
    int k = top > 0 ? (int)top : d.top;
    if (k > d.classes) k = d.classes;
    /* k rounds of selection: the next best is the largest below the last one
     * printed (ties broken by class index, lower first) */
    int last = -1;
    for (int r = 0; r < k; r++) {
        int best = -1;
        for (int c = 0; c < d.classes; c++) {
            int below_last = last < 0 || p[c] < p[last] || (p[c] == p[last] && c > last);
            if (below_last && (best < 0 || p[c] > p[best])) best = c;
        }
        printf("%5.2f%%: %s\n", p[best] * 100, names[best]);
        last = best;
    }
    rc = 0;
fail:
    if (rc) fprintf(stderr, "%s\n", err);
    stbi_image_free(im);
    if (names) free_lines(names, nnames);
    net_free(net);
    return rc;
}

int cmd_classifier(int argc, char **argv, int gpu)
{
    if (argc >= 3 && strcmp(argv[2], "train") == 0) return train(argc, argv, gpu);
    if (argc >= 3 && strcmp(argv[2], "valid") == 0) return valid(argc, argv, gpu);
    if (argc >= 3 && strcmp(argv[2], "predict") == 0) return predict(argc, argv, gpu);
    fprintf(stderr, "usage: darknet classifier train|valid|predict <data> <cfg> [weights] ...\n");
    return 2;
}
