/*
 * hkdf.h - HKDF-SHA-256 (RFC 5869) on libsodium's HMAC-SHA-256.
 * libsodium 1.0.18 (Debian 12) has no HKDF; this is the one age needs.
 */
#ifndef FK_HKDF_H
#define FK_HKDF_H

#include <stddef.h>
#include <stdint.h>

/* out: outlen bytes (at most 255*32). info is a NUL-terminated label. */
void fk_hkdf_sha256(uint8_t *out, size_t outlen, const uint8_t *ikm, size_t ikmlen,
    const uint8_t *salt, size_t saltlen, const char *info);

#endif
