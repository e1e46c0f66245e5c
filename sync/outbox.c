/*
 * outbox.c - see outbox.h.
 */
#include "outbox.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "bundle_export.h"
#include "io.h"
#include "util.h"

#define STATE_MAX 8192

static char *
join3(const char *dir, const char *name, const char *ext)
{
	size_t n = strlen(dir) + strlen(name) + strlen(ext) + 2;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s/%s%s", dir, name, ext);
	return p;
}

char *
fk_outbox_path(const fk_outbox *o, const fk_outbox_item *it)
{
	return join3(o->dir, it->name, "");
}

/* What the bundle itself says: its id, records and seq range, length. */
static int
from_bundle(const fk_outbox *o, fk_outbox_item *it, fk_err *e)
{
	char *p = fk_outbox_path(o, it);
	FILE *f = p ? fopen(p, "rb") : NULL;
	fk_bundle_reader *r = NULL;
	const fk_bundle_manifest *m;
	struct stat st;
	int rc = -1;

	if (f == NULL || fstat(fileno(f), &st) != 0) {
		fk_fail(e, FK_EIO, _("cannot open %s: %s"), p ? p : it->name, strerror(errno));
		goto out;
	}
	if ((r = fk_bundle_open(fk_file_source(f), NULL, NULL, e)) == NULL)
		goto out;
	m = fk_bundle_manifest_of(r);
	snprintf(it->bundle_id, sizeof it->bundle_id, "%s", m->bundle_id);
	it->nrec = m->n;
	it->first_seq = m->n ? m->rec[0].seq : 0;
	it->last_seq = m->n ? m->rec[m->n - 1].seq : 0;
	it->length = (uint64_t)st.st_size;
	it->created = (int64_t)st.st_mtime;
	rc = 0;
out:
	fk_bundle_close(r);
	if (f != NULL)
		fclose(f);
	free(p);
	return rc;
}

static int64_t
jtime(json_t *j, const char *k)
{
	int64_t t = 0;
	const char *s = json_string_value(json_object_get(j, k));

	if (s == NULL || fk_time_parse_rfc3339(s, &t) != 0)
		return 0;
	return t;
}

static void
jstr(json_t *j, const char *k, char *out, size_t cap)
{
	const char *s = json_string_value(json_object_get(j, k));

	snprintf(out, cap, "%s", s ? s : "");
}

/* The dynamic state; 0 when read, -1 when missing or unreadable. */
static int
load_state(const fk_outbox *o, fk_outbox_item *it)
{
	char *p = join3(o->dir, it->name, ".state");
	fk_buf b = {0};
	json_t *j = NULL;
	fk_err e;
	const char *bid;
	int rc = -1;

	if (p == NULL || access(p, F_OK) != 0 || fk_read_file(p, STATE_MAX, &b, &e) != 0)
		goto out;
	j = json_loadb((const char *)b.p, b.len, JSON_REJECT_DUPLICATES, NULL);
	bid = json_string_value(json_object_get(j, "bundle_id"));
	if (j == NULL || bid == NULL || strcmp(bid, it->bundle_id) != 0)
		goto out;
	it->hub_offset = (uint64_t)json_integer_value(json_object_get(j, "hub_offset"));
	it->attempts = (unsigned)json_integer_value(json_object_get(j, "attempts"));
	it->refused = json_is_true(json_object_get(j, "refused"));
	it->last_try = jtime(j, "last_try");
	it->next_try = jtime(j, "next_try");
	it->last_ok = jtime(j, "last_progress");
	jstr(j, "last_failure", it->last_class, sizeof it->last_class);
	jstr(j, "reason", it->last_reason, sizeof it->last_reason);
	if (it->hub_offset > it->length)
		it->hub_offset = 0;
	rc = 0;
out:
	json_decref(j);
	fk_buf_free(&b);
	free(p);
	return rc;
}

