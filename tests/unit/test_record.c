/*
 * test_record.c - finalizing seals exactly the answers it is given: an
 * attachment whose answer is not in the record (another path, another id,
 * no answer at all) is refused and nothing is stored; a file whose content
 * is not the type its name claims is refused when it is attached.
 */
#include <sqlite3.h>

#include "check.h"
#include "test_store_util.h"

static int
count(const char *home, const char *table)
{
	char path[1024], sql[128];
	sqlite3 *db;
	sqlite3_stmt *st;
	int n = -1;

	snprintf(path, sizeof path, "%s/store.db", home);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static void
write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	CHECK(f != NULL && fwrite(p, 1, n, f) == n);
	if (f != NULL)
		fclose(f);
}

static const uint8_t JPEG[] = { 0xff, 0xd8, 0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0,
	0, 1, 0, 1, 0, 0, 0xff, 0xd9 };
static const uint8_t PNG[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I',
	'H', 'D', 'R' };

static void
test_only_answered_attachments(const char *home)
{
	fk_device d;
	fk_age_identities ids;
	fk_store *s = NULL;
	fk_finalizer *f = NULL;
	fk_record_in in;
	fk_record_out out;
	fk_attach_in att[2];
	char p1[1024], p2[1024];
	json_t *a, *v1 = NULL, *v2 = NULL;
	fk_err e = { 0 };

	tu_device(&d, home, &ids);
	CHECK(fk_store_open(&s, home, FK_STORE_WRITE, &e) == 0);
	CHECK(fk_finalizer_new(&f, s, &d, &e) == 0);
	snprintf(p1, sizeof p1, "%s/one.jpg", home);
	snprintf(p2, sizeof p2, "%s/two.jpg", home);
	write_file(p1, JPEG, sizeof JPEG);
	write_file(p2, JPEG, sizeof JPEG);
	memset(att, 0, sizeof att);
	att[0].field = "children[0].child_photos[0].photo";
	att[0].path = p1;
	att[1].field = "children[0].child_photos[1].photo";
	att[1].path = p2;
	CHECK(fk_attach_answer(&att[0], d.att_limit, &v1, &e) == 0);
	CHECK(fk_attach_answer(&att[1], d.att_limit, &v2, &e) == 0);

	/* Only the first photo is among the answers (the second was removed). */
	a = json_pack("{s:[{s:s, s:[{s:O}]}]}", "children", "surname_cyr", "Шевчишина",
	    "child_photos", "photo", v1);
	memset(&in, 0, sizeof in);
	in.form_id = "family-report";
	in.form_version = 1;
	in.answers = a;
	in.att = att;
	in.natt = 2;
	CHECK(fk_finalize_one(f, &in, &out, &e) != 0);
	CHECK(count(home, "records") == 0 && count(home, "attachments") == 0);

	/* The right path but another id: refused too. */
	json_object_set_new(v1, "id",
	    json_string("00000000-0000-4000-8000-000000000000"));
	in.natt = 1;
	CHECK(fk_finalize_one(f, &in, &out, &e) != 0);
	CHECK(count(home, "records") == 0 && count(home, "attachments") == 0);

	/* The answer as made for the file: sealed, once. */
	json_object_set_new(v1, "id", json_string(att[0].id));
	fk_err_clear(&e);
	CHECK_MSG(fk_finalize_one(f, &in, &out, &e) == 0, "%s", e.msg);
	CHECK(count(home, "records") == 1 && count(home, "attachments") == 1);

	json_decref(a);
	json_decref(v1);
	json_decref(v2);
	fk_finalizer_free(f);
	fk_store_close(s);
	fk_age_identities_free(&ids);
	fk_device_free(&d);
}

static void
test_content_type(const char *home)
{
	fk_attach_in a;
	json_t *v = NULL;
	char path[1024];
	fk_err e = { 0 };
	uint8_t junk[300];

	memset(&a, 0, sizeof a);
	a.field = "photo";
	a.path = path;
	/* A PNG named .jpg, random bytes named .jpg, a PDF that is not one: refused. */
	snprintf(path, sizeof path, "%s/png.jpg", home);
	write_file(path, PNG, sizeof PNG);
	CHECK(fk_attach_answer(&a, 1 << 20, &v, &e) != 0 && v == NULL);
	randombytes_buf(junk, sizeof junk);
	junk[0] = 0;
	snprintf(path, sizeof path, "%s/junk.jpg", home);
	write_file(path, junk, sizeof junk);
	CHECK(fk_attach_answer(&a, 1 << 20, &v, &e) != 0 && v == NULL);
	snprintf(path, sizeof path, "%s/scan.pdf", home);
	write_file(path, JPEG, sizeof JPEG);
	CHECK(fk_attach_answer(&a, 1 << 20, &v, &e) != 0 && v == NULL);
	/* What the content says it is, whatever the name: a PNG named .png, a
	 * JPEG with no extension. */
	snprintf(path, sizeof path, "%s/real.png", home);
	write_file(path, PNG, sizeof PNG);
	a.id[0] = '\0';
	CHECK(fk_attach_answer(&a, 1 << 20, &v, &e) == 0 && v != NULL);
	CHECK(v && strcmp(json_string_value(json_object_get(v, "media_type")), "image/png") == 0);
	json_decref(v);
	v = NULL;
	snprintf(path, sizeof path, "%s/IMG_0001", home);
	write_file(path, JPEG, sizeof JPEG);
	a.id[0] = '\0';
	CHECK(fk_attach_answer(&a, 1 << 20, &v, &e) == 0 && v != NULL);
	CHECK(v && strcmp(json_string_value(json_object_get(v, "media_type")), "image/jpeg") == 0);
	json_decref(v);
}

int
main(void)
{
	char *dir;

	check_init();
	fk_json_use_wiping_alloc();
	dir = tu_tmpdir("record");
	test_only_answered_attachments(dir);
	test_content_type(dir);
	tu_rmrf(dir);
	free(dir);
	return check_done("record");
}
