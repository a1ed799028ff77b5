/*
 * partial.c - `./darknet partial [<data>] <cfg> <weights> <out> <N>`, as
 * Darknet's: write the parameters of the cfg's first N layers (from
 * <weights>, which may itself be such a prefix) to <out> with `seen` = 0,
 * the start of a new training (e.g. darknet53.conv.74). `classifier train`
 * accepts such a file as its weights. The optional .data file gives the
 * class count for cfgs with output=classes.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../core/network.h"
#include "../core/weights.h"
#include "../data/data.h"
#include "args.h"

int cmd_partial(int argc, char **argv)
{
    char err[DN_ERR_LEN];
    if (arg_unknown(argc, argv, 2)) return 2;
    if (argc != 6 && argc != 7) {
        fprintf(stderr, "usage: darknet partial [<data>] <cfg> <weights> <out.weights> <N>\n");
        return 2;
    }
    int first = argc - 4;
    char *end;
    long n = strtol(argv[argc - 1], &end, 10);
    if (*end || end == argv[argc - 1] || n < 0) {
        fprintf(stderr, "darknet: partial: N=%s: expected a number of layers\n", argv[argc - 1]);
        return 2;
    }
    struct network *net = load_net_with_data(argc == 7 ? argv[2] : NULL, argv[first], err);
    int rc = 1, nloaded = 0;
    if (!net) goto out;
    if (n > net->n) {
        dn_errf(err, "%s: N=%ld, but the cfg has %d layers", argv[first], n, net->n);
        goto out;
    }
    if (weights_load_prefix(net, argv[first + 1], 0, &nloaded, err)) goto out;
    if (nloaded < n) {
        dn_errf(err, "%s: holds the weights of %d layers only, fewer than N=%ld", argv[first + 1], nloaded, n);
        goto out;
    }
    if (weights_save_upto(net, argv[first + 2], (int)n, 0, 0, err)) goto out;
    fprintf(stderr, "saved the weights of layers 0-%ld of %s to %s\n", n - 1, argv[first], argv[first + 2]);
    rc = 0;
out:
    if (rc) fprintf(stderr, "%s\n", err);
    net_free(net);
    return rc;
}
