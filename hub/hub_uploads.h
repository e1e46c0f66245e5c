/*
 * hub_uploads.h - resumable uploads held by `hub serve` (internal to the hub
 * layer; docs/sync-protocol.md says what a client sees).
 *
 * Every upload is one bundle of one device, named by its bundle id and the
 * first 16 hex digits of its SHA-256, in HUB/uploads/:
 *   ID.info     JSON: device, bundle id, SHA-256, length, created, state, reason
 *               (written atomically; the state is "receiving", "imported" or
 *               "refused")
 *   ID.part     the bytes received, at most the acknowledged offset valid
 *   ID.off      the acknowledged offset: 8 bytes little-endian and their
 *               complement, written and fsynced after the chunk was
 *   ID.receipt  the hub-signed receipt, once imported
 * A chunk is written, its checksum checked, the .part fsynced and then the
 * .off written and fsynced before the chunk is acknowledged: a crash at any
 * point leaves the last acknowledged offset, whose bytes are on disk. The
 * chunk that completes an upload is the exception: it goes to the import at
 * once, and is acknowledged by the receipt, which comes only when the import
 * is durable in the hub database; if the import does not happen, the offset
 * is made durable before it is told to anyone (fk_upload_import_abort).
 * Creating an upload takes the store's lock only to count and reserve: the
 * files are made outside it, and synced only when the first chunk is
 * acknowledged (a bundle of one chunk: when the receipt is kept). Syncs of
 * the folder are shared by the requests that wait for one at the same time.
 *
 * Owns: the uploads folder, the quota of bytes held by partial uploads,
 * expiry, one writer per upload at a time (a new request takes an upload
 * over; the old writer stops at its next write). Must never: acknowledge a
 * byte before it is durable, let an unverified byte land below the
 * acknowledged offset, or import a bundle twice at once.
 */
#ifndef FK_HUB_UPLOADS_H
#define FK_HUB_UPLOADS_H

#include <pthread.h>
#include <stdint.h>

#include "fk.h"
#include "netproto.h"

enum fk_up_state { FK_UP_RECEIVING = 0, FK_UP_IMPORTING, FK_UP_IMPORTED, FK_UP_REFUSED };

typedef struct fk_upload {
	char id[FK_NET_UPLOAD_ID_LEN + 1];
	char device_id[FK_ID_MAX + 1];
	char bundle_id[FK_UUID_BUF];
	uint8_t sha256[32];
	uint64_t length, offset;   /* offset: received and checked */
	uint64_t durable;          /* acknowledged and on disk: offset, but for the last
	                              chunk while it is imported */
	int state;
	int64_t created, touched;  /* unix seconds; touched: last append or state change */
	char reason[300];          /* why it was refused */
	unsigned gen;              /* the writer that owns it */
	int fd;                    /* the .part, open while receiving (-1 otherwise) */
	int ref;                   /* requests holding it (under the store's mutex) */
	int creating;              /* its files are being made: not found yet */
	int made;                  /* its files are durable (synced once) */
	pthread_mutex_t mu;
	struct fk_upload *next;
} fk_upload;

/*
 * Group sync: many threads ask for one durable point (an fsync); one fsync
 * begun after a caller asked serves it and everyone waiting meanwhile.
 */
typedef struct fk_group_sync {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t asked, done;
	int busy;
} fk_group_sync;

void fk_group_sync_init(fk_group_sync *g);
void fk_group_sync_destroy(fk_group_sync *g);
/* Runs sync(ctx) (0 or -1 with errno) as above: 0 once a sync that began after
 * this call succeeded, -1 (errno from sync) when the one it waited on failed. */
int fk_group_sync_run(fk_group_sync *g, int (*sync)(void *ctx), void *ctx);

typedef struct fk_upstore {
	char *dir;
	pthread_mutex_t mu;        /* the list, the quota counters */
	fk_group_sync gs;          /* group sync of the folder */
	fk_upload *head;
	uint64_t held;             /* bytes reserved by partial uploads (their lengths) */
	uint64_t quota;
	int64_t expire_secs;
	int max_per_device;
} fk_upstore;

/* Opens (creating) HUB/uploads and indexes what is there; expired uploads go. */
int fk_upstore_open(fk_upstore *s, const char *home, uint64_t quota, int expire_days,
    int max_per_device, fk_err *e) FK_WUR;
void fk_upstore_close(fk_upstore *s);

/* Finds an upload (NULL when none), held until fk_upload_put. */
fk_upload *fk_upstore_find(fk_upstore *s, const char *id);
/* Another upload of the same bundle id with other bytes (NULL when none), held. */
fk_upload *fk_upstore_other(fk_upstore *s, const char *bundle_id, const char *id);
void fk_upload_put(fk_upstore *s, fk_upload *u);

/*
 * Creates an upload. FK_ELIMIT when the device has too many partial uploads
 * (*why = 1), the quota would be passed (*why = 2) or the bundle alone is
 * larger than the whole quota (*why = 4); FK_ESTATE (*why = 3)
 * when another request is creating the same upload right now. *out is held.
 */
int fk_upstore_create(fk_upstore *s, const char *device_id, const char *bundle_id,
    const uint8_t sha256[32], uint64_t length, fk_upload **out, int *why, fk_err *e) FK_WUR;

/* Writing a chunk: take over (offset must equal the acknowledged one). */
int fk_upload_takeover(fk_upload *u, uint64_t offset, unsigned *gen, fk_err *e) FK_WUR;
/* Writes bytes at off for the writer gen; FK_ESTATE when it was taken over. */
int fk_upload_write(fk_upload *u, unsigned gen, uint64_t off, const uint8_t *p, size_t n,
    fk_err *e) FK_WUR;
/* Makes [offset, newoff) durable and acknowledged for writer gen. */
int fk_upload_commit(fk_upstore *s, fk_upload *u, unsigned gen, uint64_t newoff,
    fk_err *e) FK_WUR;
/* The chunk that completes the upload, for writer gen: received and checked,
 * not yet synced (the import that follows is its acknowledgement). */
int fk_upload_complete(fk_upload *u, unsigned gen, fk_err *e) FK_WUR;

/* Import states. begin: 0 = you import it now, 1 = someone else is. */
int fk_upload_import_begin(fk_upload *u);
/* The path of the .part (malloc'd). */
char *fk_upload_part_path(fk_upstore *s, const fk_upload *u);
/* Records the result: receipt bytes (imported) or reason (refused). */
int fk_upload_import_end(fk_upstore *s, fk_upload *u, const uint8_t *receipt, size_t n,
    const char *reason, fk_err *e) FK_WUR;
/* Puts it back to receiving (a temporary failure: the database was busy),
 * its offset durable first (or back to the durable one if that fails). */
void fk_upload_import_abort(fk_upstore *s, fk_upload *u);
/* The stored receipt of an imported upload. */
int fk_upload_receipt(fk_upstore *s, const fk_upload *u, fk_buf *out, fk_err *e) FK_WUR;

/* Removes expired partial uploads and old finished ones; returns how many. */
size_t fk_upstore_sweep(fk_upstore *s, int64_t now);

#endif
