/*
 * train.c - see train.h.
 */
#include "train.h"

#include <string.h>

#ifdef GPU
#include "network_gpu.h"
#endif

struct augment net_augment(const struct network *net, int train)
{
    struct augment a = net->aug;
    a.train = train;
    return a;
}

void feeder_init(struct feeder *f, struct network *net, int train)
{
    f->net = net;
    f->aug = net_augment(net, train);
    f->dev = NULL;
    f->u8 = NULL;
#ifdef GPU
    /* Darknet's zoom/colour augmentation renders on the host (data.h): such
     * runs feed the GPU float batches through net->input */
    if (net->cuda && !augment_warps(&f->aug)) {
        f->dev = u8_feed_new(net, &f->aug);
        f->u8 = u8_feed_batch(f->dev);
    }
#endif
}

void feeder_free(struct feeder *f)
{
#ifdef GPU
    u8_feed_free(f->dev);
#endif
    f->dev = NULL;
    f->u8 = NULL;
}

struct loader *feeder_loader(struct feeder *f, struct dataset *d, uint64_t seed, uint64_t first)
{
    if (f->u8) return loader_start_u8(d, &f->aug, seed, first, f->net->batch);
    return loader_start(d, &f->aug, seed, first, f->net->batch);
}

void feed_loader(struct feeder *f, struct loader *L)
{
#ifdef GPU
    if (f->u8) {
        loader_next_u8(L, f->u8);
        cuda_net_feed_u8(f->net, f->dev);
        return;
    }
#endif
    loader_next(L, f->net->input, f->net->truth);
}

void feed_samples(struct feeder *f, struct dataset *d, uint64_t first)
{
#ifdef GPU
    if (f->u8) {
        dataset_gather_batch(d, &f->aug, 0, first, f->u8);
        cuda_net_feed_u8(f->net, f->dev);
        return;
    }
#endif
    dataset_fill_batch(d, &f->aug, 0, first, f->net->batch, f->net->input, NULL);
}

void feed_ready(struct feeder *f, const struct u8_batch *ready, const float *x, const float *t)
{
    struct network *net = f->net;
#ifdef GPU
    if (f->u8) {
        memcpy(f->u8->buf, ready->buf, ready->bytes);
        cuda_net_feed_u8(net, f->dev);
        return;
    }
#endif
    (void)ready;
    memcpy(net->input, x, (size_t)net->batch * net->inputs * sizeof(float));
    memcpy(net->truth, t, (size_t)net->batch * net->truths * sizeof(float));
}

float train_step(struct feeder *f, struct loader *L)
{
    struct network *net = f->net;
    float loss = 0;
    net->train = 1;
    for (int s = 0; s < net->subdivisions; s++) {
        feed_loader(f, L);
        net->seen += net->batch;
        net_forward(net);
        net_backward(net);
        loss += net->loss;
    }
    net_update(net, net_iteration(net));
    return loss;
}
