/*
 * schema_rec.c - records against a form: validation (every problem, with
 * its record path), building the final answers, and the question-by-question
 * API of the wizard. See schema.h; the semantics are those of
 * docs/schema-language.md, "Records" and "Evaluation".
 */
#include "text.h"
#include "schema_int.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "translit.h"
#include "util.h"

#define PATHMAX 2048

static int
is_empty(const json_t *v)
{
	return v == NULL || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0) ||
	    (json_is_array(v) && json_array_size(v) == 0);
}

static int
has_choice(const struct choices *c, const char *s)
{
	size_t i;

	for (i = 0; c != NULL && s != NULL && i < c->n; i++)
		if (strcmp(c->names[i], s) == 0)
			return 1;
	return 0;
}

/* ---- one value against its field's type and limits ---- */

#define ISSUE(code, ...) (fk_issue_add(l, path, code, e, __VA_ARGS__) != 0 ? -1 : 1)

static int
check_text(const struct fk_field *x, const json_t *v, const char *path, fk_issues *l, fk_err *e)
{
	const uint8_t *s = (const uint8_t *)json_string_value(v);
	size_t n = json_string_length(v), chars, i;

	/* A character is at most 4 bytes: longer input is refused before it is read. */
	if (n > (size_t)x->max_length * 4 ||
	    (chars = fk_utf8_count(s, n, (size_t)x->max_length)) > (size_t)x->max_length)
		return ISSUE("too_long", ngettext("longer than %ld character: shorten it",
		    "longer than %ld characters: shorten it", (unsigned long)x->max_length),
		    x->max_length);
	if (!fk_utf8_valid(s, n, &i))
		return ISSUE("invalid_utf8", _("invalid UTF-8 at byte %zu"), i);
	for (i = 0; i < n; i++)
		if ((s[i] < 0x20 && s[i] != '\t' && s[i] != '\n' && s[i] != '\r') || s[i] == 0x7f)
			return ISSUE("control_chars", _("contains control characters"));
	/* Shown on the review, in lists and at the hub: nothing invisible that
	 * reorders what is drawn (U+202E shows "evil" as "live"). */
	if (fk_text_has_hidden(s, n))
		return ISSUE("control_chars", _("contains invisible direction or control characters "
		    "(they change how text is shown): type it again"));
	if (chars < (size_t)x->min_length)
		return ISSUE("too_short", ngettext("shorter than %ld character",
		    "shorter than %ld characters", (unsigned long)x->min_length), x->min_length);
	return 0;
}

static int
check_number(const struct fk_field *x, const json_t *v, const char *path, fk_issues *l, fk_err *e)
{
	double d;

	if (x->type == FK_T_INTEGER ? !json_is_integer(v) : !json_is_number(v))
		return ISSUE("wrong_type", x->type == FK_T_INTEGER ? _("expected a whole number") :
		    _("expected a number"));
	d = json_number_value(v);
	if (x->has_min && d < x->min)
		return ISSUE("below_min", _("smaller than %g"), x->min);
	if (x->has_max && d > x->max)
		return ISSUE("above_max", _("larger than %g"), x->max);
	return 0;
}

/* Messages said 2025-06-01 beside a page that writes 01.06.2025. */
const char *
fk_date_dmy(const char *iso, char out[16])
{
	if (strlen(iso) == 10 && iso[4] == '-' && iso[7] == '-')
		snprintf(out, 16, "%.2s.%.2s.%.4s", iso + 8, iso + 5, iso);
	else
		snprintf(out, 16, "%.15s", iso);
	return out;
}

static int
check_date(const struct fk_field *x, const json_t *v, const char *path, const char *today,
    fk_issues *l, fk_err *e)
{
	const char *s = json_string_value(v);
	char shown[16];
	int y, m, d;

	if (s == NULL)
		return ISSUE("wrong_type", _("expected a date YYYY-MM-DD"));
	if (fk_date_parse(s, json_string_length(v), &y, &m, &d) != 0)
		return ISSUE("invalid_date", _("not a date: write YYYY-MM-DD, e.g. 2015-04-30"));
	if (x->dmax_today && strcmp(s, today) > 0)
		return ISSUE("date_in_future", _("the date is in the future (today is %s)"),
		    fk_date_dmy(today, shown));
	if (x->dmax[0] && strcmp(s, x->dmax) > 0)
		return ISSUE("above_max", _("later than %s"), fk_date_dmy(x->dmax, shown));
	if (x->dmin_today && strcmp(s, today) < 0)
		return ISSUE("below_min", _("before today (%s)"), fk_date_dmy(today, shown));
	if (x->dmin[0] && strcmp(s, x->dmin) < 0)
		return ISSUE("below_min", _("earlier than %s"), fk_date_dmy(x->dmin, shown));
	return 0;
}

static int
check_select(const struct fk_field *x, const json_t *v, const char *path, fk_issues *l, fk_err *e)
{
	size_t i, j;
	json_t *c;

	if (x->type == FK_T_SELECT_ONE) {
		if (!json_is_string(v))
			return ISSUE("wrong_type", _("expected the name of one choice"));
		if (!has_choice(x->choices, json_string_value(v)))
			return ISSUE("invalid_choice", _("'%.64s' is not one of the choices"),
			    json_string_value(v));
		return 0;
	}
	if (!json_is_array(v))
		return ISSUE("wrong_type", _("expected a list of choice names"));
	json_array_foreach(v, i, c) {
		if (!json_is_string(c))
			return ISSUE("wrong_type", _("expected a list of choice names"));
		if (!has_choice(x->choices, json_string_value(c)))
			return ISSUE("invalid_choice", _("'%.64s' is not one of the choices"),
			    json_string_value(c));
		for (j = 0; j < i; j++)
			if (json_equal(c, json_array_get(v, j)))
				return ISSUE("duplicate_choice", _("'%.64s' is chosen twice"),
				    json_string_value(c));
	}
	return 0;
}

static int
is_hex64(const json_t *v)
{
	const char *s = json_string_value(v);
	size_t i;

	for (i = 0; s != NULL && i < 64; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return s != NULL && s[64] == '\0';
}

/* The types an attachment question takes when its form names none. */
static const char *const *
default_types(const struct fk_field *x)
{
	static const char *const photo[] = {"image/jpeg", "image/png", NULL};
	static const char *const doc[] = {"application/pdf", "image/jpeg", "image/png", NULL};

	return x->kind == KIND_PHOTO ? photo : doc;
}

static int
media_ok(const struct fk_field *x, const char *mt)
{
	const char *const *list = default_types(x);
	size_t i;
	json_t *v;

	if (x->media_types != NULL) {
		json_array_foreach(x->media_types, i, v)
			if (strcmp(json_string_value(v), mt) == 0)
				return 1;
		return 0;
	}
	for (i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], mt) == 0)
			return 1;
	return 0;
}

