/*
 * schema.c - loading and checking forms (see schema.h and
 * docs/schema-language.md). Every problem in a form file is reported with its
 * JSON path; loading goes on after a problem so that one run shows them all.
 */
#include "schema_int.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"
#include "translit.h"

/* ---- issues ---- */

int
fk_issue_add(fk_issues *l, const char *path, const char *code, fk_err *e, const char *fmt, ...)
{
	char msg[512];
	fk_issue *v;
	va_list ap;

	if (l == NULL)
		return 0;
	if (l->n >= FK_ISSUES_MAX) {
		l->dropped++;
		return 0;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		if ((v = realloc(l->v, cap * sizeof *v)) == NULL)
			return fk_fail(e, FK_ENOMEM, _("out of memory"));
		l->v = v;
		l->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	v = &l->v[l->n];
	v->code = code;
	v->path = strdup(path);
	v->msg = strdup(msg);
	if (v->path == NULL || v->msg == NULL) {
		free(v->path);
		free(v->msg);
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	}
	l->n++;
	return 0;
}

void
fk_issues_clear(fk_issues *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].path);
		free(l->v[i].msg);
	}
	l->n = 0;
	l->dropped = 0;
}

void
fk_issues_free(fk_issues *l)
{
	fk_issues_clear(l);
	free(l->v);
	l->v = NULL;
	l->cap = 0;
}

/* ---- the loader ---- */

/* p = path + "." + key (truncated if need be). */
static void
keypath(char *p, size_t n, const char *path, const char *key)
{
	if (snprintf(p, n, "%s.%s", path, key) >= (int)n)
		p[n - 1] = '\0';
}

struct loader {
	fk_form *f;
	fk_issues *is;
	fk_err *e;
	int oom;
	size_t nproblems;
};

static void FK_PRINTF(3, 4)
problem(struct loader *ld, const char *path, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	ld->nproblems++;
	if (fk_issue_add(ld->is, path, "schema", ld->e, "%s", msg) != 0)
		ld->oom = 1;
}

static int
valid_name(const char *s)
{
	size_t i;

	if (s == NULL || !(islower((unsigned char)s[0])))
		return 0;
	for (i = 0; s[i]; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '_')
			return 0;
	return i <= FK_EXPR_MAX_NAME;
}

static int
valid_choice_name(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-' && s[i] != '.')
			return 0;
	return i > 0 && i <= 64;
}

const char *
fk_lang_text(const fk_form *f, const json_t *obj, const char *lang)
{
	const char *s = NULL;

	if (obj == NULL)
		return NULL;
	if (lang != NULL)
		s = json_string_value(json_object_get(obj, lang));
	if (s == NULL && f->nlangs > 0)
		s = json_string_value(json_object_get(obj, f->langs[0]));
	return s;
}

/* A per-language text: an object with a non-empty string for every form language. */
static json_t *
lang_obj(struct loader *ld, const char *path, const char *key, json_t *v, int need)
{
	char p[512];
	const char *k;
	json_t *s;
	size_t i;

	snprintf(p, sizeof p, "%s.%s", path, key);
	if (v == NULL) {
		if (need)
			problem(ld, p, _("missing: give the text in each language, e.g. {\"uk\": \"...\", \"en\": \"...\"}"));
		return NULL;
	}
	if (!json_is_object(v)) {
		problem(ld, p, _("must be an object of texts by language, e.g. {\"uk\": \"...\", \"en\": \"...\"}"));
		return NULL;
	}
	for (i = 0; i < ld->f->nlangs; i++) {
		s = json_object_get(v, ld->f->langs[i]);
		if (!json_is_string(s) || json_string_length(s) == 0)
			problem(ld, p, _("no text in language '%s'"), ld->f->langs[i]);
		else if (json_string_length(s) > 4000)
			problem(ld, p, _("the text in '%s' is longer than 4000 bytes"), ld->f->langs[i]);
	}
	json_object_foreach(v, k, s) {
		if (!fk_form_has_lang(ld->f, k))
			problem(ld, p, _("language '%s' is not in the form's languages"), k);
	}
	return v;
}

static const char *const type_names[] = {
	"text", "integer", "decimal", "date", "datetime", "select_one", "select_multiple",
	"attachment", "geopoint", "note", "group", "repeat",
};

const char *
fk_ftype_name(enum fk_ftype t)
{
	return (size_t)t < sizeof type_names / sizeof type_names[0] ? type_names[t] : "?";
}

#define M(t) (1u << (t))
#define ANSWERABLE (M(FK_T_TEXT) | M(FK_T_INTEGER) | M(FK_T_DECIMAL) | M(FK_T_DATE) | \
    M(FK_T_DATETIME) | M(FK_T_SELECT_ONE) | M(FK_T_SELECT_MULTIPLE) | M(FK_T_ATTACHMENT) | \
    M(FK_T_GEOPOINT))
