/*
 * image.c - grayscale PNG and JPEG in and out.
 *
 * libpng and libjpeg report errors by longjmp; each use is wrapped so that a
 * malformed file ends in fk_fail, never in exit() or a crash.
 */
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>

#include "image.h"
#include "io.h"

int
fk_image_alloc(fk_image *img, int w, int h, uint8_t fill, fk_err *e)
{
	img->w = img->h = 0;
	img->px = NULL;
	if (w <= 0 || h <= 0 || (uint64_t)w * (uint64_t)h > FK_IMAGE_MAX_PIXELS)
		return fk_fail(e, FK_ELIMIT, _("image of %d x %d pixels is too large"), w, h);
	img->px = malloc((size_t)w * (size_t)h);
	if (img->px == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	memset(img->px, fill, (size_t)w * (size_t)h);
	img->w = w;
	img->h = h;
	return 0;
}

void
fk_image_free(fk_image *img)
{
	free(img->px);
	img->px = NULL;
	img->w = img->h = 0;
}

void
fk_image_fill(fk_image *img, int x, int y, int w, int h, uint8_t v)
{
	int x1 = x + w, y1 = y + h, r;

	if (x < 0)
		x = 0;
	if (y < 0)
		y = 0;
	if (x1 > img->w)
		x1 = img->w;
	if (y1 > img->h)
		y1 = img->h;
	for (r = y; r < y1 && x < x1; r++)
		memset(img->px + (size_t)r * (size_t)img->w + x, v, (size_t)(x1 - x));
}

double
fk_image_sample(const fk_image *img, double x, double y)
{
	double fx, fy;
	int x0, y0;
	const uint8_t *p;

	if (!(x >= 0 && y >= 0 && x < img->w - 1 && y < img->h - 1))
		return 255; /* also NaN */
	x0 = (int)floor(x);
	y0 = (int)floor(y);
	fx = x - x0;
	fy = y - y0;
	p = img->px + (size_t)y0 * (size_t)img->w + (size_t)x0;
	return (p[0] * (1 - fx) + p[1] * fx) * (1 - fy) +
	    (p[img->w] * (1 - fx) + p[img->w + 1] * fx) * fy;
}

static int
load_png(const uint8_t *p, size_t n, fk_image *img, fk_err *e)
{
	png_image pi;

	memset(&pi, 0, sizeof pi);
	pi.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_memory(&pi, p, n))
		return fk_fail(e, FK_EINPUT, _("not a readable PNG image: %s"), pi.message);
	pi.format = PNG_FORMAT_GRAY;
	if (fk_image_alloc(img, (int)(pi.width > 0x7fffffff ? 0 : pi.width),
	    (int)(pi.height > 0x7fffffff ? 0 : pi.height), 255, e) != 0) {
		png_image_free(&pi);
		return -1;
	}
	if (!png_image_finish_read(&pi, NULL, img->px, img->w, NULL)) {
		fk_fail(e, FK_EINPUT, _("damaged PNG image: %s"), pi.message);
		png_image_free(&pi);
		fk_image_free(img);
		return -1;
	}
	return 0;
}

struct jerr {
	struct jpeg_error_mgr mgr;
	jmp_buf jb;
	char msg[JMSG_LENGTH_MAX];
};

static void
jerr_exit(j_common_ptr c)
{
	struct jerr *j = (struct jerr *)c->err;

	c->err->format_message(c, j->msg);
	longjmp(j->jb, 1);
}

static void
jerr_silent(j_common_ptr c, int level)
{
	(void)c;
	(void)level;
}

