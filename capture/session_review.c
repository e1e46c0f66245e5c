/*
 * session_review.c - the review, finalizing and drafts of a capture session
 * (see session.h; the state and the flow are session.c's).
 */
#include "session_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "attach.h"
#include "draft.h"
#include "pending.h"

/* ---- public: review ---- */

struct rowbuild {
	fk_review_rows *r;
	size_t cap;
	size_t *voff, *poff;   /* offsets of value/problem texts and paths, fixed up at the end */
	size_t *prob;          /* offsets of problem texts, (size_t)-1 = none */
	fk_buf paths;
};

#define NO_TEXT ((size_t)-1)

static int
row_add(struct rowbuild *b, enum fk_row_kind k, const fk_question *q, const char *path,
    fk_err *e)
{
	fk_review_rows *r = b->r;

	if (r->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		void *v = realloc(r->v, cap * sizeof *r->v), *o, *p, *pr;
		if (v == NULL)
			return fk_ss_oom(e);
		r->v = v;
		o = realloc(b->voff, cap * sizeof *b->voff);
		if (o == NULL)
			return fk_ss_oom(e);
		b->voff = o;
		p = realloc(b->poff, cap * sizeof *b->poff);
		if (p == NULL)
			return fk_ss_oom(e);
		b->poff = p;
		pr = realloc(b->prob, cap * sizeof *b->prob);
		if (pr == NULL)
			return fk_ss_oom(e);
		b->prob = pr;
		b->cap = cap;
	}
	memset(&r->v[r->n], 0, sizeof r->v[r->n]);
	r->v[r->n].kind = k;
	r->v[r->n].field = q->field;
	r->v[r->n].depth = q->depth;
	b->voff[r->n] = NO_TEXT;
	b->prob[r->n] = NO_TEXT;
	b->poff[r->n] = b->paths.len;
	if (fk_buf_append(&b->paths, path, strlen(path) + 1, e) != 0)
		return -1;
	r->n++;
	return 0;
}

/* Renders v for the last row into the review's text store. */
static int
row_value(fk_session *s, struct rowbuild *b, const fk_field *x, const json_t *v, fk_err *e)
{
	fk_secbuf t = { 0 };
	int rc;

	if (v == NULL)
		return 0;
	if (fk_session_value_text(s, x, v, &t, e) != 0) {
		fk_secbuf_free(&t);
		return -1;
	}
	b->voff[b->r->n - 1] = b->r->text.len;
	rc = fk_secbuf_append(&b->r->text, t.p, t.len + 1, e);
	fk_secbuf_free(&t);
	return rc;
}

static long
step_number(const fk_session *s, const char *key)
{
	long i = fk_ss_flow_find(s, key);

	return i < 0 ? 0 : (long)s->flow[i].number;
}

/* An entry's heading row when q is the first row seen of a new entry of an open repeat. */
static int
entry_rows(fk_session *s, struct rowbuild *b, const fk_question **open, long *last, size_t nopen,
    const fk_question *q, fk_err *e)
{
	char ep[KEY_MAX];
	size_t k, n;
	char *end;

	for (k = 0; k < nopen; k++) {
		n = strlen(open[k]->path);
		if (!fk_ss_is_under(q->path, open[k]->path))
			continue;
		{
			long idx = strtol(q->path + n + 1, &end, 10);
			if (idx == last[k])
				continue;
			last[k] = idx;
			snprintf(ep, sizeof ep, "%.*s", (int)(end + 1 - q->path), q->path);
			if (row_add(b, FK_ROW_ENTRY, open[k], ep, e) != 0)
				return -1;
			b->r->v[b->r->n - 1].index = (size_t)idx;
			b->r->v[b->r->n - 1].count = fk_ss_entries(s, open[k]->path);
			b->r->v[b->r->n - 1].depth = open[k]->depth;
		}
	}
	return 0;
}

