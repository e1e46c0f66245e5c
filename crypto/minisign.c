/*
 * minisign.c - minisign keys and signatures, byte-exact with jedisct1/minisign
 * 0.11, on libsodium. See minisign.h.
 *
 * Owns: the public key, secret key and signature file formats, the streaming
 * BLAKE2b-512 hash, signing and verification.
 * Must never: release a secret key that failed its checksum, accept a
 * signature whose key id, signature or comment signature does not check out,
 * read past the length it was given, or spend more than 1 GiB on scrypt.
 *
 * Parsing is strict: exact line prefixes, canonical base64 of the exact
 * length, no NUL bytes, nothing but line ends after the last line. Like
 * minisign, a CR before a LF is tolerated (minisign's trim() drops it).
 */
#include "minisign.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "pass.h"

#define UNTRUSTED_PREFIX "untrusted comment: "
#define TRUSTED_PREFIX "trusted comment: "
#define SK_COMMENT "minisign encrypted secret key"
#define DEFAULT_UNTRUSTED "signature from minisign secret key"

/* Longest comment texts minisign writes and reads back (its fgets buffers,
 * less the prefix, the line end and the NUL). */
#define TRUSTED_TEXT_MAX (FK_MINISIGN_TRUSTED_MAX - sizeof TRUSTED_PREFIX - 1)     /* 8173 */
#define UNTRUSTED_TEXT_MAX (FK_MINISIGN_UNTRUSTED_MAX - sizeof UNTRUSTED_PREFIX - 1) /* 1003 */

#define PK_BYTES 42   /* "Ed" || keynum[8] || pk[FK_KEY_LEN] */
#define SIG_BYTES 74  /* alg[2] || keynum[8] || sig[64] */
#define SK_BYTES 158  /* see struct sk_layout */
#define KEYNUM_SK_BYTES 104

/* Offsets in the secret key structure. */
#define SK_SIG_ALG 0
#define SK_KDF_ALG 2
#define SK_CHK_ALG 4
#define SK_SALT 6
#define SK_OPS 38
#define SK_MEM 46
#define SK_KEYNUM 54
#define SK_SK 62
#define SK_CHK 126

_Static_assert(sizeof(crypto_generichash_state) <= sizeof(((fk_minisign_hasher *)0)->state),
    "hasher state too small");
_Static_assert(SK_CHK + 32 == SK_BYTES, "secret key layout");
_Static_assert(crypto_pwhash_scryptsalsa208sha256_SALTBYTES == 32, "salt size");

static uint64_t
le64_load(const uint8_t *p)
{
	uint64_t x = 0;
	int i;

	for (i = 7; i >= 0; i--)
		x = (x << 8) | p[i];
	return x;
}

static void
le64_store(uint8_t *p, uint64_t x)
{
	int i;

	for (i = 0; i < 8; i++, x >>= 8)
		p[i] = (uint8_t)x;
}

void
fk_minisign_keyid_hex(const uint8_t keynum[8], char out[17])
{
	snprintf(out, 17, "%016" PRIX64, le64_load(keynum));
}

/*
 * Lines. A line ends at LF (a CR just before it is dropped); the last line
 * may lack its LF. NUL bytes are refused.
 */
typedef struct lines {
	const uint8_t *p;
	size_t len, off;
} lines;

static int
next_line(lines *l, const uint8_t **line, size_t *n)
{
	size_t start = l->off, end;

	if (l->off >= l->len)
		return 0;
	end = start;
	while (end < l->len && l->p[end] != '\n')
		end++;
	l->off = end < l->len ? end + 1 : end;
	if (end > start && l->p[end - 1] == '\r')
		end--;
	*line = l->p + start;
	*n = end - start;
	return memchr(*line, '\0', *n) == NULL && memchr(*line, '\r', *n) == NULL ? 1 : -1;
}

/* Only line ends may follow the last line. */
static int
lines_rest_empty(const lines *l)
{
	size_t i;

	for (i = l->off; i < l->len; i++)
		if (l->p[i] != '\n' && l->p[i] != '\r')
			return 0;
	return 1;
}

static int
has_prefix(const uint8_t *line, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);

	return n >= k && memcmp(line, prefix, k) == 0;
}

