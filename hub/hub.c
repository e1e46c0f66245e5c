/*
 * hub.c - the hub home and database: creation, devices, gaps, audit log.
 * Import lives in hub_import.c. See hub.h.
 */
#include "hub.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "card.h"
#include "device.h"
#include "hkdf.h"
#include "hub_int.h"
#include "io.h"
#include "pass.h"
#include "receipt.h"
#include "util.h"
#include "text.h"

/*
 * The hub signing key's scrypt cost: 64 MiB, one pass (as identity.age at
 * log N = 16), so signing a receipt takes a fraction of a second on a Pi.
 */
#define HUB_KEY_OPSLIMIT 2097152ULL
#define HUB_KEY_MEMLIMIT 67108864ULL

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS devices(device_id TEXT PRIMARY KEY, name TEXT NOT NULL,"
    " sign_pubkey TEXT NOT NULL, added_at TEXT NOT NULL, revoked_at TEXT);"
    "CREATE TABLE IF NOT EXISTS bundles(bundle_id TEXT PRIMARY KEY, device_id TEXT NOT NULL,"
    " created TEXT, imported_at TEXT NOT NULL, nrec INT, nnew INT, ndup INT, nconf INT);"
    "CREATE TABLE IF NOT EXISTS records(record_id TEXT PRIMARY KEY,"
    " device_id TEXT NOT NULL, seq INT NOT NULL, ct_hash TEXT NOT NULL, prev TEXT NOT NULL,"
    " form_id TEXT NOT NULL, form_version INT NOT NULL, short_ref TEXT,"
    " body TEXT NOT NULL CHECK(json_valid(body)), bundle_id TEXT NOT NULL,"
    " imported_at TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS records_dev ON records(device_id, seq);"
    "CREATE TABLE IF NOT EXISTS conflicts(id INTEGER PRIMARY KEY, record_id TEXT NOT NULL,"
    " device_id TEXT NOT NULL, seq INT NOT NULL, ct_hash TEXT NOT NULL, prev TEXT NOT NULL,"
    " body TEXT NOT NULL, bundle_id TEXT NOT NULL, imported_at TEXT NOT NULL,"
    " UNIQUE(record_id, ct_hash));"
    "CREATE TABLE IF NOT EXISTS attachments(att_id TEXT NOT NULL, record_id TEXT NOT NULL,"
    " ct_hash TEXT NOT NULL, size INT NOT NULL, field TEXT, media_type TEXT, name TEXT,"
    " PRIMARY KEY(att_id, record_id));"
    "CREATE TABLE IF NOT EXISTS audit(id INTEGER PRIMARY KEY, at TEXT NOT NULL,"
    " action TEXT NOT NULL, detail TEXT, nrec INT, who TEXT);";

int
fk_hub_sql_err(sqlite3 *db, fk_err *e)
{
	return fk_vfs_fail(db, 0, e);
}

int
fk_hub_db_err(fk_hubdb *h, fk_err *e)
{
	return fk_vfs_fail(h->db, 0, e);
}

int
fk_hub_exec(sqlite3 *db, const char *sql, fk_err *e)
{
	char *msg = NULL;

	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		fk_vfs_fail(db, rc, e);
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int
write_identity(const char *home, const uint8_t *pass, size_t passlen, int logn,
    char recip[FK_AGE_RECIPIENT_LEN + 1], fk_age_identities *ids, fk_err *e)
{
	uint8_t sk[FK_KEY_LEN], pk[FK_KEY_LEN];
	fk_secret txt = {0};
	fk_age_recipients r = {0};
	fk_buf out = {0};
	char *path = fk_path_join(home, FK_HUB_IDENTITY);
	int rc = -1;
	char when[FK_TIME_BUF];

	fk_age_keygen(sk, pk);
	fk_age_format_recipient(pk, recip);
	if (path == NULL || fk_secret_alloc(&txt, 256, e) != 0)
		goto fail;
	fk_now_rfc3339(when);
	txt.len = (size_t)snprintf((char *)txt.p, 256, "# created: %s\n# public key: %s\n",
	    when, recip);
	fk_age_format_identity(sk, (char *)txt.p + txt.len);
	txt.len += FK_AGE_IDENTITY_LEN;
	txt.p[txt.len++] = '\n';
	r.pass = pass;
	r.passlen = passlen;
	r.logn = logn;
	if (fk_age_encrypt_buf(&r, 0, txt.p, txt.len, &out, e) != 0 ||
	    fk_write_secret_file(path, out.p, out.len, 0, e) != 0 ||
	    fk_age_identities_add(ids, sk, e) != 0)
		goto fail;
	rc = 0;
fail:
	sodium_memzero(sk, sizeof sk);
	fk_secret_free(&txt);
	fk_buf_free(&out);
	free(path);
	return rc;
}

static int
write_sign_key(const char *home, const uint8_t *pass, size_t passlen, fk_minisign_pk *pk,
    fk_err *e)
{
	fk_minisign_sk *sk = NULL;
	fk_secret enc = {0};
	fk_buf pub = {0};
	char *kp = fk_path_join(home, FK_HUB_SIGN_KEY), *pp = fk_path_join(home, FK_HUB_SIGN_PUB);
	int rc = -1;

	if (kp == NULL || pp == NULL || fk_minisign_keygen(&sk, pk, e) != 0 ||
	    fk_minisign_sk_encode_limits(sk, pass, passlen, HUB_KEY_OPSLIMIT,
	    HUB_KEY_MEMLIMIT, &enc, e) != 0 ||
	    fk_write_secret_file(kp, enc.p, enc.len, 0, e) != 0 ||
	    fk_minisign_pk_encode(pk, &pub, e) != 0 ||
	    fk_write_file_atomic(pp, pub.p, pub.len, 0644, e) != 0)
		goto fail;
	rc = 0;
fail:
	fk_minisign_sk_free(sk);
	fk_secret_free(&enc);
	fk_buf_free(&pub);
	free(kp);
	free(pp);
	return rc;
}

/* Whether path exists (lstat: a dangling link counts). */
static int
exists(const char *dir, const char *name)
{
	char *p = fk_path_join(dir, name);
	struct stat st;
	int rc = p != NULL && lstat(p, &st) == 0;

	free(p);
	return rc;
}

int
fk_hub_create(const char *home, const char *name, const uint8_t *pass, size_t passlen,
    int logn, fk_err *e)
{
	char recip[FK_AGE_RECIPIENT_LEN + 1], when[FK_TIME_BUF];
	char *p = NULL;
	fk_minisign_pk pk;
	fk_age_identities ids = {0};
	fk_buf card = {0};
	fk_hubdb *h = NULL;
	int rc = -1;

	if (name[0] == 0 || strlen(name) > FK_NAME_MAX || !fk_text_plain(name, strlen(name)))
		return fk_fail(e, FK_EUSAGE, _("the hub name must be 1 to %d characters on "
		    "one line, without control characters"), FK_NAME_MAX);
	if (fk_mkdirs(home, 0700, e) != 0)
		return -1;
	if (exists(home, FK_HUB_IDENTITY))
		return fk_fail(e, FK_ESTATE, _("%s already holds a hub; choose another --home"),
		    home);
	if (exists(home, FK_HUB_DB))
		return fk_fail(e, FK_ESTATE, _("%s holds a hub database but no hub identity; "
		    "choose another --home"), home);
	if (chmod(home, 0700) != 0)
		return fk_fail(e, FK_EIO, _("cannot make %s private: %s"), home, strerror(errno));
	if (write_identity(home, pass, passlen, logn, recip, &ids, e) != 0 ||
	    write_sign_key(home, pass, passlen, &pk, e) != 0)
		goto fail;
	fk_now_rfc3339(when);
	if ((p = fk_path_join(home, FK_HUB_CARD)) == NULL ||
	    fk_card_hub_encode(name, recip, &pk, when, &card, e) != 0 ||
	    fk_write_file_atomic(p, card.p, card.len, 0644, e) != 0)
		goto fail;
	if (fk_hub_open(&h, home, e) != 0 || fk_hub_unlock_ids(h, &ids, e) != 0)
		goto fail;
	rc = fk_hub_meta_set(h, "name", name, e);
	if (rc == 0)
		rc = fk_hub_meta_set(h, "created", when, e);
fail:
	fk_hub_close(h);
	fk_age_identities_free(&ids);
	fk_buf_free(&card);
	free(p);
	if (rc != 0)
		fk_prefix(e, _("hub init"));
	return rc;
}

int
fk_hub_meta_set(fk_hubdb *h, const char *k, const char *v, fk_err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (fk_hub_need_db(h, e) != 0)
		return -1;
	if (sqlite3_prepare_v2(h->db, "INSERT OR REPLACE INTO meta(k, v) VALUES(?, ?)", -1,
	    &st, NULL) != SQLITE_OK)
		return fk_hub_sql_err(h->db, e);
	sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, v, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fk_hub_sql_err(h->db, e);
	sqlite3_finalize(st);
	if (rc == 0 && strcmp(k, "name") == 0)
		snprintf(h->name, sizeof h->name, "%s", v);
	return rc;
}

static void
meta_load(fk_hubdb *h)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(h->db, "SELECT v FROM meta WHERE k = 'name'", -1, &st,
	    NULL) != SQLITE_OK)
		return;
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(h->name, sizeof h->name, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

/* Hubs made by earlier builds: the audit log gained a "who" column. */
static int
migrate(sqlite3 *db, fk_err *e)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, "SELECT who FROM audit LIMIT 0", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_finalize(st);
		return 0;
	}
	return fk_hub_exec(db, "ALTER TABLE audit ADD COLUMN who TEXT", e);
}

