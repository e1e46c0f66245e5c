/*
 * qrrx.c - the receiving side of the QR stream.
 *
 * Frames are sorted into streams by stream id, k, length and chunk size;
 * each stream has its own decoder, so frames of another stream (an old one
 * replayed, a second sender in view) cannot touch it. A stream that reaches
 * full rank is verified (SHA-256 carried in the stream, stream id recomputed)
 * before it counts as done; one that fails is dropped and reported.
 * At most FK_QR_MAX_STREAMS streams are kept: a new stream replaces the
 * unfinished one with the fewest useful frames. If two streams of different
 * files complete (an old stream replayed in full among the images), the
 * receiver refuses to choose: fk_qr_rx_take fails.
 *
 * Reading a picture (fk_qr_rx_scan): when it shows a screen frame's ring
 * (qrring.h), zbar reads the rectified inside first; zbar reads the picture
 * as it is when there is no ring or the ring gave fewer codes than pictures
 * of this stream have held; zxing-cpp (qrzxing.h) gets what is still
 * missing. Each symbol of a picture is fed once, whichever decoder read it.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <sodium.h>
#include <zbar.h>

#include "fountain.h"
#include "io.h"
#include "qr.h"
#include "qrring.h"
#include "qrzxing.h"

#define SCAN_MAX_SYMBOLS 64 /* symbols of one picture told apart */

struct rx_stream {
	int used;
	unsigned failed;
	uint8_t sid[8];
	uint32_t k, len;
	size_t chunk;
	unsigned long useful, frames;
	int complete;  /* decoded and verified */
	uint32_t recent[32]; /* indices seen lately: repeats skip the elimination */
	unsigned nrecent;
	uint8_t hash[FK_SHA256_LEN];
	uint8_t *have; /* k bits: source frames received */
	fk_fountain_dec *dec;
};

struct fk_qr_rx {
	size_t max_len;
	struct rx_stream s[FK_QR_MAX_STREAMS];
	int done;    /* index of the first verified stream, or -1 */
	int conflict; /* another verified stream holds a different file */
	fk_qr_progress p;
	unsigned decoders; /* FK_QR_DEC_* */
	zbar_image_scanner_t *zs;
	uint8_t buf[FK_QRF_MAX];
};

/* The symbols of the picture being scanned, by hash, so each is fed once. */
struct scan {
	fk_qr_rx *rx;
	fk_err *e;
	uint64_t seen[SCAN_MAX_SYMBOLS];
	unsigned nseen;
	unsigned valid; /* distinct symbols that were frames */
	unsigned zxing; /* of them, read by zxing only */
	unsigned target; /* codes the picture seems to hold (its cells) */
	int from_zxing;
	int failed;
	int ox, oy;      /* where the image zbar reads lies in the rectified one */
	double px[SCAN_MAX_SYMBOLS], py[SCAN_MAX_SYMBOLS]; /* middles of zbar's symbols */
	unsigned npos;
	int record;      /* keep the middles (the rectified image and its cells) */
};

fk_qr_rx *
fk_qr_rx_new(size_t max_len, fk_err *e)
{
	fk_qr_rx *rx = calloc(1, sizeof *rx);

	if (rx == NULL) {
		fk_fail(e, FK_ENOMEM, _("out of memory"));
		return NULL;
	}
	rx->max_len = max_len == 0 || max_len > FK_QR_MAX_LEN ? FK_QR_MAX_LEN : max_len;
	rx->done = -1;
	rx->decoders = FK_QR_DEC_ALL;
	return rx;
}

void
fk_qr_rx_set_decoders(fk_qr_rx *rx, unsigned decoders)
{
	rx->decoders = decoders;
}

static void
rx_stream_clear(struct rx_stream *s)
{
	fk_fountain_dec_free(s->dec);
	free(s->have);
	memset(s, 0, sizeof *s);
}

void
fk_qr_rx_free(fk_qr_rx *rx)
{
	int i;

	if (rx == NULL)
		return;
	for (i = 0; i < FK_QR_MAX_STREAMS; i++)
		rx_stream_clear(&rx->s[i]);
	if (rx->zs != NULL)
		zbar_image_scanner_destroy(rx->zs);
	free(rx);
}

