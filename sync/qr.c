/*
 * qr.c - the sending side of the QR stream: cutting a buffer into frames,
 * rendering symbols (PNG, text) and writing PNG frame sets.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base45.h"
#include "fountain.h"
#include "io.h"
#include "qr.h"

void
fk_qr_opts_default(fk_qr_opts *o)
{
	o->version = 20;
	o->level = 1;
	o->binary = 0;
	o->scale = 4;
	o->margin = 4;
}

int
fk_qr_parse_level(const char *s)
{
	static const char lv[] = "LMQH";
	const char *p;

	if (s == NULL || s[0] == '\0' || s[1] != '\0' || (p = strchr(lv, s[0] & ~0x20)) == NULL)
		return -1;
	return (int)(p - lv);
}

/* Encodes n frame bytes as one symbol of exactly the given version, or NULL. */
static QRcode *
qr_encode(const uint8_t *p, size_t n, int version, int level, int binary)
{
	QRinput *in;
	QRcode *c = NULL;
	char *txt = NULL;
	int rc;

	in = QRinput_new2(version, (QRecLevel)level);
	if (in == NULL)
		return NULL;
	if (binary) {
		rc = QRinput_append(in, QR_MODE_8, (int)n, p);
	} else {
		size_t m = fk_base45_enclen(n);

		if ((txt = malloc(m)) == NULL) {
			QRinput_free(in);
			return NULL;
		}
		fk_base45_encode(p, n, txt);
		rc = QRinput_append(in, QR_MODE_AN, (int)m, (unsigned char *)txt);
	}
	if (rc == 0)
		c = QRcode_encodeInput(in);
	QRinput_free(in);
	free(txt);
	if (c != NULL && c->version != version) {
		QRcode_free(c);
		c = NULL;
	}
	return c;
}

static int
qr_fits(size_t n, int version, int level, int binary)
{
	static uint8_t zeros[FK_QRF_MAX];
	QRcode *c = qr_encode(zeros, n, version, level, binary);

	if (c == NULL)
		return 0;
	QRcode_free(c);
	return 1;
}

int
fk_qr_chunk_size(int version, int level, int binary, size_t *chunk, fk_err *e)
{
	static size_t cache[41][4][2];
	size_t lo, hi, mid;

	if (version < 1 || version > 40 || level < 0 || level > 3)
		return fk_fail(e, FK_EUSAGE, _("QR version must be 1 to 40 and level L, M, Q or H"));
	if (cache[version][level][binary != 0] == 0) {
		lo = 0;
		hi = FK_QRF_MAX + 1;
		while (hi - lo > 1) {
			mid = (lo + hi) / 2;
			if (qr_fits(mid, version, level, binary))
				lo = mid;
			else
				hi = mid;
		}
		cache[version][level][binary != 0] = lo + 1;
	}
	lo = cache[version][level][binary != 0] - 1;
	if (lo < FK_QRF_OVERHEAD + 16)
		return fk_fail(e, FK_EUSAGE,
		    _("QR version %d at this level is too small for a stream frame; use a higher version"),
		    version);
	*chunk = lo - FK_QRF_OVERHEAD;
	return 0;
}

void
fk_qr_stream_id(const uint8_t hash[FK_SHA256_LEN], uint32_t len, size_t chunk, uint8_t sid[8])
{
	static const char tag[] = "fieldkit-qr-v1";
	crypto_hash_sha256_state st;
	uint8_t b[6], out[FK_SHA256_LEN];

	b[0] = (uint8_t)(len >> 24);
	b[1] = (uint8_t)(len >> 16);
	b[2] = (uint8_t)(len >> 8);
	b[3] = (uint8_t)len;
	b[4] = (uint8_t)(chunk >> 8);
	b[5] = (uint8_t)chunk;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)tag, sizeof tag - 1);
	crypto_hash_sha256_update(&st, b, sizeof b);
	crypto_hash_sha256_update(&st, hash, 32);
	crypto_hash_sha256_final(&st, out);
	memcpy(sid, out, 8);
}

