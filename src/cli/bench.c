/*
 * bench.c - `./darknet bench`: throughput of a network on synthetic data,
 * on the CPU or one GPU, and the machine's SGEMM rate, for
 * scripts/bench_cpu.sh and scripts/bench_gpu.sh.
 *
 *   ./darknet bench <cfg> [-batch N] [-iters N] [-warmup N] [-classes N]
 *                         [-train 0|1] [-layers] [-tf32] [-gpus N | -nogpu]
 *   ./darknet bench gemm  [-n N] [-iters N]
 *
 * Network mode builds the cfg (mini-batch -batch, default 128; -classes for
 * `output=classes`, default 10), fills the input with seeded normal noise and
 * the targets with seeded random one-hot labels, then times -warmup (default
 * 3) untimed and -iters (default 10) timed iterations. A training iteration
 * is what `classifier train` does per step: forward and backward of each of
 * the cfg's subdivisions, then the SGD update (-train 0: one inference
 * forward). GPU builds run on the GPU (-gpus N / -i N, default 0; -nogpu:
 * the CPU; -tf32 allows TF32 math): every mini-batch is a ready uint8 batch
 * (random pixels, labels, crops and flips) copied in and rendered on the
 * device as in training (train.h feed_ready); the loader thread that would
 * prepare it is not counted. Each timed iteration waits for the device. The
 * per-layer table (-layers) is CPU only. It prints the median iteration
 * time, images/s, the achieved GFLOP/s (2 flops per multiply-accumulate of
 * net_macs; a training image counts 3x the forward: forward, input gradient
 * and weight gradient), the same over the convolution layers alone
 * ([convolutional] and [bridge] including their batch norm, activation and
 * SE), and the peak resident memory; on a GPU also the kernel launches per
 * timed iteration (cuda_launch_count: our kernels plus one per cuBLAS/cuDNN
 * call, a lower bound) and the convolution path. -layers adds a per-layer
 * table.
 *
 * gemm mode times C(n,n) = A(n,n) B(n,n) through gemm() (cblas_sgemm with
 * OpenBLAS) on all the threads (default n = 2048): the machine's SGEMM rate,
 * the yardstick for the convolutions' GFLOP/s.
 *
 * The last line is machine-readable: "bench key=value ..." (the script
 * parses it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "../backend/cpu/gemm.h"
#include "../core/network.h"
#include "../core/train.h"
#ifdef GPU
#include "../core/network_gpu.h"
#endif
#include "args.h"
#include "commands.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* user + system CPU seconds of the whole process so far */
static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
}

static double peak_rss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024.0; /* Linux reports KiB */
}

static int bench_gemm(int argc, char **argv)
{
    int bad = 0;
    long n = arg_long(&argc, argv, "-n", 2048, &bad);
    long iters = arg_long(&argc, argv, "-iters", 10, &bad);
    if (bad || argc != 3 || n < 1 || iters < 1) {
        fprintf(stderr, "usage: darknet bench gemm [-n N] [-iters N]\n");
        return 2;
    }
    size_t nn = (size_t)n * n;
    float *A = falloc(nn), *B = falloc(nn), *C = falloc(nn);
    struct dn_rng r;
    rng_seed(&r, 1);
    for (size_t i = 0; i < nn; i++) A[i] = rng_uniform(&r, -1, 1), B[i] = rng_uniform(&r, -1, 1);
    double *t = xcalloc(iters, sizeof(double));
    gemm_blas_threads(gemm_threads()); /* OpenBLAS's own threading: the machine's peak */
    gemm(0, 0, n, n, n, 1, A, n, B, n, 0, C, n); /* warm-up */
    for (long i = 0; i < iters; i++) {
        double t0 = dn_time();
        gemm(0, 0, n, n, n, 1, A, n, B, n, 0, C, n);
        t[i] = dn_time() - t0;
    }
    double med = median(t, iters), best = t[0], flop = 2.0 * n * n * n;
    printf("sgemm %ldx%ldx%ld (%s, %d threads): median %.2f ms, %.1f GFLOP/s (best %.1f)\n", n, n, n,
           gemm_backend(), gemm_threads(), med * 1e3, flop / med / 1e9, flop / best / 1e9);
    printf("bench mode=gemm n=%ld threads=%d gflops=%.2f best_gflops=%.2f rss_mb=%.1f\n", n,
           gemm_threads(), flop / med / 1e9, flop / best / 1e9, peak_rss_mb());
    free(A), free(B), free(C), free(t);
    return 0;
}