const char *
fk_media_accepted(const fk_field *x, char *out, size_t cap)
{
	const char *const *list = default_types(x);
	const char *names[16];
	size_t i, n = 0, o = 0;
	json_t *v;

	if (x->media_types != NULL) {
		json_array_foreach(x->media_types, i, v)
			if (n < 16)
				names[n++] = json_string_value(v);
	} else {
		for (i = 0; list[i] != NULL; i++)
			names[n++] = list[i];
	}
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		const char *nm = strcmp(names[i], "image/jpeg") == 0 ? "JPEG" :
		    strcmp(names[i], "image/png") == 0 ? "PNG" :
		    strcmp(names[i], "application/pdf") == 0 ? "PDF" : names[i];
		const char *sep = i == 0 ? "" : i + 1 == n ? _(" or ") : ", ";
		int k = snprintf(out + o, cap - o, "%s%s", sep, nm);
		if (k < 0 || (size_t)k >= cap - o)
			break;
		o += (size_t)k;
	}
	return out;
}

static int
check_attachment(const struct fk_field *x, const json_t *v, const char *path, fk_issues *l,
    fk_err *e)
{
	const char *k, *id = json_string_value(json_object_get(v, "id"));
	const char *mt = json_string_value(json_object_get(v, "media_type"));
	json_t *size = json_object_get(v, "size"), *f;
	size_t i;

	if (!json_is_object(v))
		return ISSUE("wrong_type", _("expected an attachment object"));
	json_object_foreach((json_t *)v, k, f) {
		if (strcmp(k, "id") && strcmp(k, "media_type") && strcmp(k, "size") &&
		    strcmp(k, "name") && strcmp(k, "sha256") && strcmp(k, "ct_sha256"))
			return ISSUE("invalid_attachment", _("unknown attachment key '%.40s'"), k);
		if ((!strcmp(k, "sha256") || !strcmp(k, "ct_sha256")) && !is_hex64(f))
			return ISSUE("invalid_attachment", _("%s must be 64 hexadecimal digits"), k);
		if (!strcmp(k, "name") && (!json_is_string(f) || json_string_length(f) > 255))
			return ISSUE("invalid_attachment", _("name must be a text of at most 255 bytes"));
	}
	for (i = 0; id != NULL && id[i]; i++)
		if (!isalnum((unsigned char)id[i]) && id[i] != '-' && id[i] != '_')
			break;
	if (id == NULL || i == 0 || i > 64 || id[i] != '\0')
		return ISSUE("invalid_attachment", _("the attachment has no valid id"));
	if (!json_is_integer(size) || json_integer_value(size) < 0)
		return ISSUE("invalid_attachment", _("the attachment has no valid size"));
	if (json_integer_value(size) > x->max_size) {
		char sz[32], lim[32];
		return ISSUE("too_large", _("the file is %s, larger than the %s this question takes"),
		    fk_size_text((unsigned long long)json_integer_value(size), sz, sizeof sz),
		    fk_size_text((unsigned long long)x->max_size, lim, sizeof lim));
	}
	if (mt == NULL || !media_ok(x, mt)) {
		char ok[160];
		return ISSUE("media_type", _("files of type '%.60s' are not accepted here: choose %s"),
		    mt ? mt : "?", fk_media_accepted(x, ok, sizeof ok));
	}
	return 0;
}

static int
check_geopoint(const json_t *v, const char *path, fk_issues *l, fk_err *e)
{
	json_t *lat = json_object_get(v, "lat"), *lon = json_object_get(v, "lon"), *f;
	const char *k;

	if (!json_is_object(v))
		return ISSUE("wrong_type", _("expected a location {\"lat\": ..., \"lon\": ...}"));
	json_object_foreach((json_t *)v, k, f) {
		if ((strcmp(k, "lat") && strcmp(k, "lon") && strcmp(k, "accuracy") &&
		    strcmp(k, "altitude")) || !json_is_number(f))
			return ISSUE("invalid_geopoint", _("a location has numbers lat, lon and "
							   "optionally accuracy and altitude"));
	}
	if (!json_is_number(lat) || !json_is_number(lon) || fabs(json_number_value(lat)) > 90 ||
	    fabs(json_number_value(lon)) > 180 ||
	    json_number_value(json_object_get(v, "accuracy")) < 0)
		return ISSUE("invalid_geopoint", _("latitude -90..90 and longitude -180..180 needed"));
	return 0;
}

int
fk_check_value(const fk_form *f, const struct fk_field *x, const json_t *v, const char *path,
    const char *today, fk_issues *l, fk_err *e)
{
	(void)f;
	switch (x->type) {
	case FK_T_TEXT:
		if (!json_is_string(v))
			return ISSUE("wrong_type", _("expected a text"));
		return check_text(x, v, path, l, e);
	case FK_T_INTEGER:
	case FK_T_DECIMAL:
		return check_number(x, v, path, l, e);
	case FK_T_DATE:
		return check_date(x, v, path, today, l, e);
	case FK_T_DATETIME:
		if (!json_is_string(v))
			return ISSUE("wrong_type", _("expected a date and time"));
		if (fk_datetime_parse(json_string_value(v), json_string_length(v)) != 0)
			return ISSUE("invalid_datetime", _("not a date and time: write "
							   "YYYY-MM-DDTHH:MM, e.g. 2024-03-15T14:30"));
		return 0;
	case FK_T_SELECT_ONE:
	case FK_T_SELECT_MULTIPLE:
		return check_select(x, v, path, l, e);
	case FK_T_ATTACHMENT:
		return check_attachment(x, v, path, l, e);
	case FK_T_GEOPOINT:
		return check_geopoint(v, path, l, e);
	default:
		return ISSUE("not_answerable", _("this item takes no answer"));
	}
}

/* ---- scopes and expressions ---- */

struct scope {
	const struct fk_field *rep; /* NULL: the record's top level */
	json_t *obj;
	size_t idx;
	const struct scope *up;
};

enum mode { M_VALIDATE, M_BUILD, M_VISIBLE };

struct run {
	const fk_form *f;
	const char *lang;
	time_t now;
	char today[11];
	enum mode mode;
	fk_issues *is;
	fk_questions *qs;
	fk_err *e;
};

struct evctx {
	struct run *r;
	const struct scope *sc;
};

