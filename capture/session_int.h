/*
 * session_int.h - what session.c (state, flow, answers, moving) and
 * session_review.c (review, finalize, drafts) share. Not an API: see session.h.
 */
#ifndef FK_SESSION_INT_H
#define FK_SESSION_INT_H

#include "session.h"

#define REVIEW_KEY "#review"
#define ADD_SUFFIX "#add"
#define KEY_MAX 1024
#define MIN_PREFIX 4      /* characters of a draft id that may stand for it */
#define CHOICE_PREFIX 3   /* letters of a label that may stand for it */
#define ENSURE_ROUNDS 64  /* passes adding entries up to repeats' min */

struct fstep {
	enum fk_step_kind kind;
	const fk_question *q; /* into s->q */
	char *key;            /* path, or repeat path + "#add" */
	size_t number;
};

struct fk_session {
	fk_session_cfg c;
	int hold;            /* the draft's lock (fk_draft_hold), -1 when none */
	char lang[8];
	json_t *answers, *seen, *files;
	json_t *history, *face; /* a draft's, kept as they came (the old wizard's, the page's) */
	char *cursor;        /* a step key, REVIEW_KEY, or NULL for the first step */
	size_t cursor_pos;   /* where the cursor was in the flow when its step vanished */
	int jumped, fresh, dirty;
	uint64_t gen, flow_gen;
	int flow_ok;
	fk_questions q;
	struct fstep *flow;
	size_t nflow, capflow, total;
	json_t *sugg;         /* the suggestion of the step described last */
	uint64_t sugg_gen;    /* ... for these answers */
	char *sugg_key;       /* ... and this step (kept while neither changes) */
	/* the last review */
	json_t *built;
	fk_issues built_issues;
	uint64_t review_gen;
	int have_review;
	char draft_id[FK_UUID_BUF];
	int64_t created_at;
};

fk_vopts fk_ss_vopts(const fk_session *s);
int fk_ss_oom(fk_err *e);
int fk_ss_is_under(const char *path, const char *prefix);
size_t fk_ss_entries(const fk_session *s, const char *repeat_path);
int fk_ss_seen(const fk_session *s, const char *key);
int fk_ss_mark_seen(fk_session *s, const char *key, fk_err *e);
int fk_ss_set_cursor(fk_session *s, const char *key, fk_err *e);
int fk_ss_skipped_latin(fk_session *s, const fk_question *q, int *skip, fk_err *e);
int fk_ss_flow_update(fk_session *s, fk_err *e);
long fk_ss_flow_find(const fk_session *s, const char *key);
size_t fk_ss_cur_index(fk_session *s);
int fk_ss_goto_index(fk_session *s, size_t i, fk_err *e);
int fk_ss_answerable(const struct fstep *f);
long fk_ss_first_unseen(const fk_session *s, size_t from);
int fk_ss_session_init(const fk_session_cfg *c, fk_session **sp, fk_err *e);

#endif
