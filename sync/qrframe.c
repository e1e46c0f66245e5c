/*
 * qrframe.c - building and parsing QR stream frames.
 */
#include <string.h>

#include <zlib.h>

#include "base45.h"
#include "qrframe.h"

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint32_t
fk_qrframe_k(uint64_t len, size_t chunk)
{
	uint64_t k;

	if (chunk == 0)
		return 0;
	k = (len + FK_QRF_HASHLEN + chunk - 1) / chunk;
	return k > 0xFFFF ? 0 : (uint32_t)k;
}

size_t
fk_qrframe_build(const fk_qrframe *f, uint8_t *out)
{
	size_t n = FK_QRF_HEADER + f->chunk;

	out[0] = 'F';
	out[1] = 'Q';
	out[2] = FK_QRF_VERSION;
	memcpy(out + 3, f->sid, 8);
	out[11] = (uint8_t)(f->k >> 8);
	out[12] = (uint8_t)f->k;
	put32(out + 13, f->len);
	put32(out + 17, f->index);
	memmove(out + FK_QRF_HEADER, f->payload, f->chunk);
	put32(out + n, (uint32_t)crc32(0L, out, (uInt)n));
	return n + 4;
}

int
fk_qrframe_parse(const uint8_t *p, size_t n, fk_qrframe *f)
{
	if (n < FK_QRF_OVERHEAD + 1 || n > FK_QRF_MAX)
		return -1;
	if (p[0] != 'F' || p[1] != 'Q' || p[2] != FK_QRF_VERSION)
		return -1;
	if (get32(p + n - 4) != (uint32_t)crc32(0L, p, (uInt)(n - 4)))
		return -1;
	memcpy(f->sid, p + 3, 8);
	f->k = (uint32_t)p[11] << 8 | p[12];
	f->len = get32(p + 13);
	f->index = get32(p + 17);
	f->chunk = n - FK_QRF_OVERHEAD;
	f->payload = p + FK_QRF_HEADER;
	if (f->k == 0 || fk_qrframe_k(f->len, f->chunk) != f->k)
		return -1;
	return 0;
}

int
fk_qrframe_from_symbol(const uint8_t *sym, size_t n, uint8_t *buf, fk_qrframe *f)
{
	long m;

	if (n >= 3 && sym[0] == 'F' && sym[1] == 'Q' && sym[2] == FK_QRF_VERSION) {
		if (n > FK_QRF_MAX)
			return -1;
		memcpy(buf, sym, n);
		return fk_qrframe_parse(buf, n, f);
	}
	if (n > fk_base45_enclen(FK_QRF_MAX))
		return -1;
	m = fk_base45_decode((const char *)sym, n, buf);
	if (m < 0)
		return -1;
	return fk_qrframe_parse(buf, (size_t)m, f);
}
