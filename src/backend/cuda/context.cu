/*
 * context.cu - the device context struct dn_cuda: creating it (device,
 * stream, cuBLAS and cuDNN handles) and freeing it with its shared scratch;
 * device allocation and the shared workspace. The runner (network.cu)
 * makes one per attached network.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_common.h"

unsigned long long cuda_launches;

unsigned long long cuda_launch_count(void) { return cuda_launches; }

int cuda_device_count(void)
{
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
        (void)cudaGetLastError();
        return 0;
    }
    return n;
}

struct dn_cuda *cuda_context_new(int device, int flags)
{
    struct dn_cuda *ctx = (struct dn_cuda *)xcalloc(1, sizeof(*ctx));
    ctx->device = device;
    const char *tf32 = getenv("DN_TF32");
    ctx->tf32 = (flags & DN_CUDA_TF32) || (tf32 && strcmp(tf32, "1") == 0);
    const char *bench = getenv("DN_CUDNN_BENCHMARK");
    ctx->cudnn_benchmark = (flags & DN_CUDA_CUDNN_BENCHMARK) || (bench && strcmp(bench, "1") == 0);
#ifdef CUDNN
    ctx->use_cudnn = !(flags & DN_CUDA_NO_CUDNN);
#endif
    CUDA_CHECK(cudaSetDevice(device));
    /* a blocking stream: legacy default-stream calls (cudaMalloc, cudaMemset)
     * stay ordered with it */
    CUDA_CHECK(cudaStreamCreate(&ctx->stream));
    CUBLAS_CHECK(cublasCreate(&ctx->blas));
    CUBLAS_CHECK(cublasSetStream(ctx->blas, ctx->stream));
    CUBLAS_CHECK(cublasSetMathMode(ctx->blas, ctx->tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
#ifdef CUDNN
    if (ctx->use_cudnn) {
        CUDNN_CHECK(cudnnCreate(&ctx->dnn));
        CUDNN_CHECK(cudnnSetStream(ctx->dnn, ctx->stream));
    }
#endif
    CUDA_CHECK(cudaMalloc((void **)&ctx->loss, sizeof(float)));
    cudaDeviceProp prop;
    CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
    snprintf(ctx->desc, sizeof(ctx->desc), "GPU %d: %.64s (sm_%d%d, %.0f GiB), %s, %s", device, prop.name,
             prop.major, prop.minor, prop.totalGlobalMem / 1073741824.0,
             !ctx->use_cudnn          ? "im2col+cuBLAS convolution"
             : ctx->cudnn_benchmark ? "cuDNN convolution (timed search: fastest)"
                                    : "cuDNN convolution (heuristic: deterministic, reproducible)",
             ctx->tf32 ? "TF32 allowed" : "strict FP32");
    return ctx;
}

void cuda_context_free(struct dn_cuda *ctx)
{
    cuda_free(ctx->red);
    cuda_free(ctx->workspace);
    cuda_free(ctx->loss);
    free(ctx->algos);
#ifdef CUDNN
    if (ctx->dnn) CUDNN_CHECK(cudnnDestroy(ctx->dnn));
#endif
    CUBLAS_CHECK(cublasDestroy(ctx->blas));
    CUDA_CHECK(cudaStreamDestroy(ctx->stream));
    free(ctx);
}

float *cuda_alloc(size_t n)
{
    if (n == 0) return NULL;
    float *p = NULL;
    CUDA_CHECK(cudaMalloc((void **)&p, n * sizeof(float)));
    CUDA_CHECK(cudaMemset(p, 0, n * sizeof(float)));
    return p;
}

void cuda_free(void *p)
{
    if (p) CUDA_CHECK(cudaFree(p));
}

void cuda_reserve_workspace(struct dn_cuda *ctx, size_t bytes)
{
    if (bytes <= ctx->workspace_bytes) return;
    CUDA_CHECK(cudaStreamSynchronize(ctx->stream));
    cuda_free(ctx->workspace);
    ctx->workspace = NULL;
    CUDA_CHECK(cudaMalloc(&ctx->workspace, bytes));
    ctx->workspace_bytes = bytes;
}
