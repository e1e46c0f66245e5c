/*
 * session.c - see session.h: the session's state, the flow, answering,
 * entries and moving (the review, finalizing and drafts: session_review.c).
 *
 * State: the answers (a JSON object, as the record holds them), the steps
 * the worker has seen (an object of step keys: a question's path, or a
 * repeat's path + "#add"), the files behind attachment ids, and the cursor
 * (a step key, or "#review"). The flow is recomputed from the answers when
 * they change (gen); everything a face sees is derived from these, so
 * nothing can drift between what is shown and what is kept.
 */
#include "session_int.h"
#include "draft.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "attach.h"

/* ---- small helpers ---- */

fk_vopts
fk_ss_vopts(const fk_session *s)
{
	fk_vopts o = { s->lang, s->c.now };

	return o;
}

int
fk_ss_oom(fk_err *e)
{
	return fk_fail(e, FK_ENOMEM, _("out of memory"));
}

int
fk_ss_is_under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(path, prefix, n) == 0 && path[n] == '[';
}

static int
has_issue(fk_issues *is, const char *code, const char *msg, fk_err *e)
{
	return fk_issue_add(is, "", code, e, "%s", msg) != 0 ? -1 : 1;
}

size_t
fk_ss_entries(const fk_session *s, const char *repeat_path)
{
	json_t *a = fk_answers_get(s->c.form, s->answers, repeat_path);

	return json_is_array(a) ? json_array_size(a) : 0;
}

int
fk_ss_seen(const fk_session *s, const char *key)
{
	return json_object_get(s->seen, key) != NULL;
}

int
fk_ss_mark_seen(fk_session *s, const char *key, fk_err *e)
{
	return json_object_set_new(s->seen, key, json_true()) == 0 ? 0 : fk_ss_oom(e);
}

int
fk_ss_set_cursor(fk_session *s, const char *key, fk_err *e)
{
	char *k = key ? strdup(key) : NULL;

	if (key != NULL && k == NULL)
		return fk_ss_oom(e);
	free(s->cursor);
	s->cursor = k;
	return 0;
}

static void
changed(fk_session *s)
{
	s->gen++;
	s->dirty = 1;
}

/* ---- the flow ---- */

static void
flow_clear(fk_session *s)
{
	size_t i;

	for (i = 0; i < s->nflow; i++)
		free(s->flow[i].key);
	s->nflow = 0;
	s->total = 0;
	fk_questions_free(&s->q);
	memset(&s->q, 0, sizeof s->q);
	s->flow_ok = 0;
}

static int
flow_push(fk_session *s, enum fk_step_kind k, const fk_question *q, const char *suffix,
    fk_err *e)
{
	struct fstep *v;
	size_t n = strlen(q->path) + (suffix ? strlen(suffix) : 0) + 1;

	if (s->nflow == s->capflow) {
		size_t cap = s->capflow ? s->capflow * 2 : 64;
		if ((v = realloc(s->flow, cap * sizeof *v)) == NULL)
			return fk_ss_oom(e);
		s->flow = v;
		s->capflow = cap;
	}
	v = &s->flow[s->nflow];
	if ((v->key = malloc(n)) == NULL)
		return fk_ss_oom(e);
	snprintf(v->key, n, "%s%s", q->path, suffix ? suffix : "");
	v->kind = k;
	v->q = q;
	v->number = k == FK_STEP_INFO ? 0 : ++s->total;
	s->nflow++;
	return 0;
}

/* Adds entries to visible repeats below their min, until none is. */
static int
ensure_min(fk_session *s, fk_err *e)
{
	fk_vopts o = fk_ss_vopts(s);
	size_t i, n;
	long min, max;
	int round, added;

	for (round = 0; round < ENSURE_ROUNDS; round++) {
		fk_questions_free(&s->q);
		memset(&s->q, 0, sizeof s->q);
		if (fk_form_visible(s->c.form, s->answers, &o, &s->q, e) != 0)
			return -1;
		added = 0;
		for (i = 0; i < s->q.n; i++) {
			const fk_question *q = &s->q.v[i];
			if (fk_field_type(q->field) != FK_T_REPEAT)
				continue;
			fk_field_repeat_bounds(q->field, &min, &max);
			for (n = fk_ss_entries(s, q->path); (long)n < min; n++) {
				if (fk_answers_repeat_add(s->c.form, s->answers, q->path, NULL, e) != 0)
					return -1;
				added = 1;
			}
		}
		if (!added)
			return 0;
		s->gen++; /* not the worker's change: dirty stays */
	}
	return fk_fail(e, FK_ELIMIT, _("the form's repeats nest too deep"));
}

/* A Latin question whose source is empty and that holds no answer: not asked. */
int
fk_ss_skipped_latin(fk_session *s, const fk_question *q, int *skip, fk_err *e)
{
	fk_vopts o = fk_ss_vopts(s);
	json_t *sg = NULL;

	*skip = 0;
	if (fk_field_translit_from(q->field) == NULL ||
	    fk_answers_get(s->c.form, s->answers, q->path) != NULL)
		return 0;
	if (fk_form_suggest(s->c.form, s->answers, q->path, &o, &sg, e) != 0)
		return -1;
	*skip = sg == NULL;
	json_decref(sg);
	return 0;
}

static int
close_repeat(fk_session *s, const fk_question *r, fk_err *e)
{
	long min, max;

	fk_field_repeat_bounds(r->field, &min, &max);
	if (max > 0 && (long)fk_ss_entries(s, r->path) >= max)
		return 0;
	return flow_push(s, FK_STEP_ADD, r, ADD_SUFFIX, e);
}

