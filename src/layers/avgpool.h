/*
 * avgpool.h - [avgpool] has no state of its own: this header declares its
 * device half (avgpool.cu) for the ops table in avgpool.c.
 */
#ifndef DN_LAYER_AVGPOOL_H
#define DN_LAYER_AVGPOOL_H

#ifdef __cplusplus
extern "C" { /* the C headers below too, when included from a .cu file */
#endif

#include "../core/layer.h"

#ifdef GPU
void avgpool_forward_gpu(struct layer *l, struct network *net);
void avgpool_backward_gpu(struct layer *l, struct network *net);
#endif

#ifdef __cplusplus
}
#endif

#endif
