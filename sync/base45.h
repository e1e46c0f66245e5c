/*
 * base45.h - Base45 (RFC 9285): bytes as text in the QR alphanumeric set.
 *
 * Owns: encoding and strict decoding. Never: accepts characters outside the
 * 45-character alphabet, a dangling single character, or a group whose value
 * overflows (the RFC says such input is invalid).
 */
#ifndef FK_BASE45_H
#define FK_BASE45_H

#include <stddef.h>
#include <stdint.h>

/* Characters needed for n bytes. */
size_t fk_base45_enclen(size_t n);
/* Writes fk_base45_enclen(n) characters (no NUL) to out. */
void fk_base45_encode(const uint8_t *in, size_t n, char *out);
/* Decodes; out holds at least (len / 3) * 2 + 1 bytes. Returns bytes written or -1. */
long fk_base45_decode(const char *in, size_t len, uint8_t *out);

#endif
