/*
 * entry.c - see entry.h.
 */
#include "entry.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "draft.h"
#include "util.h"

#define PATHMAX 2048

struct att {
	char id[FK_UUID_BUF];
	char *name, *media_type;
	uint64_t size;
	fk_secret key;   /* a pending file: its key */
	char *path;      /* or a file on disk (a wizard draft) */
};

struct fk_entry {
	const fk_form *f;
	int hold; /* the draft's lock (fk_draft_hold), -1 when none */
	char *home;
	char id[FK_UUID_BUF];
	json_t *answers, *face, *visited, *history;
	char lang[8];
	int64_t created_at, saved_at;
	struct att *att;
	size_t natt;
};

static void
att_clear(struct att *a)
{
	free(a->name);
	free(a->media_type);
	free(a->path);
	fk_secret_free(&a->key);
	memset(a, 0, sizeof *a);
}

static struct att *
att_find(fk_entry *x, const char *id)
{
	size_t i;

	for (i = 0; i < x->natt; i++)
		if (strcmp(x->att[i].id, id) == 0)
			return &x->att[i];
	return NULL;
}

static struct att *
att_new(fk_entry *x, fk_err *e)
{
	struct att *a;

	if (x->natt == FK_ENTRY_MAX_ATT) {
		fk_fail(e, FK_ELIMIT, _("at most %d files per record"), FK_ENTRY_MAX_ATT);
		return NULL;
	}
	if ((a = realloc(x->att, (x->natt + 1) * sizeof *a)) == NULL) {
		fk_fail(e, FK_ENOMEM, _("out of memory"));
		return NULL;
	}
	x->att = a;
	a = &x->att[x->natt++];
	memset(a, 0, sizeof *a);
	return a;
}

static void
att_drop(fk_entry *x, size_t i)
{
	att_clear(&x->att[i]);
	memmove(&x->att[i], &x->att[i + 1], (x->natt - i - 1) * sizeof *x->att);
	x->natt--;
}

static fk_entry *
entry_alloc(const fk_form *f, const char *home, fk_err *e)
{
	fk_entry *x = calloc(1, sizeof *x);

	if (x != NULL)
		x->hold = -1;
	if (x == NULL || (x->home = strdup(home)) == NULL ||
	    (x->answers = json_object()) == NULL || (x->face = json_object()) == NULL ||
	    (x->visited = json_object()) == NULL || (x->history = json_array()) == NULL) {
		fk_entry_free(x);
		fk_fail(e, FK_ENOMEM, _("out of memory"));
		return NULL;
	}
	x->f = f;
	return x;
}

/* x with its draft id held (fk_draft_hold), or freed. */
static int
entry_hold(fk_entry *x, fk_err *e)
{
	if (fk_draft_hold(x->home, x->id, &x->hold, e) != 0) {
		fk_entry_free(x);
		return -1;
	}
	return 0;
}

int
fk_entry_new(const fk_form *f, const char *home, fk_entry **out, fk_err *e)
{
	fk_entry *x = entry_alloc(f, home, e);

	*out = NULL;
	if (x == NULL)
		return -1;
	fk_uuid(x->id);
	if (entry_hold(x, e) != 0)
		return -1;
	x->created_at = (int64_t)time(NULL);
	*out = x;
	return 0;
}

void
fk_entry_free(fk_entry *x)
{
	size_t i;

	if (x == NULL)
		return;
	/* a record never saved as a draft leaves no lock file behind */
	fk_draft_release(&x->hold, x->saved_at == 0 ? x->home : NULL, x->id);
	for (i = 0; i < x->natt; i++)
		att_clear(&x->att[i]);
	free(x->att);
	json_decref(x->answers);
	json_decref(x->face);
	json_decref(x->visited);
	json_decref(x->history);
	free(x->home);
	sodium_memzero(x, sizeof *x);
	free(x);
}

const char *fk_entry_id(const fk_entry *x) { return x->id; }
const fk_form *fk_entry_form(const fk_entry *x) { return x->f; }
json_t *fk_entry_answers(fk_entry *x) { return x->answers; }
json_t *fk_entry_face(fk_entry *x) { return x->face; }
const char *fk_entry_lang(const fk_entry *x) { return x->lang; }
int64_t fk_entry_created_at(const fk_entry *x) { return x->created_at; }
int64_t fk_entry_saved_at(const fk_entry *x) { return x->saved_at; }

