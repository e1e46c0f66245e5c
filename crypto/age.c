/*
 * age.c - age v1 on libsodium 1.0.18. See age.h and docs/keys.md.
 *
 * Must never: release plaintext before its chunk's tag verifies; accept
 * non-canonical encodings; spend more than FK_AGE_MAX_LOGN on scrypt; leave a
 * file key, wrap key, payload key or passphrase outside sodium_malloc memory
 * or unwiped stack.
 */
#include "age.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "bech32.h"
#include "hkdf.h"
#include "pass.h"

#define INTRO "age-encryption.org/v1"
#define ARMOR_BEGIN "-----BEGIN AGE ENCRYPTED FILE-----"
#define ARMOR_END "-----END AGE ENCRYPTED FILE-----"
#define X25519_LABEL "age-encryption.org/v1/X25519"
#define SCRYPT_LABEL "age-encryption.org/v1/scrypt"
#define ENC_CHUNK (FK_AGE_CHUNK + crypto_aead_chacha20poly1305_ietf_ABYTES)
#define MAX_LINE 4096
#define MAX_ARGS 64
#define MAX_WHITESPACE 1024

/* ---------------------------------------------------------------- base64 */

/*
 * Only the base64 alphabet (and '=' where padding is allowed). libsodium 1.0.18's
 * decoder lets bytes >= 0x80 through as if they were letters, so altered text
 * could decode to the same bytes: check the alphabet before decoding.
 */
static int
b64_alphabet_ok(const char *s, size_t n, int padding)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			c == '+' || c == '/' || (padding && c == '=')))
			return 0;
	}
	return 1;
}

/* Strict, canonical, unpadded base64 as the age header uses it. */
static int
b64_raw_decode(const char *s, size_t n, uint8_t *out, size_t cap, size_t *outlen)
{
	const char *end = NULL;

	if (!b64_alphabet_ok(s, n, 0))
		return -1;
	if (n == 0) {
		*outlen = 0;
		return 0;
	}
	if (sodium_base642bin(out, cap, s, n, NULL, outlen, &end,
		sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0)
		return -1;
	return end == s + n ? 0 : -1;
}

static size_t
b64_raw_encode(char *out, size_t cap, const uint8_t *p, size_t n)
{
	sodium_bin2base64(out, cap, p, n, sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
	return strlen(out);
}

/* ---------------------------------------------------------------- keys */

void
fk_age_keygen(uint8_t sk[FK_KEY_LEN], uint8_t pk[FK_KEY_LEN])
{
	do {
		randombytes_buf(sk, 32);
	} while (crypto_scalarmult_base(pk, sk) != 0);
}

int
fk_age_pubkey(const uint8_t sk[FK_KEY_LEN], uint8_t pk[FK_KEY_LEN])
{
	return crypto_scalarmult_base(pk, sk);
}

void
fk_age_format_recipient(const uint8_t pk[FK_KEY_LEN], char out[FK_AGE_RECIPIENT_LEN + 1])
{
	fk_bech32_encode(out, FK_AGE_RECIPIENT_LEN + 1, "age", pk, 32, 0);
}

void
fk_age_format_identity(const uint8_t sk[FK_KEY_LEN], char *out)
{
	fk_bech32_encode(out, FK_AGE_IDENTITY_LEN + 1, "AGE-SECRET-KEY-", sk, 32, 1);
}

int
fk_age_parse_recipient(const char *s, size_t len, uint8_t pk[FK_KEY_LEN], fk_err *e)
{
	char hrp[16];
	uint8_t data[40];
	size_t n;

	if (len >= 15 && strncasecmp(s, "AGE-SECRET-KEY-", 15) == 0)
		return fk_fail(e, FK_EKEY,
		    _("a secret key (AGE-SECRET-KEY-...) was given where a public key (age1...) "
		      "belongs; never share the secret key"));
	if (fk_bech32_decode(s, len, hrp, sizeof hrp, data, sizeof data, &n) != 0 ||
	    strcmp(hrp, "age") != 0 || n != 32)
		return fk_fail(e, FK_EKEY,
		    _("'%.*s' is not an age recipient (expected age1... as age-keygen prints)"),
		    (int)(len > 80 ? 80 : len), s);
	memcpy(pk, data, 32);
	return 0;
}

int
fk_age_parse_identity(const char *s, size_t len, uint8_t sk[FK_KEY_LEN], fk_err *e)
{
	char hrp[24];
	uint8_t data[40];
	size_t n;
	int rc = 0;

	if (fk_bech32_decode(s, len, hrp, sizeof hrp, data, sizeof data, &n) != 0 ||
	    strcmp(hrp, "AGE-SECRET-KEY-") != 0 || n != 32)
		rc = fk_fail(e, FK_EKEY,
		    _("malformed age identity (expected AGE-SECRET-KEY-1... as age-keygen writes)"));
	else
		memcpy(sk, data, 32);
	sodium_memzero(data, sizeof data);
	return rc;
}

int
fk_age_recipients_add(fk_age_recipients *r, const uint8_t pk[FK_KEY_LEN], fk_err *e)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 4;
		void *q = realloc(r->pk, cap * 32);
		if (q == NULL)
			return fk_fail(e, FK_ENOMEM, _("out of memory"));
		r->pk = q;
		r->cap = cap;
	}
	memcpy(r->pk[r->n++], pk, 32);
	return 0;
}

/* Calls fn on each non-blank, non-comment line, trimmed of surrounding space. */
static int
each_line(const uint8_t *p, size_t len, int (*fn)(void *ctx, const char *s, size_t n,
    size_t lineno, fk_err *e), void *ctx, fk_err *e)
{
	size_t i = 0, lineno = 0;

	while (i < len) {
		size_t s = i, t;
		while (i < len && p[i] != '\n')
			i++;
		t = i;
		i++;
		lineno++;
		while (s < t && isspace(p[s]))
			s++;
		while (t > s && isspace(p[t - 1]))
			t--;
		if (s == t || p[s] == '#')
			continue;
		if (fn(ctx, (const char *)p + s, t - s, lineno, e) != 0)
			return -1;
	}
	return 0;
}

static int
recipient_line(void *ctx, const char *s, size_t n, size_t lineno, fk_err *e)
{
	uint8_t pk[FK_KEY_LEN];

	if (fk_age_parse_recipient(s, n, pk, e) != 0)
		return fk_prefix(e, _("line %zu"), lineno);
	return fk_age_recipients_add(ctx, pk, e);
}

int
fk_age_recipients_parse(fk_age_recipients *r, const uint8_t *p, size_t len, fk_err *e)
{
	return each_line(p, len, recipient_line, r, e);
}

void
fk_age_recipients_free(fk_age_recipients *r)
{
	free(r->pk);
	memset(r, 0, sizeof *r);
}

int
fk_age_identities_add(fk_age_identities *ids, const uint8_t sk[FK_KEY_LEN], fk_err *e)
{
	if (ids->n == ids->cap) {
		size_t cap = ids->cap ? ids->cap * 2 : 4;
		uint8_t *q = sodium_malloc(cap * 64);
		if (q == NULL)
			return fk_fail(e, FK_ENOMEM, _("cannot allocate protected memory"));
		if (ids->sk != NULL) {
			memcpy(q, ids->sk, ids->n * 64);
			sodium_free(ids->sk);
		}
		ids->sk = q;
		ids->cap = cap;
	}
	/* Each entry: secret scalar, then its public key. */
	memcpy(ids->sk + ids->n * 64, sk, 32);
	if (crypto_scalarmult_base(ids->sk + ids->n * 64 + 32, sk) != 0)
		return fk_fail(e, FK_EKEY, _("invalid age identity"));
	ids->n++;
	return 0;
}

