/*
 * fuzz_cifar.c - libFuzzer harness for `cifar extract`. The first byte
 * chooses what the rest is:
 *   0: a CIFAR-10 data_batch_1.bin (with ten valid labels),
 *   1: a CIFAR-100 train.bin (with a hundred valid labels),
 *   2: CIFAR-10's batches.meta.txt (with a valid one-record data_batch_1.bin).
 * The extracted PNGs, lists and labels go to a scratch directory.
 */
#include "../../src/data/data.h"
#include "fuzz_common.h"

#include <sys/stat.h>

static void put_text(const char *dir, const char *name, const char *text)
{
    char path[600];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char bin[512], out[512], path[600], err[DN_ERR_LEN];
    static char labels10[64], labels100[1024];
    static uint8_t record[3073];
    if (!labels10[0]) {
        for (int i = 0; i < 10; i++) snprintf(labels10 + strlen(labels10), 8, "c%d\n", i);
        for (int i = 0; i < 100; i++) snprintf(labels100 + strlen(labels100), 8, "f%d\n", i);
        record[0] = 3;
    }
    if (size < 1) return 0;
    int mode = data[0] % 3;
    /* a fresh input directory per run: remove what the last run left */
    fuzz_path(bin, sizeof(bin), "bin");
    fuzz_path(out, sizeof(out), "out");
    mkdir(bin, 0777);
    static const char *const names[] = {"data_batch_1.bin", "train.bin", "batches.meta.txt",
                                        "fine_label_names.txt"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", bin, names[i]);
        unlink(path);
    }
    snprintf(path, sizeof(path), "%s/%s", bin, mode == 1 ? "train.bin" : mode == 0 ? "data_batch_1.bin" : "batches.meta.txt");
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data + 1, 1, size - 1, f) != size - 1 || fclose(f) != 0) abort();
    if (mode == 0) put_text(bin, "batches.meta.txt", labels10);
    if (mode == 1) put_text(bin, "fine_label_names.txt", labels100);
    if (mode == 2) {
        snprintf(path, sizeof(path), "%s/data_batch_1.bin", bin);
        f = fopen(path, "wb");
        if (!f || fwrite(record, 1, sizeof(record), f) != sizeof(record) || fclose(f) != 0) abort();
    }
    cifar_extract(bin, out, err);
    return 0;
}