static void
run_init(struct run *r, const fk_form *f, const fk_vopts *o, enum mode mode, fk_err *e)
{
	memset(r, 0, sizeof *r);
	r->f = f;
	r->lang = o && o->lang ? o->lang : f->langs[0];
	r->now = o && o->now ? o->now : time(NULL);
	fk_today(r->now, r->today);
	r->mode = mode;
	r->e = e;
}

static json_t *
lookup(const struct scope *sc, const struct fk_field *t)
{
	while (sc != NULL && sc->rep != t->rep)
		sc = sc->up;
	return sc != NULL ? json_object_get(sc->obj, t->name) : NULL;
}

/* The expression value of an answer (strings borrowed from v). */
static int
to_value(const json_t *v, fk_value *out, fk_err *e)
{
	fk_buf b = {0};
	char tmp[80];
	size_t i;
	json_t *c;

	out->own = NULL;
	fk_value_str(out, "", 0);
	if (json_is_string(v))
		fk_value_str(out, json_string_value(v), json_string_length(v));
	else if (json_is_number(v))
		fk_value_num(out, json_number_value(v));
	else if (json_is_boolean(v))
		fk_value_bool(out, json_is_true(v));
	else if (json_is_object(v) && json_is_string(json_object_get(v, "id")))
		fk_value_str(out, json_string_value(json_object_get(v, "id")),
		    strlen(json_string_value(json_object_get(v, "id"))));
	else if (json_is_object(v)) {
		snprintf(tmp, sizeof tmp, "%.10g %.10g", json_number_value(json_object_get(v, "lat")),
		    json_number_value(json_object_get(v, "lon")));
		if ((out->own = strdup(tmp)) == NULL)
			return fk_fail(e, FK_ENOMEM, _("out of memory"));
		fk_value_str(out, out->own, strlen(out->own));
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, c) {
			if (!json_is_string(c))
				continue;
			if ((b.len > 0 && fk_buf_append(&b, " ", 1, e) != 0) ||
			    fk_buf_append(&b, json_string_value(c), json_string_length(c), e) != 0)
				goto fail;
		}
		if (fk_buf_append(&b, "", 1, e) != 0)
			goto fail;
		out->own = (char *)b.p;
		fk_value_str(out, out->own, b.len - 1);
	}
	return 0;
fail:
	fk_buf_free(&b);
	return -1;
}

static int
env_field(void *ctx, const char *name, fk_value *out, fk_err *e)
{
	struct evctx *c = ctx;
	const fk_field *t = fk_form_find(c->r->f, name);

	out->own = NULL;
	fk_value_str(out, "", 0);
	return t == NULL ? 0 : to_value(lookup(c->sc, t), out, e);
}

static int
env_count(void *ctx, const char *name, double *out, fk_err *e)
{
	struct evctx *c = ctx;
	const fk_field *t = fk_form_find(c->r->f, name);
	json_t *v = t ? lookup(c->sc, t) : NULL;

	(void)e;
	*out = json_is_array(v) ? (double)json_array_size(v) : 0;
	return 0;
}

static int
eval_bool(struct run *r, const fk_expr *x, const struct scope *sc, const fk_value *self,
    int dflt, int *out)
{
	struct evctx c = {r, sc};
	fk_expr_env env = {env_field, env_count, &c, self, r->now};

	if (x == NULL) {
		*out = dflt;
		return 0;
	}
	return fk_expr_eval_bool(x, &env, out, r->e);
}

static void
make_path(char *buf, size_t n, const struct scope *sc, const char *name)
{
	const struct scope *chain[FK_FORM_MAX_NESTING + 2];
	size_t k = 0, off = 0;

	for (; sc != NULL && sc->rep != NULL && k < sizeof chain / sizeof chain[0]; sc = sc->up)
		chain[k++] = sc;
	buf[0] = '\0';
	while (k-- > 0 && off < n)
		off += (size_t)snprintf(buf + off, n - off, "%s[%zu].", chain[k]->rep->name,
		    chain[k]->idx);
	if (off < n)
		snprintf(buf + off, n - off, "%s", name);
}

static int
issue_at(struct run *r, const struct scope *sc, const char *name, const char *code,
    const char *msg)
{
	char path[PATHMAX];

	make_path(path, sizeof path, sc, name);
	return fk_issue_add(r->is, path, code, r->e, "%s", msg);
}

/* ---- computed values ---- */

/* A calculated value converted to the field's type; NULL when it has none. */
static json_t *
typed(struct run *r, const struct fk_field *x, const fk_value *v)
{
	char tmp[64];
	const char *s = v->str;
	size_t len = v->len;
	double d = fk_value_to_num(v);
	int y, m, dd;

	if (v->type != FK_VAL_STR) {
		fk_value t = *v;
		if (v->type == FK_VAL_BOOL)
			snprintf(tmp, sizeof tmp, "%s", v->b ? "true" : "false");
		else if (isnan(v->num))
			tmp[0] = '\0';
		else if (v->num == floor(v->num) && fabs(v->num) < 1e15)
			snprintf(tmp, sizeof tmp, "%.0f", v->num);
		else
			snprintf(tmp, sizeof tmp, "%.15g", v->num);
		(void)t;
		s = tmp;
		len = strlen(tmp);
	}
	switch (x->type) {
	case FK_T_INTEGER:
		return isfinite(d) && fabs(d) < 9e15 ? json_integer((json_int_t)trunc(d)) : NULL;
	case FK_T_DECIMAL:
		return isfinite(d) ? json_real(d) : NULL;
	case FK_T_DATE:
		return fk_date_parse(s, len, &y, &m, &dd) == 0 ? json_stringn(s, len) : NULL;
	case FK_T_DATETIME:
		return fk_datetime_parse(s, len) == 0 ? json_stringn(s, len) : NULL;
	case FK_T_SELECT_ONE:
		return has_choice(x->choices, s) ? json_stringn(s, len) : NULL;
	default:
		(void)r;
		return len > 0 ? json_stringn(s, len) : NULL;
	}
}

