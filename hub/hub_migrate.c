/*
 * hub_migrate.c - `hub migrate`: encrypts the database of a hub made before
 * hub.db was encrypted. See fk_hub_migrate in hub.h.
 *
 * The plain database is held exclusively (no import can run meanwhile),
 * checkpointed and checked, then copied with VACUUM INTO into hub.db.sealing
 * through the page encryption (the copy gets the reserved bytes the sealed
 * pages need); the copy is opened with the key, checked, and its tables
 * counted against the original's; only then is it synced and renamed over
 * hub.db. A crash before the rename leaves the plain hub as it was and a
 * hub.db.sealing that the next migrate replaces.
 *
 * Must never: lose a row, leave a hub that does not open, or write a
 * temporary file of the plain database's contents.
 */
#include "hub_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"

#define SEALING FK_HUB_DB ".sealing"

/* "file:PATH?vfs=NAME", PATH percent-encoded, for VACUUM INTO; malloc'd. */
static char *
vfs_uri(const char *path, const char *vfs)
{
	size_t n = strlen(path), i, o = 0;
	char *u = malloc(3 * n + strlen(vfs) + 16);

	if (u == NULL)
		return NULL;
	o += (size_t)sprintf(u, "file:");
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)path[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("/._-~", c) != NULL)
			u[o++] = (char)c;
		else
			o += (size_t)sprintf(u + o, "%%%02X", c);
	}
	sprintf(u + o, "?vfs=%s", vfs);
	return u;
}

/* Every table's row count, one "name n;" after another, into out (malloc'd). */
static int
census(sqlite3 *db, char **out, fk_err *e)
{
	sqlite3_stmt *st = NULL, *c = NULL;
	fk_buf b = {0};
	char sql[300], line[300];
	int k, rc = -1;

	*out = NULL;
	if (sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table' "
	    "ORDER BY name", -1, &st, NULL) != SQLITE_OK)
		return fk_hub_sql_err(db, e);
	while ((k = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		if (strlen(name) > 200 || strchr(name, '"') != NULL) {
			fk_fail(e, FK_EINPUT, _("the hub database has a table named oddly: %.40s"),
			    name);
			goto out;
		}
		snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", name);
		if (sqlite3_prepare_v2(db, sql, -1, &c, NULL) != SQLITE_OK ||
		    sqlite3_step(c) != SQLITE_ROW) {
			fk_hub_sql_err(db, e);
			goto out;
		}
		snprintf(line, sizeof line, "%s %lld;", name, (long long)sqlite3_column_int64(c, 0));
		sqlite3_finalize(c);
		c = NULL;
		if (fk_buf_append(&b, line, strlen(line) + 1, e) != 0)
			goto out;
		b.len--; /* keep the NUL out of the length */
	}
	if (k != SQLITE_DONE) {
		fk_hub_sql_err(db, e);
		goto out;
	}
	if (fk_buf_append(&b, "", 1, e) != 0)
		goto out;
	*out = (char *)b.p;
	b.p = NULL;
	rc = 0;
out:
	sqlite3_finalize(c);
	sqlite3_finalize(st);
	fk_buf_free(&b);
	return rc;
}

static int
check_ok(sqlite3 *db, const char *what, fk_err *e)
{
	sqlite3_stmt *st;
	int ok;

	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
		return fk_hub_sql_err(db, e);
	ok = sqlite3_step(st) == SQLITE_ROW &&
	    strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
	sqlite3_finalize(st);
	if (!ok)
		return fk_fail(e, FK_EIO, _("%s fails SQLite's integrity check; nothing changed "
		    "(restore it from a backup first)"), what);
	return 0;
}

static int
fsync_path(const char *path, fk_err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return fk_fail(e, FK_EIO, _("cannot open %s: %s"), path, strerror(errno));
	rc = fsync(fd);
	close(fd);
	if (rc != 0)
		return fk_fail(e, FK_EIO, _("cannot sync %s: %s"), path, strerror(errno));
	return 0;
}

