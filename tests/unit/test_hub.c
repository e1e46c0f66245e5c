/*
 * test_hub.c - hub import: 1,000 records with attachments from three devices
 * arrive intact; re-import is a no-op; conflicts are kept; gaps reported;
 * every bad bundle is refused, quarantined, and leaves the hub unchanged.
 */
#include "check.h"
#include "hub_fixture.h"

#include <dirent.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "hub.h"

static void
ignore_gap(void *ctx, const fk_hub_gap *g)
{
	(void)ctx;
	(void)g;
}

static fk_age_recipients to;

static int
validator(void *ctx, const char *form_id, int version, json_t *rec, fk_err *e)
{
	(void)ctx;
	(void)rec;
	if ((strcmp(form_id, "family_report") == 0 || strcmp(form_id, "child_intake") == 0) &&
	    version == 1)
		return 0;
	return fk_fail(e, FK_ESTATE, "form %s version %d is not known to this hub", form_id,
	    version);
}

/* A digest of everything the hub stores (the audit log aside). */
static void
state(fk_hubdb *h, uint8_t out[32])
{
	static const char *q[] = {
	    "SELECT record_id, device_id, seq, ct_hash, prev, body FROM records ORDER BY 1",
	    "SELECT record_id, ct_hash, body FROM conflicts ORDER BY 1, 2",
	    "SELECT att_id, record_id, ct_hash, size FROM attachments ORDER BY 1, 2",
	    "SELECT bundle_id, nrec FROM bundles ORDER BY 1",
	    "SELECT device_id, revoked_at FROM devices ORDER BY 1"};
	crypto_hash_sha256_state st;
	sqlite3 *db = fk_hub_sqlite(h);
	size_t i;
	int c;

	crypto_hash_sha256_init(&st);
	for (i = 0; i < sizeof q / sizeof q[0]; i++) {
		sqlite3_stmt *s;
		if (sqlite3_prepare_v2(db, q[i], -1, &s, NULL) != SQLITE_OK)
			abort();
		while (sqlite3_step(s) == SQLITE_ROW)
			for (c = 0; c < sqlite3_column_count(s); c++) {
				const unsigned char *t = sqlite3_column_text(s, c);
				if (t)
					crypto_hash_sha256_update(&st, t, strlen((const char *)t));
				crypto_hash_sha256_update(&st, (const uint8_t *)"|", 1);
			}
		sqlite3_finalize(s);
	}
	crypto_hash_sha256_final(&st, out);
}

