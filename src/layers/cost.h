/*
 * cost.h - [cost] has no state of its own: this header declares its device
 * half (cost.cu) for the ops table in cost.c.
 */
#ifndef DN_LAYER_COST_H
#define DN_LAYER_COST_H

#ifdef __cplusplus
extern "C" { /* the C headers below too, when included from a .cu file */
#endif

#include "../core/layer.h"

#ifdef GPU
void cost_forward_gpu(struct layer *l, struct network *net);
void cost_backward_gpu(struct layer *l, struct network *net);
#endif

#ifdef __cplusplus
}
#endif

#endif
