/*
 * image.h - 8-bit grayscale images: load PNG (libpng) and JPEG (libjpeg) from
 * files or memory, write PNG.
 *
 * Owns: decoding and encoding image files for the QR stream. Never: trusts
 * image dimensions (FK_IMAGE_MAX_PIXELS caps them before allocating), or
 * leaves a partial PNG under its final name (writes are atomic).
 */
#ifndef FK_IMAGE_H
#define FK_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "fk.h"

#define FK_IMAGE_MAX_PIXELS (64u * 1024 * 1024)
#define FK_IMAGE_MAX_FILE (64u * 1024 * 1024)

typedef struct fk_image {
	int w, h;
	uint8_t *px; /* w * h bytes, row-major, 0 = black */
} fk_image;

int fk_image_alloc(fk_image *img, int w, int h, uint8_t fill, fk_err *e) FK_WUR;
void fk_image_free(fk_image *img);

/* Loads a PNG or JPEG (detected by content) as grayscale. */
int fk_image_load_mem(const uint8_t *p, size_t n, fk_image *img, fk_err *e) FK_WUR;
int fk_image_load(const char *path, fk_image *img, fk_err *e) FK_WUR;

/* Encodes a grayscale PNG; dpi > 0 records the resolution (pHYs). */
int fk_image_png(const fk_image *img, int dpi, fk_buf *out, fk_err *e) FK_WUR;
int fk_image_save_png(const fk_image *img, int dpi, const char *path, fk_err *e) FK_WUR;

/* Fills a rectangle (clipped to the image). */
void fk_image_fill(fk_image *img, int x, int y, int w, int h, uint8_t v);

/*
 * The gray value at (x, y) in pixel coordinates (a pixel's centre is at its
 * index), interpolated between the four pixels around it (bilinear); 255
 * (white) where those four are not all inside the image.
 */
double fk_image_sample(const fk_image *img, double x, double y);

#endif
