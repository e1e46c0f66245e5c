/*
 * record.h - finalizing a record: from already-validated answers to the
 * canonical record JSON, zstd, age (to every hub recipient), and one
 * transaction in the device store that continues the hash chain. Used by the
 * wizard and by batch capture alike.
 *
 * Owns: the canonical record JSON, attachment sealing, secure memory for
 * record plaintext.
 * Must never: let record plaintext reach the database, a file, a log or a
 * non-wiped heap buffer; leave half a record in the store.
 */
#ifndef FK_RECORD_H
#define FK_RECORD_H

#include <jansson.h>

#include "attach.h"
#include "device.h"
#include "store.h"

/* A growing buffer in sodium_malloc memory, wiped on growth and on free. */
typedef struct fk_secbuf {
	uint8_t *p;
	size_t len, cap;
} fk_secbuf;
int fk_secbuf_reserve(fk_secbuf *b, size_t cap, fk_err *e) FK_WUR;
int fk_secbuf_append(fk_secbuf *b, const void *p, size_t n, fk_err *e) FK_WUR;
void fk_secbuf_free(fk_secbuf *b);
/* Serializes JSON (compact, keys sorted) into b without plain heap copies. */
int fk_json_dump_secure(const json_t *j, fk_secbuf *b, fk_err *e) FK_WUR;

/*
 * Makes jansson (and thus every JSON tree in this process) wipe memory when
 * freeing it. Call once at the start of a command, before any JSON use.
 * From then on, text from json_dumps() must never be released with free():
 * serialize with fk_json_dump_secure or json_dump_callback instead.
 */
void fk_json_use_wiping_alloc(void);

typedef struct fk_record_in {
	const char *form_id;
	int form_version;
	const json_t *answers;   /* validated, defaults/calculations applied */
	int64_t created_at;      /* unix seconds; 0 = now */
	const fk_attach_in *att;
	size_t natt;
	const char *draft_id;    /* draft to delete in the same transaction, or NULL */
	const uint8_t *seen;     /* FK_SHA256_LEN bytes: the keyed hash of the batch line
	                            this record comes from, kept with it (fk_store_seen_put);
	                            NULL for none */
} fk_record_in;

typedef struct fk_record_out {
	char id[FK_UUID_BUF];
	int64_t seq;
	char short_ref[9];
	size_t ctlen;
} fk_record_out;

typedef struct fk_finalizer fk_finalizer;

int fk_finalizer_new(fk_finalizer **f, fk_store *s, const fk_device *d, fk_err *e) FK_WUR;
void fk_finalizer_free(fk_finalizer *f);

/*
 * Groups: fk_finalizer_begin opens a transaction; each fk_finalize inside it
 * is whole or absent (savepoint per record); fk_finalizer_commit makes them
 * durable. A crash loses at most the records of the open group, each whole.
 */
int fk_finalizer_begin(fk_finalizer *f, fk_err *e) FK_WUR;
int fk_finalize(fk_finalizer *f, const fk_record_in *in, fk_record_out *out, fk_err *e) FK_WUR;
int fk_finalizer_commit(fk_finalizer *f, fk_err *e) FK_WUR;
void fk_finalizer_rollback(fk_finalizer *f);

/*
 * Finalizes n records (no attachments, no drafts) inside the current
 * transaction: the plaintext is built in order here, then zstd and age run
 * on FIELDKIT_THREADS threads (default 1, at most FK_FINALIZE_MAX_THREADS),
 * then the rows are inserted in seq order. On failure the
 * caller must roll the group back (records inserted so far are not whole
 * groups). Records must already be validated.
 */
#define FK_FINALIZE_MANY 64
#define FK_FINALIZE_MAX_THREADS 4
int fk_finalize_many(fk_finalizer *f, const fk_record_in *in, size_t n, fk_record_out *out,
    fk_err *e) FK_WUR;

/* begin + finalize + commit. */
int fk_finalize_one(fk_finalizer *f, const fk_record_in *in, fk_record_out *out,
    fk_err *e) FK_WUR;

/* The age ciphertext length for a plaintext of n bytes (header size learnt once). */
size_t fk_finalizer_att_ctlen(const fk_finalizer *f, uint64_t n);

#endif
