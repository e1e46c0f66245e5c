/*
 * schema.h - the forms engine: a JSON form language with XLSForm's core
 * semantics (docs/schema-language.md is the specification), the validation
 * of records against a form, the building of final answers (defaults,
 * calculations, transliteration), and a question-by-question API for the
 * terminal wizard.
 *
 * Owns: loading and checking forms (every problem reported with its JSON path
 * in the form file), the record model (answers as a JSON object; repeats as
 * arrays of objects; groups do not nest the record), validation that reports
 * ALL problems with a record path such as `children[1].surname_cyr` (repeat
 * indexes count from 0) and a stable reason code, and the limits that keep
 * hostile input cheap to refuse (FK_RECORD_MAX, text length caps).
 *
 * Must never: store, log, encrypt or send anything (it only validates and
 * builds answers); evaluate expressions other than through expr.h; trust a
 * length or a count from its input; accept invalid UTF-8.
 *
 * Languages: labels, hints, choice labels and form-authored messages
 * (constraint_message, required_message) come in each of the form's
 * languages and are chosen with fk_vopts.lang. Built-in reasons ("required",
 * "date is in the future", ...) are gettext messages: they follow LANGUAGE /
 * FIELDKIT_LANG (po/uk/schema.po). Reason codes never change with language.
 *
 * Memory: a loaded fk_form is immutable and may be shared by threads; every
 * function that returns strings or lists says who frees them.
 */
#ifndef FK_SCHEMA_H
#define FK_SCHEMA_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "fk.h"

#define FK_FORM_MAX (4u << 20)      /* bytes of a form file */
#define FK_RECORD_MAX (4u << 20)    /* bytes of one record's JSON */
#define FK_TEXT_MAX_DEFAULT 10000   /* characters of a text answer unless max_length says */
#define FK_TEXT_MAX_LIMIT 100000    /* the largest max_length a form may set */
#define FK_REPEAT_MAX_LIMIT 1000    /* the largest max a repeat may set */
#define FK_ISSUES_MAX 1000          /* issues kept per call; more are counted in dropped */

enum fk_ftype {
	FK_T_TEXT, FK_T_INTEGER, FK_T_DECIMAL, FK_T_DATE, FK_T_DATETIME,
	FK_T_SELECT_ONE, FK_T_SELECT_MULTIPLE, FK_T_ATTACHMENT, FK_T_GEOPOINT,
	FK_T_NOTE, FK_T_GROUP, FK_T_REPEAT,
};

typedef struct fk_form fk_form;
typedef struct fk_field fk_field;

/*
 * Problems, in a form (path: a JSON path in the form file, "$.fields[3].name")
 * or in a record (path: a record path, "children[0].dob"; "" for the whole
 * record). code is a static string from the list in the spec
 * ("required", "wrong_type", ...); msg is a one-line explanation.
 */
typedef struct fk_issue {
	char *path;
	const char *code;
	char *msg;
} fk_issue;

typedef struct fk_issues {
	fk_issue *v;
	size_t n, cap;
	size_t dropped; /* issues past FK_ISSUES_MAX, counted but not kept */
} fk_issues;

void fk_issues_free(fk_issues *l);
/* Appends an issue (path and message copied; code a static string). Returns 0,
 * or -1 on ENOMEM (e set). Past FK_ISSUES_MAX it only counts (dropped). */
int fk_issue_add(fk_issues *l, const char *path, const char *code, fk_err *e,
    const char *fmt, ...) FK_PRINTF(5, 6);
/* Empties the list (keeps it usable). */
void fk_issues_clear(fk_issues *l);

/* Options of validation and building. */
typedef struct fk_vopts {
	const char *lang; /* "uk", "en", ...; NULL = the form's first language */
	time_t now;       /* the clock of today()/now() and "today" bounds; 0 = time(NULL) */
} fk_vopts;

/* ---- forms ---- */

/*
 * Loads a form from len bytes of JSON. Returns 0, or -1 with every problem
 * found appended to issues (if not NULL) and e summarising ("the form has N
 * problems" / the JSON syntax error with line and column).
 */
int fk_form_load(const uint8_t *p, size_t len, fk_form **out, fk_issues *issues,
    fk_err *e) FK_WUR;
int fk_form_load_file(const char *path, fk_form **out, fk_issues *issues, fk_err *e) FK_WUR;
void fk_form_free(fk_form *f);

