/*
 * fountain.c - systematic random linear fountain code over GF(256).
 *
 * The decoder keeps its rows in reduced row echelon form: the row with pivot
 * p has coefficient 1 at p and 0 at every other pivot column. Source rows are
 * unit vectors and stay so; only repair rows carry a coefficient vector (k
 * bytes), and once all k pivots exist every row is a unit vector, so the data
 * rows are the message.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "fountain.h"
#include "gf256.h"

struct fk_fountain_dec {
	uint32_t k;
	size_t chunk;
	uint8_t sid[FK_FOUNTAIN_SID_LEN];
	uint8_t *data;    /* k * chunk: the row whose pivot is p at p * chunk */
	uint8_t *have;    /* k: pivot p present */
	uint8_t **coef;   /* k: coefficient vector of pivot row p, NULL = unit */
	uint32_t *dense;  /* pivots whose row has a coefficient vector */
	uint32_t ndense;
	uint32_t rank;
	uint8_t *tc;      /* k bytes scratch */
	uint8_t *td;      /* chunk bytes scratch */
};

void
fk_fountain_coefs(const uint8_t sid[FK_FOUNTAIN_SID_LEN], uint32_t index, uint8_t *coef,
    uint32_t k)
{
	uint8_t key[crypto_stream_chacha20_KEYBYTES] = {0};
	uint8_t nonce[crypto_stream_chacha20_NONCEBYTES] = {0};

	memcpy(key, sid, FK_FOUNTAIN_SID_LEN);
	key[8] = (uint8_t)(index >> 24);
	key[9] = (uint8_t)(index >> 16);
	key[10] = (uint8_t)(index >> 8);
	key[11] = (uint8_t)index;
	crypto_stream_chacha20(coef, k, nonce, key);
}

void
fk_fountain_encode(const uint8_t *msg, uint32_t k, size_t chunk,
    const uint8_t sid[FK_FOUNTAIN_SID_LEN], uint32_t index, uint8_t *out, uint8_t *scratch)
{
	uint32_t j;

	if (index < k) {
		memcpy(out, msg + (size_t)index * chunk, chunk);
		return;
	}
	fk_fountain_coefs(sid, index, scratch, k);
	memset(out, 0, chunk);
	for (j = 0; j < k; j++)
		fk_gf_addmul(out, msg + (size_t)j * chunk, scratch[j], chunk);
}

fk_fountain_dec *
fk_fountain_dec_new(uint32_t k, size_t chunk, const uint8_t sid[FK_FOUNTAIN_SID_LEN])
{
	fk_fountain_dec *d;

	if (k == 0 || chunk == 0 || (size_t)k > SIZE_MAX / chunk)
		return NULL;
	fk_gf_init();
	d = calloc(1, sizeof *d);
	if (d == NULL)
		return NULL;
	d->k = k;
	d->chunk = chunk;
	memcpy(d->sid, sid, FK_FOUNTAIN_SID_LEN);
	d->data = calloc(k, chunk);
	d->have = calloc(k, 1);
	d->coef = calloc(k, sizeof *d->coef);
	d->dense = calloc(k, sizeof *d->dense);
	d->tc = malloc(k);
	d->td = malloc(chunk);
	if (!d->data || !d->have || !d->coef || !d->dense || !d->tc || !d->td) {
		fk_fountain_dec_free(d);
		return NULL;
	}
	return d;
}

void
fk_fountain_dec_free(fk_fountain_dec *d)
{
	uint32_t i;

	if (d == NULL)
		return;
	if (d->coef != NULL)
		for (i = 0; i < d->k; i++)
			free(d->coef[i]);
	free(d->data);
	free(d->have);
	free(d->coef);
	free(d->dense);
	free(d->tc);
	free(d->td);
	free(d);
}