int
fk_ss_flow_update(fk_session *s, fk_err *e)
{
	const fk_question *open[FK_SESSION_NEST * 2 + 2];
	size_t nopen = 0, i;
	int skip;

	if (s->flow_ok && s->flow_gen == s->gen)
		return 0;
	flow_clear(s);
	if (ensure_min(s, e) != 0)
		return -1;
	for (i = 0; i < s->q.n; i++) {
		const fk_question *q = &s->q.v[i];
		enum fk_ftype t = fk_field_type(q->field);
		while (nopen > 0 && !fk_ss_is_under(q->path, open[nopen - 1]->path))
			if (close_repeat(s, open[--nopen], e) != 0)
				return -1;
		if (t == FK_T_GROUP)
			continue;
		if (t == FK_T_REPEAT) {
			if (nopen == sizeof open / sizeof open[0])
				return fk_fail(e, FK_ELIMIT, _("the form's repeats nest too deep"));
			open[nopen++] = q;
			continue;
		}
		if (t == FK_T_NOTE || q->readonly) {
			if (flow_push(s, FK_STEP_INFO, q, NULL, e) != 0)
				return -1;
			continue;
		}
		if (fk_ss_skipped_latin(s, q, &skip, e) != 0)
			return -1;
		if (!skip && flow_push(s, FK_STEP_QUESTION, q, NULL, e) != 0)
			return -1;
	}
	while (nopen > 0)
		if (close_repeat(s, open[--nopen], e) != 0)
			return -1;
	s->flow_gen = s->gen;
	s->flow_ok = 1;
	return 0;
}

long
fk_ss_flow_find(const fk_session *s, const char *key)
{
	size_t i;

	for (i = 0; key != NULL && i < s->nflow; i++)
		if (strcmp(s->flow[i].key, key) == 0)
			return (long)i;
	return -1;
}

/* The cursor as an index into the flow; nflow = the review. */
size_t
fk_ss_cur_index(fk_session *s)
{
	long i;

	if (s->cursor != NULL && strcmp(s->cursor, REVIEW_KEY) == 0)
		return s->nflow;
	if (s->cursor == NULL)
		return s->cursor_pos < s->nflow ? s->cursor_pos : s->nflow;
	if ((i = fk_ss_flow_find(s, s->cursor)) >= 0)
		return (size_t)i;
	/* Its step went (an answer made it irrelevant): the one now in its place. */
	return s->cursor_pos < s->nflow ? s->cursor_pos : s->nflow;
}

int
fk_ss_goto_index(fk_session *s, size_t i, fk_err *e)
{
	s->cursor_pos = i;
	return fk_ss_set_cursor(s, i < s->nflow ? s->flow[i].key : REVIEW_KEY, e);
}

int
fk_ss_answerable(const struct fstep *f)
{
	return f->kind == FK_STEP_QUESTION || f->kind == FK_STEP_ADD;
}

/* The first step never seen at or after from (then from the start), or -1. */
long
fk_ss_first_unseen(const fk_session *s, size_t from)
{
	size_t i;

	for (i = from; i < s->nflow; i++)
		if (fk_ss_answerable(&s->flow[i]) && !fk_ss_seen(s, s->flow[i].key))
			return (long)i;
	for (i = 0; i < from && i < s->nflow; i++)
		if (fk_ss_answerable(&s->flow[i]) && !fk_ss_seen(s, s->flow[i].key))
			return (long)i;
	return -1;
}

/* Moves on from the step at index `from` (see MOVING in session.h). */
static int
advance(fk_session *s, size_t from, fk_err *e)
{
	long j;

	s->fresh = 0;
	if (fk_ss_flow_update(s, e) != 0)
		return -1;
	if (!s->jumped && from + 1 < s->nflow)
		return fk_ss_goto_index(s, from + 1, e);
	if ((j = fk_ss_first_unseen(s, from + 1)) >= 0) {
		s->jumped = 1;
		return fk_ss_goto_index(s, (size_t)j, e);
	}
	s->jumped = 0;
	return fk_ss_goto_index(s, s->nflow, e);
}

/* ---- dependent answers (fk_answers_set_follow) ---- */

/* A Latin question whose transliteration changed is shown again before the review. */
static void
dep_moved(void *ctx, const char *path)
{
	fk_session *s = ctx;

	json_object_del(s->seen, path);
}

/* ---- setting answers ---- */

/* The visible question at path (not a note, not calculated), or NULL. */
static const fk_question *
question_at(fk_session *s, const char *path)
{
	size_t i;

	for (i = 0; i < s->q.n; i++)
		if (strcmp(s->q.v[i].path, path) == 0) {
			enum fk_ftype t = fk_field_type(s->q.v[i].field);
			if (t == FK_T_GROUP || t == FK_T_REPEAT || t == FK_T_NOTE || s->q.v[i].readonly)
				return NULL;
			return &s->q.v[i];
		}
	return NULL;
}

/* Stores val (stolen) at path after checking it. Returns 0, 1 refused, -1. */
static int
put(fk_session *s, const char *path, json_t *val, fk_issues *is, fk_err *e)
{
	fk_vopts o = fk_ss_vopts(s);
	const fk_question *q;
	size_t before = is->n;
	char key[KEY_MAX];

	if (fk_ss_flow_update(s, e) != 0)
		goto fail;
	if ((q = question_at(s, path)) == NULL) {
		json_decref(val);
		return has_issue(is, "not_relevant",
		    _("there is no question to answer here given the other answers"), e);
	}
	snprintf(key, sizeof key, "%s", q->path);
	if (fk_form_check_answer(s->c.form, s->answers, key, val, &o, is, e) != 0)
		goto fail;
	if (is->n > before) {
		json_decref(val);
		return 1;
	}
	if (fk_answers_set_follow(s->c.form, s->answers, key, val, &o, dep_moved, s, e) != 0)
		return -1;
	changed(s);
	if (fk_ss_mark_seen(s, key, e) != 0)
		return -1;
	return 0;
fail:
	json_decref(val);
	return -1;
}

/* After an action at path: moves on if path is the cursor's step. */
static int
after(fk_session *s, const char *path, size_t at, int was_cursor, fk_err *e)
{
	(void)path;
	if (!was_cursor)
		return 0;
	return advance(s, at, e);
}

