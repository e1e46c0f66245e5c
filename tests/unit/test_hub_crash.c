/*
 * test_hub_crash.c - kill -9 during import, many times, at random moments:
 * the hub database is always as before or as after that bundle, passes
 * SQLite's integrity check, and every attachment it references is on disk.
 */
#include "check.h"
#include "hub_fixture.h"
#include "sql_util.h"

#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hub.h"

#define NBUNDLES 14
#define PER 40
#define ROUNDS 40

static char hubdir[4200], passfile[4200];

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* In a child: open the hub and import path; exits 0 on success. */
static pid_t
spawn_import(const char *path)
{
	pid_t pid = fork();

	if (pid == 0) {
		fk_hubdb *h;
		fk_import_result r;
		fk_err e;
		if (fk_hub_open(&h, hubdir, &e) != 0 || fk_hub_unlock(h, passfile, &e) != 0 ||
		    fk_hub_import_file(h, path, &r, &e) != 0)
			_exit(1);
		fk_hub_close(h);
		_exit(0);
	}
	return pid;
}

/* Checks the hub; returns the number of records. */
static long
check_hub(void)
{
	fk_hubdb *h;
	fk_err e;
	sqlite3 *db;
	sqlite3_stmt *s;
	long n, missing = 0;
	char p[4400];
	struct stat st;

	if (fk_hub_open_unlocked(&h, hubdir, passfile, &e) != 0) {
		CHECK_MSG(0, "hub does not open after a crash: %s", e.msg);
		return -1;
	}
	db = fk_hub_sqlite(h);
	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		CHECK(strcmp((const char *)sqlite3_column_text(s, 0), "ok") == 0);
	sqlite3_finalize(s);
	n = q1(db, "SELECT count(*) FROM records");
	CHECK(n % PER == 0);
	CHECK(q1(db, "SELECT count(*) FROM bundles") * PER == n);
	if (sqlite3_prepare_v2(db, "SELECT ct_hash FROM attachments", -1, &s, NULL) == SQLITE_OK)
		while (sqlite3_step(s) == SQLITE_ROW) {
			snprintf(p, sizeof p, "%s/files/%s.age", hubdir, sqlite3_column_text(s, 0));
			if (stat(p, &st) != 0)
				missing++;
		}
	sqlite3_finalize(s);
	CHECK_MSG(missing == 0, "%ld attachment files missing", missing);
	CHECK(q1(db, "SELECT count(*) FROM attachments a LEFT JOIN records r ON "
	    "a.record_id = r.record_id WHERE r.record_id IS NULL") == 0);
	fk_hub_close(h);
	return n;
}

int
main(void)
{
	struct fx_dev d;
	fk_age_recipients to = {0};
	fk_hubdb *h;
	fk_err e;
	char *dir, *paths[NBUNDLES];
	size_t i, b = 0;
	int round, status, killed = 0, completed = 0, after = 0;
	double t0, dur;
	uint8_t pk[32];

	check_init();
	dir = fx_tmpdir("hubcrash");
	snprintf(hubdir, sizeof hubdir, "%s/hub", dir);
	snprintf(passfile, sizeof passfile, "%s/pass", dir);
	CHECK(fk_write_secret_file(passfile, "pw\n", 3, 0, &e) == 0);
	CHECK(fk_hub_create(hubdir, "crash hub", (const uint8_t *)"pw", 2, 10, &e) == 0);
	CHECK(fk_hub_open_unlocked(&h, hubdir, passfile, &e) == 0);
	{
		fk_buf c = {0};
		json_t *j;
		char cp[4300];
		snprintf(cp, sizeof cp, "%s/hub-card.json", hubdir);
		CHECK(fk_read_file(cp, 65536, &c, &e) == 0);
		j = json_loadb((const char *)c.p, c.len, 0, NULL);
		CHECK(fk_age_parse_recipient(json_string_value(json_array_get(json_object_get(j,
		    "recipients"), 0)), 62, pk, &e) == 0);
		CHECK(fk_age_recipients_add(&to, pk, &e) == 0);
		json_decref(j);
		fk_buf_free(&c);
	}
	fx_dev_init(&d, "crash-device");
	CHECK(fk_hub_device_add(h, d.id, "x", &d.pk, &e) == 0);
	fk_hub_close(h);
	for (i = 0; i < NBUNDLES * PER; i++)
		fx_add(&d, &to, "family_report", 1, "{\"n\":\"Петро\"}", i % 2 ? 2 : 0,
		    20000 + i);
	for (i = 0; i < NBUNDLES; i++) {
		d.from = i * PER;
		d.to = (i + 1) * PER;
		paths[i] = fx_export(&d, dir);
	}

	/* Calibrate: two uninterrupted imports; the faster one (the first pays
	 * for cold caches) sets how long to wait before a kill. */
	for (i = 0; i < 2; i++) {
		double d1;
		t0 = now_s();
		waitpid(spawn_import(paths[b]), &status, 0);
		d1 = now_s() - t0;
		dur = i == 0 || d1 < dur ? d1 : dur;
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		b++;
		CHECK(check_hub() == (long)b * PER);
	}
	srand((unsigned)time(NULL));
	for (round = 0; round < ROUNDS && b < NBUNDLES; round++) {
		long before = (long)b * PER, n;
		useconds_t wait = (useconds_t)((double)rand() / RAND_MAX * dur * 1e6);
		pid_t pid = spawn_import(paths[b]);
		usleep(wait);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		if (WIFSIGNALED(status))
			killed++;
		else
			completed++;
		n = check_hub();
		CHECK_MSG(n == before || n == before + PER, "round %d: %ld records, want %ld or %ld",
		    round, n, before, before + PER);
		if (n == before + PER) {
			b++;
			after++;
		}
	}
	fprintf(stderr, "hub_crash: %d imports killed (%d of the rounds ended with the bundle "
	    "in), %d completed; an import takes %.3f s\n", killed, after, completed, dur);
	CHECK(killed >= ROUNDS / 4);
	/* Finish every bundle; re-importing the rest is duplicates only. */
	for (; b < NBUNDLES; b++) {
		waitpid(spawn_import(paths[b]), &status, 0);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	for (i = 0; i < NBUNDLES; i++) {
		waitpid(spawn_import(paths[i]), &status, 0);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	CHECK(check_hub() == NBUNDLES * PER);
	for (i = 0; i < NBUNDLES; i++)
		free(paths[i]);
	fx_dev_free(&d);
	fk_age_recipients_free(&to);
	free(dir);
	return check_done("hub_crash");
}
