/*
 * bundle.c - the bundle format: building a manifest, its canonical JSON and
 * the signed head. See bundle.h and docs/bundle-format.md.
 */
#include "bundle.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>
#include <zstd.h>

#include "wire.h"

/* ---- manifest ---- */

fk_bundle_entry *
fk_bundle_manifest_grow(fk_bundle_manifest *m, fk_err *e)
{
	if (m->n == m->cap) {
		size_t nc = m->cap ? m->cap * 2 : 64;
		fk_bundle_entry *p = realloc(m->rec, nc * sizeof *p);
		if (p == NULL) {
			fk_fail(e, FK_ENOMEM, _("out of memory"));
			return NULL;
		}
		m->rec = p;
		m->cap = nc;
	}
	memset(&m->rec[m->n], 0, sizeof m->rec[0]);
	return &m->rec[m->n++];
}

uint64_t
fk_bundle_entry_bytes(const fk_bundle_entry *r)
{
	uint64_t t = r->len;
	size_t i;

	for (i = 0; i < r->natt; i++)
		t += r->att[i].len;
	return t;
}

int
fk_bundle_manifest_add(fk_bundle_manifest *m, const fk_store_record *rec, fk_err *e)
{
	fk_bundle_entry *r;
	size_t i;

	if (rec->natt > FK_BUNDLE_MAX_ATT)
		return fk_fail(e, FK_ELIMIT, _("record %s has more than %d attachments"),
		    rec->id, FK_BUNDLE_MAX_ATT);
	if ((r = fk_bundle_manifest_grow(m, e)) == NULL)
		return -1;
	snprintf(r->id, sizeof r->id, "%s", rec->id);
	r->seq = rec->seq;
	memcpy(r->ct_hash, rec->ct_hash, 32);
	memcpy(r->prev, rec->prev, 32);
	r->len = rec->ctlen;
	if (rec->natt > 0) {
		r->att = calloc(rec->natt, sizeof *r->att);
		if (r->att == NULL) {
			m->n--;
			return fk_fail(e, FK_ENOMEM, _("out of memory"));
		}
	}
	r->natt = rec->natt;
	for (i = 0; i < rec->natt; i++) {
		snprintf(r->att[i].id, sizeof r->att[i].id, "%s", rec->att[i].id);
		memcpy(r->att[i].hash, rec->att[i].ct_hash, 32);
		r->att[i].len = rec->att[i].ctlen;
	}
	m->payload_len += fk_bundle_entry_bytes(r);
	return 0;
}

void
fk_bundle_manifest_free(fk_bundle_manifest *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->rec[i].att);
	free(m->rec);
	m->rec = NULL;
	m->n = m->cap = 0;
	m->payload_len = 0;
}

void
fk_bundle_manifest_stamp(fk_bundle_manifest *m)
{
	if (m->bundle_id[0] == 0)
		fk_uuid(m->bundle_id);
	if (m->created[0] == 0)
		fk_now_rfc3339(m->created);
}

static json_t *
hexstr(const uint8_t *p)
{
	char h[FK_SHA256_HEX + 1];

	fk_hex(p, 32, h);
	return json_string(h);
}

/* Whether entry i's prev is implied by entry i-1 (and so left out). */
static int
prev_implied(const fk_bundle_manifest *m, size_t i)
{
	return i > 0 && m->rec[i].seq == m->rec[i - 1].seq + 1 &&
	    memcmp(m->rec[i].prev, m->rec[i - 1].ct_hash, 32) == 0;
}

static json_t *
manifest_json(const fk_bundle_manifest *m)
{
	json_t *root, *recs;
	size_t i, j;

	root = json_pack("{s:s, s:i, s:s, s:s, s:s}", "type", "fieldkit-bundle",
	    "version", 1, "device_id", m->device_id, "bundle_id", m->bundle_id,
	    "created", m->created);
	recs = json_array();
	if (root == NULL || recs == NULL)
		goto fail;
	json_object_set_new(root, "records", recs);
	for (i = 0; i < m->n; i++) {
		const fk_bundle_entry *r = &m->rec[i];
		json_t *o = json_pack("{s:s, s:I, s:o, s:I}", "id", r->id, "seq",
		    (json_int_t)r->seq, "ct", hexstr(r->ct_hash), "len", (json_int_t)r->len);
		if (o == NULL || json_array_append_new(recs, o) != 0)
			goto fail;
		if (!prev_implied(m, i))
			json_object_set_new(o, "prev", hexstr(r->prev));
		if (r->natt > 0) {
			json_t *a = json_array();
			json_object_set_new(o, "att", a);
			for (j = 0; j < r->natt; j++)
				json_array_append_new(a, json_pack("{s:s, s:o, s:I}", "id",
				    r->att[j].id, "ct", hexstr(r->att[j].hash), "len",
				    (json_int_t)r->att[j].len));
		}
	}
	return root;
fail:
	json_decref(root);
	return NULL;
}

int
fk_bundle_write_head(const fk_bundle_manifest *m, const fk_minisign_sk *sk, fk_sink out,
    fk_err *e)
{
	json_t *j = manifest_json(m);
	char *txt = NULL, line[64], tc[256];
	size_t tl, zcap, zl;
	uint8_t *z = NULL;
	fk_buf sig = {0};
	int rc = -1;

	if (j == NULL || (txt = json_dumps(j, JSON_COMPACT)) == NULL) {
		fk_fail(e, FK_ENOMEM, _("out of memory"));
		goto fail;
	}
	tl = strlen(txt);
	if (tl > FK_BUNDLE_MAX_MANIFEST) {
		fk_fail(e, FK_ELIMIT, _("too many records for one bundle; use --max-size"));
		goto fail;
	}
	zcap = ZSTD_compressBound(tl);
	if ((z = malloc(zcap)) == NULL) {
		fk_fail(e, FK_ENOMEM, _("out of memory"));
		goto fail;
	}
	zl = ZSTD_compress(z, zcap, txt, tl, 9);
	if (ZSTD_isError(zl) || zl > FK_BUNDLE_MAX_MANIFEST_Z) {
		fk_fail(e, FK_ELIMIT, _("cannot compress the bundle manifest"));
		goto fail;
	}
	snprintf(tc, sizeof tc, FK_BUNDLE_TC_PREFIX "%s bundle=%s records=%zu", m->device_id,
	    m->bundle_id, m->n);
	if (fk_minisign_sign_buf(sk, z, zl, tc, FK_BUNDLE_UNTRUSTED, &sig, e) != 0)
		goto fail;
	snprintf(line, sizeof line, "%zu %zu\n", zl, sig.len);
	if (out.write(out.ctx, (const uint8_t *)FK_BUNDLE_MAGIC, strlen(FK_BUNDLE_MAGIC),
	    e) != 0 || out.write(out.ctx, (const uint8_t *)line, strlen(line), e) != 0 ||
	    out.write(out.ctx, z, zl, e) != 0 || out.write(out.ctx, sig.p, sig.len, e) != 0)
		goto fail;
	rc = 0;
fail:
	json_decref(j);
	free(txt);
	free(z);
	fk_buf_free(&sig);
	return rc;
}
