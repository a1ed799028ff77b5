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
    /*
     * Darknet's image mixing ([net] mixup, cutmix, mosaic; augment.c): with
     * probability 1/2 a training sample is combined with other images drawn
     * uniformly from the whole set, each augmented on its own, and its truth
     * becomes the mix of their (smoothed) truths:
     *   MIX_MIXUP   x = (x1 + x2) / 2, truth likewise;
     *   MIX_CUTMIX  a box of 30%..80% of each side comes from the partner,
     *               truth weighted by area;
     *   MIX_MOSAIC  four images in the quadrants around a random point with
     *               20%..80% of each side, truth weighted by area;
     *   MIX_CUTMIX_MOSAIC  cutmix or mosaic, 1/2 each.
     * Then blur: with probability 1/4 a Gaussian blur with a blur x blur
     * kernel (odd; 0 = off) over the sample.
     */
    int mix;  /* MIX_NONE .. MIX_CUTMIX_MOSAIC, Darknet's mixup=N values */
    int blur; /* Gaussian kernel size, 0 = off ([net] blur=1 means 15) */
};

/* The values of struct augment's mix (Darknet's mixup=N numbering). */
enum { MIX_NONE = 0, MIX_MIXUP = 1, MIX_CUTMIX = 2, MIX_MOSAIC = 3, MIX_CUTMIX_MOSAIC = 4 };


#endif
