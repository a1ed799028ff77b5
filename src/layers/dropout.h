/*
 * dropout.h - the state of a [dropout] layer (l->priv), read by dropout.c
 * (cfg, CPU) and dropout.cu (CUDA).
 */
#ifndef DN_LAYER_DROPOUT_H
#define DN_LAYER_DROPOUT_H

#ifdef __cplusplus
extern "C" { /* the C headers below too, when included from a .cu file */
#endif

#include "../core/layer.h"

struct dropout_layer {
    float p;
    float *mask; /* (B, n): 0 or 1/(1-p) */
#ifdef GPU
    struct {
        float *mask; /* device copy of mask, uploaded by each training forward */
    } gpu;
#endif
};

#ifdef GPU
/* dropout.cu: the ops table's device entries */
void dropout_init_gpu(struct layer *l, struct network *net);
void dropout_forward_gpu(struct layer *l, struct network *net);
void dropout_backward_gpu(struct layer *l, struct network *net);
void dropout_free_gpu(struct layer *l);
#endif

#ifdef __cplusplus
}
#endif

#endif