/* Removes column q from every dense row, using the new row (coef c, data x). */
static void
dec_backsub(fk_fountain_dec *d, uint32_t q, const uint8_t *c, const uint8_t *x)
{
	uint32_t i;

	for (i = 0; i < d->ndense; i++) {
		uint32_t r = d->dense[i];
		uint8_t f = d->coef[r][q];

		if (f == 0)
			continue;
		fk_gf_addmul(d->data + (size_t)r * d->chunk, x, f, d->chunk);
		if (c != NULL)
			fk_gf_addmul(d->coef[r], c, f, d->k);
		else
			d->coef[r][q] = 0;
	}
}

/* Adds a row with coefficients c (k bytes, scratch) and data x (chunk bytes, scratch). */
static int
dec_add_row(fk_fountain_dec *d, uint8_t *c, uint8_t *x)
{
	uint8_t *keep;
	uint32_t p, q;
	uint8_t f;

	for (p = 0; p < d->k; p++) {
		if (c[p] == 0 || !d->have[p])
			continue;
		f = c[p];
		fk_gf_addmul(x, d->data + (size_t)p * d->chunk, f, d->chunk);
		if (d->coef[p] != NULL)
			fk_gf_addmul(c, d->coef[p], f, d->k);
		else
			c[p] = 0;
	}
	for (q = 0; q < d->k && c[q] == 0; q++)
		;
	if (q == d->k)
		return 0;
	f = fk_gf_inv(c[q]);
	fk_gf_scale(c, f, d->k);
	fk_gf_scale(x, f, d->chunk);
	dec_backsub(d, q, c, x);
	for (p = q + 1; p < d->k && c[p] == 0; p++)
		;
	if (p < d->k) {
		keep = malloc(d->k);
		if (keep == NULL)
			return -1;
		memcpy(keep, c, d->k);
		d->coef[q] = keep;
		d->dense[d->ndense++] = q;
	}
	memcpy(d->data + (size_t)q * d->chunk, x, d->chunk);
	d->have[q] = 1;
	d->rank++;
	return 1;
}

static int
dec_add_source(fk_fountain_dec *d, uint32_t i, const uint8_t *payload)
{
	uint8_t *row = d->data + (size_t)i * d->chunk;

	if (d->have[i] && d->coef[i] == NULL)
		return 0;
	if (d->have[i]) {
		/* Pivot i is held by a repair row: reduce e_i like any other row. */
		memset(d->tc, 0, d->k);
		d->tc[i] = 1;
		memcpy(d->td, payload, d->chunk);
		return dec_add_row(d, d->tc, d->td);
	}
	/* A unit row on a free column: it only has to be removed from the dense rows. */
	memcpy(row, payload, d->chunk);
	dec_backsub(d, i, NULL, row);
	d->have[i] = 1;
	d->rank++;
	return 1;
}

static int
dec_add_repair(fk_fountain_dec *d, uint32_t index, const uint8_t *payload)
{
	fk_fountain_coefs(d->sid, index, d->tc, d->k);
	memcpy(d->td, payload, d->chunk);
	return dec_add_row(d, d->tc, d->td);
}

int
fk_fountain_dec_add(fk_fountain_dec *d, uint32_t index, const uint8_t *payload)
{
	uint32_t i;
	int rc;

	if (d->rank == d->k)
		return 0;
	rc = index < d->k ? dec_add_source(d, index, payload) :
	    dec_add_repair(d, index, payload);
	if (rc == 1 && d->rank == d->k) {
		/* Full rank in reduced echelon form: every row is a unit vector. */
		for (i = 0; i < d->ndense; i++) {
			free(d->coef[d->dense[i]]);
			d->coef[d->dense[i]] = NULL;
		}
		d->ndense = 0;
	}
	return rc;
}

uint32_t
fk_fountain_dec_rank(const fk_fountain_dec *d)
{
	return d->rank;
}

const uint8_t *
fk_fountain_dec_message(const fk_fountain_dec *d)
{
	return d->rank == d->k ? d->data : NULL;
}
