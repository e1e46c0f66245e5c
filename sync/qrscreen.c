/*
 * qrscreen.c - screen frames: several codes of a stream in a grid, inside a
 * dark ring, drawn as a grid of modules (then as a screen-sized image or as
 * terminal text).
 *
 *   margin (2 light) | ring (2 dark) | quiet (4 light) | code | gap (4) | code ...
 *
 * Screen frame n holds codes n*c .. n*c + c - 1 (c = cols * rows), left to
 * right, top to bottom; the stream itself is unchanged (any k + 2 codes).
 */
#include <stdlib.h>
#include <string.h>

#include "qr.h"

#define LAYOUT_MIN_VERSION 5

static int
layout_size(fk_qr_layout *l)
{
	int dim = 17 + 4 * l->version, border = l->ring ? FK_QR_RING_BORDER : FK_QR_PLAIN_BORDER;

	l->w = l->cols * dim + (l->cols - 1) * FK_QR_CODE_GAP + 2 * border;
	l->h = l->rows * dim + (l->rows - 1) * FK_QR_CODE_GAP + 2 * border;
	return border;
}

int
fk_qr_layout_fit(fk_qr_layout *l, int sw, int sh, fk_err *e)
{
	int a, b;

	if (l->version < 1 || l->version > 40 || l->cols < 1 || l->rows < 1 ||
	    l->cols * l->rows > FK_QR_MAX_CODES)
		return fk_fail(e, FK_EUSAGE, _("a screen frame holds 1 to %d codes of version 1 to 40"),
		    FK_QR_MAX_CODES);
	layout_size(l);
	a = sw / l->w;
	b = sh / l->h;
	l->px = a < b ? a : b;
	if (l->px < 1)
		return fk_fail(e, FK_EUSAGE,
		    _("%d x %d codes of version %d do not fit a screen of %d x %d; use fewer codes "
		      "or a lower version"), l->cols, l->rows, l->version, sw, sh);
	return 0;
}

int
fk_qr_layout_choose(int sw, int sh, int min_px, int version, int cols, int rows,
    const fk_qr_opts *o, fk_qr_layout *l, fk_err *e)
{
	fk_qr_layout t, best;
	size_t chunk, bytes, best_bytes = 0;
	int v, c, r, maxc = cols > 0 || rows > 0 ? FK_QR_MAX_CODES : FK_QR_AUTO_CODES;

	memset(&best, 0, sizeof best);
	for (v = version ? version : LAYOUT_MIN_VERSION; v <= (version ? version :
	    FK_QR_AUTO_MAX_VERSION); v++) {
		if (fk_qr_chunk_size(v, o->level, o->binary, &chunk, NULL) != 0)
			continue;
		for (c = cols ? cols : 1; c <= (cols ? cols : maxc); c++)
			for (r = rows ? rows : 1; r <= (rows ? rows : maxc) && c * r <= maxc; r++) {
				memset(&t, 0, sizeof t);
				t.version = v;
				t.cols = c;
				t.rows = r;
				t.ring = 1;
				if (fk_qr_layout_fit(&t, sw, sh, NULL) != 0 || t.px < min_px)
					continue;
				bytes = chunk * (size_t)(c * r);
				/* the most bytes per frame; on a tie, fewer and larger codes */
				if (bytes > best_bytes ||
				    (bytes == best_bytes && c * r < best.cols * best.rows)) {
					best = t;
					best_bytes = bytes;
				}
			}
	}
	if (best_bytes == 0)
		return fk_fail(e, FK_EUSAGE,
		    _("no QR stream frame of these codes fits a screen of %d x %d at %d pixels per "
		      "module; use a larger screen, fewer codes or a lower version"), sw, sh, min_px);
	*l = best;
	return 0;
}

int
fk_qr_min_px(int screen_w, int camera_w)
{
	/* the screen fills 90% of the camera's width; 3.6 camera pixels per module */
	double s = 0.9 * camera_w / screen_w;
	int px = (int)(3.6 / s);

	return px + (px * s < 3.6 - 1e-9);
}

uint32_t
fk_qr_layout_frames(uint32_t ncodes, const fk_qr_layout *l)
{
	uint32_t per = (uint32_t)(l->cols * l->rows);

	return (ncodes + per - 1) / per;
}

