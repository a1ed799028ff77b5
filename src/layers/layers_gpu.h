/*
 * layers_gpu.h - the CUDA halves of the layers (src/layers/<name>.cu),
 * GPU=1 builds only.
 *
 * Each layer's .c file keeps its private struct; under #ifdef GPU it passes
 * what the device code needs to <name>_setup_gpu() from its ops->init_gpu,
 * and lists the .cu functions below in its ops table. The device code keeps
 * its own state in l->priv_gpu and reads parameters through param->val_gpu,
 * ->grad_gpu. Every forward/backward here has exactly the semantics of the
 * CPU function of the same layer (what is overwritten, what accumulated),
 * on the *_gpu buffers.
 *
 * The second half declares the device helpers shared between layers: batch
 * norm (batchnorm.cu) and squeeze-and-excitation (se.cu). Their structs are
 * opaque outside their own .cu.
 */
#ifndef DN_LAYERS_GPU_H
#define DN_LAYERS_GPU_H

#ifdef GPU

#ifdef __cplusplus
extern "C" { /* the C headers below too, when included from a .cu file */
#endif

#include "../core/activations.h"
#include "../core/layer.h"
#include "../ops/conv2d.h"
#include "batchnorm.h"
#include "se.h"

struct network;

/* convolutional.cu; bn is NULL without batch_normalize */
void conv_setup_gpu(struct layer *l, struct network *net, const struct conv_geom *g, enum dn_act act,
                    const struct bn *bn, struct param *biases, struct param *weights);
void conv_forward_gpu(struct layer *l, struct network *net);
void conv_backward_gpu(struct layer *l, struct network *net);
void conv_free_gpu(struct layer *l);

/* connected.cu */
void fc_setup_gpu(struct layer *l, struct network *net, enum dn_act act, const struct bn *bn,
                  struct param *biases, struct param *weights);
void fc_forward_gpu(struct layer *l, struct network *net);
void fc_backward_gpu(struct layer *l, struct network *net);
void fc_free_gpu(struct layer *l);

/* shortcut.cu; stride/sample/minc/minh/minw as in shortcut.c */
void shortcut_setup_gpu(struct layer *l, struct network *net, int from, enum dn_act act, int stride,
                        int sample, int minc, int minh, int minw);
void shortcut_forward_gpu(struct layer *l, struct network *net);
void shortcut_backward_gpu(struct layer *l, struct network *net);
void shortcut_free_gpu(struct layer *l);

/* route.cu */
void route_setup_gpu(struct layer *l, struct network *net, int n, const int *src);
void route_forward_gpu(struct layer *l, struct network *net);
void route_backward_gpu(struct layer *l, struct network *net);
void route_free_gpu(struct layer *l);

/* avgpool.cu (no state) */
void avgpool_forward_gpu(struct layer *l, struct network *net);
void avgpool_backward_gpu(struct layer *l, struct network *net);

/* maxpool.cu */
void maxpool_setup_gpu(struct layer *l, struct network *net, int size, int stride, int padding);
void maxpool_forward_gpu(struct layer *l, struct network *net);
void maxpool_backward_gpu(struct layer *l, struct network *net);
void maxpool_free_gpu(struct layer *l);

/* softmax.cu */
void softmax_init_gpu(struct layer *l, struct network *net);
void softmax_forward_gpu(struct layer *l, struct network *net);
void softmax_backward_gpu(struct layer *l, struct network *net);
void softmax_free_gpu(struct layer *l);

/* cost.cu (no state) */
void cost_forward_gpu(struct layer *l, struct network *net);
void cost_backward_gpu(struct layer *l, struct network *net);

/* dropout.cu; mask is the layer's host mask (B*inputs), filled from the
 * network's RNG exactly as on the CPU and uploaded */
void dropout_setup_gpu(struct layer *l, struct network *net, float p, float *mask);
void dropout_forward_gpu(struct layer *l, struct network *net);
void dropout_backward_gpu(struct layer *l, struct network *net);
void dropout_free_gpu(struct layer *l);

/* se.cu: the [se] layer */
void se_layer_setup_gpu(struct layer *l, struct network *net, const struct se *se);
void se_layer_forward_gpu(struct layer *l, struct network *net);
void se_layer_backward_gpu(struct layer *l, struct network *net);
void se_layer_free_gpu(struct layer *l);

/* bridge.cu; se_mode 0: no SE, 1: SE after BN, 2: SE before the conv;
 * se is NULL when se_mode is 0; bn->beta is the layer's "biases" */
void bridge_setup_gpu(struct layer *l, struct network *net, int from, int se_mode, enum dn_act act,
                      const struct conv_geom *g, const struct bn *bn, struct param *weights,
                      const struct se *se);
void bridge_forward_gpu(struct layer *l, struct network *net);
void bridge_backward_gpu(struct layer *l, struct network *net);
void bridge_free_gpu(struct layer *l);

/* ---- shared device helpers (used by the .cu files only) ---- */

/* batchnorm.cu: bn_gpu_forward/backward follow bn_forward/bn_backward
 * (batchnorm.h) on device arrays, with the layer's activation fused in:
 * forward writes y = act(BN(x)); backward first does gradient(out, act, dy)
 * (out = the layer's activated output), then BN's backward. ACT_LINEAR (out
 * unused) gives plain BN. Statistics of the last training forward are kept
 * in the struct. */
struct bn_gpu;
struct bn_gpu *bn_gpu_create(struct network *net, const struct bn *bn, int B, int S);
void bn_gpu_forward(struct network *net, struct bn_gpu *bg, float *x, float *y, int B, int S, int train,
                    float momentum, enum dn_act act);
void bn_gpu_backward(struct network *net, struct bn_gpu *bg, const float *xhat, float *dy, int B, int S,
                     const float *out, enum dn_act act);
void bn_gpu_free(struct bn_gpu *bg);

/* se.cu: se_gpu_forward/backward follow se_forward/se_backward (se.h). */
struct se_gpu;
struct se_gpu *se_gpu_create(struct network *net, const struct se *se);
void se_gpu_forward(struct network *net, struct se_gpu *sg, const float *x, float *y);
void se_gpu_backward(struct network *net, struct se_gpu *sg, const float *x, const float *dy, float *dx);
void se_gpu_free(struct se_gpu *sg);

#ifdef __cplusplus
}
#endif

#endif /* GPU */
#endif
