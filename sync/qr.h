/*
 * qr.h - moving any buffer as a stream of QR codes (docs/qr-stream.md).
 *
 * Sender: fk_qr_stream cuts a buffer into frames (qrframe.h) of a systematic
 * fountain code (fountain.h), each frame rendered as one QR symbol (Base45 in
 * alphanumeric mode by default, or raw bytes in byte mode), as PNG files, a
 * printable A4 sheet set, or half-block text for a terminal.
 * Receiver: fk_qr_rx takes images (zbar) or symbol data, keeps up to
 * FK_QR_MAX_STREAMS streams apart by stream id, and yields a file only when
 * it is complete and its SHA-256 and stream id verify.
 *
 * Owns: the QR stream. Never: writes a partial or unverified file, trusts a
 * frame header before checking it against limits, or lets frames of one
 * stream touch another.
 */
#ifndef FK_QR_H
#define FK_QR_H

#include <stddef.h>
#include <stdint.h>

#include <qrencode.h>

#include "fk.h"
#include "image.h"
#include "qrframe.h"

#define FK_QR_MAX_K 8192                 /* frames per stream the receiver accepts */
#define FK_QR_MAX_LEN (16u * 1024 * 1024) /* bytes per stream the receiver accepts */
#define FK_QR_MAX_STREAMS 4

typedef struct fk_qr_opts {
	int version; /* QR version 1..40 */
	int level;   /* 0 = L, 1 = M, 2 = Q, 3 = H */
	int binary;  /* 1: raw bytes in byte mode; 0: Base45 in alphanumeric mode */
	int scale;   /* PNG pixels per module */
	int margin;  /* quiet zone in modules */
} fk_qr_opts;

/* Version 20, level M, Base45, 4 px per module, 4 modules of quiet zone. */
void fk_qr_opts_default(fk_qr_opts *o);
/* Parses "L", "M", "Q" or "H"; -1 if none. */
int fk_qr_parse_level(const char *s);

/* Payload bytes per frame at this version/level/mode (capacity - overhead). */
int fk_qr_chunk_size(int version, int level, int binary, size_t *chunk, fk_err *e) FK_WUR;

typedef struct fk_qr_stream {
	uint8_t sid[8];
	uint8_t hash[FK_SHA256_LEN]; /* SHA-256 of the file */
	uint32_t k;
	uint32_t len;
	size_t chunk;
	uint8_t *msg;     /* k * chunk: file || SHA-256 || zeros */
	uint8_t *scratch; /* k bytes */
	fk_qr_opts o;
} fk_qr_stream;

int fk_qr_stream_init(fk_qr_stream *s, const uint8_t *data, size_t len, const fk_qr_opts *o,
    fk_err *e) FK_WUR;
void fk_qr_stream_free(fk_qr_stream *s);
/* Builds frame `index` into out (FK_QRF_MAX bytes); returns its length. */
size_t fk_qr_stream_frame(fk_qr_stream *s, uint32_t index, uint8_t *out);
/* The QR symbol of frame `index` (free with QRcode_free), or NULL (e set). */
QRcode *fk_qr_stream_code(fk_qr_stream *s, uint32_t index, fk_err *e);

/* The stream id of a file: SHA-256("fieldkit-qr-v1" || L || chunk || hash)[0..8]. */
void fk_qr_stream_id(const uint8_t hash[FK_SHA256_LEN], uint32_t len, size_t chunk, uint8_t sid[8]);

/* Renders a symbol with a quiet zone as a grayscale image. */
int fk_qr_code_image(const QRcode *c, int scale, int margin, fk_image *img, fk_err *e) FK_WUR;
/* Draws a symbol (no quiet zone) onto img at (x, y). */
void fk_qr_code_draw(const QRcode *c, int scale, fk_image *img, int x, int y);
/* Renders a symbol as text: half-block characters, white on black. */
int fk_qr_code_text(const QRcode *c, int margin, fk_buf *out, fk_err *e) FK_WUR;

/* Repair frames to add for `percent` percent extra (rounded up). */
uint32_t fk_qr_extra_frames(uint32_t k, unsigned percent);

