/*
 * session.h - one record being captured, whatever the face: the answers,
 * where the worker is in the form, the files attached to answers, drafts,
 * the review, and finalizing exactly what the review showed. The terminal
 * wizard (cli/wizard.c) is one face; a browser page is another. A face
 * shows the current step, hands over what the worker did, shows the review,
 * and never keeps answers of its own.
 *
 * Owns: the capture dialogue's state and rules (below). Ends in the same
 * finalizing call as batch capture (fk_finalize, record.h).
 * Must never: print, read a terminal or know about one; write an answer
 * anywhere but a sealed draft or a sealed record; seal a file, or an answer,
 * that the review did not show.
 *
 * THE FLOW. The questions visible given the answers (fk_form_visible), in
 * form order, are the steps:
 *   FK_STEP_QUESTION  a question to answer;
 *   FK_STEP_INFO      a note, or a calculated value: shown, nothing to type;
 *   FK_STEP_ADD       "add an entry to this repeat?": after the last entry's
 *                     questions (its own nested repeats included), or alone
 *                     when the repeat has no entry; absent at the repeat's
 *                     max. Entries up to the repeat's min are added unasked.
 * A Latin question (translit_from) whose Cyrillic source is empty is not a
 * step, unless it still holds an answer. QUESTION and ADD steps are numbered
 * 1..N in form order; the review shows the same numbers.
 *
 * MOVING. The cursor is one step, or the review. An action on the cursor's
 * step that succeeds moves it on: to the next step in form order; after a
 * jump (fk_session_goto*), to the next step not yet seen, or back to the
 * review when there is none. Reaching the end goes to the first step never
 * seen, if any, else to the review. fk_session_back goes to the previous
 * QUESTION or ADD step. Nothing is forgotten by moving: answers, entries and
 * files stay until the worker changes, clears or removes them.
 *
 * DEPENDENT ANSWERS. When an answer changes, a Latin answer in the same
 * entry that was the transliteration of its old value follows the new value
 * (or goes, when the new value is empty); one the worker typed differently
 * stays (the engine's rule, fk_answers_set_follow: the page's server applies
 * it too). Either way that Latin question is marked unseen, so it is shown
 * again before the review.
 *
 * FILES. An attachment answer ({"id", "media_type", "size", "name"}) is
 * bound to its record path; the session keeps the file behind each id.
 * Replacing, clearing or removing the answer unbinds the file.
 *
 * REVIEW AND FINALIZE. fk_session_review builds the record from the answers
 * (defaults, calculations, transliteration: fk_form_build), validates it,
 * and describes every answer of that built record in rows, with readable
 * values. fk_session_finalize seals exactly that built record and the files
 * of its attachment answers, and refuses if anything changed since the
 * review or the record has problems.
 *
 * RETURNS. Functions return 0 when done, -1 on failure (e set). Those that
 * take what the worker typed return 1 when it is refused, with the reasons
 * in `is` (paths ""), and nothing changed.
 *
 * MEMORY. Answers are jansson trees (make them wipe: fk_json_use_wiping_alloc);
 * rendered values are in sodium_malloc memory (fk_secbuf). Pointers in an
 * fk_step or fk_review_rows are valid until the next call that changes the
 * session (or fk_review_rows_free).
 */
#ifndef FK_SESSION_H
#define FK_SESSION_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "fk.h"
#include "io.h"
#include "record.h"
#include "schema.h"
#include "store.h"

/* Repeat entries enclosing a step that fk_step describes. */
#define FK_SESSION_NEST 8

typedef struct fk_session fk_session;

typedef struct fk_session_cfg {
	const fk_form *form;
	fk_store *store;            /* drafts; NULL: no drafts */
	fk_finalizer *fin;          /* NULL: cannot finalize */
	const fk_secret *draft_key; /* unlocked draft key; NULL: no drafts */
	const char *lang;           /* "uk", "en"; NULL = the form's first language */
	uint64_t att_limit;         /* the device's attachment limit, bytes */
	const char *home;           /* the device home: files taken in the app (pending.h)
	                               are sealed from there; NULL: they cannot be */
	time_t now;                 /* the clock of today() and date bounds; 0 = time(NULL) */
} fk_session_cfg;

/* A new, empty record. */
int fk_session_new(const fk_session_cfg *c, fk_session **s, fk_err *e) FK_WUR;
/* A saved draft, where it stopped: id is the draft id or a unique prefix of it. */
int fk_session_resume(const fk_session_cfg *c, const char *id, fk_session **s,
    fk_err *e) FK_WUR;
void fk_session_free(fk_session *s);