/* Resolves path NULL to the cursor's step; *at its flow index; *cur whether it is the cursor. */
static int
target(fk_session *s, const char **path, size_t *at, int *cur, fk_err *e)
{
	size_t i;

	if (fk_ss_flow_update(s, e) != 0)
		return -1;
	i = fk_ss_cur_index(s);
	*at = i;
	*cur = 0;
	if (*path == NULL) {
		if (i >= s->nflow)
			return fk_fail(e, FK_ESTATE, _("there is no question here: this is the review"));
		*path = s->flow[i].kind == FK_STEP_ADD ? s->flow[i].q->path : s->flow[i].key;
		*cur = 1;
		return 0;
	}
	*cur = i < s->nflow && (strcmp(s->flow[i].key, *path) == 0 ||
	    (s->flow[i].kind == FK_STEP_ADD && strcmp(s->flow[i].q->path, *path) == 0));
	return 0;
}

/* ---- choices typed by number, name or label ---- */

/* Appends the lower-case form of UTF-8 text (ASCII and Cyrillic; apostrophes unified). */
static int
fold(const char *p, size_t n, char *out, size_t cap)
{
	size_t o = 0, i = 0;

	while (i < n) {
		unsigned c = (unsigned char)p[i];
		if (c < 0x80) {
			if (o + 1 >= cap)
				return -1;
			out[o++] = (char)tolower((int)c);
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0 && i + 1 < n) {
			unsigned cp = ((c & 0x1f) << 6) | ((unsigned char)p[i + 1] & 0x3f);
			if (cp >= 0x410 && cp <= 0x42f)
				cp += 0x20;
			else if (cp >= 0x400 && cp <= 0x40f)
				cp += 0x50;
			else if (cp >= 0x460 && cp <= 0x4ff && cp % 2 == 0)
				cp += 1;
			else if (cp == 0x2bc)
				cp = '\'';
			if (cp == '\'') {
				if (o + 1 >= cap)
					return -1;
				out[o++] = '\'';
			} else {
				if (o + 2 >= cap)
					return -1;
				out[o++] = (char)(0xc0 | (cp >> 6));
				out[o++] = (char)(0x80 | (cp & 0x3f));
			}
			i += 2;
			continue;
		}
		if (c == 0xe2 && i + 2 < n && (unsigned char)p[i + 1] == 0x80 &&
		    ((unsigned char)p[i + 2] == 0x98 || (unsigned char)p[i + 2] == 0x99)) {
			if (o + 1 >= cap)
				return -1;
			out[o++] = '\''; /* ‘ ’ */
			i += 3;
			continue;
		}
		if (o + 1 >= cap)
			return -1;
		out[o++] = (char)c;
		i++;
	}
	out[o] = '\0';
	return 0;
}

static void
trim(const char **p, size_t *n)
{
	while (*n > 0 && isspace((unsigned char)**p)) {
		(*p)++;
		(*n)--;
	}
	while (*n > 0 && isspace((unsigned char)(*p)[*n - 1]))
		(*n)--;
}

static size_t
utf8_chars(const char *p)
{
	size_t n = 0;

	for (; *p; p++)
		n += ((unsigned char)*p & 0xc0) != 0x80;
	return n;
}

/*
 * 1 when tok starts lab or one of its words ("київ" starts "київська область"
 * and "м. київ", so it stands for neither alone).
 */
static int
word_prefix(const char *lab, const char *tok)
{
	size_t t = strlen(tok);
	const char *w;

	for (w = lab; *w; w++)
		if ((w == lab || strchr(" .,;:()/-\"'", w[-1]) != NULL) && strncmp(w, tok, t) == 0)
			return 1;
	return 0;
}

/* The choice that text stands for: >= 0, -1 none, -2 more than one. */
static long
match_choice(const fk_session *s, const fk_field *x, const char *p, size_t n)
{
	char tok[512], lab[1024];
	size_t i, k, nc = fk_field_nchoices(x), nl = fk_form_nlangs(s->c.form);
	long hit = -1;
	int all_digits = n > 0;

	trim(&p, &n);
	if (n == 0 || fold(p, n, tok, sizeof tok) != 0)
		return -1;
	for (i = 0; i < n; i++)
		all_digits &= isdigit((unsigned char)p[i]) != 0;
	if (all_digits) {
		long v = n < 6 ? strtol(tok, NULL, 10) : 0;
		return v >= 1 && (size_t)v <= nc ? v - 1 : -1;
	}
	for (i = 0; i < nc; i++) {
		const char *nm = fk_field_choice_name(x, i);
		if (fold(nm, strlen(nm), lab, sizeof lab) == 0 && strcmp(lab, tok) == 0)
			return (long)i;
		for (k = 0; k < nl; k++) {
			const char *l = fk_field_choice_label(x, i, fk_form_lang(s->c.form, k));
			if (l != NULL && fold(l, strlen(l), lab, sizeof lab) == 0 && strcmp(lab, tok) == 0)
				return (long)i;
		}
	}
	if (utf8_chars(tok) < CHOICE_PREFIX)
		return -1;
	for (i = 0; i < nc; i++)
		for (k = 0; k < nl; k++) {
			const char *l = fk_field_choice_label(x, i, fk_form_lang(s->c.form, k));
			if (l != NULL && fold(l, strlen(l), lab, sizeof lab) == 0 &&
			    word_prefix(lab, tok)) {
				if (hit >= 0 && hit != (long)i)
					return -2;
				hit = (long)i;
			}
		}
	return hit;
}

static int
choice_issue(fk_issues *is, long r, fk_err *e)
{
	return r == -2 ? has_issue(is, "ambiguous_choice",
	    _("that fits more than one choice: type more of its label, or its number"), e) :
	    has_issue(is, "invalid_choice",
	    _("not one of the choices: type its number or its label"), e);
}

