/*
 * test_cfg.c - the cfg reader and network builder: good files parse, and
 * every kind of bad file stops with its file:line message.
 */
#include <stdlib.h>
#include <string.h>

#include "../src/core/cfg.h"
#include "../src/core/network.h"
#include "harness.h"

static const char *NET = "[net]\nbatch=4\nwidth=8\nheight=8\nchannels=3\n";

/* Build text = NET + body; return the error message ("" on success). */
static const char *build_err(const char *body)
{
    static char err[DN_ERR_LEN];
    char text[4096];
    snprintf(text, sizeof(text), "%s%s", NET, body);
    err[0] = 0;
    struct cfg *c = cfg_read_text("t.cfg", text, 0, err);
    if (!c) return err;
    struct network *net = net_build(c, 10, 0, 0, 1, err);
    if (net) err[0] = 0;
    net_free(net);
    cfg_free(c);
    return err;
}

static void expect_err(const char *body, const char *want)
{
    const char *e = build_err(body);
    EXPECT(strstr(e, want) != NULL, "cfg:\n%s\n  wanted error containing '%s', got '%s'", body, want, e);
}

static void test_cfg_good(void)
{
    const char *e = build_err("# comment\n; another\n\n[convolutional]\nfilters = 4\nsize=3\n"
                              "stride=1\npad=1\nbatch_normalize=1\nactivation=leaky\n"
                              "[maxpool]\nsize=2\nstride=2\n[shortcut]\nfrom=-1\n"
                              "[route]\nlayers=-1,-2\n[avgpool]\n[connected]\noutput=classes\n"
                              "activation=linear\n[softmax]\n");
    EXPECT(e[0] == 0, "good cfg failed: %s", e);
    char err[DN_ERR_LEN];
    char text[512];
    snprintf(text, sizeof(text), "%s[conv]\nfilters=2\n[connected]\noutput=5\n", NET);
    struct cfg *c = cfg_read_text("t.cfg", text, 0, err);
    struct network *net = c ? net_build(c, 0, 0, 0, 1, err) : NULL;
    EXPECT(net != NULL, "alias [conv]: %s", err);
    if (net) {
        EXPECT(net->n == 2 && net->layers[1].outputs == 5, "layers %d outputs %d", net->n,
               net->layers[1].outputs);
        EXPECT(net->layers[0].out_c == 2 && net->layers[0].out_w == 8, "conv shape");
        EXPECT(net->batch == 4 && net->subdivisions == 1, "batch %d", net->batch);
    }
    net_free(net);
    cfg_free(c);
}

static void test_cfg_net_keys(void)
{
    char err[DN_ERR_LEN];
    const char *text = "[net]\nbatch=128\nsubdivisions=2\nwidth=32\nheight=32\nchannels=3\n"
                       "learning_rate=0.1\nmomentum=0.9\ndecay=0.0001\npolicy=steps\n"
                       "steps=32000,48000\nscales=.1,.1\nmax_batches=64000\ncrop_pad=4\nflip=1\n"
                       "mean=0.4914,0.4822,0.4465\nstd=0.2023,0.1994,0.2010\ninit=fan_out\n"
                       "[connected]\noutput=10\n";
    struct cfg *c = cfg_read_text("n.cfg", text, 0, err);
    struct network *net = c ? net_build(c, 0, 0, 0, 1, err) : NULL;
    EXPECT(net != NULL, "%s", err);
    if (!net) return;
    EXPECT(net->batch == 64 && net->subdivisions == 2, "mini-batch %d", net->batch);
    EXPECT(net->sched.nsteps == 2 && net->sched.steps[1] == 48000, "steps");
    EXPECT_NEAR(net->aug.mean[1], 0.4822, 1e-7, 0, "mean[1]");
    EXPECT_NEAR(net->aug.std[2], 0.2010, 1e-7, 0, "std[2]");
    EXPECT(net->aug.crop_pad == 4 && net->aug.flip == 1 && net->init == INIT_FAN_OUT, "augment keys");
    EXPECT(net->cudnn_benchmark == 0, "cudnn_benchmark defaults to 0 (reproducible algorithms)");
    /* Darknet's steps policy: the new rate applies from batch_num == step */
    EXPECT_NEAR(net_rate(net, 1), 0.1, 1e-7, 0, "rate(1)");
    EXPECT_NEAR(net_rate(net, 31999), 0.1, 1e-7, 0, "rate(31999)");
    EXPECT_NEAR(net_rate(net, 32000), 0.01, 1e-8, 0, "rate(32000)");
    EXPECT_NEAR(net_rate(net, 48000), 0.001, 1e-9, 0, "rate(48000)");
    net->sched.burn_in = 100;
    EXPECT_NEAR(net_rate(net, 50), 0.1 * pow(0.5, 4), 1e-8, 0, "burn_in rate(50)");
    net_free(net);
    cfg_free(c);
}

