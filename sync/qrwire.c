/*
 * qrwire.c - receiving a card, receipt or bundle from QR frame images for the
 * commands that otherwise read it from a file. See qrwire.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "bundle.h"
#include "cli.h"
#include "qr.h"
#include "qrwire.h"

int
fk_qr_paths_add(fk_qr_paths *q, const char *path, fk_err *e)
{
	const char **v;

	if (q->n == q->cap) {
		q->cap = q->cap ? 2 * q->cap : 8;
		if ((v = realloc(q->v, q->cap * sizeof *v)) == NULL)
			return fk_fail(e, FK_ENOMEM, _("out of memory"));
		q->v = v;
	}
	q->v[q->n++] = path;
	return 0;
}

void
fk_qr_paths_free(fk_qr_paths *q)
{
	free(q->v);
	memset(q, 0, sizeof *q);
}

static void
progress(const fk_qr_progress *p, const char *image, void *ctx)
{
	(void)image;
	*(fk_qr_progress *)ctx = *p;
	if (!fk_progress_enabled() || p->k == 0)
		return;
	fputs("\r\033[K", stderr);
	fprintf(stderr, _("images %lu: have %u of %u frames' worth"), p->images, p->rank, p->k);
}

int
fk_qrwire_receive(const fk_qr_paths *q, size_t max, const char *what, fk_buf *out,
    fk_err *e)
{
	fk_qr_progress p = {0};
	uint8_t h[32];
	char hex[65];
	const char *quiet = getenv("FIELDKIT_QUIET");
	struct stat st;
	size_t i;
	int rc;

	if (q->n == 0)
		return fk_fail(e, FK_EUSAGE, _("name the QR frame images (files or a folder)"));
	for (i = 0; i < q->n; i++)
		if (stat(q->v[i], &st) != 0)
			return fk_fail(e, FK_EIO, _("%s by QR: cannot open %s: %s"), what, q->v[i],
			    strerror(errno));
	out->len = 0;
	rc = fk_qr_receive_images(q->v, q->n, out, progress, &p, e);
	if (fk_progress_enabled() && p.k > 0)
		fputc('\n', stderr);
	if (rc != 0)
		return fk_prefix(e, _("%s by QR"), what);
	if (out->len > max) {
		fk_fail(e, FK_EINPUT, _("%s by QR: the stream holds %zu bytes, more than a %s "
		    "can be; were these the right images?"), what, out->len, what);
		out->len = 0;
		return -1;
	}
	crypto_hash_sha256(h, out->p, out->len);
	fk_hex(h, 8, hex);
	if (quiet == NULL || quiet[0] == '\0')
		fprintf(stderr, _("%s received by QR: %zu bytes from %lu images (%lu frames "
		    "used, k = %u), SHA-256 %s... verified\n"), what, out->len, p.images, p.useful,
		    p.k, hex);
	return 0;
}
