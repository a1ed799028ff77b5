/*
 * cfg.h - reader for Darknet's ini-style files (.cfg networks and .data files).
 *
 * Syntax: "[section]" headers, "key=value" lines, '#' or ';' comments, blank
 * lines. As in Darknet, all spaces and tabs on a line are removed before it is
 * read. Every section and key remembers its line number, and every key whether
 * it was read, so that errors and typos are reported as
 *
 *     cfg/foo.cfg:42: [shortcut] from=-9: points before the first layer
 *
 * A .data file has no sections: cfg_read(..., allow_bare=1) puts its keys in
 * one implicit section whose type is "".
 *
 * Getters return 0 on success and -1 on error, with the message formatted into
 * cfg->err. An absent optional key yields the given default; an absent
 * required key is an error naming the section's line.
 */
#ifndef DN_CFG_H
#define DN_CFG_H

#include "utils.h"

struct cfg_option {
    char *key;
    char *val;
    int line;
    int used;
};

struct cfg_section {
    char *type;
    int line;
    int index; /* position in the file, 0-based */
    struct cfg_option *opts;
    int n, cap;
};

struct cfg {
    char *path;
    struct cfg_section *secs;
    int n, cap;
    char err[DN_ERR_LEN];
};

/* Read and tokenise a file. On failure returns NULL with a message in err. */
struct cfg *cfg_read(const char *path, int allow_bare, char *err);
/* The same from text in memory; name is used in messages (tests, generated nets). */
struct cfg *cfg_read_text(const char *name, const char *text, int allow_bare, char *err);
void cfg_free(struct cfg *c);

/* Find an option (marks it used) or NULL. */
struct cfg_option *cfg_find(struct cfg_section *s, const char *key);

/* Format "path:line: [type] key=value: message" into c->err; returns -1.
 * key may be NULL (the section's line is used). If the key is absent the
 * section's line is used and "key" is printed without a value. */
int cfg_fail(struct cfg *c, struct cfg_section *s, const char *key, const char *fmt, ...) DN_PRINTF(4, 5);

int cfg_int(struct cfg *c, struct cfg_section *s, const char *key, int def, int *out);
int cfg_int_req(struct cfg *c, struct cfg_section *s, const char *key, int *out);
int cfg_float(struct cfg *c, struct cfg_section *s, const char *key, float def, float *out);
int cfg_float_req(struct cfg *c, struct cfg_section *s, const char *key, float *out);
/* Comma-separated lists; *n receives the count (at most max). */
int cfg_ints(struct cfg *c, struct cfg_section *s, const char *key, int *out, int max, int *n);
int cfg_floats(struct cfg *c, struct cfg_section *s, const char *key, float *out, int max, int *n);
/* String value or def when absent (never fails). */
const char *cfg_str(struct cfg_section *s, const char *key, const char *def);
/* Choose one of NULL-terminated names; *out receives its index. */
int cfg_enum(struct cfg *c, struct cfg_section *s, const char *key, const char *const *names,
             int def, int *out);

/* Set key=value in s (replacing an existing value), as if read at line 0:
 * used by `-set key=value` command-line overrides of [net] keys. */
void cfg_set(struct cfg_section *s, const char *key, const char *val);

/* Error for the first key of s that no getter read (catches typos). */
int cfg_check_unused(struct cfg *c, struct cfg_section *s);

#endif
