/*
 * test_hub_vfs.c - the hub database's page encryption (hub/hub_vfs.c): no
 * plaintext in the database, its WAL or a rollback journal; it reopens with
 * its key and with no other; a changed page is an error, not data; a process
 * killed mid-write leaves a database that recovers through the VFS; a big
 * sort stays in memory; json_extract works (the reason SQLCipher 3.4 was not
 * taken, docs/keys.md).
 */
#include "check.h"
#include "hub_fixture.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hub_vfs.h"

#define MARK "SECRET-MARKER"

static char dbpath[4096];

/* Whether the file holds needle. */
static int
file_has(const char *path, const char *needle)
{
	fk_buf b = {0};
	fk_err e;
	int found;

	if (fk_read_file(path, 1u << 30, &b, &e) != 0)
		return 0;
	found = b.len > 0 && memmem(b.p, b.len, needle, strlen(needle)) != NULL;
	fk_buf_free(&b);
	return found;
}

static sqlite3 *
open_db(fk_vfs *v, int *prep_rc, fk_err *e)
{
	void *db = NULL;

	*prep_rc = fk_vfs_open(v, dbpath, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &db, e);
	if (db != NULL)
		sqlite3_busy_timeout(db, 5000);
	return db;
}

static long
q1(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	long n = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

static int
exec(sqlite3 *db, const char *sql)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK && getenv("VERBOSE"))
		fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
	return rc;
}

static void
fill(sqlite3 *db, int from, int n)
{
	char sql[400];
	int i;

	exec(db, "BEGIN");
	for (i = from; i < from + n; i++) {
		snprintf(sql, sizeof sql, "INSERT INTO t(id, body) VALUES(%d, json_object('name', "
		    "'" MARK "-%d', 'pad', hex(zeroblob(%d))))", i, i, 50 + i % 300);
		exec(db, sql);
	}
	exec(db, "COMMIT");
}

int
main(void)
{
	uint8_t key[FK_KEY_LEN], other[FK_KEY_LEN];
	fk_vfs *v, *w;
	sqlite3 *db, *plain;
	fk_err e;
	char *dir, wal[4200], jrnl[4200];
	int rc, status;
	struct stat st;
	pid_t pid;

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

	/* A process killed with committed frames in the WAL: recovery reads them. */
	pid = fork();
	if (pid == 0) {
		db = open_db(v, &rc, &e);
		exec(db, "PRAGMA wal_autocheckpoint=0");
		fill(db, 5000, 500);
		exec(db, "BEGIN");
		exec(db, "INSERT INTO t(id, body) VALUES(99999, '{}')"); /* never committed */
		kill(getpid(), SIGKILL);
		_exit(1);
	}
	waitpid(pid, &status, 0);
	CHECK(WIFSIGNALED(status));
	CHECK(stat(wal, &st) == 0 && st.st_size > 0 && !file_has(wal, MARK));
	db = open_db(v, &rc, &e);
	CHECK(rc == 0 && q1(db, "SELECT count(*) FROM t") == 5500);
	CHECK(q1(db, "SELECT count(*) FROM t WHERE id = 99999") == 0);
	sqlite3_close(db);

	/* A torn last frame (its page image half written) is dropped, the rest kept. */
	pid = fork();
	if (pid == 0) {
		db = open_db(v, &rc, &e);
		exec(db, "PRAGMA wal_autocheckpoint=0");
		fill(db, 6000, 1);
		kill(getpid(), SIGKILL);
		_exit(1);
	}
	waitpid(pid, &status, 0);
	if (stat(wal, &st) == 0 && st.st_size >= 32 + 24 + FK_VFS_PAGE) {
		int fd = open(wal, O_WRONLY);
		uint8_t junk[100];
		randombytes_buf(junk, sizeof junk);
		CHECK(fd >= 0 && pwrite(fd, junk, sizeof junk, st.st_size - 200) == sizeof junk);
		close(fd);
	}
	db = open_db(v, &rc, &e);
	CHECK_MSG(rc == 0 && q1(db, "SELECT count(*) FROM t") == 5500, "rc %d %s, %ld rows, %s",
	    rc, e.msg, q1(db, "SELECT count(*) FROM t"), sqlite3_errmsg(db));
	CHECK(q1(db, "SELECT count(*) FROM t WHERE id = 6000") == 0);
	sqlite3_close(db);

	/* A changed byte in a page is an error, never data. */
	{
		int fd = open(dbpath, O_RDWR);
		uint8_t b;
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
	return check_done("hub_vfs");
}
