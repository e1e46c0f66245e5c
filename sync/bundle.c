/*
 * bundle.c - see bundle.h and docs/bundle-format.md.
 */
#include "bundle.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>
#include <zstd.h>

#define TC_PREFIX "fieldkit-bundle v1 device="
#define UNTRUSTED "fieldkit bundle manifest"

int
fk_device_id_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > FK_ID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return 0;
	return 1;
}

/* ---- manifest ---- */

static fk_bundle_entry *
manifest_grow(fk_bundle_manifest *m, fk_err *e)
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
	if ((r = manifest_grow(m, e)) == NULL)
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
	char h[65];

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
	snprintf(tc, sizeof tc, TC_PREFIX "%s bundle=%s records=%zu", m->device_id,
	    m->bundle_id, m->n);
	if (fk_minisign_sign_buf(sk, z, zl, tc, UNTRUSTED, &sig, e) != 0)
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

/* ---- reader ---- */

struct fk_bundle_reader {
	fk_source in;
	fk_bundle_manifest m;
	uint8_t *mz;
	size_t mzlen;
	uint8_t *sig;
	size_t siglen;
	fk_buf json;
	int is_signed;
	size_t ri, ai; /* next blob; ai == (size_t)-1: the record's own ct */
	int done;
};

static int
bad(fk_err *e, const char *what)
{
	return fk_fail(e, FK_EINPUT, _("not a valid fieldkit bundle: %s"), what);
}

/* Reads a line of at most cap bytes (without the newline) into out. */
static int
read_line(fk_source *in, char *out, size_t cap, fk_err *e)
{
	size_t i = 0;
	uint8_t c;

	for (;;) {
		long n = fk_source_read_full(in, &c, 1, e);
		if (n < 0)
			return -1;
		if (n == 0)
			return bad(e, _("the file ends inside its header (truncated?)"));
		if (c == '\n')
			break;
		if (i + 1 >= cap)
			return bad(e, _("header line too long"));
		out[i++] = (char)c;
	}
	out[i] = 0;
	return 0;
}

static int
parse_len(const char *s, size_t max, size_t *out)
{
	size_t v = 0;

	if (*s == 0 || (*s == '0' && s[1] != 0))
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (size_t)(*s - '0');
		if (v > max)
			return -1;
	}
	*out = v;
	return 0;
}

/* Whether base64 line l (n chars) decodes to want bytes and re-encodes to itself. */
static int
canon_b64(const uint8_t *l, size_t n, size_t want)
{
	uint8_t bin[128];
	char re[256];
	size_t got;

	if (n >= sizeof re || sodium_base642bin(bin, sizeof bin, (const char *)l, n, NULL,
	    &got, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 || got != want)
		return 0;
	sodium_bin2base64(re, sizeof re, bin, got, sodium_base64_VARIANT_ORIGINAL);
	return strlen(re) == n && memcmp(re, l, n) == 0;
}

/*
 * The signature text must be exactly what we write: four lines ending in
 * newlines, our untrusted comment, canonical base64. Minisign does not sign
 * the untrusted comment, so without this a changed byte there would pass.
 */
int
fk_sig_canonical(const uint8_t *p, size_t len, const char *untrusted)
{
	char l1[FK_MINISIGN_UNTRUSTED_MAX + 32];
	const uint8_t *l[4], *end = p + len, *q = p;
	size_t ll[4], n1;
	int k;

	n1 = (size_t)snprintf(l1, sizeof l1, "untrusted comment: %s\n", untrusted);

	for (k = 0; k < 4; k++) {
		const uint8_t *nl = memchr(q, '\n', (size_t)(end - q));
		if (nl == NULL)
			return 0;
		l[k] = q;
		ll[k] = (size_t)(nl - q);
		q = nl + 1;
	}
	return q == end && ll[0] + 1 == n1 && memcmp(p, l1, n1) == 0 &&
	    canon_b64(l[1], ll[1], 74) && canon_b64(l[3], ll[3], 64) &&
	    memchr(l[2], '\r', ll[2]) == NULL;
}

int
fk_lengths_parse(const char *line, size_t max_a, size_t max_b, size_t *a, size_t *b)
{
	char tmp[64];
	char *sp;

	if (strlen(line) >= sizeof tmp)
		return -1;
	memcpy(tmp, line, strlen(line) + 1);
	if ((sp = strchr(tmp, ' ')) == NULL)
		return -1;
	*sp++ = 0;
	if (parse_len(tmp, max_a, a) != 0 || parse_len(sp, max_b, b) != 0 || *a == 0 || *b == 0)
		return -1;
	return 0;
}

/* The trusted comment of a signature, as text (not yet verified). */
static int
trusted_device(const uint8_t *sig, size_t len, char dev[FK_ID_MAX + 1], char bid[37])
{
	static const char pfx[] = "trusted comment: " TC_PREFIX;
	const uint8_t *p = sig, *end = sig + len, *nl;
	int line = 0;
	char buf[FK_ID_MAX + 64];
	size_t n;

	while (p < end && line < 2) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			return -1;
		p = nl + 1;
		line++;
	}
	nl = memchr(p, '\n', (size_t)(end - p));
	if (nl == NULL || (size_t)(nl - p) < sizeof pfx - 1 || memcmp(p, pfx, sizeof pfx - 1))
		return -1;
	p += sizeof pfx - 1;
	n = (size_t)(nl - p);
	if (n >= sizeof buf)
		return -1;
	memcpy(buf, p, n);
	buf[n] = 0;
	if (sscanf(buf, "%64[^ ] bundle=%36[^ ] ", dev, bid) != 2)
		return -1;
	return 0;
}