#define ALL (ANSWERABLE | M(FK_T_NOTE) | M(FK_T_GROUP) | M(FK_T_REPEAT))
#define CALCULABLE (M(FK_T_TEXT) | M(FK_T_INTEGER) | M(FK_T_DECIMAL) | M(FK_T_DATE) | \
    M(FK_T_DATETIME) | M(FK_T_SELECT_ONE))

static const struct fieldkey {
	const char *key;
	unsigned types;
} fieldkeys[] = {
	{"name", ALL}, {"type", ALL}, {"label", ALL}, {"hint", ALL}, {"relevant", ALL},
	{"required", ANSWERABLE}, {"required_message", ANSWERABLE},
	{"constraint", ANSWERABLE}, {"constraint_message", ANSWERABLE},
	{"default", ANSWERABLE & ~M(FK_T_ATTACHMENT)}, {"calculate", CALCULABLE},
	{"max_length", M(FK_T_TEXT)}, {"min_length", M(FK_T_TEXT)},
	{"translit_from", M(FK_T_TEXT)},
	{"min", M(FK_T_INTEGER) | M(FK_T_DECIMAL) | M(FK_T_DATE) | M(FK_T_REPEAT)},
	{"max", M(FK_T_INTEGER) | M(FK_T_DECIMAL) | M(FK_T_DATE) | M(FK_T_REPEAT)},
	{"choices", M(FK_T_SELECT_ONE) | M(FK_T_SELECT_MULTIPLE)},
	{"kind", M(FK_T_ATTACHMENT)}, {"max_size", M(FK_T_ATTACHMENT)},
	{"media_types", M(FK_T_ATTACHMENT)},
	{"fields", M(FK_T_GROUP) | M(FK_T_REPEAT)},
};

static const struct choices *
find_list(const fk_form *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->nlists; i++)
		if (strcmp(f->lists[i].name, name) == 0)
			return &f->lists[i];
	return NULL;
}

static int
byname_cmp(const void *a, const void *b)
{
	return strcmp((*(struct fk_field *const *)a)->name, (*(struct fk_field *const *)b)->name);
}

static int
key_cmp(const void *key, const void *b)
{
	return strcmp(key, (*(struct fk_field *const *)b)->name);
}

const fk_field *
fk_form_find(const fk_form *f, const char *name)
{
	struct fk_field **p;
	size_t i;

	if (f->byname != NULL) {
		p = bsearch(name, f->byname, f->nall - 1, sizeof *p, key_cmp);
		return p != NULL ? *p : NULL;
	}
	for (i = 1; i < f->nall; i++) /* while loading */
		if (strcmp(f->all[i]->name, name) == 0)
			return f->all[i];
	return NULL;
}

/* Indexes the fields by name once the tree is complete. */
static int
index_names(fk_form *f)
{
	if (f->nall < 2)
		return 0;
	if ((f->byname = malloc((f->nall - 1) * sizeof *f->byname)) == NULL)
		return -1;
	memcpy(f->byname, f->all + 1, (f->nall - 1) * sizeof *f->byname);
	qsort(f->byname, f->nall - 1, sizeof *f->byname, byname_cmp);
	return 0;
}

static int
is_int_value(const json_t *v, long lo, long hi, long *out)
{
	json_int_t n;

	if (!json_is_integer(v))
		return 0;
	n = json_integer_value(v);
	if (n < lo || n > hi)
		return 0;
	*out = (long)n;
	return 1;
}

/* min/max of a date field: "today" or YYYY-MM-DD. */
static void
date_bound(struct loader *ld, const char *p, const json_t *v, char *buf, int *today)
{
	const char *s = json_string_value(v);
	int y, m, d;

	if (s != NULL && strcmp(s, "today") == 0)
		*today = 1;
	else if (s != NULL && fk_date_parse(s, strlen(s), &y, &m, &d) == 0)
		memcpy(buf, s, 11);
	else
		problem(ld, p, _("a date bound is \"today\" or a date YYYY-MM-DD"));
}