static int
b64_char(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    c == '+' || c == '/' || c == '=';
}

/*
 * Decodes canonical standard base64 of exactly outlen bytes. libsodium 1.0.18's
 * decoder lets bytes >= 0x80 through as if they were other letters, so the
 * alphabet is checked here first (minisign's own decoder refuses them too).
 */
static int
b64_exact(const uint8_t *s, size_t n, uint8_t *out, size_t outlen)
{
	size_t got = 0, i;
	const char *end = NULL;

	if (n != sodium_base64_encoded_len(outlen, sodium_base64_VARIANT_ORIGINAL) - 1)
		return -1;
	for (i = 0; i < n; i++)
		if (!b64_char(s[i]))
			return -1;
	if (sodium_base642bin(out, outlen, (const char *)s, n, NULL, &got, &end,
	    sodium_base64_VARIANT_ORIGINAL) != 0)
		return -1;
	return got == outlen && end == (const char *)s + n ? 0 : -1;
}

/* Appends base64 of p and a LF. */
static int
b64_append(fk_buf *out, const uint8_t *p, size_t n, fk_err *e)
{
	char b64[sodium_base64_ENCODED_LEN(SK_BYTES, sodium_base64_VARIANT_ORIGINAL)];
	int rc;

	if (n > SK_BYTES)
		return fk_fail(e, FK_ECRYPTO, _("internal error: base64 input too long"));
	sodium_bin2base64(b64, sizeof b64, p, n, sodium_base64_VARIANT_ORIGINAL);
	rc = fk_buf_append(out, b64, strlen(b64), e) == 0 && fk_buf_append(out, "\n", 1, e) == 0 ?
	    0 : -1;
	sodium_memzero(b64, sizeof b64);
	return rc;
}

/* Keys. */

int
fk_minisign_keygen(fk_minisign_sk **sk, fk_minisign_pk *pk, fk_err *e)
{
	fk_minisign_sk *k = sodium_malloc(sizeof *k);

	*sk = NULL;
	if (k == NULL)
		return fk_fail(e, FK_ENOMEM, _("cannot allocate protected memory"));
	randombytes_buf(k->keynum, sizeof k->keynum);
	if (crypto_sign_keypair(pk->pk, k->sk) != 0) {
		sodium_free(k);
		return fk_fail(e, FK_ECRYPTO, _("cannot generate an Ed25519 key pair"));
	}
	memcpy(pk->keynum, k->keynum, sizeof pk->keynum);
	*sk = k;
	return 0;
}

void
fk_minisign_sk_free(fk_minisign_sk *sk)
{
	if (sk != NULL)
		sodium_free(sk);
}

void
fk_minisign_sk_public(const fk_minisign_sk *sk, fk_minisign_pk *pk)
{
	memcpy(pk->keynum, sk->keynum, sizeof pk->keynum);
	memcpy(pk->pk, sk->sk + 32, sizeof pk->pk);
}

int
fk_minisign_pk_encode(const fk_minisign_pk *pk, fk_buf *out, fk_err *e)
{
	uint8_t raw[PK_BYTES];
	char line[64];
	char id[17];

	fk_minisign_keyid_hex(pk->keynum, id);
	snprintf(line, sizeof line, UNTRUSTED_PREFIX "minisign public key %s\n", id);
	memcpy(raw, "Ed", 2);
	memcpy(raw + 2, pk->keynum, 8);
	memcpy(raw + 10, pk->pk, 32);
	if (fk_buf_append(out, line, strlen(line), e) != 0)
		return -1;
	return b64_append(out, raw, sizeof raw, e);
}

static int
pk_decode_b64(const uint8_t *s, size_t n, fk_minisign_pk *pk, fk_err *e)
{
	uint8_t raw[PK_BYTES];

	if (b64_exact(s, n, raw, sizeof raw) != 0)
		return fk_fail(e, FK_EKEY,
		    _("not a minisign public key (the key must be 56 characters of base64)"));
	if (memcmp(raw, "Ed", 2) != 0)
		return fk_fail(e, FK_EKEY, _("unsupported signature algorithm in the public key"));
	memcpy(pk->keynum, raw + 2, 8);
	memcpy(pk->pk, raw + 10, 32);
	return 0;
}

