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

/* ---- public: review ---- */

struct rowbuild {
	fk_review *r;
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
	fk_review *r = b->r;

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
fk_review_free(fk_review *r)
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
fk_session_review(fk_session *s, fk_review *r, fk_err *e)
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
		fk_review_free(r);
	return rc;
}

/* ---- public: finalize ---- */

/* The attachment answers of the built record, with the files behind them. */
static int
collect_files(fk_session *s, const json_t *obj, const char *prefix, fk_attach_in **att,
    size_t *n, char ***paths, fk_err *e)
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
				if (json_is_object(el) &&
				    collect_files(s, el, sub, att, n, paths, e) != 0)
					return -1;
			}
			continue;
		}
		if (fk_field_type(x) == FK_T_ATTACHMENT) {
			const char *id = json_string_value(json_object_get(v, "id"));
			json_t *f = id ? json_object_get(s->files, id) : NULL;
			const char *file = json_string_value(json_object_get(f, "path"));
			fk_attach_in *na;
			char **np;
			if (file == NULL)
				return fk_fail(e, FK_ESTATE,
				    _("the file of the answer at %s is not known here: attach it again"),
				    path);
			na = realloc(*att, (*n + 1) * sizeof **att);
			if (na == NULL)
				return fk_ss_oom(e);
			*att = na;
			np = realloc(*paths, (*n + 1) * 2 * sizeof **paths);
			if (np == NULL)
				return fk_ss_oom(e);
			*paths = np;
			memset(&na[*n], 0, sizeof na[*n]);
			np[*n * 2] = strdup(path);
			np[*n * 2 + 1] = strdup(file);
			if (np[*n * 2] == NULL || np[*n * 2 + 1] == NULL) {
				free(np[*n * 2]);
				free(np[*n * 2 + 1]);
				return fk_ss_oom(e);
			}
			na[*n].field = np[*n * 2];
			na[*n].path = np[*n * 2 + 1];
			snprintf(na[*n].id, sizeof na[*n].id, "%s", id);
			(*n)++;
		}
	}
	return 0;
}

int
fk_session_finalize(fk_session *s, fk_record_out *out, fk_err *e)
{
	fk_record_in in;
	fk_attach_in *att = NULL;
	char **paths = NULL;
	size_t natt = 0, i;
	int rc = -1;

	if (s->c.fin == NULL)
		return fk_fail(e, FK_ESTATE, _("this session cannot seal records"));
	if (!s->have_review || s->built == NULL || s->review_gen != s->gen)
		return fk_fail(e, FK_ESTATE,
		    _("the answers changed since the review: review them again before sealing"));
	if (s->built_issues.n > 0 || s->built_issues.dropped > 0)
		return fk_fail(e, FK_EINPUT, _("the record has %zu problems: fix them before sealing"),
		    s->built_issues.n + s->built_issues.dropped);
	if (collect_files(s, s->built, "", &att, &natt, &paths, e) != 0)
		goto out;
	memset(&in, 0, sizeof in);
	in.form_id = fk_form_id(s->c.form);
	in.form_version = fk_form_version(s->c.form);
	in.answers = s->built;
	in.created_at = s->created_at;
	in.att = att;
	in.natt = natt;
	in.draft_id = s->draft_id[0] ? s->draft_id : NULL;
	if (fk_finalize_one(s->c.fin, &in, out, e) != 0)
		goto out;
	s->draft_id[0] = '\0';
	s->dirty = 0;
	rc = 0;
out:
	for (i = 0; i < natt; i++) {
		free(paths[i * 2]);
		free(paths[i * 2 + 1]);
	}
	free(paths);
	free(att);
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

/* Collects every "id" string of an object in v into ids. */
static int
answer_ids(const json_t *v, json_t *ids)
{
	const char *k;
	json_t *x;
	size_t i;

	if (json_is_object(v)) {
		const char *id = json_string_value(json_object_get(v, "id"));
		if (id != NULL && json_object_set_new(ids, id, json_true()) != 0)
			return -1;
		json_object_foreach((json_t *)v, k, x)
			if (answer_ids(x, ids) != 0)
				return -1;
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			if (answer_ids(x, ids) != 0)
				return -1;
	}
	return 0;
}

int
fk_session_save(fk_session *s, fk_err *e)
{
	fk_store_draft d;
	fk_secbuf pt = { 0 };
	json_t *j = NULL, *files = NULL, *ids = NULL, *v;
	const char *k;
	size_t answered, total, at;
	int rc = -1;

	if (s->c.store == NULL || s->c.draft_key == NULL)
		return fk_fail(e, FK_ESTATE, _("drafts cannot be saved here (no draft key)"));
	if (fk_ss_flow_update(s, e) != 0)
		return -1;
	/* Only the files of answers still given go with the draft. */
	if ((files = json_object()) == NULL || (ids = json_object()) == NULL ||
	    answer_ids(s->answers, ids) != 0)
		goto nomem;
	json_object_foreach(s->files, k, v)
		if (json_object_get(ids, k) != NULL && json_object_set(files, k, v) != 0)
			goto nomem;
	memset(&d, 0, sizeof d);
	if (s->draft_id[0] == '\0')
		fk_uuid(s->draft_id);
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
	j = json_pack("{s:i, s:s, s:I, s:O, s:O, s:O, s:s?, s:b}", "v", 2, "lang", s->lang,
	    "created_at", (json_int_t)s->created_at, "answers", s->answers, "seen", s->seen,
	    "files", files, "cursor", s->cursor, "jumped", s->jumped);
	if (j == NULL)
		goto nomem;
	rc = fk_json_dump_secure(j, &pt, e);
	if (rc == 0)
		rc = fk_draft_save(s->c.store, s->c.draft_key, &d, pt.p, pt.len, e);
	if (rc == 0)
		s->dirty = 0;
	goto out;
nomem:
	fk_ss_oom(e);
out:
	fk_secbuf_free(&pt);
	json_decref(j);
	json_decref(files);
	json_decref(ids);
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

/* A draft of the first format (before sessions): answers, visited, attach[]. */
static int
load_v1(fk_session *s, json_t *j, fk_err *e)
{
	json_t *vis = json_object_get(j, "visited"), *at = json_object_get(j, "attach"), *el;
	const char *k;
	json_t *v;
	size_t i;

	json_object_foreach(vis, k, v) {
		const char *hash = strrchr(k, '#');
		char key[KEY_MAX];
		if (hash == NULL)
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
		if (id != NULL && p != NULL &&
		    json_object_set_new(s->files, id, json_pack("{s:s}", "path", p)) != 0)
			return fk_ss_oom(e);
	}
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
	if (json_integer_value(json_object_get(j, "v")) >= 2) {
		json_t *sn = json_object_get(j, "seen"), *fl = json_object_get(j, "files");
		const char *cur = json_string_value(json_object_get(j, "cursor"));
		if (json_is_object(sn)) {
			json_decref(s->seen);
			s->seen = json_incref(sn);
		}
		if (json_is_object(fl)) {
			json_decref(s->files);
			s->files = json_incref(fl);
		}
		if (cur != NULL && fk_ss_set_cursor(s, cur, e) != 0)
			goto out;
		s->jumped = json_is_true(json_object_get(j, "jumped"));
	} else if (load_v1(s, j, e) != 0) {
		goto out;
	}
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
