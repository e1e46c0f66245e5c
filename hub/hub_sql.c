/*
 * hub_sql.c - `hub sql`: one read-only query over the unlocked database, for
 * operators and their scripts. See fk_hub_sql in hub.h.
 *
 * Three locks on the door, each enough alone: the statement must be one
 * SELECT or WITH statement that SQLite itself calls read-only; it runs on a
 * second connection opened read-only with PRAGMA query_only; and an
 * authorizer lets it read and call functions and nothing else (no ATTACH, no
 * PRAGMA). Every query is written to the audit log before it runs.
 *
 * Must never: write to the database, attach another file, or run a query it
 * has not logged.
 */
#include "hub_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define SQL_MAX 65536 /* bytes of one query */

/* Past white space and SQL comments. */
static const char *
skip_space(const char *p)
{
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (p[0] == '-' && p[1] == '-') {
			while (*p && *p != '\n')
				p++;
		} else if (p[0] == '/' && p[1] == '*') {
			const char *end = strstr(p + 2, "*/");
			p = end ? end + 2 : p + strlen(p);
		} else {
			return p;
		}
	}
}

static int
keyword(const char *p, const char *kw)
{
	size_t n = strlen(kw);

	return strncasecmp(p, kw, n) == 0 && !isalnum((unsigned char)p[n]) && p[n] != '_';
}

/*
 * Reading and calling functions; nothing else. One exception: the first use
 * of a table-valued function (json_each, json_tree) declares it as an
 * eponymous virtual table, and SQLite asks then to update the columns of
 * sqlite_master in the main database, though it writes nothing (the table is
 * only in memory). Granted, since the other two locks still hold: the
 * statement is read-only by SQLite's own judgement and runs on a read-only,
 * query_only connection.
 */
static int
authorize(void *ctx, int action, const char *a, const char *b, const char *db,
    const char *trigger)
{
	(void)ctx;
	(void)b;
	(void)trigger;
	switch (action) {
	case SQLITE_SELECT:
	case SQLITE_READ:
	case SQLITE_FUNCTION:
	case SQLITE_RECURSIVE:
		return SQLITE_OK;
	case SQLITE_UPDATE:
		return a != NULL && db != NULL && strcmp(a, "sqlite_master") == 0 &&
		    strcmp(db, "main") == 0 ? SQLITE_OK : SQLITE_DENY;
	default:
		return SQLITE_DENY;
	}
}

int
fk_hub_sql(fk_hubdb *h, const char *query, fk_hub_row_fn fn, void *ctx, long *nrows,
    fk_err *e)
{
	const char *start = skip_space(query), *tail = NULL;
	const char **vals = NULL;
	sqlite3_stmt *st = NULL;
	sqlite3 *ro = NULL;
	void *dbp = NULL;
	char *path = NULL;
	int k, i, ncol, rc = -1;

	*nrows = 0;
	if (fk_hub_need_db(h, e) != 0)
		return -1;
	if (strlen(query) > SQL_MAX)
		return fk_fail(e, FK_EUSAGE, _("the query is longer than %d bytes"), SQL_MAX);
	if (!keyword(start, "SELECT") && !keyword(start, "WITH"))
		return fk_fail(e, FK_EUSAGE, _("only a SELECT or WITH statement is run (the "
		    "database is read-only here)"));
	if ((path = fk_path_join(h->home, FK_HUB_DB)) == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	if (fk_vfs_open(h->vfs, path, SQLITE_OPEN_READONLY, &dbp, e) != 0)
		goto out;
	ro = dbp;
	sqlite3_busy_timeout(ro, 10000);
	if (fk_hub_exec(ro, "PRAGMA query_only=1", e) != 0)
		goto out;
	sqlite3_set_authorizer(ro, authorize, NULL);
	if (sqlite3_prepare_v2(ro, start, -1, &st, &tail) != SQLITE_OK) {
		fk_fail(e, FK_EINPUT, _("hub sql: %s"), sqlite3_errmsg(ro));
		goto out;
	}
	if (st == NULL || *skip_space(tail) != 0) {
		fk_fail(e, FK_EUSAGE, _("give one statement (it may end in a semicolon)"));
		goto out;
	}
	if (!sqlite3_stmt_readonly(st)) {
		fk_fail(e, FK_EUSAGE, _("only a statement that reads is run"));
		goto out;
	}
	if (fk_hub_audit(h, "sql", start, 0, e) != 0)
		goto out;
	ncol = sqlite3_column_count(st);
	if ((vals = calloc((size_t)ncol + 1, sizeof *vals)) == NULL) {
		fk_fail(e, FK_ENOMEM, _("out of memory"));
		goto out;
	}
	while ((k = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < ncol; i++)
			vals[i] = (const char *)sqlite3_column_text(st, i);
		if (fn(ctx, ncol, vals) != 0) {
			fk_fail(e, FK_EIO, _("cannot write the rows"));
			goto out;
		}
		(*nrows)++;
	}
	if (k != SQLITE_DONE) {
		fk_fail(e, FK_EIO, _("hub sql: %s"), sqlite3_errmsg(ro));
		goto out;
	}
	rc = 0;
out:
	free(vals);
	sqlite3_finalize(st);
	sqlite3_close(ro);
	free(path);
	return rc;
}