static void
bounds(struct loader *ld, const char *path, struct fk_field *x, json_t *o)
{
	json_t *lo = json_object_get(o, "min"), *hi = json_object_get(o, "max");
	char p[512];

	if (x->type == FK_T_REPEAT) {
		x->rmin = 0;
		x->rmax = 100;
		keypath(p, sizeof p, path, "min");
		if (lo != NULL && !is_int_value(lo, 0, FK_REPEAT_MAX_LIMIT, &x->rmin))
			problem(ld, p, _("must be a whole number from 0 to %d"), FK_REPEAT_MAX_LIMIT);
		keypath(p, sizeof p, path, "max");
		if (hi != NULL && !is_int_value(hi, 1, FK_REPEAT_MAX_LIMIT, &x->rmax))
			problem(ld, p, _("must be a whole number from 1 to %d"), FK_REPEAT_MAX_LIMIT);
		if (x->rmin > x->rmax)
			problem(ld, p, _("max is smaller than min"));
		return;
	}
	if (x->type == FK_T_DATE) {
		keypath(p, sizeof p, path, "min");
		if (lo != NULL)
			date_bound(ld, p, lo, x->dmin, &x->dmin_today);
		keypath(p, sizeof p, path, "max");
		if (hi != NULL)
			date_bound(ld, p, hi, x->dmax, &x->dmax_today);
		return;
	}
	keypath(p, sizeof p, path, "min");
	if (lo != NULL && !json_is_number(lo))
		problem(ld, p, _("must be a number"));
	else if (lo != NULL) {
		x->has_min = 1;
		x->min = json_number_value(lo);
	}
	keypath(p, sizeof p, path, "max");
	if (hi != NULL && !json_is_number(hi))
		problem(ld, p, _("must be a number"));
	else if (hi != NULL) {
		x->has_max = 1;
		x->max = json_number_value(hi);
		if (x->has_min && x->min > x->max)
			problem(ld, p, _("max is smaller than min"));
	}
}

static void
attachment_props(struct loader *ld, const char *path, struct fk_field *x, json_t *o)
{
	const char *kind = json_string_value(json_object_get(o, "kind"));
	json_t *ms = json_object_get(o, "max_size"), *mt = json_object_get(o, "media_types"), *v;
	char p[512];
	size_t i;

	keypath(p, sizeof p, path, "kind");
	if (kind != NULL && strcmp(kind, "photo") == 0)
		x->kind = KIND_PHOTO;
	else if (kind != NULL && strcmp(kind, "document") == 0)
		x->kind = KIND_DOCUMENT;
	else
		problem(ld, p, _("must be \"photo\" or \"document\""));
	x->max_size = 10 << 20;
	keypath(p, sizeof p, path, "max_size");
	if (ms != NULL) {
		if (!json_is_integer(ms) || json_integer_value(ms) < 1 ||
		    json_integer_value(ms) > (json_int_t)1 << 30)
			problem(ld, p, _("must be a number of bytes from 1 to 1073741824"));
		else
			x->max_size = json_integer_value(ms);
	}
	keypath(p, sizeof p, path, "media_types");
	if (mt != NULL) {
		if (!json_is_array(mt) || json_array_size(mt) == 0)
			problem(ld, p, _("must be a non-empty list of media types such as \"image/jpeg\""));
		json_array_foreach(mt, i, v) {
			const char *s = json_string_value(v);
			if (s == NULL || strchr(s, '/') == NULL || strlen(s) > 100)
				problem(ld, p, _("item %zu is not a media type such as \"image/jpeg\""), i);
		}
		x->media_types = mt;
	}
}

static void
text_props(struct loader *ld, const char *path, struct fk_field *x, json_t *o)
{
	json_t *mx = json_object_get(o, "max_length"), *mn = json_object_get(o, "min_length");
	char p[512];

	x->max_length = FK_TEXT_MAX_DEFAULT;
	keypath(p, sizeof p, path, "max_length");
	if (mx != NULL && !is_int_value(mx, 1, FK_TEXT_MAX_LIMIT, &x->max_length))
		problem(ld, p, _("must be a whole number from 1 to %d"), FK_TEXT_MAX_LIMIT);
	keypath(p, sizeof p, path, "min_length");
	if (mn != NULL && !is_int_value(mn, 0, x->max_length, &x->min_length))
		problem(ld, p, _("must be a whole number from 0 to max_length"));
}

static fk_expr *
expr_prop(struct loader *ld, const char *path, json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	fk_expr *x = NULL;
	fk_err e = {0};
	char p[512];

	if (v == NULL)
		return NULL;
	snprintf(p, sizeof p, "%s.%s", path, key);
	if (!json_is_string(v))
		problem(ld, p, _("must be an expression in a string"));
	else if (fk_expr_parse(json_string_value(v), json_string_length(v), &x, &e) != 0)
		problem(ld, p, "%s", e.msg);
	return x;
}

static struct fk_field *parse_field(struct loader *ld, const char *path, json_t *o,
    struct fk_field *parent, int depth);

