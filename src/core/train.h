/*
 * train.h - mini-batches into a network, and one training step: the one
 * place that knows how a batch reaches the CPU or the GPU. Used by
 * `classifier train` (train_step), the validation of `classifier valid` and
 * of training (feed_samples), and `bench` (feed_ready).
 *
 * On the CPU a batch is rendered (augmented, normalised, one-hot targets) as
 * floats into net->input and net->truth. On the GPU it travels as uint8
 * images plus each sample's crop and flip (struct u8_batch) and is rendered
 * on the device (cuda_net_feed_u8, network_gpu.h): a quarter of the bytes,
 * the same numbers bit for bit.
 */
#ifndef DN_TRAIN_H
#define DN_TRAIN_H

#include <stdint.h>

#include "../data/data.h"
#include "network.h"

struct u8_feed; /* network_gpu.h */

struct feeder {
    struct network *net;
    struct augment aug;  /* net's [net] augmentation keys; train 0: normalisation only */
    struct u8_feed *dev; /* GPU: the u8 batch buffers and normalisation table; NULL on the CPU */
    struct u8_batch *u8; /* GPU: dev's host buffer, the batch to fill; NULL on the CPU */
};

/* Set up feeding net (attach the GPU first, if any) with its augmentation
 * (train = 1) or its test-time normalisation only (train = 0). */
void feeder_init(struct feeder *f, struct network *net, int train);
/* Free the feeder's buffers (before net_free; a zeroed feeder is fine). */
void feeder_free(struct feeder *f);
/* net->aug with its train flag set (1: training augmentation, 0: normalisation only). */
struct augment net_augment(const struct network *net, int train);

/* A loader thread over d preparing the batches feed_loader takes (u8 ones
 * for the GPU), from sample `first` on (net->seen when resuming). */
struct loader *feeder_loader(struct feeder *f, struct dataset *d, uint64_t seed, uint64_t first);
/* The loader's next mini-batch into the network. */
void feed_loader(struct feeder *f, struct loader *L);
/* Samples first .. first+batch-1 of d in list order (wrapping), as the
 * feeder's augmentation renders them: evaluation. No targets on the CPU. */
void feed_samples(struct feeder *f, struct dataset *d, uint64_t first);
/* A ready batch, copied in as the loader hands one over: the u8 batch on
 * the GPU, the floats x (batch, c, h, w) and t (batch, truths) on the CPU
 * (benchmarks). */
void feed_ready(struct feeder *f, const struct u8_batch *ready, const float *x, const float *t);

/* One SGD step as `classifier train` runs it: net->subdivisions
 * mini-batches from L, each fed, counted in net->seen, forward and backward;
 * then net_update for the next iteration. Returns the sum of the
 * mini-batches' losses. */
float train_step(struct feeder *f, struct loader *L);

#endif
