/*
 * receipt.h - hub-signed receipts: what the hub holds from one device (record
 * ids and ciphertext hashes), so the device may purge exactly those.
 *
 * A receipt is a signed document (card.h) with magic "fieldkit-receipt v1"
 * and the JSON body
 *   {"type":"fieldkit-receipt","version":1,"hub":"<name>","device_id":"<id>",
 *    "created":"<RFC3339>","records":[["<record id>","<sha256 hex>"],...]}
 * signed with the hub's minisign key.
 *
 * Must never: accept a receipt whose signature does not verify under a key
 * the device was set up with, or that names another device.
 */
#ifndef FK_RECEIPT_H
#define FK_RECEIPT_H

#include "hub.h"
#include "minisign.h"

#define FK_RECEIPT_MAGIC "fieldkit-receipt v1"

typedef struct fk_receipt {
	char hub[FK_HUB_NAME_MAX + 1];
	char device_id[FK_ID_MAX + 1];
	char created[32];
	size_t n;
	char (*ids)[37];
	uint8_t (*ct)[32];
} fk_receipt;

/* Makes the receipt of everything the hub holds from device_id. */
int fk_receipt_make(fk_hubdb *h, const char *device_id, const fk_minisign_sk *sk,
    fk_buf *out, size_t *n, fk_err *e) FK_WUR;

/*
 * Checks a receipt: signed by one of the npk hub keys (names[i] is the hub
 * name that key belongs to, and must be the name the receipt carries) and
 * issued to device_id. Fills r (free with fk_receipt_free).
 */
int fk_receipt_check(const uint8_t *p, size_t len, const fk_minisign_pk *pks,
    const char *const *names, size_t npk, const char *device_id, fk_receipt *r,
    fk_err *e) FK_WUR;
void fk_receipt_free(fk_receipt *r);

#endif
