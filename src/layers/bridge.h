/*
 * bridge.h - the state of a [bridge] layer (l->priv), read by bridge.c
 * (cfg, CPU) and bridge.cu (CUDA). See bridge.c for what the layer computes.
 */
#ifndef DN_LAYER_BRIDGE_H
#define DN_LAYER_BRIDGE_H

#ifdef __cplusplus
extern "C" { /* the C headers below too, when included from a .cu file */
#endif

#include "../core/activations.h"
#include "../core/layer.h"
#include "../ops/batchnorm.h"
#include "../ops/conv2d.h"
#include "../ops/se.h"

enum bridge_se_position { BRIDGE_SE_AFTER, BRIDGE_SE_BEFORE }; /* se_position=after|before */

struct bridge_layer {
    int from, se_on;
    enum bridge_se_position se_pos;
    enum dn_act act;
    struct conv_geom g;
    struct param *biases, *weights;
    struct bn bn;
    struct se se;   /* with se=1 */
    float *xs;      /* SE(from) with se_position=before, (B, Cin, Sin) */
    float *dxs;     /* its gradient */
    float *convout; /* conv output before batch norm (B, C, S) */
    float *bnout;   /* BN output (B, C, S) */
    float *branch;  /* SE(bnout) with se_position=after */
    float *dbn;     /* gradient w.r.t. bnout / conv output */
    float *pre;     /* prev + branch before the activation, when act_needs_input(act) */
#ifdef GPU
    /* the device twins of the buffers above (convout: the batch norm
     * overwrites it with xhat); bn and se keep theirs in bn.gpu, se.gpu */
    struct {
        struct conv2d_gpu *conv;
        float *xs, *dxs, *convout, *bnout, *branch, *dbn, *pre;
    } gpu;
#endif
};

#ifdef GPU
/* bridge.cu: the ops table's device entries */
void bridge_init_gpu(struct layer *l, struct network *net);
void bridge_forward_gpu(struct layer *l, struct network *net);
void bridge_backward_gpu(struct layer *l, struct network *net);
void bridge_free_gpu(struct layer *l);
#endif

#ifdef __cplusplus
}
#endif

#endif
