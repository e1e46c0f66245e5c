/*
 * bundle.c - the bundle format: building a manifest, its canonical JSON and
 * the signed head. See bundle.h and docs/bundle-format.md.
 */
#include "bundle.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Whether entry i's prev is implied by entry i-1 (and so left out). */
static int
prev_implied(const fk_bundle_manifest *m, size_t i)
{
	return i > 0 && m->rec[i].seq == m->rec[i - 1].seq + 1 &&
	    memcmp(m->rec[i].prev, m->rec[i - 1].ct_hash, 32) == 0;
}

/* A string the manifest names: ids, hex, times. None needs escaping in JSON. */
static int
plain(const char *s)
{
	for (; *s; s++)
		if (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

static int
put(fk_buf *b, fk_err *e, const char *fmt, ...) FK_PRINTF(3, 4);

static int
put(fk_buf *b, fk_err *e, const char *fmt, ...)
{
	char line[400];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof line)
		return fk_fail(e, FK_EINPUT, _("a manifest field is too long"));
	return fk_buf_append(b, line, (size_t)n, e);
}

/*
 * The manifest's canonical JSON, written as text (the same bytes jansson's
 * compact form of it would be: keys in this order, no spaces), so that a big
 * manifest costs its text and no JSON tree.
 */
static int
manifest_text(const fk_bundle_manifest *m, fk_buf *out, fk_err *e)
{
	char h[FK_SHA256_HEX + 1], p[FK_SHA256_HEX + 1];
	size_t i, j;

	if (!plain(m->device_id) || !plain(m->bundle_id) || !plain(m->created))
		return fk_fail(e, FK_EINPUT, _("malformed device or bundle id"));
	if (put(out, e, "{\"type\":\"fieldkit-bundle\",\"version\":1,\"device_id\":\"%s\","
	    "\"bundle_id\":\"%s\",\"created\":\"%s\",\"records\":[", m->device_id, m->bundle_id,
	    m->created) != 0)
		return -1;
	for (i = 0; i < m->n; i++) {
		const fk_bundle_entry *r = &m->rec[i];
		if (!plain(r->id))
			return fk_fail(e, FK_EINPUT, _("malformed record id"));
		fk_hex(r->ct_hash, 32, h);
		fk_hex(r->prev, 32, p);
		if (put(out, e, "%s{\"id\":\"%s\",\"seq\":%lld,\"ct\":\"%s\",\"len\":%llu%s%s%s%s",
		    i ? "," : "", r->id, (long long)r->seq, h, (unsigned long long)r->len,
		    prev_implied(m, i) ? "" : ",\"prev\":\"", prev_implied(m, i) ? "" : p,
		    prev_implied(m, i) ? "" : "\"", r->natt > 0 ? ",\"att\":[" : "") != 0)
			return -1;
		for (j = 0; j < r->natt; j++) {
			if (!plain(r->att[j].id))
				return fk_fail(e, FK_EINPUT, _("malformed record id"));
			fk_hex(r->att[j].hash, 32, h);
			if (put(out, e, "%s{\"id\":\"%s\",\"ct\":\"%s\",\"len\":%llu}", j ? "," : "",
			    r->att[j].id, h, (unsigned long long)r->att[j].len) != 0)
				return -1;
		}
		if (put(out, e, "%s}", r->natt > 0 ? "]" : "") != 0)
			return -1;
	}
	return put(out, e, "]}");
}

int
fk_bundle_write_head(const fk_bundle_manifest *m, const fk_minisign_sk *sk, fk_sink out,
    fk_err *e)
{
	fk_buf text = {0};
	char line[64], tc[256];
	size_t tl, zcap, zl;
	uint8_t *z = NULL;
	fk_buf sig = {0};
	int rc = -1;

	if (manifest_text(m, &text, e) != 0)
		goto fail;
	tl = text.len;
	if (tl > FK_BUNDLE_MAX_MANIFEST) {
		fk_fail(e, FK_ELIMIT, _("too many records for one bundle; use --max-size"));
		goto fail;
	}
	zcap = ZSTD_compressBound(tl);
	if ((z = malloc(zcap)) == NULL) {
		fk_fail(e, FK_ENOMEM, _("out of memory"));
		goto fail;
	}
	zl = ZSTD_compress(z, zcap, text.p, tl, 9);
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
	fk_buf_free(&text);
	free(z);
	fk_buf_free(&sig);
	return rc;
}
