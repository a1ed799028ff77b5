/*
 * chart.c - see chart.h. Everything is drawn into an RGB buffer: frame,
 * grid and ticks at "nice" numbers (1, 2 or 5 times a power of ten), lines
 * with Bresenham's algorithm, text with a 5x7 pixel font of our own (digits,
 * upper-case letters and a little punctuation; lower case is drawn as upper
 * case, anything else as a space), then stb_image_write makes the PNG.
 */
#include "chart.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/utils.h"
#include "../data/data.h"

/* 5x7 glyphs: 7 rows top to bottom, bit 4 is the leftmost column. */
static const struct glyph {
    char c;
    unsigned char rows[7];
} font[] = {
    {'0', {0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e}}, {'1', {0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e}},
    {'2', {0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f}}, {'3', {0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e}},
    {'4', {0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02}}, {'5', {0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e}},
    {'6', {0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e}}, {'7', {0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}},
    {'8', {0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e}}, {'9', {0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c}},
    {'A', {0x0e, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11}}, {'B', {0x1e, 0x11, 0x11, 0x1e, 0x11, 0x11, 0x1e}},
    {'C', {0x0e, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0e}}, {'D', {0x1c, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1c}},
    {'E', {0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x1f}}, {'F', {0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x10}},
    {'G', {0x0e, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0f}}, {'H', {0x11, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11}},
    {'I', {0x0e, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0e}}, {'J', {0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0c}},
    {'K', {0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11}}, {'L', {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1f}},
    {'M', {0x11, 0x1b, 0x15, 0x15, 0x11, 0x11, 0x11}}, {'N', {0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11}},
    {'O', {0x0e, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e}}, {'P', {0x1e, 0x11, 0x11, 0x1e, 0x10, 0x10, 0x10}},
    {'Q', {0x0e, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0d}}, {'R', {0x1e, 0x11, 0x11, 0x1e, 0x14, 0x12, 0x11}},
    {'S', {0x0f, 0x10, 0x10, 0x0e, 0x01, 0x01, 0x1e}}, {'T', {0x1f, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04}},
    {'U', {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e}}, {'V', {0x11, 0x11, 0x11, 0x11, 0x11, 0x0a, 0x04}},
    {'W', {0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0a}}, {'X', {0x11, 0x11, 0x0a, 0x04, 0x0a, 0x11, 0x11}},
    {'Y', {0x11, 0x11, 0x0a, 0x04, 0x04, 0x04, 0x04}}, {'Z', {0x1f, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1f}},
    {'.', {0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x0c}}, {',', {0x00, 0x00, 0x00, 0x00, 0x0c, 0x04, 0x08}},
    {':', {0x00, 0x0c, 0x0c, 0x00, 0x0c, 0x0c, 0x00}}, {'-', {0x00, 0x00, 0x00, 0x1f, 0x00, 0x00, 0x00}},
    {'+', {0x00, 0x04, 0x04, 0x1f, 0x04, 0x04, 0x00}}, {'_', {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1f}},
    {'/', {0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00}}, {'%', {0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03}},
    {'(', {0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02}}, {')', {0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08}},
    {'=', {0x00, 0x00, 0x1f, 0x00, 0x1f, 0x00, 0x00}},
};

/* Tableau-like colours, distinguishable on white. */
static const unsigned char palette[][3] = {
    {31, 119, 180}, {214, 39, 40}, {44, 160, 44}, {255, 127, 14},
    {148, 103, 189}, {140, 86, 75}, {227, 119, 194}, {127, 127, 127},
};
static const unsigned char black[3] = {0, 0, 0}, grid[3] = {228, 228, 228}, white[3] = {255, 255, 255},
                           dark[3] = {60, 60, 60};

struct canvas {
    int w, h;
    unsigned char *px; /* h rows of w RGB pixels */
};

static void put(struct canvas *cv, int x, int y, const unsigned char *rgb)
{
    if (x < 0 || y < 0 || x >= cv->w || y >= cv->h) return;
    memcpy(cv->px + ((size_t)y * cv->w + x) * 3, rgb, 3);
}

static void fill(struct canvas *cv, int x0, int y0, int x1, int y1, const unsigned char *rgb)
{
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) put(cv, x, y, rgb);
}

