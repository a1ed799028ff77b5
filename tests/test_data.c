/*
 * test_data.c - tests of src/data: label matching, list and .data reading,
 * CIFAR extraction and loading on the real subset (DN_CIFAR), batch filling
 * (normalisation, pad-crop, flip, epoch permutations, determinism) and the
 * prefetching loader.
 *
 * The CIFAR tests fail (never skip) when DN_CIFAR is not set.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <stb/stb_image.h>
#include <stb/stb_image_write.h>

#include "../src/data/data.h"
#include "harness.h"

/* ---- helpers ---- */

/* test_tmpdir()/name, in one of 16 rotating buffers: copy it to keep it. */
static const char *tmp_path(const char *name)
{
    static char buf[16][1024];
    static int next;
    char *p = buf[next++ % 16];
    snprintf(p, 1024, "%s/%s", test_tmpdir(), name);
    return p;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    EXPECT(f != NULL, "cannot create %s", path);
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

static void make_dir(const char *path) { mkdir(path, 0777); }

/* The CIFAR subset directory, or NULL after recording a failure. */
static const char *cifar_root(void)
{
    const char *d = test_cifar_dir();
    EXPECT(d != NULL, "DN_CIFAR is not set: point it at the CIFAR subset (e.g. ../shared/cifar)");
    return d;
}

/* Record i of a CIFAR binary file (rec bytes) into buf; 0 on success. */
static int read_record(const char *path, long i, int rec, unsigned char *buf)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    int ok = fseek(f, i * rec, SEEK_SET) == 0 && fread(buf, 1, rec, f) == (size_t)rec;
    fclose(f);
    return ok ? 0 : -1;
}

/* Extract a CIFAR variant once per run into tmp/<name>; returns the out dir or NULL. */
static const char *extracted(const char *sub, const char *name)
{
    static char done[2][1024];
    int slot = strcmp(name, "c10") == 0 ? 0 : 1;
    if (done[slot][0]) return done[slot];
    const char *root = cifar_root();
    if (!root) return NULL;
    char bin[1024], err[DN_ERR_LEN] = "";
    snprintf(bin, sizeof(bin), "%s/%s", root, sub);
    const char *out = tmp_path(name);
    int rc = cifar_extract(bin, out, err);
    EXPECT(rc == 0, "cifar_extract(%s): %s", bin, err);
    if (rc) return NULL;
    snprintf(done[slot], sizeof(done[slot]), "%s", out);
    return done[slot];
}

static const char *c10_dir(void) { return extracted("cifar-10-batches-bin", "c10"); }
static const char *c100_dir(void) { return extracted("cifar-100-binary", "c100"); }

/* A synthetic dataset: image i has label i (classes = n) and pixel values
 * 1 + (i*7 + offset) % 251, offset running over (ch, y, x): all distinct
 * within an image when c*h*w <= 251, and never 0. */
static void make_synth(struct dataset *d, int n, int c, int h, int w)
{
    memset(d, 0, sizeof(*d));
    d->n = n;
    d->c = c;
    d->h = h;
    d->w = w;
    d->classes = n;
    d->perm_epoch = -1;
    d->pixels = xmalloc((size_t)n * c * h * w);
    d->labels = xmalloc(n * sizeof(int));
    for (int i = 0; i < n; i++) {
        d->labels[i] = i;
        for (int j = 0; j < c * h * w; j++) d->pixels[(size_t)i * c * h * w + j] = 1 + (i * 7 + j) % 251;
    }
}

static void free_synth(struct dataset *d)
{
    free(d->pixels);
    free(d->labels);
    free(d->perm);
}

static float norm(int v, const struct augment *a, int ch)
{
    return ((float)v / 255.0f - a->mean[ch]) / a->std[ch];
}

static const struct augment plain_aug = {.mean = {0.4914f, 0.4822f, 0.4465f}, .std = {0.247f, 0.243f, 0.261f}};

/* Label of sample b of a batch from its one-hot truth, -1 if not one-hot. */
static int truth_label(const float *truth, int classes, int b)
{
    int label = -1, ones = 0;
    for (int j = 0; j < classes; j++) {
        float t = truth[(size_t)b * classes + j];
        if (t == 1.0f) {
            label = j;
            ones++;
        } else if (t != 0.0f) {
            return -1;
        }
    }
    return ones == 1 ? label : -1;
}

/* Reference augmentation of image idx with offsets (dx, dy) and flip f. */
static void reference(const struct dataset *d, const struct augment *a, int idx, int dx, int dy,
                      int f, float *out)
{
    int c = d->c, h = d->h, w = d->w, pad = a->crop_pad;
    const uint8_t *src = d->pixels + (size_t)idx * c * h * w;
    for (int ch = 0; ch < c; ch++)
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                int sy = y + dy - pad, sx = (f ? w - 1 - x : x) + dx - pad;
                int v = sy >= 0 && sy < h && sx >= 0 && sx < w ? src[(ch * h + sy) * w + sx] : 0;
                out[(ch * h + y) * w + x] = norm(v, a, ch);
            }
}

/* ---- label matching and text files ---- */

static void test_label_match(void)
{
    char *labels[] = {"man", "woman", "maple_tree", "cat", "category", "tree", "truck", "pickup_truck"};
    int n = 8, a, b;
    EXPECT(label_match("data/x/3_woman.png", labels, n, &a, &b) == 1 && a == 1 && b == -1,
           "woman: a=%d b=%d", a, b);
    EXPECT(label_match("data/x/3_man.png", labels, n, &a, &b) == 1 && a == 0, "man: a=%d", a);
    EXPECT(label_match("data/x/7_maple_tree.png", labels, n, &a, &b) == 2 && a == 2 && b == 5,
           "maple_tree + tree: a=%d b=%d", a, b);
    char *trees[] = {"maple_tree", "oak"};
    EXPECT(label_match("a/1_maple_tree.png", trees, 2, &a, NULL) == 1 && a == 0,
           "label with a delimiter inside: a=%d", a);
    EXPECT(label_match("cat/img.png", labels, n, &a, NULL) == 1 && a == 3, "token at start: %d", a);
    EXPECT(label_match("img/0_cat", labels, n, &a, NULL) == 1 && a == 3, "token at end: %d", a);
    EXPECT(label_match("cat", labels, n, &a, NULL) == 1 && a == 3, "whole string: %d", a);
    EXPECT(label_match("a-truck.b", labels, n, &a, NULL) == 1 && a == 6, "'-' delimiter: %d", a);
    EXPECT(label_match("data/category/1_x.png", labels, n, &a, &b) == 1 && a == 4,
           "'category' is not 'cat': a=%d", a);
    EXPECT(label_match("data/concatenate_catcat.png", labels, n, &a, &b) == 0 && a == -1 && b == -1,
           "substrings only: a=%d b=%d", a, b);
    EXPECT(label_match("a/1_pickup_truck.png", labels, n, &a, &b) == 2 && a == 6 && b == 7,
           "pickup_truck + truck: a=%d b=%d", a, b);
    EXPECT(label_match("a/1_cat_category_woman.png", labels, n, NULL, NULL) == 3, "three matches");
    EXPECT(label_match("", labels, n, &a, NULL) == 0, "empty path");
}

static void test_read_lines(void)
{
    const char *p = tmp_path("lines.txt");
    write_text(p, "a\r\n\n  \nb  \t\r\n\nc");
    int n = 0, *nums = NULL;
    char err[DN_ERR_LEN] = "";
    char **l = read_lines_numbered(p, &n, &nums, err);
    EXPECT(l && n == 3, "3 lines expected, got %d (%s)", n, err);
    if (l && n == 3) {
        EXPECT(!strcmp(l[0], "a") && !strcmp(l[1], "b") && !strcmp(l[2], "c"), "'%s' '%s' '%s'",
               l[0], l[1], l[2]);
        EXPECT(nums[0] == 1 && nums[1] == 4 && nums[2] == 6, "line numbers %d %d %d", nums[0],
               nums[1], nums[2]);
    }
    free_lines(l, n);
    free(nums);

    const char *missing = tmp_path("no_such_file.txt");
    EXPECT(!read_lines(missing, &n, err) && strstr(err, missing) && strstr(err, "cannot open"),
           "missing file: %s", err);
    const char *empty = tmp_path("empty.txt");
    write_text(empty, "\n \n");
    EXPECT(!read_lines(empty, &n, err) && strstr(err, empty) && strstr(err, "no lines"),
           "empty file: %s", err);
}

/* ---- .data files ---- */

static int read_data_text(const char *name, const char *text, struct data_cfg *d, char *err)
{
    const char *p = tmp_path(name);
    write_text(p, text);
    return data_cfg_read(p, d, err);
}

