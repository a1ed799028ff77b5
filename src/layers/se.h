/*
 * se.h - the state of an [se] layer (l->priv), read by se.c (cfg, CPU) and
 * se.cu (CUDA): the squeeze-and-excitation op (src/ops/se.h) on the
 * previous layer's output.
 */
#ifndef DN_LAYER_SE_H
#define DN_LAYER_SE_H

#ifdef __cplusplus
extern "C" { /* the C headers below too, when included from a .cu file */
#endif

#include "../core/layer.h"
#include "../ops/se.h"

struct se_layer {
    struct se se; /* its device buffers in se.gpu */
#ifdef GPU
    struct {
        float *scratch; /* dx when the layer has no input gradient (first layer) */
    } gpu;
#endif
};

#ifdef GPU
/* se.cu: the ops table's device entries */
void se_layer_init_gpu(struct layer *l, struct network *net);
void se_layer_forward_gpu(struct layer *l, struct network *net);
void se_layer_backward_gpu(struct layer *l, struct network *net);
void se_layer_free_gpu(struct layer *l);
#endif

#ifdef __cplusplus
}
#endif

#endif
