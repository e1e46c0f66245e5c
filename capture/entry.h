/*
 * entry.h - a record being entered, whatever the face that collects it (the
 * page of `fieldkit app` uses it; the terminal wizard can): its answers, its
 * attachments, saving it as a draft and resuming it, the review (the built
 * answers, every problem, and a digest of what the review showed) and
 * sealing exactly what the review showed.
 *
 * Drafts keep the format the wizard writes (docs/device-store.md, "Drafts"):
 * {"v":1,"lang","created_at","answers","visited","history","attach"}, plus
 * "face": what the face keeps of its own (the page: text typed that is not
 * yet a valid answer). "attach" lists the attachments: a file on disk
 * ({"field","path","id"}, as the wizard writes) or a pending file under the
 * device home ({"id","name","media_type","size","key"}: pending.h), so a
 * draft started in one face can be finished in the other.
 *
 * Owns: which attachments a record carries (exactly those its built answers
 * name), the review digest.
 * Must never: seal anything but the answers the review built; write an
 * answer anywhere but a sealed draft or a sealed record.
 */
#ifndef FK_ENTRY_H
#define FK_ENTRY_H

#include <jansson.h>

#include "io.h"
#include "pending.h"
#include "record.h"
#include "schema.h"
#include "store.h"

#define FK_ENTRY_MAX_ATT 256

typedef struct fk_entry fk_entry;

/* A new record of form f on the device at home (nothing is saved yet). */
int fk_entry_new(const fk_form *f, const char *home, fk_entry **out, fk_err *e) FK_WUR;
/* Resumes draft id, which must be of form f (its id and version). */
int fk_entry_resume(const fk_form *f, const char *home, fk_store *s, const fk_secret *dkey,
    const char *id, fk_entry **out, fk_err *e) FK_WUR;
/* Frees x (wiping what it holds); saves nothing, deletes nothing. */
void fk_entry_free(fk_entry *x);

const char *fk_entry_id(const fk_entry *x);     /* the draft id */
const fk_form *fk_entry_form(const fk_entry *x);
json_t *fk_entry_answers(fk_entry *x);           /* borrowed; change it with fk_answers_* */
json_t *fk_entry_face(fk_entry *x);              /* borrowed object, saved with the draft */
const char *fk_entry_lang(const fk_entry *x);    /* "" until set */
void fk_entry_set_lang(fk_entry *x, const char *lang);
int64_t fk_entry_created_at(const fk_entry *x);
int64_t fk_entry_saved_at(const fk_entry *x);    /* 0 = never saved */
/* The number of answered questions (non-empty answers, in repeats too). */
size_t fk_entry_count_answers(const json_t *answers);

/*
 * Puts a received pending file (pending.h) as the answer at path (an
 * attachment question); key is taken (zeroed in the caller). The answer is
 * {"id","media_type","size","name"}. The caller has checked the answer.
 */
int fk_entry_attach_pending(fk_entry *x, const char *path, const char *id, const char *name,
    const char *media_type, uint64_t size, fk_secret *key, fk_err *e) FK_WUR;
/* Removes the answer at path; its file goes at the next save or seal. */
int fk_entry_detach(fk_entry *x, const char *path, fk_err *e) FK_WUR;

/* The bytes of attachment id (pending file or file on disk), to show it. */
typedef struct fk_entry_src {
	fk_source src;
	uint64_t size;
	const char *media_type;
	fk_pending_r *r;
	int fd;
} fk_entry_src;
int fk_entry_att_open(fk_entry *x, const char *id, fk_entry_src *out, fk_err *e) FK_WUR;
void fk_entry_att_close(fk_entry_src *s);

/*
 * Saves the draft (sealed with the draft key) unless nothing is answered
 * yet, then deletes the pending files no answer names any more.
 */
int fk_entry_save(fk_entry *x, fk_store *s, const fk_secret *dkey, fk_err *e) FK_WUR;
/* Deletes the draft (if saved) and every pending file of the record. */
int fk_entry_discard(fk_entry *x, fk_store *s, fk_err *e) FK_WUR;

/* What the review shows. */
typedef struct fk_review {
	json_t *answers;        /* the built answers: what would be sealed */
	fk_issues issues;       /* every problem; sealing needs none */
	char digest[65];        /* SHA-256 (hex) of the canonical built answers */
} fk_review;
int fk_entry_review(fk_entry *x, const fk_vopts *o, fk_review *rv, fk_err *e) FK_WUR;
void fk_review_free(fk_review *rv);

/*
 * Seals the record through fk_finalize_one (the call every face ends in)
 * when its answers still build to digest (else FK_ESTATE: review again) and
 * have no problem (else FK_EINPUT). The draft row goes in the record's
 * transaction; the pending files after it. Only the attachments the built
 * answers name are sealed.
 */
int fk_entry_seal(fk_entry *x, fk_finalizer *fin, const fk_vopts *o, const char *digest,
    fk_record_out *out, fk_err *e) FK_WUR;

/*
 * Calls fn with every attachment id that draft id names through a pending
 * file, and gives its number of answers (either may be NULL).
 */
int fk_entry_draft_peek(fk_store *s, const fk_secret *dkey, const char *id,
    int (*fn)(void *ctx, const char *att_id), void *ctx, size_t *answered, fk_err *e) FK_WUR;

#endif
