/*
 * main.c - ./darknet entry point: dispatches the sub-commands. The CLI is the
 * only part of the program that prints errors and chooses exit codes:
 * 0 success, 1 a runtime error (bad file, bad cfg), 2 wrong usage.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../backend/cpu/gemm.h"
#include "args.h"

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

static void usage(void)
{
    fprintf(stderr,
            "usage: darknet <command> ...\n"
            "  classifier train   <data> <cfg> [weights] [-clear] [-seed N] [-set key=value]...\n"
            "  classifier valid   <data> <cfg> <weights>\n"
            "  classifier predict <data> <cfg> <weights> <image> [-t N]\n"
            "  summary [<data>] <cfg>\n"
            "  cifar extract <cifar-binary-dir> <out-dir>\n"
            "  plot <out.png> [-x COL] [-y COL] [-panel TITLE] LABEL=CSV ...   (line charts of CSV logs)\n"
            "  bench <cfg> [-batch N] [-iters N] [-warmup N] [-classes N] [-train 0|1] [-layers]\n"
            "  bench gemm [-n N] [-iters N]\n"
            "Any command: -threads N uses N CPU threads (default OMP_NUM_THREADS, else all cores)\n"
            "GPU builds (make GPU=1): -i N or -gpus N runs on CUDA device N (default 0), -nogpu on the CPU\n");
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

/*
 * How OpenMP threads wait. A thread that reaches the end of a parallel loop
 * early spins for GOMP's default 300000 rounds (milliseconds) before it
 * sleeps, hoping the others arrive soon. A resnet_20 training iteration
 * crosses about 200 such barriers; on a quiet machine spinning saves a
 * wake-up at each, but on a shared one the spinning thread burns the CPU time
 * that the late thread (descheduled by the other programs) needs to arrive:
 * resnet_20 with -threads 2 then used 8-12 times the CPU per iteration of
 * -threads 1 and took several times as long. A short spin
 * (DN_SPINCOUNT rounds, tens of microseconds) covers the usual imbalance
 * of our loops and then sleeps. GOMP reads its settings when the program
 * starts, so unless the user chose one (OMP_WAIT_POLICY or GOMP_SPINCOUNT
 * set), we set it and start ourselves again, once; if that fails we run on
 * with the default.
 */
#define DN_SPINCOUNT "1000"
static void set_omp_wait(char **argv)
{
#ifdef _OPENMP
    if (getenv("OMP_WAIT_POLICY") || getenv("GOMP_SPINCOUNT")) return;
    if (setenv("GOMP_SPINCOUNT", DN_SPINCOUNT, 1)) return;
    execv("/proc/self/exe", argv);
#else
    (void)argv;
#endif
}

int main(int argc, char **argv)
{
    set_omp_wait(argv);
    int bad = 0;
    int given = 0; /* -threads N, N from 1: 0 (absent) keeps the OpenMP default */
    for (int i = 1; i < argc; i++) given |= strcmp(argv[i], "-threads") == 0;
    long threads = arg_long(&argc, argv, "-threads", 0, &bad);
    if (!bad && given && (threads < 1 || threads > 4096)) {
        fprintf(stderr, "darknet: -threads %ld: expected a thread count from 1 to 4096\n", threads);
        return 2;
    }
    gemm_init_threads((int)threads);
    long gpu = arg_long(&argc, argv, "-i", 0, &bad);
    const char *gpus = arg_str(&argc, argv, "-gpus", NULL);
    int nogpu = arg_flag(&argc, argv, "-nogpu");
    if (bad) return 2;
#ifdef GPU
    int device = select_gpu(gpu, gpus, nogpu);
    if (device == -2) return 2;
#else
    int device = -1;
    (void)nogpu;
    if (gpus || gpu != 0) {
        fprintf(stderr, "darknet: this binary was built without GPU support (make GPU=1); drop -gpus/-i\n");
        return 2;
    }
#endif
    if (argc < 2) {
        usage();
        return 2;
    }
    if (strcmp(argv[1], "classifier") == 0) return cmd_classifier(argc, argv, device);
    if (strcmp(argv[1], "summary") == 0) return cmd_summary(argc, argv);
    if (strcmp(argv[1], "cifar") == 0) return cmd_cifar(argc, argv);
    if (strcmp(argv[1], "plot") == 0) return cmd_plot(argc, argv);
    if (strcmp(argv[1], "bench") == 0) return cmd_bench(argc, argv);
    fprintf(stderr, "darknet: unknown command '%s'\n", argv[1]);
    usage();
    return 2;
}
