/*
 * evaluate.h - top-1/top-k accuracy of a network on a cached dataset, used
 * by `classifier valid` and by the periodic validation of `classifier
 * train` (the [net] key valid_every).
 */
#ifndef DN_EVALUATE_H
#define DN_EVALUATE_H

#include <stdio.h>

#include "../core/network.h"
#include "../data/data.h"

struct eval_result {
    int n, k;         /* images scored, k of top-k */
    int nonfinite;    /* images whose outputs hold a NaN or inf (counted as misses) */
    long hit1, hitk;  /* images whose label ranks first / in the first k */
    double seconds;
};

/*
 * Score every image of ds with net in inference mode (test-time
 * preprocessing from net's mean/std; batch norm with running statistics; no
 * dropout), in batches of net->batch, through net->input. net->train is
 * restored afterwards; parameters, BN statistics and RNG are not touched, so
 * training can continue as if nothing happened. A label's rank counts the
 * classes with a higher probability, ties going to the lower class index;
 * an image with any non-finite output is a miss.
 */
void evaluate(struct network *net, struct dataset *ds, int k, struct eval_result *r);

/*
 * Periodic validation while training: every `every` iterations (and at the
 * last one) evaluate() on the .data file's valid list, loaded once into its
 * own dataset (the training data, its loader thread and its permutation
 * cache are not involved), append "iteration,epoch,top1,topk,k" to
 * <backup>/<base>.valid.csv and redraw <backup>/chart.png.
 */
struct validator {
    int every;          /* 0: off */
    int k;
    int last;           /* the final iteration (max_batches): always validated */
    double seconds;     /* time spent validating so far */
    struct dataset ds;
    FILE *log;
    char csv[1100], loss_csv[1100], chart[1100], title[256];
};

/*
 * Set up from net->sched.valid_every (-1: once per epoch of train_n images, 0: off).
 * iter is the iteration training starts from: rows after it are dropped from
 * an existing valid.csv (a resumed run continues it); 0 starts a new file.
 * A valid list that cannot be loaded is an error when valid_every was given
 * in the cfg (or -set), and only a warning (validation off) by default.
 * Returns 0 or -1 with a message in err.
 */
int validator_open(struct validator *v, struct network *net, const struct data_cfg *d,
                   const char *backup_dir, const char *base, int iter, int train_n, char *err);
/* Called after the update that reached iteration iter; validates if due. */
int validator_step(struct validator *v, struct network *net, int iter, double epoch, char *err);
void validator_close(struct validator *v);

/* Drop the rows of a CSV log whose first field (the iteration) is > iter,
 * replacing the file atomically (a missing file is left missing). On a
 * failed write (a full disk) the log is kept whole and -1 comes back with a
 * message in err: nothing a user has is lost. */
int csv_log_trim(const char *path, int iter, char *err);

#endif
