/*
 * maxpool.h - the state of a [maxpool] layer (l->priv), read by maxpool.c
 * (cfg, CPU) and maxpool.cu (CUDA).
 */
#ifndef DN_LAYER_MAXPOOL_H
#define DN_LAYER_MAXPOOL_H

#ifdef __cplusplus
extern "C" { /* the C headers below too, when included from a .cu file */
#endif

#include "../core/layer.h"

struct maxpool_layer {
    int size, stride, padding;
    int *argmax; /* (B, out) input index of each output's maximum */
#ifdef GPU
    struct {
        int *argmax; /* (B, outputs) input index within the whole batch, -1 if none */
    } gpu;
#endif
};

#ifdef GPU
/* maxpool.cu: the ops table's device entries */
void maxpool_init_gpu(struct layer *l, struct network *net);
void maxpool_forward_gpu(struct layer *l, struct network *net);
void maxpool_backward_gpu(struct layer *l, struct network *net);
void maxpool_free_gpu(struct layer *l);
#endif

#ifdef __cplusplus
}
#endif

#endif
