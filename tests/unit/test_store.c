/*
 * test_store.c - the device store and finalizing: records sealed to the hub
 * and only to it, seq and hash chain without holes, groups whole or absent,
 * triggers refusing chain damage, attachments (streamed, limit enforced),
 * drafts deleted with their record, delivery and retention.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "check.h"
#include "draft.h"
#include "shortref.h"
#include "test_store_util.h"

struct collect {
	const fk_age_identities *ids;
	int n, bad;
	int64_t last;
	char ids_seen[64][37];
	uint8_t hashes[64][32];
	json_t *first;
	size_t natt;
	fk_buf att;
};

static int
collect(void *ctx, const fk_store_record *r, fk_err *e)
{
	struct collect *c = ctx;
	uint8_t h[32];
	json_t *j;

	(void)e;
	crypto_hash_sha256(h, r->ct, r->ctlen);
	if (memcmp(h, r->ct_hash, 32) != 0 || r->seq != c->last + 1)
		c->bad++;
	c->last = r->seq;
	j = tu_open_record(c->ids, r->ct, r->ctlen);
	if (j == NULL || json_integer_value(json_object_get(j, "seq")) != r->seq ||
	    strcmp(json_string_value(json_object_get(j, "record_id")), r->id) != 0 ||
	    strcmp(json_string_value(json_object_get(j, "short_ref")), r->short_ref) != 0 ||
	    !fk_shortref_valid(r->short_ref))
		c->bad++;
	if (c->n < 64) {
		memcpy(c->ids_seen[c->n], r->id, 37);
		memcpy(c->hashes[c->n], r->ct_hash, 32);
	}
	if (c->first == NULL)
		c->first = j;
	else
		json_decref(j);
	if (r->natt > 0) {
		c->natt = r->natt;
		c->att.len = 0;
		if (fk_age_decrypt_buf(c->ids, r->att[0].ct, r->att[0].ctlen, 0, &c->att, e) != 0)
			c->bad++;
		crypto_hash_sha256(h, r->att[0].ct, r->att[0].ctlen);
		if (memcmp(h, r->att[0].ct_hash, 32) != 0)
			c->bad++;
	}
	c->n++;
	return 0;
}

static json_t *
answers(int i)
{
	return json_pack("{s:s, s:s, s:i, s:[{s:s}]}", "reporter_surname", "Шевчишин",
	    "reporter_given", "Зоряна", "n", i, "children", "surname_cyr", "Шевчишина");
}

static int
sql_count(const char *home, const char *sql)
{
	char path[1024];
	sqlite3 *db;
	sqlite3_stmt *st;
	int n = -1;

	snprintf(path, sizeof path, "%s/store.db", home);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return n;
}

static void
test_finalize_and_chain(const char *home)
{
	fk_device d;
	fk_age_identities ids;
	fk_store *s = NULL;
	fk_finalizer *f = NULL;
	fk_record_in in;
	fk_record_out out;
	struct collect c;
	fk_err e;
	int64_t n, bad;
	int i;

	tu_device(&d, home, &ids);
	CHECK(fk_store_open(&s, home, FK_STORE_WRITE, &e) == 0);
	CHECK(fk_finalizer_new(&f, s, &d, &e) == 0);
	memset(&in, 0, sizeof in);
	in.form_id = "family-report";
	in.form_version = 1;
	for (i = 0; i < 10; i++) {
		json_t *a = answers(i);
		in.answers = a;
		CHECK(fk_finalize_one(f, &in, &out, &e) == 0);
		CHECK(out.seq == i + 1);
		CHECK(fk_shortref_valid(out.short_ref));
		json_decref(a);
	}
	/* A group that is rolled back leaves nothing; one committed leaves all. */
	CHECK(fk_finalizer_begin(f, &e) == 0);
	for (i = 0; i < 3; i++) {
		json_t *a = answers(100 + i);
		in.answers = a;
		CHECK(fk_finalize(f, &in, &out, &e) == 0);
		json_decref(a);
	}
	fk_finalizer_rollback(f);
	CHECK(sql_count(home, "SELECT count(*) FROM records") == 10);
	CHECK(fk_finalizer_begin(f, &e) == 0);
	for (i = 0; i < 3; i++) {
		json_t *a = answers(200 + i);
		in.answers = a;
		CHECK(fk_finalize(f, &in, &out, &e) == 0);
		CHECK(out.seq == 11 + i);
		json_decref(a);
	}
	/* A bad record inside a group leaves the others whole. */
	in.answers = NULL;
	CHECK(fk_finalize(f, &in, &out, &e) != 0);
	CHECK(fk_finalizer_commit(f, &e) == 0);
	CHECK(sql_count(home, "SELECT count(*) FROM records") == 13);

	CHECK(fk_store_verify_chain(s, &n, &bad, &e) == 0 && n == 13 && bad == 0);

	memset(&c, 0, sizeof c);
	c.ids = &ids;
	CHECK(fk_store_each_pending(s, collect, &c, &e) == 0);
	CHECK(c.n == 13 && c.bad == 0);
	CHECK(c.first != NULL);
	if (c.first != NULL) {
		json_t *a = json_object_get(c.first, "answers");
		CHECK(strcmp(json_string_value(json_object_get(a, "reporter_surname")), "Шевчишин") == 0);
		CHECK(strcmp(json_string_value(json_object_get(c.first, "form_id")), "family-report") == 0);
		CHECK(strcmp(json_string_value(json_object_get(c.first, "device_id")), d.device_id) == 0);
		CHECK(json_is_array(json_object_get(c.first, "attachments")));
		CHECK(json_string_length(json_object_get(c.first, "finalized_at")) == 20);
		json_decref(c.first);
	}

	/* Triggers: the chain cannot be broken or shortened from SQL. */
	CHECK(sql_count(home, "SELECT count(*) FROM records") == 13);
	{
		char path[1024];
		sqlite3 *db;
		snprintf(path, sizeof path, "%s/store.db", home);
		CHECK(sqlite3_open(path, &db) == SQLITE_OK);
		CHECK(sqlite3_exec(db, "DELETE FROM records WHERE seq = 5", NULL, NULL, NULL) != SQLITE_OK);
		CHECK(sqlite3_exec(db, "UPDATE records SET prev = zeroblob(32) WHERE seq = 7", NULL, NULL,
		    NULL) != SQLITE_OK);
		CHECK(sqlite3_exec(db,
		    "INSERT INTO records (seq, id, form_id, form_version, short_ref, finalized_at, ct, "
		    "ct_len, ct_hash, prev) VALUES (15, '00000000-0000-4000-8000-000000000000', 'x', 1, "
		    "'22222222', 0, x'00', 1, zeroblob(32), zeroblob(32))", NULL, NULL, NULL) != SQLITE_OK);
		CHECK(sqlite3_exec(db,
		    "INSERT INTO records (seq, id, form_id, form_version, short_ref, finalized_at, ct, "
		    "ct_len, ct_hash, prev) VALUES (14, '00000000-0000-4000-8000-000000000000', 'x', 1, "
		    "'22222222', 0, x'00', 1, zeroblob(32), zeroblob(32))", NULL, NULL, NULL) != SQLITE_OK);
		sqlite3_close(db);
	}

	/* Delivery: wrong hashes are left alone; purge now drops the ciphertext. */
	{
		char idv[3][37];
		uint8_t hv[3][32];
		size_t marked, already, mism;
		memcpy(idv[0], c.ids_seen[0], 37);
		memcpy(hv[0], c.hashes[0], 32);
		memcpy(idv[1], c.ids_seen[1], 37);
		memset(hv[1], 0xab, 32);
		memcpy(idv[2], c.ids_seen[2], 37);
		memcpy(hv[2], c.hashes[2], 32);
		fk_store_set_retention(s, FK_RETAIN_NOW, 0);
		CHECK(fk_store_mark_delivered(s, (const char(*)[37])idv, (const uint8_t(*)[32])hv, 3,
		    &marked, &already, &mism, &e) == 0);
		CHECK(marked == 2 && already == 0 && mism == 1);
		CHECK(sql_count(home, "SELECT count(*) FROM records WHERE ct IS NULL AND state = 2") == 2);
		/* Again: already delivered with the same hash counts as marked. */
		CHECK(fk_store_mark_delivered(s, (const char(*)[37])idv, (const uint8_t(*)[32])hv, 1,
		    &marked, &already, &mism, &e) == 0);
		CHECK(marked == 1 && already == 1 && mism == 0);
		/* Retention days: kept until due, then purged. */
		memcpy(idv[0], c.ids_seen[3], 37);
		memcpy(hv[0], c.hashes[3], 32);
		fk_store_set_retention(s, FK_RETAIN_DAYS, 3);
		CHECK(fk_store_mark_delivered(s, (const char(*)[37])idv, (const uint8_t(*)[32])hv, 1,
		    &marked, &already, &mism, &e) == 0);
		CHECK(sql_count(home, "SELECT count(*) FROM records WHERE state = 1 AND ct IS NOT NULL") == 1);
		{
			size_t purged;
			CHECK(fk_store_purge_due(s, (int64_t)time(NULL) + 86400, &purged, &e) == 0 && purged == 0);
			CHECK(fk_store_purge_due(s, (int64_t)time(NULL) + 4 * 86400, &purged, &e) == 0 && purged == 1);
		}
		CHECK(sql_count(home, "SELECT count(*) FROM records WHERE state = 2") == 3);
		/* Never: kept. */
		memcpy(idv[0], c.ids_seen[4], 37);
		memcpy(hv[0], c.hashes[4], 32);
		fk_store_set_retention(s, FK_RETAIN_NEVER, 0);
		CHECK(fk_store_mark_delivered(s, (const char(*)[37])idv, (const uint8_t(*)[32])hv, 1,
		    &marked, &already, &mism, &e) == 0);
		CHECK(sql_count(home, "SELECT count(*) FROM records WHERE state = 1 AND ct IS NOT NULL") == 1);
	}
	CHECK(fk_store_verify_chain(s, &n, &bad, &e) == 0 && n == 13 && bad == 0);
	{
		fk_store_counts cnt;
		CHECK(fk_store_counts_get(s, &cnt, &e) == 0);
		CHECK(cnt.pending == 9 && cnt.delivered == 1 && cnt.purged == 3 && cnt.last_seq == 13);
	}
	fk_finalizer_free(f);
	fk_store_close(s);
	fk_age_identities_free(&ids);
	fk_device_free(&d);
}

