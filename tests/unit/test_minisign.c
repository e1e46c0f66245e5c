/*
 * test_minisign.c - minisign keys and signatures: round trips, known-answer
 * vectors made by minisign 0.11 (tests/data/minisign), tampering, and
 * malformed input of every kind.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "minisign.h"

/* A low scrypt cost so tests are fast. */
#define T_OPS 32768ULL
#define T_MEM 1048576ULL

static const char *testdata;

static void
read_data(const char *name, fk_buf *b)
{
	char path[1024];
	fk_err e = {0};

	snprintf(path, sizeof path, "%s/minisign/%s", testdata, name);
	b->len = 0;
	if (fk_read_file(path, 1 << 20, b, &e) != 0) {
		fprintf(stderr, "cannot read %s: %s\n", path, e.msg);
		exit(1);
	}
}

static int
verify_text(const fk_minisign_pk *pk, const char *sig, const uint8_t *msg, size_t n,
    fk_err *e)
{
	char tc[FK_MINISIGN_TRUSTED_MAX];

	return fk_minisign_verify_buf(pk, (const uint8_t *)sig, strlen(sig), msg, n, tc, sizeof tc, e);
}

/* Base64 of bytes, NUL-terminated, into out. */
static void
b64(const uint8_t *p, size_t n, char *out, size_t cap)
{
	sodium_bin2base64(out, cap, p, n, sodium_base64_VARIANT_ORIGINAL);
}

/* Builds a signature file text from parts. */
static void
build_sig(char *out, size_t cap, const char *untrusted, const char *alg, const uint8_t keynum[8],
    const uint8_t sig[64], const char *trusted, const uint8_t gsig[64])
{
	uint8_t raw[74];
	char l2[128], l4[128];

	memcpy(raw, alg, 2);
	memcpy(raw + 2, keynum, 8);
	memcpy(raw + 10, sig, 64);
	b64(raw, sizeof raw, l2, sizeof l2);
	b64(gsig, 64, l4, sizeof l4);
	snprintf(out, cap, "untrusted comment: %s\n%s\ntrusted comment: %s\n%s\n", untrusted, l2,
	    trusted, l4);
}

static void
test_keys(void)
{
	fk_minisign_sk *sk = NULL, *sk2 = NULL;
	fk_minisign_pk pk, pk2, pk3;
	fk_buf pub = {0};
	fk_secret text = {NULL, 0};
	fk_err e = {0};
	char id[17], head[64];
	const uint8_t pass[] = "correct horse";

	CHECK(fk_minisign_keygen(&sk, &pk, &e) == 0);
	fk_minisign_sk_public(sk, &pk2);
	CHECK(memcmp(&pk, &pk2, sizeof pk) == 0);

	/* Public key text: the exact comment line, then 56 characters. */
	CHECK(fk_minisign_pk_encode(&pk, &pub, &e) == 0);
	fk_minisign_keyid_hex(pk.keynum, id);
	CHECK(strlen(id) == 16 && strspn(id, "0123456789ABCDEF") == 16);
	snprintf(head, sizeof head, "untrusted comment: minisign public key %s\n", id);
	CHECK(pub.len == strlen(head) + 57 && memcmp(pub.p, head, strlen(head)) == 0);
	CHECK(pub.p[pub.len - 1] == '\n');
	CHECK(fk_minisign_pk_parse(pub.p, pub.len, &pk3, &e) == 0);
	CHECK(memcmp(&pk, &pk3, sizeof pk) == 0);
	/* A bare key (minisign -P), with or without its line end. */
	memset(&pk3, 0, sizeof pk3);
	CHECK(fk_minisign_pk_parse(pub.p + strlen(head), 56, &pk3, &e) == 0);
	CHECK(memcmp(&pk, &pk3, sizeof pk) == 0);
	CHECK(fk_minisign_pk_parse(pub.p + strlen(head), 57, &pk3, &e) == 0);
	CHECK(fk_minisign_pk_parse(pub.p + strlen(head), 55, &pk3, &e) != 0 && e.code == FK_EKEY);
	/* Every truncation of the file but the final line end fails. */
	for (size_t n = 0; n + 1 < pub.len; n++)
		CHECK_MSG(fk_minisign_pk_parse(pub.p, n, &pk3, &e) != 0, "pk truncated to %zu", n);

	/* Unencrypted secret key. */
	CHECK(fk_minisign_sk_encode(sk, NULL, 0, &text, &e) == 0);
	CHECK(fk_minisign_sk_encrypted(text.p, text.len) == 0);
	CHECK(text.len == strlen("untrusted comment: minisign encrypted secret key\n") + 213);
	CHECK(fk_minisign_sk_decode(text.p, text.len, NULL, 0, &sk2, &e) == 0);
	CHECK(sk2 != NULL && memcmp(sk2, sk, sizeof *sk) == 0);
	fk_minisign_sk_free(sk2);
	sk2 = NULL;
	/* A passphrase given for an unencrypted key is ignored. */
	CHECK(fk_minisign_sk_decode(text.p, text.len, pass, 5, &sk2, &e) == 0);
	fk_minisign_sk_free(sk2);
	sk2 = NULL;
	fk_secret_free(&text);

	/* Encrypted secret key (low cost), right and wrong passphrases. */
	CHECK(fk_minisign_sk_encode_limits(sk, pass, sizeof pass - 1, T_OPS, T_MEM, &text, &e) == 0);
	CHECK(fk_minisign_sk_encrypted(text.p, text.len) == 1);
	CHECK(fk_minisign_sk_decode(text.p, text.len, pass, sizeof pass - 1, &sk2, &e) == 0);
	CHECK(sk2 != NULL && memcmp(sk2, sk, sizeof *sk) == 0);
	fk_minisign_sk_free(sk2);
	sk2 = NULL;
	CHECK(fk_minisign_sk_decode(text.p, text.len, pass, sizeof pass - 2, &sk2, &e) != 0);
	CHECK(e.code == FK_EPASS && strstr(e.msg, "wrong passphrase") != NULL && sk2 == NULL);
	CHECK(fk_minisign_sk_decode(text.p, text.len, NULL, 0, &sk2, &e) != 0 && e.code == FK_EPASS);
	for (size_t n = 0; n + 1 < text.len; n++)
		CHECK_MSG(fk_minisign_sk_decode(text.p, n, NULL, 0, &sk2, &e) != 0,
		    "sk truncated to %zu", n);
	fk_secret_free(&text);
	fk_minisign_sk_free(sk);
	fk_buf_free(&pub);
}