static void test_cfg_errors(void)
{
    expect_err("[convolutional]\nfilters=4\n[bogus]\n", "t.cfg:8: [bogus]: unknown layer type");
    expect_err("[convolutional]\nfilter=4\nfilters=4\n", "t.cfg:7: [convolutional] filter=4: unknown key");
    expect_err("[convolutional]\nsize=3\n", "t.cfg:6: [convolutional] filters: missing required key");
    expect_err("[convolutional]\nfilters=4\nstride=0\n", "t.cfg:8: [convolutional] stride=0: must be at least 1");
    expect_err("[convolutional]\nfilters=four\n", "t.cfg:7: [convolutional] filters=four: not an integer");
    expect_err("[convolutional]\nfilters=4\n[shortcut]\nfrom=-9\n",
               "t.cfg:9: [shortcut] from=-9: points before the first layer");
    expect_err("[convolutional]\nfilters=4\n[shortcut]\nfrom=3\n", "[shortcut] from=3: must name an earlier layer");
    expect_err("[convolutional]\nfilters=4\n[convolutional]\nfilters=4\nsize=3\nstride=2\n[shortcut]\nfrom=-2\n",
               "[shortcut] from=-2: layer 0's 8x8x4 output cannot be added to 3x3x4");
    expect_err("[convolutional]\nfilters=4\nactivation=hard_mish\n",
               "t.cfg:8: [convolutional] activation=hard_mish: unknown value "
               "(expected linear|relu|leaky|logistic|relu6|ramp|swish|mish)");
    expect_err("[convolutional]\nfilters=4\nxnor=1\n", "t.cfg:8: [convolutional] xnor=1: not supported here (XNOR");
    expect_err("[convolutional]\nfilters=4\ngroups=2\n",
               "t.cfg:8: [convolutional] groups=2: must divide the 3 input channels");
    expect_err("[convolutional]\nfilters=4\ngroups=3\n", "t.cfg:8: [convolutional] groups=3: must divide filters=4");
    expect_err("[convolutional]\nfilters=3\ngroups=0\n", "t.cfg:8: [convolutional] groups=0: must be at least 1");
    expect_err("[convolutional]\nfilters=4\nfilters=5\nxnor=0\nsize=3#5\nfiltres=2\n",
               "t.cfg:11: [convolutional] filtres=2: unknown key");
    expect_err("[route]\n", "[route] layers: missing required key");
    expect_err("[convolutional]\nfilters=4\nsize=3\nstride=2\n[route]\nlayers=-1,-2\n", "[route] layers=-1,-2:");
    expect_err("[bridge]\nfrom=-1\n", "from=-1: points before the first layer");
    expect_err("[convolutional]\nfilters=4\n[convolutional]\nfilters=4\nsize=3\nstride=2\n[bridge]\nfrom=-2\n",
               "does not reduce to 3x3 by an integer stride");
    expect_err("[convolutional]\nfilters=4\nsize=20\n", "kernel larger than");
    expect_err("[connected]\noutput=0\n", "output=0: must be at least 1");

    char err[DN_ERR_LEN];
    struct cfg *c = cfg_read_text("k.cfg", "filters=3\n", 0, err);
    EXPECT(!c && strstr(err, "k.cfg:1: filters: key before any [section]"), "got '%s'", err);
    c = cfg_read_text("k.cfg", "[net\n", 0, err);
    EXPECT(!c && strstr(err, "k.cfg:1: malformed section header"), "got '%s'", err);
    c = cfg_read_text("k.cfg", "[net]\nwidth\n", 0, err);
    EXPECT(!c && strstr(err, "k.cfg:2: expected key=value"), "got '%s'", err);
    c = cfg_read_text("k.cfg", "[convolutional]\nfilters=1\n", 0, err);
    struct network *net = c ? net_build(c, 0, 0, 0, 1, err) : NULL;
    EXPECT(!net && strstr(err, "k.cfg:1: the first section must be [net]"), "got '%s'", err);
    cfg_free(c);
    c = cfg_read_text("k.cfg", "[net]\nbatch=4\nwidth=8\nchannels=3\n[connected]\noutput=2\n", 0, err);
    net = c ? net_build(c, 0, 0, 0, 1, err) : NULL;
    EXPECT(!net && strstr(err, "k.cfg:1: [net] height: missing required key"), "got '%s'", err);
    cfg_free(c);
    c = cfg_read_text("k.cfg", "[net]\nbatch=6\nsubdivisions=4\nwidth=8\nheight=8\nchannels=3\n[connected]\noutput=2\n", 0, err);
    net = c ? net_build(c, 0, 0, 0, 1, err) : NULL;
    EXPECT(!net && strstr(err, "k.cfg:3: [net] subdivisions=4: must divide batch=6"), "got '%s'", err);
    cfg_free(c);
    c = cfg_read_text("k.cfg", "[net]\nwidth=8\nheight=8\nchannels=3\npolicy=steps\nsteps=10,20\nscales=.1\n[connected]\noutput=2\n", 0, err);
    net = c ? net_build(c, 0, 0, 0, 1, err) : NULL;
    EXPECT(!net && strstr(err, "[net] scales=.1: has 1 values but steps has 2"), "got '%s'", err);
    cfg_free(c);
    c = cfg_read_text("k.cfg", "[net]\nwidth=8\nheight=8\nchannels=3\ncudnn_benchmark=2\n[connected]\noutput=2\n", 0, err);
    net = c ? net_build(c, 0, 0, 0, 1, err) : NULL;
    EXPECT(!net && strstr(err, "k.cfg:5: [net] cudnn_benchmark=2: must be 0 or 1"), "got '%s'", err);
    cfg_free(c);
    c = cfg_read_text("k.cfg", "[net]\nwidth=8\nheight=8\nchannels=3\n[connected]\noutput=classes\n", 0, err);
    net = c ? net_build(c, 0, 0, 0, 1, err) : NULL;
    EXPECT(!net && strstr(err, "[connected] output=classes: no class count known"), "got '%s'", err);
    cfg_free(c);
    c = cfg_read("/nonexistent/x.cfg", 0, err);
    EXPECT(!c && strstr(err, "/nonexistent/x.cfg: cannot open"), "got '%s'", err);
}