static void
test_attachments(const char *home)
{
	fk_device d;
	fk_age_identities ids;
	fk_store *s = NULL;
	fk_finalizer *f = NULL;
	fk_record_in in;
	fk_record_out out;
	fk_attach_in att;
	struct collect c;
	char path[1024];
	uint8_t *data;
	size_t len = 200000 + 7, i;
	fk_err e;
	FILE *fp;
	json_t *a = answers(1);

	tu_device(&d, home, &ids);
	CHECK(fk_store_open(&s, home, FK_STORE_WRITE, &e) == 0);
	CHECK(fk_finalizer_new(&f, s, &d, &e) == 0);
	/* The length prediction is exact for sizes around chunk edges. */
	for (i = 0; i < 3; i++) {
		size_t sizes[3] = { 0, 65536, 65537 };
		fk_buf b = { 0 };
		uint8_t *z = calloc(1, sizes[i] + 1);
		fk_age_recipients r;
		CHECK(fk_device_recipients(&d, &r, &e) == 0);
		CHECK(fk_age_encrypt_buf(&r, 0, z, sizes[i], &b, &e) == 0);
		CHECK_MSG(b.len == fk_finalizer_att_ctlen(f, sizes[i]), "size %zu", sizes[i]);
		fk_age_recipients_free(&r);
		fk_buf_free(&b);
		free(z);
	}
	data = malloc(len);
	randombytes_buf(data, len);
	memcpy(data, "\xff\xd8\xff\xe0", 4); /* a JPEG, as far as its head says */
	snprintf(path, sizeof path, "%s/photo.jpg", home);
	fp = fopen(path, "wb");
	CHECK(fp != NULL && fwrite(data, 1, len, fp) == len);
	fclose(fp);
	memset(&in, 0, sizeof in);
	in.form_id = "child-intake";
	in.form_version = 2;
	in.answers = a;
	memset(&att, 0, sizeof att);
	att.field = "photo";
	att.path = path;
	{
		json_t *v = NULL;
		CHECK(fk_attach_answer(&att, d.att_limit, &v, &e) == 0);
		json_object_set_new(a, "photo", v);
	}
	in.att = &att;
	in.natt = 1;
	CHECK(fk_finalize_one(f, &in, &out, &e) == 0);

	memset(&c, 0, sizeof c);
	c.ids = &ids;
	CHECK(fk_store_each_pending(s, collect, &c, &e) == 0);
	CHECK(c.n == 1 && c.bad == 0 && c.natt == 1);
	CHECK(c.att.len == len && memcmp(c.att.p, data, len) == 0);
	if (c.first != NULL) {
		json_t *l = json_object_get(c.first, "attachments"), *x = json_array_get(l, 0);
		CHECK(json_array_size(l) == 1);
		CHECK(strcmp(json_string_value(json_object_get(x, "field")), "photo") == 0);
		CHECK(strcmp(json_string_value(json_object_get(x, "media_type")), "image/jpeg") == 0);
		CHECK(json_integer_value(json_object_get(x, "size")) == (json_int_t)len);
		CHECK(json_string_length(json_object_get(x, "sha256_ct")) == 64);
		json_decref(c.first);
	}
	fk_buf_free(&c.att);

	/* Over the limit: refused, nothing stored, the chain goes on. */
	d.att_limit = 1000;
	CHECK(fk_finalize_one(f, &in, &out, &e) != 0 && e.code == FK_ELIMIT);
	CHECK(sql_count(home, "SELECT count(*) FROM records") == 1);
	CHECK(sql_count(home, "SELECT count(*) FROM attachments") == 1);
	/* A missing file: refused likewise. */
	att.path = "/nonexistent/photo.jpg";
	CHECK(fk_finalize_one(f, &in, &out, &e) != 0 && e.code == FK_EIO);
	in.natt = 0;
	json_object_del(a, "photo");
	CHECK(fk_finalize_one(f, &in, &out, &e) == 0 && out.seq == 2);

	json_decref(a);
	free(data);
	fk_finalizer_free(f);
	fk_store_close(s);
	fk_age_identities_free(&ids);
	fk_device_free(&d);
}

