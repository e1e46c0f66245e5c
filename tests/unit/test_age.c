/*
 * test_age.c - the age core through its API: round trips at chunk
 * boundaries, armor, several recipients, passphrases, keys, and every
 * failure path we can provoke (truncation, flipped bytes, wrong keys,
 * work-factor cap, garbage).
 */
#include <string.h>

#include "age.h"
#include "bech32.h"
#include "check.h"
#include "hkdf.h"

static fk_age_identities ids1, ids2;
static fk_age_recipients rec1, rec12;

static int
give_pass(void *ctx, fk_secret *out, fk_err *e)
{
	const char *p = ctx;

	if (fk_secret_alloc(out, strlen(p), e) != 0)
		return -1;
	memcpy(out->p, p, strlen(p));
	return 0;
}

static void
setup(void)
{
	uint8_t sk[32], pk[32];

	fk_age_keygen(sk, pk);
	CHECK(fk_age_identities_add(&ids1, sk, NULL) == 0);
	CHECK(fk_age_recipients_add(&rec1, pk, NULL) == 0);
	CHECK(fk_age_recipients_add(&rec12, pk, NULL) == 0);
	fk_age_keygen(sk, pk);
	CHECK(fk_age_identities_add(&ids2, sk, NULL) == 0);
	CHECK(fk_age_recipients_add(&rec12, pk, NULL) == 0);
}

static void
roundtrip(size_t len, int armor)
{
	uint8_t *pt = malloc(len + 1);
	fk_buf ct = {0}, out = {0};
	fk_err e = {0};

	randombytes_buf(pt, len);
	CHECK(fk_age_encrypt_buf(&rec12, armor, pt, len, &ct, &e) == 0);
	CHECK_MSG(fk_age_decrypt_buf(&ids1, ct.p, ct.len, 0, &out, &e) == 0, "len %zu: %s", len,
	    e.msg);
	CHECK(out.len == len && (len == 0 || memcmp(out.p, pt, len) == 0));
	out.len = 0;
	CHECK(fk_age_decrypt_buf(&ids2, ct.p, ct.len, 0, &out, &e) == 0);
	CHECK(out.len == len);
	/* Overhead for two recipients, binary: 200 + 98 bytes + 16 per chunk. */
	if (!armor)
		CHECK(ct.len == len + 298 + 16 * (len == 0 ? 0 : (len - 1) / FK_AGE_CHUNK));
	fk_buf_free(&ct);
	fk_buf_free(&out);
	free(pt);
}

static void
test_roundtrips(void)
{
	size_t sizes[] = {0, 1, 47, 48, 49, 1000, FK_AGE_CHUNK - 1, FK_AGE_CHUNK, FK_AGE_CHUNK + 1,
	    2 * FK_AGE_CHUNK, 3 * FK_AGE_CHUNK + 17};
	size_t i;

	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		roundtrip(sizes[i], 0);
		roundtrip(sizes[i], 1);
	}
}

static void
test_streaming_writes(void)
{
	/* Many odd-sized writes give the same plaintext as one. */
	uint8_t pt[200000];
	fk_buf ct = {0}, out = {0};
	fk_err e = {0};
	fk_age_enc *x;
	size_t off = 0, step = 1;

	randombytes_buf(pt, sizeof pt);
	x = fk_age_enc_new(&rec1, 0, fk_buf_sink(&ct), &e);
	CHECK(x != NULL);
	while (off < sizeof pt) {
		size_t n = step < sizeof pt - off ? step : sizeof pt - off;
		CHECK(fk_age_enc_write(x, pt + off, n, &e) == 0);
		off += n;
		step = step * 3 + 1;
	}
	CHECK(fk_age_enc_finish(x, &e) == 0);
	CHECK(fk_age_enc_write(x, pt, 1, &e) != 0 && e.code == FK_ESTATE);
	fk_age_enc_free(x);
	CHECK(fk_age_decrypt_buf(&ids1, ct.p, ct.len, 0, &out, &e) == 0);
	CHECK(out.len == sizeof pt && memcmp(out.p, pt, sizeof pt) == 0);
	/* The max limit is enforced. */
	out.len = 0;
	CHECK(fk_age_decrypt_buf(&ids1, ct.p, ct.len, 1000, &out, &e) != 0 && e.code == FK_ELIMIT);
	fk_buf_free(&ct);
	fk_buf_free(&out);
}

