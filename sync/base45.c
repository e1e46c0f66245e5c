/*
 * base45.c - Base45 (RFC 9285).
 */
#include "base45.h"

static const char b45_alpha[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

size_t
fk_base45_enclen(size_t n)
{
	return n / 2 * 3 + (n % 2) * 2;
}

void
fk_base45_encode(const uint8_t *in, size_t n, char *out)
{
	size_t i;
	unsigned v;

	for (i = 0; i + 1 < n; i += 2) {
		v = (unsigned)in[i] * 256 + in[i + 1];
		*out++ = b45_alpha[v % 45];
		*out++ = b45_alpha[v / 45 % 45];
		*out++ = b45_alpha[v / 2025];
	}
	if (i < n) {
		v = in[i];
		*out++ = b45_alpha[v % 45];
		*out++ = b45_alpha[v / 45];
	}
}

static int
b45_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	switch (c) {
	case ' ': return 36;
	case '$': return 37;
	case '%': return 38;
	case '*': return 39;
	case '+': return 40;
	case '-': return 41;
	case '.': return 42;
	case '/': return 43;
	case ':': return 44;
	default: return -1;
	}
}

long
fk_base45_decode(const char *in, size_t len, uint8_t *out)
{
	size_t i, o = 0;
	int a, b, c;
	unsigned long v;

	if (len % 3 == 1)
		return -1;
	for (i = 0; i < len; i += 3) {
		a = b45_val(in[i]);
		b = b45_val(in[i + 1]);
		if (a < 0 || b < 0)
			return -1;
		if (i + 2 < len) {
			c = b45_val(in[i + 2]);
			if (c < 0)
				return -1;
			v = (unsigned long)a + (unsigned long)b * 45 + (unsigned long)c * 2025;
			if (v > 0xFFFF)
				return -1;
			out[o++] = (uint8_t)(v >> 8);
			out[o++] = (uint8_t)v;
		} else {
			v = (unsigned long)a + (unsigned long)b * 45;
			if (v > 0xFF)
				return -1;
			out[o++] = (uint8_t)v;
		}
	}
	return (long)o;
}
