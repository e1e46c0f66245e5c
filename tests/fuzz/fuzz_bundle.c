/*
 * fuzz_bundle.c - libFuzzer entry over the bundle reader (sync/bundle.h):
 * head, signature, manifest and the streamed, hashed payload. One device
 * ("fuzz-dev") is registered with a fixed key. The first byte picks the mode:
 *   0: edits (fuzz_util.h fz_mutate) to a valid bundle of 3 records built at
 *      start-up, so mutants pass the signature when only the payload changed;
 *   1: "MANIFEST-JSON\0PAYLOAD": the target compresses and signs the JSON for
 *      fuzz-dev (bundle FZ_BID), so the manifest parser sees fuzzer JSON;
 *   other: the whole input is a bundle file, read with the key and without
 *      (bundle info reads unsigned heads).
 */
#include <stdint.h>
#include <string.h>

#include <sodium.h>
#include <zstd.h>

#include "bundle.h"
#include "fuzz_util.h"

#define FZ_DEV "fuzz-dev"
#define FZ_BID "6d1f7a52-3c4b-4e8f-9a0b-1c2d3e4f5a6b"

static fk_minisign_sk *sk;
static fk_minisign_pk pk;
static fk_buf valid;

static int
keyfn(void *ctx, const char *device_id, fk_minisign_pk *out, fk_err *e)
{
	(void)ctx;
	if (strcmp(device_id, FZ_DEV) != 0)
		return fk_fail(e, FK_ESIG, "unknown device");
	*out = pk;
	return 0;
}

static void
read_all(const uint8_t *p, size_t n, fk_bundle_keyfn kf)
{
	fk_memsrc m;
	fk_err e = {0};
	fk_bundle_reader *r = fk_bundle_open(fk_memsrc_init(&m, p, n), kf, NULL, &e);
	const uint8_t *mz, *sig, *json;
	size_t mzl, sl, jl;

	if (r == NULL)
		return;
	fk_bundle_raw(r, &mz, &mzl, &sig, &sl, &json, &jl);
	(void)fk_bundle_manifest_of(r)->n;
	(void)fk_bundle_verify_all(r, &e);
	fk_bundle_close(r);
}

/* Builds the valid bundle: 3 chained records, the second with 2 attachments. */
static void
build_valid(void)
{
	static const char *const ids[] = {"0b6c9e0a-1111-4a2b-8c3d-000000000001",
	    "0b6c9e0a-1111-4a2b-8c3d-000000000002", "0b6c9e0a-1111-4a2b-8c3d-000000000003",
	    "0b6c9e0a-2222-4a2b-8c3d-000000000001", "0b6c9e0a-2222-4a2b-8c3d-000000000002"};
	static uint8_t blob[5][100];
	fk_store_attachment att[2];
	fk_store_record rec[3];
	fk_bundle_manifest m = {0};
	fk_err e;
	size_t i;

	for (i = 0; i < 5; i++)
		memset(blob[i], 'a' + (int)i, sizeof blob[i]);
	memset(att, 0, sizeof att);
	for (i = 0; i < 2; i++) {
		memcpy(att[i].id, ids[3 + i], 37);
		att[i].ct = blob[3 + i];
		att[i].ctlen = 40 + i;
		crypto_hash_sha256(att[i].ct_hash, att[i].ct, att[i].ctlen);
	}
	memset(rec, 0, sizeof rec);
	for (i = 0; i < 3; i++) {
		memcpy(rec[i].id, ids[i], 37);
		rec[i].seq = (int64_t)i + 1;
		rec[i].ct = blob[i];
		rec[i].ctlen = 60 + i;
		crypto_hash_sha256(rec[i].ct_hash, rec[i].ct, rec[i].ctlen);
		if (i > 0)
			memcpy(rec[i].prev, rec[i - 1].ct_hash, 32);
		if (i == 1) {
			rec[i].natt = 2;
			rec[i].att = att;
		}
		if (fk_bundle_manifest_add(&m, &rec[i], &e) != 0)
			abort();
	}
	snprintf(m.device_id, sizeof m.device_id, FZ_DEV);
	snprintf(m.bundle_id, sizeof m.bundle_id, FZ_BID);
	snprintf(m.created, sizeof m.created, "2026-01-01T00:00:00Z");
	if (fk_bundle_write_head(&m, sk, fk_buf_sink(&valid), &e) != 0)
		abort();
	for (i = 0; i < 3; i++) {
		if (fk_buf_append(&valid, rec[i].ct, rec[i].ctlen, &e) != 0)
			abort();
		if (i == 1 && (fk_buf_append(&valid, att[0].ct, att[0].ctlen, &e) != 0 ||
		    fk_buf_append(&valid, att[1].ct, att[1].ctlen, &e) != 0))
			abort();
	}
	fk_bundle_manifest_free(&m);
}

