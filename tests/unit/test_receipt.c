/*
 * test_receipt.c - hub receipts: what they list, and refusal of forged,
 * altered, foreign and misaddressed receipts.
 */
#include "check.h"
#include "hub_fixture.h"

#include <sys/stat.h>

#include "card.h"
#include "hub.h"
#include "receipt.h"

int
main(void)
{
	struct fx_dev d;
	fk_hubdb *h;
	fk_import_result res;
	fk_err e;
	fk_age_recipients to = {0};
	fk_minisign_sk *sk = NULL, *other = NULL;
	fk_minisign_pk pk, opk, pks[2];
	const char *names[2] = {"Other hub", "Lviv hub"};
	fk_buf rc = {0}, card = {0};
	fk_receipt r;
	fk_device_card dc, dc2;
	char *dir, hub[4200], pass[4200], kp[4200], *path;
	size_t n, i, bad = 0;
	uint8_t apk[32];
	json_t *j;

	check_init();
	dir = fx_tmpdir("receipt");
	snprintf(hub, sizeof hub, "%s/hub", dir);
	snprintf(pass, sizeof pass, "%s/pass", dir);
	snprintf(kp, sizeof kp, "%s/hub/sign.key", dir);
	CHECK(fk_write_secret_file(pass, "pw\n", 3, 0, &e) == 0);
	CHECK(fk_hub_create(hub, "Lviv hub", (const uint8_t *)"pw", 2, 10, &e) == 0);
	CHECK(fk_hub_open(&h, hub, &e) == 0 && fk_hub_unlock(h, pass, &e) == 0);
	CHECK(fk_minisign_sk_load(kp, pass, &sk, &e) == 0);
	fk_minisign_sk_public(sk, &pk);
	snprintf(kp, sizeof kp, "%s/hub/hub-card.json", dir);
	CHECK(fk_read_file(kp, 65536, &card, &e) == 0);
	j = json_loadb((const char *)card.p, card.len, 0, NULL);
	CHECK(fk_age_parse_recipient(json_string_value(json_array_get(json_object_get(j,
	    "recipients"), 0)), 62, apk, &e) == 0 && fk_age_recipients_add(&to, apk, &e) == 0);
	{
		/* The card carries the signing key that verifies receipts. */
		fk_minisign_pk cpk;
		const char *b = json_string_value(json_object_get(j, "sign_pubkey"));
		CHECK(b && fk_minisign_pk_parse((const uint8_t *)b, strlen(b), &cpk, &e) == 0 &&
		    memcmp(&cpk, &pk, sizeof pk) == 0);
		CHECK(json_object_size(j) == 6);
	}
	json_decref(j);

	/* Device card: round trip; a flipped byte is refused. */
	fx_dev_init(&d, "9b2c6f0e-1a2b-4c3d-8e9f-001122334455");
	memset(&dc, 0, sizeof dc);
	snprintf(dc.device_id, sizeof dc.device_id, "%s", d.id);
	snprintf(dc.name, sizeof dc.name, "tablet Kharkiv 2");
	dc.pk = d.pk;
	fk_now_rfc3339(dc.created);
	fk_buf_free(&card);
	CHECK(fk_card_device_encode(&dc, d.sk, &card, &e) == 0);
	CHECK(fk_card_device_parse(card.p, card.len, &dc2, &e) == 0);
	CHECK(strcmp(dc2.device_id, d.id) == 0 && memcmp(&dc2.pk, &d.pk, sizeof d.pk) == 0);
	for (i = 0; i < card.len; i++) {
		card.p[i] ^= 1;
		if (fk_card_device_parse(card.p, card.len, &dc2, &e) == 0)
			bad++;
		card.p[i] ^= 1;
	}
	CHECK_MSG(bad == 0, "%zu flipped device cards accepted", bad);

	CHECK(fk_hub_device_add(h, dc.device_id, dc.name, &dc.pk, &e) == 0);
	for (i = 0; i < 5; i++)
		fx_add(&d, &to, "family_report", 1, "{\"a\":1}", i % 2, 50);
	path = fx_export(&d, dir);
	CHECK(fk_hub_import_file(h, path, &res, &e) == 0 && res.nnew == 5);

	CHECK(fk_hub_receipt_make(h, d.id, sk, &rc, &n, &e) == 0 && n == 5);
	pks[0] = pk;
	pks[1] = pk;
	CHECK(fk_minisign_keygen(&other, &opk, &e) == 0);
	pks[0] = opk;
	CHECK(fk_receipt_check(rc.p, rc.len, pks, names, 2, d.id, &r, &e) == 0);
	CHECK(r.n == 5 && strcmp(r.hub, "Lviv hub") == 0);
	for (i = 0; i < r.n; i++) {
		size_t k, found = 0;
		for (k = 0; k < d.n; k++)
			if (strcmp(r.ids[i], d.rec[k].r.id) == 0 &&
			    memcmp(r.ct[i], d.rec[k].r.ct_hash, 32) == 0)
				found = 1;
		CHECK(found);
	}
	fk_receipt_free(&r);

	/* Another device's receipt, the wrong hub name, another hub's key. */
	CHECK(fk_receipt_check(rc.p, rc.len, pks, names, 2, "someone-else", &r, &e) != 0);
	names[1] = "Kyiv hub";
	CHECK(fk_receipt_check(rc.p, rc.len, pks, names, 2, d.id, &r, &e) != 0);
	names[1] = "Lviv hub";
	CHECK(fk_receipt_check(rc.p, rc.len, pks, names, 1, d.id, &r, &e) != 0);
	/* Every altered byte, and truncation. */
	bad = 0;
	for (i = 0; i < rc.len; i++) {
		rc.p[i] ^= 4;
		if (fk_receipt_check(rc.p, rc.len, pks, names, 2, d.id, &r, &e) == 0) {
			bad++;
			fk_receipt_free(&r);
		}
		rc.p[i] ^= 4;
	}
	CHECK_MSG(bad == 0, "%zu altered receipts accepted", bad);
	CHECK(fk_receipt_check(rc.p, rc.len - 1, pks, names, 2, d.id, &r, &e) != 0);
	/* Forged: same body, signed by another key. */
	{
		fk_buf f = {0};
		const uint8_t *b, *s;
		size_t bl, sl;
		CHECK(fk_signed_split(FK_RECEIPT_MAGIC, rc.p, rc.len, &b, &bl, &s, &sl, &e) == 0);
		CHECK(fk_signed_encode(FK_RECEIPT_MAGIC, b, bl, other, "x", &f, &e) == 0);
		CHECK(fk_receipt_check(f.p, f.len, pks + 1, names + 1, 1, d.id, &r, &e) != 0);
		fk_buf_free(&f);
	}

	fk_buf_free(&rc);
	fk_buf_free(&card);
	fk_minisign_sk_free(sk);
	fk_minisign_sk_free(other);
	fx_dev_free(&d);
	fk_hub_close(h);
	fk_age_recipients_free(&to);
	free(path);
	free(dir);
	return check_done("receipt");
}
