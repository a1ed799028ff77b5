/*
 * loader.c - one background thread that prepares the next batch while the
 * current one trains (double buffering: the thread fills its own buffer,
 * loader_next copies it out and lets the thread start the following batch).
 *
 * The batches handed out are exactly dataset_fill_batch(first),
 * dataset_fill_batch(first + batch), ... so the thread changes timing only,
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
    float *x, *truth; /* the thread's buffer */
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
        dataset_fill_batch(L->d, &L->a, L->seed, first, L->batch, L->x, L->truth);
        pthread_mutex_lock(&L->mu);
        L->ready = 1;
        L->next = first + (uint64_t)L->batch;
        pthread_cond_broadcast(&L->cv);
    }
    pthread_mutex_unlock(&L->mu);
    return NULL;
}

struct loader *loader_start(struct dataset *d, const struct augment *a, uint64_t seed,
                            uint64_t first, int batch)
{
    DN_ASSERT(batch > 0);
    struct loader *L = xcalloc(1, sizeof(*L));
    L->d = d;
    L->a = *a;
    L->seed = seed;
    L->next = first;
    L->batch = batch;
    L->x = falloc((size_t)batch * d->c * d->h * d->w);
    L->truth = falloc((size_t)batch * d->classes);
    pthread_mutex_init(&L->mu, NULL);
    pthread_cond_init(&L->cv, NULL);
    int e = pthread_create(&L->thread, NULL, loader_main, L);
    if (e) DN_ABORT("pthread_create failed (error %d)", e);
    return L;
}

void loader_next(struct loader *L, float *x, float *truth)
{
    pthread_mutex_lock(&L->mu);
    while (!L->ready) pthread_cond_wait(&L->cv, &L->mu);
    memcpy(x, L->x, (size_t)L->batch * L->d->c * L->d->h * L->d->w * sizeof(float));
    if (truth) memcpy(truth, L->truth, (size_t)L->batch * L->d->classes * sizeof(float));
    L->ready = 0;
    pthread_cond_broadcast(&L->cv);
    pthread_mutex_unlock(&L->mu);
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
    free(L);
}