static int
add_row(fk_session *s, struct rowbuild *b, const fk_question *r, fk_err *e)
{
	char key[KEY_MAX];
	long min, max;

	fk_field_repeat_bounds(r->field, &min, &max);
	if (row_add(b, FK_ROW_ADD, r, r->path, e) != 0)
		return -1;
	snprintf(key, sizeof key, "%s%s", r->path, ADD_SUFFIX);
	b->r->v[b->r->n - 1].number = (size_t)step_number(s, key);
	b->r->v[b->r->n - 1].count = fk_ss_entries(s, r->path);
	b->r->v[b->r->n - 1].depth = r->depth;
	return 0;
}

/* Every leaf answer of the built record must have a row: else it would be sealed unseen. */
static int
check_shown(const fk_form *f, const json_t *obj, const char *prefix, const json_t *shown,
    fk_issues *is, fk_err *e)
{
	char path[KEY_MAX];
	const char *k;
	json_t *v, *el;
	size_t i;

	json_object_foreach((json_t *)obj, k, v) {
		const fk_field *x = fk_form_find(f, k);
		snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", k);
		if (x != NULL && fk_field_type(x) == FK_T_REPEAT && json_is_array(v)) {
			json_array_foreach(v, i, el) {
				char sub[KEY_MAX + 32];
				snprintf(sub, sizeof sub, "%s[%zu]", path, i);
				if (json_is_object(el) && check_shown(f, el, sub, shown, is, e) != 0)
					return -1;
			}
			continue;
		}
		if (json_object_get(shown, path) == NULL &&
		    fk_issue_add(is, path, "not_shown", e, "%s",
		    _("this answer would be sealed without being shown: review again")) != 0)
			return -1;
	}
	return 0;
}

void
fk_review_rows_free(fk_review_rows *r)
{
	if (r == NULL)
		return;
	free(r->v);
	free(r->paths);
	fk_issues_free(&r->issues);
	fk_secbuf_free(&r->text);
	memset(r, 0, sizeof *r);
}