static int
identity_line(void *ctx, const char *s, size_t n, size_t lineno, fk_err *e)
{
	uint8_t sk[FK_KEY_LEN];
	int rc;

	if (fk_age_parse_identity(s, n, sk, e) != 0)
		return fk_prefix(e, _("line %zu"), lineno);
	rc = fk_age_identities_add(ctx, sk, e);
	sodium_memzero(sk, sizeof sk);
	return rc;
}

int
fk_age_identities_parse(fk_age_identities *ids, const uint8_t *p, size_t len, fk_err *e)
{
	size_t before = ids->n;

	if (each_line(p, len, identity_line, ids, e) != 0)
		return -1;
	if (ids->n == before)
		return fk_fail(e, FK_EKEY, _("no identities found"));
	return 0;
}

int
fk_age_is_age(const uint8_t *p, size_t n)
{
	size_t i = 0;

	if (n >= sizeof INTRO - 1 && memcmp(p, INTRO, sizeof INTRO - 1) == 0)
		return 1;
	while (i < n && i < MAX_WHITESPACE && isspace(p[i]))
		i++;
	return n - i >= sizeof ARMOR_BEGIN - 1 &&
	    memcmp(p + i, ARMOR_BEGIN, sizeof ARMOR_BEGIN - 1) == 0;
}

struct passfile_ctx {
	const char *passfile;
	const char *path;
};

static int
identity_file_pass(void *ctx, fk_secret *out, fk_err *e)
{
	struct passfile_ctx *c = ctx;
	char prompt[512];

	snprintf(prompt, sizeof prompt, _("Enter passphrase for identity file \"%s\": "),
	    c->path);
	return fk_pass_get(prompt, 0, c->passfile, out, e);
}

/* A passphrase already in memory, for fk_age_identities_load_pass. */
struct given_pass {
	const uint8_t *p;
	size_t len;
};

static int
given_pass(void *ctx, fk_secret *out, fk_err *e)
{
	const struct given_pass *g = ctx;

	if (fk_secret_alloc(out, g->len, e) != 0)
		return -1;
	memcpy(out->p, g->p, g->len);
	return 0;
}

static int
identities_load(fk_age_identities *ids, const char *path,
    int (*get_pass)(void *ctx, fk_secret *out, fk_err *e), void *pass_ctx, fk_err *e)
{
	fk_secret raw;
	int rc;

	if (fk_read_secret_file(path, 1 << 20, &raw, e) != 0)
		return -1;
	if (fk_age_is_age(raw.p, raw.len)) {
		fk_age_identities inner = {0};
		fk_age_dec *dec;
		fk_memsrc ms;
		fk_secret plain;
		long got;

		inner.get_pass = get_pass;
		inner.pass_ctx = pass_ctx;
		dec = fk_age_dec_open(fk_memsrc_init(&ms, raw.p, raw.len), -1, &inner, e);
		if (dec == NULL) {
			fk_secret_free(&raw);
			if (e != NULL && e->code == FK_ENOMATCH)
				e->code = FK_EPASS, snprintf(e->msg, sizeof e->msg,
				    _("wrong passphrase for identity file %s"), path);
			else
				fk_prefix(e, "%s", path);
			return -1;
		}
		if (fk_secret_alloc(&plain, 1 << 20, e) != 0) {
			fk_age_dec_free(dec);
			fk_secret_free(&raw);
			return -1;
		}
		plain.len = 0;
		while ((got = fk_age_dec_read(dec, plain.p + plain.len, (1 << 20) - plain.len,
			    e)) > 0)
			plain.len += (size_t)got;
		fk_age_dec_free(dec);
		fk_secret_free(&raw);
		if (got < 0) {
			fk_secret_free(&plain);
			return fk_prefix(e, "%s", path);
		}
		raw = plain;
	}
	rc = fk_age_identities_parse(ids, raw.p, raw.len, e);
	fk_secret_free(&raw);
	if (rc != 0)
		fk_prefix(e, "%s", path);
	return rc;
}

int
fk_age_identities_load(fk_age_identities *ids, const char *path, const char *passfile,
    fk_err *e)
{
	struct passfile_ctx pc = {passfile, path};

	return identities_load(ids, path, identity_file_pass, &pc, e);
}

int
fk_age_identities_load_pass(fk_age_identities *ids, const char *path, const uint8_t *pass,
    size_t passlen, fk_err *e)
{
	struct given_pass g = {pass, passlen};

	return identities_load(ids, path, given_pass, &g, e);
}

void
fk_age_identities_free(fk_age_identities *ids)
{
	if (ids->sk != NULL)
		sodium_free(ids->sk);
	ids->sk = NULL;
	ids->n = ids->cap = 0;
}

/* ---------------------------------------------------------------- buffered reader */

struct rd {
	fk_source src;
	uint8_t buf[MAX_LINE + 8];
	size_t pos, len;
	int eof;
};

static int
rd_fill(struct rd *r, fk_err *e)
{
	long n;

	if (r->eof)
		return 0;
	if (r->pos > 0) {
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
	}
	if (r->len == sizeof r->buf)
		return 1;
	n = r->src.read(r->src.ctx, r->buf + r->len, sizeof r->buf - r->len, e);
	if (n < 0)
		return -1;
	if (n == 0)
		r->eof = 1;
	r->len += (size_t)n;
	return 1;
}

/*
 * Reads one line of at most max bytes (without its '\n'). Returns 1 with the
 * line (valid until the next call; *nl says whether it ended in '\n'), 0 at
 * end of input, -1 on a read error or a line longer than max (e set, class cls).
 */
static int
rd_line(struct rd *r, size_t max, const uint8_t **line, size_t *len, int *nl, int cls,
    fk_err *e)
{
	size_t scanned = 0;

	for (;;) {
		uint8_t *q = memchr(r->buf + r->pos + scanned, '\n', r->len - r->pos - scanned);
		if (q != NULL) {
			*line = r->buf + r->pos;
			*len = (size_t)(q - (r->buf + r->pos));
			if (*len > max)
				return fk_fail(e, cls, _("line too long"));
			*nl = 1;
			r->pos += *len + 1;
			return 1;
		}
		scanned = r->len - r->pos;
		if (scanned > max)
			return fk_fail(e, cls, _("line too long"));
		if (r->eof) {
			if (scanned == 0)
				return 0;
			*line = r->buf + r->pos;
			*len = scanned;
			*nl = 0;
			r->pos += scanned;
			return 1;
		}
		if (rd_fill(r, e) < 0)
			return -1;
	}
}

static long
rd_read(struct rd *r, uint8_t *out, size_t n, fk_err *e)
{
	size_t got = 0;

	if (r->pos < r->len) {
		got = r->len - r->pos < n ? r->len - r->pos : n;
		memcpy(out, r->buf + r->pos, got);
		r->pos += got;
	}
	while (got < n && !r->eof) {
		long m = r->src.read(r->src.ctx, out + got, n - got, e);
		if (m < 0)
			return -1;
		if (m == 0)
			r->eof = 1;
		got += (size_t)m;
	}
	return (long)got;
}

