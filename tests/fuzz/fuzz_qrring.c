/*
 * fuzz_qrring.c - libFuzzer entry point for what reads a camera's picture:
 * the ring finder and its rectification (sync/qrring.c) and the whole
 * reader behind them (fk_qr_rx_scan: ring, zbar, zxing, frame checks). Any
 * pixels must give a ring or none, symbols or none, without crashing,
 * reading out of bounds or leaking.
 *
 * Input: byte 0 and 1 = width - 16 (big-endian, modulo 496), byte 2 = a
 * contrast stretch; the rest are grey pixels row by row (the height is what
 * they fill, at least 16 rows). The first run writes a seed: a small screen
 * frame with its ring, warped a little, so that the fuzzer starts inside the
 * code paths behind a found ring.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "qr.h"
#include "qrring.h"

/* A screen frame of a tiny stream, 1 px per module, on a 256 x 200 picture. */
static void
write_seed(void)
{
	static int done;
	fk_qr_opts o;
	fk_qr_layout l = {5, 2, 1, 1, 0, 0, 0};
	fk_qr_stream s;
	uint8_t data[40], *seed, *mod;
	fk_err e;
	int w = 256, h = 200, x, y, ox, oy;

	if (done++)
		return;
	memset(data, 'f', sizeof data);
	fk_qr_opts_default(&o);
	o.version = 5;
	o.level = 0;
	if (fk_qr_layout_fit(&l, w / 2, h / 2, &e) != 0 ||
	    fk_qr_stream_init(&s, data, sizeof data, &o, &e) != 0)
		return;
	seed = calloc(1, 3 + (size_t)w * h);
	mod = malloc((size_t)l.w * l.h);
	if (seed != NULL && mod != NULL && fk_qr_frame_modules(&s, &l, 0, mod, &e) == 0) {
		seed[0] = (uint8_t)((w - 16) >> 8);
		seed[1] = (uint8_t)(w - 16);
		seed[2] = 0;
		ox = (w - 2 * l.w) / 2;
		oy = (h - 2 * l.h) / 2;
		memset(seed + 3, 230, (size_t)w * h);
		for (y = 0; y < 2 * l.h; y++)
			for (x = 0; x < 2 * l.w; x++)
				if (mod[(size_t)(y / 2) * l.w + x / 2])
					seed[3 + (size_t)(oy + y) * w + ox + x + y / 40] = 30;
		fz_seed("screen-frame", seed, 3 + (size_t)w * h);
	}
	free(mod);
	free(seed);
	fk_qr_stream_free(&s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fk_image img, rect;
	fk_qr_quad q;
	fk_qr_rx *rx;
	fk_err e;
	int w, h, r;
	size_t i;

	write_seed();
	if (size < 3)
		return 0;
	w = 16 + (((int)data[0] << 8 | data[1]) % 496);
	h = (int)((size - 3) / (size_t)w);
	if (h < 16)
		return 0;
	if (h > 512)
		h = 512;
	if (fk_image_alloc(&img, w, h, 0, &e) != 0)
		return 0;
	for (i = 0; i < (size_t)w * h; i++) {
		unsigned v = data[3 + i];

		/* stretch contrast by data[2] so that thresholds are crossed both ways */
		v = data[2] & 1 ? (v < 128 ? v / 4 : 192 + v / 4) : v;
		img.px[i] = (uint8_t)v;
	}
	r = fk_qr_ring_find(&img, &q, &e);
	if (r == 1 && fk_qr_ring_rectify(&img, &q, &rect, &e) == 0)
		fk_image_free(&rect);
	if ((rx = fk_qr_rx_new(64 * 1024, &e)) != NULL) {
		(void)fk_qr_rx_scan(rx, &img, &e);
		fk_qr_rx_free(rx);
	}
	fk_image_free(&img);
	return 0;
}