static void
parse_kids(struct loader *ld, const char *path, struct fk_field *x, json_t *arr, int depth)
{
	char p[512];
	size_t i;
	json_t *v;
	struct fk_field *k;

	keypath(p, sizeof p, path, "fields");
	if (!json_is_array(arr) || json_array_size(arr) == 0) {
		problem(ld, p, _("must be a non-empty list of fields"));
		return;
	}
	if ((x->kids = calloc(json_array_size(arr), sizeof *x->kids)) == NULL) {
		ld->oom = 1;
		return;
	}
	json_array_foreach(arr, i, v) {
		snprintf(p, sizeof p, "%s.fields[%zu]", path, i);
		if ((k = parse_field(ld, p, v, x, depth + 1)) != NULL)
			x->kids[x->nkids++] = k;
		if (ld->oom)
			return;
	}
}

static int
register_field(struct loader *ld, struct fk_field *x)
{
	struct fk_field **all;

	if (ld->f->nall % 64 == 0) {
		if ((all = realloc(ld->f->all, (ld->f->nall + 64) * sizeof *all)) == NULL) {
			ld->oom = 1;
			return -1;
		}
		ld->f->all = all;
	}
	x->index = ld->f->nall;
	ld->f->all[ld->f->nall++] = x;
	return 0;
}

static int
field_type(const char *s)
{
	size_t i;

	for (i = 0; s != NULL && i < sizeof type_names / sizeof type_names[0]; i++)
		if (strcmp(s, type_names[i]) == 0)
			return (int)i;
	return -1;
}

static void
field_keys(struct loader *ld, const char *path, json_t *o, enum fk_ftype t)
{
	const char *k;
	json_t *v;
	size_t i;

	json_object_foreach(o, k, v) {
		for (i = 0; i < sizeof fieldkeys / sizeof fieldkeys[0]; i++)
			if (strcmp(fieldkeys[i].key, k) == 0)
				break;
		if (i == sizeof fieldkeys / sizeof fieldkeys[0])
			problem(ld, path, _("unknown key '%.60s'"), k);
		else if (!(fieldkeys[i].types & M(t)))
			problem(ld, path, _("key '%s' does not apply to a field of type %s"), k,
			    type_names[t]);
	}
}

static void
field_props(struct loader *ld, const char *path, struct fk_field *x, json_t *o)
{
	json_t *req = json_object_get(o, "required"), *ch = json_object_get(o, "choices");
	char p[512];

	x->label = lang_obj(ld, path, "label", json_object_get(o, "label"), 1);
	x->hint = lang_obj(ld, path, "hint", json_object_get(o, "hint"), 0);
	x->cmsg = lang_obj(ld, path, "constraint_message", json_object_get(o, "constraint_message"), 0);
	x->rmsg = lang_obj(ld, path, "required_message", json_object_get(o, "required_message"), 0);
	x->relevant = expr_prop(ld, path, o, "relevant");
	x->constraint = expr_prop(ld, path, o, "constraint");
	x->calculate = expr_prop(ld, path, o, "calculate");
	keypath(p, sizeof p, path, "required");
	if (json_is_boolean(req))
		x->required = json_is_true(req);
	else if (json_is_string(req))
		x->required_x = expr_prop(ld, path, o, "required");
	else if (req != NULL)
		problem(ld, p, _("must be true, false or an expression in a string"));
	if (x->cmsg != NULL && x->constraint == NULL)
		problem(ld, path, _("constraint_message without a constraint"));
	if (x->calculate != NULL && json_object_get(o, "default") != NULL)
		problem(ld, path, _("a calculated field cannot have a default"));
	if (x->type == FK_T_SELECT_ONE || x->type == FK_T_SELECT_MULTIPLE) {
		keypath(p, sizeof p, path, "choices");
		if (!json_is_string(ch))
			problem(ld, p, _("missing: name the choice list, e.g. \"choices\": \"yes_no\""));
		else if ((x->choices = find_list(ld->f, json_string_value(ch))) == NULL)
			problem(ld, p, _("no choice list named '%.64s' in \"choices\" at the top of the form"),
			    json_string_value(ch));
	}
	if (x->type == FK_T_TEXT)
		text_props(ld, path, x, o);
	if (x->type == FK_T_ATTACHMENT)
		attachment_props(ld, path, x, o);
	bounds(ld, path, x, o);
	x->deflt = json_object_get(o, "default");
}

