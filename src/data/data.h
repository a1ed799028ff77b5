/*
 * data.h - everything between files on disk and a float batch in memory:
 * .data files, image lists and labels, the in-memory uint8 image cache,
 * augmentation, the prefetching loader thread, and CIFAR extraction.
 *
 * Determinism: the order and the augmentation of every training sample are
 * pure functions of (seed, global sample index k). Sample k belongs to epoch
 * k / n at position k % n of that epoch's seeded permutation, and its crop and
 * flip come from an RNG seeded with hash(seed, k). A run resumed at iteration
 * i therefore sees exactly the batches an uninterrupted run would.
 */
#ifndef DN_DATA_H
#define DN_DATA_H

#include <stdint.h>

#include "../core/utils.h"
#include "augment.h"

/* A parsed .data file (Darknet keys). Paths are relative to the cwd. */
struct data_cfg {
    char path[512];
    int classes;          /* required */
    char train[512];      /* default "data/train.list" */
    char valid[512];      /* default "data/train.list" as in Darknet */
    char labels[512];     /* default "data/labels.list" */
    char names[512];      /* predict's names; defaults to labels */
    char backup[512];     /* default "backup/" */
    int top;              /* k of top-k, default 5 */
};
/* Returns 0, or -1 with "file:line: key=value: message" in err. */
int data_cfg_read(const char *path, struct data_cfg *d, char *err);

/* Non-empty lines of a text file (trailing CR/LF and spaces removed).
 * NULL with a message if the file cannot be read or has no lines. */
char **read_lines(const char *path, int *n, char *err);
/* The same, and *linenos (malloc'ed, may be NULL) receives each kept line's
 * 1-based number in the file, so that list errors can name "list:line". */
char **read_lines_numbered(const char *path, int *n, int **linenos, char *err);
void free_lines(char **lines, int n);

/* Write an 8-bit PNG (comp channels, interleaved rows), every write checked.
 * durable: atomically and fsynced (utils.h atomic_open), for files that
 * replace earlier ones; else written in place (new files, many of them).
 * 0, or -1 with a message in err. */
int png_write(const char *path, int w, int h, int comp, const unsigned char *px, int durable, char *err);

/*
 * Labels matching an image path: a label matches when it occurs in the path
 * as a whole token, i.e. bounded on both sides by '/', '_', '.', '-' or the
 * ends of the string ("man" does not match ".../3_woman.png"). Returns how
 * many labels match; *first and *second (each may be NULL) receive the
 * indices of the first two matches, or -1.
 */
int label_match(const char *path, char *const *labels, int nlabels, int *first, int *second);

/* Images cached once as uint8, CHW (planar RGB), with their labels. */
struct dataset {
    int n, c, h, w;
    uint8_t *pixels; /* n * c*h*w */
    int *labels;     /* n */
    char **paths;    /* n */
    int classes;
    /* permutation cache of the loader (epoch -> order) */
    int *perm;
    int64_t perm_epoch;
};

/*
 * Decode every image of the list with stb_image and check it against the
 * network's c,h,w. Every error names the file (and list line): missing or
 * undecodable image, wrong size, no or several labels matching, more label
 * lines than classes... Returns 0 or -1.
 */
int dataset_load(struct dataset *d, const char *list_path, const char *labels_path, int classes,
                 int c, int h, int w, char *err);
void dataset_free(struct dataset *d);

/* struct augment: the [net] augmentation keys (augment.h). */

/* 1 if a needs the warp or colour path (not the pad/crop table look-up). */
int augment_warps(const struct augment *a);

/*
 * Fill x (batch, c, h, w) and truth (batch, classes, one-hot) with samples
 * first .. first+batch-1. Training: sample k is the image at position k % n
 * of epoch k / n's permutation, augmented with an RNG seeded by (seed, k).
 * Not training: sample k is image k % n in list order, not augmented.
 * truth may be NULL. It is dataset_plan_batch, then every sample rendered
 * with the table of augment_lut.
 */
void dataset_fill_batch(struct dataset *d, const struct augment *a, uint64_t seed, uint64_t first,
                        int batch, float *x, float *truth);

/*
 * What one sample of a batch is, before any pixel is touched: output pixel
 * (ch, y, x) of the sample is lut[ch][v] with v the pixel of image idx at
 *   row  y + dy - pad,  column  (flip ? w-1-x : x) + dx - pad,
 * or 0 (black) where that falls outside the image.
 */
