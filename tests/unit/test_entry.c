/*
 * test_entry.c - a record in progress (capture/entry.h), the part every face
 * shares: no empty drafts; a draft keeps answers, what the face keeps and
 * its attachments (pending files, with their keys, sealed inside the draft);
 * a draft in the wizard's format (attachments by file path) resumes and
 * seals; the review builds and checks; sealing needs the review's digest,
 * seals exactly the built answers and only the attachments they name, and
 * leaves no draft and no pending file behind; discarding leaves nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "draft.h"
#include "entry.h"
#include "session.h"
#include "shortref.h"
#include "test_store_util.h"
#include "util.h"

struct opened {
	fk_age_identities *ids;
	json_t *rec;
	fk_buf att[4];
	size_t natt;
	int n;
};

static int
open_rec(void *ctx, const fk_store_record *r, fk_err *e)
{
	struct opened *o = ctx;
	size_t i;

	json_decref(o->rec);
	o->rec = tu_open_record(o->ids, r->ct, r->ctlen);
	o->natt = r->natt;
	for (i = 0; i < r->natt && i < 4; i++) {
		o->att[i].len = 0;
		if (fk_age_decrypt_buf(o->ids, r->att[i].ct, r->att[i].ctlen, 0, &o->att[i], e) != 0)
			return -1;
	}
	o->n++;
	return 0;
}

static void
opened_clear(struct opened *o)
{
	size_t i;

	json_decref(o->rec);
	for (i = 0; i < 4; i++)
		fk_buf_free(&o->att[i]);
	memset(o, 0, sizeof *o);
}

static int
exists(const char *home, const char *id)
{
	char p[1024];
	struct stat st;

	snprintf(p, sizeof p, "%s/%s/%s.fkp", home, FK_PENDING_DIR, id);
	return stat(p, &st) == 0;
}

/* A pending file of n bytes (a JPEG start, then a pattern) put at path. */
static int
attach(fk_entry *x, const char *home, const char *path, size_t n, char id[FK_UUID_BUF],
    uint8_t *data)
{
	fk_pending_w *w;
	fk_secret key = { 0 };
	uint64_t size;
	fk_err e;
	size_t i;

	for (i = 0; i < n; i++)
		data[i] = (uint8_t)(i * 13 + n);
	memcpy(data, "\xff\xd8\xff\xe0", 4);
	fk_uuid(id);
	if (fk_pending_create(home, id, 1u << 20, &w, &key, &e) != 0 ||
	    fk_pending_write(w, data, n, &e) != 0 || fk_pending_finish(w, &size, &e) != 0)
		return -1;
	if (fk_entry_attach_pending(x, path, id, "photo.jpg", "image/jpeg", size, &key, &e) != 0)
		return -1;
	return key.p == NULL ? 0 : -1; /* the key was taken */
}

static int
ndrafts(fk_store *s)
{
	fk_store_counts c;
	fk_err e;

	return fk_store_counts_get(s, &c, &e) == 0 ? (int)c.drafts : -1;
}

