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

#include <signal.h>
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

/*
 * Screen frames (qrscreen.c): cols x rows codes of one version in a grid,
 * inside a dark ring that lets the receiver undo the camera's perspective
 * (qrring.h). Sizes are in modules:
 *   margin (light) | ring (dark) | quiet zone (light) | code | gap | code ...
 */
#define FK_QR_MAX_CODES 8   /* codes per screen frame */
#define FK_QR_AUTO_CODES 6  /* at most, when the layout is chosen automatically */
#define FK_QR_AUTO_MAX_VERSION 25 /* larger codes suffer more from perspective */
#define FK_QR_RING_MARGIN 2
#define FK_QR_RING_WIDTH 2
#define FK_QR_RING_QUIET 4
#define FK_QR_RING_BORDER (FK_QR_RING_MARGIN + FK_QR_RING_WIDTH + FK_QR_RING_QUIET)
#define FK_QR_PLAIN_BORDER 4 /* the quiet zone, without a ring */
#define FK_QR_CODE_GAP 4

typedef struct fk_qr_layout {
	int version;    /* of every code */
	int cols, rows; /* codes per frame: cols * rows */
	int ring;       /* 1: the ring is drawn */
	int px;         /* screen pixels per module (set by fk_qr_layout_fit) */
	int w, h;       /* the frame in modules (set by fk_qr_layout_fit) */
} fk_qr_layout;

/* Sets px, w and h of l for a screen of sw x sh pixels; fails if it does not fit. */
int fk_qr_layout_fit(fk_qr_layout *l, int sw, int sh, fk_err *e) FK_WUR;
/*
 * Chooses the layout that carries the most file bytes per frame on a screen
 * of sw x sh pixels with at least min_px pixels per module, at o's level
 * and mode, with a ring. version, cols and rows are kept when not 0;
 * otherwise versions 5 to FK_QR_AUTO_MAX_VERSION and at most FK_QR_AUTO_CODES
 * codes are tried.
 */
int fk_qr_layout_choose(int sw, int sh, int min_px, int version, int cols, int rows,
    const fk_qr_opts *o, fk_qr_layout *l, fk_err *e) FK_WUR;
/*
 * Screen pixels per module that give a camera camera_w pixels wide 3.6
 * pixels per module when the screen fills 90% of its picture's width
 * (docs/qr-stream.md: what zbar and zxing read at an angle).
 */
int fk_qr_min_px(int screen_w, int camera_w);
/* Screen frames that hold ncodes codes. */
uint32_t fk_qr_layout_frames(uint32_t ncodes, const fk_qr_layout *l);
/* Screen frame n as l->w x l->h modules (1 = dark); mod has room for them. */
int fk_qr_frame_modules(fk_qr_stream *s, const fk_qr_layout *l, uint32_t n, uint8_t *mod,
    fk_err *e) FK_WUR;
/* Screen frame n on a white sw x sh image, centred, l->px pixels per module. */
int fk_qr_frame_image(fk_qr_stream *s, const fk_qr_layout *l, uint32_t n, int sw, int sh,
    fk_image *img, fk_err *e) FK_WUR;
/* Screen frame n as terminal text (half blocks, light modules drawn). */
int fk_qr_frame_text(fk_qr_stream *s, const fk_qr_layout *l, uint32_t n, fk_buf *out,
    fk_err *e) FK_WUR;
/* Codes to show until a receiver losing loss_percent of them has k + 2. */
uint32_t fk_qr_codes_needed(uint32_t k, unsigned loss_percent);

/* Called after each file written: done of total. */
typedef void (*fk_qr_send_fn)(uint32_t done, uint32_t total, void *ctx);

/*
 * Writes DIR/frame-00001.png ... as screen frames of l on sw x sh images,
 * holding codes 0 .. k + extra - 1 (extra as for fk_qr_send_png, rounded up
 * to whole frames). Refuses a directory that already holds frame-*.png.
 */
int fk_qr_send_screens(const uint8_t *data, size_t len, const char *dir,
    unsigned extra_percent, const fk_qr_opts *o, const fk_qr_layout *l, int sw, int sh,
    fk_qr_send_fn cb, void *ctx, uint32_t *nframes, fk_err *e) FK_WUR;

/* Receiver. */
#define FK_QR_MISSING_SHOWN 16
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
	unsigned long rectified; /* images whose ring was found and undone */
	unsigned long zxing;     /* frames that only zxing read */
	unsigned per_image;      /* most frames read from one image */
	unsigned long done_at;   /* images scanned when the file was complete; 0 before */
	uint32_t missing;        /* source frames of the leading stream not seen yet */
	uint32_t missing_first[FK_QR_MISSING_SHOWN]; /* the first of them, ascending */
	char first_unreadable[512]; /* the first unreadable image and why (receive_images), "" if none */
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

/* Decoders a receiver uses (fk_qr_rx_set_decoders); all by default. */
enum {
	FK_QR_DEC_ZBAR = 0,     /* zbar on the picture as it is: always */
	FK_QR_DEC_RING = 1,     /* find a screen frame's ring, zbar on the rectified inside */
	FK_QR_DEC_ZXING = 2,    /* zxing-cpp for what zbar missed */
	FK_QR_DEC_ALL = 3,
};
void fk_qr_rx_set_decoders(fk_qr_rx *rx, unsigned decoders);
/*
 * Source frames (index < k) of the leading unfinished stream not received
 * yet: their number; the first max of them (ascending) go to idx. Any other
 * new frame of the stream stands in for one of them.
 */
size_t fk_qr_rx_missing(const fk_qr_rx *rx, uint32_t *idx, size_t max);

typedef void (*fk_qr_progress_fn)(const fk_qr_progress *p, const char *image, void *ctx);

/*
 * Receives a stream from image files (PNG or JPEG; a path that is a directory
 * stands for its *.png, *.jpg and *.jpeg files in name order). Every image
 * is scanned; unreadable ones are counted and skipped. Fails if no stream
 * completes, or if complete streams of different files are found.
 */
int fk_qr_receive_images(const char **paths, size_t n, fk_buf *out, fk_qr_progress_fn cb,
    void *ctx, fk_err *e) FK_WUR;
/* The same with a choice of decoders (FK_QR_DEC_*). */
int fk_qr_receive_images_dec(const char **paths, size_t n, unsigned decoders, fk_buf *out,
    fk_qr_progress_fn cb, void *ctx, fk_err *e) FK_WUR;

/*
 * Receives a stream from a camera (a video device such as /dev/video0, asked
 * for width x height pictures) until the file is complete and verified, or
 * until *stop becomes nonzero (then it fails as incomplete); cb is called
 * after every picture.
 */
int fk_qr_receive_camera(const char *dev, int width, int height, unsigned decoders,
    fk_buf *out, fk_qr_progress_fn cb, void *ctx, volatile sig_atomic_t *stop,
    fk_err *e) FK_WUR;

/*
 * Receives a stream from text: one Base45 frame per line (as another QR
 * decoder or a phone app prints them). Lines that are not frames are ignored.
 */
int fk_qr_receive_text(const uint8_t *p, size_t n, fk_buf *out, fk_err *e) FK_WUR;

#endif
