/*
 * translit.h - Ukrainian Cyrillic to Latin by the national system (Cabinet of
 * Ministers of Ukraine resolution 55 of 27 January 2010, also BGN/PCGN 2019).
 * The UTF-8 helpers the forms engine shares are common/text.h's.
 *
 * Owns: the letter table and its context rules (word-initial є ї й ю я, зг,
 * dropped ь and apostrophes, case). Must never: guess at Russian letters
 * (ы э ё ъ pass through unchanged), accept invalid UTF-8, or allocate without
 * bound (the output is at most 4 bytes per input byte plus one).
 *
 * Rules (exact; see docs/schema-language.md, "Transliteration"):
 *  - a word is a maximal run of letters (any script) and apostrophes
 *    (U+0027 ', U+2019 ’, U+02BC ʼ); a hyphen or any other character ends it;
 *  - є ї й ю я give ye yi y yu ya at the start of a word, ie i i iu ia
 *    elsewhere;
 *  - з followed by г gives zgh (the г as gh), so Згурський -> Zghurskyi;
 *  - ь and apostrophes inside or after a Cyrillic word are dropped;
 *  - case: a lower-case letter gives lower case; an upper-case letter gives
 *    upper case when every cased letter of its word is upper case and the
 *    word has two letters or more ("ЮРІЙ" -> "YURII"), else title case
 *    ("Юрій" -> "Yurii", "Щ" -> "Shch");
 *  - every other character is copied unchanged.
 */
#ifndef FK_TRANSLIT_H
#define FK_TRANSLIT_H

#include <stddef.h>
#include <stdint.h>

#include "fk.h"
#include "text.h" /* fk_utf8_decode, fk_utf8_valid, fk_utf8_count */

/*
 * Transliterates len bytes of UTF-8 at in, appending the result to out (not
 * NUL-terminated; append a 0 yourself if you need a C string). Fails with
 * FK_EINPUT on invalid UTF-8 (naming the byte offset) and leaves out as it
 * was. out->max, if set, bounds the output (FK_ELIMIT).
 */
int fk_translit_uk(const uint8_t *in, size_t len, fk_buf *out, fk_err *e) FK_WUR;

/* Convenience: returns a malloc'd NUL-terminated result, or NULL (e set). */
char *fk_translit_uk_str(const char *in, size_t len, fk_err *e);

#endif
