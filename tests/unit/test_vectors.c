/*
 * test_vectors.c - the golden vectors of the wire formats (tests/data/vectors,
 * written by tests/vectors/make_vectors.c): every valid hub card, device card,
 * receipt and bundle must decode to exactly its committed expectation (and a
 * bundle's records must open with the hub's key to the committed plaintext);
 * every invalid one must be refused with its committed error class. A change
 * that breaks a format fails here, not at a border crossing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <zstd.h>

#include "check.h"
#include "age.h"
#include "bundle.h"
#include "io.h"
#include "vectors.h"
#include "wire.h"

static const char *dir;
static fk_minisign_pk devpk, hubpk;
static fk_age_identities hubid;

static const struct {
	const char *name;
	int code;
} classes[] = {
	{"FK_EIO", FK_EIO}, {"FK_EINPUT", FK_EINPUT}, {"FK_ELIMIT", FK_ELIMIT},
	{"FK_ESIG", FK_ESIG}, {"FK_ESTATE", FK_ESTATE}, {"FK_EKEY", FK_EKEY},
};

static int
class_of(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof classes / sizeof classes[0]; i++)
		if (strcmp(classes[i].name, name) == 0)
			return classes[i].code;
	return -1;
}

static int
slurp(const char *name, fk_buf *b)
{
	char *p = fk_path_join(dir, name);
	fk_err e;
	int rc;

	b->len = 0;
	rc = fk_read_file(p, 64u << 20, b, &e);
	if (rc != 0)
		fprintf(stderr, "%s: %s\n", name, e.msg);
	free(p);
	return rc;
}

static json_t *
expect_json(const char *name)
{
	char *p = fk_path_join(dir, name);
	json_error_t je;
	json_t *j = json_load_file(p, 0, &je);

	if (j == NULL)
		fprintf(stderr, "%s: %s\n", name, je.text);
	free(p);
	return j;
}

static int
same(json_t *got, const char *expect_file, const char *file)
{
	json_t *want = expect_json(expect_file);
	int ok = got != NULL && want != NULL && json_equal(got, want);

	if (!ok) {
		char *g = got ? json_dumps(got, JSON_SORT_KEYS) : NULL;
		fprintf(stderr, "%s decodes to\n  %s\nnot to %s\n", file, g ? g : "(null)",
		    expect_file);
		free(g);
	}
	json_decref(want);
	return ok;
}

static int
dev_key(void *ctx, const char *device_id, fk_minisign_pk *pk, fk_err *e)
{
	(void)ctx;
	if (strcmp(device_id, VEC_DEVICE_ID) != 0)
		return fk_fail(e, FK_ESIG, "unknown device %s", device_id);
	*pk = devpk;
	return 0;
}

/* Reads a bundle; on success checks the manifest and every record's plaintext. */
static int
read_bundle(const fk_buf *b, const char *expect_file, fk_err *e)
{
	fk_memsrc ms;
	fk_bundle_reader *r = fk_bundle_open(fk_memsrc_init(&ms, b->p, b->len), dev_key, NULL, e);
	json_t *got, *want = NULL, *plain = json_array();
	fk_buf blob = {0}, pt = {0}, z = {0};
	size_t ri, ai;
	int k, rc = -1;

	if (r == NULL)
		goto out;
	while ((k = fk_bundle_peek(r, &ri, &ai, e)) == 1) {
		blob.len = 0;
		if (fk_bundle_read(r, fk_buf_sink(&blob), e) != 0)
			goto out;
		if (ai != (size_t)-1)
			continue;
		/* The record: age to the hub, zstd inside. */
		pt.len = z.len = 0;
		if (fk_age_decrypt_buf(&hubid, blob.p, blob.len, 0, &z, e) != 0 ||
		    fk_zstd_inflate(z.p, z.len, 1u << 20, &pt, e) != 0)
			goto out;
		json_array_append_new(plain, json_loadb((const char *)pt.p, pt.len, 0, NULL));
	}
	if (k != 0)
		goto out;
	rc = 0;
	if (expect_file != NULL) {
		got = vec_manifest_json(fk_bundle_manifest_of(r));
		json_object_set(got, "records_plaintext", plain);
		CHECK(same(got, expect_file, "bundle"));
		json_decref(got);
	}
out:
	json_decref(want);
	json_decref(plain);
	fk_buf_free(&blob);
	fk_buf_free(&pt);
	fk_buf_free(&z);
	fk_bundle_close(r);
	return rc;
}

