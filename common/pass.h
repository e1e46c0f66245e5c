/*
 * pass.h - passphrases: read from the terminal without echo, or from a file
 * named on the command line (for scripts). Always into sodium_malloc memory.
 * Never logs or echoes a passphrase.
 */
#ifndef FK_PASS_H
#define FK_PASS_H

#include "io.h"

#define FK_PASS_MAX 1024
/* The shortest passphrase a new key is given, in characters (UTF-8 code
 * points, not bytes). Unlocking an existing key takes any non-empty one. */
#define FK_PASS_MIN 8

/* The systemd credential a service's passphrase is read from. */
#define FK_PASS_CREDENTIAL "fieldkit-passphrase"

/* 1 when fk_pass_get with this file would ask on the terminal (no file, no
 * $FIELDKIT_PASSPHRASE_FILE, no systemd credential): a mistyped one may be
 * asked again. */
int fk_pass_asks(const char *file);

/*
 * Gets a passphrase. If file is not NULL, its first line (without the line end)
 * is used; the file must not be readable by others. Without one, the file
 * named by $FIELDKIT_PASSPHRASE_FILE is read the same way, else the systemd
 * credential $CREDENTIALS_DIRECTORY/fieldkit-passphrase when it exists, else
 * the terminal is asked with prompt; if confirm, it is asked twice and must
 * match.
 * An empty passphrase is refused. out is allocated; free with fk_secret_free.
 */
int fk_pass_get(const char *prompt, int confirm, const char *file, fk_secret *out,
    fk_err *e) FK_WUR;

/* Parses a passphrase out of file bytes (first line). Exposed for tests. */
int fk_pass_from_bytes(const uint8_t *p, size_t len, fk_secret *out, fk_err *e) FK_WUR;

/*
 * Gets a new passphrase (asked twice on a terminal) for a key being made:
 * as fk_pass_get, and refused with a one-line message when it is shorter
 * than FK_PASS_MIN characters (on a terminal the message is shown and the
 * passphrase asked again, three times at most). Used at creation only
 * (device init, hub init, a new signing key), never to unlock.
 */
int fk_pass_new(const char *prompt, const char *file, fk_secret *out, fk_err *e) FK_WUR;
/* 0 when p[0..len) is long enough for a new key; else -1 and the message. */
int fk_pass_check_new(const uint8_t *p, size_t len, fk_err *e) FK_WUR;
/* Characters in a passphrase: UTF-8 code points, or bytes when not UTF-8. */
size_t fk_pass_chars(const uint8_t *p, size_t len);

#endif
