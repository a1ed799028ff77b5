/*
 * fuzz_weights.c - libFuzzer harness for .weights loading: the bytes are a
 * .weights file for a small network with batch norm, a shortcut, SE and a
 * connected layer; it is loaded with and without the momentum trailer.
 */
#include "../../src/core/network.h"
#include "../../src/core/weights.h"
#include "fuzz_common.h"

static const char net_cfg[] =
    "[net]\nbatch=2\nwidth=8\nheight=8\nchannels=3\n"
    "[convolutional]\nbatch_normalize=1\nfilters=4\nsize=3\npad=1\nactivation=relu\n"
    "[convolutional]\nbatch_normalize=1\nfilters=4\nsize=3\npad=1\nactivation=linear\n"
    "[se]\nreduction=2\n"
    "[shortcut]\nfrom=-3\nactivation=relu\n"
    "[avgpool]\n[connected]\noutput=10\nactivation=linear\n[softmax]\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct network *net;
    char path[512], err[DN_ERR_LEN];
    if (!net) {
        struct cfg *c = cfg_read_text("fuzz.cfg", net_cfg, 0, err);
        net = c ? net_build(c, 10, 0, 1, 1, err) : NULL;
        cfg_free(c);
        if (!net) {
            fprintf(stderr, "fuzz_weights: %s\n", err);
            abort();
        }
    }
    fuzz_write(path, sizeof(path), "f.weights", data, size);
    weights_load(net, path, (size & 1) != 0, err);
    return 0;
}
