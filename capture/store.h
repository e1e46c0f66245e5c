/*
 * store.h - the device store: a SQLite database (WAL, synchronous=FULL) under
 * the device home holding only ciphertext once a record is finalized.
 *
 * Owns: the database file and its schema, the hash chain, delivery state and
 * retention. Knows nothing of device.json (the device module gives it the
 * retention setting, see fk_device_store_open in device.h).
 *
 * Must never: write plaintext personal data to the database, its WAL or
 * journal, temporary files or logs; delete a record's ciphertext before a
 * hub-signed receipt covers it (fk_store_mark_delivered).
 *
 * Record model. Finalizing a record stores:
 *   id        random UUID (lower-case text, 36 chars)
 *   seq       per-device sequence number, 1, 2, 3 ... without holes
 *   ct        the age file (to every hub recipient) of the zstd-compressed
 *             canonical record JSON
 *   ct_hash   SHA-256 of ct
 *   prev      ct_hash of record seq-1 (32 zero bytes for seq 1): the hash chain
 *   attachments: each its own age file (to the same recipients) of the raw
 *             bytes, with an id (UUID) and SHA-256 of its ciphertext; the
 *             record JSON names each attachment by id and ciphertext hash.
 */
#ifndef FK_STORE_H
#define FK_STORE_H

#include <stdint.h>

#include "fk.h"
#include "util.h"

typedef struct fk_store fk_store;

typedef struct fk_store_attachment {
	char id[FK_UUID_BUF];
	uint8_t ct_hash[FK_SHA256_LEN];
	const uint8_t *ct;
	size_t ctlen;
} fk_store_attachment;

typedef struct fk_store_record {
	char id[FK_UUID_BUF];
	int64_t seq;
	char form_id[64];
	int form_version;
	char short_ref[9];
	int64_t finalized_at; /* unix seconds, UTC */
	uint8_t ct_hash[FK_SHA256_LEN];
	uint8_t prev[FK_SHA256_LEN];
	const uint8_t *ct;
	size_t ctlen;
	size_t natt;
	const fk_store_attachment *att;
} fk_store_record;

/*
 * Opens the store of the device home. FK_STORE_WRITE creates it if needed;
 * FK_STORE_READ (for listings and counts) never writes: no schema, no
 * purge, no file created.
 */
enum { FK_STORE_READ = 0, FK_STORE_WRITE = 1 };
int fk_store_open(fk_store **s, const char *home, int mode, fk_err *e) FK_WUR;
void fk_store_close(fk_store *s);

/*
 * Calls fn for every finalized record not yet delivered, in seq order. The
 * pointers in rec are valid only during the call. fn returns 0 to go on,
 * 1 to stop early, -1 on error.
 */
int fk_store_each_pending(fk_store *s,
    int (*fn)(void *ctx, const fk_store_record *rec, fk_err *e), void *ctx,
    fk_err *e) FK_WUR;

/* Retention after a receipt: purge now, after N days, or never. */
enum fk_retention { FK_RETAIN_NOW = 0, FK_RETAIN_DAYS, FK_RETAIN_NEVER };

/*
 * Marks the records (by id, with the ct_hash the hub acknowledged) delivered
 * and purges their ciphertext per the device's retention setting. Ids whose
 * hash does not match what is stored are left untouched and counted in
 * *mismatched. *marked counts the others, of which *already were delivered
 * before (the same receipt acknowledged twice). All in one transaction.
 */
int fk_store_mark_delivered(fk_store *s, const char (*ids)[FK_UUID_BUF],
    const uint8_t (*ct_hash)[FK_SHA256_LEN], size_t n, size_t *marked, size_t *already,
    size_t *mismatched, fk_err *e) FK_WUR;

#define FK_STORE_SCHEMA_VERSION 2

/* Sync state of a record. */
enum fk_store_state { FK_STATE_PENDING = 0, FK_STATE_DELIVERED, FK_STATE_PURGED };

/* What `fieldkit list` may show: nothing that identifies anyone. */
typedef struct fk_store_info {
	int64_t seq;
	char form_id[64];
	int form_version;
	char short_ref[9];
	int64_t finalized_at;
	int state;
	int64_t delivered_at; /* 0 = not yet */
	size_t natt;
} fk_store_info;

typedef struct fk_store_counts {
	int64_t pending, delivered, purged, drafts, attachments;
	int64_t last_seq;
	int64_t pending_bytes;
} fk_store_counts;

/* Retention applied by fk_store_mark_delivered and fk_store_purge_due
 * (enum fk_retention; default FK_RETAIN_NOW). */
void fk_store_set_retention(fk_store *s, int retention, int days);

