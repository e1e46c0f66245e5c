/*
 * schema_int.h - what schema.c (loading forms) and schema_rec.c (records)
 * share. Not for other modules: use schema.h.
 */
#ifndef FK_SCHEMA_INT_H
#define FK_SCHEMA_INT_H

#include "expr.h"
#include "schema.h"

#define FK_FORM_MAX_FIELDS 2000
#define FK_FORM_MAX_NESTING 16

enum { KIND_PHOTO = 1, KIND_DOCUMENT };

struct choices {
	const char *name;
	size_t n;
	const char **names;
	json_t **labels; /* borrowed from the form's JSON */
};

struct fk_field {
	const char *name; /* borrowed from the form's JSON */
	json_t *obj;      /* the field's object in the form's JSON */
	enum fk_ftype type;
	size_t index;     /* pre-order position; the root is 0 */
	size_t last;      /* index of the last descendant (itself for a leaf) */
	struct fk_field *parent;
	struct fk_field *rep; /* nearest repeat strictly above, NULL = top level */
	struct fk_field **kids;
	size_t nkids;
	json_t *label, *hint, *cmsg, *rmsg;
	fk_expr *relevant, *constraint, *calculate, *required_x;
	int required;
	json_t *deflt;
	const struct choices *choices;
	int has_min, has_max;
	double min, max;
	char dmin[11], dmax[11];
	int dmin_today, dmax_today;
	long min_length, max_length;
	long rmin, rmax;
	int kind;
	long long max_size;
	json_t *media_types;
	struct fk_field *translit_src;
};

struct fk_form {
	json_t *root;
	const char *id;
	int version;
	const char **langs;
	size_t nlangs;
	json_t *title;
	struct fk_field *top;
	struct fk_field **all;
	size_t nall;
	struct fk_field **byname; /* all but the root, sorted by name (once loaded) */
	struct choices *lists;
	size_t nlists;
	size_t nquestions;
};


/* The text of a per-language object in lang, or in the form's first language. */
const char *fk_lang_text(const fk_form *f, const json_t *obj, const char *lang);

/*
 * Checks value against field x's type and limits (not required, not the
 * constraint): appends issues at path. today is YYYY-MM-DD. Returns the
 * number of issues appended (0 = fine), or -1 on ENOMEM.
 */
int fk_check_value(const fk_form *f, const struct fk_field *x, const json_t *value,
    const char *path, const char *today, fk_issues *l, fk_err *e);

#endif
