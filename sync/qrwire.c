/*
 * qrwire.c - receiving a card, receipt or bundle from QR frame images for the
 * commands that otherwise read it from a file. See qrwire.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bundle.h"
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

struct relay {
	fk_qr_progress_fn fn;
	void *ctx;
	fk_qr_progress *last;
};

static void
relay(const fk_qr_progress *p, const char *image, void *ctx)
{
	struct relay *r = ctx;

	*r->last = *p;
	if (r->fn != NULL)
		r->fn(p, image, r->ctx);
}

int
fk_qrwire_receive(const fk_qr_paths *q, size_t max, const char *what, fk_buf *out,
    fk_qr_progress_fn fn, void *ctx, fk_qr_progress *last, fk_err *e)
{
	struct relay r = {fn, ctx, last};
	struct stat st;
	size_t i;

	memset(last, 0, sizeof *last);
	if (q->n == 0)
		return fk_fail(e, FK_EUSAGE, _("name the QR frame images (files or a folder)"));
	for (i = 0; i < q->n; i++)
		if (stat(q->v[i], &st) != 0)
			return fk_fail(e, FK_EIO, _("%s by QR: cannot open %s: %s"), what, q->v[i],
			    strerror(errno));
	out->len = 0;
	if (fk_qr_receive_images(q->v, q->n, out, relay, &r, e) != 0)
		return fk_prefix(e, _("%s by QR"), what);
	if (out->len > max) {
		fk_fail(e, FK_EINPUT, _("%s by QR: the stream holds %zu bytes, more than a %s "
		    "can be; were these the right images?"), what, out->len, what);
		out->len = 0;
		return -1;
	}
	return 0;
}
