/*
 * layer_ref.h - resolving a cfg reference to an earlier layer (`from=`,
 * `layers=`): negative values are relative to the current layer (-1 = the
 * previous one), non-negative values are absolute indices. The result must
 * name an earlier layer.
 */
#ifndef DN_LAYER_REF_H
#define DN_LAYER_REF_H

#include "../core/cfg.h"

/* Returns the absolute index, or -1 after cfg_fail() naming key and value. */
int layer_ref(struct cfg *c, struct cfg_section *s, const char *key, int value, int current);

#endif