const fk_form *fk_session_form(const fk_session *s);
const char *fk_session_lang(const fk_session *s);
/* Switches the language of labels and readable values (FK_EINPUT if the form has none). */
int fk_session_set_lang(fk_session *s, const char *lang, fk_err *e) FK_WUR;

/* ---- the current step ---- */

enum fk_step_kind { FK_STEP_QUESTION, FK_STEP_INFO, FK_STEP_ADD, FK_STEP_REVIEW };

/* A repeat entry around a step: "Sought child 2 of 3" is {children, 1, 3}. */
typedef struct fk_step_entry {
	const fk_field *repeat;
	size_t index; /* from 0 */
	size_t count;
} fk_step_entry;

typedef struct fk_step {
	enum fk_step_kind kind;
	const fk_field *field;     /* the question, note or calculated field, or the repeat (ADD) */
	const char *path;          /* its record path; ADD: the repeat's ("children[0].child_photos") */
	size_t number;             /* 1..total for QUESTION and ADD; 0 for INFO and the review */
	size_t total;
	int depth;                 /* nesting in groups and repeats, from 0 */
	int required;
	int seen;                  /* the worker has been here before */
	int fresh_entry;           /* the first question of an entry just added */
	const json_t *value;       /* the current answer, or NULL */
	const json_t *suggestion;  /* what keeping an unanswered question takes (a
	                              calculation, a transliteration, a default), or NULL;
	                              INFO: the calculated value */
	size_t count;              /* ADD: entries so far */
	long min, max;             /* ADD: the repeat's bounds */
	const fk_field *group;     /* the innermost group around it (inside its entry), or NULL */
	size_t nentry;             /* enclosing repeat entries, outermost first */
	fk_step_entry entry[FK_SESSION_NEST];
} fk_step;

/* Describes the cursor's step (FK_STEP_REVIEW when every step is done). */
int fk_session_step(fk_session *s, fk_step *st, fk_err *e) FK_WUR;

/* ---- answering (path NULL = the cursor's step; at the cursor, success moves on) ---- */

/*
 * What the worker typed for the question at path: text as typed; a number
 * or a date as fk_form_parse_answer takes it; a choice by its number (as
 * listed: 1, 2, ...), its name or its label in any of the form's languages
 * (case-insensitive; a unique beginning of at least 3 letters will do),
 * several separated by commas. At an ADD step: yes or no (y/n, т/н, так/ні).
 * An attachment question takes a file name (fk_session_attach).
 */
int fk_session_answer(fk_session *s, const char *path, const char *text, size_t len,
    fk_issues *is, fk_err *e) FK_WUR;
/* Sets the answer at path to a value as a record holds it (a face that
 * builds JSON itself); NULL clears. Checked like a typed answer. */
int fk_session_set(fk_session *s, const char *path, const json_t *value, fk_issues *is,
    fk_err *e) FK_WUR;
/* Enter at the cursor: keeps the answer, or takes the suggestion; refused (1) when a
 * required question has neither. At an INFO step: moves on. */
int fk_session_keep(fk_session *s, fk_issues *is, fk_err *e) FK_WUR;
/* Clears the answer at path; refused (1) for a required question. */
int fk_session_clear(fk_session *s, const char *path, fk_issues *is, fk_err *e) FK_WUR;
/* Attaches a file to the attachment question at path: a regular file, within the
 * device's and the question's size limits, of a type its content shows (attach.h)
 * and the question accepts. The file is read again when the record is sealed. */
int fk_session_attach(fk_session *s, const char *path, const char *file, fk_issues *is,
    fk_err *e) FK_WUR;

/* ---- entries of repeats ---- */

/* Adds an entry to the repeat at path (path NULL: the cursor's ADD step, and the
 * cursor goes to the new entry's first question); *index its index (may be NULL).
 * FK_ELIMIT at the repeat's max. */
int fk_session_add_entry(fk_session *s, const char *path, size_t *index, fk_err *e) FK_WUR;
/* At the cursor's ADD step: no more entries; moves on. */
int fk_session_no_more(fk_session *s, fk_err *e) FK_WUR;
/* Removes an entry ("children[1]") with its answers and files; later entries move
 * down. FK_ELIMIT when the repeat would fall below its min. */
int fk_session_remove_entry(fk_session *s, const char *entry, fk_err *e) FK_WUR;
/* The innermost entry around the cursor's step ("children[0].child_photos[1]"), written
 * to out; 1 if the step is in no entry. */
int fk_session_cursor_entry(fk_session *s, char *out, size_t cap, fk_err *e) FK_WUR;

/* ---- moving ---- */

