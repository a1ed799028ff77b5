/*
 * utils.h - small helpers shared by the whole engine: checked allocation,
 * fatal-error macros that carry a location, a seeded random number
 * generator, and a monotonic clock.
 *
 * Two error tiers (see README "Errors"):
 *   - user errors (bad cfg, missing file, weights that do not match) are
 *     returned as -1 / NULL with a one-line message in a caller's buffer;
 *   - programmer errors and out-of-memory go through DN_ASSERT / dn_abort,
 *     which print the expression, function, file and line, then abort.
 */
#ifndef DN_UTILS_H
#define DN_UTILS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define DN_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define DN_NORETURN __attribute__((noreturn))
#else
#define DN_PRINTF(f, a)
#define DN_NORETURN
#endif

/* Print "file:line: func: message", flush stdout, abort. */
DN_NORETURN void dn_abort(const char *file, int line, const char *func, const char *fmt, ...) DN_PRINTF(4, 5);

#define DN_ABORT(...) dn_abort(__FILE__, __LINE__, __func__, __VA_ARGS__)
#define DN_ASSERT(x) do { if (!(x)) DN_ABORT("assertion failed: %s", #x); } while (0)

/* Allocation that never returns NULL (aborts with the size on failure).
 * xcalloc zeroes the memory; dn_free accepts NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
float *falloc(size_t n); /* zeroed float array */

/* Formatting into a fixed buffer: errors are carried in char[DN_ERR_LEN]. */
#define DN_ERR_LEN 1024
void dn_errf(char *err, const char *fmt, ...) DN_PRINTF(2, 3);

/*
 * Files replaced atomically: what a reader finds under path is always a
 * complete old or complete new file, also after a crash, a full disk or a
 * power loss. atomic_open writes to "<path>.tmp" (its name goes into tmp,
 * DN_PATH_LEN bytes); atomic_commit flushes and fsyncs it, checks every
 * write, renames it over path and fsyncs the directory so the rename itself
 * is durable. On any failure the temporary file is removed, path is left as
 * it was, and -1 comes back with "path: write failed: reason" in err.
 * atomic_discard drops an unfinished one.
 */
#define DN_PATH_LEN 4096
FILE *atomic_open(const char *path, char *tmp, const char *mode, char *err);
int atomic_commit(FILE *f, const char *tmp, const char *path, char *err);
void atomic_discard(FILE *f, const char *tmp);
/* fsync the directory that holds path (after a rename into it). */
int fsync_parent_dir(const char *path);

/* fopen(path, mode) for reading a file a user named: NULL with
 * "path: cannot open: reason" or "path: is a directory, not a file" in err. */
FILE *dn_fopen_read(const char *path, const char *mode, char *err);

/* Seconds from a monotonic clock. */
double dn_time(void);

/*
 * Random numbers: a 64-bit PCG-style generator with explicit state, so every
 * consumer (weight init, dropout, data order, augmentation) owns its stream
 * and a run is bit-identical for a given seed.
 */
struct dn_rng {
    uint64_t state;
};

void     rng_seed(struct dn_rng *r, uint64_t seed);
uint32_t rng_u32(struct dn_rng *r);
float    rng_uniform(struct dn_rng *r, float lo, float hi); /* [lo, hi) */
float    rng_normal(struct dn_rng *r);                      /* mean 0, std 1 */
uint32_t rng_below(struct dn_rng *r, uint32_t n);           /* [0, n) */
uint64_t hash64(uint64_t x);                                 /* mixing function */

#endif
