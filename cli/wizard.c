/*
 * wizard.c - see wizard.h.
 *
 * Model: the answers (a JSON object), the set of "visited" question keys and
 * the history of visits (for `<`). The next question is the first visible
 * one not yet visited, in form order; a repeat's "add another?" question
 * comes after all its instances' questions are visited. Everything typed is
 * read into sodium_malloc memory; the dialogue state lives in JSON trees on
 * the wiping allocator and leaves the process only as a sealed draft or a
 * sealed record.
 */
#include "wizard.h"

#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "draft.h"
#include "shortref.h"

#include "schema.h"

#define LINE_MAX_BYTES 65536
#define WIZ_MAX_ATT 16


static volatile sig_atomic_t interrupted;

static void
on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

struct wiz {
	const fk_wizard_opts *o;
	const fk_form *form;
	json_t *answers, *visited, *history;
	char lang[8];
	char draft_id[FK_UUID_BUF];
	int64_t created_at;
	int resumed;
	fk_secbuf line;
	fk_attach_in att[WIZ_MAX_ATT];
	size_t natt;
};

static void
att_free(struct wiz *w)
{
	size_t i;

	for (i = 0; i < w->natt; i++) {
		free((char *)w->att[i].field);
		free((char *)w->att[i].path);
	}
	w->natt = 0;
}

/* Adds or replaces the attachment of field; takes copies. */
static int
att_put(struct wiz *w, const char *field, const char *path, const char *id)
{
	size_t i;

	for (i = 0; i < w->natt; i++)
		if (strcmp(w->att[i].field, field) == 0)
			break;
	if (i == WIZ_MAX_ATT)
		return -1;
	if (i == w->natt) {
		w->natt++;
	} else {
		free((char *)w->att[i].field);
		free((char *)w->att[i].path);
	}
	w->att[i].field = strdup(field);
	w->att[i].path = strdup(path);
	snprintf(w->att[i].id, sizeof w->att[i].id, "%s", id ? id : "");
	return w->att[i].field && w->att[i].path ? 0 : -1;
}

static json_t *
att_json(const struct wiz *w)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < w->natt; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "field", w->att[i].field,
		    "path", w->att[i].path, "id", w->att[i].id));
	return a;
}

enum { IN_LINE, IN_EOF, IN_INTR, IN_ERR };

static void
set_lang(struct wiz *w, const char *lang)
{
	snprintf(w->lang, sizeof w->lang, "%s", lang);
	fk_i18n_switch(lang);
}

/* Reads one line (without its end) into w->line. */
static int
read_line(struct wiz *w)
{
	int c;

	w->line.len = 0;
	if (w->line.cap > 0)
		sodium_memzero(w->line.p, w->line.cap);
	for (;;) {
		uint8_t ch;
		if (interrupted)
			return IN_INTR;
		c = getc(w->o->in);
		if (c == EOF) {
			if (interrupted || (ferror(w->o->in) && errno == EINTR))
				return IN_INTR;
			if (ferror(w->o->in))
				return IN_ERR;
			return w->line.len > 0 ? IN_LINE : IN_EOF;
		}
		if (c == '\n')
			break;
		if (w->line.len >= LINE_MAX_BYTES)
			continue;
		ch = (uint8_t)c;
		if (fk_secbuf_append(&w->line, &ch, 1, NULL) != 0)
			return IN_ERR;
	}
	while (w->line.len > 0 && (w->line.p[w->line.len - 1] == '\r' ||
	    w->line.p[w->line.len - 1] == ' '))
		w->line.len--;
	if (fk_secbuf_reserve(&w->line, w->line.len + 1, NULL) != 0)
		return IN_ERR;
	w->line.p[w->line.len] = '\0';
	return IN_LINE;
}

static int
is_cmd(const struct wiz *w, const char *cmd)
{
	return w->line.len == strlen(cmd) && memcmp(w->line.p, cmd, w->line.len) == 0;
}

/* --- visits --- */

static int
visited(const struct wiz *w, const char *key)
{
	return json_object_get(w->visited, key) != NULL;
}

static int
visit(struct wiz *w, const char *key)
{
	if (json_object_set_new(w->visited, key, json_true()) != 0 ||
	    json_array_append_new(w->history, json_string(key)) != 0)
		return -1;
	return 0;
}

/* A visit the worker did not answer (headings, automatic entries): not undone by '<'. */
static int
visit_auto(struct wiz *w, const char *key)
{
	return json_object_set_new(w->visited, key, json_true());
}