static void
test_tampering(void)
{
	uint8_t pt[100000];
	fk_buf ct = {0}, out = {0};
	fk_err e = {0};
	size_t i, pos;

	randombytes_buf(pt, sizeof pt);
	CHECK(fk_age_encrypt_buf(&rec1, 0, pt, sizeof pt, &ct, &e) == 0);
	/* Every truncation fails; none yields the whole plaintext. */
	for (i = 0; i < ct.len; i += (i < 300 ? 1 : 997)) {
		out.len = 0;
		CHECK_MSG(fk_age_decrypt_buf(&ids1, ct.p, i, 0, &out, &e) != 0, "trunc %zu", i);
		CHECK(out.len < sizeof pt);
	}
	/* A flipped bit anywhere fails with a header, MAC or payload error. */
	for (i = 0; i < 400; i++) {
		pos = i < 250 ? i : randombytes_uniform((uint32_t)ct.len);
		ct.p[pos] ^= 0x04;
		out.len = 0;
		fk_err_clear(&e);
		CHECK_MSG(fk_age_decrypt_buf(&ids1, ct.p, ct.len, 0, &out, &e) != 0, "flip %zu", pos);
		CHECK(e.code == FK_EHEADER || e.code == FK_EHMAC || e.code == FK_EPAYLOAD ||
		    e.code == FK_ENOMATCH);
		ct.p[pos] ^= 0x04;
	}
	/* Trailing data after the final chunk. */
	CHECK(fk_buf_append(&ct, "x", 1, NULL) == 0);
	out.len = 0;
	CHECK(fk_age_decrypt_buf(&ids1, ct.p, ct.len, 0, &out, &e) != 0 && e.code == FK_EPAYLOAD);
	ct.len--;
	/* The wrong key: no match. */
	out.len = 0;
	CHECK(fk_age_decrypt_buf(&ids2, ct.p, ct.len, 0, &out, &e) != 0 && e.code == FK_ENOMATCH);
	CHECK(out.len == 0);
	/* No identities at all: no match, never a crash. */
	CHECK(fk_age_decrypt_buf(NULL, ct.p, ct.len, 0, &out, &e) != 0 && e.code == FK_ENOMATCH);
	fk_buf_free(&ct);
	fk_buf_free(&out);
}

static void
test_passphrase(void)
{
	fk_age_recipients r = {0};
	fk_age_identities ids = {0};
	fk_buf ct = {0}, out = {0};
	fk_err e = {0};
	const char *msg = "hello";

	r.pass = (const uint8_t *)"correct horse";
	r.passlen = 13;
	r.logn = 10;
	CHECK(fk_age_encrypt_buf(&r, 0, (const uint8_t *)msg, 5, &ct, &e) == 0);
	ids.get_pass = give_pass;
	ids.pass_ctx = (void *)"correct horse";
	CHECK(fk_age_decrypt_buf(&ids, ct.p, ct.len, 0, &out, &e) == 0);
	CHECK(out.len == 5 && memcmp(out.p, msg, 5) == 0);
	ids.pass_ctx = (void *)"wrong";
	CHECK(fk_age_decrypt_buf(&ids, ct.p, ct.len, 0, &out, &e) != 0 && e.code == FK_ENOMATCH);
	/* Identities without a passphrase source: no match, clear message. */
	CHECK(fk_age_decrypt_buf(&ids1, ct.p, ct.len, 0, &out, &e) != 0 && e.code == FK_ENOMATCH);
	/* A work factor over the cap is refused before any work is done. */
	fk_buf_free(&ct);
	r.logn = 12;
	CHECK(fk_age_encrypt_buf(&r, 0, (const uint8_t *)msg, 5, &ct, &e) == 0);
	ids.pass_ctx = (void *)"correct horse";
	ids.max_logn = 11;
	CHECK(fk_age_decrypt_buf(&ids, ct.p, ct.len, 0, &out, &e) != 0 && e.code == FK_EHEADER);
	CHECK(strstr(e.msg, "work factor") != NULL);
	/* Recipients and a passphrase cannot be mixed. */
	r.n = rec1.n;
	r.pk = rec1.pk;
	CHECK(fk_age_encrypt_buf(&r, 0, (const uint8_t *)msg, 5, &ct, &e) != 0);
	fk_buf_free(&ct);
	fk_buf_free(&out);
}