int
fk_session_review(fk_session *s, fk_review_rows *r, fk_err *e)
{
	fk_vopts o = fk_ss_vopts(s);
	fk_questions q = { 0 };
	struct rowbuild b;
	const fk_question *open[FK_SESSION_NEST * 2 + 2];
	long last[FK_SESSION_NEST * 2 + 2];
	size_t nopen = 0, i, j;
	json_t *shown = NULL;
	int rc = -1, skip;

	memset(r, 0, sizeof *r);
	memset(&b, 0, sizeof b);
	b.r = r;
	if (fk_ss_flow_update(s, e) != 0)
		return -1;
	s->have_review = 0;
	json_decref(s->built);
	fk_issues_free(&s->built_issues);
	memset(&s->built_issues, 0, sizeof s->built_issues);
	if ((s->built = json_deep_copy(s->answers)) == NULL)
		return fk_ss_oom(e);
	if (fk_form_build(s->c.form, s->built, &o, e) != 0 ||
	    fk_form_validate(s->c.form, s->built, &o, &r->issues, e) != 0 ||
	    fk_form_visible(s->c.form, s->built, &o, &q, e) != 0)
		goto out;
	if ((shown = json_object()) == NULL) {
		fk_ss_oom(e);
		goto out;
	}
	for (i = 0; i < q.n; i++) {
		const fk_question *x = &q.v[i];
		enum fk_ftype t = fk_field_type(x->field);
		const json_t *v;
		while (nopen > 0 && !fk_ss_is_under(x->path, open[nopen - 1]->path))
			if (add_row(s, &b, open[--nopen], e) != 0)
				goto out;
		if (entry_rows(s, &b, open, last, nopen, x, e) != 0)
			goto out;
		if (t == FK_T_NOTE)
			continue;
		if (t == FK_T_GROUP) {
			if (row_add(&b, FK_ROW_GROUP, x, x->path, e) != 0)
				goto out;
			continue;
		}
		if (t == FK_T_REPEAT) {
			if (nopen == sizeof open / sizeof open[0]) {
				fk_fail(e, FK_ELIMIT, _("the form's repeats nest too deep"));
				goto out;
			}
			last[nopen] = -1;
			open[nopen++] = x;
			continue;
		}
		v = fk_answers_get(s->c.form, s->built, x->path);
		/* A Latin question not asked (its Cyrillic is empty) and empty: no row. */
		if (v == NULL && !x->readonly && fk_ss_flow_find(s, x->path) < 0 &&
		    fk_ss_skipped_latin(s, x, &skip, e) == 0 && skip)
			continue;
		if (row_add(&b, x->readonly ? FK_ROW_CALCULATED : FK_ROW_ANSWER, x, x->path, e) != 0 ||
		    row_value(s, &b, x->field, v, e) != 0)
			goto out;
		if (!x->readonly)
			r->v[r->n - 1].number = (size_t)step_number(s, x->path);
		if (json_object_set_new(shown, x->path, json_true()) != 0) {
			fk_ss_oom(e);
			goto out;
		}
	}
	while (nopen > 0)
		if (add_row(s, &b, open[--nopen], e) != 0)
			goto out;
	if (check_shown(s->c.form, s->built, "", shown, &r->issues, e) != 0)
		goto out;
	/* The first problem of each row, rendered next to its answer. */
	for (i = 0; i < r->issues.n; i++)
		for (j = 0; j < r->n; j++) {
			const char *rp = (const char *)b.paths.p + b.poff[j];
			if (b.prob[j] == NO_TEXT && strcmp(rp, r->issues.v[i].path) == 0) {
				b.prob[j] = r->text.len;
				if (fk_secbuf_append(&r->text, r->issues.v[i].msg,
				    strlen(r->issues.v[i].msg) + 1, e) != 0)
					goto out;
				break;
			}
		}
	for (j = 0; j < s->nflow; j++)
		r->unseen += fk_ss_answerable(&s->flow[j]) && !fk_ss_seen(s, s->flow[j].key);
	/* Offsets become pointers now that the stores no longer move. */
	r->paths = (char *)b.paths.p;
	b.paths.p = NULL;
	for (j = 0; j < r->n; j++) {
		r->v[j].path = r->paths + b.poff[j];
		r->v[j].value = b.voff[j] == NO_TEXT ? NULL : (const char *)r->text.p + b.voff[j];
		r->v[j].problem = b.prob[j] == NO_TEXT ? NULL : (const char *)r->text.p + b.prob[j];
	}
	/* Keep the built record and its problems for finalizing. */
	for (i = 0; i < r->issues.n; i++)
		if (fk_issue_add(&s->built_issues, r->issues.v[i].path, r->issues.v[i].code, e, "%s",
		    r->issues.v[i].msg) != 0)
			goto out;
	s->built_issues.dropped = r->issues.dropped;
	s->review_gen = s->gen;
	s->have_review = 1;
	rc = 0;
out:
	json_decref(shown);
	fk_questions_free(&q);
	fk_buf_free(&b.paths);
	free(b.voff);
	free(b.poff);
	free(b.prob);
	if (rc != 0)
		fk_review_rows_free(r);
	return rc;
}

/* ---- public: finalize ---- */

/* The files of the built record's attachment answers, opened for sealing. */
struct sealing {
	fk_attach_in *in;
	fk_pending_r **rd;
	char **fields;
	size_t n, cap;
};

static void
sealing_free(struct sealing *g)
{
	size_t i;

	for (i = 0; i < g->n; i++) {
		free(g->fields[i]);
		fk_pending_close(g->rd[i]);
	}
	free(g->in);
	free(g->rd);
	free(g->fields);
	memset(g, 0, sizeof *g);
}

