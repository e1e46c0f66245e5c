/*
 * fuzz_card.c - libFuzzer entry over the card parsers: the hub card
 * (capture/device.h fk_hubcard_parse, plain JSON), the device card
 * (sync/card.h fk_card_device_parse, a signed document that must verify
 * under the key it carries), the signed-document splitter, and the bare or
 * .pub-file signing key parser. The first byte picks the mode:
 *   0: edits (fuzz_util.h fz_mutate) to a valid device card built at start-up;
 *   1: the rest is a device card body, which the target signs with the fixed
 *      key FZ_PK_B64 names (the seed body carries it), so the card's fields
 *      are checked past the signature;
 *   other: the whole input goes to every parser.
 */
#include <stdint.h>
#include <string.h>

#include "card.h"
#include "device.h"
#include "fuzz_util.h"

static fk_minisign_sk *sk;
static fk_minisign_pk pk;
static fk_buf valid;

static void
parse_all(const uint8_t *p, size_t n)
{
	fk_hubcard hc;
	fk_device_card dc;
	char b64[FK_MINISIGN_PK_B64_LEN + 1];
	const uint8_t *body, *sig;
	size_t bl, sl;
	fk_err e = {0};

	(void)fk_card_device_parse(p, n, &dc, &e);
	(void)fk_hubcard_parse(p, n, &hc, &e);
	(void)fk_sign_pubkey_parse(p, n, b64, &e);
	if (fk_signed_split("fieldkit-device-card v1", p, n, &body, &bl, &sig, &sl, &e) == 0)
		(void)fk_signed_verify(&pk, body, bl, sig, sl, &e);
}

static void
init(void)
{
	fk_device_card c;
	fk_buf hub = {0}, body = {0};
	char b64[64], json[512];
	fk_err e;
	int n;

	sk = fz_key(2, &pk);
	memset(&c, 0, sizeof c);
	snprintf(c.device_id, sizeof c.device_id, "9b2c6f0e-1a2b-4c3d-8e9f-001122334455");
	snprintf(c.name, sizeof c.name, "tablet Kharkiv 2");
	snprintf(c.created, sizeof c.created, "2026-01-01T00:00:00Z");
	c.pk = pk;
	if (fk_card_device_encode(&c, sk, &valid, &e) != 0 ||
	    fk_card_device_parse(valid.p, valid.len, &c, &e) != 0) {
		fprintf(stderr, "fuzz_card: the start-up card does not parse\n");
		abort();
	}
	fk_card_pk_b64(&pk, b64);
	fz_seed("device-card", valid.p, valid.len);
	fz_seed("mutate", "\0\0\0\0", 4);
	n = snprintf(json, sizeof json, "{\"type\":\"fieldkit-device-card\",\"version\":1,"
	    "\"device_id\":\"dev-1\",\"name\":\"x\",\"sign_pubkey\":\"%s\","
	    "\"created\":\"2026-01-01T00:00:00Z\"}", b64);
	fz_seed_tagged("body", 1, json, (size_t)n);
	if (fk_card_hub_encode("Lviv hub",
	    "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p", &pk,
	    "2026-01-01T00:00:00Z", &hub, &e) == 0)
		fz_seed("hub-card", hub.p, hub.len);
	fz_seed("pubkey", b64, strlen(b64));
	fk_buf_free(&hub);
	fk_buf_free(&body);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static fk_buf mut;
	fk_buf doc = {0};
	fk_device_card dc;
	fk_err e;

	if (sk == NULL)
		init();
	if (size == 0)
		return 0;
	switch (data[0]) {
	case 0:
		if (fz_mutate(valid.p, valid.len, data + 1, size - 1, &mut) == 0)
			parse_all(mut.p, mut.len);
		break;
	case 1:
		if (fk_signed_encode("fieldkit-device-card v1", data + 1, size - 1, sk,
		    "fieldkit-device-card device=x", &doc, &e) == 0)
			(void)fk_card_device_parse(doc.p, doc.len, &dc, &e);
		fk_buf_free(&doc);
		break;
	default:
		parse_all(data, size);
		break;
	}
	return 0;
}
