/* activations.c - see activations.h. leaky uses slope 0.1 as Darknet does. */
#include "activations.h"

#include <math.h>

const char *const act_names[] = {"linear", "relu", "leaky", "logistic", NULL};

void activate(float *x, size_t n, enum dn_act a)
{
    switch (a) {
    case ACT_LINEAR:
        break;
    case ACT_RELU:
        for (size_t i = 0; i < n; i++) x[i] = x[i] > 0 ? x[i] : 0;
        break;
    case ACT_LEAKY:
        for (size_t i = 0; i < n; i++) x[i] = x[i] > 0 ? x[i] : 0.1f * x[i];
        break;
    case ACT_LOGISTIC:
        for (size_t i = 0; i < n; i++) x[i] = 1.0f / (1.0f + expf(-x[i]));
        break;
    }
}

void gradient(const float *y, size_t n, enum dn_act a, float *delta)
{
    switch (a) {
    case ACT_LINEAR:
        break;
    case ACT_RELU:
        for (size_t i = 0; i < n; i++) delta[i] *= y[i] > 0 ? 1.0f : 0.0f;
        break;
    case ACT_LEAKY:
        for (size_t i = 0; i < n; i++) delta[i] *= y[i] > 0 ? 1.0f : 0.1f;
        break;
    case ACT_LOGISTIC:
        for (size_t i = 0; i < n; i++) delta[i] *= y[i] * (1.0f - y[i]);
        break;
    }
}