/* Expect data_cfg_read to fail with all of the given substrings in err. */
static void expect_data_error(const char *name, const char *text, const char *s1, const char *s2,
                              const char *s3)
{
    struct data_cfg d;
    char err[DN_ERR_LEN] = "";
    int rc = read_data_text(name, text, &d, err);
    EXPECT(rc == -1, "%s: expected an error", name);
    EXPECT(strstr(err, s1) && strstr(err, s2) && strstr(err, s3),
           "%s: message '%s' lacks '%s' / '%s' / '%s'", name, err, s1, s2, s3);
}

static void test_data_cfg(void)
{
    struct data_cfg d;
    char err[DN_ERR_LEN] = "";
    int rc = read_data_text("good.data",
                            "# CIFAR-10\nclasses= 10\ntrain  = data/cifar10/train.list\n"
                            "valid = data/cifar10/test.list\nlabels = data/cifar10/labels.txt\n"
                            "backup = backup/c10/\n\ntop=2\n",
                            &d, err);
    EXPECT(rc == 0, "good.data: %s", err);
    EXPECT(d.classes == 10 && d.top == 2, "classes %d top %d", d.classes, d.top);
    EXPECT(!strcmp(d.train, "data/cifar10/train.list"), "train '%s'", d.train);
    EXPECT(!strcmp(d.valid, "data/cifar10/test.list"), "valid '%s'", d.valid);
    EXPECT(!strcmp(d.labels, "data/cifar10/labels.txt"), "labels '%s'", d.labels);
    EXPECT(!strcmp(d.names, "data/cifar10/labels.txt"), "names defaults to labels: '%s'", d.names);
    EXPECT(!strcmp(d.backup, "backup/c10/"), "backup '%s'", d.backup);
    EXPECT(strstr(d.path, "good.data") != NULL, "path '%s'", d.path);

    rc = read_data_text("defaults.data", "classes=100\nnames=data/names.txt\n", &d, err);
    EXPECT(rc == 0, "defaults.data: %s", err);
    EXPECT(!strcmp(d.train, "data/train.list") && !strcmp(d.valid, "data/train.list"),
           "default train/valid '%s' '%s'", d.train, d.valid);
    EXPECT(!strcmp(d.labels, "data/labels.list") && !strcmp(d.names, "data/names.txt"),
           "default labels '%s', names '%s'", d.labels, d.names);
    EXPECT(!strcmp(d.backup, "backup/") && d.top == 5, "default backup '%s' top %d", d.backup, d.top);
    rc = read_data_text("few.data", "classes=3\n", &d, err);
    EXPECT(rc == 0 && d.top == 3, "top defaults to classes when < 5: rc %d top %d", rc, d.top);

    expect_data_error("noclasses.data", "train=a\nvalid=b\n", "noclasses.data:1:", "classes",
                      "missing required key");
    expect_data_error("badnum.data", "train=a\nclasses=abc\n", "badnum.data:2:", "classes=abc",
                      "not an integer");
    expect_data_error("unknown.data", "classes=10\nvaild=x\n", "unknown.data:2:", "vaild=x",
                      "unknown key");
    expect_data_error("zero.data", "classes=0\n", "zero.data:1:", "classes=0", "> 0");
    expect_data_error("top.data", "classes=10\ntop=0\n", "top.data:2:", "top=0", "at least 1");
    rc = read_data_text("upstream.data", "classes=10\ntop=11\ntest=data/test.list\neval=imagenet\n", &d, err);
    EXPECT(rc == 0 && d.top == 10, "top=11 clamped to classes, Darknet's unused keys accepted: rc %d top %d %s", rc,
           d.top, err);
    expect_data_error("section.data", "[net]\nclasses=10\n", "section.data:1:", "[net]", "section");
    expect_data_error("emptyval.data", "classes=10\n\ntrain=\n", "emptyval.data:3:", "train",
                      "empty");
    rc = data_cfg_read(tmp_path("missing.data"), &d, err);
    EXPECT(rc == -1 && strstr(err, "missing.data") && strstr(err, "cannot open"), "missing: %s", err);
}

/* ---- CIFAR extraction ---- */

/* Check one extracted PNG against record i of a binary file. */
static void expect_png_is_record(const char *png, const char *bin, long i, int header)
{
    unsigned char rec[2 + 3072];
    EXPECT(read_record(bin, i, header + 3072, rec) == 0, "cannot read %s record %ld", bin, i);
    int w = 0, h = 0, comp = 0;
    unsigned char *px = stbi_load(png, &w, &h, &comp, 3);
    EXPECT(px && w == 32 && h == 32 && comp == 3, "%s: %dx%dx%d (%s)", png, w, h, comp,
           px ? "ok" : stbi_failure_reason());
    if (!px) return;
    int bad = 0;
    for (int ch = 0; ch < 3; ch++)
        for (int j = 0; j < 1024; j++) bad += px[j * 3 + ch] != rec[header + ch * 1024 + j];
    EXPECT(bad == 0, "%s: %d bytes differ from %s record %ld", png, bad, bin, i);
    stbi_image_free(px);
}

static void test_cifar10_extract(void)
{
    const char *out = c10_dir();
    if (!out) return;
    const char *root = test_cifar_dir();
    char p[1024], bin[1024], expect[1024], err[DN_ERR_LEN] = "";
    int n = 0, nl = 0;

    snprintf(p, sizeof(p), "%s/labels.txt", out);
    char **labels = read_lines(p, &nl, err);
    const char *want[] = {"airplane", "automobile", "bird", "cat", "deer",
                          "dog", "frog", "horse", "ship", "truck"};
    EXPECT(labels && nl == 10, "labels.txt: %d lines (%s)", nl, err);
    for (int i = 0; labels && i < nl && i < 10; i++)
        EXPECT(!strcmp(labels[i], want[i]), "label %d: '%s' != '%s'", i, labels[i], want[i]);

    snprintf(p, sizeof(p), "%s/train.list", out);
    char **train = read_lines(p, &n, err);
    EXPECT(train && n == 2000, "train.list: %d lines (%s)", n, err);
    snprintf(bin, sizeof(bin), "%s/cifar-10-batches-bin/data_batch_1.bin", root);
    unsigned char rec[3073];
    if (train && labels && nl == 10 && read_record(bin, 0, 3073, rec) == 0) {
        snprintf(expect, sizeof(expect), "%s/training/00000_%s.png", out, labels[rec[0]]);
        EXPECT(!strcmp(train[0], expect), "first line '%s', expected '%s'", train[0], expect);
        expect_png_is_record(train[0], bin, 0, 1);
        read_record(bin, 1999, 3073, rec);
        snprintf(expect, sizeof(expect), "%s/training/01999_%s.png", out, labels[rec[0]]);
        EXPECT(n == 2000 && !strcmp(train[1999], expect), "last line '%s', expected '%s'",
               train[n - 1], expect);
        if (n == 2000) expect_png_is_record(train[1999], bin, 1999, 1);
    }
    free_lines(train, n);

    snprintf(p, sizeof(p), "%s/test.list", out);
    char **test = read_lines(p, &n, err);
    EXPECT(test && n == 1000, "test.list: %d lines (%s)", n, err);
    snprintf(bin, sizeof(bin), "%s/cifar-10-batches-bin/test_batch.bin", root);
    if (test && labels && nl == 10 && read_record(bin, 0, 3073, rec) == 0) {
        snprintf(expect, sizeof(expect), "%s/testing/00000_%s.png", out, labels[rec[0]]);
        EXPECT(!strcmp(test[0], expect), "first test line '%s', expected '%s'", test[0], expect);
        expect_png_is_record(test[0], bin, 0, 1);
    }
    free_lines(test, n);
    free_lines(labels, nl);
}

