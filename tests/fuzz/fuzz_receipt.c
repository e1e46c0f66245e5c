/*
 * fuzz_receipt.c - libFuzzer entry over receipt checking (sync/receipt.h)
 * for device FZ_DEV, with two fixed hub keys ("Other hub", "Fuzz hub"). The
 * first byte picks the mode:
 *   0: edits (fuzz_util.h fz_mutate) to a valid receipt of 3 records built
 *      at start-up by the "Fuzz hub" key;
 *   1: the rest is a receipt body, which the target signs with the "Fuzz hub"
 *      key, so the body parser sees fuzzer JSON past the signature;
 *   other: the whole input is a receipt file.
 */
#include <stdint.h>
#include <string.h>

#include "card.h"
#include "fuzz_util.h"
#include "receipt.h"

#define FZ_DEV "9b2c6f0e-1a2b-4c3d-8e9f-001122334455"

static fk_minisign_sk *sk;
static fk_minisign_pk pks[2];
static const char *const names[2] = {"Other hub", "Fuzz hub"};
static fk_buf valid;

static void
check(const uint8_t *p, size_t n)
{
	fk_receipt r;
	fk_err e = {0};
	size_t i;

	if (fk_receipt_check(p, n, pks, names, 2, FZ_DEV, &r, &e) != 0)
		return;
	/* Touch every entry so ASan sees any short allocation. */
	for (i = 0; i < r.n; i++)
		if (r.ids[i][36] != 0 || (r.ct[i][0] == 0 && r.ct[i][31] == 0xff))
			e.code = 0;
	fk_receipt_free(&r);
}

static const char body[] =
    "{\"type\":\"fieldkit-receipt\",\"version\":1,\"hub\":\"Fuzz hub\","
    "\"device_id\":\"" FZ_DEV "\",\"created\":\"2026-01-01T00:00:00Z\",\"records\":["
    "[\"0b6c9e0a-1111-4a2b-8c3d-000000000001\","
    "\"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"],"
    "[\"0b6c9e0a-1111-4a2b-8c3d-000000000002\","
    "\"ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100\"],"
    "[\"0b6c9e0a-1111-4a2b-8c3d-000000000003\","
    "\"0000000000000000000000000000000000000000000000000000000000000000\"]]}";

static void
sign_body(const uint8_t *p, size_t n, fk_buf *out)
{
	fk_err e;

	if (fk_signed_encode(FK_RECEIPT_MAGIC, p, n, sk, "fieldkit-receipt hub=Fuzz hub device="
	    FZ_DEV, out, &e) != 0)
		out->len = 0;
}

static void
init(void)
{
	fk_minisign_sk *other = fz_key(3, &pks[0]);
	fk_receipt r;
	fk_err e;

	fk_minisign_sk_free(other);
	sk = fz_key(4, &pks[1]);
	sign_body((const uint8_t *)body, strlen(body), &valid);
	if (valid.len == 0 ||
	    fk_receipt_check(valid.p, valid.len, pks, names, 2, FZ_DEV, &r, &e) != 0 ||
	    r.n != 3) {
		fprintf(stderr, "fuzz_receipt: the start-up receipt does not check\n");
		abort();
	}
	fk_receipt_free(&r);
	fz_seed("valid", valid.p, valid.len);
	fz_seed("mutate", "\0\0\0\0", 4);
	fz_seed_tagged("body", 1, body, strlen(body));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static fk_buf mut;
	fk_buf doc = {0};

	if (sk == NULL)
		init();
	if (size == 0)
		return 0;
	switch (data[0]) {
	case 0:
		if (fz_mutate(valid.p, valid.len, data + 1, size - 1, &mut) == 0)
			check(mut.p, mut.len);
		break;
	case 1:
		sign_body(data + 1, size - 1, &doc);
		if (doc.len > 0)
			check(doc.p, doc.len);
		fk_buf_free(&doc);
		break;
	default:
		check(data, size);
		break;
	}
	return 0;
}
