/*
 * store.c - the device store (see store.h and docs/device-store.md).
 *
 * SQLite in WAL mode, synchronous=FULL, secure_delete=ON, foreign keys on.
 * Triggers in the database itself refuse a record whose seq or prev does not
 * continue the chain and refuse deleting a record row, so no code path (ours
 * or a later one) can punch a hole into the chain.
 *
 * Must never: store plaintext; delete a record's ciphertext before a receipt.
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "device.h"

enum {
	Q_NEXT, Q_REF, Q_INSERT, Q_ATT_INSERT, Q_ATT_HASH, Q_SAVEPOINT, Q_RELEASE,
	Q_ROLLBACK_TO, Q_BEGIN, Q_COMMIT, Q_ROLLBACK, Q_COUNT
};

static const char *const QUERIES[Q_COUNT] = {
	[Q_NEXT] = "SELECT seq, ct_hash FROM records ORDER BY seq DESC LIMIT 1",
	[Q_REF] = "SELECT 1 FROM records WHERE short_ref = ?",
	[Q_INSERT] = "INSERT INTO records (seq, id, form_id, form_version, short_ref, "
		     "finalized_at, ct, ct_len, ct_hash, prev, natt) "
		     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[Q_ATT_INSERT] = ("INSERT INTO attachments (id, record_seq, idx, ct, ct_len) "
			  "VALUES (?, ?, ?, zeroblob(?), ?)"),
	[Q_ATT_HASH] = "UPDATE attachments SET ct_hash = ? WHERE rowid = ?",
	[Q_SAVEPOINT] = "SAVEPOINT rec",
	[Q_RELEASE] = "RELEASE rec",
	[Q_ROLLBACK_TO] = "ROLLBACK TO rec",
	[Q_BEGIN] = "BEGIN IMMEDIATE",
	[Q_COMMIT] = "COMMIT",
	[Q_ROLLBACK] = "ROLLBACK",
};

struct fk_store {
	sqlite3 *db;
	sqlite3_stmt *q[Q_COUNT];
	int retention, days;
	int64_t ver;
	sqlite3_stmt *seen_get, *seen_put; /* prepared on first use (a version 1 store has no table) */
};

struct fk_store_blob {
	fk_store *s;
	sqlite3_blob *blob;
	sqlite3_int64 rowid;
	size_t len, off;
	crypto_hash_sha256_state h;
};

/* Keyed hashes of batch lines and the record each became (see fk_store_seen_get). */
#define BATCH_SEEN                                                                     \
    "CREATE TABLE batch_seen ("                                                        \
    " hash BLOB PRIMARY KEY CHECK (length(hash) = 32),"                                \
    " seq INTEGER NOT NULL REFERENCES records (seq) DEFERRABLE INITIALLY DEFERRED"    \
    ") WITHOUT ROWID;"

static const char SCHEMA[] =
    "CREATE TABLE records ("
    " seq INTEGER PRIMARY KEY CHECK (seq >= 1),"
    " id TEXT NOT NULL UNIQUE CHECK (length(id) = 36),"
    " form_id TEXT NOT NULL,"
    " form_version INTEGER NOT NULL,"
    " short_ref TEXT NOT NULL UNIQUE CHECK (length(short_ref) = 8),"
    " finalized_at INTEGER NOT NULL,"
    " ct BLOB,"
    " ct_len INTEGER NOT NULL,"
    " ct_hash BLOB NOT NULL CHECK (length(ct_hash) = 32),"
    " prev BLOB NOT NULL CHECK (length(prev) = 32),"
    " natt INTEGER NOT NULL DEFAULT 0,"
    " state INTEGER NOT NULL DEFAULT 0 CHECK (state IN (0, 1, 2)),"
    " delivered_at INTEGER,"
    " purge_after INTEGER"
    ");"
    "CREATE TABLE attachments ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 36),"
    " record_seq INTEGER NOT NULL REFERENCES records (seq) DEFERRABLE INITIALLY DEFERRED,"
    " idx INTEGER NOT NULL,"
    " ct BLOB NOT NULL,"
    " ct_len INTEGER NOT NULL,"
    " ct_hash BLOB,"
    " UNIQUE (record_seq, idx)"
    ");"
    "CREATE TABLE drafts ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 36),"
    " form_id TEXT NOT NULL,"
    " form_version INTEGER NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " saved_at INTEGER NOT NULL,"
    " nonce BLOB NOT NULL CHECK (length(nonce) = 24),"
    " ct BLOB NOT NULL,"
    " answered INTEGER NOT NULL DEFAULT 0,"
    " total INTEGER NOT NULL DEFAULT 0,"
    " at TEXT"
    ");"
    BATCH_SEEN
    "CREATE TRIGGER records_chain BEFORE INSERT ON records BEGIN"
    " SELECT RAISE(ABORT, 'hash chain: seq or prev does not continue the chain')"
    " WHERE NEW.seq != ifnull((SELECT max(seq) FROM records), 0) + 1"
    "  OR NEW.prev != ifnull((SELECT ct_hash FROM records WHERE seq = NEW.seq - 1),"
    "   zeroblob(32));"
    "END;"
    "CREATE TRIGGER records_keep BEFORE DELETE ON records BEGIN"
    " SELECT RAISE(ABORT, 'records are never deleted, only purged');"
    "END;"
    "CREATE TRIGGER records_fixed BEFORE UPDATE OF seq, id, ct_hash, prev ON records BEGIN"
    " SELECT RAISE(ABORT, 'a record''s identity and chain are fixed');"
    "END;"
    "CREATE INDEX records_state ON records (state);"
    "PRAGMA user_version = 2;";

