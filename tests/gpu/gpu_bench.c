/*
 * gpu_bench.c - training throughput of a cfg on one GPU (or the CPU), the
 * way `darknet classifier train` runs: per mini-batch the host copies a
 * ready batch out (the loader's memcpy): on the GPU a u8 batch, which
 * cuda_net_feed_u8 uploads and augments on the device, on the CPU floats
 * into net->input/net->truth; then net_forward (forward, loss read-back),
 * net_backward, and per iteration net_update. Data are synthetic (fixed
 * random images, labels and crops): the data loader's own cost, one thread
 * preparing the next batch in parallel, is not counted.
 *
 *     tests/gpu_bench <cfg> [-batch 128] [-iters 100] [-warmup 10]
 *                     [-classes 10] [-i device] [-cpu] [-tf32] [-infer]
 *
 * -infer times inference instead: the batch fed the same way, one forward
 * with train = 0 per iteration (the output copied back to the host).
 * Prints a human line (with the convolution path: cuDNN or im2col, and the
 * kernel launches per timed iteration, cuda_launch_count: our kernels
 * plus one per cuBLAS/cuDNN call) and a machine-readable one:
 *     RESULT ours <cfg name> <batch> <images/s> <ms/iteration> <launches/iteration>
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/core/network.h"
#include "../../src/core/network_gpu.h"
#include "../../src/core/train.h"
#include "../../src/data/data.h"

int main(int argc, char **argv)
{
    const char *cfg = NULL;
    int batch = 128, iters = 100, warmup = 10, classes = 10, device = 0, cpu = 0, flags = 0, infer = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-batch") == 0 && i + 1 < argc) batch = atoi(argv[++i]);
        else if (strcmp(argv[i], "-iters") == 0 && i + 1 < argc) iters = atoi(argv[++i]);
        else if (strcmp(argv[i], "-warmup") == 0 && i + 1 < argc) warmup = atoi(argv[++i]);
        else if (strcmp(argv[i], "-classes") == 0 && i + 1 < argc) classes = atoi(argv[++i]);
        else if (strcmp(argv[i], "-i") == 0 && i + 1 < argc) device = atoi(argv[++i]);
        else if (strcmp(argv[i], "-cpu") == 0) cpu = 1;
        else if (strcmp(argv[i], "-tf32") == 0) flags |= DN_CUDA_TF32;
        else if (strcmp(argv[i], "-infer") == 0) infer = 1;
        else if (!cfg && argv[i][0] != '-') cfg = argv[i];
        else cfg = NULL, i = argc;
    }
    if (!cfg || batch < 1 || iters < 1 || warmup < 0) {
        fprintf(stderr, "usage: tests/gpu_bench <cfg> [-batch 128] [-iters 100] [-warmup 10] [-classes 10] "
                        "[-i device] [-cpu] [-tf32] [-infer]\n");
        return 2;
    }
    char err[DN_ERR_LEN];
    struct network *net = net_load_cfg(cfg, classes, batch, 1, err);
    if (!net) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    if (!cpu && cuda_net_attach(net, device, flags, err)) {
        fprintf(stderr, "%s\n", err);
        net_free(net);
        return 1;
    }
    size_t nx = (size_t)net->batch * net->inputs, nt = (size_t)net->batch * net->truths;
    float *x = falloc(nx), *t = falloc(nt);
    struct dn_rng r;
    rng_seed(&r, 5);
    for (size_t i = 0; i < nx; i++) x[i] = rng_normal(&r);
    for (int b = 0; b < net->batch; b++) t[(size_t)b * net->truths + rng_below(&r, net->truths)] = 1;
    /* the same as a ready u8 batch: random pixels, labels, crops and flips */
    struct u8_batch ready;
    void *buf = xmalloc(u8_batch_bytes(net->batch, net->c, net->h, net->w));
    u8_batch_init(&ready, net->batch, net->c, net->h, net->w, buf);
    for (size_t i = 0; i < nx; i++) ready.pixels[i] = (uint8_t)rng_u32(&r);
    for (int b = 0; b < net->batch; b++) {
        struct sample_plan *p = &ready.plan[b];
        p->idx = b, p->label = (int)rng_below(&r, net->truths), p->pad = 4;
        p->dx = (int)rng_below(&r, 9), p->dy = (int)rng_below(&r, 9), p->flip = (int)rng_below(&r, 2);
    }
    struct feeder f; /* core/train.c: a u8 batch on the GPU, floats on the CPU, as training feeds them */
    feeder_init(&f, net, 1);
    net->train = !infer;
    double start = 0;
    float loss = 0;
    unsigned long long launches0 = 0, launches = 0;
    for (int it = 0; it < warmup + iters; it++) {
        if (it == warmup) {
            start = dn_time();
#ifdef GPU
            launches0 = cuda_launch_count();
#endif
        }
        for (int s = 0; s < net->subdivisions; s++) {
            feed_ready(&f, &ready, x, t);
            net_forward(net);
            if (!infer) net_backward(net);
            loss = net->loss;
        }
        if (!infer) net_update(net, it + 1);
    }
#ifdef GPU
    if (net->cuda) cuda_sync(net); /* the last backward and update are still queued */
    launches = cuda_launch_count() - launches0;
#endif
    double sec = dn_time() - start;
    double ms = 1e3 * sec / iters, ips = (double)iters * net->batch * net->subdivisions / sec;
    const char *name = strrchr(cfg, '/') ? strrchr(cfg, '/') + 1 : cfg;
#ifdef GPU
    const char *where = cuda_describe(net);
#else
    const char *where = "CPU";
#endif
    double kpi = (double)launches / iters;
    printf("ours  %-24s %s batch %d: %9.1f images/s %8.2f ms/iteration, %.0f kernel launches/iteration (%d "
           "iterations after %d warm-up; last loss %.3f; %s)\n",
           name, infer ? "inference" : "training", net->batch * net->subdivisions, ips, ms, kpi, iters, warmup, loss,
           where);
    printf("RESULT ours %s %d %.1f %.3f %.0f\n", name, net->batch * net->subdivisions, ips, ms, kpi);
    free(x);
    free(t);
    free(ready.buf);
    feeder_free(&f);
    net_free(net);
    return 0;
}
