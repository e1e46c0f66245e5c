/*
 * qrsheet.c - printable A4 pages of a QR stream (300 dpi PNG).
 *
 * Each page has a header (file name, SHA-256, size, how many codes are
 * needed) and a grid of codes, each labelled "frame i of k". Pages are
 * written atomically as STEM-1.png, STEM-2.png, ...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qr.h"
#include "qrfont.h"

#define PAGE_W 2480 /* A4 at 300 dpi */
#define PAGE_H 3508
#define PAGE_MARGIN 118
#define CELL_GAP 40

/* Next code point of a UTF-8 string ('?' for malformed bytes). */
static uint32_t
utf8_next(const char **sp)
{
	const unsigned char *s = (const unsigned char *)*sp;
	uint32_t cp;
	int n, i;

	if (s[0] < 0x80) {
		*sp += 1;
		return s[0];
	}
	if ((s[0] & 0xE0) == 0xC0) {
		cp = s[0] & 0x1F;
		n = 1;
	} else if ((s[0] & 0xF0) == 0xE0) {
		cp = s[0] & 0x0F;
		n = 2;
	} else if ((s[0] & 0xF8) == 0xF0) {
		cp = s[0] & 0x07;
		n = 3;
	} else {
		*sp += 1;
		return '?';
	}
	for (i = 1; i <= n; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*sp += i;
			return '?';
		}
		cp = cp << 6 | (s[i] & 0x3F);
	}
	*sp += n + 1;
	return cp;
}

/* Draws text at (x, y) (top left), at most maxw pixels wide ("..." if cut). */
static void
draw_text(fk_image *img, int x, int y, int scale, const char *s, int maxw)
{
	int adv = FK_QRFONT_W * scale, cx = x, r, b;
	const uint16_t *g;
	uint32_t cp;

	while (*s != '\0') {
		cp = utf8_next(&s);
		if (cp < 0x20)
			cp = '?';
		if (cx + adv > x + maxw - (*s != '\0' ? 3 * adv : 0) && *s != '\0') {
			draw_text(img, cx, y, scale, "...", 3 * adv);
			return;
		}
		if ((g = fk_qrfont_glyph(cp)) == NULL)
			g = fk_qrfont_glyph('?');
		for (r = 0; g != NULL && r < FK_QRFONT_H; r++)
			for (b = 0; b < FK_QRFONT_W; b++)
				if (g[r] & (0x8000u >> b))
					fk_image_fill(img, cx + b * scale, y + r * scale, scale, scale, 0);
		cx += adv;
	}
}

struct sheet {
	const fk_qr_stream *s;
	const char *name;
	char hex[FK_SHA256_HEX + 1];
	int cols, rows, cell_w, cell_h, code_side, top;
	uint32_t total;
	unsigned pages;
};

static void
sheet_header(const struct sheet *sh, fk_image *pg, unsigned page)
{
	char line[512];
	int w = PAGE_W - 2 * PAGE_MARGIN, y = PAGE_MARGIN;

	snprintf(line, sizeof line, "%s", sh->name);
	draw_text(pg, PAGE_MARGIN, y, 2, line, w);
	y += 2 * FK_QRFONT_H + 16;
	snprintf(line, sizeof line, "SHA-256 %s", sh->hex);
	draw_text(pg, PAGE_MARGIN, y, 1, line, w);
	y += FK_QRFONT_H + 8;
	snprintf(line, sizeof line,
	    _("%u bytes; any %u of the %u codes restore the file (fieldkit qr receive). Page %u of %u."),
	    sh->s->len, sh->s->k + 2 > sh->total ? sh->total : sh->s->k + 2, sh->total, page,
	    sh->pages);
	draw_text(pg, PAGE_MARGIN, y, 1, line, w);
}

static int
sheet_layout(struct sheet *sh, const fk_qr_opts *o, fk_err *e)
{
	int modules = 17 + 4 * o->version + 2 * o->margin;

	sh->code_side = modules * o->scale;
	sh->cell_w = sh->code_side + CELL_GAP;
	sh->cell_h = sh->code_side + FK_QRFONT_H + 8 + CELL_GAP;
	sh->top = PAGE_MARGIN + 2 * FK_QRFONT_H + 16 + 2 * (FK_QRFONT_H + 8) + CELL_GAP;
	sh->cols = (PAGE_W - 2 * PAGE_MARGIN + CELL_GAP) / sh->cell_w;
	sh->rows = (PAGE_H - PAGE_MARGIN - sh->top + CELL_GAP) / sh->cell_h;
	if (sh->cols < 1 || sh->rows < 1)
		return fk_fail(e, FK_EUSAGE,
		    _("QR version %d at %d pixels per module does not fit an A4 page; "
		      "use a lower version or scale"), o->version, o->scale);
	return 0;
}

static int
sheet_page(struct sheet *sh, fk_qr_stream *s, const fk_qr_opts *o, unsigned page,
    const char *stem, fk_err *e)
{
	fk_image pg;
	char label[128], *path = NULL;
	uint32_t i, first = (page - 1) * (uint32_t)(sh->cols * sh->rows);
	int slot, x, y, rc = -1;
	QRcode *c;

	if (fk_image_alloc(&pg, PAGE_W, PAGE_H, 255, e) != 0)
		return -1;
	sheet_header(sh, &pg, page);
	for (slot = 0; slot < sh->cols * sh->rows && first + (uint32_t)slot < sh->total; slot++) {
		i = first + (uint32_t)slot;
		x = PAGE_MARGIN + slot % sh->cols * sh->cell_w;
		y = sh->top + slot / sh->cols * sh->cell_h;
		if ((c = fk_qr_stream_code(s, i, e)) == NULL)
			goto fail;
		fk_qr_code_draw(c, o->scale, &pg, x + o->margin * o->scale, y + o->margin * o->scale);
		QRcode_free(c);
		if (i < s->k)
			snprintf(label, sizeof label, _("frame %u of %u"), i + 1, s->k);
		else
			snprintf(label, sizeof label, _("frame %u of %u (extra)"), i + 1, s->k);
		draw_text(&pg, x + o->margin * o->scale, y + sh->code_side, 1, label,
		    sh->code_side - 2 * o->margin * o->scale);
	}
	if (asprintf(&path, "%s-%u.png", stem, page) < 0) {
		path = NULL;
		fk_fail(e, FK_ENOMEM, _("out of memory"));
		goto fail;
	}
	rc = fk_image_save_png(&pg, 300, path, e);
fail:
	free(path);
	fk_image_free(&pg);
	return rc;
}

int
fk_qr_send_sheet(const uint8_t *data, size_t len, const char *name, const char *stem,
    uint32_t extra, const fk_qr_opts *o, unsigned *npages, fk_err *e)
{
	fk_qr_stream s;
	struct sheet sh;
	unsigned page, per;
	int i, rc = 0;

	memset(&sh, 0, sizeof sh);
	if (sheet_layout(&sh, o, e) != 0)
		return -1;
	if (fk_qr_stream_init(&s, data, len, o, e) != 0)
		return -1;
	sh.s = &s;
	sh.name = name;
	for (i = 0; i < 32; i++)
		snprintf(sh.hex + 2 * i, 3, "%02x", s.hash[i]);
	sh.total = s.k + extra;
	per = (unsigned)(sh.cols * sh.rows);
	sh.pages = (sh.total + per - 1) / per;
	for (page = 1; page <= sh.pages && rc == 0; page++)
		rc = sheet_page(&sh, &s, o, page, stem, e);
	if (rc == 0 && npages != NULL)
		*npages = sh.pages;
	fk_qr_stream_free(&s);
	return rc;
}
