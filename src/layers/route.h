/*
 * route.h - the state of a [route] layer (l->priv), read by route.c (cfg,
 * CPU) and route.cu (CUDA); it needs no device buffers.
 */
#ifndef DN_LAYER_ROUTE_H
#define DN_LAYER_ROUTE_H

#ifdef __cplusplus
extern "C" { /* the C headers below too, when included from a .cu file */
#endif

#include "../core/layer.h"

#define ROUTE_MAX 16 /* layers one route may concatenate */

struct route_layer {
    int n;
    int src[ROUTE_MAX];
};

#ifdef GPU
/* route.cu: the ops table's device entries */
void route_forward_gpu(struct layer *l, struct network *net);
void route_backward_gpu(struct layer *l, struct network *net);
#endif

#ifdef __cplusplus
}
#endif

#endif