/* What an unanswered question gets: calculation, transliteration or default. */
static int
suggestion(struct run *r, const struct fk_field *x, const struct scope *sc, json_t **out)
{
	struct evctx c = {r, sc};
	fk_expr_env env = {env_field, env_count, &c, NULL, r->now};
	fk_value v = {0};
	json_t *src;
	char *t, now[FK_TIME_BUF];
	const char *s;

	*out = NULL;
	if (x->calculate != NULL) {
		if (fk_expr_eval(x->calculate, &env, &v, r->e) != 0)
			return -1;
		*out = typed(r, x, &v);
		fk_value_free(&v);
		return 0;
	}
	if (x->translit_src != NULL && (src = lookup(sc, x->translit_src)) != NULL &&
	    json_is_string(src) && json_string_length(src) > 0) {
		if ((t = fk_translit_uk_str(json_string_value(src), json_string_length(src),
		    r->e)) == NULL)
			return r->e->code == FK_EINPUT ? 0 : -1;
		*out = json_string(t);
		free(t);
		return 0;
	}
	if (x->deflt == NULL)
		return 0;
	s = json_string_value(x->deflt);
	if (x->type == FK_T_DATE && s != NULL && strcmp(s, "today") == 0)
		*out = json_string(r->today);
	else if (x->type == FK_T_DATETIME && s != NULL && strcmp(s, "now") == 0) {
		fk_now_iso(r->now, now);
		*out = json_string(now);
	} else
		*out = json_deep_copy(x->deflt);
	return 0;
}

/* ---- the walk ---- */

static int walk(struct run *r, const struct fk_field *g, const struct scope *sc, int depth);

static int
add_question(struct run *r, const struct fk_field *x, const struct scope *sc, int depth,
    int req)
{
	fk_questions *q = r->qs;
	fk_question *v;
	char path[PATHMAX];

	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 32;
		if ((v = realloc(q->v, cap * sizeof *v)) == NULL)
			return fk_fail(r->e, FK_ENOMEM, _("out of memory"));
		q->v = v;
		q->cap = cap;
	}
	make_path(path, sizeof path, sc, x->name);
	v = &q->v[q->n];
	if ((v->path = strdup(path)) == NULL)
		return fk_fail(r->e, FK_ENOMEM, _("out of memory"));
	v->field = x;
	v->depth = depth;
	v->required = req;
	v->readonly = x->calculate != NULL;
	q->n++;
	return 0;
}

/* A question that does not apply: no answer may be given (validate), or it goes (build). */
static int
drop(struct run *r, const struct fk_field *x, const struct scope *sc)
{
	json_t *v;
	size_t i;

	if (x->type == FK_T_GROUP) {
		for (i = 0; i < x->nkids; i++)
			if (drop(r, x->kids[i], sc) != 0)
				return -1;
		return 0;
	}
	if ((v = json_object_get(sc->obj, x->name)) == NULL)
		return 0;
	if (r->mode == M_BUILD)
		return json_object_del(sc->obj, x->name) == 0 ? 0 : -1;
	if (r->mode == M_VALIDATE && !is_empty(v))
		return issue_at(r, sc, x->name, "not_relevant",
		    _("answered, but the question does not apply given the other answers"));
	return 0;
}

static int
required_of(struct run *r, const struct fk_field *x, const struct scope *sc, int *req)
{
	if (x->required_x != NULL)
		return eval_bool(r, x->required_x, sc, NULL, 0, req);
	*req = x->required;
	return 0;
}

/* Type, limits and constraint of a given (non-empty) answer v. */
static int
check_full(struct run *r, const struct fk_field *x, const struct scope *sc, const json_t *v)
{
	char path[PATHMAX];
	fk_value self = {0};
	const char *msg;
	int n, ok = 1;

	make_path(path, sizeof path, sc, x->name);
	if ((n = fk_check_value(r->f, x, v, path, r->today, r->is, r->e)) != 0)
		return n < 0 ? -1 : 0;
	if (x->constraint == NULL)
		return 0;
	if (to_value(v, &self, r->e) != 0)
		return -1;
	n = eval_bool(r, x->constraint, sc, &self, 1, &ok);
	fk_value_free(&self);
	if (n != 0)
		return -1;
	if (ok)
		return 0;
	msg = fk_lang_text(r->f, x->cmsg, r->lang);
	return fk_issue_add(r->is, path, "constraint", r->e, "%s",
	    msg ? msg : _("the answer does not meet the form's rule for this question"));
}

static int
required_issue(struct run *r, const struct fk_field *x, const struct scope *sc)
{
	const char *msg = fk_lang_text(r->f, x->rmsg, r->lang);

	return issue_at(r, sc, x->name, "required", msg ? msg : _("this question must be answered"));
}

static int
do_field(struct run *r, const struct fk_field *x, const struct scope *sc, int depth)
{
	json_t *v = json_object_get(sc->obj, x->name), *nv = NULL;
	int req;

	if (r->mode == M_BUILD) {
		if (x->type == FK_T_NOTE || (x->calculate == NULL && !is_empty(v)))
			return 0;
		if (suggestion(r, x, sc, &nv) != 0)
			return -1;
		if (nv != NULL)
			return json_object_set_new(sc->obj, x->name, nv) == 0 ? 0 :
			    fk_fail(r->e, FK_ENOMEM, _("out of memory"));
		if (v != NULL && json_object_del(sc->obj, x->name) != 0)
			return -1;
		return 0;
	}
	if (required_of(r, x, sc, &req) != 0)
		return -1;
	if (r->mode == M_VISIBLE)
		return add_question(r, x, sc, depth, req);
	if (x->type == FK_T_NOTE)
		return v == NULL ? 0 : issue_at(r, sc, x->name, "not_answerable",
		    _("this item takes no answer"));
	if (is_empty(v))
		return req ? required_issue(r, x, sc) : 0;
	return check_full(r, x, sc, v);
}

static int
unknown_keys(struct run *r, const struct scope *sc)
{
	const char *k;
	json_t *v;
	const fk_field *t;

	json_object_foreach(sc->obj, k, v) {
		if (sc->rep == NULL && k[0] == '_')
			continue; /* metadata: check_meta */
		t = fk_form_find(r->f, k);
		if (t == NULL || t->rep != sc->rep || t->type == FK_T_GROUP)
			if (issue_at(r, sc, k, "unknown_field",
			    _("not a question of this form (or not at this place)")) != 0)
				return -1;
	}
	return 0;
}