static int
add_choice(json_t *arr, const fk_field *x, long k)
{
	const char *nm = fk_field_choice_name(x, (size_t)k);
	size_t i;

	for (i = 0; i < json_array_size(arr); i++)
		if (strcmp(json_string_value(json_array_get(arr, i)), nm) == 0)
			return 0;
	return json_array_append_new(arr, json_string(nm));
}

/* Typed choices into their JSON value. Returns 0, 1 refused, -1. */
static int
parse_choices(const fk_session *s, const fk_field *x, const char *text, size_t len, json_t **out,
    fk_issues *is, fk_err *e)
{
	const char *p = text, *end = text + len, *c;
	json_t *arr;
	long k;

	*out = NULL;
	k = match_choice(s, x, text, len);
	if (fk_field_type(x) == FK_T_SELECT_ONE) {
		if (k < 0)
			return choice_issue(is, k, e);
		*out = json_string(fk_field_choice_name(x, (size_t)k));
		return *out ? 0 : fk_ss_oom(e);
	}
	if ((arr = json_array()) == NULL)
		return fk_ss_oom(e);
	if (k >= 0) {
		add_choice(arr, x, k);
		*out = arr;
		return 0;
	}
	/* Several: separated by commas; a part may also be numbers or names separated by blanks. */
	while (p < end) {
		size_t n;
		c = memchr(p, ',', (size_t)(end - p));
		n = (size_t)((c ? c : end) - p);
		k = match_choice(s, x, p, n);
		if (k >= 0) {
			add_choice(arr, x, k);
		} else {
			const char *w = p, *we = p + n;
			int any = 0;
			while (w < we) {
				size_t m = 0;
				while (w < we && isspace((unsigned char)*w))
					w++;
				while (w + m < we && !isspace((unsigned char)w[m]))
					m++;
				if (m == 0)
					break;
				k = match_choice(s, x, w, m);
				if (k < 0) {
					json_decref(arr);
					return choice_issue(is, k, e);
				}
				add_choice(arr, x, k);
				any = 1;
				w += m;
			}
			(void)any;
		}
		p += n + (c != NULL);
	}
	*out = arr;
	return 0;
}

static int
is_word(const char *p, size_t n, const char *const *words)
{
	char buf[64];

	trim(&p, &n);
	if (fold(p, n, buf, sizeof buf) != 0)
		return 0;
	for (; *words; words++)
		if (strcmp(buf, *words) == 0)
			return 1;
	return 0;
}

static const char *const YES[] = { "y", "yes", "т", "так", NULL };
static const char *const NO[] = { "n", "no", "н", "ні", NULL };

/* ---- public: lifetime ---- */

int
fk_ss_session_init(const fk_session_cfg *c, fk_session **sp, fk_err *e)
{
	fk_session *s;
	const char *l = c->lang;

	*sp = NULL;
	if (c->form == NULL)
		return fk_fail(e, FK_EUSAGE, _("no form to capture"));
	if ((s = calloc(1, sizeof *s)) == NULL)
		return fk_ss_oom(e);
	s->c = *c;
	s->hold = -1;
	if (l == NULL || !fk_form_has_lang(c->form, l))
		l = fk_form_lang(c->form, 0);
	snprintf(s->lang, sizeof s->lang, "%s", l);
	s->answers = json_object();
	s->seen = json_object();
	s->files = json_object();
	s->history = json_array();
	s->face = json_object();
	s->created_at = (int64_t)(c->now ? c->now : time(NULL));
	if (s->answers == NULL || s->seen == NULL || s->files == NULL || s->history == NULL ||
	    s->face == NULL) {
		fk_session_free(s);
		return fk_ss_oom(e);
	}
	*sp = s;
	return 0;
}

int
fk_session_new(const fk_session_cfg *c, fk_session **s, fk_err *e)
{
	return fk_ss_session_init(c, s, e);
}

void
fk_session_free(fk_session *s)
{
	if (s == NULL)
		return;
	fk_draft_release(&s->hold, NULL, NULL);
	flow_clear(s);
	free(s->flow);
	free(s->cursor);
	free(s->sugg_key);
	json_decref(s->sugg);
	json_decref(s->answers);
	json_decref(s->seen);
	json_decref(s->files);
	json_decref(s->history);
	json_decref(s->face);
	json_decref(s->built);
	fk_issues_free(&s->built_issues);
	free(s);
}

const json_t *
fk_session_answer_at(const fk_session *s, const char *path)
{
	return path != NULL ? fk_answers_get(s->c.form, s->answers, path) : NULL;
}

const fk_form *
fk_session_form(const fk_session *s)
{
	return s->c.form;
}

const char *
fk_session_lang(const fk_session *s)
{
	return s->lang;
}

int
fk_session_set_lang(fk_session *s, const char *lang, fk_err *e)
{
	if (lang == NULL || !fk_form_has_lang(s->c.form, lang))
		return fk_fail(e, FK_EINPUT, _("this form has no language \"%.8s\""), lang ? lang : "");
	snprintf(s->lang, sizeof s->lang, "%s", lang);
	s->gen++; /* labels in reviews change */
	return 0;
}

/* ---- public: the current step ---- */

/* Fills the repeat entries around path and the innermost group of x. */
static void
step_context(fk_session *s, const char *path, const fk_field *x, fk_step *st)
{
	char prefix[KEY_MAX], name[128];
	const char *p = path, *br;
	const fk_field *g;

	st->nentry = 0;
	while ((br = strchr(p, '[')) != NULL && st->nentry < FK_SESSION_NEST) {
		const char *nm = br;
		size_t k = (size_t)strtoul(br + 1, NULL, 10);
		while (nm > path && nm[-1] != '.')
			nm--;
		snprintf(name, sizeof name, "%.*s", (int)(br - nm), nm);
		snprintf(prefix, sizeof prefix, "%.*s", (int)(br - path), path);
		st->entry[st->nentry].repeat = fk_form_find(s->c.form, name);
		st->entry[st->nentry].index = k;
		st->entry[st->nentry].count = fk_ss_entries(s, prefix);
		st->nentry++;
		p = strchr(br, ']');
		if (p == NULL)
			break;
	}
	st->group = NULL;
	for (g = fk_field_parent(x); g != NULL && fk_field_parent(g) != NULL; g = fk_field_parent(g)) {
		if (fk_field_type(g) == FK_T_REPEAT)
			break;
		if (fk_field_type(g) == FK_T_GROUP) {
			st->group = g;
			break;
		}
	}
}

