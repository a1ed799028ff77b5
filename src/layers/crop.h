/*
 * crop.h - [crop]'s state, read by crop.c (CPU) and crop.cu (CUDA).
 *
 * Darknet's crop layer: a crop_height x crop_width window of each input
 * image (all channels), as out = in * scale + trans (+ shift, training),
 * with scale = 2, trans = -1 (0..1 pixels to -1..1) unless noadjust=1
 * (scale 1, trans 0).
 *   training:  a random window per image (every offset equally likely),
 *              mirrored with probability 1/2 if flip=1, and with shift > 0
 *              a uniform offset in +-shift/2 added to each channel;
 *   inference: the centred window, no mirror, no shift.
 * Backward: dx += scale * delta at the window's pixels.
 * Random choices come from the network's RNG, drawn on the host by
 * crop_draw() for both halves, so a GPU run makes the CPU run's choices.
 */
#ifndef DN_CROP_H
#define DN_CROP_H

#ifdef __cplusplus
extern "C" { /* the C headers below too, when included from a .cu file */
#endif

#include "../core/layer.h"

struct network;

struct crop_layer {
    int flip;           /* 1: random mirror in training */
    float shift;        /* per-channel offset range in training (0: none) */
    float scale, trans; /* out = in * scale + trans */
    int *plan;          /* (B, 3) host: row offset, column offset, mirror of the last forward */
    float *shifts;      /* (B, c) host: the channel offsets of the last forward */
#ifdef GPU
    struct {
        int *plan; /* device copies of plan and shifts */
        float *shifts;
    } gpu;
#endif
};

/* Fill plan and shifts for this forward (net->train picks random or centred). */
void crop_draw(struct layer *l, struct network *net);

#ifdef GPU
void crop_init_gpu(struct layer *l, struct network *net);
void crop_forward_gpu(struct layer *l, struct network *net);
void crop_backward_gpu(struct layer *l, struct network *net);
void crop_free_gpu(struct layer *l);
#endif

#ifdef __cplusplus
}
#endif

#endif
