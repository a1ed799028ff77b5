/*
 * activations.h - element-wise activation functions.
 * activate() applies f in place; gradient() multiplies delta by f'(x),
 * computed from the activated value y = f(x) (all our functions allow that).
 */
#ifndef DN_ACTIVATIONS_H
#define DN_ACTIVATIONS_H

#include <math.h>
#include <stddef.h>

/* relu6 = min(max(x, 0), 6); ramp = max(x, 0) + 0.1 x (Darknet's). */
enum dn_act { ACT_LINEAR, ACT_RELU, ACT_LEAKY, ACT_LOGISTIC, ACT_RELU6, ACT_RAMP };

/* NULL-terminated cfg names, indexed by enum dn_act (for cfg_enum). */
extern const char *const act_names[];

void activate(float *x, size_t n, enum dn_act a);
void gradient(const float *y, size_t n, enum dn_act a, float *delta);

/* One element of each, for fused loops: act_value(x) = f(x), act_slope(y) =
 * f'(x) from y = f(x); the same float expressions as activate/gradient. */
static inline float act_value(float v, enum dn_act a)
{
    switch (a) {
    case ACT_RELU:
        return v > 0 ? v : 0;
    case ACT_LEAKY:
        return v > 0 ? v : 0.1f * v;
    case ACT_LOGISTIC:
        return 1.0f / (1.0f + expf(-v));
    case ACT_RELU6:
        return v > 0 ? (v < 6 ? v : 6.0f) : 0.0f;
    case ACT_RAMP:
        return v > 0 ? v + 0.1f * v : 0.1f * v;
    case ACT_LINEAR:
        break;
    }
    return v;
}

static inline float act_slope(float y, enum dn_act a)
{
    switch (a) {
    case ACT_RELU:
        return y > 0 ? 1.0f : 0.0f;
    case ACT_LEAKY:
        return y > 0 ? 1.0f : 0.1f;
    case ACT_LOGISTIC:
        return y * (1.0f - y);
    case ACT_RELU6:
        return y > 0 && y < 6 ? 1.0f : 0.0f;
    case ACT_RAMP:
        return y > 0 ? 1.1f : 0.1f;
    case ACT_LINEAR:
        break;
    }
    return 1.0f;
}

#endif
