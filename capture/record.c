/*
 * record.c - see record.h and docs/device-store.md ("Finalizing").
 *
 * Plaintext path: answers (a jansson tree, allocated through a wiping
 * allocator) -> canonical JSON in sodium_malloc memory -> zstd (its context
 * also on the wiping allocator, output in sodium_malloc memory) -> age. Only
 * the age ciphertext leaves this file.
 */
#define ZSTD_STATIC_LINKING_ONLY
#include "record.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>

#include <sodium.h>
#include <zstd.h>

#include "age.h"
#include "shortref.h"

#define ZSTD_LEVEL 3

struct sealer {
	fk_finalizer *f;
	fk_secbuf *js;
	fk_buf *ct;
	uint8_t (*hash)[FK_SHA256_LEN];
	size_t n, first, step;
	ZSTD_CCtx *zc;
	fk_secbuf zs;
	fk_err e;
	int rc;
};

struct fk_finalizer {
	fk_store *s;
	const fk_device *d;
	fk_age_recipients r;
	size_t age_overhead; /* header + payload nonce */
	ZSTD_CCtx *zc;
	fk_secbuf js, zs, io;
	fk_buf ct;
	int in_tx;
	/* fk_finalize_many */
	struct sealer *work;
	size_t nwork;
	fk_secbuf mjs[FK_FINALIZE_MANY];
	fk_buf mct[FK_FINALIZE_MANY];
	uint8_t mhash[FK_FINALIZE_MANY][32];
};

/* --- wiping allocation --- */

#define WIPE_HDR 16

static void *
wipe_malloc(size_t n)
{
	uint8_t *p;

	if (n > SIZE_MAX - WIPE_HDR || (p = malloc(n + WIPE_HDR)) == NULL)
		return NULL;
	memcpy(p, &n, sizeof n);
	return p + WIPE_HDR;
}

static void
wipe_free(void *q)
{
	uint8_t *p;
	size_t n;

	if (q == NULL)
		return;
	p = (uint8_t *)q - WIPE_HDR;
	memcpy(&n, p, sizeof n);
	sodium_memzero(q, n);
	free(p);
}

static void *
zwipe_alloc(void *opaque, size_t n)
{
	(void)opaque;
	return wipe_malloc(n);
}

static void
zwipe_free(void *opaque, void *p)
{
	(void)opaque;
	wipe_free(p);
}

void
fk_json_use_wiping_alloc(void)
{
	json_set_alloc_funcs(wipe_malloc, wipe_free);
}

/* --- secure buffers --- */