int
fk_session_step(fk_session *s, fk_step *st, fk_err *e)
{
	fk_vopts o = fk_ss_vopts(s);
	const struct fstep *f;
	size_t i;

	memset(st, 0, sizeof *st);
	if (fk_ss_flow_update(s, e) != 0)
		return -1;
	i = fk_ss_cur_index(s);
	st->total = s->total;
	if (i >= s->nflow) {
		st->kind = FK_STEP_REVIEW;
		return 0;
	}
	f = &s->flow[i];
	st->kind = f->kind;
	st->field = f->q->field;
	st->path = f->kind == FK_STEP_ADD ? f->q->path : f->key;
	st->number = f->number;
	st->depth = f->q->depth;
	st->required = f->q->required;
	st->seen = fk_ss_seen(s, f->key);
	st->fresh_entry = s->fresh;
	step_context(s, st->path, st->field, st);
	if (f->kind == FK_STEP_ADD) {
		st->count = fk_ss_entries(s, f->q->path);
		fk_field_repeat_bounds(f->q->field, &st->min, &st->max);
		/* An ADD step sits inside the repeat it adds to, one level deeper. */
		st->depth = f->q->depth + 1;
		return 0;
	}
	st->value = fk_answers_get(s->c.form, s->answers, f->key);
	/* The same step of the same answers: the same suggestion (earlier pointers stay good). */
	if (s->sugg_key == NULL || s->sugg_gen != s->gen || strcmp(s->sugg_key, f->key) != 0) {
		json_decref(s->sugg);
		s->sugg = NULL;
		free(s->sugg_key);
		if ((s->sugg_key = strdup(f->key)) == NULL)
			return fk_ss_oom(e);
		s->sugg_gen = s->gen;
		if (fk_field_type(f->q->field) != FK_T_NOTE &&
		    fk_form_suggest(s->c.form, s->answers, f->key, &o, &s->sugg, e) != 0) {
			free(s->sugg_key);
			s->sugg_key = NULL;
			return -1;
		}
	}
	st->suggestion = s->sugg;
	return 0;
}

/* ---- public: answering ---- */

int
fk_session_answer(fk_session *s, const char *path, const char *text, size_t len, fk_issues *is,
    fk_err *e)
{
	const fk_question *q;
	json_t *val = NULL;
	size_t at;
	int cur, rc;

	if (target(s, &path, &at, &cur, e) != 0)
		return -1;
	if (cur && s->flow[at].kind == FK_STEP_ADD) {
		if (is_word(text, len, YES))
			return fk_session_add_entry(s, NULL, NULL, e) == 0 ? 0 :
			    e->code == FK_ELIMIT ? (fk_err_clear(e), has_issue(is, "repeat_max",
			    _("no more entries can be added here"), e)) : -1;
		if (is_word(text, len, NO))
			return fk_session_no_more(s, e);
		return has_issue(is, "yes_no", _("answer y (yes) or n (no)"), e);
	}
	if (cur && s->flow[at].kind == FK_STEP_INFO)
		return fk_session_keep(s, is, e);
	if ((q = question_at(s, path)) == NULL)
		return has_issue(is, "not_relevant",
		    _("there is no question to answer here given the other answers"), e);
	switch (fk_field_type(q->field)) {
	case FK_T_ATTACHMENT: {
		char *file;
		/* A file dragged into a terminal comes quoted, with a blank after
		 * it ('/media/usb/фото 1.jpg' ); ~/ is the home folder. */
		while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
			len--;
		while (len > 0 && (*text == ' ' || *text == '\t')) {
			text++;
			len--;
		}
		if (len >= 2 && (text[0] == '\'' || text[0] == '"') && text[len - 1] == text[0]) {
			text++;
			len -= 2;
		}
		if (len >= 2 && text[0] == '~' && text[1] == '/' && getenv("HOME") != NULL) {
			if (asprintf(&file, "%s%.*s", getenv("HOME"), (int)(len - 1), text + 1) < 0)
				file = NULL;
		} else {
			file = strndup(text, len);
		}
		if (file == NULL)
			return fk_ss_oom(e);
		rc = fk_session_attach(s, path, file, is, e);
		free(file);
		return rc;
	}
	case FK_T_SELECT_ONE:
	case FK_T_SELECT_MULTIPLE:
		rc = parse_choices(s, q->field, text, len, &val, is, e);
		break;
	default:
		rc = fk_form_parse_answer(q->field, text, len, &val, is, e);
		break;
	}
	if (rc != 0)
		return rc;
	if ((rc = put(s, path, val, is, e)) != 0)
		return rc;
	return after(s, path, at, cur, e);
}

int
fk_session_set(fk_session *s, const char *path, const json_t *value, fk_issues *is, fk_err *e)
{
	const fk_question *q;
	json_t *v;
	size_t at;
	int cur, rc;

	if (target(s, &path, &at, &cur, e) != 0)
		return -1;
	if ((q = question_at(s, path)) == NULL)
		return has_issue(is, "not_relevant",
		    _("there is no question to answer here given the other answers"), e);
	if (value != NULL && fk_field_type(q->field) == FK_T_ATTACHMENT)
		return has_issue(is, "attachment", _("attach a file to answer this question"), e);
	if (value != NULL && (v = json_deep_copy(value)) == NULL)
		return fk_ss_oom(e);
	if ((rc = put(s, path, value ? v : NULL, is, e)) != 0)
		return rc;
	return after(s, path, at, cur, e);
}