static long
count(fk_hubdb *h, const char *sql)
{
	sqlite3_stmt *s;
	long n = -1;

	if (sqlite3_prepare_v2(fk_hub_sqlite(h), sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

static char *hubdir;

static int
quarantined(const char *q)
{
	char p[4200];
	struct stat st;

	snprintf(p, sizeof p, "%s.reason", q);
	return q[0] != 0 && stat(q, &st) == 0 && stat(p, &st) == 0;
}

/* Imports a file that must be refused; checks the hub did not change. */
static void
refused(fk_hubdb *h, const char *path, const char *what)
{
	uint8_t a[32], b[32];
	fk_import_result res;
	fk_err e = {0};
	int rc;

	state(h, a);
	rc = fk_hub_import_file(h, path, &res, &e);
	state(h, b);
	CHECK_MSG(rc != 0, "%s was accepted", what);
	CHECK_MSG(memcmp(a, b, 32) == 0, "%s changed the hub", what);
	CHECK_MSG(quarantined(res.quarantined), "%s not quarantined", what);
	CHECK_MSG(strchr(e.msg, '\n') == NULL && e.msg[0] != 0, "%s: no one-line error", what);
	if (getenv("VERBOSE"))
		fprintf(stderr, "%s: %s\n", what, e.msg);
}

static void
write_bytes(const char *path, const uint8_t *p, size_t n)
{
	fk_err e;

	if (fk_write_file_atomic(path, p, n, 0644, &e) != 0)
		abort();
}

static const char *answers[] = {
	"{\"child_name\":\"Даря\",\"age\":9,\"siblings\":[{\"name\":\"Іван\",\"age\":4}]}",
	"{\"reporter\":\"Olena Kovalenko\",\"phone\":\"+380501234567\",\"consent\":true}",
	"{\"notes\":\"пошук триває\",\"places\":[\"Kherson\",\"Mariupol\"]}",
};

/* Every record of d is in the hub with the same plaintext. */
static void
same_answers(fk_hubdb *h, struct fx_dev *d)
{
	sqlite3_stmt *s;
	size_t i, bad = 0;

	if (sqlite3_prepare_v2(fk_hub_sqlite(h), "SELECT body FROM records WHERE record_id = ?",
	    -1, &s, NULL) != SQLITE_OK)
		abort();
	for (i = 0; i < d->n; i++) {
		json_t *a = NULL, *b = json_loads(d->rec[i].json, 0, NULL);
		sqlite3_bind_text(s, 1, d->rec[i].r.id, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW)
			a = json_loads((const char *)sqlite3_column_text(s, 0), 0, NULL);
		if (a == NULL || !json_equal(a, b))
			bad++;
		json_decref(a);
		json_decref(b);
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	CHECK_MSG(bad == 0, "%zu of %zu records of %s differ", bad, d->n, d->id);
}

int
main(void)
{
	struct fx_dev dev[3], stranger, bomb;
	fk_hubdb *h;
	fk_import_result res;
	fk_err e;
	uint8_t pk[32];
	char *dir, pass[4200], *paths[3], p2[4200];
	fk_age_identities ids = {0};
	size_t i, k;
	fk_buf good = {0};

	check_init();
	dir = fx_tmpdir("hub");
	hubdir = fk_hub_path_test(dir);
	snprintf(pass, sizeof pass, "%s/pass", dir);
	write_bytes(pass, (const uint8_t *)"correct horse\n", 14);
	chmod(pass, 0600);
	CHECK(fk_hub_create(hubdir, "Kyiv hub", (const uint8_t *)"correct horse", 13, 10, &e)
	    == 0);
	CHECK(fk_hub_open(&h, hubdir, &e) == 0);
	CHECK(strcmp(fk_hub_name(h), "Kyiv hub") == 0);
	CHECK(fk_hub_unlock(h, pass, &e) == 0);
	fk_hub_set_validator(h, validator, NULL);
	(void)ids;
	{
		/* Seal to the hub's own recipient, read from its card. */
		fk_buf card = {0};
		json_t *j;
		char cp[4200];
		snprintf(cp, sizeof cp, "%s/hub-card.json", hubdir);
		CHECK(fk_read_file(cp, 65536, &card, &e) == 0);
		j = json_loadb((const char *)card.p, card.len, 0, NULL);
		CHECK(j != NULL);
		CHECK(fk_age_parse_recipient(json_string_value(json_array_get(json_object_get(j,
		    "recipients"), 0)), 62, pk, &e) == 0);
		CHECK(fk_age_recipients_add(&to, pk, &e) == 0);
		json_decref(j);
		fk_buf_free(&card);
	}

	/* 1,000 records from three devices, a third with attachments. */
	for (k = 0; k < 3; k++) {
		char id[32];
		snprintf(id, sizeof id, "device-%zu", k);
		fx_dev_init(&dev[k], id);
		CHECK(fk_hub_device_add(h, id, "tablet", &dev[k].pk, &e) == 0);
		for (i = 0; i < (k == 0 ? 334u : 333u); i++)
			fx_add(&dev[k], &to, i % 2 ? "family_report" : "child_intake", 1,
			    answers[i % 3], i % 3 == 0 ? 1 + i % 2 : 0, 200 + i);
		paths[k] = fx_export(&dev[k], dir);
		CHECK(fk_hub_import_file(h, paths[k], &res, &e) == 0);
		CHECK_MSG(res.nnew == dev[k].n && res.ndup == 0, "%s: %zu new", e.msg, res.nnew);
	}
	CHECK(count(h, "SELECT count(*) FROM records") == 1000);
	CHECK(count(h, "SELECT count(*) FROM attachments") ==
	    count(h, "SELECT sum(json_array_length(body, '$.attachments')) FROM records"));
	CHECK(count(h, "SELECT count(*) FROM records WHERE json_extract(body, "
	    "'$.answers.child_name') = 'Даря'") > 300);
	for (k = 0; k < 3; k++)
		same_answers(h, &dev[k]);

	/* Re-import: duplicates, nothing changes. */
	{
		uint8_t a[32], b[32];
		state(h, a);
		CHECK(fk_hub_import_file(h, paths[1], &res, &e) == 0);
		CHECK(res.nnew == 0 && res.ndup == 333 && res.replayed[0] != 0);
		state(h, b);
		CHECK(memcmp(a, b, 32) == 0);
	}
	{
		size_t gaps;
		CHECK(fk_hub_gaps(h, ignore_gap, NULL, &gaps, &e) == 0 && gaps == 0);
	}

	CHECK(fk_read_file(paths[0], 0, &good, &e) == 0);
	/* Truncated, flipped bytes, trailing, random. */
	snprintf(p2, sizeof p2, "%s/bad.fkb", dir);
	for (i = 1; i < good.len; i = i * 3 + 7) {
		write_bytes(p2, good.p, i);
		refused(h, p2, "truncated");
	}
	for (i = 0; i < good.len; i += good.len / 40 + 1) {
		good.p[i] ^= 0x20;
		write_bytes(p2, good.p, good.len);
		good.p[i] ^= 0x20;
		refused(h, p2, "flipped");
	}
	{
		uint8_t junk[5000];
		randombytes_buf(junk, sizeof junk);
		write_bytes(p2, junk, sizeof junk);
		refused(h, p2, "random bytes");
	}

	/* Mixed: the head of one bundle with the payload of another. */
	{
		fk_buf other = {0};
		fk_buf mix = {0};
		size_t h0 = fx_head_len(&good), h1;
		char *q;
		dev[0].from = 0;
		dev[0].to = 0;
		fx_add(&dev[0], &to, "family_report", 1, answers[0], 0, 0);
		q = fx_export(&dev[0], dir);
		CHECK(fk_read_file(q, 0, &other, &e) == 0);
		h1 = fx_head_len(&other);
		CHECK(fk_buf_append(&mix, good.p, h0, &e) == 0);
		CHECK(fk_buf_append(&mix, other.p + h1, other.len - h1, &e) == 0);
		write_bytes(p2, mix.p, mix.len);
		refused(h, p2, "manifest and records mismatched");
		fk_buf_free(&other);
		fk_buf_free(&mix);
		free(q);
	}

	/* A record replaced by a valid one from elsewhere (same length, hash differs). */
	{
		struct fx_dev d2;
		char *q;
		fx_dev_init(&d2, "device-1");
		fk_minisign_sk_free(d2.sk);
		d2.sk = dev[1].sk;
		d2.pk = dev[1].pk;
		/* device-1 signs a manifest naming device-2's record: refused. */
		d2.n = 1;
		d2.cap = 1;
		d2.rec = calloc(1, sizeof *d2.rec);
		d2.rec[0] = dev[2].rec[5];
		d2.rec[0].r.seq = 1;
		memset(d2.rec[0].r.prev, 0, 32);
		q = fx_export(&d2, dir);
		refused(h, q, "a record from another device");
		free(q);
		free(d2.rec);
		/* Bytes of another record swapped into a bundle. */
		{
			fk_buf b = {0};
			size_t off = fx_head_len(&good);
			CHECK(fk_read_file(paths[0], 0, &b, &e) == 0);
			/* overwrite the first record's ct with the start of dev 2's ct */
			memcpy(b.p + off, dev[2].rec[0].ct.p,
			    dev[2].rec[0].ct.len < dev[0].rec[0].ct.len ? dev[2].rec[0].ct.len :
			    dev[0].rec[0].ct.len);
			write_bytes(p2, b.p, b.len);
			refused(h, p2, "record replaced");
			fk_buf_free(&b);
		}
	}

	/* Unregistered and revoked devices. */
	fx_dev_init(&stranger, "stranger");
	fx_add(&stranger, &to, "family_report", 1, answers[1], 0, 0);
	{
		char *q = fx_export(&stranger, dir);
		refused(h, q, "unregistered device");
		CHECK(fk_hub_device_add(h, "stranger", "x", &stranger.pk, &e) == 0);
		CHECK(fk_hub_device_revoke(h, "stranger", &e) == 0);
		refused(h, q, "revoked device");
		CHECK(fk_hub_device_add(h, "stranger", "x", &stranger.pk, &e) != 0);
		free(q);
	}

	/* Compression bomb and unknown form version, from a registered device. */
	fx_dev_init(&bomb, "bomber");
	CHECK(fk_hub_device_add(h, "bomber", "x", &bomb.pk, &e) == 0);
	fx_add(&bomb, &to, "family_report", 1, answers[1], 0, 0);
	{
		size_t n = 64u << 20, zc = ZSTD_compressBound(n);
		uint8_t *zero = calloc(1, n), *z = malloc(zc);
		size_t zl = ZSTD_compress(z, zc, zero, n, 3);
		char *q;
		fx_reseal(&bomb, 0, &to, z, zl, 0);
		q = fx_export(&bomb, dir);
		refused(h, q, "compression bomb");
		free(q);
		free(zero);
		free(z);
	}
	{
		struct fx_dev v;
		char *q;
		fx_dev_init(&v, "newer");
		CHECK(fk_hub_device_add(h, "newer", "x", &v.pk, &e) == 0);
		fx_add(&v, &to, "family_report", 1, answers[1], 0, 0);
		fx_add(&v, &to, "family_report", 99, answers[1], 0, 0);
		q = fx_export(&v, dir);
		refused(h, q, "unknown form version");
		free(q);
		fx_dev_free(&v);
	}

	/* A different body under a known id is kept as a conflict. */
	{
		char *q, *body = strdup(dev[2].rec[3].json);
		char *p = strstr(body, "Olena");
		uint8_t a[32];
		if (p == NULL)
			p = strstr(body, "Kherson");
		if (p == NULL)
			p = strstr(body, "age\":9");
		CHECK(p != NULL);
		if (p != NULL)
			p[1] = 'X';
		fx_reseal(&dev[2], 3, &to, body, strlen(body), 1);
		dev[2].from = 3;
		dev[2].to = 4;
		state(h, a);
		q = fx_export(&dev[2], dir);
		CHECK(fk_hub_import_file(h, q, &res, &e) == 0);
		CHECK(res.nconf == 1 && res.nnew == 0);
		CHECK(count(h, "SELECT count(*) FROM conflicts") == 1);
		CHECK(fk_hub_import_file(h, q, &res, &e) == 0);
		CHECK(res.nconf == 0 && res.ndup == 1);
		CHECK(count(h, "SELECT count(*) FROM conflicts") == 1);
		free(q);
		free(body);
	}

	/* Gaps: device-0 has a new record 335 imported without 336..339. */
	{
		size_t gaps;
		char *q;
		for (i = 0; i < 5; i++)
			fx_add(&dev[0], &to, "family_report", 1, answers[2], 0, 0);
		dev[0].from = dev[0].n - 1;
		dev[0].to = 0;
		q = fx_export(&dev[0], dir);
		CHECK(fk_hub_import_file(h, q, &res, &e) == 0 && res.nnew == 1);
		CHECK(fk_hub_gaps(h, ignore_gap, NULL, &gaps, &e) == 0 && gaps == 1);
		free(q);
	}

	/* Every refusal is in the quarantine folder. */
	{
		char qd[4200];
		DIR *dd;
		struct dirent *de;
		size_t nq = 0;
		snprintf(qd, sizeof qd, "%s/quarantine", hubdir);
		dd = opendir(qd);
		CHECK(dd != NULL);
		while (dd && (de = readdir(dd)) != NULL)
			if (strstr(de->d_name, ".reason"))
				nq++;
		if (dd)
			closedir(dd);
		CHECK_MSG(nq > 50, "%zu quarantined", nq);
	}

	fk_buf_free(&good);
	for (k = 0; k < 3; k++) {
		free(paths[k]);
		fx_dev_free(&dev[k]);
	}
	fx_dev_free(&stranger);
	fx_dev_free(&bomb);
	fk_hub_close(h);
	fk_age_recipients_free(&to);
	free(hubdir);
	free(dir);
	return check_done("hub");
}