/* Decodes one vector; returns 0 (with *got for the comparable kinds) or -1 with e. */
static int
decode(const char *kind, const fk_buf *b, const char *expect_file, json_t **got, fk_err *e)
{
	const char *name = VEC_HUB_NAME;

	*got = NULL;
	if (strcmp(kind, "hubcard") == 0) {
		fk_hubcard c;
		if (fk_hubcard_parse(b->p, b->len, &c, e) != 0)
			return -1;
		*got = vec_hubcard_json(&c);
	} else if (strcmp(kind, "devicecard") == 0) {
		fk_device_card c;
		if (fk_card_device_parse(b->p, b->len, &c, e) != 0)
			return -1;
		*got = vec_devicecard_json(&c);
	} else if (strcmp(kind, "receipt") == 0) {
		fk_receipt r;
		if (fk_receipt_check(b->p, b->len, &hubpk, &name, 1, VEC_DEVICE_ID, &r, e) != 0)
			return -1;
		*got = vec_receipt_json(&r);
		fk_receipt_free(&r);
	} else if (strcmp(kind, "bundle") == 0) {
		return read_bundle(b, expect_file, e);
	} else {
		return fk_fail(e, FK_EUSAGE, "unknown kind %s", kind);
	}
	return 0;
}

static void
load_keys(void)
{
	fk_minisign_sk *sk = NULL;
	fk_buf b = {0};
	fk_err e;

	CHECK(slurp(VEC_DEVICE_KEY, &b) == 0 &&
	    fk_minisign_sk_decode(b.p, b.len, NULL, 0, &sk, &e) == 0);
	if (sk == NULL)
		exit(1);
	fk_minisign_sk_public(sk, &devpk);
	fk_minisign_sk_free(sk);
	sk = NULL;
	CHECK(slurp(VEC_HUB_KEY, &b) == 0 &&
	    fk_minisign_sk_decode(b.p, b.len, NULL, 0, &sk, &e) == 0);
	if (sk == NULL)
		exit(1);
	fk_minisign_sk_public(sk, &hubpk);
	fk_minisign_sk_free(sk);
	CHECK(slurp(VEC_HUB_AGE, &b) == 0 && fk_age_identities_parse(&hubid, b.p, b.len, &e) == 0);
	fk_buf_free(&b);
}

int
main(void)
{
	const char *td = getenv("FK_TESTDATA");
	char idxpath[4096], line[1024];
	size_t nvalid = 0, ninvalid = 0, nkinds[4] = {0};
	static const char *const kinds[] = {"hubcard", "devicecard", "receipt", "bundle"};
	FILE *f;
	fk_buf b = {0};

	check_init();
	snprintf(idxpath, sizeof idxpath, "%s/vectors", td ? td : "tests/data");
	dir = strdup(idxpath);
	snprintf(idxpath, sizeof idxpath, "%s/%s", dir, VEC_INDEX);
	load_keys();
	f = fopen(idxpath, "r");
	CHECK(f != NULL);
	while (f != NULL && fgets(line, sizeof line, f) != NULL) {
		char *kind = strtok(line, "\t\n"), *file = strtok(NULL, "\t\n");
		char *expect = strtok(NULL, "\t\n");
		json_t *got;
		fk_err e = {0};
		size_t i;
		int rc;

		if (kind == NULL || kind[0] == '#')
			continue;
		CHECK_MSG(file != NULL && expect != NULL, "index line for %s", kind);
		if (file == NULL || expect == NULL || slurp(file, &b) != 0) {
			CHECK_MSG(0, "cannot read vector %s", file ? file : "?");
			continue;
		}
		for (i = 0; i < 4; i++)
			if (strcmp(kind, kinds[i]) == 0)
				nkinds[i]++;
		if (strncmp(expect, "ok ", 3) == 0) {
			rc = decode(kind, &b, expect + 3, &got, &e);
			CHECK_MSG(rc == 0, "%s: %s", file, e.msg);
			if (rc == 0 && got != NULL)
				CHECK_MSG(same(got, expect + 3, file), "%s", file);
			json_decref(got);
			nvalid++;
		} else {
			int want = class_of(expect);
			CHECK_MSG(want > 0, "%s: unknown error class %s", file, expect);
			rc = decode(kind, &b, NULL, &got, &e);
			json_decref(got);
			CHECK_MSG(rc != 0, "%s was accepted; it must be refused with %s", file, expect);
			CHECK_MSG(rc != 0 && e.code == want, "%s: refused with class %d (%s), "
			    "want %s", file, e.code, e.msg, expect);
			ninvalid++;
		}
	}
	if (f != NULL)
		fclose(f);
	/* The set is not allowed to shrink silently. */
	CHECK(nvalid >= 4 && ninvalid >= 20);
	CHECK(nkinds[0] >= 5 && nkinds[1] >= 5 && nkinds[2] >= 5 && nkinds[3] >= 5);
	printf("vectors: %zu valid, %zu invalid\n", nvalid, ninvalid);
	fk_buf_free(&b);
	fk_age_identities_free(&hubid);
	free((char *)dir);
	return check_done("test_vectors");
}
