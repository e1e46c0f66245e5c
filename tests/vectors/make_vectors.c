/*
 * make_vectors.c - writes the golden vectors of fieldkit's wire formats
 * (hub cards, device cards, receipts, bundles) into a folder, with fixed
 * keys, the expected decoded content of each valid vector and the expected
 * error class of each invalid one (tests/data/vectors/index.tsv).
 *
 * Run once, by hand, when a format changes on purpose:
 *   cmake --build build --target make_vectors
 *   build/make_vectors tests/data/vectors
 * Keys already in the folder are reused, so the keys (and the signatures,
 * which are deterministic) stay the same; bundle ids, record ids and age
 * ciphertexts are new on each run. test_vectors reads the folder; a change
 * that alters what an old vector decodes to then fails a test.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "age.h"
#include "bundle_export.h"
#include "card.h"
#include "device.h"
#include "hub_fixture.h"
#include "io.h"
#include "minisign.h"
#include "receipt.h"
#include "vectors.h"

static const char *dir;
static FILE *idx;

static void
die(const char *what, const fk_err *e)
{
	fprintf(stderr, "make_vectors: %s: %s\n", what, e ? e->msg : strerror(errno));
	exit(1);
}

static char *
path(const char *name)
{
	char *p = fk_path_join(dir, name);

	if (p == NULL)
		die("out of memory", NULL);
	return p;
}

static void
put(const char *name, const void *p, size_t n)
{
	char *f = path(name);
	fk_err e;

	if (fk_write_file_atomic(f, p, n, 0644, &e) != 0)
		die(name, &e);
	free(f);
}

static void
put_json(const char *name, json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENSURE_ASCII);

	put(name, s, strlen(s));
	free(s);
	json_decref(j);
}

/* A vector and what reading it must give: "ok NAME.expect.json" or an error class. */
static void
entry(const char *kind, const char *file, const char *expect)
{
	fprintf(idx, "%s\t%s\t%s\n", kind, file, expect);
}

/* Loads a test-only minisign key (unencrypted) or makes and keeps one. */
static fk_minisign_sk *
key(const char *name)
{
	char *f = path(name);
	fk_minisign_sk *sk;
	fk_minisign_pk pk;
	fk_secret enc;
	fk_buf b = {0};
	fk_err e;

	if (fk_read_file(f, 4096, &b, &e) == 0) {
		if (fk_minisign_sk_decode(b.p, b.len, NULL, 0, &sk, &e) != 0)
			die(name, &e);
	} else {
		if (fk_minisign_keygen(&sk, &pk, &e) != 0 ||
		    fk_minisign_sk_encode(sk, NULL, 0, &enc, &e) != 0)
			die(name, &e);
		put(name, enc.p, enc.len);
		fk_secret_free(&enc);
	}
	fk_buf_free(&b);
	free(f);
	return sk;
}

/* The hub's age identity: loaded, or made and kept. */
static void
hub_identity(uint8_t sk[FK_KEY_LEN], char recip[FK_AGE_RECIPIENT_LEN + 1])
{
	char *f = path(VEC_HUB_AGE), idtext[128];
	uint8_t pk[FK_KEY_LEN];
	fk_buf b = {0};
	fk_err e;

	if (fk_read_file(f, 4096, &b, &e) == 0) {
		if (fk_age_parse_identity((const char *)b.p, strcspn((const char *)b.p, "\n"), sk,
		    &e) != 0)
			die(VEC_HUB_AGE, &e);
	} else {
		fk_age_keygen(sk, pk);
		fk_age_format_identity(sk, idtext);
		strcat(idtext, "\n");
		put(VEC_HUB_AGE, idtext, strlen(idtext));
	}
	if (fk_age_pubkey(sk, pk) != 0)
		die("age public key", NULL);
	fk_age_format_recipient(pk, recip);
	fk_buf_free(&b);
	free(f);
}