int
fk_zstd_inflate(const uint8_t *p, size_t n, size_t max, fk_buf *out, fk_err *e)
{
	ZSTD_DCtx *d = ZSTD_createDCtx();
	ZSTD_inBuffer in = {p, n, 0};
	uint8_t tmp[65536];
	size_t ret = 1;
	int rc = -1;

	if (d == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, 24);
	out->max = max;
	while (ret != 0) {
		ZSTD_outBuffer o = {tmp, sizeof tmp, 0};
		size_t before = in.pos;
		ret = ZSTD_decompressStream(d, &o, &in);
		if (ZSTD_isError(ret)) {
			fk_fail(e, FK_EINPUT, _("corrupt compressed data"));
			goto fail;
		}
		if (fk_buf_append(out, tmp, o.pos, e) != 0) {
			fk_fail(e, FK_ELIMIT, _("decompresses to more than %zu MB (compression "
			    "bomb?)"), max >> 20);
			goto fail;
		}
		if (ret != 0 && in.pos == before && o.pos == 0) {
			fk_fail(e, FK_EINPUT, _("compressed data truncated"));
			goto fail;
		}
	}
	if (in.pos != in.size) {
		fk_fail(e, FK_EINPUT, _("data after the compressed data"));
		goto fail;
	}
	rc = 0;
fail:
	sodium_memzero(tmp, sizeof tmp);
	ZSTD_freeDCtx(d);
	return rc;
}

static int
get_hash(json_t *o, const char *k, uint8_t out[32])
{
	const char *s = json_string_value(json_object_get(o, k));

	return s == NULL ? -1 : fk_unhex(s, out, 32);
}

static int
get_len(json_t *o, uint64_t max, uint64_t *out)
{
	json_t *v = json_object_get(o, "len");

	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    (uint64_t)json_integer_value(v) > max)
		return -1;
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int
get_id(json_t *o, char out[37])
{
	const char *s = json_string_value(json_object_get(o, "id"));

	if (s == NULL || !fk_uuid_valid(s))
		return -1;
	memcpy(out, s, 37);
	return 0;
}