static int
do_repeat(struct run *r, const struct fk_field *x, const struct scope *sc, int depth)
{
	json_t *arr = json_object_get(sc->obj, x->name), *el;
	char path[PATHMAX], msg[200];
	struct scope in;
	size_t i, n = 0;

	if (r->mode == M_VISIBLE && add_question(r, x, sc, depth, x->rmin > 0) != 0)
		return -1;
	if (json_is_array(arr))
		n = json_array_size(arr);
	else if (arr != NULL && !json_is_null(arr))
		return r->mode != M_VALIDATE ? 0 : issue_at(r, sc, x->name, "wrong_type",
		    _("expected a list of entries"));
	if (r->mode == M_VALIDATE && (n < (size_t)x->rmin || n > (size_t)x->rmax)) {
		snprintf(msg, sizeof msg, n < (size_t)x->rmin ?
		    _("too few entries: at least %ld needed, %zu given") :
		    _("too many entries: at most %ld allowed, %zu given"),
		    n < (size_t)x->rmin ? x->rmin : x->rmax, n);
		if (issue_at(r, sc, x->name, n < (size_t)x->rmin ? "repeat_min" : "repeat_max",
		    msg) != 0)
			return -1;
	}
	/* Instances past max are reported once (repeat_max), not walked: bounded work. */
	if (n > (size_t)x->rmax)
		n = (size_t)x->rmax;
	for (i = 0; i < n; i++) {
		el = json_array_get(arr, i);
		if (!json_is_object(el)) {
			if (r->mode != M_VALIDATE)
				continue;
			make_path(path, sizeof path, sc, x->name);
			snprintf(path + strlen(path), sizeof path - strlen(path), "[%zu]", i);
			if (fk_issue_add(r->is, path, "wrong_type", r->e, "%s",
			    _("expected an object of answers")) != 0)
				return -1;
			continue;
		}
		in.rep = x;
		in.obj = el;
		in.idx = i;
		in.up = sc;
		if (r->mode == M_VALIDATE && unknown_keys(r, &in) != 0)
			return -1;
		if (walk(r, x, &in, depth + 1) != 0)
			return -1;
	}
	return 0;
}

static int
walk(struct run *r, const struct fk_field *g, const struct scope *sc, int depth)
{
	const struct fk_field *x;
	size_t i;
	int rel;

	for (i = 0; i < g->nkids; i++) {
		x = g->kids[i];
		if (eval_bool(r, x->relevant, sc, NULL, 1, &rel) != 0)
			return -1;
		if (!rel) {
			if (drop(r, x, sc) != 0)
				return -1;
			continue;
		}
		if (x->type == FK_T_GROUP) {
			if (r->mode == M_VISIBLE && add_question(r, x, sc, depth, 0) != 0)
				return -1;
			if (walk(r, x, sc, depth + 1) != 0)
				return -1;
		} else if (x->type == FK_T_REPEAT) {
			if (do_repeat(r, x, sc, depth) != 0)
				return -1;
		} else if (do_field(r, x, sc, depth) != 0)
			return -1;
	}
	return 0;
}

static int
check_meta(struct run *r, const json_t *rec)
{
	static const char *const strs[] = {"_id", "_short_ref", "_created", "_device", NULL};
	const char *k;
	json_t *v;
	size_t i;
	int rc = 0;

	json_object_foreach((json_t *)rec, k, v) {
		if (k[0] != '_')
			continue;
		for (i = 0; strs[i] != NULL && strcmp(strs[i], k) != 0; i++)
			;
		if (strcmp(k, "_form") == 0) {
			if (!json_is_string(v) || strcmp(json_string_value(v), r->f->id) != 0)
				rc |= fk_issue_add(r->is, k, "wrong_form", r->e,
				    _("the record is for another form (this one is '%s')"), r->f->id);
		} else if (strcmp(k, "_version") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) != r->f->version)
				rc |= fk_issue_add(r->is, k, "wrong_version", r->e,
				    _("the record is for another version of the form (this is v%d)"),
				    r->f->version);
		} else if (strs[i] != NULL) {
			if (!json_is_string(v) || json_string_length(v) > 256)
				rc |= fk_issue_add(r->is, k, "wrong_type", r->e, "%s",
				    _("expected a text of at most 256 bytes"));
		} else
			rc |= fk_issue_add(r->is, k, "unknown_field", r->e, "%s",
			    _("not a question of this form (or not at this place)"));
	}
	return rc ? -1 : 0;
}

int
fk_form_validate(const fk_form *f, const json_t *record, const fk_vopts *o, fk_issues *is,
    fk_err *e)
{
	struct run r;
	struct scope top = {NULL, (json_t *)record, 0, NULL};

	run_init(&r, f, o, M_VALIDATE, e);
	r.is = is;
	if (!json_is_object(record))
		return fk_issue_add(is, "", "not_object", e, "%s",
		    _("a record is a JSON object of answers"));
	if (check_meta(&r, record) != 0 || unknown_keys(&r, &top) != 0)
		return -1;
	return walk(&r, f->top, &top, 0);
}

int
fk_form_validate_bytes(const fk_form *f, const uint8_t *p, size_t len, const fk_vopts *o,
    fk_issues *is, fk_err *e)
{
	json_error_t je;
	json_t *rec;
	size_t bad;
	int rc;

	if (len > FK_RECORD_MAX)
		return fk_issue_add(is, "", "record_too_large", e,
		    _("the record is larger than %u bytes"), FK_RECORD_MAX);
	if (!fk_utf8_valid(p, len, &bad))
		return fk_issue_add(is, "", "invalid_utf8", e, _("invalid UTF-8 at byte %zu"), bad);
	if ((rec = json_loadb((const char *)p, len, JSON_REJECT_DUPLICATES, &je)) == NULL) {
		fk_json_err_strip(je.text); /* never a piece of an answer in a message */
		return fk_issue_add(is, "", "invalid_json", e, _("not valid JSON: line %d, column %d: %s"),
		    je.line, je.column, je.text);
	}
	rc = fk_form_validate(f, rec, o, is, e);
	json_decref(rec);
	return rc;
}

int
fk_form_build(const fk_form *f, json_t *answers, const fk_vopts *o, fk_err *e)
{
	struct run r;
	struct scope top = {NULL, answers, 0, NULL};

	if (!json_is_object(answers))
		return fk_fail(e, FK_EINPUT, _("a record is a JSON object of answers"));
	run_init(&r, f, o, M_BUILD, e);
	return walk(&r, f->top, &top, 0);
}

void
fk_questions_free(fk_questions *q)
{
	size_t i;

	for (i = 0; i < q->n; i++)
		free(q->v[i].path);
	free(q->v);
	q->v = NULL;
	q->n = q->cap = 0;
}

int
fk_form_visible(const fk_form *f, const json_t *answers, const fk_vopts *o, fk_questions *out,
    fk_err *e)
{
	struct run r;
	struct scope top = {NULL, (json_t *)answers, 0, NULL};

	if (!json_is_object(answers))
		return fk_fail(e, FK_EINPUT, _("a record is a JSON object of answers"));
	run_init(&r, f, o, M_VISIBLE, e);
	r.qs = out;
	return walk(&r, f->top, &top, 0);
}

/* ---- paths ---- */

struct resolved {
	const struct fk_field *x;
	struct scope sc[FK_FORM_MAX_NESTING + 1];
	size_t nsc;
};