int
fk_qr_frame_modules(fk_qr_stream *s, const fk_qr_layout *l, uint32_t n, uint8_t *mod,
    fk_err *e)
{
	fk_qr_layout t = *l;
	int border = layout_size(&t), dim = 17 + 4 * l->version, i, x, y, k;
	uint32_t per = (uint32_t)(l->cols * l->rows);

	if (s->o.version != l->version)
		return fk_fail(e, FK_EUSAGE, _("the layout's QR version differs from the stream's"));
	memset(mod, 0, (size_t)t.w * (size_t)t.h);
	if (l->ring) {
		int a = FK_QR_RING_MARGIN, b = FK_QR_RING_MARGIN + FK_QR_RING_WIDTH;

		for (y = a; y < t.h - a; y++)
			for (x = a; x < t.w - a; x++)
				if (x < b || y < b || x >= t.w - b || y >= t.h - b)
					mod[(size_t)y * (size_t)t.w + (size_t)x] = 1;
	}
	for (i = 0; i < l->cols * l->rows; i++) {
		QRcode *c;
		int ox = border + (i % l->cols) * (dim + FK_QR_CODE_GAP);
		int oy = border + (i / l->cols) * (dim + FK_QR_CODE_GAP);

		if (n > (UINT32_MAX - (uint32_t)i) / per)
			return fk_fail(e, FK_ELIMIT, _("frame number out of range"));
		if ((c = fk_qr_stream_code(s, n * per + (uint32_t)i, e)) == NULL)
			return -1;
		for (y = 0; y < dim && y < c->width; y++)
			for (k = 0; k < dim && k < c->width; k++)
				mod[(size_t)(oy + y) * (size_t)t.w + (size_t)(ox + k)] =
				    c->data[y * c->width + k] & 1;
		QRcode_free(c);
	}
	return 0;
}

int
fk_qr_frame_image(fk_qr_stream *s, const fk_qr_layout *l, uint32_t n, int sw, int sh,
    fk_image *img, fk_err *e)
{
	uint8_t *mod;
	int x0, y0, x, y;

	if (sw < l->w * l->px || sh < l->h * l->px)
		return fk_fail(e, FK_EUSAGE, _("the frame does not fit the screen"));
	if ((mod = malloc((size_t)l->w * (size_t)l->h)) == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	if (fk_qr_frame_modules(s, l, n, mod, e) != 0 || fk_image_alloc(img, sw, sh, 255, e) != 0) {
		free(mod);
		return -1;
	}
	x0 = (sw - l->w * l->px) / 2;
	y0 = (sh - l->h * l->px) / 2;
	for (y = 0; y < l->h; y++)
		for (x = 0; x < l->w; x++)
			if (mod[(size_t)y * (size_t)l->w + (size_t)x])
				fk_image_fill(img, x0 + x * l->px, y0 + y * l->px, l->px, l->px, 0);
	free(mod);
	return 0;
}

int
fk_qr_frame_text(fk_qr_stream *s, const fk_qr_layout *l, uint32_t n, fk_buf *out, fk_err *e)
{
	/* Light modules are drawn (bright white on black), dark ones left blank. */
	/* Index: top module dark (1) | bottom module dark (2). */
	static const char *cell[4] = {"\xe2\x96\x88", "\xe2\x96\x84", "\xe2\x96\x80", " "};
	uint8_t *mod;
	int x, y, rc = 0;

	if ((mod = malloc((size_t)l->w * (size_t)l->h)) == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	if (fk_qr_frame_modules(s, l, n, mod, e) != 0) {
		free(mod);
		return -1;
	}
	for (y = 0; y < l->h && rc == 0; y += 2) {
		rc = fk_buf_append(out, "\033[97;40m", 8, e);
		for (x = 0; x < l->w && rc == 0; x++) {
			int top = mod[(size_t)y * (size_t)l->w + (size_t)x];
			int bot = y + 1 < l->h ? mod[(size_t)(y + 1) * (size_t)l->w + (size_t)x] : 1;
			const char *c = cell[top | bot << 1];

			rc = fk_buf_append(out, c, strlen(c), e);
		}
		if (rc == 0)
			rc = fk_buf_append(out, "\033[0m\n", 5, e);
	}
	free(mod);
	return rc;
}

uint32_t
fk_qr_codes_needed(uint32_t k, unsigned loss_percent)
{
	uint64_t need = (uint64_t)k + 2;

	if (loss_percent >= 100)
		loss_percent = 99;
	return (uint32_t)((need * 100 + (100 - loss_percent) - 1) / (100 - loss_percent));
}