int
fk_minisign_pk_parse(const uint8_t *p, size_t len, fk_minisign_pk *pk, fk_err *e)
{
	lines l = {p, len, 0};
	const uint8_t *line;
	size_t n;

	if (!has_prefix(p, len, UNTRUSTED_PREFIX)) {
		/* A bare base64 key, as minisign -P takes; a line end may follow. */
		if (next_line(&l, &line, &n) != 1 || !lines_rest_empty(&l))
			return fk_fail(e, FK_EKEY, _("not a minisign public key"));
		return pk_decode_b64(line, n, pk, e);
	}
	if (next_line(&l, &line, &n) != 1 || n > UNTRUSTED_TEXT_MAX + strlen(UNTRUSTED_PREFIX))
		return fk_fail(e, FK_EKEY, _("malformed comment line in the public key file"));
	if (next_line(&l, &line, &n) != 1)
		return fk_fail(e, FK_EKEY, _("the public key file is truncated: the key line is missing"));
	if (pk_decode_b64(line, n, pk, e) != 0)
		return -1;
	if (!lines_rest_empty(&l))
		return fk_fail(e, FK_EKEY, _("unexpected text after the key in the public key file"));
	return 0;
}

/* BLAKE2b-256 over sig_alg || keynum || sk, as minisign's seckey_compute_chk. */
static void
sk_checksum(const uint8_t *st, uint8_t chk[FK_SHA256_LEN])
{
	crypto_generichash_state hs;

	crypto_generichash_init(&hs, NULL, 0, 32);
	crypto_generichash_update(&hs, st + SK_SIG_ALG, 2);
	crypto_generichash_update(&hs, st + SK_KEYNUM, 8);
	crypto_generichash_update(&hs, st + SK_SK, 64);
	crypto_generichash_final(&hs, chk, 32);
	sodium_memzero(&hs, sizeof hs);
}

/* XORs the keynum_sk part of st with the scrypt stream of pass. */
static int
sk_crypt(uint8_t *st, const uint8_t *pass, size_t passlen, fk_err *e)
{
	uint8_t *stream = sodium_malloc(KEYNUM_SK_BYTES);
	size_t i;

	if (stream == NULL)
		return fk_fail(e, FK_ENOMEM, _("cannot allocate protected memory"));
	if (crypto_pwhash_scryptsalsa208sha256(stream, KEYNUM_SK_BYTES, (const char *)pass,
	    passlen, st + SK_SALT, le64_load(st + SK_OPS), (size_t)le64_load(st + SK_MEM)) != 0) {
		sodium_free(stream);
		return fk_fail(e, FK_ENOMEM,
		    _("not enough memory to derive the key from the passphrase"));
	}
	for (i = 0; i < KEYNUM_SK_BYTES; i++)
		st[SK_KEYNUM + i] ^= stream[i];
	sodium_free(stream);
	return 0;
}

static int
sk_text(const uint8_t *st, fk_secret *out, fk_err *e)
{
	/* fk_buf would realloc secret bytes; build in secret memory instead. */
	static const char head[] = UNTRUSTED_PREFIX SK_COMMENT "\n";
	size_t b64len = sodium_base64_ENCODED_LEN(SK_BYTES, sodium_base64_VARIANT_ORIGINAL);

	if (fk_secret_alloc(out, sizeof head - 1 + b64len, e) != 0)
		return -1;
	memcpy(out->p, head, sizeof head - 1);
	sodium_bin2base64((char *)out->p + sizeof head - 1, b64len, st, SK_BYTES,
	    sodium_base64_VARIANT_ORIGINAL);
	/* b64len counts the NUL: it becomes the final LF. */
	out->p[out->len - 1] = '\n';
	return 0;
}

