/*
 * test_qr_png.c - round trips through real images: frames rendered by
 * libqrencode, written as PNG (libpng), read back and decoded by zbar, with
 * random frame loss; 1 KB and 50 KB files at 0/10/30/50% loss, 500 KB at 30%;
 * byte mode as well as Base45; several codes in one image; JPEG input;
 * the PNG frame-set writer and fk_qr_receive_images; damaged image files;
 * bilinear sampling (fk_image_sample) at pixels, between them and outside;
 * special files among pictures (a FIFO, a device, links) refused unread.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jpeglib.h>

#include "check.h"
#include "image.h"
#include "io.h"
#include "qr.h"
#include "tmpdir.h"

static uint64_t st = 0x2545F4914F6CDD1Dull;

static uint32_t
rnd(void)
{
	st ^= st << 13;
	st ^= st >> 7;
	st ^= st << 17;
	return (uint32_t)(st >> 11);
}

/* Encodes img as JPEG at the given quality into out. */
static void
jpeg_encode(const fk_image *img, int quality, fk_buf *out)
{
	struct jpeg_compress_struct ci;
	struct jpeg_error_mgr je;
	unsigned char *mem = NULL;
	unsigned long memlen = 0;
	JSAMPROW row;
	fk_err e;

	ci.err = jpeg_std_error(&je);
	jpeg_create_compress(&ci);
	jpeg_mem_dest(&ci, &mem, &memlen);
	ci.image_width = (JDIMENSION)img->w;
	ci.image_height = (JDIMENSION)img->h;
	ci.input_components = 1;
	ci.in_color_space = JCS_GRAYSCALE;
	jpeg_set_defaults(&ci);
	jpeg_set_quality(&ci, quality, TRUE);
	jpeg_start_compress(&ci, TRUE);
	while (ci.next_scanline < ci.image_height) {
		row = img->px + (size_t)ci.next_scanline * (size_t)img->w;
		jpeg_write_scanlines(&ci, &row, 1);
	}
	jpeg_finish_compress(&ci);
	jpeg_destroy_compress(&ci);
	CHECK(fk_buf_append(out, mem, memlen, &e) == 0);
	free(mem);
}

/* Renders frame i, encodes it as PNG (or JPEG), decodes the file and scans it. */
static int
feed_image(fk_qr_rx *rx, fk_qr_stream *s, uint32_t i, int jpeg)
{
	QRcode *c;
	fk_image img, back;
	fk_buf file = {0};
	fk_err e;
	int n = -1;

	if ((c = fk_qr_stream_code(s, i, &e)) == NULL)
		return -1;
	if (fk_qr_code_image(c, 3, 4, &img, &e) == 0) {
		if (jpeg)
			jpeg_encode(&img, 75, &file);
		else if (fk_image_png(&img, 0, &file, &e) != 0)
			file.len = 0;
		if (file.len > 0 && fk_image_load_mem(file.p, file.len, &back, &e) == 0) {
			n = fk_qr_rx_scan(rx, &back, &e);
			fk_image_free(&back);
		}
		fk_image_free(&img);
	}
	QRcode_free(c);
	fk_buf_free(&file);
	return n;
}

static void
png_roundtrip(size_t len, unsigned loss, int binary, int jpeg)
{
	uint8_t *data = malloc(len);
	fk_qr_opts o;
	fk_qr_stream s;
	fk_qr_rx *rx;
	fk_qr_progress p;
	fk_buf out = {0};
	fk_err e;
	uint32_t i, shown = 0, seen = 0, missed = 0;
	size_t j;

	for (j = 0; j < len; j++)
		data[j] = (uint8_t)rnd();
	fk_qr_opts_default(&o);
	o.binary = binary;
	CHECK(fk_qr_stream_init(&s, data, len, &o, &e) == 0);
	rx = fk_qr_rx_new(0, &e);
	for (i = 0; !fk_qr_rx_done(rx) && i < 3 * s.k + 50; i++) {
		shown++;
		if (rnd() % 100 < loss)
			continue;
		seen++;
		if (feed_image(rx, &s, i, jpeg) != 1)
			missed++;
	}
	fk_qr_rx_progress(rx, &p);
	CHECK_MSG(fk_qr_rx_take(rx, &out, &e) == 0 && out.len == len &&
	    memcmp(out.p, data, len) == 0, "%zu bytes, loss %u: %s", len, loss, e.msg);
	CHECK(missed == 0);
	printf("%6zu bytes %s%s, loss %2u%%: k = %3u, images %u (%.3f k), zbar missed %u, "
	    "useful %lu\n", len, binary ? "binary" : "base45", jpeg ? " jpeg" : "", loss, s.k,
	    seen, (double)seen / s.k, missed, p.useful);
	fk_buf_free(&out);
	fk_qr_rx_free(rx);
	fk_qr_stream_free(&s);
	free(data);
}

