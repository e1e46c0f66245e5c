/*
 * fuzz_image.c - libFuzzer entry over image decoding (sync/image.h: PNG by
 * libpng, JPEG by libjpeg, told apart by content) and the QR scan of what it
 * decoded (qr.h fk_qr_rx_scan). Photos of QR frames come from a phone or a
 * camera, that is from outside: a damaged or hostile file must be refused,
 * never crash, hang or allocate without bound. Decoded images above a
 * megapixel are not scanned here (a scan of a big image is slow, not wrong).
 * Seeds: small PNGs of real frames, written at start-up (fuzz.sh adds a JPEG
 * of one).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "image.h"
#include "qr.h"

static void
seed_frames(void)
{
	static const char file[] = "fieldkit fuzz seed: a tiny file sent as QR frames";
	fk_qr_opts o;
	fk_qr_stream s;
	fk_image img = {0};
	fk_buf png = {0};
	fk_err e;
	QRcode *c;
	char name[32];
	uint32_t i;

	fk_qr_opts_default(&o);
	o.version = 4;
	o.scale = 2;
	o.margin = 2;
	if (fk_qr_stream_init(&s, (const uint8_t *)file, sizeof file - 1, &o, &e) != 0)
		return;
	for (i = 0; i < 3; i++) {
		if ((c = fk_qr_stream_code(&s, i, &e)) == NULL)
			break;
		if (fk_qr_code_image(c, o.scale, o.margin, &img, &e) == 0 &&
		    fk_image_png(&img, i == 0 ? 300 : 0, &png, &e) == 0) {
			snprintf(name, sizeof name, "frame-%u.png", i);
			fz_seed(name, png.p, png.len);
		}
		QRcode_free(c);
		fk_image_free(&img);
		png.len = 0;
	}
	fk_buf_free(&png);
	fk_qr_stream_free(&s);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Before the corpus is read, so that the seeds are in it. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	seed_frames();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fk_image img = {0};
	fk_qr_rx *rx;
	fk_buf out = {0};
	fk_err e;

	if (fk_image_load_mem(data, size, &img, &e) != 0)
		return 0;
	if (img.w <= 0 || img.h <= 0 || img.px == NULL)
		abort();
	/* Touch the last pixel: the buffer is as large as it says. */
	if (img.px[(size_t)img.w * (size_t)img.h - 1] == 0x5a)
		e.code = 0;
	if ((size_t)img.w * (size_t)img.h <= 1024 * 1024 && (rx = fk_qr_rx_new(1 << 20, &e)) != NULL) {
		if (fk_qr_rx_scan(rx, &img, &e) >= 0 && fk_qr_rx_take(rx, &out, &e) == 0)
			fk_buf_free(&out);
		fk_qr_rx_free(rx);
	}
	fk_image_free(&img);
	return 0;
}