static int
rx_same(const struct rx_stream *s, const fk_qrframe *f)
{
	return s->used && memcmp(s->sid, f->sid, 8) == 0 && s->k == f->k && s->len == f->len &&
	    s->chunk == f->chunk;
}

/* The stream a frame belongs to, making room for a new one; NULL if refused. */
static struct rx_stream *
rx_stream_for(fk_qr_rx *rx, const fk_qrframe *f)
{
	struct rx_stream *s, *victim = NULL;
	int i;

	for (i = 0; i < FK_QR_MAX_STREAMS; i++)
		if (rx_same(&rx->s[i], f))
			return &rx->s[i];
	if (f->len > rx->max_len || f->k > FK_QR_MAX_K)
		return NULL;
	for (i = 0; i < FK_QR_MAX_STREAMS; i++) {
		s = &rx->s[i];
		if (s->complete)
			continue;
		if (!s->used) {
			victim = s;
			break;
		}
		if (victim == NULL || s->useful < victim->useful)
			victim = s;
	}
	if (victim == NULL)
		return NULL;
	rx_stream_clear(victim);
	victim->dec = fk_fountain_dec_new(f->k, f->chunk, f->sid);
	victim->have = calloc((f->k + 7) / 8, 1);
	if (victim->dec == NULL || victim->have == NULL) {
		/* no memory for this (perhaps forged) stream: refuse its frames */
		rx_stream_clear(victim);
		return NULL;
	}
	victim->used = 1;
	memcpy(victim->sid, f->sid, 8);
	victim->k = f->k;
	victim->len = f->len;
	victim->chunk = f->chunk;
	rx->p.streams++;
	return victim;
}

/* Checks a complete stream: SHA-256, zero padding and stream id. */
static int
rx_verify(const struct rx_stream *s)
{
	const uint8_t *m = fk_fountain_dec_message(s->dec);
	uint8_t h[FK_SHA256_LEN], sid[8];
	size_t i, end = (size_t)s->k * s->chunk;

	if (m == NULL)
		return -1;
	crypto_hash_sha256(h, m, s->len);
	if (sodium_memcmp(h, m + s->len, 32) != 0)
		return -1;
	for (i = (size_t)s->len + 32; i < end; i++)
		if (m[i] != 0)
			return -1;
	fk_qr_stream_id(h, s->len, s->chunk, sid);
	return memcmp(sid, s->sid, 8) == 0 ? 0 : -1;
}

/* True if the stream saw this frame index lately; remembers it otherwise. */
static int
rx_seen(struct rx_stream *s, uint32_t index)
{
	unsigned i, n = s->nrecent < 32 ? s->nrecent : 32;

	for (i = 0; i < n; i++)
		if (s->recent[i] == index)
			return 1;
	s->recent[s->nrecent++ % 32] = index;
	if (s->nrecent >= 64)
		s->nrecent = 32;
	return 0;
}

