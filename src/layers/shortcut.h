/*
 * shortcut.h - the state of a [shortcut] layer (l->priv), read by shortcut.c
 * (cfg, CPU) and shortcut.cu (CUDA); its one buffer (CPU and device) is the
 * pre-activation that swish and mish need in backward.
 */
#ifndef DN_LAYER_SHORTCUT_H
#define DN_LAYER_SHORTCUT_H

#ifdef __cplusplus
extern "C" { /* the C headers below too, when included from a .cu file */
#endif

#include "../core/activations.h"
#include "../core/layer.h"

struct shortcut_layer {
    int from;
    enum dn_act act;
    int stride, sample; /* from-pixel step, output-pixel step */
    int minc, minh, minw;
    float *pre; /* (B, C, H, W) prev + from before the activation, when act_needs_input(act); else NULL */
    int folded; /* CPU inference: the previous layer writes this layer's output (layer_ops.fold) */
#ifdef GPU
    struct {
        float *pre; /* as pre above */
    } gpu;
#endif
};

#ifdef GPU
/* shortcut.cu: the ops table's device entries */
void shortcut_init_gpu(struct layer *l, struct network *net);
void shortcut_forward_gpu(struct layer *l, struct network *net);
void shortcut_backward_gpu(struct layer *l, struct network *net);
void shortcut_free_gpu(struct layer *l);
#endif

#ifdef __cplusplus
}
#endif

#endif
