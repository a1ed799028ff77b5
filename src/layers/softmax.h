/*
 * softmax.h - the state of a [softmax] layer (l->priv), read by softmax.c
 * (CPU) and softmax.cu (CUDA).
 */
#ifndef DN_LAYER_SOFTMAX_H
#define DN_LAYER_SOFTMAX_H

#ifdef __cplusplus
extern "C" { /* the C headers below too, when included from a .cu file */
#endif

#include "../core/layer.h"

struct softmax_layer {
    int groups;        /* independent distributions per sample (each inputs/groups values) */
    float temperature; /* inputs are divided by it before the softmax */
    double *ce;        /* (B, groups) cross-entropy of each group in the last loss-mode forward */
#ifdef GPU
    struct {
        double *ce; /* the same on the device */
    } gpu;
#endif
};

#ifdef GPU
/* softmax.cu: the ops table's device entries */
void softmax_init_gpu(struct layer *l, struct network *net);
void softmax_forward_gpu(struct layer *l, struct network *net);
void softmax_backward_gpu(struct layer *l, struct network *net);
void softmax_free_gpu(struct layer *l);
#endif

#ifdef __cplusplus
}
#endif

#endif