/*
 * The home and what is in it are the hub's alone: the folder 0700, and the
 * database files (older hubs made them 0644) 0600. The card and sign.pub are
 * public; the folder keeps them to the hub's user all the same.
 */
static int
tighten(const char *home, fk_err *e)
{
	/* The keys are not in this list: a key others could read is refused
	 * where it is read (fk_read_secret_file), never quietly made private, so
	 * that the operator learns it may have been copied. */
	static const char *const priv[] = {FK_HUB_DB, FK_HUB_DB "-wal", FK_HUB_DB "-shm",
		FK_HUB_DB "-journal"};
	struct stat st;
	size_t i;

	if (stat(home, &st) != 0)
		return fk_fail(e, FK_EIO, _("cannot open %s: %s"), home, strerror(errno));
	if ((st.st_mode & 077) != 0 && st.st_uid == geteuid() && chmod(home, 0700) != 0)
		return fk_fail(e, FK_EIO, _("cannot make %s private: %s"), home, strerror(errno));
	for (i = 0; i < sizeof priv / sizeof priv[0]; i++) {
		char *p = fk_path_join(home, priv[i]);
		if (p == NULL)
			return fk_fail(e, FK_ENOMEM, _("out of memory"));
		if (lstat(p, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077) != 0 &&
		    chmod(p, 0600) != 0) {
			fk_fail(e, FK_EIO, _("cannot make %s private: %s"), p, strerror(errno));
			free(p);
			return -1;
		}
		free(p);
	}
	return 0;
}