/* Version 1 to 2: drafts say how far they got; batch lines already sealed. */
static const char MIGRATE_1_2[] =
    "ALTER TABLE drafts ADD COLUMN answered INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE drafts ADD COLUMN total INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE drafts ADD COLUMN at TEXT;"
    BATCH_SEEN
    "PRAGMA user_version = 2;";

static int
db_fail(fk_store *s, fk_err *e, const char *what)
{
	return fk_fail(e, FK_EIO, _("device store: %s: %s"), what, sqlite3_errmsg(s->db));
}

static int
exec(fk_store *s, const char *sql, fk_err *e)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fk_fail(e, FK_EIO, _("device store: %s"), msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int
step_done(fk_store *s, sqlite3_stmt *st, const char *what, fk_err *e)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return db_fail(s, e, what);
	return 0;
}

static int
pragma_int(fk_store *s, const char *sql, int64_t *v, fk_err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, e, "prepare");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(s, e, sql);
	return 0;
}

void
fk_store_set_retention(fk_store *s, int retention, int days)
{
	s->retention = retention;
	s->days = days;
}

static int
store_setup(fk_store *s, int mode, fk_err *e)
{
	int64_t ver = 0;
	size_t i;

	sqlite3_busy_timeout(s->db, 10000);
	if (mode == FK_STORE_READ) {
		if (pragma_int(s, "PRAGMA user_version", &ver, e) != 0)
			return -1;
		/* A read never migrates: version 1 is read as it is. */
		if (ver != 1 && ver != FK_STORE_SCHEMA_VERSION)
			goto badver;
		goto prepare;
	}
	if (exec(s, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
		    "PRAGMA secure_delete = ON; PRAGMA foreign_keys = ON;"
		    "PRAGMA trusted_schema = OFF;", e) != 0)
		return -1;
	if (pragma_int(s, "PRAGMA user_version", &ver, e) != 0)
		return -1;
	if (ver < FK_STORE_SCHEMA_VERSION) {
		if (exec(s, "BEGIN IMMEDIATE", e) != 0)
			return -1;
		/* Another process may have created or migrated it while we waited. */
		if (pragma_int(s, "PRAGMA user_version", &ver, e) != 0 ||
		    (ver == 0 && exec(s, SCHEMA, e) != 0) ||
		    (ver == 1 && exec(s, MIGRATE_1_2, e) != 0) || exec(s, "COMMIT", e) != 0) {
			exec(s, "ROLLBACK", NULL);
			return -1;
		}
		if (ver <= 1)
			ver = FK_STORE_SCHEMA_VERSION;
	}
	if (ver != FK_STORE_SCHEMA_VERSION)
		goto badver;
prepare:
	s->ver = ver;
	for (i = 0; i < Q_COUNT; i++)
		if (sqlite3_prepare_v3(s->db, QUERIES[i], -1, SQLITE_PREPARE_PERSISTENT, &s->q[i],
			NULL) != SQLITE_OK)
			return db_fail(s, e, "prepare");
	return 0;
badver:
	return fk_fail(e, FK_ESTATE,
	    _("the device store has schema version %lld; this fieldkit knows version %d (update fieldkit)"),
	    (long long)ver, FK_STORE_SCHEMA_VERSION);
}

