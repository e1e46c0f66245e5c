/*
 * sql_util.h - the one-number query the hub tests ask the database.
 */
#ifndef SQL_UTIL_H
#define SQL_UTIL_H

#include <sqlite3.h>

/* The first column of the first row of sql as an integer; -1 on any error. */
static inline long
q1(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	long n = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

#endif
