/* weights.c - see weights.h. */
#include "weights.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef GPU
#include "network_gpu.h"
#endif

static const char trailer_magic[8] = {'D', 'N', 'S', 'G', 'D', 'M', 'O', 'M'};

/* Floats of the first nlayers layers (all of them, or only learned ones). */
static size_t count_floats_upto(const struct network *net, int nlayers, int learned_only)
{
    size_t n = 0;
    for (int i = 0; i < nlayers; i++)
        for (int j = 0; j < net->layers[i].nparams; j++) {
            const struct param *p = &net->layers[i].params[j];
            if (!learned_only || p->kind != PARAM_STAT) n += p->n;
        }
    return n;
}

static size_t count_floats(const struct network *net, int learned_only)
{
    size_t n = 0;
    for (int i = 0; i < net->n; i++)
        for (int j = 0; j < net->layers[i].nparams; j++) {
            const struct param *p = &net->layers[i].params[j];
            if (!learned_only || p->kind != PARAM_STAT) n += p->n;
        }
    return n;
}

int weights_save(const struct network *net, const char *path, int with_momentum, char *err)
{
    return weights_save_upto(net, path, net->n, with_momentum, net->seen, err);
}

int weights_save_upto(const struct network *net, const char *path, int nlayers, int with_momentum, uint64_t seen,
                      char *err)
{
    char tmp[DN_PATH_LEN];
#ifdef GPU
    if (net->cuda) cuda_net_pull(net); /* the device holds the current values */
#endif
    DN_ASSERT(nlayers >= 0 && nlayers <= net->n && (!with_momentum || nlayers == net->n));
    FILE *f = atomic_open(path, tmp, "wb", err);
    if (!f) return -1;
    int32_t head[3] = {0, 2, 0};
    int ok = fwrite(head, sizeof(head), 1, f) == 1 && fwrite(&seen, sizeof(seen), 1, f) == 1;
    for (int i = 0; ok && i < nlayers; i++)
        for (int j = 0; ok && j < net->layers[i].nparams; j++) {
            const struct param *p = &net->layers[i].params[j];
            ok = fwrite(p->val, sizeof(float), p->n, f) == p->n;
        }
    if (ok && with_momentum) {
        uint64_t cnt = count_floats(net, 1);
        ok = fwrite(trailer_magic, 8, 1, f) == 1 && fwrite(&cnt, sizeof(cnt), 1, f) == 1;
        for (int i = 0; ok && i < net->n; i++)
            for (int j = 0; ok && j < net->layers[i].nparams; j++) {
                const struct param *p = &net->layers[i].params[j];
                if (p->kind != PARAM_STAT) ok = fwrite(p->mom, sizeof(float), p->n, f) == p->n;
            }
    }
    if (!ok) {
        dn_errf(err, "%s: write failed: %s", path, strerror(errno));
        atomic_discard(f, tmp);
        return -1;
    }
    return atomic_commit(f, tmp, path, err); /* fsync, rename, fsync the directory */
}

int weights_load(struct network *net, const char *path, int with_momentum, char *err)
{
    return weights_load_prefix(net, path, with_momentum, NULL, err);
}

