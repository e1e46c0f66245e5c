/*
 * test_hub_lookup.c - records found the way people name them: by id, a
 * unique beginning of one, or a slip code (any case, dash optional); slip
 * codes shared by two devices, typos caught by the check character, and
 * records citing a family's code (for `hub find`).
 */
#include <sqlite3.h>
#include <sys/stat.h>

#include "check.h"
#include "hub_fixture.h"
#include "hub_lookup.h"
#include "shortref.h"

static void
add(fk_hubdb *h, const char *id, const char *dev, int seq, const char *ref, const char *answers)
{
	sqlite3_stmt *st;
	char body[1024];

	snprintf(body, sizeof body, "{\"record_id\":\"%s\",\"short_ref\":\"%s\",\"answers\":%s}", id,
	    ref, answers);
	CHECK(sqlite3_prepare_v2(fk_hub_sqlite(h), "INSERT INTO records (record_id, device_id, seq,"
	    " ct_hash, prev, form_id, form_version, short_ref, body, bundle_id, imported_at)"
	    " VALUES (?, ?, ?, 'x', 'x', 'family-report', 1, ?, ?, 'b', 'now')", -1, &st, NULL) ==
	    SQLITE_OK);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, dev, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, seq);
	sqlite3_bind_text(st, 4, ref, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, body, -1, SQLITE_STATIC);
	CHECK(sqlite3_step(st) == SQLITE_DONE);
	sqlite3_finalize(st);
}

static int
collect(void *ctx, const fk_hub_found *r)
{
	char *out = ctx;

	strcat(out, r->record_id + 34); /* the last two characters of the id */
	strcat(out, r->cited ? "c " : " ");
	return 0;
}

int
main(void)
{
	char *dir = fx_tmpdir("hub-lookup"), *home = fk_hub_path_test(dir), cmd[4200];
	char id[FK_UUID_BUF], seen[256], code[9], typo[9], other[9];
	fk_hubdb *h = NULL;
	fk_err e = { 0 };
	size_t n;

	check_init();
	CHECK(fk_hub_create(home, "Kyiv hub", (const uint8_t *)"correct horse", 13, 10, &e) == 0);
	snprintf(cmd, sizeof cmd, "%s/pass", dir);
	{
		FILE *f = fopen(cmd, "w");
		CHECK(f != NULL && fputs("correct horse\n", f) >= 0);
		if (f != NULL)
			fclose(f);
		chmod(cmd, 0600);
	}
	CHECK_MSG(fk_hub_open_unlocked(&h, home, cmd, &e) == 0, "%s", e.msg);
	if (h == NULL)
		return check_done("hub lookup");
	fk_shortref_new(code);
	do
		fk_shortref_new(other);
	while (strcmp(other, code) == 0);
	add(h, "0a1b2c3d-0000-4000-8000-000000000001", "dev-1", 1, code, "{}");
	add(h, "0a1b2c3d-0000-4000-8000-000000000002", "dev-2", 1, code, "{}"); /* the same code */
	add(h, "9f8e7d6c-0000-4000-8000-000000000003", "dev-1", 2, other, "{}");
	{
		char ans[256], dashed[10];
		fk_shortref_format(code, dashed);
		dashed[0] = (char)(dashed[0] >= 'A' ? dashed[0] + 32 : dashed[0]);
		snprintf(ans, sizeof ans, "{\"family_members\":[{\"member_report_ref\":\"%s\"}]}", dashed);
		add(h, "77777777-0000-4000-8000-000000000004", "dev-3", 1, "22222222", ans);
	}

	/* By slip code: both records that have it; with FK_HUB_REF_CITED also the intake. */
	seen[0] = '\0';
	CHECK(fk_hub_find_by_ref(h, code, FK_HUB_REF_OWN, collect, seen, &n, &e) == 0);
	CHECK_MSG(n == 2 && strcmp(seen, "01 02 ") == 0, "%zu: %s", n, seen);
	seen[0] = '\0';
	CHECK(fk_hub_find_by_ref(h, code, FK_HUB_REF_CITED, collect, seen, &n, &e) == 0);
	CHECK_MSG(n == 3 && strcmp(seen, "01 02 04c ") == 0, "%zu: %s", n, seen);
	/* A typo in any one character is caught before the lookup. */
	memcpy(typo, other, sizeof typo);
	typo[3] = typo[3] == '2' ? '3' : '2';
	CHECK(fk_hub_find_by_ref(h, typo, FK_HUB_REF_OWN, NULL, NULL, &n, &e) != 0 &&
	    e.code == FK_EINPUT && strstr(e.msg, "check character") != NULL);
	CHECK(fk_hub_find_by_ref(h, "K7Q2-M9X0", FK_HUB_REF_OWN, NULL, NULL, &n, &e) != 0 &&
	    e.code == FK_EINPUT);

	/* Resolving what a person typed. */
	CHECK(fk_hub_resolve_record(h, other, id, &e) == 0 &&
	    strcmp(id, "9f8e7d6c-0000-4000-8000-000000000003") == 0);
	{
		char low[10];
		size_t i;
		fk_shortref_format(other, low);
		for (i = 0; low[i]; i++)
			low[i] = (char)(low[i] >= 'A' && low[i] <= 'Z' ? low[i] + 32 : low[i]);
		CHECK(fk_hub_resolve_record(h, low, id, &e) == 0 && id[35] == '3');
	}
	CHECK(fk_hub_resolve_record(h, code, id, &e) != 0 && e.code == FK_EUSAGE);
	CHECK(fk_hub_resolve_record(h, "9F8E", id, &e) == 0 && id[35] == '3');
	CHECK(fk_hub_resolve_record(h, "0a1b2c3d", id, &e) != 0 && e.code == FK_EUSAGE);
	CHECK(fk_hub_resolve_record(h, "0a1b2c3d-0000-4000-8000-000000000002", id, &e) == 0 &&
	    id[35] == '2');
	CHECK(fk_hub_resolve_record(h, "9f8", id, &e) != 0 && e.code == FK_EINPUT &&
	    strstr(e.msg, "at least 4") != NULL);
	CHECK(fk_hub_resolve_record(h, typo, id, &e) != 0 && strstr(e.msg, "check character") != NULL);
	CHECK(fk_hub_resolve_record(h, "nonsense", id, &e) != 0 && e.code == FK_EINPUT);
	fk_hub_close(h);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
	free(home);
	free(dir);
	return check_done("hub lookup");
}