/* Upstream Darknet's reading: an inline comment ends a value, a repeated key
 * keeps its first value, a known-but-unsupported key set to 0 is accepted. */
static void test_cfg_upstream_syntax(void)
{
    char err[DN_ERR_LEN];
    char text[512];
    snprintf(text, sizeof(text), "%s[convolutional]\nfilters=4\t# was 8\nsize=3;x\nfilters=6\nxnor=0\ngroups=1\n"
             "[connected]\noutput=5#\n", NET);
    struct cfg *c = cfg_read_text("u.cfg", text, 0, err);
    struct network *net = c ? net_build(c, 0, 0, 0, 1, err) : NULL;
    EXPECT(net != NULL, "upstream syntax: %s", err);
    if (net) {
        EXPECT(net->layers[0].out_c == 4, "first filters= wins: got %d", net->layers[0].out_c);
        EXPECT(net->layers[0].out_w == 6, "size=3: got width %d", net->layers[0].out_w);
        EXPECT(net->layers[1].outputs == 5, "output=5#: got %d", net->layers[1].outputs);
    }
    net_free(net);
    cfg_free(c);
    c = cfg_read_text("u.cfg", "[net]\nwidth=8\nheight=8\nchannels=3\ngaussian_noise=1\n[connected]\noutput=2\n", 0, err);
    net = c ? net_build(c, 0, 0, 0, 1, err) : NULL;
    EXPECT(!net && strstr(err, "u.cfg:5: [net] gaussian_noise=1: not supported here (noise"), "got '%s'", err);
    cfg_free(c);
}

/* [net] keys a cfg leaves out mean what they mean in Darknet: flip=1, decay
 * on weights only, a 1x..2x zoom crop; crop_pad (ours) turns the zoom off. */
