/*
 * test_bundle.c - the bundle format: export, read back, and refusal of every
 * truncation, flipped byte, trailing byte and foreign signature.
 */
#include "check.h"
#include "hub_fixture.h"

#include <sys/stat.h>

static int
verify_mem(const uint8_t *p, size_t n, struct fx_dev *d, fk_err *e)
{
	fk_memsrc m;
	fk_bundle_reader *r = fk_bundle_open(fk_memsrc_init(&m, p, n), fx_key, d, e);
	int rc;

	if (r == NULL)
		return -1;
	rc = fk_bundle_verify_all(r, e);
	fk_bundle_close(r);
	return rc;
}

static size_t
head_len(const fk_buf *b)
{
	size_t mz, sl;
	const char *p = (const char *)b->p + strlen(FK_BUNDLE_MAGIC);

	sscanf(p, "%zu %zu", &mz, &sl);
	return (size_t)(strchr(p, '\n') + 1 - (const char *)b->p) + mz + sl;
}

int
main(void)
{
	struct fx_dev d, other;
	fk_age_recipients to = {0};
	uint8_t sk[32], pk[32];
	char *dir, *path;
	fk_buf b = {0};
	fk_err e;
	fk_bundle_manifest m = {0};
	size_t i, hl, bad = 0, tried = 0;

	check_init();
	fk_age_keygen(sk, pk);
	CHECK(fk_age_recipients_add(&to, pk, &e) == 0);
	fx_dev_init(&d, "dev-a");
	fx_dev_init(&other, "dev-a"); /* same id, other key */
	for (i = 0; i < 30; i++)
		fx_add(&d, &to, "family_report", 1, "{\"name\":\"Olena\",\"kids\":[{\"n\":1}]}",
		    i % 3, 100 + i);
	dir = fx_tmpdir("bundle");
	path = fx_export(&d, dir);
	CHECK(path != NULL);
	CHECK(fk_bundle_verify_file(path, fx_key, &d, &m, &e) == 0);
	CHECK(m.n == 30);
	CHECK(strcmp(m.device_id, "dev-a") == 0);
	CHECK(m.n == 30 && m.rec[29].seq == 30 && m.rec[1].natt == 1 && m.rec[2].natt == 2);
	CHECK(m.n == 30 && memcmp(m.rec[5].prev, d.rec[4].r.ct_hash, 32) == 0);
	fk_bundle_manifest_free(&m);
	CHECK(fk_read_file(path, 0, &b, &e) == 0);
	CHECK(verify_mem(b.p, b.len, &d, &e) == 0);
	/* The manifest is written as text (no JSON tree): exactly jansson's compact
	 * form of itself, keys in the format's order. */
	{
		fk_memsrc ms;
		fk_bundle_reader *r = fk_bundle_open(fk_memsrc_init(&ms, b.p, b.len), fx_key, &d, &e);
		const uint8_t *mz, *sg, *js;
		size_t mzl, sgl, jsl;
		json_t *j;
		char *again = NULL;
		CHECK(r != NULL);
		if (r != NULL) {
			fk_bundle_raw(r, &mz, &mzl, &sg, &sgl, &js, &jsl);
			j = json_loadb((const char *)js, jsl, 0, NULL);
			CHECK(j != NULL && (again = json_dumps(j, JSON_COMPACT)) != NULL &&
			    strlen(again) == jsl && memcmp(again, js, jsl) == 0);
			CHECK(memmem(js, jsl, "\"records\":[{\"id\":", strlen("\"records\":[{\"id\":")) &&
			    memmem(js, jsl, "\"att\":[{\"id\":", strlen("\"att\":[{\"id\":")));
			free(again);
			json_decref(j);
		}
		fk_bundle_close(r);
	}

	/* A different key under the same device id. */
	CHECK(verify_mem(b.p, b.len, &other, &e) != 0 && e.code == FK_ESIG);

	/* Every truncation is refused. */
	for (i = 0; i < b.len; i += (i < 2000 ? 1 : 37)) {
		tried++;
		if (verify_mem(b.p, i, &d, &e) != 0)
			bad++;
	}
	CHECK_MSG(bad == tried, "%zu of %zu truncations refused", bad, tried);

	/* Every flipped byte in the head, and many in the payload, is refused. */
	hl = head_len(&b);
	bad = tried = 0;
	for (i = 0; i < b.len; i += (i < hl ? 1 : 13)) {
		uint8_t bit = (uint8_t)(1u << (i % 8));
		b.p[i] ^= bit;
		tried++;
		if (verify_mem(b.p, b.len, &d, &e) != 0)
			bad++;
		else
			fprintf(stderr, "flip at %zu (head %zu) accepted\n", i, hl);
		b.p[i] ^= bit;
	}
	CHECK_MSG(bad == tried, "%zu of %zu flips refused", bad, tried);
	CHECK(verify_mem(b.p, b.len, &d, &e) == 0);

	/* A trailing byte is refused. */
	CHECK(fk_buf_append(&b, "x", 1, &e) == 0);
	CHECK(verify_mem(b.p, b.len, &d, &e) != 0);
	b.len--;

	/* Random bytes and an empty file. */
	{
		uint8_t junk[4096];
		randombytes_buf(junk, sizeof junk);
		CHECK(verify_mem(junk, sizeof junk, &d, &e) != 0);
		CHECK(verify_mem(junk, 0, &d, &e) != 0);
		memcpy(junk, FK_BUNDLE_MAGIC "99999999999999999999 5\n", 42);
		CHECK(verify_mem(junk, sizeof junk, &d, &e) != 0);
	}

	/* A signed manifest that would expand far more than a manifest can (a
	 * compression bomb): refused once it passes FK_BUNDLE_MAX_RATIO times its
	 * size, long before FK_BUNDLE_MAX_MANIFEST. */
	{
		size_t n = 8u << 20, zc = ZSTD_compressBound(n), zl;
		uint8_t *big = malloc(n), *z = malloc(zc);
		fk_buf sig = {0}, bomb = {0};
		char tc[200], line[64];
		memset(big, ' ', n);
		zl = ZSTD_compress(z, zc, big, n, 3);
		snprintf(tc, sizeof tc, "fieldkit-bundle v1 device=%s bundle=%s records=1", d.id,
		    "00000000-0000-4000-8000-000000000000");
		CHECK(fk_minisign_sign_buf(d.sk, z, zl, tc, "fieldkit bundle manifest", &sig, &e) == 0);
		snprintf(line, sizeof line, FK_BUNDLE_MAGIC "%zu %zu\n", zl, sig.len);
		CHECK(fk_buf_append(&bomb, line, strlen(line), &e) == 0);
		CHECK(fk_buf_append(&bomb, z, zl, &e) == 0);
		CHECK(fk_buf_append(&bomb, sig.p, sig.len, &e) == 0);
		CHECK(verify_mem(bomb.p, bomb.len, &d, &e) != 0 && e.code == FK_ELIMIT);
		free(big);
		free(z);
		fk_buf_free(&sig);
		fk_buf_free(&bomb);
	}

	/* Split by size: every part verifies, together they hold every record. */
	{
		fk_export_result res;
		size_t total = 0;
		char *dir2 = fx_tmpdir("bundle-split");
		CHECK(fk_bundle_export(fx_iter, &d, d.id, d.sk, dir2, 12000, &res, &e) == 0);
		CHECK_MSG(res.nfiles > 2, "%zu parts", res.nfiles);
		for (i = 0; i < res.nfiles; i++) {
			struct stat st;
			CHECK(fk_bundle_verify_file(res.paths[i], fx_key, &d, &m, &e) == 0);
			CHECK(stat(res.paths[i], &st) == 0 && st.st_size <= 12000);
			total += m.n;
			fk_bundle_manifest_free(&m);
		}
		CHECK(total == 30);
		fk_export_result_free(&res);
		/* A record that cannot fit is an error, not a silent drop. */
		CHECK(fk_bundle_export(fx_iter, &d, d.id, d.sk, dir2, 1000, &res, &e) != 0);
		free(dir2);
	}

	fk_buf_free(&b);
	free(path);
	free(dir);
	fx_dev_free(&d);
	fx_dev_free(&other);
	fk_age_recipients_free(&to);
	return check_done("bundle");
}
