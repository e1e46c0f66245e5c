/*
 * text.c - see text.h.
 */
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t
fk_utf8_decode(const uint8_t *p, size_t n, uint32_t *cp)
{
	uint32_t c;
	size_t len, i;

	if (n == 0)
		return 0;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		c = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		c = p[0] & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

int
fk_utf8_valid(const uint8_t *p, size_t n, size_t *bad)
{
	size_t off = 0, k;
	uint32_t c;

	while (off < n) {
		if (p[off] < 0x80) {
			off++;
			continue;
		}
		if ((k = fk_utf8_decode(p + off, n - off, &c)) == 0) {
			if (bad != NULL)
				*bad = off;
			return 0;
		}
		off += k;
	}
	return 1;
}

size_t
fk_utf8_count(const uint8_t *p, size_t n, size_t limit)
{
	size_t i, count = 0;

	for (i = 0; i < n; i++)
		if ((p[i] & 0xc0) != 0x80 && ++count > limit)
			return limit + 1;
	return count;
}

/* Code points a terminal or a bidirectional renderer acts on, and the
 * invisible ones that make two equal-looking names differ (zero width space,
 * word joiner, byte order mark). */
static int
cp_hidden(uint32_t c)
{
	return (c >= 0x80 && c <= 0x9f) || c == 0x061c || c == 0x200b || c == 0x200e ||
	    c == 0x200f || (c >= 0x2028 && c <= 0x202e) || c == 0x2060 ||
	    (c >= 0x2066 && c <= 0x2069) || c == 0xfeff;
}

size_t
fk_escape_display(const void *src, size_t n, char *out, size_t cap)
{
	const uint8_t *p = src;
	size_t off = 0, len = 0, k, u;
	char unit[16];
	uint32_t c = 0;
	int full = cap == 0;

	if (cap > 0)
		out[0] = 0;
	while (off < n) {
		k = fk_utf8_decode(p + off, n - off, &c);
		if (k == 0 || c < 0x20 || c == 0x7f) {
			u = (size_t)snprintf(unit, sizeof unit, "\\x%02x", p[off]);
			k = 1;
		} else if (cp_hidden(c))
			u = (size_t)snprintf(unit, sizeof unit, "\\u{%x}", (unsigned)c);
		else {
			memcpy(unit, p + off, k);
			u = k;
		}
		/* Whole escapes only: once one does not fit, nothing more is written. */
		if (!full && len + u < cap) {
			memcpy(out + len, unit, u);
			out[len + u] = 0;
		} else
			full = 1;
		len += u;
		off += k;
	}
	return len;
}

char *
fk_escape_str(const char *s, char *out, size_t cap)
{
	fk_escape_display(s, strlen(s), out, cap);
	return out;
}

char *
fk_escape_dup(const void *p, size_t n)
{
	size_t len = fk_escape_display(p, n, NULL, 0);
	char *out = malloc(len + 1);

	if (out != NULL)
		fk_escape_display(p, n, out, len + 1);
	return out;
}

/* Whether p[0..n) holds a hidden code point; with strict, also a C0 control,
 * DEL or invalid UTF-8 (else invalid bytes are passed over). */
static int
text_acted_on(const uint8_t *p, size_t n, int strict)
{
	size_t off = 0, k;
	uint32_t c;

	while (off < n) {
		if ((k = fk_utf8_decode(p + off, n - off, &c)) == 0) {
			if (strict)
				return 1;
			k = 1;
		} else if ((strict && (c < 0x20 || c == 0x7f)) || cp_hidden(c)) {
			return 1;
		}
		off += k;
	}
	return 0;
}

int
fk_text_has_hidden(const void *src, size_t n)
{
	return text_acted_on(src, n, 0);
}

int
fk_text_plain(const void *src, size_t n)
{
	return !text_acted_on(src, n, 1);
}

/* Code points a terminal draws over the one before (width 0). */
static int
cp_zero(uint32_t c)
{
	return (c >= 0x0300 && c <= 0x036f) || (c >= 0x0483 && c <= 0x0489) ||
	    (c >= 0x0591 && c <= 0x05bd) || (c >= 0x0610 && c <= 0x061a) ||
	    (c >= 0x064b && c <= 0x065f) || (c >= 0x1ab0 && c <= 0x1aff) ||
	    (c >= 0x1dc0 && c <= 0x1dff) || (c >= 0x200b && c <= 0x200f) ||
	    (c >= 0x20d0 && c <= 0x20ff) || (c >= 0xfe00 && c <= 0xfe0f) ||
	    (c >= 0xfe20 && c <= 0xfe2f) || c == 0xfeff || (c >= 0xe0100 && c <= 0xe01ef);
}

/* East Asian wide and full-width code points, and emoji (width 2). */
static int
cp_wide(uint32_t c)
{
	return (c >= 0x1100 && c <= 0x115f) || (c >= 0x231a && c <= 0x231b) ||
	    (c >= 0x2e80 && c <= 0x303e) || (c >= 0x3041 && c <= 0x33ff) ||
	    (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff) ||
	    (c >= 0xa000 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) ||
	    (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) ||
	    (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) ||
	    (c >= 0x1f300 && c <= 0x1f64f) || (c >= 0x1f900 && c <= 0x1f9ff) ||
	    (c >= 0x20000 && c <= 0x2fffd) || (c >= 0x30000 && c <= 0x3fffd);
}

size_t
fk_utf8_width(const void *src, size_t n)
{
	const uint8_t *p = src;
	size_t i = 0, w = 0, l;
	uint32_t c;

	while (i < n) {
		if ((l = fk_utf8_decode(p + i, n - i, &c)) == 0) {
			w++; /* a byte that is not UTF-8: one column (shown as one mark) */
			i++;
			continue;
		}
		i += l;
		if (cp_zero(c))
			continue;
		w += cp_wide(c) ? 2 : 1;
	}
	return w;
}

void
fk_json_err_strip(char *text)
{
	char *near = strstr(text, " near ");

	if (near != NULL)
		*near = '\0';
}
