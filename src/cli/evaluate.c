/*
 * evaluate.c - see evaluate.h.
 */
#include "evaluate.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "chart.h"
#include "../core/train.h"

void evaluate(struct network *net, struct dataset *ds, int k, struct eval_result *r)
{
    double t0 = dn_time();
    int was_training = net->train;
    struct feeder feed;
    feeder_init(&feed, net, 0); /* test-time preprocessing: normalisation only */
    int classes = net_output_layer(net)->outputs;
    if (k > classes) k = classes;
    memset(r, 0, sizeof(*r));
    r->n = ds->n, r->k = k;
    net->train = 0;
    for (int first = 0; first < ds->n; first += net->batch) {
        /* not training: samples first.. in list order, wrapping at the end */
        feed_samples(&feed, ds, (uint64_t)first);
        net_forward(net);
        const float *p = net_output_layer(net)->output;
        for (int b = 0; b < net->batch && first + b < ds->n; b++) {
            const float *q = p + (long)b * classes;
            int label = ds->labels[first + b], rank = 0, finite = 1;
            for (int c = 0; c < classes; c++) finite &= isfinite(q[c]) != 0;
            /* a diverged network (NaN/inf outputs) scores nothing: NaN compares false */
            if (!finite) rank = classes, r->nonfinite++;
            for (int c = 0; c < classes && finite; c++)
                if (q[c] > q[label] || (q[c] == q[label] && c < label)) rank++;
            r->hit1 += rank == 0;
            r->hitk += rank < k;
        }
    }
    feeder_free(&feed);
    net->train = was_training;
    r->seconds = dn_time() - t0;
}

int csv_log_trim(const char *path, int iter, char *err)
{
    FILE *f = fopen(path, "r");
    if (!f && errno == ENOENT) return 0;
    if (!f) {
        dn_errf(err, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    char tmp[DN_PATH_LEN];
    FILE *o = atomic_open(path, tmp, "w", err);
    if (!o) {
        fclose(f);
        return -1;
    }
    char line[512];
    while (fgets(line, sizeof(line), f)) {
        int it;
        if (sscanf(line, "%d,", &it) == 1 && it > iter) continue;
        fputs(line, o);
    }
    int read_error = ferror(f);
    fclose(f);
    if (read_error) {
        dn_errf(err, "%s: read error", path);
        atomic_discard(o, tmp);
        return -1;
    }
    return atomic_commit(o, tmp, path, err);
}

static void join(char *out, size_t n, const char *dir, const char *name)
{
    size_t len = strlen(dir);
    snprintf(out, n, "%s%s%s", dir, len && dir[len - 1] == '/' ? "" : "/", name);
}

int validator_open(struct validator *v, struct network *net, const struct data_cfg *d, const char *backup_dir,
                   const char *base, int iter, int train_n, char *err)
{
    memset(v, 0, sizeof(*v));
    int images = net->batch * net->subdivisions;
    v->every = net->sched.valid_every >= 0 ? net->sched.valid_every : (train_n + images - 1) / images;
    v->k = d->top;
    v->last = net->sched.max_batches;
    if (!v->every) return 0;
    if (dataset_load(&v->ds, d->valid, d->labels, d->classes, net->c, net->h, net->w, err)) {
        if (net->sched.valid_every > 0) return -1;
        fprintf(stderr, "warning: no validation during training: %s\n", err);
        v->every = 0;
        return 0;
    }
    char name[300];
    snprintf(name, sizeof(name), "%s.valid.csv", base);
    join(v->csv, sizeof(v->csv), backup_dir, name);
    snprintf(name, sizeof(name), "%s.loss.csv", base);
    join(v->loss_csv, sizeof(v->loss_csv), backup_dir, name);
    join(v->chart, sizeof(v->chart), backup_dir, "chart.png");
    snprintf(v->title, sizeof(v->title), "%s", base);
    if (iter > 0 && csv_log_trim(v->csv, iter, err)) return -1;
    if (iter == 0) remove(v->csv); /* a fresh run (see classifier.c earlier_run) */
    v->log = fopen(v->csv, "a");
    if (!v->log) {
        dn_errf(err, "%s: cannot write: %s", v->csv, strerror(errno));
        return -1;
    }
    if (ftell(v->log) == 0) fprintf(v->log, "iteration,epoch,top1,topk,k\n");
    fflush(v->log);
    fprintf(stderr, "validating on %d images of %s every %d iterations\n", v->ds.n, d->valid, v->every);
    return 0;
}

int validator_step(struct validator *v, struct network *net, int iter, double epoch, char *err)
{
    if (!v->every || (iter % v->every != 0 && iter != v->last)) return 0;
    struct eval_result r;
    evaluate(net, &v->ds, v->k, &r);
    double t0 = dn_time();
    double top1 = (double)r.hit1 / r.n, topk = (double)r.hitk / r.n;
    fprintf(stderr, "valid at iteration %d (epoch %.3f): top 1: %f, top %d: %f (%d images, %.1f s)\n", iter,
            epoch, top1, r.k, topk, r.n, r.seconds);
    if (r.nonfinite)
        fprintf(stderr, "warning: %d of %d validation images gave non-finite outputs (counted as wrong)\n",
                r.nonfinite, r.n);
    fprintf(v->log, "%d,%.4f,%.6f,%.6f,%d\n", iter, epoch, top1, topk, r.k);
    if (fflush(v->log) != 0) {
        dn_errf(err, "%s: cannot write: %s", v->csv, strerror(errno));
        return -1;
    }
    char cerr[DN_ERR_LEN];
    if (chart_training(v->chart, v->loss_csv, v->csv, v->title, cerr))
        fprintf(stderr, "warning: %s\n", cerr); /* a chart is not worth stopping for */
    v->seconds += r.seconds + (dn_time() - t0);
    return 0;
}

void validator_close(struct validator *v)
{
    if (v->log) fclose(v->log);
    dataset_free(&v->ds);
    memset(v, 0, sizeof(*v));
}
