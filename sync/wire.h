/*
 * wire.h - small rules shared by every signed format that travels (bundles,
 * device cards, receipts): device ids, the exact shape of minisign signature
 * text, the "<a> <b>" lengths line, and capped zstd decompression.
 *
 * Must never: accept a form of these that fieldkit itself would not write.
 */
#ifndef FK_WIRE_H
#define FK_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "fk.h"
#include "minisign.h"

#define FK_ID_MAX 64 /* bytes of a device id */

/* A device id: 1 to FK_ID_MAX of [A-Za-z0-9._-]. */
int fk_device_id_valid(const char *s);
/* Whether minisign signature text is exactly as we write it (4 lines, this
 * untrusted comment, canonical base64): minisign leaves line 1 unsigned. */
int fk_sig_canonical(const uint8_t *p, size_t len, const char *untrusted);
/* Parses the n bytes "<a> <b>": decimal, no signs, no leading zeros, one space,
 * both > 0; any other byte (a NUL included) refused. */
int fk_lengths_parse(const char *line, size_t n, size_t max_a, size_t max_b, size_t *a,
    size_t *b);
/* zstd decompression into out, refused past max bytes (compression bombs). */
int fk_zstd_inflate(const uint8_t *p, size_t n, size_t max, fk_buf *out, fk_err *e) FK_WUR;

#endif
