/*
 * datacfg.c - reads a Darknet .data file (classes, train, valid, labels,
 * names, backup, top) into struct data_cfg.
 *
 * Defaults follow Darknet (see data.h), except that `top` defaults to 5 (or
 * to `classes` when there are fewer than 5), and a `top` above `classes` is
 * clamped with a warning. Darknet's keys that classification does not use
 * (test, eval, results, map, tree, leaves, tag, difficult, points) are
 * accepted and ignored. Unlike Darknet, an unknown key is an error, so that
 * a typo such as "vaild=" is not silently ignored.
 */
#include "data.h"

#include <stdio.h>
#include <string.h>

#include "../core/cfg.h"

/* Copy a string key (or its default) into a fixed-size field. */
static int get_path(struct cfg *c, struct cfg_section *s, const char *key, const char *def,
                    char *out, size_t size)
{
    const char *v = cfg_str(s, key, def);
    if (!v[0]) return cfg_fail(c, s, key, "empty value");
    if (strlen(v) >= size) return cfg_fail(c, s, key, "longer than %zu characters", size - 1);
    memcpy(out, v, strlen(v) + 1);
    return 0;
}

int data_cfg_read(const char *path, struct data_cfg *d, char *err)
{
    memset(d, 0, sizeof(*d));
    if (strlen(path) >= sizeof(d->path)) {
        dn_errf(err, "%s: path too long", path);
        return -1;
    }
    snprintf(d->path, sizeof(d->path), "%s", path);
    struct cfg *c = cfg_read(path, 1, err);
    if (!c) return -1;
    if (c->n == 0) {
        dn_errf(err, "%s: no keys (classes= is required)", path);
        cfg_free(c);
        return -1;
    }
    for (int i = 0; i < c->n; i++) {
        if (c->secs[i].type[0]) {
            dn_errf(err, "%s:%d: [%s]: a .data file has no sections", path, c->secs[i].line,
                    c->secs[i].type);
            cfg_free(c);
            return -1;
        }
    }
    struct cfg_section *s = &c->secs[0];
    int rc = -1;
    if (cfg_int_req(c, s, "classes", &d->classes)) goto done;
    if (d->classes <= 0) {
        cfg_fail(c, s, "classes", "must be > 0");
        goto done;
    }
    if (get_path(c, s, "train", "data/train.list", d->train, sizeof(d->train)) ||
        get_path(c, s, "valid", "data/train.list", d->valid, sizeof(d->valid)) ||
        get_path(c, s, "labels", "data/labels.list", d->labels, sizeof(d->labels)) ||
        get_path(c, s, "names", d->labels, d->names, sizeof(d->names)) ||
        get_path(c, s, "backup", "backup/", d->backup, sizeof(d->backup)))
        goto done;
    if (cfg_int(c, s, "top", d->classes < 5 ? d->classes : 5, &d->top)) goto done;
    if (d->top < 1) {
        cfg_fail(c, s, "top", "must be at least 1");
        goto done;
    }
    if (d->top > d->classes) { /* as Darknet's valid does */
        fprintf(stderr, "warning: %s: top=%d is more than classes=%d; using top=%d\n", path, d->top, d->classes,
                d->classes);
        d->top = d->classes;
    }
    /* Keys of Darknet's .data files that classification here does not use
     * (test lists, detection evaluation, hierarchies): accepted, ignored. */
    static const char *const unused[] = {"test", "eval", "results", "map", "tree", "leaves", "tag",
                                         "difficult", "points", NULL};
    for (int i = 0; unused[i]; i++) cfg_find(s, unused[i]);
    if (cfg_check_unused(c, s)) goto done;
    rc = 0;
done:
    if (rc) dn_errf(err, "%s", c->err);
    cfg_free(c);
    return rc;
}
