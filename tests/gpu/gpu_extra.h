/*
 * gpu_extra.h - checks of tests/gpu_check that live in their own files:
 * gpu_conv_exact.c (every ResNet convolution shape against float64) and
 * gpu_large.c (tensors large enough for the grid-stride loops' second pass,
 * a grid wider than 65535 channels). They count into gpu_check's struct
 * gx_tally.
 */
#ifndef DN_GPU_EXTRA_H
#define DN_GPU_EXTRA_H

#include <stddef.h>

#include "../../src/core/utils.h"

struct gx_tally {
    int passed, failed;
    int quiet; /* 1: print failing checks only */
};

/* Count one check and print "ok   ..." or "FAIL ..." (only FAIL when quiet). */
void gx_check(struct gx_tally *t, int ok, const char *fmt, ...) DN_PRINTF(3, 4);

/* In gpu_check.c: one check that n values of the GPU (got) equal the CPU's
 * (ref) within 1e-6 + 1e-3 * max|ref| (returns 1 if so), and the checks after
 * a training forward and backward of a CPU/GPU network pair: every layer's
 * output and delta, the input gradient (if the CPU network has one), every
 * parameter's gradient (running statistics: their values); name prefixes each
 * check's line. */
struct network;
int gx_compare(struct gx_tally *t, const char *what, const float *got, const float *ref, size_t n);
void gx_compare_backward(struct gx_tally *t, const char *name, const struct network *cpu, const struct network *gpu);

/* The convolution paths every check runs on: cuDNN (CUDNN builds) and
 * im2col + cuBLAS (flags: cuda_net_attach's). In gpu_check.c. */
struct conv_path {
    const char *name;
    int flags;
};
extern const struct conv_path conv_paths[];
extern const int conv_paths_len;

/* ResNet-20/110 convolution shapes at batch `batch` (128 for the real run)
 * on every convolution path, against float64 (gpu_conv_exact.c). */
void gpu_conv_exact_checks(struct gx_tally *t, int device, int batch);

/* Large-tensor and wide-grid layer cases, CPU against GPU (gpu_large.c). */
void gpu_large_checks(struct gx_tally *t, int device);

#endif