const char *fk_form_id(const fk_form *f);
int fk_form_version(const fk_form *f);
/* Number of questions (every field that is not a group or a repeat). */
size_t fk_form_nfields(const fk_form *f);
size_t fk_form_nlangs(const fk_form *f);
const char *fk_form_lang(const fk_form *f, size_t i);
int fk_form_has_lang(const fk_form *f, const char *lang);
const char *fk_form_title(const fk_form *f, const char *lang);
/* The top-level group: its kids are the form's fields. */
const fk_field *fk_form_root(const fk_form *f);
/* A field by name (names are unique in a form), or NULL. */
const fk_field *fk_form_find(const fk_form *f, const char *name);

/* ---- fields (borrowed pointers, valid while the form lives) ---- */

const char *fk_field_name(const fk_field *x);
enum fk_ftype fk_field_type(const fk_field *x);
const char *fk_ftype_name(enum fk_ftype t);
/* Label/hint in lang (falling back to the form's first language); hint may be NULL. */
const char *fk_field_label(const fk_field *x, const char *lang);
const char *fk_field_hint(const fk_field *x, const char *lang);
const fk_field *fk_field_parent(const fk_field *x); /* NULL for the root */
size_t fk_field_nkids(const fk_field *x);
const fk_field *fk_field_kid(const fk_field *x, size_t i);
/* Choices of a select field (0 for other types). */
size_t fk_field_nchoices(const fk_field *x);
const char *fk_field_choice_name(const fk_field *x, size_t i);
const char *fk_field_choice_label(const fk_field *x, size_t i, const char *lang);
/* Repeat bounds (0 if not a repeat). */
int fk_field_repeat_bounds(const fk_field *x, long *min, long *max);
/* The Cyrillic field a Latin field is transliterated from, or NULL. */
const fk_field *fk_field_translit_from(const fk_field *x);
/*
 * 1 if a text field's answer may span lines: it allows more than
 * FK_TEXT_LINE_MAX characters and is not the transliteration of a one-line
 * field. Every other text (a name, a number, a place) is one line: an answer
 * with a line break is refused (fk_form_parse_answer, fk_form_check_answer).
 */
#define FK_TEXT_LINE_MAX 500
int fk_field_multiline(const fk_field *x);
/* 1 if the field's value is computed (calculate) and not typed. */
int fk_field_readonly(const fk_field *x);
/*
 * The source text of a string property as written in the form ("relevant",
 * "constraint", "calculate", "required", "translit_from", "choices", ...);
 * "true"/"false" for a boolean one; NULL if absent or of another kind.
 */
const char *fk_field_prop(const fk_field *x, const char *key);

/* ---- records ---- */

/*
 * Validates a record (a JSON object of answers). Returns 0 when the check ran:
 * the record is valid if issues->n == 0 and issues->dropped == 0. Returns -1
 * only when the check could not run (out of memory: e set).
 */
int fk_form_validate(const fk_form *f, const json_t *record, const fk_vopts *o,
    fk_issues *issues, fk_err *e) FK_WUR;

/*
 * As fk_form_validate, from len bytes of JSON. Input that cannot be a record
 * is an issue at path "": record_too_large (past FK_RECORD_MAX, refused
 * before parsing), invalid_utf8, invalid_json, not_object.
 */
int fk_form_validate_bytes(const fk_form *f, const uint8_t *p, size_t len,
    const fk_vopts *o, fk_issues *issues, fk_err *e) FK_WUR;

/*
 * Builds the final answers in place, in one pass in document order: removes
 * answers to questions that are not relevant, fills unanswered questions from
 * their default or (translit_from) by transliterating the Cyrillic field,
 * and sets calculated fields. A Latin name the worker typed is kept. Validate
 * afterwards. Returns -1 only if answers is not an object or memory fails.
 */
int fk_form_build(const fk_form *f, json_t *answers, const fk_vopts *o, fk_err *e) FK_WUR;

/* ---- question by question (the wizard) ---- */

/*
 * Paths name one answer: field names joined by ".", each repeat followed by
 * its instance index: "reporter_phone", "children[1].surname_cyr",
 * "children[0].photos[2].photo". A repeat without an index ("children") names
 * the whole array.
 */

typedef struct fk_question {
	const fk_field *field;
	char *path;     /* malloc'd */
	int depth;      /* 0 top level; +1 inside each group and each repeat */
	int required;   /* required given the current answers */
	int readonly;   /* calculated: shown, not asked */
} fk_question;