static int
parse_entry(fk_bundle_manifest *m, json_t *o, fk_err *e)
{
	fk_bundle_entry *r, *p;
	json_t *seq = json_object_get(o, "seq"), *att = json_object_get(o, "att");
	size_t j, i;

	if (!json_is_object(o) || (r = manifest_grow(m, e)) == NULL)
		return json_is_object(o) ? -1 : bad(e, _("a record entry is not an object"));
	i = m->n - 1;
	p = i > 0 ? &m->rec[i - 1] : NULL;
	if (get_id(o, r->id) != 0 || !json_is_integer(seq) || json_integer_value(seq) < 1 ||
	    get_hash(o, "ct", r->ct_hash) != 0 || get_len(o, FK_BUNDLE_MAX_RECORD_CT, &r->len))
		return bad(e, _("a record entry is malformed"));
	r->seq = (int64_t)json_integer_value(seq);
	if (p != NULL && r->seq <= p->seq)
		return bad(e, _("record sequence numbers are not increasing"));
	if (json_object_get(o, "prev") != NULL) {
		if (get_hash(o, "prev", r->prev) != 0)
			return bad(e, _("a record's chain link is malformed"));
		if (p != NULL && r->seq == p->seq + 1 && memcmp(r->prev, p->ct_hash, 32) != 0)
			return bad(e, _("the records' hash chain is broken inside the bundle"));
	} else {
		if (p == NULL || r->seq != p->seq + 1)
			return bad(e, _("a record lacks its chain link"));
		memcpy(r->prev, p->ct_hash, 32);
	}
	if (r->seq == 1 && !sodium_is_zero(r->prev, 32))
		return bad(e, _("the first record has a chain link"));
	if (att != NULL) {
		if (!json_is_array(att) || json_array_size(att) > FK_BUNDLE_MAX_ATT)
			return bad(e, _("a record's attachment list is malformed"));
		r->natt = json_array_size(att);
		if (r->natt > 0 && (r->att = calloc(r->natt, sizeof *r->att)) == NULL) {
			r->natt = 0;
			return fk_fail(e, FK_ENOMEM, _("out of memory"));
		}
		for (j = 0; j < r->natt; j++) {
			json_t *a = json_array_get(att, j);
			if (!json_is_object(a) || get_id(a, r->att[j].id) != 0 ||
			    get_hash(a, "ct", r->att[j].hash) != 0 ||
			    get_len(a, FK_BUNDLE_MAX_ATT_CT, &r->att[j].len) != 0)
				return bad(e, _("an attachment entry is malformed"));
		}
	}
	m->payload_len += fk_bundle_entry_bytes(r);
	return 0;
}