int
fk_outbox_save(const fk_outbox *o, const fk_outbox_item *it, fk_err *e)
{
	char *p = join3(o->dir, it->name, ".state"), *txt = NULL;
	char lt[FK_TIME_BUF] = "", nt[FK_TIME_BUF] = "", lp[FK_TIME_BUF] = "";
	json_t *j;
	int rc = -1;

	if (it->last_try)
		fk_time_rfc3339(it->last_try, lt);
	if (it->next_try)
		fk_time_rfc3339(it->next_try, nt);
	if (it->last_ok)
		fk_time_rfc3339(it->last_ok, lp);
	j = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:b, s:s, s:s, s:s, s:s, s:s}",
	    "bundle_id", it->bundle_id, "records", (json_int_t)it->nrec,
	    "length", (json_int_t)it->length, "hub_offset", (json_int_t)it->hub_offset,
	    "attempts", (json_int_t)it->attempts, "last_seq", (json_int_t)it->last_seq,
	    "refused", it->refused, "last_try", lt, "next_try", nt, "last_progress", lp,
	    "last_failure", it->last_class, "reason", it->last_reason);
	if (p == NULL || j == NULL || (txt = json_dumps(j, JSON_COMPACT)) == NULL)
		fk_fail(e, FK_ENOMEM, _("out of memory"));
	else
		rc = fk_write_file_atomic(p, txt, strlen(txt), 0600, e);
	json_decref(j);
	free(txt);
	free(p);
	return rc;
}

static int
by_seq(const void *a, const void *b)
{
	const fk_outbox_item *x = a, *y = b;

	return x->first_seq < y->first_seq ? -1 : x->first_seq > y->first_seq;
}

void
fk_outbox_free(fk_outbox *o)
{
	if (o->lockfd > 0)
		close(o->lockfd - 1);
	free(o->dir);
	free(o->items);
	memset(o, 0, sizeof *o);
}