static void
test_drafts(const char *home)
{
	fk_device d;
	fk_age_identities ids;
	fk_store *s = NULL;
	fk_finalizer *f = NULL;
	fk_store_draft dr, got;
	fk_secret key, pt, other;
	fk_record_in in;
	fk_record_out out;
	const char *text = "{\"answers\":{\"reporter_surname\":\"Шевчишин\"}}";
	fk_err e;
	json_t *a = answers(1);

	tu_device(&d, home, &ids);
	CHECK(fk_store_open(&s, home, FK_STORE_WRITE, &e) == 0);
	CHECK(fk_secret_alloc(&key, 32, &e) == 0);
	randombytes_buf(key.p, 32);
	CHECK(fk_secret_alloc(&other, 32, &e) == 0);
	randombytes_buf(other.p, 32);
	memset(&dr, 0, sizeof dr);
	fk_uuid(dr.id);
	snprintf(dr.form_id, sizeof dr.form_id, "family-report");
	dr.form_version = 1;
	CHECK(fk_draft_save(s, &key, &dr, (const uint8_t *)text, strlen(text), &e) == 0);
	CHECK(fk_draft_save(s, &key, &dr, (const uint8_t *)text, strlen(text), &e) == 0);
	CHECK(sql_count(home, "SELECT count(*) FROM drafts") == 1);
	CHECK(fk_draft_load(s, &key, dr.id, &got, &pt, &e) == 0);
	CHECK(pt.len == strlen(text) && memcmp(pt.p, text, pt.len) == 0);
	fk_secret_free(&pt);
	/* The wrong key, or a draft moved to another form, does not open. */
	CHECK(fk_draft_load(s, &other, dr.id, &got, &pt, &e) != 0 && e.code == FK_ECRYPTO);
	{
		char path[1024];
		sqlite3 *db;
		snprintf(path, sizeof path, "%s/store.db", home);
		CHECK(sqlite3_open(path, &db) == SQLITE_OK);
		CHECK(sqlite3_exec(db, "UPDATE drafts SET form_id = 'child-intake'", NULL, NULL, NULL) == SQLITE_OK);
		sqlite3_close(db);
		CHECK(fk_draft_load(s, &key, dr.id, &got, &pt, &e) != 0 && e.code == FK_ECRYPTO);
		CHECK(sqlite3_open(path, &db) == SQLITE_OK);
		CHECK(sqlite3_exec(db, "UPDATE drafts SET form_id = 'family-report'", NULL, NULL, NULL) == SQLITE_OK);
		sqlite3_close(db);
	}
	CHECK(fk_draft_load(s, &key, "00000000-0000-4000-8000-000000000000", &got, &pt, &e) != 0);
	/* Finalizing a draft deletes it in the same transaction. */
	CHECK(fk_finalizer_new(&f, s, &d, &e) == 0);
	memset(&in, 0, sizeof in);
	in.form_id = "family-report";
	in.form_version = 1;
	in.answers = a;
	in.draft_id = dr.id;
	CHECK(fk_finalize_one(f, &in, &out, &e) == 0);
	CHECK(sql_count(home, "SELECT count(*) FROM drafts") == 0);
	CHECK(sql_count(home, "SELECT count(*) FROM records") == 1);

	fk_secret_free(&key);
	fk_secret_free(&other);
	json_decref(a);
	fk_finalizer_free(f);
	fk_store_close(s);
	fk_age_identities_free(&ids);
	fk_device_free(&d);
}