/* Writes a copy of b with one byte XORed (pos counted from the end when < 0). */
static void
put_flipped(const char *name, const fk_buf *b, long pos, uint8_t mask)
{
	uint8_t *c = malloc(b->len);
	size_t at = pos < 0 ? b->len - (size_t)(-pos) : (size_t)pos;

	memcpy(c, b->p, b->len);
	c[at] ^= mask;
	put(name, c, b->len);
	free(c);
}

static void
put_spliced(const char *name, const fk_buf *b, size_t at, size_t cut, const char *ins)
{
	fk_buf o = {0};
	fk_err e;

	if (fk_buf_append(&o, b->p, at, &e) != 0 ||
	    fk_buf_append(&o, ins, strlen(ins), &e) != 0 ||
	    fk_buf_append(&o, b->p + at + cut, b->len - at - cut, &e) != 0)
		die(name, &e);
	put(name, o.p, o.len);
	fk_buf_free(&o);
}

#define VARIANT(file, edit, cls)                                                         \
	do {                                                                             \
		json_t *c = json_deep_copy(j);                                           \
		char *t;                                                                 \
		edit;                                                                    \
		t = json_dumps(c, JSON_COMPACT);                                         \
		put(file, t, strlen(t));                                                 \
		free(t);                                                                 \
		json_decref(c);                                                          \
		entry("hubcard", file, cls);                                             \
	} while (0)

/* A hub card for network sync: with its URL and the pin of its TLS key. */
static void
net_cards(const fk_minisign_sk *hubsk, const char *recip)
{
	static const char *pin = "sha256//qE6a5Kb7o5XxCWsFD2gLgfzHK/GKPt/JmizCrSZgMKY=";
	fk_minisign_pk pk;
	fk_hubcard hc;
	fk_buf b = {0};
	fk_err e;
	char b64[64], *s;
	json_t *j;

	fk_minisign_sk_public(hubsk, &pk);
	fk_card_pk_b64(&pk, b64);
	if (fk_card_hub_encode_net(VEC_HUB_NAME, &recip, 1, b64, "https://hub.example.org:8443",
	    &pin, 1, VEC_CREATED, &b, &e) != 0 || fk_hubcard_parse(b.p, b.len, &hc, &e) != 0)
		die("net hub card", &e);
	put("hub-card-net-valid.json", b.p, b.len);
	put_json("hub-card-net-valid.expect.json", vec_hubcard_json(&hc));
	entry("hubcard", "hub-card-net-valid.json", "ok hub-card-net-valid.expect.json");
	s = strndup((const char *)b.p, b.len);
	j = json_loads(s, 0, NULL);
	free(s);
	VARIANT("hub-card-net-bad-url.json", json_object_set_new(c, "url",
	    json_string("http://hub.example.org")), "FK_EINPUT");
	VARIANT("hub-card-net-bad-pin.json", json_object_set_new(c, "tls_pins",
	    json_pack("[s]", "sha256//not-a-pin")), "FK_EINPUT");
	json_decref(j);
	fk_buf_free(&b);
}