int
fk_qr_stream_init(fk_qr_stream *s, const uint8_t *data, size_t len, const fk_qr_opts *o,
    fk_err *e)
{
	memset(s, 0, sizeof *s);
	s->o = *o;
	if (fk_qr_chunk_size(o->version, o->level, o->binary, &s->chunk, e) != 0)
		return -1;
	s->k = fk_qrframe_k(len, s->chunk);
	if (len > FK_QR_MAX_LEN || s->k == 0 || s->k > FK_QR_MAX_K)
		return fk_fail(e, FK_ELIMIT,
		    _("the file is too large for a QR stream at version %d (at most %u frames, %u bytes); "
		      "use a higher version or a USB bundle"),
		    o->version, FK_QR_MAX_K, FK_QR_MAX_LEN);
	s->len = (uint32_t)len;
	s->msg = calloc(s->k, s->chunk);
	s->scratch = malloc(s->k);
	if (s->msg == NULL || s->scratch == NULL) {
		fk_qr_stream_free(s);
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	}
	if (len > 0)
		memcpy(s->msg, data, len);
	crypto_hash_sha256(s->hash, data, len);
	memcpy(s->msg + len, s->hash, 32);
	fk_qr_stream_id(s->hash, s->len, s->chunk, s->sid);
	return 0;
}

void
fk_qr_stream_free(fk_qr_stream *s)
{
	free(s->msg);
	free(s->scratch);
	s->msg = s->scratch = NULL;
}

size_t
fk_qr_stream_frame(fk_qr_stream *s, uint32_t index, uint8_t *out)
{
	fk_qrframe f;

	memcpy(f.sid, s->sid, 8);
	f.k = s->k;
	f.len = s->len;
	f.index = index;
	f.chunk = s->chunk;
	fk_fountain_encode(s->msg, s->k, s->chunk, s->sid, index, out + FK_QRF_HEADER,
	    s->scratch);
	f.payload = out + FK_QRF_HEADER;
	return fk_qrframe_build(&f, out);
}

QRcode *
fk_qr_stream_code(fk_qr_stream *s, uint32_t index, fk_err *e)
{
	uint8_t fr[FK_QRF_MAX];
	size_t n = fk_qr_stream_frame(s, index, fr);
	QRcode *c = qr_encode(fr, n, s->o.version, s->o.level, s->o.binary);

	if (c == NULL)
		fk_fail(e, FK_ENOMEM, _("cannot encode QR frame %u: %s"), index,
		    strerror(errno ? errno : ENOMEM));
	return c;
}

void
fk_qr_code_draw(const QRcode *c, int scale, fk_image *img, int x, int y)
{
	int r, q;

	for (r = 0; r < c->width; r++)
		for (q = 0; q < c->width; q++)
			if (c->data[r * c->width + q] & 1)
				fk_image_fill(img, x + q * scale, y + r * scale, scale, scale, 0);
}

int
fk_qr_code_image(const QRcode *c, int scale, int margin, fk_image *img, fk_err *e)
{
	int side = (c->width + 2 * margin) * scale;

	if (fk_image_alloc(img, side, side, 255, e) != 0)
		return -1;
	fk_qr_code_draw(c, scale, img, margin * scale, margin * scale);
	return 0;
}

static int
qr_dark(const QRcode *c, int margin, int x, int y)
{
	x -= margin;
	y -= margin;
	if (x < 0 || y < 0 || x >= c->width || y >= c->width)
		return 0;
	return c->data[y * c->width + x] & 1;
}

int
fk_qr_code_text(const QRcode *c, int margin, fk_buf *out, fk_err *e)
{
	/* Light modules are drawn (bright white on black), dark ones left blank. */
	/* Index: top module dark (1) | bottom module dark (2). */
	static const char *cell[4] = {"\xe2\x96\x88", "\xe2\x96\x84", "\xe2\x96\x80", " "};
	int side = c->width + 2 * margin, x, y;

	for (y = 0; y < side; y += 2) {
		if (fk_buf_append(out, "\033[97;40m", 8, e) != 0)
			return -1;
		for (x = 0; x < side; x++) {
			int top = qr_dark(c, margin, x, y);
			int bot = y + 1 < side ? qr_dark(c, margin, x, y + 1) : 1;
			const char *s = cell[top | bot << 1];

			if (fk_buf_append(out, s, strlen(s), e) != 0)
				return -1;
		}
		if (fk_buf_append(out, "\033[0m\n", 5, e) != 0)
			return -1;
	}
	return 0;
}

