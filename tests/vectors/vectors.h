/*
 * vectors.h - what the golden vectors of the wire formats decode to, as JSON
 * (shared by make_vectors, which writes the expectations, and test_vectors,
 * which checks them), and the fixed names and files of tests/data/vectors/.
 */
#ifndef FK_VECTORS_H
#define FK_VECTORS_H

#include <jansson.h>

#include "bundle.h"
#include "card.h"
#include "device.h"
#include "receipt.h"
#include "util.h"

#define VEC_INDEX "index.tsv"
#define VEC_DEVICE_KEY "keys/device.key"   /* test-only keys, unencrypted */
#define VEC_HUB_KEY "keys/hub-sign.key"
#define VEC_OTHER_KEY "keys/other.key"
#define VEC_HUB_AGE "keys/hub.agekey"
#define VEC_HUB_NAME "Vector hub (Київ)"
#define VEC_DEVICE_ID "vector-device-01"
#define VEC_DEVICE_NAME "Пункт пропуску / crossing 7"
#define VEC_CREATED "2026-11-28T09:00:00Z"

static inline json_t *
vec_hex(const uint8_t *p, size_t n)
{
	char h[2 * 64 + 1];

	fk_hex(p, n, h);
	return json_string(h);
}

static inline json_t *
vec_hubcard_json(const fk_hubcard *c)
{
	json_t *r = json_array();
	size_t i;

	for (i = 0; i < c->hub.nrecip; i++)
		json_array_append_new(r, json_string(c->hub.recip[i]));
	json_t *j = json_pack("{s:s, s:o, s:s, s:s}", "name", c->hub.name, "recipients", r,
	    "sign_pubkey", c->hub.sign_pubkey, "created", c->created);

	/* Network sync (docs/sync-protocol.md): only when the card has them. */
	if (c->hub.url[0])
		json_object_set_new(j, "url", json_string(c->hub.url));
	if (c->hub.npins > 0) {
		json_t *p = json_array();
		for (i = 0; i < c->hub.npins; i++)
			json_array_append_new(p, json_string(c->hub.pins[i]));
		json_object_set_new(j, "tls_pins", p);
	}
	return j;
}

static inline json_t *
vec_devicecard_json(const fk_device_card *c)
{
	return json_pack("{s:s, s:s, s:o, s:o, s:s}", "device_id", c->device_id, "name",
	    c->name, "key_id", vec_hex(c->pk.keynum, 8), "public_key",
	    vec_hex(c->pk.pk, FK_KEY_LEN), "created", c->created);
}

static inline json_t *
vec_receipt_json(const fk_receipt *r)
{
	json_t *l = json_array();
	size_t i;

	for (i = 0; i < r->n; i++)
		json_array_append_new(l, json_pack("[s, o]", r->ids[i],
		    vec_hex(r->ct[i], FK_SHA256_LEN)));
	return json_pack("{s:s, s:s, s:s, s:o}", "hub", r->hub, "device_id", r->device_id,
	    "created", r->created, "records", l);
}

static inline json_t *
vec_manifest_json(const fk_bundle_manifest *m)
{
	json_t *recs = json_array();
	size_t i, j;

	for (i = 0; i < m->n; i++) {
		const fk_bundle_entry *en = &m->rec[i];
		json_t *att = json_array();
		for (j = 0; j < en->natt; j++)
			json_array_append_new(att, json_pack("{s:s, s:o, s:I}", "id", en->att[j].id,
			    "sha256", vec_hex(en->att[j].hash, FK_SHA256_LEN), "len",
			    (json_int_t)en->att[j].len));
		json_array_append_new(recs, json_pack("{s:s, s:I, s:o, s:o, s:I, s:o}", "id",
		    en->id, "seq", (json_int_t)en->seq, "ct_sha256",
		    vec_hex(en->ct_hash, FK_SHA256_LEN), "prev", vec_hex(en->prev, FK_SHA256_LEN),
		    "len", (json_int_t)en->len, "attachments", att));
	}
	return json_pack("{s:s, s:s, s:s, s:o, s:I}", "device_id", m->device_id, "bundle_id",
	    m->bundle_id, "created", m->created, "records", recs, "payload_len",
	    (json_int_t)m->payload_len);
}

#endif