/* Rewrites the secret key structure of text through f, then re-encodes it. */
static void
sk_edit(const fk_secret *text, void (*f)(uint8_t *st), char *out, size_t cap)
{
	const char *nl = memchr(text->p, '\n', text->len);
	size_t head = (size_t)((const uint8_t *)nl - text->p) + 1;
	uint8_t st[158];
	size_t got;
	char line[256];

	sodium_base642bin(st, sizeof st, (const char *)text->p + head, 212, NULL, &got, NULL,
	    sodium_base64_VARIANT_ORIGINAL);
	f(st);
	b64(st, sizeof st, line, sizeof line);
	snprintf(out, cap, "%.*s%s\n", (int)head, (const char *)text->p, line);
}

static void
set_huge_mem(uint8_t *st)
{
	st[46 + 7] = 1; /* memlimit 2^56 */
}

static void
set_kdf_x(uint8_t *st)
{
	st[2] = 'X';
}

static void
set_sigalg_x(uint8_t *st)
{
	st[1] = 'D';
}

static void
set_chk_x(uint8_t *st)
{
	st[4] = 'b';
}

static void
flip_sk(uint8_t *st)
{
	st[62 + 5] ^= 1;
}

static void
flip_pk_half(uint8_t *st)
{
	st[62 + 40] ^= 1;
}

static void
set_chk_bad(uint8_t *st)
{
	st[126] = 1;
}