/* One attachment answer at path: its file on disk, or its pending file (the page's). */
static int
seal_one(fk_session *s, const char *path, const json_t *v, void *ctx, fk_err *e)
{
	struct sealing *g = ctx;
	const char *id = json_string_value(json_object_get(v, "id"));
	json_t *f = id ? json_object_get(s->files, id) : NULL, *pend = json_object_get(f, "pending");
	const char *file = json_string_value(json_object_get(f, "path"));
	fk_attach_in *in;

	if (file == NULL && pend == NULL)
		return fk_fail(e, FK_ESTATE,
		    _("the file of the answer at %s is not known here: attach it again"), path);
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 8;
		fk_attach_in *ni = realloc(g->in, cap * sizeof *ni);
		fk_pending_r **nr;
		char **nf;
		if (ni == NULL)
			return fk_ss_oom(e);
		g->in = ni;
		if ((nr = realloc(g->rd, cap * sizeof *nr)) == NULL)
			return fk_ss_oom(e);
		g->rd = nr;
		if ((nf = realloc(g->fields, cap * sizeof *nf)) == NULL)
			return fk_ss_oom(e);
		g->fields = nf;
		g->cap = cap;
	}
	in = &g->in[g->n];
	memset(in, 0, sizeof *in);
	g->rd[g->n] = NULL;
	if ((g->fields[g->n] = strdup(path)) == NULL)
		return fk_ss_oom(e);
	in->field = g->fields[g->n];
	snprintf(in->id, sizeof in->id, "%s", id);
	g->n++;
	if (file != NULL) {
		in->path = file;
		in->sha256 = json_string_value(json_object_get(f, "sha256"));
		return 0;
	}
	{
		fk_secret key = { 0 };
		const char *hex = json_string_value(json_object_get(pend, "key"));
		int rc;
		if (s->c.home == NULL)
			return fk_fail(e, FK_ESTATE,
			    _("the file of the answer at %s was taken in the app: seal it there"), path);
		if (hex == NULL || strlen(hex) != 2 * FK_PENDING_KEYLEN ||
		    fk_secret_alloc(&key, FK_PENDING_KEYLEN, e) != 0)
			return hex == NULL ? fk_fail(e, FK_ECRYPTO, _("draft %.8s is damaged"),
			    s->draft_id) : -1;
		rc = fk_unhex(hex, key.p, FK_PENDING_KEYLEN) == 0 ?
		    fk_pending_open(s->c.home, id, &key, &g->rd[g->n - 1], e) :
		    fk_fail(e, FK_ECRYPTO, _("draft %.8s is damaged"), s->draft_id);
		fk_secret_free(&key);
		if (rc != 0)
			return -1;
		in->src = fk_pending_source(g->rd[g->n - 1]);
		in->size = (uint64_t)json_integer_value(json_object_get(pend, "size"));
		in->name = json_string_value(json_object_get(pend, "name"));
		in->media_type = json_string_value(json_object_get(pend, "media_type"));
		return 0;
	}
}

/* Calls fn for every attachment answer of a record (object obj at prefix). */
static int
each_attachment(fk_session *s, const json_t *obj, const char *prefix,
    int (*fn)(fk_session *s, const char *path, const json_t *v, void *ctx, fk_err *e),
    void *ctx, fk_err *e)
{
	char path[KEY_MAX];
	const char *k;
	json_t *v, *el;
	size_t i;

	json_object_foreach((json_t *)obj, k, v) {
		const fk_field *x = fk_form_find(s->c.form, k);
		snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", k);
		if (x == NULL)
			continue;
		if (fk_field_type(x) == FK_T_REPEAT && json_is_array(v)) {
			json_array_foreach(v, i, el) {
				char sub[KEY_MAX + 32];
				snprintf(sub, sizeof sub, "%s[%zu]", path, i);
				if (json_is_object(el) && each_attachment(s, el, sub, fn, ctx, e) != 0)
					return -1;
			}
		} else if (fk_field_type(x) == FK_T_ATTACHMENT && fn(s, path, v, ctx, e) != 0) {
			return -1;
		}
	}
	return 0;
}

int
fk_session_finalize(fk_session *s, fk_record_out *out, fk_err *e)
{
	struct sealing g;
	fk_record_in in;
	const char *k;
	json_t *v;
	int rc = -1;

	memset(&g, 0, sizeof g);
	if (s->c.fin == NULL)
		return fk_fail(e, FK_ESTATE, _("this session cannot seal records"));
	if (!s->have_review || s->built == NULL || s->review_gen != s->gen)
		return fk_fail(e, FK_ESTATE,
		    _("the answers changed since the review: review them again before sealing"));
	if (s->built_issues.n > 0 || s->built_issues.dropped > 0)
		return fk_fail(e, FK_EINPUT, _("the record has %zu problems: fix them before sealing"),
		    s->built_issues.n + s->built_issues.dropped);
	if (each_attachment(s, s->built, "", seal_one, &g, e) != 0)
		goto out;
	memset(&in, 0, sizeof in);
	in.form_id = fk_form_id(s->c.form);
	in.form_version = fk_form_version(s->c.form);
	in.answers = s->built;
	in.created_at = s->created_at;
	in.att = g.in;
	in.natt = g.n;
	in.draft_id = s->draft_id[0] ? s->draft_id : NULL;
	if (fk_finalize_one(s->c.fin, &in, out, e) != 0)
		goto out;
	/* Sealed: pending files (taken in the app) are of no more use. */
	json_object_foreach(s->files, k, v)
		if (json_object_get(v, "pending") != NULL && s->c.home != NULL)
			(void)!fk_pending_remove(s->c.home, k, NULL);
	fk_draft_release(&s->hold, s->c.home, s->draft_id);
	s->draft_id[0] = '\0';
	s->dirty = 0;
	rc = 0;
out:
	sealing_free(&g);
	return rc;
}