int
fk_secbuf_reserve(fk_secbuf *b, size_t cap, fk_err *e)
{
	uint8_t *q;
	size_t nc;

	if (cap <= b->cap)
		return 0;
	nc = b->cap ? b->cap : 4096;
	while (nc < cap) {
		if (nc > SIZE_MAX / 2)
			return fk_fail(e, FK_ENOMEM, _("out of memory"));
		nc *= 2;
	}
	if ((q = sodium_malloc(nc)) == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	if (b->len > 0)
		memcpy(q, b->p, b->len);
	sodium_free(b->p); /* wipes */
	b->p = q;
	b->cap = nc;
	return 0;
}

int
fk_secbuf_append(fk_secbuf *b, const void *p, size_t n, fk_err *e)
{
	if (n == 0)
		return 0;
	if (n > SIZE_MAX - b->len || fk_secbuf_reserve(b, b->len + n, e) != 0)
		return -1;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

void
fk_secbuf_free(fk_secbuf *b)
{
	sodium_free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

struct dumpctx {
	fk_secbuf *b;
	fk_err *e;
};

static int
dump_cb(const char *buf, size_t n, void *data)
{
	struct dumpctx *c = data;

	return fk_secbuf_append(c->b, buf, n, c->e) == 0 ? 0 : -1;
}

int
fk_json_dump_secure(const json_t *j, fk_secbuf *b, fk_err *e)
{
	struct dumpctx c = { b, e };

	b->len = 0;
	if (json_dump_callback(j, dump_cb, &c, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) != 0) {
		if (e != NULL && e->code == FK_OK)
			fk_fail(e, FK_ENOMEM, _("cannot serialize the record"));
		return -1;
	}
	return 0;
}

/* --- the finalizer --- */

int
fk_finalizer_new(fk_finalizer **fp, fk_store *s, const fk_device *d, fk_err *e)
{
	fk_finalizer *f;
	ZSTD_customMem mem = { zwipe_alloc, zwipe_free, NULL };

	*fp = NULL;
	if ((f = calloc(1, sizeof *f)) == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	f->s = s;
	f->d = d;
	if (fk_device_recipients(d, &f->r, e) != 0) {
		free(f);
		return -1;
	}
	/* The header length only depends on the recipients: learn it once. */
	if (fk_age_encrypt_buf(&f->r, 0, NULL, 0, &f->ct, e) != 0) {
		fk_finalizer_free(f);
		return -1;
	}
	f->age_overhead = f->ct.len - crypto_aead_chacha20poly1305_ietf_ABYTES;
	f->ct.len = 0;
	f->work = calloc(FK_FINALIZE_MAX_THREADS, sizeof *f->work);
	if ((f->zc = ZSTD_createCCtx_advanced(mem)) == NULL || f->work == NULL) {
		fk_finalizer_free(f);
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	}
	*fp = f;
	return 0;
}

void
fk_finalizer_free(fk_finalizer *f)
{
	size_t i;

	if (f == NULL)
		return;
	if (f->in_tx)
		fk_finalizer_rollback(f);
	fk_age_recipients_free(&f->r);
	ZSTD_freeCCtx(f->zc);
	fk_secbuf_free(&f->js);
	fk_secbuf_free(&f->zs);
	fk_secbuf_free(&f->io);
	fk_buf_free(&f->ct);
	for (i = 0; i < f->nwork; i++) {
		ZSTD_freeCCtx(f->work[i].zc);
		fk_secbuf_free(&f->work[i].zs);
	}
	free(f->work);
	for (i = 0; i < FK_FINALIZE_MANY; i++) {
		fk_secbuf_free(&f->mjs[i]);
		fk_buf_free(&f->mct[i]);
	}
	free(f);
}

size_t
fk_finalizer_att_ctlen(const fk_finalizer *f, uint64_t n)
{
	uint64_t chunks = n == 0 ? 1 : (n + FK_AGE_CHUNK - 1) / FK_AGE_CHUNK;

	return f->age_overhead + (size_t)n + (size_t)chunks * crypto_aead_chacha20poly1305_ietf_ABYTES;
}

int
fk_finalizer_begin(fk_finalizer *f, fk_err *e)
{
	if (f->in_tx)
		return 0;
	if (fk_store_begin(f->s, e) != 0)
		return -1;
	f->in_tx = 1;
	return 0;
}

int
fk_finalizer_commit(fk_finalizer *f, fk_err *e)
{
	if (!f->in_tx)
		return 0;
	f->in_tx = 0;
	return fk_store_commit(f->s, e);
}

void
fk_finalizer_rollback(fk_finalizer *f)
{
	if (f->in_tx)
		fk_store_rollback(f->s);
	f->in_tx = 0;
}

/*
 * The value at a record path ("children[0].child_photos[1].photo") in the
 * answers, or NULL. Groups do not nest a record, so a path's names and
 * indexes are the JSON's own keys and array positions.
 */
static const json_t *
answer_at(const json_t *answers, const char *path)
{
	const json_t *cur = answers;
	char name[128];
	const char *p = path;
	size_t n;
	char *end;
	unsigned long idx;

	for (;;) {
		n = strcspn(p, ".[");
		if (n == 0 || n >= sizeof name || !json_is_object(cur))
			return NULL;
		memcpy(name, p, n);
		name[n] = '\0';
		cur = json_object_get(cur, name);
		p += n;
		while (*p == '[') {
			if (p[1] < '0' || p[1] > '9')
				return NULL;
			idx = strtoul(p + 1, &end, 10);
			if (*end != ']' || !json_is_array(cur))
				return NULL;
			cur = json_array_get(cur, idx);
			p = end + 1;
		}
		if (*p == '\0')
			return cur;
		if (*p != '.')
			return NULL;
		p++;
	}
}

/*
 * An attachment's bytes: its file (path), or, without a path, the source it
 * came with and the name given with it (the app's pending files,
 * capture/pending.h).
 */
struct att_src {
	int fd;
	const char *path, *name;
	uint64_t size;
	fk_source src;
};

static long
fd_read(void *ctx, uint8_t *buf, size_t len, fk_err *e)
{
	struct att_src *s = ctx;
	ssize_t n;

	do
		n = read(s->fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return fk_fail(e, FK_EIO, _("cannot read attachment %s: %s"), s->path, strerror(errno));
	return (long)n;
}

static int
att_src_open(const fk_finalizer *f, const fk_attach_in *a, struct att_src *s, fk_err *e)
{
	struct stat st;

	memset(s, 0, sizeof *s);
	s->fd = -1;
	if (a->path == NULL) {
		if (a->src.read == NULL || a->name == NULL)
			return fk_fail(e, FK_EINPUT, _("attachment %s has no file"), a->field);
		s->path = s->name = a->name;
		s->size = a->size;
		s->src = a->src;
	} else {
		if ((s->fd = open(a->path, O_RDONLY | O_CLOEXEC)) < 0)
			return fk_fail(e, FK_EIO, _("cannot open attachment %s: %s"), a->path,
			    strerror(errno));
		if (fstat(s->fd, &st) != 0 || !S_ISREG(st.st_mode))
			return fk_fail(e, FK_EINPUT, _("attachment %s is not a regular file"), a->path);
		s->path = a->path;
		s->name = strrchr(a->path, '/') ? strrchr(a->path, '/') + 1 : a->path;
		s->size = (uint64_t)st.st_size;
		s->src = (fk_source){ fd_read, s };
	}
	if (s->size > f->d->att_limit)
		return fk_fail(e, FK_ELIMIT,
		    _("attachment %s is %llu bytes, over the device limit of %llu bytes"), s->path,
		    (unsigned long long)s->size, (unsigned long long)f->d->att_limit);
	return 0;
}

/*
 * Seals one attachment. It must be the file of an answer of this record:
 * the answer at a->field names a->id, and the bytes are still of the size and
 * the content type (their first bytes) the answer says: what the review
 * showed is what is sealed.
 */
static int
seal_attachment(fk_finalizer *f, const fk_record_in *in, int64_t seq, int idx,
    const fk_attach_in *a, json_t *list, fk_err *e)
{
	char id[FK_UUID_BUF], hex[FK_SHA256_HEX + 1];
	uint8_t hash[FK_SHA256_LEN];
	struct att_src s;
	fk_store_blob *b = NULL;
	fk_age_enc *enc = NULL;
	uint64_t got = 0;
	const char *content = NULL, *want, *shown = a->path ? a->path : a->name;
	const json_t *ans = answer_at(in->answers, a->field);
	crypto_hash_sha256_state pth;
	uint8_t pt_hash[FK_SHA256_LEN];
	json_t *o;
	long n;
	int rc = -1;

	crypto_hash_sha256_init(&pth);
	memset(&s, 0, sizeof s);
	s.fd = -1;
	if (a->id[0] == '\0' || !json_is_object(ans) ||
	    !json_is_string(json_object_get(ans, "id")) ||
	    strcmp(json_string_value(json_object_get(ans, "id")), a->id) != 0)
		return fk_fail(e, FK_EINPUT,
		    _("attachment %s is not the answer at %s: a file the record does not show is never sealed"),
		    shown ? shown : a->id, a->field);
	want = json_string_value(json_object_get(ans, "media_type"));
	if (att_src_open(f, a, &s, e) != 0)
		goto out;
	if (json_integer_value(json_object_get(ans, "size")) != (json_int_t)s.size) {
		fk_fail(e, FK_EIO, _("attachment %s changed since it was attached: attach it again"),
		    s.path);
		goto out;
	}
	if (fk_secbuf_reserve(&f->io, FK_AGE_CHUNK, e) != 0)
		goto out;
	memcpy(id, a->id, sizeof id);
	if (fk_store_att_open(f->s, id, seq, idx, fk_finalizer_att_ctlen(f, s.size), &b, e) != 0)
		goto out;
	if ((enc = fk_age_enc_new(&f->r, 0, fk_store_blob_sink(b), e)) == NULL)
		goto out;
	while ((n = s.src.read(s.src.ctx, f->io.p, FK_AGE_CHUNK, e)) > 0) {
		if (got == 0) {
			content = fk_media_sniff(f->io.p, (size_t)n);
			if (content == NULL || want == NULL || strcmp(content, want) != 0) {
				fk_fail(e, FK_EIO,
				    _("attachment %s changed since it was attached: attach it again"),
				    s.path);
				goto out;
			}
		}
		got += (uint64_t)n;
		if (got > s.size) {
			fk_fail(e, FK_EIO, _("attachment %s changed while it was read"), s.path);
			goto out;
		}
		crypto_hash_sha256_update(&pth, f->io.p, (size_t)n);
		if (fk_age_enc_write(enc, f->io.p, (size_t)n, e) != 0)
			goto out;
	}
	if (n < 0)
		goto out;
	if (got != s.size) {
		fk_fail(e, FK_EIO, _("attachment %s changed while it was read"), s.path);
		goto out;
	}
	if (content == NULL) {
		/* An empty file: no type to show. */
		fk_fail(e, FK_EINPUT, _("attachment %s is empty"), s.path);
		goto out;
	}
	/* The same bytes as when it was attached (and shown in the review): a
	 * file replaced by another of the same size and type is not sealed. */
	crypto_hash_sha256_final(&pth, pt_hash);
	if (a->sha256 != NULL) {
		char now[FK_SHA256_HEX + 1];

		sodium_bin2hex(now, sizeof now, pt_hash, sizeof pt_hash);
		if (strcmp(now, a->sha256) != 0) {
			fk_fail(e, FK_EIO, _("attachment %s changed since it was attached: attach it "
			    "again"), s.path);
			goto out;
		}
	}
	if (fk_age_enc_finish(enc, e) != 0)
		goto out;
	rc = fk_store_att_close(b, hash, e);
	b = NULL;
	if (rc != 0)
		goto out;
	sodium_bin2hex(hex, sizeof hex, hash, 32);
	o = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s}", "field", a->field, "id", id,
	    "sha256_ct", hex, "size", (json_int_t)s.size, "media_type", content,
	    "name", s.name);
	if (o == NULL || json_array_append_new(list, o) != 0)
		rc = fk_fail(e, FK_EINPUT, _("attachment %s: field or file name is not valid UTF-8"),
		    s.path);
out:
	fk_age_enc_free(enc);
	fk_store_att_abort(b);
	if (f->io.p != NULL)
		sodium_memzero(f->io.p, f->io.cap);
	if (s.fd >= 0)
		close(s.fd);
	return rc;
}

static int
new_short_ref(fk_finalizer *f, char ref[9], fk_err *e)
{
	int taken = 1, tries;

	for (tries = 0; taken && tries < 100; tries++) {
		fk_shortref_new(ref);
		if (fk_store_shortref_taken(f->s, ref, &taken, e) != 0)
			return -1;
	}
	if (taken)
		return fk_fail(e, FK_ESTATE, _("cannot find a free short reference"));
	return 0;
}

static json_t *
record_json(fk_finalizer *f, const fk_record_in *in, const fk_record_out *out,
    int64_t finalized, json_t *atts)
{
	char created[FK_TIME_BUF], fin[FK_TIME_BUF];

	fk_time_rfc3339(in->created_at ? in->created_at : finalized, created);
	fk_time_rfc3339(finalized, fin);
	return json_pack("{s:s, s:s, s:i, s:s, s:I, s:s, s:s, s:s, s:O, s:O}",
	    "record_id", out->id, "form_id", in->form_id, "form_version", in->form_version,
	    "device_id", f->d->device_id, "seq", (json_int_t)out->seq, "created_at", created,
	    "finalized_at", fin, "short_ref", out->short_ref, "answers", (json_t *)in->answers,
	    "attachments", atts);
}

/* zstd then age: js -> ct, and ct's SHA-256. Safe to run in several threads
 * with distinct zc, zs and ct (the recipients are only read). */
static int
seal_bytes(const fk_age_recipients *r, ZSTD_CCtx *zc, fk_secbuf *zs, const fk_secbuf *js,
    fk_buf *ct, uint8_t hash[FK_SHA256_LEN], fk_err *e)
{
	size_t zlen;
	int rc = -1;

	if (fk_secbuf_reserve(zs, ZSTD_compressBound(js->len), e) != 0)
		return -1;
	zlen = ZSTD_compressCCtx(zc, zs->p, zs->cap, js->p, js->len, ZSTD_LEVEL);
	if (ZSTD_isError(zlen)) {
		fk_fail(e, FK_ENOMEM, _("cannot compress the record: %s"), ZSTD_getErrorName(zlen));
		goto out;
	}
	ct->len = 0;
	if (fk_age_encrypt_buf(r, 0, zs->p, zlen, ct, e) != 0)
		goto out;
	crypto_hash_sha256(hash, ct->p, ct->len);
	rc = 0;
out:
	sodium_memzero(zs->p, zs->cap);
	zs->len = 0;
	return rc;
}

/* Seals the attachments, then puts the canonical record JSON into js. */
static int
record_plaintext(fk_finalizer *f, const fk_record_in *in, const fk_record_out *out,
    int64_t finalized, fk_secbuf *js, fk_err *e)
{
	json_t *atts = json_array(), *rec = NULL;
	size_t i, j;
	int rc = -1;

	if (atts == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	for (i = 0; i < in->natt; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(in->att[j].field, in->att[i].field) == 0 ||
			    strcmp(in->att[j].id, in->att[i].id) == 0) {
				fk_fail(e, FK_EINPUT, _("two files for the answer at %s"), in->att[i].field);
				goto out;
			}
		if (seal_attachment(f, in, out->seq, (int)i, &in->att[i], atts, e) != 0)
			goto out;
	}
	rec = record_json(f, in, out, finalized, atts);
	if (rec == NULL) {
		fk_fail(e, FK_EINPUT, _("the record cannot be put together (form id not UTF-8?)"));
		goto out;
	}
	rc = fk_json_dump_secure(rec, js, e);
out:
	json_decref(rec);
	json_decref(atts);
	return rc;
}

static int
seal_record(fk_finalizer *f, const fk_record_in *in, fk_record_out *out, fk_store_record *r,
    fk_err *e)
{
	int rc;

	rc = record_plaintext(f, in, out, r->finalized_at, &f->js, e);
	if (rc == 0)
		rc = seal_bytes(&f->r, f->zc, &f->zs, &f->js, &f->ct, r->ct_hash, e);
	sodium_memzero(f->js.p, f->js.cap);
	f->js.len = 0;
	if (rc == 0) {
		r->ct = f->ct.p;
		r->ctlen = f->ct.len;
		r->natt = in->natt;
	}
	return rc;
}

int
fk_finalize(fk_finalizer *f, const fk_record_in *in, fk_record_out *out, fk_err *e)
{
	fk_store_record r;

	memset(&r, 0, sizeof r);
	memset(out, 0, sizeof *out);
	if (!f->in_tx)
		return fk_fail(e, FK_ESTATE, _("finalizing outside a transaction"));
	if (in->form_id == NULL || strlen(in->form_id) >= sizeof r.form_id ||
	    !json_is_object(in->answers))
		return fk_fail(e, FK_EINPUT, _("the record has no form or no answers"));
	if (fk_store_savepoint(f->s, e) != 0)
		return -1;
	if (fk_store_next(f->s, &out->seq, r.prev, e) != 0 || new_short_ref(f, out->short_ref, e) != 0)
		goto fail;
	fk_uuid(out->id);
	r.seq = out->seq;
	memcpy(r.id, out->id, sizeof r.id);
	snprintf(r.form_id, sizeof r.form_id, "%s", in->form_id);
	r.form_version = in->form_version;
	memcpy(r.short_ref, out->short_ref, sizeof r.short_ref);
	r.finalized_at = (int64_t)time(NULL);
	if (seal_record(f, in, out, &r, e) != 0 || fk_store_insert_record(f->s, &r, e) != 0)
		goto fail;
	if (in->draft_id != NULL && fk_store_draft_delete(f->s, in->draft_id, e) != 0)
		goto fail;
	if (in->seen != NULL && fk_store_seen_put(f->s, in->seen, out->seq, e) != 0)
		goto fail;
	if (fk_store_release(f->s, e) != 0)
		goto fail;
	out->ctlen = r.ctlen;
	return 0;
fail:
	fk_store_rollback_savepoint(f->s);
	return -1;
}

int
fk_finalize_one(fk_finalizer *f, const fk_record_in *in, fk_record_out *out, fk_err *e)
{
	if (fk_finalizer_begin(f, e) != 0)
		return -1;
	if (fk_finalize(f, in, out, e) != 0) {
		fk_finalizer_rollback(f);
		return -1;
	}
	return fk_finalizer_commit(f, e);
}

/* --- many records at once: plaintext built in order, sealed in parallel --- */


static void *
sealer_run(void *arg)
{
	struct sealer *w = arg;
	size_t i;

	w->rc = 0;
	for (i = w->first; i < w->n && w->rc == 0; i += w->step)
		w->rc = seal_bytes(&w->f->r, w->zc, &w->zs, &w->js[i], &w->ct[i], w->hash[i], &w->e);
	return NULL;
}

static int
ensure_workers(fk_finalizer *f, fk_err *e)
{
	ZSTD_customMem mem = { zwipe_alloc, zwipe_free, NULL };
	const char *env = getenv("FIELDKIT_THREADS");
	/* One thread unless asked: with fk_age_enc_new's two sodium_malloc calls
	 * per record, threads contend in the kernel and were no faster here. */
	long n = env && *env ? strtol(env, NULL, 10) : 1;
	size_t i;

	if (f->nwork > 0)
		return 0;
	if (n < 1)
		n = 1;
	if (n > FK_FINALIZE_MAX_THREADS)
		n = FK_FINALIZE_MAX_THREADS;
	for (i = 0; i < (size_t)n; i++) {
		f->work[i].f = f;
		if ((f->work[i].zc = ZSTD_createCCtx_advanced(mem)) == NULL)
			return fk_fail(e, FK_ENOMEM, _("out of memory"));
		f->nwork = i + 1;
	}
	return 0;
}

static int
seal_parallel(fk_finalizer *f, size_t n, fk_err *e)
{
	pthread_t th[FK_FINALIZE_MAX_THREADS];
	int started[FK_FINALIZE_MAX_THREADS] = { 0 };
	size_t t, nt = f->nwork < n ? f->nwork : n;
	int rc = 0;

	for (t = 0; t < nt; t++) {
		struct sealer *w = &f->work[t];
		w->js = f->mjs;
		w->ct = f->mct;
		w->hash = f->mhash;
		w->n = n;
		w->first = t;
		w->step = nt;
		fk_err_clear(&w->e);
		/* The calling thread does the last share itself. */
		if (t + 1 < nt && pthread_create(&th[t], NULL, sealer_run, w) == 0)
			started[t] = 1;
		else
			sealer_run(w);
	}
	for (t = 0; t < nt; t++) {
		if (started[t])
			pthread_join(th[t], NULL);
		if (f->work[t].rc != 0 && rc == 0) {
			if (e != NULL)
				*e = f->work[t].e;
			rc = -1;
		}
	}
	return rc;
}

int
fk_finalize_many(fk_finalizer *f, const fk_record_in *in, size_t n, fk_record_out *out,
    fk_err *e)
{
	fk_store_record r;
	int64_t seq;
	uint8_t prev[FK_SHA256_LEN];
	size_t i, j;
	int rc = -1, taken;
	int64_t now = (int64_t)time(NULL);

	if (!f->in_tx)
		return fk_fail(e, FK_ESTATE, _("finalizing outside a transaction"));
	if (n > FK_FINALIZE_MANY)
		return fk_fail(e, FK_ELIMIT, _("too many records at once"));
	if (ensure_workers(f, e) != 0 || fk_store_next(f->s, &seq, prev, e) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (in[i].natt > 0 || in[i].draft_id != NULL || !json_is_object(in[i].answers) ||
		    in[i].form_id == NULL || strlen(in[i].form_id) >= sizeof r.form_id)
			return fk_fail(e, FK_EINPUT, _("the record has no form or no answers"));
		memset(&out[i], 0, sizeof out[i]);
		out[i].seq = seq + (int64_t)i;
		fk_uuid(out[i].id);
		do {
			if (new_short_ref(f, out[i].short_ref, e) != 0)
				goto out;
			for (taken = 0, j = 0; j < i && !taken; j++)
				taken = strcmp(out[j].short_ref, out[i].short_ref) == 0;
		} while (taken);
		if (record_plaintext(f, &in[i], &out[i], now, &f->mjs[i], e) != 0)
			goto out;
	}
	if (seal_parallel(f, n, e) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		memset(&r, 0, sizeof r);
		r.seq = out[i].seq;
		memcpy(r.id, out[i].id, sizeof r.id);
		snprintf(r.form_id, sizeof r.form_id, "%s", in[i].form_id);
		r.form_version = in[i].form_version;
		memcpy(r.short_ref, out[i].short_ref, sizeof r.short_ref);
		r.finalized_at = now;
		memcpy(r.prev, prev, 32);
		memcpy(r.ct_hash, f->mhash[i], 32);
		r.ct = f->mct[i].p;
		r.ctlen = f->mct[i].len;
		/* Each insert is whole; a failure here is the store's and ends the group. */
		if (fk_store_insert_record(f->s, &r, e) != 0 ||
		    (in[i].seen != NULL && fk_store_seen_put(f->s, in[i].seen, r.seq, e) != 0))
			goto out;
		memcpy(prev, r.ct_hash, 32);
		out[i].ctlen = r.ctlen;
	}
	rc = 0;
out:
	for (i = 0; i < n; i++) {
		if (f->mjs[i].p != NULL)
			sodium_memzero(f->mjs[i].p, f->mjs[i].cap);
		f->mjs[i].len = 0;
	}
	return rc;
}
