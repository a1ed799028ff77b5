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
 * With Darknet's [net] augmentation keys (max_crop/min_crop, angle, aspect,
 * hue, saturation, exposure; see struct augment) the crop is instead a
 * scaled, rotated window sampled bilinearly, and the colours are jittered
 * in HSV; that path renders on the CPU only (the GPU's u8 renderer takes
 * the pad/crop plans only, so such runs feed the GPU float batches).
 *
 * Darknet's mixup, cutmix, mosaic and blur (struct augment's mix and blur)
 * then combine the rendered sample with partner images, each rendered the
 * same way, and blur it; they too render on the CPU only. Their choices come
 * from a second RNG seeded from (seed, k) (dataset_plan_mix).
 *
 * Two steps: a plan (struct sample_plan: which image, label, crop offset,
 * flip) drawn from the RNGs, then rendering by table look-up. The float
 * batch renders straight from the cache (dataset_fill_batch); the u8 batch
 * copies the planned images out (dataset_gather_batch) for a renderer
 * elsewhere, the GPU's (augment.cu) or u8_batch_render on the CPU.
 */
#include "data.h"

#include <math.h>
#include <stdlib.h>
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

int augment_warps(const struct augment *a)
{
    if (!a->train) return 0;
    int zoom = a->min_crop > 0 || a->max_crop > 0;
    int scaled = a->aspect != 0 && a->aspect != 1;
    int colour = a->hue != 0 || (a->saturation != 0 && a->saturation != 1) || (a->exposure != 0 && a->exposure != 1);
    return zoom || a->angle != 0 || scaled || colour;
}

/* Darknet's rand_scale: uniform in [1, s] (either order), or its reciprocal. */
static float rand_scale(struct dn_rng *r, float s)
{
    if (s == 0) return 1;
    float lo = s < 1 ? s : 1, hi = s < 1 ? 1 : s;
    float v = rng_uniform(r, lo, hi);
    return rng_u32(r) >> 31 ? v : 1.0f / v;
}

/* The warp of a Darknet-augmented sample (struct augment) into p->m, for an
 * h x w image and output: Darknet takes a size x size window (size =
 * max(h, w)) and resizes it to w x h; here the resize is folded into the
 * warp (the same geometry, one resampling instead of two). */
static void plan_warp(struct sample_plan *p, const struct augment *a, struct dn_rng *r, int h, int w)
{
    int size = w > h ? w : h;
    float aspect = rand_scale(r, a->aspect);
    int lo = a->min_crop > 0 ? a->min_crop : size, hi = a->max_crop > 0 ? a->max_crop : size;
    if (hi < lo) {
        int t = lo;
        lo = hi, hi = t;
    }
    int side = lo + (int)rng_below(r, (uint32_t)(hi - lo + 1));
    int shortest = (int)(h < w * aspect ? h : w * aspect); /* truncated, as Darknet */
    float s = (float)side / (float)(shortest > 0 ? shortest : 1);
    float rad = rng_uniform(r, -a->angle, a->angle) * 3.14159265358979f / 180.0f;
    float mx = (w * s / aspect - size) / 2, my = (h * s - size) / 2;
    float dx = rng_uniform(r, -(mx > 0 ? mx : 0), mx > 0 ? mx : 0);
    float dy = rng_uniform(r, -(my > 0 ? my : 0), my > 0 ? my : 0);
    /* window pixel (x, y) -> u = (x - size/2 + dx) aspect / s, v = (y - size/2 + dy) / s,
     * rotated by rad about the image centre (w/2, h/2) */
    float cs = cosf(rad), sn = sinf(rad), ku = aspect / s, kv = 1 / s;
    float u0 = (dx - size / 2.0f) * ku, v0 = (dy - size / 2.0f) * kv;
    p->m[0] = cs * ku, p->m[1] = -sn * kv, p->m[2] = cs * u0 - sn * v0 + w / 2.0f;
    p->m[3] = sn * ku, p->m[4] = cs * kv, p->m[5] = sn * u0 + cs * v0 + h / 2.0f;
    if (w != h) { /* output (x, y) is window (x * size / w, y * size / h) */
        float fx = (float)size / w, fy = (float)size / h;
        p->m[0] *= fx, p->m[3] *= fx, p->m[1] *= fy, p->m[4] *= fy;
    }
    p->warp = 1;
}