/* ---- public: drafts ---- */

void
fk_session_progress(fk_session *s, size_t *answered, size_t *total)
{
	fk_err e = { 0 };
	size_t i;

	*answered = *total = 0;
	if (fk_ss_flow_update(s, &e) != 0)
		return;
	for (i = 0; i < s->nflow; i++)
		if (s->flow[i].kind == FK_STEP_QUESTION) {
			(*total)++;
			*answered += fk_answers_get(s->c.form, s->answers, s->flow[i].key) != NULL;
		}
}

/* The draft's "attach": each file an answer still names (at its path). */
static int
attach_el(fk_session *s, const char *path, const json_t *v, void *ctx, fk_err *e)
{
	const char *id = json_string_value(json_object_get(v, "id"));
	json_t *f = id ? json_object_get(s->files, id) : NULL, *arr = ctx, *el;

	if (f == NULL)
		return 0;
	if (json_object_get(f, "pending") != NULL)
		el = json_deep_copy(json_object_get(f, "pending"));
	else
		el = json_pack("{s:s, s:s, s:O, s:O?}", "field", path, "id", id, "path",
		    json_object_get(f, "path"), "sha256", json_object_get(f, "sha256"));
	if (el == NULL || json_array_append_new(arr, el) != 0)
		return fk_ss_oom(e);
	return 0;
}

int
fk_session_save(fk_session *s, fk_err *e)
{
	fk_store_draft d;
	fk_secbuf pt = { 0 };
	json_t *j = NULL, *att = NULL;
	size_t answered, total, at;
	int rc = -1;

	if (s->c.store == NULL || s->c.draft_key == NULL)
		return fk_fail(e, FK_ESTATE, _("drafts cannot be saved here (no draft key)"));
	if (fk_ss_flow_update(s, e) != 0)
		return -1;
	/* Only the files of answers still given go with the draft. */
	if ((att = json_array()) == NULL)
		return fk_ss_oom(e);
	if (each_attachment(s, s->answers, "", attach_el, att, e) != 0)
		goto out;
	memset(&d, 0, sizeof d);
	if (s->draft_id[0] == '\0') {
		fk_uuid(s->draft_id);
		/* a new id: nobody else has it; held so that no other face opens it */
		if (s->c.home != NULL && fk_draft_hold(s->c.home, s->draft_id, &s->hold, e) != 0) {
			s->draft_id[0] = '\0';
			goto out;
		}
	}
	memcpy(d.id, s->draft_id, sizeof d.id);
	snprintf(d.form_id, sizeof d.form_id, "%s", fk_form_id(s->c.form));
	d.form_version = fk_form_version(s->c.form);
	d.created_at = s->created_at;
	fk_session_progress(s, &answered, &total);
	d.answered = (int)answered;
	d.total = (int)total;
	at = fk_ss_cur_index(s);
	if (at < s->nflow)
		snprintf(d.at, sizeof d.at, "%s", s->flow[at].kind == FK_STEP_ADD ?
		    s->flow[at].q->path : s->flow[at].key);
	/* The format every face reads (docs/device-store.md, "Drafts"). */
	j = json_pack("{s:i, s:s, s:I, s:O, s:O, s:O, s:O, s:O, s:s?, s:b}", "v", 1, "lang",
	    s->lang, "created_at", (json_int_t)s->created_at, "answers", s->answers, "visited",
	    s->seen, "history", s->history, "attach", att, "face", s->face, "cursor", s->cursor,
	    "jumped", s->jumped);
	if (j == NULL) {
		fk_ss_oom(e);
		goto out;
	}
	rc = fk_json_dump_secure(j, &pt, e);
	if (rc == 0)
		rc = fk_draft_save(s->c.store, s->c.draft_key, &d, pt.p, pt.len, e);
	if (rc == 0)
		s->dirty = 0;
out:
	fk_secbuf_free(&pt);
	json_decref(j);
	json_decref(att);
	return rc;
}

