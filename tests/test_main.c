/*
 * test_main.c - runs every suite and prints "N passed, N failed".
 * Usage: build/run_tests [substring]   (only tests whose name contains it)
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gradcheck.h"
#include "harness.h"

#define SUITES(X)                                                                          \
    X(cfg_tests) X(gradcheck_tests) X(forward_tests) X(bridge_tests) X(kernel_tests) X(network_tests) \
    X(data_tests) X(parity_tests)
#define DECLARE(s) extern const struct test_case s[];
SUITES(DECLARE)
#define LIST(s) s,
static const struct test_case *const suites[] = {SUITES(LIST)};

static int current_failures;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stdout, "    %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    fflush(stdout);
    current_failures++;
}

double max_abs_diff(const float *a, const float *b, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (!(d <= m)) m = d; /* NaN propagates */
    }
    return m;
}

void expect_array(const float *got, const double *want, int n, double atol, const char *what)
{
    for (int i = 0; i < n; i++) {
        char w[96];
        snprintf(w, sizeof(w), "%s[%d]", what, i);
        EXPECT_NEAR(got[i], want[i], atol, 1e-6, w);
    }
}

struct network *test_build(const char *cfg_text, int want_delta)
{
    struct network *net = gc_build("test.cfg", cfg_text, 0, 0, want_delta, 7);
    if (!net) test_fail(__FILE__, __LINE__, "network did not build");
    return net;
}

const char *test_tmpdir(void)
{
    static char dir[256];
    if (!dir[0]) {
        snprintf(dir, sizeof(dir), "/tmp/dn_tests_XXXXXX");
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            exit(2);
        }
    }
    return dir;
}

const char *test_cifar_dir(void)
{
    const char *d = getenv("DN_CIFAR");
    return d && d[0] ? d : NULL;
}

int main(int argc, char **argv)
{
    const char *filter = argc > 1 ? argv[1] : NULL;
    int passed = 0, failed = 0;
    for (size_t s = 0; s < sizeof(suites) / sizeof(suites[0]); s++) {
        for (const struct test_case *t = suites[s]; t->name; t++) {
            if (filter && !strstr(t->name, filter)) continue;
            current_failures = 0;
            double t0 = now();
            t->fn();
            printf("%s %s (%.1f s)\n", current_failures ? "FAIL" : "ok  ", t->name, now() - t0);
            fflush(stdout);
            if (current_failures) failed++;
            else passed++;
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