/* Bresenham; thick lines use a 2x2 brush. */
static void line(struct canvas *cv, int x0, int y0, int x1, int y1, const unsigned char *rgb, int thick)
{
    int dx = abs(x1 - x0), dy = -abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    int e = dx + dy;
    for (;;) {
        put(cv, x0, y0, rgb);
        if (thick) put(cv, x0 + 1, y0, rgb), put(cv, x0, y0 + 1, rgb), put(cv, x0 + 1, y0 + 1, rgb);
        if (x0 == x1 && y0 == y1) break;
        int e2 = 2 * e;
        if (e2 >= dy) e += dy, x0 += sx;
        if (e2 <= dx) e += dx, y0 += sy;
    }
}

static const struct glyph *find_glyph(int c)
{
    c = toupper(c);
    for (size_t i = 0; i < ARRAY_LEN(font); i++)
        if (font[i].c == c) return &font[i];
    return NULL;
}

static int text_width(const char *s, int scale) { return s && *s ? ((int)strlen(s) * 6 - 1) * scale : 0; }

/* Text with its top-left corner at (x, y); vertical: rotated a quarter turn
 * anticlockwise, reading upwards from (x, y) as its bottom-left corner. */
static void text(struct canvas *cv, int x, int y, const char *s, const unsigned char *rgb, int scale,
                 int vertical)
{
    for (int i = 0; s && s[i]; i++) {
        const struct glyph *g = find_glyph((unsigned char)s[i]);
        for (int r = 0; g && r < 7; r++)
            for (int c = 0; c < 5; c++) {
                if (!(g->rows[r] >> (4 - c) & 1)) continue;
                int u = (i * 6 + c) * scale, v = r * scale; /* along and across the text */
                for (int a = 0; a < scale; a++)
                    for (int b = 0; b < scale; b++) {
                        if (vertical)
                            put(cv, x + v + b, y - u - a, rgb);
                        else
                            put(cv, x + u + a, y + v + b, rgb);
                    }
            }
    }
}

/* A tick spacing of 1, 2 or 5 times a power of ten giving about n ticks. */
static double nice_step(double range, int n)
{
    double raw = range / n, mag = pow(10, floor(log10(raw))), f = raw / mag;
    return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
}

static void tick_label(char *buf, size_t n, double v, double step)
{
    int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    if (fabs(v) < step * 1e-6) v = 0; /* no "-0" */
    snprintf(buf, n, "%.*f", dec, v);
}

struct pts {
    int n;
    int *x;    /* pixel column */
    double *y; /* data value */
};

/* A series reduced to one point per pixel column (the mean of its points),
 * or with bin > 0 to one point per x interval [k*bin, (k+1)*bin) at the
 * interval's mean x and y. */
static struct pts reduce(const struct chart_series *s, double bin, double x0, double xs, int left)
{
    struct pts p = {0, xmalloc(sizeof(int) * (s->n + 1)), xmalloc(sizeof(double) * (s->n + 1))};
    double sumx = 0, sumy = 0;
    long cnt = 0, key = 0;
    for (int i = 0; i <= s->n; i++) {
        int ok = i < s->n && isfinite(s->x[i]) && isfinite(s->y[i]);
        long k = 0;
        if (ok) k = bin > 0 ? (long)floor(s->x[i] / bin) : lround((s->x[i] - x0) * xs);
        if (cnt && (i == s->n || (ok && k != key))) {
            p.x[p.n] = left + (int)lround((sumx / cnt - x0) * xs), p.y[p.n] = sumy / cnt, p.n++;
            sumx = sumy = 0, cnt = 0;
        }
        if (ok) key = k, sumx += s->x[i], sumy += s->y[i], cnt++;
    }
    return p;
}

