/*
 * activations.h - element-wise activation functions.
 * activate() applies f in place; gradient() multiplies delta by f'(x),
 * computed from the activated value y = f(x). That works for every function
 * here except swish and mish, whose derivative cannot be had from y (mish is
 * not monotonic): a layer using one of those (act_needs_input) keeps the
 * input x, its pre-activation, and uses activate_keep() and
 * gradient_from_input() instead.
 */
#ifndef DN_ACTIVATIONS_H
#define DN_ACTIVATIONS_H

#include <math.h>
#include <stddef.h>

/* relu6 = min(max(x, 0), 6); ramp = max(x, 0) + 0.1 x (Darknet's);
 * swish = x * logistic(x); mish = x * tanh(softplus(x)), where softplus(x) =
 * log(1 + e^x), taken as x above 20 and e^x below -20 (Darknet's threshold). */
enum dn_act { ACT_LINEAR, ACT_RELU, ACT_LEAKY, ACT_LOGISTIC, ACT_RELU6, ACT_RAMP, ACT_SWISH, ACT_MISH };

/* NULL-terminated cfg names, indexed by enum dn_act (for cfg_enum). */
extern const char *const act_names[];

/* 1 if f'(x) needs x itself (swish, mish): see the top of this file. */
static inline int act_needs_input(enum dn_act a) { return a == ACT_SWISH || a == ACT_MISH; }

/* x = f(x), n elements; every activation. */
void activate(float *x, size_t n, enum dn_act a);
/* delta *= f'(x) from y = f(x); not for act_needs_input(a) (aborts). */
void gradient(const float *y, size_t n, enum dn_act a, float *delta);
/* y = f(x) with x kept (the pre-activation, for gradient_from_input);
 * x and y are distinct arrays of n. Every activation. */
void activate_keep(const float *x, float *y, size_t n, enum dn_act a);
/* delta *= f'(x) from the input x; every activation. */
void gradient_from_input(const float *x, size_t n, enum dn_act a, float *delta);

/* Darknet's softplus with its threshold 20, in float. */
static inline float act_softplus(float v)
{
    if (v > 20.0f) return v;
    if (v < -20.0f) return expf(v);
    return log1pf(expf(v));
}

/* One element of each, for fused loops: act_value(x) = f(x), act_slope(y) =
 * f'(x) from y = f(x) (NaN for swish and mish, which need x: act_grad),
 * act_grad(x) = f'(x) from x. act_value and act_slope are the same float
 * expressions as activate/gradient; act_grad(x) = act_slope(act_value(x))
 * where act_slope is defined. */
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
    case ACT_SWISH:
        return v * (1.0f / (1.0f + expf(-v)));
    case ACT_MISH:
        return v * tanhf(act_softplus(v));
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
    case ACT_SWISH:
    case ACT_MISH:
        return NAN; /* not a function of y: a misuse shows in every check */
    case ACT_LINEAR:
        break;
    }
    return 1.0f;
}

static inline float act_grad(float v, enum dn_act a)
{
    switch (a) {
    case ACT_SWISH: { /* s + x s (1 - s), s = logistic(x) */
        float s = 1.0f / (1.0f + expf(-v));
        return s + v * s * (1.0f - s);
    }
    case ACT_MISH: { /* tanh(sp) + x (1 - tanh(sp)^2) sp', sp' = 1 - e^-sp = logistic(x) */
        float sp = act_softplus(v), t = tanhf(sp), dsp = -expm1f(-sp);
        return t + v * (1.0f - t * t) * dsp;
    }
    default:
        return act_slope(act_value(v, a), a);
    }
}

#endif
