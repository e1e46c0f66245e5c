/*
 * hub.h - the hub: the place records from many devices end up.
 *
 * The hub home (0700) holds hub.db (SQLite, WAL, synchronous=FULL, every page
 * encrypted with a key derived from the hub identity: hub_vfs.h, docs/keys.md),
 * identity.age (the hub's age identity, passphrase-encrypted so that `age -d`
 * opens it),
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

/*
 * Opening a hub is two steps. fk_hub_open finds the hub in home (and makes the
 * folder 0700 and its secret files 0600); nothing in the database can be read
 * yet. fk_hub_unlock asks the hub passphrase once (or reads it: passfile, else
 * $FIELDKIT_PASSPHRASE_FILE, else the systemd credential, see pass.h), opens
 * identity.age with it, derives the database key from the identity and opens
 * hub.db. Every call below that reads or writes the database needs an unlocked
 * hub, and fails with FK_ESTATE on a locked one. A hub whose hub.db is not
 * encrypted (made by an earlier fieldkit) is refused with FK_ESTATE before
 * the passphrase is asked: fk_hub_migrate encrypts it.
 */
int fk_hub_open(fk_hubdb **h, const char *home, fk_err *e) FK_WUR;
int fk_hub_unlock(fk_hubdb *h, const char *passfile, fk_err *e) FK_WUR;
/* Both in one call; *h is NULL on failure. */
int fk_hub_open_unlocked(fk_hubdb **h, const char *home, const char *passfile,
    fk_err *e) FK_WUR;
/* Unlocks with these identities instead of identity.age (tests; borrowed). */
int fk_hub_unlock_ids(fk_hubdb *h, const fk_age_identities *ids, fk_err *e) FK_WUR;
void fk_hub_close(fk_hubdb *h);
const char *fk_hub_name(const fk_hubdb *h);
const char *fk_hub_home(const fk_hubdb *h);
/* The sqlite3 * of an unlocked hub (NULL while locked), for listings and
 * queries. Never open hub.db any other way: its pages are encrypted. */
void *fk_hub_sqlite(fk_hubdb *h);
/* Says why the last call on the hub's database failed (a full disk as such); -1. */
int fk_hub_db_err(fk_hubdb *h, fk_err *e);
/*
 * Encrypts the database of a hub made before hub.db was encrypted (a plain
 * SQLite file), on a hub opened but not unlocked: asks the passphrase, copies
 * the database into an encrypted one, checks it row for row, and puts it in
 * place of the plain file; the hub is then unlocked. *done: 1 when it
 * encrypted something, 0 when the database already was (returns 0 too).
 * The plain file's blocks may stay on the disk (docs/keys.md). hub_migrate.c.
 */
int fk_hub_migrate(fk_hubdb *h, const char *passfile, int *done, fk_err *e) FK_WUR;
/* Loads the hub's signing key (for receipts) with the passphrase fk_hub_unlock
 * was given, or asks it (passfile as for fk_hub_unlock) if it was not. */
int fk_hub_sign_key(fk_hubdb *h, const char *passfile, fk_minisign_sk **sk,
    fk_err *e) FK_WUR;
void fk_hub_set_validator(fk_hubdb *h, fk_hub_validator fn, void *ctx);
/* Hears how far an import is: done of total records (done == total at the end). */
typedef void (*fk_hub_progress_fn)(void *ctx, size_t done, size_t total);
void fk_hub_set_progress(fk_hubdb *h, fk_hub_progress_fn fn, void *ctx);

/* Devices. */
int fk_hub_device_add(fk_hubdb *h, const char *id, const char *name,
    const fk_minisign_pk *pk, fk_err *e) FK_WUR;
int fk_hub_device_revoke(fk_hubdb *h, const char *id, fk_err *e) FK_WUR;
/*
 * Takes a revocation back, with the operator's reason in the audit log: the
 * way for records a revoked device captured before its revocation to reach the
 * hub (unrevoke, import them, revoke again). The device's key is trusted again
 * until then, so only do it when the device is back in safe hands.
 */
int fk_hub_device_unrevoke(fk_hubdb *h, const char *id, const char *reason, fk_err *e) FK_WUR;
/* The id of the device with that id, else of the one device with that name;
 * FK_EINPUT when there is none or more than one. */
int fk_hub_device_find(fk_hubdb *h, const char *id_or_name, char id[FK_ID_MAX + 1],
    fk_err *e) FK_WUR;
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
	char qnote[600];        /* what of it went there, or why nothing: "" when all */
	size_t nfork;           /* of nconf: second records at a (device, seq) held */
	int skipped;            /* not a regular file (a link, a FIFO, a device): not read */
	int hub_failed;         /* not imported for the hub's own failure (its disk full...):
	                           not quarantined, to be imported again as it is */
} fk_import_result;

/*
 * Imports one bundle file in one transaction. On refusal the file is copied
 * into quarantine/ with the reason beside it, the database and files/ are
 * unchanged, and -1 is returned with e saying why. The copy is whole only for
 * a file that starts as a bundle; of anything else (not a bundle at all)
 * only its first 64 KiB are kept. No copy is made of a file already in
 * quarantine, or when one with the same name and bytes is there
 * (res->quarantined then names it), or when the copy would leave the disk
 * with less than 64 MiB; res->qnote says which. Only a regular file is
 * read (opened without following a symbolic link, without blocking): anything
 * else is skipped (res->skipped), neither read nor copied. A record with a
 * new id at a (device, seq) the hub holds is a fork: kept in `conflicts` and
 * counted in nconf and nfork, never stored as a record.
 */
int fk_hub_import_file(fk_hubdb *h, const char *path, fk_import_result *res,
    fk_err *e) FK_WUR;

/* A hole in a device's sequence (records from..to missing) or a break in its
 * hash chain (record `from` does not link to the one before). */
enum { FK_GAP_MISSING = 1, FK_GAP_CHAIN, FK_GAP_FORK /* a second record at seq from */ };
typedef struct fk_hub_gap {
	const char *device_id;
	int kind;
	int64_t from, to;
} fk_hub_gap;
/* Calls fn for each problem; *nproblems counts them. */
int fk_hub_gaps(fk_hubdb *h, void (*fn)(void *ctx, const fk_hub_gap *g), void *ctx,
    size_t *nproblems, fk_err *e) FK_WUR;

/*
 * `hub sql`: runs query, one SELECT or WITH statement, read-only (on a
 * read-only connection with query_only and an authorizer that allows reading
 * only), after logging it in the audit table; fn gets each row's columns as
 * sqlite3_column_text gives them (NULL for NULL). FK_EUSAGE for a statement
 * that is not one reading statement; *nrows: rows given to fn (hub_sql.c).
 */
typedef int (*fk_hub_row_fn)(void *ctx, int ncol, const char *const *vals);
int fk_hub_sql(fk_hubdb *h, const char *query, fk_hub_row_fn fn, void *ctx, long *nrows,
    fk_err *e) FK_WUR;

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
 * or "csv" (one file per form and repeat group: columns in the form's order,
 * formula-like cells defused, UTF-8 with its mark; with labels "uk"/"en", each
 * choice's label in that language beside its code), after logging it in the
 * audit table; *n: how many records (hub_export.c).
 */
int fk_hub_export(fk_hubdb *h, const char *format, const char *dir, const char *labels,
    size_t *n, fk_err *e) FK_WUR;

#endif