static struct fk_field *
parse_field(struct loader *ld, const char *path, json_t *o, struct fk_field *parent, int depth)
{
	struct fk_field *x;
	const char *name, *type;
	char p[512];
	int t;

	if (!json_is_object(o)) {
		problem(ld, path, _("a field must be an object"));
		return NULL;
	}
	name = json_string_value(json_object_get(o, "name"));
	type = json_string_value(json_object_get(o, "type"));
	keypath(p, sizeof p, path, "name");
	if (!valid_name(name)) {
		problem(ld, p, _("a name is 1-64 of a-z, 0-9 and _, starting with a letter"));
		return NULL;
	}
	if (fk_form_find(ld->f, name) != NULL) {
		problem(ld, p, _("the name '%s' is used twice (names are unique in a form)"), name);
		return NULL;
	}
	keypath(p, sizeof p, path, "type");
	if ((t = field_type(type)) < 0) {
		problem(ld, p, _("unknown type (text, integer, decimal, date, datetime, select_one, "
				  "select_multiple, attachment, geopoint, note, group, repeat)"));
		return NULL;
	}
	if (depth > FK_FORM_MAX_NESTING) {
		problem(ld, path, _("groups nested deeper than %d"), FK_FORM_MAX_NESTING);
		return NULL;
	}
	if (ld->f->nall >= FK_FORM_MAX_FIELDS) {
		problem(ld, path, _("more than %d fields"), FK_FORM_MAX_FIELDS);
		return NULL;
	}
	if ((x = calloc(1, sizeof *x)) == NULL) {
		ld->oom = 1;
		return NULL;
	}
	x->name = name;
	x->obj = o;
	x->type = (enum fk_ftype)t;
	x->parent = parent;
	x->rep = parent->type == FK_T_REPEAT ? parent : parent->rep;
	if (register_field(ld, x) != 0) {
		free(x);
		return NULL;
	}
	field_keys(ld, path, o, x->type);
	field_props(ld, path, x, o);
	if (x->type != FK_T_GROUP && x->type != FK_T_REPEAT)
		ld->f->nquestions++;
	if (x->type == FK_T_GROUP || x->type == FK_T_REPEAT)
		parse_kids(ld, path, x, json_object_get(o, "fields"), depth);
	x->last = ld->f->nall - 1;
	return x;
}

/* ---- second pass: references ---- */

enum refkind { REF_RELEVANT, REF_REQUIRED, REF_CALCULATE, REF_CONSTRAINT };

struct refcheck {
	struct loader *ld;
	const struct fk_field *self;
	const char *path;
	enum refkind kind;
};

/* Is a a strict ancestor of x? */
static int
above(const struct fk_field *a, const struct fk_field *x)
{
	for (x = x->parent; x != NULL; x = x->parent)
		if (x == a)
			return 1;
	return 0;
}

static int
check_ref(void *ctx, const char *name, int counted, size_t pos)
{
	struct refcheck *rc = ctx;
	const struct fk_field *t = fk_form_find(rc->ld->f, name);

	if (t == NULL) {
		problem(rc->ld, rc->path, _("at character %zu: no field named '%s'"), pos, name);
		return 0;
	}
	if (counted && t->type != FK_T_REPEAT) {
		problem(rc->ld, rc->path, _("at character %zu: count() takes a repeat, and '%s' is not one"),
		    pos, name);
		return 0;
	}
	if (!counted && (t->type == FK_T_GROUP || t->type == FK_T_REPEAT || t->type == FK_T_NOTE)) {
		problem(rc->ld, rc->path, _("at character %zu: '%s' is a %s and has no value%s"), pos,
		    name, type_names[t->type],
		    t->type == FK_T_REPEAT ? _(" (use count(${...}))") : "");
		return 0;
	}
	if (t->rep != NULL && !above(t->rep, rc->self)) {
		problem(rc->ld, rc->path,
		    _("at character %zu: '%s' is inside the repeat '%s' and cannot be reached from here"),
		    pos, name, t->rep->name);
		return 0;
	}
	if (rc->kind != REF_CONSTRAINT && ((counted && t->last >= rc->self->index) ||
	    (!counted && t->index >= rc->self->index)))
		problem(rc->ld, rc->path,
		    _("at character %zu: '%s' does not come before this field (relevant, required and "
		      "calculate may only use earlier fields)"), pos, name);
	return 0;
}

static void
check_expr(struct loader *ld, const struct fk_field *x, const char *path, fk_expr *ex,
    const char *key, enum refkind kind)
{
	char p[512];
	struct refcheck rc = {ld, x, p, kind};

	if (ex == NULL)
		return;
	snprintf(p, sizeof p, "%s.%s", path, key);
	fk_expr_each_ref(ex, check_ref, &rc);
	if (kind != REF_CONSTRAINT && fk_expr_uses_self(ex))
		problem(ld, p, _("'.' (this answer) may only be used in a constraint"));
}

static void
check_translit(struct loader *ld, struct fk_field *x, const char *path, json_t *o)
{
	const char *src = json_string_value(json_object_get(o, "translit_from"));
	const fk_field *t;
	char p[512];

	if (json_object_get(o, "translit_from") == NULL)
		return;
	keypath(p, sizeof p, path, "translit_from");
	if (src == NULL || (t = fk_form_find(ld->f, src)) == NULL)
		problem(ld, p, _("must name a text field of this form"));
	else if (t->type != FK_T_TEXT || t->rep != x->rep || t->index >= x->index)
		problem(ld, p, _("'%s' must be an earlier text field in the same repeat"), src);
	else if (x->calculate != NULL)
		problem(ld, p, _("a calculated field cannot also be transliterated"));
	else
		x->translit_src = (struct fk_field *)t;
}

