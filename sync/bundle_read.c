/*
 * bundle_read.c - the streaming bundle reader: the signature is checked
 * before the manifest is decompressed, every blob is hashed as it streams.
 * See bundle.h and docs/bundle-format.md.
 */
#include "bundle.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>
#include <zstd.h>

#include "text.h"
#include "util.h"
#include "wire.h"

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
		/* A NUL would end the line for strcmp and the lengths parser, so
		 * "fieldkit-bundle v1\0" would pass: a second spelling of the head. */
		if (c == 0)
			return bad(e, _("a NUL byte in the header"));
		if (i + 1 >= cap)
			return bad(e, _("header line too long"));
		out[i++] = (char)c;
	}
	out[i] = 0;
	return 0;
}

/* The trusted comment of a signature, as text (not yet verified). */
static int
trusted_device(const uint8_t *sig, size_t len, char dev[FK_ID_MAX + 1], char bid[FK_UUID_BUF])
{
	static const char pfx[] = "trusted comment: " FK_BUNDLE_TC_PREFIX;
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

static int
get_hash(json_t *o, const char *k, uint8_t out[FK_SHA256_LEN])
{
	const char *s = json_string_value(json_object_get(o, k));

	return s == NULL ? -1 : fk_unhex(s, out, FK_SHA256_LEN);
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
get_id(json_t *o, char out[FK_UUID_BUF])
{
	const char *s = json_string_value(json_object_get(o, "id"));

	if (s == NULL || !fk_uuid_valid(s))
		return -1;
	memcpy(out, s, FK_UUID_BUF);
	return 0;
}

static int
parse_entry(fk_bundle_manifest *m, json_t *o, fk_err *e)
{
	fk_bundle_entry *r, *p;
	json_t *seq = json_object_get(o, "seq"), *att = json_object_get(o, "att");
	size_t j, i;

	if (!json_is_object(o) || (r = fk_bundle_manifest_grow(m, e)) == NULL)
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
 * The manifest is parsed one record at a time, so that memory is the
 * manifest's text and its entries, never a JSON tree of the whole of it: a
 * tree costs the JSON library 50 to 500 bytes a value, 0.8 GB for 500,000
 * records with an attachment each, and 1.3 GB for a 63 MB manifest of "0,"
 * (tests/cli/bundle_value_bomb.sh). The scanner below only finds where each
 * value ends (outside strings, brackets balanced); jansson then parses that
 * value alone, and each one has a size cap.
 */
#define MAX_TOP_VALUE 4096    /* bytes of a top-level value other than "records" */
#define MAX_TOP_KEYS 32
#define MAX_ENTRY (FK_BUNDLE_MAX_ATT * 256 + 1024) /* bytes of one record entry */

static size_t
skip_ws(const uint8_t *p, size_t n, size_t i)
{
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
		i++;
	return i;
}

/* One past the end of the JSON value at p[i] (whatever it holds), or 0 when it
 * is unterminated or longer than max bytes. Does not check what is inside:
 * jansson does, on that value alone. */
static size_t
value_end(const uint8_t *p, size_t n, size_t i, size_t max)
{
	size_t start = i, lim = n - i > max ? i + max : n;
	int depth = 0, in_str = 0;

	if (i >= n)
		return 0;
	if (p[i] != '"' && p[i] != '{' && p[i] != '[') {
		/* a number or a literal: up to the next delimiter */
		while (i < lim && strchr(",]} \t\r\n", p[i]) == NULL)
			i++;
		return i == start || (i == lim && lim < n) ? 0 : i;
	}
	for (; i < lim; i++) {
		if (in_str) {
			if (p[i] == '\\') {
				i++;
			} else if (p[i] == '"') {
				in_str = 0;
				if (depth == 0)
					return i + 1; /* a string alone */
			}
		} else if (p[i] == '"') {
			in_str = 1;
		} else if (p[i] == '{' || p[i] == '[') {
			depth++;
		} else if ((p[i] == '}' || p[i] == ']') && --depth == 0) {
			return i + 1;
		}
	}
	return 0;
}

/* The JSON value p[i..end) parsed alone (NULL when it is not JSON). */
static json_t *
value_at(const uint8_t *p, size_t i, size_t end)
{
	return json_loadb((const char *)p + i, end - i, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES,
	    NULL);
}

/* "records": [entry, ...] at p[*i]; *i ends past the ']'. */
static int
parse_records(fk_bundle_reader *r, size_t *pi, fk_err *e)
{
	const uint8_t *p = r->json.p;
	size_t n = r->json.len, i = *pi, end, blobs = 0;
	json_t *o;
	int rc;

	if (i >= n || p[i] != '[')
		return bad(e, _("the record list is malformed"));
	i = skip_ws(p, n, i + 1);
	if (i < n && p[i] == ']') {
		*pi = i + 1;
		return 0;
	}
	for (;;) {
		if (r->m.n >= FK_BUNDLE_MAX_RECORDS)
			return fk_fail(e, FK_ELIMIT, _("the manifest lists more than %d records; "
			    "refused"), FK_BUNDLE_MAX_RECORDS);
		if ((end = value_end(p, n, i, MAX_ENTRY)) == 0 || (o = value_at(p, i, end)) == NULL)
			return bad(e, _("a record entry is malformed"));
		rc = parse_entry(&r->m, o, e);
		json_decref(o);
		if (rc != 0)
			return -1;
		blobs += 1 + r->m.rec[r->m.n - 1].natt;
		if (blobs > FK_BUNDLE_MAX_BLOBS)
			return fk_fail(e, FK_ELIMIT, _("the manifest lists more than %d records and "
			    "attachments; refused"), FK_BUNDLE_MAX_BLOBS);
		i = skip_ws(p, n, end);
		if (i < n && p[i] == ']')
			break;
		if (i >= n || p[i] != ',')
			return bad(e, _("the record list is malformed"));
		i = skip_ws(p, n, i + 1);
	}
	*pi = i + 1;
	return 0;
}

/* The manifest's top-level object: "records" parsed entry by entry, every
 * other member (small) into top. */
static int
parse_top(fk_bundle_reader *r, json_t *top, fk_err *e)
{
	const uint8_t *p = r->json.p;
	size_t n = r->json.len, i = skip_ws(p, n, 0), end, nkeys = 0;
	int have_records = 0;

	if (i >= n || p[i] != '{')
		return bad(e, _("the manifest is not a JSON object"));
	i = skip_ws(p, n, i + 1);
	if (i < n && p[i] == '}')
		i++;
	else
		for (;;) {
			json_t *k, *v;
			const char *key;
			if (++nkeys > MAX_TOP_KEYS || i >= n || p[i] != '"' ||
			    (end = value_end(p, n, i, 256)) == 0 || (k = value_at(p, i, end)) == NULL)
				return bad(e, _("the manifest is not JSON"));
			key = json_string_value(k);
			i = skip_ws(p, n, end);
			if (i >= n || p[i] != ':' || json_object_get(top, key) != NULL ||
			    (strcmp(key, "records") == 0 && have_records)) {
				json_decref(k);
				return bad(e, _("the manifest is not JSON"));
			}
			i = skip_ws(p, n, i + 1);
			if (strcmp(key, "records") == 0) {
				json_decref(k);
				have_records = 1;
				if (parse_records(r, &i, e) != 0)
					return -1;
			} else {
				if ((end = value_end(p, n, i, MAX_TOP_VALUE)) == 0 ||
				    (v = value_at(p, i, end)) == NULL) {
					json_decref(k);
					return bad(e, _("the manifest is not JSON"));
				}
				json_object_set_new(top, key, v);
				json_decref(k);
				i = end;
			}
			i = skip_ws(p, n, i);
			if (i < n && p[i] == '}') {
				i++;
				break;
			}
			if (i >= n || p[i] != ',')
				return bad(e, _("the manifest is not JSON"));
			i = skip_ws(p, n, i + 1);
		}
	if (skip_ws(p, n, i) != n)
		return bad(e, _("the manifest is not JSON"));
	if (!have_records)
		return bad(e, _("the record list is malformed"));
	return 0;
}

static int
parse_manifest(fk_bundle_reader *r, const char *dev, const char *bid, fk_err *e)
{
	json_t *root = json_object();
	const char *s;
	int64_t when;
	int rc = -1;

	if (root == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	if (parse_top(r, root, e) != 0)
		goto fail;
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
	if (fk_time_parse_rfc3339(r->m.created, &when) != 0) {
		bad(e, _("the manifest's creation time is malformed"));
		goto fail;
	}
	if (dev != NULL && (strcmp(dev, r->m.device_id) != 0 || strcmp(bid, r->m.bundle_id))) {
		fk_fail(e, FK_ESIG, _("the manifest does not match its signature"));
		goto fail;
	}
	rc = check_unique(&r->m, e);
fail:
	json_decref(root);
	return rc;
}

static int
read_head(fk_bundle_reader *r, fk_bundle_keyfn keyfn, void *ctx, fk_err *e)
{
	char line[64], dev[FK_ID_MAX + 1], bid[FK_UUID_BUF];
	fk_minisign_pk pk;
	long n;

	if (read_line(&r->in, line, sizeof line, e) != 0)
		return -1;
	if (strcmp(line, "fieldkit-bundle v1") != 0)
		return bad(e, _("wrong magic line"));
	if (read_line(&r->in, line, sizeof line, e) != 0)
		return -1;
	if (fk_lengths_parse(line, strlen(line), FK_BUNDLE_MAX_MANIFEST_Z, FK_BUNDLE_MAX_SIG,
	    &r->mzlen, &r->siglen) != 0)
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
	if (!fk_sig_canonical(r->sig, r->siglen, FK_BUNDLE_UNTRUSTED) || trusted_device(r->sig, r->siglen, dev, bid))
		return bad(e, _("malformed signature"));
	/* Not yet verified, and shown in the refusal, the audit log and the
	 * quarantine's .reason file: anything but a device id is refused, escaped. */
	if (!fk_device_id_valid(dev)) {
		char shown[FK_ESC_BUF(FK_ID_MAX)];
		fk_escape_str(dev, shown, sizeof shown);
		return fk_fail(e, FK_EINPUT, _("not a valid fieldkit bundle: the signature names "
		    "a malformed device id \"%s\" (forged or damaged)"), shown);
	}
	if (keyfn != NULL) {
		if (keyfn(ctx, dev, &pk, e) != 0)
			return -1;
		if (fk_minisign_verify_buf(&pk, r->sig, r->siglen, r->mz, r->mzlen, NULL, 0,
		    e) != 0)
			return fk_fail(e, FK_ESIG, _("the bundle's signature does not verify "
			    "against device %s (altered or forged)"), dev);
		r->is_signed = 1;
	}
	/* A manifest is mostly random hex and ids: it compresses 3 to 4 times at best.
	 * One that would expand further is a bomb, stopped before it fills memory. */
	if (fk_zstd_inflate(r->mz, r->mzlen, r->mzlen > (FK_BUNDLE_MAX_MANIFEST - (1u << 20)) /
	    FK_BUNDLE_MAX_RATIO ? FK_BUNDLE_MAX_MANIFEST : r->mzlen * FK_BUNDLE_MAX_RATIO +
	    (1u << 20), &r->json, e) != 0)
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
	uint8_t buf[65536], h[FK_SHA256_LEN];
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