int
fk_hub_migrate(fk_hubdb *h, const char *passfile, int *done, fk_err *e)
{
	char *plain_path = fk_path_join(h->home, FK_HUB_DB);
	char *seal_path = fk_path_join(h->home, SEALING);
	char *uri = NULL, *before = NULL, *after = NULL, walp[4200];
	sqlite3 *plain = NULL, *sealed = NULL;
	fk_vfs *vfs = NULL;
	void *dbp;
	int reserve = FK_VFS_RESERVE, rc = -1, k;

	*done = 0;
	if (plain_path == NULL || seal_path == NULL) {
		fk_fail(e, FK_ENOMEM, _("out of memory"));
		goto out;
	}
	if (h->db != NULL) {
		fk_fail(e, FK_ESTATE, _("the hub is already open with an encrypted database"));
		goto out;
	}
	if ((k = fk_hub_db_plain(h->home, e)) != 1) {
		rc = k == 0 ? 0 : -1; /* already encrypted (or no database yet): nothing to do */
		goto out;
	}
	if (fk_hub_load_identity(h, passfile, e) != 0 ||
	    fk_hub_new_vfs(&h->own_ids, &vfs, e) != 0)
		goto out;
	/* The plain database, held so that nothing else opens it meanwhile. */
	if (sqlite3_open_v2(plain_path, &plain, SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI, NULL) !=
	    SQLITE_OK) {
		fk_fail(e, FK_EIO, _("cannot open %s: %s"), plain_path, sqlite3_errmsg(plain));
		goto out;
	}
	sqlite3_busy_timeout(plain, 2000);
	if (fk_hub_exec(plain, "PRAGMA temp_store=MEMORY; PRAGMA locking_mode=EXCLUSIVE;", e) != 0)
		goto out;
	if (sqlite3_exec(plain, "BEGIN IMMEDIATE; COMMIT; PRAGMA wal_checkpoint(TRUNCATE);", NULL,
	    NULL, NULL) != SQLITE_OK) {
		fk_fail(e, FK_ESTATE, _("the hub is in use (%s); stop every other fieldkit command "
		    "on it and try again"), sqlite3_errmsg(plain));
		goto out;
	}
	if (check_ok(plain, plain_path, e) != 0 || census(plain, &before, e) != 0)
		goto out;
	/* The copy: whole pages of 4096 bytes with the reserve for nonce and tag. */
	if (unlink(seal_path) != 0 && errno != ENOENT) {
		fk_fail(e, FK_EIO, _("cannot remove %s: %s"), seal_path, strerror(errno));
		goto out;
	}
	if (fk_hub_exec(plain, "PRAGMA page_size=4096", e) != 0)
		goto out;
	sqlite3_file_control(plain, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve);
	if ((uri = vfs_uri(seal_path, fk_vfs_name(vfs))) == NULL) {
		fk_fail(e, FK_ENOMEM, _("out of memory"));
		goto out;
	}
	{
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(plain, "VACUUM INTO ?", -1, &st, NULL) != SQLITE_OK) {
			fk_hub_sql_err(plain, e);
			goto out;
		}
		sqlite3_bind_text(st, 1, uri, -1, SQLITE_STATIC);
		k = sqlite3_step(st);
		sqlite3_finalize(st);
		if (k != SQLITE_DONE) {
			fk_fail(e, FK_EIO, _("cannot write %s: %s"), seal_path, sqlite3_errmsg(plain));
			goto out;
		}
	}
	/* The copy opens with the key and holds every row. */
	if (fk_vfs_open(vfs, seal_path, SQLITE_OPEN_READWRITE, &dbp, e) != 0)
		goto out;
	sealed = dbp;
	if (check_ok(sealed, seal_path, e) != 0 || census(sealed, &after, e) != 0)
		goto out;
	if (strcmp(before, after) != 0) {
		fk_fail(e, FK_EIO, _("the encrypted copy does not hold the same rows; nothing "
		    "changed"));
		goto out;
	}
	sqlite3_close(sealed);
	sealed = NULL;
	if (fsync_path(seal_path, e) != 0)
		goto out;
	sqlite3_close(plain);
	plain = NULL;
	snprintf(walp, sizeof walp, "%s-wal", plain_path);
	if (access(walp, F_OK) == 0) {
		fk_fail(e, FK_ESTATE, _("the hub is in use; stop every other fieldkit command on "
		    "it and try again"));
		goto out;
	}
	if (rename(seal_path, plain_path) != 0) {
		fk_fail(e, FK_EIO, _("cannot rename %s: %s"), seal_path, strerror(errno));
		goto out;
	}
	if (fk_fsync_parent(plain_path, e) != 0)
		goto out;
	*done = 1;
	/* Opened as any hub: into WAL mode, and the migration in the audit log. */
	if (fk_hub_unlock(h, passfile, e) != 0 ||
	    fk_hub_audit(h, "migrate", "hub.db encrypted", 0, e) != 0)
		goto out;
	rc = 0;
out:
	if (sealed != NULL)
		sqlite3_close(sealed);
	if (plain != NULL)
		sqlite3_close(plain);
	if (rc != 0 && *done == 0 && seal_path != NULL)
		unlink(seal_path);
	fk_vfs_free(vfs);
	free(before);
	free(after);
	free(uri);
	free(plain_path);
	free(seal_path);
	return rc;
}
