/*
 * test_qr_frame.c - the frame parser against malformed input: every bit flip,
 * every truncation, wrong header fields with a valid CRC, random bytes and
 * random Base45 text. Nothing may crash or be accepted wrongly. Also runs the
 * fuzz entry point over mutated frames.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <zlib.h>

#include "check.h"
#include "base45.h"
#include "qr.h"
#include "qrframe.h"

#include "../fuzz/fuzz_qrframe.c"

static uint64_t st = 88172645463325252ull;

static uint32_t
rnd(void)
{
	st ^= st << 13;
	st ^= st >> 7;
	st ^= st << 17;
	return (uint32_t)(st >> 11);
}

static void
recrc(uint8_t *p, size_t n)
{
	uint32_t c = (uint32_t)crc32(0L, p, (uInt)(n - 4));

	p[n - 4] = (uint8_t)(c >> 24);
	p[n - 3] = (uint8_t)(c >> 16);
	p[n - 2] = (uint8_t)(c >> 8);
	p[n - 1] = (uint8_t)c;
}

int
main(void)
{
	uint8_t data[700], fr[FK_QRF_MAX], m[FK_QRF_MAX], buf[FK_QRF_MAX];
	char txt[2 * FK_QRF_MAX];
	fk_qr_opts o;
	fk_qr_stream s;
	fk_qrframe f;
	fk_err e;
	size_t n, i, bad;
	int b;

	check_init();
	for (i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 31);
	fk_qr_opts_default(&o);
	o.version = 10;
	CHECK(fk_qr_stream_init(&s, data, sizeof data, &o, &e) == 0);
	n = fk_qr_stream_frame(&s, 1, fr);
	CHECK(n == s.chunk + FK_QRF_OVERHEAD);
	CHECK(fk_qrframe_parse(fr, n, &f) == 0);
	CHECK(f.k == s.k && f.len == sizeof data && f.index == 1 && f.chunk == s.chunk);
	CHECK(memcmp(f.payload, data + s.chunk, s.chunk) == 0);

	/* Every single bit flip is refused (CRC-32 catches all 1-bit errors). */
	for (bad = 0, i = 0; i < n * 8; i++) {
		memcpy(m, fr, n);
		m[i / 8] ^= (uint8_t)(1 << (i % 8));
		if (fk_qrframe_parse(m, n, &f) == 0)
			bad++;
	}
	CHECK_MSG(bad == 0, "%zu bit flips accepted", bad);
	/* Every truncation and extension is refused. */
	for (bad = 0, i = 0; i < n; i++)
		if (fk_qrframe_parse(fr, i, &f) == 0)
			bad++;
	memcpy(m, fr, n);
	m[n] = 0;
	bad += fk_qrframe_parse(m, n + 1, &f) == 0;
	CHECK_MSG(bad == 0, "%zu truncations accepted", bad);
	/* Header fields that disagree, CRC made valid: refused. */
	memcpy(m, fr, n); m[2] = 2; recrc(m, n);
	CHECK(fk_qrframe_parse(m, n, &f) != 0);           /* version */
	memcpy(m, fr, n); m[11] = 0; m[12] = 0; recrc(m, n);
	CHECK(fk_qrframe_parse(m, n, &f) != 0);           /* k = 0 */
	memcpy(m, fr, n); m[12] ^= 1; recrc(m, n);
	CHECK(fk_qrframe_parse(m, n, &f) != 0);           /* k does not match L */
	memcpy(m, fr, n); m[13] = 0xFF; recrc(m, n);
	CHECK(fk_qrframe_parse(m, n, &f) != 0);           /* L huge */
	memcpy(m, fr, n); m[17] = 0xFF; recrc(m, n);
	CHECK(fk_qrframe_parse(m, n, &f) == 0 && f.index == (0xFF000000u | 1)); /* repair index */
	/* Raw and Base45 symbols decode to the same frame. */
	fk_base45_encode(fr, n, txt);
	CHECK(fk_qrframe_from_symbol((uint8_t *)txt, fk_base45_enclen(n), buf, &f) == 0 &&
	    f.index == 1);
	CHECK(fk_qrframe_from_symbol(fr, n, buf, &f) == 0 && f.index == 1);
	txt[7] = 'a';
	CHECK(fk_qrframe_from_symbol((uint8_t *)txt, fk_base45_enclen(n), buf, &f) != 0);
	CHECK(fk_qrframe_from_symbol((const uint8_t *)"", 0, buf, &f) != 0);
	CHECK(fk_qrframe_from_symbol((const uint8_t *)"FQ", 2, buf, &f) != 0);
	/* A huge symbol is refused without overflowing buf. */
	{
		static uint8_t big[3 * FK_QRF_MAX];

		memset(big, '0', sizeof big);
		CHECK(fk_qrframe_from_symbol(big, sizeof big, buf, &f) != 0);
		memcpy(big, fr, 3);
		CHECK(fk_qrframe_from_symbol(big, sizeof big, buf, &f) != 0);
	}
	/* Random bytes and random alphanumeric text: never accepted, never a crash. */
	for (bad = 0, i = 0; i < 20000; i++) {
		size_t len = rnd() % 800, j;

		for (j = 0; j < len; j++)
			m[j] = (uint8_t)rnd();
		if (i % 2) {
			m[0] = 'F';
			m[1] = 'Q';
			m[2] = 1;
		}
		bad += fk_qrframe_from_symbol(m, len, buf, &f) == 0;
		for (j = 0; j < len; j++)
			txt[j] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"[rnd() % 45];
		bad += fk_qrframe_from_symbol((uint8_t *)txt, len, buf, &f) == 0;
	}
	CHECK_MSG(bad == 0, "%zu random inputs accepted", bad);
	/* The fuzz entry point over mutations of real frames. */
	for (i = 0; i < 3000; i++) {
		size_t len = n, j;

		memcpy(m, fr, n);
		for (b = 0; b < 1 + (int)(rnd() % 4); b++)
			m[rnd() % n] = (uint8_t)rnd();
		if (i % 3 == 0)
			len = rnd() % (n + 1);
		for (j = 0; j < len && i % 5 == 0; j++)
			m[j] = (uint8_t)rnd();
		LLVMFuzzerTestOneInput(m, len);
	}
	LLVMFuzzerTestOneInput(fr, n);
	CHECK(1);
	fk_qr_stream_free(&s);
	return check_done("qr frame");
}