static void
check_default(struct loader *ld, struct fk_field *x, const char *path)
{
	fk_issues tmp = {0};
	fk_err e = {0};
	const char *s = json_string_value(x->deflt);
	char p[512];
	size_t i;

	if (x->deflt == NULL)
		return;
	keypath(p, sizeof p, path, "default");
	if (s != NULL && ((x->type == FK_T_DATE && strcmp(s, "today") == 0) ||
	    (x->type == FK_T_DATETIME && strcmp(s, "now") == 0)))
		return;
	if (fk_check_value(ld->f, x, x->deflt, "", "9999-12-31", &tmp, &e) < 0)
		ld->oom = 1;
	for (i = 0; i < tmp.n; i++)
		problem(ld, p, _("not a valid answer: %s"), tmp.v[i].msg);
	fk_issues_free(&tmp);
}

static void
second_pass(struct loader *ld, struct fk_field *x, const char *path, json_t *o)
{
	char p[512];
	size_t i;

	check_expr(ld, x, path, x->relevant, "relevant", REF_RELEVANT);
	check_expr(ld, x, path, x->required_x, "required", REF_REQUIRED);
	check_expr(ld, x, path, x->calculate, "calculate", REF_CALCULATE);
	check_expr(ld, x, path, x->constraint, "constraint", REF_CONSTRAINT);
	check_translit(ld, x, path, o);
	check_default(ld, x, path);
	for (i = 0; i < x->nkids; i++) {
		json_t *arr = json_object_get(o, "fields"), *k;
		size_t j;
		/* find the kid's object: kids keep the array's order, skipping bad ones */
		json_array_foreach(arr, j, k) {
			if (json_string_value(json_object_get(k, "name")) == x->kids[i]->name) {
				snprintf(p, sizeof p, "%s.fields[%zu]", path, j);
				second_pass(ld, x->kids[i], p, k);
				break;
			}
		}
	}
}

static void
parse_choices(struct loader *ld, json_t *lists)
{
	const char *k;
	json_t *v, *c;
	size_t i, j, n;
	char p[512];
	struct choices *cl;

	if (lists == NULL)
		return;
	if (!json_is_object(lists)) {
		problem(ld, "$.choices", _("must be an object of choice lists"));
		return;
	}
	if ((ld->f->lists = calloc(json_object_size(lists) + 1, sizeof *ld->f->lists)) == NULL) {
		ld->oom = 1;
		return;
	}
	json_object_foreach(lists, k, v) {
		snprintf(p, sizeof p, "$.choices.%.64s", k);
		if (!valid_name(k)) {
			problem(ld, p, _("a list name is 1-64 of a-z, 0-9 and _, starting with a letter"));
			continue;
		}
		if (!json_is_array(v) || (n = json_array_size(v)) == 0 || n > 1000) {
			problem(ld, p, _("must be a list of 1 to 1000 choices"));
			continue;
		}
		cl = &ld->f->lists[ld->f->nlists++];
		cl->name = k;
		cl->names = calloc(n, sizeof *cl->names);
		cl->labels = calloc(n, sizeof *cl->labels);
		if (cl->names == NULL || cl->labels == NULL) {
			ld->oom = 1;
			return;
		}
		json_array_foreach(v, i, c) {
			const char *name = json_string_value(json_object_get(c, "name"));
			snprintf(p, sizeof p, "$.choices.%.64s[%zu]", k, i);
			if (!json_is_object(c) || json_object_size(c) != 2 || name == NULL ||
			    !valid_choice_name(name)) {
				problem(ld, p, _("a choice is {\"name\": \"...\", \"label\": {...}} with a name "
						  "of 1-64 letters, digits, _ - ."));
				continue;
			}
			for (j = 0; j < cl->n; j++)
				if (strcmp(cl->names[j], name) == 0)
					problem(ld, p, _("the choice '%s' appears twice"), name);
			cl->names[cl->n] = name;
			cl->labels[cl->n++] = lang_obj(ld, p, "label", json_object_get(c, "label"), 1);
		}
	}
}

