/*
 * registry.c - the table of layer types: cfg section name -> operations.
 * Adding a layer (docs/adding-a-layer.md): write src/layers/<name>.{h,c,cu},
 * <name>.c exporting `const struct layer_ops <name>_ops`, and add one
 * X(<name>) line to LAYER_TYPES below; it both declares <name>_ops and lists
 * it in layer_registry.
 */
#include <string.h>

#include "layer.h"
#include "utils.h"

#define LAYER_TYPES(X)                                                                             \
    X(convolutional)                                                                               \
    X(connected)                                                                                   \
    X(shortcut)                                                                                    \
    X(route)                                                                                       \
    X(avgpool)                                                                                     \
    X(maxpool)                                                                                     \
    X(softmax)                                                                                     \
    X(cost)                                                                                        \
    X(dropout)                                                                                     \
    X(se)                                                                                          \
    X(bridge)                                                                                      \
    X(crop)                                                                                        \
    X(scale_channels)

#define DECLARE_OPS(name) extern const struct layer_ops name##_ops;
LAYER_TYPES(DECLARE_OPS)

#define LIST_OPS(name) &name##_ops,
const struct layer_ops *const layer_registry[] = {LAYER_TYPES(LIST_OPS)};
const int layer_registry_len = ARRAY_LEN(layer_registry);

const struct layer_ops *layer_lookup(const char *name)
{
    for (int i = 0; i < layer_registry_len; i++) {
        const struct layer_ops *o = layer_registry[i];
        if (strcmp(o->name, name) == 0 || (o->alias && strcmp(o->alias, name) == 0)) return o;
    }
    return NULL;
}
