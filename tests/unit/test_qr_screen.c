/*
 * test_qr_screen.c - screen frames and reading them at an angle: the layout
 * chosen for a screen and camera, frames drawn and read back, the ring found
 * under a perspective warp with its corners where they were put, nothing
 * found (and nothing broken) in pictures without a ring, the receiver's list
 * of frames still missing, and the decoders one by one.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "qr.h"
#include "qrring.h"

/* Warps src onto a w x h grey picture so that its corners land on (qx, qy). */
static void
warp(const fk_image *src, const double qx[4], const double qy[4], fk_image *dst, uint8_t bg)
{
	double sx[4] = {0, src->w, src->w, 0}, sy[4] = {0, 0, src->h, src->h}, h[9];
	int x, y;

	CHECK(fk_qr_homography(qx, qy, sx, sy, h) == 0);
	/* each picture pixel averages 3 x 3 samples, as a sensor's pixel would */
	for (y = 0; y < dst->h; y++)
		for (x = 0; x < dst->w; x++) {
			int sum = 0, i, j;

			for (j = 0; j < 3; j++)
				for (i = 0; i < 3; i++) {
					double xx = x + (i + 0.5) / 3, yy = y + (j + 0.5) / 3;
					double d = h[6] * xx + h[7] * yy + h[8];
					int ui = (int)floor((h[0] * xx + h[1] * yy + h[2]) / d);
					int vi = (int)floor((h[3] * xx + h[4] * yy + h[5]) / d);

					sum += ui < 0 || vi < 0 || ui >= src->w || vi >= src->h ? bg :
					    40 + src->px[(size_t)vi * src->w + ui] * 170 / 255;
				}
			dst->px[(size_t)y * dst->w + x] = (uint8_t)(sum / 9);
		}
}

static void
test_layout(void)
{
	fk_qr_opts o;
	fk_qr_layout l;
	fk_err e;

	fk_qr_opts_default(&o);
	o.level = 0;
	CHECK(fk_qr_min_px(1920, 1280) == 6);
	CHECK(fk_qr_min_px(1280, 1280) == 4);
	CHECK(fk_qr_layout_choose(1920, 1080, 6, 0, 0, 0, &o, &l, &e) == 0);
	CHECK_MSG(l.version == 15 && l.cols == 3 && l.rows == 2 && l.px == 6 && l.ring,
	    "V%d %dx%d px %d", l.version, l.cols, l.rows, l.px);
	CHECK(l.w * l.px <= 1920 && l.h * l.px <= 1080);
	/* fixed version, fixed grid */
	CHECK(fk_qr_layout_choose(1920, 1080, 6, 25, 0, 0, &o, &l, &e) == 0);
	CHECK(l.version == 25 && l.cols * l.rows == 2);
	CHECK(fk_qr_layout_choose(1920, 1080, 1, 0, 1, 1, &o, &l, &e) == 0);
	CHECK(l.cols == 1 && l.rows == 1 && l.version == 25);
	/* a terminal of 80 x 24 (46 module rows): something small, or nothing */
	CHECK(fk_qr_layout_choose(80, 46, 1, 0, 0, 0, &o, &l, &e) != 0 || l.h <= 46);
	CHECK(fk_qr_layout_choose(100, 100, 6, 0, 0, 0, &o, &l, &e) != 0);
	CHECK(e.code == FK_EUSAGE);
	l.version = 41;
	l.cols = l.rows = 1;
	CHECK(fk_qr_layout_fit(&l, 1920, 1080, &e) != 0);
	CHECK(fk_qr_layout_frames(126 + 63, &(fk_qr_layout){15, 3, 2, 1, 6, 0, 0}) == 32);
	CHECK(fk_qr_codes_needed(100, 0) == 102);
	CHECK(fk_qr_codes_needed(100, 25) == 136);
}