/* The name on the hub's (public) card, so that a locked hub has its name too;
 * the database's own meta row takes over when it is unlocked. */
static void
card_name(fk_hubdb *h)
{
	char *p = fk_path_join(h->home, FK_HUB_CARD);
	fk_hubcard c;
	fk_buf b = {0};
	fk_err e;

	if (p != NULL && fk_read_file(p, 1 << 16, &b, &e) == 0 &&
	    fk_hubcard_parse(b.p, b.len, &c, &e) == 0)
		snprintf(h->name, sizeof h->name, "%s", c.hub.name);
	fk_buf_free(&b);
	free(p);
}

int
fk_hub_open(fk_hubdb **out, const char *home, fk_err *e)
{
	fk_hubdb *h = calloc(1, sizeof *h);

	*out = NULL;
	if (h == NULL || (h->home = strdup(home)) == NULL) {
		free(h);
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	}
	if (!exists(home, FK_HUB_IDENTITY)) {
		fk_fail(e, FK_ESTATE, _("no hub in %s; run `fieldkit hub init --home %s` first"),
		    home, home);
		fk_hub_close(h);
		return -1;
	}
	if (tighten(home, e) != 0) {
		fk_hub_close(h);
		return -1;
	}
	card_name(h);
	*out = h;
	return 0;
}

int
fk_hub_need_db(const fk_hubdb *h, fk_err *e)
{
	if (h->db != NULL)
		return 0;
	return fk_fail(e, FK_ESTATE, _("the hub is locked: unlock it with its passphrase "
	    "first"));
}

/* 1 when hub.db is a plain SQLite file (a hub made before encryption), 0 when
 * not (or absent), -1 on error. */
int
fk_hub_db_plain(const char *home, fk_err *e)
{
	char *p = fk_path_join(home, FK_HUB_DB);
	uint8_t head[16];
	ssize_t n = 0;
	int fd;

	if (p == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT) {
		fk_fail(e, FK_EIO, _("cannot open %s: %s"), p, strerror(errno));
		free(p);
		return -1;
	}
	free(p);
	if (fd >= 0) {
		n = read(fd, head, sizeof head);
		close(fd);
	}
	return n == (ssize_t)sizeof head && fk_vfs_is_plain(head, sizeof head);
}

