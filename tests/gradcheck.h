/*
 * gradcheck.h - finite-difference gradient check of a whole small network.
 *
 * The network is built from cfg text in training mode (batch statistics,
 * dropout, ...) with net->delta allocated. Two objectives:
 *
 *   GC_DOT   L = sum(out_last * r) for a fixed random r in [-1, 1): the
 *            targets are dropped (net->truth = NULL) so loss layers take their
 *            plain Jacobian path, and backward starts from delta_last = r.
 *   GC_LOSS  L = net->loss with targets: one-hot per sample when the last
 *            layer is [softmax] (or two classes mixed: soft_targets),
 *            uniform in [-1, 1) otherwise ([cost]).
 *
 * The analytic gradients of the network input (net->delta) and of every
 * learned parameter (kind != PARAM_STAT) from one backward pass are compared,
 * on up to max_samples elements per tensor (a seeded random subset when the
 * tensor is larger), with central differences of the objective summed in
 * double precision:
 *
 *     g_n = (L(x + eps) - L(x - eps)) / (x+eps - (x-eps))   (the float step)
 *     pass if |g_a - g_n| <= thr * max(|g_a|, |g_n|, floor_t)
 *
 * floor_t = min(floor, the tensor's largest |g_a|) (floor defaults to 1, and
 * floor_t is at least floor/1000): the absolute floor keeps float noise from
 * failing elements whose gradient is ~0, and the cap keeps a tensor whose
 * gradients are all small (avgpool's 1/S, a softmax's p(1-p)) checked
 * relatively; a 5% error in a gradient of 0.03 must not pass as "< 0.01".
 *
 * Parameter gradients start from a known non-zero offset that is subtracted
 * afterwards, so a layer that assigns them (=) instead of accumulating (+=)
 * fails. The forward is made deterministic between evaluations by resetting
 * net->rng to a saved copy before each one (dropout masks).
 *
 * Kinks (ReLU/leaky at 0, a maxpool arg-max switch, SE's hidden ReLU) are
 * found without knowing where they are: with L0 = L(x), the one-sided slopes
 *     d_r = (L(x+eps) - L0) / eps,   d_l = (L0 - L(x-eps)) / eps
 * of a smooth L differ by about eps*L'' (tiny), while a kink of L at distance
 * d < eps from x makes them differ by (jump in slope)*(eps-d)/eps, and the
 * central difference is then off from the true derivative at x by exactly
 * half that. So when |d_r - d_l| > thr/2 * max(|d_l|, |d_r|, floor_t) (a kink
 * could use up more than a quarter of the tolerance) the central difference
 * is not used. The one-sided slope on the far side of a single kink is still
 * exact, so the element passes ("one-sided") if the analytic gradient
 * matches d_l or d_r (or, when the split was curvature after all, the
 * central difference) within thr; otherwise (two kinks within eps, or float
 * noise) it is skipped. Kinks that shift the central difference by less are
 * absorbed by the test.
 *
 * The smooth part eps*L'' of |d_r - d_l| stays far below the threshold with
 * eps = 1e-3 and floor = 1; with a larger eps or a small floor (loss
 * objectives, whose gradients are divided by the batch) it need not, so such
 * cases use kink-free networks and set `smooth`, which always uses the
 * central difference. Float rounding in L grows with the number of outputs
 * and with batch norm of values whose mean dwarfs their spread (it divides
 * by the spread); keep gradient-check networks small and such layers out.
 *
 * To keep skipping from hiding real errors, a tensor fails when more than
 * max(2, 25%) of its sampled elements are skipped, when all of its analytic
 * gradient is zero (the check would be vacuous), or on any NaN, Inf or
 * non-deterministic forward.
 */
#ifndef DN_TEST_GRADCHECK_H
#define DN_TEST_GRADCHECK_H

#include <stdint.h>

#include "../src/core/network.h"

enum gc_objective { GC_DOT, GC_LOSS };

struct gc_opts {
    int batch;             /* mini-batch override, 0 = the cfg's */
    int classes;           /* for `output=classes`, 0 = none */
    uint64_t seed;         /* weights, input, r, targets, sampling */
    enum gc_objective obj; /* GC_DOT (default) or GC_LOSS */
    double eps;            /* finite-difference step, 0 = 1e-3 */
    double thr;            /* relative tolerance, 0 = 1e-2 */
    double floor;          /* absolute floor of the scale, 0 = 1 (see floor_t) */
    int max_samples;       /* elements checked per tensor, 0 = 200 */
    float input_scale;     /* input ~ U(-s, s), 0 = 1 */
    int no_input_grad;     /* build without net->delta: exercises dinput == NULL */
    int keep_init;         /* 0: biases ~ U(-.3,.3), BN scales ~ 1+U(-.3,.3) */
    int smooth;            /* no kinks: always the central difference (see above) */
    int soft_targets;      /* GC_LOSS into [softmax]: each sample's target mixes two
                              classes, a and 1 - a with a ~ U(0.1, 0.9) (what
                              mixup/cutmix give), instead of one-hot */
    int quiet;             /* print nothing (tests of the checker itself) */
    /* called after the build and the parameter randomisation, may be NULL */
    void (*setup)(struct network *net, void *ctx);
    void *ctx;
};

struct gc_result {
    int tensors;        /* tensors checked */
    int checked;        /* elements compared */
    int one_sided;      /* of which against a one-sided slope (a kink within eps) */
    int skipped;        /* elements skipped (two kinks within eps, or noise) */
    int failed;         /* failed elements plus failed tensor-level checks */
    double worst;       /* max |g_a - g_n| / max(|g_a|, |g_n|, floor_t) */
    char worst_at[128]; /* where */
};

/* Build the network from cfg text (name is used in messages) and check it.
 * Returns the number of failures (0 = pass); -1 if the cfg does not build.
 * Failures are printed as
 *   gradcheck NAME: layer I (TYPE) TENSOR[K]: analytic A numeric N (err E > thr T)
 * With DN_GRADCHECK_VERBOSE=1 in the environment each tensor's counts and
 * worst error are printed too. res may be NULL. */
int gradcheck_cfg(const char *name, const char *cfg_text, const struct gc_opts *opts,
                  struct gc_result *res);

/* The same on an already built network (training mode is switched on; with
 * GC_DOT net->truth is freed and set to NULL). */
int gradcheck_net(const char *name, struct network *net, const struct gc_opts *opts,
                  struct gc_result *res);

/* Build a network from cfg text (net->delta allocated when want_delta);
 * prints the error and returns NULL when it does not build. */
struct network *gc_build(const char *name, const char *cfg_text, int classes, int batch,
                         int want_delta, uint64_t seed);

#endif
