/*
 * fuzz_cfg.c - libFuzzer harness for the .cfg reader and the network
 * builder: the bytes are a cfg file; it is read (cfg_read) and, when it has
 * at most 24 sections, built into a network (every layer's init and the
 * size checks) and freed. Built with -DNET_MAX_VALUES small (Makefile), so
 * the networks it may build stay small.
 */
#include "../../src/core/network.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[512], err[DN_ERR_LEN];
    fuzz_write(path, sizeof(path), "f.cfg", data, size);
    struct cfg *c = cfg_read(path, 0, err);
    if (!c) return 0;
    if (c->n <= 24) {
        struct network *net = net_build(c, 10, 0, 1, 1, err);
        net_free(net);
    }
    cfg_free(c);
    return 0;
}