static void
test_sk_damage(void)
{
	fk_minisign_sk *sk = NULL, *sk2 = NULL;
	fk_minisign_pk pk;
	fk_secret text, enc;
	fk_err e = {0};
	char edited[512];

	CHECK(fk_minisign_keygen(&sk, &pk, &e) == 0);
	CHECK(fk_minisign_sk_encode(sk, NULL, 0, &text, &e) == 0);
	CHECK(fk_minisign_sk_encode_limits(sk, (const uint8_t *)"pw", 2, T_OPS, T_MEM, &enc, &e) == 0);

	sk_edit(&enc, set_huge_mem, edited, sizeof edited);
	CHECK(fk_minisign_sk_decode((uint8_t *)edited, strlen(edited), (const uint8_t *)"pw", 2,
	    &sk2, &e) != 0 && e.code == FK_ELIMIT);
	sk_edit(&text, set_kdf_x, edited, sizeof edited);
	CHECK(fk_minisign_sk_decode((uint8_t *)edited, strlen(edited), NULL, 0, &sk2, &e) != 0 &&
	    e.code == FK_EKEY);
	CHECK(fk_minisign_sk_encrypted((uint8_t *)edited, strlen(edited)) == -1);
	sk_edit(&text, set_sigalg_x, edited, sizeof edited);
	CHECK(fk_minisign_sk_decode((uint8_t *)edited, strlen(edited), NULL, 0, &sk2, &e) != 0 &&
	    e.code == FK_EKEY);
	sk_edit(&text, set_chk_x, edited, sizeof edited);
	CHECK(fk_minisign_sk_decode((uint8_t *)edited, strlen(edited), NULL, 0, &sk2, &e) != 0 &&
	    e.code == FK_EKEY);
	sk_edit(&text, flip_sk, edited, sizeof edited);
	CHECK(fk_minisign_sk_decode((uint8_t *)edited, strlen(edited), NULL, 0, &sk2, &e) != 0 &&
	    e.code == FK_EKEY);
	sk_edit(&text, flip_pk_half, edited, sizeof edited);
	CHECK(fk_minisign_sk_decode((uint8_t *)edited, strlen(edited), NULL, 0, &sk2, &e) != 0 &&
	    e.code == FK_EKEY);
	sk_edit(&text, set_chk_bad, edited, sizeof edited);
	CHECK(fk_minisign_sk_decode((uint8_t *)edited, strlen(edited), NULL, 0, &sk2, &e) != 0 &&
	    e.code == FK_EKEY);
	/* A damaged encrypted key reads as a wrong passphrase (the checksum is all we have). */
	sk_edit(&enc, flip_sk, edited, sizeof edited);
	CHECK(fk_minisign_sk_decode((uint8_t *)edited, strlen(edited), (const uint8_t *)"pw", 2,
	    &sk2, &e) != 0 && e.code == FK_EPASS);
	/* Not a key at all; wrong first line; trailing text. */
	CHECK(fk_minisign_sk_decode((const uint8_t *)"hello\n", 6, NULL, 0, &sk2, &e) != 0);
	memcpy(edited, text.p, text.len);
	edited[0] = 'U';
	CHECK(fk_minisign_sk_decode((uint8_t *)edited, text.len, NULL, 0, &sk2, &e) != 0);
	memcpy(edited, text.p, text.len);
	memcpy(edited + text.len, "x\n", 2);
	CHECK(fk_minisign_sk_decode((uint8_t *)edited, text.len + 2, NULL, 0, &sk2, &e) != 0);
	memcpy(edited + text.len, "\n\n", 2);
	CHECK(fk_minisign_sk_decode((uint8_t *)edited, text.len + 2, NULL, 0, &sk2, &e) == 0);
	fk_minisign_sk_free(sk2);
	CHECK(sk2 != NULL);
	fk_secret_free(&text);
	fk_secret_free(&enc);
	fk_minisign_sk_free(sk);
}

/* The scrypt cost fk_minisign_sk_encode writes (64 MiB; one real derivation). */
static void
test_default_cost(void)
{
	fk_minisign_sk *sk = NULL;
	fk_minisign_pk pk;
	fk_secret text;
	fk_err e = {0};
	uint8_t st[158];
	size_t got = 0;
	const char *nl;

	CHECK(fk_minisign_keygen(&sk, &pk, &e) == 0);
	CHECK(fk_minisign_sk_encode(sk, (const uint8_t *)"pw", 2, &text, &e) == 0);
	nl = memchr(text.p, '\n', text.len);
	CHECK(nl != NULL && sodium_base642bin(st, sizeof st, nl + 1, 212, NULL, &got, NULL,
	    sodium_base64_VARIANT_ORIGINAL) == 0 && got == 158);
	CHECK(memcmp(st, "EdScB2", 6) == 0);
	CHECK(st[38 + 2] == 0x20 && st[38 + 3] == 0 && st[38 + 0] == 0 && st[38 + 4] == 0); /* 2097152 LE */
	CHECK(st[46 + 3] == 0x04 && st[46 + 0] == 0 && st[46 + 4] == 0); /* 67108864 LE */
	/* Decoding at this cost is left to tests/cli/sig_interop.sh. */
	fk_secret_free(&text);
	fk_minisign_sk_free(sk);
}

