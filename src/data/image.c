/*
 * image.c - loads every image of a list file once, with stb_image, into one
 * uint8 array in CHW (planar) order, and gives each image its label by
 * whole-token matching of the labels against its path (see labels.c).
 *
 * Images are not resized: a wrong size is an error naming the image, so that
 * a dataset prepared for another network is noticed instead of distorted.
 */
#include "data.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stb/stb_image.h>
#include <stb/stb_image_write.h>

static void png_chunk(void *ctx, void *data, int size)
{
    /* a short write sets the stream's error flag, which atomic_commit checks */
    size_t n = fwrite(data, 1, (size_t)size, (FILE *)ctx);
    (void)n;
}

int png_write(const char *path, int w, int h, int comp, const unsigned char *px, int durable, char *err)
{
    char tmp[DN_PATH_LEN];
    FILE *f = durable ? atomic_open(path, tmp, "wb", err) : fopen(path, "wb");
    if (!f) {
        if (!durable) dn_errf(err, "%s: cannot write: %s", path, strerror(errno));
        return -1;
    }
    int ok = stbi_write_png_to_func(png_chunk, f, w, h, comp, px, w * comp);
    if (durable) {
        if (ok) return atomic_commit(f, tmp, path, err);
        atomic_discard(f, tmp);
    } else {
        ok = ok && !ferror(f);
        if (fclose(f) != 0) ok = 0;
        if (ok) return 0;
        remove(path);
    }
    dn_errf(err, "%s: write failed: %s", path, errno ? strerror(errno) : "cannot encode the PNG");
    return -1;
}

/* Decode one image into dst (c*h*w bytes, CHW). Returns 0 or -1 with
 * "list:line: image: message" in err. */
static int load_one(const char *list, int line, const char *path, int c, int h, int w,
                    uint8_t *dst, char *err)
{
    int iw, ih, icomp;
    /* the size from the header first: a damaged header claiming a huge image
     * is refused without decoding (and allocating) it */
    if (stbi_info(path, &iw, &ih, &icomp) && (iw != w || ih != h)) {
        dn_errf(err, "%s:%d: %s: %dx%d image, network expects %dx%d", list, line, path, iw, ih, w, h);
        return -1;
    }
    unsigned char *px = stbi_load(path, &iw, &ih, &icomp, c);
    if (!px) {
        dn_errf(err, "%s:%d: %s: cannot load image (%s)", list, line, path, stbi_failure_reason());
        return -1;
    }
    if (iw != w || ih != h) {
        dn_errf(err, "%s:%d: %s: %dx%d image, network expects %dx%d", list, line, path, iw, ih, w,
                h);
        stbi_image_free(px);
        return -1;
    }
    /* stb_image gives HWC (interleaved); we store CHW */
    for (int ch = 0; ch < c; ch++)
        for (int i = 0; i < h * w; i++) dst[(size_t)ch * h * w + i] = px[(size_t)i * c + ch];
    stbi_image_free(px);
    return 0;
}

int dataset_load(struct dataset *d, const char *list_path, const char *labels_path, int classes,
                 int c, int h, int w, char *err)
{
    memset(d, 0, sizeof(*d));
    d->perm_epoch = -1;
    if (c != 1 && c != 3) {
        dn_errf(err, "%s: networks with %d input channels are not supported (1 or 3)", list_path,
                c);
        return -1;
    }
    if (h <= 0 || w <= 0) {
        dn_errf(err, "%s: bad network input size %dx%d", list_path, w, h);
        return -1;
    }
    int nlabels;
    char **labels = read_lines(labels_path, &nlabels, err);
    if (!labels) return -1;
    if (nlabels != classes) {
        dn_errf(err, "%s: %d labels, but classes=%d", labels_path, nlabels, classes);
        free_lines(labels, nlabels);
        return -1;
    }
    int n, *linenos;
    char **paths = read_lines_numbered(list_path, &n, &linenos, err);
    if (!paths) {
        free_lines(labels, nlabels);
        return -1;
    }
    d->n = n;
    d->c = c;
    d->h = h;
    d->w = w;
    d->classes = classes;
    d->paths = paths;
    d->labels = xcalloc(n, sizeof(int));
    d->pixels = xmalloc((size_t)n * c * h * w);

    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        int first, second;
        int m = label_match(paths[i], labels, nlabels, &first, &second);
        if (m == 0) {
            dn_errf(err, "%s:%d: %s: no label of %s matches the path (whole tokens between / _ . -)",
                    list_path, linenos[i], paths[i], labels_path);
            rc = -1;
        } else if (m > 1) {
            dn_errf(err, "%s:%d: %s: several labels of %s match the path: '%s' and '%s'",
                    list_path, linenos[i], paths[i], labels_path, labels[first], labels[second]);
            rc = -1;
        } else {
            d->labels[i] = first;
            rc = load_one(list_path, linenos[i], paths[i], c, h, w,
                          d->pixels + (size_t)i * c * h * w, err);
        }
    }
    free(linenos);
    free_lines(labels, nlabels);
    if (rc) dataset_free(d);
    return rc;
}

void dataset_free(struct dataset *d)
{
    free(d->pixels);
    free(d->labels);
    free_lines(d->paths, d->n);
    free(d->perm);
    memset(d, 0, sizeof(*d));
    d->perm_epoch = -1;
}
