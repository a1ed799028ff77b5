/*
 * summary.c - `./darknet summary [<data>] <cfg>`: the layer table, learned
 * parameter count, BN statistics and forward MACs per image. With a .data
 * file its `classes` sizes `output=classes` layers.
 */
#include <stdio.h>
#include <string.h>

#include "../core/network.h"
#include "../data/data.h"
#include "args.h"
#include "commands.h"

int cmd_summary(int argc, char **argv)
{
    char err[DN_ERR_LEN];
    if (arg_unknown(argc, argv, 2)) return 2;
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: darknet summary [<data>] <cfg>\n");
        return 2;
    }
    int classes = 0;
    if (argc == 4) {
        struct data_cfg d;
        if (data_cfg_read(argv[2], &d, err)) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        classes = d.classes;
    }
    struct network *net = net_load_cfg(argv[argc - 1], classes, 1, 1, err);
    if (!net) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    net_print_summary(net, stdout);
    net_free(net);
    return 0;
}