/* Mode 1: compresses and signs json for fuzz-dev and appends payload. */
static void
signed_manifest(const uint8_t *json, size_t jl, const uint8_t *pay, size_t pl)
{
	static uint8_t z[1 << 17];
	fk_buf sig = {0}, b = {0};
	char line[64];
	size_t zl;
	fk_err e;

	if (jl > (1 << 16))
		return;
	zl = ZSTD_compress(z, sizeof z, json, jl, 1);
	if (ZSTD_isError(zl) || fk_minisign_sign_buf(sk, z, zl, "fieldkit-bundle v1 device="
	    FZ_DEV " bundle=" FZ_BID " records=1", "fieldkit bundle manifest", &sig, &e) != 0)
		goto done;
	snprintf(line, sizeof line, "%zu %zu\n", zl, sig.len);
	if (fk_buf_append(&b, FK_BUNDLE_MAGIC, strlen(FK_BUNDLE_MAGIC), &e) == 0 &&
	    fk_buf_append(&b, line, strlen(line), &e) == 0 &&
	    fk_buf_append(&b, z, zl, &e) == 0 && fk_buf_append(&b, sig.p, sig.len, &e) == 0 &&
	    fk_buf_append(&b, pay, pl, &e) == 0)
		read_all(b.p, b.len, keyfn);
done:
	fk_buf_free(&sig);
	fk_buf_free(&b);
}

static void
init(void)
{
	fk_memsrc m;
	fk_bundle_reader *r;
	fk_err e;
	const uint8_t *mz, *sig, *json;
	size_t mzl, sl, jl;
	static const char zero[] = {0, 0, 0, 0};
	fk_buf s = {0};

	sk = fz_key(1, &pk);
	build_valid();
	r = fk_bundle_open(fk_memsrc_init(&m, valid.p, valid.len), keyfn, NULL, &e);
	if (r == NULL || fk_bundle_verify_all(r, &e) != 0) {
		fprintf(stderr, "fuzz_bundle: the start-up bundle does not verify: %s\n", e.msg);
		abort();
	}
	fz_seed("valid", valid.p, valid.len);
	fz_seed("mutate", zero, sizeof zero);
	/* The manifest mode seed: the valid manifest JSON and payload. */
	fk_bundle_raw(r, &mz, &mzl, &sig, &sl, &json, &jl);
	if (fk_buf_append(&s, "\1", 1, &e) == 0 && fk_buf_append(&s, json, jl, &e) == 0 &&
	    fk_buf_append(&s, "", 1, &e) == 0 &&
	    fk_buf_append(&s, valid.p + (valid.len - 60 - 61 - 62 - 40 - 41),
	    60 + 61 + 62 + 40 + 41, &e) == 0)
		fz_seed("manifest", s.p, s.len);
	fk_buf_free(&s);
	fk_bundle_close(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static fk_buf mut;
	const uint8_t *nul;

	if (sk == NULL)
		init();
	if (size == 0)
		return 0;
	switch (data[0]) {
	case 0:
		if (fz_mutate(valid.p, valid.len, data + 1, size - 1, &mut) == 0)
			read_all(mut.p, mut.len, keyfn);
		break;
	case 1:
		nul = memchr(data + 1, 0, size - 1);
		if (nul == NULL)
			signed_manifest(data + 1, size - 1, (const uint8_t *)"", 0);
		else
			signed_manifest(data + 1, (size_t)(nul - data - 1), nul + 1,
			    size - (size_t)(nul - data) - 1);
		break;
	default:
		read_all(data, size, keyfn);
		read_all(data, size, NULL);
		break;
	}
	return 0;
}
