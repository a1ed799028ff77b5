/*
 * args.c - see args.h.
 */
#include "args.h"

#include "../core/network.h"
#include "../data/data.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void remove_arg(int *argc, char **argv, int i, int n)
{
    for (int k = i; k + n < *argc; k++) argv[k] = argv[k + n];
    *argc -= n;
    argv[*argc] = NULL;
}

int arg_flag(int *argc, char **argv, const char *name)
{
    for (int i = 1; i < *argc; i++)
        if (strcmp(argv[i], name) == 0) {
            remove_arg(argc, argv, i, 1);
            return 1;
        }
    return 0;
}

long arg_long(int *argc, char **argv, const char *name, long def, int *bad)
{
    for (int i = 1; i < *argc; i++)
        if (strcmp(argv[i], name) == 0) {
            char *end;
            errno = 0;
            long v = i + 1 < *argc ? strtol(argv[i + 1], &end, 10) : 0;
            if (i + 1 >= *argc || *end || end == argv[i + 1] || errno) {
                fprintf(stderr, "darknet: %s needs a number\n", name);
                *bad = 1;
                return def;
            }
            remove_arg(argc, argv, i, 2);
            return v;
        }
    return def;
}

const char *arg_str(int *argc, char **argv, const char *name, const char *def)
{
    for (int i = 1; i < *argc; i++)
        if (strcmp(argv[i], name) == 0 && i + 1 < *argc) {
            const char *v = argv[i + 1];
            remove_arg(argc, argv, i, 2);
            return v;
        }
    return def;
}

int arg_unknown(int argc, char **argv, int first)
{
    for (int i = first; i < argc; i++)
        if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "darknet: unknown option '%s' (see darknet with no arguments for the usage)\n", argv[i]);
            return 1;
        }
    return 0;
}

#ifdef GPU
/*
 * The device to use, as Darknet: -i N (default 0), or `-gpus N` for
 * training; -nogpu runs on the CPU. One run uses one GPU: a list of several
 * is refused (Darknet averages weights across GPUs every few iterations; we
 * do not, and independent runs use several GPUs better for these networks).
 * Returns the device, -1 for the CPU, or -2 after printing an error.
 */
static int select_gpu(long index, const char *gpus, int nogpu)
{
    if (nogpu) return -1;
    if (!gpus) {
        if (index < 0) {
            fprintf(stderr, "darknet: -i %ld: not a GPU index\n", index);
            return -2;
        }
        return (int)index;
    }
    if (strchr(gpus, ',')) {
        fprintf(stderr, "darknet: -gpus %s: multi-GPU data parallelism is not supported; "
                        "run one training per GPU instead (-gpus 0, -gpus 1, ...)\n", gpus);
        return -2;
    }
    char *end;
    long g = strtol(gpus, &end, 10);
    if (end == gpus || *end || g < 0) {
        fprintf(stderr, "darknet: -gpus %s: expected a GPU index such as 0\n", gpus);
        return -2;
    }
    return (int)g;
}
#endif

int arg_device(int *argc, char **argv)
{
    int bad = 0;
    long index = arg_long(argc, argv, "-i", 0, &bad);
    const char *gpus = arg_str(argc, argv, "-gpus", NULL);
    int nogpu = arg_flag(argc, argv, "-nogpu");
    if (bad) return -2;
#ifdef GPU
    return select_gpu(index, gpus, nogpu);
#else
    (void)nogpu;
    if (gpus || index != 0) /* as Darknet built without GPU=1: run on the CPU */
        fprintf(stderr, "warning: this binary was built without GPU support (make GPU=1); %s%s ignored, "
                        "running on the CPU\n", gpus ? "-gpus " : "-i", gpus ? gpus : "");
    return -1;
#endif
}

struct network *load_net_with_data(const char *datafile, const char *cfg, char *err)
{
    int classes = 0;
    if (datafile) {
        struct data_cfg d;
        if (data_cfg_read(datafile, &d, err)) return NULL;
        classes = d.classes;
    }
    return net_load_cfg(cfg, classes, 1, 1, err);
}
