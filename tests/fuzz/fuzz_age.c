/*
 * fuzz_age.c - libFuzzer entry point over the age decoder (header parser,
 * armor reader, payload reader) with a fixed identity and passphrase.
 */
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "age.h"

static int
give_pass(void *ctx, fk_secret *out, fk_err *e)
{
	(void)ctx;
	if (fk_secret_alloc(out, 8, e) != 0)
		return -1;
	memcpy(out->p, "password", 8);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static fk_age_identities ids;
	static int init;
	fk_buf out = {0};
	fk_err e = {0};

	if (!init) {
		uint8_t sk[32], pk[32];
		if (sodium_init() < 0)
			return 0;
		fk_age_keygen(sk, pk);
		if (fk_age_identities_add(&ids, sk, &e) != 0)
			return 0;
		ids.get_pass = give_pass;
		ids.max_logn = 10; /* keep each run fast */
		init = 1;
	}
	(void)fk_age_decrypt_buf(&ids, data, size, 1 << 20, &out, &e);
	fk_buf_free(&out);
	return 0;
}
