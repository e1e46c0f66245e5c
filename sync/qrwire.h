/*
 * qrwire.h - cards, receipts and bundles received as QR streams: the glue
 * between the commands that take a file (init --hub, hub devices add, ack,
 * hub import) and the QR receiver (qr.h).
 *
 * Owns: turning "--qr PATH..." into the verified bytes of one file. Never:
 * hands on anything the stream's SHA-256 did not verify, or anything larger
 * than the caller's limit; parses what it received (the caller does, with the
 * same parser as for a file).
 */
#ifndef FK_QRWIRE_H
#define FK_QRWIRE_H

#include <stddef.h>

#include "fk.h"
#include "qr.h"

/* Where --qr paths of one command go (argv strings, borrowed). */
typedef struct fk_qr_paths {
	const char **v;
	size_t n, cap;
} fk_qr_paths;

int fk_qr_paths_add(fk_qr_paths *q, const char *path, fk_err *e) FK_WUR;
void fk_qr_paths_free(fk_qr_paths *q);

/*
 * Rebuilds one file from images of its QR frames (PNG/JPEG files, or
 * directories of them) into out, verified by the stream's SHA-256, and
 * refuses it when larger than max bytes. `what` names the file in messages
 * ("hub card", "receipt" ...). fn (may be NULL) hears the progress after each
 * image; *last holds the final figures.
 */
int fk_qrwire_receive(const fk_qr_paths *q, size_t max, const char *what, fk_buf *out,
    fk_qr_progress_fn fn, void *ctx, fk_qr_progress *last, fk_err *e) FK_WUR;

#endif
