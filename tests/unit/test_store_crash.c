/*
 * test_store_crash.c - SIGKILL at random moments while a child process
 * finalizes records in groups, 20 times over: after each kill the store
 * opens, integrity_check is ok, the chain has no holes, and every record
 * written since the last kill decrypts with the hub key and parses.
 */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check.h"
#include "test_store_util.h"

struct seen {
	const fk_age_identities *ids;
	int64_t from, n, bad;
};

static int
open_new(void *ctx, const fk_store_record *r, fk_err *e)
{
	struct seen *s = ctx;
	json_t *j;

	(void)e;
	if (r->seq <= s->from)
		return 0;
	j = tu_open_record(s->ids, r->ct, r->ctlen);
	if (j == NULL || json_integer_value(json_object_get(j, "seq")) != r->seq ||
	    !json_is_object(json_object_get(j, "answers")))
		s->bad++;
	json_decref(j);
	s->n++;
	return 0;
}

static void
child(const char *home, const fk_device *d)
{
	fk_store *s;
	fk_finalizer *f;
	fk_record_in in;
	fk_record_out out;
	fk_err e;
	int i;

	if (fk_store_open(&s, home, FK_STORE_WRITE, &e) != 0 || fk_finalizer_new(&f, s, d, &e) != 0)
		_exit(2);
	memset(&in, 0, sizeof in);
	in.form_id = "capture-test";
	in.form_version = 1;
	for (i = 0; i < 1000; i++) {
		json_t *a = json_pack("{s:s, s:i}", "reporter_surname_cyr", "Бондаренко", "i", i);
		in.answers = a;
		if ((i % 50 == 0 && fk_finalizer_begin(f, &e) != 0) ||
		    fk_finalize(f, &in, &out, &e) != 0 ||
		    (i % 50 == 49 && fk_finalizer_commit(f, &e) != 0))
			_exit(3);
		json_decref(a);
	}
	_exit(0);
}

static int
integrity_ok(const char *home)
{
	char path[1024];
	sqlite3 *db;
	sqlite3_stmt *st;
	int ok = 0;

	snprintf(path, sizeof path, "%s/store.db", home);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return 0;
	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK) {
		ok = sqlite3_step(st) == SQLITE_ROW &&
		    strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return ok;
}

int
main(void)
{
	char *home = tu_tmpdir("store-crash");
	fk_device d;
	fk_age_identities ids;
	struct seen sn;
	int k, killed = 0;
	int64_t checked = 0, n = 0, bad;

	check_init();
	fk_json_use_wiping_alloc();
	tu_device(&d, home, &ids);
	srand((unsigned)time(NULL));
	memset(&sn, 0, sizeof sn);
	sn.ids = &ids;
	for (k = 0; k < 20; k++) {
		fk_store *s = NULL;
		fk_err e;
		int st;
		pid_t pid = fork();
		if (pid == 0)
			child(home, &d);
		usleep((useconds_t)(20000 + rand() % 280000));
		if (kill(pid, SIGKILL) == 0)
			killed++;
		waitpid(pid, &st, 0);
		CHECK_MSG(!WIFEXITED(st) || WEXITSTATUS(st) == 0, "child failed: %d", WEXITSTATUS(st));
		CHECK_MSG(integrity_ok(home), "integrity after kill %d", k);
		CHECK(fk_store_open(&s, home, FK_STORE_WRITE, &e) == 0);
		if (s == NULL)
			break;
		CHECK(fk_store_verify_chain(s, &n, &bad, &e) == 0);
		CHECK_MSG(bad == 0, "chain broken at %lld after kill %d", (long long)bad, k);
		sn.from = checked;
		sn.n = 0;
		CHECK(fk_store_each_pending(s, open_new, &sn, &e) == 0);
		CHECK_MSG(sn.n == n - checked, "opened %lld of %lld new records", (long long)sn.n,
		    (long long)(n - checked));
		checked = n;
		fk_store_close(s);
	}
	CHECK(sn.bad == 0);
	CHECK(killed >= 10);
	CHECK(n > 0);
	printf("store crash: %d kills, %lld records, all whole and chained\n", killed, (long long)n);
	fk_age_identities_free(&ids);
	fk_device_free(&d);
	tu_rmrf(home);
	free(home);
	return check_done("store crash");
}