/* A stream, its screen frames as images, and a receiver reading them. */
static void
test_frames_and_ring(void)
{
	fk_qr_opts o;
	fk_qr_layout l;
	fk_qr_stream s;
	fk_image img, cam, rect;
	fk_qr_quad q;
	fk_qr_rx *rx;
	fk_qr_progress p;
	fk_buf out = {0};
	fk_err e;
	uint8_t data[9000];
	uint32_t i, nframes, miss[8];
	/* the screen seen at an angle: corners displaced by ~7% of the picture */
	double qx[4] = {150, 1180, 1120, 80}, qy[4] = {40, 95, 640, 690};
	int r;

	for (i = 0; i < sizeof data; i++) /* the same frames on every run */
		data[i] = (uint8_t)((i * 2654435761u) >> 13);
	fk_qr_opts_default(&o);
	o.level = 0;
	CHECK(fk_qr_layout_choose(1920, 1080, 6, 0, 0, 0, &o, &l, &e) == 0);
	o.version = l.version;
	CHECK(fk_qr_stream_init(&s, data, sizeof data, &o, &e) == 0);
	nframes = fk_qr_layout_frames(s.k + 2, &l);
	rx = fk_qr_rx_new(0, &e);
	CHECK(rx != NULL);
	CHECK(fk_image_alloc(&cam, 1280, 720, 90, &e) == 0);
	for (i = 0; i < nframes; i++) {
		CHECK(fk_qr_frame_image(&s, &l, i, 1920, 1080, &img, &e) == 0);
		warp(&img, qx, qy, &cam, 90);
		r = fk_qr_ring_find(&cam, &q, &e);
		CHECK(r == 1);
		if (r == 1 && i == 0) {
			int c;

			/* the ring's outer corners on the screen, seen through the warp */
			double ox = (1920 - l.w * l.px) / 2 + FK_QR_RING_MARGIN * l.px;
			double oy = (1080 - l.h * l.px) / 2 + FK_QR_RING_MARGIN * l.px;
			double cx[4] = {ox, 1920 - ox, 1920 - ox, ox}, cy[4] = {oy, oy, 1080 - oy, 1080 - oy};
			double sx[4] = {0, 1920, 1920, 0}, sy[4] = {0, 0, 1080, 1080}, h[9];

			CHECK(fk_qr_homography(sx, sy, qx, qy, h) == 0);
			for (c = 0; c < 4; c++) {
				double d = h[6] * cx[c] + h[7] * cy[c] + h[8];
				double ex = (h[0] * cx[c] + h[1] * cy[c] + h[2]) / d;
				double ey = (h[3] * cx[c] + h[4] * cy[c] + h[5]) / d;

				CHECK_MSG(fabs(q.x[c] - ex) < 2 && fabs(q.y[c] - ey) < 2,
				    "corner %d at %.1f,%.1f, not %.1f,%.1f", c, q.x[c], q.y[c], ex, ey);
			}
			CHECK(fk_qr_ring_rectify(&cam, &q, &rect, &e) == 0);
			CHECK(rect.w > 700 && rect.h > 500);
			fk_image_free(&rect);
		}
		r = fk_qr_rx_scan(rx, &cam, &e);
		CHECK_MSG(r == l.cols * l.rows, "frame %u: %d codes", i, r);
		fk_image_free(&img);
		fk_qr_rx_progress(rx, &p);
		if (i == 0) {
			CHECK(p.rectified == 1);
			CHECK(p.per_image == (unsigned)(l.cols * l.rows));
			CHECK(p.missing == s.k - (uint32_t)(l.cols * l.rows));
			CHECK(p.missing_first[0] == (uint32_t)(l.cols * l.rows));
			CHECK(fk_qr_rx_missing(rx, miss, 8) == p.missing);
		}
	}
	fk_qr_rx_progress(rx, &p);
	CHECK(p.done && p.done_at > 0 && p.done_at <= nframes);
	CHECK(p.missing == 0);
	CHECK(fk_qr_rx_take(rx, &out, &e) == 0);
	CHECK(out.len == sizeof data && memcmp(out.p, data, sizeof data) == 0);
	fk_buf_free(&out);
	fk_qr_rx_free(rx);

	/* a layout of another version than the stream's is refused */
	{
		fk_qr_layout other = l;
		uint8_t *mod = malloc((size_t)l.w * l.h);

		other.version = l.version + 1;
		CHECK(mod != NULL && fk_qr_frame_modules(&s, &other, 0, mod, &e) != 0);
		CHECK(e.code == FK_EUSAGE);
		free(mod);
	}
	/* a picture with no code: nothing read, nothing broken, counted */
	rx = fk_qr_rx_new(0, &e);
	memset(cam.px, 128, (size_t)cam.w * cam.h);
	CHECK(fk_qr_rx_scan(rx, &cam, &e) == 0);
	fk_qr_rx_progress(rx, &p);
	CHECK(p.images == 1 && p.symbols == 0 && p.k == 0 && p.missing == 0);
	CHECK(fk_qr_rx_take(rx, &out, &e) != 0 && e.code == FK_ESTATE);
	fk_qr_rx_free(rx);

	/* zbar alone reads fewer codes of a strongly keystoned frame (or as many) */
	rx = fk_qr_rx_new(0, &e);
	fk_qr_rx_set_decoders(rx, FK_QR_DEC_ZBAR);
	CHECK(fk_qr_frame_image(&s, &l, 0, 1920, 1080, &img, &e) == 0);
	warp(&img, qx, qy, &cam, 90);
	r = fk_qr_rx_scan(rx, &cam, &e);
	CHECK(r >= 0 && r <= l.cols * l.rows);
	fk_qr_rx_progress(rx, &p);
	CHECK(p.rectified == 0);
	fk_qr_rx_free(rx);
	fk_image_free(&img);
	fk_image_free(&cam);
	fk_qr_stream_free(&s);
}