/* Write transactions (BEGIN IMMEDIATE: one writer, the chain tip is stable). */
int fk_store_begin(fk_store *s, fk_err *e) FK_WUR;
int fk_store_commit(fk_store *s, fk_err *e) FK_WUR;
void fk_store_rollback(fk_store *s);
/* Savepoints inside a transaction: one per record, so a failed record leaves nothing. */
int fk_store_savepoint(fk_store *s, fk_err *e) FK_WUR;
int fk_store_release(fk_store *s, fk_err *e) FK_WUR;
void fk_store_rollback_savepoint(fk_store *s);

/* Inside a transaction: the next seq and the prev hash it must carry. */
int fk_store_next(fk_store *s, int64_t *seq, uint8_t prev[FK_SHA256_LEN], fk_err *e) FK_WUR;
/* Whether a short reference is already used on this device. */
int fk_store_shortref_taken(fk_store *s, const char *ref, int *taken, fk_err *e) FK_WUR;
/*
 * Inserts a finalized record (rec->seq and rec->prev from fk_store_next,
 * rec->ct_hash = SHA-256(rec->ct)). Attachments must already be written for
 * rec->seq with fk_store_att_open. Inside a transaction.
 */
int fk_store_insert_record(fk_store *s, const fk_store_record *rec, fk_err *e) FK_WUR;

/*
 * Streams an attachment's ciphertext of exactly ctlen bytes into the store
 * (incremental blob I/O: memory stays flat). Inside a transaction, before the
 * record row is inserted. fk_store_att_close checks the length, computes and
 * stores the SHA-256 of the ciphertext.
 */
typedef struct fk_store_blob fk_store_blob;
int fk_store_att_open(fk_store *s, const char *id, int64_t seq, int idx, size_t ctlen,
    fk_store_blob **b, fk_err *e) FK_WUR;
fk_sink fk_store_blob_sink(fk_store_blob *b);
int fk_store_att_close(fk_store_blob *b, uint8_t ct_hash[FK_SHA256_LEN], fk_err *e) FK_WUR;
void fk_store_att_abort(fk_store_blob *b);

/* Listing and counts (never ciphertext, never anything identifying). */
int fk_store_each_info(fk_store *s, int (*fn)(void *ctx, const fk_store_info *r, fk_err *e),
    void *ctx, fk_err *e) FK_WUR;
int fk_store_counts_get(fk_store *s, fk_store_counts *c, fk_err *e) FK_WUR;

/*
 * Checks the whole chain: seq 1..n without holes, each prev = ct_hash of the
 * one before, each present ct hashes to its ct_hash. *bad is the first bad
 * seq or 0.
 */
int fk_store_verify_chain(fk_store *s, int64_t *n, int64_t *bad, fk_err *e) FK_WUR;

/*
 * Drafts: ciphertext under the draft key (see draft.h); metadata in clear:
 * form, times, how many questions are answered of how many, and the record
 * path where the worker stopped ("children[1].dob"; never an answer).
 */
typedef struct fk_store_draft {
	char id[FK_UUID_BUF];
	char form_id[64];
	int form_version;
	int64_t created_at, saved_at;
	uint8_t nonce[24];
	const uint8_t *ct;
	size_t ctlen;
	int answered, total;
	char at[256];
} fk_store_draft;
int fk_store_draft_put(fk_store *s, const fk_store_draft *d, fk_err *e) FK_WUR;
/* Copies the ciphertext into out (ct points into out->p). FK_EINPUT if unknown. */
int fk_store_draft_get(fk_store *s, const char *id, fk_store_draft *d, fk_buf *out,
    fk_err *e) FK_WUR;
int fk_store_draft_delete(fk_store *s, const char *id, fk_err *e) FK_WUR;
int fk_store_each_draft(fk_store *s,
    int (*fn)(void *ctx, const fk_store_draft *d, fk_err *e), void *ctx, fk_err *e) FK_WUR;

/*
 * Batch lines already sealed, by a keyed hash of the line (never a plain
 * hash of its content; see docs/device-store.md). fk_store_seen_get returns
 * 1 and the record's seq and short reference when the hash is known, 0 when
 * not; fk_store_seen_put records it, inside the record's transaction.
 */
int fk_store_seen_get(fk_store *s, const uint8_t hash[FK_SHA256_LEN], int64_t *seq,
    char short_ref[9], fk_err *e) FK_WUR;
int fk_store_seen_put(fk_store *s, const uint8_t hash[FK_SHA256_LEN], int64_t seq,
    fk_err *e) FK_WUR;

/* Applies retention: purges delivered records whose time has come. */
int fk_store_purge_due(fk_store *s, int64_t now, size_t *purged, fk_err *e) FK_WUR;

#endif
