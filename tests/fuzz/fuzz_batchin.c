/*
 * fuzz_batchin.c - libFuzzer entry over the cutting of a batch input into
 * records (capture/batch.h fk_batch_in: JSON Lines, or one pretty-printed
 * document), the reader `fieldkit capture FORM --from FILE` puts between a
 * file from anywhere and the JSON parser.
 *
 * Input: byte 0 = the record limit (8 + byte * 4, so that records over it are
 * common), byte 1 = the seed of the chunk sizes the input is read in; the
 * rest is the batch. Every record must hold to the reader's promises: within
 * the limit, not blank, on a later line than the one before, no '\n' in a
 * JSON Lines record, no more bytes than the input, one document at most;
 * and the same records must come whatever the chunk sizes (read again whole).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "batch.h"

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t n);

struct src {
	const uint8_t *p;
	size_t n, pos;
	uint32_t seed;
};

static int
rd(void *ctx, uint8_t *buf, size_t cap, size_t *got, fk_err *e)
{
	struct src *s = ctx;
	size_t k = s->n - s->pos;
	size_t step;

	(void)e;
	if (s->seed != 0) {
		s->seed = s->seed * 1103515245u + 12345u;
		step = 1 + (s->seed >> 16) % 37;
		if (k > step)
			k = step;
	}
	if (k > cap)
		k = cap;
	memcpy(buf, s->p + s->pos, k);
	s->pos += k;
	*got = k;
	return 0;
}

/* A digest of the records: lines, lengths and bytes (FNV-1a). */
static uint64_t
run(const uint8_t *p, size_t n, size_t max, uint32_t seed)
{
	struct src s = { p, n, 0, seed };
	fk_batch_in r;
	fk_batch_rec rec;
	fk_err e = { 0 };
	uint64_t h = 1469598103934665603ull;
	long last = 0;
	size_t total = 0, i, docs = 0;
	int rc;

	if (fk_batch_in_init(&r, rd, &s, max, &e) != 0)
		abort();
	while ((rc = fk_batch_in_next(&r, &rec, &e)) == 1) {
		if (docs > 0) /* a document is the whole input */
			abort();
		if (rec.line <= last)
			abort();
		last = rec.line;
		if (rec.toolong) {
			if (rec.p != NULL || rec.n != 0)
				abort();
		} else {
			int blank = 1, nl = 0;
			if (rec.n == 0 || rec.n > max)
				abort();
			for (i = 0; i < rec.n; i++) {
				blank &= rec.p[i] == ' ' || rec.p[i] == '\t' || rec.p[i] == '\r';
				nl |= rec.p[i] == '\n';
			}
			if (blank)
				abort();
			docs += nl;
			total += rec.n;
			for (i = 0; i < rec.n; i++)
				h = (h ^ rec.p[i]) * 1099511628211ull;
		}
		h = (h ^ (uint64_t)rec.line) * 1099511628211ull;
		h = (h ^ (uint64_t)rec.toolong) * 1099511628211ull;
	}
	if (rc != 0 || total > n || docs > 1 || fk_batch_in_next(&r, &rec, &e) != 0)
		abort();
	fk_batch_in_free(&r);
	return h;
}

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t n)
{
	size_t max;
	uint32_t seed;

	static int ready;

	if (!ready) {
		if (sodium_init() < 0)
			abort();
		ready = 1;
	}
	if (n < 2)
		return 0;
	max = 8 + (size_t)p[0] * 4;
	seed = p[1] | 0x100u;
	if (run(p + 2, n - 2, max, seed) != run(p + 2, n - 2, max, 0))
		abort();
	return 0;
}
