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
 *
 * Two steps: a plan (struct sample_plan: which image, label, crop offset,
 * flip) drawn from the RNGs, then rendering by table look-up. The float
 * batch renders straight from the cache (dataset_fill_batch); the u8 batch
 * copies the planned images out (dataset_gather_batch) for a renderer
 * elsewhere, the GPU's (augment.cu) or u8_batch_render on the CPU.
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

/* The plan of sample k: epoch permutation first, then the sample's own RNG. */
static struct sample_plan plan_sample(struct dataset *d, const struct augment *a, uint64_t seed,
                                      uint64_t k)
{
    struct sample_plan p = {0};
    if (a->train) {
        epoch_perm(d, seed, (int64_t)(k / (uint64_t)d->n));
        p.idx = d->perm[k % (uint64_t)d->n];
        struct dn_rng r;
        rng_seed(&r, hash64(seed * 0x9E3779B97F4A7C15ull ^ k));
        p.pad = a->crop_pad > 0 ? a->crop_pad : 0;
        p.dx = (int)rng_below(&r, 2 * (uint32_t)p.pad + 1);
        p.dy = (int)rng_below(&r, 2 * (uint32_t)p.pad + 1);
        p.flip = a->flip ? (int)(rng_u32(&r) >> 31) : 0;
    } else {
        p.idx = (int)(k % (uint64_t)d->n);
    }
    p.label = d->labels[p.idx];
    return p;
}

void dataset_plan_batch(struct dataset *d, const struct augment *a, uint64_t seed, uint64_t first,
                        int batch, struct sample_plan *plan)
{
    DN_ASSERT(d->n > 0);
    for (int b = 0; b < batch; b++) plan[b] = plan_sample(d, a, seed, first + (uint64_t)b);
}

float augment_value(const struct augment *a, int ch, float x)
{
    return (x - a->mean[ch]) / a->std[ch];
}

void augment_normalize(const struct augment *a, int c, int h, int w, float *x)
{
    size_t plane = (size_t)h * w;
    for (int ch = 0; ch < c; ch++)
        for (size_t i = 0; i < plane; i++) x[ch * plane + i] = augment_value(a, ch, x[ch * plane + i]);
}

void augment_lut(const struct augment *a, int c, float lut[3][256])
{
    for (int ch = 0; ch < c; ch++)
        for (int v = 0; v < 256; v++) lut[ch][v] = augment_value(a, ch, (float)v / 255.0f);
}

/* One sample: src is its unaugmented image (c, h, w), out its (c, h, w) floats. */
static void render_sample(const uint8_t *src, const struct sample_plan *p, int c, int h, int w,
                          const float lut[3][256], float *out)
{
    for (int ch = 0; ch < c; ch++) {
        const uint8_t *plane = src + (size_t)ch * h * w;
        float *o = out + (size_t)ch * h * w;
        for (int y = 0; y < h; y++) {
            int sy = y + p->dy - p->pad; /* row in the unpadded image */
            for (int xo = 0; xo < w; xo++) {
                int sx = (p->flip ? w - 1 - xo : xo) + p->dx - p->pad;
                int inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
                o[y * w + xo] = lut[ch][inside ? plane[sy * w + sx] : 0];
            }
        }
    }
}

void dataset_fill_batch(struct dataset *d, const struct augment *a, uint64_t seed, uint64_t first,
                        int batch, float *x, float *truth)
{
    const int c = d->c, h = d->h, w = d->w;
    const size_t img = (size_t)c * h * w;
    DN_ASSERT(d->n > 0 && c >= 1 && c <= 3);
    float lut[3][256];
    augment_lut(a, c, lut);
    if (truth) memset(truth, 0, (size_t)batch * d->classes * sizeof(float));
    for (int b = 0; b < batch; b++) {
        struct sample_plan p = plan_sample(d, a, seed, first + (uint64_t)b);
        if (truth) truth[(size_t)b * d->classes + p.label] = 1.0f;
        render_sample(d->pixels + (size_t)p.idx * img, &p, c, h, w, lut, x + (size_t)b * img);
    }
}

size_t u8_batch_bytes(int batch, int c, int h, int w)
{
    return (size_t)batch * (sizeof(struct sample_plan) + (size_t)c * h * w);
}

void u8_batch_init(struct u8_batch *u, int batch, int c, int h, int w, void *buf)
{
    u->batch = batch, u->c = c, u->h = h, u->w = w;
    u->buf = buf;
    u->bytes = u8_batch_bytes(batch, c, h, w);
    u->plan = buf;
    u->pixels = (uint8_t *)buf + (size_t)batch * sizeof(struct sample_plan);
}

void dataset_gather_batch(struct dataset *d, const struct augment *a, uint64_t seed, uint64_t first,
                          struct u8_batch *u)
{
    const size_t img = (size_t)d->c * d->h * d->w;
    DN_ASSERT(u->c == d->c && u->h == d->h && u->w == d->w);
    dataset_plan_batch(d, a, seed, first, u->batch, u->plan);
    for (int b = 0; b < u->batch; b++)
        memcpy(u->pixels + (size_t)b * img, d->pixels + (size_t)u->plan[b].idx * img, img);
}

void u8_batch_render(const struct u8_batch *u, const float lut[3][256], int classes, float *x,
                     float *truth)
{
    const size_t img = (size_t)u->c * u->h * u->w;
    if (truth) memset(truth, 0, (size_t)u->batch * classes * sizeof(float));
    for (int b = 0; b < u->batch; b++) {
        if (truth) truth[(size_t)b * classes + u->plan[b].label] = 1.0f;
        render_sample(u->pixels + (size_t)b * img, &u->plan[b], u->c, u->h, u->w, lut,
                      x + (size_t)b * img);
    }
}
