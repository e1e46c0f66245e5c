/*
 * hub_fixture.h - test devices that seal records the way capture does
 * (zstd-compressed canonical JSON, age-encrypted to the hub), chained and
 * numbered, so the bundle and hub tests do not need the device store.
 */
#ifndef HUB_FIXTURE_H
#define HUB_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>
#include <zstd.h>

#include "age.h"
#include "bundle_export.h"
#include "minisign.h"
#include "tmpdir.h"

#define FX_MAXATT 4

struct fx_rec {
	fk_store_record r;
	fk_store_attachment att[FX_MAXATT];
	fk_buf ct;
	fk_buf attct[FX_MAXATT];
	char *json; /* the plaintext, for comparison */
};

struct fx_dev {
	char id[65];
	fk_minisign_sk *sk;
	fk_minisign_pk pk;
	size_t n, cap;
	struct fx_rec *rec;
	size_t from; /* first record the iterator yields */
	size_t to;   /* one past the last (0 = all) */
};

static inline void
fx_dev_init(struct fx_dev *d, const char *id)
{
	fk_err e;

	memset(d, 0, sizeof *d);
	snprintf(d->id, sizeof d->id, "%s", id);
	if (fk_minisign_keygen(&d->sk, &d->pk, &e) != 0)
		abort();
}

static inline void
fx_dev_free(struct fx_dev *d)
{
	size_t i, j;

	for (i = 0; i < d->n; i++) {
		fk_buf_free(&d->rec[i].ct);
		for (j = 0; j < FX_MAXATT; j++)
			fk_buf_free(&d->rec[i].attct[j]);
		free(d->rec[i].json);
	}
	free(d->rec);
	fk_minisign_sk_free(d->sk);
}

static inline void
fx_seal(const fk_age_recipients *to, const void *p, size_t n, int compress, fk_buf *out)
{
	fk_err e;
	size_t zc = ZSTD_compressBound(n), zl;
	uint8_t *z = malloc(zc);

	if (compress) {
		zl = ZSTD_compress(z, zc, p, n, 3);
		p = z;
		n = zl;
	}
	if (fk_age_encrypt_buf(to, 0, p, n, out, &e) != 0) {
		fprintf(stderr, "fx_seal: %s\n", e.msg);
		abort();
	}
	free(z);
}

/* Adds a record with natt attachments of attsize random bytes. answers: JSON text. */
static inline struct fx_rec *
fx_add(struct fx_dev *d, const fk_age_recipients *to, const char *form_id, int version,
    const char *answers, size_t natt, size_t attsize)
{
	struct fx_rec *r;
	json_t *j, *atts;
	size_t i;

	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->rec = realloc(d->rec, d->cap * sizeof *d->rec);
	}
	r = &d->rec[d->n];
	memset(r, 0, sizeof *r);
	fk_uuid(r->r.id);
	r->r.seq = (int64_t)d->n + 1;
	snprintf(r->r.form_id, sizeof r->r.form_id, "%s", form_id);
	r->r.form_version = version;
	snprintf(r->r.short_ref, sizeof r->r.short_ref, "R%06zu", d->n + 1);
	r->r.finalized_at = 1790000000 + (int64_t)d->n;
	if (d->n > 0)
		memcpy(r->r.prev, d->rec[d->n - 1].r.ct_hash, 32);
	atts = json_array();
	for (i = 0; i < natt && i < FX_MAXATT; i++) {
		uint8_t *b = malloc(attsize);
		char h[65];
		randombytes_buf(b, attsize);
		fk_uuid(r->att[i].id);
		fx_seal(to, b, attsize, 0, &r->attct[i]);
		free(b);
		r->att[i].ct = r->attct[i].p;
		r->att[i].ctlen = r->attct[i].len;
		crypto_hash_sha256(r->att[i].ct_hash, r->att[i].ct, r->att[i].ctlen);
		fk_hex(r->att[i].ct_hash, 32, h);
		json_array_append_new(atts, json_pack("{s:s,s:s,s:s,s:I,s:s,s:s}", "field",
		    "photo", "id", r->att[i].id, "sha256_ct", h, "size", (json_int_t)attsize,
		    "media_type", "image/jpeg", "name", "photo.jpg"));
	}
	r->r.natt = i;
	r->r.att = r->att;
	j = json_pack("{s:s,s:s,s:i,s:s,s:I,s:s,s:s,s:s,s:o,s:o}", "record_id", r->r.id,
	    "form_id", form_id, "form_version", version, "device_id", d->id, "seq",
	    (json_int_t)r->r.seq, "created_at", "2026-09-21T10:00:00Z", "finalized_at",
	    "2026-09-21T10:05:00Z", "short_ref", r->r.short_ref, "answers",
	    json_loads(answers, 0, NULL), "attachments", atts);
	r->json = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	fx_seal(to, r->json, strlen(r->json), 1, &r->ct);
	r->r.ct = r->ct.p;
	r->r.ctlen = r->ct.len;
	crypto_hash_sha256(r->r.ct_hash, r->r.ct, r->r.ctlen);
	d->n++;
	return r;
}

