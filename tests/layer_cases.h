/*
 * layer_cases.h - the one table of layer test cases (tests/layer_cases.c).
 *
 * A case is a small network: an input shape and the cfg text of its layer
 * sections, named "<layer type>/<what>" after the type it tests. The same
 * table drives
 *
 *   - the CPU finite-difference gradient checks (tests/test_gradcheck.c,
 *     part of `make test`): every case, unless it says CASE_NO_GRAD;
 *   - the CPU-vs-GPU checks (tests/gpu/gpu_check.c, GPU builds, and the CPU
 *     emulator of the CUDA code, tests/gpu/emu/run.sh): every case, unless
 *     it says CASE_NO_GPU; with -time N also their timings, CPU and GPU.
 *
 * Both check that every layer type of the registry has a case. A new layer
 * type therefore needs rows here and nothing else in the tests.
 *
 * Each runner adds its own [net] keys to the case's (see layer_case_cfg):
 * the gradient check none, the GPU check the optimiser settings it steps
 * with. Options of a case (struct gc_opts, gradcheck.h) are read by both:
 *   seed           the gradient check's seed (weights, input, sampling)
 *   obj = GC_LOSS  the last layer is a loss ([softmax], [cost]) fed targets:
 *                  one-hot for [softmax], uniform in [-1, 1) otherwise;
 *                  GC_DOT (default) starts backward from a random gradient
 *   no_input_grad  build without net->delta (the first layer gets dinput NULL)
 *   classes        for `output=classes` (0: none for the gradient check, 10
 *                  for the GPU check)
 *   setup          a hook run on the built network before the check (the
 *                  GPU check runs it on the CPU twin, whose parameters the
 *                  GPU twin then copies)
 *   eps, thr, floor, smooth, max_samples   the gradient check's tolerances
 */
#ifndef DN_TEST_LAYER_CASES_H
#define DN_TEST_LAYER_CASES_H

#include <stddef.h>

#include "gradcheck.h"

/* where a case does not run (0: everywhere) */
enum {
    CASE_NO_GRAD = 1, /* not gradient-checked (the comment at the row says why) */
    CASE_NO_GPU = 2,  /* not compared with the GPU */
};

struct layer_case {
    const char *name;        /* "<layer type>/<what>" */
    int batch, w, h, c;      /* mini-batch and input shape */
    const char *layers;      /* cfg text of the layer sections */
    struct gc_opts o;        /* see above */
    const char *net_keys;    /* extra [net] keys ("key=value\n"...), NULL: none */
    unsigned skip;           /* CASE_NO_GRAD, CASE_NO_GPU */
};

/* The [net] section of a hand-written test network: mini-batch and input shape. */
#define NET(b, w, h, c) "[net]\nbatch=" #b "\nwidth=" #w "\nheight=" #h "\nchannels=" #c "\n"

/* The residual block of the bridge cases and of tests/test_bridge.c (input
 * 2 x 7x5x3; layer 0 is the block input). Only the bridge's own relu and SE
 * are meant to be non-linear there: behind batch norm every parameter
 * upstream moves all units at once, so a relu there puts a kink within eps
 * of most perturbations (most elements then pass only one-sided, worst error
 * ~8e-3 of the 1e-2 allowed), and a logistic there feeds the next batch norm
 * values whose mean (~0.5) dwarfs their spread, which amplifies float
 * rounding in L ~10x. Layer 0's leaky is before any batch norm. */
#define RESIDUAL_BLOCK(stride)                                                                     \
    "[convolutional]\nfilters=3\nsize=3\nstride=1\npad=1\nactivation=leaky\n"                      \
    "[convolutional]\nfilters=4\nsize=3\nstride=" #stride "\npad=1\nbatch_normalize=1\n"           \
    "activation=linear\n"                                                                          \
    "[convolutional]\nfilters=4\nsize=3\nstride=1\npad=1\nbatch_normalize=1\nactivation=linear\n"

extern const struct layer_case layer_cases[];
extern const int layer_cases_len;

/* The case's cfg text: [net] with its shape, then runner_keys (the runner's
 * own [net] keys, may be NULL), the case's net_keys and its layers. Returns
 * buf, or NULL (with a message on stdout) when it does not fit. */
char *layer_case_cfg(const struct layer_case *t, const char *runner_keys, char *buf, size_t n);

/* 1 if the case's name is "<type>/..." */
int layer_case_is(const struct layer_case *t, const char *type);

#endif
