/*
 * batchnorm.cu - the CUDA twin of the batch-norm op, the semantics of
 * src/backend/cpu/batchnorm.c (see src/ops/batchnorm.h): in training the
 * batch mean and the BIASED batch variance normalise, xhat = (x - mean) /
 * sqrt(var + 1e-5), and the running statistics move by momentum with the
 * UNBIASED variance; at inference the running statistics normalise.
 *
 * Forward (training): per-channel sums of x and x^2 in double through the
 * deterministic partial reduction of kernels.cu, one thread per channel
 * turns them into mean, 1/std and the running statistics, then one
 * element-wise kernel writes xhat over x and y = act(gamma*xhat + beta): the
 * layer's activation is fused in (ACT_LINEAR for none).
 * (The CPU sums (x - mean)^2 in a second pass; in double the one-pass
 * E[x^2] - mean^2 agrees to far below float precision for activations.)
 * Backward: per-channel sums of dy and dy*xhat (dy first multiplied in place
 * by the activation's gradient at `out`, fused into that read; for swish and
 * mish, whose gradient needs the pre-activation, a pass of its own before,
 * at gamma*xhat + beta recomputed from the kept xhat), the
 * beta/gamma gradients (+=) by the same thread per channel, then dx over dy
 * element-wise.
 */
#include <string.h>

#include "../../ops/batchnorm.h"
#include "cuda_common.h"

void bn_init_gpu(struct dn_cuda *ctx, struct bn *bn, int B, int S)
{
    bn->gpu.mean_b = cuda_alloc(bn->C);
    bn->gpu.inv_std = cuda_alloc(bn->C);
    bn->gpu.imean = cuda_alloc(bn->C);
    bn->gpu.iinv = cuda_alloc(bn->C);
    bn->gpu.mdy = cuda_alloc(bn->C);
    bn->gpu.mdyx = cuda_alloc(bn->C);
    cuda_reserve_reduce(ctx, B, bn->C, S);
}

void bn_free_gpu(struct bn *bn)
{
    cuda_free(bn->gpu.mean_b), cuda_free(bn->gpu.inv_std), cuda_free(bn->gpu.imean);
    cuda_free(bn->gpu.iinv), cuda_free(bn->gpu.mdy), cuda_free(bn->gpu.mdyx);
    memset(&bn->gpu, 0, sizeof(bn->gpu));
}

__global__ static void bn_stats_kernel(const double *red, int P, int C, double N, float m, float *bmean,
                                       float *inv_std, float *run_mean, float *run_var)
{
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= C) return;
    double sum, sq;
    cuda_chan_total(red, P, c, &sum, &sq);
    double mu = sum / N, var = sq / N - mu * mu;
    if (var < 0) var = 0;
    bmean[c] = (float)mu;
    inv_std[c] = (float)(1.0 / sqrt(var + (double)BN_EPS));
    double unbiased = N > 1 ? var * N / (N - 1) : var;
    run_mean[c] = (1 - m) * run_mean[c] + m * (float)mu;
    run_var[c] = (1 - m) * run_var[c] + m * (float)unbiased;
}

__global__ static void bn_infer_kernel(int C, const float *run_mean, const float *run_var, float *mean, float *inv)
{
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= C) return;
    mean[c] = run_mean[c];
    inv[c] = 1.0f / sqrtf(run_var[c] + BN_EPS);
}

/* The pre-activation gamma*xhat + beta: one expression for the forward and
 * for bn_pre_grad_kernel, so that both compute the same float. */
__device__ static inline float bn_pre(float gamma, float xh, float beta) { return gamma * xh + beta; }

/* x (B,C,S) -> xhat (in place); y = act(gamma*xhat + beta) (y may be x) */
__global__ static void bn_norm_kernel(float *x, float *y, unsigned n, unsigned C, unsigned S, const float *mean,
                                      const float *inv, const float *gamma, const float *beta, int act)
{
    GRID_STRIDE32(i, n)
    {
        unsigned c = (i / S) % C;
        float xh = (x[i] - mean[c]) * inv[c];
        x[i] = xh;
        y[i] = act_f(bn_pre(gamma[c], xh, beta[c]), act);
    }
}

