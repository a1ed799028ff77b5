/*
 * main.c - ./darknet entry point: dispatches the sub-commands. The CLI is the
 * only part of the program that prints errors and chooses exit codes:
 * 0 success, 1 a runtime error (bad file, bad cfg), 2 wrong usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../backend/cpu/gemm.h"
#include "args.h"
#include "commands.h"

/*
 * Flags of upstream Darknet (AlexeyAB) that only concern its display, OpenCV
 * or per-layer timing: accepted anywhere on the line so that a Darknet
 * command runs unchanged, removed, and named once on stderr as doing nothing.
 */
static int drop_display_flags(int *argc, char **argv)
{
    static const char *const plain[] = {"-dont_show", "-show_imgs", "-dontuse_opencv", "-benchmark_layers", NULL};
    char seen[256] = "";
    for (int i = 0; plain[i]; i++) {
        if (!arg_flag(argc, argv, plain[i])) continue;
        strncat(seen, " ", sizeof(seen) - strlen(seen) - 1);
        strncat(seen, plain[i], sizeof(seen) - strlen(seen) - 1);
    }
    int bad = 0;
    long port = arg_long(argc, argv, "-mjpeg_port", -1, &bad);
    if (bad) return -1;
    if (port >= 0) {
        char buf[40];
        snprintf(buf, sizeof(buf), " -mjpeg_port %ld", port);
        strncat(seen, buf, sizeof(seen) - strlen(seen) - 1);
    }
    if (seen[0]) fprintf(stderr, "darknet:%s: accepted for Darknet compatibility; no effect here (no display)\n", seen);
    return 0;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: darknet <command> ...\n"
            "  classifier train   <data> <cfg> [weights] [-clear] [-seed N] [-set key=value]... [-topk] [-chart PATH]\n"
            "  classifier valid   <data> <cfg> <weights>\n"
            "  classifier predict <data> <cfg> <weights> <image> [-t N]\n"
            "  summary [<data>] <cfg>\n"
            "  partial [<data>] <cfg> <weights> <out.weights> <N>   (the first N layers' weights, as Darknet)\n"
            "  export [<data>] <cfg> <weights> <out.cfg> <out.weights>   (mean/std folded in, for Darknet)\n"
            "  cifar extract <cifar-binary-dir> <out-dir>\n"
            "  plot <out.png> [-x COL] [-y COL] [-panel TITLE] LABEL=CSV ...   (line charts of CSV logs)\n"
            "  bench <cfg> [-batch N] [-iters N] [-warmup N] [-classes N] [-train 0|1] [-layers] [-tf32]\n"
            "  bench gemm [-n N] [-iters N]\n"
            "Any command: -threads N uses N CPU threads (default OMP_NUM_THREADS, else all cores)\n"
            "GPU builds (make GPU=1): -i N or -gpus N runs on CUDA device N (default 0), -nogpu on the CPU\n"
            "Accepted from Darknet and ignored: -dont_show -show_imgs -dontuse_opencv -benchmark_layers -mjpeg_port N\n");
}

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
    if (bad || drop_display_flags(&argc, argv)) return 2;
    int device = arg_device(&argc, argv);
    if (device == -2) return 2;
    if (argc < 2) {
        usage();
        return 2;
    }
    if (strcmp(argv[1], "classifier") == 0) return cmd_classifier(argc, argv, device);
    if (strcmp(argv[1], "summary") == 0) return cmd_summary(argc, argv);
    if (strcmp(argv[1], "cifar") == 0) return cmd_cifar(argc, argv);
    if (strcmp(argv[1], "plot") == 0) return cmd_plot(argc, argv);
    if (strcmp(argv[1], "bench") == 0) return cmd_bench(argc, argv, device);
    if (strcmp(argv[1], "partial") == 0) return cmd_partial(argc, argv);
    if (strcmp(argv[1], "export") == 0) return cmd_export(argc, argv);
    fprintf(stderr, "darknet: unknown command '%s'\n", argv[1]);
    usage();
    return 2;
}
