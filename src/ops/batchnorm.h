/*
 * batchnorm.h - the batch-norm op over (B, C, S) arrays, composed by the
 * convolutional, connected and bridge layers: CPU implementation in
 * src/backend/cpu/batchnorm.c, CUDA twin (same names + _gpu) in
 * src/backend/cuda/batchnorm.cu. One struct bn serves both.
 *
 * Semantics are PyTorch's/cuDNN's: in training the batch mean and the BIASED
 * batch variance normalise, xhat = (x - mean) / sqrt(var + 1e-5); the running
 * statistics move by momentum m: running = (1-m)*running + m*batch, with the
 * UNBIASED variance (N/(N-1)) as PyTorch stores it. At inference the running
 * statistics normalise. y = gamma * xhat + beta.
 *
 * The host layer owns the four parameters (registered in .weights order:
 * beta as "biases", then "scales", "rolling_mean", "rolling_variance") and a
 * B*C*S buffer that keeps x, the input of the normalisation, for the backward pass.
 */
#ifndef DN_OPS_BATCHNORM_H
#define DN_OPS_BATCHNORM_H

#ifdef __cplusplus
extern "C" { /* the C headers below too, when included from a .cu file */
#endif

#include "../core/activations.h"
#include "../core/layer.h"

#define BN_EPS 1e-5f

struct bn {
    int C;
    struct param *beta, *gamma, *mean, *var;
    float *inv_std; /* per channel, of the last training forward */
    float *mean_b;  /* per channel batch mean of the last training forward */
    float *inv_run; /* per channel 1/sqrt(running var + eps) (bn_running_inv) */
#ifdef GPU
    /* device scratch, per channel (bn_init_gpu); the parameters are read
     * through beta->val_gpu etc. */
    struct {
        float *mean_b, *inv_std; /* of the last training forward (backward uses inv_std) */
        float *imean, *iinv;     /* inference-time mean and 1/std */
        float *mdy, *mdyx;       /* backward: per-channel means of dy and dy*xhat */
    } gpu;
#endif
};

/* Register the BN parameters on l (beta must be registered by the caller
 * first when the layer's .weights order puts other things between) and set
 * gamma = 1, running variance = 1. */
void bn_init(struct bn *bn, struct layer *l, struct param *beta, int C);
void bn_free(struct bn *bn);

/*
 * Batch norm with the activation fused in, for the convolutional, bridge and
 * connected layers:
 *   forward:  y = act(gamma * xhat + beta), xhat = (x - mean) * inv_std;
 *             x (B,C,S) is left unchanged (backward recomputes xhat from it).
 *   backward: in: dy = dL/dy (of y), x and y of the forward. Out: dy replaced
 *             by dL/dx. Accumulates dL/dgamma, dL/dbeta.
 * Every activation, swish and mish included: backward recomputes the
 * pre-activation gamma * xhat + beta from x exactly as the forward computed
 * it, so a layer with batch norm needs no pre-activation buffer for them.
 * Per-channel sums are in double over 8 lanes combined in a fixed order.
 */
void bn_forward_act(struct bn *bn, const float *x, float *y, int B, int S, int train, float momentum,
                    enum dn_act act);
/* The same with a residual added before the activation (res NULL: none):
 * y = act(batch norm + res), the float expressions of bn_forward_act
 * (linear) followed by [shortcut], so the same bytes. */
void bn_forward_act_res(struct bn *bn, const float *x, float *y, const float *res, int B, int S, int train,
                        float momentum, enum dn_act act);
/* Inference: 1/sqrt(running var + eps) per channel (bn->inv_run, the value
 * bn_forward_act uses with train = 0), for a conv_epilogue whose mean is
 * bn->mean->val. */
const float *bn_running_inv(struct bn *bn);
void bn_backward_act(struct bn *bn, const float *x, const float *y, float *dy, int B, int S, enum dn_act act);

#ifdef GPU
/*
 * The CUDA twins, on device arrays queued on ctx's stream. One difference
 * in the buffers: bn_forward_act_gpu overwrites x with xhat (the
 * normalised input), and bn_backward_act_gpu reads that xhat instead of x,
 * and the activated output `out` (read only by the activations whose slope
 * comes from y, i.e. not with ACT_LINEAR, swish or mish; may then be NULL).
 * Sums are in double through the deterministic per-channel reduction of
 * src/backend/cuda/kernels.cu. bn_init_gpu allocates bn->gpu and reserves
 * the reduction scratch for (B, C, S); bn_free_gpu releases bn->gpu.
 */
struct dn_cuda;
void bn_init_gpu(struct dn_cuda *ctx, struct bn *bn, int B, int S);
void bn_free_gpu(struct bn *bn);
void bn_forward_act_gpu(struct dn_cuda *ctx, struct bn *bn, float *x, float *y, int B, int S, int train,
                        float momentum, enum dn_act act);
void bn_backward_act_gpu(struct dn_cuda *ctx, struct bn *bn, const float *xhat, float *dy, int B, int S,
                         const float *out, enum dn_act act);
#endif

#ifdef __cplusplus
}
#endif

#endif