void
fk_entry_set_lang(fk_entry *x, const char *lang)
{
	snprintf(x->lang, sizeof x->lang, "%s", lang ? lang : "");
}

static int
empty(const json_t *v)
{
	return v == NULL || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0) ||
	    (json_is_array(v) && json_array_size(v) == 0);
}

size_t
fk_entry_count_answers(const json_t *answers)
{
	const char *k;
	json_t *v, *el;
	size_t n = 0, i;

	json_object_foreach((json_t *)answers, k, v) {
		if (k[0] == '_' || empty(v))
			continue;
		if (json_is_array(v) && json_is_object(json_array_get(v, 0))) {
			json_array_foreach(v, i, el)
				n += fk_entry_count_answers(el);
		} else {
			n++;
		}
	}
	return n;
}

/*
 * Calls fn(ctx, path, answer) for every attachment answer in obj (a record
 * or a repeat instance), with its record path.
 */
static int
each_att(const fk_form *f, json_t *obj, char *path, size_t plen,
    int (*fn)(void *ctx, const char *path, json_t *v, fk_err *e), void *ctx, fk_err *e)
{
	const char *k;
	json_t *v, *el;
	size_t i;

	json_object_foreach(obj, k, v) {
		const fk_field *x = fk_form_find(f, k);
		int n;
		if (x == NULL)
			continue;
		if (fk_field_type(x) == FK_T_ATTACHMENT && json_is_object(v) &&
		    json_is_string(json_object_get(v, "id"))) {
			n = snprintf(path + plen, PATHMAX - plen, "%s", k);
			if (n < 0 || (size_t)n >= PATHMAX - plen)
				return fk_fail(e, FK_ELIMIT, _("path too long"));
			if (fn(ctx, path, v, e) != 0)
				return -1;
		} else if (fk_field_type(x) == FK_T_REPEAT && json_is_array(v)) {
			json_array_foreach(v, i, el) {
				if (!json_is_object(el))
					continue;
				n = snprintf(path + plen, PATHMAX - plen, "%s[%zu].", k, i);
				if (n < 0 || (size_t)n >= PATHMAX - plen)
					return fk_fail(e, FK_ELIMIT, _("path too long"));
				if (each_att(f, el, path, plen + (size_t)n, fn, ctx, e) != 0)
					return -1;
			}
		}
		path[plen] = '\0';
	}
	return 0;
}

/* ---- attachments ---- */

int
fk_entry_attach_pending(fk_entry *x, const char *path, const char *id, const char *name,
    const char *media_type, uint64_t size, fk_secret *key, fk_err *e)
{
	struct att *a;
	json_t *v;

	if (!fk_uuid_valid(id) || key->p == NULL)
		return fk_fail(e, FK_EINPUT, _("not a valid attachment"));
	v = json_pack("{s:s, s:s, s:I, s:s}", "id", id, "media_type", media_type, "size",
	    (json_int_t)size, "name", name);
	if (v == NULL)
		return fk_fail(e, FK_EINPUT, _("the file name is not valid UTF-8"));
	if ((a = att_new(x, e)) == NULL) {
		json_decref(v);
		return -1;
	}
	snprintf(a->id, sizeof a->id, "%s", id);
	a->size = size;
	if ((a->name = strdup(name)) == NULL || (a->media_type = strdup(media_type)) == NULL) {
		att_drop(x, x->natt - 1);
		json_decref(v);
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	}
	if (fk_answers_set(x->f, x->answers, path, v, e) != 0) {
		att_drop(x, x->natt - 1);
		return -1;
	}
	a->key = *key;
	key->p = NULL;
	key->len = 0;
	return 0;
}

int
fk_entry_detach(fk_entry *x, const char *path, fk_err *e)
{
	json_t *v = fk_answers_get(x->f, x->answers, path);

	if (v == NULL)
		return 0;
	return fk_answers_set(x->f, x->answers, path, NULL, e);
}

