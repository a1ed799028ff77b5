/*
 * export.c - `./darknet export [<data>] <cfg> <weights> <out.cfg> <out.weights>`:
 * a network trained with [net] mean=/std= (per-channel input normalisation,
 * which Darknet does not have) rewritten so that Darknet computes the same
 * function on raw 0..1 pixels: the normalisation folded into the first
 * [convolutional] (weights_fold_normalisation, which says when that is not
 * exact and refuses), and out.cfg = the cfg without the mean= and std= lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/cfg.h"
#include "../core/network.h"
#include "../core/weights.h"
#include "../data/data.h"
#include "args.h"

/* The padding of the cfg's first layer section (the keys convolutional.c reads). */
static int first_padding(const char *cfgpath, int *padding, char *err)
{
    struct cfg *c = cfg_read(cfgpath, 0, err);
    if (!c) return -1;
    int rc = -1, size, pad;
    if (c->n < 2) {
        dn_errf(err, "%s: no layers", cfgpath);
        goto out;
    }
    struct cfg_section *s = &c->secs[1];
    if (cfg_int(c, s, "size", 1, &size) || cfg_int(c, s, "pad", 0, &pad) || cfg_int(c, s, "padding", -1, padding)) {
        dn_errf(err, "%s", c->err);
        goto out;
    }
    if (*padding < 0) *padding = pad ? size / 2 : 0;
    rc = 0;
out:
    cfg_free(c);
    return rc;
}

/* Copy the cfg, leaving out [net]'s mean= and std= lines. */
static int write_cfg(const char *in, const char *out, char *err)
{
    FILE *f = fopen(in, "r");
    if (!f) {
        dn_errf(err, "%s: cannot open", in);
        return -1;
    }
    char tmp[DN_PATH_LEN], line[4096];
    FILE *o = atomic_open(out, tmp, "w", err);
    if (!o) {
        fclose(f);
        return -1;
    }
    int in_net = 0;
    while (fgets(line, sizeof(line), f)) {
        char key[64] = "";
        size_t k = 0;
        for (const char *p = line; *p && *p != '=' && k + 1 < sizeof(key); p++)
            if (*p != ' ' && *p != '\t') key[k++] = *p;
        key[k] = 0;
        if (key[0] == '[') in_net = strncmp(key, "[net]", 5) == 0 || strncmp(key, "[network]", 9) == 0;
        if (in_net && strchr(line, '=') && (strcmp(key, "mean") == 0 || strcmp(key, "std") == 0)) continue;
        fputs(line, o);
    }
    fclose(f);
    return atomic_commit(o, tmp, out, err);
}

int cmd_export(int argc, char **argv)
{
    char err[DN_ERR_LEN];
    if (arg_unknown(argc, argv, 2)) return 2;
    if (argc != 6 && argc != 7) {
        fprintf(stderr, "usage: darknet export [<data>] <cfg> <weights> <out.cfg> <out.weights>\n");
        return 2;
    }
    int first = argc - 4, rc = 1, padding = 0;
    const char *cfgpath = argv[first], *wpath = argv[first + 1];
    struct network *net = load_net_with_data(argc == 7 ? argv[2] : NULL, cfgpath, err);
    if (!net || weights_load(net, wpath, 0, err)) goto out;
    int normalised = 0;
    for (int c = 0; c < net->c && c < 3; c++) normalised |= net->aug.mean[c] != 0 || net->aug.std[c] != 1;
    if (normalised && (first_padding(cfgpath, &padding, err) || weights_fold_normalisation(net, padding, err)))
        goto out;
    if (write_cfg(cfgpath, argv[first + 2], err) || weights_save(net, argv[first + 3], 0, err)) goto out;
    fprintf(stderr, "%s: wrote %s and %s%s\n", cfgpath, argv[first + 2], argv[first + 3],
            normalised ? " (mean/std folded into layer 0)" : " (no normalisation to fold)");
    rc = 0;
out:
    if (rc) fprintf(stderr, "%s\n", err);
    net_free(net);
    return rc;
}
