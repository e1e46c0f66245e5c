/*
 * api.c - the JSON API of the page (docs/app.md, "The API"), without HTTP.
 * Every rule of the form is the forms engine's (capture/schema.h): after
 * each change the page gets the questions that are visible, which are
 * required, what the engine would fill in (calculations, transliterations,
 * defaults) and every problem of every answer, in the language it asks for.
 *
 * Answers: what the worker typed is parsed as the wizard parses it
 * (fk_form_parse_answer: a decimal comma, DD.MM.YYYY dates); a parsed answer
 * is kept even when it breaks a rule (the problem is shown, sealing is
 * refused until it is fixed); text that does not parse is kept aside
 * ("raw", sealed with the draft) and shown back, never put into the answers.
 */
#include "web_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "draft.h"
#include "pending.h"
#include "shortref.h"
#include "translit.h"
#include "util.h"

/* ---- answers of a call ---- */

static unsigned
reply(struct web_call *c, unsigned status, json_t *j)
{
	json_decref(c->out);
	c->out = j;
	c->status = j != NULL ? status : 500;
	return c->status;
}

static unsigned
refuse(struct web_call *c, unsigned status, const char *msg)
{
	return reply(c, status, json_pack("{s:s}", "error", msg));
}

static unsigned
refuse_e(struct web_call *c, const fk_err *e)
{
	unsigned status = 500;

	switch (e->code) {
	case FK_EINPUT: case FK_EUSAGE: status = 400; break;
	case FK_ELIMIT: status = 413; break;
	case FK_ESTATE: status = 409; break;
	case FK_EPASS: status = 403; break;
	default: break;
	}
	return refuse(c, status, e->msg[0] ? e->msg : _("something went wrong"));
}

/*
 * One browser tab edits a record at a time. Another tab that opens it takes it
 * over; the first is then refused (it would overwrite, or its typing be thrown
 * away, without a word) and told where the record went. A tab not said (tests,
 * an older page) is not checked.
 */
static int
elsewhere(const struct web_open *op, const char *tab)
{
	return tab != NULL && tab[0] != '\0' && op->tab[0] != '\0' && strcmp(op->tab, tab) != 0;
}

/* A tab closed without a word (the browser quit, a crash) holds nothing for
 * ever: after this long without a request from it, another tab's request
 * takes the record over (that tab, if it comes back, is then told). A tab
 * closed normally lets go at once ("release", sent as the page goes). */
#define WEB_OWNER_IDLE 600.0

static int
owner_gone(const struct web_open *op)
{
	return op->tab[0] == '\0' || web_now() - op->used > WEB_OWNER_IDLE;
}

static void
own(struct web_open *op, const char *tab)
{
	snprintf(op->tab, sizeof op->tab, "%s", tab != NULL ? tab : "");
}

static const char elsewhere_msg[] = N_("this record was opened in another window and goes on "
    "there: this window stopped editing it");

static unsigned
refuse_elsewhere(struct web_call *c)
{
	return reply(c, 409, json_pack("{s:s, s:s}", "error", _(elsewhere_msg), "code", "elsewhere"));
}

static unsigned
ok(struct web_call *c)
{
	return reply(c, 200, json_pack("{s:b}", "ok", 1));
}

static void
set_lang(struct web *w, const char *l)
{
	if (l == NULL || (strcmp(l, "uk") != 0 && strcmp(l, "en") != 0))
		return;
	snprintf(w->lang, sizeof w->lang, "%s", l);
	fk_i18n_switch(w->lang);
}