/* The augmentation of one image (crop, flip, Darknet's warp and colours),
 * drawn from r: every field of p but idx and label. */
static void plan_augment(struct sample_plan *p, const struct augment *a, struct dn_rng *r, int h, int w)
{
    p->pad = a->crop_pad > 0 ? a->crop_pad : 0;
    p->dx = (int)rng_below(r, 2 * (uint32_t)p->pad + 1);
    p->dy = (int)rng_below(r, 2 * (uint32_t)p->pad + 1);
    p->flip = a->flip ? (int)(rng_u32(r) >> 31) : 0;
    p->smooth = a->label_smooth;
    if (augment_warps(a)) {
        p->pad = p->dx = p->dy = 0;
        plan_warp(p, a, r, h, w);
        p->dhue = rng_uniform(r, -a->hue, a->hue);
        p->dsat = rand_scale(r, a->saturation);
        p->dexp = rand_scale(r, a->exposure);
        p->colour = p->dhue != 0 || p->dsat != 1 || p->dexp != 1;
    }
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
        plan_augment(&p, a, &r, d->h, d->w);
    } else {
        p.idx = (int)(k % (uint64_t)d->n);
    }
    p.label = d->labels[p.idx];
    return p;
}

int augment_on_host(const struct augment *a)
{
    return augment_warps(a) || (a->train && (a->mix != MIX_NONE || a->blur > 0));
}

/* Darknet's rand_int: uniform integer in [lo, hi], the bounds swapped if
 * hi < lo. */
static int rand_int(struct dn_rng *r, int lo, int hi)
{
    if (hi < lo) {
        int t = lo;
        lo = hi, hi = t;
    }
    return lo + (int)rng_below(r, (uint32_t)(hi - lo) + 1);
}

