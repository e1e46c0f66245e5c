/*
 * card.h - public cards and signed documents.
 *
 * The hub card (hub-card.json) is plain JSON, exactly
 *   {"type":"fieldkit-hub-card","version":1,"name":...,"recipients":["age1..."],
 *    "sign_pubkey":"<minisign base64 public key>","created":"<RFC3339>"}
 * with, for network sync, "url":"https://..." and "tls_pins":["sha256//..."]
 * before "created" (either may be left out; older cards have neither).
 * and is parsed on the device side (capture/device.c).
 *
 * A signed document (device card, receipt) is
 *   "<magic>\n" "<J> <S>\n" J bytes of JSON, S bytes of minisign signature
 * text over the J bytes, with a fixed untrusted comment (see docs/bundle-format.md).
 *
 * Owns: writing the hub card; writing and checking device cards; the signed
 * document container. Must never: accept a device card whose signature does
 * not verify under the key it carries.
 */
#ifndef FK_CARD_H
#define FK_CARD_H

#include "bundle.h"
#include "minisign.h"

#define FK_SIGNED_MAX_BODY (64u << 20)
#define FK_NAME_MAX 127  /* bytes of a hub's or a device's name */

/* The bare base64 form of a minisign public key (what cards carry). */
void fk_card_pk_b64(const fk_minisign_pk *pk, char out[64]);

int fk_card_hub_encode(const char *name, const char *recipient, const fk_minisign_pk *pk,
    const char *created, fk_buf *out, fk_err *e) FK_WUR;
/* The same with the network-sync keys: url (NULL or "": none) and the TLS
 * pins, before "created" (docs/sync-protocol.md). */
int fk_card_hub_encode_net(const char *name, const char *const *recipients, size_t nrecip,
    const char *sign_pubkey, const char *url, const char *const *pins, size_t npins,
    const char *created, fk_buf *out, fk_err *e) FK_WUR;

int fk_signed_encode(const char *magic, const uint8_t *body, size_t n,
    const fk_minisign_sk *sk, const char *trusted, fk_buf *out, fk_err *e) FK_WUR;
/* Splits a signed document (no verification). */
int fk_signed_split(const char *magic, const uint8_t *p, size_t n, const uint8_t **body,
    size_t *blen, const uint8_t **sig, size_t *slen, fk_err *e) FK_WUR;
/* Checks the signature of a split document under pk. */
int fk_signed_verify(const fk_minisign_pk *pk, const uint8_t *body, size_t blen,
    const uint8_t *sig, size_t slen, fk_err *e) FK_WUR;

typedef struct fk_device_card {
	char device_id[FK_ID_MAX + 1];
	char name[128];
	fk_minisign_pk pk;
	char created[FK_TIME_BUF];
} fk_device_card;

int fk_card_device_encode(const fk_device_card *c, const fk_minisign_sk *sk, fk_buf *out,
    fk_err *e) FK_WUR;
/* Parses a device card and checks it is signed by the key it names. */
int fk_card_device_parse(const uint8_t *p, size_t n, fk_device_card *c, fk_err *e) FK_WUR;

#endif