int
fk_store_open(fk_store **sp, const char *home, int mode, fk_err *e)
{
	fk_store *s;
	char *path;
	int rc, fd;

	*sp = NULL;
	if ((s = calloc(1, sizeof *s)) == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	if ((path = fk_path_join(home, FK_DEVICE_STORE)) == NULL) {
		free(s);
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	}
	/* Create the file private; SQLite gives its -wal and -shm the same mode.
	 * O_EXCL: an existing file is never opened and closed here, as close()
	 * would drop the POSIX locks another connection of this process holds
	 * on it (SQLite's locks), and a concurrent writer could then corrupt it. */
	if (mode != FK_STORE_READ &&
	    (fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) >= 0)
		close(fd);
	rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_NOMUTEX | (mode == FK_STORE_READ ?
	    SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE), NULL);
	if (rc != SQLITE_OK) {
		fk_fail(e, FK_EIO, _("cannot open the device store %s: %s"), path,
		    s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		free(path);
		fk_store_close(s);
		return -1;
	}
	free(path);
	if (store_setup(s, mode, e) != 0) {
		fk_store_close(s);
		return -1;
	}
	*sp = s;
	return 0;
}

void
fk_store_close(fk_store *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(s->q[i]);
	sqlite3_finalize(s->seen_get);
	sqlite3_finalize(s->seen_put);
	sqlite3_close(s->db);
	free(s);
}

/* --- transactions --- */

int
fk_store_begin(fk_store *s, fk_err *e)
{
	return step_done(s, s->q[Q_BEGIN], "begin", e);
}

int
fk_store_commit(fk_store *s, fk_err *e)
{
	if (step_done(s, s->q[Q_COMMIT], "commit", e) != 0) {
		fk_store_rollback(s);
		return -1;
	}
	return 0;
}

void
fk_store_rollback(fk_store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		step_done(s, s->q[Q_ROLLBACK], "rollback", NULL);
}

int
fk_store_savepoint(fk_store *s, fk_err *e)
{
	return step_done(s, s->q[Q_SAVEPOINT], "savepoint", e);
}

int
fk_store_release(fk_store *s, fk_err *e)
{
	return step_done(s, s->q[Q_RELEASE], "release", e);
}

void
fk_store_rollback_savepoint(fk_store *s)
{
	if (step_done(s, s->q[Q_ROLLBACK_TO], "rollback", NULL) == 0)
		step_done(s, s->q[Q_RELEASE], "release", NULL);
}

/* --- records --- */

int
fk_store_next(fk_store *s, int64_t *seq, uint8_t prev[FK_SHA256_LEN], fk_err *e)
{
	sqlite3_stmt *st = s->q[Q_NEXT];
	int rc = sqlite3_step(st);

	*seq = 1;
	memset(prev, 0, 32);
	if (rc == SQLITE_ROW) {
		*seq = sqlite3_column_int64(st, 0) + 1;
		if (sqlite3_column_bytes(st, 1) != 32) {
			sqlite3_reset(st);
			return fk_fail(e, FK_ESTATE, _("device store: the chain tip is damaged"));
		}
		memcpy(prev, sqlite3_column_blob(st, 1), 32);
		rc = sqlite3_step(st);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(s, e, "chain tip");
	return 0;
}

int
fk_store_shortref_taken(fk_store *s, const char *ref, int *taken, fk_err *e)
{
	sqlite3_stmt *st = s->q[Q_REF];
	int rc;

	sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*taken = rc == SQLITE_ROW;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(s, e, "short reference");
	return 0;
}

int
fk_store_insert_record(fk_store *s, const fk_store_record *r, fk_err *e)
{
	sqlite3_stmt *st = s->q[Q_INSERT];

	sqlite3_bind_int64(st, 1, r->seq);
	sqlite3_bind_text(st, 2, r->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->form_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, r->form_version);
	sqlite3_bind_text(st, 5, r->short_ref, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, r->finalized_at);
	sqlite3_bind_blob64(st, 7, r->ct, r->ctlen, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)r->ctlen);
	sqlite3_bind_blob(st, 9, r->ct_hash, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 10, r->prev, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 11, (sqlite3_int64)r->natt);
	return step_done(s, st, "insert record", e);
}

/* --- attachments --- */

int
fk_store_att_open(fk_store *s, const char *id, int64_t seq, int idx, size_t ctlen,
    fk_store_blob **bp, fk_err *e)
{
	sqlite3_stmt *st = s->q[Q_ATT_INSERT];
	fk_store_blob *b;

	*bp = NULL;
	if ((b = calloc(1, sizeof *b)) == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, seq);
	sqlite3_bind_int(st, 3, idx);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)ctlen);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)ctlen);
	if (step_done(s, st, "insert attachment", e) != 0) {
		free(b);
		return -1;
	}
	b->s = s;
	b->rowid = sqlite3_last_insert_rowid(s->db);
	b->len = ctlen;
	crypto_hash_sha256_init(&b->h);
	if (sqlite3_blob_open(s->db, "main", "attachments", "ct", b->rowid, 1, &b->blob) !=
	    SQLITE_OK) {
		free(b);
		return db_fail(s, e, "open attachment");
	}
	*bp = b;
	return 0;
}

