/*
 * test_store_util.h - helpers shared by the capture layer's unit tests: a
 * throw-away device home with a hub key pair the test holds, and opening
 * sealed records the way the hub does.
 */
#ifndef FK_TEST_STORE_UTIL_H
#define FK_TEST_STORE_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>
#include <zstd.h>

#include "age.h"
#include "device.h"
#include "record.h"
#include "store.h"
#include "tmpdir.h"

static inline char *
tu_tmpdir(const char *tag)
{
	return test_tmpdir(tag);
}

/* A device (not written to disk) encrypting to one hub key we hold. */
static inline void
tu_device(fk_device *d, const char *home, fk_age_identities *ids)
{
	uint8_t sk[32], pk[32];
	fk_err e;

	memset(d, 0, sizeof *d);
	d->home = strdup(home);
	fk_uuid(d->device_id);
	fk_time_rfc3339(1700000000, d->created);
	d->att_limit = FK_DEVICE_DEFAULT_ATT_LIMIT;
	d->nhubs = 1;
	snprintf(d->hubs[0].name, sizeof d->hubs[0].name, "test hub");
	fk_age_keygen(sk, pk);
	fk_age_format_recipient(pk, d->hubs[0].recip[0]);
	d->hubs[0].nrecip = 1;
	snprintf(d->hubs[0].sign_pubkey, sizeof d->hubs[0].sign_pubkey, "%s",
	    "RWQYvmnjczjhH1jbaw54Oi+Q9/t8kpURrtbeH+zE8fElNSVh63RaOZBp");
	memset(ids, 0, sizeof *ids);
	if (fk_age_identities_add(ids, sk, &e) != 0)
		abort();
	sodium_memzero(sk, sizeof sk);
}

/* Decrypts and decompresses a record's ciphertext into a JSON tree, or NULL. */
static inline json_t *
tu_open_record(const fk_age_identities *ids, const uint8_t *ct, size_t n)
{
	fk_buf z = { 0 };
	fk_err e;
	unsigned long long sz;
	char *plain;
	json_t *j = NULL;

	if (fk_age_decrypt_buf(ids, ct, n, 0, &z, &e) != 0)
		return NULL;
	sz = ZSTD_getFrameContentSize(z.p, z.len);
	if (sz != ZSTD_CONTENTSIZE_ERROR && sz != ZSTD_CONTENTSIZE_UNKNOWN &&
	    (plain = malloc(sz + 1)) != NULL) {
		size_t r = ZSTD_decompress(plain, sz, z.p, z.len);
		if (!ZSTD_isError(r) && r == sz)
			j = json_loadb(plain, sz, 0, NULL);
		free(plain);
	}
	fk_buf_free(&z);
	return j;
}

static inline void
tu_rmrf(const char *dir)
{
	char cmd[1024];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

#endif
