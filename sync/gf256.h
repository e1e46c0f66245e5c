/*
 * gf256.h - arithmetic in GF(2^8) with the polynomial x^8+x^4+x^3+x^2+1
 * (0x11D, the one QR codes and Reed-Solomon use), generator 2.
 *
 * Owns: the log/exp tables and region operations the fountain code needs.
 * Never: allocates, or depends on anything outside this file.
 */
#ifndef FK_GF256_H
#define FK_GF256_H

#include <stddef.h>
#include <stdint.h>

/* Builds the tables; safe to call repeatedly and from any thread after the first. */
void fk_gf_init(void);

uint8_t fk_gf_mul(uint8_t a, uint8_t b);
/* Multiplicative inverse; a must be nonzero (0 returns 0). */
uint8_t fk_gf_inv(uint8_t a);

/* dst[i] ^= c * src[i] for i < n. */
void fk_gf_addmul(uint8_t *dst, const uint8_t *src, uint8_t c, size_t n);
/* dst[i] = c * dst[i] for i < n. */
void fk_gf_scale(uint8_t *dst, uint8_t c, size_t n);

#endif
