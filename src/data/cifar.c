/*
 * cifar.c - converts the official CIFAR-10 / CIFAR-100 binary files into the
 * Darknet layout: one PNG per image named <index>_<label>.png, a list file
 * per split and a labels file.
 *
 *   CIFAR-10:  data_batch_<i>.bin (training, in order of i), test_batch.bin,
 *              batches.meta.txt; record = label byte + 3072 pixel bytes.
 *   CIFAR-100: train.bin, test.bin, fine_label_names.txt;
 *              record = coarse byte + fine byte + 3072 pixel bytes.
 *   Pixels: 1024 R, then 1024 G, then 1024 B, each 32x32 row-major.
 *
 * Output: out_dir/training/00000_<label>.png ..., out_dir/testing/...,
 * out_dir/train.list, out_dir/test.list, out_dir/labels.txt. The folders are
 * not called "train"/"test" because CIFAR-100 has a class named "train",
 * which would then match every path.
 */
#define _GNU_SOURCE /* syncfs */
#include "data.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CIFAR_SIDE 32
#define CIFAR_PIXELS (3 * CIFAR_SIDE * CIFAR_SIDE)
#define PATH_LEN 4096
#define MAX_BATCHES 64
#define MAX_LABEL 200   /* characters of a label (file names hold <index>_<label>.png) */ /* data_batch_<i>.bin files (the official set has 5) */

/* The two dataset variants. */
struct cifar_kind {
    const char *name;
    const char *labels_file;
    int nlabels;
    int label_byte;  /* offset of the label we use in a record */
    int header;      /* bytes before the pixels */
    int coarse;      /* CIFAR-100: number of coarse labels (byte 0), else 0 */
};

static const struct cifar_kind cifar10 = {"CIFAR-10", "batches.meta.txt", 10, 0, 1, 0};
static const struct cifar_kind cifar100 = {"CIFAR-100", "fine_label_names.txt", 100, 1, 2, 20};

/* "a/b" from a and b (no doubled '/'). -1 with a message if too long. */
static int join(char *out, const char *a, const char *b, char *err)
{
    size_t la = strlen(a);
    const char *sep = la && a[la - 1] == '/' ? "" : "/";
    if (snprintf(out, PATH_LEN, "%s%s%s", a, sep, b) >= PATH_LEN) {
        dn_errf(err, "%s: path too long", a);
        return -1;
    }
    return 0;
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* mkdir -p */
static int mkdir_p(const char *path, char *err)
{
    char buf[PATH_LEN];
    if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
        dn_errf(err, "%s: path too long", path);
        return -1;
    }
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p != 0) continue;
        char saved = *p;
        *p = 0;
        struct stat st;
        if (mkdir(buf, 0777) != 0 && (errno != EEXIST || stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))) {
            dn_errf(err, "%s: cannot create directory: %s", buf,
                    errno == EEXIST ? "a file is in the way" : strerror(errno));
            return -1;
        }
        *p = saved;
        if (!saved) return 0;
    }
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* The data_batch_<i>.bin files of dir, sorted by i, as file names
 * (malloc'ed) in names. Only the official spelling counts: i in decimal
 * without leading zeros, so data_batch_1.bin and data_batch_01.bin cannot
 * both be batch 1; any other data_batch_* file is an error, as is a number
 * beyond max. Returns the count, or -1 with a message in err. */
static int find_cifar10_batches(const char *dir, char **names, int max, char *err)
{
    DIR *dp = opendir(dir);
    if (!dp) return 0;
    int n = 0, nums[MAX_BATCHES];
    struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        const char *d = e->d_name;
        if (strncmp(d, "data_batch_", 11) != 0) continue;
        int i = 0, k = 11;
        while (d[k] >= '0' && d[k] <= '9' && i < 1000000) i = 10 * i + (d[k++] - '0');
        if (k == 11 || strcmp(d + k, ".bin") != 0 || (d[11] == '0' && k > 12)) {
            dn_errf(err, "%s/%s: not a CIFAR-10 batch name (data_batch_<n>.bin, n without leading zeros)",
                    dir, d);
            n = -1;
            break;
        }
        if (n == max) {
            dn_errf(err, "%s: more than %d data_batch_<n>.bin files", dir, max);
            n = -1;
            break;
        }
        nums[n++] = i;
    }
    closedir(dp);
    if (n <= 0) return n;
    qsort(nums, n, sizeof(int), cmp_int);
    for (int j = 0; j < n; j++) {
        char name[64];
        snprintf(name, sizeof(name), "data_batch_%d.bin", nums[j]);
        names[j] = xstrdup(name);
    }
    return n;
}

