/*
 * text.h - UTF-8, and the one way outside text is shown to a person.
 *
 * Owns: strict UTF-8 decoding (RFC 3629: no overlongs, no surrogates, at most
 * U+10FFFF) and the escaper for anything that came from outside (a bundle's
 * trusted comment or manifest, a card, a receipt, a QR stream, a file name)
 * before it reaches a terminal, the audit log or a .reason file. Escaped text
 * holds no byte a terminal acts on: no C0 control (newline and tab included),
 * no ESC, no DEL, no C1 control, no bidirectional override or isolate, no
 * line or paragraph separator, and only valid UTF-8.
 * Must never: print.
 *
 * The escapes (docs/threat-model.md, "Terminal escapes"):
 *   a byte 0x00-0x1f or 0x7f          \xNN   (ESC is \x1b, newline \x0a)
 *   a byte that is not valid UTF-8    \xNN   (each such byte)
 *   U+0080-U+009F, U+061C, U+200E,    \u{N}  (lower-case hex, no leading zeros:
 *   U+200F, U+2028-U+202E,                   \u{85}, \u{202e})
 *   U+2066-U+2069
 * Everything else, a backslash included, is shown as it is, so escaping
 * escaped text changes nothing.
 */
#ifndef FK_TEXT_H
#define FK_TEXT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Reads one code point at p (n bytes available): returns its length in bytes
 * (1-4) and stores it in *cp, or returns 0 if the bytes are not valid UTF-8.
 */
size_t fk_utf8_decode(const uint8_t *p, size_t n, uint32_t *cp);
/* Returns 1 if valid; else 0 and *bad (if not NULL) = offset of the first bad byte. */
int fk_utf8_valid(const uint8_t *p, size_t n, size_t *bad);
/* Number of code points in valid UTF-8 (stops counting past limit, returning limit + 1). */
size_t fk_utf8_count(const uint8_t *p, size_t n, size_t limit);

/*
 * Columns p[0..n) takes on a terminal, whatever the locale: one for each code
 * point (Latin, Cyrillic...), two for East Asian wide and full-width ones and
 * emoji, none for combining marks and zero-width ones; a byte that is not
 * UTF-8 counts one. For padding table columns (never strlen: Cyrillic letters
 * are two bytes each).
 */
size_t fk_utf8_width(const void *p, size_t n);

/* Room for the escaped form of n bytes, with its NUL (at most 4 bytes a byte). */
#define FK_ESC_BUF(n) (4 * (size_t)(n) + 1)

/*
 * Writes the escaped form of p[0..n) into out (cap bytes, NUL-terminated when
 * cap > 0); an escape is never cut in half. Returns the length of the whole
 * escaped text without its NUL, as snprintf does: out was big enough when
 * the result is below cap.
 */
size_t fk_escape_display(const void *p, size_t n, char *out, size_t cap);
/* The same for a C string; returns out (for printf arguments). */
char *fk_escape_str(const char *s, char *out, size_t cap);
/* The escaped form of p[0..n), malloc'd; NULL when out of memory. */
char *fk_escape_dup(const void *p, size_t n);
/* 1 when p[0..n) is shown as it is (escaping changes nothing), else 0. */
int fk_text_plain(const void *p, size_t n);
/* Whether UTF-8 text p (n bytes) holds a C1 control, a code point that
 * changes the direction text is drawn in (U+061C, U+200E/F, U+2028-U+202E,
 * U+2066-U+2069: able to show "evil" as "live"), or an invisible one that
 * makes equal-looking names differ (U+200B, U+2060, U+FEFF). */
int fk_text_has_hidden(const void *p, size_t n);

/*
 * Cuts jansson's " near 'TOKEN'" off a JSON parse error (in place): the token
 * is bytes of the input, which must not be shown when the input is a record
 * (answers) or a file given by mistake (a passphrase file named as a card).
 */
void fk_json_err_strip(char *text);

#endif
