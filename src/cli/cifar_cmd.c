/* cifar_cmd.c - `./darknet cifar extract <cifar-binary-dir> <out-dir>`. */
#include <stdio.h>
#include <string.h>

#include "../data/data.h"
#include "args.h"
#include "commands.h"

int cmd_cifar(int argc, char **argv)
{
    char err[DN_ERR_LEN];
    if (arg_unknown(argc, argv, 2)) return 2;
    if (argc != 5 || strcmp(argv[2], "extract") != 0) {
        fprintf(stderr, "usage: darknet cifar extract <cifar-binary-dir> <out-dir>\n");
        return 2;
    }
    if (cifar_extract(argv[3], argv[4], err)) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    printf("extracted %s into %s (train.list, test.list, labels.txt)\n", argv[3], argv[4]);
    return 0;
}
