/* cfg.c - see cfg.h. */
#define _POSIX_C_SOURCE 200809L
#include "cfg.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Remove every space, tab and CR/LF, as Darknet's strip() does. */
static void strip_ws(char *s)
{
    char *d = s;
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n') *d++ = *s;
    *d = 0;
}

/* End a value at an inline comment: "filters=40#32" reads as filters=40. */
static void cut_comment(char *val)
{
    val[strcspn(val, "#;")] = 0;
}

static struct cfg_section *add_section(struct cfg *c, const char *type, int line)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 16;
        c->secs = xrealloc(c->secs, c->cap * sizeof(*c->secs));
    }
    struct cfg_section *s = &c->secs[c->n];
    memset(s, 0, sizeof(*s));
    s->type = xstrdup(type);
    s->line = line;
    s->index = c->n++;
    return s;
}

static struct cfg *read_stream(FILE *f, const char *path, int allow_bare, char *err);

struct cfg *cfg_read(const char *path, int allow_bare, char *err)
{
    FILE *f = dn_fopen_read(path, "r", err);
    if (!f) return NULL;
    return read_stream(f, path, allow_bare, err);
}

struct cfg *cfg_read_text(const char *name, const char *text, int allow_bare, char *err)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    if (!f) DN_ABORT("fmemopen failed");
    return read_stream(f, name, allow_bare, err);
}

/* Reads and closes f. */
static struct cfg *read_stream(FILE *f, const char *path, int allow_bare, char *err)
{
    struct cfg *c = xcalloc(1, sizeof(*c));
    c->path = xstrdup(path);
    char *line = NULL;
    size_t cap = 0;
    int lineno = 0;
    struct cfg_section *cur = NULL;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) != -1) {
        lineno++;
        if (strlen(line) != (size_t)len) { /* the C string would end early, hiding the rest */
            dn_errf(err, "%s:%d: NUL byte in the line (not a text file?)", path, lineno);
            goto fail;
        }
        strip_ws(line);
        if (line[0] == 0 || line[0] == '#' || line[0] == ';') continue;
        if (line[0] == '[') {
            char *end = strchr(line, ']');
            if (!end || end[1] != 0 || end == line + 1) {
                dn_errf(err, "%s:%d: malformed section header '%s'", path, lineno, line);
                goto fail;
            }
            *end = 0;
            cur = add_section(c, line + 1, lineno);
            continue;
        }
        char *eq = strchr(line, '=');
        if (!eq || eq == line) {
            dn_errf(err, "%s:%d: expected key=value, got '%s'", path, lineno, line);
            goto fail;
        }
        *eq = 0;
        cut_comment(eq + 1);
        if (!cur) {
            if (!allow_bare) {
                dn_errf(err, "%s:%d: %s: key before any [section]", path, lineno, line);
                goto fail;
            }
            cur = add_section(c, "", lineno);
        }
        /* A repeated key: Darknet's option_find returns the first one, so the
         * later value is ignored, and said so. */
        int repeated = 0;
        for (int i = 0; i < cur->n && !repeated; i++) {
            if (strcmp(cur->opts[i].key, line) == 0) {
                fprintf(stderr, "warning: %s:%d: [%s] %s=%s: repeated key ignored; the first value (%s, line %d) "
                        "is used, as in Darknet\n", path, lineno, cur->type, line, eq + 1, cur->opts[i].val,
                        cur->opts[i].line);
                repeated = 1;
            }
        }
        if (repeated) continue;
        if (cur->n == cur->cap) {
            cur->cap = cur->cap ? 2 * cur->cap : 8;
            cur->opts = xrealloc(cur->opts, cur->cap * sizeof(*cur->opts));
        }
        cur->opts[cur->n++] = (struct cfg_option){xstrdup(line), xstrdup(eq + 1), lineno, 0};
    }
    free(line);
    fclose(f);
    return c;
fail:
    free(line);
    fclose(f);
    cfg_free(c);
    return NULL;
}

void cfg_free(struct cfg *c)
{
    if (!c) return;
    for (int i = 0; i < c->n; i++) {
        for (int j = 0; j < c->secs[i].n; j++) {
            free(c->secs[i].opts[j].key);
            free(c->secs[i].opts[j].val);
        }
        free(c->secs[i].opts);
        free(c->secs[i].type);
    }
    free(c->secs);
    free(c->path);
    free(c);
}

