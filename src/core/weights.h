/*
 * weights.h - Darknet's .weights files.
 *
 * Layout (little-endian): int32 major, int32 minor, int32 revision, then
 * `seen` (images trained on) as uint64 when major*10+minor >= 2 and as int32
 * otherwise; then every layer's parameters in cfg order, each layer's in the
 * order of its param list (see each layer's file), as raw float32.
 * We write major=0, minor=2, revision=0, which pjreddie's and AlexeyAB's
 * Darknet both read.
 *
 * Training checkpoints (.backup, and the final weights) append an optional
 * trailer so a resumed run continues exactly: the 8 bytes "DNSGDMOM", a
 * uint64 count, then the SGD momentum buffers of every learned parameter in
 * the same order. Darknet stops reading before the trailer, so the files stay
 * loadable there; we accept a file only if it is exactly the parameters, or
 * the parameters plus a well-formed trailer.
 */
#ifndef DN_WEIGHTS_H
#define DN_WEIGHTS_H

#include "network.h"

/* Write atomically (path.tmp, then rename). with_momentum adds the trailer. */
int weights_save(const struct network *net, const char *path, int with_momentum, char *err);
/* Load parameters and `seen`; with_momentum restores the trailer if present.
 * A size that does not match the cfg is an error with both float counts. */
int weights_load(struct network *net, const char *path, int with_momentum, char *err);

/* Darknet's `partial`: the first nlayers layers' parameters (no trailer)
 * with the given `seen` (Darknet writes 0). weights_save is
 * weights_save_upto(net, path, net->n, with_momentum, net->seen, err). */
int weights_save_upto(const struct network *net, const char *path, int nlayers, int with_momentum, uint64_t seen,
                      char *err);
/* As weights_load, and with nloaded non-NULL also a prefix file: one that
 * holds exactly the parameters of the first k < n layers (Darknet's
 * *.conv.N). Those layers are loaded, the rest keep their values, `seen`
 * becomes 0, and *nloaded = k (n for a complete file). */
int weights_load_prefix(struct network *net, const char *path, int with_momentum, int *nloaded, char *err);

/*
 * Fold [net] mean/std (x' = (x - m_c) / s_c) into the first convolution, so
 * that the network computes the same function on raw 0..1 pixels (for
 * Darknet, which has no such normalisation): W x' = (W / s) x - k with
 * k_f = sum over (c, ky, kx) of W[f,c,ky,kx] m_c / s_c; the weights become
 * W / s_c and k goes into the bias (b - k_f) or, with batch norm, into the
 * running mean (mu_f + k_f). Then mean = 0, std = 1. padding is that
 * convolution's: exact only if it never reads padding (padding 0) or every
 * mean is 0, since padding is 0 after normalisation (the mean colour in
 * pixels) but black without it. Otherwise -1 with the reason in err, and net
 * unchanged; also when the first layer is not a convolution.
 */
int weights_fold_normalisation(struct network *net, int padding, char *err);

#endif