/* Append the records of one binary file to a split: PNGs and list lines. */
static int extract_file(const struct cifar_kind *k, const char *bin, char *const *labels,
                        const char *img_dir, FILE *list, int *index, char *err)
{
    FILE *f = fopen(bin, "rb");
    if (!f) {
        dn_errf(err, "%s: cannot open: %s", bin, strerror(errno));
        return -1;
    }
    const long rec = k->header + CIFAR_PIXELS;
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0) size = ftell(f);
    rewind(f);
    if (size <= 0 || size % rec != 0) {
        dn_errf(err, "%s: size %ld bytes is not a positive multiple of the %s record size %ld",
                bin, size, k->name, rec);
        fclose(f);
        return -1;
    }
    unsigned char buf[2 + CIFAR_PIXELS], hwc[CIFAR_PIXELS];
    const int plane = CIFAR_SIDE * CIFAR_SIDE;
    int rc = 0;
    for (long r = 0; r < size / rec && rc == 0; r++) {
        if (fread(buf, 1, rec, f) != (size_t)rec) {
            dn_errf(err, "%s: read error at record %ld", bin, r);
            rc = -1;
            break;
        }
        int label = buf[k->label_byte];
        if (k->coarse && buf[0] >= k->coarse) {
            dn_errf(err, "%s: record %ld (byte offset %ld): coarse label %d out of range 0..%d",
                    bin, r, r * rec, buf[0], k->coarse - 1);
            rc = -1;
            break;
        }
        if (label >= k->nlabels) {
            dn_errf(err, "%s: record %ld (byte offset %ld): label %d out of range 0..%d", bin, r,
                    r * rec, label, k->nlabels - 1);
            rc = -1;
            break;
        }
        const unsigned char *px = buf + k->header; /* CHW -> HWC for the PNG */
        for (int i = 0; i < plane; i++)
            for (int ch = 0; ch < 3; ch++) hwc[i * 3 + ch] = px[ch * plane + i];
        char name[512], path[PATH_LEN];
        snprintf(name, sizeof(name), "%05d_%s.png", *index, labels[label]);
        if (join(path, img_dir, name, err)) {
            rc = -1;
            break;
        }
        if (png_write(path, CIFAR_SIDE, CIFAR_SIDE, 3, hwc, 0, err)) {
            rc = -1;
            break;
        }
        fprintf(list, "%s\n", path);
        (*index)++;
    }
    fclose(f);
    return rc;
}