static void test_cifar100_extract(void)
{
    const char *out = c100_dir();
    if (!out) return;
    const char *root = test_cifar_dir();
    char p[1024], bin[1024], expect[1024], err[DN_ERR_LEN] = "";
    int n = 0, nl = 0, nf = 0;

    snprintf(p, sizeof(p), "%s/labels.txt", out);
    char **labels = read_lines(p, &nl, err);
    snprintf(p, sizeof(p), "%s/cifar-100-binary/fine_label_names.txt", root);
    char **fine = read_lines(p, &nf, err);
    EXPECT(labels && fine && nl == 100 && nf == 100, "labels.txt %d lines, fine names %d", nl, nf);
    for (int i = 0; labels && fine && i < nl && i < nf; i++)
        EXPECT(!strcmp(labels[i], fine[i]), "label %d: '%s' != '%s'", i, labels[i], fine[i]);
    if (labels && nl == 100) {
        EXPECT(!strcmp(labels[46], "man") && !strcmp(labels[98], "woman") &&
                   !strcmp(labels[90], "train"), "labels 46/98/90: %s %s %s", labels[46],
               labels[98], labels[90]);
    }

    snprintf(p, sizeof(p), "%s/train.list", out);
    char **train = read_lines(p, &n, err);
    EXPECT(train && n == 2000, "train.list: %d lines (%s)", n, err);
    snprintf(bin, sizeof(bin), "%s/cifar-100-binary/train.bin", root);
    unsigned char rec[3074];
    if (train && labels && nl == 100 && read_record(bin, 0, 3074, rec) == 0) {
        snprintf(expect, sizeof(expect), "%s/training/00000_%s.png", out, labels[rec[1]]);
        EXPECT(!strcmp(train[0], expect), "first line '%s', expected '%s' (fine label)", train[0],
               expect);
        expect_png_is_record(train[0], bin, 0, 2);
        /* every extracted path matches exactly the label of its record */
        int bad = 0;
        for (int i = 0; i < n; i++) {
            int a;
            if (read_record(bin, i, 3074, rec) || label_match(train[i], labels, nl, &a, NULL) != 1 ||
                a != rec[1])
                bad++;
        }
        EXPECT(bad == 0, "%d of %d CIFAR-100 paths do not match exactly their own label", bad, n);
    }
    free_lines(train, n);

    snprintf(p, sizeof(p), "%s/test.list", out);
    char **test = read_lines(p, &n, err);
    EXPECT(test && n == 1000, "test.list: %d lines (%s)", n, err);
    snprintf(bin, sizeof(bin), "%s/cifar-100-binary/test.bin", root);
    if (test && n == 1000) expect_png_is_record(test[999], bin, 999, 2);
    free_lines(test, n);
    free_lines(labels, nl);
    free_lines(fine, nf);
}

static void test_cifar_errors(void)
{
    char err[DN_ERR_LEN] = "";
    const char *labels10 = "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n";
    static unsigned char buf[3 * 3073];

    /* size not a multiple of the record */
    const char *bad = tmp_path("badsize");
    make_dir(bad);
    char p[1024];
    snprintf(p, sizeof(p), "%s/batches.meta.txt", bad);
    write_text(p, labels10);
    snprintf(p, sizeof(p), "%s/data_batch_1.bin", bad);
    FILE *f = fopen(p, "wb");
    if (f) {
        fwrite(buf, 1, 2 * 3073 + 5, f);
        fclose(f);
    }
    int rc = cifar_extract(bad, tmp_path("badsize_out"), err);
    EXPECT(rc == -1 && strstr(err, "data_batch_1.bin") && strstr(err, "6151") &&
               strstr(err, "multiple") && strstr(err, "3073"), "bad size: %s", err);

    /* label byte out of range in record 1 */
    const char *lab = tmp_path("badlabel");
    make_dir(lab);
    snprintf(p, sizeof(p), "%s/batches.meta.txt", lab);
    write_text(p, labels10);
    snprintf(p, sizeof(p), "%s/test_batch.bin", lab);
    buf[0] = 3;
    buf[3073] = 10;
    f = fopen(p, "wb");
    if (f) {
        fwrite(buf, 1, 3 * 3073, f);
        fclose(f);
    }
    rc = cifar_extract(lab, tmp_path("badlabel_out"), err);
    EXPECT(rc == -1 && strstr(err, "test_batch.bin") && strstr(err, "record 1") &&
               strstr(err, "label 10"), "bad label: %s", err);

    /* wrong number of labels */
    snprintf(p, sizeof(p), "%s/batches.meta.txt", lab);
    write_text(p, "airplane\nautomobile\n");
    rc = cifar_extract(lab, tmp_path("badlabel_out"), err);
    EXPECT(rc == -1 && strstr(err, "batches.meta.txt") && strstr(err, "2 labels"), "labels: %s", err);

    /* CIFAR-100: fine label 100, then coarse label 20 */
    const char *c100 = tmp_path("badlabel100");
    make_dir(c100);
    char names[1024] = "";
    for (int i = 0; i < 100; i++) {
        size_t used = strlen(names);
        snprintf(names + used, sizeof(names) - used, "c%d\n", i);
    }
    snprintf(p, sizeof(p), "%s/fine_label_names.txt", c100);
    write_text(p, names);
    snprintf(p, sizeof(p), "%s/train.bin", c100);
    static unsigned char rec100[2 * 3074];
    rec100[3074 + 1] = 100;
    f = fopen(p, "wb");
    if (f) {
        fwrite(rec100, 1, sizeof(rec100), f);
        fclose(f);
    }
    rc = cifar_extract(c100, tmp_path("badlabel100_out"), err);
    EXPECT(rc == -1 && strstr(err, "train.bin: record 1 (byte offset 3074): label 100 out of range 0..99"),
           "bad fine label: %s", err);
    rec100[3074 + 1] = 5;
    rec100[3074] = 20;
    f = fopen(p, "wb");
    if (f) {
        fwrite(rec100, 1, sizeof(rec100), f);
        fclose(f);
    }
    rc = cifar_extract(c100, tmp_path("badlabel100_out"), err);
    EXPECT(rc == -1 && strstr(err, "record 1") && strstr(err, "coarse label 20 out of range 0..19"),
           "bad coarse label: %s", err);

    /* no CIFAR files, no directory */
    const char *none = tmp_path("nocifar");
    make_dir(none);
    rc = cifar_extract(none, tmp_path("nocifar_out"), err);
    EXPECT(rc == -1 && strstr(err, "nocifar") && strstr(err, "no CIFAR-10"), "empty dir: %s", err);
    rc = cifar_extract(tmp_path("does_not_exist"), tmp_path("x_out"), err);
    EXPECT(rc == -1 && strstr(err, "does_not_exist") && strstr(err, "not a directory"),
           "missing dir: %s", err);

    /* an output directory whose name is a label would make every path ambiguous */
    const char *root = cifar_root();
    if (!root) return;
    char bin[1024];
    snprintf(bin, sizeof(bin), "%s/cifar-10-batches-bin", root);
    rc = cifar_extract(bin, tmp_path("cat"), err);
    EXPECT(rc == -1 && strstr(err, "'cat'"), "out dir named cat: %s", err);
}

/* ---- dataset loading ---- */

static void test_dataset_load_cifar(void)
{
    const char *out = c10_dir();
    if (!out) return;
    char list[1024], labels[1024], bin[1024], err[DN_ERR_LEN] = "";
    snprintf(list, sizeof(list), "%s/train.list", out);
    snprintf(labels, sizeof(labels), "%s/labels.txt", out);
    struct dataset d;
    int rc = dataset_load(&d, list, labels, 10, 3, 32, 32, err);
    EXPECT(rc == 0, "dataset_load: %s", err);
    if (rc) return;
    EXPECT(d.n == 2000 && d.c == 3 && d.h == 32 && d.w == 32 && d.classes == 10,
           "n %d c %d h %d w %d classes %d", d.n, d.c, d.h, d.w, d.classes);
    int count[10] = {0};
    for (int i = 0; i < d.n; i++)
        if (d.labels[i] >= 0 && d.labels[i] < 10) count[d.labels[i]]++;
    for (int j = 0; j < 10; j++) EXPECT(count[j] == 200, "class %d: %d images", j, count[j]);

    /* the cache holds the records' bytes, CHW, in list order */
    snprintf(bin, sizeof(bin), "%s/cifar-10-batches-bin/data_batch_1.bin", test_cifar_dir());
    unsigned char rec[3073];
    for (int i = 0; i < d.n; i += 1999) {
        EXPECT(read_record(bin, i, 3073, rec) == 0, "read record %d", i);
        EXPECT(d.labels[i] == rec[0], "image %d: label %d, record %d", i, d.labels[i], rec[0]);
        EXPECT(memcmp(d.pixels + (size_t)i * 3072, rec + 1, 3072) == 0, "image %d pixels", i);
    }

    /* evaluation batch: samples in list order, normalised only */
    float *x = falloc(2 * 3072), truth[20];
    struct augment a = plain_aug;
    a.crop_pad = 4; /* ignored when not training */
    a.flip = 1;
    dataset_fill_batch(&d, &a, 1, 2000 + 1999, 2, x, truth);
    read_record(bin, 1999, 3073, rec);
    int bad = 0;
    for (int j = 0; j < 3072; j++) bad += x[j] != norm(rec[1 + j], &a, j / 1024);
    EXPECT(bad == 0, "eval sample 3999 = image 1999: %d values differ", bad);
    EXPECT(truth_label(truth, 10, 0) == rec[0] && truth_label(truth, 10, 1) == d.labels[0],
           "eval truth %d %d", truth_label(truth, 10, 0), truth_label(truth, 10, 1));
    free(x);
    dataset_free(&d);
    EXPECT(d.pixels == NULL && d.n == 0, "dataset_free clears the struct");

    /* CIFAR-100: 20 images per fine class, "man" and "woman" included */
    out = c100_dir();
    if (!out) return;
    snprintf(list, sizeof(list), "%s/train.list", out);
    snprintf(labels, sizeof(labels), "%s/labels.txt", out);
    rc = dataset_load(&d, list, labels, 100, 3, 32, 32, err);
    EXPECT(rc == 0, "dataset_load CIFAR-100: %s", err);
    if (rc) return;
    int c100[100] = {0};
    for (int i = 0; i < d.n; i++) c100[d.labels[i]]++;
    int wrong = 0;
    for (int j = 0; j < 100; j++) wrong += c100[j] != 20;
    EXPECT(d.n == 2000 && wrong == 0, "CIFAR-100: n %d, %d classes without 20 images", d.n, wrong);
    dataset_free(&d);
}

