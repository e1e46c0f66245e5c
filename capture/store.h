/*
 * store.h - the device store: a SQLite database (WAL, synchronous=FULL) under
 * the device home holding only ciphertext once a record is finalized.
 *
 * THIS HEADER IS A CONTRACT between the capture side (which writes records)
 * and the sync side (bundle export, receipts). The functions below must keep
 * their meaning; more may be added.
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

typedef struct fk_store fk_store;

typedef struct fk_store_attachment {
	char id[37];
	uint8_t ct_hash[32];
	const uint8_t *ct;
	size_t ctlen;
} fk_store_attachment;

typedef struct fk_store_record {
	char id[37];
	int64_t seq;
	char form_id[64];
	int form_version;
	char short_ref[9];
	int64_t finalized_at; /* unix seconds, UTC */
	uint8_t ct_hash[32];
	uint8_t prev[32];
	const uint8_t *ct;
	size_t ctlen;
	size_t natt;
	const fk_store_attachment *att;
} fk_store_record;

/* Opens (creating if needed) the store of the device home. */
int fk_store_open(fk_store **s, const char *home, fk_err *e) FK_WUR;
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
enum fk_retention { FK_RETAIN_NONE = 0, FK_RETAIN_DAYS, FK_RETAIN_FOREVER };

/*
 * Marks the records (by id, with the ct_hash the hub acknowledged) delivered
 * and purges their ciphertext per the device's retention setting. Ids whose
 * hash does not match what is stored are left untouched and counted in
 * *mismatched. All in one transaction.
 */
int fk_store_mark_delivered(fk_store *s, const char (*ids)[37],
    const uint8_t (*ct_hash)[32], size_t n, size_t *marked, size_t *mismatched,
    fk_err *e) FK_WUR;

#endif
