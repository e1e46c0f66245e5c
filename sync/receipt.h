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

#include <jansson.h>

#include "card.h"
#include "minisign.h"

#define FK_RECEIPT_MAGIC "fieldkit-receipt v1"

typedef struct fk_receipt {
	char hub[FK_NAME_MAX + 1];
	char device_id[FK_ID_MAX + 1];
	char created[FK_TIME_BUF];
	size_t n;
	char (*ids)[FK_UUID_BUF];
	uint8_t (*ct)[FK_SHA256_LEN];
} fk_receipt;

/*
 * Writes a receipt from hub `hub` to device_id for records, a JSON array of
 * ["<record id>", "<sha256 hex>"] pairs, signed with sk.
 */
int fk_receipt_encode(const char *hub, const char *device_id, json_t *records,
    const fk_minisign_sk *sk, fk_buf *out, fk_err *e) FK_WUR;

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
