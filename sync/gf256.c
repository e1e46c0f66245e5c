/*
 * gf256.c - GF(2^8) arithmetic, polynomial 0x11D, generator 2.
 *
 * A full 64 KiB multiplication table makes region operations one lookup per
 * byte. Tables are built once, on first use.
 */
#include <pthread.h>
#include <string.h>

#include "gf256.h"

static uint8_t gf_exp[512];
static uint8_t gf_log[256];
static uint8_t gf_mul_tab[256][256];
static pthread_once_t gf_once = PTHREAD_ONCE_INIT;

static void
gf_build(void)
{
	unsigned x = 1;
	int i, a, b;

	for (i = 0; i < 255; i++) {
		gf_exp[i] = (uint8_t)x;
		gf_log[x] = (uint8_t)i;
		x <<= 1;
		if (x & 0x100)
			x ^= 0x11D;
	}
	for (i = 255; i < 512; i++)
		gf_exp[i] = gf_exp[i - 255];
	for (a = 0; a < 256; a++)
		for (b = 0; b < 256; b++)
			gf_mul_tab[a][b] = (a == 0 || b == 0) ? 0 :
			    gf_exp[gf_log[a] + gf_log[b]];
}

void
fk_gf_init(void)
{
	pthread_once(&gf_once, gf_build);
}

uint8_t
fk_gf_mul(uint8_t a, uint8_t b)
{
	fk_gf_init();
	return gf_mul_tab[a][b];
}

uint8_t
fk_gf_inv(uint8_t a)
{
	fk_gf_init();
	if (a == 0)
		return 0;
	return gf_exp[255 - gf_log[a]];
}

void
fk_gf_addmul(uint8_t *dst, const uint8_t *src, uint8_t c, size_t n)
{
	const uint8_t *t;
	size_t i;

	if (c == 0)
		return;
	if (c == 1) {
		for (i = 0; i < n; i++)
			dst[i] ^= src[i];
		return;
	}
	fk_gf_init();
	t = gf_mul_tab[c];
	for (i = 0; i < n; i++)
		dst[i] ^= t[src[i]];
}

void
fk_gf_scale(uint8_t *dst, uint8_t c, size_t n)
{
	const uint8_t *t;
	size_t i;

	if (c == 1)
		return;
	if (c == 0) {
		memset(dst, 0, n);
		return;
	}
	fk_gf_init();
	t = gf_mul_tab[c];
	for (i = 0; i < n; i++)
		dst[i] = t[dst[i]];
}
