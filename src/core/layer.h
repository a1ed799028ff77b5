/*
 * layer.h - the one small interface every layer implements.
 *
 * A layer is a struct layer holding only what the network loop needs (shapes,
 * the output and delta buffers, its parameter list, a private state pointer)
 * plus a pointer to a constant table of operations, struct layer_ops. Each
 * layer type lives in src/layers/<name>.{h,c,cu}: its state, struct
 * <name>_layer in <name>.h, is l->priv and is read by both the CPU (.c) and
 * the CUDA (.cu) half; <name>.c exports one `const struct layer_ops
 * <name>_ops`, listed in src/core/registry.c (docs/adding-a-layer.md).
 *
 * Buffer conventions (all NCHW, float32, batch-major):
 *   input   (batch, c, h, w)             previous layer's output (not owned)
 *   output  (batch, out_c, out_h, out_w)  written (=) by forward
 *   dinput  like input, or NULL for the first layer without an input gradient
 *   delta   like output: dL/d(output). Zeroed by the network before each
 *           training forward; every consumer ACCUMULATES (+=) into it.
 * backward() reads l->delta and ACCUMULATES into dinput (and into the delta
 * of any other layer it read, e.g. shortcut's `from`) and into param->grad.
 *
 * Parameters are listed in the order they are stored in a .weights file.
 * grad holds dL/dval of the mean loss (accumulated over subdivisions); the
 * network's SGD step consumes and zeroes it.
 */
#ifndef DN_LAYER_H
#define DN_LAYER_H

#include <stddef.h>

#include "cfg.h"

struct network;

enum param_kind {
    PARAM_WEIGHT, /* conv/connected/SE weight matrices: always decayed */
    PARAM_BIAS,   /* biases, BN beta and gamma: decayed only with decay_scope=all */
    PARAM_STAT    /* BN running mean/variance: stored, not learned */
};

struct param {
    const char *name; /* "biases", "scales", "rolling_mean", "rolling_variance", "weights", ... */
    enum param_kind kind;
    size_t n;
    float *val;
    float *grad; /* NULL for PARAM_STAT */
    float *mom;  /* momentum buffer; NULL for PARAM_STAT */
#ifdef GPU
    /* device mirrors (cuda_net_attach); grad_gpu/mom_gpu NULL for PARAM_STAT */
    float *val_gpu, *grad_gpu, *mom_gpu;
#endif
};

#define LAYER_MAX_PARAMS 12
#define LAYER_MAX_REFS 16

struct layer {
    const struct layer_ops *ops;
    int index; /* position in the network, 0-based */
    int line;  /* cfg line of the section header */
    int batch;
    int c, h, w;             /* input shape, per sample */
    int out_c, out_h, out_w; /* output shape, per sample */
    int inputs, outputs;     /* c*h*w and out_c*out_h*out_w */
    float *input, *dinput;   /* see above; set by the network */
    float *output, *delta;   /* allocated by the network after init() */
    struct param params[LAYER_MAX_PARAMS];
    int nparams;
    size_t workspace; /* floats of shared scratch (net->workspace) this layer needs */
    void *priv;       /* layer-specific state */
    /* Earlier layers other than the previous one whose output this layer reads
     * and whose delta its backward adds into (shortcut/bridge from=, route
     * layers=), registered by init with layer_add_ref(). */
    int refs[LAYER_MAX_REFS];
    int nrefs;
#ifdef GPU
    /* device twins of input/dinput/output/delta, same conventions (set by
     * cuda_net_attach); the layer's own device buffers live in its priv
     * struct (struct <name>_layer, src/layers/<name>.h) */
    float *input_gpu, *dinput_gpu;
    float *output_gpu, *delta_gpu;
#endif
};

struct layer_ops {
    const char *name;  /* cfg section name, e.g. "convolutional" */
    const char *alias; /* short name ("conv") or NULL */
    /*
     * Read the section's keys, validate them against the input shape (already
     * in l->c/h/w, l->batch) and earlier layers (net->layers[0..l->index-1]),
     * set out_c/out_h/out_w, register parameters with layer_add_param() and
     * initialise them, set l->workspace. Return 0, or -1 with cfg_fail().
     */
    int (*init)(struct layer *l, struct cfg *c, struct cfg_section *s, struct network *net);
    void (*forward)(struct layer *l, struct network *net);
    void (*backward)(struct layer *l, struct network *net);
    void (*free)(struct layer *l); /* frees priv and private buffers; may be NULL */
    /* Forward multiply-accumulates per sample; NULL means 0. */
    double (*macs)(const struct layer *l);
    /* Short text for the layer table, e.g. "16 3x3/1"; may be NULL. */
    void (*describe)(const struct layer *l, char *buf, size_t n);
    /*
     * CPU plans only (net_share_deltas, net_plan_inference), both optional.
     * A layer whose forward is out = act(input + earlier output) may have its
     * previous layer do that in its own store: fold() asks the previous
     * layer's take_residual(prev, from, act) and returns 1 when it was taken;
     * the layer's forward then does nothing (its backward is unchanged), and
     * at inference its output shares the previous layer's buffer.
     * take_residual returns 0 when the layer will, from now on, write
     * act(its output + layer from's output) into the next layer's output
     * instead of its own output.
     */
    int (*fold)(struct layer *l, struct network *net);
    int (*take_residual)(struct layer *l, int from, int act);
    /*
     * GPU twins (src/layers/<name>.cu; NULL in CPU builds). They follow the
     * CPU contract on the *_gpu buffers and read the same l->priv. init_gpu
     * (may be NULL) runs once the device buffers exist and allocates the
     * layer's device buffers in priv; free_gpu (may be NULL) releases them
     * and must also work when init_gpu did not run.
     */
    void (*init_gpu)(struct layer *l, struct network *net);
    void (*forward_gpu)(struct layer *l, struct network *net);
    void (*backward_gpu)(struct layer *l, struct network *net);
    void (*free_gpu)(struct layer *l);
};

/* Register a parameter of n floats (zeroed; grad and mom allocated unless
 * kind == PARAM_STAT) and return it. */
struct param *layer_add_param(struct layer *l, const char *name, enum param_kind kind, size_t n);
/* Record that l reads layer `from` (see refs above). */
void layer_add_ref(struct layer *l, int from);
/* Learned parameter count (PARAM_WEIGHT + PARAM_BIAS) and stored stats count. */
size_t layer_param_count(const struct layer *l, int kind_stat);

/* Registry (src/core/registry.c). */
const struct layer_ops *layer_lookup(const char *section_name);
extern const struct layer_ops *const layer_registry[];
extern const int layer_registry_len;

#endif