/* Pictures without a ring: nothing found, nothing broken. */
static void
test_no_ring(void)
{
	fk_image img, rect;
	fk_qr_quad q;
	fk_err e;
	size_t i;
	int x, y;

	CHECK(fk_image_alloc(&img, 640, 480, 255, &e) == 0);
	CHECK(fk_qr_ring_find(&img, &q, &e) == 0);
	for (i = 0; i < (size_t)img.w * img.h; i++)
		img.px[i] = (uint8_t)randombytes_uniform(256);
	CHECK(fk_qr_ring_find(&img, &q, &e) == 0);
	/* a filled dark square is not a ring */
	memset(img.px, 255, (size_t)img.w * img.h);
	fk_image_fill(&img, 100, 100, 400, 300, 0);
	CHECK(fk_qr_ring_find(&img, &q, &e) == 0);
	/* a ring touching the picture's edge is not used */
	memset(img.px, 255, (size_t)img.w * img.h);
	for (y = 0; y < img.h; y++)
		for (x = 0; x < img.w; x++)
			if (x < 12 || y < 12 || x >= img.w - 12 || y >= img.h - 12)
				img.px[(size_t)y * img.w + x] = 0;
	CHECK_MSG(fk_qr_ring_find(&img, &q, &e) == 0, "%.0f,%.0f %.0f,%.0f %.0f,%.0f %.0f,%.0f",
	    q.x[0], q.y[0], q.x[1], q.y[1], q.x[2], q.y[2], q.x[3], q.y[3]);
	/* an upright ring inside: found, corners within a pixel or two */
	memset(img.px, 255, (size_t)img.w * img.h);
	fk_image_fill(&img, 80, 60, 480, 12, 0);
	fk_image_fill(&img, 80, 408, 480, 12, 0);
	fk_image_fill(&img, 80, 60, 12, 360, 0);
	fk_image_fill(&img, 548, 60, 12, 360, 0);
	CHECK(fk_qr_ring_find(&img, &q, &e) == 1);
	CHECK_MSG(fabs(q.x[0] - 80) < 2 && fabs(q.y[0] - 60) < 2 && fabs(q.x[2] - 560) < 2 &&
	    fabs(q.y[2] - 420) < 2, "%.1f,%.1f %.1f,%.1f", q.x[0], q.y[0], q.x[2], q.y[2]);
	fk_image_free(&img);
	/* too small to hold anything */
	CHECK(fk_image_alloc(&img, 40, 40, 0, &e) == 0);
	CHECK(fk_qr_ring_find(&img, &q, &e) == 0);
	fk_image_free(&img);
	/* a quadrilateral that is not one (its sides cross) */
	CHECK(fk_image_alloc(&img, 200, 200, 0, &e) == 0);
	q = (fk_qr_quad){{0, 100, 0, 100}, {0, 0, 100, 100}};
	CHECK(fk_qr_ring_rectify(&img, &q, &rect, &e) != 0);
	fk_image_free(&img);
}

/*
 * A camera held close and at an angle: the picture's edge cuts the ring (a
 * corner out of view, then a whole side). The ring is still found from the
 * sides in view, the codes whole in the picture are read, and the cells of
 * the rectified frame are the layout's grid.
 */