static void
test_sign_verify(void)
{
	fk_minisign_sk *sk = NULL, *other = NULL;
	fk_minisign_pk pk, opk;
	fk_buf sig = {0}, sig2 = {0};
	fk_err e = {0};
	char tc[FK_MINISIGN_TRUSTED_MAX], *s;
	const uint8_t msg[] = "the family report of 2026-11-27";
	uint8_t hash[64];
	fk_minisign_hasher h;
	fk_minisign_sig ps;

	CHECK(fk_minisign_keygen(&sk, &pk, &e) == 0);
	CHECK(fk_minisign_keygen(&other, &opk, &e) == 0);
	CHECK(fk_minisign_sign_buf(sk, msg, sizeof msg, "timestamp:1\tfile:x\thashed", NULL, &sig,
	    &e) == 0);
	CHECK(fk_buf_append(&sig, "", 1, &e) == 0);
	sig.len--;
	s = (char *)sig.p;
	CHECK(strncmp(s, "untrusted comment: signature from minisign secret key\n", 54) == 0);
	CHECK(fk_minisign_verify_buf(&pk, sig.p, sig.len, msg, sizeof msg, tc, sizeof tc, &e) == 0);
	CHECK(strcmp(tc, "timestamp:1\tfile:x\thashed") == 0);
	/* The trusted comment must fit the caller's buffer. */
	CHECK(fk_minisign_verify_buf(&pk, sig.p, sig.len, msg, sizeof msg, tc, 10, &e) != 0 &&
	    e.code == FK_ELIMIT);
	CHECK(fk_minisign_verify_buf(&pk, sig.p, sig.len, msg, sizeof msg, NULL, 0, &e) == 0);
	/* Streaming hash in pieces equals one go; verify with hash only, hashed-only. */
	fk_minisign_hash_init(&h);
	fk_minisign_hash_update(&h, msg, 5);
	fk_minisign_hash_update(&h, msg + 5, sizeof msg - 5);
	fk_minisign_hash_final(&h, hash);
	CHECK(fk_minisign_verify(&pk, sig.p, sig.len, hash, NULL, 0, 1, NULL, 0, &e) == 0);
	/* Tampered message; wrong key (id named in the error). */
	CHECK(fk_minisign_verify_buf(&pk, sig.p, sig.len, msg, sizeof msg - 1, NULL, 0, &e) != 0 &&
	    e.code == FK_ESIG);
	CHECK(fk_minisign_verify_buf(&opk, sig.p, sig.len, msg, sizeof msg, NULL, 0, &e) != 0 &&
	    e.code == FK_ESIG);
	{
		char a[17], b[17];
		fk_minisign_keyid_hex(pk.keynum, a);
		fk_minisign_keyid_hex(opk.keynum, b);
		CHECK(strstr(e.msg, a) != NULL && strstr(e.msg, b) != NULL);
	}
	/* A key with the right id but the wrong Ed25519 key. */
	memcpy(opk.keynum, pk.keynum, 8);
	CHECK(fk_minisign_verify_buf(&opk, sig.p, sig.len, msg, sizeof msg, NULL, 0, &e) != 0 &&
	    e.code == FK_ESIG);

	/* Tampered trusted comment: same length, one character changed. */
	CHECK(fk_minisign_sig_parse(sig.p, sig.len, &ps, &e) == 0);
	CHECK(!fk_minisign_sig_legacy(&ps) && memcmp(ps.keynum, pk.keynum, 8) == 0);
	{
		char *t = strstr(s, "timestamp:1");
		t[10] = '2';
		CHECK(fk_minisign_verify_buf(&pk, sig.p, sig.len, msg, sizeof msg, NULL, 0, &e) != 0 &&
		    e.code == FK_ESIG && strstr(e.msg, "comment") != NULL);
		t[10] = '1';
	}
	/* Tampered key id inside the signature. */
	{
		char tampered[1024];
		uint8_t kn[8];
		memcpy(kn, ps.keynum, 8);
		kn[0] ^= 1;
		build_sig(tampered, sizeof tampered, "x", "ED", kn, ps.sig, ps.trusted, ps.global_sig);
		CHECK(verify_text(&pk, tampered, msg, sizeof msg, &e) != 0 && e.code == FK_ESIG &&
		    strstr(e.msg, "wrong key") != NULL);
		/* The untrusted comment is not signed: changing it is fine. */
		build_sig(tampered, sizeof tampered, "anything", "ED", ps.keynum, ps.sig, ps.trusted,
		    ps.global_sig);
		CHECK(verify_text(&pk, tampered, msg, sizeof msg, &e) == 0);
		/* Unsupported algorithm. */
		build_sig(tampered, sizeof tampered, "x", "EX", ps.keynum, ps.sig, ps.trusted,
		    ps.global_sig);
		CHECK(verify_text(&pk, tampered, msg, sizeof msg, &e) != 0 && e.code == FK_EINPUT);
		/* "ED" relabelled "Ed" fails as legacy. */
		build_sig(tampered, sizeof tampered, "x", "Ed", ps.keynum, ps.sig, ps.trusted,
		    ps.global_sig);
		CHECK(verify_text(&pk, tampered, msg, sizeof msg, &e) != 0 && e.code == FK_ESIG);
	}
	/* Untrusted comment given. */
	CHECK(fk_minisign_sign_hash(sk, hash, "t", "made by the hub", &sig2, &e) == 0);
	CHECK(sig2.len > 35 && memcmp(sig2.p, "untrusted comment: made by the hub\n", 35) == 0);
	CHECK(fk_minisign_verify(&pk, sig2.p, sig2.len, hash, NULL, 0, 0, tc, sizeof tc, &e) == 0 &&
	    strcmp(tc, "t") == 0);
	/* Comment rules when signing. */
	sig2.len = 0;
	CHECK(fk_minisign_sign_hash(sk, hash, "a\nb", NULL, &sig2, &e) != 0 && e.code == FK_EUSAGE);
	CHECK(fk_minisign_sign_hash(sk, hash, "a", "b\rc", &sig2, &e) != 0 && e.code == FK_EUSAGE);
	CHECK(fk_minisign_sign_hash(sk, hash, NULL, NULL, &sig2, &e) != 0);
	CHECK(sig2.len == 0);
	/* Every single-byte change outside the untrusted comment text breaks it. */
	{
		size_t ustart = strlen("untrusted comment: ");
		size_t uend = (size_t)(strchr(s, '\n') - s);
		static const uint8_t masks[] = {0x01, 0x20, 0x80, 0x0c};
		for (size_t i = 0; i < sig.len; i++) {
			for (size_t m = 0; m < sizeof masks; m++) {
				int rc;
				sig.p[i] ^= masks[m];
				rc = fk_minisign_verify_buf(&pk, sig.p, sig.len, msg, sizeof msg, NULL, 0, &e);
				if (i < ustart || i >= uend)
					CHECK_MSG(rc != 0, "byte %zu ^ %02x accepted", i, masks[m]);
				sig.p[i] ^= masks[m];
			}
		}
		/* Every truncation fails, except dropping the last line end. */
		for (size_t n = 0; n < sig.len; n++) {
			int rc = fk_minisign_verify_buf(&pk, sig.p, n, msg, sizeof msg, NULL, 0, &e);
			if (n + 1 == sig.len)
				CHECK(rc == 0);
			else
				CHECK_MSG(rc != 0, "truncated to %zu accepted", n);
		}
	}
	fk_buf_free(&sig);
	fk_buf_free(&sig2);
	fk_minisign_sk_free(sk);
	fk_minisign_sk_free(other);
}