static void write_png(const char *path, int w, int h)
{
    unsigned char px[64 * 64 * 3];
    for (int i = 0; i < w * h * 3; i++) px[i] = (unsigned char)(i * 13);
    EXPECT(stbi_write_png(path, w, h, 3, px, w * 3) != 0, "cannot write %s", path);
}

/* Expect dataset_load of a list text to fail with s1, s2 and s3 in the message. */
static void expect_load_error(const char *list_text, int classes, int c, const char *s1,
                              const char *s2, const char *s3)
{
    char err[DN_ERR_LEN] = "";
    const char *list = tmp_path("dl/list.txt");
    write_text(list, list_text);
    struct dataset d;
    int rc = dataset_load(&d, list, tmp_path("dl/labels.txt"), classes, c, 32, 32, err);
    EXPECT(rc == -1 && d.pixels == NULL, "list '%s': expected an error", list_text);
    EXPECT(strstr(err, s1) && strstr(err, s2) && strstr(err, s3),
           "message '%s' lacks '%s' / '%s' / '%s'", err, s1, s2, s3);
}

static void test_dataset_errors(void)
{
    char dir[512], p[1024], list[4096];
    snprintf(dir, sizeof(dir), "%s", tmp_path("dl"));
    make_dir(dir);
    write_text(tmp_path("dl/labels.txt"), "cat\ndog\n");
    const char *names[] = {"0_cat.png", "1_dog.png", "3_bird.png", "4_cat_dog.png"};
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
        write_png(p, 32, 32);
    }
    snprintf(p, sizeof(p), "%s/2_cat.png", dir);
    write_png(p, 28, 28);
    snprintf(p, sizeof(p), "%s/5_cat.png", dir);
    write_text(p, "not an image\n");

    /* a good list, also in grey (stb converts) */
    snprintf(list, sizeof(list), "%s/0_cat.png\n\n%s/1_dog.png\n", dir, dir);
    write_text(tmp_path("dl/good.txt"), list);
    struct dataset d;
    char err[DN_ERR_LEN] = "";
    int rc = dataset_load(&d, tmp_path("dl/good.txt"), tmp_path("dl/labels.txt"), 2, 1, 32, 32, err);
    EXPECT(rc == 0 && d.n == 2 && d.c == 1 && d.labels[0] == 0 && d.labels[1] == 1,
           "good list: rc %d n %d (%s)", rc, d.n, err);
    if (rc == 0) dataset_free(&d);

    snprintf(list, sizeof(list), "%s/0_cat.png\n\n%s/2_cat.png\n", dir, dir);
    expect_load_error(list, 2, 3, "list.txt:3:", "2_cat.png: 28x28 image, network expects 32x32", "");
    snprintf(list, sizeof(list), "%s/1_dog.png\n%s/3_bird.png\n", dir, dir);
    expect_load_error(list, 2, 3, "list.txt:2:", "3_bird.png", "no label");
    snprintf(list, sizeof(list), "%s/4_cat_dog.png\n", dir);
    expect_load_error(list, 2, 3, "list.txt:1:", "4_cat_dog.png", "'cat' and 'dog'");
    snprintf(list, sizeof(list), "%s/0_cat.png\n%s/9_cat.png\n", dir, dir);
    expect_load_error(list, 2, 3, "list.txt:2:", "9_cat.png", "cannot load image");
    snprintf(list, sizeof(list), "%s/5_cat.png\n", dir);
    expect_load_error(list, 2, 3, "list.txt:1:", "5_cat.png", "cannot load image");
    snprintf(list, sizeof(list), "%s/0_cat.png\n", dir);
    expect_load_error(list, 3, 3, "labels.txt", "2 labels", "classes=3");
    expect_load_error(list, 2, 2, "list.txt", "2 input channels", "not supported");
    expect_load_error("\n\n", 2, 3, "list.txt", "no lines", "");
    rc = dataset_load(&d, tmp_path("dl/nolist.txt"), tmp_path("dl/labels.txt"), 2, 3, 32, 32, err);
    EXPECT(rc == -1 && strstr(err, "nolist.txt") && strstr(err, "cannot open"), "no list: %s", err);
}

/* ---- batches ---- */

static void test_fill_normalise(void)
{
    struct dataset d;
    make_synth(&d, 7, 3, 4, 5);
    const int img = 3 * 4 * 5;
    float x[4 * 60], truth[4 * 7];
    struct augment a = plain_aug;

    /* evaluation: samples 5..8 are images 5, 6, 0, 1 */
    dataset_fill_batch(&d, &a, 42, 5, 4, x, truth);
    int want[4] = {5, 6, 0, 1}, bad = 0;
    for (int b = 0; b < 4; b++) {
        EXPECT(truth_label(truth, 7, b) == want[b], "eval sample %d: label %d", b,
               truth_label(truth, 7, b));
        for (int j = 0; j < img; j++)
            bad += x[b * img + j] != norm(d.pixels[want[b] * img + j], &a, j / 20);
    }
    EXPECT(bad == 0, "eval: %d values differ from (p/255-mean)/std", bad);

    /* training without crop/flip: exactly the normalised image its truth names */
    a.train = 1;
    bad = 0;
    for (uint64_t first = 0; first < 14; first += 4) {
        dataset_fill_batch(&d, &a, 42, first, 4, x, truth);
        for (int b = 0; b < 4; b++) {
            int l = truth_label(truth, 7, b);
            EXPECT(l >= 0, "training sample %d: truth not one-hot", (int)first + b);
            if (l < 0) continue;
            for (int j = 0; j < img; j++) bad += x[b * img + j] != norm(d.pixels[l * img + j], &a, j / 20);
        }
    }
    EXPECT(bad == 0, "training crop_pad=0 flip=0: %d values differ", bad);
    dataset_fill_batch(&d, &a, 42, 3, 4, x, NULL); /* truth may be NULL */
    free_synth(&d);
}

/* Darknet's [net] augmentation (struct augment's min_crop.. exposure and
 * label_smooth), checked through invariants that do not restate the code:
 *  - exposure alone (no zoom) scales every channel of a pixel by the plan's
 *    dexp (V scales, H and S stay), then clamps;
 *  - hue alone keeps each pixel's max and min channel (V and S), and the
 *    shifted hue of a pure red pixel is the plan's dhue;
 *  - the zoom (max_crop = 2 w, angle 0) samples only inside the image, at a
 *    scale 1/s with s in [1, 2];
 *  - label smoothing: 1 - eps at the label, eps / (k - 1) elsewhere. */
