/*
 * loader.c - one background thread that prepares the next batch while the
 * current one trains (double buffering: the thread fills its own buffer,
 * loader_next copies it out and lets the thread start the following batch).
 *
 * The batches handed out are exactly dataset_fill_batch(first),
 * dataset_fill_batch(first + batch), ... (or, started by loader_start_u8,
 * dataset_gather_batch's u8 batches) so the thread changes timing only,
 * never results. While a loader runs, its thread owns the dataset's
 * permutation cache: do not call dataset_fill_batch on the same dataset
 * from another thread until loader_stop.
 */
#include "data.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct loader {
    struct dataset *d;
    struct augment a;
    uint64_t seed;
    uint64_t next;   /* first sample of the batch being prepared */
    int batch;
    float *x, *truth; /* the thread's buffer (float batches) */
    struct u8_batch u; /* the thread's buffer (u8 batches; u.buf NULL otherwise) */
    int ready;       /* the buffer holds a finished batch */
    int stop;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
};

static void *loader_main(void *arg)
{
    struct loader *L = arg;
    pthread_mutex_lock(&L->mu);
    for (;;) {
        while (L->ready && !L->stop) pthread_cond_wait(&L->cv, &L->mu);
        if (L->stop) break;
        uint64_t first = L->next;
        pthread_mutex_unlock(&L->mu);
        /* the buffer is ours while ready == 0 */
        if (L->u.buf) dataset_gather_batch(L->d, &L->a, L->seed, first, &L->u);
        else dataset_fill_batch(L->d, &L->a, L->seed, first, L->batch, L->x, L->truth);
        pthread_mutex_lock(&L->mu);
        L->ready = 1;
        L->next = first + (uint64_t)L->batch;
        pthread_cond_broadcast(&L->cv);
    }
    pthread_mutex_unlock(&L->mu);
    return NULL;
}

static struct loader *start(struct dataset *d, const struct augment *a, uint64_t seed,
                            uint64_t first, int batch, int u8)
{
    DN_ASSERT(batch > 0);
    struct loader *L = xcalloc(1, sizeof(*L));
    L->d = d;
    L->a = *a;
    L->seed = seed;
    L->next = first;
    L->batch = batch;
    if (u8) {
        u8_batch_init(&L->u, batch, d->c, d->h, d->w, xmalloc(u8_batch_bytes(batch, d->c, d->h, d->w)));
    } else {
        L->x = falloc((size_t)batch * d->c * d->h * d->w);
        L->truth = falloc((size_t)batch * d->classes);
    }
    pthread_mutex_init(&L->mu, NULL);
    pthread_cond_init(&L->cv, NULL);
    int e = pthread_create(&L->thread, NULL, loader_main, L);
    if (e) DN_ABORT("pthread_create failed (error %d)", e);
    return L;
}

struct loader *loader_start(struct dataset *d, const struct augment *a, uint64_t seed,
                            uint64_t first, int batch)
{
    return start(d, a, seed, first, batch, 0);
}

struct loader *loader_start_u8(struct dataset *d, const struct augment *a, uint64_t seed,
                               uint64_t first, int batch)
{
    return start(d, a, seed, first, batch, 1);
}

/* Wait for the thread's batch; returns holding the lock, the buffer ours. */
static void wait_ready(struct loader *L)
{
    pthread_mutex_lock(&L->mu);
    while (!L->ready) pthread_cond_wait(&L->cv, &L->mu);
}

/* The buffer has been copied out: let the thread prepare the next batch. */
static void release(struct loader *L)
{
    L->ready = 0;
    pthread_cond_broadcast(&L->cv);
    pthread_mutex_unlock(&L->mu);
}

void loader_next(struct loader *L, float *x, float *truth)
{
    DN_ASSERT(!L->u.buf);
    wait_ready(L);
    memcpy(x, L->x, (size_t)L->batch * L->d->c * L->d->h * L->d->w * sizeof(float));
    if (truth) memcpy(truth, L->truth, (size_t)L->batch * L->d->classes * sizeof(float));
    release(L);
}

void loader_next_u8(struct loader *L, struct u8_batch *u)
{
    DN_ASSERT(L->u.buf && u->batch == L->batch && u->bytes == L->u.bytes);
    wait_ready(L);
    memcpy(u->buf, L->u.buf, L->u.bytes);
    release(L);
}

void loader_stop(struct loader *L)
{
    if (!L) return;
    pthread_mutex_lock(&L->mu);
    L->stop = 1;
    pthread_cond_broadcast(&L->cv);
    pthread_mutex_unlock(&L->mu);
    pthread_join(L->thread, NULL);
    pthread_mutex_destroy(&L->mu);
    pthread_cond_destroy(&L->cv);
    free(L->x);
    free(L->truth);
    free(L->u.buf);
    free(L);
}