static int
resolve(const fk_form *f, const json_t *answers, const char *path, struct resolved *rs, fk_err *e)
{
	char name[FK_EXPR_MAX_NAME + 1];
	const char *p = path;
	const struct fk_field *t;
	const struct scope *cur;
	json_t *arr, *el;
	size_t n;
	long idx;
	char *end;

	if (!json_is_object(answers))
		return fk_fail(e, FK_EINPUT, _("a record is a JSON object of answers"));
	rs->sc[0].rep = NULL;
	rs->sc[0].obj = (json_t *)answers;
	rs->sc[0].idx = 0;
	rs->sc[0].up = NULL;
	rs->nsc = 1;
	for (;;) {
		cur = &rs->sc[rs->nsc - 1];
		for (n = 0; (islower((unsigned char)p[n]) || isdigit((unsigned char)p[n]) ||
		    p[n] == '_') && n < FK_EXPR_MAX_NAME; n++)
			name[n] = p[n];
		name[n] = '\0';
		p += n;
		if ((t = fk_form_find(f, name)) == NULL || t->rep != cur->rep || t->type == FK_T_GROUP)
			return fk_fail(e, FK_EINPUT, _("%s: no question '%s' at this place"), path, name);
		if (*p == '\0') {
			rs->x = t;
			return 0;
		}
		if (*p != '[' || t->type != FK_T_REPEAT || !isdigit((unsigned char)p[1]))
			return fk_fail(e, FK_EINPUT, _("%s: malformed path"), path);
		idx = strtol(p + 1, &end, 10);
		if (*end != ']' || (end[1] != '.' && end[1] != '\0'))
			return fk_fail(e, FK_EINPUT, _("%s: malformed path"), path);
		p = end[1] == '.' ? end + 2 : end + 1;
		arr = json_object_get(cur->obj, name);
		if (!json_is_array(arr) || idx < 0 || (size_t)idx >= json_array_size(arr) ||
		    !json_is_object(el = json_array_get(arr, (size_t)idx)))
			return fk_fail(e, FK_EINPUT, _("%s: there is no entry %ld of '%s'"), path, idx,
			    name);
		if (*p == '\0' || rs->nsc > FK_FORM_MAX_NESTING)
			return fk_fail(e, FK_EINPUT, _("%s: the path names an entry, not a question"),
			    path);
		rs->sc[rs->nsc].rep = t;
		rs->sc[rs->nsc].obj = el;
		rs->sc[rs->nsc].idx = (size_t)idx;
		rs->sc[rs->nsc].up = cur;
		rs->nsc++;
	}
}

json_t *
fk_answers_get(const fk_form *f, const json_t *answers, const char *path)
{
	struct resolved rs;

	if (resolve(f, answers, path, &rs, NULL) != 0)
		return NULL;
	return json_object_get(rs.sc[rs.nsc - 1].obj, rs.x->name);
}

int
fk_answers_set(const fk_form *f, json_t *answers, const char *path, json_t *value, fk_err *e)
{
	struct resolved rs;

	if (resolve(f, answers, path, &rs, e) != 0)
		goto fail;
	if (rs.x->type == FK_T_REPEAT || rs.x->type == FK_T_NOTE) {
		fk_fail(e, FK_EINPUT, _("%s: this item takes no answer"), path);
		goto fail;
	}
	if (value == NULL) {
		json_object_del(rs.sc[rs.nsc - 1].obj, rs.x->name);
		return 0;
	}
	if (json_object_set_new(rs.sc[rs.nsc - 1].obj, rs.x->name, value) != 0)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	return 0;
fail:
	json_decref(value);
	return -1;
}

static json_t *
repeat_array(const fk_form *f, json_t *answers, const char *path, struct resolved *rs, int create,
    fk_err *e)
{
	json_t *arr;

	if (resolve(f, answers, path, rs, e) != 0)
		return NULL;
	if (rs->x->type != FK_T_REPEAT) {
		fk_fail(e, FK_EINPUT, _("%s is not a repeat"), path);
		return NULL;
	}
	arr = json_object_get(rs->sc[rs->nsc - 1].obj, rs->x->name);
	if (arr == NULL && create) {
		if ((arr = json_array()) == NULL ||
		    json_object_set_new(rs->sc[rs->nsc - 1].obj, rs->x->name, arr) != 0) {
			fk_fail(e, FK_ENOMEM, _("out of memory"));
			return NULL;
		}
	}
	if (!json_is_array(arr)) {
		fk_fail(e, FK_EINPUT, _("%s: no entries"), path);
		return NULL;
	}
	return arr;
}

int
fk_answers_repeat_add(const fk_form *f, json_t *answers, const char *path, size_t *index,
    fk_err *e)
{
	struct resolved rs;
	json_t *arr = repeat_array(f, answers, path, &rs, 1, e);

	if (arr == NULL)
		return -1;
	if (json_array_size(arr) >= (size_t)rs.x->rmax)
		return fk_fail(e, FK_ELIMIT, ngettext("%s: at most %ld entry is allowed",
		    "%s: at most %ld entries are allowed", (unsigned long)rs.x->rmax), path,
		    rs.x->rmax);
	if (json_array_append_new(arr, json_object()) != 0)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	if (index != NULL)
		*index = json_array_size(arr) - 1;
	return 0;
}

int
fk_answers_repeat_remove(const fk_form *f, json_t *answers, const char *path, size_t index,
    fk_err *e)
{
	struct resolved rs;
	json_t *arr = repeat_array(f, answers, path, &rs, 0, e);

	if (arr == NULL)
		return -1;
	if (index >= json_array_size(arr))
		return fk_fail(e, FK_EINPUT, _("%s: there is no entry %zu"), path, index);
	return json_array_remove(arr, index) == 0 ? 0 : fk_fail(e, FK_ENOMEM, _("out of memory"));
}

int
fk_form_check_answer(const fk_form *f, const json_t *answers, const char *path,
    const json_t *value, const fk_vopts *o, fk_issues *is, fk_err *e)
{
	struct resolved rs;
	struct run r;
	const struct scope *sc;
	int req;

	if (resolve(f, answers, path, &rs, e) != 0)
		return -1;
	if (rs.x->type == FK_T_REPEAT)
		return fk_fail(e, FK_EINPUT, _("%s is a repeat, not a question"), path);
	run_init(&r, f, o, M_VALIDATE, e);
	r.is = is;
	sc = &rs.sc[rs.nsc - 1];
	if (rs.x->type == FK_T_NOTE)
		return value == NULL ? 0 : issue_at(&r, sc, rs.x->name, "not_answerable",
		    _("this item takes no answer"));
	if (is_empty(value)) {
		if (required_of(&r, rs.x, sc, &req) != 0)
			return -1;
		return req ? required_issue(&r, rs.x, sc) : 0;
	}
	if (json_is_string(value) && !fk_field_multiline(rs.x) && rs.x->type == FK_T_TEXT &&
	    (memchr(json_string_value(value), '\n', json_string_length(value)) ||
	    memchr(json_string_value(value), '\r', json_string_length(value))))
		return fk_issue_add(is, path, "one_line", e, "%s",
		    _("one line only: remove the line break")) ? -1 : 0;
	return check_full(&r, rs.x, sc, value);
}