static void draw_panel(struct canvas *cv, const struct chart_panel *p, int ox, int w, int h)
{
    const int left = ox + 58, right = ox + w - 14, top = 30, bottom = h - 36;
    double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
    for (int k = 0; k < p->nseries; k++)
        for (int i = 0; i < p->series[k].n; i++) {
            double x = p->series[k].x[i], y = p->series[k].y[i];
            if (!isfinite(x) || !isfinite(y)) continue;
            xmin = fmin(xmin, x), xmax = fmax(xmax, x), ymin = fmin(ymin, y), ymax = fmax(ymax, y);
        }
    if (p->title) text(cv, ox + (w - text_width(p->title, 2)) / 2, 6, p->title, black, 2, 0);
    if (p->xlabel) text(cv, left + (right - left - text_width(p->xlabel, 1)) / 2, h - 12, p->xlabel, dark, 1, 0);
    if (p->ylabel) text(cv, ox + 4, top + (bottom - top + text_width(p->ylabel, 1)) / 2, p->ylabel, dark, 1, 1);
    if (xmin > xmax) { /* no data */
        line(cv, left, top, right, top, black, 0), line(cv, left, bottom, right, bottom, black, 0);
        line(cv, left, top, left, bottom, black, 0), line(cv, right, top, right, bottom, black, 0);
        text(cv, (left + right - text_width("NO DATA YET", 1)) / 2, (top + bottom) / 2, "NO DATA YET", dark, 1, 0);
        return;
    }
    if (p->fixed_x) xmin = p->xmin, xmax = p->xmax;
    if (p->fixed_y) ymin = p->ymin, ymax = p->ymax;
    if (xmax - xmin < 1e-12) xmin -= 0.5, xmax += 0.5;
    if (ymax - ymin < 1e-12) ymin -= fmax(0.5, fabs(ymin) * 0.05), ymax += fmax(0.5, fabs(ymax) * 0.05);
    if (!p->fixed_y) { /* a margin, so that no curve runs along the frame (not below 0 for data >= 0) */
        double pad = 0.03 * (ymax - ymin);
        ymin = ymin >= 0 && ymin - pad < 0 ? 0 : ymin - pad, ymax += pad;
    }
    double xstep = nice_step(xmax - xmin, 6), ystep = nice_step(ymax - ymin, 5);
    /* x starts at a tick and ends at the data; y is widened to whole ticks */
    if (!p->fixed_x) xmin = floor(xmin / xstep + 1e-9) * xstep;
    if (!p->fixed_y) ymin = floor(ymin / ystep + 1e-9) * ystep, ymax = ceil(ymax / ystep - 1e-9) * ystep;
    double xs = (right - left) / (xmax - xmin), ys = (bottom - top) / (ymax - ymin);
    char buf[64];
    for (double t = ceil(xmin / xstep - 1e-9) * xstep; t <= xmax + xstep * 1e-6; t += xstep) {
        int x = left + (int)lround((t - xmin) * xs);
        line(cv, x, top, x, bottom, grid, 0);
        line(cv, x, bottom, x, bottom + 3, black, 0);
        tick_label(buf, sizeof(buf), t, xstep);
        int tx = x - text_width(buf, 1) / 2;
        if (tx + text_width(buf, 1) > ox + w - 2) tx = ox + w - 2 - text_width(buf, 1); /* inside the panel */
        text(cv, tx, bottom + 6, buf, black, 1, 0);
    }
    for (double t = ceil(ymin / ystep - 1e-9) * ystep; t <= ymax + ystep * 1e-6; t += ystep) {
        int y = bottom - (int)lround((t - ymin) * ys);
        line(cv, left, y, right, y, grid, 0);
        line(cv, left - 3, y, left, y, black, 0);
        tick_label(buf, sizeof(buf), t, ystep);
        text(cv, left - 6 - text_width(buf, 1), y - 3, buf, black, 1, 0);
    }

    struct pts pts[CHART_MAX_SERIES];
    int nlegend = 0, lw = 0;
    for (int k = 0; k < p->nseries; k++) {
        const struct chart_series *s = &p->series[k];
        pts[k] = reduce(s, p->xbin, xmin, xs, left);
        unsigned char rgb[3];
        const unsigned char *c = palette[(s->color >= 0 ? s->color : k) % ARRAY_LEN(palette)];
        for (int i = 0; i < 3; i++) rgb[i] = s->light ? (unsigned char)(255 - (255 - c[i]) * 2 / 5) : c[i];
        for (int i = 0; i < pts[k].n; i++) {
            double yy = fmin(fmax(pts[k].y[i], ymin), ymax);
            int y = bottom - (int)lround((yy - ymin) * ys);
            if (s->marker) fill(cv, pts[k].x[i] - 2, y - 2, pts[k].x[i] + 3, y + 3, rgb);
            if (i == 0) put(cv, pts[k].x[0], y, rgb), put(cv, pts[k].x[0] + 1, y, rgb);
            else {
                double yp = fmin(fmax(pts[k].y[i - 1], ymin), ymax);
                line(cv, pts[k].x[i - 1], bottom - (int)lround((yp - ymin) * ys), pts[k].x[i], y, rgb, !s->light);
            }
        }
        if (s->label) nlegend++, lw = text_width(s->label, 1) > lw ? text_width(s->label, 1) : lw;
    }
    line(cv, left, top, right, top, black, 0), line(cv, left, bottom, right, bottom, black, 0);
    line(cv, left, top, left, bottom, black, 0), line(cv, right, top, right, bottom, black, 0);

    if (nlegend) { /* in the right-hand corner (upper or lower) that covers fewer points */
        int bw = lw + 30, bh = nlegend * 11 + 6, bx = right - bw - 6, by[2] = {top + 6, bottom - bh - 6};
        int cover[2] = {0, 0};
        for (int k = 0; k < p->nseries; k++) /* pixels of the drawn lines inside each box */
            for (int i = 0; i < pts[k].n; i++) {
                int x0 = pts[k].x[i > 0 ? i - 1 : 0], x1 = pts[k].x[i];
                double y0 = fmin(fmax(pts[k].y[i > 0 ? i - 1 : 0], ymin), ymax);
                double y1 = fmin(fmax(pts[k].y[i], ymin), ymax);
                for (int x = x0 > bx ? x0 : bx; x <= x1 && x <= bx + bw; x++) {
                    double v = x1 > x0 ? y0 + (y1 - y0) * (x - x0) / (x1 - x0) : y1;
                    int y = bottom - (int)lround((v - ymin) * ys);
                    for (int j = 0; j < 2; j++) cover[j] += y >= by[j] - 4 && y < by[j] + bh + 4;
                }
            }
        int yb = by[cover[1] < cover[0]];
        fill(cv, bx, yb, bx + bw, yb + bh, white);
        line(cv, bx, yb, bx + bw, yb, dark, 0), line(cv, bx, yb + bh, bx + bw, yb + bh, dark, 0);
        line(cv, bx, yb, bx, yb + bh, dark, 0), line(cv, bx + bw, yb, bx + bw, yb + bh, dark, 0);
        int row = 0;
        for (int k = 0; k < p->nseries; k++) {
            const struct chart_series *s = &p->series[k];
            if (!s->label) continue;
            const unsigned char *c = palette[(s->color >= 0 ? s->color : k) % ARRAY_LEN(palette)];
            int y = yb + 5 + row * 11;
            line(cv, bx + 5, y + 3, bx + 21, y + 3, c, !s->light);
            text(cv, bx + 26, y, s->label, black, 1, 0);
            row++;
        }
    }
    for (int k = 0; k < p->nseries; k++) free(pts[k].x), free(pts[k].y);
}