int
fk_minisign_sk_encode_limits(const fk_minisign_sk *sk, const uint8_t *pass, size_t passlen,
    uint64_t opslimit, uint64_t memlimit, fk_secret *out, fk_err *e)
{
	uint8_t *st = sodium_malloc(SK_BYTES);
	int rc = -1;

	out->p = NULL;
	out->len = 0;
	if (st == NULL)
		return fk_fail(e, FK_ENOMEM, _("cannot allocate protected memory"));
	memset(st, 0, SK_BYTES);
	memcpy(st + SK_SIG_ALG, "Ed", 2);
	memcpy(st + SK_CHK_ALG, "B2", 2);
	memcpy(st + SK_KEYNUM, sk->keynum, 8);
	memcpy(st + SK_SK, sk->sk, 64);
	/* Like minisign -W, an unencrypted key has a zero checksum (and salt and cost). */
	if (pass != NULL) {
		sk_checksum(st, st + SK_CHK);
		memcpy(st + SK_KDF_ALG, "Sc", 2);
		randombytes_buf(st + SK_SALT, 32);
		le64_store(st + SK_OPS, opslimit);
		le64_store(st + SK_MEM, memlimit);
		if (sk_crypt(st, pass, passlen, e) != 0)
			goto fail;
	}
	rc = sk_text(st, out, e);
fail:
	sodium_free(st);
	return rc;
}

int
fk_minisign_sk_encode(const fk_minisign_sk *sk, const uint8_t *pass, size_t passlen,
    fk_secret *out, fk_err *e)
{
	return fk_minisign_sk_encode_limits(sk, pass, passlen, FK_MINISIGN_OPSLIMIT,
	    FK_MINISIGN_MEMLIMIT, out, e);
}

/* Decodes the structure (still encrypted) into st, checking algorithms. */
static int
sk_struct(const uint8_t *p, size_t len, uint8_t *st, fk_err *e)
{
	lines l = {p, len, 0};
	const uint8_t *line;
	size_t n;

	if (next_line(&l, &line, &n) != 1 || !has_prefix(line, n, UNTRUSTED_PREFIX) ||
	    n > UNTRUSTED_TEXT_MAX + strlen(UNTRUSTED_PREFIX))
		return fk_fail(e, FK_EKEY,
		    _("not a minisign secret key: the first line must be an untrusted comment"));
	if (next_line(&l, &line, &n) != 1)
		return fk_fail(e, FK_EKEY, _("the secret key file is truncated: the key line is missing"));
	if (b64_exact(line, n, st, SK_BYTES) != 0)
		return fk_fail(e, FK_EKEY,
		    _("not a minisign secret key (the key line must be 212 characters of base64)"));
	if (!lines_rest_empty(&l))
		return fk_fail(e, FK_EKEY, _("unexpected text after the key in the secret key file"));
	if (memcmp(st + SK_SIG_ALG, "Ed", 2) != 0)
		return fk_fail(e, FK_EKEY, _("unsupported signature algorithm in the secret key"));
	if (memcmp(st + SK_CHK_ALG, "B2", 2) != 0)
		return fk_fail(e, FK_EKEY, _("unsupported checksum function in the secret key"));
	if (memcmp(st + SK_KDF_ALG, "Sc", 2) != 0 && memcmp(st + SK_KDF_ALG, "\0\0", 2) != 0)
		return fk_fail(e, FK_EKEY, _("unsupported key derivation function in the secret key"));
	return 0;
}

int
fk_minisign_sk_encrypted(const uint8_t *p, size_t len)
{
	uint8_t *st = sodium_malloc(SK_BYTES);
	int rc = -1;

	if (st == NULL)
		return -1;
	if (sk_struct(p, len, st, NULL) == 0)
		rc = memcmp(st + SK_KDF_ALG, "Sc", 2) == 0;
	sodium_free(st);
	return rc;
}

