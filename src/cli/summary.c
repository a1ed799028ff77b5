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
    struct network *net = load_net_with_data(argc == 4 ? argv[2] : NULL, argv[argc - 1], err);
    if (!net) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    net_print_summary(net, stdout);
    net_free(net);
    return 0;
}