void dataset_plan_mix(const struct dataset *d, const struct augment *a, uint64_t seed, uint64_t k,
                      struct mix_plan *m)
{
    const int h = d->h, w = d->w;
    memset(m, 0, sizeof(*m));
    m->kind = MIX_NONE;
    m->parts = 1;
    m->weight[0] = 1;
    if (!a->train) return;
    /* one RNG per sample, apart from the one of its own augmentation */
    struct dn_rng r;
    rng_seed(&r, hash64(seed * 0xD1B54A32D192ED03ull ^ hash64(k)));
    if (a->mix != MIX_NONE && rng_u32(&r) >> 31) {
        m->kind = a->mix;
        if (m->kind == MIX_CUTMIX_MOSAIC) m->kind = rng_u32(&r) >> 31 ? MIX_MOSAIC : MIX_CUTMIX;
        m->parts = m->kind == MIX_MOSAIC ? 4 : 2;
        for (int j = 0; j < m->parts - 1; j++) {
            struct sample_plan *p = &m->part[j];
            p->idx = (int)rng_below(&r, (uint32_t)d->n);
            p->label = d->labels[p->idx];
            plan_augment(p, a, &r, h, w);
        }
        if (m->kind == MIX_MIXUP) {
            m->weight[0] = m->weight[1] = 0.5f;
        } else if (m->kind == MIX_CUTMIX) {
            /* Darknet's box: sides of 30%..80% (truncated), never touching
             * the right or bottom edge */
            int cw = rand_int(&r, (int)(w * 0.3f), (int)(w * 0.8f));
            int ch = rand_int(&r, (int)(h * 0.3f), (int)(h * 0.8f));
            m->x0 = rand_int(&r, 0, w - cw - 1);
            m->y0 = rand_int(&r, 0, h - ch - 1);
            m->x1 = m->x0 + cw, m->y1 = m->y0 + ch;
            m->weight[1] = (float)(cw * ch) / (float)(w * h);
            m->weight[0] = 1 - m->weight[1];
        } else { /* mosaic: the cut point at 20%..80% of each side */
            int cx = rand_int(&r, (int)(w * 0.2f), (int)(w * 0.8f));
            int cy = rand_int(&r, (int)(h * 0.2f), (int)(h * 0.8f));
            m->x0 = cx, m->y0 = cy;
            float area = (float)(w * h);
            m->weight[0] = (float)(cx * cy) / area;
            m->weight[1] = (float)((w - cx) * cy) / area;
            m->weight[2] = (float)(cx * (h - cy)) / area;
            m->weight[3] = (float)((w - cx) * (h - cy)) / area;
        }
    }
    if (a->blur > 0 && rng_below(&r, 4) == 0) m->blur = a->blur;
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

/* One pixel of an image plane (h x w, 0..255) at real coordinates, bilinear,
 * black outside. */
static float bilinear(const uint8_t *plane, int h, int w, float x, float y)
{
    int x0 = (int)floorf(x), y0 = (int)floorf(y);
    float fx = x - x0, fy = y - y0, v = 0;
    for (int j = 0; j < 2; j++)
        for (int i = 0; i < 2; i++) {
            int xx = x0 + i, yy = y0 + j;
            if (xx < 0 || xx >= w || yy < 0 || yy >= h) continue;
            v += (i ? fx : 1 - fx) * (j ? fy : 1 - fy) * plane[yy * w + xx];
        }
    return v / 255.0f;
}

/* In place on one RGB pixel (0..1): S *= dsat, V *= dexp, H += dhue. */
static void jitter_hsv(float *r, float *g, float *b, float dhue, float dsat, float dexp)
{
    float mx = fmaxf(*r, fmaxf(*g, *b)), mn = fminf(*r, fminf(*g, *b)), delta = mx - mn;
    float hue = 0, sat = 0, val = mx;
    if (mx > 0 && delta > 0) {
        sat = delta / mx;
        if (*r == mx)
            hue = (*g - *b) / delta;
        else if (*g == mx)
            hue = 2 + (*b - *r) / delta;
        else
            hue = 4 + (*r - *g) / delta;
        if (hue < 0) hue += 6;
        hue /= 6;
    }
    sat *= dsat, val *= dexp, hue += dhue;
    if (hue > 1) hue -= 1;
    if (hue < 0) hue += 1;
    if (sat == 0) { /* grey */
        *r = *g = *b = val;
        return;
    }
    /* back to RGB: the sector of hue*6 (hue 1 is hue 0) and the three ramps */
    float hh = hue * 6, f = hh - floorf(hh);
    float p = val * (1 - sat), q = val * (1 - sat * f), t = val * (1 - sat * (1 - f));
    const float out[6][3] = {{val, t, p}, {q, val, p}, {p, val, t}, {p, q, val}, {t, p, val}, {val, p, q}};
    int sector = (int)floorf(hh) % 6;
    *r = out[sector][0], *g = out[sector][1], *b = out[sector][2];
}

/* One sample with Darknet's augmentation (p->warp): warp, flip, colour,
 * clamp, normalise. */
static void render_sample_warp(const uint8_t *src, const struct sample_plan *p, int c, int h, int w,
                               const struct augment *a, float *out)
{
    size_t plane = (size_t)h * w;
    for (int y = 0; y < h; y++)
        for (int xo = 0; xo < w; xo++) {
            int x = p->flip ? w - 1 - xo : xo;
            float sx = p->m[0] * x + p->m[1] * y + p->m[2], sy = p->m[3] * x + p->m[4] * y + p->m[5];
            float v[3];
            for (int ch = 0; ch < c; ch++) v[ch] = bilinear(src + ch * plane, h, w, sx, sy);
            if (p->colour) {
                if (c == 3)
                    jitter_hsv(&v[0], &v[1], &v[2], p->dhue, p->dsat, p->dexp);
                else
                    for (int ch = 0; ch < c; ch++) v[ch] *= p->dexp;
            }
            for (int ch = 0; ch < c; ch++) {
                float u = v[ch] < 0 ? 0 : v[ch] > 1 ? 1 : v[ch];
                out[ch * plane + (size_t)y * w + xo] = (u - a->mean[ch]) / a->std[ch];
            }
        }
}

/* Truth row of one sample: one-hot, or smoothed by p->smooth; scaled by
 * weight and added to row (add 1) or written (add 0). */
static void truth_row(float *row, int classes, const struct sample_plan *p, float weight, int add)
{
    float off = classes > 1 ? p->smooth / (float)(classes - 1) : 0;
    for (int i = 0; i < classes; i++) {
        float t = weight * (i == p->label ? 1.0f - p->smooth : off);
        row[i] = add ? row[i] + t : t;
    }
}

static void fill_truth(float *row, int classes, const struct sample_plan *p) { truth_row(row, classes, p, 1, 0); }

/* One planned sample rendered from the dataset into out (c, h, w). */
static void render_planned(const struct dataset *d, const struct augment *a, const struct sample_plan *p,
                           const float lut[3][256], float *out)
{
    const uint8_t *src = d->pixels + (size_t)p->idx * d->c * d->h * d->w;
    if (p->warp)
        render_sample_warp(src, p, d->c, d->h, d->w, a, out);
    else
        render_sample(src, p, d->c, d->h, d->w, lut, out);
}

/* Where pixel (x, y) of a mixed sample comes from: 0 the sample itself,
 * j > 0 partner j (m->part[j - 1]). */
static int mix_source(const struct mix_plan *m, int x, int y)
{
    if (m->kind == MIX_CUTMIX) return x >= m->x0 && x < m->x1 && y >= m->y0 && y < m->y1;
    if (m->kind == MIX_MOSAIC) return (x >= m->x0) + 2 * (y >= m->y0);
    return 0;
}

/*
 * Mix the rendered sample x (c, h, w; normalised) and its truth row (may be
 * NULL) with its partners as m says, then blur it. Normalisation is affine
 * per channel and the mixing weights sum to 1, so mixing normalised values
 * is mixing pixels. part: c*h*w floats of scratch.
 */
static void apply_mix(const struct dataset *d, const struct augment *a, const struct mix_plan *m,
                      const float lut[3][256], float *x, float *truth, float *part)
{
    const int c = d->c, h = d->h, w = d->w, k = d->classes;
    const size_t plane = (size_t)h * w;
    if (truth && m->kind != MIX_NONE)
        for (int i = 0; i < k; i++) truth[i] *= m->weight[0];
    for (int j = 1; j < m->parts; j++) {
        const struct sample_plan *p = &m->part[j - 1];
        render_planned(d, a, p, lut, part);
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < h; y++)
                for (int xx = 0; xx < w; xx++) {
                    size_t i = ch * plane + (size_t)y * w + xx;
                    if (m->kind == MIX_MIXUP)
                        x[i] = (x[i] + part[i]) / 2;
                    else if (mix_source(m, xx, y) == j)
                        x[i] = part[i];
                }
        if (truth) truth_row(truth, k, p, m->weight[j], 1);
    }
    if (m->blur) augment_blur(x, c, h, w, m->blur);
}

