/*
 * cli_qr.c - receiving a card, receipt or bundle by QR for the commands that
 * otherwise read a file: progress on the terminal and a closing line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"
#include "qrwire.h"
#include "util.h"

static void
progress(const fk_qr_progress *p, const char *image, void *ctx)
{
	(void)image;
	(void)ctx;
	if (!fk_progress_enabled() || p->k == 0)
		return;
	fputs("\r\033[K", stderr);
	fprintf(stderr, _("images %lu: have %u of %u frames' worth"), p->images, p->rank, p->k);
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
	if (rc != 0)
		return -1;
	crypto_hash_sha256(h, out->p, out->len);
	fk_hex(h, 8, hex);
	if (quiet == NULL || quiet[0] == '\0')
		fprintf(stderr, _("%s received by QR: %zu bytes from %lu images (%lu frames "
		    "used, k = %u), SHA-256 %s... verified\n"), what, out->len, p.images, p.useful,
		    p.k, hex);
	return 0;
}
