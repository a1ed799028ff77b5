/*
 * fuzz_common.h - shared by the libFuzzer harnesses (tests/fuzz/fuzz_*.c):
 * the parsers under test read files, so each harness writes the fuzzer's
 * bytes to a file of its own temporary directory (in /dev/shm when there is
 * one, so the runs stay in memory) and calls the real reader on it.
 * The harnesses check only that the readers return (0 or -1 with a message)
 * without a crash, a sanitizer report, a leak or a timeout.
 */
#ifndef DN_FUZZ_COMMON_H
#define DN_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The harness's own directory, created on first use. */
static const char *fuzz_dir(void)
{
    static char dir[256];
    if (!dir[0]) {
        snprintf(dir, sizeof(dir), "%s/dn_fuzz.XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
        if (!mkdtemp(dir)) {
            perror("fuzz: mkdtemp");
            abort();
        }
    }
    return dir;
}

/* dir/name into out. */
static void fuzz_path(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", fuzz_dir(), name);
}

/* Write n bytes to dir/name; returns the path in out. */
static inline void fuzz_write(char *out, size_t n, const char *name, const uint8_t *data, size_t size)
{
    fuzz_path(out, n, name);
    FILE *f = fopen(out, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
        perror(out);
        abort();
    }
}

#endif