static void
parse_langs(struct loader *ld, json_t *v)
{
	size_t i, j;
	json_t *l;
	const char *s;

	if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > 16) {
		problem(ld, "$.languages", _("must be a list of 1 to 16 language codes, e.g. [\"uk\", \"en\"]"));
		return;
	}
	if ((ld->f->langs = calloc(json_array_size(v), sizeof *ld->f->langs)) == NULL) {
		ld->oom = 1;
		return;
	}
	json_array_foreach(v, i, l) {
		s = json_string_value(l);
		if (s == NULL || strlen(s) < 2 || strlen(s) > 8 || !islower((unsigned char)s[0]) ||
		    !islower((unsigned char)s[1])) {
			problem(ld, "$.languages", _("item %zu is not a language code such as \"uk\""), i);
			continue;
		}
		for (j = 0; j < ld->f->nlangs; j++)
			if (strcmp(ld->f->langs[j], s) == 0)
				problem(ld, "$.languages", _("'%s' appears twice"), s);
		ld->f->langs[ld->f->nlangs++] = s;
	}
}

static void
parse_top(struct loader *ld, json_t *root)
{
	static const char *const keys[] = {
		"fieldkit_form", "id", "version", "title", "languages", "choices", "fields",
	};
	const char *k, *id;
	json_t *v, *fv = json_object_get(root, "fieldkit_form");
	size_t i, n;
	long ver;

	json_object_foreach(root, k, v) {
		for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
			if (strcmp(keys[i], k) == 0)
				break;
		if (i == sizeof keys / sizeof keys[0])
			problem(ld, "$", _("unknown key '%.60s'"), k);
	}
	if (!json_is_integer(fv) || json_integer_value(fv) != 1)
		problem(ld, "$.fieldkit_form", _("must be 1 (the version of this form language)"));
	id = json_string_value(json_object_get(root, "id"));
	n = id ? strlen(id) : 0;
	for (i = 0; i < n; i++)
		if (!islower((unsigned char)id[i]) && !isdigit((unsigned char)id[i]) && id[i] != '-')
			break;
	if (n == 0 || n > 63 || i < n || id[0] == '-')
		problem(ld, "$.id", _("a form id is 1-63 of a-z, 0-9 and -, e.g. \"family-report\""));
	else
		ld->f->id = id;
	if (!is_int_value(json_object_get(root, "version"), 1, 1000000, &ver))
		problem(ld, "$.version", _("must be a whole number from 1"));
	else
		ld->f->version = (int)ver;
	parse_langs(ld, json_object_get(root, "languages"));
	ld->f->title = lang_obj(ld, "$", "title", json_object_get(root, "title"), 1);
	parse_choices(ld, json_object_get(root, "choices"));
}

int
fk_form_load(const uint8_t *p, size_t len, fk_form **out, fk_issues *issues, fk_err *e)
{
	struct loader ld = {NULL, issues, e, 0, 0};
	json_error_t je;
	json_t *root;
	size_t bad;
	fk_form *f;

	*out = NULL;
	if (len > FK_FORM_MAX) {
		fk_issue_add(issues, "$", "schema", e, _("the form is larger than %u bytes"), FK_FORM_MAX);
		return fk_fail(e, FK_ELIMIT, _("the form is larger than %u bytes"), FK_FORM_MAX);
	}
	if (!fk_utf8_valid(p, len, &bad)) {
		fk_issue_add(issues, "$", "schema", e, _("invalid UTF-8 at byte %zu"), bad);
		return fk_fail(e, FK_EINPUT, _("the form is not valid UTF-8 (byte %zu)"), bad);
	}
	if ((root = json_loadb((const char *)p, len, JSON_REJECT_DUPLICATES, &je)) == NULL) {
		fk_issue_add(issues, "$", "schema", e, _("line %d, column %d: %s"), je.line, je.column,
		    je.text);
		return fk_fail(e, FK_EINPUT, _("the form is not valid JSON: line %d, column %d: %s"),
		    je.line, je.column, je.text);
	}
	if ((f = calloc(1, sizeof *f)) == NULL || (f->top = calloc(1, sizeof *f->top)) == NULL) {
		free(f);
		json_decref(root);
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	}
	f->root = root;
	f->top->type = FK_T_GROUP;
	f->top->name = "";
	ld.f = f;
	if (!json_is_object(root)) {
		problem(&ld, "$", _("a form is a JSON object"));
		goto fail;
	}
	register_field(&ld, f->top);
	parse_top(&ld, root);
	if (f->nlangs > 0 && !ld.oom)
		parse_kids(&ld, "$", f->top, json_object_get(root, "fields"), 0);
	f->top->last = f->nall ? f->nall - 1 : 0;
	if (ld.nproblems == 0 && !ld.oom && index_names(f) != 0)
		ld.oom = 1;
	if (ld.nproblems == 0 && !ld.oom)
		second_pass(&ld, f->top, "$", root);
	if (ld.oom) {
		fk_fail(e, FK_ENOMEM, _("out of memory"));
		goto fail_nomsg;
	}
	if (ld.nproblems > 0)
		goto fail;
	*out = f;
	return 0;
fail:
	fk_fail(e, FK_EINPUT, _("problems in the form: %zu"), ld.nproblems ? ld.nproblems : 1);
fail_nomsg:
	fk_form_free(f);
	return -1;
}

