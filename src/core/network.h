/*
 * network.h - a network built from a .cfg file: its layers, its [net]
 * hyper-parameters, forward/backward over a mini-batch and the SGD step.
 *
 * Batch semantics follow Darknet: cfg `batch` is the images per SGD step,
 * `subdivisions` splits it into mini-batches of batch/subdivisions images that
 * are run one after another with gradients accumulated; net->batch is the
 * mini-batch size (what every buffer is allocated for).
 */
#ifndef DN_NETWORK_H
#define DN_NETWORK_H

#include <stdint.h>

#include "cfg.h"
#include "layer.h"
#include "utils.h"
#include "../data/augment.h"

struct dn_cuda; /* the GPU context (src/backend/cuda/cuda_common.h) */

enum lr_policy { POLICY_CONSTANT, POLICY_STEPS, POLICY_STEP, POLICY_POLY, POLICY_EXP };
enum init_scheme { INIT_DARKNET, INIT_FAN_OUT, INIT_FAN_IN };
enum decay_scope { DECAY_ALL, DECAY_WEIGHTS };

#define NET_MAX_STEPS 16

/* [net] keys of the optimiser: SGD with momentum and weight decay. */
struct sgd {
    float learning_rate, momentum, decay;
    enum decay_scope decay_scope; /* which parameters decay reaches */
    float bn_momentum;            /* running statistics momentum, PyTorch's 0.1 */
};

/* [net] keys of the schedule: the learning-rate policy (Darknet's), the run
 * length and how often training checkpoints and validates. */
struct schedule {
    enum lr_policy policy;
    int steps[NET_MAX_STEPS]; /* policy=steps: at update steps[i] ... */
    float scales[NET_MAX_STEPS]; /* ... the rate is multiplied by scales[i] */
    int nsteps;
    int step;    /* policy=step */
    float gamma; /* policy=step/exp */
    float power; /* policy=poly and burn_in */
    int burn_in;
    int max_batches;
    int backup_every; /* iterations between backup checkpoints */
    int valid_every;  /* iterations between validations while training:
                         0 = never, -1 (default) = once per epoch */
};

struct network {
    char *cfg_path;
    int n;
    struct layer *layers;

    int batch;        /* mini-batch: images per forward/backward */
    int subdivisions; /* mini-batches per SGD step */
    int c, h, w;      /* input shape */
    int inputs;       /* c*h*w */
    int classes;      /* classes from the .data file, 0 when none was given */

    float *input; /* (batch, c, h, w) */
    float *delta; /* dL/dinput, (batch, c, h, w); NULL unless requested */
    float *truth; /* (batch, truths): one-hot targets for the loss layer */
    int truths;
    int train;  /* 1: batch statistics, dropout and loss; 0: inference */
    float loss; /* loss of the last forward, mean over batch*subdivisions images */

    struct sgd opt;         /* the SGD step */
    struct schedule sched;  /* learning-rate policy, run length, checkpoints */
    struct augment aug;     /* input augmentation and normalisation (aug.train unused) */
    enum init_scheme init;
    int cudnn_benchmark; /* GPU: 1 lets cuDNN's timed search pick the fastest
                            convolution algorithms, deterministic or not */

    uint64_t seen; /* images trained on so far */
    struct dn_rng rng;
    float *workspace;
    size_t workspace_size; /* floats */

    /* Set by cuda_net_attach (GPU builds, src/core/network_gpu.h): then
     * forward/backward/update run on the device; NULL on the CPU. */
    struct dn_cuda *cuda;
    /* Optional profile (./darknet bench -layers): when non-NULL, net_forward
     * and net_backward add each layer's seconds to prof[i] and prof[n + i]. */
    double *prof;
    /* Shared deltas (net_share_deltas): before backward step t (t = n: before
     * the training forward) the deltas of layers zero_list[zero_first[t] ..
     * zero_first[t + 1]) are zeroed; NULL: every delta is its own buffer,
     * zeroed by each training forward. */
    int *zero_first, *zero_list;
    float **delta_pool;
    int ndelta_pool;
    /* Shared outputs (net_plan_inference): the buffers the layers' outputs
     * point into; NULL: every output is its own buffer. */
    float **output_pool;
    int noutput_pool;
#ifdef GPU
    float *input_gpu, *truth_gpu, *delta_gpu; /* device twins of input/truth/delta */
#endif
};