uint32_t
fk_qr_extra_frames(uint32_t k, unsigned percent)
{
	return (uint32_t)(((uint64_t)k * percent + 99) / 100);
}

/* True if dir already holds frame-*.png files (of an earlier stream, perhaps). */
static int
dir_has_frames(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n;
	int found = 0;

	if (d == NULL)
		return 0;
	while (!found && (de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		found = n > 10 && strncmp(de->d_name, "frame-", 6) == 0 &&
		    strcmp(de->d_name + n - 4, ".png") == 0;
	}
	closedir(d);
	return found;
}

/* Writes img as DIR/frame-NNNNN.png (NNNNN = i + 1), atomically. */
static int
save_frame(const fk_image *img, const char *dir, uint32_t i, fk_err *e)
{
	char *path;
	int rc;

	if (asprintf(&path, "%s/frame-%05u.png", dir, i + 1) < 0)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	rc = fk_image_save_png(img, 0, path, e);
	free(path);
	return rc;
}

/* Frame i as an image: one code with its quiet zone (l NULL), or screen frame i of l. */
static int
frame_image(fk_qr_stream *s, const fk_qr_layout *l, int sw, int sh, uint32_t i,
    fk_image *img, fk_err *e)
{
	QRcode *c;
	int rc;

	if (l != NULL)
		return fk_qr_frame_image(s, l, i, sw, sh, img, e);
	if ((c = fk_qr_stream_code(s, i, e)) == NULL)
		return -1;
	rc = fk_qr_code_image(c, s->o.scale, s->o.margin, img, e);
	QRcode_free(c);
	return rc;
}

/* Writes the PNG frames of a stream: codes 0 .. k + extra - 1, as frame_image draws them. */
static int
send_images(const uint8_t *data, size_t len, const char *dir, unsigned extra_percent,
    const fk_qr_opts *o, const fk_qr_layout *l, int sw, int sh, fk_qr_send_fn cb, void *ctx,
    uint32_t *nframes, fk_err *e)
{
	fk_qr_stream s;
	fk_image img = {0, 0, NULL};
	uint32_t i, n;
	int rc = -1;

	if (dir_has_frames(dir))
		return fk_fail(e, FK_ESTATE, _("%s already holds frame-*.png files; remove them or "
		    "choose another directory, so that two streams do not mix"), dir);
	if (fk_qr_stream_init(&s, data, len, o, e) != 0)
		return -1;
	if (fk_mkdir_target(dir, 0755, e) != 0)
		goto fail;
	n = s.k + fk_qr_extra_frames(s.k, extra_percent);
	if (l != NULL)
		n = fk_qr_layout_frames(n, l);
	for (i = 0; i < n; i++) {
		if (frame_image(&s, l, sw, sh, i, &img, e) != 0 || save_frame(&img, dir, i, e) != 0)
			goto fail;
		fk_image_free(&img);
		if (cb != NULL)
			cb(i + 1, n, ctx);
	}
	if (nframes != NULL)
		*nframes = n;
	rc = 0;
fail:
	fk_image_free(&img);
	fk_qr_stream_free(&s);
	return rc;
}

int
fk_qr_send_png(const uint8_t *data, size_t len, const char *dir, unsigned extra_percent,
    const fk_qr_opts *o, uint32_t *nframes, fk_err *e)
{
	return send_images(data, len, dir, extra_percent, o, NULL, 0, 0, NULL, NULL, nframes, e);
}

int
fk_qr_send_screens(const uint8_t *data, size_t len, const char *dir,
    unsigned extra_percent, const fk_qr_opts *o, const fk_qr_layout *l, int sw, int sh,
    fk_qr_send_fn cb, void *ctx, uint32_t *nframes, fk_err *e)
{
	return send_images(data, len, dir, extra_percent, o, l, sw, sh, cb, ctx, nframes, e);
}