void dataset_fill_batch(struct dataset *d, const struct augment *a, uint64_t seed, uint64_t first,
                        int batch, float *x, float *truth)
{
    const int c = d->c, h = d->h, w = d->w;
    const size_t img = (size_t)c * h * w;
    DN_ASSERT(d->n > 0 && c >= 1 && c <= 3);
    float lut[3][256];
    augment_lut(a, c, lut);
    int mixing = a->train && (a->mix != MIX_NONE || a->blur > 0);
    float *part = mixing ? falloc(img) : NULL;
    for (int b = 0; b < batch; b++) {
        uint64_t k = first + (uint64_t)b;
        struct sample_plan p = plan_sample(d, a, seed, k);
        float *row = truth ? truth + (size_t)b * d->classes : NULL;
        if (row) fill_truth(row, d->classes, &p);
        render_planned(d, a, &p, lut, x + (size_t)b * img);
        if (mixing) {
            struct mix_plan m;
            dataset_plan_mix(d, a, seed, k, &m);
            apply_mix(d, a, &m, lut, x + (size_t)b * img, row, part);
        }
    }
    free(part);
}

/* Reflect-101 border (OpenCV's default: ...2 1 | 0 1 2 ... n-1 | n-2 ...). */
static int reflect101(int i, int n)
{
    if (n == 1) return 0;
    while (i < 0 || i >= n) i = i < 0 ? -i : 2 * (n - 1) - i;
    return i;
}

