/*
 * batch.h - what batch capture (`fieldkit capture FORM --from FILE`) needs
 * beyond the forms engine and finalizing: attachments named by file in a
 * record, and remembering which lines were already sealed.
 *
 * Attachments: in a batch record an attachment answer is {"path": "photo.jpg"},
 * relative to the batch file's folder (and staying inside it); it becomes the
 * answer the forms engine expects, and the file is sealed with the record at
 * that answer's path ("children[0].child_photos[0].photo").
 *
 * Lines already sealed: each line is remembered in the device store by a
 * keyed hash (HMAC-SHA-256 under the device's batch key, batch.key in the
 * device home, 0600) of the form and the line's canonical JSON - never a
 * plain hash of its content, which anyone could recompute from a guess.
 *
 * Owns: the batch key, line hashes, attachment paths of batch records.
 * Must never: print; let an attachment path leave the batch's folder; put a
 * file name or an answer in an issue's message (batch errors end in logs).
 */
#ifndef FK_BATCH_H
#define FK_BATCH_H

#include <jansson.h>

#include "attach.h"
#include "io.h"
#include "record.h"
#include "schema.h"

#define FK_BATCH_KEY "batch.key"

/* The device's batch key (home/batch.key), made on first use. */
int fk_batch_key(const char *home, fk_secret *key, fk_err *e) FK_WUR;

/*
 * The keyed hash of a batch record: form id and version, the record's
 * canonical JSON (keys sorted, compact: the same for the same record however
 * it is spaced) and extra (the --attach options, or NULL).
 */
int fk_batch_hash(const fk_secret *key, const char *form_id, int version, const json_t *record,
    const char *extra, uint8_t out[FK_SHA256_LEN], fk_err *e) FK_WUR;

/* Files of one record's attachments (strings owned). */
typedef struct fk_batch_files {
	fk_attach_in *v;
	size_t n, cap;
} fk_batch_files;
void fk_batch_files_free(fk_batch_files *f);

/*
 * Replaces every {"path": ...} attachment answer of the record by the
 * answer for that file (attach.h) and adds the file to files. Problems
 * (codes attachment_form, attachment_path, attachment_missing,
 * attachment_type, attachment_limit) go to is at the answer's path. base is
 * the batch file's folder. strict: any other attachment answer is a problem
 * (batch capture: a file must come with it); else it is left to the forms
 * engine to judge (`fieldkit schema validate`). Returns 0 when the walk ran
 * (valid if nothing was added to is), -1 on failure.
 */
int fk_batch_attachments(const fk_form *f, json_t *record, const char *base, uint64_t limit,
    int strict, fk_batch_files *files, fk_issues *is, fk_err *e) FK_WUR;

/*
 * --attach ANSWER=FILE: sets the attachment answer at ANSWER (a record path;
 * repeat entries are added when the index is the next one) to FILE (as
 * given: the command line's own path). Problems as above.
 */
int fk_batch_attach_at(const fk_form *f, json_t *record, const char *answer, const char *file,
    uint64_t limit, fk_batch_files *files, fk_issues *is, fk_err *e) FK_WUR;

/*
 * The records of a batch input (batch_in.c): JSON Lines, or the whole input
 * as one pretty-printed document when its first record line starts an object
 * that does not end there. read fills buf with up to cap bytes and sets *got
 * (0 at the end); it returns 0, or -1 with e set. Records over max bytes are
 * returned once as toolong (no bytes) and skipped; blank lines are skipped.
 * A record's bytes are in sodium_malloc memory, valid (and wiped) until the
 * next call.
 */
typedef int (*fk_batch_read_fn)(void *ctx, uint8_t *buf, size_t cap, size_t *got, fk_err *e);
typedef struct fk_batch_in {
	fk_batch_read_fn read;
	void *ctx;
	fk_secbuf chunk, line;
	size_t pos, n, max;
	long lineno;
	int eof, toolong, started, document, done;
} fk_batch_in;
typedef struct fk_batch_rec {
	const uint8_t *p;
	size_t n;
	long line;   /* its line in the input (the first line of a document) */
	int toolong; /* longer than max: skipped, p is NULL */
} fk_batch_rec;
int fk_batch_in_init(fk_batch_in *r, fk_batch_read_fn read, void *ctx, size_t max, fk_err *e) FK_WUR;
/* 1 and the next record in out, 0 at the end, -1 on a read failure. */
int fk_batch_in_next(fk_batch_in *r, fk_batch_rec *out, fk_err *e) FK_WUR;
void fk_batch_in_free(fk_batch_in *r);

#endif