int
fk_session_keep(fk_session *s, fk_issues *is, fk_err *e)
{
	fk_vopts o = fk_ss_vopts(s);
	const struct fstep *f;
	json_t *cur, *sg = NULL;
	size_t at;
	int rc;

	if (fk_ss_flow_update(s, e) != 0)
		return -1;
	if ((at = fk_ss_cur_index(s)) >= s->nflow)
		return fk_fail(e, FK_ESTATE, _("there is no question here: this is the review"));
	f = &s->flow[at];
	if (f->kind == FK_STEP_ADD)
		return fk_session_no_more(s, e);
	if (f->kind == FK_STEP_INFO) {
		if (fk_ss_mark_seen(s, f->key, e) != 0)
			return -1;
		return advance(s, at, e);
	}
	cur = fk_answers_get(s->c.form, s->answers, f->key);
	if (cur == NULL &&
	    fk_form_suggest(s->c.form, s->answers, f->key, &o, &sg, e) != 0)
		return -1;
	if (cur == NULL && sg != NULL) {
		char key[KEY_MAX];
		snprintf(key, sizeof key, "%s", f->key);
		if ((rc = put(s, key, sg, is, e)) != 0)
			return rc;
		return advance(s, at, e);
	}
	if (cur == NULL) {
		size_t before = is->n;
		if (fk_form_check_answer(s->c.form, s->answers, f->key, NULL, &o, is, e) != 0)
			return -1;
		if (is->n > before)
			return 1;
	}
	if (!fk_ss_seen(s, f->key)) {
		s->dirty = 1;
		if (fk_ss_mark_seen(s, f->key, e) != 0)
			return -1;
	}
	return advance(s, at, e);
}

int
fk_session_clear(fk_session *s, const char *path, fk_issues *is, fk_err *e)
{
	size_t at;
	int cur, rc;

	if (target(s, &path, &at, &cur, e) != 0)
		return -1;
	if (cur && s->flow[at].kind != FK_STEP_QUESTION)
		return has_issue(is, "not_answerable", _("there is no answer here to clear"), e);
	if ((rc = put(s, path, NULL, is, e)) != 0)
		return rc;
	return after(s, path, at, cur, e);
}

/*
 * Adds the entries a path names that are not there yet, when each is the
 * next one of its repeat ("children[0].child_photos[0]..." with no photo yet).
 */
static int
add_entries(fk_session *s, const char *path, fk_err *e)
{
	char rep[KEY_MAX];
	const char *p = path, *br;
	size_t k;

	while ((br = strchr(p, '[')) != NULL) {
		k = (size_t)strtoul(br + 1, NULL, 10);
		if ((size_t)(br - path) >= sizeof rep)
			return 0;
		snprintf(rep, sizeof rep, "%.*s", (int)(br - path), path);
		if (fk_ss_entries(s, rep) == k) {
			if (fk_answers_repeat_add(s->c.form, s->answers, rep, NULL, e) != 0) {
				fk_err_clear(e); /* not a repeat, or at its max: the caller says no */
				return 0;
			}
			s->gen++;
		}
		if ((p = strchr(br, ']')) == NULL)
			return 0;
	}
	return 0;
}

int
fk_session_attach(fk_session *s, const char *path, const char *file, fk_issues *is, fk_err *e)
{
	const fk_question *q;
	fk_attach_in a;
	json_t *val = NULL, *rec;
	char *abs, hex[65];
	size_t at;
	int cur, rc;

	if (target(s, &path, &at, &cur, e) != 0)
		return -1;
	if ((q = question_at(s, path)) == NULL) {
		/* A path into entries not there yet (--attach children[0].child_photos[0].photo). */
		if (add_entries(s, path, e) != 0)
			return -1;
		if (fk_ss_flow_update(s, e) != 0)
			return -1;
		q = question_at(s, path);
	}
	if (q == NULL || fk_field_type(q->field) != FK_T_ATTACHMENT)
		return has_issue(is, "not_attachment", _("this question does not take a file"), e);
	while (*file == ' ')
		file++;
	if (*file == '\0')
		return has_issue(is, "required", _("type the name of the file"), e);
	memset(&a, 0, sizeof a);
	a.field = path;
	a.path = file;
	if (fk_attach_answer(&a, s->c.att_limit, &val, e) != 0) {
		if (e->code == FK_ENOMEM)
			return -1;
		rc = fk_issue_add(is, "", "attachment", e, "%s", e->msg);
		fk_err_clear(e);
		return rc != 0 ? -1 : 1;
	}
	if ((abs = realpath(file, NULL)) == NULL) {
		json_decref(val);
		return fk_fail(e, FK_EIO, _("cannot find attachment %s: %s"), file, strerror(errno));
	}
	/* Its content as it is now, which the review shows: sealing checks that
	 * the file still holds it (a file replaced meanwhile is never sealed). */
	if (fk_attach_file_sha256(abs, hex, e) != 0) {
		free(abs);
		json_decref(val);
		return -1;
	}
	rec = json_pack("{s:s, s:I, s:s}", "path", abs, "size", json_object_get(val, "size") ?
	    json_integer_value(json_object_get(val, "size")) : 0, "sha256", hex);
	free(abs);
	if (rec == NULL) {
		json_decref(val);
		return fk_fail(e, FK_EINPUT, _("attachment %s: the file name is not valid UTF-8"), file);
	}
	if ((rc = put(s, path, val, is, e)) != 0) {
		json_decref(rec);
		return rc;
	}
	if (json_object_set_new(s->files, a.id, rec) != 0)
		return fk_ss_oom(e);
	return after(s, path, at, cur, e);
}

/* ---- public: entries ---- */