/*
 * Build a network from a parsed cfg. classes: the .data file's class count for
 * `output=classes` (0 = none given). batch: mini-batch override, 0 = from the
 * cfg. want_delta: also allocate net->delta (tests). seed: weight-init seed.
 * Returns NULL with a one-line message in err.
 */
struct network *net_build(struct cfg *c, int classes, int batch, int want_delta, uint64_t seed,
                          char *err);
/* The same from a file path. */
struct network *net_load_cfg(const char *path, int classes, int batch, uint64_t seed, char *err);
/* The same with [net] overrides "key=value" (the CLI's -set), applied before
 * the build as if the cfg said so. */
struct network *net_load_cfg_set(const char *path, int classes, int batch, uint64_t seed,
                                 char *const *sets, int nsets, char *err);
void net_free(struct network *net);

/*
 * CPU training memory: let layers whose deltas are never needed at the same
 * time share one buffer. A layer's delta lives from the backward step of the
 * last layer that adds into it (the next layer, or a later shortcut, bridge or
 * route naming it) to its own backward step; buffers are assigned greedily
 * over those intervals and zeroed when an interval starts. After a backward
 * pass only net->delta and parameter gradients are meaningful (a layer's delta
 * may hold another layer's). Call once after net_build, before use; not with
 * cuda_net_attach. Returns the bytes of delta memory saved.
 */
size_t net_share_deltas(struct network *net);

/*
 * CPU inference memory: keep only what a forward in eval mode needs. Frees
 * every delta, net->delta and the parameters' gradient and momentum, and
 * lets layers whose outputs are never needed at the same time share one
 * buffer: layer i's output lives from its own forward step to the last step
 * that reads it (the next layer, or a later shortcut, bridge or route naming
 * it; the last layer's output lives on for the caller). Buffers are assigned
 * greedily over those intervals. Afterwards only the last layer's output is
 * meaningful after a forward, and the network can no longer train
 * (net_forward with train=1, net_backward and net_update abort). Call once
 * after net_build and weights_load (without momentum), before use; not with
 * net_share_deltas or cuda_net_attach. Returns the bytes freed.
 */
size_t net_plan_inference(struct network *net);

/* Forward over net->input. In training mode deltas are zeroed first and the
 * loss layer (if any, and if net->truth is set) stores its gradient. */
void net_forward(struct network *net);
/* Backward from the last layer; accumulates parameter gradients. */
void net_backward(struct network *net);
/* One SGD step with the rate for update number batch_num (1-based); zeroes grads. */
void net_update(struct network *net, int batch_num);
/* Learning rate for update number batch_num (1-based), Darknet's policies. */
float net_rate(const struct network *net, int batch_num);
/* Updates done so far: seen / (batch * subdivisions). */
int net_iteration(const struct network *net);

struct layer *net_output_layer(struct network *net);
/* Learned parameters / stored BN statistics / forward MACs per sample. */
size_t net_param_count(const struct network *net);
size_t net_stat_count(const struct network *net);
double net_macs(const struct network *net);
/* Print Darknet's layer table and totals to f. */
#include <stdio.h>
void net_print_summary(const struct network *net, FILE *f);

/*
 * Size limit: no tensor of a network (an input, output, delta, parameter or
 * workspace, batch included) may hold more than NET_MAX_VALUES floats
 * (4 GiB), so every size the layers compute in int stays in range and a cfg
 * asking for more is a cfg error, not an abort in the allocator. Layers
 * check what they allocate in init, before allocating it, with
 * net_check_size: n is the value count computed in double (exact here,
 * never overflowing); -1 with "[section] key=value: what would hold N
 * values, more than the limit" in c->err.
 */
#ifndef NET_MAX_VALUES /* the fuzz harnesses build with a smaller limit */
#define NET_MAX_VALUES 1073741824.0
#endif
int net_check_size(struct cfg *c, struct cfg_section *s, const char *key, const char *what, double n);

/* Weight initialisers used by layers (respecting net->init). */
void init_normal(struct network *net, float *w, size_t n, float std);
void init_uniform(struct network *net, float *w, size_t n, float bound);

#endif
