/*
 * ack.c - see ack.h.
 */
#include "ack.h"

#include <string.h>

int
fk_ack_receipt(const fk_device *d, const uint8_t *p, size_t len, fk_ack_result *res,
    fk_err *e)
{
	fk_minisign_pk pks[FK_DEVICE_MAX_HUBS];
	const char *names[FK_DEVICE_MAX_HUBS];
	fk_receipt r;
	fk_store *s = NULL;
	size_t i;
	int rc = -1;

	memset(res, 0, sizeof *res);
	for (i = 0; i < d->nhubs; i++) {
		const char *k = d->hubs[i].sign_pubkey;
		if (fk_minisign_pk_parse((const uint8_t *)k, strlen(k), &pks[i], e) != 0)
			return -1;
		names[i] = d->hubs[i].name;
	}
	if (fk_receipt_check(p, len, pks, names, d->nhubs, d->device_id, &r, e) != 0)
		return -1;
	snprintf(res->hub, sizeof res->hub, "%s", r.hub);
	snprintf(res->created, sizeof res->created, "%s", r.created);
	res->listed = r.n;
	if (fk_device_store_open(d, FK_STORE_WRITE, &s, e) == 0 &&
	    fk_store_mark_delivered(s, (const char (*)[FK_UUID_BUF])r.ids,
	    (const uint8_t (*)[FK_SHA256_LEN])r.ct, r.n, &res->marked, &res->already,
	    &res->mismatched, e) == 0)
		rc = 0;
	fk_store_close(s);
	fk_receipt_free(&r);
	return rc;
}