int
fk_form_load_file(const char *path, fk_form **out, fk_issues *issues, fk_err *e)
{
	fk_buf b = {0};
	int rc;

	*out = NULL;
	if (fk_read_file(path, FK_FORM_MAX, &b, e) != 0)
		return -1;
	rc = fk_form_load(b.p ? b.p : (const uint8_t *)"", b.len, out, issues, e);
	if (rc != 0)
		fk_prefix(e, "%s", path);
	fk_buf_free(&b);
	return rc;
}

static void
field_free(struct fk_field *x)
{
	fk_expr_free(x->relevant);
	fk_expr_free(x->constraint);
	fk_expr_free(x->calculate);
	fk_expr_free(x->required_x);
	free(x->kids);
	free(x);
}

void
fk_form_free(fk_form *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->nall; i++)
		field_free(f->all[i]);
	if (f->nall == 0)
		field_free(f->top);
	for (i = 0; i < f->nlists; i++) {
		free(f->lists[i].names);
		free(f->lists[i].labels);
	}
	free(f->lists);
	free(f->all);
	free(f->byname);
	free(f->langs);
	json_decref(f->root);
	free(f);
}

/* ---- accessors ---- */

const char *fk_form_id(const fk_form *f) { return f->id; }
int fk_form_version(const fk_form *f) { return f->version; }
size_t fk_form_nfields(const fk_form *f) { return f->nquestions; }
size_t fk_form_nlangs(const fk_form *f) { return f->nlangs; }
const char *fk_form_lang(const fk_form *f, size_t i) { return i < f->nlangs ? f->langs[i] : NULL; }
const fk_field *fk_form_root(const fk_form *f) { return f->top; }

int
fk_form_has_lang(const fk_form *f, const char *lang)
{
	size_t i;

	for (i = 0; lang != NULL && i < f->nlangs; i++)
		if (strcmp(f->langs[i], lang) == 0)
			return 1;
	return 0;
}

const char *
fk_form_title(const fk_form *f, const char *lang)
{
	return fk_lang_text(f, f->title, lang);
}

/* Fields do not point at their form; labels fall back through the JSON itself. */
static const char *
any_text(const json_t *obj, const char *lang)
{
	const char *s = NULL, *k;
	json_t *v;

	if (obj == NULL)
		return NULL;
	if (lang != NULL)
		s = json_string_value(json_object_get(obj, lang));
	if (s == NULL)
		s = json_string_value(json_object_get(obj, "en"));
	if (s == NULL)
		json_object_foreach((json_t *)obj, k, v) {
			if ((s = json_string_value(v)) != NULL)
				break;
		}
	return s;
}

const char *fk_field_name(const fk_field *x) { return x->name; }
enum fk_ftype fk_field_type(const fk_field *x) { return x->type; }
const char *fk_field_label(const fk_field *x, const char *lang) { return any_text(x->label, lang); }
const char *fk_field_hint(const fk_field *x, const char *lang) { return any_text(x->hint, lang); }
const fk_field *fk_field_parent(const fk_field *x) { return x->parent; }
size_t fk_field_nkids(const fk_field *x) { return x->nkids; }
const fk_field *fk_field_kid(const fk_field *x, size_t i) { return i < x->nkids ? x->kids[i] : NULL; }
size_t fk_field_nchoices(const fk_field *x) { return x->choices ? x->choices->n : 0; }
const fk_field *fk_field_translit_from(const fk_field *x) { return x->translit_src; }
int
fk_field_multiline(const fk_field *x)
{
	if (x->type != FK_T_TEXT)
		return 0;
	if (x->translit_src != NULL)
		return fk_field_multiline(x->translit_src);
	return x->max_length > FK_TEXT_LINE_MAX;
}
int fk_field_readonly(const fk_field *x) { return x->calculate != NULL; }

const char *
fk_field_prop(const fk_field *x, const char *key)
{
	json_t *v = x->obj ? json_object_get(x->obj, key) : NULL;

	if (json_is_boolean(v))
		return json_is_true(v) ? "true" : "false";
	return json_string_value(v);
}

const char *
fk_field_choice_name(const fk_field *x, size_t i)
{
	return x->choices && i < x->choices->n ? x->choices->names[i] : NULL;
}

const char *
fk_field_choice_label(const fk_field *x, size_t i, const char *lang)
{
	return x->choices && i < x->choices->n ? any_text(x->choices->labels[i], lang) : NULL;
}

int
fk_field_repeat_bounds(const fk_field *x, long *min, long *max)
{
	if (x->type != FK_T_REPEAT)
		return 0;
	*min = x->rmin;
	*max = x->rmax;
	return 1;
}