/* Line ends, trailing text, lengths, comment limits. */
static void
test_malformed(void)
{
	fk_minisign_sk *sk = NULL;
	fk_minisign_pk pk;
	fk_buf sig = {0};
	fk_err e = {0};
	fk_minisign_sig ps;
	const uint8_t msg[] = "m";
	static char big[20000], crlf[20000];
	char *tc = malloc(FK_MINISIGN_TRUSTED_MAX + 10), *uc = malloc(FK_MINISIGN_UNTRUSTED_MAX + 10);
	uint8_t hash[64];
	size_t i, j;

	CHECK(fk_minisign_keygen(&sk, &pk, &e) == 0);
	CHECK(fk_minisign_sign_buf(sk, msg, 1, "tc", NULL, &sig, &e) == 0);
	/* CRLF line ends are tolerated, as minisign does. */
	for (i = j = 0; i < sig.len; i++) {
		if (sig.p[i] == '\n')
			crlf[j++] = '\r';
		crlf[j++] = (char)sig.p[i];
	}
	CHECK(fk_minisign_verify_buf(&pk, (uint8_t *)crlf, j, msg, 1, NULL, 0, &e) == 0);
	/* Trailing blank lines are fine; trailing text is not; a NUL is not. */
	memcpy(big, sig.p, sig.len);
	memcpy(big + sig.len, "\n\r\n", 3);
	CHECK(fk_minisign_verify_buf(&pk, (uint8_t *)big, sig.len + 3, msg, 1, NULL, 0, &e) == 0);
	memcpy(big + sig.len, "x\n", 2);
	CHECK(fk_minisign_verify_buf(&pk, (uint8_t *)big, sig.len + 2, msg, 1, NULL, 0, &e) != 0 &&
	    e.code == FK_EINPUT);
	memcpy(big, sig.p, sig.len);
	big[strstr(big, "trusted comment: tc") - big + 17] = '\0';
	CHECK(fk_minisign_sig_parse((uint8_t *)big, sig.len, &ps, &e) != 0 && e.code == FK_EINPUT);
	/* Missing lines. */
	CHECK(fk_minisign_sig_parse((const uint8_t *)"", 0, &ps, &e) != 0 && e.code == FK_EINPUT);
	CHECK(fk_minisign_sig_parse((const uint8_t *)"untrusted comment: x\n", 21, &ps, &e) != 0);
	/* Wrong lengths: base64 of 73 and 75 bytes, an unpadded line, a non-canonical one. */
	{
		uint8_t raw[75] = {'E', 'D'};
		char l2[200], text[600], l4[100];
		CHECK(fk_minisign_sig_parse(sig.p, sig.len, &ps, &e) == 0);
		b64(ps.global_sig, 64, l4, sizeof l4);
		b64(raw, 73, l2, sizeof l2);
		snprintf(text, sizeof text, "untrusted comment: x\n%s\ntrusted comment: tc\n%s\n", l2, l4);
		CHECK(fk_minisign_sig_parse((uint8_t *)text, strlen(text), &ps, &e) != 0);
		b64(raw, 75, l2, sizeof l2);
		snprintf(text, sizeof text, "untrusted comment: x\n%s\ntrusted comment: tc\n%s\n", l2, l4);
		CHECK(fk_minisign_sig_parse((uint8_t *)text, strlen(text), &ps, &e) != 0);
		b64(raw, 74, l2, sizeof l2);
		CHECK(l2[99] == '=');
		snprintf(text, sizeof text, "untrusted comment: x\n%s\ntrusted comment: tc\n%s\n", l2, l4);
		CHECK(fk_minisign_sig_parse((uint8_t *)text, strlen(text), &ps, &e) == 0);
		l2[99] = '\0'; /* no padding */
		snprintf(text, sizeof text, "untrusted comment: x\n%s\ntrusted comment: tc\n%s\n", l2, l4);
		CHECK(fk_minisign_sig_parse((uint8_t *)text, strlen(text), &ps, &e) != 0);
		b64(raw, 74, l2, sizeof l2);
		l2[98] = 'B'; /* "A=" -> "B=": non-zero unused bits */
		snprintf(text, sizeof text, "untrusted comment: x\n%s\ntrusted comment: tc\n%s\n", l2, l4);
		CHECK(fk_minisign_sig_parse((uint8_t *)text, strlen(text), &ps, &e) != 0);
		b64(raw, 74, l2, sizeof l2);
		snprintf(text, sizeof text, "untrusted comment: x\n %s\ntrusted comment: tc\n%s\n", l2, l4);
		CHECK(fk_minisign_sig_parse((uint8_t *)text, strlen(text), &ps, &e) != 0);
		snprintf(text, sizeof text, "untrusted comment: x\n%s\nTrusted comment: tc\n%s\n", l2, l4);
		CHECK(fk_minisign_sig_parse((uint8_t *)text, strlen(text), &ps, &e) != 0);
		snprintf(text, sizeof text, "untrusted comment x\n%s\ntrusted comment: tc\n%s\n", l2, l4);
		CHECK(fk_minisign_sig_parse((uint8_t *)text, strlen(text), &ps, &e) != 0);
		snprintf(text, sizeof text, "untrusted comment: x\n%s\ntrusted comment: tc\n", l2);
		CHECK(fk_minisign_sig_parse((uint8_t *)text, strlen(text), &ps, &e) != 0);
	}
	/* Comment limits: the longest minisign writes pass, one more byte fails. */
	memset(hash, 7, sizeof hash);
	memset(tc, 'a', FK_MINISIGN_TRUSTED_MAX + 10);
	tc[FK_MINISIGN_TRUSTED_MAX - 18] = '\0'; /* 8174: too long */
	sig.len = 0;
	CHECK(fk_minisign_sign_hash(sk, hash, tc, NULL, &sig, &e) != 0 && e.code == FK_ELIMIT);
	tc[FK_MINISIGN_TRUSTED_MAX - 19] = '\0'; /* 8173 */
	CHECK(fk_minisign_sign_hash(sk, hash, tc, NULL, &sig, &e) == 0);
	CHECK(fk_minisign_verify(&pk, sig.p, sig.len, hash, NULL, 0, 0, NULL, 0, &e) == 0);
	/* Lengthen the trusted comment by one byte in the file: refused as too long. */
	{
		char *t = strstr((char *)sig.p, "trusted comment: a");
		size_t off = (size_t)(t - (char *)sig.p) + 17;
		memcpy(big, sig.p, off);
		big[off] = 'a';
		memcpy(big + off + 1, sig.p + off, sig.len - off);
		CHECK(fk_minisign_sig_parse((uint8_t *)big, sig.len + 1, &ps, &e) != 0 &&
		    strstr(e.msg, "longer") != NULL);
	}
	memset(uc, 'u', FK_MINISIGN_UNTRUSTED_MAX + 10);
	uc[FK_MINISIGN_UNTRUSTED_MAX - 20] = '\0'; /* 1004: too long */
	sig.len = 0;
	CHECK(fk_minisign_sign_hash(sk, hash, "t", uc, &sig, &e) != 0 && e.code == FK_ELIMIT);
	uc[FK_MINISIGN_UNTRUSTED_MAX - 21] = '\0'; /* 1003 */
	CHECK(fk_minisign_sign_hash(sk, hash, "t", uc, &sig, &e) == 0);
	CHECK(fk_minisign_verify(&pk, sig.p, sig.len, hash, NULL, 0, 0, NULL, 0, &e) == 0);
	memcpy(big, "untrusted comment: u", 20);
	memcpy(big + 20, sig.p + 19, sig.len - 19);
	CHECK(fk_minisign_sig_parse((uint8_t *)big, sig.len + 1, &ps, &e) != 0);
	/* Public keys: wrong algorithm, wrong length. */
	{
		uint8_t raw[43] = {'E', 'd'};
		char l[100];
		fk_minisign_pk k;
		b64(raw, 42, l, sizeof l);
		CHECK(fk_minisign_pk_parse((uint8_t *)l, strlen(l), &k, &e) == 0);
		raw[1] = 'D';
		b64(raw, 42, l, sizeof l);
		CHECK(fk_minisign_pk_parse((uint8_t *)l, strlen(l), &k, &e) != 0 && e.code == FK_EKEY);
		b64(raw, 43, l, sizeof l);
		CHECK(fk_minisign_pk_parse((uint8_t *)l, strlen(l), &k, &e) != 0);
		b64(raw, 41, l, sizeof l);
		CHECK(fk_minisign_pk_parse((uint8_t *)l, strlen(l), &k, &e) != 0);
		CHECK(fk_minisign_pk_parse((const uint8_t *)"", 0, &k, &e) != 0);
		CHECK(fk_minisign_pk_parse((const uint8_t *)"untrusted comment: x\n", 21, &k, &e) != 0);
	}
	free(tc);
	free(uc);
	fk_buf_free(&sig);
	fk_minisign_sk_free(sk);
}