/* Flush every file of the filesystem that holds dir to the disk. */
static int sync_dir_fs(const char *dir, char *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0 || syncfs(fd) != 0) {
        dn_errf(err, "%s: cannot flush to disk: %s", dir, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

/* One split: all bins -> out_dir/<sub>/ and out_dir/<list_name>. */
static int extract_split(const struct cifar_kind *k, char *const *bins, int nbins,
                         char *const *labels, const char *out_dir, const char *sub,
                         const char *list_name, char *err)
{
    char img_dir[PATH_LEN], list_path[PATH_LEN];
    if (join(img_dir, out_dir, sub, err) || join(list_path, out_dir, list_name, err) ||
        mkdir_p(img_dir, err))
        return -1;
    /* the list replaces an earlier one only once every image is written */
    char tmp[DN_PATH_LEN];
    FILE *list = atomic_open(list_path, tmp, "w", err);
    if (!list) return -1;
    int index = 0, rc = 0;
    for (int i = 0; i < nbins && rc == 0; i++)
        rc = extract_file(k, bins[i], labels, img_dir, list, &index, err);
    if (rc) {
        atomic_discard(list, tmp);
        return -1;
    }
    if (sync_dir_fs(img_dir, err)) { /* the images reach the disk before the list that names them */
        atomic_discard(list, tmp);
        return -1;
    }
    return atomic_commit(list, tmp, list_path, err);
}

/* Each label must be a clean file-name part, and the path of an image of
 * class i must match label i and no other (also no token of out_dir). */
static int check_labels(char *const *labels, int n, const char *out_dir, const char *lpath,
                        char *err)
{
    for (int i = 0; i < n; i++) {
        if (strlen(labels[i]) > MAX_LABEL) {
            dn_errf(err, "%s: label %d has %zu characters, at most %d (labels become part of file names)",
                    lpath, i + 1, strlen(labels[i]), MAX_LABEL);
            return -1;
        }
        if (strchr(labels[i], '/')) {
            dn_errf(err, "%s: label '%s' contains '/'", lpath, labels[i]);
            return -1;
        }
        for (int s = 0; s < 2; s++) {
            char name[512], path[PATH_LEN];
            snprintf(name, sizeof(name), "%s/00000_%s.png", s ? "testing" : "training", labels[i]);
            if (join(path, out_dir, name, err)) return -1;
            int a, b, m = label_match(path, labels, n, &a, &b);
            DN_ASSERT(m >= 1); /* label i always matches its own file name */
            if (m > 1) {
                dn_errf(err, "%s: image path %s would match labels '%s' and '%s' (whole tokens)",
                        lpath, path, labels[i], labels[a == i ? b : a]);
                return -1;
            }
        }
    }
    return 0;
}

int cifar_extract(const char *bin_dir, const char *out_dir, char *err)
{
    struct stat st;
    if (!out_dir[0]) {
        dn_errf(err, "cifar extract: empty output directory name");
        return -1;
    }
    if (stat(bin_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        dn_errf(err, "%s: not a directory", bin_dir);
        return -1;
    }
    char t10[PATH_LEN], tr100[PATH_LEN], t100[PATH_LEN], p[PATH_LEN], lp[PATH_LEN];
    if (join(t10, bin_dir, "test_batch.bin", err) || join(tr100, bin_dir, "train.bin", err) ||
        join(t100, bin_dir, "test.bin", err))
        return -1;
    char *batch_names[MAX_BATCHES];
    int n10 = find_cifar10_batches(bin_dir, batch_names, MAX_BATCHES, err);
    if (n10 < 0) return -1;
    int is10 = n10 > 0 || file_exists(t10);
    int is100 = file_exists(tr100) || file_exists(t100);
    if (is10 && is100) {
        dn_errf(err, "%s: holds both CIFAR-10 and CIFAR-100 files; use one directory per dataset",
                bin_dir);
        for (int i = 0; i < n10; i++) free(batch_names[i]);
        return -1;
    }
    if (!is10 && !is100) {
        dn_errf(err, "%s: no CIFAR-10 (data_batch_*.bin, test_batch.bin) or CIFAR-100 "
                "(train.bin, test.bin) binary files", bin_dir);
        return -1;
    }

    /* the binary files of each split, in order */
    const struct cifar_kind *k = is10 ? &cifar10 : &cifar100;
    char *train_bins[MAX_BATCHES], *test_bins[1];
    int ntrain = 0, ntest = 0, rc = -1, nlabels = 0;
    char **labels = NULL;
    if (is10) {
        for (int i = 0; i < n10; i++)
            if (!join(p, bin_dir, batch_names[i], err)) train_bins[ntrain++] = xstrdup(p);
        if (ntrain < n10) goto done;
        if (file_exists(t10)) test_bins[ntest++] = xstrdup(t10);
    } else {
        if (file_exists(tr100)) train_bins[ntrain++] = xstrdup(tr100);
        if (file_exists(t100)) test_bins[ntest++] = xstrdup(t100);
    }

    if (join(p, bin_dir, k->labels_file, err)) goto done;
    if (!(labels = read_lines(p, &nlabels, err))) goto done;
    if (nlabels != k->nlabels) {
        dn_errf(err, "%s: %d labels, %s has %d", p, nlabels, k->name, k->nlabels);
        goto done;
    }
    if (check_labels(labels, nlabels, out_dir, p, err) || mkdir_p(out_dir, err) ||
        join(lp, out_dir, "labels.txt", err))
        goto done;
    char tmp[DN_PATH_LEN];
    FILE *f = atomic_open(lp, tmp, "w", err);
    if (!f) goto done;
    for (int i = 0; i < nlabels; i++) fprintf(f, "%s\n", labels[i]);
    if (atomic_commit(f, tmp, lp, err)) goto done;
    if (ntrain && extract_split(k, train_bins, ntrain, labels, out_dir, "training", "train.list", err))
        goto done;
    if (ntest && extract_split(k, test_bins, ntest, labels, out_dir, "testing", "test.list", err))
        goto done;
    rc = 0;
done:
    for (int i = 0; i < n10; i++) free(batch_names[i]);
    free_lines(labels, nlabels);
    for (int i = 0; i < ntrain; i++) free(train_bins[i]);
    for (int i = 0; i < ntest; i++) free(test_bins[i]);
    return rc;
}