int chart_write_png(const char *path, const struct chart_panel *panels, int npanels, int w, int h, char *err)
{
    struct canvas cv = {w * npanels, h, NULL};
    cv.px = xmalloc((size_t)cv.w * cv.h * 3);
    memset(cv.px, 255, (size_t)cv.w * cv.h * 3);
    for (int i = 0; i < npanels; i++) draw_panel(&cv, &panels[i], i * w, w, h);
    int rc = png_write(path, cv.w, cv.h, 3, cv.px, 1, err);
    free(cv.px);
    return rc;
}

int csv_read(const char *path, struct csv_table *t, char *err)
{
    memset(t, 0, sizeof(*t));
    FILE *f = dn_fopen_read(path, "r", err);
    if (!f) return -1;
    char line[4096];
    int cap = 0;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0]) continue;
        if (!t->names) { /* the header */
            for (char *tok = strtok(line, ","); tok; tok = strtok(NULL, ",")) {
                t->names = xrealloc(t->names, sizeof(char *) * (t->ncols + 1));
                t->names[t->ncols++] = xstrdup(tok);
            }
            continue;
        }
        if (t->nrows == cap) {
            cap = cap ? cap * 2 : 256;
            t->v = xrealloc(t->v, sizeof(double) * cap * t->ncols);
        }
        double *row = t->v + (size_t)t->nrows * t->ncols;
        char *p = line;
        for (int c = 0; c < t->ncols; c++) {
            char *end;
            row[c] = p ? strtod(p, &end) : NAN;
            if (p && (end == p || (*end && *end != ','))) row[c] = NAN;
            p = p ? strchr(p, ',') : NULL;
            if (p) p++;
        }
        t->nrows++;
    }
    fclose(f);
    if (!t->names) {
        dn_errf(err, "%s: empty file (no header line)", path);
        return -1;
    }
    return 0;
}

