/*
 * translit.c - see translit.h. The national system of 2010, table-driven.
 */
#include "translit.h"

#include <stdlib.h>
#include <string.h>
#include "text.h"

/* Lower-case Cyrillic а (U+0430) .. я (U+044F). */
static const char *const base[32] = {
	"a", "b", "v", "h", "d", "e", "zh", "z", "y", "i", "k", "l", "m", "n", "o", "p",
	"r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "iu", "ia",
};

#define CP_ZE 0x0437
#define CP_HE 0x0433

static int
is_apos(uint32_t c)
{
	return c == 0x27 || c == 0x2019 || c == 0x02bc;
}

static int
is_cyr(uint32_t c)
{
	return c >= 0x0400 && c <= 0x04ff;
}

/* 1 upper, -1 lower, 0 uncased or not a letter. */
static int
letter_case(uint32_t c)
{
	if (c >= 'A' && c <= 'Z')
		return 1;
	if (c >= 'a' && c <= 'z')
		return -1;
	if (c >= 0xc0 && c <= 0xde && c != 0xd7)
		return 1;
	if (c >= 0xdf && c <= 0xff && c != 0xf7)
		return -1;
	if (c >= 0x100 && c <= 0x17f)
		return (c & 1) ? -1 : 1;
	if (c >= 0x400 && c <= 0x42f)
		return 1;
	if (c >= 0x430 && c <= 0x45f)
		return -1;
	if (c >= 0x460 && c <= 0x4ff)
		return (c & 1) ? -1 : 1;
	return 0;
}

static int
is_letter(uint32_t c)
{
	return letter_case(c) != 0 || (c >= 0x180 && c <= 0x24f);
}

static uint32_t
cyr_lower(uint32_t c)
{
	if (c >= 0x410 && c <= 0x42f)
		return c + 0x20;
	if (c >= 0x400 && c <= 0x40f)
		return c + 0x50;
	if (c >= 0x460 && c <= 0x4ff && !(c & 1))
		return c + 1;
	return c;
}

/* The Latin for a lower-case Ukrainian letter; NULL if not one. */
static const char *
map_letter(uint32_t lc, int initial, uint32_t prev_lc)
{
	switch (lc) {
	case 0x0454: return initial ? "ye" : "ie"; /* є */
	case 0x0456: return "i";                   /* і */
	case 0x0457: return initial ? "yi" : "i";  /* ї */
	case 0x0491: return "g";                   /* ґ */
	case 0x0439: return initial ? "y" : "i";   /* й */
	case 0x044e: return initial ? "yu" : "iu"; /* ю */
	case 0x044f: return initial ? "ya" : "ia"; /* я */
	case CP_HE: return prev_lc == CP_ZE ? "gh" : "h";
	case 0x044a: case 0x044b: case 0x044d: return NULL; /* ъ ы э: Russian */
	}
	if (lc >= 0x0430 && lc <= 0x044f)
		return base[lc - 0x0430];
	return NULL;
}

static int
put(fk_buf *out, const char *s, int upper, int allcaps, fk_err *e)
{
	char tmp[8];
	size_t i, n = strlen(s);

	for (i = 0; i < n && i < sizeof tmp; i++) {
		tmp[i] = s[i];
		if (upper && (i == 0 || allcaps) && tmp[i] >= 'a' && tmp[i] <= 'z')
			tmp[i] = (char)(tmp[i] - 'a' + 'A');
	}
	return fk_buf_append(out, tmp, n, e);
}

/* Scans the word starting at off: sets *allcaps. */
static void
scan_word(const uint8_t *in, size_t len, size_t off, int *allcaps)
{
	int lower = 0, cased = 0;
	uint32_t c;
	size_t k;

	while (off < len && (k = fk_utf8_decode(in + off, len - off, &c)) > 0) {
		if (!is_letter(c) && !is_apos(c))
			break;
		if (letter_case(c) < 0)
			lower = 1;
		if (letter_case(c) != 0)
			cased++;
		off += k;
	}
	*allcaps = !lower && cased >= 2;
}

int
fk_translit_uk(const uint8_t *in, size_t len, fk_buf *out, fk_err *e)
{
	size_t off = 0, k, bad, start = out->len;
	uint32_t c, prev = 0, prev_lc = 0;
	int allcaps = 0, in_word = 0;
	const char *lat;

	if (!fk_utf8_valid(in, len, &bad))
		return fk_fail(e, FK_EINPUT, _("invalid UTF-8 at byte %zu"), bad);
	while (off < len) {
		k = fk_utf8_decode(in + off, len - off, &c);
		/* Invisible direction marks and the like have no Latin: not carried
		 * over (the refused Cyrillic answer made a refused Latin one too). */
		if (fk_text_has_hidden(in + off, k)) {
			off += k;
			continue;
		}
		if (!in_word && (is_letter(c) || is_apos(c)))
			scan_word(in, len, off, &allcaps);
		in_word = is_letter(c) || is_apos(c);
		if (is_apos(c) && is_cyr(prev)) {
			off += k;
			continue; /* dropped; prev stays the letter before */
		}
		lat = is_cyr(c) ? map_letter(cyr_lower(c), !is_letter(prev) && !is_apos(prev),
		    prev_lc) : NULL;
		if (lat != NULL) {
			if (put(out, lat, letter_case(c) > 0, allcaps, e) != 0)
				goto fail;
		} else if (fk_buf_append(out, in + off, k, e) != 0)
			goto fail;
		prev = c;
		prev_lc = cyr_lower(c);
		off += k;
	}
	return 0;
fail:
	out->len = start;
	return -1;
}

char *
fk_translit_uk_str(const char *in, size_t len, fk_err *e)
{
	fk_buf b = {0};
	uint8_t nul = 0;

	if (fk_translit_uk((const uint8_t *)in, len, &b, e) != 0 ||
	    fk_buf_append(&b, &nul, 1, e) != 0) {
		fk_buf_free(&b);
		return NULL;
	}
	if (b.p == NULL)
		return strdup("");
	return (char *)b.p;
}