/* Legacy "Ed": Ed25519 over the file itself, built here by hand with libsodium. */
static void
test_legacy(void)
{
	fk_minisign_sk *sk = NULL;
	fk_minisign_pk pk;
	fk_err e = {0};
	const uint8_t msg[] = "legacy message";
	uint8_t sig[64], gmsg[64 + 2], gsig[64], hash[64] = {0};
	char text[1024], tc[64];

	CHECK(fk_minisign_keygen(&sk, &pk, &e) == 0);
	crypto_sign_detached(sig, NULL, msg, sizeof msg, sk->sk);
	memcpy(gmsg, sig, 64);
	memcpy(gmsg + 64, "lc", 2);
	crypto_sign_detached(gsig, NULL, gmsg, sizeof gmsg, sk->sk);
	build_sig(text, sizeof text, "legacy", "Ed", sk->keynum, sig, "lc", gsig);
	CHECK(verify_text(&pk, text, msg, sizeof msg, &e) == 0);
	CHECK(fk_minisign_verify(&pk, (uint8_t *)text, strlen(text), hash, msg, sizeof msg, 0, tc,
	    sizeof tc, &e) == 0 && strcmp(tc, "lc") == 0);
	CHECK(fk_minisign_verify(&pk, (uint8_t *)text, strlen(text), hash, msg, sizeof msg, 1, NULL,
	    0, &e) != 0 && e.code == FK_ESIG && strstr(e.msg, "legacy") != NULL);
	CHECK(fk_minisign_verify(&pk, (uint8_t *)text, strlen(text), hash, NULL, 0, 0, NULL, 0,
	    &e) != 0);
	CHECK(verify_text(&pk, text, msg, sizeof msg - 1, &e) != 0 && e.code == FK_ESIG);
	fk_minisign_sk_free(sk);
}

