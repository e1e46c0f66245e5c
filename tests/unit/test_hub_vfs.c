/*
 * test_hub_vfs.c - the hub database's page encryption (hub/hub_vfs.c): no
 * plaintext in the database, its WAL or a rollback journal; it reopens with
 * its key and with no other; a changed page is an error, not data; a big
 * sort stays in memory; json_extract works (the reason SQLCipher 3.4 was not
 * taken, docs/keys.md). Killed writers: test_hub_vfs_crash.c.
 */
#include "check.h"
#include "hub_fixture.h"
#include "vfs_fixture.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int
main(void)
{
	uint8_t key[FK_KEY_LEN], other[FK_KEY_LEN];
	fk_vfs *v, *w;
	sqlite3 *db, *plain;
	fk_err e;
	char *dir, wal[4200], jrnl[4200];
	int rc;
	struct stat st;

	check_init();
	dir = fx_tmpdir("hubvfs");
	snprintf(dbpath, sizeof dbpath, "%s/t.db", dir);
	snprintf(wal, sizeof wal, "%s-wal", dbpath);
	snprintf(jrnl, sizeof jrnl, "%s-journal", dbpath);
	randombytes_buf(key, sizeof key);
	randombytes_buf(other, sizeof other);
	CHECK(fk_vfs_new(&v, key, &e) == 0);
	CHECK(fk_vfs_new(&w, other, &e) == 0);
	CHECK(strcmp(fk_vfs_name(v), fk_vfs_name(w)) != 0);

	/* A new database in rollback-journal mode: the journal holds no plaintext. */
	db = open_db(v, &rc, &e);
	CHECK(rc == 0);
	CHECK(stat(dbpath, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, body TEXT CHECK(json_valid(body)))")
	    == SQLITE_OK);
	fill(db, 0, 3000);
	CHECK(q1(db, "SELECT count(*) FROM t") == 3000);
	CHECK(q1(db, "PRAGMA page_size") == FK_VFS_PAGE);
	exec(db, "PRAGMA cache_size=5");
	CHECK(exec(db, "BEGIN; UPDATE t SET body = json_set(body, '$.x', 1)") == SQLITE_OK);
	CHECK(stat(jrnl, &st) == 0 && st.st_size > 10 * FK_VFS_PAGE);
	CHECK(!file_has(jrnl, MARK));
	CHECK(!file_has(dbpath, MARK));
	CHECK(exec(db, "ROLLBACK") == SQLITE_OK);
	CHECK(q1(db, "SELECT count(*) FROM t WHERE json_extract(body, '$.x') IS NOT NULL") == 0);
	CHECK(q1(db, "SELECT count(*) FROM t WHERE json_extract(body, '$.name') LIKE '"
	    MARK "-%'") == 3000);

	/* Into WAL mode: the WAL holds no plaintext either, before or after a checkpoint. */
	CHECK(exec(db, "PRAGMA journal_mode=WAL") == SQLITE_OK);
	exec(db, "PRAGMA wal_autocheckpoint=0");
	exec(db, "PRAGMA cache_size=2000");
	fill(db, 3000, 2000);
	CHECK(stat(wal, &st) == 0 && st.st_size > 100 * FK_VFS_PAGE);
	CHECK(stat(wal, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(!file_has(wal, MARK));
	CHECK(!file_has(dbpath, MARK));
	CHECK(exec(db, "PRAGMA wal_checkpoint(TRUNCATE)") == SQLITE_OK);
	CHECK(!file_has(dbpath, MARK) && !file_has(dbpath, "CREATE TABLE") &&
	    !file_has(dbpath, "SQLite format 3"));
	/* A sort far bigger than the page cache stays in memory (no temporary file). */
	exec(db, "PRAGMA cache_size=10");
	CHECK(q1(db, "SELECT count(*) FROM (SELECT body FROM t ORDER BY random())") == 5000);
	CHECK(q1(db, "SELECT count(DISTINCT body || random()) FROM t") == 5000);
	sqlite3_close(db);

	/* It reopens with its key, and with no other. */
	db = open_db(v, &rc, &e);
	CHECK(rc == 0 && q1(db, "SELECT count(*) FROM t") == 5000);
	{
		sqlite3_stmt *s;
		CHECK(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL) == SQLITE_OK &&
		    sqlite3_step(s) == SQLITE_ROW &&
		    strcmp((const char *)sqlite3_column_text(s, 0), "ok") == 0);
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
	db = open_db(w, &rc, &e);
	CHECK_MSG(rc != 0 && e.code == FK_EKEY && db == NULL, "another key: rc %d, %s", rc, e.msg);
	sqlite3_close(db);
	CHECK(sqlite3_open_v2(dbpath, &plain, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
	CHECK(q1(plain, "SELECT count(*) FROM t") == -1);
	CHECK(sqlite3_errcode(plain) == SQLITE_NOTADB);
	sqlite3_close(plain);

	/* A changed byte in a page is an error, never data. */
	{
		int fd = open(dbpath, O_RDWR);
		uint8_t b = 0;
		CHECK(fd >= 0 && pread(fd, &b, 1, 3 * FK_VFS_PAGE + 100) == 1);
		b ^= 1;
		CHECK(pwrite(fd, &b, 1, 3 * FK_VFS_PAGE + 100) == 1);
		close(fd);
		db = open_db(v, &rc, &e);
		CHECK(q1(db, "SELECT count(*) FROM t WHERE length(body) > 0") == -1);
		CHECK(sqlite3_extended_errcode(db) == SQLITE_IOERR_DATA);
		sqlite3_close(db);
	}

	fk_vfs_free(v);
	fk_vfs_free(w);
	free(dir);
	return check_done("hub_vfs");
}