/* Several codes in one image (as on a printed sheet): zbar finds them all. */
static void
test_multi(void)
{
	uint8_t data[1200];
	fk_qr_opts o;
	fk_qr_stream s;
	fk_qr_rx *rx;
	fk_image page;
	fk_buf out = {0};
	fk_err e;
	QRcode *c;
	uint32_t i;
	int n;

	memset(data, 'x', sizeof data);
	fk_qr_opts_default(&o);
	o.version = 8;
	CHECK(fk_qr_stream_init(&s, data, sizeof data, &o, &e) == 0);
	CHECK(s.k <= 16);
	CHECK(fk_image_alloc(&page, 1400, 1400, 255, &e) == 0);
	for (i = 0; i < s.k && i < 16; i++) {
		c = fk_qr_stream_code(&s, i, &e);
		fk_qr_code_draw(c, 4, &page, 40 + (int)(i % 4) * 340, 40 + (int)(i / 4) * 340);
		QRcode_free(c);
	}
	rx = fk_qr_rx_new(0, &e);
	n = fk_qr_rx_scan(rx, &page, &e);
	CHECK_MSG(n == (int)s.k, "%d codes found of %u", n, s.k);
	CHECK(fk_qr_rx_take(rx, &out, &e) == 0 && out.len == sizeof data);
	fk_buf_free(&out);
	fk_qr_rx_free(rx);
	fk_image_free(&page);
	fk_qr_stream_free(&s);
}

/* The PNG frame-set writer and the image receiver, with files deleted. */
static void
test_files(void)
{
	char dir[512], path[600];
	const char *paths[2];
	uint8_t data[5000];
	fk_qr_opts o;
	fk_buf out = {0};
	fk_err e;
	uint32_t n, i, k;
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof dir, "%s/test_qr_png.%d", tmp ? tmp : "/tmp", (int)getpid());
	for (i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)rnd();
	fk_qr_opts_default(&o);
	o.version = 10;
	CHECK(fk_qr_send_png(data, sizeof data, dir, 100, &o, &n, &e) == 0);
	{
		size_t chunk;

		CHECK(fk_qr_chunk_size(10, 1, 0, &chunk, &e) == 0);
		k = fk_qrframe_k(sizeof data, chunk);
	}
	CHECK_MSG(n == 2 * k, "%u frames for k = %u", n, k);
	/* Lose a third of the frames, damage one file, add a non-image. */
	for (i = 1; i <= n; i += 3) {
		snprintf(path, sizeof path, "%s/frame-%05u.png", dir, i);
		unlink(path);
	}
	snprintf(path, sizeof path, "%s/frame-%05u.png", dir, 2);
	CHECK(fk_write_file_atomic(path, "\x89PNG\r\n\x1a\nbroken", 14, 0644, &e) == 0);
	snprintf(path, sizeof path, "%s/notes.txt", dir);
	CHECK(fk_write_file_atomic(path, "hello", 5, 0644, &e) == 0);
	paths[0] = dir;
	CHECK_MSG(fk_qr_receive_images(paths, 1, &out, NULL, NULL, &e) == 0, "%s", e.msg);
	CHECK(out.len == sizeof data && memcmp(out.p, data, sizeof data) == 0);
	fk_buf_free(&out);
	/* Too few frames: a clear failure, nothing returned. */
	snprintf(path, sizeof path, "%s/frame-%05u.png", dir, 3);
	paths[0] = path;
	CHECK(fk_qr_receive_images(paths, 1, &out, NULL, NULL, &e) != 0 && out.len == 0);
	CHECK(e.code == FK_ESTATE && strstr(e.msg, "more") != NULL);
	/* Images that are not images. */
	snprintf(path, sizeof path, "%s/frame-%05u.png", dir, 2);
	paths[1] = path;
	paths[0] = "/nonexistent/x.png";
	CHECK(fk_qr_receive_images(paths, 2, &out, NULL, NULL, &e) != 0 && out.len == 0);
	for (i = 1; i <= n; i++) {
		snprintf(path, sizeof path, "%s/frame-%05u.png", dir, i);
		unlink(path);
	}
	snprintf(path, sizeof path, "%s/notes.txt", dir);
	unlink(path);
	rmdir(dir);
}

static void
test_bad_images(void)
{
	static const uint8_t junk_jpeg[] = {0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0};
	fk_image img;
	fk_err e;
	uint8_t big[64];
	size_t i;

	CHECK(fk_image_load_mem(junk_jpeg, sizeof junk_jpeg, &img, &e) != 0 && img.px == NULL);
	CHECK(fk_image_load_mem((const uint8_t *)"GIF89a", 6, &img, &e) != 0);
	/* A PNG header claiming 100000 x 100000 pixels. */
	{
		static const uint8_t hdr[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
		    'I', 'H', 'D', 'R', 0, 1, 0x86, 0xA0, 0, 1, 0x86, 0xA0, 8, 0, 0, 0, 0};
		memcpy(big, hdr, sizeof hdr);
		CHECK(fk_image_load_mem(big, sizeof hdr + 4, &img, &e) != 0);
	}
	for (i = 0; i < 2000; i++) {
		size_t j, n = rnd() % sizeof big;

		for (j = 0; j < n; j++)
			big[j] = (uint8_t)rnd();
		if (n > 3 && i % 2) {
			big[0] = 0xFF;
			big[1] = 0xD8;
			big[2] = 0xFF;
		}
		if (fk_image_load_mem(big, n, &img, &e) == 0)
			fk_image_free(&img);
	}
	CHECK(1);
}