/* Files made by minisign 0.11 (tests/data/minisign). */
static void
test_known_answers(void)
{
	fk_buf pub = {0}, key = {0}, msg = {0}, sig = {0}, lsig = {0}, emsg = {0}, esig = {0},
	    elsig = {0}, ours = {0};
	fk_minisign_pk pk;
	fk_minisign_sk *sk = NULL;
	fk_secret enc = {NULL, 0};
	fk_err e = {0};
	char tc[FK_MINISIGN_TRUSTED_MAX], id[17];
	uint8_t hash[64];

	read_data("kat.pub", &pub);
	read_data("kat.key", &key);
	read_data("kat.msg", &msg);
	read_data("kat.msg.minisig", &sig);
	read_data("kat.msg.legacy.minisig", &lsig);
	read_data("empty.msg", &emsg);
	read_data("empty.msg.minisig", &esig);
	read_data("empty.msg.legacy.minisig", &elsig);

	CHECK(fk_minisign_pk_parse(pub.p, pub.len, &pk, &e) == 0);
	fk_minisign_keyid_hex(pk.keynum, id);
	CHECK(strcmp(id, "4723FE70044C86B2") == 0);
	CHECK(fk_minisign_verify_buf(&pk, sig.p, sig.len, msg.p, msg.len, tc, sizeof tc, &e) == 0);
	CHECK(strcmp(tc, "fieldkit known-answer vector (hashed)") == 0);
	CHECK(fk_minisign_verify_buf(&pk, lsig.p, lsig.len, msg.p, msg.len, tc, sizeof tc, &e) == 0);
	CHECK(strcmp(tc, "fieldkit known-answer vector (legacy)") == 0);
	CHECK(fk_minisign_verify_buf(&pk, esig.p, esig.len, NULL, 0, NULL, 0, &e) == 0);
	CHECK(fk_minisign_verify_buf(&pk, elsig.p, elsig.len, NULL, 0, NULL, 0, &e) == 0);
	CHECK(fk_minisign_verify_buf(&pk, esig.p, esig.len, msg.p, msg.len, NULL, 0, &e) != 0);
	CHECK(fk_minisign_verify_buf(&pk, lsig.p, lsig.len, NULL, 0, NULL, 0, &e) != 0);

	/* Altered copies: message, trusted comment. */
	msg.p[0] ^= 1;
	CHECK(fk_minisign_verify_buf(&pk, sig.p, sig.len, msg.p, msg.len, NULL, 0, &e) != 0);
	CHECK(fk_minisign_verify_buf(&pk, lsig.p, lsig.len, msg.p, msg.len, NULL, 0, &e) != 0);
	msg.p[0] ^= 1;
	{
		char *t = strstr((char *)sig.p, "(hashed)");
		CHECK(t != NULL);
		if (t != NULL) {
			t[1] = 'H';
			CHECK(fk_minisign_verify_buf(&pk, sig.p, sig.len, msg.p, msg.len, NULL, 0, &e) !=
			    0 && e.code == FK_ESIG);
			t[1] = 'h';
		}
	}

	/* The minisign -W key decodes, and encodes back byte for byte. */
	CHECK(fk_minisign_sk_encrypted(key.p, key.len) == 0);
	CHECK(fk_minisign_sk_decode(key.p, key.len, NULL, 0, &sk, &e) == 0);
	if (sk != NULL) {
		CHECK(memcmp(sk->keynum, pk.keynum, 8) == 0 && memcmp(sk->sk + 32, pk.pk, 32) == 0);
		CHECK(fk_minisign_sk_encode(sk, NULL, 0, &enc, &e) == 0);
		CHECK(enc.len == key.len && memcmp(enc.p, key.p, key.len) == 0);
		/* Ed25519 is deterministic: our signature is minisign's, byte for byte. */
		fk_minisign_hasher h;
		fk_minisign_hash_init(&h);
		fk_minisign_hash_update(&h, msg.p, msg.len);
		fk_minisign_hash_final(&h, hash);
		CHECK(fk_minisign_sign_hash(sk, hash, "fieldkit known-answer vector (hashed)",
		    "made with minisign 0.11", &ours, &e) == 0);
		CHECK(ours.len == sig.len && memcmp(ours.p, sig.p, sig.len) == 0);
	}
	fk_secret_free(&enc);
	fk_minisign_sk_free(sk);
	fk_buf_free(&pub);
	fk_buf_free(&key);
	fk_buf_free(&msg);
	fk_buf_free(&sig);
	fk_buf_free(&lsig);
	fk_buf_free(&emsg);
	fk_buf_free(&esig);
	fk_buf_free(&elsig);
	fk_buf_free(&ours);
}

