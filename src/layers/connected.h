/*
 * connected.h - the state of a [connected] layer (l->priv), read by
 * connected.c (cfg, CPU) and connected.cu (CUDA). See connected.c for what
 * the layer computes.
 */
#ifndef DN_LAYER_CONNECTED_H
#define DN_LAYER_CONNECTED_H

#ifdef __cplusplus
extern "C" { /* the C headers below too, when included from a .cu file */
#endif

#include "../core/activations.h"
#include "../core/layer.h"
#include "../ops/batchnorm.h"

struct connected_layer {
    int bn_on;
    enum dn_act act;
    struct param *biases, *weights;
    struct bn bn; /* with batch_normalize=1 (its device scratch in bn.gpu) */
    float *x;     /* (B, O) with batch norm: x W^T before batch norm */
    float *pre;   /* (B, O) x W^T + b before the activation, kept for backward
                   * when there is no batch norm and act_needs_input(act) */
#ifdef GPU
    struct {
        float *x;   /* as x above; the batch norm overwrites it with xhat */
        float *pre; /* as pre above */
    } gpu;
#endif
};

#ifdef GPU
/* connected.cu: the ops table's device entries */
void connected_init_gpu(struct layer *l, struct network *net);
void connected_forward_gpu(struct layer *l, struct network *net);
void connected_backward_gpu(struct layer *l, struct network *net);
void connected_free_gpu(struct layer *l);
#endif

#ifdef __cplusplus
}
#endif

#endif
