/*
 * plot.c - `./darknet plot`: line charts of CSV columns as a PNG, e.g. the
 * training-loss curves of several runs side by side (scripts/report.sh draws
 * the paper's Figures 5-7 with it).
 *
 *   darknet plot <out.png> [-x COL] [-y COL] [-yscale F] [-bin W] [-xlabel T] [-ylabel T]
 *                [-size WxH] [-panel TITLE] LABEL=CSV ... [-panel TITLE] LABEL=CSV ...
 *
 * Every -panel starts a new panel (panels are drawn side by side); the
 * LABEL=CSV pairs after it are its series: column -x (default iteration)
 * against column -y (default loss) times -yscale (default 1) of each CSV
 * file, which needs a header line (classifier train's .loss.csv and
 * .valid.csv have one). -bin W averages each series over x intervals of width
 * W (e.g. -x epoch -bin 1: one point per epoch; default: per pixel column).
 * A series keeps its colour by position, so the same
 * network has the same colour in every panel; LABEL= with no file leaves its
 * colour unused (a run without results yet). A CSV that cannot be read is an
 * error (exit 1, no chart). -size is per panel (default 480x320).
 * Series of at most 60 points get a dot on every point.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/utils.h"
#include "commands.h"
#include "chart.h"

#define PLOT_MAX_PANELS 8

static int usage(void)
{
    fprintf(stderr, "usage: darknet plot <out.png> [-x COL] [-y COL] [-yscale F] [-bin W] [-xlabel T] [-ylabel T] "
                    "[-size WxH] [-panel TITLE] LABEL=CSV ... [-panel TITLE] LABEL=CSV ...\n");
    return 2;
}

int cmd_plot(int argc, char **argv)
{
    if (argc < 4) return usage();
    const char *out = argv[2], *xcol = "iteration", *ycol = "loss", *xlabel = NULL, *ylabel = NULL;
    double yscale = 1, bin = 0;
    int w = 480, h = 320, np = 0, rc = 1;
    static struct chart_panel panels[PLOT_MAX_PANELS];
    struct csv_table tables[PLOT_MAX_PANELS][CHART_MAX_SERIES];
    char labels[PLOT_MAX_PANELS][CHART_MAX_SERIES][128];
    memset(panels, 0, sizeof(panels));
    memset(tables, 0, sizeof(tables));
    /* options first (they apply to every panel), then panels and series in order */
    for (int i = 3; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int opt = 1;
        if (strcmp(a, "-x") == 0 && v) xcol = v;
        else if (strcmp(a, "-y") == 0 && v) ycol = v;
        else if (strcmp(a, "-xlabel") == 0 && v) xlabel = v;
        else if (strcmp(a, "-ylabel") == 0 && v) ylabel = v;
        else if (strcmp(a, "-yscale") == 0 && v) yscale = atof(v);
        else if (strcmp(a, "-bin") == 0 && v) bin = atof(v);
        else if (strcmp(a, "-size") == 0 && v) {
            if (sscanf(v, "%dx%d", &w, &h) != 2 || w < 160 || h < 120 || w > 4000 || h > 4000) {
                fprintf(stderr, "darknet plot: -size %s: expected WxH, at least 160x120\n", v);
                return 2;
            }
        } else opt = 0;
        if (opt) i++;
    }
    for (int i = 3; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-panel") == 0 && i + 1 < argc) {
            if (np == PLOT_MAX_PANELS) {
                fprintf(stderr, "darknet plot: at most %d panels\n", PLOT_MAX_PANELS);
                goto done;
            }
            panels[np++].title = argv[++i];
            continue;
        }
        if (a[0] == '-') { /* an option (read above): skip it and its value */
            static const char *const known[] = {"-x", "-y", "-xlabel", "-ylabel", "-yscale", "-bin", "-size"};
            int k = 0;
            while (k < (int)ARRAY_LEN(known) && strcmp(a, known[k]) != 0) k++;
            if (k == (int)ARRAY_LEN(known) || i + 1 >= argc) {
                fprintf(stderr, "darknet plot: %s: %s\n", a, k == (int)ARRAY_LEN(known) ? "unknown option" : "needs a value");
                rc = 2;
                goto done;
            }
            i++;
            continue;
        }
        const char *eq = strchr(a, '=');
        if (!eq || eq == a) {
            fprintf(stderr, "darknet plot: %s: expected LABEL=CSV\n", a);
            rc = 2;
            goto done;
        }
        if (!np) np = 1; /* series before any -panel: one untitled panel */
        struct chart_panel *p = &panels[np - 1];
        if (p->nseries == CHART_MAX_SERIES) {
            fprintf(stderr, "darknet plot: at most %d series per panel\n", CHART_MAX_SERIES);
            goto done;
        }
        int s = p->nseries++;
        char *label = labels[np - 1][s], err[DN_ERR_LEN];
        snprintf(label, 128, "%.*s", (int)(eq - a), a);
        p->series[s] = (struct chart_series){.label = label, .color = s};
        struct csv_table *t = &tables[np - 1][s];
        if (!eq[1]) { /* LABEL= : a placeholder that keeps the colours of the series after it */
            p->series[s].label = NULL;
            continue;
        }
        if (csv_read(eq + 1, t, err)) {
            fprintf(stderr, "darknet plot: %s\n", err);
            goto done;
        }
        int xc = csv_col(t, xcol), yc = csv_col(t, ycol);
        if (xc < 0 || yc < 0) {
            fprintf(stderr, "darknet plot: %s: no column '%s'\n", eq + 1, xc < 0 ? xcol : ycol);
            goto done;
        }
        double *x = csv_column(t, xc), *y = csv_column(t, yc);
        for (int r = 0; r < t->nrows; r++) y[r] *= yscale;
        p->series[s].x = x, p->series[s].y = y, p->series[s].n = t->nrows;
        p->series[s].marker = t->nrows <= 60; /* few points (validations): show each one */
    }
    if (!np) return usage();
    char xl[128], yl[128];
    snprintf(xl, sizeof(xl), "%s", xlabel ? xlabel : xcol);
    snprintf(yl, sizeof(yl), "%s", ylabel ? ylabel : ycol);
    for (int i = 0; i < np; i++) panels[i].xlabel = xl, panels[i].ylabel = yl, panels[i].xbin = bin;
    char err[DN_ERR_LEN];
    if (chart_write_png(out, panels, np, w, h, err)) {
        fprintf(stderr, "%s\n", err);
        goto done;
    }
    rc = 0;
done:
    for (int i = 0; i < PLOT_MAX_PANELS; i++)
        for (int s = 0; s < panels[i].nseries; s++) {
            free((void *)panels[i].series[s].x);
            free((void *)panels[i].series[s].y);
            csv_free(&tables[i][s]);
        }
    return rc;
}