int
fk_entry_att_open(fk_entry *x, const char *id, fk_entry_src *out, fk_err *e)
{
	struct att *a = att_find(x, id);
	struct stat st;

	memset(out, 0, sizeof *out);
	out->fd = -1;
	if (a == NULL)
		return fk_fail(e, FK_EINPUT, _("no such attachment"));
	if (a->path != NULL) {
		if ((out->fd = open(a->path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(out->fd, &st) != 0) {
			fk_entry_att_close(out);
			return fk_fail(e, FK_EIO, _("cannot open attachment %s: %s"), a->path,
			    strerror(errno));
		}
		out->size = (uint64_t)st.st_size;
		out->media_type = fk_media_type(a->path);
		return 0;
	}
	if (fk_pending_open(x->home, a->id, &a->key, &out->r, e) != 0)
		return -1;
	out->src = fk_pending_source(out->r);
	out->size = a->size;
	out->media_type = a->media_type;
	return 0;
}

void
fk_entry_att_close(fk_entry_src *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	fk_pending_close(s->r);
	s->r = NULL;
}

/* ---- drafts ---- */

struct refs {
	fk_entry *x;
	char (*ids)[FK_UUID_BUF];
	size_t n;
};

static int
ref_add(void *ctx, const char *path, json_t *v, fk_err *e)
{
	struct refs *r = ctx;
	const char *id = json_string_value(json_object_get(v, "id"));

	(void)path;
	if (r->n == FK_ENTRY_MAX_ATT)
		return fk_fail(e, FK_ELIMIT, _("at most %d files per record"), FK_ENTRY_MAX_ATT);
	snprintf(r->ids[r->n++], FK_UUID_BUF, "%s", id);
	return 0;
}

static int
referenced(const struct refs *r, const char *id)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->ids[i], id) == 0)
			return 1;
	return 0;
}

