/* layer_ref.c - see layer_ref.h. */
#include "layer_ref.h"

int layer_ref(struct cfg *c, struct cfg_section *s, const char *key, int value, int current)
{
    int idx = value < 0 ? current + value : value;
    if (idx < 0) {
        cfg_fail(c, s, key, "points before the first layer");
        return -1;
    }
    if (idx >= current) {
        cfg_fail(c, s, key, "must name an earlier layer (this is layer %d)", current);
        return -1;
    }
    return idx;
}