/* Checks the decrypted structure: checksum, and that the public half matches the seed. */
static int
sk_check(const uint8_t *st, int encrypted, fk_err *e)
{
	uint8_t chk[FK_SHA256_LEN], zero[FK_KEY_LEN] = {0};
	unsigned char pk[FK_KEY_LEN];
	unsigned char *sk2 = sodium_malloc(64);
	int ok;

	if (sk2 == NULL)
		return fk_fail(e, FK_ENOMEM, _("cannot allocate protected memory"));
	sk_checksum(st, chk);
	ok = sodium_memcmp(chk, st + SK_CHK, 32) == 0;
	sodium_memzero(chk, sizeof chk);
	if (!ok && encrypted) {
		sodium_free(sk2);
		return fk_fail(e, FK_EPASS, _("wrong passphrase for the secret key (checksum mismatch)"));
	}
	/* Unencrypted keys carry a zero checksum (minisign -W); a correct one is accepted too. */
	if (!ok && sodium_memcmp(zero, st + SK_CHK, 32) != 0) {
		sodium_free(sk2);
		return fk_fail(e, FK_EKEY, _("the secret key is damaged (checksum mismatch)"));
	}
	crypto_sign_seed_keypair(pk, sk2, st + SK_SK);
	ok = sodium_memcmp(pk, st + SK_SK + 32, 32) == 0;
	sodium_free(sk2);
	if (!ok)
		return fk_fail(e, FK_EKEY,
		    _("the secret key is damaged (its public half does not match)"));
	return 0;
}

int
fk_minisign_sk_decode(const uint8_t *p, size_t len, const uint8_t *pass, size_t passlen,
    fk_minisign_sk **out, fk_err *e)
{
	uint8_t *st = sodium_malloc(SK_BYTES);
	fk_minisign_sk *k = NULL;
	int encrypted;

	*out = NULL;
	if (st == NULL)
		return fk_fail(e, FK_ENOMEM, _("cannot allocate protected memory"));
	if (sk_struct(p, len, st, e) != 0)
		goto fail;
	encrypted = memcmp(st + SK_KDF_ALG, "Sc", 2) == 0;
	if (encrypted) {
		if (pass == NULL) {
			fk_fail(e, FK_EPASS, _("the secret key is protected by a passphrase"));
			goto fail;
		}
		if (le64_load(st + SK_OPS) > FK_MINISIGN_MAX_OPSLIMIT ||
		    le64_load(st + SK_MEM) > FK_MINISIGN_MAX_MEMLIMIT) {
			fk_fail(e, FK_ELIMIT,
			    _("the secret key asks for a passphrase work factor above 1 GiB; "
			      "re-encrypt it with: fieldkit sig keygen, or minisign -C"));
			goto fail;
		}
		if (sk_crypt(st, pass, passlen, e) != 0)
			goto fail;
	}
	if (sk_check(st, encrypted, e) != 0)
		goto fail;
	if ((k = sodium_malloc(sizeof *k)) == NULL) {
		fk_fail(e, FK_ENOMEM, _("cannot allocate protected memory"));
		goto fail;
	}
	memcpy(k->keynum, st + SK_KEYNUM, 8);
	memcpy(k->sk, st + SK_SK, 64);
	sodium_free(st);
	*out = k;
	return 0;
fail:
	sodium_free(st);
	return -1;
}

/* Hashing. */

void
fk_minisign_hash_init(fk_minisign_hasher *h)
{
	crypto_generichash_init((crypto_generichash_state *)(void *)h->state, NULL, 0, 64);
}

void
fk_minisign_hash_update(fk_minisign_hasher *h, const uint8_t *p, size_t n)
{
	crypto_generichash_update((crypto_generichash_state *)(void *)h->state, p, n);
}

void
fk_minisign_hash_final(fk_minisign_hasher *h, uint8_t out[64])
{
	crypto_generichash_final((crypto_generichash_state *)(void *)h->state, out, 64);
}

/* Signing. */

static void
hash_buf(const uint8_t *p, size_t n, uint8_t hash[64])
{
	fk_minisign_hasher h;

	fk_minisign_hash_init(&h);
	fk_minisign_hash_update(&h, p, n);
	fk_minisign_hash_final(&h, hash);
}

int
fk_minisign_comments_ok(const char *trusted, const char *untrusted, fk_err *e)
{
	if (trusted == NULL)
		return fk_fail(e, FK_EUSAGE, _("a trusted comment is required"));
	if (strlen(trusted) > TRUSTED_TEXT_MAX)
		return fk_fail(e, FK_ELIMIT, _("the trusted comment is longer than %zu bytes"),
		    (size_t)TRUSTED_TEXT_MAX);
	if (strpbrk(trusted, "\r\n") != NULL)
		return fk_fail(e, FK_EUSAGE, _("the trusted comment must be a single line"));
	if (untrusted == NULL)
		return 0;
	if (strlen(untrusted) > UNTRUSTED_TEXT_MAX)
		return fk_fail(e, FK_ELIMIT, _("the untrusted comment is longer than %zu bytes"),
		    (size_t)UNTRUSTED_TEXT_MAX);
	if (strpbrk(untrusted, "\r\n") != NULL)
		return fk_fail(e, FK_EUSAGE, _("the untrusted comment must be a single line"));
	return 0;
}

