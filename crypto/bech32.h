/*
 * bech32.h - Bech32 (BIP 173 checksum, no 90-character limit) as age uses it
 * for age1... recipients and AGE-SECRET-KEY-1... identities.
 * The decoder takes bytes and a length and is fuzzable.
 */
#ifndef FK_BECH32_H
#define FK_BECH32_H

#include <stddef.h>
#include <stdint.h>

/*
 * Encodes data under hrp; upper != 0 writes it all upper-case.
 * Returns the length written (without NUL), or -1 if out is too small.
 */
int fk_bech32_encode(char *out, size_t outcap, const char *hrp, const uint8_t *data,
    size_t len, int upper);

/*
 * Decodes s[0..slen). The hrp is copied as written (case kept) into hrp
 * (NUL-terminated). Mixed case, bad characters, bad checksum or bad padding
 * return -1. On success returns 0 and sets *datalen.
 */
int fk_bech32_decode(const char *s, size_t slen, char *hrp, size_t hrpcap, uint8_t *data,
    size_t datacap, size_t *datalen);

#endif