int
fk_session_add_entry(fk_session *s, const char *path, size_t *index, fk_err *e)
{
	char key[KEY_MAX], under[KEY_MAX + 32];
	size_t at, idx, i;
	int cur;

	if (target(s, &path, &at, &cur, e) != 0)
		return -1;
	if (cur && s->flow[at].kind != FK_STEP_ADD)
		return fk_fail(e, FK_ESTATE, _("this is not a question about adding an entry"));
	snprintf(key, sizeof key, "%s", path);
	if (fk_answers_repeat_add(s->c.form, s->answers, key, &idx, e) != 0)
		return -1;
	changed(s);
	if (index != NULL)
		*index = idx;
	snprintf(under, sizeof under, "%s%s", key, ADD_SUFFIX);
	json_object_del(s->seen, under);
	if (!cur)
		return 0;
	if (fk_ss_flow_update(s, e) != 0)
		return -1;
	snprintf(under, sizeof under, "%s[%zu].", key, idx);
	for (i = 0; i < s->nflow; i++)
		if (strncmp(s->flow[i].key, under, strlen(under)) == 0) {
			if (fk_ss_goto_index(s, i, e) != 0)
				return -1;
			s->fresh = 1;
			return 0;
		}
	return 0;
}

int
fk_session_no_more(fk_session *s, fk_err *e)
{
	size_t at;

	if (fk_ss_flow_update(s, e) != 0)
		return -1;
	at = fk_ss_cur_index(s);
	if (at >= s->nflow || s->flow[at].kind != FK_STEP_ADD)
		return fk_fail(e, FK_ESTATE, _("this is not a question about adding an entry"));
	if (!fk_ss_seen(s, s->flow[at].key)) {
		s->dirty = 1;
		if (fk_ss_mark_seen(s, s->flow[at].key, e) != 0)
			return -1;
	}
	return advance(s, at, e);
}

/* "children[1].x" with prefix "children[" and removed index 1 -> NULL (gone);
 * "children[2].x" -> "children[1].x"; others unchanged (copied). */
static char *
renumber(const char *key, const char *prefix, size_t removed, int *gone)
{
	size_t n = strlen(prefix), k;
	char *end, *out;

	*gone = 0;
	if (strncmp(key, prefix, n) != 0 || !isdigit((unsigned char)key[n]))
		return strdup(key);
	k = (size_t)strtoul(key + n, &end, 10);
	if (*end != ']')
		return strdup(key);
	if (k == removed) {
		*gone = 1;
		return NULL;
	}
	if (k < removed)
		return strdup(key);
	if ((out = malloc(strlen(key) + 1)) == NULL)
		return NULL;
	snprintf(out, strlen(key) + 1, "%.*s%zu%s", (int)n, key, k - 1, end);
	return out;
}

int
fk_session_remove_entry(fk_session *s, const char *entry, fk_err *e)
{
	char rep[KEY_MAX], prefix[KEY_MAX + 2];
	const char *br;
	const fk_field *x;
	json_t *nseen, *v;
	const char *k;
	size_t idx, n, i;
	long min, max, first = -1;
	char *end;
	int gone;

	if (fk_ss_flow_update(s, e) != 0)
		return -1;
	n = strlen(entry);
	br = strrchr(entry, '[');
	if (br == NULL || n < 3 || entry[n - 1] != ']' || !isdigit((unsigned char)br[1]))
		return fk_fail(e, FK_EINPUT, _("%s does not name an entry"), entry);
	idx = (size_t)strtoul(br + 1, &end, 10);
	if (end != entry + n - 1)
		return fk_fail(e, FK_EINPUT, _("%s does not name an entry"), entry);
	snprintf(rep, sizeof rep, "%.*s", (int)(br - entry), entry);
	snprintf(prefix, sizeof prefix, "%s[", rep);
	if ((x = fk_form_find(s->c.form, strrchr(rep, '.') ? strrchr(rep, '.') + 1 : rep)) == NULL ||
	    fk_field_type(x) != FK_T_REPEAT || idx >= fk_ss_entries(s, rep))
		return fk_fail(e, FK_EINPUT, _("%s does not name an entry"), entry);
	fk_field_repeat_bounds(x, &min, &max);
	if ((long)fk_ss_entries(s, rep) <= min)
		return fk_fail(e, FK_ELIMIT, ngettext("at least %ld entry is needed here",
		    "at least %ld entries are needed here", (unsigned long)min), min);
	for (i = 0; i < s->nflow && first < 0; i++)
		if (strncmp(s->flow[i].key, entry, n) == 0 && s->flow[i].key[n] == '.')
			first = (long)i;
	if (fk_answers_repeat_remove(s->c.form, s->answers, rep, idx, e) != 0)
		return -1;
	changed(s);
	/* Seen steps and the cursor move with the entries after it. */
	if ((nseen = json_object()) == NULL)
		return fk_ss_oom(e);
	json_object_foreach(s->seen, k, v) {
		char *nk = renumber(k, prefix, idx, &gone);
		if (gone)
			continue;
		if (nk == NULL || json_object_set_new(nseen, nk, json_true()) != 0) {
			free(nk);
			json_decref(nseen);
			return fk_ss_oom(e);
		}
		free(nk);
	}
	json_decref(s->seen);
	s->seen = nseen;
	if (s->cursor != NULL && strcmp(s->cursor, REVIEW_KEY) != 0) {
		char *nk = renumber(s->cursor, prefix, idx, &gone);
		free(s->cursor);
		s->cursor = nk;
		if (gone) {
			s->cursor_pos = first >= 0 ? (size_t)first : 0;
			s->cursor = NULL;
		} else if (nk == NULL) {
			return fk_ss_oom(e);
		}
	}
	s->fresh = 0;
	return 0;
}

int
fk_session_cursor_entry(fk_session *s, char *out, size_t cap, fk_err *e)
{
	const char *k, *close;
	size_t at;

	if (fk_ss_flow_update(s, e) != 0)
		return -1;
	if ((at = fk_ss_cur_index(s)) >= s->nflow)
		return 1;
	k = s->flow[at].kind == FK_STEP_ADD ? s->flow[at].q->path : s->flow[at].key;
	if ((close = strrchr(k, ']')) == NULL)
		return 1;
	if ((size_t)(close - k) + 2 > cap)
		return fk_fail(e, FK_ELIMIT, _("the path is too long"));
	snprintf(out, cap, "%.*s", (int)(close - k + 1), k);
	return 0;
}