void bn_forward_act_gpu(struct dn_cuda *ctx, struct bn *bn, float *x, float *y, int B, int S, int train,
                        float momentum, enum dn_act act)
{
    int C = bn->C;
    const float *mean, *inv;
    if (train) {
        int P = cuda_chan_partials(ctx, x, NULL, B, C, S);
        bn_stats_kernel<<<(C + 127) / 128, 128, 0, ctx->stream>>>(ctx->red, P, C, (double)B * S, momentum,
                                                                   bn->gpu.mean_b, bn->gpu.inv_std, bn->mean->val_gpu,
                                                                   bn->var->val_gpu);
        KERNEL_CHECK();
        mean = bn->gpu.mean_b, inv = bn->gpu.inv_std;
    } else {
        bn_infer_kernel<<<(C + 127) / 128, 128, 0, ctx->stream>>>(C, bn->mean->val_gpu, bn->var->val_gpu,
                                                                   bn->gpu.imean, bn->gpu.iinv);
        KERNEL_CHECK();
        mean = bn->gpu.imean, inv = bn->gpu.iinv;
    }
    size_t n = (size_t)B * C * S;
    bn_norm_kernel<<<cuda_grid(n), DN_THREADS, 0, ctx->stream>>>(x, y, cuda_n32(n), C, S, mean, inv, bn->gamma->val_gpu,
                                                              bn->beta->val_gpu, (int)act);
    KERNEL_CHECK();
}

__global__ static void bn_grad_kernel(const double *red, int P, int C, double N, float *dbeta, float *dgamma,
                                      float *mdy, float *mdyx)
{
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= C) return;
    double sdy, sdyx;
    cuda_chan_total(red, P, c, &sdy, &sdyx);
    dbeta[c] += (float)sdy;
    dgamma[c] += (float)sdyx;
    mdy[c] = (float)(sdy / N);
    mdyx[c] = (float)(sdyx / N);
}

/* dy = gamma*inv/N * (N*dy - sum(dy) - xhat*sum(dy*xhat)) */
__global__ static void bn_dx_kernel(float *dy, const float *xhat, unsigned n, unsigned C, unsigned S,
                                    const float *gamma, const float *inv, const float *mdy, const float *mdyx)
{
    GRID_STRIDE32(i, n)
    {
        unsigned c = (i / S) % C;
        float k = gamma[c] * inv[c];
        dy[i] = k * (dy[i] - mdy[c] - xhat[i] * mdyx[c]);
    }
}

/* dy *= f'(gamma*xhat + beta), from the recomputed pre-activation (swish, mish) */
__global__ static void bn_pre_grad_kernel(float *dy, const float *xhat, unsigned n, unsigned C, unsigned S,
                                          const float *gamma, const float *beta, int act)
{
    GRID_STRIDE32(i, n)
    {
        unsigned c = (i / S) % C;
        dy[i] *= act_dx(bn_pre(gamma[c], xhat[i], beta[c]), act);
    }
}

void bn_backward_act_gpu(struct dn_cuda *ctx, struct bn *bn, const float *xhat, float *dy, int B, int S,
                         const float *out, enum dn_act act)
{
    int C = bn->C;
    if (act_needs_input(act)) { /* a pass of its own, then the sums as for linear */
        size_t n = (size_t)B * C * S;
        bn_pre_grad_kernel<<<cuda_grid(n), DN_THREADS, 0, ctx->stream>>>(dy, xhat, cuda_n32(n), C, S,
                                                                      bn->gamma->val_gpu, bn->beta->val_gpu, (int)act);
        KERNEL_CHECK();
        act = ACT_LINEAR;
    }
    int P = cuda_chan_partials_grad(ctx, dy, xhat, out, act, B, C, S);
    bn_grad_kernel<<<(C + 127) / 128, 128, 0, ctx->stream>>>(ctx->red, P, C, (double)B * S, bn->beta->grad_gpu,
                                                              bn->gamma->grad_gpu, bn->gpu.mdy, bn->gpu.mdyx);
    KERNEL_CHECK();
    size_t n = (size_t)B * C * S;
    bn_dx_kernel<<<cuda_grid(n), DN_THREADS, 0, ctx->stream>>>(dy, xhat, cuda_n32(n), C, S, bn->gamma->val_gpu,
                                                            bn->gpu.inv_std, bn->gpu.mdy, bn->gpu.mdyx);
    KERNEL_CHECK();
}
