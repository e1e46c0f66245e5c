/*
 * util.h - the one home of the small things every layer needs: lengths of
 * hashes, keys and ids, hex, UUIDs, RFC 3339 times, path joining, where the
 * forms live, and which language the person asked for.
 *
 * Owns: these conventions, so that two modules never disagree on them.
 * Must never: print, or touch anything but its arguments and the environment.
 */
#ifndef FK_UTIL_H
#define FK_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "fk.h"

/* Lower-case hex of n bytes into out (2n + 1 bytes). */
void fk_hex(const uint8_t *p, size_t n, char *out);
/* Exactly 2n lower-case hex digits into n bytes; -1 otherwise. */
int fk_unhex(const char *s, uint8_t *out, size_t n);

/* A random (version 4) UUID, lower case. */
void fk_uuid(char out[FK_UUID_BUF]);
/* Whether s is a UUID as fk_uuid writes them (lower-case hex, dashes). */
int fk_uuid_valid(const char *s);

/* t (seconds since the epoch) as "YYYY-MM-DDTHH:MM:SSZ". */
void fk_time_rfc3339(int64_t t, char out[FK_TIME_BUF]);
/* Now, as fk_time_rfc3339. */
void fk_now_rfc3339(char out[FK_TIME_BUF]);
/* Parses exactly the form fk_time_rfc3339 writes; -1 otherwise. */
int fk_time_parse_rfc3339(const char *s, int64_t *t);

/* "dir/name", malloc'd; NULL when out of memory. */
char *fk_path_join(const char *dir, const char *name);
/* "" when dir ends in '/' (as typed: "stick/"), else "/": no "stick//x" shown. */
const char *fk_dir_sep(const char *dir);
/* A copy of exactly n bytes (NULs too), NUL-terminated; NULL when out of memory. */
char *fk_bytes_dup(const void *p, size_t n);

/*
 * The folder of the shipped forms: $FIELDKIT_SCHEMAS when set, else the
 * installed folder if it exists, else the source tree's. Returns how many
 * folders it put in dirs (1 today; callers loop, so a search path can come).
 */
size_t fk_schema_dirs(const char *dirs[2]);
/*
 * A form named on the command line: a path (has a '/', ends in .json, or
 * names an existing file) is taken as it is; an id (a-z, 0-9, '-') is looked
 * up as ID.json in fk_schema_dirs(). FK_EUSAGE when nothing is found.
 */
int fk_schema_find(const char *name, char *path, size_t n, fk_err *e) FK_WUR;

/*
 * The language the person asked for, from FIELDKIT_LANG, then LANGUAGE,
 * LC_ALL, LC_MESSAGES, LANG: "uk", "en", or NULL when none of them says.
 */
const char *fk_lang_pref(void);
/*
 * Sets up gettext for the fieldkit domain: the locale from the environment,
 * FIELDKIT_LANG honoured, translations from $FIELDKIT_LOCALEDIR, else the
 * installed ones, else the build tree's.
 */
void fk_i18n_setup(void);
/* Switches the language of messages at run time ("uk", "en"). */
void fk_i18n_switch(const char *lang);
/* A size as people read it, in the current language: "300 bytes", "48 KB", "10 MB", "1.5 MB". */
const char *fk_size_text(unsigned long long n, char *buf, size_t cap);

#endif