static void test_fill_darknet_augment(void)
{
    struct dataset d;
    const int c = 3, h = 8, w = 8, S = h * w, img = c * S, batch = 16;
    make_synth(&d, 3, c, h, w);
    float x[16 * 192], truth[16 * 3];
    struct sample_plan plan[16];
    struct augment a = {.train = 1, .exposure = 2, .label_smooth = 0.3f, .std = {1, 1, 1}};
    EXPECT(augment_warps(&a), "exposure=2 needs the colour path");
    dataset_fill_batch(&d, &a, 5, 0, batch, x, truth);
    dataset_plan_batch(&d, &a, 5, 0, batch, plan);
    int bad = 0, scaled = 0;
    for (int b = 0; b < batch; b++) {
        const uint8_t *src = d.pixels + (size_t)plan[b].idx * img;
        scaled += plan[b].dexp != 1;
        EXPECT(plan[b].dexp >= 0.5f && plan[b].dexp <= 2.0f, "dexp %g outside [1/2, 2]", plan[b].dexp);
        for (int j = 0; j < img; j++) {
            float want = src[j] / 255.0f * plan[b].dexp;
            want = want > 1 ? 1 : want;
            bad += fabsf(x[b * img + j] - want) > 2e-6f;
        }
        for (int k = 0; k < 3; k++) {
            float t = truth[b * 3 + k], want = k == plan[b].label ? 0.7f : 0.15f;
            bad += fabsf(t - want) > 1e-7f;
        }
    }
    EXPECT(bad == 0 && scaled == batch, "exposure / label smoothing: %d values differ, %d of %d scaled", bad, scaled,
           batch);

    /* hue: V = max and max - min = S * V are kept per pixel */
    a = (struct augment){.train = 1, .hue = 0.5f, .std = {1, 1, 1}};
    dataset_fill_batch(&d, &a, 6, 0, batch, x, truth);
    dataset_plan_batch(&d, &a, 6, 0, batch, plan);
    bad = 0;
    for (int b = 0; b < batch; b++) {
        const uint8_t *src = d.pixels + (size_t)plan[b].idx * img;
        for (int i = 0; i < S; i++) {
            float r0 = src[i] / 255.0f, g0 = src[S + i] / 255.0f, b0 = src[2 * S + i] / 255.0f;
            float r1 = x[b * img + i], g1 = x[b * img + S + i], b1 = x[b * img + 2 * S + i];
            float mx0 = fmaxf(r0, fmaxf(g0, b0)), mn0 = fminf(r0, fminf(g0, b0));
            float mx1 = fmaxf(r1, fmaxf(g1, b1)), mn1 = fminf(r1, fminf(g1, b1));
            bad += fabsf(mx0 - mx1) > 1e-6f || fabsf(mn0 - mn1) > 1e-5f;
        }
    }
    EXPECT(bad == 0, "hue jitter changed V or S of %d pixels", bad);

    /* a pure red image: its hue after the jitter is the plan's dhue */
    struct dataset red;
    make_synth(&red, 1, 3, 2, 2);
    memset(red.pixels, 0, 12);
    memset(red.pixels, 255, 4);
    float xr[12];
    dataset_fill_batch(&red, &a, 9, 0, 1, xr, NULL);
    dataset_plan_batch(&red, &a, 9, 0, 1, plan);
    float hue = plan[0].dhue < 0 ? plan[0].dhue + 1 : plan[0].dhue; /* red is hue 0 */
    float r = xr[0], g = xr[4], bl = xr[8], mx = fmaxf(r, fmaxf(g, bl)), mn = fminf(r, fminf(g, bl));
    float got = r == mx ? (g - bl) / (mx - mn) : g == mx ? 2 + (bl - r) / (mx - mn) : 4 + (r - g) / (mx - mn);
    got = (got < 0 ? got + 6 : got) / 6;
    EXPECT(fabsf(got - hue) < 1e-5f || fabsf(fabsf(got - hue) - 1) < 1e-5f, "red shifted by %g has hue %g", hue, got);
    free_synth(&red);

    /* zoom: Darknet's default max_crop = 2 w, min_crop = w */
    a = (struct augment){.train = 1, .min_crop = w, .max_crop = 2 * w, .std = {1, 1, 1}};
    int outside = 0, zoomed = 0;
    for (int round = 0; round < 8; round++) {
        dataset_plan_batch(&d, &a, 11, (uint64_t)round * batch, batch, plan);
        for (int b = 0; b < batch; b++) {
            const float *m = plan[b].m;
            float s = 1 / m[0];
            EXPECT(plan[b].warp && m[1] == 0 && m[3] == 0 && m[0] == m[4], "zoom without rotation: plan %d", b);
            EXPECT(s > 0.999f && s < 2.001f, "scale %g outside [1, 2]", s);
            zoomed += s > 1.01f;
            for (int y = 0; y < h; y += h - 1)
                for (int xx = 0; xx < w; xx += w - 1) {
                    float sx = m[0] * xx + m[1] * y + m[2], sy = m[3] * xx + m[4] * y + m[5];
                    outside += sx < -1e-4f || sy < -1e-4f || sx >= w || sy >= h;
                }
        }
    }
    EXPECT(outside == 0 && zoomed > 64, "zoom: %d corners outside the image, %d of 128 zoomed in", outside, zoomed);
    free_synth(&d);
}

static void test_fill_crop_flip(void)
{
    struct dataset d;
    const int c = 3, h = 6, w = 5, img = c * h * w, batch = 40, rounds = 15;
    make_synth(&d, 3, c, h, w);
    struct augment a = plain_aug;
    a.train = 1;
    a.crop_pad = 2;
    a.flip = 1;
    float x[40 * 90], truth[40 * 3], ref[90];
    int seen[5][5] = {{0}}, flips = 0, unexplained = 0, border_bad = 0;
    for (int r = 0; r < rounds; r++) {
        dataset_fill_batch(&d, &a, 7, (uint64_t)r * batch, batch, x, truth);
        for (int b = 0; b < batch; b++) {
            const float *s = x + b * img;
            int l = truth_label(truth, 3, b), found = 0;
            for (int dy = 0; dy <= 4 && !found && l >= 0; dy++)
                for (int dx = 0; dx <= 4 && !found; dx++)
                    for (int f = 0; f < 2 && !found; f++) {
                        reference(&d, &a, l, dx, dy, f, ref);
                        if (memcmp(ref, s, sizeof(ref)) == 0) {
                            found = 1;
                            seen[dy][dx]++;
                            flips += f;
                            /* independent check: black border of the expected size */
                            int zeros = 0;
                            for (int j = 0; j < img; j++) zeros += s[j] == norm(0, &a, j / (h * w));
                            int inner = (h - abs(dy - 2)) * (w - abs(dx - 2));
                            border_bad += zeros != c * (h * w - inner);
                        }
                    }
            unexplained += !found;
        }
    }
    int total = rounds * batch, missing = 0;
    EXPECT(unexplained == 0, "%d of %d samples are no pad-2 crop/flip of their image", unexplained,
           total);
    EXPECT(border_bad == 0, "%d samples with a wrong number of zero-padding pixels", border_bad);
    for (int dy = 0; dy < 5; dy++)
        for (int dx = 0; dx < 5; dx++) missing += seen[dy][dx] == 0;
    EXPECT(missing == 0, "%d of 25 crop offsets never drawn in %d samples", missing, total);
    EXPECT(flips > total * 35 / 100 && flips < total * 65 / 100, "%d flips in %d samples", flips,
           total);

    /* one concrete sample with offset (0,0): top two rows are padding = (0-mean)/std */
    a.flip = 0;
    dataset_fill_batch(&d, &a, 7, 0, batch, x, truth);
    int checked = 0;
    for (int b = 0; b < batch && !checked; b++) {
        int l = truth_label(truth, 3, b);
        reference(&d, &a, l, 0, 0, 0, ref);
        if (memcmp(ref, x + b * img, sizeof(ref))) continue;
        checked = 1;
        for (int ch = 0; ch < c; ch++) {
            const float *o = x + b * img + ch * h * w;
            EXPECT(o[0] == norm(0, &a, ch) && o[w + 1] == norm(0, &a, ch) &&
                       o[2 * w + 1] == norm(0, &a, ch),
                   "channel %d: padding values %g %g %g, expected %g", ch, o[0], o[w + 1],
                   o[2 * w + 1], norm(0, &a, ch));
            /* output (2,2) is source (0,0) */
            EXPECT(o[2 * w + 2] == norm(d.pixels[l * img + ch * h * w], &a, ch),
                   "channel %d: first source pixel at (2,2)", ch);
        }
    }
    EXPECT(checked, "no sample with crop offset (0,0) among %d", batch);
    free_synth(&d);
}

static void test_fill_epochs(void)
{
    struct dataset d;
    const int n = 50, batch = 16, epochs = 3;
    make_synth(&d, n, 1, 2, 2);
    struct augment a = plain_aug;
    a.train = 1;
    a.crop_pad = 1;
    a.flip = 1;
    int order[3 * 50];
    float x[16 * 4], truth[16 * 50];
    for (int first = 0; first < n * epochs; first += batch) {
        int nb = first + batch <= n * epochs ? batch : n * epochs - first;
        dataset_fill_batch(&d, &a, 99, (uint64_t)first, nb, x, truth);
        for (int b = 0; b < nb; b++) order[first + b] = truth_label(truth, n, b);
    }
    for (int e = 0; e < epochs; e++) {
        int count[50] = {0}, bad = 0, identity = 1;
        for (int i = 0; i < n; i++) {
            int l = order[e * n + i];
            if (l >= 0 && l < n) count[l]++;
            identity &= l == i;
        }
        for (int i = 0; i < n; i++) bad += count[i] != 1;
        EXPECT(bad == 0, "epoch %d: %d images not visited exactly once", e, bad);
        EXPECT(!identity, "epoch %d is not shuffled", e);
    }
    EXPECT(memcmp(order, order + n, n * sizeof(int)) != 0, "epochs 0 and 1 have the same order");
    free_synth(&d);
}