/* Replaces record i's sealed body (same id and seq) with plaintext p (already compressed
 * when compress is 0), keeping the chain fields as they were. */
static inline void
fx_reseal(struct fx_dev *d, size_t i, const fk_age_recipients *to, const void *p, size_t n,
    int compress)
{
	struct fx_rec *r = &d->rec[i];

	fk_buf_free(&r->ct);
	fx_seal(to, p, n, compress, &r->ct);
	r->r.ct = r->ct.p;
	r->r.ctlen = r->ct.len;
	crypto_hash_sha256(r->r.ct_hash, r->r.ct, r->r.ctlen);
	if (compress) {
		free(r->json);
		r->json = strndup(p, n);
	}
}

/* fk_record_iter over d->rec[d->from..]. */
static inline int
fx_iter(void *ictx, fk_record_fn fn, void *ctx, fk_err *e)
{
	struct fx_dev *d = ictx;
	size_t i;
	int k;

	for (i = d->from; i < (d->to ? d->to : d->n); i++) {
		d->rec[i].r.ct = d->rec[i].ct.p;
		d->rec[i].r.att = d->rec[i].att;
		if ((k = fn(ctx, &d->rec[i].r, e)) != 0)
			return k < 0 ? -1 : 0;
	}
	return 0;
}

static inline int
fx_key(void *ctx, const char *device_id, fk_minisign_pk *pk, fk_err *e)
{
	struct fx_dev *d = ctx;

	if (strcmp(device_id, d->id) != 0)
		return fk_fail(e, FK_ESIG, "unknown device %s", device_id);
	*pk = d->pk;
	return 0;
}

/* Writes a bundle of d's records to dir; returns its path (malloc'd). */
static inline char *
fx_export(struct fx_dev *d, const char *dir)
{
	fk_export_result res;
	fk_err e;
	char *p;

	if (fk_bundle_export(fx_iter, d, d->id, d->sk, dir, 0, &res, &e) != 0) {
		fprintf(stderr, "fx_export: %s\n", e.msg);
		abort();
	}
	p = res.nfiles ? strdup(res.paths[0]) : NULL;
	fk_export_result_free(&res);
	return p;
}

/* Length of a bundle's head (magic, lengths, manifest, signature). */
static inline size_t
fx_head_len(const fk_buf *b)
{
	size_t mz = 0, sl = 0;
	const char *p = (const char *)b->p + strlen(FK_BUNDLE_MAGIC);

	if (sscanf(p, "%zu %zu", &mz, &sl) != 2)
		return 0;
	return (size_t)(strchr(p, '\n') + 1 - (const char *)b->p) + mz + sl;
}

static inline char *
fk_hub_path_test(const char *dir)
{
	char *p = malloc(4096);

	snprintf(p, 4096, "%s/hub", dir);
	return p;
}

static inline char *
fx_tmpdir(const char *name)
{
	return test_tmpdir(name);
}

#endif