static void
test_files(void)
{
	const char *tmp = getenv("TMPDIR");
	char skpath[1024], pkpath[1024], tc[128];
	fk_minisign_sk *sk = NULL, *sk2 = NULL;
	fk_minisign_pk pk, pk2;
	fk_secret text;
	fk_buf pub = {0};
	fk_err e = {0};

	snprintf(skpath, sizeof skpath, "%s/test_minisign_%d.key", tmp ? tmp : "/tmp", (int)getpid());
	snprintf(pkpath, sizeof pkpath, "%s/test_minisign_%d.pub", tmp ? tmp : "/tmp", (int)getpid());
	CHECK(fk_minisign_keygen(&sk, &pk, &e) == 0);
	CHECK(fk_minisign_sk_encode(sk, NULL, 0, &text, &e) == 0);
	CHECK(fk_minisign_pk_encode(&pk, &pub, &e) == 0);
	CHECK(fk_write_secret_file(skpath, text.p, text.len, 1, &e) == 0);
	CHECK(fk_write_file_atomic(pkpath, pub.p, pub.len, 0644, &e) == 0);
	CHECK(fk_minisign_sk_load(skpath, NULL, &sk2, &e) == 0);
	CHECK(sk2 != NULL && memcmp(sk2, sk, sizeof *sk) == 0);
	fk_minisign_sk_free(sk2);
	sk2 = NULL;
	CHECK(fk_minisign_pk_load(pkpath, &pk2, &e) == 0 && memcmp(&pk, &pk2, sizeof pk) == 0);
	/* A secret key others can read is refused. */
	CHECK(chmod(skpath, 0640) == 0);
	CHECK(fk_minisign_sk_load(skpath, NULL, &sk2, &e) != 0 && e.code == FK_EPERM);
	CHECK(sk2 == NULL);
	unlink(skpath);
	unlink(pkpath);
	CHECK(fk_minisign_pk_load(pkpath, &pk2, &e) != 0 && e.code == FK_EIO);
	fk_minisign_default_trusted("/a/b/report.age", 1795799498, tc, sizeof tc);
	CHECK(strcmp(tc, "timestamp:1795799498\tfile:report.age\thashed") == 0);
	fk_minisign_default_trusted("plain", 0, tc, sizeof tc);
	CHECK(strcmp(tc, "timestamp:0\tfile:plain\thashed") == 0);
	fk_secret_free(&text);
	fk_buf_free(&pub);
	fk_minisign_sk_free(sk);
}

int
main(void)
{
	check_init();
	testdata = getenv("FK_TESTDATA");
	if (testdata == NULL)
		testdata = "tests/data";
	test_keys();
	test_sk_damage();
	test_default_cost();
	test_sign_verify();
	test_malformed();
	test_legacy();
	test_known_answers();
	test_files();
	return check_done("minisign");
}