/* ---------------------------------------------------------------- armor reader */

enum { AR_START, AR_BODY, AR_FOOTER, AR_DONE, AR_ERR };

struct armor_rd {
	struct rd in;
	int state;
	uint8_t out[48];
	size_t opos, olen;
	fk_err err;
};

static int
all_space(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isspace(p[i]))
			return 0;
	return 1;
}

static int
armor_fail(struct armor_rd *a, fk_err *e, const char *msg)
{
	a->state = AR_ERR;
	fk_fail(&a->err, FK_EARMOR, _("malformed ASCII armor: %s"), msg);
	if (e != NULL)
		*e = a->err;
	return -1;
}

/* Trailing whitespace only, and not too much of it. */
static int
armor_drain(struct armor_rd *a, fk_err *e)
{
	uint8_t tail[MAX_WHITESPACE];
	long n = rd_read(&a->in, tail, sizeof tail, e);

	if (n < 0)
		return -1;
	if (!all_space(tail, (size_t)n))
		return armor_fail(a, e, _("data after the end line"));
	if (n == MAX_WHITESPACE)
		return armor_fail(a, e, _("too much trailing whitespace"));
	return 0;
}

static const uint8_t *
strip_cr(const uint8_t *line, size_t *len)
{
	if (*len > 0 && line[*len - 1] == '\r')
		(*len)--;
	return line;
}

static int
line_is(const uint8_t *line, size_t len, const char *s)
{
	return len == strlen(s) && memcmp(line, s, len) == 0;
}