/* Move net onto CUDA device gpu (-1: stay on the CPU); tf32: allow TF32 math. */
static int use_device(struct network *net, int gpu, int tf32, char *err)
{
#ifdef GPU
    if (gpu >= 0) return cuda_net_attach(net, gpu, tf32 ? DN_CUDA_TF32 : 0, err);
#endif
    (void)net, (void)err;
    if (tf32 && gpu < 0) fprintf(stderr, "warning: -tf32 has no effect on the CPU\n");
    return 0;
}

/* A ready u8 batch of net's shape, as the loader hands the GPU one: random
 * pixels, labels, crops (pad 4) and flips. Its buffer is the caller's to free. */
static void ready_u8_batch(const struct network *net, struct dn_rng *r, struct u8_batch *u)
{
    u8_batch_init(u, net->batch, net->c, net->h, net->w, xmalloc(u8_batch_bytes(net->batch, net->c, net->h, net->w)));
    for (size_t i = 0; i < (size_t)net->batch * net->inputs; i++) u->pixels[i] = (uint8_t)rng_u32(r);
    for (int b = 0; b < net->batch; b++) {
        struct sample_plan *p = &u->plan[b];
        p->idx = b, p->label = (int)rng_below(r, net->truths), p->pad = 4;
        p->dx = (int)rng_below(r, 9), p->dy = (int)rng_below(r, 9), p->flip = (int)rng_below(r, 2);
    }
}

static int is_conv(const struct layer *l)
{
    return !strcmp(l->ops->name, "convolutional") || !strcmp(l->ops->name, "bridge");
}

