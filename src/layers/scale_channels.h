/*
 * scale_channels.h - [scale_channels]'s state, read by scale_channels.c
 * (CPU) and scale_channels.cu (CUDA).
 *
 * AlexeyAB Darknet's layer for squeeze-and-excitation written with plain
 * layers: the output is layer `from`'s output (B, C, H, W) scaled by this
 * layer's input:
 *   scale_wh=0 (default): input (B, C, 1, 1), out[b,k,y,x] = act(in[b,k] * f[b,k,y,x])
 *   scale_wh=1:           input (B, 1, H, W), out[b,k,y,x] = act(in[b,y,x] * f[b,k,y,x])
 * Backward (d = delta * act'(out); for swish and mish act' of the
 * pre-activation in * f, recomputed): din += sum of d * f over the scaled
 * elements; df += in * d.
 */
#ifndef DN_SCALE_CHANNELS_H
#define DN_SCALE_CHANNELS_H

#ifdef __cplusplus
extern "C" { /* the C headers below too, when included from a .cu file */
#endif

#include "../core/activations.h"
#include "../core/layer.h"

struct scale_channels_layer {
    int from;     /* absolute index of the scaled layer */
    int scale_wh; /* 1: one scale per pixel (all channels) instead of per channel */
    enum dn_act act;
};

#ifdef GPU
struct network;
void scale_channels_forward_gpu(struct layer *l, struct network *net);
void scale_channels_backward_gpu(struct layer *l, struct network *net);
#endif

#ifdef __cplusplus
}
#endif

#endif
