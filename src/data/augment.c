/*
 * augment.c - turns cached uint8 images into a normalised float batch.
 *
 * Training sample k (a global index that keeps growing across epochs) is
 * image perm_e[k % n] where perm_e is epoch e = k / n's permutation, a
 * Fisher-Yates shuffle seeded from (seed, e): every epoch visits every image
 * exactly once. Its augmentation comes from its own RNG seeded from (seed, k):
 * zero-pad by crop_pad, take a random h x w crop (offsets 0..2*crop_pad), then
 * flip horizontally with probability 1/2. The padding is black (pixel 0)
 * before normalisation. Nothing depends on earlier batches, so a resumed run
 * sees exactly the samples of an uninterrupted one.
 */
#include "data.h"

#include <string.h>

/* Make d->perm the permutation of epoch e (cached: recomputed on change). */
static void epoch_perm(struct dataset *d, uint64_t seed, int64_t e)
{
    if (d->perm && d->perm_epoch == e) return;
    if (!d->perm) d->perm = xmalloc((size_t)d->n * sizeof(int));
    struct dn_rng r;
    rng_seed(&r, hash64(seed ^ hash64((uint64_t)e)));
    for (int i = 0; i < d->n; i++) d->perm[i] = i;
    for (int i = d->n - 1; i > 0; i--) {
        int j = (int)rng_below(&r, (uint32_t)i + 1);
        int t = d->perm[i];
        d->perm[i] = d->perm[j];
        d->perm[j] = t;
    }
    d->perm_epoch = e;
}

void dataset_fill_batch(struct dataset *d, const struct augment *a, uint64_t seed, uint64_t first,
                        int batch, float *x, float *truth)
{
    const int c = d->c, h = d->h, w = d->w;
    const size_t img = (size_t)c * h * w;
    DN_ASSERT(d->n > 0 && c >= 1 && c <= 3);

    /* lut[ch][v]: normalised value of pixel v in channel ch */
    float lut[3][256];
    for (int ch = 0; ch < c; ch++)
        for (int v = 0; v < 256; v++) lut[ch][v] = ((float)v / 255.0f - a->mean[ch]) / a->std[ch];

    if (truth) memset(truth, 0, (size_t)batch * d->classes * sizeof(float));
    for (int b = 0; b < batch; b++) {
        uint64_t k = first + (uint64_t)b;
        float *out = x + (size_t)b * img;
        int idx;
        int pad = 0, dx = 0, dy = 0, flip = 0;
        if (a->train) {
            epoch_perm(d, seed, (int64_t)(k / (uint64_t)d->n));
            idx = d->perm[k % (uint64_t)d->n];
            struct dn_rng r;
            rng_seed(&r, hash64(seed * 0x9E3779B97F4A7C15ull ^ k));
            pad = a->crop_pad > 0 ? a->crop_pad : 0;
            dx = (int)rng_below(&r, 2 * (uint32_t)pad + 1);
            dy = (int)rng_below(&r, 2 * (uint32_t)pad + 1);
            flip = a->flip ? (int)(rng_u32(&r) >> 31) : 0;
        } else {
            idx = (int)(k % (uint64_t)d->n);
        }
        const uint8_t *src = d->pixels + (size_t)idx * img;
        if (truth) truth[(size_t)b * d->classes + d->labels[idx]] = 1.0f;

        for (int ch = 0; ch < c; ch++) {
            const uint8_t *plane = src + (size_t)ch * h * w;
            float *o = out + (size_t)ch * h * w;
            for (int y = 0; y < h; y++) {
                int sy = y + dy - pad; /* row in the unpadded image */
                for (int xo = 0; xo < w; xo++) {
                    int sx = (flip ? w - 1 - xo : xo) + dx - pad;
                    int inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
                    o[y * w + xo] = lut[ch][inside ? plane[sy * w + sx] : 0];
                }
            }
        }
    }
}
