/*
 * conv_algo.cu - which cuDNN algorithms run a convolution shape (CUDNN=1
 * builds). Chosen once per shape (B, C, H, W, F, k, s, p, groups), when the
 * first layer with that shape attaches, and cached in the context.
 *
 * Two modes (docs/gpu.md):
 *   reproducible (default): cuDNN's heuristics (cudnnGet*Algorithm_v7),
 *     which rank the algorithms by a model of the GPU without timing them,
 *     so the same GPU, cuDNN version and shape always give the same choice:
 *     two same-seed runs, and a run resumed from a checkpoint, use the same
 *     algorithms. The first in that ranking that is deterministic (no
 *     atomics: bit-identical results from run to run), fits in the
 *     workspace cap, does plain FP32 FMA math and whose workspace size
 *     cuDNN can give with that math is taken.
 *   benchmark ([net] cudnn_benchmark=1, DN_CUDA_CUDNN_BENCHMARK, or the
 *     environment variable DN_CUDNN_BENCHMARK=1): cuDNN's timed search
 *     (cudnnFind*Algorithm) and the fastest one within the workspace cap,
 *     deterministic or not; which one wins can change from run to run.
 * In both modes, unless TF32 is allowed, only FP32 FMA math qualifies and
 * the convolution runs with CUDNN_FMA_MATH set on its descriptor (cuDNN's
 * default math may use TF32 tensor cores on Ampere and later GPUs).
 */
#include <stdio.h>
#include <string.h>

#include "cuda_common.h"

#ifdef CUDNN
#define CONV_WS_CAP ((size_t)512 << 20)

/* Whether result r may be used. strict: FP32 FMA only; det: deterministic
 * only; labelled: the result must say CUDNN_FMA_MATH (else
 * CUDNN_DEFAULT_MATH is accepted too, and run with FMA math set). */
template <typename Perf> static bool usable(const Perf &r, int strict, int det, int labelled)
{
    if (r.status != CUDNN_STATUS_SUCCESS || r.memory > CONV_WS_CAP) return false;
    if (det && r.determinism != CUDNN_DETERMINISTIC) return false;
    if (strict && r.mathType != CUDNN_FMA_MATH && (labelled || r.mathType != CUDNN_DEFAULT_MATH)) return false;
    return true;
}

/* The usable results of r[0..n) (best first, as cuDNN ranks them) in order
 * of preference into out[]: deterministic ones first unless benchmarking,
 * those labelled FMA before those with default math. Returns how many. */
template <typename Perf> static int rank(const Perf *r, int n, int strict, int bench, int *out)
{
    int m = 0;
    for (int det = bench ? 0 : 1; det >= 0; det--)
        for (int labelled = 1; labelled >= 0; labelled--)
            for (int i = 0; i < n; i++) {
                int dup = 0;
                for (int k = 0; k < m; k++) dup |= out[k] == i;
                if (!dup && usable(r[i], strict, det, labelled)) out[m++] = i;
            }
    return m;
}

template <typename Perf> static void finish(const Perf &r, int strict, int bench, const char *what, int *algo,
                                            int *math, int *det)
{
    *algo = r.algo;
    *math = strict ? CUDNN_FMA_MATH : r.mathType;
    *det = r.determinism == CUDNN_DETERMINISTIC;
    if (!bench && !*det)
        fprintf(stderr, "warning: cuDNN has no deterministic %s algorithm for a convolution; results may vary "
                        "between runs\n", what);
}

static cudnnMathType_t math_of(int strict, cudnnMathType_t reported)
{
    return strict ? CUDNN_FMA_MATH : reported;
}

void cuda_conv_algo_choose(struct dn_cuda *ctx, const int key[9], cudnnTensorDescriptor_t xd,
                         cudnnFilterDescriptor_t wd, cudnnConvolutionDescriptor_t cd, cudnnTensorDescriptor_t yd,
                         struct dn_conv_algo *out)
{
    for (int i = 0; i < ctx->nalgos; i++)
        if (memcmp(ctx->algos[i].key, key, sizeof(ctx->algos[i].key)) == 0) {
            *out = ctx->algos[i];
            return;
        }
    struct dn_conv_algo a;
    memset(&a, 0, sizeof(a));
    memcpy(a.key, key, sizeof(a.key));
    int strict = !ctx->tf32, bench = ctx->cudnn_benchmark, n = 0, i;
    cudnnMathType_t run_math = strict ? CUDNN_FMA_MATH : CUDNN_DEFAULT_MATH;
    CUDNN_CHECK(cudnnSetConvolutionMathType(cd, run_math));
    size_t ws = 0;
    const char *why = strict ? " with FP32 FMA math" : "";

