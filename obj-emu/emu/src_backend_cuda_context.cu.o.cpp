/*
 * context.cu - device allocation and the shared workspace of a struct
 * dn_cuda (the context itself is created and destroyed with the network in
 * src/core/network_gpu.cu).
 */
#include "cuda_common.h"

unsigned long long cuda_launches;

unsigned long long cuda_launch_count(void) { return cuda_launches; }

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