static int
load_jpeg(const uint8_t *p, size_t n, fk_image *img, fk_err *e)
{
	struct jpeg_decompress_struct ci;
	struct jerr je;
	JSAMPROW row;

	memset(&ci, 0, sizeof ci);
	img->px = NULL;
	ci.err = jpeg_std_error(&je.mgr);
	je.mgr.error_exit = jerr_exit;
	je.mgr.emit_message = jerr_silent;
	je.msg[0] = '\0';
	if (setjmp(je.jb)) {
		jpeg_destroy_decompress(&ci);
		fk_image_free(img);
		return fk_fail(e, FK_EINPUT, _("damaged JPEG image: %s"), je.msg);
	}
	jpeg_create_decompress(&ci);
	jpeg_mem_src(&ci, p, (unsigned long)n);
	jpeg_read_header(&ci, TRUE);
	ci.out_color_space = JCS_GRAYSCALE;
	jpeg_start_decompress(&ci);
	if (ci.output_components != 1 ||
	    fk_image_alloc(img, (int)ci.output_width, (int)ci.output_height, 255, e) != 0) {
		jpeg_destroy_decompress(&ci);
		if (ci.output_components != 1)
			return fk_fail(e, FK_EINPUT, _("unsupported JPEG colour format"));
		return -1;
	}
	while (ci.output_scanline < ci.output_height) {
		row = img->px + (size_t)ci.output_scanline * (size_t)img->w;
		jpeg_read_scanlines(&ci, &row, 1);
	}
	jpeg_finish_decompress(&ci);
	jpeg_destroy_decompress(&ci);
	return 0;
}

int
fk_image_load_mem(const uint8_t *p, size_t n, fk_image *img, fk_err *e)
{
	static const uint8_t pngsig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

	img->px = NULL;
	img->w = img->h = 0;
	if (n >= 8 && memcmp(p, pngsig, 8) == 0)
		return load_png(p, n, img, e);
	if (n >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
		return load_jpeg(p, n, img, e);
	return fk_fail(e, FK_EINPUT, _("not a PNG or JPEG image"));
}

int
fk_image_load(const char *path, fk_image *img, fk_err *e)
{
	fk_buf b = {0};
	int rc;

	if (fk_read_regular(path, _("an image"), FK_IMAGE_MAX_FILE, &b, e) != 0)
		return -1;
	rc = fk_image_load_mem(b.p, b.len, img, e);
	fk_buf_free(&b);
	if (rc != 0)
		fk_prefix(e, "%s", path);
	return rc;
}

struct pngw {
	fk_buf *out;
	int failed;
};

static void
pngw_write(png_structp ps, png_bytep data, png_size_t len)
{
	struct pngw *w = png_get_io_ptr(ps);

	if (fk_buf_append(w->out, data, len, NULL) != 0)
		w->failed = 1;
}

static void
pngw_flush(png_structp ps)
{
	(void)ps;
}

int
fk_image_png(const fk_image *img, int dpi, fk_buf *out, fk_err *e)
{
	png_structp ps;
	png_infop pinfo = NULL;
	struct pngw w = {out, 0};
	int y;

	ps = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	if (ps == NULL || (pinfo = png_create_info_struct(ps)) == NULL) {
		png_destroy_write_struct(&ps, NULL);
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	}
	if (setjmp(png_jmpbuf(ps))) {
		png_destroy_write_struct(&ps, &pinfo);
		return fk_fail(e, FK_EIO, _("cannot encode a PNG image"));
	}
	png_set_write_fn(ps, &w, pngw_write, pngw_flush);
	png_set_IHDR(ps, pinfo, (png_uint_32)img->w, (png_uint_32)img->h, 8, PNG_COLOR_TYPE_GRAY,
	    PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	if (dpi > 0)
		png_set_pHYs(ps, pinfo, (png_uint_32)(dpi * 10000 / 254), (png_uint_32)(dpi * 10000 / 254),
		    PNG_RESOLUTION_METER);
	png_set_compression_level(ps, 6);
	png_write_info(ps, pinfo);
	for (y = 0; y < img->h; y++)
		png_write_row(ps, img->px + (size_t)y * (size_t)img->w);
	png_write_end(ps, pinfo);
	png_destroy_write_struct(&ps, &pinfo);
	if (w.failed)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	return 0;
}

int
fk_image_save_png(const fk_image *img, int dpi, const char *path, fk_err *e)
{
	fk_buf b = {0};
	int rc;

	rc = fk_image_png(img, dpi, &b, e);
	if (rc == 0)
		rc = fk_write_file_atomic(path, b.p, b.len, 0644, e);
	fk_buf_free(&b);
	return rc;
}
