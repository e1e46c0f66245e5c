/*
 * hub_vfs_bench.c - what the hub database's page encryption (hub/hub_vfs.c)
 * costs, in one process so that starting and unlocking do not blur it: the
 * same N records (hub-sized JSON bodies) written in one transaction and read
 * by statistics-like queries, on a plain SQLite file and on a sealed one.
 * Every query runs on a new connection (SQLite's page cache empty, the OS
 * cache warm), best of five. Run by tests/bench/hub_vfs_bench.sh.
 * Usage: hub_vfs_bench DIR [N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "hub_vfs.h"

static const char *const queries[] = {
	"SELECT count(*) FROM records",
	"SELECT form_id, count(*) FROM records GROUP BY form_id",
	"SELECT json_extract(body, '$.answers.surname_cyr') s, count(*) FROM records GROUP BY s "
	    "ORDER BY 2 DESC LIMIT 10",
	"SELECT count(*) FROM records WHERE json_extract(body, '$.answers.n') % 7 = 0",
	"SELECT device_id, min(seq), max(seq), count(*) FROM records GROUP BY device_id",
};
#define NQ (sizeof queries / sizeof queries[0])

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static sqlite3 *
open_db(const char *path, fk_vfs *v)
{
	sqlite3 *db = NULL;
	void *p;
	fk_err e;

	if (v != NULL) {
		if (fk_vfs_open(v, path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &p, &e) != 0) {
			fprintf(stderr, "%s\n", e.msg);
			exit(1);
		}
		db = p;
	} else if (sqlite3_open(path, &db) != SQLITE_OK) {
		exit(1);
	}
	sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL", NULL, NULL, NULL);
	return db;
}

static void
run(const char *what, const char *path, fk_vfs *v, int n, double out[NQ + 1])
{
	sqlite3 *db = open_db(path, v);
	sqlite3_stmt *st;
	char body[1024];
	double t0;
	size_t q;
	int i, r;

	sqlite3_exec(db, "CREATE TABLE records(record_id TEXT PRIMARY KEY, device_id TEXT, seq INT,"
	    " form_id TEXT, body TEXT CHECK(json_valid(body)))", NULL, NULL, NULL);
	t0 = now();
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	sqlite3_prepare_v2(db, "INSERT INTO records VALUES(?, ?, ?, ?, ?)", -1, &st, NULL);
	for (i = 0; i < n; i++) {
		char id[40], dev[40];
		snprintf(id, sizeof id, "%08x-0000-4000-8000-%012d", i * 2654435761u, i);
		snprintf(dev, sizeof dev, "device-%d", i % 3);
		snprintf(body, sizeof body, "{\"record_id\":\"%s\",\"device_id\":\"%s\",\"seq\":%d,"
		    "\"form_id\":\"family-report\",\"form_version\":1,\"finalized_at\":"
		    "\"2026-09-21T10:05:00Z\",\"short_ref\":\"ABCD1234\",\"answers\":{\"surname_cyr\":"
		    "\"%s\",\"given_cyr\":\"Олена\",\"n\":%d,\"notes\":\"%.*s\"}}", id, dev, i,
		    i % 5 ? "Шевченко" : "Коваленко", i, 150 + i % 100,
		    "Пошук триває; дитину бачили в Херсоні у вересні, родина просить зв'язатися. "
		    "Пошук триває; дитину бачили в Херсоні у вересні, родина просить зв'язатися.");
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, dev, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 3, i);
		sqlite3_bind_text(st, 4, i % 2 ? "family-report" : "child-intake", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, body, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) != SQLITE_DONE) {
			fprintf(stderr, "%s: insert: %s\n", what, sqlite3_errmsg(db));
			exit(1);
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	out[0] = now() - t0;
	sqlite3_close(db);
	for (q = 0; q < NQ; q++) {
		out[q + 1] = 1e9;
		for (r = 0; r < 5; r++) {
			double t;
			db = open_db(path, v);
			t0 = now();
			if (sqlite3_prepare_v2(db, queries[q], -1, &st, NULL) != SQLITE_OK)
				exit(1);
			while (sqlite3_step(st) == SQLITE_ROW)
				;
			sqlite3_finalize(st);
			t = now() - t0;
			if (t < out[q + 1])
				out[q + 1] = t;
			sqlite3_close(db);
		}
	}
}

int
main(int argc, char **argv)
{
	char plain[4096], sealed[4096];
	double a[NQ + 1], b[NQ + 1];
	uint8_t key[32];
	fk_vfs *v;
	fk_err e;
	int n = argc > 2 ? atoi(argv[2]) : 10000;
	size_t q;

	if (argc < 2 || sodium_init() < 0)
		return 2;
	snprintf(plain, sizeof plain, "%s/plain.db", argv[1]);
	snprintf(sealed, sizeof sealed, "%s/sealed.db", argv[1]);
	unlink(plain);
	unlink(sealed);
	randombytes_buf(key, sizeof key);
	if (fk_vfs_new(&v, key, &e) != 0)
		return 1;
	run("plain", plain, NULL, n, a);
	run("sealed", sealed, v, n, b);
	printf("%d records; plain / sealed (pages encrypted) / cost\n", n);
	printf("  insert in one transaction  %8.3f s  %8.3f s  %+6.0f%%\n", a[0], b[0],
	    100 * (b[0] / a[0] - 1));
	for (q = 0; q < NQ; q++)
		printf("  %-26.26s %8.4f s  %8.4f s  %+6.0f%%   %s\n", "query, new connection",
		    a[q + 1], b[q + 1], 100 * (b[q + 1] / a[q + 1] - 1), queries[q]);
	fk_vfs_free(v);
	unlink(plain);
	unlink(sealed);
	return 0;
}
