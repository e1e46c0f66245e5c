/*
 * cli_qr.c - receiving a card, receipt or bundle by QR for the commands that
 * otherwise read a file: progress on the terminal and a closing line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"
#include "qrwire.h"
#include "util.h"

/* Appends to out (cap bytes) as snprintf would; returns the new length. */
static size_t
add(char *out, size_t cap, size_t len, const char *fmt, ...) FK_PRINTF(4, 5);

static size_t
add(char *out, size_t cap, size_t len, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (len >= cap)
		return len;
	va_start(ap, fmt);
	r = vsnprintf(out + len, cap - len, fmt, ap);
	va_end(ap);
	return r < 0 ? len : len + (size_t)r > cap ? cap : len + (size_t)r;
}

void
fk_cli_qr_missing(const fk_qr_progress *p, char *out, size_t cap)
{
	unsigned i, j, shown = p->missing < FK_QR_MISSING_SHOWN ? p->missing : FK_QR_MISSING_SHOWN;
	unsigned per = p->per_image > 1 ? p->per_image : 1, last = 0;
	char list[200];
	size_t len = 0;

	/* Frame numbers as ranges, "4, 9, 17-20", from 1: the numbers of the frame
	 * files of `qr send --png --single` (frame-00004.png) and of the labels of
	 * --sheet pages ("frame 4 of 20"). */
	list[0] = '\0';
	for (i = 0; i < shown; i = j + 1) {
		for (j = i; j + 1 < shown && p->missing_first[j + 1] == p->missing_first[j] + 1; j++)
			;
		if (j == i)
			len = add(list, sizeof list, len, "%s%u", i ? ", " : "",
			    p->missing_first[i] + 1);
		else
			len = add(list, sizeof list, len, "%s%u-%u", i ? ", " : "",
			    p->missing_first[i] + 1, p->missing_first[j] + 1);
	}
	if (p->missing > shown)
		len = add(list, sizeof list, len, _(" and %u more"), p->missing - shown);
	len = add(out, cap, 0, ngettext("not seen yet: frame %s", "not seen yet: frames %s",
	    p->missing), list);
	/* Several codes on each picture (`qr send --png` screens, --sheet pages):
	 * which pictures, as qr send numbered them (frame-00006.png, sheet-6.png;
	 * the files here may have been renamed, so no name is guessed). */
	if (per > 1) {
		len = add(out, cap, len, "%s", _(" (on pictures "));
		for (i = 0; i < shown; i++) {
			unsigned screen = p->missing_first[i] / per + 1;
			if (screen == last)
				continue;
			len = add(out, cap, len, "%s%u", last ? ", " : "", screen);
			last = screen;
		}
		len = add(out, cap, len, "%s", _(" as qr send numbered them)"));
	}
	add(out, cap, len, "%s", _("; any new frame stands in for one"));
}

void
fk_cli_qr_incomplete(const fk_qr_progress *p, fk_err *e)
{
	char miss[400];
	size_t l = strlen(e->msg);

	if (p->k == 0 || p->done || p->missing == 0 || e->code != FK_ESTATE)
		return;
	fk_cli_qr_missing(p, miss, sizeof miss);
	add(e->msg, sizeof e->msg, l, "; %s", miss);
}

static void
progress(const fk_qr_progress *p, const char *image, void *ctx)
{
	(void)image;
	(void)ctx;
	if (!fk_progress_enabled() || p->k == 0)
		return;
	fputs("\r\033[K", stderr);
	fprintf(stderr, ngettext("images %lu: %u of %u frames, %u more frame needed",
	    "images %lu: %u of %u frames, %u more frames needed", p->k - p->rank), p->images,
	    p->rank, p->k, p->k - p->rank);
}

int
fk_cli_qr_receive(const fk_args *qr, const fk_args *more, size_t max, const char *what,
    fk_buf *out, fk_err *e)
{
	fk_qr_paths q = {0};
	fk_qr_progress p;
	uint8_t h[FK_SHA256_LEN];
	char hex[FK_SHA256_HEX + 1];
	const char *quiet = getenv("FIELDKIT_QUIET");
	size_t i;
	int rc = 0;

	for (i = 0; i < qr->n && rc == 0; i++)
		rc = fk_qr_paths_add(&q, qr->v[i], e);
	for (i = 0; more != NULL && i < more->n && rc == 0; i++)
		rc = fk_qr_paths_add(&q, more->v[i], e);
	memset(&p, 0, sizeof p);
	if (rc == 0)
		rc = fk_qrwire_receive(&q, max, what, out, progress, NULL, &p, e);
	fk_qr_paths_free(&q);
	if (fk_progress_enabled() && p.k > 0)
		fputc('\n', stderr);
	if (rc != 0) {
		fk_cli_qr_incomplete(&p, e);
		return -1;
	}
	crypto_hash_sha256(h, out->p, out->len);
	fk_hex(h, 8, hex);
	if (quiet == NULL || quiet[0] == '\0')
		fprintf(stderr, ngettext("%s received by QR: %zu bytes from %lu image (frames used: "
		    "%lu, k = %u), SHA-256 %s... verified\n", "%s received by QR: %zu bytes from "
		    "%lu images (frames used: %lu, k = %u), SHA-256 %s... verified\n", p.images), what,
		    out->len, p.images, p.useful, p.k, hex);
	return 0;
}