int cmd_bench(int argc, char **argv, int gpu)
{
    if (argc >= 3 && !strcmp(argv[2], "gemm")) return bench_gemm(argc, argv);
    int bad = 0;
    long batch = arg_long(&argc, argv, "-batch", 128, &bad);
    long iters = arg_long(&argc, argv, "-iters", 10, &bad);
    long warmup = arg_long(&argc, argv, "-warmup", 3, &bad);
    long classes = arg_long(&argc, argv, "-classes", 10, &bad);
    long train = arg_long(&argc, argv, "-train", 1, &bad);
    int layers = arg_flag(&argc, argv, "-layers");
    int tf32 = arg_flag(&argc, argv, "-tf32");
    if (bad || argc != 3 || batch < 1 || iters < 1 || warmup < 0 || classes < 1 ||
        (train != 0 && train != 1)) {
        fprintf(stderr, "usage: darknet bench <cfg> [-batch N] [-iters N] [-warmup N] [-classes N] "
                        "[-train 0|1] [-layers] [-tf32]\n"
                        "       darknet bench gemm [-n N] [-iters N]\n");
        return 2;
    }
    char err[DN_ERR_LEN];
    struct network *net = net_load_cfg(argv[2], (int)classes, (int)batch, 1, err);
    if (!net) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    if (use_device(net, gpu, tf32, err)) {
        fprintf(stderr, "%s\n", err);
        net_free(net);
        return 1;
    }
    struct dn_rng r;
    rng_seed(&r, 2);
    for (size_t i = 0; i < (size_t)net->batch * net->inputs; i++) net->input[i] = rng_normal(&r);
    for (int b = 0; b < net->batch; b++)
        net->truth[(size_t)b * net->truths + rng_below(&r, net->truths)] = 1;
    struct feeder f;
    feeder_init(&f, net, 1);
    struct u8_batch ready = {0};
    if (f.u8) ready_u8_batch(net, &r, &ready);
    net->train = (int)train;
    if (train && !net->cuda) net_share_deltas(net);         /* as classifier train does */
    else if (!train && !net->cuda) net_plan_inference(net); /* as classifier valid and predict do */
    double *prof = xcalloc(2 * net->n, sizeof(double));
    double *t = xcalloc(iters, sizeof(double)), cpu0 = 0;
    unsigned long long launches = 0; /* GPU: kernel launches of the timed iterations */
    for (long i = 0; i < warmup + iters; i++) {
        if (i == warmup) {
            if (!net->cuda) net->prof = prof; /* profile the timed iterations only */
            cpu0 = cpu_seconds();
#ifdef GPU
            launches = cuda_launch_count();
#endif
        }
        double t0 = dn_time();
        for (int s = 0; s < (train ? net->subdivisions : 1); s++) {
            if (f.u8) feed_ready(&f, &ready, NULL, NULL); /* the GPU's only host-to-device copy */
            net_forward(net);
            if (train) net_backward(net);
        }
        if (train) net_update(net, (int)i + 1);
#ifdef GPU
        if (net->cuda) cuda_sync(net); /* the backward and update are still queued */
#endif
        if (i >= warmup) t[i - warmup] = dn_time() - t0;
    }
    double cpu_ms = (cpu_seconds() - cpu0) / iters * 1e3;
#ifdef GPU
    launches = cuda_launch_count() - launches;
#endif
    double kernels = net->cuda ? (double)launches / iters : 0;
    double conv_s = 0, conv_macs = 0, total_s = 0;
    for (int i = 0; i < net->n; i++) {
        const struct layer *l = &net->layers[i];
        double s = prof[i] + prof[net->n + i];
        total_s += s;
        if (is_conv(l)) {
            conv_s += s;
            conv_macs += l->ops->macs(l);
        }
    }
    double mult = train ? 3 : 1; /* forward, input gradient, weight gradient */
    int images = net->batch * (train ? net->subdivisions : 1); /* per iteration */
    double macs = net_macs(net), med = median(t, iters), imgs = images / med;
    double gflops = 2 * mult * macs * imgs / 1e9;
    double conv_gflops = conv_s > 0 ? 2 * mult * conv_macs * images * iters / conv_s / 1e9 : 0;
    if (layers) {
        printf("layer type            forward ms  backward ms  GFLOP/s\n");
        for (int i = 0; i < net->n; i++) {
            const struct layer *l = &net->layers[i];
            double f = prof[i] / iters, b = prof[net->n + i] / iters;
            double m = l->ops->macs ? l->ops->macs(l) : 0;
            printf("%5d %-15s %10.2f %12.2f %8.1f\n", i, l->ops->name, f * 1e3, b * 1e3,
                   f + b > 0 ? 2 * (train ? 3 : 1) * m * net->batch / (f + b) / 1e9 : 0);
        }
        printf("layers total %.2f ms of a %.2f ms median iteration\n", total_s / iters * 1e3, med * 1e3);
    }
    char where[200];
    snprintf(where, sizeof(where), "%d threads (%s)", gemm_threads(), gemm_backend());
#ifdef GPU
    if (net->cuda)
        snprintf(where, sizeof(where), "%s; %.0f kernel launches/iteration", cuda_describe(net), kernels);
#endif
    printf("%s %s batch %d, %s: median %.2f ms/iteration, %.1f images/s, %.1f GFLOP/s, "
           "conv layers %.1f GFLOP/s (%.0f%% of the time), peak RSS %.1f MB\n",
           argv[2], train ? "training" : "inference", images, where, med * 1e3, imgs, gflops, conv_gflops,
           total_s > 0 ? 100 * conv_s / total_s : 0, peak_rss_mb());
    printf("bench mode=%s cfg=%s batch=%d device=%s threads=%d iters=%ld median_ms=%.3f img_s=%.2f gflops=%.2f "
           "conv_gflops=%.2f macs=%.0f rss_mb=%.1f cpu_ms=%.1f kernels=%.0f loss=%.4f\n",
           train ? "train" : "infer", argv[2], images, net->cuda ? "gpu" : "cpu", gemm_threads(), iters, med * 1e3,
           imgs, gflops, conv_gflops, macs, peak_rss_mb(), cpu_ms, kernels, net->loss);
    free(prof), free(t), free(ready.buf);
    feeder_free(&f);
    net_free(net);
    return 0;
}