struct cfg_option *cfg_find(struct cfg_section *s, const char *key)
{
    for (int i = 0; i < s->n; i++) {
        if (strcmp(s->opts[i].key, key) == 0) {
            s->opts[i].used = 1;
            return &s->opts[i];
        }
    }
    return NULL;
}

int cfg_fail(struct cfg *c, struct cfg_section *s, const char *key, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    struct cfg_option *o = NULL;
    if (s && key) {
        for (int i = 0; i < s->n; i++)
            if (strcmp(s->opts[i].key, key) == 0) o = &s->opts[i];
    }
    const char *sec = s ? s->type : "";
    int line = o ? o->line : (s ? s->line : 0);
    if (o && line == 0) /* a command-line override (cfg_set) */
        snprintf(c->err, DN_ERR_LEN, "%s: -set %s=%s: [%s] %s", c->path, key, o->val, sec, msg);
    else if (o)
        snprintf(c->err, DN_ERR_LEN, "%s:%d: [%s] %s=%s: %s", c->path, line, sec, key, o->val, msg);
    else if (key)
        snprintf(c->err, DN_ERR_LEN, "%s:%d: [%s] %s: %s", c->path, line, sec, key, msg);
    else
        snprintf(c->err, DN_ERR_LEN, "%s:%d: [%s]: %s", c->path, line, sec, msg);
    return -1;
}

static int parse_int(const char *v, int *out)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || end == v || *end || x < INT_MIN || x > INT_MAX) return -1;
    *out = (int)x;
    return 0;
}

static int parse_float(const char *v, float *out)
{
    char *end;
    errno = 0;
    float x = strtof(v, &end);
    if (errno || end == v || *end || !isfinite(x)) return -1; /* no nan, inf or 1e99 */
    *out = x;
    return 0;
}

int cfg_int(struct cfg *c, struct cfg_section *s, const char *key, int def, int *out)
{
    struct cfg_option *o = cfg_find(s, key);
    if (!o) {
        *out = def;
        return 0;
    }
    if (parse_int(o->val, out)) return cfg_fail(c, s, key, "not an integer");
    return 0;
}

int cfg_int_req(struct cfg *c, struct cfg_section *s, const char *key, int *out)
{
    if (!cfg_find(s, key)) return cfg_fail(c, s, key, "missing required key");
    return cfg_int(c, s, key, 0, out);
}

int cfg_float(struct cfg *c, struct cfg_section *s, const char *key, float def, float *out)
{
    struct cfg_option *o = cfg_find(s, key);
    if (!o) {
        *out = def;
        return 0;
    }
    if (parse_float(o->val, out)) return cfg_fail(c, s, key, "not a finite number");
    return 0;
}

int cfg_float_req(struct cfg *c, struct cfg_section *s, const char *key, float *out)
{
    if (!cfg_find(s, key)) return cfg_fail(c, s, key, "missing required key");
    return cfg_float(c, s, key, 0, out);
}

/* Split a comma list in place into at most max tokens; -1 if more or empty. */
static int split_list(char *buf, char **tok, int max)
{
    int n = 0;
    char *p = buf;
    for (;;) {
        char *comma = strchr(p, ',');
        if (comma) *comma = 0;
        if (n == max) return -1;
        tok[n++] = p;
        if (!comma) break;
        p = comma + 1;
    }
    return n;
}

/* Parse a comma list with one element parser; what is the word for errors. */
static int parse_list(struct cfg *c, struct cfg_section *s, const char *key, void *out, size_t elem,
                      int (*parse)(const char *, void *), const char *what, int max, int *n)
{
    struct cfg_option *o = cfg_find(s, key);
    *n = 0;
    if (!o) return 0;
    char buf[1024], *tok[256];
    snprintf(buf, sizeof(buf), "%s", o->val);
    int k = split_list(buf, tok, max < 256 ? max : 256);
    if (k < 0) return cfg_fail(c, s, key, "more than %d values", max);
    for (int i = 0; i < k; i++)
        if (parse(tok[i], (char *)out + i * elem)) return cfg_fail(c, s, key, "'%s' is not %s", tok[i], what);
    *n = k;
    return 0;
}

static int parse_int_v(const char *v, void *out) { return parse_int(v, out); }
static int parse_float_v(const char *v, void *out) { return parse_float(v, out); }