    cudnnConvolutionFwdAlgoPerf_t fr[2 * CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
    if (bench)
        CUDNN_CHECK(cudnnFindConvolutionForwardAlgorithm(ctx->dnn, xd, wd, cd, yd, 2 * CUDNN_CONVOLUTION_FWD_ALGO_COUNT,
                                                         &n, fr));
    else
        CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(ctx->dnn, xd, wd, cd, yd,
                                                           2 * CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &n, fr));
    int cand[64], nc = rank(fr, n, strict, bench, cand), k; /* n <= 16: the counts asked for */
    for (k = 0; k < nc; k++) {
        i = cand[k];
        CUDNN_CHECK(cudnnSetConvolutionMathType(cd, math_of(strict, fr[i].mathType)));
        if (cudnnGetConvolutionForwardWorkspaceSize(ctx->dnn, xd, wd, cd, yd, fr[i].algo, &ws) == CUDNN_STATUS_SUCCESS)
            break;
    }
    if (k == nc) DN_ABORT("cuDNN offers no usable forward algorithm for this convolution%s", why);
    finish(fr[i], strict, bench, "forward", &a.fwd, &a.math[0], &a.det[0]);
    a.ws_bytes = ws > fr[i].memory ? ws : fr[i].memory;

    CUDNN_CHECK(cudnnSetConvolutionMathType(cd, run_math));
    cudnnConvolutionBwdDataAlgoPerf_t dr[2 * CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
    if (bench)
        CUDNN_CHECK(cudnnFindConvolutionBackwardDataAlgorithm(ctx->dnn, wd, yd, cd, xd,
                                                              2 * CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &n, dr));
    else
        CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithm_v7(ctx->dnn, wd, yd, cd, xd,
                                                                2 * CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &n, dr));
    nc = rank(dr, n, strict, bench, cand);
    for (k = 0; k < nc; k++) {
        i = cand[k];
        CUDNN_CHECK(cudnnSetConvolutionMathType(cd, math_of(strict, dr[i].mathType)));
        if (cudnnGetConvolutionBackwardDataWorkspaceSize(ctx->dnn, wd, yd, cd, xd, dr[i].algo, &ws) ==
            CUDNN_STATUS_SUCCESS)
            break;
    }
    if (k == nc) DN_ABORT("cuDNN offers no usable backward-data algorithm for this convolution%s", why);
    finish(dr[i], strict, bench, "backward-data", &a.bwd_data, &a.math[1], &a.det[1]);
    if (ws < dr[i].memory) ws = dr[i].memory;
    if (ws > a.ws_bytes) a.ws_bytes = ws;

    CUDNN_CHECK(cudnnSetConvolutionMathType(cd, run_math));
    cudnnConvolutionBwdFilterAlgoPerf_t wr[2 * CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
    if (bench)
        CUDNN_CHECK(cudnnFindConvolutionBackwardFilterAlgorithm(ctx->dnn, xd, yd, cd, wd,
                                                                2 * CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &n, wr));
    else
        CUDNN_CHECK(cudnnGetConvolutionBackwardFilterAlgorithm_v7(ctx->dnn, xd, yd, cd, wd,
                                                                  2 * CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &n, wr));
    nc = rank(wr, n, strict, bench, cand);
    for (k = 0; k < nc; k++) {
        i = cand[k];
        CUDNN_CHECK(cudnnSetConvolutionMathType(cd, math_of(strict, wr[i].mathType)));
        if (cudnnGetConvolutionBackwardFilterWorkspaceSize(ctx->dnn, xd, yd, cd, wd, wr[i].algo, &ws) ==
            CUDNN_STATUS_SUCCESS)
            break;
    }
    if (k == nc) DN_ABORT("cuDNN offers no usable backward-filter algorithm for this convolution%s", why);
    finish(wr[i], strict, bench, "backward-filter", &a.bwd_filter, &a.math[2], &a.det[2]);
    if (ws < wr[i].memory) ws = wr[i].memory;
    if (ws > a.ws_bytes) a.ws_bytes = ws;

    ctx->algos = (struct dn_conv_algo *)xrealloc(ctx->algos, (ctx->nalgos + 1) * sizeof(*ctx->algos));
    ctx->algos[ctx->nalgos++] = a;
    *out = a;
}
#endif


int cuda_net_conv_choices(const struct network *net, struct dn_conv_choice *out, int max)
{
    const struct dn_cuda *ctx = net->cuda;
    if (!ctx) return 0;
    for (int i = 0; i < ctx->nalgos && i < max; i++) {
        const struct dn_conv_algo *a = &ctx->algos[i];
        struct dn_conv_choice *c = &out[i];
        memset(c, 0, sizeof(*c));
        memcpy(c->key, a->key, sizeof(c->key));
        c->algo[0] = a->fwd, c->algo[1] = a->bwd_data, c->algo[2] = a->bwd_filter;
        for (int j = 0; j < 3; j++) {
            c->fma[j] = a->math[j] == 3; /* CUDNN_FMA_MATH (cudnn.h is absent from CUDNN=0 builds) */
            c->deterministic[j] = a->det[j];
        }
    }
    return ctx->nalgos;
}