int
main(void)
{
	const char *td = getenv("FK_TESTDATA");
	char *home = tu_tmpdir("test_entry"), formpath[1024], id1[FK_UUID_BUF], id2[FK_UUID_BUF];
	char rid[FK_UUID_BUF];
	uint8_t data1[5000], data2[70000];
	fk_device d;
	fk_age_identities ids;
	fk_store *s = NULL;
	fk_finalizer *fin = NULL;
	fk_form *f = NULL;
	fk_secret dkey = { 0 };
	fk_entry *x = NULL, *y = NULL;
	fk_vopts vo = { "en", 0 };
	fk_review rv;
	fk_record_out out;
	struct opened o;
	fk_err e = { 0 };
	json_t *a, *kept;
	int64_t created;

	check_init();
	fk_json_use_wiping_alloc();
	snprintf(formpath, sizeof formpath, "%s/capture-test.json", td ? td : "tests/data");
	tu_device(&d, home, &ids);
	CHECK(fk_form_load_file(formpath, &f, NULL, &e) == 0);
	CHECK(fk_store_open(&s, home, FK_STORE_WRITE, &e) == 0);
	CHECK(fk_finalizer_new(&fin, s, &d, &e) == 0);
	CHECK(fk_secret_alloc(&dkey, 32, &e) == 0);
	randombytes_buf(dkey.p, dkey.len);
	if (f == NULL || s == NULL || fin == NULL)
		return check_done("test_entry");

	/* nothing answered: saving keeps nothing */
	CHECK(fk_entry_new(f, home, &x, &e) == 0);
	CHECK(fk_uuid_valid(fk_entry_id(x)));
	CHECK(fk_entry_save(x, s, &dkey, &e) == 0 && ndrafts(s) == 0 && fk_entry_saved_at(x) == 0);

	/* answers, a photo, what the face keeps */
	a = fk_entry_answers(x);
	CHECK(fk_answers_set(f, a, "reporter_surname_cyr", json_string("Коваленко"), &e) == 0);
	CHECK(fk_answers_set(f, a, "reporter_given_cyr", json_string("Олена"), &e) == 0);
	CHECK(fk_answers_set(f, a, "report_date", json_string("2025-01-02"), &e) == 0);
	CHECK(fk_answers_repeat_add(f, a, "children", NULL, &e) == 0);
	CHECK(fk_answers_set(f, a, "children[0].child_surname_cyr", json_string("Коваленко"), &e) == 0);
	CHECK(attach(x, home, "photo", sizeof data1, id1, data1) == 0);
	CHECK(fk_entry_count_answers(a) == 5);
	json_object_set_new(fk_entry_face(x), "raw", json_pack("{s:s}", "reporter_age", "4o"));
	fk_entry_set_lang(x, "uk");
	CHECK(fk_entry_save(x, s, &dkey, &e) == 0 && ndrafts(s) == 1 && fk_entry_saved_at(x) > 0);
	snprintf(rid, sizeof rid, "%s", fk_entry_id(x));

	/* held: no second face (the wizard, another page) opens it while x has it */
	CHECK(fk_entry_resume(f, home, s, &dkey, rid, &y, &e) != 0 && e.code == FK_ESTATE &&
	    strstr(e.msg, "open elsewhere") != NULL);
	{
		fk_session_cfg sc;
		fk_session *ss = NULL;

		memset(&sc, 0, sizeof sc);
		sc.form = f;
		sc.store = s;
		sc.draft_key = &dkey;
		sc.home = home;
		CHECK(fk_session_resume(&sc, rid, &ss, &e) != 0 && e.code == FK_ESTATE);
		fk_session_free(ss);
	}
	/* x closed (its answers kept here to compare), then resumed: the same
	 * answers, face, language and photo */
	kept = json_deep_copy(fk_entry_answers(x));
	created = fk_entry_created_at(x);
	fk_entry_free(x);
	x = NULL;
	CHECK(fk_entry_resume(f, home, s, &dkey, rid, &y, &e) == 0);
	if (y != NULL) {
		fk_entry_src src;
		uint8_t buf[8000];
		long n;
		CHECK(json_equal(fk_entry_answers(y), kept));
		CHECK(strcmp(json_string_value(json_object_get(json_object_get(fk_entry_face(y), "raw"),
		    "reporter_age")), "4o") == 0);
		CHECK(strcmp(fk_entry_lang(y), "uk") == 0);
		CHECK(fk_entry_created_at(y) == created);
		CHECK(fk_entry_att_open(y, id1, &src, &e) == 0);
		n = fk_source_read_full(&src.src, buf, sizeof buf, &e);
		CHECK(n == (long)sizeof data1 && memcmp(buf, data1, sizeof data1) == 0 &&
		    src.size == sizeof data1 && strcmp(src.media_type, "image/jpeg") == 0);
		fk_entry_att_close(&src);
		CHECK(fk_entry_att_open(y, "no-such", &src, &e) != 0);
		fk_entry_free(y);
		y = NULL;
	}
	json_decref(kept);
	/* freed: its hold went with it; x again for what follows */
	CHECK(fk_entry_resume(f, home, s, &dkey, rid, &x, &e) == 0);
	if (x == NULL)
		return check_done("test_entry");
	/* a draft for another form is refused */
	{
		fk_form *g = NULL;
		char p2[1024];
		snprintf(p2, sizeof p2, "%s/../../schemas/family-report.json", td ? td : "tests/data");
		if (fk_form_load_file(p2, &g, NULL, &e) == 0) {
			CHECK(fk_entry_resume(g, home, s, &dkey, rid, &y, &e) != 0 && e.code == FK_ESTATE);
			fk_form_free(g);
		}
	}
	/* the wrong draft key opens nothing */
	{
		fk_secret bad = { 0 };
		CHECK(fk_secret_alloc(&bad, 32, &e) == 0);
		randombytes_buf(bad.p, bad.len);
		CHECK(fk_entry_resume(f, home, s, &bad, rid, &y, &e) != 0 && e.code == FK_ECRYPTO);
		fk_secret_free(&bad);
	}

	/* the photo removed: its file goes with the next save */
	CHECK(exists(home, id1));
	CHECK(fk_entry_detach(x, "photo", &e) == 0 && fk_answers_get(f, fk_entry_answers(x), "photo") == NULL);
	CHECK(exists(home, id1));
	CHECK(fk_entry_save(x, s, &dkey, &e) == 0 && !exists(home, id1));
	/* another one, in a repeat that is then removed: not sealed either */
	CHECK(fk_answers_repeat_add(f, fk_entry_answers(x), "children", NULL, &e) == 0);
	CHECK(attach(x, home, "photo", sizeof data2, id2, data2) == 0);

	/* the review: built answers, problems, a digest; an answer the review did not see stops the seal */
	CHECK(fk_entry_review(x, &vo, &rv, &e) == 0);
	CHECK(rv.issues.n == 1 && strcmp(rv.issues.v[0].path, "children[1].child_surname_cyr") == 0);
	fk_review_free(&rv);
	CHECK(fk_answers_repeat_remove(f, fk_entry_answers(x), "children", 1, &e) == 0);
	CHECK(fk_entry_review(x, &vo, &rv, &e) == 0 && rv.issues.n == 0);
	CHECK(strcmp(json_string_value(json_object_get(rv.answers, "reporter_surname_lat")), "Kovalenko") == 0);
	CHECK(json_object_get(fk_entry_answers(x), "reporter_surname_lat") == NULL);
	CHECK(strlen(rv.digest) == 64);
	{
		char digest[65];
		memcpy(digest, rv.digest, sizeof digest);
		fk_review_free(&rv);
		CHECK(fk_entry_seal(x, fin, &vo, "0000", &out, &e) != 0 && e.code == FK_ESTATE);
		CHECK(fk_answers_set(f, fk_entry_answers(x), "reporter_age", json_integer(41), &e) == 0);
		CHECK(fk_entry_seal(x, fin, &vo, digest, &out, &e) != 0 && e.code == FK_ESTATE);
		CHECK(fk_entry_review(x, &vo, &rv, &e) == 0);
		memcpy(digest, rv.digest, sizeof digest);
		CHECK(fk_entry_seal(x, fin, &vo, digest, &out, &e) == 0);
		CHECK(out.seq == 1 && fk_shortref_valid(out.short_ref));
	}
	CHECK(ndrafts(s) == 0 && !exists(home, id2));
	memset(&o, 0, sizeof o);
	o.ids = &ids;
	CHECK(fk_store_each_pending(s, open_rec, &o, &e) == 0 && o.n == 1);
	if (o.rec != NULL) {
		json_t *att = json_object_get(o.rec, "attachments"), *ans = json_object_get(o.rec, "answers");
		CHECK(json_equal(ans, rv.answers));
		CHECK(json_array_size(att) == 1 && o.natt == 1);
		CHECK(strcmp(json_string_value(json_object_get(json_array_get(att, 0), "field")), "photo") == 0);
		CHECK(strcmp(json_string_value(json_object_get(json_array_get(att, 0), "id")), id2) == 0);
		CHECK(strcmp(json_string_value(json_object_get(json_object_get(ans, "photo"), "id")), id2) == 0);
		CHECK(o.att[0].len == sizeof data2 && memcmp(o.att[0].p, data2, sizeof data2) == 0);
		CHECK(strcmp(json_string_value(json_object_get(o.rec, "form_id")), "capture-test") == 0);
	}
	fk_review_free(&rv);
	fk_entry_free(x);
	x = NULL;

	/* a record with problems is not sealed; an answer naming a file the device does not have is one */
	CHECK(fk_entry_new(f, home, &x, &e) == 0);
	CHECK(fk_answers_set(f, fk_entry_answers(x), "photo", json_pack("{s:s, s:s, s:i}", "id",
	    "0e6b9341-410a-4336-a58a-12e19731513d", "media_type", "image/jpeg", "size", 10), &e) == 0);
	CHECK(fk_entry_review(x, &vo, &rv, &e) == 0);
	{
		size_t i, req = 0, missing = 0;
		for (i = 0; i < rv.issues.n; i++) {
			req += strcmp(rv.issues.v[i].code, "required") == 0;
			missing += strcmp(rv.issues.v[i].code, "invalid_attachment") == 0 &&
			    strcmp(rv.issues.v[i].path, "photo") == 0;
		}
		CHECK(req >= 3 && missing == 1);
		CHECK(fk_entry_seal(x, fin, &vo, rv.digest, &out, &e) != 0 && e.code == FK_EINPUT);
	}
	fk_review_free(&rv);
	fk_entry_free(x);
	x = NULL;

	/* a draft the wizard wrote (a photo by its file path) resumes here and seals */
	{
		char path[1024], id[FK_UUID_BUF];
		fk_store_draft dr;
		fk_secbuf pt = { 0 };
		json_t *j;
		FILE *fp;
		snprintf(path, sizeof path, "%s/wizard-photo.jpg", home);
		fp = fopen(path, "wb");
		CHECK(fp != NULL && fwrite(data1, 1, 3000, fp) == 3000);
		if (fp != NULL)
			fclose(fp);
		fk_uuid(id);
		memset(&dr, 0, sizeof dr);
		fk_uuid(dr.id);
		snprintf(dr.form_id, sizeof dr.form_id, "capture-test");
		dr.form_version = fk_form_version(f);
		dr.created_at = 1700000000;
		j = json_pack("{s:i, s:s, s:I, s:{s:s, s:s, s:s, s:[{s:s}], s:{s:s, s:s, s:i, s:s}},"
		    " s:{}, s:[], s:[{s:s, s:s, s:s}]}", "v", 1, "lang", "en", "created_at",
		    (json_int_t)1700000000, "answers", "reporter_surname_cyr", "Бондар",
		    "reporter_given_cyr", "Марія", "report_date", "2025-02-03", "children",
		    "child_surname_cyr", "Бондар", "photo", "id", id, "media_type", "image/jpeg",
		    "size", 3000, "name", "wizard-photo.jpg", "visited", "history", "attach", "field",
		    "photo", "path", path, "id", id);
		CHECK(j != NULL && fk_json_dump_secure(j, &pt, &e) == 0);
		json_decref(j);
		CHECK(fk_draft_save(s, &dkey, &dr, pt.p, pt.len, &e) == 0);
		fk_secbuf_free(&pt);
		CHECK(fk_entry_resume(f, home, s, &dkey, dr.id, &x, &e) == 0);
		if (x != NULL) {
			CHECK(fk_entry_created_at(x) == 1700000000);
			CHECK(fk_entry_review(x, &vo, &rv, &e) == 0 && rv.issues.n == 0);
			CHECK(fk_entry_seal(x, fin, &vo, rv.digest, &out, &e) == 0 && out.seq == 2);
			fk_review_free(&rv);
			CHECK(ndrafts(s) == 0);
			CHECK(access(path, F_OK) == 0); /* the worker's own file is not ours to delete */
			opened_clear(&o);
			o.ids = &ids;
			CHECK(fk_store_each_pending(s, open_rec, &o, &e) == 0 && o.n == 2);
			CHECK(o.natt == 1 && o.att[0].len == 3000 && memcmp(o.att[0].p, data1, 3000) == 0);
			CHECK(strcmp(json_string_value(json_object_get(json_array_get(json_object_get(o.rec,
			    "attachments"), 0), "name")), "wizard-photo.jpg") == 0);
			fk_entry_free(x);
			x = NULL;
		}
	}

	/* discarded: no draft, no pending file */
	CHECK(fk_entry_new(f, home, &x, &e) == 0);
	CHECK(fk_answers_set(f, fk_entry_answers(x), "reporter_surname_cyr", json_string("Х"), &e) == 0);
	CHECK(attach(x, home, "photo", 100, id1, data1) == 0);
	CHECK(fk_entry_save(x, s, &dkey, &e) == 0 && ndrafts(s) == 1 && exists(home, id1));
	CHECK(fk_entry_discard(x, s, &e) == 0 && ndrafts(s) == 0 && !exists(home, id1));
	fk_entry_free(x);

	opened_clear(&o);
	fk_secret_free(&dkey);
	fk_finalizer_free(fin);
	fk_store_close(s);
	fk_form_free(f);
	fk_age_identities_free(&ids);
	fk_device_free(&d);
	tu_rmrf(home);
	free(home);
	return check_done("test_entry");
}
