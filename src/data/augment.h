/*
 * augment.h - the [net] augmentation and normalisation keys, as one struct:
 * struct network keeps them (net->aug, parsed in network.c) and the data
 * loader applies them (augment.c, data.h).
 */
#ifndef DN_AUGMENT_H
#define DN_AUGMENT_H

/* Augmentation and normalisation ([net] keys crop_pad, flip, mean, std). */
struct augment {
    int train;     /* 1: random pad-crop and flip; 0: normalisation only */
    int crop_pad;  /* zero-pad by this many pixels, then random crop of h x w */
    int flip;      /* random horizontal flip with probability 1/2 */
    float mean[3]; /* in 0..1 pixel units; per channel (x/255 - mean)/std */
    float std[3];
    /*
     * Darknet's classifier augmentation ([net] keys of the same names; all
     * zero = off). Per sample: aspect' = rand_scale(aspect), r = random
     * integer in [min_crop, max_crop], the image scaled so that
     * min(h, w * aspect') becomes r, rotated by a uniform angle in
     * +-angle degrees about its centre, shifted by a uniform offset of up to
     * half the overhang, and an h x w window taken (bilinear, black outside);
     * then the flip; then in HSV, S *= rand_scale(saturation),
     * V *= rand_scale(exposure), H += uniform(-hue, hue) (wrapped), clamped to
     * 0..1 (one channel: V only). rand_scale(s) is uniform in [1, s], or its
     * reciprocal with probability 1/2. A non-square output takes Darknet's
     * max(h, w) square window resized to w x h.
     */
    int min_crop, max_crop;
    float angle, aspect;
    float hue, saturation, exposure;
    float label_smooth; /* truth: 1 - eps at the label, eps / (classes - 1) elsewhere */
};


#endif
