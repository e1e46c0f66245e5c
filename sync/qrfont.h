/*
 * qrfont.h - a small bitmap font (ASCII and Cyrillic) for labels on printed
 * QR sheets. Owns: glyph lookup. Never: allocates.
 */
#ifndef FK_QRFONT_INC
#define FK_QRFONT_INC

#include <stddef.h>
#include <stdint.h>

#define FK_QRFONT_W 16
#define FK_QRFONT_H 28

/* FK_QRFONT_H rows, bit 15 = leftmost pixel; unknown code points give '?'. */
const uint16_t *fk_qrfont_glyph(uint32_t cp);

#endif
