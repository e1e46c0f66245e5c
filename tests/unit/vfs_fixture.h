/*
 * vfs_fixture.h - a database on the hub's page encryption (hub_vfs.h) filled
 * with rows that name a marker, for test_hub_vfs and test_hub_vfs_crash.
 */
#ifndef VFS_FIXTURE_H
#define VFS_FIXTURE_H

#include <sqlite3.h>

#include "hub_vfs.h"
#include "io.h"
#include "sql_util.h"

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

#endif