static int
armor_step(struct armor_rd *a, fk_err *e)
{
	const uint8_t *line;
	size_t len, spent = 0, n;
	int nl, rc;

	if (a->state == AR_START) {
		for (;;) {
			rc = rd_line(&a->in, MAX_WHITESPACE, &line, &len, &nl, FK_EARMOR, e);
			if (rc < 0) {
				if (e != NULL && e->code == FK_EARMOR)
					return armor_fail(a, e, _("first line too long"));
				return -1;
			}
			if (rc == 0)
				return armor_fail(a, e, _("no BEGIN line"));
			strip_cr(line, &len);
			if (all_space(line, len)) {
				spent += len + 1;
				if (spent > MAX_WHITESPACE)
					return armor_fail(a, e, _("too much leading whitespace"));
				continue;
			}
			if (!line_is(line, len, ARMOR_BEGIN))
				return armor_fail(a, e, _("wrong BEGIN line"));
			a->state = AR_BODY;
			break;
		}
	}
	if (a->state == AR_FOOTER) {
		rc = rd_line(&a->in, 80, &line, &len, &nl, FK_EARMOR, e);
		if (rc < 0)
			return e != NULL && e->code == FK_EARMOR ?
			    armor_fail(a, e, _("invalid END line")) : -1;
		if (rc == 0)
			return armor_fail(a, e, _("no END line"));
		strip_cr(line, &len);
		if (!line_is(line, len, ARMOR_END))
			return armor_fail(a, e, _("invalid END line"));
		if (armor_drain(a, e) != 0)
			return -1;
		a->state = AR_DONE;
		return 0;
	}
	/* AR_BODY: one line of base64, or the END line. */
	rc = rd_line(&a->in, 80, &line, &len, &nl, FK_EARMOR, e);
	if (rc < 0)
		return e != NULL && e->code == FK_EARMOR ?
		    armor_fail(a, e, _("line longer than 64 columns")) : -1;
	if (rc == 0)
		return armor_fail(a, e, _("no END line"));
	strip_cr(line, &len);
	if (line_is(line, len, ARMOR_END)) {
		if (armor_drain(a, e) != 0)
			return -1;
		a->state = AR_DONE;
		return 0;
	}
	if (len == 0)
		return armor_fail(a, e, _("empty line"));
	if (len > 64)
		return armor_fail(a, e, _("line longer than 64 columns"));
	{
		const char *end = NULL;
		if (!b64_alphabet_ok((const char *)line, len, 1) ||
		    sodium_base642bin(a->out, sizeof a->out, (const char *)line, len, NULL, &n,
			&end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
		    end != (const char *)line + len)
			return armor_fail(a, e, _("invalid base64"));
	}
	a->opos = 0;
	a->olen = n;
	if (n < 48)
		a->state = AR_FOOTER;
	return 0;
}

static long
armor_read(void *ctx, uint8_t *buf, size_t len, fk_err *e)
{
	struct armor_rd *a = ctx;
	size_t n;

	while (a->opos == a->olen) {
		if (a->state == AR_DONE)
			return 0;
		if (a->state == AR_ERR) {
			if (e != NULL)
				*e = a->err;
			return -1;
		}
		if (armor_step(a, e) != 0)
			return -1;
	}
	n = a->olen - a->opos < len ? a->olen - a->opos : len;
	memcpy(buf, a->out + a->opos, n);
	a->opos += n;
	return (long)n;
}

/* ---------------------------------------------------------------- header */

/* Chunks are sealed and opened BATCH at a time, split over two threads. */
#define BATCH 8

struct chunk {
	size_t len;        /* ciphertext (opening) or plaintext (sealing) length */
	size_t outlen;
	int final;
	int ok;
};

struct stanza {
	char *type;
	char *args[MAX_ARGS];
	size_t nargs;
	uint8_t *body;
	size_t bodylen;
};

struct fk_age_dec {
	struct armor_rd *armor; /* NULL when binary */
	struct rd in;           /* the age file itself */
	struct stanza *st;
	size_t nst;
	int scrypt;
	uint8_t mac[FK_SHA256_LEN];
	fk_buf hdr;             /* header bytes up to and including "---" */
	uint8_t key[FK_KEY_LEN];        /* payload key (the struct is wiped when freed) */
	uint8_t nonce[12];      /* nonce of the next chunk to read */
	size_t batch;           /* chunks per batch: BATCH, fewer for small inputs */
	uint8_t *ct;            /* batch * ENC_CHUNK, allocated at the first read */
	uint8_t *pt;            /* batch * FK_AGE_CHUNK, wiped before it is freed */
	struct chunk c[BATCH];
	size_t ppos, plen;
	int last;               /* nothing more to read: release, then report pending */
	fk_err pending;         /* error to report once released plaintext is read */
};

static void
stanzas_free(fk_age_dec *d)
{
	size_t i, j;

	for (i = 0; i < d->nst; i++) {
		free(d->st[i].type);
		for (j = 0; j < d->st[i].nargs; j++)
			free(d->st[i].args[j]);
		free(d->st[i].body);
	}
	free(d->st);
	d->st = NULL;
	d->nst = 0;
}

static int
valid_arg(const uint8_t *p, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (p[i] < 33 || p[i] > 126)
			return 0;
	return 1;
}

static int
hdr_fail(fk_err *e, const char *what)
{
	return fk_fail(e, FK_EHEADER, _("not a valid age file: %s"), what);
}

static int
parse_stanza(fk_age_dec *d, const uint8_t *line, size_t len, fk_err *e)
{
	struct stanza *s;
	size_t i = 0, start;
	int rc;

	if (d->nst == FK_AGE_MAX_STANZAS)
		return hdr_fail(e, _("too many recipients"));
	if (len < 3 || memcmp(line, "-> ", 3) != 0)
		return hdr_fail(e, _("malformed recipient line"));
	s = realloc(d->st, (d->nst + 1) * sizeof *s);
	if (s == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	d->st = s;
	s = &d->st[d->nst++];
	memset(s, 0, sizeof *s);
	/* "-> " then arguments separated by single spaces, each non-empty. */
	i = 3;
	for (;;) {
		start = i;
		while (i < len && line[i] != ' ')
			i++;
		if (!valid_arg(line + start, i - start))
			return hdr_fail(e, _("malformed recipient line"));
		if (s->type == NULL) {
			if ((s->type = fk_bytes_dup(line + start, i - start)) == NULL)
				return fk_fail(e, FK_ENOMEM, _("out of memory"));
		} else {
			if (s->nargs == MAX_ARGS)
				return hdr_fail(e, _("too many arguments"));
			if ((s->args[s->nargs] = fk_bytes_dup(line + start, i - start)) == NULL)
				return fk_fail(e, FK_ENOMEM, _("out of memory"));
			s->nargs++;
		}
		if (i == len)
			break;
		i++; /* the space */
	}
	if (fk_buf_append(&d->hdr, line, len, e) != 0 || fk_buf_append(&d->hdr, "\n", 1, e) != 0)
		return -1;
	/* Body: lines of 64 columns, ended by a shorter (possibly empty) one. */
	for (;;) {
		const uint8_t *bl;
		size_t bn, got;
		uint8_t chunk[48];
		uint8_t *nb;
		int nl;

		rc = rd_line(&d->in, 64, &bl, &bn, &nl, FK_EHEADER, e);
		if (rc < 0)
			return e != NULL && e->code == FK_EHEADER ?
			    hdr_fail(e, _("recipient body line longer than 64 columns")) : -1;
		if (rc == 0 || !nl)
			return hdr_fail(e, _("header ends inside a recipient"));
		if (b64_raw_decode((const char *)bl, bn, chunk, sizeof chunk, &got) != 0)
			return hdr_fail(e, _("recipient body is not canonical base64"));
		if (d->hdr.len + bn + 1 > FK_AGE_MAX_HEADER)
			return hdr_fail(e, _("header too large"));
		if (fk_buf_append(&d->hdr, bl, bn, e) != 0 || fk_buf_append(&d->hdr, "\n", 1, e) != 0)
			return -1;
		nb = realloc(s->body, s->bodylen + got + 1);
		if (nb == NULL)
			return fk_fail(e, FK_ENOMEM, _("out of memory"));
		s->body = nb;
		memcpy(s->body + s->bodylen, chunk, got);
		s->bodylen += got;
		if (got < 48)
			break;
	}
	return 0;
}

static int
parse_header(fk_age_dec *d, fk_err *e)
{
	const uint8_t *line;
	size_t len, n;
	int nl, rc;

	d->hdr.max = FK_AGE_MAX_HEADER;
	rc = rd_line(&d->in, MAX_LINE, &line, &len, &nl, FK_EHEADER, e);
	if (rc < 0)
		return e != NULL && e->code == FK_EHEADER ? hdr_fail(e, _("wrong first line")) : -1;
	if (rc == 0)
		return hdr_fail(e, _("the file is empty"));
	if (!nl || !line_is(line, len, INTRO)) {
		if (len >= 4 && memcmp(line, "age-", 4) == 0)
			return hdr_fail(e, _("unsupported version"));
		return hdr_fail(e, _("wrong first line"));
	}
	if (fk_buf_append(&d->hdr, INTRO "\n", sizeof INTRO, e) != 0)
		return -1;
	for (;;) {
		rc = rd_line(&d->in, MAX_LINE, &line, &len, &nl, FK_EHEADER, e);
		if (rc < 0)
			return e != NULL && e->code == FK_EHEADER ? hdr_fail(e, _("line too long")) : -1;
		if (rc == 0 || !nl)
			return hdr_fail(e, _("the header is truncated"));
		if (len >= 3 && memcmp(line, "---", 3) == 0) {
			/* "--- " MAC: exactly one argument, 32 bytes of canonical base64. */
			if (len < 4 || line[3] != ' ' || memchr(line + 4, ' ', len - 4) != NULL ||
			    b64_raw_decode((const char *)line + 4, len - 4, d->mac, sizeof d->mac,
				&n) != 0 ||
			    n != 32)
				return hdr_fail(e, _("malformed MAC line"));
			if (fk_buf_append(&d->hdr, "---", 3, e) != 0)
				return -1;
			break;
		}
		if (parse_stanza(d, line, len, e) != 0)
			return -1;
	}
	if (d->nst == 0)
		return hdr_fail(e, _("no recipients"));
	return 0;
}

/* ---------------------------------------------------------------- unwrap */

static const uint8_t zero_nonce[12];

/* 1 = opened, 0 = not this key, -1 = malformed body (header failure). */
static int
open_file_key(const uint8_t wrap[FK_KEY_LEN], const struct stanza *s, uint8_t file_key[16])
{
	unsigned long long n;

	if (s->bodylen != 32)
		return -1;
	if (crypto_aead_chacha20poly1305_ietf_decrypt(file_key, &n, NULL, s->body, 32, NULL, 0,
		zero_nonce, wrap) != 0)
		return 0;
	return 1;
}

/* Returns 1 (opened), 0 (no match), -1 (error, e set). */
static int
unwrap_x25519(const uint8_t *id, const struct stanza *s, uint8_t file_key[16], fk_err *e)
{
	uint8_t share[33], shared[FK_KEY_LEN], salt[64], wrap[FK_KEY_LEN];
	size_t n;
	int rc;

	if (s->nargs != 1 || b64_raw_decode(s->args[0], strlen(s->args[0]), share, sizeof share,
				 &n) != 0 || n != 32)
		return hdr_fail(e, _("invalid X25519 recipient"));
	if (s->bodylen != 32)
		return hdr_fail(e, _("invalid X25519 recipient body"));
	if (crypto_scalarmult(shared, id, share) != 0)
		return hdr_fail(e, _("invalid X25519 recipient (low-order share)"));
	memcpy(salt, share, 32);
	memcpy(salt + 32, id + 32, 32);
	fk_hkdf_sha256(wrap, sizeof wrap, shared, sizeof shared, salt, sizeof salt, X25519_LABEL);
	rc = open_file_key(wrap, s, file_key);
	sodium_memzero(shared, sizeof shared);
	sodium_memzero(wrap, sizeof wrap);
	return rc;
}

static int
parse_logn(const char *s, int *logn)
{
	size_t n = strlen(s), i;
	long v = 0;

	if (n == 0 || n > 2 || s[0] == '0')
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*logn = (int)v;
	return 0;
}

static int
unwrap_scrypt(const fk_age_identities *ids, fk_secret *pass, const struct stanza *s,
    uint8_t file_key[16], fk_err *e)
{
	uint8_t salt[sizeof SCRYPT_LABEL - 1 + 17], *wrap;
	size_t n;
	int logn, max = ids->max_logn ? ids->max_logn : FK_AGE_MAX_LOGN, rc;

	if (s->nargs != 2 || b64_raw_decode(s->args[0], strlen(s->args[0]),
				 salt + sizeof SCRYPT_LABEL - 1, 17, &n) != 0 || n != 16)
		return hdr_fail(e, _("invalid scrypt recipient"));
	if (parse_logn(s->args[1], &logn) != 0)
		return hdr_fail(e, _("invalid scrypt work factor"));
	if (logn > max)
		return fk_fail(e, FK_EHEADER,
		    _("the passphrase work factor 2^%d is above the limit 2^%d; refusing to spend "
		      "that much memory and time"), logn, max);
	if (s->bodylen != 32)
		return hdr_fail(e, _("invalid scrypt recipient body"));
	if (pass->p == NULL) {
		if (ids->get_pass(ids->pass_ctx, pass, e) != 0)
			return -1;
	}
	memcpy(salt, SCRYPT_LABEL, sizeof SCRYPT_LABEL - 1);
	wrap = sodium_malloc(32);
	if (wrap == NULL)
		return fk_fail(e, FK_ENOMEM, _("cannot allocate protected memory"));
	if (crypto_pwhash_scryptsalsa208sha256_ll(pass->p, pass->len, salt,
		sizeof SCRYPT_LABEL - 1 + 16, (uint64_t)1 << logn, 8, 1, wrap, 32) != 0) {
		sodium_free(wrap);
		return fk_fail(e, FK_ENOMEM, _("not enough memory for the passphrase work factor"));
	}
	rc = open_file_key(wrap, s, file_key);
	sodium_free(wrap);
	return rc;
}

static int
unwrap(fk_age_dec *d, const fk_age_identities *ids, uint8_t file_key[16], fk_err *e)
{
	fk_secret pass = {NULL, 0};
	size_t i, j;
	int rc = 0;

	for (i = 0; i < d->nst; i++)
		if (strcmp(d->st[i].type, "scrypt") == 0) {
			d->scrypt = 1;
			if (d->nst != 1)
				return hdr_fail(e, _("a passphrase recipient must be the only one"));
		}
	for (j = 0; ids != NULL && j < ids->n && rc == 0; j++)
		for (i = 0; i < d->nst && rc == 0; i++)
			if (strcmp(d->st[i].type, "X25519") == 0)
				rc = unwrap_x25519(ids->sk + 64 * j, &d->st[i], file_key, e);
	if (rc == 0 && ids != NULL && ids->get_pass != NULL)
		for (i = 0; i < d->nst && rc == 0; i++)
			if (strcmp(d->st[i].type, "scrypt") == 0)
				rc = unwrap_scrypt(ids, &pass, &d->st[i], file_key, e);
	fk_secret_free(&pass);
	if (rc < 0) {
		if (e != NULL && e->code == FK_OK)
			hdr_fail(e, _("invalid recipient"));
		return -1;
	}
	if (rc == 0) {
		if (d->scrypt && (ids == NULL || ids->get_pass == NULL))
			return fk_fail(e, FK_ENOMATCH,
			    _("the file is protected by a passphrase, but none was asked for"));
		if (d->scrypt)
			return fk_fail(e, FK_ENOMATCH, _("wrong passphrase"));
		return fk_fail(e, FK_ENOMATCH,
		    _("no identity matched: the file was not encrypted to any key given"));
	}
	return 0;
}

/* ---------------------------------------------------------------- decryption */

static int
nonce_is_zero(const uint8_t nonce[12])
{
	return sodium_is_zero(nonce, 11);
}

void
fk_age_dec_free(fk_age_dec *d)
{
	if (d == NULL)
		return;
	stanzas_free(d);
	fk_buf_free(&d->hdr);
	if (d->pt != NULL) {
		sodium_memzero(d->pt, d->batch * FK_AGE_CHUNK);
		free(d->pt);
	}
	free(d->ct);
	if (d->armor != NULL) {
		sodium_memzero(d->armor, sizeof *d->armor);
		free(d->armor);
	}
	sodium_memzero(d, sizeof *d);
	free(d);
}

int
fk_age_dec_is_scrypt(const fk_age_dec *d)
{
	return d->scrypt;
}

static int
peek_armored(struct rd *r, fk_err *e)
{
	size_t i;

	while (r->len - r->pos < sizeof r->buf && !r->eof)
		if (rd_fill(r, e) < 0)
			return -1;
	for (i = r->pos; i < r->len && i - r->pos < MAX_WHITESPACE && isspace(r->buf[i]); i++)
		;
	return r->len - i >= sizeof ARMOR_BEGIN - 1 &&
	    memcmp(r->buf + i, ARMOR_BEGIN, sizeof ARMOR_BEGIN - 1) == 0;
}

static long
armor_source_read(void *ctx, uint8_t *buf, size_t len, fk_err *e)
{
	return armor_read(ctx, buf, len, e);
}

fk_age_dec *
fk_age_dec_open(fk_source in, int armor, const fk_age_identities *ids, fk_err *e)
{
	fk_age_dec *d = calloc(1, sizeof *d);
	uint8_t file_key[16], hmac_key[FK_KEY_LEN], mac[FK_SHA256_LEN], nonce[16];
	long n;

	if (d == NULL) {
		fk_fail(e, FK_ENOMEM, _("out of memory"));
		return NULL;
	}
	d->in.src = in;
	if (armor < 0) {
		int a = peek_armored(&d->in, e);
		if (a < 0)
			goto fail;
		armor = a;
	}
	if (armor) {
		d->armor = calloc(1, sizeof *d->armor);
		if (d->armor == NULL) {
			fk_fail(e, FK_ENOMEM, _("out of memory"));
			goto fail;
		}
		/* The raw reader (with whatever it buffered) moves under the armor. */
		d->armor->in = d->in;
		memset(&d->in, 0, sizeof d->in);
		d->in.src.read = armor_source_read;
		d->in.src.ctx = d->armor;
	}
	if (parse_header(d, e) != 0 || unwrap(d, ids, file_key, e) != 0)
		goto fail;
	fk_hkdf_sha256(hmac_key, sizeof hmac_key, file_key, sizeof file_key, NULL, 0, "header");
	crypto_auth_hmacsha256(mac, d->hdr.p, d->hdr.len, hmac_key);
	sodium_memzero(hmac_key, sizeof hmac_key);
	if (sodium_memcmp(mac, d->mac, sizeof mac) != 0) {
		fk_fail(e, FK_EHMAC, _("the file's header has been altered (MAC mismatch)"));
		goto fail_key;
	}
	n = rd_read(&d->in, nonce, sizeof nonce, e);
	if (n < 0)
		goto fail_key;
	if (n != (long)sizeof nonce) {
		hdr_fail(e, _("the file ends before its payload"));
		goto fail_key;
	}
	d->batch = BATCH;
	fk_hkdf_sha256(d->key, 32, file_key, sizeof file_key, nonce, sizeof nonce, "payload");
	sodium_memzero(file_key, sizeof file_key);
	stanzas_free(d);
	fk_buf_free(&d->hdr);
	return d;
fail_key:
	sodium_memzero(file_key, sizeof file_key);
fail:
	fk_age_dec_free(d);
	return NULL;
}

/* The nonce of chunk j after base: an 88-bit big-endian counter, then the flag. */
static void
nonce_at(uint8_t out[12], const uint8_t base[12], size_t j, int final)
{
	unsigned carry = (unsigned)j;
	int i;

	memcpy(out, base, 12);
	for (i = 10; i >= 0 && carry != 0; i--) {
		carry += out[i];
		out[i] = (uint8_t)carry;
		carry >>= 8;
	}
	out[11] = final ? 1 : 0;
}

struct job {
	const uint8_t *key;
	const uint8_t *nonce;
	const uint8_t *in;
	uint8_t *out;
	struct chunk *c;
	size_t from, to;
	int seal;
};

static void
run_range(struct job *j)
{
	uint8_t nonce[12];
	unsigned long long n;
	size_t k;

	for (k = j->from; k < j->to; k++) {
		struct chunk *c = &j->c[k];
		nonce_at(nonce, j->nonce, k, c->final);
		if (j->seal) {
			crypto_aead_chacha20poly1305_ietf_encrypt(j->out + k * ENC_CHUNK, &n,
			    j->in + k * FK_AGE_CHUNK, c->len, NULL, 0, NULL, nonce, j->key);
			c->ok = 1;
		} else {
			c->ok = c->len >= crypto_aead_chacha20poly1305_ietf_ABYTES &&
			    crypto_aead_chacha20poly1305_ietf_decrypt(j->out + k * FK_AGE_CHUNK, &n,
				NULL, j->in + k * ENC_CHUNK, c->len, NULL, 0, nonce, j->key) == 0;
		}
		c->outlen = c->ok ? (size_t)n : 0;
	}
}

static void *
run_worker(void *arg)
{
	run_range(arg);
	return NULL;
}

/* Seals or opens chunks [0, n), the first half on a second thread. */
static void
run_parallel(struct job *all, size_t n)
{
	struct job half = *all;
	pthread_t t;

	all->from = 0;
	all->to = n;
	if (n < 2 || fk_threads() < 2) {
		run_range(all);
		return;
	}
	half.from = 0;
	half.to = n / 2;
	if (pthread_create(&t, NULL, run_worker, &half) != 0) {
		run_range(all);
		return;
	}
	all->from = n / 2;
	run_range(all);
	pthread_join(t, NULL);
}

/* After a final chunk: anything more in the input is an error, reported once
 * the final chunk's plaintext has been released (as the reference does). */
static void
check_trailing(fk_age_dec *d, int more_in_batch, int eof)
{
	uint8_t extra;
	long n;

	d->last = 1;
	if (more_in_batch) {
		fk_fail(&d->pending, FK_EPAYLOAD, _("data after the end of the encrypted file"));
		return;
	}
	if (eof)
		return;
	n = rd_read(&d->in, &extra, 1, &d->pending);
	if (n > 0)
		fk_fail(&d->pending, FK_EPAYLOAD, _("data after the end of the encrypted file"));
	else if (n == 0)
		fk_err_clear(&d->pending);
}

/*
 * Reads and opens up to BATCH chunks. Never fails by itself: plaintext that
 * authenticated is released, then d->last and d->pending say how the stream
 * ended. Same outcomes as reading chunk by chunk: a full-size chunk is tried
 * as non-final, then as final; a short chunk at the end must be final; an empty
 * final chunk is an error unless it is the only chunk.
 */
static void
read_batch(fk_age_dec *d)
{
	struct job job;
	fk_err rerr = {0};
	size_t nch = 0, k;
	int eof = 0, rfail = 0, empty_final = 0;
	uint8_t nonce[12];

	if (d->pt == NULL) {
		/*
		 * Plain heap, not sodium_malloc: mapping guarded, locked pages for
		 * every record was the whole cost of importing many small records.
		 * The buffer is wiped before it is freed.
		 */
		d->ct = malloc(d->batch * ENC_CHUNK);
		d->pt = malloc(d->batch * FK_AGE_CHUNK);
		if (d->ct == NULL || d->pt == NULL) {
			fk_fail(&d->pending, FK_ENOMEM, _("out of memory"));
			d->last = 1;
			return;
		}
	}
	while (nch < d->batch) {
		long n = rd_read(&d->in, d->ct + nch * ENC_CHUNK, ENC_CHUNK, &rerr);
		if (n < 0) {
			rfail = 1;
			break;
		}
		if (n == 0) {
			eof = 1;
			break;
		}
		d->c[nch].len = (size_t)n;
		d->c[nch].final = 0;
		nch++;
		if (n < ENC_CHUNK) {
			eof = 1;
			break;
		}
	}
	if (nch > 0 && eof && d->c[nch - 1].len < ENC_CHUNK) {
		d->c[nch - 1].final = 1;
		nonce_at(nonce, d->nonce, nch - 1, 0);
		if (d->c[nch - 1].len == crypto_aead_chacha20poly1305_ietf_ABYTES &&
		    !nonce_is_zero(nonce))
			empty_final = 1;
	}
	job.key = d->key;
	job.nonce = d->nonce;
	job.in = d->ct;
	job.out = d->pt;
	job.c = d->c;
	job.seal = 0;
	run_parallel(&job, nch - (size_t)empty_final);
	d->ppos = d->plen = 0;
	for (k = 0; k < nch; k++) {
		struct chunk *c = &d->c[k];
		if (k == nch - 1 && empty_final) {
			fk_fail(&d->pending, FK_EPAYLOAD, _("the file has an empty final chunk"));
			d->last = 1;
			break;
		}
		if (!c->ok && !c->final) {
			/* A chunk that is not the final one may still be a full-size final. */
			c->final = 1;
			job.from = k;
			job.to = k + 1;
			run_range(&job);
			if (!c->ok)
				c->final = 0;
		}
		if (!c->ok) {
			fk_fail(&d->pending, FK_EPAYLOAD,
			    _("the file is damaged or truncated (a chunk does not authenticate)"));
			d->last = 1;
			break;
		}
		d->plen += c->outlen;
		if (c->final) {
			check_trailing(d, k + 1 < nch, eof && k + 1 == nch);
			break;
		}
	}
	if (!d->last) {
		if (rfail) {
			d->pending = rerr;
			d->last = 1;
		} else if (eof) {
			fk_fail(&d->pending, FK_EPAYLOAD, _("the file is truncated (no final chunk)"));
			d->last = 1;
		} else {
			nonce_at(d->nonce, d->nonce, nch, 0);
		}
	}
}

long
fk_age_dec_read(fk_age_dec *d, uint8_t *buf, size_t n, fk_err *e)
{
	size_t m;

	while (d->ppos == d->plen) {
		if (d->last) {
			if (d->pending.code != FK_OK) {
				if (e != NULL)
					*e = d->pending;
				return -1;
			}
			return 0;
		}
		read_batch(d);
	}
	m = d->plen - d->ppos < n ? d->plen - d->ppos : n;
	memcpy(buf, d->pt + d->ppos, m);
	d->ppos += m;
	return (long)m;
}

int
fk_age_decrypt_buf(const fk_age_identities *ids, const uint8_t *p, size_t n, size_t max,
    fk_buf *out, fk_err *e)
{
	fk_memsrc ms;
	fk_age_dec *d = fk_age_dec_open(fk_memsrc_init(&ms, p, n), -1, ids, e);
	uint8_t tmp[16384];
	long got;
	size_t oldmax = out->max;

	if (d == NULL)
		return -1;
	/* The whole input is known: no bigger buffers than it can fill. */
	if (n / ENC_CHUNK + 1 < d->batch)
		d->batch = n / ENC_CHUNK + 1;
	out->max = max;
	while ((got = fk_age_dec_read(d, tmp, sizeof tmp, e)) > 0)
		if (fk_buf_append(out, tmp, (size_t)got, e) != 0) {
			got = -1;
			break;
		}
	out->max = oldmax;
	sodium_memzero(tmp, sizeof tmp);
	fk_age_dec_free(d);
	return got < 0 ? -1 : 0;
}

/* ---------------------------------------------------------------- encryption */

struct fk_age_enc {
	fk_sink out;
	int armor;
	uint8_t abuf[48];
	size_t alen;
	uint8_t *key;  /* 32, sodium_malloc */
	uint8_t nonce[12];
	uint8_t *pt;   /* BATCH * FK_AGE_CHUNK, sodium_malloc */
	size_t ptlen;
	uint8_t *ct;   /* BATCH * ENC_CHUNK */
	struct chunk c[BATCH];
	int finished;
};

static int
armor_line(fk_age_enc *x, const uint8_t *p, size_t n, fk_err *e)
{
	char line[70];

	sodium_bin2base64(line, sizeof line, p, n, sodium_base64_VARIANT_ORIGINAL);
	n = strlen(line);
	line[n++] = '\n';
	return x->out.write(x->out.ctx, (const uint8_t *)line, n, e);
}

static int
emit(fk_age_enc *x, const uint8_t *p, size_t n, fk_err *e)
{
	if (!x->armor)
		return x->out.write(x->out.ctx, p, n, e);
	while (n > 0) {
		size_t m = 48 - x->alen < n ? 48 - x->alen : n;
		memcpy(x->abuf + x->alen, p, m);
		x->alen += m;
		p += m;
		n -= m;
		if (x->alen == 48) {
			if (armor_line(x, x->abuf, 48, e) != 0)
				return -1;
			x->alen = 0;
		}
	}
	return 0;
}

/* Appends a stanza body: base64 lines of 64 columns ended by a short line. */
static int
emit_body(fk_buf *hdr, const uint8_t *body, size_t n, fk_err *e)
{
	char b64[128];
	size_t len = b64_raw_encode(b64, sizeof b64, body, n), i = 0;

	for (;;) {
		size_t m = len - i > 64 ? 64 : len - i;
		if (fk_buf_append(hdr, b64 + i, m, e) != 0 || fk_buf_append(hdr, "\n", 1, e) != 0)
			return -1;
		i += m;
		if (m < 64)
			return 0;
	}
}

/*
 * Builds the whole header (intro, stanzas, MAC line) and the payload nonce into
 * hdr, and derives the payload key. The file key never leaves this function.
 */
static int
build_header(const fk_age_recipients *r, fk_buf *hdr, uint8_t payload_key[32], fk_err *e)
{
	uint8_t file_key[16], hmac_key[FK_KEY_LEN], mac[FK_SHA256_LEN], nonce[16];
	char b64[64], line[160];
	size_t i;

	if (r->pass == NULL && r->n == 0)
		return fk_fail(e, FK_EUSAGE, _("no recipients to encrypt to"));
	if (r->pass != NULL && r->n != 0)
		return fk_fail(e, FK_EUSAGE, _("a passphrase cannot be combined with recipients"));
	randombytes_buf(file_key, sizeof file_key);
	if (fk_buf_append(hdr, INTRO "\n", sizeof INTRO, e) != 0)
		goto fail;
	for (i = 0; i < r->n; i++) {
		uint8_t eph[FK_KEY_LEN], share[FK_KEY_LEN], shared[FK_KEY_LEN], salt[64], wrap[FK_KEY_LEN], body[FK_KEY_LEN];
		fk_age_keygen(eph, share);
		if (crypto_scalarmult(shared, eph, r->pk[i]) != 0) {
			sodium_memzero(eph, sizeof eph);
			fk_fail(e, FK_EKEY, _("recipient %zu is not a valid X25519 key"), i + 1);
			goto fail;
		}
		memcpy(salt, share, 32);
		memcpy(salt + 32, r->pk[i], 32);
		fk_hkdf_sha256(wrap, 32, shared, 32, salt, 64, X25519_LABEL);
		crypto_aead_chacha20poly1305_ietf_encrypt(body, NULL, file_key, 16, NULL, 0, NULL,
		    zero_nonce, wrap);
		sodium_memzero(eph, sizeof eph);
		sodium_memzero(shared, sizeof shared);
		sodium_memzero(wrap, sizeof wrap);
		b64_raw_encode(b64, sizeof b64, share, 32);
		snprintf(line, sizeof line, "-> X25519 %s\n", b64);
		if (fk_buf_append(hdr, line, strlen(line), e) != 0 ||
		    emit_body(hdr, body, sizeof body, e) != 0)
			goto fail;
	}
	if (r->pass != NULL) {
		uint8_t salt[sizeof SCRYPT_LABEL - 1 + 16], body[FK_KEY_LEN], *wrap;
		int logn = r->logn ? r->logn : FK_AGE_DEFAULT_LOGN;
		memcpy(salt, SCRYPT_LABEL, sizeof SCRYPT_LABEL - 1);
		randombytes_buf(salt + sizeof SCRYPT_LABEL - 1, 16);
		wrap = sodium_malloc(32);
		if (wrap == NULL || logn < 1 || logn > 30 ||
		    crypto_pwhash_scryptsalsa208sha256_ll(r->pass, r->passlen, salt, sizeof salt,
			(uint64_t)1 << logn, 8, 1, wrap, 32) != 0) {
			if (wrap != NULL)
				sodium_free(wrap);
			fk_fail(e, FK_ENOMEM, _("cannot derive a key from the passphrase"));
			goto fail;
		}
		crypto_aead_chacha20poly1305_ietf_encrypt(body, NULL, file_key, 16, NULL, 0, NULL,
		    zero_nonce, wrap);
		sodium_free(wrap);
		b64_raw_encode(b64, sizeof b64, salt + sizeof SCRYPT_LABEL - 1, 16);
		snprintf(line, sizeof line, "-> scrypt %s %d\n", b64, logn);
		if (fk_buf_append(hdr, line, strlen(line), e) != 0 ||
		    emit_body(hdr, body, sizeof body, e) != 0)
			goto fail;
	}
	if (fk_buf_append(hdr, "---", 3, e) != 0)
		goto fail;
	fk_hkdf_sha256(hmac_key, 32, file_key, 16, NULL, 0, "header");
	crypto_auth_hmacsha256(mac, hdr->p, hdr->len, hmac_key);
	sodium_memzero(hmac_key, sizeof hmac_key);
	b64_raw_encode(b64, sizeof b64, mac, 32);
	snprintf(line, sizeof line, " %s\n", b64);
	randombytes_buf(nonce, sizeof nonce);
	fk_hkdf_sha256(payload_key, 32, file_key, 16, nonce, 16, "payload");
	sodium_memzero(file_key, sizeof file_key);
	if (fk_buf_append(hdr, line, strlen(line), e) != 0 ||
	    fk_buf_append(hdr, nonce, sizeof nonce, e) != 0)
		return -1;
	return 0;
fail:
	sodium_memzero(file_key, sizeof file_key);
	return -1;
}

fk_age_enc *
fk_age_enc_new(const fk_age_recipients *r, int armor, fk_sink out, fk_err *e)
{
	fk_age_enc *x = calloc(1, sizeof *x);
	fk_buf hdr = {0};

	if (x == NULL) {
		fk_fail(e, FK_ENOMEM, _("out of memory"));
		return NULL;
	}
	x->out = out;
	x->armor = armor;
	x->key = sodium_malloc(32);
	x->pt = sodium_malloc(BATCH * FK_AGE_CHUNK);
	x->ct = malloc(BATCH * ENC_CHUNK);
	if (x->key == NULL || x->pt == NULL || x->ct == NULL) {
		fk_fail(e, FK_ENOMEM, _("out of memory"));
		goto fail;
	}
	if (build_header(r, &hdr, x->key, e) != 0)
		goto fail;
	if ((armor && x->out.write(x->out.ctx, (const uint8_t *)ARMOR_BEGIN "\n",
			  sizeof ARMOR_BEGIN, e) != 0) ||
	    emit(x, hdr.p, hdr.len, e) != 0)
		goto fail;
	fk_buf_free(&hdr);
	return x;
fail:
	fk_buf_free(&hdr);
	fk_age_enc_free(x);
	return NULL;
}

/* Seals what is buffered: BATCH full non-final chunks, or (final) the rest. */
static int
seal_batch(fk_age_enc *x, int final, fk_err *e)
{
	struct job job;
	size_t nch, k;

	nch = final ? (x->ptlen + FK_AGE_CHUNK - 1) / FK_AGE_CHUNK : BATCH;
	if (nch == 0)
		nch = 1; /* an empty payload is one empty final chunk */
	for (k = 0; k < nch; k++) {
		size_t left = x->ptlen - k * FK_AGE_CHUNK;
		x->c[k].len = left < FK_AGE_CHUNK ? left : FK_AGE_CHUNK;
		x->c[k].final = final && k == nch - 1;
	}
	job.key = x->key;
	job.nonce = x->nonce;
	job.in = x->pt;
	job.out = x->ct;
	job.c = x->c;
	job.seal = 1;
	run_parallel(&job, nch);
	nonce_at(x->nonce, x->nonce, nch, 0);
	x->ptlen = 0;
	for (k = 0; k < nch; k++)
		if (emit(x, x->ct + k * ENC_CHUNK, x->c[k].outlen, e) != 0)
			return -1;
	return 0;
}

int
fk_age_enc_write(fk_age_enc *x, const uint8_t *p, size_t n, fk_err *e)
{
	if (x->finished)
		return fk_fail(e, FK_ESTATE, _("write after finish"));
	while (n > 0) {
		size_t m;
		/* A full buffer is sealed as non-final only once more data arrives. */
		if (x->ptlen == BATCH * FK_AGE_CHUNK && seal_batch(x, 0, e) != 0)
			return -1;
		m = BATCH * FK_AGE_CHUNK - x->ptlen < n ? BATCH * FK_AGE_CHUNK - x->ptlen : n;
		memcpy(x->pt + x->ptlen, p, m);
		x->ptlen += m;
		p += m;
		n -= m;
	}
	return 0;
}

int
fk_age_enc_finish(fk_age_enc *x, fk_err *e)
{
	if (x->finished)
		return fk_fail(e, FK_ESTATE, _("finish called twice"));
	x->finished = 1;
	if (seal_batch(x, 1, e) != 0)
		return -1;
	if (x->armor) {
		if (x->alen > 0 && armor_line(x, x->abuf, x->alen, e) != 0)
			return -1;
		x->alen = 0;
		if (x->out.write(x->out.ctx, (const uint8_t *)ARMOR_END "\n", sizeof ARMOR_END, e) != 0)
			return -1;
	}
	return 0;
}

void
fk_age_enc_free(fk_age_enc *x)
{
	if (x == NULL)
		return;
	if (x->key != NULL)
		sodium_free(x->key);
	if (x->pt != NULL)
		sodium_free(x->pt);
	free(x->ct);
	sodium_memzero(x, sizeof *x);
	free(x);
}

int
fk_age_encrypt_buf(const fk_age_recipients *r, int armor, const uint8_t *p, size_t n,
    fk_buf *out, fk_err *e)
{
	struct chunk c[BATCH];
	struct job job;
	uint8_t key[FK_KEY_LEN], nonce[12] = {0};
	size_t nch, done = 0, k, base;
	fk_age_enc *x;
	int rc;

	if (armor) {
		x = fk_age_enc_new(r, armor, fk_buf_sink(out), e);
		if (x == NULL)
			return -1;
		rc = fk_age_enc_write(x, p, n, e);
		if (rc == 0)
			rc = fk_age_enc_finish(x, e);
		fk_age_enc_free(x);
		return rc;
	}
	/*
	 * Binary output from a buffer already in memory: seal straight from the
	 * caller's plaintext into the output, with no protected buffers to map
	 * (that cost dominated sealing many small records).
	 */
	static const uint8_t none[1];

	if (p == NULL)
		p = none; /* n is 0: nothing is read */
	base = out->len;
	if (build_header(r, out, key, e) != 0) {
		sodium_memzero(key, sizeof key);
		out->len = base;
		return -1;
	}
	nch = n == 0 ? 1 : (n + FK_AGE_CHUNK - 1) / FK_AGE_CHUNK;
	if (nch > (SIZE_MAX - out->len) / ENC_CHUNK) {
		sodium_memzero(key, sizeof key);
		out->len = base;
		return fk_fail(e, FK_ELIMIT, _("data too large"));
	}
	/* Reserve the whole output, then seal in place. */
	{
		size_t need = out->len + n + nch * crypto_aead_chacha20poly1305_ietf_ABYTES;
		if (out->max != 0 && need - base > out->max)
			rc = fk_fail(e, FK_ELIMIT, _("data larger than the limit of %zu bytes"),
			    out->max);
		else if (need > out->cap) {
			uint8_t *q = realloc(out->p, need);
			rc = q == NULL ? fk_fail(e, FK_ENOMEM, _("out of memory")) : 0;
			if (q != NULL) {
				out->p = q;
				out->cap = need;
			}
		} else
			rc = 0;
		if (rc != 0) {
			sodium_memzero(key, sizeof key);
			out->len = base;
			return -1;
		}
	}
	job.key = key;
	job.c = c;
	job.seal = 1;
	while (done < nch) {
		size_t m = nch - done < BATCH ? nch - done : BATCH;
		for (k = 0; k < m; k++) {
			size_t off = (done + k) * FK_AGE_CHUNK;
			c[k].len = n - off < FK_AGE_CHUNK ? n - off : FK_AGE_CHUNK;
			c[k].final = done + k == nch - 1;
		}
		job.nonce = nonce;
		job.in = p + done * FK_AGE_CHUNK;
		job.out = out->p + out->len;
		run_parallel(&job, m);
		for (k = 0; k < m; k++)
			out->len += c[k].outlen;
		nonce_at(nonce, nonce, m, 0);
		done += m;
	}
	sodium_memzero(key, sizeof key);
	return 0;
}
