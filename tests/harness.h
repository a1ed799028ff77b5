/*
 * harness.h - the minimal test harness of `make test`.
 *
 * A suite is an array of struct test_case; tests/test_main.c lists the suites.
 * EXPECT() records a failure (with file:line and a printf message) and lets
 * the test go on; a test passes when none of its EXPECTs failed. The run ends
 * with "N passed, N failed" and exits non-zero on any failure.
 *
 *   static void test_foo(void) { EXPECT(1 + 1 == 2, "arithmetic: %d", 1 + 1); }
 *   const struct test_case foo_tests[] = {{"foo", test_foo}, {NULL, NULL}};
 *
 * Tests that need the real CIFAR subset read the directory from the
 * environment variable DN_CIFAR (set by the Makefile to ../shared/cifar).
 */
#ifndef DN_TEST_HARNESS_H
#define DN_TEST_HARNESS_H

#include <math.h>
#include <stdio.h>

struct test_case {
    const char *name;
    void (*fn)(void);
};

void test_fail(const char *file, int line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#define EXPECT(cond, ...) \
    do { if (!(cond)) test_fail(__FILE__, __LINE__, __VA_ARGS__); } while (0)

/* |a-b| <= atol + rtol*|b| */
#define EXPECT_NEAR(a, b, atol, rtol, what)                                                  \
    do {                                                                                       \
        double a_ = (a), b_ = (b);                                                             \
        if (!(fabs(a_ - b_) <= (atol) + (rtol) * fabs(b_)))                                    \
            test_fail(__FILE__, __LINE__, "%s: got %.9g, expected %.9g", (what), a_, b_);      \
    } while (0)

/* Largest |a[i] - b[i]| for i < n (NaN if any difference is NaN). */
#include <stddef.h>
double max_abs_diff(const float *a, const float *b, size_t n);

/* EXPECT_NEAR(got[i], want[i], atol, 1e-6) for i < n, named "what[i]". */
void expect_array(const float *got, const double *want, int n, double atol, const char *what);

/* A network from cfg text (tests/gradcheck.h's gc_build with seed 7 and
 * net->delta when want_delta); NULL and a failure when it does not build. */
struct network;
struct network *test_build(const char *cfg_text, int want_delta);

/* A scratch directory for the current test run (created once). */
const char *test_tmpdir(void);
/* Directory of the shared CIFAR subset or NULL (then the test must fail
 * loudly, not skip: CI always provides it). */
const char *test_cifar_dir(void);

#endif