const char *
fk_session_draft_id(const fk_session *s)
{
	return s->draft_id;
}

int
fk_session_changed(const fk_session *s)
{
	return s->dirty;
}

/*
 * A draft in the format every face writes: visited (the steps seen; the old
 * wizard's "P#done" is "P#add", its "P#n" nothing), attach (files on disk by
 * path, pending files with their keys), history and face kept as they are.
 */
static int
load_draft(fk_session *s, json_t *j, fk_err *e)
{
	json_t *vis = json_object_get(j, "visited"), *at = json_object_get(j, "attach"), *el, *v;
	const char *k, *cur = json_string_value(json_object_get(j, "cursor"));
	size_t i;

	json_object_foreach(vis, k, v) {
		const char *hash = strrchr(k, '#');
		char key[KEY_MAX];
		if (hash == NULL || strcmp(hash, ADD_SUFFIX) == 0)
			snprintf(key, sizeof key, "%s", k);
		else if (strcmp(hash, "#done") == 0)
			snprintf(key, sizeof key, "%.*s%s", (int)(hash - k), k, ADD_SUFFIX);
		else
			continue;
		if (fk_ss_mark_seen(s, key, e) != 0)
			return -1;
	}
	json_array_foreach(at, i, el) {
		const char *id = json_string_value(json_object_get(el, "id"));
		const char *p = json_string_value(json_object_get(el, "path"));
		json_t *f = NULL;
		if (id == NULL)
			continue;
		if (p != NULL)
			f = json_pack("{s:s, s:O?}", "path", p, "sha256", json_object_get(el, "sha256"));
		else if (json_is_string(json_object_get(el, "key")))
			f = json_pack("{s:O}", "pending", el);
		else
			continue;
		if (f == NULL || json_object_set_new(s->files, id, f) != 0)
			return fk_ss_oom(e);
	}
	if (json_is_array(v = json_object_get(j, "history"))) {
		json_decref(s->history);
		s->history = json_incref(v);
	}
	if (json_is_object(v = json_object_get(j, "face"))) {
		json_decref(s->face);
		s->face = json_incref(v);
	}
	if (cur != NULL && fk_ss_set_cursor(s, cur, e) != 0)
		return -1;
	s->jumped = json_is_true(json_object_get(j, "jumped"));
	return 0;
}

int
fk_session_resume(const fk_session_cfg *c, const char *id, fk_session **sp, fk_err *e)
{
	fk_session *s;
	fk_store_draft d;
	fk_secret pt = { 0 };
	char full[FK_UUID_BUF];
	json_t *j = NULL, *a, *l;
	int rc = -1;

	*sp = NULL;
	if (c->store == NULL || c->draft_key == NULL)
		return fk_fail(e, FK_ESTATE, _("drafts cannot be opened here (no draft key)"));
	if (fk_draft_find(c->store, id, full, e) != 0)
		return -1;
	if (fk_ss_session_init(c, &s, e) != 0)
		return -1;
	if (c->home != NULL && fk_draft_hold(c->home, full, &s->hold, e) != 0)
		goto out;
	if (fk_draft_load(c->store, c->draft_key, full, &d, &pt, e) != 0)
		goto out;
	if (strcmp(d.form_id, fk_form_id(c->form)) != 0 || d.form_version != fk_form_version(c->form)) {
		fk_fail(e, FK_ESTATE, _("draft %.8s is for form %s version %d"), full, d.form_id,
		    d.form_version);
		goto out;
	}
	j = json_loadb((const char *)pt.p, pt.len, 0, NULL);
	a = json_object_get(j, "answers");
	if (!json_is_object(a)) {
		fk_fail(e, FK_ECRYPTO, _("draft %.8s is damaged"), full);
		goto out;
	}
	json_decref(s->answers);
	s->answers = json_incref(a);
	if (load_draft(s, j, e) != 0)
		goto out;
	l = json_object_get(j, "lang");
	if (c->lang == NULL && json_is_string(l) && fk_form_has_lang(c->form, json_string_value(l)))
		snprintf(s->lang, sizeof s->lang, "%s", json_string_value(l));
	s->created_at = d.created_at;
	memcpy(s->draft_id, d.id, sizeof s->draft_id);
	if (s->cursor == NULL && fk_ss_flow_update(s, e) == 0) {
		/* A draft without a cursor: where the first unseen step is. */
		long u = fk_ss_first_unseen(s, 0);
		if (fk_ss_goto_index(s, u < 0 ? s->nflow : (size_t)u, e) != 0)
			goto out;
	}
	s->gen++;
	s->dirty = 0;
	rc = 0;
out:
	json_decref(j);
	if (pt.p != NULL)
		fk_secret_free(&pt);
	if (rc != 0)
		fk_session_free(s);
	else
		*sp = s;
	return rc;
}