static void test_fill_determinism(void)
{
    struct dataset d;
    const int n = 50, img = 3 * 8 * 8;
    make_synth(&d, n, 3, 8, 8);
    struct augment a = plain_aug;
    a.train = 1;
    a.crop_pad = 4;
    a.flip = 1;
    float *x1 = falloc(16 * img), *x2 = falloc(16 * img), t1[16 * 50], t2[16 * 50];
    dataset_fill_batch(&d, &a, 1234, 123, 16, x1, t1);
    dataset_fill_batch(&d, &a, 1234, 7, 16, x2, t2); /* another epoch in the cache */
    dataset_fill_batch(&d, &a, 1234, 123, 16, x2, t2);
    EXPECT(!memcmp(x1, x2, 16 * img * sizeof(float)) && !memcmp(t1, t2, sizeof(t1)),
           "same seed and first: different batches");
    /* a sample does not depend on how samples are grouped into batches */
    dataset_fill_batch(&d, &a, 1234, 128, 1, x2, t2);
    EXPECT(!memcmp(x1 + 5 * img, x2, img * sizeof(float)) && !memcmp(t1 + 5 * 50, t2, 50 * sizeof(float)),
           "sample 128 differs when filled alone");
    /* different k and different seeds give different samples */
    dataset_fill_batch(&d, &a, 1234, 124, 16, x2, t2);
    EXPECT(memcmp(x1, x2, img * sizeof(float)) != 0, "samples 123 and 124 are equal");
    dataset_fill_batch(&d, &a, 1235, 123, 16, x2, t2);
    EXPECT(memcmp(x1, x2, 16 * img * sizeof(float)) != 0, "seeds 1234 and 1235 give the same batch");
    /* the same image in the next epoch is augmented differently */
    int l = truth_label(t1, n, 0), same_aug = 0, found = 0;
    for (uint64_t k = 150; k < 200 && !found; k++) {
        dataset_fill_batch(&d, &a, 1234, k, 1, x2, t2);
        if (truth_label(t2, n, 0) != l) continue;
        found = 1;
        same_aug = !memcmp(x1, x2, img * sizeof(float));
    }
    EXPECT(found && !same_aug, "image %d in epoch 3: found %d, same augmentation %d", l, found,
           same_aug);
    free(x1);
    free(x2);
    free_synth(&d);
}

static void test_loader(void)
{
    struct dataset d;
    const int n = 50, img = 3 * 8 * 8, batch = 16, nbatches = 12;
    make_synth(&d, n, 3, 8, 8);
    struct augment a = plain_aug;
    a.train = 1;
    a.crop_pad = 2;
    a.flip = 1;
    float *want = falloc((size_t)nbatches * batch * img), *wt = falloc((size_t)nbatches * batch * n);
    for (int i = 0; i < nbatches; i++)
        dataset_fill_batch(&d, &a, 5, 37 + (uint64_t)i * batch, batch, want + (size_t)i * batch * img,
                           wt + (size_t)i * batch * n);
    float *x = falloc(batch * img), *t = falloc(batch * n);
    struct loader *L = loader_start(&d, &a, 5, 37, batch);
    for (int i = 0; i < nbatches; i++) {
        loader_next(L, x, i == 3 ? NULL : t);
        EXPECT(!memcmp(x, want + (size_t)i * batch * img, batch * img * sizeof(float)),
               "loader batch %d: images differ from dataset_fill_batch", i);
        if (i != 3)
            EXPECT(!memcmp(t, wt + (size_t)i * batch * n, batch * n * sizeof(float)),
                   "loader batch %d: truth differs", i);
    }
    loader_stop(L);
    /* stopping right away, with a batch still being prepared */
    L = loader_start(&d, &a, 5, 0, batch);
    loader_stop(L);
    /* evaluation mode through the loader */
    a.train = 0;
    L = loader_start(&d, &a, 5, 48, 4);
    loader_next(L, x, t);
    EXPECT(truth_label(t, n, 0) == 48 && truth_label(t, n, 1) == 49 && truth_label(t, n, 2) == 0,
           "eval loader order %d %d %d", truth_label(t, n, 0), truth_label(t, n, 1),
           truth_label(t, n, 2));
    loader_stop(L);
    free(x);
    free(t);
    free(want);
    free(wt);
    free_synth(&d);
}

/* The u8 batch (plans + raw images, what the GPU renders) gives, rendered,
 * exactly dataset_fill_batch's batch; the loader's u8 mode hands out exactly
 * dataset_gather_batch's. */
static void test_u8_batch(void)
{
    static const struct {
        int c, h, w, train, crop_pad, flip;
    } set[] = {{3, 6, 5, 1, 2, 1}, {3, 7, 7, 1, 0, 1}, {1, 5, 3, 1, 4, 1}, {1, 4, 4, 1, 1, 0}, {3, 5, 6, 0, 2, 1}};
    const int n = 9, batch = 7;
    for (size_t i = 0; i < ARRAY_LEN(set); i++) {
        struct dataset d;
        make_synth(&d, n, set[i].c, set[i].h, set[i].w);
        struct augment a = plain_aug;
        a.train = set[i].train, a.crop_pad = set[i].crop_pad, a.flip = set[i].flip;
        size_t img = (size_t)d.c * d.h * d.w;
        float *want = falloc(batch * img), *wt = falloc(batch * n), *x = falloc(batch * img), *t = falloc(batch * n);
        float lut[3][256];
        augment_lut(&a, d.c, lut);
        struct u8_batch u, v;
        u8_batch_init(&u, batch, d.c, d.h, d.w, xmalloc(u8_batch_bytes(batch, d.c, d.h, d.w)));
        u8_batch_init(&v, batch, d.c, d.h, d.w, xmalloc(u8_batch_bytes(batch, d.c, d.h, d.w)));
        /* the loader thread gets its own copy: a dataset caches its epoch's
         * permutation, so two threads must not share one */
        struct dataset d2;
        make_synth(&d2, n, set[i].c, set[i].h, set[i].w);
        struct loader *L = loader_start_u8(&d2, &a, 11, 5, batch);
        int bad = 0;
        for (uint64_t first = 5; first < 5 + 3 * batch; first += batch) { /* crosses epochs */
            dataset_fill_batch(&d, &a, 11, first, batch, want, wt);
            dataset_gather_batch(&d, &a, 11, first, &u);
            u8_batch_render(&u, lut, n, x, t);
            bad += memcmp(x, want, batch * img * sizeof(float)) != 0;
            bad += memcmp(t, wt, batch * n * sizeof(float)) != 0;
            loader_next_u8(L, &v);
            bad += memcmp(u.buf, v.buf, u.bytes) != 0;
        }
        loader_stop(L);
        EXPECT(bad == 0, "u8 batch c=%d %dx%d train=%d crop_pad=%d flip=%d: %d mismatches", d.c, d.h, d.w,
               a.train, a.crop_pad, a.flip, bad);
        free(u.buf), free(v.buf), free(want), free(wt), free(x), free(t);
        free_synth(&d), free_synth(&d2);
    }
}

/* ---- Darknet's mixup, cutmix, mosaic and blur ---- */

/* In make_synth's images, image i has label i and differs from every other
 * image at every position (7 (i - j) is never 0 mod 251 for i != j < 251),
 * so each pixel of a mixed sample names the image it came from. Without
 * crop, flip or normalisation a sample's values are its pixels / 255. */
static const struct augment raw_aug = {.train = 1, .std = {1, 1, 1}};

/* Which image pixel j (of c*h*w) of a rendered sample x comes from: the
 * image i among cand[0..ncand) with x == pixel / 255, or -1. */
static int pixel_source(const struct dataset *d, const float *x, int j, const int *cand, int ncand)
{
    size_t img = (size_t)d->c * d->h * d->w;
    for (int i = 0; i < ncand; i++)
        if (x[j] == d->pixels[(size_t)cand[i] * img + j] / 255.0f) return cand[i];
    return -1;
}

