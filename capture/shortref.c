/*
 * shortref.c - see shortref.h.
 *
 * Check: with v_k the alphabet index of character k (k = 1..8), a reference
 * is valid iff sum(k * v_k) = 0 (mod 31). 31 is prime and every weight and
 * every difference of two weights is below 31, so any one wrong character
 * and any swap of two characters changes the sum and is caught.
 */
#include "shortref.h"

#include <stdint.h>
#include <string.h>

#include <sodium.h>

#define NSYM 31

static int
sym_index(int c)
{
	const char *p;

	if (c >= 'a' && c <= 'z')
		c -= 'a' - 'A';
	if (c == '\0')
		return -1;
	p = strchr(FK_SHORTREF_ALPHABET, c);
	return p == NULL ? -1 : (int)(p - FK_SHORTREF_ALPHABET);
}

char
fk_shortref_check_char(const char data[FK_SHORTREF_LEN - 1])
{
	unsigned sum = 0;
	int k;

	for (k = 1; k < FK_SHORTREF_LEN; k++) {
		int v = sym_index((unsigned char)data[k - 1]);
		sum += (unsigned)k * (unsigned)(v < 0 ? 0 : v);
	}
	/* 8 * v8 = -sum (mod 31); 8^-1 = 4 (mod 31). */
	return FK_SHORTREF_ALPHABET[(NSYM - (4 * (sum % NSYM)) % NSYM) % NSYM];
}

void
fk_shortref_new(char out[FK_SHORTREF_LEN + 1])
{
	uint8_t r[32];
	size_t k = sizeof r;
	int i;

	/* One call for the randomness (each call may be a system call); bytes
	 * of 248 and more are dropped so every symbol is equally likely. */
	for (i = 0; i < FK_SHORTREF_LEN - 1; i++) {
		do {
			if (k == sizeof r) {
				randombytes_buf(r, sizeof r);
				k = 0;
			}
		} while (r[k++] >= 248);
		out[i] = FK_SHORTREF_ALPHABET[r[k - 1] % NSYM];
	}
	sodium_memzero(r, sizeof r);
	out[FK_SHORTREF_LEN - 1] = fk_shortref_check_char(out);
	out[FK_SHORTREF_LEN] = '\0';
}

int
fk_shortref_normalize(const char *s, size_t len, char out[FK_SHORTREF_LEN + 1])
{
	unsigned sum = 0;
	size_t i;
	int n = 0;

	for (i = 0; i < len; i++) {
		int c = (unsigned char)s[i], v;
		if (c == '-' || c == ' ')
			continue;
		v = sym_index(c);
		if (v < 0 || n >= FK_SHORTREF_LEN)
			return -1;
		out[n++] = FK_SHORTREF_ALPHABET[v];
		sum += (unsigned)n * (unsigned)v;
	}
	out[n < FK_SHORTREF_LEN ? n : FK_SHORTREF_LEN] = '\0';
	if (n != FK_SHORTREF_LEN || sum % NSYM != 0)
		return -1;
	return 0;
}

int
fk_shortref_valid(const char *s)
{
	char tmp[FK_SHORTREF_LEN + 1];

	return s != NULL && fk_shortref_normalize(s, strlen(s), tmp) == 0;
}

void
fk_shortref_format(const char ref[FK_SHORTREF_LEN + 1], char out[10])
{
	memcpy(out, ref, 4);
	out[4] = '-';
	memcpy(out + 5, ref + 4, 4);
	out[9] = '\0';
}
