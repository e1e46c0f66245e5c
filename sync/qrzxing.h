/*
 * qrzxing.h - zxing-cpp (Debian's libzxing 1.4) behind one C function: the
 * second QR decoder, tried where zbar reads fewer codes than a picture holds
 * (docs/qr-stream.md, "Reading").
 *
 * Owns: the call into zxing-cpp. Never: lets a C++ exception cross into C,
 * or hands over a symbol zxing did not decode in full (its bytes go to the
 * same frame checks as zbar's).
 */
#ifndef FK_QRZXING_H
#define FK_QRZXING_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Called with the raw bytes of each QR symbol decoded; returns 0 to go on. */
typedef int (*fk_zxing_fn)(void *ctx, const uint8_t *data, size_t n);

/*
 * Decodes every QR symbol (at most 16) in a w x h grey picture (row stride
 * `stride` bytes): the number decoded, or -1 when zxing failed (out of memory
 * or an internal error), or the callback's nonzero value.
 */
int fk_zxing_scan(const uint8_t *px, int w, int h, int stride, fk_zxing_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif

#endif