static void
hub_cards(const fk_minisign_sk *hubsk, const char *recip)
{
	fk_minisign_pk pk;
	fk_hubcard hc;
	fk_buf b = {0};
	fk_err e;
	char *s;
	json_t *j;

	fk_minisign_sk_public(hubsk, &pk);
	if (fk_card_hub_encode(VEC_HUB_NAME, recip, &pk, VEC_CREATED, &b, &e) != 0 ||
	    fk_hubcard_parse(b.p, b.len, &hc, &e) != 0)
		die("hub card", &e);
	put("hub-card-valid.json", b.p, b.len);
	put_json("hub-card-valid.expect.json", vec_hubcard_json(&hc));
	entry("hubcard", "hub-card-valid.json", "ok hub-card-valid.expect.json");

	s = strndup((const char *)b.p, b.len);
	j = json_loads(s, 0, NULL);
	free(s);
	VARIANT("hub-card-bad-type.json", json_object_set_new(c, "type",
	    json_string("fieldkit-device-card")), "FK_EINPUT");
	VARIANT("hub-card-bad-version.json", json_object_set_new(c, "version", json_integer(2)),
	    "FK_EINPUT");
	VARIANT("hub-card-extra-key.json", json_object_set_new(c, "colour",
	    json_string("blue")), "FK_EINPUT");
	VARIANT("hub-card-bad-recipient.json", json_object_set_new(c, "recipients",
	    json_pack("[s]", "age1notarecipient")), "FK_EKEY");
	VARIANT("hub-card-no-key.json", json_object_del(c, "sign_pubkey"), "FK_EKEY");
	VARIANT("hub-card-bad-time.json", json_object_set_new(c, "created",
	    json_string("2026-02-30 10:00")), "FK_EINPUT");
	json_decref(j);
	put("hub-card-not-json.json", "{\"type\":", 8);
	entry("hubcard", "hub-card-not-json.json", "FK_EINPUT");
	fk_buf_free(&b);
	net_cards(hubsk, recip);
}

static void
device_cards(const fk_minisign_sk *devsk, const fk_minisign_sk *othersk)
{
	fk_device_card c, c2;
	fk_buf b = {0}, o = {0};
	fk_err e;
	const char *nl;

	memset(&c, 0, sizeof c);
	snprintf(c.device_id, sizeof c.device_id, "%s", VEC_DEVICE_ID);
	snprintf(c.name, sizeof c.name, "%s", VEC_DEVICE_NAME);
	fk_minisign_sk_public(devsk, &c.pk);
	snprintf(c.created, sizeof c.created, "%s", VEC_CREATED);
	if (fk_card_device_encode(&c, devsk, &b, &e) != 0 ||
	    fk_card_device_parse(b.p, b.len, &c2, &e) != 0)
		die("device card", &e);
	put("device-card-valid.card", b.p, b.len);
	put_json("device-card-valid.expect.json", vec_devicecard_json(&c2));
	entry("devicecard", "device-card-valid.card", "ok device-card-valid.expect.json");

	/* A letter of the name changed (the JSON stays valid): the signature no
	 * longer covers the body. */
	nl = memmem(b.p, b.len, "crossing", 8);
	put_flipped("device-card-body-changed.card", &b, nl - (const char *)b.p, 0x08);
	entry("devicecard", "device-card-body-changed.card", "FK_ESIG");
	put_spliced("device-card-bad-magic.card", &b, 0, strlen("fieldkit-device-card v1"),
	    "fieldkit-device-card v2");
	entry("devicecard", "device-card-bad-magic.card", "FK_EINPUT");
	nl = memchr(b.p, '\n', b.len);
	put_spliced("device-card-plus-length.card", &b, (size_t)(nl + 1 - (const char *)b.p),
	    0, "+");
	entry("devicecard", "device-card-plus-length.card", "FK_EINPUT");
	if (fk_buf_append(&o, b.p, b.len, &e) != 0 || fk_buf_append(&o, "x", 1, &e) != 0)
		die("device card", &e);
	put("device-card-trailing.card", o.p, o.len);
	entry("devicecard", "device-card-trailing.card", "FK_EINPUT");
	put("device-card-truncated.card", b.p, b.len - 20);
	entry("devicecard", "device-card-truncated.card", "FK_EINPUT");
	/* Names the device key but is signed by another. */
	fk_buf_free(&o);
	if (fk_card_device_encode(&c, othersk, &o, &e) != 0)
		die("device card", &e);
	put("device-card-other-signer.card", o.p, o.len);
	entry("devicecard", "device-card-other-signer.card", "FK_ESIG");
	fk_buf_free(&o);
	fk_buf_free(&b);
}