/* The request body as a JSON object (its bytes wiped), or NULL. */
static json_t *
body_json(struct web_call *c)
{
	json_t *j;

	if (c->len == 0)
		return NULL;
	j = json_loadb((const char *)c->body, c->len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* The page is going (closed, reloaded): {"release": true} with its last save
 * lets another tab continue the record without taking it over. */
static int
releases(struct web_call *c)
{
	json_t *j = body_json(c);
	int r = json_is_true(json_object_get(j, "release"));

	json_decref(j);
	return r;
}

/* ---- forms, device, store ---- */

static int
add_form(struct web *w, const char *path, fk_err *e)
{
	struct web_form *wf;
	fk_issues is = { 0 };
	size_t i;

	if (w->nforms == WEB_MAX_FORMS)
		return fk_fail(e, FK_ELIMIT, _("at most %d forms"), WEB_MAX_FORMS);
	wf = &w->forms[w->nforms];
	if (fk_read_file(path, FK_FORM_MAX, &wf->json, e) != 0)
		return -1;
	if (fk_form_load(wf->json.p, wf->json.len, &wf->f, &is, e) != 0) {
		fk_issues_free(&is);
		fk_buf_free(&wf->json);
		return fk_prefix(e, "%s", path);
	}
	fk_issues_free(&is);
	for (i = 0; i < w->nforms; i++)
		if (strcmp(fk_form_id(w->forms[i].f), fk_form_id(wf->f)) == 0) {
			fk_form_free(wf->f);
			fk_buf_free(&wf->json);
			return 0; /* the first of an id wins */
		}
	w->nforms++;
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every form file of the forms folder. */
static int
default_forms(struct web *w, fk_err *e)
{
	const char *dirs[2];
	char *names[WEB_MAX_FORMS];
	size_t nd = fk_schema_dirs(dirs), i, n = 0;
	struct dirent *d;
	DIR *dp;

	if (nd == 0 || (dp = opendir(dirs[0])) == NULL)
		return fk_fail(e, FK_EUSAGE, _("no forms found: name them with --form"));
	while (n < WEB_MAX_FORMS && (d = readdir(dp)) != NULL) {
		size_t l = strlen(d->d_name);
		if (l > 5 && strcmp(d->d_name + l - 5, ".json") == 0 && d->d_name[0] != '.' &&
		    (names[n] = fk_path_join(dirs[0], d->d_name)) != NULL)
			n++;
	}
	closedir(dp);
	qsort(names, n, sizeof names[0], cmp_str);
	for (i = 0; i < n; i++) {
		fk_err fe = { 0 };
		if (add_form(w, names[i], &fe) != 0)
			web_event(w, FK_WEB_WARNING, "%s", fe.msg);
		free(names[i]);
	}
	if (w->nforms == 0)
		return fk_fail(e, FK_EUSAGE, _("no forms found in %s: name them with --form"), dirs[0]);
	return 0;
}

int
web_open(struct web *w, const fk_web_opts *o, fk_err *e)
{
	const char *l = fk_lang_pref();
	size_t i;

	w->o = o;
	if ((w->dev = calloc(1, sizeof *w->dev)) == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	if (fk_device_load(w->dev, o->home, e) != 0 || fk_device_store_open(w->dev, FK_STORE_WRITE, &w->store, e) != 0 ||
	    fk_finalizer_new(&w->fin, w->store, w->dev, e) != 0)
		return -1;
	for (i = 0; i < o->nforms; i++)
		if (add_form(w, o->forms[i], e) != 0)
			return -1;
	if (o->nforms == 0 && default_forms(w, e) != 0)
		return -1;
	snprintf(w->lang, sizeof w->lang, "%s", l != NULL ? l : "uk");
	/* The language the app was started in (FIELDKIT_LANG, LANGUAGE, ...): the page
	   opens in it; "" when none was chosen (the page then follows the browser). */
	snprintf(w->user_lang, sizeof w->user_lang, "%s", l != NULL ? l : "");
	return 0;
}

void
web_close(struct web *w)
{
	size_t i;

	web_lock(w, NULL);
	fk_finalizer_free(w->fin);
	fk_store_close(w->store);
	if (w->dev != NULL) {
		fk_device_free(w->dev);
		free(w->dev);
	}
	for (i = 0; i < w->nforms; i++) {
		fk_form_free(w->forms[i].f);
		fk_buf_free(&w->forms[i].json);
	}
	w->fin = NULL;
	w->store = NULL;
	w->dev = NULL;
	w->nforms = 0;
}

static struct web_form *
form_by_id(struct web *w, const char *id, int version)
{
	size_t i;

	for (i = 0; id != NULL && i < w->nforms; i++)
		if (strcmp(fk_form_id(w->forms[i].f), id) == 0 &&
		    (version < 0 || fk_form_version(w->forms[i].f) == version))
			return &w->forms[i];
	return NULL;
}

/* ---- open records ---- */

static struct web_open *
find_open(struct web *w, const char *rid)
{
	size_t i;

	for (i = 0; i < WEB_MAX_OPEN; i++)
		if (w->open[i].x != NULL && strcmp(fk_entry_id(w->open[i].x), rid) == 0)
			return &w->open[i];
	return NULL;
}

static int
save_open(struct web *w, struct web_open *op, fk_err *e)
{
	if (fk_entry_save(op->x, w->store, &w->dkey, e) != 0)
		return -1;
	op->dirty = 0;
	return 0;
}

static void
close_open(struct web *w, struct web_open *op)
{
	fk_err e = { 0 };

	if (op->x == NULL)
		return;
	if (op->dirty && save_open(w, op, &e) != 0)
		web_event(w, FK_WEB_WARNING, _("a draft could not be saved: %s"), e.msg);
	fk_entry_free(op->x);
	memset(op, 0, sizeof *op);
}

/* A free slot, closing (and saving) the least recently used record if need be. */
static struct web_open *
slot(struct web *w)
{
	struct web_open *old = &w->open[0];
	size_t i;

	for (i = 0; i < WEB_MAX_OPEN; i++) {
		if (w->open[i].x == NULL)
			return &w->open[i];
		if (w->open[i].used < old->used)
			old = &w->open[i];
	}
	close_open(w, old);
	return old;
}

void
web_autosave(struct web *w, int all)
{
	double now = web_now();
	size_t i;

	for (i = 0; i < WEB_MAX_OPEN; i++) {
		struct web_open *op = &w->open[i];
		fk_err e = { 0 };
		if (op->x == NULL || !op->dirty || (!all && now - op->changed < WEB_SAVE_AFTER))
			continue;
		if (save_open(w, op, &e) != 0) {
			op->changed = now; /* again later */
			web_event(w, FK_WEB_WARNING, _("a draft could not be saved: %s"), e.msg);
		}
	}
}

void
web_lock(struct web *w, const char *why)
{
	size_t i;

	for (i = 0; i < WEB_MAX_OPEN; i++)
		close_open(w, &w->open[i]);
	if (w->unlocked && why != NULL)
		web_event(w, FK_WEB_LOCKED, "%s", why);
	fk_secret_free(&w->dkey);
	w->unlocked = 0;
}

static void
changed(struct web_open *op)
{
	op->dirty = 1;
	op->changed = op->used = web_now();
}

/* ---- the state the page draws ---- */

static json_t *
raw_map(struct web_open *op)
{
	json_t *face = fk_entry_face(op->x), *raw = json_object_get(face, "raw");

	if (!json_is_object(raw)) {
		raw = json_object();
		json_object_set_new(face, "raw", raw);
	}
	return raw;
}

static int
is_question(const fk_field *f)
{
	enum fk_ftype t = fk_field_type(f);

	return t != FK_T_GROUP && t != FK_T_REPEAT && t != FK_T_NOTE;
}

/* The field a record path names ("children[0].dob" -> dob), or NULL. */
static const fk_field *
field_of(const fk_form *f, const char *p)
{
	const char *dot = strrchr(p, '.');

	return fk_form_find(f, dot ? dot + 1 : p);
}

/* One visible question: path, field name, depth, flags, suggestion, problems. */
static json_t *
question_json(struct web *w, struct web_open *op, const fk_question *q, fk_err *e)
{
	const fk_form *f = fk_entry_form(op->x);
	json_t *ans = fk_entry_answers(op->x);
	fk_vopts vo = { w->lang, 0 };
	fk_issues is = { 0 };
	json_t *o, *sugg = NULL, *raw, *pv = NULL, *arr;
	size_t i;

	o = json_pack("{s:s, s:s, s:i}", "p", q->path, "n", fk_field_name(q->field), "d", q->depth);
	if (o == NULL || !is_question(q->field))
		return o;
	if (q->required)
		json_object_set_new(o, "r", json_true());
	if (q->readonly)
		json_object_set_new(o, "ro", json_true());
	if (fk_field_multiline(q->field))
		json_object_set_new(o, "ml", json_true()); /* several lines; else one */
	if (fk_form_suggest(f, ans, q->path, &vo, &sugg, e) != 0)
		goto fail;
	if (sugg != NULL)
		json_object_set_new(o, "s", sugg);
	if (q->readonly)
		return o;
	if (fk_field_type(q->field) == FK_T_DATE) {
		/* The date as understood, in words: 14.05.2012 is 14 May, not 5 December. */
		char rd[64];
		if (fk_date_readable(json_string_value(fk_answers_get(f, ans, q->path)), rd,
		    sizeof rd) == 0)
			json_object_set_new(o, "u", json_string(rd));
	}
	raw = json_object_get(raw_map(op), q->path);
	if (json_is_string(raw)) {
		/* Typed text that is not an answer: why, in today's language. */
		if (fk_form_parse_answer(q->field, json_string_value(raw), json_string_length(raw), &pv,
		    &is, e) < 0)
			goto fail;
		json_decref(pv);
	} else if (fk_form_check_answer(f, ans, q->path, fk_answers_get(f, ans, q->path), &vo, &is,
	    e) != 0) {
		goto fail;
	}
	arr = json_array();
	for (i = 0; arr != NULL && i < is.n; i++) {
		/* An empty question the engine fills in (a default, a transliteration) is not missing. */
		if (sugg != NULL && strcmp(is.v[i].code, "required") == 0)
			continue;
		json_array_append_new(arr, json_pack("{s:s, s:s}", "c", is.v[i].code, "m", is.v[i].msg));
	}
	if (json_array_size(arr) > 0)
		json_object_set_new(o, "i", arr);
	else
		json_decref(arr);
	fk_issues_free(&is);
	return o;
fail:
	fk_issues_free(&is);
	json_decref(o);
	return NULL;
}

static json_t *
state_json(struct web *w, struct web_open *op, fk_err *e)
{
	const fk_form *f = fk_entry_form(op->x);
	fk_vopts vo = { w->lang, 0 };
	fk_questions q = { 0 };
	json_t *arr, *st = NULL, *qj;
	size_t i;

	fk_entry_set_lang(op->x, w->lang);
	if (fk_form_visible(f, fk_entry_answers(op->x), &vo, &q, e) != 0)
		return NULL;
	if ((arr = json_array()) == NULL) {
		fk_fail(e, FK_ENOMEM, _("out of memory"));
		goto out;
	}
	for (i = 0; i < q.n; i++) {
		if ((qj = question_json(w, op, &q.v[i], e)) == NULL)
			goto out;
		json_array_append_new(arr, qj);
	}
	st = json_pack("{s:s, s:s, s:i, s:s, s:I, s:b, s:O, s:O, s:O}", "rid", fk_entry_id(op->x),
	    "form", fk_form_id(f), "version", fk_form_version(f), "lang", w->lang,
	    "saved", (json_int_t)fk_entry_saved_at(op->x), "dirty", op->dirty,
	    "answers", fk_entry_answers(op->x), "raw", raw_map(op), "q", arr);
	if (st == NULL)
		fk_fail(e, FK_ENOMEM, _("out of memory"));
	else if (json_is_string(json_object_get(fk_entry_face(op->x), "at")))
		json_object_set(st, "at", json_object_get(fk_entry_face(op->x), "at"));
out:
	json_decref(arr);
	fk_questions_free(&q);
	return st;
}

static unsigned
reply_state(struct web *w, struct web_open *op, struct web_call *c, json_t *extra)
{
	fk_err e = { 0 };
	json_t *st = state_json(w, op, &e);

	if (st == NULL) {
		json_decref(extra);
		return refuse_e(c, &e);
	}
	if (extra != NULL)
		json_object_update(st, extra);
	json_decref(extra);
	return reply(c, 200, st);
}

/* ---- unlocking; orphaned pending files ---- */

struct ids {
	char (*v)[FK_UUID_BUF];
	size_t n, cap;
};

static int
ids_add(void *ctx, const char *id)
{
	struct ids *o = ctx;
	void *p;

	if (o->n == o->cap) {
		size_t cap = o->cap ? 2 * o->cap : 32;
		if ((p = realloc(o->v, cap * sizeof *o->v)) == NULL)
			return -1;
		o->v = p;
		o->cap = cap;
	}
	snprintf(o->v[o->n++], FK_UUID_BUF, "%s", id);
	return 0;
}

struct gcctx {
	struct web *w;
	struct ids refs;
	int unreadable;
};

static int
draft_refs(void *ctx, const fk_store_draft *d, fk_err *e)
{
	struct gcctx *g = ctx;

	if (fk_entry_draft_peek(g->w->store, &g->w->dkey, d->id, ids_add, &g->refs, NULL, e) != 0) {
		fk_err_clear(e);
		g->unreadable = 1;
	}
	return 0;
}

static int
gc_one(void *ctx, const char *id)
{
	struct gcctx *g = ctx;
	size_t i;

	for (i = 0; i < g->refs.n; i++)
		if (strcmp(g->refs.v[i], id) == 0)
			return 0;
	(void)!fk_pending_remove(g->w->o->home, id, NULL);
	return 0;
}

/*
 * Pending files that no draft names were left by a crash before their
 * record's draft was saved: their keys are gone, they are deleted.
 */
static void
gc_orphans(struct web *w)
{
	struct gcctx g;
	fk_err e = { 0 };

	memset(&g, 0, sizeof g);
	g.w = w;
	if (fk_store_each_draft(w->store, draft_refs, &g, &e) == 0 && !g.unreadable)
		(void)!fk_pending_each(w->o->home, gc_one, &g, &e);
	free(g.refs.v);
}

static unsigned
do_unlock(struct web *w, struct web_call *c)
{
	json_t *j = body_json(c), *pj = json_object_get(j, "passphrase");
	fk_secret file = { 0 }, key = { 0 };
	char *path = fk_path_join(w->o->home, FK_DEVICE_DRAFT_KEY);
	fk_err e = { 0 };
	int rc = -1;

	if (!json_is_string(pj) || json_string_length(pj) == 0 || path == NULL) {
		json_decref(j);
		free(path);
		return refuse(c, 400, _("give the device passphrase"));
	}
	if (fk_read_secret_file(path, 4096, &file, &e) == 0)
		rc = fk_draftkey_unwrap(file.p, file.len, (const uint8_t *)json_string_value(pj),
		    json_string_length(pj), &key, &e);
	fk_secret_free(&file);
	free(path);
	json_decref(j);
	if (rc != 0) {
		if (e.code != FK_EPASS)
			return refuse_e(c, &e);
		w->fails++;
		web_event(w, FK_WEB_BADPASS, "%d", w->fails);
		/* Every guess costs the Argon2id, then a pause that grows to 5 s. */
		if (w->d != NULL)
			sleep((unsigned)(w->fails < 5 ? w->fails : 5));
		return refuse(c, 403, _("wrong passphrase"));
	}
	fk_secret_free(&w->dkey);
	w->dkey = key;
	w->fails = 0;
	w->unlocked = 1;
	gc_orphans(w);
	web_event(w, FK_WEB_UNLOCKED, "%s", "");
	return ok(c);
}

/* ---- lists ---- */

struct dlist {
	struct web *w;
	json_t *a;
};

static int
draft_item(void *ctx, const fk_store_draft *d, fk_err *e)
{
	struct dlist *l = ctx;
	size_t n = 0;

	if (form_by_id(l->w, d->form_id, d->form_version) == NULL)
		return 0;
	if (fk_entry_draft_peek(l->w->store, &l->w->dkey, d->id, NULL, NULL, &n, e) != 0) {
		fk_err_clear(e);
		return 0;
	}
	json_array_append_new(l->a, json_pack("{s:s, s:s, s:i, s:I, s:I, s:I}", "id", d->id,
	    "form", d->form_id, "version", d->form_version, "created", (json_int_t)d->created_at,
	    "saved", (json_int_t)d->saved_at, "answered", (json_int_t)n));
	return 0;
}

static unsigned
do_drafts(struct web *w, struct web_call *c)
{
	struct dlist l = { w, json_array() };
	fk_err e = { 0 };

	web_autosave(w, 1);
	if (l.a == NULL || fk_store_each_draft(w->store, draft_item, &l, &e) != 0) {
		json_decref(l.a);
		return refuse_e(c, &e);
	}
	return reply(c, 200, json_pack("{s:o}", "drafts", l.a));
}

static json_t *
title_json(const fk_form *f)
{
	json_t *t = json_object();
	size_t i;

	for (i = 0; t != NULL && i < fk_form_nlangs(f); i++)
		json_object_set_new(t, fk_form_lang(f, i), json_string(fk_form_title(f, fk_form_lang(f, i))));
	return t;
}

static unsigned
do_forms(struct web *w, struct web_call *c)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < w->nforms; i++) {
		const fk_form *f = w->forms[i].f;
		json_array_append_new(a, json_pack("{s:s, s:i, s:o}", "id", fk_form_id(f), "version",
		    fk_form_version(f), "title", title_json(f)));
	}
	return reply(c, 200, json_pack("{s:o}", "forms", a));
}

/* ---- a record ---- */

static unsigned
do_new(struct web *w, struct web_call *c)
{
	json_t *j = body_json(c);
	struct web_form *wf = form_by_id(w, json_string_value(json_object_get(j, "form")), -1);
	struct web_open *op;
	fk_err e = { 0 };

	json_decref(j);
	if (wf == NULL)
		return refuse(c, 404, _("no such form"));
	op = slot(w);
	if (fk_entry_new(wf->f, w->o->home, &op->x, &e) != 0)
		return refuse_e(c, &e);
	op->wf = wf;
	op->used = web_now();
	own(op, c->tab);
	fk_entry_set_lang(op->x, w->lang);
	return reply_state(w, op, c, NULL);
}

static unsigned
do_open_draft(struct web *w, struct web_call *c, const char *id, int discard)
{
	struct web_open *op = find_open(w, id);
	struct web_form *wf;
	fk_store_draft d;
	fk_buf ct = { 0 };
	fk_err e = { 0 };
	int taken = 0;

	if (op != NULL && discard && elsewhere(op, c->tab) && !owner_gone(op))
		return refuse(c, 409, _("this draft is open in another window: close it there first "
		    "(or press Continue here, which takes it over)"));
	if (op == NULL) {
		if (fk_store_draft_get(w->store, id, &d, &ct, &e) != 0)
			return refuse(c, 404, _("no such draft"));
		fk_buf_free(&ct);
		if ((wf = form_by_id(w, d.form_id, d.form_version)) == NULL)
			return refuse(c, 409, _("this draft is of a form this app does not offer"));
		op = slot(w);
		if (fk_entry_resume(wf->f, w->o->home, w->store, &w->dkey, id, &op->x, &e) != 0)
			return refuse_e(c, &e);
		op->wf = wf;
	}
	op->used = web_now();
	if (discard) {
		if (fk_entry_discard(op->x, w->store, &e) != 0)
			return refuse_e(c, &e);
		op->dirty = 0;
		close_open(w, op);
		return ok(c);
	}
	taken = elsewhere(op, c->tab) && !owner_gone(op);
	own(op, c->tab);
	return reply_state(w, op, c, taken ? json_pack("{s:b}", "taken", 1) : NULL);
}

/* When instance i of repeat p goes: raw p[i].* goes, p[j].* for j > i become p[j-1].*. */
static void
raw_shift(struct web_open *op, const char *p, size_t idx)
{
	json_t *raw = raw_map(op), *nraw = json_object(), *v;
	size_t pl = strlen(p);
	const char *k;

	if (nraw == NULL)
		return;
	json_object_foreach(raw, k, v) {
		char *end, nk[2048];
		unsigned long j;
		if (strncmp(k, p, pl) != 0 || k[pl] != '[') {
			json_object_set(nraw, k, v);
			continue;
		}
		j = strtoul(k + pl + 1, &end, 10);
		if (*end != ']' || j == idx)
			continue;
		if (j > idx && (size_t)snprintf(nk, sizeof nk, "%.*s[%lu]%s", (int)pl, k, j - 1,
		    end + 1) < sizeof nk)
			json_object_set(nraw, nk, v);
		else if (j < idx)
			json_object_set(nraw, k, v);
	}
	json_object_set_new(fk_entry_face(op->x), "raw", nraw);
}

static unsigned
do_answer(struct web *w, struct web_open *op, struct web_call *c)
{
	const fk_form *f = fk_entry_form(op->x);
	json_t *j = body_json(c), *ans = fk_entry_answers(op->x), *val = NULL, *tj, *vj;
	const char *p = json_string_value(json_object_get(j, "p"));
	const fk_field *x = p ? field_of(f, p) : NULL;
	fk_vopts vo = { w->lang, 0 };
	fk_issues is = { 0 };
	fk_err e = { 0 };
	unsigned st;
	size_t i;
	int rc, save_now = json_is_true(json_object_get(j, "save"));
	int release = json_is_true(json_object_get(j, "release"));

	if (x == NULL || !is_question(x) || fk_field_readonly(x) ||
	    fk_field_type(x) == FK_T_ATTACHMENT ||
	    fk_form_check_answer(f, ans, p, NULL, &vo, &is, &e) != 0) {
		st = e.code ? refuse_e(c, &e) : refuse(c, 400, _("not a question of this form"));
		goto out;
	}
	fk_issues_clear(&is);
	/* Where the worker was, saved with the draft: a reopened draft goes back there. */
	json_object_set_new(fk_entry_face(op->x), "at", json_string(p));
	tj = json_object_get(j, "text");
	vj = json_object_get(j, "value");
	if (json_is_string(tj)) {
		const char *s = json_string_value(tj);
		size_t n = json_string_length(tj);
		while (n > 0 && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
			s++, n--;
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' ||
		    s[n - 1] == '\r'))
			n--;
		if (n > 0) {
			rc = fk_form_parse_answer(x, s, n, &val, &is, &e);
			if (rc < 0) {
				st = refuse_e(c, &e);
				goto out;
			}
			if (rc > 0) {
				/* Not an answer: kept aside (sealed with the draft), shown back. */
				if (json_object_set(raw_map(op), p, tj) != 0 ||
				    fk_answers_set_follow(f, ans, p, NULL, &vo, NULL, NULL, &e) != 0) {
					st = refuse_e(c, &e);
					goto out;
				}
				changed(op);
				st = save_now && save_open(w, op, &e) != 0 ? refuse_e(c, &e) :
				    reply_state(w, op, c, NULL);
				goto out;
			}
		}
	} else if (vj != NULL && !json_is_null(vj)) {
		if (fk_form_check_answer(f, ans, p, vj, &vo, &is, &e) != 0) {
			st = refuse_e(c, &e);
			goto out;
		}
		for (i = 0; i < is.n; i++)
			if (strcmp(is.v[i].code, "wrong_type") == 0 ||
			    strcmp(is.v[i].code, "one_line") == 0) {
				st = refuse(c, 400, is.v[i].msg);
				goto out;
			}
		val = json_incref(vj);
	} else if (json_is_true(json_object_get(j, "take"))) {
		/* What the engine would fill in now (a transliteration, a default): the
		   server's, never a copy the page kept. */
		if (fk_form_suggest(f, ans, p, &vo, &val, &e) != 0) {
			st = refuse_e(c, &e);
			goto out;
		}
		if (val == NULL) {
			st = refuse(c, 409, _("there is nothing to take: the answer it came from is empty"));
			goto out;
		}
	} else if (tj != NULL && !json_is_null(tj)) {
		st = refuse(c, 400, _("give the answer as text or value"));
		goto out;
	}
	json_object_del(raw_map(op), p);
	rc = fk_answers_set_follow(f, ans, p, val, &vo, NULL, NULL, &e);
	val = NULL; /* taken */
	if (rc != 0) {
		st = refuse_e(c, &e);
		goto out;
	}
	changed(op);
	/* "save": the page is going away (closed, reloaded, hidden): the draft now. */
	st = save_now && save_open(w, op, &e) != 0 ? refuse_e(c, &e) : reply_state(w, op, c, NULL);
out:
	/* "release": that page is going; another tab may continue without a take-over */
	if (st == 200 && release)
		op->tab[0] = '\0';
	json_decref(val);
	json_decref(j);
	fk_issues_free(&is);
	return st;
}

static unsigned
do_repeat(struct web *w, struct web_open *op, struct web_call *c)
{
	const fk_form *f = fk_entry_form(op->x);
	json_t *j = body_json(c), *extra = NULL;
	const char *p = json_string_value(json_object_get(j, "p"));
	const char *opn = json_string_value(json_object_get(j, "op"));
	json_t *ij = json_object_get(j, "i");
	fk_err e = { 0 };
	size_t idx = 0;
	int rc = -1;

	if (p != NULL && opn != NULL && strcmp(opn, "add") == 0) {
		if ((rc = fk_answers_repeat_add(f, fk_entry_answers(op->x), p, &idx, &e)) == 0)
			extra = json_pack("{s:I}", "added", (json_int_t)idx);
	} else if (p != NULL && opn != NULL && strcmp(opn, "remove") == 0 && json_is_integer(ij) &&
	    json_integer_value(ij) >= 0) {
		idx = (size_t)json_integer_value(ij);
		if ((rc = fk_answers_repeat_remove(f, fk_entry_answers(op->x), p, idx, &e)) == 0)
			raw_shift(op, p, idx);
	} else {
		fk_fail(&e, FK_EINPUT, _("say add or remove, and which repeat"));
	}
	json_decref(j);
	if (rc != 0)
		return refuse_e(c, &e);
	changed(op);
	return reply_state(w, op, c, extra);
}

static unsigned
do_detach(struct web *w, struct web_open *op, struct web_call *c)
{
	json_t *j = body_json(c);
	const char *p = json_string_value(json_object_get(j, "p"));
	const fk_field *x = p ? field_of(fk_entry_form(op->x), p) : NULL;
	fk_err e = { 0 };
	int rc;

	if (x == NULL || fk_field_type(x) != FK_T_ATTACHMENT) {
		json_decref(j);
		return refuse(c, 400, _("not a file question of this form"));
	}
	rc = fk_entry_detach(op->x, p, &e);
	json_decref(j);
	if (rc != 0)
		return refuse_e(c, &e);
	changed(op);
	/* The file is deleted with the next save: now. */
	if (save_open(w, op, &e) != 0)
		return refuse_e(c, &e);
	return reply_state(w, op, c, NULL);
}

/*
 * Typed text that is not an answer yet, on a question shown now: counted in
 * *n and, when issues is not NULL, added to it as problems of the review.
 * Text left on a question that other answers have since hidden is not asked
 * for (like a hidden question's answer, it is not sealed): it must not keep
 * the record from being sealed with no question to correct it on.
 */
static int
raw_pending(struct web *w, struct web_open *op, json_t *issues, size_t *n, fk_err *e)
{
	const fk_form *f = fk_entry_form(op->x);
	fk_vopts vo = { w->lang, 0 };
	fk_questions q = { 0 };
	const char *k;
	json_t *v;
	size_t i;

	*n = 0;
	if (json_object_size(raw_map(op)) == 0)
		return 0;
	if (fk_form_visible(f, fk_entry_answers(op->x), &vo, &q, e) != 0)
		return -1;
	json_object_foreach(raw_map(op), k, v) {
		const fk_field *x = field_of(f, k);
		fk_issues is = { 0 };
		json_t *pv = NULL;
		fk_err e2 = { 0 };
		int rc;
		if (x == NULL || !json_is_string(v))
			continue;
		for (i = 0; i < q.n && strcmp(q.v[i].path, k) != 0; i++)
			;
		if (i == q.n)
			continue; /* hidden now */
		(*n)++;
		if (issues == NULL)
			continue;
		/* One problem per question: "must be answered" is not said beside why
		 * what was typed is not an answer (a required date typed 14.13.2012). */
		for (i = json_array_size(issues); i-- > 0;) {
			json_t *it = json_array_get(issues, i);
			const char *ip = json_string_value(json_object_get(it, "p"));
			const char *ic = json_string_value(json_object_get(it, "c"));
			if (ip != NULL && ic != NULL && strcmp(ip, k) == 0 && strcmp(ic, "required") == 0)
				json_array_remove(issues, i);
		}
		rc = fk_form_parse_answer(x, json_string_value(v), json_string_length(v), &pv, &is, &e2);
		json_array_append_new(issues, json_pack("{s:s, s:s, s:s}", "p", k, "c",
		    rc > 0 && is.n > 0 ? is.v[0].code : "wrong_type", "m",
		    rc > 0 && is.n > 0 ? is.v[0].msg : _("not accepted: type it again")));
		json_decref(pv);
		fk_issues_free(&is);
	}
	fk_questions_free(&q);
	return 0;
}

static unsigned
do_review(struct web *w, struct web_open *op, struct web_call *c)
{
	fk_vopts vo = { w->lang, 0 };
	fk_review rv;
	fk_questions q = { 0 };
	fk_err e = { 0 };
	json_t *issues, *qs;
	size_t i;

	if (fk_entry_review(op->x, &vo, &rv, &e) != 0)
		return refuse_e(c, &e);
	issues = json_array();
	for (i = 0; issues != NULL && i < rv.issues.n; i++)
		json_array_append_new(issues, json_pack("{s:s, s:s, s:s}", "p", rv.issues.v[i].path,
		    "c", rv.issues.v[i].code, "m", rv.issues.v[i].msg));
	if ((issues != NULL && raw_pending(w, op, issues, &i, &e) != 0) ||
	    fk_form_visible(fk_entry_form(op->x), rv.answers, &vo, &q, &e) != 0) {
		json_decref(issues);
		fk_review_free(&rv);
		return refuse_e(c, &e);
	}
	qs = json_array();
	for (i = 0; qs != NULL && i < q.n; i++)
		json_array_append_new(qs, json_pack("{s:s, s:s, s:i}", "p", q.v[i].path, "n",
		    fk_field_name(q.v[i].field), "d", q.v[i].depth));
	fk_questions_free(&q);
	op->used = web_now();
	i = json_array_size(issues);
	reply(c, 200, json_pack("{s:s, s:b, s:o, s:O, s:o}", "digest", rv.digest, "complete", i == 0,
	    "issues", issues, "answers", rv.answers, "q", qs));
	fk_review_free(&rv);
	return c->status;
}

static unsigned
do_finalize(struct web *w, struct web_open *op, struct web_call *c)
{
	json_t *j = body_json(c);
	const char *digest = json_string_value(json_object_get(j, "digest"));
	fk_vopts vo = { w->lang, 0 };
	fk_record_out out;
	fk_err e = { 0 };
	char ref[10];
	size_t nraw;

	if (raw_pending(w, op, NULL, &nraw, &e) != 0) {
		json_decref(j);
		return refuse_e(c, &e);
	}
	if (nraw > 0) {
		json_decref(j);
		return refuse(c, 409, _("some answers were not accepted: correct or clear them first"));
	}
	if (fk_entry_seal(op->x, w->fin, &vo, digest, &out, &e) != 0) {
		json_decref(j);
		return refuse_e(c, &e);
	}
	json_decref(j);
	fk_shortref_format(out.short_ref, ref);
	web_event(w, FK_WEB_SEALED, "%s %lld", ref, (long long)out.seq);
	fk_entry_free(op->x);
	memset(op, 0, sizeof *op);
	return reply(c, 200, json_pack("{s:s, s:I}", "short_ref", ref, "seq", (json_int_t)out.seq));
}

/* ---- attachments: upload and show ---- */

/* A media type as the browser sends it for a file: "type/subtype", nothing more. */
static int
media_token(const char *s, size_t max)
{
	size_t i, slash = 0;

	if (s == NULL)
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		char ch = s[i];
		if (ch == '/')
			slash++;
		else if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '.' || ch == '+' || ch == '-'))
			return 0;
	}
	return slash == 1 && i > 2 && i < max && s[0] != '/' && s[i - 1] != '/';
}