static int
blob_write(void *ctx, const uint8_t *p, size_t n, fk_err *e)
{
	fk_store_blob *b = ctx;

	if (n > b->len - b->off)
		return fk_fail(e, FK_ESTATE, _("attachment ciphertext longer than expected"));
	if (n > 0 && sqlite3_blob_write(b->blob, p, (int)n, (int)b->off) != SQLITE_OK)
		return db_fail(b->s, e, "write attachment");
	crypto_hash_sha256_update(&b->h, p, n);
	b->off += n;
	return 0;
}

fk_sink
fk_store_blob_sink(fk_store_blob *b)
{
	return (fk_sink){blob_write, b};
}

int
fk_store_att_close(fk_store_blob *b, uint8_t ct_hash[FK_SHA256_LEN], fk_err *e)
{
	fk_store *s = b->s;
	sqlite3_stmt *st = s->q[Q_ATT_HASH];
	int rc;

	if (b->off != b->len) {
		fk_store_att_abort(b);
		return fk_fail(e, FK_ESTATE, _("attachment ciphertext shorter than expected"));
	}
	crypto_hash_sha256_final(&b->h, ct_hash);
	rc = sqlite3_blob_close(b->blob);
	b->blob = NULL;
	if (rc != SQLITE_OK) {
		free(b);
		return db_fail(s, e, "close attachment");
	}
	sqlite3_bind_blob(st, 1, ct_hash, 32, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, b->rowid);
	free(b);
	return step_done(s, st, "attachment hash", e);
}

void
fk_store_att_abort(fk_store_blob *b)
{
	if (b == NULL)
		return;
	if (b->blob != NULL)
		sqlite3_blob_close(b->blob);
	free(b);
}

/* --- reading --- */

static int
load_atts(fk_store *s, sqlite3_stmt *st, int64_t seq, fk_store_attachment **out, size_t *n,
    fk_err *e)
{
	fk_store_attachment *a = NULL;
	size_t cnt = 0;
	int rc;

	sqlite3_bind_int64(st, 1, seq);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		fk_store_attachment *q = realloc(a, (cnt + 1) * sizeof *a);
		if (q == NULL) {
			free(a);
			sqlite3_reset(st);
			return fk_fail(e, FK_ENOMEM, _("out of memory"));
		}
		a = q;
		snprintf(a[cnt].id, sizeof a[cnt].id, "%s", (const char *)sqlite3_column_text(st, 0));
		if (sqlite3_column_bytes(st, 1) == 32)
			memcpy(a[cnt].ct_hash, sqlite3_column_blob(st, 1), 32);
		/* Blob pointers stay valid until the next step; copy them. */
		a[cnt].ctlen = (size_t)sqlite3_column_bytes(st, 2);
		a[cnt].ct = malloc(a[cnt].ctlen ? a[cnt].ctlen : 1);
		if (a[cnt].ct == NULL) {
			*out = a;
			*n = cnt;
			sqlite3_reset(st);
			return fk_fail(e, FK_ENOMEM, _("out of memory"));
		}
		memcpy((uint8_t *)a[cnt].ct, sqlite3_column_blob(st, 2), a[cnt].ctlen);
		cnt++;
	}
	sqlite3_reset(st);
	*out = a;
	*n = cnt;
	if (rc != SQLITE_DONE)
		return db_fail(s, e, "read attachments");
	return 0;
}

static void
free_atts(fk_store_attachment *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free((void *)a[i].ct);
	free(a);
}