/* The message of the global signature: sig || trusted comment. */
typedef struct global_msg {
	uint8_t p[64 + TRUSTED_TEXT_MAX];
	size_t len;
} global_msg;

static void
global_msg_init(global_msg *g, const uint8_t sig[64], const char *trusted, size_t tlen)
{
	memcpy(g->p, sig, 64);
	memcpy(g->p + 64, trusted, tlen);
	g->len = 64 + tlen;
}

static int
sign_msg(const fk_minisign_sk *sk, const char *alg, const uint8_t *msg, size_t msglen,
    const char *trusted, const char *untrusted, fk_buf *out, fk_err *e)
{
	uint8_t raw[SIG_BYTES], gsig[64];
	global_msg g;

	if (fk_minisign_comments_ok(trusted, untrusted, e) != 0)
		return -1;
	if (untrusted == NULL)
		untrusted = DEFAULT_UNTRUSTED;
	memcpy(raw, alg, 2);
	memcpy(raw + 2, sk->keynum, 8);
	if (crypto_sign_detached(raw + 10, NULL, msg, msglen, sk->sk) != 0)
		return fk_fail(e, FK_ECRYPTO, _("cannot compute the signature"));
	global_msg_init(&g, raw + 10, trusted, strlen(trusted));
	if (crypto_sign_detached(gsig, NULL, g.p, g.len, sk->sk) != 0)
		return fk_fail(e, FK_ECRYPTO, _("cannot compute the signature"));
	/* Check our own work (a faulty signature would leak the key and fail later anyway). */
	if (crypto_sign_verify_detached(raw + 10, msg, msglen, sk->sk + 32) != 0 ||
	    crypto_sign_verify_detached(gsig, g.p, g.len, sk->sk + 32) != 0)
		return fk_fail(e, FK_ECRYPTO, _("cannot compute the signature"));
	if (fk_buf_append(out, UNTRUSTED_PREFIX, strlen(UNTRUSTED_PREFIX), e) != 0 ||
	    fk_buf_append(out, untrusted, strlen(untrusted), e) != 0 ||
	    fk_buf_append(out, "\n", 1, e) != 0 || b64_append(out, raw, sizeof raw, e) != 0 ||
	    fk_buf_append(out, TRUSTED_PREFIX, strlen(TRUSTED_PREFIX), e) != 0 ||
	    fk_buf_append(out, trusted, strlen(trusted), e) != 0 ||
	    fk_buf_append(out, "\n", 1, e) != 0 || b64_append(out, gsig, sizeof gsig, e) != 0)
		return -1;
	return 0;
}

int
fk_minisign_sign_hash(const fk_minisign_sk *sk, const uint8_t hash[64], const char *trusted,
    const char *untrusted, fk_buf *out, fk_err *e)
{
	return sign_msg(sk, "ED", hash, 64, trusted, untrusted, out, e);
}

int
fk_minisign_sign_buf(const fk_minisign_sk *sk, const uint8_t *p, size_t n, const char *trusted,
    const char *untrusted, fk_buf *out, fk_err *e)
{
	uint8_t hash[64];

	hash_buf(p, n, hash);
	return fk_minisign_sign_hash(sk, hash, trusted, untrusted, out, e);
}

void
fk_minisign_default_trusted(const char *path, uint64_t now, char *out, size_t cap)
{
	const char *base = strrchr(path, '/');

	base = base != NULL ? base + 1 : path;
	snprintf(out, cap, "timestamp:%" PRIu64 "\tfile:%s\thashed", now, base);
}

/* Verification. */