static void
receipts(const fk_minisign_sk *hubsk, const fk_minisign_sk *othersk, struct fx_dev *d)
{
	json_t *recs = json_array();
	fk_minisign_pk pk;
	const char *name = VEC_HUB_NAME;
	fk_receipt r;
	fk_buf b = {0}, o = {0};
	fk_err e;
	size_t i;
	char h[FK_SHA256_HEX + 1];

	for (i = 0; i < d->n; i++) {
		fk_hex(d->rec[i].r.ct_hash, FK_SHA256_LEN, h);
		json_array_append_new(recs, json_pack("[s, s]", d->rec[i].r.id, h));
	}
	fk_minisign_sk_public(hubsk, &pk);
	if (fk_receipt_encode(VEC_HUB_NAME, VEC_DEVICE_ID, recs, hubsk, &b, &e) != 0 ||
	    fk_receipt_check(b.p, b.len, &pk, &name, 1, VEC_DEVICE_ID, &r, &e) != 0)
		die("receipt", &e);
	put("receipt-valid.fkr", b.p, b.len);
	put_json("receipt-valid.expect.json", vec_receipt_json(&r));
	fk_receipt_free(&r);
	entry("receipt", "receipt-valid.fkr", "ok receipt-valid.expect.json");
	put_flipped("receipt-body-changed.fkr", &b, -200, 0x04);
	entry("receipt", "receipt-body-changed.fkr", "FK_ESIG");
	if (fk_receipt_encode(VEC_HUB_NAME, VEC_DEVICE_ID, recs, othersk, &o, &e) != 0)
		die("receipt", &e);
	put("receipt-other-signer.fkr", o.p, o.len);
	entry("receipt", "receipt-other-signer.fkr", "FK_ESIG");
	fk_buf_free(&o);
	if (fk_receipt_encode(VEC_HUB_NAME, "another-device", recs, hubsk, &o, &e) != 0)
		die("receipt", &e);
	put("receipt-other-device.fkr", o.p, o.len);
	entry("receipt", "receipt-other-device.fkr", "FK_ESTATE");
	fk_buf_free(&o);
	if (fk_receipt_encode("Another hub", VEC_DEVICE_ID, recs, hubsk, &o, &e) != 0)
		die("receipt", &e);
	put("receipt-other-hub-name.fkr", o.p, o.len);
	entry("receipt", "receipt-other-hub-name.fkr", "FK_ESIG");
	fk_buf_free(&o);
	put("receipt-truncated.fkr", b.p, b.len / 2);
	entry("receipt", "receipt-truncated.fkr", "FK_EINPUT");
	json_decref(recs);
	fk_buf_free(&b);
}

static void
bundles(struct fx_dev *d, const fk_minisign_sk *othersk)
{
	fk_buf b = {0};
	fk_err e;
	char *tmp = fx_tmpdir("vectors"), *p;
	json_t *plain = json_array();
	fk_bundle_manifest m;
	size_t i, head;
	fk_minisign_sk *own = d->sk;

	p = fx_export(d, tmp);
	if (fk_read_file(p, 64u << 20, &b, &e) != 0 ||
	    fk_bundle_verify_file(p, fx_key, d, &m, &e) != 0)
		die("bundle", &e);
	unlink(p);
	free(p);
	put("bundle-valid.fkb", b.p, b.len);
	for (i = 0; i < d->n; i++)
		json_array_append_new(plain, json_loads(d->rec[i].json, 0, NULL));
	{
		json_t *x = vec_manifest_json(&m);
		json_object_set_new(x, "records_plaintext", plain);
		put_json("bundle-valid.expect.json", x);
	}
	fk_bundle_manifest_free(&m);
	entry("bundle", "bundle-valid.fkb", "ok bundle-valid.expect.json");

	head = fx_head_len(&b);
	put("bundle-truncated.fkb", b.p, b.len - 1);
	entry("bundle", "bundle-truncated.fkb", "FK_EINPUT");
	put_flipped("bundle-payload-changed.fkb", &b, (long)head + 40, 0x10);
	entry("bundle", "bundle-payload-changed.fkb", "FK_EINPUT");
	put_flipped("bundle-manifest-changed.fkb", &b, (long)strlen(FK_BUNDLE_MAGIC) + 12, 0x01);
	entry("bundle", "bundle-manifest-changed.fkb", "FK_ESIG");
	put_spliced("bundle-bad-magic.fkb", &b, 0, strlen(FK_BUNDLE_MAGIC),
	    "fieldkit-bundle v2\n");
	entry("bundle", "bundle-bad-magic.fkb", "FK_EINPUT");
	{
		fk_buf o = {0};
		if (fk_buf_append(&o, b.p, b.len, &e) != 0 || fk_buf_append(&o, "\0", 1, &e) != 0)
			die("bundle", &e);
		put("bundle-trailing.fkb", o.p, o.len);
		fk_buf_free(&o);
		entry("bundle", "bundle-trailing.fkb", "FK_EINPUT");
	}
	/* The same records signed by a key that is not the device's. */
	d->sk = (fk_minisign_sk *)othersk;
	p = fx_export(d, tmp);
	d->sk = own;
	fk_buf_free(&b);
	if (fk_read_file(p, 64u << 20, &b, &e) != 0)
		die("bundle", &e);
	unlink(p);
	free(p);
	put("bundle-other-signer.fkb", b.p, b.len);
	entry("bundle", "bundle-other-signer.fkb", "FK_ESIG");
	fk_buf_free(&b);
	rmdir(tmp);
	free(tmp);
}