struct sample_plan {
    int idx;    /* image index in the dataset */
    int label;  /* its class */
    int dx, dy; /* crop offset in the zero-padded image, 0 .. 2*pad */
    int pad;    /* zero padding on each side (0 when not training) */
    int flip;   /* 1: mirrored horizontally */
    float smooth; /* label smoothing eps of the truth row (0: one-hot) */
    /* Darknet's augmentation (augment_warps): when warp is 1, output pixel
     * (x, y), after the flip, samples the image at (m[0] x + m[1] y + m[2],
     * m[3] x + m[4] y + m[5]) bilinearly instead of the pad/crop above; when
     * colour is 1 the pixel is then jittered in HSV (struct augment). */
    int warp, colour;
    float m[6];
    float dhue, dsat, dexp;
};
/* The plans of samples first .. first+batch-1: the same choices, from the
 * same RNG calls, that dataset_fill_batch makes. */
void dataset_plan_batch(struct dataset *d, const struct augment *a, uint64_t seed, uint64_t first,
                        int batch, struct sample_plan *plan);
/* The normalisation of a value x in 0..1 of channel ch: (x - mean[ch]) / std[ch]. */
float augment_value(const struct augment *a, int ch, float x);
/* The same over an image x (c, h, w) of values in 0..1, in place (predict:
 * a resized image, not a u8 one). */
void augment_normalize(const struct augment *a, int c, int h, int w, float *x);
/* lut[ch][v] = augment_value(a, ch, v/255) for channels ch < c: the
 * normalisation every renderer (CPU and GPU) applies by table look-up. */
void augment_lut(const struct augment *a, int c, float lut[3][256]);

/*
 * A batch in compact form: each sample's unaugmented uint8 CHW image and
 * its plan, in one buffer (plans first, then images) so that one copy moves
 * it. The GPU renders it into the float batch (src/data/augment.cu), so a
 * training batch crosses to the device as bytes instead of floats.
 */
struct u8_batch {
    int batch, c, h, w;
    struct sample_plan *plan; /* batch plans, at the start of buf */
    uint8_t *pixels;          /* batch * c*h*w bytes: sample b's image at b*c*h*w */
    void *buf;                /* the one buffer holding both */
    size_t bytes;
};
/* Bytes of the buffer of a u8 batch of this shape. */
size_t u8_batch_bytes(int batch, int c, int h, int w);
/* Lay out u over buf (u8_batch_bytes long; the caller owns it). */
void u8_batch_init(struct u8_batch *u, int batch, int c, int h, int w, void *buf);
/* Plan samples first .. first+u->batch-1 (as dataset_plan_batch) and copy
 * their images into u. */
void dataset_gather_batch(struct dataset *d, const struct augment *a, uint64_t seed, uint64_t first,
                          struct u8_batch *u);
/* The CPU twin of the GPU renderer: x and truth (may be NULL) exactly as
 * dataset_fill_batch gives them for the samples u was gathered from. */
void u8_batch_render(const struct u8_batch *u, const float lut[3][256], int classes, float *x,
                     float *truth);

/* A thread that prepares the next batch while the current one trains. It uses
 * d (whose epoch permutation is cached in d) until loader_stop: no other
 * thread may plan or fill batches from the same d meanwhile. */
struct loader;
struct loader *loader_start(struct dataset *d, const struct augment *a, uint64_t seed,
                            uint64_t first, int batch);
/* Copy the next batch (blocking until it is ready) and start the one after. */
void loader_next(struct loader *L, float *x, float *truth);
/* The same loader, preparing u8 batches (dataset_gather_batch) instead of
 * float ones; loader_next_u8 copies the next one into u (same shape). */
struct loader *loader_start_u8(struct dataset *d, const struct augment *a, uint64_t seed,
                               uint64_t first, int batch);
void loader_next_u8(struct loader *L, struct u8_batch *u);
void loader_stop(struct loader *L);

/*
 * Read the official CIFAR-10 (data_batch_*.bin, test_batch.bin,
 * batches.meta.txt) or CIFAR-100 (train.bin, test.bin, fine_label_names.txt;
 * fine labels) binary files from bin_dir and write the PNGs of out_dir/training/
 * and out_dir/testing/, out_dir/train.list, out_dir/test.list and
 * out_dir/labels.txt. Image files are named <index>_<label>.png.
 */
int cifar_extract(const char *bin_dir, const char *out_dir, char *err);

#endif