static int
comment_line(const uint8_t *line, size_t n, const char *prefix, size_t max, char *out)
{
	size_t k = strlen(prefix);

	if (!has_prefix(line, n, prefix) || n - k > max)
		return -1;
	memcpy(out, line + k, n - k);
	out[n - k] = '\0';
	return 0;
}

int
fk_minisign_sig_parse(const uint8_t *p, size_t len, fk_minisign_sig *s, fk_err *e)
{
	lines l = {p, len, 0};
	const uint8_t *line;
	uint8_t raw[SIG_BYTES];
	size_t n;
	int r;

	memset(s, 0, sizeof *s);
	if ((r = next_line(&l, &line, &n)) != 1)
		return fk_fail(e, FK_EINPUT, r == 0 ? _("the signature file is empty") :
		    _("malformed untrusted comment line in the signature file"));
	if (!has_prefix(line, n, UNTRUSTED_PREFIX))
		return fk_fail(e, FK_EINPUT,
		    _("not a minisign signature: the first line must start with \"untrusted comment: \""));
	if (comment_line(line, n, UNTRUSTED_PREFIX, UNTRUSTED_TEXT_MAX, s->untrusted) != 0)
		return fk_fail(e, FK_EINPUT, _("the untrusted comment is longer than %zu bytes"),
		    (size_t)UNTRUSTED_TEXT_MAX);
	if ((r = next_line(&l, &line, &n)) != 1)
		return fk_fail(e, FK_EINPUT, r == 0 ?
		    _("the signature file is truncated: the signature line is missing") :
		    _("malformed signature line in the signature file"));
	if (b64_exact(line, n, raw, sizeof raw) != 0)
		return fk_fail(e, FK_EINPUT,
		    _("malformed signature line (it must be 100 characters of base64)"));
	if (memcmp(raw, "ED", 2) != 0 && memcmp(raw, "Ed", 2) != 0)
		return fk_fail(e, FK_EINPUT, _("unsupported signature algorithm"));
	memcpy(s->alg, raw, 2);
	memcpy(s->keynum, raw + 2, 8);
	memcpy(s->sig, raw + 10, 64);
	if ((r = next_line(&l, &line, &n)) != 1)
		return fk_fail(e, FK_EINPUT, r == 0 ?
		    _("the signature file is truncated: the trusted comment is missing") :
		    _("malformed trusted comment line in the signature file"));
	if (!has_prefix(line, n, TRUSTED_PREFIX))
		return fk_fail(e, FK_EINPUT,
		    _("the third line of the signature must start with \"trusted comment: \""));
	if (comment_line(line, n, TRUSTED_PREFIX, TRUSTED_TEXT_MAX, s->trusted) != 0)
		return fk_fail(e, FK_EINPUT, _("the trusted comment is longer than %zu bytes"),
		    (size_t)TRUSTED_TEXT_MAX);
	s->trusted_len = n - strlen(TRUSTED_PREFIX);
	if ((r = next_line(&l, &line, &n)) != 1)
		return fk_fail(e, FK_EINPUT, r == 0 ?
		    _("the signature file is truncated: the comment signature is missing") :
		    _("malformed comment signature line in the signature file"));
	if (b64_exact(line, n, s->global_sig, sizeof s->global_sig) != 0)
		return fk_fail(e, FK_EINPUT,
		    _("malformed comment signature line (it must be 88 characters of base64)"));
	if (!lines_rest_empty(&l))
		return fk_fail(e, FK_EINPUT, _("unexpected text after the signature"));
	return 0;
}

int
fk_minisign_sig_legacy(const fk_minisign_sig *s)
{
	return memcmp(s->alg, "Ed", 2) == 0;
}