static void
repeat_key(const char *path, size_t n, char *out, size_t cap)
{
	snprintf(out, cap, "%s#%zu", path, n);
}

static size_t
instances(const struct wiz *w, const char *path)
{
	json_t *a = fk_answers_get(w->form, w->answers, path);

	return json_is_array(a) ? json_array_size(a) : 0;
}

/* The next question to ask, or -1 when all are visited. */
static long
next_question(const struct wiz *w, const fk_questions *q)
{
	size_t i, j, plen;
	char key[512];

	for (i = 0; i < q->n; i++) {
		const fk_question *x = &q->v[i];
		if (fk_field_type(x->field) == FK_T_REPEAT) {
			int inner_pending = 0;
			plen = strlen(x->path);
			for (j = i + 1; j < q->n; j++) {
				if (strncmp(q->v[j].path, x->path, plen) != 0 || q->v[j].path[plen] != '[')
					break;
				if (!visited(w, q->v[j].path) && fk_field_type(q->v[j].field) != FK_T_REPEAT)
					inner_pending = 1;
			}
			snprintf(key, sizeof key, "%s#done", x->path);
			if (visited(w, key))
				continue;
			if (!inner_pending)
				return (long)i;
			continue;
		}
		if (!visited(w, x->path))
			return (long)i;
	}
	return -1;
}

/* --- drafts --- */