int
fk_store_each_pending(fk_store *s,
    int (*fn)(void *ctx, const fk_store_record *rec, fk_err *e), void *ctx, fk_err *e)
{
	sqlite3_stmt *st = NULL, *at = NULL;
	fk_store_record r;
	fk_store_attachment *att = NULL;
	size_t natt = 0;
	int rc, ret = -1;

	if (sqlite3_prepare_v2(s->db,
		"SELECT seq, id, form_id, form_version, short_ref, finalized_at, ct_hash, prev, ct "
		"FROM records WHERE state = 0 AND ct IS NOT NULL ORDER BY seq",
		-1, &st, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db,
		"SELECT id, ct_hash, ct FROM attachments WHERE record_seq = ? ORDER BY idx", -1,
		&at, NULL) != SQLITE_OK) {
		db_fail(s, e, "prepare");
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int fr;
		memset(&r, 0, sizeof r);
		r.seq = sqlite3_column_int64(st, 0);
		snprintf(r.id, sizeof r.id, "%s", (const char *)sqlite3_column_text(st, 1));
		snprintf(r.form_id, sizeof r.form_id, "%s", (const char *)sqlite3_column_text(st, 2));
		r.form_version = sqlite3_column_int(st, 3);
		snprintf(r.short_ref, sizeof r.short_ref, "%s",
		    (const char *)sqlite3_column_text(st, 4));
		r.finalized_at = sqlite3_column_int64(st, 5);
		if (sqlite3_column_bytes(st, 6) != 32 || sqlite3_column_bytes(st, 7) != 32) {
			fk_fail(e, FK_ESTATE, _("device store: record %lld is damaged"),
			    (long long)r.seq);
			goto out;
		}
		memcpy(r.ct_hash, sqlite3_column_blob(st, 6), 32);
		memcpy(r.prev, sqlite3_column_blob(st, 7), 32);
		r.ct = sqlite3_column_blob(st, 8);
		r.ctlen = (size_t)sqlite3_column_bytes(st, 8);
		if (load_atts(s, at, r.seq, &att, &natt, e) != 0) {
			free_atts(att, natt);
			goto out;
		}
		r.natt = natt;
		r.att = att;
		fr = fn(ctx, &r, e);
		free_atts(att, natt);
		if (fr < 0)
			goto out;
		if (fr > 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		db_fail(s, e, "read records");
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	sqlite3_finalize(at);
	return ret;
}

int
fk_store_each_info(fk_store *s, int (*fn)(void *ctx, const fk_store_info *r, fk_err *e),
    void *ctx, fk_err *e)
{
	sqlite3_stmt *st;
	fk_store_info r;
	int rc, ret = 0;

	if (sqlite3_prepare_v2(s->db,
		"SELECT seq, form_id, form_version, short_ref, finalized_at, state, "
		"ifnull(delivered_at, 0), natt FROM records ORDER BY seq",
		-1, &st, NULL) != SQLITE_OK)
		return db_fail(s, e, "prepare");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&r, 0, sizeof r);
		r.seq = sqlite3_column_int64(st, 0);
		snprintf(r.form_id, sizeof r.form_id, "%s", (const char *)sqlite3_column_text(st, 1));
		r.form_version = sqlite3_column_int(st, 2);
		snprintf(r.short_ref, sizeof r.short_ref, "%s",
		    (const char *)sqlite3_column_text(st, 3));
		r.finalized_at = sqlite3_column_int64(st, 4);
		r.state = sqlite3_column_int(st, 5);
		r.delivered_at = sqlite3_column_int64(st, 6);
		r.natt = (size_t)sqlite3_column_int64(st, 7);
		if ((ret = fn(ctx, &r, e)) != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(s, e, "read records");
	sqlite3_finalize(st);
	return ret < 0 ? -1 : 0;
}

int
fk_store_counts_get(fk_store *s, fk_store_counts *c, fk_err *e)
{
	memset(c, 0, sizeof *c);
	if (pragma_int(s, "SELECT count(*) FROM records WHERE state = 0", &c->pending, e) != 0 ||
	    pragma_int(s, "SELECT count(*) FROM records WHERE state = 1", &c->delivered, e) != 0 ||
	    pragma_int(s, "SELECT count(*) FROM records WHERE state = 2", &c->purged, e) != 0 ||
	    pragma_int(s, "SELECT count(*) FROM drafts", &c->drafts, e) != 0 ||
	    pragma_int(s, "SELECT count(*) FROM attachments", &c->attachments, e) != 0 ||
	    pragma_int(s, "SELECT ifnull(max(seq), 0) FROM records", &c->last_seq, e) != 0 ||
	    pragma_int(s,
		"SELECT ifnull(sum(ct_len), 0) + ifnull((SELECT sum(a.ct_len) FROM attachments a "
		"JOIN records r ON r.seq = a.record_seq WHERE r.state = 0), 0) "
		"FROM records WHERE state = 0",
		&c->pending_bytes, e) != 0)
		return -1;
	return 0;
}

int
fk_store_verify_chain(fk_store *s, int64_t *n, int64_t *bad, fk_err *e)
{
	sqlite3_stmt *st;
	uint8_t prev[FK_SHA256_LEN] = { 0 }, h[FK_SHA256_LEN];
	int64_t expect = 1;
	int rc;

	*n = 0;
	*bad = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT seq, prev, ct_hash, ct FROM records ORDER BY seq",
		-1, &st, NULL) != SQLITE_OK)
		return db_fail(s, e, "prepare");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t seq = sqlite3_column_int64(st, 0);
		const void *ct = sqlite3_column_blob(st, 3);
		int ok = seq == expect && sqlite3_column_bytes(st, 1) == 32 &&
		    sqlite3_column_bytes(st, 2) == 32 &&
		    memcmp(sqlite3_column_blob(st, 1), prev, 32) == 0;
		if (ok && ct != NULL) {
			crypto_hash_sha256(h, ct, (unsigned long long)sqlite3_column_bytes(st, 3));
			ok = memcmp(h, sqlite3_column_blob(st, 2), 32) == 0;
		}
		if (!ok) {
			*bad = seq;
			break;
		}
		memcpy(prev, sqlite3_column_blob(st, 2), 32);
		expect++;
		(*n)++;
	}
	sqlite3_finalize(st);
	if (*bad == 0 && rc != SQLITE_DONE)
		return db_fail(s, e, "read records");
	return 0;
}