int cfg_ints(struct cfg *c, struct cfg_section *s, const char *key, int *out, int max, int *n)
{
    return parse_list(c, s, key, out, sizeof(int), parse_int_v, "an integer", max, n);
}

int cfg_floats(struct cfg *c, struct cfg_section *s, const char *key, float *out, int max, int *n)
{
    return parse_list(c, s, key, out, sizeof(float), parse_float_v, "a finite number", max, n);
}

const char *cfg_str(struct cfg_section *s, const char *key, const char *def)
{
    struct cfg_option *o = cfg_find(s, key);
    return o ? o->val : def;
}

int cfg_enum(struct cfg *c, struct cfg_section *s, const char *key, const char *const *names,
             int def, int *out)
{
    struct cfg_option *o = cfg_find(s, key);
    if (!o) {
        *out = def;
        return 0;
    }
    for (int i = 0; names[i]; i++) {
        if (strcmp(names[i], o->val) == 0) {
            *out = i;
            return 0;
        }
    }
    char allowed[256] = "";
    for (int i = 0; names[i]; i++) {
        strncat(allowed, i ? "|" : "", sizeof(allowed) - strlen(allowed) - 1);
        strncat(allowed, names[i], sizeof(allowed) - strlen(allowed) - 1);
    }
    return cfg_fail(c, s, key, "unknown value (expected %s)", allowed);
}

/*
 * Keys of upstream Darknet (AlexeyAB) that this engine knows but does not
 * implement. Set to their "off" value (0) they mean what
 * leaving them out means, so they are accepted; any other value is refused
 * as "not supported" (with the reason) rather than as an unknown key.
 */
static const struct {
    const char *section; /* "" = any section */
    const char *key;
    const char *why;
} unsupported_keys[] = {
    {"net", "gaussian_noise", "noise augmentation is not implemented"},
    {"net", "contrastive", "contrastive training is not implemented"},
    {"net", "adversarial_lr", "adversarial training is not implemented"},
    {"net", "letter_box", "letter-boxing is for detection"},
    {"net", "random", "random network resizing is for detection"},
    {"net", "track", "video tracking is not implemented"},
    {"net", "adam", "only SGD with momentum is implemented"},
    {"net", "loss_scale", "mixed precision is not implemented"},
    {"", "xnor", "XNOR (binary) convolutions are not implemented"},
    {"", "binary", "binary weights are not implemented"},
    {"", "dilation", "dilated convolutions are not implemented"},
    {"", "antialiasing", "anti-aliased convolutions are not implemented"},
    {"", "assisted_excitation", "assisted excitation is for detection"},
    {"", "stopbackward", "partial backward passes are not implemented"},
    {"", "train_only_bn", "partial backward passes are not implemented"},
};

/* Why an upstream key is not supported, or NULL if it is not in the table. */
static const char *unsupported_why(const struct cfg_section *s, const char *key)
{
    for (size_t k = 0; k < ARRAY_LEN(unsupported_keys); k++) {
        const char *sec = unsupported_keys[k].section;
        if (strcmp(unsupported_keys[k].key, key) == 0 && (!sec[0] || strcmp(sec, s->type) == 0))
            return unsupported_keys[k].why;
    }
    return NULL;
}

int cfg_check_unused(struct cfg *c, struct cfg_section *s)
{
    for (int i = 0; i < s->n; i++) {
        struct cfg_option *o = &s->opts[i];
        if (o->used) continue;
        const char *why = unsupported_why(s, o->key);
        if (!why) return cfg_fail(c, s, o->key, "unknown key");
        if (strcmp(o->val, "0") != 0) return cfg_fail(c, s, o->key, "not supported here (%s)", why);
        /* the off value, as when absent */
    }
    return 0;
}

void cfg_set(struct cfg_section *s, const char *key, const char *val)
{
    for (int i = 0; i < s->n; i++) {
        if (strcmp(s->opts[i].key, key) == 0) {
            free(s->opts[i].val);
            s->opts[i].val = xstrdup(val);
            s->opts[i].line = 0;
            return;
        }
    }
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 8;
        s->opts = xrealloc(s->opts, s->cap * sizeof(*s->opts));
    }
    s->opts[s->n++] = (struct cfg_option){xstrdup(key), xstrdup(val), 0, 0};
}