static int
save_draft(struct wiz *w, fk_err *e)
{
	fk_store_draft d;
	fk_secbuf pt = { 0 };
	json_t *j;
	int rc;

	memset(&d, 0, sizeof d);
	if (w->draft_id[0] == '\0')
		fk_uuid(w->draft_id);
	memcpy(d.id, w->draft_id, sizeof d.id);
	snprintf(d.form_id, sizeof d.form_id, "%s", fk_form_id(w->form));
	d.form_version = fk_form_version(w->form);
	d.created_at = w->created_at;
	j = json_pack("{s:i, s:s, s:I, s:O, s:O, s:O, s:o}", "v", 1, "lang", w->lang,
	    "created_at", (json_int_t)w->created_at, "answers", w->answers, "visited",
	    w->visited, "history", w->history, "attach", att_json(w));
	if (j == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	rc = fk_json_dump_secure(j, &pt, e);
	json_decref(j);
	if (rc == 0)
		rc = fk_draft_save(w->o->store, w->o->draft_key, &d, pt.p, pt.len, e);
	fk_secbuf_free(&pt);
	return rc;
}

static int
load_draft(struct wiz *w, const char *id, fk_err *e)
{
	fk_store_draft d;
	fk_secret pt;
	json_t *j, *a, *v, *h, *l;
	int rc = -1;

	if (fk_draft_load(w->o->store, w->o->draft_key, id, &d, &pt, e) != 0)
		return -1;
	if (strcmp(d.form_id, fk_form_id(w->form)) != 0 ||
	    d.form_version != fk_form_version(w->form)) {
		fk_secret_free(&pt);
		return fk_fail(e, FK_ESTATE, _("draft %s is for form %s version %d"), id, d.form_id,
		    d.form_version);
	}
	j = json_loadb((const char *)pt.p, pt.len, 0, NULL);
	fk_secret_free(&pt);
	a = json_object_get(j, "answers");
	v = json_object_get(j, "visited");
	h = json_object_get(j, "history");
	l = json_object_get(j, "lang");
	if (json_is_object(a) && json_is_object(v) && json_is_array(h)) {
		json_decref(w->answers);
		json_decref(w->visited);
		json_decref(w->history);
		w->answers = json_incref(a);
		w->visited = json_incref(v);
		w->history = json_incref(h);
		if (json_is_string(l) && w->o->lang == NULL)
			set_lang(w, json_string_value(l));
		w->created_at = d.created_at;
		memcpy(w->draft_id, d.id, sizeof w->draft_id);
		{
			json_t *at = json_object_get(j, "attach"), *el;
			size_t k;
			json_array_foreach(at, k, el) {
				const char *f = json_string_value(json_object_get(el, "field"));
				const char *pa = json_string_value(json_object_get(el, "path"));
				const char *aid = json_string_value(json_object_get(el, "id"));
				if (f != NULL && pa != NULL)
					(void)!att_put(w, f, pa, aid);
			}
		}
		w->resumed = 1;
		rc = 0;
	} else {
		fk_fail(e, FK_ECRYPTO, _("draft %s is damaged"), id);
	}
	json_decref(j);
	return rc;
}

/* --- showing --- */

static void
show_value(struct wiz *w, const fk_field *x, const json_t *v)
{
	FILE *out = w->o->out;
	size_t i, k;

	if (v == NULL) {
		fputs("-", out);
		return;
	}
	if (fk_field_type(x) == FK_T_SELECT_ONE || fk_field_type(x) == FK_T_SELECT_MULTIPLE) {
		const json_t *el;
		size_t n = json_is_array(v) ? json_array_size(v) : 1;
		for (k = 0; k < n; k++) {
			el = json_is_array(v) ? json_array_get(v, k) : v;
			for (i = 0; i < fk_field_nchoices(x); i++)
				if (json_is_string(el) &&
				    strcmp(fk_field_choice_name(x, i), json_string_value(el)) == 0)
					fprintf(out, "%s%s", k ? ", " : "",
					    fk_field_choice_label(x, i, w->lang));
		}
		return;
	}
	if (json_is_string(v)) {
		fputs(json_string_value(v), out);
	} else {
		fk_secbuf b = { 0 };
		if (fk_json_dump_secure(v, &b, NULL) == 0)
			fwrite(b.p, 1, b.len, out);
		fk_secbuf_free(&b);
	}
}

static void
show_question(struct wiz *w, const fk_question *q, const json_t *cur, const json_t *sugg)
{
	FILE *out = w->o->out;
	const fk_field *x = q->field;
	const char *hint = fk_field_hint(x, w->lang);
	size_t i;

	fprintf(out, "\n%*s%s%s\n", q->depth * 2, "", fk_field_label(x, w->lang),
	    q->required ? " *" : "");
	if (hint != NULL)
		fprintf(out, "%*s(%s)\n", q->depth * 2, "", hint);
	for (i = 0; i < fk_field_nchoices(x); i++)
		fprintf(out, "%*s  %zu) %s\n", q->depth * 2, "", i + 1,
		    fk_field_choice_label(x, i, w->lang));
	if (cur != NULL) {
		fprintf(out, "%*s%s ", q->depth * 2, "", _("[now:"));
		show_value(w, x, cur);
		fprintf(out, "%s\n", _("] (Enter keeps it)"));
	} else if (sugg != NULL) {
		fprintf(out, "%*s%s ", q->depth * 2, "", _("[suggested:"));
		show_value(w, x, sugg);
		fprintf(out, "%s\n", _("] (Enter takes it)"));
	}
	fprintf(out, "> ");
	fflush(out);
}

static void
show_issues(struct wiz *w, const fk_issues *is)
{
	size_t i;

	for (i = 0; i < is->n; i++)
		fprintf(w->o->out, _("  ! %s\n"), is->v[i].msg);
}

/* Numbers typed for choices become choice names. */
static int
choices_text(const fk_field *x, const char *in, fk_secbuf *out)
{
	const char *p = in;
	char tok[256];

	out->len = 0;
	while (*p) {
		size_t n = strcspn(p, " ,");
		char *end;
		long k;
		if (n > 0) {
			snprintf(tok, sizeof tok, "%.*s", (int)(n < 255 ? n : 255), p);
			k = strtol(tok, &end, 10);
			if (*end == '\0' && k >= 1 && (size_t)k <= fk_field_nchoices(x)) {
				const char *nm = fk_field_choice_name(x, (size_t)k - 1);
				if (fk_secbuf_append(out, nm, strlen(nm), NULL) != 0)
					return -1;
			} else if (fk_secbuf_append(out, p, n, NULL) != 0) {
				return -1;
			}
			if (fk_secbuf_append(out, " ", 1, NULL) != 0)
				return -1;
		}
		p += n;
		p += strspn(p, " ,");
	}
	if (out->len > 0)
		out->len--;
	if (fk_secbuf_append(out, "", 1, NULL) != 0)
		return -1;
	out->len--;
	return 0;
}

/* --- going back --- */

static void
go_back(struct wiz *w)
{
	size_t n = json_array_size(w->history);
	const char *key, *hash;
	char path[512];

	if (n == 0) {
		fprintf(w->o->out, "%s\n", _("(this is the first question)"));
		return;
	}
	key = json_string_value(json_array_get(w->history, n - 1));
	if (key == NULL)
		return;
	hash = strrchr(key, '#');
	if (hash != NULL && strcmp(hash, "#done") != 0) {
		/* An "add another" that added an instance: take the instance away. */
		size_t cnt, k = (size_t)strtoul(hash + 1, NULL, 10);
		snprintf(path, sizeof path, "%.*s", (int)(hash - key), key);
		cnt = instances(w, path);
		if (cnt == k + 1 &&
		    fk_answers_repeat_remove(w->form, w->answers, path, k, NULL) != 0)
			fprintf(w->o->out, "%s\n", _("  ! cannot remove the last entry"));
	}
	json_object_del(w->visited, key);
	json_array_remove(w->history, n - 1);
}

/* --- one step --- */

enum { STEP_NEXT, STEP_DRAFT, STEP_FAIL };

static int
handle_common(struct wiz *w, int r)
{
	if (r == IN_EOF || r == IN_INTR)
		return STEP_DRAFT;
	if (r == IN_ERR)
		return STEP_FAIL;
	if (is_cmd(w, ":draft"))
		return STEP_DRAFT;
	if (w->line.len > 6 && memcmp(w->line.p, ":lang ", 6) == 0) {
		const char *l = (const char *)w->line.p + 6;
		if (fk_form_has_lang(w->form, l))
			set_lang(w, l);
		else
			fprintf(w->o->out, _("  ! no language \"%s\" in this form\n"), l);
		return STEP_NEXT;
	}
	if (is_cmd(w, "<")) {
		go_back(w);
		return STEP_NEXT;
	}
	return -1;
}

static int
ask_repeat(struct wiz *w, const fk_question *q, fk_err *e)
{
	long min = 0, max = 0;
	size_t n = instances(w, q->path), idx;
	char key[512], done[512];
	int r, h;

	fk_field_repeat_bounds(q->field, &min, &max);
	repeat_key(q->path, n, key, sizeof key);
	snprintf(done, sizeof done, "%s#done", q->path);
	if ((long)n < min || visited(w, key)) {
		if ((long)n >= min && visited(w, key))
			return visit_auto(w, done) == 0 ? STEP_NEXT : STEP_FAIL;
		if (fk_answers_repeat_add(w->form, w->answers, q->path, &idx, e) != 0)
			return STEP_FAIL;
		return visit_auto(w, key) == 0 ? STEP_NEXT : STEP_FAIL;
	}
	if (max > 0 && (long)n >= max)
		return visit_auto(w, done) == 0 ? STEP_NEXT : STEP_FAIL;
	fprintf(w->o->out, "\n%*s%s: %s (%zu) ", q->depth * 2, "", fk_field_label(q->field, w->lang),
	    n == 0 ? _("add one? y/n") : _("add another? y/n"), n);
	fputs("> ", w->o->out);
	fflush(w->o->out);
	r = read_line(w);
	if ((h = handle_common(w, r)) >= 0)
		return h;
	if (is_cmd(w, "y") || is_cmd(w, "Y") || is_cmd(w, "т") || is_cmd(w, "так") ||
	    is_cmd(w, "yes")) {
		if (fk_answers_repeat_add(w->form, w->answers, q->path, &idx, e) != 0)
			return STEP_FAIL;
		return visit(w, key) == 0 ? STEP_NEXT : STEP_FAIL;
	}
	if (is_cmd(w, "n") || is_cmd(w, "N") || is_cmd(w, "н") || is_cmd(w, "ні") ||
	    is_cmd(w, "no"))
		return visit(w, done) == 0 ? STEP_NEXT : STEP_FAIL;
	fprintf(w->o->out, "%s\n", _("  ! answer y or n"));
	return STEP_NEXT;
}

static int
ask_field(struct wiz *w, const fk_question *q, fk_err *e)
{
	const fk_field *x = q->field;
	fk_vopts vo = { w->lang, 0 };
	fk_issues is = { 0 };
	fk_secbuf txt = { 0 };
	json_t *cur, *sugg = NULL, *val = NULL;
	int r, h, rc = STEP_FAIL;

	cur = fk_answers_get(w->form, w->answers, q->path);
	if (fk_form_suggest(w->form, w->answers, q->path, &vo, &sugg, e) != 0)
		return STEP_FAIL;
	show_question(w, q, cur, sugg);
	r = read_line(w);
	if ((h = handle_common(w, r)) >= 0) {
		json_decref(sugg);
		return h;
	}
	if (w->line.len == 0) {
		val = cur ? json_incref(cur) : sugg ? json_incref(sugg) : NULL;
	} else if (fk_field_type(x) == FK_T_ATTACHMENT) {
		fk_attach_in a;
		memset(&a, 0, sizeof a);
		a.field = q->path;
		a.path = (const char *)w->line.p;
		if (fk_attach_answer(&a, w->o->att_limit, &val, e) != 0) {
			fprintf(w->o->out, "  ! %s\n", e->msg);
			fk_err_clear(e);
			rc = STEP_NEXT;
			goto out;
		}
		if (att_put(w, q->path, a.path, a.id) != 0) {
			fk_fail(e, FK_ELIMIT, _("too many attachments"));
			goto out;
		}
	} else {
		const char *text = (const char *)w->line.p;
		size_t len = w->line.len;
		if (fk_field_nchoices(x) > 0) {
			if (choices_text(x, text, &txt) != 0)
				goto out;
			text = (const char *)txt.p;
			len = txt.len;
		}
		r = fk_form_parse_answer(x, text, len, &val, &is, e);
		if (r < 0)
			goto out;
		if (r > 0) {
			show_issues(w, &is);
			rc = STEP_NEXT;
			goto out;
		}
	}
	if (fk_form_check_answer(w->form, w->answers, q->path, val, &vo, &is, e) != 0)
		goto out;
	if (is.n > 0) {
		show_issues(w, &is);
		rc = STEP_NEXT;
		goto out;
	}
	if (fk_answers_set(w->form, w->answers, q->path, val ? json_incref(val) : NULL, e) != 0)
		goto out;
	rc = visit(w, q->path) == 0 ? STEP_NEXT : STEP_FAIL;
out:
	json_decref(val);
	json_decref(sugg);
	fk_issues_free(&is);
	fk_secbuf_free(&txt);
	return rc;
}

/* The review screen. Returns STEP_NEXT to finalize (*go = 1) or to go on. */
static int
review(struct wiz *w, const fk_questions *q, int *go)
{
	FILE *out = w->o->out;
	size_t i;
	int r, h;

	*go = 0;
	fprintf(out, "\n== %s: %s ==\n", _("Review"), fk_form_title(w->form, w->lang));
	for (i = 0; i < q->n; i++) {
		const fk_question *x = &q->v[i];
		enum fk_ftype t = fk_field_type(x->field);
		if (t == FK_T_GROUP || t == FK_T_REPEAT) {
			fprintf(out, "%*s[%s]\n", x->depth * 2, "", fk_field_label(x->field, w->lang));
			continue;
		}
		if (t == FK_T_NOTE)
			continue;
		fprintf(out, "%*s%s: ", x->depth * 2, "", fk_field_label(x->field, w->lang));
		show_value(w, x->field, fk_answers_get(w->form, w->answers, x->path));
		fputc('\n', out);
	}
	fprintf(out, "\n%s\n> ", _("Finalize and seal this record? y = finalize, < = go back, :draft = save as draft"));
	fflush(out);
	r = read_line(w);
	if ((h = handle_common(w, r)) >= 0)
		return h;
	if (is_cmd(w, "y") || is_cmd(w, "Y") || is_cmd(w, "т") || is_cmd(w, "так") ||
	    is_cmd(w, "yes"))
		*go = 1;
	return STEP_NEXT;
}

static int
finalize(struct wiz *w, fk_record_out *res, int *done, fk_err *e)
{
	fk_vopts vo = { w->lang, 0 };
	fk_issues is = { 0 };
	fk_record_in in;
	size_t i;
	int rc = -1;

	*done = 0;
	if (fk_form_build(w->form, w->answers, &vo, e) != 0 ||
	    fk_form_validate(w->form, w->answers, &vo, &is, e) != 0)
		goto out;
	if (is.n > 0) {
		fprintf(w->o->out, "%s\n", _("The record is not complete:"));
		for (i = 0; i < is.n; i++) {
			fprintf(w->o->out, "  ! %s: %s\n", is.v[i].path, is.v[i].msg);
			json_object_del(w->visited, is.v[i].path);
		}
		rc = 0;
		goto out;
	}
	memset(&in, 0, sizeof in);
	in.form_id = fk_form_id(w->form);
	in.form_version = fk_form_version(w->form);
	in.answers = w->answers;
	in.created_at = w->created_at;
	in.att = w->att;
	in.natt = w->natt;
	in.draft_id = w->resumed ? w->draft_id : NULL;
	if (fk_finalize_one(w->o->fin, &in, res, e) != 0)
		goto out;
	*done = 1;
	rc = 0;
out:
	fk_issues_free(&is);
	return rc;
}

static const char *
start_lang(const fk_wizard_opts *o)
{
	const char *l = o->lang;

	if (l == NULL)
		l = fk_lang_pref();
	if (l != NULL && strncmp(l, "uk", 2) == 0 && fk_form_has_lang(o->form, "uk"))
		return "uk";
	if (l != NULL && strncmp(l, "en", 2) == 0 && fk_form_has_lang(o->form, "en"))
		return "en";
	return fk_form_lang(o->form, 0);
}

static int
wizard_loop(struct wiz *w, fk_record_out *res, int *saved, fk_err *e)
{
	fk_vopts vo;
	fk_questions q = { 0 };
	long i;
	int step, go, done;

	for (;;) {
		vo.lang = w->lang;
		vo.now = 0;
		fk_questions_free(&q);
		if (fk_form_visible(w->form, w->answers, &vo, &q, e) != 0)
			return -1;
		i = next_question(w, &q);
		if (i < 0) {
			step = review(w, &q, &go);
			if (step == STEP_NEXT && go) {
				if (finalize(w, res, &done, e) != 0)
					break;
				if (done) {
					fk_questions_free(&q);
					return 0;
				}
			}
		} else {
			const fk_question *x = &q.v[i];
			enum fk_ftype t = fk_field_type(x->field);
			if (t == FK_T_REPEAT) {
				step = ask_repeat(w, x, e);
			} else if (t == FK_T_GROUP || t == FK_T_NOTE || x->readonly) {
				fprintf(w->o->out, "\n%*s%s %s\n", x->depth * 2, "",
				    t == FK_T_GROUP ? "==" : "--", fk_field_label(x->field, w->lang));
				step = visit_auto(w, x->path) == 0 ? STEP_NEXT : STEP_FAIL;
			} else {
				step = ask_field(w, x, e);
			}
		}
		if (step == STEP_FAIL)
			break;
		if (step == STEP_DRAFT) {
			fk_questions_free(&q);
			if (save_draft(w, e) != 0)
				return -1;
			*saved = 1;
			return 0;
		}
	}
	fk_questions_free(&q);
	if (e->code == FK_OK)
		fk_fail(e, FK_EIO, _("cannot read the answer"));
	return -1;
}

int
fk_wizard_run(const fk_wizard_opts *o, fk_record_out *res, int *saved, char draft_id[FK_UUID_BUF],
    fk_err *e)
{
	struct wiz w;
	struct sigaction sa, old;
	size_t i;
	int rc = -1;

	memset(&w, 0, sizeof w);
	*saved = 0;
	draft_id[0] = '\0';
	w.o = o;
	w.form = o->form;
	w.answers = json_object();
	w.visited = json_object();
	w.history = json_array();
	w.created_at = (int64_t)time(NULL);
	if (w.answers == NULL || w.visited == NULL || w.history == NULL) {
		fk_fail(e, FK_ENOMEM, _("out of memory"));
		goto out;
	}
	set_lang(&w, start_lang(o));
	if (o->resume_id != NULL && load_draft(&w, o->resume_id, e) != 0)
		goto out;
	for (i = 0; i < o->natt; i++) {
		fk_attach_in a = o->att[i];
		json_t *v;
		if (fk_attach_answer(&a, o->att_limit, &v, e) != 0)
			goto out;
		if (fk_answers_set(w.form, w.answers, a.field, v, e) != 0 ||
		    att_put(&w, a.field, a.path, a.id) != 0)
			goto out;
	}
	/* Typed answers go straight into sodium_malloc memory, not a stdio buffer. */
	setvbuf(o->in, NULL, _IONBF, 0);
	interrupted = 0;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sigaction(SIGINT, &sa, &old); /* no SA_RESTART: reads return with EINTR */
	fprintf(o->out, "%s\n%s\n", fk_form_title(w.form, w.lang),
	    _("Type '<' to go back, ':draft' to save a draft, ':lang uk' or ':lang en' to switch."));
	rc = wizard_loop(&w, res, saved, e);
	sigaction(SIGINT, &old, NULL);
	if (rc == 0 && *saved) {
		memcpy(draft_id, w.draft_id, FK_UUID_BUF);
		fprintf(o->out, _("\nDraft saved: %s\nResume with: fieldkit capture --resume %s\n"),
		    w.draft_id, w.draft_id);
	} else if (rc == 0) {
		char ref[10];
		fk_shortref_format(res->short_ref, ref);
		fprintf(o->out, _("\nRecord sealed for the hub. Short reference for the family: %s\n"),
		    ref);
	}
out:
	json_decref(w.answers);
	json_decref(w.visited);
	json_decref(w.history);
	fk_secbuf_free(&w.line);
	att_free(&w);
	return rc;
}
