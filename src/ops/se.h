/*
 * se.h - the squeeze-and-excitation op, composed by [se] and [bridge]: CPU
 * implementation in src/backend/cpu/se.c, CUDA twin (same names + _gpu) in
 * src/backend/cuda/se.cu. One struct se serves both.
 *
 * For x (B, C, S):  z = mean_S(x)                       (B, C)   squeeze
 *                   h = relu(z W1^T + b1)               (B, H)   H = max(1, C / reduction)
 *                   s = sigmoid(h W2^T + b2)            (B, C)   excitation
 *                   y = x * s   (per channel)           (B, C, S)
 * W1 (H, C) and W2 (C, H) are row-major, one row per output.
 * .weights order: b1[H], W1[H*C], b2[C], W2[C*H].
 * Initialisation: uniform +-1/sqrt(fan_in) for weights and biases (PyTorch's
 * nn.Linear default; fan_in = C for the first FC, H for the second).
 */
#ifndef DN_OPS_SE_H
#define DN_OPS_SE_H

#ifdef __cplusplus
extern "C" { /* the C headers below too, when included from a .cu file */
#endif

#include "../core/layer.h"

struct network;

struct se {
    int B, C, S, H;
    struct param *b1, *w1, *b2, *w2;
    float *z, *h, *s;     /* saved by forward for backward */
    float *dz, *dh, *ds;  /* scratch for backward */
#ifdef GPU
    /* the same six on the device (se_init_gpu); parameters through ->val_gpu */
    struct {
        float *z, *h, *s, *dz, *dh, *ds;
    } gpu;
#endif
};

/* Registers b1, W1, b2, W2 on l and initialises them from net's RNG. */
void se_init(struct se *se, struct layer *l, struct network *net, int B, int C, int S, int reduction);
void se_free(struct se *se);
/* y (=) se(x); y must not alias x (backward needs x). */
void se_forward(struct se *se, const float *x, float *y);
/* dx (+=) dL/dx given dy = dL/dy; accumulates the four parameter grads. */
void se_backward(struct se *se, const float *x, const float *dy, float *dx);
/* Multiply-accumulates per sample of the two FCs (what the reference counts). */
double se_macs(const struct se *se);

#ifdef GPU
/* The CUDA twins on device arrays, queued on ctx's stream, with the same
 * contract (y =, dx +=, parameter grads +=). se_init_gpu allocates se->gpu;
 * se_free_gpu releases it. */
struct dn_cuda;
void se_init_gpu(struct dn_cuda *ctx, struct se *se);
void se_free_gpu(struct se *se);
void se_forward_gpu(struct dn_cuda *ctx, struct se *se, const float *x, float *y);
void se_backward_gpu(struct dn_cuda *ctx, struct se *se, const float *x, const float *dy, float *dx);
#endif

#ifdef __cplusplus
}
#endif

#endif