static void test_cfg_upstream_defaults(void)
{
    char err[DN_ERR_LEN];
    const char *texts[3] = {
        "[net]\nwidth=8\nheight=8\nchannels=3\n[connected]\noutput=2\n",
        "[net]\nwidth=8\nheight=8\nchannels=3\ncrop_pad=2\nflip=0\ndecay_scope=all\n[connected]\noutput=2\n",
        "[net]\nwidth=8\nheight=8\nchannels=3\nmax_crop=12\nmin_crop=9\nangle=7\naspect=.75\nhue=.1\n"
        "saturation=1.5\nexposure=1.5\nlabel_smooth_eps=0.1\n[connected]\noutput=2\n"};
    for (int i = 0; i < 3; i++) {
        struct cfg *c = cfg_read_text("d.cfg", texts[i], 0, err);
        struct network *net = c ? net_build(c, 0, 0, 0, 1, err) : NULL;
        EXPECT(net != NULL, "%s", err);
        if (net && i == 0)
            EXPECT(net->aug.flip == 1 && net->opt.decay_scope == DECAY_WEIGHTS && net->aug.min_crop == 8 && net->aug.max_crop == 16 &&
                   net->aug.aspect == 1 && net->aug.saturation == 1 && net->aug.exposure == 1 && net->aug.hue == 0 &&
                   net->aug.angle == 0 && net->aug.label_smooth == 0 && net->aug.mix == MIX_NONE && net->aug.blur == 0,
                   "defaults: flip %d scope %d crop %d..%d", net->aug.flip, net->opt.decay_scope, net->aug.min_crop, net->aug.max_crop);
        if (net && i == 1)
            EXPECT(net->aug.flip == 0 && net->opt.decay_scope == DECAY_ALL && net->aug.min_crop == 0 && net->aug.max_crop == 0,
                   "crop_pad: flip %d scope %d crop %d..%d", net->aug.flip, net->opt.decay_scope, net->aug.min_crop, net->aug.max_crop);
        if (net && i == 2)
            EXPECT(net->aug.min_crop == 9 && net->aug.max_crop == 12 && net->aug.angle == 7 && net->aug.aspect == 0.75f &&
                   net->aug.hue == 0.1f && net->aug.saturation == 1.5f && net->aug.exposure == 1.5f && net->aug.label_smooth == 0.1f,
                   "augmentation keys");
        net_free(net);
        cfg_free(c);
    }
    /* Darknet's mixing keys: cutmix=1 and mosaic=1 together are mixup=4,
     * alone 2 and 3; mixup=N as given; blur=1 is a 15x15 kernel */
    static const struct {
        const char *keys;
        int mix, blur;
    } mixes[] = {{"cutmix=1\nmosaic=1\n", MIX_CUTMIX_MOSAIC, 0}, {"cutmix=1\n", MIX_CUTMIX, 0},
                 {"mosaic=1\nblur=1\n", MIX_MOSAIC, 15}, {"mixup=1\nblur=5\n", MIX_MIXUP, 5},
                 {"mixup=3\nmosaic=1\n", MIX_MOSAIC, 0}, {"mixup=4\ncutmix=0\n", MIX_CUTMIX_MOSAIC, 0}};
    for (size_t i = 0; i < ARRAY_LEN(mixes); i++) {
        char text[256];
        snprintf(text, sizeof(text), "[net]\nwidth=8\nheight=8\nchannels=3\n%s[connected]\noutput=2\n", mixes[i].keys);
        struct cfg *c = cfg_read_text("m.cfg", text, 0, err);
        struct network *net = c ? net_build(c, 0, 0, 0, 1, err) : NULL;
        EXPECT(net && net->aug.mix == mixes[i].mix && net->aug.blur == mixes[i].blur, "%s: mix %d blur %d (%s)",
               mixes[i].keys, net ? net->aug.mix : -1, net ? net->aug.blur : -1, net ? "" : err);
        net_free(net);
        cfg_free(c);
    }
    struct cfg *c = cfg_read_text("d.cfg", "[net]\nwidth=8\nheight=8\nchannels=3\ncrop_pad=2\nmax_crop=16\n"
                                  "[connected]\noutput=2\n", 0, err);
    struct network *net = c ? net_build(c, 0, 0, 0, 1, err) : NULL;
    EXPECT(!net && strstr(err, "d.cfg:5: [net] crop_pad=2: cannot be combined with Darknet's zoom crop"), "got '%s'",
           err);
    cfg_free(c);
}

const struct test_case cfg_tests[] = {
    {"cfg_upstream_defaults", test_cfg_upstream_defaults},
    {"cfg_upstream_syntax", test_cfg_upstream_syntax},
    {"cfg_good_files_parse", test_cfg_good},
    {"cfg_net_keys_and_lr_policy", test_cfg_net_keys},
    {"cfg_errors_name_file_line_key", test_cfg_errors},
    {NULL, NULL},
};
