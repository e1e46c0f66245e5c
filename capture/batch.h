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

#endif
