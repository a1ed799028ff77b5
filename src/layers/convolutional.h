/*
 * convolutional.h - the state of a [convolutional] layer (l->priv), read by
 * convolutional.c (cfg, CPU) and convolutional.cu (CUDA). See
 * convolutional.c for what the layer computes.
 */
#ifndef DN_LAYER_CONVOLUTIONAL_H
#define DN_LAYER_CONVOLUTIONAL_H

#ifdef __cplusplus
extern "C" { /* the C headers below too, when included from a .cu file */
#endif

#include "../core/activations.h"
#include "../core/layer.h"
#include "../ops/batchnorm.h"
#include "../ops/conv2d.h"

struct convolutional_layer {
    struct conv_geom g;
    int bn_on;
    enum dn_act act;
    struct param *biases, *weights;
    struct bn bn; /* with batch_normalize=1 (its device scratch in bn.gpu) */
    float *x;     /* (B, F, OH, OW) conv output before batch norm (with batch norm) */
    float *pre;   /* (B, F, OH, OW) conv + bias before the activation, kept for
                   * backward when there is no batch norm and act_needs_input(act) */
    /* CPU inference (take_residual): out = res_act(batch norm + layer
     * res_from's output), a folded [shortcut]'s work */
    int res_on, res_from;
    enum dn_act res_act;
#ifdef GPU
    struct {
        struct conv2d_gpu *conv;
        float *x;   /* as x above; the batch norm overwrites it with xhat */
        float *pre; /* as pre above */
    } gpu;
#endif
};

#ifdef GPU
/* convolutional.cu: the ops table's device entries */
void convolutional_init_gpu(struct layer *l, struct network *net);
void convolutional_forward_gpu(struct layer *l, struct network *net);
void convolutional_backward_gpu(struct layer *l, struct network *net);
void convolutional_free_gpu(struct layer *l);
#endif

#ifdef __cplusplus
}
#endif

#endif