/* To the previous QUESTION or ADD step; 1 at the first one. */
int fk_session_back(fk_session *s, fk_err *e) FK_WUR;
/* To the step at path (a question's path, or a repeat's for its ADD step), or to
 * the step numbered n; 1 when there is no such step. After it, answering goes on
 * to steps not yet seen, then back to the review. */
int fk_session_goto(fk_session *s, const char *path, fk_err *e) FK_WUR;
int fk_session_goto_number(fk_session *s, size_t n, fk_err *e) FK_WUR;
/* To the review (every step keeps its answer). */
int fk_session_goto_review(fk_session *s, fk_err *e) FK_WUR;

/* ---- showing values ---- */

/*
 * A value of field x made readable in the session's language into out (NUL-
 * terminated, sodium_malloc memory): a choice's label, several joined by
 * ", "; a file's name and size ("photo.jpg, 120 KB"); a number as a number;
 * a location as "lat, lon"; text as it is. Nothing (out->len 0) for NULL.
 * Text is not escaped: a face escapes what it shows.
 */
/* The answer at a record path, or NULL (borrowed: valid until the next change). */
const json_t *fk_session_answer_at(const fk_session *s, const char *path);
int fk_session_value_text(const fk_session *s, const fk_field *x, const json_t *value,
    fk_secbuf *out, fk_err *e) FK_WUR;

/* ---- review and finalize ---- */

enum fk_row_kind {
	FK_ROW_GROUP,      /* a group's heading */
	FK_ROW_ENTRY,      /* a repeat entry's heading: "Sought child 2 of 2" */
	FK_ROW_ANSWER,     /* a question and its answer */
	FK_ROW_CALCULATED, /* a calculated value (nothing to change) */
	FK_ROW_ADD,        /* a repeat's entries so far, where one may add another */
};

typedef struct fk_review_row {
	enum fk_row_kind kind;
	size_t number;          /* the step's number (fk_session_goto_number), or 0 */
	int depth;
	const fk_field *field;  /* the question, calculated field, group or repeat */
	const char *path;
	size_t index, count;    /* FK_ROW_ENTRY: entry index (from 0) of count; FK_ROW_ADD: count */
	const char *value;      /* readable (fk_session_value_text), or NULL when unanswered */
	const char *problem;    /* the first problem with this answer, or NULL */
} fk_review_row;

typedef struct fk_review_rows {
	fk_review_row *v;
	size_t n;
	fk_issues issues;       /* the built record's problems: finalizing waits for none */
	size_t unseen;          /* QUESTION and ADD steps never shown to the worker */
	fk_secbuf text;         /* backing store of value and problem texts */
	char *paths;            /* backing store of paths */
} fk_review_rows;

/*
 * Builds the record (fk_form_build on a copy of the answers), validates it,
 * and describes it row by row in form order: every answer the record holds
 * is on a row. Keeps the built record for fk_session_finalize.
 */
int fk_session_review(fk_session *s, fk_review_rows *r, fk_err *e) FK_WUR;
void fk_review_rows_free(fk_review_rows *r);

/*
 * Seals the record of the last review, and the files of its attachment
 * answers only, in one transaction that also deletes the session's draft.
 * FK_ESTATE if there was no review or anything changed since; FK_EINPUT if
 * the record has problems.
 */
int fk_session_finalize(fk_session *s, fk_record_out *out, fk_err *e) FK_WUR;

/* ---- drafts ---- */

/*
 * Seals the session as a draft (new id the first time). The store keeps
 * in clear only: form, times, how many questions are answered of how many,
 * and the path of the cursor's step (never an answer).
 */
int fk_session_save(fk_session *s, fk_err *e) FK_WUR;
/* The draft id ("" before the first save or resume). */
const char *fk_session_draft_id(const fk_session *s);
/* 1 when the worker changed something since the session started, resumed or was saved. */
int fk_session_changed(const fk_session *s);
/* Questions answered, of those now visible. */
void fk_session_progress(fk_session *s, size_t *answered, size_t *total);

/*
 * A readable place in the form for a record path, in lang: the labels of the
 * repeat entries and the question, "Sought child 2 › Date of birth". For
 * listings that must not open a draft.
 */
void fk_form_path_label(const fk_form *f, const char *path, const char *lang, char *out,
    size_t cap);

/* Finds the draft whose id is id or starts with it (at least 4 characters);
 * FK_EINPUT if none, FK_EUSAGE if several. out gets the full id. */
int fk_draft_find(fk_store *s, const char *id, char out[FK_UUID_BUF], fk_err *e) FK_WUR;

#endif