static void
test_keys(void)
{
	uint8_t sk[32], pk[32], pk2[32], sk2[32];
	char rec[FK_AGE_RECIPIENT_LEN + 1], id[FK_AGE_IDENTITY_LEN + 1];
	fk_err e = {0};
	fk_age_recipients r = {0};
	fk_age_identities ids = {0};
	const char *text;

	fk_age_keygen(sk, pk);
	fk_age_format_recipient(pk, rec);
	fk_age_format_identity(sk, id);
	CHECK(strlen(rec) == FK_AGE_RECIPIENT_LEN && strncmp(rec, "age1", 4) == 0);
	CHECK(strlen(id) == FK_AGE_IDENTITY_LEN && strncmp(id, "AGE-SECRET-KEY-1", 16) == 0);
	CHECK(fk_age_parse_recipient(rec, strlen(rec), pk2, &e) == 0 && memcmp(pk, pk2, 32) == 0);
	CHECK(fk_age_parse_identity(id, strlen(id), sk2, &e) == 0 && memcmp(sk, sk2, 32) == 0);
	/* A key made by age-keygen. */
	text = "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj";
	CHECK(fk_age_parse_recipient(text, strlen(text), pk2, &e) == 0);
	/* Wrong kind, bad checksum, mixed case, truncated, garbage: refused. */
	CHECK(fk_age_parse_recipient(id, strlen(id), pk2, &e) != 0 && e.code == FK_EKEY);
	CHECK(fk_age_parse_identity(rec, strlen(rec), sk2, &e) != 0);
	rec[10] = rec[10] == 'q' ? 'p' : 'q';
	CHECK(fk_age_parse_recipient(rec, strlen(rec), pk2, &e) != 0);
	CHECK(fk_age_parse_recipient("Age1abc", 7, pk2, &e) != 0);
	CHECK(fk_age_parse_recipient(text, 30, pk2, &e) != 0);
	CHECK(fk_age_parse_recipient("", 0, pk2, &e) != 0);
	CHECK(fk_age_parse_recipient("\xff\xfe", 2, pk2, &e) != 0);
	/* Files: comments and blank lines skipped; any bad line refused with its number. */
	text = "# a comment\n\nage1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj\n";
	CHECK(fk_age_recipients_parse(&r, (const uint8_t *)text, strlen(text), &e) == 0 && r.n == 1);
	text = "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj\nnonsense\n";
	CHECK(fk_age_recipients_parse(&r, (const uint8_t *)text, strlen(text), &e) != 0);
	CHECK(strstr(e.msg, "line 2") != NULL);
	CHECK(fk_age_identities_parse(&ids, (const uint8_t *)"# only\n", 7, &e) != 0);
	CHECK(fk_age_identities_parse(&ids, (const uint8_t *)id, strlen(id), &e) == 0 && ids.n == 1);
	fk_age_recipients_free(&r);
	fk_age_identities_free(&ids);
}

static void
test_hkdf(void)
{
	/* RFC 5869 test case 1. */
	uint8_t ikm[22], salt[13], out[42], want[42];
	char info[11];
	size_t i;

	memset(ikm, 0x0b, sizeof ikm);
	for (i = 0; i < 13; i++)
		salt[i] = (uint8_t)i;
	for (i = 0; i < 10; i++)
		info[i] = (char)(0xf0 + i);
	info[10] = '\0';
	sodium_hex2bin(want, sizeof want,
	    "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
	    84, NULL, NULL, NULL);
	fk_hkdf_sha256(out, sizeof out, ikm, sizeof ikm, salt, sizeof salt, info);
	CHECK(memcmp(out, want, sizeof out) == 0);
}

static void
test_garbage(void)
{
	uint8_t junk[5000];
	fk_buf out = {0};
	fk_err e = {0};
	int i;
	const char *hdrs[] = {
		"age-encryption.org/v1\n",
		"age-encryption.org/v1\n-> X25519\n--- \n",
		"age-encryption.org/v1\n-> X25519 AAAA\n\n--- AAAA\n",
		"age-encryption.org/v2\n-> X25519 AAAA\n",
		"-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n-----END AGE ENCRYPTED FILE-----\n",
		"-----BEGIN AGE ENCRYPTED FILE-----\n",
	};

	for (i = 0; i < 200; i++) {
		size_t n = randombytes_uniform(sizeof junk);
		randombytes_buf(junk, n);
		if (i % 2)
			memcpy(junk, "age-encryption.org/v1\n", n > 22 ? 22 : n);
		out.len = 0;
		CHECK(fk_age_decrypt_buf(&ids1, junk, n, 0, &out, &e) != 0);
	}
	for (i = 0; i < (int)(sizeof hdrs / sizeof hdrs[0]); i++)
		CHECK(fk_age_decrypt_buf(&ids1, (const uint8_t *)hdrs[i], strlen(hdrs[i]), 0, &out,
			  &e) != 0);
	/* High bytes are not base64, whatever libsodium 1.0.18's decoder thinks. */
	{
		fk_buf ct = {0};
		size_t k;
		CHECK(fk_age_encrypt_buf(&rec1, 0, (const uint8_t *)"x", 1, &ct, &e) == 0);
		for (k = 0; k < ct.len - 32; k++)
			if (ct.p[k] == '\n' && ct.p[k + 1] == '-' && ct.p[k + 2] == '-')
				break;
		/* the byte before "\n---" ends the stanza body */
		ct.p[k - 1] = 0xC1;
		CHECK(fk_age_decrypt_buf(&ids1, ct.p, ct.len, 0, &out, &e) != 0 &&
		    e.code == FK_EHEADER);
		fk_buf_free(&ct);
	}
	/* A header line far longer than any real one. */
	{
		static uint8_t big[20000];
		memcpy(big, "age-encryption.org/v1\n-> ", 25);
		memset(big + 25, 'A', sizeof big - 25);
		CHECK(fk_age_decrypt_buf(&ids1, big, sizeof big, 0, &out, &e) != 0 &&
		    e.code == FK_EHEADER);
	}
	fk_buf_free(&out);
}

int
main(void)
{
	check_init();
	setup();
	test_hkdf();
	test_keys();
	test_roundtrips();
	test_streaming_writes();
	test_tampering();
	test_passphrase();
	test_garbage();
	fk_age_identities_free(&ids1);
	fk_age_identities_free(&ids2);
	fk_age_recipients_free(&rec1);
	fk_age_recipients_free(&rec12);
	return check_done("age core");
}
