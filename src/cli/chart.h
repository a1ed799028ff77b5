/*
 * chart.h - line charts written as PNG (stb_image_write), for the live
 * <backup>/chart.png of `classifier train` and for `./darknet plot`.
 *
 * A chart is one or more panels side by side; a panel has a title, axis
 * labels, nice-number ticks with labels, and up to CHART_MAX_SERIES line
 * series with a legend (a built-in 5x7 pixel font, upper case). Points that
 * fall into the same pixel column (or x interval, xbin) are averaged, so 64k
 * noisy loss values make a readable curve. Plus a tiny reader for CSV files with a header line.
 */
#ifndef DN_CHART_H
#define DN_CHART_H

#define CHART_MAX_SERIES 8

struct chart_series {
    const char *label;    /* legend text (NULL: no legend entry) */
    const double *x, *y;  /* n points, x non-decreasing */
    int n;
    int light;            /* 1: drawn thin and pale (e.g. the raw loss under its average) */
    int color;            /* palette index; -1: the series' position in its panel */
    int marker;           /* 1: a dot on every point (sparse series such as validations) */
};

struct chart_panel {
    const char *title, *xlabel, *ylabel;
    struct chart_series series[CHART_MAX_SERIES];
    int nseries;
    double xbin;          /* > 0: points averaged over x intervals of this width
                             (e.g. 1 epoch); 0: over each pixel column */
    int fixed_x, fixed_y; /* 1: that axis spans [min, max]; 0: fitted to the data */
    double xmin, xmax, ymin, ymax;
};

/* Draw npanels panels of w x h pixels side by side and write them to path
 * as a PNG (through a temporary file and a rename, so a viewer never sees a
 * half-written image). Returns 0, or -1 with a message in err. */
int chart_write_png(const char *path, const struct chart_panel *panels, int npanels, int w, int h,
                    char *err);

/* A CSV file with a header line, all values numeric (a field that is not a
 * number reads as NaN). */
struct csv_table {
    int ncols, nrows;
    char **names; /* ncols */
    double *v;    /* nrows * ncols, row-major */
};
int csv_read(const char *path, struct csv_table *t, char *err);
/* Column index of name, or -1. */
int csv_col(const struct csv_table *t, const char *name);
/* Column col copied to a new array of nrows values. */
double *csv_column(const struct csv_table *t, int col);
void csv_free(struct csv_table *t);

/*
 * The training chart: left panel, loss (pale) and average loss against the
 * iteration from loss_csv (classifier train's <base>.loss.csv); right panel,
 * validation top-1 and top-k accuracy in percent from valid_csv (columns
 * iteration,epoch,top1,topk,k; NULL: no validation, no right panel).
 * title names the run.
 */
int chart_training(const char *png, const char *loss_csv, const char *valid_csv, const char *title,
                   char *err);

#endif