int weights_load_prefix(struct network *net, const char *path, int with_momentum, int *nloaded, char *err)
{
#ifdef GPU
    /* what the file does not hold (momentum without a trailer) stays current */
    if (net->cuda) cuda_net_pull(net);
#endif
    FILE *f = dn_fopen_read(path, "rb", err);
    if (!f) return -1;
    int rc = -1;
    int32_t head[3];
    uint64_t seen = 0;
    if (fread(head, sizeof(head), 1, f) != 1) {
        dn_errf(err, "%s: too short for a .weights header", path);
        goto out;
    }
    if (head[0] > 1000 || head[1] > 1000 || head[0] < 0 || head[1] < 0) {
        dn_errf(err, "%s: unsupported .weights version %d.%d.%d", path, head[0], head[1], head[2]);
        goto out;
    }
    if (head[0] * 10 + head[1] >= 2) {
        if (fread(&seen, sizeof(seen), 1, f) != 1) {
            dn_errf(err, "%s: too short for a .weights header", path);
            goto out;
        }
    } else {
        uint32_t s32;
        if (fread(&s32, sizeof(s32), 1, f) != 1) {
            dn_errf(err, "%s: too short for a .weights header", path);
            goto out;
        }
        seen = s32;
    }
    /* an untrusted count: the iteration it implies must be one a run can reach */
    uint64_t per_iter = (uint64_t)net->batch * net->subdivisions;
    if (seen / per_iter > INT_MAX) {
        dn_errf(err, "%s: header says %llu images were seen (iteration %llu), beyond any training run; "
                "the file is damaged", path, (unsigned long long)seen, (unsigned long long)(seen / per_iter));
        goto out;
    }
    long start = ftell(f);
    fseek(f, 0, SEEK_END);
    long end = ftell(f);
    fseek(f, start, SEEK_SET);
    size_t have = (size_t)(end - start), need = count_floats(net, 0) * sizeof(float);
    size_t trailer = 16 + count_floats(net, 1) * sizeof(float);
    int has_trailer = 0;
    if (have == need + trailer) {
        char magic[8];
        uint64_t cnt;
        fseek(f, start + (long)need, SEEK_SET);
        if (fread(magic, 8, 1, f) == 1 && fread(&cnt, 8, 1, f) == 1 &&
            memcmp(magic, trailer_magic, 8) == 0 && cnt == count_floats(net, 1))
            has_trailer = 1;
        fseek(f, start, SEEK_SET);
    }
    /* a prefix file (Darknet's `partial`, *.conv.N): exactly the first k < n
     * layers' parameters, accepted only when the caller asks for it */
    int nlayers = net->n;
    if (have != need && !has_trailer && nloaded && have < need) {
        for (int k = 1; k < net->n; k++)
            if (count_floats_upto(net, k, 0) * sizeof(float) == have && net->layers[k - 1].nparams > 0) {
                nlayers = k;
                break;
            }
    }
    if (have != need && !has_trailer && nlayers == net->n) {
        dn_errf(err, "%s: holds %zu floats of parameters%s, but %s needs %zu%s",
                path, have / sizeof(float), have % sizeof(float) ? " (and a partial one)" : "",
                net->cfg_path, need / sizeof(float),
                nloaded ? " (nor is it the parameters of its first layers, as a `partial` file)" : "");
        goto out;
    }
    if (nloaded) *nloaded = nlayers;
    for (int i = 0; i < nlayers; i++)
        for (int j = 0; j < net->layers[i].nparams; j++) {
            struct param *p = &net->layers[i].params[j];
            if (fread(p->val, sizeof(float), p->n, f) != p->n) {
                dn_errf(err, "%s: read error", path);
                goto out;
            }
        }
    if (has_trailer && with_momentum) {
        fseek(f, 16, SEEK_CUR);
        for (int i = 0; i < net->n; i++)
            for (int j = 0; j < net->layers[i].nparams; j++) {
                struct param *p = &net->layers[i].params[j];
                if (p->kind == PARAM_STAT) continue;
                if (fread(p->mom, sizeof(float), p->n, f) != p->n) {
                    dn_errf(err, "%s: read error", path);
                    goto out;
                }
            }
    }
    net->seen = nlayers == net->n ? seen : 0; /* a prefix starts a new training */
#ifdef GPU
    if (net->cuda) cuda_net_push(net);
#endif
    rc = 0;
out:
    fclose(f);
    return rc;
}

static struct param *find_param(struct layer *l, const char *name)
{
    for (int j = 0; j < l->nparams; j++)
        if (strcmp(l->params[j].name, name) == 0) return &l->params[j];
    return NULL;
}

int weights_fold_normalisation(struct network *net, int padding, char *err)
{
    int normalised = 0, mean_zero = 1;
    for (int c = 0; c < net->c && c < 3; c++) {
        normalised |= net->aug.mean[c] != 0 || net->aug.std[c] != 1;
        mean_zero &= net->aug.mean[c] == 0;
    }
    if (!normalised) return 0;
    struct layer *l = &net->layers[0];
    struct param *w = find_param(l, "weights"), *b = find_param(l, "biases"), *mu = find_param(l, "rolling_mean");
    if (strcmp(l->ops->name, "convolutional") != 0 || !w || !b) {
        dn_errf(err, "%s: cannot fold mean/std: the first layer is [%s]; only a first [convolutional] can take the "
                "normalisation", net->cfg_path, l->ops->name);
        return -1;
    }
    if (padding > 0 && !mean_zero) {
        dn_errf(err, "%s: cannot fold mean/std exactly: the first convolution pads by %d, and its padding is 0 after "
                "normalisation (the mean colour in pixels) but black in Darknet, so the border outputs would differ; "
                "train with mean=0 std=1 to run in Darknet", net->cfg_path, padding);
        return -1;
    }
    int F = l->out_c, C = l->c;
    size_t per_c = w->n / ((size_t)F * C); /* kernel pixels */
    for (int f = 0; f < F; f++) {
        double k = 0;
        for (int c = 0; c < C; c++)
            for (size_t i = 0; i < per_c; i++) {
                float *v = &w->val[((size_t)f * C + c) * per_c + i];
                k += (double)*v * net->aug.mean[c] / net->aug.std[c];
                *v /= net->aug.std[c];
            }
        if (mu)
            mu->val[f] += (float)k;
        else
            b->val[f] -= (float)k;
    }
    for (int c = 0; c < 3; c++) net->aug.mean[c] = 0, net->aug.std[c] = 1;
    return 0;
}