int csv_col(const struct csv_table *t, const char *name)
{
    for (int i = 0; i < t->ncols; i++)
        if (strcmp(t->names[i], name) == 0) return i;
    return -1;
}

double *csv_column(const struct csv_table *t, int col)
{
    double *v = xmalloc(sizeof(double) * (t->nrows + 1));
    for (int i = 0; i < t->nrows; i++) v[i] = t->v[(size_t)i * t->ncols + col];
    return v;
}

void csv_free(struct csv_table *t)
{
    for (int i = 0; i < t->ncols; i++) free(t->names[i]);
    free(t->names);
    free(t->v);
    memset(t, 0, sizeof(*t));
}

int chart_training(const char *png, const char *loss_csv, const char *valid_csv, const char *title, char *err)
{
    struct csv_table lt = {0}, vt = {0};
    struct chart_panel p[2] = {{0}, {0}};
    double *col[6] = {0};
    char t0[300], t1[300], topk[32] = "TOP-K";
    snprintf(t0, sizeof(t0), "%s: LOSS", title);
    snprintf(t1, sizeof(t1), "%s: VALIDATION", title);
    p[0] = (struct chart_panel){.title = t0, .xlabel = "ITERATION", .ylabel = "TRAINING LOSS"};
    p[1] = (struct chart_panel){.title = t1, .xlabel = "ITERATION", .ylabel = "ACCURACY (%)"};
    if (csv_read(loss_csv, &lt, err) == 0) {
        int it = csv_col(&lt, "iteration"), lo = csv_col(&lt, "loss"), av = csv_col(&lt, "avg_loss");
        if (it >= 0 && lo >= 0 && av >= 0) {
            col[0] = csv_column(&lt, it), col[1] = csv_column(&lt, lo), col[2] = csv_column(&lt, av);
            struct chart_series *s = p[0].series;
            s[0] = (struct chart_series){.label = "LOSS", .x = col[0], .y = col[1], .n = lt.nrows, .light = 1};
            s[1] = (struct chart_series){.label = "AVERAGE LOSS", .x = col[0], .y = col[2], .n = lt.nrows};
            p[0].nseries = 2;
            /* the validation panel shares the loss panel's x axis */
            for (int i = 0; i < 2 && lt.nrows > 0; i++)
                p[i].fixed_x = 1, p[i].xmin = 0, p[i].xmax = col[0][lt.nrows - 1];
        }
    }
    if (valid_csv && csv_read(valid_csv, &vt, err) == 0) {
        int it = csv_col(&vt, "iteration"), t1c = csv_col(&vt, "top1"), tkc = csv_col(&vt, "topk"),
            kc = csv_col(&vt, "k");
        if (it >= 0 && t1c >= 0 && tkc >= 0) {
            col[3] = csv_column(&vt, it), col[4] = csv_column(&vt, t1c), col[5] = csv_column(&vt, tkc);
            for (int i = 0; i < vt.nrows; i++) col[4][i] *= 100, col[5][i] *= 100;
            if (kc >= 0 && vt.nrows) snprintf(topk, sizeof(topk), "TOP-%d", (int)vt.v[kc]);
            p[1].fixed_y = 1, p[1].ymin = 0, p[1].ymax = 100;
            struct chart_series *s = p[1].series;
            s[0] = (struct chart_series){.label = "TOP-1", .x = col[3], .y = col[4], .n = vt.nrows, .color = 2};
            s[1] = (struct chart_series){.label = topk, .x = col[3], .y = col[5], .n = vt.nrows, .color = 3};
            s[0].marker = s[1].marker = 1;
            p[1].nseries = 2;
        }
    }
    int rc = chart_write_png(png, p, valid_csv ? 2 : 1, 480, 320, err);
    for (int i = 0; i < 6; i++) free(col[i]);
    csv_free(&lt);
    csv_free(&vt);
    return rc;
}