/* The ids the answers name (r->ids is malloc'd). */
static int
collect_refs(fk_entry *x, const json_t *answers, struct refs *r, fk_err *e)
{
	char path[PATHMAX] = "";

	r->x = x;
	r->n = 0;
	if ((r->ids = malloc(FK_ENTRY_MAX_ATT * sizeof *r->ids)) == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	return each_att(x->f, (json_t *)answers, path, 0, ref_add, r, e);
}

/* Forgets (and deletes the files of) attachments the answers no longer name. */
static int
gc(fk_entry *x, fk_err *e)
{
	struct refs r;
	size_t i;
	int rc = 0;

	if (collect_refs(x, x->answers, &r, e) != 0) {
		free(r.ids);
		return -1;
	}
	for (i = x->natt; i-- > 0;) {
		if (referenced(&r, x->att[i].id))
			continue;
		if (x->att[i].path == NULL && fk_pending_remove(x->home, x->att[i].id, e) != 0)
			rc = -1;
		att_drop(x, i);
	}
	free(r.ids);
	return rc;
}

static json_t *
attach_json(fk_entry *x)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < x->natt; i++) {
		struct att *t = &x->att[i];
		json_t *o;
		if (t->path != NULL) {
			o = json_pack("{s:s, s:s}", "path", t->path, "id", t->id);
		} else {
			char hex[2 * FK_PENDING_KEYLEN + 1];
			fk_hex(t->key.p, t->key.len, hex);
			o = json_pack("{s:s, s:s, s:s, s:I, s:s}", "id", t->id, "name", t->name,
			    "media_type", t->media_type, "size", (json_int_t)t->size, "key", hex);
			sodium_memzero(hex, sizeof hex);
		}
		if (o == NULL || json_array_append_new(a, o) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

int
fk_entry_save(fk_entry *x, fk_store *s, const fk_secret *dkey, fk_err *e)
{
	fk_store_draft d;
	fk_secbuf pt = { 0 };
	json_t *j, *att;
	int rc;

	if (gc(x, e) != 0)
		return -1;
	if (fk_entry_count_answers(x->answers) == 0 && x->saved_at == 0)
		return 0; /* nothing to keep: no empty drafts */
	memset(&d, 0, sizeof d);
	memcpy(d.id, x->id, sizeof d.id);
	snprintf(d.form_id, sizeof d.form_id, "%s", fk_form_id(x->f));
	d.form_version = fk_form_version(x->f);
	d.created_at = x->created_at;
	if ((att = attach_json(x)) == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	j = json_pack("{s:i, s:s, s:I, s:O, s:O, s:O, s:o, s:O}", "v", 1, "lang", x->lang,
	    "created_at", (json_int_t)x->created_at, "answers", x->answers, "visited", x->visited,
	    "history", x->history, "attach", att, "face", x->face);
	if (j == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	rc = fk_json_dump_secure(j, &pt, e);
	json_decref(j);
	if (rc == 0)
		rc = fk_draft_save(s, dkey, &d, pt.p, pt.len, e);
	fk_secbuf_free(&pt);
	if (rc == 0)
		x->saved_at = d.saved_at;
	return rc;
}

int
fk_entry_discard(fk_entry *x, fk_store *s, fk_err *e)
{
	size_t i;
	int rc = 0;

	if (fk_store_draft_delete(s, x->id, e) != 0)
		return -1;
	for (i = 0; i < x->natt; i++)
		if (x->att[i].path == NULL && fk_pending_remove(x->home, x->att[i].id, e) != 0)
			rc = -1;
	while (x->natt > 0)
		att_drop(x, x->natt - 1);
	x->saved_at = 0;
	fk_draft_release(&x->hold, x->home, x->id);
	return rc;
}

/* Reads an "attach" element of a draft into x. Unusable elements are skipped. */
static int
load_att(fk_entry *x, json_t *el, fk_err *e)
{
	const char *id = json_string_value(json_object_get(el, "id"));
	const char *path = json_string_value(json_object_get(el, "path"));
	const char *hex = json_string_value(json_object_get(el, "key"));
	const char *name = json_string_value(json_object_get(el, "name"));
	const char *mt = json_string_value(json_object_get(el, "media_type"));
	json_t *size = json_object_get(el, "size");
	struct att *a;

	if (id == NULL || !fk_uuid_valid(id) || att_find(x, id) != NULL)
		return 0;
	if (path == NULL && (hex == NULL || name == NULL || mt == NULL || !json_is_integer(size) ||
	    json_integer_value(size) < 0 || strlen(hex) != 2 * FK_PENDING_KEYLEN))
		return 0;
	if ((a = att_new(x, e)) == NULL)
		return -1;
	snprintf(a->id, sizeof a->id, "%s", id);
	if (path != NULL) {
		if ((a->path = strdup(path)) == NULL)
			goto nomem;
		return 0;
	}
	a->size = (uint64_t)json_integer_value(size);
	if ((a->name = strdup(name)) == NULL || (a->media_type = strdup(mt)) == NULL ||
	    fk_secret_alloc(&a->key, FK_PENDING_KEYLEN, e) != 0)
		goto nomem;
	if (fk_unhex(hex, a->key.p, FK_PENDING_KEYLEN) != 0) {
		att_drop(x, x->natt - 1);
		return 0;
	}
	return 0;
nomem:
	att_drop(x, x->natt - 1);
	return fk_fail(e, FK_ENOMEM, _("out of memory"));
}

static json_t *
open_draft(fk_store *s, const fk_secret *dkey, const char *id, fk_store_draft *d, fk_err *e)
{
	fk_secret pt;
	json_t *j;

	if (fk_draft_load(s, dkey, id, d, &pt, e) != 0)
		return NULL;
	j = json_loadb((const char *)pt.p, pt.len, JSON_REJECT_DUPLICATES, NULL);
	fk_secret_free(&pt);
	if (!json_is_object(j) || !json_is_object(json_object_get(j, "answers"))) {
		json_decref(j);
		fk_fail(e, FK_ECRYPTO, _("draft %s is damaged"), id);
		return NULL;
	}
	return j;
}

int
fk_entry_resume(const fk_form *f, const char *home, fk_store *s, const fk_secret *dkey,
    const char *id, fk_entry **out, fk_err *e)
{
	fk_store_draft d;
	fk_entry *x;
	json_t *j, *v, *el;
	size_t i;

	*out = NULL;
	if ((j = open_draft(s, dkey, id, &d, e)) == NULL)
		return -1;
	if (strcmp(d.form_id, fk_form_id(f)) != 0 || d.form_version != fk_form_version(f)) {
		json_decref(j);
		return fk_fail(e, FK_ESTATE, _("draft %s is for form %s version %d"), id, d.form_id,
		    d.form_version);
	}
	if ((x = entry_alloc(f, home, e)) == NULL) {
		json_decref(j);
		return -1;
	}
	memcpy(x->id, d.id, sizeof x->id);
	if (entry_hold(x, e) != 0) {
		json_decref(j);
		return -1;
	}
	x->created_at = d.created_at;
	x->saved_at = d.saved_at;
	json_decref(x->answers);
	x->answers = json_incref(json_object_get(j, "answers"));
	if (json_is_object(v = json_object_get(j, "visited"))) {
		json_decref(x->visited);
		x->visited = json_incref(v);
	}
	if (json_is_array(v = json_object_get(j, "history"))) {
		json_decref(x->history);
		x->history = json_incref(v);
	}
	if (json_is_object(v = json_object_get(j, "face"))) {
		json_decref(x->face);
		x->face = json_incref(v);
	}
	fk_entry_set_lang(x, json_string_value(json_object_get(j, "lang")));
	json_array_foreach(json_object_get(j, "attach"), i, el) {
		if (load_att(x, el, e) != 0) {
			json_decref(j);
			fk_entry_free(x);
			return -1;
		}
	}
	json_decref(j);
	*out = x;
	return 0;
}

int
fk_entry_draft_peek(fk_store *s, const fk_secret *dkey, const char *id,
    int (*fn)(void *ctx, const char *att_id), void *ctx, size_t *answered, fk_err *e)
{
	fk_store_draft d;
	json_t *j, *el;
	size_t i;
	int rc = 0;

	if ((j = open_draft(s, dkey, id, &d, e)) == NULL)
		return -1;
	if (answered != NULL)
		*answered = fk_entry_count_answers(json_object_get(j, "answers"));
	json_array_foreach(json_object_get(j, "attach"), i, el) {
		const char *aid = json_string_value(json_object_get(el, "id"));
		if (fn != NULL && aid != NULL && json_object_get(el, "key") != NULL &&
		    (rc = fn(ctx, aid)) != 0)
			break;
	}
	json_decref(j);
	return rc < 0 ? -1 : 0;
}

/* ---- review and seal ---- */

struct attcheck {
	fk_entry *x;
	fk_issues *is;
};

static int
att_present(void *ctx, const char *path, json_t *ans, fk_err *e)
{
	struct attcheck *c = ctx;
	const char *id = json_string_value(json_object_get(ans, "id"));
	fk_issue *v;

	if (att_find(c->x, id) != NULL)
		return 0;
	if (c->is->n == FK_ISSUES_MAX) {
		c->is->dropped++;
		return 0;
	}
	if (c->is->n == c->is->cap) {
		size_t cap = c->is->cap ? 2 * c->is->cap : 8;
		if ((v = realloc(c->is->v, cap * sizeof *v)) == NULL)
			return fk_fail(e, FK_ENOMEM, _("out of memory"));
		c->is->v = v;
		c->is->cap = cap;
	}
	v = &c->is->v[c->is->n];
	v->code = "invalid_attachment";
	v->path = strdup(path);
	v->msg = strdup(_("the file of this answer is not on this device: attach it again"));
	if (v->path == NULL || v->msg == NULL) {
		free(v->path);
		free(v->msg);
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	}
	c->is->n++;
	return 0;
}

int
fk_entry_review(fk_entry *x, const fk_vopts *o, fk_review *rv, fk_err *e)
{
	struct attcheck c = { x, &rv->issues };
	char path[PATHMAX] = "";
	uint8_t h[32];
	fk_secbuf js = { 0 };

	memset(rv, 0, sizeof *rv);
	if ((rv->answers = json_deep_copy(x->answers)) == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	if (fk_form_build(x->f, rv->answers, o, e) != 0 ||
	    fk_form_validate(x->f, rv->answers, o, &rv->issues, e) != 0 ||
	    each_att(x->f, rv->answers, path, 0, att_present, &c, e) != 0 ||
	    fk_json_dump_secure(rv->answers, &js, e) != 0) {
		fk_secbuf_free(&js);
		fk_review_free(rv);
		return -1;
	}
	crypto_hash_sha256(h, js.p, js.len);
	fk_secbuf_free(&js);
	fk_hex(h, sizeof h, rv->digest);
	return 0;
}

void
fk_review_free(fk_review *rv)
{
	json_decref(rv->answers);
	rv->answers = NULL;
	fk_issues_free(&rv->issues);
}

struct sealing {
	fk_entry *x;
	fk_attach_in *in;
	fk_pending_r **rd;
	size_t n;
};

static int
att_in(void *ctx, const char *path, json_t *v, fk_err *e)
{
	struct sealing *s = ctx;
	struct att *a = att_find(s->x, json_string_value(json_object_get(v, "id")));
	fk_attach_in *in = &s->in[s->n];

	if (a == NULL)
		return fk_fail(e, FK_EINPUT, _("%s: the file is not on this device"), path);
	if (s->n == FK_ENTRY_MAX_ATT)
		return fk_fail(e, FK_ELIMIT, _("at most %d files per record"), FK_ENTRY_MAX_ATT);
	memset(in, 0, sizeof *in);
	if ((in->field = strdup(path)) == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	s->n++;
	snprintf(in->id, sizeof in->id, "%s", a->id);
	if (a->path != NULL) {
		in->path = a->path;
		return 0;
	}
	if (fk_pending_open(s->x->home, a->id, &a->key, &s->rd[s->n - 1], e) != 0)
		return -1;
	in->src = fk_pending_source(s->rd[s->n - 1]);
	in->size = a->size;
	in->name = a->name;
	in->media_type = a->media_type;
	return 0;
}

int
fk_entry_seal(fk_entry *x, fk_finalizer *fin, const fk_vopts *o, const char *digest,
    fk_record_out *out, fk_err *e)
{
	struct sealing s = { x, NULL, NULL, 0 };
	char path[PATHMAX] = "";
	fk_review rv;
	fk_record_in in;
	size_t i;
	int rc = -1;

	if (fk_entry_review(x, o, &rv, e) != 0)
		return -1;
	if (rv.issues.n > 0 || rv.issues.dropped > 0) {
		fk_fail(e, FK_EINPUT, _("the record has %zu problems: see the review"),
		    rv.issues.n + rv.issues.dropped);
		goto out;
	}
	if (digest == NULL || strcmp(digest, rv.digest) != 0) {
		fk_fail(e, FK_ESTATE, _("the answers changed since the review: review them again"));
		goto out;
	}
	s.in = calloc(FK_ENTRY_MAX_ATT, sizeof *s.in);
	s.rd = calloc(FK_ENTRY_MAX_ATT, sizeof *s.rd);
	if (s.in == NULL || s.rd == NULL) {
		fk_fail(e, FK_ENOMEM, _("out of memory"));
		goto out;
	}
	if (each_att(x->f, rv.answers, path, 0, att_in, &s, e) != 0)
		goto out;
	memset(&in, 0, sizeof in);
	in.form_id = fk_form_id(x->f);
	in.form_version = fk_form_version(x->f);
	in.answers = rv.answers;
	in.created_at = x->created_at;
	in.att = s.in;
	in.natt = s.n;
	in.draft_id = x->id;
	if (fk_finalize_one(fin, &in, out, e) != 0)
		goto out;
	rc = 0;
out:
	for (i = 0; i < s.n; i++) {
		free((char *)s.in[i].field);
		fk_pending_close(s.rd[i]);
	}
	free(s.in);
	free(s.rd);
	fk_review_free(&rv);
	if (rc == 0) {
		/* Sealed: the pending files (their keys go with x) are of no more use. */
		for (i = 0; i < x->natt; i++)
			if (x->att[i].path == NULL)
				(void)!fk_pending_remove(x->home, x->att[i].id, NULL);
		while (x->natt > 0)
			att_drop(x, x->natt - 1);
		x->saved_at = 0;
		fk_draft_release(&x->hold, x->home, x->id);
	}
	return rc;
}
