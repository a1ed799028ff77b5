/*
 * registry.c - the table of layer types: cfg section name -> operations.
 * Adding a layer: write src/layers/<name>.c exporting <name>_ops, list it
 * here and bump DN_LAYER_COUNT (the static assertion catches a mismatch).
 */
#include <string.h>

#include "layer.h"
#include "utils.h"

extern const struct layer_ops convolutional_ops, connected_ops, shortcut_ops, route_ops,
    avgpool_ops, maxpool_ops, softmax_ops, cost_ops, dropout_ops, se_ops, bridge_ops, crop_ops, scale_channels_ops;

#define DN_LAYER_COUNT 13

const struct layer_ops *const layer_registry[] = {
    &convolutional_ops, &connected_ops, &shortcut_ops, &route_ops, &avgpool_ops, &maxpool_ops,
    &softmax_ops,       &cost_ops,      &dropout_ops,  &se_ops,    &bridge_ops,  &crop_ops,
    &scale_channels_ops,
};
const int layer_registry_len = ARRAY_LEN(layer_registry);

_Static_assert(ARRAY_LEN(layer_registry) == DN_LAYER_COUNT, "register every layer type");

const struct layer_ops *layer_lookup(const char *name)
{
    for (int i = 0; i < DN_LAYER_COUNT; i++) {
        const struct layer_ops *o = layer_registry[i];
        if (strcmp(o->name, name) == 0 || (o->alias && strcmp(o->alias, name) == 0)) return o;
    }
    return NULL;
}