/* fk_image_sample: exact at pixel centres, linear between, white outside. */
static void
test_sample(void)
{
	fk_image img;
	fk_err e;

	CHECK(fk_image_alloc(&img, 3, 2, 0, &e) == 0);
	img.px[0] = 0;
	img.px[1] = 100;
	img.px[2] = 200;
	img.px[3] = 50;
	img.px[4] = 150;
	img.px[5] = 250;
	CHECK(fk_image_sample(&img, 0, 0) == 0);
	CHECK(fk_image_sample(&img, 1, 0) == 100);
	CHECK(fabs(fk_image_sample(&img, 0.5, 0) - 50) < 1e-9);
	CHECK(fabs(fk_image_sample(&img, 1.5, 0.5) - 175) < 1e-9);
	CHECK(fabs(fk_image_sample(&img, 0.25, 0.75) - (25 * 0.25 + 75 * 0.75)) < 1e-9);
	/* The last row and column have no neighbour to blend with: white, as
	 * everything outside, including NaN and values beyond an int. */
	CHECK(fk_image_sample(&img, 2, 0) == 255);
	CHECK(fk_image_sample(&img, 0, 1) == 255);
	CHECK(fk_image_sample(&img, -0.01, 0) == 255);
	CHECK(fk_image_sample(&img, 0, -1e300) == 255);
	CHECK(fk_image_sample(&img, 1e300, 0) == 255);
	CHECK(fk_image_sample(&img, NAN, 0.5) == 255);
	CHECK(fk_image_sample(&img, 0.5, NAN) == 255);
	fk_image_free(&img);
}

/*
 * A FIFO named like a picture, links to devices: refused at once (a FIFO
 * would block the reader forever), with what it is; a link to a picture is
 * followed for pictures, never where the caller asks (fk_open_regular, nofollow).
 */
static void
test_special_files(void)
{
	char *dir = test_tmpdir("qrpng"), p[512], q[512];
	fk_image img;
	fk_err e;
	struct stat sb;
	int fd;

	CHECK(dir != NULL);
	snprintf(p, sizeof p, "%s/p.png", dir);
	CHECK(mkfifo(p, 0600) == 0);
	CHECK(fk_image_load(p, &img, &e) != 0 && strstr(e.msg, "a FIFO, not an image") != NULL);
	snprintf(p, sizeof p, "%s/z.png", dir);
	CHECK(symlink("/dev/zero", p) == 0);
	CHECK(fk_image_load(p, &img, &e) != 0 && strstr(e.msg, "a character device") != NULL);
	snprintf(p, sizeof p, "%s/d.png", dir);
	CHECK(mkdir(p, 0700) == 0);
	CHECK(fk_image_load(p, &img, &e) != 0 && strstr(e.msg, "a folder") != NULL);
	/* a real picture, and a link to it */
	CHECK(fk_image_alloc(&img, 8, 8, 200, &e) == 0);
	snprintf(p, sizeof p, "%s/real.png", dir);
	CHECK(fk_image_save_png(&img, 0, p, &e) == 0);
	fk_image_free(&img);
	snprintf(q, sizeof q, "%s/link.png", dir);
	CHECK(symlink(p, q) == 0);
	CHECK(fk_image_load(q, &img, &e) == 0 && img.w == 8 && img.px[63] == 200);
	fk_image_free(&img);
	fd = fk_open_regular(q, "a bundle", 1, &sb, &e);
	CHECK(fd < 0 && e.code == FK_EINPUT && strcmp(e.msg, "a symbolic link, not a bundle") == 0);
	fd = fk_open_regular(p, "a bundle", 1, &sb, &e);
	CHECK(fd >= 0 && S_ISREG(sb.st_mode) && sb.st_size > 0);
	if (fd >= 0)
		close(fd);
	snprintf(p, sizeof p, "%s/missing.png", dir);
	CHECK(fk_open_regular(p, "a bundle", 1, &sb, &e) < 0 && e.code == FK_EIO);
	free(dir);
}

int
main(void)
{
	static const unsigned losses[] = {0, 10, 30, 50};
	size_t i;

	check_init();
	for (i = 0; i < 4; i++) {
		png_roundtrip(1000, losses[i], 0, 0);
		png_roundtrip(50000, losses[i], 0, 0);
	}
	png_roundtrip(50000, 10, 1, 0);
	png_roundtrip(20000, 10, 0, 1);
	png_roundtrip(20000, 10, 1, 1);
	png_roundtrip(500000, 30, 0, 0);
	test_multi();
	test_files();
	test_bad_images();
	test_sample();
	test_special_files();
	return check_done("qr png");
}