/* ---- dependent answers ---- */

struct follow {
	char path[PATHMAX];
	json_t *before;
};

/* Collects the Latin fields (translit_from x) under field y: at most cap. */
static void
follow_find(const fk_field *y, const fk_field *x, const fk_field **out, size_t *n, size_t cap)
{
	size_t i;

	if (y->translit_src == x && y->type == FK_T_TEXT && *n < cap)
		out[(*n)++] = y;
	for (i = 0; i < y->nkids; i++)
		follow_find(y->kids[i], x, out, n, cap);
}

int
fk_answers_set_follow(const fk_form *f, json_t *answers, const char *path, json_t *value,
    const fk_vopts *o, void (*moved)(void *ctx, const char *path), void *ctx, fk_err *e)
{
	const fk_field *x, *dst[8];
	struct follow d[8];
	const char *dot = strrchr(path, '.');
	json_t *now, *cur;
	size_t i, nd = 0, n = 0;
	int rc = 0;

	x = fk_form_find(f, dot ? dot + 1 : path);
	if (x != NULL && x->type == FK_T_TEXT)
		follow_find(fk_form_root(f), x, dst, &n, sizeof dst / sizeof dst[0]);
	for (i = 0; i < n; i++) {
		int k = dot ? snprintf(d[nd].path, sizeof d[nd].path, "%.*s.%s", (int)(dot - path),
		    path, dst[i]->name) : snprintf(d[nd].path, sizeof d[nd].path, "%s", dst[i]->name);
		if (k < 0 || (size_t)k >= sizeof d[nd].path)
			continue;
		d[nd].before = NULL;
		if (fk_form_suggest(f, answers, d[nd].path, o, &d[nd].before, e) != 0) {
			rc = -1;
			break;
		}
		nd++;
	}
	if (rc == 0)
		rc = fk_answers_set(f, answers, path, value, e);
	else
		json_decref(value);
	for (i = 0; i < nd; i++) {
		now = NULL;
		if (rc == 0 && fk_form_suggest(f, answers, d[i].path, o, &now, e) != 0)
			rc = -1;
		if (rc == 0 && !json_equal(now, d[i].before)) {
			cur = fk_answers_get(f, answers, d[i].path);
			if (cur != NULL && json_equal(cur, d[i].before))
				rc = fk_answers_set(f, answers, d[i].path, now ? json_deep_copy(now) : NULL,
				    e);
			if (rc == 0 && moved != NULL)
				moved(ctx, d[i].path);
		}
		json_decref(now);
		json_decref(d[i].before);
	}
	return rc;
}

int
fk_form_suggest(const fk_form *f, const json_t *answers, const char *path, const fk_vopts *o,
    json_t **out, fk_err *e)
{
	struct resolved rs;
	struct run r;

	*out = NULL;
	if (resolve(f, answers, path, &rs, e) != 0)
		return -1;
	if (rs.x->type == FK_T_REPEAT || rs.x->type == FK_T_NOTE)
		return 0;
	run_init(&r, f, o, M_BUILD, e);
	return suggestion(&r, rs.x, &rs.sc[rs.nsc - 1], out);
}

/* ---- typed answers ---- */

static int
parse_number(const struct fk_field *x, const char *s, json_t **out)
{
	char buf[64], *end;
	size_t i, n = strlen(s);
	long long ll;
	double d;

	if (n == 0 || n >= sizeof buf)
		return -1;
	for (i = 0; i <= n; i++)
		buf[i] = s[i] == ',' ? '.' : s[i];
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)buf[i]) && buf[i] != '-' && buf[i] != '+' &&
		    (buf[i] != '.' || x->type == FK_T_INTEGER))
			return -1;
	if (x->type == FK_T_INTEGER) {
		ll = strtoll(buf, &end, 10);
		if (*end != '\0' || n > 18)
			return -1;
		*out = json_integer(ll);
	} else {
		d = strtod(buf, &end);
		if (*end != '\0' || !isfinite(d))
			return -1;
		*out = json_real(d);
	}
	return 0;
}

