/*
 * labels.c - text lists (image lists, label files) and label matching.
 *
 * Darknet assigns a class to an image when the label is a substring of the
 * image path. That makes "man" match ".../woman.png" and "cat" match
 * ".../category/...". We match whole tokens instead: the label must be
 * bounded on each side by '/', '_', '.', '-' or an end of the path. A label
 * may itself contain delimiters ("aquarium_fish", "pickup_truck").
 */
#define _POSIX_C_SOURCE 200809L
#include "data.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char **read_lines_numbered(const char *path, int *n, int **linenos, char *err)
{
    *n = 0;
    if (linenos) *linenos = NULL;
    FILE *f = dn_fopen_read(path, "r", err);
    if (!f) return NULL;
    char **lines = NULL;
    int *nums = NULL;
    int count = 0, cap = 0, lineno = 0;
    char *buf = NULL;
    size_t bufcap = 0;
    ssize_t len;
    while ((len = getline(&buf, &bufcap, f)) != -1) {
        lineno++;
        if (strlen(buf) != (size_t)len) {
            dn_errf(err, "%s:%d: NUL byte in the line (not a text file?)", path, lineno);
            free(buf);
            free_lines(lines, count);
            free(nums);
            fclose(f);
            return NULL;
        }
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' ' ||
                           buf[len - 1] == '\t'))
            buf[--len] = 0;
        if (len == 0) continue;
        if (count == cap) {
            cap = cap ? 2 * cap : 64;
            lines = xrealloc(lines, cap * sizeof(*lines));
            nums = xrealloc(nums, cap * sizeof(*nums));
        }
        lines[count] = xstrdup(buf);
        nums[count] = lineno;
        count++;
    }
    int read_error = ferror(f);
    free(buf);
    fclose(f);
    if (read_error || count == 0) {
        dn_errf(err, "%s: %s", path, read_error ? "read error" : "no lines (empty file)");
        free_lines(lines, count);
        free(nums);
        return NULL;
    }
    if (linenos) *linenos = nums;
    else free(nums);
    *n = count;
    return lines;
}

char **read_lines(const char *path, int *n, char *err)
{
    return read_lines_numbered(path, n, NULL, err);
}

void free_lines(char **lines, int n)
{
    if (!lines) return;
    for (int i = 0; i < n; i++) free(lines[i]);
    free(lines);
}

static int is_delim(char c) { return c == '/' || c == '_' || c == '.' || c == '-'; }

/* Does label occur in path as a whole token? */
static int token_in(const char *path, const char *label)
{
    size_t len = strlen(label);
    if (len == 0) return 0;
    for (const char *p = strstr(path, label); p; p = strstr(p + 1, label)) {
        int left = p == path || is_delim(p[-1]);
        int right = p[len] == 0 || is_delim(p[len]);
        if (left && right) return 1;
    }
    return 0;
}

int label_match(const char *path, char *const *labels, int nlabels, int *first, int *second)
{
    int count = 0;
    if (first) *first = -1;
    if (second) *second = -1;
    for (int i = 0; i < nlabels; i++) {
        if (!token_in(path, labels[i])) continue;
        if (count == 0 && first) *first = i;
        if (count == 1 && second) *second = i;
        count++;
    }
    return count;
}
