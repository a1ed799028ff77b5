/*
 * gpu_large.c - part of tests/gpu_check: layer cases at sizes the small
 * cases of gpu_check.c never reach, CPU against GPU as there (same seed,
 * same parameters, same random input and output gradient; one training
 * forward and backward; max|gpu - cpu| <= 1e-6 + 1e-3 * max|cpu| for every
 * output, delta, input gradient and parameter gradient):
 *
 *   large_b128: batch 128 of 4x182x182 images, 16,959,488 elements per
 *     tensor, more than the 65535 blocks x 256 threads one launch covers
 *     (cuda_grid's cap), so every element-wise grid-stride loop (activation,
 *     gradient, BN apply, bias add, shortcut add, SE scale, route copy)
 *     runs a second pass; the im2col columns and the BN channel reductions
 *     are that large too.
 *   wide_connected_bias: a [connected] layer without batch norm and 70000
 *     outputs: its bias gradient reduces 70000 channels, more than a grid's
 *     y dimension may hold (65535).
 *
 * Both run on every convolution path (cuDNN and im2col); gpu_check
 * -no-large skips them (each takes many minutes in the CPU emulator).
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/core/network.h"
#include "../../src/core/network_gpu.h"
#include "gpu_extra.h"

struct large_case {
    const char *name;
    const char *text; /* the whole cfg */
};

static const struct large_case large_cases[] = {
    {"large_b128",
     "[net]\nbatch=128\nwidth=182\nheight=182\nchannels=4\ninit=fan_in\nbn_momentum=0.5\n"
     "[convolutional]\nbatch_normalize=1\nfilters=4\nsize=1\nactivation=leaky\n"
     "[convolutional]\nfilters=4\nsize=1\nactivation=relu\n"
     "[shortcut]\nfrom=0\nactivation=linear\n"
     "[se]\nreduction=4\n"
     "[route]\nlayers=-1\n"
     "[maxpool]\nsize=2\nstride=2\n"
     "[avgpool]\n"
     "[connected]\noutput=10\nactivation=linear\n"},
    {"wide_connected_bias",
     "[net]\nbatch=2\nwidth=3\nheight=1\nchannels=1\ninit=fan_in\n"
     "[connected]\noutput=70000\nactivation=leaky\n"},
};

static struct network *build(const struct large_case *c, char *err)
{
    struct cfg *cfg = cfg_read_text(c->name, c->text, 0, err);
    struct network *net = cfg ? net_build(cfg, 10, 0, 1, 4321, err) : NULL;
    cfg_free(cfg);
    return net;
}

static void run_large(struct gx_tally *t, const struct large_case *c, const char *mode, int flags, int device)
{
    char err[DN_ERR_LEN], what[200];
    struct network *cpu = build(c, err), *gpu = cpu ? build(c, err) : NULL;
    if (!gpu || cuda_net_attach(gpu, device, flags, err)) {
        gx_check(t, 0, "%s/%s: cannot build or attach: %s", mode, c->name, err);
        net_free(cpu), net_free(gpu);
        return;
    }
    struct dn_rng r;
    rng_seed(&r, 5);
    size_t nin = (size_t)cpu->batch * cpu->inputs;
    for (size_t i = 0; i < nin; i++) cpu->input[i] = rng_uniform(&r, -1, 1);
    memcpy(gpu->input, cpu->input, nin * sizeof(float));
    cpu->train = gpu->train = 1;
    net_forward(cpu);
    net_forward(gpu);
    struct layer *lc = net_output_layer(cpu), *lg = net_output_layer(gpu);
    size_t nout = (size_t)lc->batch * lc->outputs;
    for (size_t i = 0; i < nout; i++) lc->delta[i] = rng_uniform(&r, -1, 1);
    cuda_upload(gpu, lg->delta_gpu, lc->delta, nout);
    net_backward(cpu);
    net_backward(gpu);
    cuda_net_pull_activations(gpu);
    cuda_net_pull(gpu);
    snprintf(what, sizeof(what), "%s/%s", mode, c->name);
    gx_compare_backward(t, what, cpu, gpu);
    net_free(cpu);
    net_free(gpu);
}

void gpu_large_checks(struct gx_tally *t, int device)
{
    for (int m = 0; m < conv_paths_len; m++)
        for (size_t i = 0; i < ARRAY_LEN(large_cases); i++)
            run_large(t, &large_cases[i], conv_paths[m].name, conv_paths[m].flags, device);
}