typedef struct fk_questions {
	fk_question *v;
	size_t n, cap;
} fk_questions;
void fk_questions_free(fk_questions *q);

/*
 * Lists, in order, the questions visible given the answers: every relevant
 * field, group and repeat. A group or repeat appears as an entry before its
 * contents (path "children" for the repeat), then each instance's fields
 * ("children[0]....") in index order.
 */
int fk_form_visible(const fk_form *f, const json_t *answers, const fk_vopts *o,
    fk_questions *out, fk_err *e) FK_WUR;

/* The answer at path (borrowed), or NULL if unanswered or the path is wrong. */
json_t *fk_answers_get(const fk_form *f, const json_t *answers, const char *path);
/* Sets (value stolen) or, with value NULL, removes the answer at path. */
int fk_answers_set(const fk_form *f, json_t *answers, const char *path, json_t *value,
    fk_err *e) FK_WUR;
/*
 * As fk_answers_set, and then the answers that depend on the one at path
 * follow it: a Latin answer of the same entry (translit_from) that held the
 * transliteration of the old value takes the transliteration of the new one
 * (or goes, when there is none); one the worker typed differently stays.
 * moved (may be NULL) is called with the path of every dependent question
 * whose suggestion changed. Both faces answer through this (the wizard's
 * session, the page's server), so they cannot differ.
 */
int fk_answers_set_follow(const fk_form *f, json_t *answers, const char *path, json_t *value,
    const fk_vopts *o, void (*moved)(void *ctx, const char *path), void *ctx, fk_err *e) FK_WUR;
/* Appends an empty instance to the repeat at path; FK_ELIMIT past its max. */
int fk_answers_repeat_add(const fk_form *f, json_t *answers, const char *path,
    size_t *index, fk_err *e) FK_WUR;
/* Removes instance index of the repeat at path (later instances move down). */
int fk_answers_repeat_remove(const fk_form *f, json_t *answers, const char *path,
    size_t index, fk_err *e) FK_WUR;

/*
 * Checks one answer as if value were stored at path (value NULL = no answer):
 * type, limits, choices, required, constraint, and no line break in a
 * one-line text (fk_field_multiline; a rule of answering, not of records:
 * fk_form_validate does not apply it). Appends the reasons to issues.
 * Returns 0 when the check ran (valid if nothing was appended), -1 if the path
 * does not name a question (FK_EINPUT) or memory fails.
 */
int fk_form_check_answer(const fk_form *f, const json_t *answers, const char *path,
    const json_t *value, const fk_vopts *o, fk_issues *issues, fk_err *e) FK_WUR;

/*
 * Turns what a worker typed into the JSON value for field x: text as is
 * (a line break only where fk_field_multiline); integer and decimal (a
 * decimal comma is accepted); date as year, month, day (2012-05-14,
 * 2012-5-14) or day, month, year as Ukrainians write it (14.05.2012,
 * 14.5.2012, 14/05/2012, 14-05-2012), an impossible day named as such
 * ("there is no 31 February"); datetime as given; select_one a choice name; select_multiple
 * choice names separated by blanks or commas; geopoint "LAT LON [ACCURACY]".
 * Returns 0 and *out (new reference), or 1 with the reason appended to issues
 * (path ""), or -1 on failure.
 */
int fk_form_parse_answer(const fk_field *x, const char *text, size_t len, json_t **out,
    fk_issues *issues, fk_err *e) FK_WUR;

/* The file types an attachment question takes, as people name them: "JPEG or PNG". */
const char *fk_media_accepted(const fk_field *x, char *out, size_t cap);
/* "14 May 2012" (in the current language) for "2012-05-14"; -1 if iso is not a date. */
int fk_date_readable(const char *iso, char *out, size_t cap);
/* A YYYY-MM-DD date as the faces write it, DD.MM.YYYY (anything else as it is,
 * cut to 15 bytes); returns out. */
const char *fk_date_dmy(const char *iso, char out[16]);

/*
 * What the wizard should offer for the question at path given the answers:
 * the calculated value, the transliteration of the translit_from field, or
 * the default. *out is a new reference or NULL when there is nothing.
 */
int fk_form_suggest(const fk_form *f, const json_t *answers, const char *path,
    const fk_vopts *o, json_t **out, fk_err *e) FK_WUR;

#endif
