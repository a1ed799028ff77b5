/* utils.c - see utils.h. */
#define _POSIX_C_SOURCE 200809L
#include "utils.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void dn_abort(const char *file, int line, const char *func, const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fprintf(stderr, "%s:%d: %s: ", file, line, func);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) DN_ABORT("out of memory allocating %zu bytes", n);
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p) DN_ABORT("out of memory allocating %zu x %zu bytes", count, size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) DN_ABORT("out of memory reallocating %zu bytes", n);
    return q;
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = xmalloc(n);
    memcpy(d, s, n);
    return d;
}

float *falloc(size_t n) { return xcalloc(n, sizeof(float)); }

void dn_errf(char *err, const char *fmt, ...)
{
    va_list ap;
    if (!err) return;
    va_start(ap, fmt);
    vsnprintf(err, DN_ERR_LEN, fmt, ap);
    va_end(ap);
}

FILE *dn_fopen_read(const char *path, const char *mode, char *err)
{
    FILE *f = fopen(path, mode);
    if (!f) {
        dn_errf(err, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        dn_errf(err, "%s: is a directory, not a file", path);
        fclose(f);
        return NULL;
    }
    return f;
}

FILE *atomic_open(const char *path, char *tmp, const char *mode, char *err)
{
    if (snprintf(tmp, DN_PATH_LEN, "%s.tmp", path) >= DN_PATH_LEN) {
        dn_errf(err, "%s: path too long", path);
        return NULL;
    }
    FILE *f = fopen(tmp, mode);
    if (!f) dn_errf(err, "%s: cannot write: %s", tmp, strerror(errno));
    return f;
}

int fsync_parent_dir(const char *path)
{
    char dir[DN_PATH_LEN];
    const char *slash = strrchr(path, '/');
    if (!slash) snprintf(dir, sizeof(dir), ".");
    else if (slash == path) snprintf(dir, sizeof(dir), "/");
    else snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int atomic_commit(FILE *f, const char *tmp, const char *path, char *err)
{
    /* ferror catches a write that failed earlier (stdio keeps the flag) */
    int ok = !ferror(f) && fflush(f) == 0 && fsync(fileno(f)) == 0;
    int saved = errno;
    if (fclose(f) != 0 && ok) ok = 0, saved = errno;
    if (ok && rename(tmp, path) != 0) ok = 0, saved = errno;
    if (!ok) {
        dn_errf(err, "%s: write failed: %s", path, saved ? strerror(saved) : "I/O error");
        unlink(tmp);
        return -1;
    }
    if (fsync_parent_dir(path) != 0) {
        dn_errf(err, "%s: renamed, but fsync of its directory failed: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

void atomic_discard(FILE *f, const char *tmp)
{
    if (f) fclose(f);
    unlink(tmp);
}

double dn_time(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

uint64_t hash64(uint64_t x)
{
    /* splitmix64 finaliser */
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

void rng_seed(struct dn_rng *r, uint64_t seed) { r->state = hash64(seed); }

uint32_t rng_u32(struct dn_rng *r)
{
    /* PCG-XSH-RR step on a 64-bit LCG */
    uint64_t old = r->state;
    r->state = old * 6364136223846793005ull + 1442695040888963407ull;
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31));
}

float rng_uniform(struct dn_rng *r, float lo, float hi)
{
    float u = (rng_u32(r) >> 8) * (1.0f / 16777216.0f); /* 24 random bits in [0,1) */
    return lo + (hi - lo) * u;
}

float rng_normal(struct dn_rng *r)
{
    /* Box-Muller; u1 in (0,1] so log() is finite */
    double u1 = ((rng_u32(r) >> 8) + 1.0) / 16777216.0;
    double u2 = (rng_u32(r) >> 8) / 16777216.0;
    return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

uint32_t rng_below(struct dn_rng *r, uint32_t n)
{
    /* Lemire's multiply-shift; bias is negligible for our n */
    return (uint32_t)(((uint64_t)rng_u32(r) * n) >> 32);
}
