/*
 * hub.h - the hub: the place records from many devices end up.
 *
 * The hub home holds hub.db (SQLite, WAL, synchronous=FULL), identity.age
 * (the hub's age identity, passphrase-encrypted so that `age -d` opens it),
 * sign.key / sign.pub (minisign, for receipts), hub-card.json (public),
 * files/ (attachments, as their age files, named by the SHA-256 of the
 * ciphertext) and quarantine/ (refused bundles, each with a .reason file).
 *
 * Owns: registering devices, importing bundles (one transaction per bundle:
 * all of it or none of it), duplicates, conflicts, gaps, the audit log.
 * Must never: delete or overwrite a stored record, import part of a bundle,
 * accept a bundle from an unknown or revoked device, or write a reference to
 * an attachment file before that file is durably on disk.
 */
#ifndef FK_HUB_H
#define FK_HUB_H

#include <jansson.h>

#include "age.h"
#include "bundle.h"
#include "card.h"
#include "minisign.h"

#define FK_HUB_DB "hub.db"
#define FK_HUB_IDENTITY "identity.age"
#define FK_HUB_SIGN_KEY "sign.key"
#define FK_HUB_SIGN_PUB "sign.pub"
#define FK_HUB_CARD "hub-card.json"
#define FK_HUB_FILES "files"
#define FK_HUB_QUARANTINE "quarantine"
#define FK_HUB_MAX_RECORD_JSON (8u << 20)   /* one record's decompressed JSON */

typedef struct fk_hubdb fk_hubdb;

/*
 * Form validation: returns 0 when the record is valid for the form version
 * it names; -1 with FK_ESTATE when the hub does not know that form version
 * (the bundle is quarantined until the form is added); -1 otherwise.
 */
typedef int (*fk_hub_validator)(void *ctx, const char *form_id, int version,
    json_t *record, fk_err *e);

/* Creates a hub home: keys, card, empty database. */
int fk_hub_create(const char *home, const char *name, const uint8_t *pass, size_t passlen,
    int logn, fk_err *e) FK_WUR;

int fk_hub_open(fk_hubdb **h, const char *home, fk_err *e) FK_WUR;
void fk_hub_close(fk_hubdb *h);
const char *fk_hub_name(const fk_hubdb *h);
const char *fk_hub_home(const fk_hubdb *h);
void *fk_hub_sqlite(fk_hubdb *h); /* sqlite3 *, for the listing commands */


/* Unlocks identity.age (asks the passphrase or reads passfile). */
int fk_hub_unlock(fk_hubdb *h, const char *passfile, fk_err *e) FK_WUR;
/* Uses these identities instead (tests). Borrowed. */
void fk_hub_set_identities(fk_hubdb *h, const fk_age_identities *ids);
void fk_hub_set_validator(fk_hubdb *h, fk_hub_validator fn, void *ctx);
/* Hears how far an import is: done of total records (done == total at the end). */
typedef void (*fk_hub_progress_fn)(void *ctx, size_t done, size_t total);
void fk_hub_set_progress(fk_hubdb *h, fk_hub_progress_fn fn, void *ctx);

/* Devices. */
int fk_hub_device_add(fk_hubdb *h, const char *id, const char *name,
    const fk_minisign_pk *pk, fk_err *e) FK_WUR;
int fk_hub_device_revoke(fk_hubdb *h, const char *id, fk_err *e) FK_WUR;
typedef struct fk_hub_device_row {
	const char *id, *name, *added;
	const char *revoked;      /* when, or NULL while active */
	long long nrec;           /* records held from it */
	const char *sign_pubkey;
} fk_hub_device_row;
/* Calls fn for every registered device, oldest first; fn returns 0 to go on. */
int fk_hub_each_device(fk_hubdb *h, int (*fn)(void *ctx, const fk_hub_device_row *d),
    void *ctx, fk_err *e) FK_WUR;
/* fk_bundle_keyfn: the key of a registered, not revoked device. */
int fk_hub_device_key(void *h, const char *device_id, fk_minisign_pk *pk, fk_err *e);

/* Import. */
typedef struct fk_import_result {
	char device_id[FK_ID_MAX + 1];
	char bundle_id[FK_UUID_BUF];
	size_t nrec, nnew, ndup, nconf, natt;
	char replayed[FK_TIME_BUF];      /* when this bundle was imported before, or "" */
	char quarantined[4096]; /* where a refused file went ("" if not) */
} fk_import_result;

/*
 * Imports one bundle file in one transaction. On refusal the file is copied
 * into quarantine/ with the reason beside it, the database is unchanged, and
 * -1 is returned with e saying why.
 */
int fk_hub_import_file(fk_hubdb *h, const char *path, fk_import_result *res,
    fk_err *e) FK_WUR;

/* A hole in a device's sequence (records from..to missing) or a break in its
 * hash chain (record `from` does not link to the one before). */
enum { FK_GAP_MISSING = 1, FK_GAP_CHAIN };
typedef struct fk_hub_gap {
	const char *device_id;
	int kind;
	int64_t from, to;
} fk_hub_gap;
/* Calls fn for each problem; *nproblems counts them. */
int fk_hub_gaps(fk_hubdb *h, void (*fn)(void *ctx, const fk_hub_gap *g), void *ctx,
    size_t *nproblems, fk_err *e) FK_WUR;

/* Appends to the audit log. */
int fk_hub_audit(fk_hubdb *h, const char *action, const char *detail, long nrec,
    fk_err *e) FK_WUR;

/* For receipts: every (record id, ct hash) the hub holds from a device. */
int fk_hub_each_held(fk_hubdb *h, const char *device_id,
    int (*fn)(void *ctx, const char *id, const char *ct_hex), void *ctx, fk_err *e) FK_WUR;

/* Makes the signed receipt of everything the hub holds from device_id (n: how
 * many records it names), and logs it. */
int fk_hub_receipt_make(fk_hubdb *h, const char *device_id, const fk_minisign_sk *sk,
    fk_buf *out, size_t *n, fk_err *e) FK_WUR;

/*
 * Writes every record out to dir (created 0700) as format "jsonl" (one file)
 * or "csv" (one file per form and repeat group), after logging it in the
 * audit table; *n: how many records (hub_export.c).
 */
int fk_hub_export(fk_hubdb *h, const char *format, const char *dir, size_t *n,
    fk_err *e) FK_WUR;

#endif