static void
test_many(const char *home)
{
	fk_device d;
	fk_age_identities ids;
	fk_store *s = NULL;
	fk_finalizer *f = NULL;
	fk_record_in in[FK_FINALIZE_MANY];
	fk_record_out out[FK_FINALIZE_MANY];
	json_t *a[FK_FINALIZE_MANY];
	struct collect c;
	fk_err e;
	int64_t n, bad;
	size_t i, k;

	if (getenv("FK_NO_CLONE") != NULL) {
		/* Under qemu-user that hangs on clone() (packaging/cross-arm64.sh). */
		printf("parallel sealing: skipped (FK_NO_CLONE)\n");
		return;
	}
	setenv("FIELDKIT_THREADS", "3", 1);
	tu_device(&d, home, &ids);
	CHECK(fk_store_open(&s, home, FK_STORE_WRITE, &e) == 0);
	CHECK(fk_finalizer_new(&f, s, &d, &e) == 0);
	memset(in, 0, sizeof in);
	for (i = 0; i < FK_FINALIZE_MANY; i++) {
		a[i] = answers((int)i);
		in[i].form_id = "family-report";
		in[i].form_version = 1;
		in[i].answers = a[i];
	}
	/* Outside a transaction: refused. */
	CHECK(fk_finalize_many(f, in, 3, out, &e) != 0);
	for (k = 0; k < 3; k++) {
		CHECK(fk_finalizer_begin(f, &e) == 0);
		CHECK(fk_finalize_many(f, in, FK_FINALIZE_MANY - k, out, &e) == 0);
		CHECK(fk_finalizer_commit(f, &e) == 0);
	}
	CHECK(out[0].seq == 2 * FK_FINALIZE_MANY - 1 + 1);
	/* One single record between batches keeps the chain. */
	CHECK(fk_finalize_one(f, &in[0], &out[0], &e) == 0 && out[0].seq == 3 * FK_FINALIZE_MANY - 3 + 1);
	CHECK(fk_store_verify_chain(s, &n, &bad, &e) == 0 && bad == 0 && n == 3 * FK_FINALIZE_MANY - 2);
	memset(&c, 0, sizeof c);
	c.ids = &ids;
	CHECK(fk_store_each_pending(s, collect, &c, &e) == 0);
	CHECK(c.n == 3 * FK_FINALIZE_MANY - 2 && c.bad == 0);
	json_decref(c.first);
	for (i = 0; i < FK_FINALIZE_MANY; i++)
		json_decref(a[i]);
	unsetenv("FIELDKIT_THREADS");
	fk_finalizer_free(f);
	fk_store_close(s);
	fk_age_identities_free(&ids);
	fk_device_free(&d);
}

int
main(void)
{
	char *dir;
	struct stat st;
	char path[1024];

	check_init();
	fk_json_use_wiping_alloc();
	dir = tu_tmpdir("store");
	test_finalize_and_chain(dir);
	snprintf(path, sizeof path, "%s/store.db", dir);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 077) == 0);
	tu_rmrf(dir);
	free(dir);

	dir = tu_tmpdir("store-att");
	test_attachments(dir);
	tu_rmrf(dir);
	free(dir);

	dir = tu_tmpdir("store-many");
	test_many(dir);
	tu_rmrf(dir);
	free(dir);

	dir = tu_tmpdir("store-draft");
	test_drafts(dir);
	tu_rmrf(dir);
	free(dir);
	return check_done("store");
}