static int
refuse_plain(const fk_hubdb *h, fk_err *e)
{
	return fk_fail(e, FK_ESTATE, _("the database of the hub in %s is not encrypted (made "
	    "by an earlier fieldkit); encrypt it with `fieldkit hub migrate --home %s`"),
	    h->home, h->home);
}

/*
 * The database key: HKDF-SHA-256 of the hub's age identity (its first X25519
 * secret key), so the passphrase that opens identity.age opens the database,
 * and a passphrase change (re-encrypting identity.age) leaves it as it is.
 */
static void
db_key(const fk_age_identities *ids, uint8_t key[FK_KEY_LEN])
{
	static const uint8_t salt[] = "fieldkit hub database";

	fk_hkdf_sha256(key, FK_KEY_LEN, ids->sk, FK_KEY_LEN, salt, sizeof salt - 1,
	    "hub.db pages v1");
}

int
fk_hub_new_vfs(const fk_age_identities *ids, fk_vfs **v, fk_err *e)
{
	uint8_t *key;
	int rc;

	if (ids->n == 0)
		return fk_fail(e, FK_EKEY, _("the hub identity holds no key"));
	if ((key = sodium_malloc(FK_KEY_LEN)) == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	db_key(ids, key);
	rc = fk_vfs_new(v, key, e);
	sodium_free(key);
	return rc;
}

/* Opens hub.db through the page encryption with the key of ids. */
static int
open_db(fk_hubdb *h, const fk_age_identities *ids, fk_err *e)
{
	char *p = NULL;
	void *db = NULL;
	int rc = -1;

	switch (fk_hub_db_plain(h->home, e)) {
	case 1:
		return refuse_plain(h, e);
	case -1:
		return -1;
	}
	if ((p = fk_path_join(h->home, FK_HUB_DB)) == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	if (fk_hub_new_vfs(ids, &h->vfs, e) != 0 ||
	    fk_vfs_open(h->vfs, p, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &db, e) != 0)
		goto fail;
	h->db = db;
	sqlite3_busy_timeout(h->db, 10000);
	if (fk_hub_exec(h->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", e) != 0 ||
	    fk_hub_exec(h->db, schema_sql, e) != 0 || migrate(h->db, e) != 0)
		goto fail;
	meta_load(h);
	rc = 0;
fail:
	if (rc != 0 && e->code != FK_EKEY)
		fk_prefix(e, "%s", p);
	if (rc != 0) {
		sqlite3_close(h->db);
		h->db = NULL;
		fk_vfs_free(h->vfs);
		h->vfs = NULL;
	}
	free(p);
	return rc;
}

void
fk_hub_close(fk_hubdb *h)
{
	if (h == NULL)
		return;
	if (h->db != NULL)
		sqlite3_close(h->db);
	fk_vfs_free(h->vfs);
	fk_age_identities_free(&h->own_ids);
	fk_secret_free(&h->pass);
	free(h->home);
	free(h);
}

const char *
fk_hub_name(const fk_hubdb *h)
{
	return h->name;
}

const char *
fk_hub_home(const fk_hubdb *h)
{
	return h->home;
}

void *
fk_hub_sqlite(fk_hubdb *h)
{
	return h->db;
}

/* Asks the hub passphrase once (or reads it from passfile, as fk_pass_get). */
static int
get_pass(fk_hubdb *h, const char *passfile, fk_err *e)
{
	char prompt[4400];

	if (h->pass.p != NULL)
		return 0;
	snprintf(prompt, sizeof prompt, _("Passphrase of the hub in %s: "), h->home);
	return fk_pass_get(prompt, 0, passfile, &h->pass, e);
}

int
fk_hub_load_identity(fk_hubdb *h, const char *passfile, fk_err *e)
{
	char *p;
	int rc;

	if (h->own_ids.n > 0)
		return 0;
	if (get_pass(h, passfile, e) != 0)
		return -1;
	if ((p = fk_path_join(h->home, FK_HUB_IDENTITY)) == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	fk_status(_("Deriving a key from the passphrase"), 0);
	fk_age_identities_free(&h->own_ids);
	rc = fk_age_identities_load_pass(&h->own_ids, p, h->pass.p, h->pass.len, e);
	fk_status(_("Deriving a key from the passphrase"), rc == 0 ? 1 : -1);
	free(p);
	if (rc != 0)
		fk_secret_free(&h->pass);
	return rc;
}

int
fk_hub_unlock(fk_hubdb *h, const char *passfile, fk_err *e)
{
	if (h->db != NULL)
		return 0;
	/* An unencrypted database is refused before the passphrase is asked. */
	switch (fk_hub_db_plain(h->home, e)) {
	case 1:
		return refuse_plain(h, e);
	case -1:
		return -1;
	}
	if (fk_hub_load_identity(h, passfile, e) != 0 || open_db(h, &h->own_ids, e) != 0)
		return -1;
	h->ids = &h->own_ids;
	return 0;
}

int
fk_hub_unlock_ids(fk_hubdb *h, const fk_age_identities *ids, fk_err *e)
{
	if (h->db != NULL)
		return fk_fail(e, FK_ESTATE, _("the hub is already unlocked"));
	if (open_db(h, ids, e) != 0)
		return -1;
	h->ids = ids;
	return 0;
}

int
fk_hub_open_unlocked(fk_hubdb **h, const char *home, const char *passfile, fk_err *e)
{
	if (fk_hub_open(h, home, e) != 0)
		return -1;
	if (fk_hub_unlock(*h, passfile, e) != 0) {
		fk_hub_close(*h);
		*h = NULL;
		return -1;
	}
	return 0;
}

int
fk_hub_sign_key(fk_hubdb *h, const char *passfile, fk_minisign_sk **sk, fk_err *e)
{
	fk_secret raw;
	char *p;
	int enc, rc = -1;

	*sk = NULL;
	if ((p = fk_path_join(h->home, FK_HUB_SIGN_KEY)) == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	if (fk_read_secret_file(p, FK_MINISIGN_FILE_MAX, &raw, e) != 0)
		goto out;
	enc = fk_minisign_sk_encrypted(raw.p, raw.len);
	if (enc == 1 && get_pass(h, passfile, e) != 0) {
		fk_secret_free(&raw);
		goto out;
	}
	if (enc == 1)
		fk_status(_("Deriving a key from the passphrase"), 0);
	rc = fk_minisign_sk_decode(raw.p, raw.len, enc == 1 ? h->pass.p : NULL,
	    enc == 1 ? h->pass.len : 0, sk, e);
	if (enc == 1)
		fk_status(_("Deriving a key from the passphrase"), rc == 0 ? 1 : -1);
	fk_secret_free(&raw);
	if (rc != 0)
		fk_prefix(e, "%s", p);
out:
	free(p);
	return rc;
}

void
fk_hub_set_progress(fk_hubdb *h, fk_hub_progress_fn fn, void *ctx)
{
	h->progress = fn;
	h->pctx = ctx;
}

void
fk_hub_set_validator(fk_hubdb *h, fk_hub_validator fn, void *ctx)
{
	h->validate = fn;
	h->vctx = ctx;
}

/* ---- devices ---- */

int
fk_hub_device_add(fk_hubdb *h, const char *id, const char *name, const fk_minisign_pk *pk,
    fk_err *e)
{
	sqlite3_stmt *st = NULL;
	char b64[64], when[FK_TIME_BUF];
	uint8_t raw[42];
	int rc = -1, k;

	if (fk_hub_need_db(h, e) != 0)
		return -1;
	if (!fk_device_id_valid(id))
		return fk_fail(e, FK_EINPUT, _("malformed device id"));
	/* Shown in lists and messages: a tab or newline would forge a row of `hub
	 * devices list`, ESC rewrite the screen. */
	if (strlen(name) > FK_NAME_MAX || !fk_text_plain(name, strlen(name)))
		return fk_fail(e, FK_EINPUT, _("the device's name is too long or holds control "
		    "characters; refused (set a plain name on the device and write its card "
		    "again)"));
	memcpy(raw, "Ed", 2);
	memcpy(raw + 2, pk->keynum, 8);
	memcpy(raw + 10, pk->pk, 32);
	sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
	fk_now_rfc3339(when);
	if (sqlite3_prepare_v2(h->db, "SELECT sign_pubkey, revoked_at FROM devices "
	    "WHERE device_id = ?", -1, &st, NULL) != SQLITE_OK)
		return fk_hub_sql_err(h->db, e);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	k = sqlite3_step(st);
	if (k == SQLITE_ROW) {
		if (sqlite3_column_type(st, 1) != SQLITE_NULL)
			fk_fail(e, FK_ESTATE, _("device %s was revoked; a revoked device "
			    "cannot be added again"), id);
		else if (strcmp((const char *)sqlite3_column_text(st, 0), b64) != 0)
			fk_fail(e, FK_ESTATE, _("device %s is already registered with another "
			    "key: this card does not come from that device (altered or forged?); "
			    "compare its key id with the device's own"), id);
		else
			rc = 0; /* the same card again */
		sqlite3_finalize(st);
		return rc;
	}
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(h->db, "INSERT INTO devices(device_id, name, sign_pubkey, "
	    "added_at) VALUES(?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		return fk_hub_sql_err(h->db, e);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, b64, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, when, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fk_hub_sql_err(h->db, e);
	sqlite3_finalize(st);
	if (rc == 0)
		rc = fk_hub_audit(h, "device-add", id, 0, e);
	return rc;
}

int
fk_hub_device_revoke(fk_hubdb *h, const char *id, fk_err *e)
{
	sqlite3_stmt *st;
	char when[FK_TIME_BUF];
	int rc;

	if (fk_hub_need_db(h, e) != 0)
		return -1;
	fk_now_rfc3339(when);
	if (sqlite3_prepare_v2(h->db, "UPDATE devices SET revoked_at = ? WHERE device_id = ? "
	    "AND revoked_at IS NULL", -1, &st, NULL) != SQLITE_OK)
		return fk_hub_sql_err(h->db, e);
	sqlite3_bind_text(st, 1, when, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fk_hub_sql_err(h->db, e);
	sqlite3_finalize(st);
	if (rc == 0 && sqlite3_changes(h->db) == 0)
		return fk_fail(e, FK_EINPUT, _("no registered, unrevoked device %s; see "
		    "`fieldkit hub devices list`"), id);
	return rc == 0 ? fk_hub_audit(h, "device-revoke", id, 0, e) : rc;
}

int
fk_hub_device_unrevoke(fk_hubdb *h, const char *id, const char *reason, fk_err *e)
{
	sqlite3_stmt *st;
	char *detail;
	int rc;

	if (fk_hub_need_db(h, e) != 0)
		return -1;
	if (reason == NULL || reason[0] == 0 || strlen(reason) > 1000 ||
	    !fk_text_plain(reason, strlen(reason)))
		return fk_fail(e, FK_EUSAGE, _("say why, on one line: --reason TEXT"));
	if (fk_hub_exec(h->db, "BEGIN IMMEDIATE", e) != 0)
		return -1;
	if (sqlite3_prepare_v2(h->db, "UPDATE devices SET revoked_at = NULL WHERE device_id = ? "
	    "AND revoked_at IS NOT NULL", -1, &st, NULL) != SQLITE_OK) {
		rc = fk_hub_sql_err(h->db, e);
		goto out;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fk_hub_sql_err(h->db, e);
	sqlite3_finalize(st);
	if (rc == 0 && sqlite3_changes(h->db) == 0)
		rc = fk_fail(e, FK_EINPUT, _("no revoked device %s; see `fieldkit hub devices list`"),
		    id);
	if (rc == 0 && (detail = malloc(strlen(id) + strlen(reason) + 4)) == NULL)
		rc = fk_fail(e, FK_ENOMEM, _("out of memory"));
	if (rc == 0) {
		sprintf(detail, "%s: %s", id, reason);
		rc = fk_hub_audit(h, "device-unrevoke", detail, 0, e);
		free(detail);
	}
out:
	if (rc == 0)
		return fk_hub_exec(h->db, "COMMIT", e);
	sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int
fk_hub_device_find(fk_hubdb *h, const char *id_or_name, char id[FK_ID_MAX + 1], fk_err *e)
{
	sqlite3_stmt *st;
	int k, n = 0;
	char first[FK_ID_MAX + 1] = "", second[FK_ID_MAX + 1] = "";

	if (fk_hub_need_db(h, e) != 0)
		return -1;
	/* An id first; a name only when no device has that id. */
	if (sqlite3_prepare_v2(h->db, "SELECT device_id FROM devices WHERE device_id = ?1 UNION "
	    "ALL SELECT device_id FROM devices WHERE name = ?1 AND NOT EXISTS (SELECT 1 FROM "
	    "devices WHERE device_id = ?1) ORDER BY 1", -1, &st, NULL) != SQLITE_OK)
		return fk_hub_sql_err(h->db, e);
	sqlite3_bind_text(st, 1, id_or_name, -1, SQLITE_STATIC);
	while ((k = sqlite3_step(st)) == SQLITE_ROW) {
		snprintf(n == 0 ? first : second, FK_ID_MAX + 1, "%s",
		    (const char *)sqlite3_column_text(st, 0));
		if (++n > 1)
			break;
	}
	sqlite3_finalize(st);
	if (n == 0)
		return fk_fail(e, FK_EINPUT, _("no device with the id or name \"%s\"; see `fieldkit "
		    "hub devices list`"), id_or_name);
	if (n > 1)
		return fk_fail(e, FK_EINPUT, _("more than one device is named \"%s\" (%s, %s, ...); "
		    "give the id"), id_or_name, first, second);
	memcpy(id, first, FK_ID_MAX + 1);
	return 0;
}

int
fk_hub_each_device(fk_hubdb *h, int (*fn)(void *ctx, const fk_hub_device_row *d),
    void *ctx, fk_err *e)
{
	sqlite3_stmt *st;
	int k, rc = 0;

	if (fk_hub_need_db(h, e) != 0)
		return -1;
	if (sqlite3_prepare_v2(h->db, "SELECT d.device_id, d.name, d.added_at, d.revoked_at,"
	    " (SELECT count(*) FROM records r WHERE r.device_id = d.device_id),"
	    " d.sign_pubkey FROM devices d ORDER BY d.added_at, d.device_id", -1, &st, NULL) !=
	    SQLITE_OK)
		return fk_hub_sql_err(h->db, e);
	while (rc == 0 && (k = sqlite3_step(st)) == SQLITE_ROW) {
		fk_hub_device_row d;
		d.id = (const char *)sqlite3_column_text(st, 0);
		d.name = (const char *)sqlite3_column_text(st, 1);
		d.added = (const char *)sqlite3_column_text(st, 2);
		d.revoked = (const char *)sqlite3_column_text(st, 3);
		d.nrec = sqlite3_column_int64(st, 4);
		d.sign_pubkey = (const char *)sqlite3_column_text(st, 5);
		if (fn(ctx, &d) != 0)
			rc = fk_fail(e, FK_EIO, _("cannot write the device list"));
	}
	if (rc == 0 && k != SQLITE_DONE)
		rc = fk_hub_sql_err(h->db, e);
	sqlite3_finalize(st);
	return rc;
}

int
fk_hub_device_key(void *ctx, const char *device_id, fk_minisign_pk *pk, fk_err *e)
{
	fk_hubdb *h = ctx;
	sqlite3_stmt *st;
	int k, rc = -1;

	if (fk_hub_need_db(h, e) != 0)
		return -1;
	if (sqlite3_prepare_v2(h->db, "SELECT sign_pubkey, revoked_at FROM devices WHERE "
	    "device_id = ?", -1, &st, NULL) != SQLITE_OK)
		return fk_hub_sql_err(h->db, e);
	sqlite3_bind_text(st, 1, device_id, -1, SQLITE_STATIC);
	k = sqlite3_step(st);
	if (k != SQLITE_ROW)
		fk_fail(e, FK_ESIG, _("bundle from unknown device %s; register its card with "
		    "`fieldkit hub devices add`"), device_id);
	else if (sqlite3_column_type(st, 1) != SQLITE_NULL)
		fk_fail(e, FK_ESIG, _("bundle from revoked device %s (revoked %s)"), device_id,
		    sqlite3_column_text(st, 1));
	else {
		const char *b = (const char *)sqlite3_column_text(st, 0);
		rc = fk_minisign_pk_parse((const uint8_t *)b, strlen(b), pk, e);
	}
	sqlite3_finalize(st);
	return rc;
}

/* ---- audit, gaps, receipts ---- */

int
fk_hub_audit(fk_hubdb *h, const char *action, const char *detail, long nrec, fk_err *e)
{
	sqlite3_stmt *st;
	struct passwd *pw;
	char when[FK_TIME_BUF], who[128];
	int rc;

	if (fk_hub_need_db(h, e) != 0)
		return -1;
	fk_now_rfc3339(when);
	if (sqlite3_prepare_v2(h->db, "INSERT INTO audit(at, action, detail, nrec, who) "
	    "VALUES(?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		return fk_hub_sql_err(h->db, e);
	pw = getpwuid(geteuid());
	snprintf(who, sizeof who, "%s (uid %u)", pw ? pw->pw_name : "?", (unsigned)geteuid());
	sqlite3_bind_text(st, 5, who, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 1, when, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, detail, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, nrec);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fk_hub_sql_err(h->db, e);
	sqlite3_finalize(st);
	return rc;
}

int
fk_hub_gaps(fk_hubdb *h, void (*fn)(void *ctx, const fk_hub_gap *g), void *ctx,
    size_t *nproblems, fk_err *e)
{
	sqlite3_stmt *st;
	char dev[FK_ID_MAX + 1] = "", last[FK_SHA256_HEX + 1] = "";
	int64_t lastseq = 0;
	fk_hub_gap g;

	if (fk_hub_need_db(h, e) != 0)
		return -1;
	*nproblems = 0;
	if (sqlite3_prepare_v2(h->db, "SELECT device_id, seq, ct_hash, prev FROM records "
	    "ORDER BY device_id, seq", -1, &st, NULL) != SQLITE_OK)
		return fk_hub_sql_err(h->db, e);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(st, 0);
		int64_t seq = sqlite3_column_int64(st, 1);
		const char *ct = (const char *)sqlite3_column_text(st, 2);
		const char *prev = (const char *)sqlite3_column_text(st, 3);
		if (strcmp(d, dev) != 0) {
			snprintf(dev, sizeof dev, "%s", d);
			lastseq = 0;
			last[0] = 0;
		}
		g.device_id = d;
		if (seq > lastseq + 1) {
			(*nproblems)++;
			g.kind = FK_GAP_MISSING;
			g.from = lastseq + 1;
			g.to = seq - 1;
			fn(ctx, &g);
		} else if (seq == lastseq + 1 && last[0] != 0 && strcmp(prev, last) != 0) {
			(*nproblems)++;
			g.kind = FK_GAP_CHAIN;
			g.from = g.to = seq;
			fn(ctx, &g);
		}
		lastseq = seq;
		snprintf(last, sizeof last, "%s", ct);
	}
	sqlite3_finalize(st);
	/* Forks: a second record (another id) at a sequence number held. */
	if (sqlite3_prepare_v2(h->db, "SELECT DISTINCT c.device_id, c.seq FROM conflicts c WHERE "
	    "NOT EXISTS (SELECT 1 FROM records r WHERE r.record_id = c.record_id) ORDER BY 1, 2",
	    -1, &st, NULL) != SQLITE_OK)
		return fk_hub_sql_err(h->db, e);
	while (sqlite3_step(st) == SQLITE_ROW) {
		(*nproblems)++;
		g.device_id = (const char *)sqlite3_column_text(st, 0);
		g.kind = FK_GAP_FORK;
		g.from = g.to = sqlite3_column_int64(st, 1);
		fn(ctx, &g);
	}
	sqlite3_finalize(st);
	return 0;
}

int
fk_hub_each_held(fk_hubdb *h, const char *device_id,
    int (*fn)(void *ctx, const char *id, const char *ct_hex), void *ctx, fk_err *e)
{
	sqlite3_stmt *st;
	int k, rc = 0;

	if (fk_hub_need_db(h, e) != 0)
		return -1;
	if (sqlite3_prepare_v2(h->db, "SELECT record_id, ct_hash FROM records WHERE "
	    "device_id = ?1 UNION SELECT record_id, ct_hash FROM conflicts WHERE "
	    "device_id = ?1 ORDER BY 1", -1, &st, NULL) != SQLITE_OK)
		return fk_hub_sql_err(h->db, e);
	sqlite3_bind_text(st, 1, device_id, -1, SQLITE_STATIC);
	while ((k = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(ctx, (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1)) != 0) {
			rc = fk_fail(e, FK_ENOMEM, _("out of memory"));
			break;
		}
	if (rc == 0 && k != SQLITE_DONE)
		rc = fk_hub_sql_err(h->db, e);
	sqlite3_finalize(st);
	return rc;
}

static int
add_held(void *ctx, const char *id, const char *ct_hex)
{
	return json_array_append_new(ctx, json_pack("[s, s]", id, ct_hex));
}

int
fk_hub_receipt_make(fk_hubdb *h, const char *device_id, const fk_minisign_sk *sk,
    fk_buf *out, size_t *n, fk_err *e)
{
	json_t *recs;
	char detail[200];
	int rc = -1;

	if (fk_hub_need_db(h, e) != 0)
		return -1;
	recs = json_array();
	if (recs == NULL) {
		fk_fail(e, FK_ENOMEM, _("out of memory"));
		goto fail;
	}
	if (fk_hub_each_held(h, device_id, add_held, recs, e) != 0)
		goto fail;
	*n = json_array_size(recs);
	if (fk_receipt_encode(h->name, device_id, recs, sk, out, e) != 0)
		goto fail;
	snprintf(detail, sizeof detail, "receipt for %s", device_id);
	rc = fk_hub_audit(h, "receipt", detail, (long)*n, e);
fail:
	json_decref(recs);
	return rc;
}
