/*
 * fuzz_minisign.c - libFuzzer entry point over the minisign parsers: signature
 * files (parse and full verification, hashed and legacy), public keys (file
 * and bare base64) and secret keys (unencrypted, and the encrypted-key check
 * without a passphrase, so scrypt never runs on fuzzer-chosen costs).
 */
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "minisign.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static fk_minisign_pk pk;
	static int init;
	static fk_minisign_sig sig;
	fk_minisign_sk *sk = NULL;
	fk_minisign_pk parsed;
	char trusted[FK_MINISIGN_TRUSTED_MAX];
	uint8_t hash[64] = {0};
	fk_err e = {0};

	if (!init) {
		fk_minisign_sk *k = NULL;
		if (sodium_init() < 0 || fk_minisign_keygen(&k, &pk, &e) != 0)
			return 0;
		fk_minisign_sk_free(k);
		init = 1;
	}
	(void)fk_minisign_sig_parse(data, size, &sig, &e);
	(void)fk_minisign_verify(&pk, data, size, hash, data, size, 0, trusted, sizeof trusted, &e);
	(void)fk_minisign_verify_buf(&pk, data, size, data, size / 2, NULL, 0, &e);
	(void)fk_minisign_pk_parse(data, size, &parsed, &e);
	(void)fk_minisign_sk_encrypted(data, size);
	if (fk_minisign_sk_decode(data, size, NULL, 0, &sk, &e) == 0)
		fk_minisign_sk_free(sk);
	return 0;
}