int
main(int argc, char **argv)
{
	fk_minisign_sk *devsk, *hubsk, *othersk;
	fk_age_recipients to = {0};
	uint8_t hubage[FK_KEY_LEN], pk[FK_KEY_LEN];
	char recip[FK_AGE_RECIPIENT_LEN + 1], *ip;
	struct fx_dev d;
	fk_err e;

	if (argc != 2 || sodium_init() < 0) {
		fprintf(stderr, "usage: make_vectors DIR\n");
		return 2;
	}
	dir = argv[1];
	if (fk_mkdirs(dir, 0755, &e) != 0)
		die(dir, &e);
	devsk = key(VEC_DEVICE_KEY);
	hubsk = key(VEC_HUB_KEY);
	othersk = key(VEC_OTHER_KEY);
	hub_identity(hubage, recip);
	if (fk_age_pubkey(hubage, pk) != 0 || fk_age_recipients_add(&to, pk, &e) != 0)
		die("recipients", &e);
	ip = path(VEC_INDEX);
	if ((idx = fopen(ip, "w")) == NULL)
		die(ip, NULL);
	fprintf(idx, "# kind\tfile\texpect (ok EXPECT-FILE, or the error class)\n");

	memset(&d, 0, sizeof d);
	snprintf(d.id, sizeof d.id, "%s", VEC_DEVICE_ID);
	d.sk = devsk;
	fk_minisign_sk_public(devsk, &d.pk);
	fx_add(&d, &to, "family-report", 1, "{\"reporter_surname_cyr\":\"Шевченко\","
	    "\"children\":[{\"child_given_cyr\":\"Олександр\",\"child_dob\":\"2012-04-01\"}]}",
	    0, 0);
	fx_add(&d, &to, "child-intake", 1, "{\"child_surname_cyr\":\"Коваленко\"}", 1, 300);
	fx_add(&d, &to, "family-report", 1, "{\"reporter_surname_cyr\":\"Бондар\"}", 0, 0);

	hub_cards(hubsk, recip);
	device_cards(devsk, othersk);
	receipts(hubsk, othersk, &d);
	bundles(&d, othersk);

	fclose(idx);
	free(ip);
	d.sk = NULL;
	fx_dev_free(&d);
	fk_minisign_sk_free(devsk);
	fk_minisign_sk_free(hubsk);
	fk_minisign_sk_free(othersk);
	fk_age_recipients_free(&to);
	sodium_memzero(hubage, sizeof hubage);
	printf("vectors written to %s\n", dir);
	return 0;
}