struct findctx {
	const char *want;
	size_t n, hits;
	char id[FK_UUID_BUF];
	int exact;
};

static int
find_one(void *ctx, const fk_store_draft *d, fk_err *e)
{
	struct findctx *f = ctx;

	(void)e;
	if (strcmp(d->id, f->want) == 0) {
		memcpy(f->id, d->id, sizeof f->id);
		f->exact = 1;
		return 1;
	}
	if (strncasecmp(d->id, f->want, f->n) == 0) {
		if (f->hits++ == 0)
			memcpy(f->id, d->id, sizeof f->id);
	}
	return 0;
}

int
fk_draft_find(fk_store *s, const char *id, char out[FK_UUID_BUF], fk_err *e)
{
	struct findctx f;

	memset(&f, 0, sizeof f);
	f.want = id;
	f.n = strlen(id);
	out[0] = '\0';
	if (f.n == 0 || f.n >= FK_UUID_BUF)
		return fk_fail(e, FK_EINPUT, _("no draft %.40s (see: fieldkit drafts)"), id);
	if (fk_store_each_draft(s, find_one, &f, e) != 0)
		return -1;
	if (!f.exact && f.n < MIN_PREFIX)
		return fk_fail(e, FK_EUSAGE, _("give at least %d characters of the draft id"),
		    MIN_PREFIX);
	if (!f.exact && f.hits == 0)
		return fk_fail(e, FK_EINPUT, _("no draft %.40s (see: fieldkit drafts)"), id);
	if (!f.exact && f.hits > 1)
		return fk_fail(e, FK_EUSAGE,
		    _("%.40s is the beginning of %zu drafts' ids: give more of it"), id, f.hits);
	memcpy(out, f.id, FK_UUID_BUF);
	return 0;
}

void
fk_form_path_label(const fk_form *f, const char *path, const char *lang, char *out, size_t cap)
{
	const char *p = path;
	size_t o = 0;
	char name[128];

	out[0] = '\0';
	while (*p && o + 1 < cap) {
		size_t n = strcspn(p, ".[#");
		const fk_field *x;
		int w;
		snprintf(name, sizeof name, "%.*s", (int)(n < sizeof name ? n : sizeof name - 1), p);
		x = fk_form_find(f, name);
		p += n;
		w = snprintf(out + o, cap - o, "%s%s", o ? " \xe2\x80\xba " : "",
		    x ? fk_field_label(x, lang) : name);
		o = w < 0 ? o : o + (size_t)w >= cap ? cap - 1 : o + (size_t)w;
		if (*p == '[') {
			unsigned long k = strtoul(p + 1, NULL, 10);
			w = snprintf(out + o, cap - o, " %lu", k + 1);
			o = w < 0 ? o : o + (size_t)w >= cap ? cap - 1 : o + (size_t)w;
			p = strchr(p, ']');
			if (p == NULL)
				break;
			p++;
		}
		if (*p == '#')
			break;
		if (*p == '.')
			p++;
	}
}
