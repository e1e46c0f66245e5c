/*
 * bech32.c - see bech32.h.
 */
#include "bech32.h"

#include <string.h>

static const char charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

static uint32_t
polymod_step(uint32_t chk, uint8_t v)
{
	static const uint32_t gen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd,
	    0x2a1462b3};
	uint8_t top = (uint8_t)(chk >> 25);
	int i;

	chk = ((chk & 0x1ffffff) << 5) ^ v;
	for (i = 0; i < 5; i++)
		if ((top >> i) & 1)
			chk ^= gen[i];
	return chk;
}

static int
lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

static uint32_t
hrp_polymod(const char *hrp, size_t n)
{
	uint32_t chk = 1;
	size_t i;

	for (i = 0; i < n; i++)
		chk = polymod_step(chk, (uint8_t)(lower((unsigned char)hrp[i]) >> 5));
	chk = polymod_step(chk, 0);
	for (i = 0; i < n; i++)
		chk = polymod_step(chk, (uint8_t)(lower((unsigned char)hrp[i]) & 31));
	return chk;
}

int
fk_bech32_encode(char *out, size_t outcap, const char *hrp, const uint8_t *data,
    size_t len, int upper)
{
	size_t hlen = strlen(hrp), o = 0, i;
	uint32_t chk, acc = 0;
	int bits = 0;
	uint8_t v;

	/* hrp + '1' + ceil(len*8/5) + 6 + NUL */
	if (outcap < hlen + 1 + (len * 8 + 4) / 5 + 6 + 1)
		return -1;
	chk = hrp_polymod(hrp, hlen);
	for (i = 0; i < hlen; i++)
		out[o++] = (char)lower((unsigned char)hrp[i]);
	out[o++] = '1';
	for (i = 0; i < len; i++) {
		acc = (acc << 8) | data[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			v = (acc >> bits) & 31;
			chk = polymod_step(chk, v);
			out[o++] = charset[v];
		}
	}
	if (bits > 0) {
		v = (acc << (5 - bits)) & 31;
		chk = polymod_step(chk, v);
		out[o++] = charset[v];
	}
	for (i = 0; i < 6; i++)
		chk = polymod_step(chk, 0);
	chk ^= 1;
	for (i = 0; i < 6; i++)
		out[o++] = charset[(chk >> (5 * (5 - i))) & 31];
	out[o] = '\0';
	if (upper)
		for (i = 0; i < o; i++)
			if (out[i] >= 'a' && out[i] <= 'z')
				out[i] = (char)(out[i] - 32);
	acc = 0;
	return (int)o;
}

int
fk_bech32_decode(const char *s, size_t slen, char *hrp, size_t hrpcap, uint8_t *data,
    size_t datacap, size_t *datalen)
{
	int has_lower = 0, has_upper = 0, bits = 0;
	size_t i, sep = 0, found = 0, o = 0;
	uint32_t chk, acc = 0;

	for (i = 0; i < slen; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 33 || c > 126)
			return -1;
		if (c >= 'a' && c <= 'z')
			has_lower = 1;
		if (c >= 'A' && c <= 'Z')
			has_upper = 1;
		if (c == '1') {
			sep = i;
			found = 1;
		}
	}
	if (has_lower && has_upper)
		return -1;
	if (!found || sep < 1 || sep + 7 > slen || sep + 1 > hrpcap)
		return -1;
	memcpy(hrp, s, sep);
	hrp[sep] = '\0';
	chk = hrp_polymod(s, sep);
	for (i = sep + 1; i < slen; i++) {
		const char *p = strchr(charset, lower((unsigned char)s[i]));
		uint8_t v;
		if (p == NULL || *p == '\0')
			return -1;
		v = (uint8_t)(p - charset);
		chk = polymod_step(chk, v);
		if (i + 6 < slen) {
			acc = (acc << 5) | v;
			bits += 5;
			if (bits >= 8) {
				bits -= 8;
				if (o >= datacap)
					return -1;
				data[o++] = (uint8_t)(acc >> bits);
			}
		}
	}
	if (chk != 1)
		return -1;
	/* Leftover bits must be fewer than 5 and zero. */
	if (bits >= 5 || (acc & ((1u << bits) - 1)) != 0)
		return -1;
	*datalen = o;
	return 0;
}
