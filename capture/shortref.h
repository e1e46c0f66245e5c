/*
 * shortref.h - the short reference printed for the family at finalizing:
 * 8 characters from a 31-symbol alphabet without look-alikes (no 0 O 1 I L),
 * the last a check character (weighted sum mod 31), written "XXXX-XXXX".
 *
 * Owns: generating, checking and normalizing short references.
 * Must never: derive a reference from record content (it is random).
 */
#ifndef FK_SHORTREF_H
#define FK_SHORTREF_H

#include <stddef.h>

#define FK_SHORTREF_LEN 8
#define FK_SHORTREF_ALPHABET "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

/* A new random reference, NUL-terminated (8 characters, no dash). */
void fk_shortref_new(char out[FK_SHORTREF_LEN + 1]);

/* The check character for 7 data characters (which must be in the alphabet). */
char fk_shortref_check_char(const char data[FK_SHORTREF_LEN - 1]);

/*
 * Checks what a person typed (case-insensitive; spaces and dashes ignored)
 * and writes the canonical 8-character form to out. Returns 0 if valid,
 * -1 if a character is not in the alphabet, the length is wrong or the
 * check character does not match (a typo).
 */
int fk_shortref_normalize(const char *s, size_t len, char out[FK_SHORTREF_LEN + 1]);
int fk_shortref_valid(const char *s);

/* "XXXX-XXXX" for display; out must hold 10 bytes. */
void fk_shortref_format(const char ref[FK_SHORTREF_LEN + 1], char out[10]);

#endif
