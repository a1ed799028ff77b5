/*
 * activations.h - element-wise activation functions.
 * activate() applies f in place; gradient() multiplies delta by f'(x),
 * computed from the activated value y = f(x) (all our functions allow that).
 */
#ifndef DN_ACTIVATIONS_H
#define DN_ACTIVATIONS_H

#include <stddef.h>

enum dn_act { ACT_LINEAR, ACT_RELU, ACT_LEAKY, ACT_LOGISTIC };

/* NULL-terminated cfg names, indexed by enum dn_act (for cfg_enum). */
extern const char *const act_names[];

void activate(float *x, size_t n, enum dn_act a);
void gradient(const float *y, size_t n, enum dn_act a, float *delta);

#endif