/* Days in month m of year y. */
static int
month_days(int y, int m)
{
	static const int n[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return n[m - 1];
}

/* A run of 1..max digits at *s: its value, and *s moved past it; -1 if none or too long. */
static int
digits(const char **s, int max, int *len)
{
	int v = 0, n = 0;

	while (isdigit((unsigned char)**s)) {
		if (++n > max)
			return -1;
		v = v * 10 + (**s - '0');
		(*s)++;
	}
	*len = n;
	return n == 0 ? -1 : v;
}

/*
 * A date as people write it: YYYY-MM-DD (also with one-digit month and day,
 * and '.' or '/' between), or day, month, year as Ukrainians write it:
 * DD.MM.YYYY, D.M.YYYY, DD/MM/YYYY, DD-MM-YYYY. The same separator twice.
 * Returns 0 with *out "YYYY-MM-DD"; else -1 with *why: a reason naming what
 * is wrong (no such day or month) or NULL when it is not a date at all.
 */
static int
parse_date(const char *s, json_t **out, const char **why, char *whybuf, size_t whycap)
{
	const char *p = s;
	int a, b, c, la, lb, lc, y, m, d;
	char sep, buf[40];

	*why = NULL;
	if ((a = digits(&p, 4, &la)) < 0 || (*p != '.' && *p != '/' && *p != '-'))
		return -1;
	sep = *p++;
	if ((b = digits(&p, 2, &lb)) < 0 || *p != sep)
		return -1;
	p++;
	if ((c = digits(&p, 4, &lc)) < 0 || *p != '\0')
		return -1;
	if (la == 4 && lc <= 2) {
		y = a, m = b, d = c;
	} else if (la <= 2 && lc == 4) {
		d = a, m = b, y = c;
	} else {
		return -1;
	}
	if (y < 1000) {
		*why = _("the year must be between 1000 and 9999");
		return -1;
	}
	if (m < 1 || m > 12) {
		snprintf(whybuf, whycap, _("there is no month %d: the month comes second, from 1 to 12"), m);
		*why = whybuf;
		return -1;
	}
	if (d < 1 || d > 31) {
		snprintf(whybuf, whycap, _("there is no day %d in a month"), d);
		*why = whybuf;
		return -1;
	}
	if (d > month_days(y, m)) {
		switch (m) { /* the months that can be given a day they do not have */
		case 2:
			if (d == 29)
				snprintf(whybuf, whycap, _("there is no 29 February in %d"), y);
			else
				snprintf(whybuf, whycap, _("there is no %d February"), d);
			break;
		case 4: snprintf(whybuf, whycap, _("there is no %d April"), d); break;
		case 6: snprintf(whybuf, whycap, _("there is no %d June"), d); break;
		case 9: snprintf(whybuf, whycap, _("there is no %d September"), d); break;
		default: snprintf(whybuf, whycap, _("there is no %d November"), d); break;
		}
		*why = whybuf;
		return -1;
	}
	snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
	*out = json_string(buf);
	return 0;
}

int
fk_date_readable(const char *iso, char *out, size_t cap)
{
	int y, m, d, n = -1;

	if (iso == NULL || strlen(iso) != 10 || fk_date_parse(iso, 10, &y, &m, &d) != 0)
		return -1;
	switch (m) {
	case 1: n = snprintf(out, cap, _("%d January %d"), d, y); break;
	case 2: n = snprintf(out, cap, _("%d February %d"), d, y); break;
	case 3: n = snprintf(out, cap, _("%d March %d"), d, y); break;
	case 4: n = snprintf(out, cap, _("%d April %d"), d, y); break;
	case 5: n = snprintf(out, cap, _("%d May %d"), d, y); break;
	case 6: n = snprintf(out, cap, _("%d June %d"), d, y); break;
	case 7: n = snprintf(out, cap, _("%d July %d"), d, y); break;
	case 8: n = snprintf(out, cap, _("%d August %d"), d, y); break;
	case 9: n = snprintf(out, cap, _("%d September %d"), d, y); break;
	case 10: n = snprintf(out, cap, _("%d October %d"), d, y); break;
	case 11: n = snprintf(out, cap, _("%d November %d"), d, y); break;
	default: n = snprintf(out, cap, _("%d December %d"), d, y); break;
	}
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

static int
parse_choices(const char *s, json_t **out)
{
	char buf[80];
	size_t n;

	*out = json_array();
	while (*out != NULL && *s) {
		while (*s == ' ' || *s == ',')
			s++;
		for (n = 0; s[n] && s[n] != ' ' && s[n] != ','; n++)
			;
		if (n == 0)
			break;
		if (n >= sizeof buf)
			return -1;
		memcpy(buf, s, n);
		buf[n] = '\0';
		if (json_array_append_new(*out, json_string(buf)) != 0)
			return -1;
		s += n;
	}
	return 0;
}

static int
parse_geopoint(const char *s, json_t **out)
{
	double v[3];
	int n = 0;
	char *end;

	while (n < 3) {
		while (*s == ' ' || *s == ',' || *s == ';')
			s++;
		if (*s == '\0')
			break;
		v[n++] = strtod(s, &end);
		if (end == s)
			return -1;
		s = end;
	}
	while (*s == ' ')
		s++;
	if (n < 2 || *s != '\0' || !isfinite(v[0]) || !isfinite(v[1]))
		return -1;
	*out = n == 3 ? json_pack("{s:f,s:f,s:f}", "lat", v[0], "lon", v[1], "accuracy", v[2]) :
	    json_pack("{s:f,s:f}", "lat", v[0], "lon", v[1]);
	return 0;
}

int
fk_form_parse_answer(const fk_field *x, const char *text, size_t len, json_t **out,
    fk_issues *is, fk_err *e)
{
	char *s;
	size_t i = 0, bad;
	int rc = 0;
	const char *code = "wrong_type", *why = NULL;
	char whybuf[160];

	*out = NULL;
	if (!fk_utf8_valid((const uint8_t *)text, len, &bad))
		return fk_issue_add(is, "", "invalid_utf8", e, _("invalid UTF-8 at byte %zu"), bad) ?
		    -1 : 1;
	if (x->type == FK_T_TEXT) {
		if (len > (size_t)x->max_length * 4)
			return fk_issue_add(is, "", "too_long", e,
			    ngettext("longer than %ld character: shorten it",
			    "longer than %ld characters: shorten it", (unsigned long)x->max_length),
			    x->max_length) ? -1 : 1;
		if (!fk_field_multiline(x) && (memchr(text, '\n', len) || memchr(text, '\r', len)))
			return fk_issue_add(is, "", "one_line", e, "%s",
			    _("one line only: remove the line break")) ? -1 : 1;
		if ((*out = json_stringn(text, len)) == NULL)
			return fk_issue_add(is, "", "control_chars", e, "%s",
			    _("contains control characters")) ? -1 : 1;
		return 0;
	}
	if (len > 4096)
		return fk_issue_add(is, "", "too_long", e, _("longer than %d characters: shorten it"),
		    4096) ? -1 : 1;
	while (i < len && isspace((unsigned char)text[i]))
		i++;
	while (len > i && isspace((unsigned char)text[len - 1]))
		len--;
	if ((s = strndup(text + i, len - i)) == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	switch (x->type) {
	case FK_T_INTEGER:
	case FK_T_DECIMAL:
		if (parse_number(x, s, out) != 0)
			why = x->type == FK_T_INTEGER ? _("expected a whole number") : _("expected a number");
		break;
	case FK_T_DATE:
		if (parse_date(s, out, &why, whybuf, sizeof whybuf) != 0) {
			code = "invalid_date";
			if (why == NULL)
				why = _("not a date: write day, month and year, e.g. 14.05.2012, or 2012-05-14");
		}
		break;
	case FK_T_DATETIME:
	case FK_T_SELECT_ONE:
		*out = json_string(s);
		break;
	case FK_T_SELECT_MULTIPLE:
		if (parse_choices(s, out) != 0)
			why = _("expected choice names separated by blanks");
		break;
	case FK_T_GEOPOINT:
		if (parse_geopoint(s, out) != 0) {
			code = "invalid_geopoint";
			why = _("write the latitude and the longitude, e.g. 50.45 30.52");
		}
		break;
	default:
		why = _("this item is not answered by typing");
		break;
	}
	free(s);
	if (why != NULL) {
		json_decref(*out);
		*out = NULL;
		return fk_issue_add(is, "", code, e, "%s", why) != 0 ? -1 : 1;
	}
	if (*out == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	return rc;
}
