/* activations.c - see activations.h. leaky uses slope 0.1 as Darknet does. */
#include "activations.h"

#include <math.h>

#include "utils.h"

const char *const act_names[] = {"linear", "relu", "leaky", "logistic", "relu6", "ramp", "swish", "mish", NULL};

/* Element-wise over large arrays: split between the threads (any split
 * gives the same result). */
#define PAR_FOR _Pragma("omp parallel for schedule(static) if (n >= (1 << 16))")

void activate(float *x, size_t n, enum dn_act a)
{
    switch (a) {
    case ACT_LINEAR:
        break;
    case ACT_RELU:
        PAR_FOR
        for (size_t i = 0; i < n; i++) x[i] = x[i] > 0 ? x[i] : 0;
        break;
    case ACT_LEAKY:
        PAR_FOR
        for (size_t i = 0; i < n; i++) x[i] = x[i] > 0 ? x[i] : 0.1f * x[i];
        break;
    case ACT_LOGISTIC:
        PAR_FOR
        for (size_t i = 0; i < n; i++) x[i] = 1.0f / (1.0f + expf(-x[i]));
        break;
    case ACT_RELU6:
    case ACT_RAMP:
    case ACT_SWISH:
    case ACT_MISH:
        PAR_FOR
        for (size_t i = 0; i < n; i++) x[i] = act_value(x[i], a);
        break;
    }
}

/* restrict and the branch-free masks let these loops vectorise (a branch on
 * the sign of y mispredicts half the time). */
void gradient(const float *restrict y, size_t n, enum dn_act a, float *restrict delta)
{
    switch (a) {
    case ACT_LINEAR:
        break;
    case ACT_RELU:
        PAR_FOR
        for (size_t i = 0; i < n; i++) {
            float m = y[i] > 0 ? 1.0f : 0.0f;
            delta[i] *= m;
        }
        break;
    case ACT_LEAKY:
        PAR_FOR
        for (size_t i = 0; i < n; i++) {
            float m = y[i] > 0 ? 1.0f : 0.1f;
            delta[i] *= m;
        }
        break;
    case ACT_LOGISTIC:
        PAR_FOR
        for (size_t i = 0; i < n; i++) delta[i] *= y[i] * (1.0f - y[i]);
        break;
    case ACT_RELU6:
    case ACT_RAMP:
        PAR_FOR
        for (size_t i = 0; i < n; i++) delta[i] *= act_slope(y[i], a);
        break;
    case ACT_SWISH:
    case ACT_MISH:
        DN_ABORT("gradient(): %s needs the input x: use gradient_from_input()", act_names[a]);
    }
}

void activate_keep(const float *restrict x, float *restrict y, size_t n, enum dn_act a)
{
    PAR_FOR
    for (size_t i = 0; i < n; i++) y[i] = act_value(x[i], a);
}

void gradient_from_input(const float *restrict x, size_t n, enum dn_act a, float *restrict delta)
{
    if (a == ACT_LINEAR) return;
    PAR_FOR
    for (size_t i = 0; i < n; i++) delta[i] *= act_grad(x[i], a);
}
