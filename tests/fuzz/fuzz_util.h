/*
 * fuzz_util.h - helpers shared by the libFuzzer targets (header only: the
 * fuzz CMakeLists makes a target of every fuzz_*.c, never of this file).
 *
 * - fz_key: a minisign key pair derived from a fixed seed, so documents a
 *   target signs at start-up are byte-identical across runs and a corpus
 *   saved by one run still verifies in the next.
 * - fz_mutate: applies edits chosen by the fuzzer to a valid document, so a
 *   target gets past signature checks (edits in unsigned parts) and into
 *   every refusal path behind them.
 * - fz_seed: when $FK_FUZZ_SEEDS names a directory, writes a seed input there
 *   (packaging/fuzz.sh sets it to the target's corpus directory).
 */
#ifndef FK_FUZZ_UTIL_H
#define FK_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "fk.h"
#include "minisign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A fixed key pair; seed byte s picks which. Aborts if memory is short. */
static inline fk_minisign_sk *
fz_key(uint8_t s, fk_minisign_pk *pk)
{
	fk_minisign_sk *sk = NULL;
	uint8_t seed[32];
	fk_err e;

	if (sodium_init() < 0 || fk_minisign_keygen(&sk, pk, &e) != 0)
		abort();
	memset(seed, s, sizeof seed);
	memset(sk->keynum, s ^ 0x5a, sizeof sk->keynum);
	crypto_sign_seed_keypair(pk->pk, sk->sk, seed);
	memcpy(pk->keynum, sk->keynum, sizeof pk->keynum);
	return sk;
}

/*
 * Edits a copy of valid (vlen bytes) by ops, 4 bytes per edit (at most 16):
 * kind, position (2 bytes, taken modulo the current length + 1), value.
 * kind % 5: 0 xor value, 1 insert value, 2 delete, 3 set value, 4 truncate.
 */
static inline int
fz_mutate(const uint8_t *valid, size_t vlen, const uint8_t *ops, size_t n, fk_buf *out)
{
	size_t k, pos;
	fk_err e;

	out->len = 0;
	if (fk_buf_append(out, valid, vlen, &e) != 0)
		return -1;
	for (k = 0; k + 4 <= n && k < 64; k += 4) {
		pos = ((size_t)ops[k + 1] | (size_t)ops[k + 2] << 8) % (out->len + 1);
		switch (ops[k] % 5) {
		case 0:
			if (pos < out->len)
				out->p[pos] ^= ops[k + 3] ? ops[k + 3] : 1;
			break;
		case 1:
			if (fk_buf_append(out, "", 1, &e) != 0)
				return -1;
			memmove(out->p + pos + 1, out->p + pos, out->len - 1 - pos);
			out->p[pos] = ops[k + 3];
			break;
		case 2:
			if (pos < out->len) {
				memmove(out->p + pos, out->p + pos + 1, out->len - pos - 1);
				out->len--;
			}
			break;
		case 3:
			if (pos < out->len)
				out->p[pos] = ops[k + 3];
			break;
		default:
			out->len = pos;
			break;
		}
	}
	return 0;
}

/* Writes a seed input named name into $FK_FUZZ_SEEDS, if set. */
static inline void
fz_seed(const char *name, const void *p, size_t n)
{
	const char *dir = getenv("FK_FUZZ_SEEDS");
	char path[4096];
	FILE *f;

	if (dir == NULL || *dir == '\0')
		return;
	snprintf(path, sizeof path, "%s/seed-%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL)
		return;
	if (n > 0)
		fwrite(p, 1, n, f);
	fclose(f);
}

/* Writes a seed: the byte tag followed by n bytes of p. */
static inline void
fz_seed_tagged(const char *name, uint8_t tag, const void *p, size_t n)
{
	uint8_t *b = malloc(n + 1);

	if (b == NULL)
		return;
	b[0] = tag;
	memcpy(b + 1, p, n);
	fz_seed(name, b, n + 1);
	free(b);
}

#endif