/* The images a truth row names (weight > 0), at most 4; returns how many. */
static int truth_images(const float *t, int classes, int *img, float *wt)
{
    int n = 0;
    for (int i = 0; i < classes; i++)
        if (t[i] > 0 && n < 4) img[n] = i, wt[n++] = t[i];
    return n;
}

/* cutmix and mosaic, checked from the batch alone: every pixel comes from
 * an image the truth names, and each image's share of the pixels is its
 * truth weight; then against the plans: the box or the cut point within
 * Darknet's ranges, and pixels exactly where the plan puts them. */
static void check_area_mixing(int kind)
{
    struct dataset d;
    const int c = 3, h = 10, w = 10, n = 40, batch = 50, rounds = 4, S = h * w, img = c * S;
    make_synth(&d, n, c, h, w);
    struct augment a = raw_aug;
    a.mix = kind;
    float x[50 * 300], truth[50 * 40];
    struct sample_plan plan[50];
    int mixed = 0, kinds[5] = {0}, bad_src = 0, bad_share = 0, bad_sum = 0, bad_plan = 0, total = 0;
    for (int round = 0; round < rounds; round++) {
        uint64_t first = (uint64_t)round * batch;
        dataset_fill_batch(&d, &a, 21, first, batch, x, truth);
        dataset_plan_batch(&d, &a, 21, first, batch, plan);
        for (int b = 0; b < batch; b++, total++) {
            const float *s = x + (size_t)b * img, *t = truth + (size_t)b * n;
            int ids[4];
            float wt[4], sum = 0;
            int m = truth_images(t, n, ids, wt);
            for (int i = 0; i < n; i++) sum += t[i];
            bad_sum += fabsf(sum - 1) > 1e-6f;
            int count[4] = {0};
            for (int j = 0; j < img; j++) {
                int src = pixel_source(&d, s, j, ids, m), found = 0;
                for (int i = 0; i < m; i++)
                    if (ids[i] == src) count[i]++, found = 1;
                bad_src += !found;
            }
            for (int i = 0; i < m; i++) bad_share += fabsf((float)count[i] / img - wt[i]) > 1e-6f;

            struct mix_plan mp;
            dataset_plan_mix(&d, &a, 21, first + (uint64_t)b, &mp);
            kinds[mp.kind]++;
            mixed += mp.kind != MIX_NONE;
            if (mp.kind == MIX_NONE) {
                bad_plan += m != 1 || ids[0] != plan[b].idx || wt[0] != 1;
                continue;
            }
            int part[4] = {plan[b].idx, mp.part[0].idx, mp.part[1].idx, mp.part[2].idx};
            if (mp.kind == MIX_CUTMIX) {
                int cw = mp.x1 - mp.x0, ch = mp.y1 - mp.y0; /* Darknet: 30%..80%, truncated */
                bad_plan += cw < 3 || cw > 8 || ch < 3 || ch > 8 || mp.x0 < 0 || mp.y0 < 0 || mp.x1 > w - 1 ||
                            mp.y1 > h - 1;
                bad_plan += mp.parts != 2 || mp.weight[1] != (float)(cw * ch) / S ||
                            fabsf(mp.weight[0] + mp.weight[1] - 1) > 1e-7f;
            } else {
                bad_plan += mp.x0 < 2 || mp.x0 > 8 || mp.y0 < 2 || mp.y0 > 8 || mp.parts != 4; /* 20%..80% */
                float q[4] = {mp.x0 * mp.y0, (w - mp.x0) * mp.y0, mp.x0 * (h - mp.y0), (w - mp.x0) * (h - mp.y0)};
                for (int i = 0; i < 4; i++) bad_plan += mp.weight[i] != q[i] / S;
            }
            for (int ch = 0; ch < c; ch++)
                for (int y = 0; y < h; y++)
                    for (int xx = 0; xx < w; xx++) {
                        int from = mp.kind == MIX_CUTMIX
                                       ? xx >= mp.x0 && xx < mp.x1 && y >= mp.y0 && y < mp.y1
                                       : (xx >= mp.x0) + 2 * (y >= mp.y0);
                        int j = (ch * h + y) * w + xx;
                        bad_plan += s[j] != d.pixels[(size_t)part[from] * img + j] / 255.0f;
                    }
        }
    }
    const char *name = kind == MIX_CUTMIX ? "cutmix" : kind == MIX_MOSAIC ? "mosaic" : "cutmix+mosaic";
    EXPECT(bad_src == 0 && bad_share == 0 && bad_sum == 0,
           "%s: %d pixels from no image of the truth, %d images whose pixel share is not their truth "
           "weight, %d truth rows not summing to 1",
           name, bad_src, bad_share, bad_sum);
    EXPECT(bad_plan == 0, "%s: %d values differ from the plans", name, bad_plan);
    EXPECT(mixed > total * 35 / 100 && mixed < total * 65 / 100, "%s: %d of %d samples mixed (Darknet: 1/2)", name,
           mixed, total);
    if (kind == MIX_CUTMIX_MOSAIC)
        EXPECT(kinds[MIX_CUTMIX] > mixed / 4 && kinds[MIX_MOSAIC] > mixed / 4, "%d cutmix and %d mosaic of %d mixed",
               kinds[MIX_CUTMIX], kinds[MIX_MOSAIC], mixed);
    else
        EXPECT(kinds[kind] == mixed, "%s: %d of %d mixed samples of another kind", name, mixed - kinds[kind], mixed);
    free_synth(&d);
}

static void test_fill_cutmix_mosaic(void)
{
    check_area_mixing(MIX_CUTMIX);
    check_area_mixing(MIX_MOSAIC);
    check_area_mixing(MIX_CUTMIX_MOSAIC);

    /* one cutmix sample by hand: an 8x8 image, box from the plan */
    struct dataset d;
    make_synth(&d, 5, 1, 8, 8);
    struct augment a = raw_aug;
    a.mix = MIX_CUTMIX;
    float x[64], t[5];
    struct mix_plan m = {0};
    uint64_t k = 0;
    for (; k < 100; k++) {
        dataset_plan_mix(&d, &a, 3, k, &m);
        if (m.kind == MIX_CUTMIX && m.part[0].idx != 0) break;
    }
    struct sample_plan p;
    dataset_plan_batch(&d, &a, 3, k, 1, &p);
    dataset_fill_batch(&d, &a, 3, k, 1, x, t);
    int B = m.part[0].idx, A = p.idx;
    float area = (float)((m.x1 - m.x0) * (m.y1 - m.y0)) / 64;
    EXPECT(A != B && t[A] == 1 - area && t[B] == area, "cutmix of images %d and %d: truth %g %g, area %g", A, B,
           t[A], t[B], area);
    EXPECT(x[m.y0 * 8 + m.x0] == d.pixels[B * 64 + m.y0 * 8 + m.x0] / 255.0f &&
               x[(m.y1 - 1) * 8 + m.x1 - 1] == d.pixels[B * 64 + (m.y1 - 1) * 8 + m.x1 - 1] / 255.0f &&
               x[63] == d.pixels[A * 64 + 63] / 255.0f,
           "cutmix: box corners not from the partner or (7,7) not from the sample");
    free_synth(&d);
}

/* mixup: x = (x1 + x2) / 2 and truth likewise, with label smoothing
 * applied to each image's truth first (as Darknet's). */
static void test_fill_mixup(void)
{
    struct dataset d;
    const int n = 6, img = 3 * 4 * 4, batch = 64;
    make_synth(&d, n, 3, 4, 4);
    struct augment a = raw_aug;
    a.mix = MIX_MIXUP;
    a.label_smooth = 0.25f;
    float x[64 * 48], truth[64 * 6];
    struct sample_plan plan[64];
    dataset_fill_batch(&d, &a, 8, 100, batch, x, truth);
    dataset_plan_batch(&d, &a, 8, 100, batch, plan);
    int mixed = 0, bad_x = 0, bad_t = 0;
    for (int b = 0; b < batch; b++) {
        struct mix_plan m;
        dataset_plan_mix(&d, &a, 8, 100 + (uint64_t)b, &m);
        int A = plan[b].idx, B = m.kind == MIX_MIXUP ? m.part[0].idx : A;
        mixed += m.kind == MIX_MIXUP;
        for (int j = 0; j < img; j++) {
            float x1 = d.pixels[A * img + j] / 255.0f, x2 = d.pixels[B * img + j] / 255.0f;
            bad_x += x[b * img + j] != (m.kind == MIX_MIXUP ? (x1 + x2) / 2 : x1);
        }
        for (int i = 0; i < n; i++) {
            float t1 = i == A ? 0.75f : 0.05f, t2 = i == B ? 0.75f : 0.05f;
            bad_t += fabsf(truth[b * n + i] - (m.kind == MIX_MIXUP ? (t1 + t2) / 2 : t1)) > 1e-7f;
        }
    }
    EXPECT(bad_x == 0 && bad_t == 0, "mixup: %d pixels and %d truth values differ from the averages", bad_x, bad_t);
    EXPECT(mixed > batch / 4 && mixed < batch * 3 / 4, "mixup: %d of %d samples mixed", mixed, batch);
    free_synth(&d);
}