void augment_blur_kernel(int ksize, float *g)
{
    /* OpenCV's GaussianBlur with sigma 0: sigma from the kernel size */
    double sigma = 0.3 * ((ksize - 1) * 0.5 - 1) + 0.8, sum = 0;
    int r = ksize / 2;
    for (int i = 0; i < ksize; i++) sum += exp(-(double)(i - r) * (i - r) / (2 * sigma * sigma));
    for (int i = 0; i < ksize; i++) g[i] = (float)(exp(-(double)(i - r) * (i - r) / (2 * sigma * sigma)) / sum);
}

void augment_blur(float *x, int c, int h, int w, int ksize)
{
    DN_ASSERT(ksize >= 1 && ksize % 2 == 1);
    const int r = ksize / 2;
    float *g = falloc((size_t)ksize), *tmp = falloc((size_t)h * w);
    augment_blur_kernel(ksize, g);
    for (int ch = 0; ch < c; ch++) {
        float *p = x + (size_t)ch * h * w;
        for (int y = 0; y < h; y++) /* rows, into tmp */
            for (int i = 0; i < w; i++) {
                float v = 0;
                for (int j = 0; j < ksize; j++) v += g[j] * p[(size_t)y * w + reflect101(i + j - r, w)];
                tmp[(size_t)y * w + i] = v;
            }
        for (int y = 0; y < h; y++) /* then columns, back into x */
            for (int i = 0; i < w; i++) {
                float v = 0;
                for (int j = 0; j < ksize; j++) v += g[j] * tmp[(size_t)reflect101(y + j - r, h) * w + i];
                p[(size_t)y * w + i] = v;
            }
    }
    free(g);
    free(tmp);
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
    DN_ASSERT(!augment_on_host(a)); /* mixing, blur and Darknet's warps render on the host */
    dataset_plan_batch(d, a, seed, first, u->batch, u->plan);
    for (int b = 0; b < u->batch; b++)
        memcpy(u->pixels + (size_t)b * img, d->pixels + (size_t)u->plan[b].idx * img, img);
}

void u8_batch_render(const struct u8_batch *u, const float lut[3][256], int classes, float *x,
                     float *truth)
{
    const size_t img = (size_t)u->c * u->h * u->w;
    for (int b = 0; b < u->batch; b++) {
        DN_ASSERT(!u->plan[b].warp); /* Darknet's warps render from the dataset (dataset_fill_batch) */
        if (truth) fill_truth(truth + (size_t)b * classes, classes, &u->plan[b]);
        render_sample(u->pixels + (size_t)b * img, &u->plan[b], u->c, u->h, u->w, lut,
                      x + (size_t)b * img);
    }
}