/* The answer a file of type mt and size n would make at path, checked as an
 * answer (the problems in *is): before a byte is taken, and for a type the
 * content shows. */
static int
check_file(struct web *w, struct web_open *op, const char *path, const char *id,
    const char *mt, uint64_t n, fk_issues *is, fk_err *e)
{
	fk_vopts vo = { w->lang, 0 };
	json_t *probe = json_pack("{s:s, s:s, s:I}", "id", id, "media_type", mt, "size",
	    (json_int_t)n);
	int rc;

	if (probe == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	rc = fk_form_check_answer(fk_entry_form(op->x), fk_entry_answers(op->x), path, probe, &vo,
	    is, e);
	json_decref(probe);
	return rc;
}

unsigned
web_upload_begin(struct web *w, struct web_req *rq, const char *rid, const char *p,
    const char *name, const char *ctype, const char *clen, const char *lang)
{
	struct web_open *op;
	const fk_form *f;
	const fk_field *x;
	fk_vopts vo;
	fk_issues is = { 0 };
	const char *base;
	uint64_t n = 0;
	size_t i;
	unsigned st = 0;

	set_lang(w, lang);
	vo.lang = w->lang;
	vo.now = 0;
	if (!w->unlocked)
		return fk_fail(&rq->err, FK_ESTATE, _("locked: give the device passphrase")), 423;
	if ((op = find_open(w, rid)) == NULL)
		return fk_fail(&rq->err, FK_EINPUT,
		    _("this record is not open: open it again from the start page")), 404;
	if (elsewhere(op, rq->tab) && !owner_gone(op))
		return fk_fail(&rq->err, FK_ESTATE, "%s", _(elsewhere_msg)), 409;
	snprintf(rq->rid, sizeof rq->rid, "%s", rid);
	f = fk_entry_form(op->x);
	if (p == NULL || (x = field_of(f, p)) == NULL || fk_field_type(x) != FK_T_ATTACHMENT ||
	    fk_form_check_answer(f, fk_entry_answers(op->x), p, NULL, &vo, &is, &rq->err) != 0) {
		fk_issues_free(&is);
		return fk_fail(&rq->err, FK_EINPUT, _("not a file question of this form")), 400;
	}
	fk_issues_clear(&is);
	if (!media_token(ctype, sizeof rq->media))
		return fk_fail(&rq->err, FK_EINPUT, _("the file has no media type")), 415;
	snprintf(rq->media, sizeof rq->media, "%s", ctype);
	if (clen != NULL)
		n = strtoull(clen, NULL, 10);
	if (n > w->dev->att_limit) {
		char sz[32], lim[32];
		return fk_fail(&rq->err, FK_ELIMIT,
		    _("the file is %s, larger than this device's limit of %s"),
		    fk_size_text(n, sz, sizeof sz), fk_size_text(w->dev->att_limit, lim, sizeof lim)),
		    413;
	}
	/* The answer the file will make, checked before a byte is taken: type and size. */
	fk_uuid(rq->id);
	if (check_file(w, op, p, rq->id, rq->media, n, &is, &rq->err) != 0) {
		fk_issues_free(&is);
		return 500;
	}
	for (i = 0; st == 0 && i < is.n; i++)
		if (strcmp(is.v[i].code, "media_type") == 0 || strcmp(is.v[i].code, "too_large") == 0 ||
		    strcmp(is.v[i].code, "invalid_attachment") == 0) {
			fk_fail(&rq->err, FK_EINPUT, "%s", is.v[i].msg);
			st = strcmp(is.v[i].code, "too_large") == 0 ? 413 : 415;
		}
	fk_issues_free(&is);
	if (st != 0)
		return st;
	base = name ? strrchr(name, '/') : NULL;
	base = base ? base + 1 : name;
	if (base == NULL || *base == '\0' || strlen(base) > 255 ||
	    !fk_utf8_valid((const uint8_t *)base, strlen(base), &i))
		base = "file";
	if ((rq->path = strdup(p)) == NULL || (rq->name = strdup(base)) == NULL)
		return fk_fail(&rq->err, FK_ENOMEM, _("out of memory")), 500;
	rq->max = w->dev->att_limit;
	if (fk_pending_create(w->o->home, rq->id, rq->max, &rq->w, &rq->key, &rq->err) != 0)
		return 500;
	return 0;
}

void
web_upload_data(struct web *w, struct web_req *rq, const uint8_t *p, size_t n)
{
	size_t k;

	(void)w;
	if (rq->status != 0 || rq->w == NULL)
		return; /* refused: the rest of the body is read and dropped */
	for (k = 0; rq->nhead < sizeof rq->head && k < n; k++)
		rq->head[rq->nhead++] = p[k];
	rq->got += n;
	if (fk_pending_write(rq->w, p, n, &rq->err) != 0) {
		rq->status = rq->err.code == FK_ELIMIT ? 413 : 500;
		fk_pending_abort(rq->w);
		rq->w = NULL;
	}
}

static int
sniffable(const char *mt)
{
	return strcmp(mt, "image/jpeg") == 0 || strcmp(mt, "image/png") == 0 ||
	    strcmp(mt, "application/pdf") == 0;
}

/* Whether the file question at path takes a file of media type mt. */
static int
accepts(struct web *w, struct web_open *op, const char *path, const char *mt)
{
	fk_issues is = { 0 };
	fk_err e = { 0 };
	size_t i;
	int ok = check_file(w, op, path, "00000000-0000-4000-8000-000000000000", mt, 1, &is,
	    &e) == 0;

	for (i = 0; ok && i < is.n; i++)
		if (strcmp(is.v[i].code, "media_type") == 0)
			ok = 0;
	fk_issues_free(&is);
	return ok;
}

void
web_upload_end(struct web *w, struct web_req *rq, struct web_call *c)
{
	const char *seen = fk_media_sniff(rq->head, rq->nhead);
	struct web_open *op = rq->rid[0] ? find_open(w, rq->rid) : NULL;
	fk_pending_w *pw = rq->w;
	uint64_t size = 0;

	rq->w = NULL;
	if (rq->status != 0) {
		fk_pending_abort(pw);
		refuse(c, rq->status, rq->err.msg);
		return;
	}
	if (rq->got == 0) {
		fk_pending_abort(pw);
		refuse(c, 400, _("the file is empty"));
		return;
	}
	if (op == NULL || !w->unlocked) {
		/* Closed or locked while the file came in. */
		fk_pending_abort(pw);
		refuse(c, w->unlocked ? 404 : 423, _("this record is not open: open it again from the start page"));
		return;
	}
	/* What the file is, not what its name or the browser says: a PNG named
	 * .jpg is a PNG, taken as one when the question takes PNG (it was refused
	 * with "not what its type says", and the worker had chosen a PNG). */
	if (sniffable(rq->media) && seen != NULL && strcmp(seen, rq->media) != 0 &&
	    accepts(w, op, rq->path, seen))
		snprintf(rq->media, sizeof rq->media, "%s", seen);
	if (sniffable(rq->media) && (seen == NULL || strcmp(seen, rq->media) != 0)) {
		const fk_field *x = op ? field_of(fk_entry_form(op->x), rq->path) : NULL;
		char ok[160], msg[320];
		fk_pending_abort(pw);
		if (x != NULL)
			fk_media_accepted(x, ok, sizeof ok);
		else
			snprintf(ok, sizeof ok, "JPEG, PNG, PDF");
		snprintf(msg, sizeof msg, _("the file's content is not what its type says: choose a %s file"),
		    ok);
		refuse(c, 415, msg);
		return;
	}
	if (fk_pending_finish(pw, &size, &rq->err) != 0) {
		refuse_e(c, &rq->err);
		return;
	}
	if (fk_entry_attach_pending(op->x, rq->path, rq->id, rq->name, rq->media, size, &rq->key,
	    &rq->err) != 0) {
		(void)!fk_pending_remove(w->o->home, rq->id, NULL);
		refuse_e(c, &rq->err);
		return;
	}
	json_object_del(raw_map(op), rq->path);
	changed(op);
	/* A photo is kept as soon as it is taken: the draft, with the file's key, now. */
	if (save_open(w, op, &rq->err) != 0) {
		refuse_e(c, &rq->err);
		return;
	}
	reply_state(w, op, c, NULL);
}

void
web_req_free(struct web_req *rq)
{
	fk_pending_abort(rq->w);
	fk_secret_free(&rq->key);
	fk_secbuf_free(&rq->body);
	free(rq->path);
	free(rq->name);
	free(rq);
}

int
web_att_open(struct web *w, const char *rid, const char *id, fk_entry_src *s, fk_err *e)
{
	struct web_open *op;

	if (!w->unlocked)
		return fk_fail(e, FK_ESTATE, _("locked: give the device passphrase"));
	if ((op = find_open(w, rid)) == NULL)
		return fk_fail(e, FK_EINPUT, _("this record is not open: open it again from the start page"));
	op->used = web_now();
	return fk_entry_att_open(op->x, id, s, e);
}

/* ---- routing ---- */

static int
is(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

static unsigned
route(struct web *w, struct web_call *c)
{
	const char *m = c->method, *path = c->path, *sub;
	struct web_open *op;
	char rid[FK_UUID_BUF];
	fk_err e = { 0 };

	if (is(path, "status") && is(m, "GET"))
		return reply(c, 200, json_pack("{s:b, s:s, s:s, s:s, s:s, s:i}", "locked", !w->unlocked,
		    "device", w->dev->name, "lang", w->lang, "user_lang", w->user_lang,
		    "version", FK_VERSION, "lock_after", w->o->lock_after));
	if (is(path, "unlock") && is(m, "POST"))
		return do_unlock(w, c);
	if (!w->unlocked)
		return refuse(c, 423, _("locked: give the device passphrase"));
	if (is(path, "lock") && is(m, "POST")) {
		web_lock(w, "asked");
		return ok(c);
	}
	if (is(path, "forms") && is(m, "GET"))
		return do_forms(w, c);
	if (strncmp(path, "forms/", 6) == 0 && is(m, "GET")) {
		struct web_form *wf = form_by_id(w, path + 6, -1);
		if (wf == NULL)
			return refuse(c, 404, _("no such form"));
		c->raw = wf->json.p;
		c->rawlen = wf->json.len;
		return c->status = 200;
	}
	if (is(path, "drafts") && is(m, "GET"))
		return do_drafts(w, c);
	if (is(path, "records") && is(m, "POST"))
		return do_new(w, c);
	if (strncmp(path, "drafts/", 7) == 0 && strlen(path) > 7 + FK_UUID_LEN && is(m, "POST")) {
		snprintf(rid, sizeof rid, "%.36s", path + 7);
		sub = path + 7 + FK_UUID_LEN;
		if (fk_uuid_valid(rid) && is(sub, "/open"))
			return do_open_draft(w, c, rid, 0);
		if (fk_uuid_valid(rid) && is(sub, "/discard"))
			return do_open_draft(w, c, rid, 1);
		return refuse(c, 404, _("no such draft"));
	}
	if (strncmp(path, "r/", 2) != 0 || strlen(path) < 2 + FK_UUID_LEN)
		return refuse(c, 404, _("no such request"));
	snprintf(rid, sizeof rid, "%.36s", path + 2);
	sub = path + 2 + FK_UUID_LEN;
	if ((op = find_open(w, rid)) == NULL)
		return refuse(c, 404, _("this record is not open: open it again from the start page"));
	if (elsewhere(op, c->tab)) {
		if (!owner_gone(op))
			return refuse_elsewhere(c);
		own(op, c->tab);
	}
	op->used = web_now();
	if (is(sub, "") && is(m, "GET"))
		return reply_state(w, op, c, NULL);
	if (!is(m, "POST"))
		return refuse(c, 405, _("no such request"));
	if (is(sub, "/answer"))
		return do_answer(w, op, c);
	if (is(sub, "/repeat"))
		return do_repeat(w, op, c);
	if (is(sub, "/detach"))
		return do_detach(w, op, c);
	if (is(sub, "/review"))
		return do_review(w, op, c);
	if (is(sub, "/finalize"))
		return do_finalize(w, op, c);
	if (is(sub, "/save") || is(sub, "/close")) {
		if (save_open(w, op, &e) != 0)
			return refuse_e(c, &e);
		if (is(sub, "/save") && releases(c))
			op->tab[0] = '\0';
		if (is(sub, "/save"))
			return reply_state(w, op, c, NULL);
		close_open(w, op);
		return ok(c);
	}
	if (is(sub, "/discard")) {
		if (fk_entry_discard(op->x, w->store, &e) != 0)
			return refuse_e(c, &e);
		op->dirty = 0;
		close_open(w, op);
		return ok(c);
	}
	return refuse(c, 404, _("no such request"));
}

void
web_call(struct web *w, struct web_call *c)
{
	c->status = 500;
	c->out = NULL;
	c->raw = NULL;
	c->rawlen = 0;
	set_lang(w, c->lang);
	route(w, c);
	if (c->raw == NULL && c->out == NULL)
		refuse(c, 500, _("out of memory"));
}