static int
idcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Record and attachment ids must be unique within the bundle. */
static int
check_unique(const fk_bundle_manifest *m, fk_err *e)
{
	size_t n = 0, i, j;
	const char **ids;
	int rc = 0;

	for (i = 0; i < m->n; i++)
		n += 1 + m->rec[i].natt;
	if ((ids = malloc(n * sizeof *ids + 1)) == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	n = 0;
	for (i = 0; i < m->n; i++) {
		ids[n++] = m->rec[i].id;
		for (j = 0; j < m->rec[i].natt; j++)
			ids[n++] = m->rec[i].att[j].id;
	}
	qsort(ids, n, sizeof *ids, idcmp);
	for (i = 1; i < n; i++)
		if (strcmp(ids[i - 1], ids[i]) == 0)
			rc = bad(e, _("an id appears twice"));
	free(ids);
	return rc;
}

/*
 * Counts the JSON values in a manifest without building them (commas and
 * opening brackets outside strings, plus one). A manifest made of millions of
 * tiny values would otherwise cost the JSON library ~50 bytes each: 63 MB of
 * "0," would take 1.3 GB. A real manifest has about 8 values per record and 4
 * per attachment.
 */
static size_t
json_values(const uint8_t *p, size_t n)
{
	size_t i, count = 1;
	int in_str = 0;

	for (i = 0; i < n; i++) {
		if (in_str) {
			if (p[i] == '\\')
				i++;
			else if (p[i] == '"')
				in_str = 0;
		} else if (p[i] == '"')
			in_str = 1;
		else if (p[i] == ',' || p[i] == '[' || p[i] == '{')
			count++;
	}
	return count;
}

static int
parse_manifest(fk_bundle_reader *r, const char *dev, const char *bid, fk_err *e)
{
	json_error_t je;
	json_t *root, *recs;
	const char *s;
	size_t i;
	int rc = -1;

	if (json_values(r->json.p, r->json.len) > FK_BUNDLE_MAX_MANIFEST_VALUES)
		return fk_fail(e, FK_ELIMIT,
		    _("the manifest has more entries than any bundle may hold; refused"));
	root = json_loadb((const char *)r->json.p, r->json.len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		return bad(e, _("the manifest is not JSON"));
	s = json_string_value(json_object_get(root, "type"));
	if (s == NULL || strcmp(s, "fieldkit-bundle") != 0 ||
	    json_integer_value(json_object_get(root, "version")) != 1) {
		bad(e, _("unknown manifest type or version"));
		goto fail;
	}
#define STR(k, dst) do { \
	s = json_string_value(json_object_get(root, k)); \
	if (s == NULL || strlen(s) >= sizeof(dst)) { bad(e, _("manifest field missing")); goto fail; } \
	memcpy(dst, s, strlen(s) + 1); } while (0)
	STR("device_id", r->m.device_id);
	STR("bundle_id", r->m.bundle_id);
	STR("created", r->m.created);
#undef STR
	if (!fk_device_id_valid(r->m.device_id) || !fk_uuid_valid(r->m.bundle_id)) {
		bad(e, _("malformed device or bundle id"));
		goto fail;
	}
	if (dev != NULL && (strcmp(dev, r->m.device_id) != 0 || strcmp(bid, r->m.bundle_id))) {
		fk_fail(e, FK_ESIG, _("the manifest does not match its signature"));
		goto fail;
	}
	recs = json_object_get(root, "records");
	if (!json_is_array(recs) || json_array_size(recs) > FK_BUNDLE_MAX_RECORDS) {
		bad(e, _("the record list is malformed"));
		goto fail;
	}
	for (i = 0; i < json_array_size(recs); i++)
		if (parse_entry(&r->m, json_array_get(recs, i), e) != 0)
			goto fail;
	rc = check_unique(&r->m, e);
fail:
	json_decref(root);
	return rc;
}

static int
read_head(fk_bundle_reader *r, fk_bundle_keyfn keyfn, void *ctx, fk_err *e)
{
	char line[64], dev[FK_ID_MAX + 1], bid[37];
	fk_minisign_pk pk;
	long n;

	if (read_line(&r->in, line, sizeof line, e) != 0)
		return -1;
	if (strcmp(line, "fieldkit-bundle v1") != 0)
		return bad(e, _("wrong magic line"));
	if (read_line(&r->in, line, sizeof line, e) != 0)
		return -1;
	if (fk_lengths_parse(line, FK_BUNDLE_MAX_MANIFEST_Z, FK_BUNDLE_MAX_SIG, &r->mzlen,
	    &r->siglen) != 0)
		return bad(e, _("malformed lengths line"));
	if ((r->mz = malloc(r->mzlen)) == NULL || (r->sig = malloc(r->siglen)) == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	if ((n = fk_source_read_full(&r->in, r->mz, r->mzlen, e)) < 0)
		return -1;
	if ((size_t)n != r->mzlen)
		return bad(e, _("the file ends inside the manifest (truncated?)"));
	if ((n = fk_source_read_full(&r->in, r->sig, r->siglen, e)) < 0)
		return -1;
	if ((size_t)n != r->siglen)
		return bad(e, _("the file ends inside the signature (truncated?)"));
	if (!fk_sig_canonical(r->sig, r->siglen, UNTRUSTED) || trusted_device(r->sig, r->siglen, dev, bid))
		return bad(e, _("malformed signature"));
	if (keyfn != NULL) {
		if (keyfn(ctx, dev, &pk, e) != 0)
			return -1;
		if (fk_minisign_verify_buf(&pk, r->sig, r->siglen, r->mz, r->mzlen, NULL, 0,
		    e) != 0)
			return fk_fail(e, FK_ESIG, _("the bundle's signature does not verify "
			    "against device %s (altered or forged)"), dev);
		r->is_signed = 1;
	}
	if (fk_zstd_inflate(r->mz, r->mzlen, FK_BUNDLE_MAX_MANIFEST, &r->json, e) != 0)
		return fk_prefix(e, _("not a valid fieldkit bundle: manifest"));
	return parse_manifest(r, keyfn ? dev : NULL, bid, e);
}

fk_bundle_reader *
fk_bundle_open(fk_source in, fk_bundle_keyfn keyfn, void *ctx, fk_err *e)
{
	fk_bundle_reader *r = calloc(1, sizeof *r);

	if (r == NULL) {
		fk_fail(e, FK_ENOMEM, _("out of memory"));
		return NULL;
	}
	r->in = in;
	r->ai = (size_t)-1;
	if (read_head(r, keyfn, ctx, e) != 0) {
		fk_bundle_close(r);
		return NULL;
	}
	return r;
}

void
fk_bundle_close(fk_bundle_reader *r)
{
	if (r == NULL)
		return;
	fk_bundle_manifest_free(&r->m);
	free(r->mz);
	free(r->sig);
	fk_buf_free(&r->json);
	free(r);
}

const fk_bundle_manifest *
fk_bundle_manifest_of(const fk_bundle_reader *r)
{
	return &r->m;
}

void
fk_bundle_raw(const fk_bundle_reader *r, const uint8_t **mz, size_t *mzlen,
    const uint8_t **sig, size_t *siglen, const uint8_t **json, size_t *jsonlen)
{
	*mz = r->mz;
	*mzlen = r->mzlen;
	*sig = r->sig;
	*siglen = r->siglen;
	*json = r->json.p;
	*jsonlen = r->json.len;
}

int
fk_bundle_signed(const fk_bundle_reader *r)
{
	return r->is_signed;
}

int
fk_bundle_peek(fk_bundle_reader *r, size_t *ri, size_t *ai, fk_err *e)
{
	uint8_t c;
	long n;

	if (r->ri >= r->m.n) {
		if (r->done)
			return 0;
		if ((n = fk_source_read_full(&r->in, &c, 1, e)) < 0)
			return -1;
		if (n != 0)
			return bad(e, _("data after the last record"));
		r->done = 1;
		return 0;
	}
	*ri = r->ri;
	*ai = r->ai;
	return 1;
}

int
fk_bundle_read(fk_bundle_reader *r, fk_sink out, fk_err *e)
{
	const fk_bundle_entry *en;
	const uint8_t *want;
	uint64_t left;
	uint8_t buf[65536], h[32];
	crypto_hash_sha256_state st;

	if (r->ri >= r->m.n)
		return fk_fail(e, FK_ESTATE, "no more blobs");
	en = &r->m.rec[r->ri];
	left = r->ai == (size_t)-1 ? en->len : en->att[r->ai].len;
	want = r->ai == (size_t)-1 ? en->ct_hash : en->att[r->ai].hash;
	crypto_hash_sha256_init(&st);
	while (left > 0) {
		size_t k = left < sizeof buf ? (size_t)left : sizeof buf;
		long n = fk_source_read_full(&r->in, buf, k, e);
		if (n < 0)
			return -1;
		if ((size_t)n != k)
			return bad(e, _("the file ends inside a record (truncated?)"));
		crypto_hash_sha256_update(&st, buf, k);
		if (out.write(out.ctx, buf, k, e) != 0)
			return -1;
		left -= k;
	}
	crypto_hash_sha256_final(&st, h);
	if (sodium_memcmp(h, want, 32) != 0)
		return fk_fail(e, FK_EINPUT, _("record %s does not match the manifest "
		    "(altered or replaced)"), en->id);
	if (r->ai + 1 < en->natt || (r->ai == (size_t)-1 && en->natt > 0)) {
		r->ai++;
	} else {
		r->ai = (size_t)-1;
		r->ri++;
	}
	return 0;
}

int
fk_bundle_verify_all(fk_bundle_reader *r, fk_err *e)
{
	size_t ri, ai;
	int k;

	while ((k = fk_bundle_peek(r, &ri, &ai, e)) == 1)
		if (fk_bundle_read(r, fk_null_sink(), e) != 0)
			return -1;
	return k;
}

/* ---- export ---- */

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"

/*
 * Size bounds for --max-size. A part's size is at most the magic and lengths
 * lines, the zstd bound of its raw manifest JSON, the signature text (its
 * length depends only on the trusted comment) and the payload; every raw
 * manifest entry is at most ENTRY_RAW plus ATT_RAW per attachment (ids,
 * 64-hex hashes, 20-digit numbers, the chain link always counted).
 */
#define ENTRY_RAW 256
#define ATT_RAW 160
#define BASE_RAW 160
#define SIG_RAW 420

struct plan {
	fk_bundle_manifest *parts;
	size_t nparts;
	const char *device_id;
	uint64_t max, raw, payload; /* of the last part */
};

static uint64_t
head_bound(const struct plan *p, uint64_t raw)
{
	return 19 + 24 + ZSTD_COMPRESSBOUND(raw + strlen(p->device_id)) + SIG_RAW +
	    strlen(p->device_id);
}

static int
plan_fn(void *ctx, const fk_store_record *rec, fk_err *e)
{
	struct plan *p = ctx;
	uint64_t b = rec->ctlen, raw = ENTRY_RAW + ATT_RAW * rec->natt;
	fk_bundle_manifest *m;
	size_t i;

	for (i = 0; i < rec->natt; i++)
		b += rec->att[i].ctlen;
	if (p->max && head_bound(p, BASE_RAW + raw) + b > p->max)
		return fk_fail(e, FK_ELIMIT, _("record %s (%llu bytes with its attachments) "
		    "does not fit in --max-size; raise it"), rec->id, (unsigned long long)b);
	if (p->nparts == 0 || (p->max && head_bound(p, p->raw + raw) + p->payload + b > p->max) ||
	    p->parts[p->nparts - 1].n >= FK_BUNDLE_MAX_RECORDS / 2) {
		m = realloc(p->parts, (p->nparts + 1) * sizeof *m);
		if (m == NULL)
			return fk_fail(e, FK_ENOMEM, _("out of memory"));
		p->parts = m;
		memset(&m[p->nparts++], 0, sizeof *m);
		p->raw = BASE_RAW;
		p->payload = 0;
	}
	p->raw += raw;
	p->payload += b;
	return fk_bundle_manifest_add(&p->parts[p->nparts - 1], rec, e);
}

struct wctx {
	struct plan *p;
	const char *device_id;
	const fk_minisign_sk *sk;
	const char *dir;
	size_t part, idx;
	fk_atomic a;
	int open;
	fk_export_result *res;
};

static int
write_blob(fk_sink s, const uint8_t *p, size_t n, fk_err *e)
{
	return s.write(s.ctx, p, n, e);
}

static int
finish_part(struct wctx *w, fk_err *e)
{
	char **np;
	char *path = strdup(w->a.path);

	if (path == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	w->open = 0;
	if (fk_atomic_commit(&w->a, e) != 0) {
		free(path);
		return -1;
	}
	np = realloc(w->res->paths, (w->res->nfiles + 1) * sizeof *np);
	if (np == NULL) {
		free(path);
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	}
	w->res->paths = np;
	np[w->res->nfiles++] = path;
	return 0;
}

static int
write_fn(void *ctx, const fk_store_record *rec, fk_err *e)
{
	struct wctx *w = ctx;
	fk_bundle_manifest *m = &w->p->parts[w->part];
	char path[4096];
	fk_sink s;
	size_t i;

	if (!w->open) {
		snprintf(path, sizeof path, "%s/%s-%.8s.fkb", w->dir, w->device_id,
		    m->bundle_id);
		if (fk_atomic_open(&w->a, path, 0644, e) != 0)
			return -1;
		w->open = 1;
		if (fk_bundle_write_head(m, w->sk, fk_atomic_sink(&w->a), e) != 0)
			return -1;
	}
	if (w->idx >= m->n || strcmp(m->rec[w->idx].id, rec->id) != 0 ||
	    memcmp(m->rec[w->idx].ct_hash, rec->ct_hash, 32) != 0)
		return fk_fail(e, FK_ESTATE, _("the device store changed during export; "
		    "run export again"));
	s = fk_atomic_sink(&w->a);
	if (write_blob(s, rec->ct, rec->ctlen, e) != 0)
		return -1;
	for (i = 0; i < rec->natt; i++)
		if (write_blob(s, rec->att[i].ct, rec->att[i].ctlen, e) != 0)
			return -1;
	w->res->nrec++;
	w->res->natt += rec->natt;
	if (++w->idx == m->n) {
		if (finish_part(w, e) != 0)
			return -1;
		w->part++;
		w->idx = 0;
	}
	return 0;
}

struct pkctx {
	const char *device_id;
	fk_minisign_pk pk;
};

static int
own_key(void *ctx, const char *device_id, fk_minisign_pk *pk, fk_err *e)
{
	struct pkctx *k = ctx;

	if (strcmp(device_id, k->device_id) != 0)
		return fk_fail(e, FK_ESIG, _("bundle signed for another device"));
	*pk = k->pk;
	return 0;
}

int
fk_bundle_verify_file(const char *path, fk_bundle_keyfn keyfn, void *ctx,
    fk_bundle_manifest *copy, fk_err *e)
{
	FILE *f;
	fk_bundle_reader *r;
	int rc = -1;

	if ((f = fopen(path, "rb")) == NULL)
		return fk_fail(e, FK_EIO, _("cannot open %s: %s"), path, strerror(errno));
	posix_fadvise(fileno(f), 0, 0, POSIX_FADV_DONTNEED);
	r = fk_bundle_open(fk_file_source(f), keyfn, ctx, e);
	if (r != NULL && fk_bundle_verify_all(r, e) == 0) {
		rc = 0;
		if (copy != NULL) {
			*copy = r->m;
			memset(&r->m, 0, sizeof r->m);
		}
	}
	fk_bundle_close(r);
	fclose(f);
	if (rc != 0)
		fk_prefix(e, "%s", path);
	return rc;
}

int
fk_bundle_export(fk_record_iter it, void *ictx, const char *device_id,
    const fk_minisign_sk *sk, const char *dir, uint64_t max_size,
    fk_export_result *res, fk_err *e)
{
	struct plan p = {0};
	struct wctx w = {0};
	struct pkctx k;
	size_t i;
	int rc = -1;

	memset(res, 0, sizeof *res);
	p.max = max_size;
	p.device_id = device_id;
	if (it(ictx, plan_fn, &p, e) != 0)
		goto fail;
	for (i = 0; i < p.nparts; i++) {
		snprintf(p.parts[i].device_id, sizeof p.parts[i].device_id, "%s", device_id);
		fk_bundle_manifest_stamp(&p.parts[i]);
	}
	w.p = &p;
	w.device_id = device_id;
	w.sk = sk;
	w.dir = dir;
	w.res = res;
	if (p.nparts > 0 && it(ictx, write_fn, &w, e) != 0)
		goto fail;
	if (w.part != p.nparts || w.open) {
		fk_fail(e, FK_ESTATE, _("the device store changed during export; run export again"));
		goto fail;
	}
	k.device_id = device_id;
	fk_minisign_sk_public(sk, &k.pk);
	for (i = 0; i < res->nfiles; i++) {
		struct stat st;
		if (fk_bundle_verify_file(res->paths[i], own_key, &k, NULL, e) != 0) {
			fk_prefix(e, _("the bundle written does not read back correctly "
			    "(faulty USB stick?)"));
			goto fail;
		}
		if (stat(res->paths[i], &st) == 0)
			res->bytes += (uint64_t)st.st_size;
	}
	rc = 0;
fail:
	if (w.open)
		fk_atomic_abort(&w.a);
	for (i = 0; i < p.nparts; i++)
		fk_bundle_manifest_free(&p.parts[i]);
	free(p.parts);
	return rc;
}

void
fk_export_result_free(fk_export_result *res)
{
	size_t i;

	for (i = 0; i < res->nfiles; i++)
		free(res->paths[i]);
	free(res->paths);
	memset(res, 0, sizeof *res);
}