/* ---- public: moving ---- */

int
fk_session_back(fk_session *s, fk_err *e)
{
	size_t i;

	if (fk_ss_flow_update(s, e) != 0)
		return -1;
	s->fresh = 0;
	s->jumped = 0; /* stepping back walks forward again step by step */
	for (i = fk_ss_cur_index(s); i > 0; i--)
		if (fk_ss_answerable(&s->flow[i - 1]))
			return fk_ss_goto_index(s, i - 1, e);
	return 1;
}

int
fk_session_goto(fk_session *s, const char *path, fk_err *e)
{
	char key[KEY_MAX];
	size_t i, n = strlen(path);
	long j;

	if (fk_ss_flow_update(s, e) != 0)
		return -1;
	if ((j = fk_ss_flow_find(s, path)) < 0) {
		snprintf(key, sizeof key, "%s%s", path, ADD_SUFFIX);
		j = fk_ss_flow_find(s, key);
	}
	for (i = 0; j < 0 && i < s->nflow; i++)
		if (strncmp(s->flow[i].key, path, n) == 0 && s->flow[i].key[n] == '.')
			j = (long)i; /* an entry: its first step */
	if (j < 0)
		return 1;
	s->jumped = 1;
	s->fresh = 0;
	return fk_ss_goto_index(s, (size_t)j, e);
}

int
fk_session_goto_number(fk_session *s, size_t n, fk_err *e)
{
	size_t i;

	if (fk_ss_flow_update(s, e) != 0)
		return -1;
	for (i = 0; i < s->nflow; i++)
		if (s->flow[i].number == n && n > 0) {
			s->jumped = 1;
			s->fresh = 0;
			return fk_ss_goto_index(s, i, e);
		}
	return 1;
}

int
fk_session_goto_review(fk_session *s, fk_err *e)
{
	if (fk_ss_flow_update(s, e) != 0)
		return -1;
	s->jumped = 0;
	s->fresh = 0;
	return fk_ss_goto_index(s, s->nflow, e);
}

/* ---- public: values ---- */

static int
sb_puts(fk_secbuf *b, const char *p, fk_err *e)
{
	return fk_secbuf_append(b, p, strlen(p), e);
}

static int
sb_end(fk_secbuf *b, fk_err *e)
{
	if (fk_secbuf_append(b, "", 1, e) != 0)
		return -1;
	b->len--;
	return 0;
}

static const char *
choice_label(const fk_session *s, const fk_field *x, const char *name)
{
	size_t i;

	for (i = 0; i < fk_field_nchoices(x); i++)
		if (strcmp(fk_field_choice_name(x, i), name) == 0)
			return fk_field_choice_label(x, i, s->lang);
	return name;
}

int
fk_session_value_text(const fk_session *s, const fk_field *x, const json_t *v, fk_secbuf *out,
    fk_err *e)
{
	char num[64];
	size_t i;
	int rc = 0;

	out->len = 0;
	if (v == NULL || json_is_null(v))
		return sb_end(out, e);
	switch (fk_field_type(x)) {
	case FK_T_SELECT_ONE:
	case FK_T_SELECT_MULTIPLE:
		if (json_is_string(v)) {
			rc = sb_puts(out, choice_label(s, x, json_string_value(v)), e);
			break;
		}
		for (i = 0; rc == 0 && i < json_array_size(v); i++) {
			const char *nm = json_string_value(json_array_get(v, i));
			if (i > 0)
				rc = sb_puts(out, ", ", e);
			if (rc == 0 && nm != NULL)
				rc = sb_puts(out, choice_label(s, x, nm), e);
		}
		break;
	case FK_T_ATTACHMENT: {
		const char *nm = json_string_value(json_object_get(v, "name"));
		json_int_t sz = json_integer_value(json_object_get(v, "size"));
		if (nm == NULL)
			nm = json_string_value(json_object_get(v, "id"));
		if (sz < 1024)
			snprintf(num, sizeof num, ", %lld B", (long long)sz);
		else if (sz < 1024 * 1024)
			snprintf(num, sizeof num, ", %lld KB", (long long)((sz + 512) / 1024));
		else
			snprintf(num, sizeof num, ", %.1f MB", (double)sz / (1024.0 * 1024.0));
		rc = sb_puts(out, nm ? nm : "?", e);
		if (rc == 0)
			rc = sb_puts(out, num, e);
		break;
	}
	case FK_T_DATE: {
		/* As people write it, and in words: the worker sees which date was understood. */
		const char *d = json_string_value(v);
		char words[48], dd[16];
		if (d != NULL && json_string_length(v) == 10 &&
		    fk_date_readable(d, words, sizeof words) == 0) {
			snprintf(num, sizeof num, "%s (%s)", fk_date_dmy(d, dd), words);
			rc = sb_puts(out, num, e);
		} else if (d != NULL) {
			rc = sb_puts(out, d, e);
		}
		break;
	}
	case FK_T_GEOPOINT:
		snprintf(num, sizeof num, "%.6g, %.6g", json_number_value(json_object_get(v, "lat")),
		    json_number_value(json_object_get(v, "lon")));
		rc = sb_puts(out, num, e);
		break;
	default:
		if (json_is_string(v)) {
			rc = fk_secbuf_append(out, json_string_value(v), json_string_length(v), e);
		} else if (json_is_integer(v)) {
			snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
			rc = sb_puts(out, num, e);
		} else if (json_is_real(v)) {
			snprintf(num, sizeof num, "%.15g", json_real_value(v));
			rc = sb_puts(out, num, e);
		} else {
			fk_secbuf tmp = { 0 };
			rc = fk_json_dump_secure(v, &tmp, e);
			if (rc == 0)
				rc = fk_secbuf_append(out, tmp.p, tmp.len, e);
			fk_secbuf_free(&tmp);
		}
		break;
	}
	if (rc != 0)
		return -1;
	return sb_end(out, e);
}
