/*
 * pending.h - attachments waiting for their record: files received before the
 * record is finalized (a photo uploaded from the page), kept under the device
 * home only as ciphertext until the record is sealed.
 *
 * Each file is home/pending/<id>.fkp, 0600 in a 0700 folder:
 *   "FKPEND01" | secretstream header (24) | chunks
 * where every chunk is crypto_secretstream_xchacha20poly1305 of 64 KiB of
 * plaintext (the last one shorter, tagged FINAL) with the attachment id as
 * associated data. The key is random per file; it lives in sodium_malloc
 * memory and, when a draft is saved, inside the draft (itself sealed with
 * the draft key). A file whose key is gone (the process ended before a
 * draft named it) can never be read again; fk_pending_each lets the owner
 * remove such orphans. Memory stays flat: one 64 KiB chunk at a time.
 *
 * Owns: the pending file format (what arrives is sniffed by attach.h).
 * Must never: write a byte of plaintext to disk; release plaintext of a
 * chunk that does not authenticate; accept a truncated or reordered file.
 */
#ifndef FK_PENDING_H
#define FK_PENDING_H

#include <stdint.h>

#include "attach.h"
#include "fk.h"
#include "io.h"

#define FK_PENDING_DIR "pending"
#define FK_PENDING_KEYLEN 32
#define FK_PENDING_CHUNK 65536

typedef struct fk_pending_w fk_pending_w;
typedef struct fk_pending_r fk_pending_r;

/*
 * Starts home/pending/<id>.fkp (id: 1-64 of A-Z a-z 0-9 - _) under a new
 * random key, put in *key (sodium_malloc'd; the caller frees it). Writing
 * more than max bytes fails with FK_ELIMIT.
 */
int fk_pending_create(const char *home, const char *id, uint64_t max, fk_pending_w **w,
    fk_secret *key, fk_err *e) FK_WUR;
int fk_pending_write(fk_pending_w *w, const uint8_t *p, size_t n, fk_err *e) FK_WUR;
/* Seals the last chunk, fsyncs the file and its folder; *size = plaintext bytes. Frees w. */
int fk_pending_finish(fk_pending_w *w, uint64_t *size, fk_err *e) FK_WUR;
/* Closes and deletes the unfinished file. Frees w; NULL is fine. */
void fk_pending_abort(fk_pending_w *w);

/* Opens a pending file for reading with its key; FK_EIO if it is not there. */
int fk_pending_open(const char *home, const char *id, const fk_secret *key, fk_pending_r **r,
    fk_err *e) FK_WUR;
/* The plaintext, chunk by chunk; the read fails (FK_ECRYPTO) on tampering or truncation. */
fk_source fk_pending_source(fk_pending_r *r);
void fk_pending_close(fk_pending_r *r);

/* Deletes the pending file (fine when it is not there). */
int fk_pending_remove(const char *home, const char *id, fk_err *e) FK_WUR;
/* Calls fn with the id of every pending file under home. */
int fk_pending_each(const char *home, int (*fn)(void *ctx, const char *id), void *ctx,
    fk_err *e) FK_WUR;

/* What arrives is told by its content: fk_media_sniff (attach.h). */

#endif
