/*
 * test_hub_vfs_crash.c - a process killed while writing to a database on the
 * hub's page encryption: committed frames in the WAL are recovered through
 * the VFS (they open with the key), the uncommitted transaction is gone, and
 * a torn last frame (its page image half written) is dropped, not an error.
 */
#include "check.h"
#include "hub_fixture.h"
#include "vfs_fixture.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* A child commits n rows from `from` without checkpointing, then (if open_txn)
 * starts another transaction, and is killed; true when it died by SIGKILL. */
static int
killed_writer(fk_vfs *v, int from, int n, int open_txn)
{
	sqlite3 *db;
	fk_err e;
	int rc, status;
	pid_t pid = fork();

	if (pid == 0) {
		db = open_db(v, &rc, &e);
		exec(db, "PRAGMA wal_autocheckpoint=0");
		fill(db, from, n);
		if (open_txn) {
			exec(db, "BEGIN");
			exec(db, "INSERT INTO t(id, body) VALUES(99999, '{}')"); /* never committed */
		}
		kill(getpid(), SIGKILL);
		_exit(1);
	}
	return waitpid(pid, &status, 0) == pid && WIFSIGNALED(status);
}

int
main(void)
{
	uint8_t key[FK_KEY_LEN];
	fk_vfs *v;
	sqlite3 *db;
	fk_err e;
	char *dir, wal[4200];
	int rc;
	struct stat st;

	check_init();
	dir = fx_tmpdir("hubvfscrash");
	snprintf(dbpath, sizeof dbpath, "%s/t.db", dir);
	snprintf(wal, sizeof wal, "%s-wal", dbpath);
	randombytes_buf(key, sizeof key);
	CHECK(fk_vfs_new(&v, key, &e) == 0);
	db = open_db(v, &rc, &e);
	CHECK(rc == 0);
	CHECK(exec(db, "PRAGMA journal_mode=WAL") == SQLITE_OK);
	CHECK(exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, body TEXT CHECK(json_valid(body)))")
	    == SQLITE_OK);
	fill(db, 0, 5000);
	sqlite3_close(db);

	/* A process killed with committed frames in the WAL: recovery reads them. */
	CHECK(killed_writer(v, 5000, 500, 1));
	CHECK(stat(wal, &st) == 0 && st.st_size > 0 && !file_has(wal, MARK));
	db = open_db(v, &rc, &e);
	CHECK(rc == 0 && q1(db, "SELECT count(*) FROM t") == 5500);
	CHECK(q1(db, "SELECT count(*) FROM t WHERE id = 99999") == 0);
	sqlite3_close(db);

	/* A torn last frame (its page image half written) is dropped, the rest kept. */
	CHECK(killed_writer(v, 6000, 1, 0));
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

	fk_vfs_free(v);
	free(dir);
	return check_done("hub_vfs_crash");
}