/* --- delivery and retention --- */

static int
purge_sql(fk_store *s, const char *where_att, const char *where_rec, int64_t a, fk_err *e)
{
	sqlite3_stmt *st;
	const char *sql[2] = { where_att, where_rec };
	int i;

	for (i = 0; i < 2; i++) {
		if (sqlite3_prepare_v2(s->db, sql[i], -1, &st, NULL) != SQLITE_OK)
			return db_fail(s, e, "prepare");
		sqlite3_bind_int64(st, 1, a);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_finalize(st);
			return db_fail(s, e, "purge");
		}
		sqlite3_finalize(st);
	}
	return 0;
}

int
fk_store_purge_due(fk_store *s, int64_t now, size_t *purged, fk_err *e)
{
	int64_t due = 0;

	*purged = 0;
	if (pragma_int(s, "SELECT count(*) FROM records WHERE state = 1 AND purge_after IS NOT NULL",
		&due, e) != 0)
		return -1;
	if (due == 0)
		return 0;
	if (exec(s, "BEGIN IMMEDIATE", e) != 0)
		return -1;
	if (purge_sql(s,
		"DELETE FROM attachments WHERE record_seq IN (SELECT seq FROM records "
		"WHERE state = 1 AND purge_after IS NOT NULL AND purge_after <= ?)",
		"UPDATE records SET ct = NULL, state = 2 WHERE state = 1 "
		"AND purge_after IS NOT NULL AND purge_after <= ?",
		now, e) != 0) {
		exec(s, "ROLLBACK", NULL);
		return -1;
	}
	*purged = (size_t)sqlite3_changes(s->db);
	return exec(s, "COMMIT", e);
}