int
fk_outbox_lock(fk_outbox *o, fk_err *e)
{
	char *p = fk_path_join(o->dir, ".lock");
	int fd, rc;

	if (p == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	rc = fk_lock_try(p, &fd, e);
	free(p);
	if (rc == 1)
		return fk_fail(e, FK_ESTATE, _("another push is running on this device: "
		    "let it finish (or stop it) first"));
	if (rc == 0)
		o->lockfd = fd + 1;
	return rc;
}

int
fk_outbox_load(fk_outbox *o, const char *home, fk_err *e)
{
	DIR *d;
	struct dirent *de;

	memset(o, 0, sizeof *o);
	if ((o->dir = fk_path_join(home, FK_OUTBOX_DIR)) == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	if (fk_mkdirs(o->dir, 0700, e) != 0)
		goto fail;
	if ((d = opendir(o->dir)) == NULL) {
		fk_fail(e, FK_EIO, _("cannot open %s: %s"), o->dir, strerror(errno));
		goto fail;
	}
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		fk_outbox_item it, *nv;
		fk_err e2;
		if (l < 5 || l >= sizeof it.name || strcmp(de->d_name + l - 4, ".fkb") != 0 ||
		    de->d_name[0] == '.')
			continue;
		memset(&it, 0, sizeof it);
		memcpy(it.name, de->d_name, l + 1);
		if (from_bundle(o, &it, &e2) != 0)
			continue; /* not a bundle we can read: left alone */
		load_state(o, &it);
		if ((nv = realloc(o->items, (o->n + 1) * sizeof *nv)) == NULL) {
			closedir(d);
			fk_fail(e, FK_ENOMEM, _("out of memory"));
			goto fail;
		}
		o->items = nv;
		o->items[o->n++] = it;
	}
	closedir(d);
	if (o->n > 1)
		qsort(o->items, o->n, sizeof *o->items, by_seq);
	return 0;
fail:
	fk_outbox_free(o);
	return -1;
}

static int64_t
queued_through(const fk_outbox *o)
{
	int64_t m = 0;
	size_t i;

	for (i = 0; i < o->n; i++)
		if (o->items[i].last_seq > m)
			m = o->items[i].last_seq;
	return m;
}

struct filt {
	int64_t after, upto;       /* (after, upto]: upto 0 = no bound */
	fk_record_fn fn;
	void *ctx;
	int64_t count;
	fk_store *s;
};

static int
count_one(void *ctx, const fk_store_record *rec, fk_err *e)
{
	struct filt *f = ctx;

	(void)e;
	if (rec->seq > f->after) {
		f->count++;
		f->upto = rec->seq;
	}
	return 0;
}

int
fk_outbox_unqueued(const fk_outbox *o, fk_store *s, int64_t *n, fk_err *e)
{
	struct filt f = { queued_through(o), 0, NULL, NULL, 0, s };

	if (fk_store_each_pending(s, count_one, &f, e) != 0)
		return -1;
	*n = f.count;
	return 0;
}

struct live {
	const fk_outbox *o;
	unsigned char *has;        /* per item: a pending record in its range */
};

static int
mark_live(void *ctx, const fk_store_record *rec, fk_err *e)
{
	struct live *l = ctx;
	size_t i;

	(void)e;
	for (i = 0; i < l->o->n; i++)
		if (rec->seq >= l->o->items[i].first_seq && rec->seq <= l->o->items[i].last_seq)
			l->has[i] = 1;
	return 0;
}

int
fk_outbox_live(const fk_outbox *o, fk_store *s, unsigned char *has, fk_err *e)
{
	struct live l = { o, has };

	memset(has, 0, o->n);
	return fk_store_each_pending(s, mark_live, &l, e);
}

int
fk_outbox_drop_delivered(fk_outbox *o, fk_store *s, size_t *dropped, fk_err *e)
{
	unsigned char *has;
	size_t i, j;          /* i: the item now (removals shift), j: its place when loaded */
	int rc = 0;

	*dropped = 0;
	if (o->n == 0)
		return 0;
	if ((has = calloc(o->n, 1)) == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	if (fk_outbox_live(o, s, has, e) != 0) {
		free(has);
		return -1;
	}
	for (i = 0, j = 0; rc == 0 && i < o->n; j++) {
		if (has[j]) {
			i++;
			continue;
		}
		if ((rc = fk_outbox_remove(o, i, e)) == 0)
			(*dropped)++;
	}
	free(has);
	return rc;
}

static int
pass_one(void *ctx, const fk_store_record *rec, fk_err *e)
{
	struct filt *f = ctx;

	if (rec->seq <= f->after)
		return 0;
	if (f->upto != 0 && rec->seq > f->upto)
		return 1;
	return f->fn(f->ctx, rec, e);
}

static int
iter(void *ictx, fk_record_fn fn, void *ctx, fk_err *e)
{
	struct filt *f = ictx;

	f->fn = fn;
	f->ctx = ctx;
	return fk_store_each_pending(f->s, pass_one, f, e);
}

int
fk_outbox_fill(fk_outbox *o, fk_store *s, const char *device_id, const fk_minisign_sk *sk,
    uint64_t max_size, size_t *nfiles, size_t *nrec, fk_err *e)
{
	struct filt it = { queued_through(o), 0, NULL, NULL, 0, s };
	fk_export_result res = {0};
	char *home;
	int rc;

	*nfiles = *nrec = 0;
	/* The records pending now, and no later ones: capture may go on meanwhile,
	 * and the export reads the store twice (plan, then write). */
	if (fk_store_each_pending(s, count_one, &it, e) != 0)
		return -1;
	if (it.count == 0)
		return 0;
	if (fk_bundle_export(iter, &it, device_id, sk, o->dir, max_size, &res, e) != 0)
		return -1;
	*nfiles = res.nfiles;
	*nrec = res.nrec;
	fk_export_result_free(&res);
	/* Reload: the new bundles take their place by sequence number. */
	if ((home = strdup(o->dir)) == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	home[strlen(home) - strlen(FK_OUTBOX_DIR) - 1] = 0;
	fk_outbox_free(o);
	rc = fk_outbox_load(o, home, e);
	free(home);
	return rc;
}

int
fk_outbox_remove(fk_outbox *o, size_t i, fk_err *e)
{
	char *p = fk_outbox_path(o, &o->items[i]), *q = join3(o->dir, o->items[i].name, ".state");

	if (p == NULL || q == NULL) {
		free(p);
		free(q);
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	}
	if (unlink(p) != 0 && errno != ENOENT) {
		fk_fail(e, FK_EIO, _("cannot remove %s: %s"), p, strerror(errno));
		free(p);
		free(q);
		return -1;
	}
	unlink(q);
	free(p);
	free(q);
	memmove(&o->items[i], &o->items[i + 1], (o->n - i - 1) * sizeof *o->items);
	o->n--;
	return 0;
}