/*
 * Writes DIR/frame-00001.png ... for frames 0 .. k + extra - 1 (extra =
 * ceil(k * extra_percent / 100)). If nframes is not NULL it gets the count.
 * Refuses (FK_ESTATE) a directory that already holds frame-*.png files.
 */
int fk_qr_send_png(const uint8_t *data, size_t len, const char *dir, unsigned extra_percent,
    const fk_qr_opts *o, uint32_t *nframes, fk_err *e) FK_WUR;

/*
 * Writes A4 pages at 300 dpi, STEM-1.png, STEM-2.png ...: the first k frames
 * plus `extra` repair frames, labelled, with the file's name and SHA-256.
 */
int fk_qr_send_sheet(const uint8_t *data, size_t len, const char *name, const char *stem,
    uint32_t extra, const fk_qr_opts *o, unsigned *npages, fk_err *e) FK_WUR;

/* Receiver. */
typedef struct fk_qr_progress {
	unsigned long images;    /* images scanned */
	unsigned long symbols;   /* QR symbols seen */
	unsigned long frames;    /* valid frames */
	unsigned long useful;    /* frames that raised the rank of their stream */
	unsigned long invalid;   /* symbols that are not valid frames */
	unsigned long other;     /* valid frames of streams other than the leading one */
	unsigned long refused;   /* frames of streams over the limits */
	unsigned streams;        /* streams seen */
	unsigned failed;         /* streams that decoded but did not verify */
	unsigned long unreadable; /* image files that could not be read (receive_images) */
	uint32_t k, rank;        /* of the leading stream (most useful frames) */
	uint32_t len;
	int done;
} fk_qr_progress;

typedef struct fk_qr_rx fk_qr_rx;

/* max_len = 0: FK_QR_MAX_LEN. */
fk_qr_rx *fk_qr_rx_new(size_t max_len, fk_err *e);
void fk_qr_rx_free(fk_qr_rx *rx);

enum {
	FK_QR_FEED_INVALID = 0, /* not a frame, or damaged */
	FK_QR_FEED_REFUSED,     /* a frame over the limits */
	FK_QR_FEED_REDUNDANT,   /* valid but added nothing */
	FK_QR_FEED_USEFUL,      /* raised the rank */
	FK_QR_FEED_DONE,        /* completed and verified a stream */
	FK_QR_FEED_FAILED,      /* completed a stream that did not verify */
};
/* Feeds one QR symbol's data (raw or Base45): an FK_QR_FEED_* value, or -1 (e set). */
int fk_qr_rx_feed(fk_qr_rx *rx, const uint8_t *sym, size_t n, fk_err *e);
/* Scans an image with zbar and feeds every QR symbol in it; -1 on error. */
int fk_qr_rx_scan(fk_qr_rx *rx, const fk_image *img, fk_err *e);
void fk_qr_rx_progress(const fk_qr_rx *rx, fk_qr_progress *p);
int fk_qr_rx_done(const fk_qr_rx *rx);
/*
 * Appends the verified file to out; fails with FK_ESTATE while incomplete and
 * FK_EINPUT when complete streams of two different files were fed.
 */
int fk_qr_rx_take(fk_qr_rx *rx, fk_buf *out, fk_err *e) FK_WUR;

typedef void (*fk_qr_progress_fn)(const fk_qr_progress *p, const char *image, void *ctx);

/*
 * Receives a stream from image files (PNG or JPEG; a path that is a directory
 * stands for its *.png, *.jpg and *.jpeg files in name order). Every image
 * is scanned; unreadable ones are counted and skipped. Fails if no stream
 * completes, or if complete streams of different files are found.
 */
int fk_qr_receive_images(const char **paths, size_t n, fk_buf *out, fk_qr_progress_fn cb,
    void *ctx, fk_err *e) FK_WUR;

/*
 * Receives a stream from text: one Base45 frame per line (as another QR
 * decoder or a phone app prints them). Lines that are not frames are ignored.
 */
int fk_qr_receive_text(const uint8_t *p, size_t n, fk_buf *out, fk_err *e) FK_WUR;

#endif