int
fk_store_mark_delivered(fk_store *s, const char (*ids)[FK_UUID_BUF], const uint8_t (*ct_hash)[FK_SHA256_LEN],
    size_t n, size_t *marked, size_t *already, size_t *mismatched, fk_err *e)
{
	sqlite3_stmt *upd = NULL, *del = NULL;
	int64_t now = (int64_t)time(NULL);
	size_t i;

	*marked = *already = *mismatched = 0;
	if (exec(s, "BEGIN IMMEDIATE", e) != 0)
		return -1;
	if (sqlite3_prepare_v2(s->db,
		"UPDATE records SET state = CASE WHEN ?2 = 0 THEN 2 ELSE 1 END, "
		"ct = CASE WHEN ?2 = 0 THEN NULL ELSE ct END, delivered_at = ?3, purge_after = ?4 "
		"WHERE id = ?1 AND ct_hash = ?5 AND state = 0",
		-1, &upd, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db,
		"DELETE FROM attachments WHERE record_seq = (SELECT seq FROM records WHERE id = ?)",
		-1, &del, NULL) != SQLITE_OK) {
		db_fail(s, e, "prepare");
		goto fail;
	}
	for (i = 0; i < n; i++) {
		int64_t purge_after = 0;
		int now_purge = s->retention == FK_RETAIN_NOW ||
		    (s->retention == FK_RETAIN_DAYS && s->days == 0);
		sqlite3_bind_text(upd, 1, ids[i], -1, SQLITE_STATIC);
		sqlite3_bind_int(upd, 2, now_purge ? 0 : 1);
		sqlite3_bind_int64(upd, 3, now);
		if (s->retention == FK_RETAIN_DAYS && !now_purge) {
			purge_after = now + (int64_t)s->days * 86400;
			sqlite3_bind_int64(upd, 4, purge_after);
		} else {
			sqlite3_bind_null(upd, 4);
		}
		sqlite3_bind_blob(upd, 5, ct_hash[i], 32, SQLITE_STATIC);
		if (sqlite3_step(upd) != SQLITE_DONE) {
			db_fail(s, e, "mark delivered");
			goto fail;
		}
		sqlite3_reset(upd);
		if (sqlite3_changes(s->db) == 1) {
			(*marked)++;
			if (now_purge) {
				sqlite3_bind_text(del, 1, ids[i], -1, SQLITE_STATIC);
				if (sqlite3_step(del) != SQLITE_DONE) {
					db_fail(s, e, "purge attachments");
					goto fail;
				}
				sqlite3_reset(del);
			}
		} else {
			int64_t known = 0;
			sqlite3_stmt *q;
			/* Already delivered with the same hash counts as marked. */
			if (sqlite3_prepare_v2(s->db,
				"SELECT count(*) FROM records WHERE id = ? AND ct_hash = ? AND state != 0",
				-1, &q, NULL) == SQLITE_OK) {
				sqlite3_bind_text(q, 1, ids[i], -1, SQLITE_STATIC);
				sqlite3_bind_blob(q, 2, ct_hash[i], 32, SQLITE_STATIC);
				if (sqlite3_step(q) == SQLITE_ROW)
					known = sqlite3_column_int64(q, 0);
				sqlite3_finalize(q);
			}
			if (known) {
				(*marked)++;
				(*already)++;
			} else
				(*mismatched)++;
		}
	}
	sqlite3_finalize(upd);
	sqlite3_finalize(del);
	return exec(s, "COMMIT", e);
fail:
	sqlite3_finalize(upd);
	sqlite3_finalize(del);
	exec(s, "ROLLBACK", NULL);
	return -1;
}

/* --- drafts --- */

int
fk_store_draft_put(fk_store *s, const fk_store_draft *d, fk_err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db,
		"INSERT INTO drafts (id, form_id, form_version, created_at, saved_at, nonce, ct, "
		"answered, total, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO "
		"UPDATE SET saved_at = excluded.saved_at, nonce = excluded.nonce, ct = excluded.ct, "
		"answered = excluded.answered, total = excluded.total, at = excluded.at",
		-1, &st, NULL) != SQLITE_OK)
		return db_fail(s, e, "prepare");
	sqlite3_bind_text(st, 1, d->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, d->form_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, d->form_version);
	sqlite3_bind_int64(st, 4, d->created_at);
	sqlite3_bind_int64(st, 5, d->saved_at);
	sqlite3_bind_blob(st, 6, d->nonce, 24, SQLITE_STATIC);
	sqlite3_bind_blob64(st, 7, d->ct, d->ctlen, SQLITE_STATIC);
	sqlite3_bind_int(st, 8, d->answered);
	sqlite3_bind_int(st, 9, d->total);
	if (d->at[0] != '\0')
		sqlite3_bind_text(st, 10, d->at, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(s, e, "save draft");
	return 0;
}

static void
draft_row(sqlite3_stmt *st, fk_store_draft *d)
{
	memset(d, 0, sizeof *d);
	snprintf(d->id, sizeof d->id, "%s", (const char *)sqlite3_column_text(st, 0));
	snprintf(d->form_id, sizeof d->form_id, "%s", (const char *)sqlite3_column_text(st, 1));
	d->form_version = sqlite3_column_int(st, 2);
	d->created_at = sqlite3_column_int64(st, 3);
	d->saved_at = sqlite3_column_int64(st, 4);
	if (sqlite3_column_bytes(st, 5) == 24)
		memcpy(d->nonce, sqlite3_column_blob(st, 5), 24);
	d->answered = sqlite3_column_int(st, 7);
	d->total = sqlite3_column_int(st, 8);
	if (sqlite3_column_text(st, 9) != NULL)
		snprintf(d->at, sizeof d->at, "%s", (const char *)sqlite3_column_text(st, 9));
}