static void
test_ring_cut(void)
{
	fk_qr_opts o;
	fk_qr_layout l;
	fk_qr_stream s;
	fk_image img, cam, rect;
	fk_qr_quad q;
	fk_qr_cell cell[64];
	fk_qr_rx *rx;
	fk_err e;
	uint8_t data[9000];
	uint32_t i;
	/* the screen's corners: its top left beyond the picture, then its whole top */
	double qx1[4] = {-60, 1190, 1150, 60}, qy1[4] = {-50, 60, 700, 680};
	double qx2[4] = {40, 1250, 1220, 70}, qy2[4] = {-110, -60, 700, 690};
	int r, n;

	for (i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)((i * 2654435761u) >> 13);
	fk_qr_opts_default(&o);
	o.level = 0;
	CHECK(fk_qr_layout_choose(1920, 1080, 6, 0, 0, 0, &o, &l, &e) == 0);
	o.version = l.version;
	CHECK(fk_qr_stream_init(&s, data, sizeof data, &o, &e) == 0);
	CHECK(fk_image_alloc(&cam, 1280, 720, 90, &e) == 0);
	CHECK(fk_qr_frame_image(&s, &l, 0, 1920, 1080, &img, &e) == 0);

	warp(&img, qx1, qy1, &cam, 90);
	r = fk_qr_ring_find(&cam, &q, &e);
	CHECK(r == 1);
	if (r == 1) {
		/* where the ring's outer top left corner is, out of view */
		double ox = (1920 - l.w * l.px) / 2 + FK_QR_RING_MARGIN * l.px;
		double oy = (1080 - l.h * l.px) / 2 + FK_QR_RING_MARGIN * l.px;
		double sx[4] = {0, 1920, 1920, 0}, sy[4] = {0, 0, 1080, 1080}, h[9], d, ex, ey;

		CHECK(fk_qr_homography(sx, sy, qx1, qy1, h) == 0);
		d = h[6] * ox + h[7] * oy + h[8];
		ex = (h[0] * ox + h[1] * oy + h[2]) / d;
		ey = (h[3] * ox + h[4] * oy + h[5]) / d;
		CHECK(ey < 0);
		CHECK_MSG(fabs(q.x[0] - ex) < 3 && fabs(q.y[0] - ey) < 3, "top left corner at %.1f,%.1f, not %.1f,%.1f",
		    q.x[0], q.y[0], ex, ey);
		CHECK(fk_qr_ring_rectify(&cam, &q, &rect, &e) == 0);
		n = fk_qr_ring_cells(&rect, cell, 64);
		CHECK_MSG(n == l.cols * l.rows, "%d cells", n);
		fk_image_free(&rect);
	}
	rx = fk_qr_rx_new(0, &e);
	r = fk_qr_rx_scan(rx, &cam, &e);
	CHECK_MSG(r == l.cols * l.rows, "a corner out of view: %d codes", r);
	fk_qr_rx_free(rx);

	warp(&img, qx2, qy2, &cam, 90);
	r = fk_qr_ring_find(&cam, &q, &e);
	CHECK(r == 1);
	/* the top side out of view is guessed at the picture's edge */
	CHECK_MSG(r != 1 || (q.y[0] < 5 && q.y[1] < 5), "top side at %.1f, %.1f", q.y[0], q.y[1]);
	rx = fk_qr_rx_new(0, &e);
	r = fk_qr_rx_scan(rx, &cam, &e);
	CHECK_MSG(r >= l.cols * (l.rows - 1), "the top side out of view: %d codes", r);
	fk_qr_rx_free(rx);

	/* cells of a picture with no grid: none, or a few, never a crash */
	memset(cam.px, 200, (size_t)cam.w * cam.h);
	CHECK(fk_qr_ring_cells(&cam, cell, 64) == 0);
	CHECK(fk_qr_blobs(&cam, cell, 64, &e) == 0);
	fk_image_free(&img);
	fk_image_free(&cam);
	fk_qr_stream_free(&s);
}

int
main(void)
{
	check_init();
	test_layout();
	test_frames_and_ring();
	test_ring_cut();
	test_no_ring();
	return check_done("qr screen");
}
