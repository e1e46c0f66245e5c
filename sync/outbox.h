/*
 * outbox.h - the device's queue for network sync: bundles exported into
 * HOME/outbox/ and kept there until a hub's receipt for them verified, with
 * what the last attempts to send each one gave (for `push --status`).
 *
 *   HOME/outbox/<device>-<bundle8>.fkb         a signed bundle, as `export` writes
 *   HOME/outbox/<device>-<bundle8>.fkb.state   JSON: its records' range, bytes the
 *                                              hub holds, attempts, the last failure
 *                                              in words, the next try
 * Nothing in either is readable personal data: bundles hold age ciphertext,
 * states hold counts, times and the hub's refusal reason (ids, no answers).
 *
 * Owns: the outbox folder. Must never: drop a bundle before the caller
 * acknowledged its receipt, or put a record in two queued bundles.
 */
#ifndef FK_OUTBOX_H
#define FK_OUTBOX_H

#include <stdint.h>

#include "bundle.h"
#include "fk.h"
#include "minisign.h"
#include "store.h"

#define FK_OUTBOX_DIR "outbox"

typedef struct fk_outbox_item {
	char name[128];            /* the bundle's file name */
	char bundle_id[FK_UUID_BUF];
	uint64_t length, hub_offset;
	size_t nrec;
	int64_t first_seq, last_seq;
	unsigned attempts;
	int64_t created, last_try, next_try, last_ok; /* unix seconds, 0 = never */
	char last_class[64];       /* "" after success */
	char last_reason[320];     /* the hub's words when it refused */
	int refused;
} fk_outbox_item;

typedef struct fk_outbox {
	char *dir;
	size_t n;
	fk_outbox_item *items;     /* oldest records first */
	int lockfd;                /* fk_outbox_lock's descriptor + 1 (0: not held) */
} fk_outbox;

/* Lists the queued bundles (creating the folder, 0700). */
int fk_outbox_load(fk_outbox *o, const char *home, fk_err *e) FK_WUR;
/* One sender at a time (two pushes sent a bundle twice): an advisory lock on
 * the outbox, held until fk_outbox_free or the process ends. FK_ESTATE when
 * another process holds it. */
int fk_outbox_lock(fk_outbox *o, fk_err *e) FK_WUR;
void fk_outbox_free(fk_outbox *o);

/* Pending records not in any queued bundle (they need exporting). */
int fk_outbox_unqueued(const fk_outbox *o, fk_store *s, int64_t *n, fk_err *e) FK_WUR;

/* Exports them into new bundles of at most max_size bytes (0 = one bundle);
 * *nfiles, *nrec: what was added. The outbox is reloaded. */
int fk_outbox_fill(fk_outbox *o, fk_store *s, const char *device_id,
    const fk_minisign_sk *sk, uint64_t max_size, size_t *nfiles, size_t *nrec,
    fk_err *e) FK_WUR;

/*
 * Removes the queued bundles none of whose records is pending any more: they
 * reached a hub another way (a USB bundle and its receipt) while queued, and
 * sending them again would only cost the link. *dropped counts them.
 */
int fk_outbox_drop_delivered(fk_outbox *o, fk_store *s, size_t *dropped, fk_err *e) FK_WUR;
/* has[i] (o->n bytes): 1 when queued bundle i still holds a pending record. */
int fk_outbox_live(const fk_outbox *o, fk_store *s, unsigned char *has, fk_err *e) FK_WUR;

/* The path of an item's bundle (malloc'd). */
char *fk_outbox_path(const fk_outbox *o, const fk_outbox_item *it);
/* Writes an item's state file. */
int fk_outbox_save(const fk_outbox *o, const fk_outbox_item *it, fk_err *e) FK_WUR;
/* Removes item i (bundle and state): only after its receipt was acknowledged. */
int fk_outbox_remove(fk_outbox *o, size_t i, fk_err *e) FK_WUR;

#endif