/* The columns draft_row reads (a version 1 store, read-only, has no progress). */
static const char *
draft_cols(const fk_store *s)
{
	return s->ver >= 2 ?
	    "SELECT id, form_id, form_version, created_at, saved_at, nonce, ct, answered, total, "
	    "at FROM drafts" :
	    "SELECT id, form_id, form_version, created_at, saved_at, nonce, ct, 0, 0, NULL "
	    "FROM drafts";
}

int
fk_store_draft_get(fk_store *s, const char *id, fk_store_draft *d, fk_buf *out, fk_err *e)
{
	sqlite3_stmt *st;
	int rc, ret = -1;

	char sql[256];

	snprintf(sql, sizeof sql, "%s WHERE id = ?", draft_cols(s));
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, e, "prepare");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		draft_row(st, d);
		out->len = 0;
		if (fk_buf_append(out, sqlite3_column_blob(st, 6),
			(size_t)sqlite3_column_bytes(st, 6), e) == 0) {
			d->ct = out->p;
			d->ctlen = out->len;
			ret = 0;
		}
	} else if (rc == SQLITE_DONE) {
		fk_fail(e, FK_EINPUT, _("no draft with id %.40s (see: fieldkit drafts)"), id);
	} else {
		db_fail(s, e, "read draft");
	}
	sqlite3_finalize(st);
	return ret;
}

int
fk_store_draft_delete(fk_store *s, const char *id, fk_err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "DELETE FROM drafts WHERE id = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		return db_fail(s, e, "prepare");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(s, e, "delete draft");
	return 0;
}

int
fk_store_each_draft(fk_store *s,
    int (*fn)(void *ctx, const fk_store_draft *d, fk_err *e), void *ctx, fk_err *e)
{
	sqlite3_stmt *st;
	fk_store_draft d;
	int rc, ret = 0;

	char sql[256];

	snprintf(sql, sizeof sql, "%s ORDER BY saved_at, id", draft_cols(s));
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, e, "prepare");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		draft_row(st, &d);
		d.ct = sqlite3_column_blob(st, 6);
		d.ctlen = (size_t)sqlite3_column_bytes(st, 6);
		if ((ret = fn(ctx, &d, e)) != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(s, e, "read drafts");
	sqlite3_finalize(st);
	return ret < 0 ? -1 : 0;
}

/* --- batch lines already sealed --- */

int
fk_store_seen_get(fk_store *s, const uint8_t hash[FK_SHA256_LEN], int64_t *seq,
    char short_ref[9], fk_err *e)
{
	sqlite3_stmt *st;
	int rc, ret = 0;

	*seq = 0;
	short_ref[0] = '\0';
	if (s->ver < 2)
		return 0;
	if (s->seen_get == NULL && sqlite3_prepare_v3(s->db, "SELECT b.seq, r.short_ref FROM "
	    "batch_seen b LEFT JOIN records r ON r.seq = b.seq WHERE b.hash = ?",
	    -1, SQLITE_PREPARE_PERSISTENT, &s->seen_get, NULL) != SQLITE_OK)
		return db_fail(s, e, "prepare");
	st = s->seen_get;
	sqlite3_bind_blob(st, 1, hash, FK_SHA256_LEN, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*seq = sqlite3_column_int64(st, 0);
		if (sqlite3_column_text(st, 1) != NULL)
			snprintf(short_ref, 9, "%s", (const char *)sqlite3_column_text(st, 1));
		ret = 1;
	} else if (rc != SQLITE_DONE) {
		ret = db_fail(s, e, "read batch lines");
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return ret;
}

int
fk_store_seen_put(fk_store *s, const uint8_t hash[FK_SHA256_LEN], int64_t seq, fk_err *e)
{
	if (s->seen_put == NULL && sqlite3_prepare_v3(s->db, "INSERT INTO batch_seen (hash, seq) "
	    "VALUES (?, ?)", -1, SQLITE_PREPARE_PERSISTENT, &s->seen_put, NULL) != SQLITE_OK)
		return db_fail(s, e, "prepare");
	sqlite3_bind_blob(s->seen_put, 1, hash, FK_SHA256_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(s->seen_put, 2, seq);
	return step_done(s, s->seen_put, "remember a batch line", e);
}
