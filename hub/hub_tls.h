/*
 * hub_tls.h - the hub's own TLS key and certificate, and the pin devices
 * check instead of a certificate authority.
 *
 * HUB/tls.key   ECDSA P-256 private key, PKCS#8 encrypted with the hub
 *               passphrase (PBES2, AES-256), 0600
 * HUB/tls.crt   self-signed X.509 certificate for that key (PEM)
 * HUB/tls.pins  the pin the hub card carries (cards may carry up to
 *               FK_TLS_MAX_PINS: a client accepts any of them)
 *
 * A pin is "sha256//" + base64 of the SHA-256 of the certificate's
 * SubjectPublicKeyInfo (DER), as curl's CURLOPT_PINNEDPUBLICKEY takes it.
 * Renewing the certificate with the same key keeps the pin.
 *
 * Must never: write the private key unencrypted, or hand it out anywhere but
 * sodium_malloc memory.
 */
#ifndef FK_HUB_TLS_H
#define FK_HUB_TLS_H

#include "fk.h"
#include "device.h"
#include "io.h"

#define FK_HUB_TLS_KEY "tls.key"
#define FK_HUB_TLS_CRT "tls.crt"
#define FK_HUB_TLS_PINS "tls.pins"
#define FK_TLS_PIN_LEN FK_HUB_PIN_LEN   /* "sha256//" + 44 base64 characters */
#define FK_TLS_MAX_PINS FK_HUB_MAX_PINS
#define FK_TLS_CERT_DAYS 1825

/*
 * Makes HUB/tls.crt (a new certificate, valid FK_TLS_CERT_DAYS) and, when
 * new_key or when there is none, a new HUB/tls.key; updates HUB/tls.pins.
 * pin (may be NULL) gets the current pin.
 */
int fk_hub_tls_make(const char *home, const uint8_t *pass, size_t passlen, int new_key,
    char pin[FK_TLS_PIN_LEN + 1], fk_err *e) FK_WUR;

/* The pin of the public key in a PEM certificate (its first one). */
int fk_tls_pin_of_cert(const uint8_t *pem, size_t n, char pin[FK_TLS_PIN_LEN + 1],
    fk_err *e) FK_WUR;

/* The pins listed in HUB/tls.pins (none when the hub has no TLS key). */
int fk_hub_tls_pins(const char *home, char pins[FK_TLS_MAX_PINS][FK_TLS_PIN_LEN + 1],
    size_t *n, fk_err *e) FK_WUR;

/*
 * The key (decrypted, PEM, in key) and certificate (PEM, in crt) for serving:
 * from key_path / crt_path when given (a CA-issued pair: the key file
 * unencrypted and 0600), else the hub's own, opened with the passphrase.
 */
int fk_hub_tls_load(const char *home, const uint8_t *pass, size_t passlen,
    const char *key_path, const char *crt_path, fk_secret *key, fk_buf *crt,
    fk_err *e) FK_WUR;

/* Whether s is a pin in the form above. */
int fk_tls_pin_valid(const char *s);

/* At `hub init`: the TLS key and certificate, and the card with url (may be
 * NULL) and the pin. */
int fk_hub_net_init(const char *home, const uint8_t *pass, size_t passlen, const char *url,
    fk_err *e) FK_WUR;

/*
 * Rewrites HUB/hub-card.json with the pins of HUB/tls.pins and url (NULL:
 * keep the card's; "": none), everything else as it was. *card_url (may be
 * NULL, FK_HUB_URL_MAX + 1 bytes) gets the URL the card now names.
 */
int fk_hub_card_net_update(const char *home, const char *url, char *card_url,
    fk_err *e) FK_WUR;

#endif
