/*
 * ack.h - the only way records leave a device: a hub-signed receipt.
 *
 * Owns: the rule "verify the receipt with the keys of the hubs this device
 * sends to → mark the records it covers delivered → purge per retention",
 * as one call and one store transaction, for every transport (USB, QR,
 * network). Must never: let a record go on any other ground, or touch a
 * record whose ciphertext hash differs from the one the hub signed.
 */
#ifndef FK_ACK_H
#define FK_ACK_H

#include "device.h"
#include "receipt.h"

typedef struct fk_ack_result {
	char hub[FK_NAME_MAX + 1];       /* the hub that signed it */
	char created[FK_TIME_BUF];       /* when the hub made it */
	size_t listed;                   /* records the receipt names */
	size_t marked;                   /* records now delivered (or already were) */
	size_t already;                  /* of marked: delivered before this receipt */
	size_t mismatched;               /* named but held here in another form: kept */
} fk_ack_result;

/*
 * Checks receipt bytes p/len against the hubs of device d and, only when it
 * verifies and names this device, marks the records it covers delivered and
 * purges them per d's retention, in one transaction.
 */
int fk_ack_receipt(const fk_device *d, const uint8_t *p, size_t len, fk_ack_result *res,
    fk_err *e) FK_WUR;

#endif