int
fk_qr_rx_feed(fk_qr_rx *rx, const uint8_t *sym, size_t n, fk_err *e)
{
	struct rx_stream *s;
	fk_qrframe f;
	int rc;

	rx->p.symbols++;
	if (fk_qrframe_from_symbol(sym, n, rx->buf, &f) != 0) {
		rx->p.invalid++;
		return FK_QR_FEED_INVALID;
	}
	rx->p.frames++;
	if ((s = rx_stream_for(rx, &f)) == NULL) {
		rx->p.refused++;
		return FK_QR_FEED_REFUSED;
	}
	s->frames++;
	if (s->complete)
		return FK_QR_FEED_REDUNDANT;
	if (s->dec == NULL && (s->dec = fk_fountain_dec_new(s->k, s->chunk, s->sid)) == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory for a QR stream of %u bytes"), s->len);
	if (rx_seen(s, f.index))
		return FK_QR_FEED_REDUNDANT;
	if (f.index < s->k)
		s->have[f.index / 8] |= (uint8_t)(1u << (f.index % 8));
	rc = fk_fountain_dec_add(s->dec, f.index, f.payload);
	if (rc < 0)
		return fk_fail(e, FK_ENOMEM, _("out of memory while decoding the QR stream"));
	if (rc == 0)
		return FK_QR_FEED_REDUNDANT;
	s->useful++;
	rx->p.useful++;
	if (fk_fountain_dec_rank(s->dec) < s->k)
		return FK_QR_FEED_USEFUL;
	if (rx_verify(s) != 0) {
		/* A frame with a valid CRC but wrong content: start the stream over. */
		s->failed++;
		s->useful = 0;
		s->nrecent = 0;
		memset(s->have, 0, (s->k + 7) / 8);
		fk_fountain_dec_free(s->dec);
		s->dec = NULL;
		rx->p.failed++;
		return FK_QR_FEED_FAILED;
	}
	s->complete = 1;
	if (rx->p.done_at == 0)
		rx->p.done_at = rx->p.images;
	memcpy(s->hash, fk_fountain_dec_message(s->dec) + s->len, 32);
	if (rx->done < 0)
		rx->done = (int)(s - rx->s);
	else if (rx->s[rx->done].len != s->len || memcmp(rx->s[rx->done].hash, s->hash, 32) != 0)
		rx->conflict = 1;
	return FK_QR_FEED_DONE;
}

/* FNV-1a: tells the symbols of one picture apart (not a security check). */
static uint64_t
sym_hash(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h ^ n;
}

/* Feeds one symbol of the picture unless another decoder gave it already. */
static int
scan_symbol(void *ctx, const uint8_t *p, size_t n)
{
	struct scan *sc = ctx;
	uint64_t h = sym_hash(p, n);
	unsigned i;
	int rc;

	for (i = 0; i < sc->nseen; i++)
		if (sc->seen[i] == h)
			return 0;
	if (sc->nseen < SCAN_MAX_SYMBOLS)
		sc->seen[sc->nseen++] = h;
	rc = fk_qr_rx_feed(sc->rx, p, n, sc->e);
	if (rc < 0) {
		sc->failed = 1;
		return -1;
	}
	if (rc != FK_QR_FEED_INVALID) {
		sc->valid++;
		sc->zxing += (unsigned)sc->from_zxing;
	}
	return 0;
}

static int
scan_zbar(struct scan *sc, const fk_image *img)
{
	fk_qr_rx *rx = sc->rx;
	zbar_image_t *zi;
	const zbar_symbol_t *sym;

	if (rx->zs == NULL) {
		rx->zs = zbar_image_scanner_create();
		if (rx->zs == NULL)
			return fk_fail(sc->e, FK_ENOMEM, _("out of memory"));
		zbar_image_scanner_set_config(rx->zs, 0, ZBAR_CFG_ENABLE, 0);
		zbar_image_scanner_set_config(rx->zs, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
		zbar_image_scanner_set_config(rx->zs, ZBAR_QRCODE, ZBAR_CFG_BINARY, 1);
	}
	zi = zbar_image_create();
	if (zi == NULL)
		return fk_fail(sc->e, FK_ENOMEM, _("out of memory"));
	zbar_image_set_format(zi, zbar_fourcc('Y', '8', '0', '0'));
	zbar_image_set_size(zi, (unsigned)img->w, (unsigned)img->h);
	zbar_image_set_data(zi, img->px, (unsigned long)img->w * (unsigned long)img->h, NULL);
	if (zbar_scan_image(rx->zs, zi) < 0) {
		zbar_image_destroy(zi);
		return fk_fail(sc->e, FK_EINPUT, _("the QR decoder failed on an image"));
	}
	sc->from_zxing = 0;
	for (sym = zbar_image_first_symbol(zi); sym != NULL; sym = zbar_symbol_next(sym)) {
		unsigned i, nl;

		if (zbar_symbol_get_type(sym) != ZBAR_QRCODE)
			continue;
		if (sc->record && sc->npos < SCAN_MAX_SYMBOLS &&
		    (nl = zbar_symbol_get_loc_size(sym)) > 0) {
			double x = 0, y = 0;

			for (i = 0; i < nl; i++) {
				x += zbar_symbol_get_loc_x(sym, i);
				y += zbar_symbol_get_loc_y(sym, i);
			}
			sc->px[sc->npos] = sc->ox + x / nl;
			sc->py[sc->npos] = sc->oy + y / nl;
			sc->npos++;
		}
		if (scan_symbol(sc, (const uint8_t *)zbar_symbol_get_data(sym),
		    zbar_symbol_get_data_length(sym)) != 0)
			break;
	}
	zbar_image_destroy(zi);
	return sc->failed ? -1 : 0;
}

/* zxing's own failures leave what zbar read; only ours (out of memory) fail. */
static int
scan_zxing(struct scan *sc, const fk_image *img)
{
	sc->from_zxing = 1;
	(void)fk_zxing_scan(img->px, img->w, img->h, img->w, scan_symbol, sc);
	return sc->failed ? -1 : 0;
}

/* Fewer codes than pictures of this stream have held or cells seen (or none at all). */
static int
scan_short(const struct scan *sc)
{
	return sc->valid == 0 || sc->valid < sc->rx->p.per_image || sc->valid < sc->target;
}

/* Whether zbar already read a code inside this cell. */
static int
cell_read(const struct scan *sc, const fk_qr_cell *c)
{
	unsigned j;

	for (j = 0; j < sc->npos; j++)
		if (sc->px[j] >= c->x && sc->px[j] < c->x + c->w &&
		    sc->py[j] >= c->y && sc->py[j] < c->y + c->h)
			return 1;
	return 0;
}

/* One cut-out read alone: zbar, then zxing if zbar found nothing new. */
static int
read_alone(struct scan *sc, const fk_image *sub)
{
	unsigned before = sc->valid;

	if (scan_zbar(sc, sub) != 0)
		return -1;
	if (sc->valid == before && (sc->rx->decoders & FK_QR_DEC_ZXING))
		return scan_zxing(sc, sub);
	return 0;
}

/*
 * Reads the cells of the rectified image where zbar found no symbol, one at
 * a time: zbar, then zxing. zbar, given several codes at once, now and then
 * misses one that it reads alone.
 */
static int
scan_cells(struct scan *sc, const fk_image *rect)
{
	fk_qr_cell cell[64];
	int n = fk_qr_ring_cells(rect, cell, 64), i, y;

	sc->target = (unsigned)n;
	if (!scan_short(sc))
		return 0;
	for (i = 0; i < n; i++) {
		fk_image sub;

		if (cell_read(sc, &cell[i]))
			continue; /* zbar read this one */
		if (fk_image_alloc(&sub, cell[i].w, cell[i].h, 255, sc->e) != 0)
			return -1;
		for (y = 0; y < cell[i].h; y++)
			memcpy(sub.px + (size_t)y * (size_t)sub.w,
			    rect->px + (size_t)(cell[i].y + y) * (size_t)rect->w + (size_t)cell[i].x,
			    (size_t)cell[i].w);
		sc->ox = cell[i].x;
		sc->oy = cell[i].y;
		if (read_alone(sc, &sub) != 0) {
			fk_image_free(&sub);
			return -1;
		}
		fk_image_free(&sub);
	}
	sc->ox = sc->oy = 0;
	return 0;
}

#define BLOBS_MAX 32

/*
 * Binarises an image against the mean of a (2r+1)^2 window around each
 * pixel: a shadow's edge or a crease across a code no longer moves its
 * threshold. 0, or -1 (e set).
 */
static int
binarise(fk_image *im, int r, fk_err *e)
{
	size_t W = (size_t)im->w + 1;
	uint32_t *ii = malloc(W * ((size_t)im->h + 1) * sizeof *ii);
	int x, y;

	if (ii == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	for (x = 0; x <= im->w; x++)
		ii[x] = 0;
	for (y = 1; y <= im->h; y++) {
		uint32_t row = 0;

		ii[(size_t)y * W] = 0;
		for (x = 1; x <= im->w; x++) {
			row += im->px[(size_t)(y - 1) * (size_t)im->w + (size_t)x - 1];
			ii[(size_t)y * W + (size_t)x] = ii[(size_t)(y - 1) * W + (size_t)x] + row;
		}
	}
	for (y = 0; y < im->h; y++)
		for (x = 0; x < im->w; x++) {
			int xa = x - r < 0 ? 0 : x - r, xb = x + r + 1 > im->w ? im->w : x + r + 1;
			int ya = y - r < 0 ? 0 : y - r, yb = y + r + 1 > im->h ? im->h : y + r + 1;
			uint32_t sum = ii[(size_t)yb * W + (size_t)xb] - ii[(size_t)ya * W + (size_t)xb] -
			    ii[(size_t)yb * W + (size_t)xa] + ii[(size_t)ya * W + (size_t)xa];
			uint8_t *p = &im->px[(size_t)y * (size_t)im->w + (size_t)x];

			*p = (uint32_t)*p * (uint32_t)((xb - xa) * (yb - ya)) < sum ? 0 : 255;
		}
	free(ii);
	return 0;
}

/*
 * A picture without a ring that gave fewer codes than it shows (a printed
 * sheet turned, unevenly lit, far away): each code-sized dark patch where
 * zbar found no symbol is cut out, enlarged twice (bilinear) and read alone:
 * zbar, then zxing.
 */
static int
scan_blobs(struct scan *sc, const fk_image *img)
{
	fk_qr_cell cell[BLOBS_MAX];
	int n, i, x, y;

	if ((n = fk_qr_blobs(img, cell, BLOBS_MAX, sc->e)) < 0)
		return -1;
	if (sc->target < (unsigned)n)
		sc->target = (unsigned)n;
	if (!scan_short(sc))
		return 0;
	for (i = 0; i < n; i++) {
		fk_image sub;
		unsigned before = sc->valid;
		int z = (long)cell[i].w * cell[i].h <= 1000000L ? 2 : 1;

		if (cell_read(sc, &cell[i]))
			continue;
		if (fk_image_alloc(&sub, cell[i].w * z, cell[i].h * z, 255, sc->e) != 0)
			return -1;
		for (y = 0; y < sub.h; y++)
			for (x = 0; x < sub.w; x++)
				sub.px[(size_t)y * (size_t)sub.w + (size_t)x] = (uint8_t)(0.5 + fk_image_sample(img,
				    cell[i].x + (x + 0.5) / z - 0.5, cell[i].y + (y + 0.5) / z - 0.5));
		sc->record = 0;
		if (read_alone(sc, &sub) != 0 ||
		    (sc->valid == before && (binarise(&sub, sub.w / 24 > 2 ? sub.w / 24 : 2, sc->e) != 0 ||
		    read_alone(sc, &sub) != 0))) {
			fk_image_free(&sub);
			return -1;
		}
		fk_image_free(&sub);
	}
	return 0;
}

int
fk_qr_rx_scan(fk_qr_rx *rx, const fk_image *img, fk_err *e)
{
	struct scan sc;
	fk_image rect = {0, 0, NULL};
	fk_qr_quad q;
	int ring = 0, screen, rc = -1;

	memset(&sc, 0, sizeof sc);
	sc.rx = rx;
	sc.e = e;
	rx->p.images++;
	if (rx->decoders & FK_QR_DEC_RING) {
		if ((ring = fk_qr_ring_find(img, &q, e)) < 0)
			return -1;
		if (ring == 1 && fk_qr_ring_rectify(img, &q, &rect, NULL) != 0)
			ring = 0; /* too large to undo (or no memory for it): read the picture as it is */
		if (ring == 1) {
			rx->p.rectified++;
			sc.record = 1;
			if (scan_zbar(&sc, &rect) != 0 || scan_cells(&sc, &rect) != 0)
				goto out;
			sc.record = 0;
		}
	}
	/*
	 * A ring whose inside held more codes than cells is no screen frame's
	 * (the dark around a photographed page): read the picture as one
	 * without a ring, too.
	 */
	screen = ring && sc.valid <= sc.target;
	if (!screen || scan_short(&sc)) {
		sc.npos = 0;
		sc.record = 1;
		if (scan_zbar(&sc, img) != 0)
			goto out;
		sc.record = 0;
		if ((rx->decoders & FK_QR_DEC_RING) && (!screen || scan_short(&sc)) &&
		    scan_blobs(&sc, img) != 0)
			goto out;
	}
	if (rx->decoders & FK_QR_DEC_ZXING) {
		if (ring && scan_short(&sc) && scan_zxing(&sc, &rect) != 0)
			goto out;
		if ((!ring || scan_short(&sc)) && scan_zxing(&sc, img) != 0)
			goto out;
	}
	if (sc.valid > rx->p.per_image)
		rx->p.per_image = sc.valid;
	rx->p.zxing += sc.zxing;
	rc = (int)sc.valid;
out:
	fk_image_free(&rect);
	return rc;
}

size_t
fk_qr_rx_missing(const fk_qr_rx *rx, uint32_t *idx, size_t max)
{
	const struct rx_stream *lead = NULL;
	size_t n = 0;
	uint32_t i;
	int j;

	if (rx->done >= 0)
		return 0;
	for (j = 0; j < FK_QR_MAX_STREAMS; j++)
		if (rx->s[j].used && !rx->s[j].complete &&
		    (lead == NULL || rx->s[j].useful > lead->useful))
			lead = &rx->s[j];
	if (lead == NULL || lead->have == NULL)
		return 0;
	for (i = 0; i < lead->k; i++)
		if (!(lead->have[i / 8] & (1u << (i % 8)))) {
			if (n < max)
				idx[n] = i;
			n++;
		}
	return n;
}

void
fk_qr_rx_progress(const fk_qr_rx *rx, fk_qr_progress *p)
{
	const struct rx_stream *lead = NULL;
	int i;

	*p = rx->p;
	if (rx->done >= 0) {
		lead = &rx->s[rx->done];
	} else {
		for (i = 0; i < FK_QR_MAX_STREAMS; i++)
			if (rx->s[i].used &&
			    (lead == NULL || rx->s[i].useful > lead->useful))
				lead = &rx->s[i];
	}
	p->done = rx->done >= 0;
	p->missing = (uint32_t)fk_qr_rx_missing(rx, p->missing_first, FK_QR_MISSING_SHOWN);
	p->other = p->frames - p->refused;
	if (lead != NULL) {
		p->k = lead->k;
		p->len = lead->len;
		p->rank = lead->dec == NULL ? 0 : fk_fountain_dec_rank(lead->dec);
		p->other -= lead->frames;
	}
}

int
fk_qr_rx_done(const fk_qr_rx *rx)
{
	return rx->done >= 0;
}

int
fk_qr_rx_take(fk_qr_rx *rx, fk_buf *out, fk_err *e)
{
	fk_qr_progress p;
	const struct rx_stream *s;

	if (rx->done < 0) {
		fk_qr_rx_progress(rx, &p);
		if (p.failed > 0 && p.rank == 0)
			return fk_fail(e, FK_EINPUT,
			    _("the QR stream decoded but its checksum is wrong; receive it again"));
		if (p.k == 0)
			return fk_fail(e, FK_ESTATE,
			    _("no QR stream frames found in %lu images (%lu QR codes unreadable as frames)"),
			    p.images, p.invalid);
		fk_fail(e, FK_ESTATE,
		    ngettext("incomplete QR stream: %u of %u frames received, %u more frame "
		    "needed", "incomplete QR stream: %u of %u frames received, %u more frames "
		    "needed", p.k - p.rank), p.rank, p.k, p.k - p.rank);
		/* After a frame with a valid checksum but wrong content (forged, or
		 * a damaged picture) the stream started over: say so, or "frames
		 * needed" is all the worker hears after giving every frame. */
		if (p.failed > 0) {
			size_t l = strlen(e->msg);
			snprintf(e->msg + l, sizeof e->msg - l, ngettext("; the frames once made a file "
			    "that did not verify (a wrong frame among them), so decoding started over "
			    "%u time", "; the frames once made a file that did not verify (a wrong "
			    "frame among them), so decoding started over %u times", p.failed), p.failed);
		}
		return -1;
	}
	if (rx->conflict)
		return fk_fail(e, FK_EINPUT,
		    _("the images hold more than one complete file (QR streams of different "
		      "files); give the images of one stream only"));
	s = &rx->s[rx->done];
	return fk_buf_append(out, fk_fountain_dec_message(s->dec), s->len, e);
}

static int
img_name_ok(const char *n)
{
	const char *dot = strrchr(n, '.');

	return n[0] != '.' && dot != NULL && (strcasecmp(dot, ".png") == 0 ||
	    strcasecmp(dot, ".jpg") == 0 || strcasecmp(dot, ".jpeg") == 0);
}

static int
name_cmp(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

struct rx_run {
	fk_qr_rx *rx;
	fk_qr_progress_fn cb;
	void *ctx;
	unsigned long unreadable;
	char first_bad[512];   /* the first unreadable image and why (outside text: shown escaped) */
};

static void
rx_report(struct rx_run *r, const char *path)
{
	fk_qr_progress p;

	if (r->cb == NULL)
		return;
	fk_qr_rx_progress(r->rx, &p);
	p.unreadable = r->unreadable;
	snprintf(p.first_unreadable, sizeof p.first_unreadable, "%s", r->first_bad);
	r->cb(&p, path, r->ctx);
}

static int
rx_image(struct rx_run *r, const char *path, fk_err *e)
{
	fk_image img;
	fk_err ie;
	int rc;

	if (fk_image_load(path, &img, &ie) != 0) {
		if (r->unreadable++ == 0)
			snprintf(r->first_bad, sizeof r->first_bad, "%.200s", ie.msg);
		rx_report(r, path);
		return 0;
	}
	rc = fk_qr_rx_scan(r->rx, &img, e);
	fk_image_free(&img);
	if (rc < 0)
		return -1;
	rx_report(r, path);
	return 0;
}

static int
rx_dir(struct rx_run *r, const char *dir, fk_err *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL, **nn, *path;
	size_t n = 0, cap = 0, i;
	int rc = 0;

	if (d == NULL)
		return fk_fail(e, FK_EIO, _("cannot open the directory %s"), dir);
	while ((de = readdir(d)) != NULL) {
		if (!img_name_ok(de->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nn = realloc(names, cap * sizeof *names)) == NULL)
				break;
			names = nn;
		}
		if ((names[n] = strdup(de->d_name)) == NULL)
			break;
		n++;
	}
	closedir(d);
	if (de != NULL)
		rc = fk_fail(e, FK_ENOMEM, _("out of memory"));
	if (n > 0)
		qsort(names, n, sizeof *names, name_cmp);
	for (i = 0; i < n && rc == 0; i++) {
		if (asprintf(&path, "%s/%s", dir, names[i]) < 0)
			rc = fk_fail(e, FK_ENOMEM, _("out of memory"));
		else {
			rc = rx_image(r, path, e);
			free(path);
		}
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

int
fk_qr_receive_images(const char **paths, size_t n, fk_buf *out, fk_qr_progress_fn cb,
    void *ctx, fk_err *e)
{
	return fk_qr_receive_images_dec(paths, n, FK_QR_DEC_ALL, out, cb, ctx, e);
}

int
fk_qr_receive_images_dec(const char **paths, size_t n, unsigned decoders, fk_buf *out,
    fk_qr_progress_fn cb, void *ctx, fk_err *e)
{
	struct rx_run r = {NULL, cb, ctx, 0, ""};
	struct stat st;
	size_t i;
	int rc = 0;

	if ((r.rx = fk_qr_rx_new(0, e)) == NULL)
		return -1;
	fk_qr_rx_set_decoders(r.rx, decoders);
	for (i = 0; i < n && rc == 0; i++) {
		if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode))
			rc = rx_dir(&r, paths[i], e);
		else
			rc = rx_image(&r, paths[i], e);
	}
	if (rc == 0) {
		fk_qr_progress p;
		fk_qr_rx_progress(r.rx, &p);
		/* An empty folder (or the wrong one) is said as such, not as "no frames
		 * found in 0 images". */
		if (p.images == 0 && r.unreadable == 0)
			rc = fk_fail(e, FK_ESTATE, _("no pictures to read (PNG or JPEG files): check "
			    "the folder, or that the pictures were copied"));
		else
			rc = fk_qr_rx_take(r.rx, out, e);
	}
	if (rc != 0 && r.unreadable > 0)
		fk_prefix(e, _("%lu images could not be read"), r.unreadable);
	fk_qr_rx_free(r.rx);
	return rc;
}

int
fk_qr_receive_text(const uint8_t *p, size_t n, fk_buf *out, fk_err *e)
{
	fk_qr_rx *rx;
	size_t off = 0, len;
	int rc = 0;

	if ((rx = fk_qr_rx_new(0, e)) == NULL)
		return -1;
	while (off < n && rc == 0) {
		for (len = 0; off + len < n && p[off + len] != '\n'; len++)
			;
		if (len > 0 && fk_qr_rx_feed(rx, p + off, len - (p[off + len - 1] == '\r'), e) < 0)
			rc = -1;
		off += len + 1;
	}
	if (rc == 0)
		rc = fk_qr_rx_take(rx, out, e);
	fk_qr_rx_free(rx);
	return rc;
}
