/*
 * fuzz_image.c - libFuzzer harness for image decoding as training reads it:
 * the bytes are the one image of a list (named ..._c1.png so that it has a
 * label); dataset_load decodes it with stb_image and checks its size
 * against a 32x32x3 network input.
 */
#include "../../src/data/data.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char list[512], labels[512];
    char img[512], err[DN_ERR_LEN];
    fuzz_write(img, sizeof(img), "00000_c1.png", data, size);
    if (!list[0]) {
        char text[600];
        snprintf(text, sizeof(text), "%s\n", img);
        fuzz_write(list, sizeof(list), "f.list", (const uint8_t *)text, strlen(text));
        fuzz_write(labels, sizeof(labels), "labels.txt", (const uint8_t *)"c0\nc1\n", 6);
    }
    struct dataset ds;
    if (dataset_load(&ds, list, labels, 2, 3, 32, 32, err) == 0) dataset_free(&ds);
    return 0;
}