/* Gaussian blur: a constant stays constant, an impulse becomes the outer
 * product of the kernel (sigma 1.1 for size 5, OpenCV's rule), the border
 * reflects without repeating the edge; through the batch, 1/4 of the
 * samples are blurred. */
static void test_blur(void)
{
    float g[5], want[5], sum = 0;
    augment_blur_kernel(5, g);
    for (int i = 0; i < 5; i++) sum += want[i] = expf(-(float)((i - 2) * (i - 2)) / (2 * 1.1f * 1.1f));
    int bad = 0;
    for (int i = 0; i < 5; i++) bad += fabsf(g[i] - want[i] / sum) > 1e-6f;
    EXPECT(bad == 0 && fabsf(g[2] - 0.36954f) < 1e-5f, "kernel 5: g = %g %g %g, want centre 0.36954", g[0], g[1], g[2]);
    float g15[15], s15 = 0;
    augment_blur_kernel(15, g15); /* blur=1: sigma 2.6 */
    for (int i = 0; i < 15; i++) s15 += g15[i];
    EXPECT(fabsf(s15 - 1) < 1e-6f && fabsf(g15[8] / g15[7] - expf(-1 / (2 * 2.6f * 2.6f))) < 1e-5f,
           "kernel 15: sum %g, ratio %g", s15, g15[8] / g15[7]);

    float im[2 * 9 * 9];
    for (int i = 0; i < 81; i++) im[i] = 0.37f, im[81 + i] = 0;
    im[81 + 4 * 9 + 4] = 1; /* channel 1: an impulse in the middle */
    augment_blur(im, 2, 9, 9, 5);
    int bad_const = 0, bad_imp = 0;
    for (int y = 0; y < 9; y++)
        for (int x = 0; x < 9; x++) {
            bad_const += fabsf(im[y * 9 + x] - 0.37f) > 1e-6f;
            int dy = y - 4, dx = x - 4;
            float e = abs(dx) <= 2 && abs(dy) <= 2 ? g[dy + 2] * g[dx + 2] : 0;
            bad_imp += fabsf(im[81 + y * 9 + x] - e) > 1e-7f;
        }
    EXPECT(bad_const == 0 && bad_imp == 0, "blur: %d constant pixels changed, %d impulse values differ", bad_const,
           bad_imp);
    float corner[6 * 7] = {0};
    corner[0] = 1;
    augment_blur(corner, 1, 6, 7, 5);
    EXPECT(fabsf(corner[0] - g[2] * g[2]) < 1e-7f && fabsf(corner[1] - g[2] * g[3]) < 1e-7f &&
               fabsf(corner[7 + 2] - g[3] * g[4]) < 1e-7f && corner[3] == 0,
           "corner impulse: %g %g %g %g", corner[0], corner[1], corner[9], corner[3]);

    struct dataset d;
    const int img = 3 * 8 * 8, batch = 80;
    make_synth(&d, 9, 3, 8, 8);
    struct augment a = raw_aug;
    a.blur = 3;
    a.crop_pad = 2, a.flip = 1;
    EXPECT(augment_on_host(&a), "blur must render on the host");
    float *x = falloc((size_t)batch * img), ref[192];
    dataset_fill_batch(&d, &a, 4, 0, batch, x, NULL);
    struct augment plain = a;
    plain.blur = 0;
    int blurred = 0, bad_b = 0;
    for (int b = 0; b < batch; b++) {
        struct mix_plan m;
        dataset_plan_mix(&d, &a, 4, (uint64_t)b, &m);
        dataset_fill_batch(&d, &plain, 4, (uint64_t)b, 1, ref, NULL);
        if (m.blur) augment_blur(ref, 3, 8, 8, 3);
        blurred += m.blur == 3;
        bad_b += memcmp(ref, x + (size_t)b * img, sizeof(ref)) != 0;
    }
    EXPECT(bad_b == 0, "blur=3: %d samples differ from the unblurred one blurred as planned", bad_b);
    EXPECT(blurred > batch / 8 && blurred < batch * 3 / 8, "%d of %d samples blurred (Darknet: 1/4)", blurred, batch);
    free(x);
    free_synth(&d);
}

/* Mixing keeps the project's rule: sample k is a pure function of (seed, k),
 * whatever batch it is filled in and whatever was filled before, through the
 * loader too; with mix and blur off nothing changes. */
static void test_mix_determinism(void)
{
    struct dataset d;
    const int n = 30, img = 3 * 8 * 8, batch = 12;
    make_synth(&d, n, 3, 8, 8);
    struct augment a = plain_aug;
    a.train = 1, a.crop_pad = 2, a.flip = 1, a.exposure = 1.5f, a.mix = MIX_CUTMIX_MOSAIC, a.blur = 3;
    a.label_smooth = 0.1f;
    float *x1 = falloc(batch * img), *x2 = falloc(batch * img), t1[12 * 30], t2[12 * 30];
    dataset_fill_batch(&d, &a, 77, 55, batch, x1, t1);
    dataset_fill_batch(&d, &a, 77, 3, batch, x2, t2); /* another epoch in the cache */
    dataset_fill_batch(&d, &a, 77, 55, batch, x2, t2);
    EXPECT(!memcmp(x1, x2, batch * img * sizeof(float)) && !memcmp(t1, t2, sizeof(t1)),
           "mixing: same seed and first, different batches");
    dataset_fill_batch(&d, &a, 77, 60, 1, x2, t2);
    EXPECT(!memcmp(x1 + 5 * img, x2, img * sizeof(float)) && !memcmp(t1 + 5 * n, t2, n * sizeof(float)),
           "mixing: sample 60 differs when filled alone");
    struct loader *L = loader_start(&d, &a, 77, 55, batch);
    loader_next(L, x2, t2);
    loader_stop(L);
    EXPECT(!memcmp(x1, x2, batch * img * sizeof(float)) && !memcmp(t1, t2, sizeof(t1)),
           "mixing: the loader's batch differs from dataset_fill_batch's");
    dataset_fill_batch(&d, &a, 78, 55, batch, x2, t2);
    EXPECT(memcmp(t1, t2, sizeof(t1)) != 0, "mixing: seeds 77 and 78 give the same truth");
    /* mix and blur off: the batch of the plain path */
    a.mix = MIX_NONE, a.blur = 0;
    EXPECT(!augment_on_host(&(struct augment){.train = 1, .crop_pad = 4, .flip = 1}) &&
               !augment_on_host(&(struct augment){.train = 0, .mix = MIX_MOSAIC, .blur = 3}) &&
               augment_on_host(&(struct augment){.train = 1, .mix = MIX_MIXUP}),
           "augment_on_host: pad/crop on the GPU, evaluation never mixes, mixup on the host");
    struct mix_plan m;
    dataset_plan_mix(&d, &a, 77, 60, &m);
    EXPECT(m.kind == MIX_NONE && m.parts == 1 && m.weight[0] == 1 && m.blur == 0, "mix off: plan kind %d parts %d",
           m.kind, m.parts);
    free(x1);
    free(x2);
    free_synth(&d);
}

const struct test_case data_tests[] = {
    {"data_label_match", test_label_match},
    {"data_read_lines", test_read_lines},
    {"data_cfg_read", test_data_cfg},
    {"data_cifar10_extract", test_cifar10_extract},
    {"data_cifar100_extract", test_cifar100_extract},
    {"data_cifar_errors", test_cifar_errors},
    {"data_dataset_load_cifar", test_dataset_load_cifar},
    {"data_dataset_errors", test_dataset_errors},
    {"data_fill_normalise", test_fill_normalise},
    {"data_fill_crop_flip", test_fill_crop_flip},
    {"data_fill_darknet_augment", test_fill_darknet_augment},
    {"data_fill_epochs", test_fill_epochs},
    {"data_fill_determinism", test_fill_determinism},
    {"data_loader", test_loader},
    {"data_u8_batch", test_u8_batch},
    {"data_fill_cutmix_mosaic", test_fill_cutmix_mosaic},
    {"data_fill_mixup", test_fill_mixup},
    {"data_blur", test_blur},
    {"data_mix_determinism", test_mix_determinism},
    {NULL, NULL},
};