static int
verify_parsed(const fk_minisign_pk *pk, const fk_minisign_sig *s, const uint8_t hash[64],
    const uint8_t *legacy_msg, size_t legacy_len, int hashed_only, fk_err *e)
{
	char sid[17], pid[17];
	global_msg g;
	int rc;

	if (memcmp(s->keynum, pk->keynum, 8) != 0) {
		fk_minisign_keyid_hex(s->keynum, sid);
		fk_minisign_keyid_hex(pk->keynum, pid);
		return fk_fail(e, FK_ESIG,
		    _("wrong key: the signature was made by key %s, but the public key is %s"),
		    sid, pid);
	}
	if (fk_minisign_sig_legacy(s)) {
		if (hashed_only)
			return fk_fail(e, FK_ESIG,
			    _("legacy (non-prehashed) signature refused; sign again without -l"));
		if (legacy_msg == NULL)
			return fk_fail(e, FK_EUSAGE,
			    _("a legacy signature needs the whole file to verify"));
		rc = crypto_sign_verify_detached(s->sig, legacy_msg, legacy_len, pk->pk);
	} else {
		rc = crypto_sign_verify_detached(s->sig, hash, 64, pk->pk);
	}
	if (rc != 0)
		return fk_fail(e, FK_ESIG,
		    _("signature verification failed: the file was altered or the signature is "
		      "for another file"));
	global_msg_init(&g, s->sig, s->trusted, s->trusted_len);
	if (crypto_sign_verify_detached(s->global_sig, g.p, g.len, pk->pk) != 0)
		return fk_fail(e, FK_ESIG,
		    _("comment signature verification failed: the trusted comment was altered"));
	return 0;
}

int
fk_minisign_verify(const fk_minisign_pk *pk, const uint8_t *sig, size_t siglen,
    const uint8_t hash[64], const uint8_t *legacy_msg, size_t legacy_len, int hashed_only,
    char *trusted, size_t trusted_cap, fk_err *e)
{
	fk_minisign_sig *s = malloc(sizeof *s);
	int rc = -1;

	if (s == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	if (fk_minisign_sig_parse(sig, siglen, s, e) != 0 ||
	    verify_parsed(pk, s, hash, legacy_msg, legacy_len, hashed_only, e) != 0)
		goto done;
	if (trusted != NULL) {
		if (trusted_cap <= s->trusted_len) {
			fk_fail(e, FK_ELIMIT, _("the trusted comment does not fit the buffer"));
			goto done;
		}
		memcpy(trusted, s->trusted, s->trusted_len + 1);
	}
	rc = 0;
done:
	free(s);
	return rc;
}

int
fk_minisign_verify_buf(const fk_minisign_pk *pk, const uint8_t *sig, size_t siglen,
    const uint8_t *p, size_t n, char *trusted, size_t trusted_cap, fk_err *e)
{
	uint8_t hash[64];

	hash_buf(p, n, hash);
	return fk_minisign_verify(pk, sig, siglen, hash, p != NULL ? p : (const uint8_t *)"", n, 0,
	    trusted, trusted_cap, e);
}

/* Files. */

int
fk_minisign_sk_load(const char *path, const char *passfile, fk_minisign_sk **out, fk_err *e)
{
	fk_secret raw, pass = {NULL, 0};
	int enc, rc;

	*out = NULL;
	if (fk_read_secret_file(path, FK_MINISIGN_FILE_MAX, &raw, e) != 0)
		return -1;
	enc = fk_minisign_sk_encrypted(raw.p, raw.len);
	if (enc == 1) {
		char prompt[256];
		snprintf(prompt, sizeof prompt, _("Passphrase for %s: "), path);
		if (fk_pass_get(prompt, 0, passfile, &pass, e) != 0) {
			fk_secret_free(&raw);
			return -1;
		}
		fk_status(_("Deriving a key from the passphrase"), 0);
	}
	rc = fk_minisign_sk_decode(raw.p, raw.len, pass.p, pass.len, out, e);
	if (enc == 1)
		fk_status(_("Deriving a key from the passphrase"), rc == 0 ? 1 : -1);
	fk_secret_free(&pass);
	fk_secret_free(&raw);
	if (rc != 0)
		fk_prefix(e, "%s", path);
	return rc;
}

int
fk_minisign_pk_load(const char *path, fk_minisign_pk *pk, fk_err *e)
{
	fk_buf b = {0};
	int rc;

	if (fk_read_file(path, FK_MINISIGN_FILE_MAX, &b, e) != 0)
		return -1;
	rc = fk_minisign_pk_parse(b.p, b.len, pk, e);
	fk_buf_free(&b);
	if (rc != 0)
		fk_prefix(e, "%s", path);
	return rc;
}
