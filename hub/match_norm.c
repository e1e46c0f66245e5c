/*
 * match_norm.c - see match_norm.h.
 */
#include "match_norm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "translit.h"

/* ---- letters ---- */

static int
is_apos(uint32_t c)
{
	return c == 0x27 || c == 0x60 || c == 0xb4 || c == 0x2018 || c == 0x2019 ||
	    c == 0x02bc || c == 0x02b9 || c == 0x02ba || c == 0x2032 || c == 0x2033;
}

static int
is_cyr(uint32_t c)
{
	return c >= 0x400 && c <= 0x4ff;
}

static int
is_lat(uint32_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= 0xc0 && c <= 0x24f && c != 0xd7 && c != 0xf7);
}

static uint32_t
lower(uint32_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c + 32;
	if (c >= 0xc0 && c <= 0xde && c != 0xd7)
		return c + 32;
	if (c >= 0x100 && c <= 0x17f && !(c & 1) && c != 0x138)
		return c + 1;
	if (c >= 0x410 && c <= 0x42f)
		return c + 0x20;
	if (c >= 0x400 && c <= 0x40f)
		return c + 0x50;
	if (c >= 0x460 && c <= 0x4ff && !(c & 1))
		return c + 1;
	return c;
}

/* Look-alikes: Latin letter -> Cyrillic and back (lower case). */
static const struct {
	uint32_t lat, cyr;
} homo[] = {
	{'a', 0x430}, {'c', 0x441}, {'e', 0x435}, {'i', 0x456}, {'o', 0x43e}, {'p', 0x440},
	{'x', 0x445}, {'y', 0x443}, {'k', 0x43a}, {'m', 0x43c}, {'t', 0x442}, {'h', 0x43d},
	{'b', 0x432}, {0xef, 0x457}, {0xeb, 0x451},
};

static uint32_t
to_cyr(uint32_t c)
{
	size_t i;

	for (i = 0; i < sizeof homo / sizeof homo[0]; i++)
		if (homo[i].lat == c)
			return homo[i].cyr;
	return c;
}

static uint32_t
to_lat(uint32_t c)
{
	size_t i;

	for (i = 0; i < sizeof homo / sizeof homo[0]; i++)
		if (homo[i].cyr == c && i < 9)
			return homo[i].lat;
	return c;
}

#define WCP 64 /* code points kept per word */

/*
 * Reads the next word at *off: its lower-case letters (apostrophes skipped)
 * into w, with look-alikes read in the word's main script. Returns the
 * number of letters, 0 at the end of input.
 */
static size_t
next_word(const uint8_t *p, size_t len, size_t *off, uint32_t *w)
{
	size_t n = 0, k, i, ncyr = 0, nlat = 0;
	uint32_t c;

	while (*off < len) {
		k = fk_utf8_decode(p + *off, len - *off, &c);
		if (k == 0) {
			k = 1;
			c = 0xfffd;
		}
		if (is_cyr(c) || is_lat(c)) {
			if (n < WCP)
				w[n++] = lower(c);
		} else if (c >= 0x300 && c <= 0x36f) {
			/* combining marks: й ї ё in decomposed form read as и і е */
		} else if (!is_apos(c) || n == 0) {
			if (n > 0) {
				*off += k;
				break;
			}
		}
		*off += k;
	}
	for (i = 0; i < n; i++) {
		if (is_cyr(w[i]))
			ncyr++;
		else
			nlat++;
	}
	if (ncyr > 0 && nlat > 0)
		for (i = 0; i < n; i++)
			w[i] = ncyr >= nlat ? to_cyr(w[i]) : to_lat(w[i]);
	return n;
}

/* ---- the skeleton ---- */

/* Cyrillic а..я (0x430..0x44f) in skeleton symbols. */
static const char *const cyr_sym[32] = {
	"a", "b", "v", "h", "d", "e", "j", "z", "i", "i", "k", "l", "m", "n", "o", "p",
	"r", "s", "t", "u", "f", "h", "c", "q", "w", "w", "", "i", "", "e", "iu", "ia",
};

static const char *
cyr_symbol(uint32_t c, uint32_t next)
{
	if (c >= 0x430 && c <= 0x44f) {
		if (c == 0x44c) /* ь: before о it is the й sound (ьо) */
			return next == 0x43e ? "i" : "";
		return cyr_sym[c - 0x430];
	}
	switch (c) {
	case 0x451: return "io"; /* ё */
	case 0x454: return "ie"; /* є */
	case 0x456: return "i";  /* і */
	case 0x457: return "i";  /* ї */
	case 0x491: return "h";  /* ґ */
	case 0x45e: return "u";  /* ў */
	case 0x452: return "d";  /* ђ */
	case 0x45b: return "c";  /* ћ */
	case 0x458: return "i";  /* ј */
	case 0x459: return "l";  /* љ */
	case 0x45a: return "n";  /* њ */
	case 0x45f: return "j";  /* џ */
	case 0x455: return "z";  /* ѕ */
	case 0x453: return "h";  /* ѓ */
	case 0x45c: return "k";  /* ќ */
	}
	return "";
}

/* Latin letters with diacritics, as the ASCII they stand for in names. */
static const char *
lat_ascii(uint32_t c)
{
	if (c < 0x80)
		return NULL;
	switch (c) {
	case 0x161: case 0x15b: case 0xdf: return c == 0xdf ? "ss" : (c == 0x161 ? "sh" : "s");
	case 0x10d: return "ch";  /* č */
	case 0x17e: return "zh";  /* ž */
	case 0x15d: return "shch"; /* ŝ (ISO 9 щ) */
	case 0x107: return "c";   /* ć */
	case 0x17a: case 0x17c: return "z";
	case 0x142: return "l";
	case 0x144: case 0xf1: return "n";
	case 0x105: return "a";
	case 0x119: return "e";
	case 0xe2: return "ia";   /* â (ISO 9 я) */
	case 0xfb: return "iu";   /* û (ISO 9 ю) */
	case 0xea: return "ie";   /* ê (ISO 9 є) */
	case 0xeb: return "io";   /* ë (ё) */
	case 0xef: return "ii";   /* ï (ISO 9 ї) */
	case 0x1f5: return "g";   /* ǵ (ISO 9 ґ) */
	case 0x11b: return "e";
	case 0x159: return "r";
	case 0x165: return "t";
	case 0x10f: return "d";
	case 0x148: return "n";
	case 0x16f: return "u";
	case 0x16d: return "u";   /* ŭ */
	case 0x131: return "i";
	case 0x11f: return "g";
	case 0x15f: return "sh";
	case 0xe7: return "ch";
	}
	if ((c >= 0xe0 && c <= 0xe5) || c == 0x101 || c == 0x103) return "a";
	if (c == 0xe6) return "ae";
	if ((c >= 0xe8 && c <= 0xea) || c == 0x113 || c == 0x117) return "e";
	if ((c >= 0xec && c <= 0xee) || c == 0x12b || c == 0x129 || c == 0x12f) return "i";
	if ((c >= 0xf2 && c <= 0xf6) || c == 0xf8 || c == 0x151 || c == 0x14d) return "o";
	if ((c >= 0xf9 && c <= 0xfc) || c == 0x16b || c == 0x171 || c == 0x173) return "u";
	if (c == 0xfd || c == 0xff) return "y";
	return "";
}

/* Parses an ASCII run (lower case) by digraphs into skeleton symbols. */
static size_t
lat_symbols(const char *a, size_t n, char *out, size_t max)
{
	static const struct {
		const char *in, *out;
	} dg[] = {
		{"shch", "w"}, {"szcz", "w"}, {"tsch", "q"}, {"sch", "w"}, {"tch", "q"},
		{"zgh", "zh"}, {"sh", "w"}, {"sz", "w"}, {"ch", "q"}, {"cz", "q"}, {"zh", "j"},
		{"kh", "h"}, {"gh", "h"}, {"ts", "c"}, {"tz", "c"}, {"tc", "c"}, {"ph", "f"},
		{"th", "t"}, {"ck", "k"},
	};
	size_t i = 0, o = 0, d, l;

	while (i < n && o + 2 < max) {
		for (d = 0; d < sizeof dg / sizeof dg[0]; d++) {
			l = strlen(dg[d].in);
			if (i + l <= n && memcmp(a + i, dg[d].in, l) == 0)
				break;
		}
		if (d < sizeof dg / sizeof dg[0]) {
			for (l = 0; dg[d].out[l]; l++)
				out[o++] = dg[d].out[l];
			i += strlen(dg[d].in);
			continue;
		}
		switch (a[i]) {
		case 'g': out[o++] = 'h'; break;
		case 'y': case 'j': out[o++] = 'i'; break;
		case 'w': out[o++] = 'v'; break;
		case 'q': out[o++] = 'k'; break;
		case 'x': out[o++] = 'k'; out[o++] = 's'; break;
		case 'c':
			out[o++] = (i + 1 < n && (a[i + 1] == 'e' || a[i + 1] == 'i' ||
			    a[i + 1] == 'y')) ? 'c' : 'k';
			break;
		default:
			if (a[i] >= 'a' && a[i] <= 'z')
				out[o++] = a[i];
		}
		i++;
	}
	return o;
}

static int
vowel(char c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

static size_t
collapse(char *s, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++)
		if (o == 0 || s[o - 1] != s[i])
			s[o++] = s[i];
	return o;
}

/* The folding rules after the letters are mapped (see match_norm.h). */
static size_t
fold_word(char *s, size_t n)
{
	char t[2 * WCP + 8];
	size_t i, o = 0;

	n = collapse(s, n);
	if (n >= 2 && s[0] == 'i' && s[1] == 'e') {
		memmove(s, s + 1, n - 1);
		n--;
	}
	for (i = 0; i < n; i++) {
		if (i >= 1 && s[i] == 'i' && i + 1 < n && s[i + 1] == 'o' && !vowel(s[i - 1])) {
			t[o++] = 'e';
			i++;
			continue;
		}
		if (i >= 1 && s[i] == 'i' && i + 1 < n && s[i + 1] == 'e')
			continue;
		t[o++] = s[i];
	}
	if (o >= 6 && memcmp(t + o - 3, "aia", 3) == 0 && !vowel(t[o - 4]))
		o -= 2;
	o = collapse(t, o);
	memcpy(s, t, o);
	return o;
}

/* One word's symbols (w: n lower-case letters) into out; returns the length. */
static size_t
word_skeleton(const uint32_t *w, size_t n, char *out)
{
	char run[4 * WCP + 8], sym[2 * WCP + 8];
	size_t i, rn = 0, o = 0, l;
	const char *s;

	for (i = 0; i <= n; i++) {
		if (i < n && !is_cyr(w[i])) {
			s = lat_ascii(w[i]);
			if (s == NULL)
				run[rn++] = (char)w[i];
			else
				for (l = 0; s[l] && rn < sizeof run - 1; l++)
					run[rn++] = s[l];
			continue;
		}
		if (rn > 0) {
			o += lat_symbols(run, rn, sym + o, sizeof sym - o);
			rn = 0;
		}
		if (i == n)
			break;
		s = cyr_symbol(w[i], i + 1 < n ? w[i + 1] : 0);
		for (l = 0; s[l] && o < sizeof sym - 1; l++)
			sym[o++] = s[l];
	}
	o = fold_word(sym, o);
	if (o > FK_MN_WORD_MAX)
		o = FK_MN_WORD_MAX;
	memcpy(out, sym, o);
	return o;
}

size_t
fk_mn_skeleton(const char *in, size_t len, char *out, size_t outsz)
{
	uint32_t w[WCP];
	char sk[FK_MN_WORD_MAX + 1];
	size_t off = 0, n, k, o = 0;

	if (outsz == 0)
		return 0;
	while ((n = next_word((const uint8_t *)in, len, &off, w)) > 0) {
		k = word_skeleton(w, n, sk);
		if (k == 0)
			continue;
		if (o + (o > 0) + k + 1 > outsz)
			break;
		if (o > 0)
			out[o++] = ' ';
		memcpy(out + o, sk, k);
		o += k;
	}
	out[o] = 0;
	return o;
}

int
fk_mn_script(const char *in, size_t len)
{
	const uint8_t *p = (const uint8_t *)in;
	size_t off = 0, k;
	uint32_t c;
	int lat = 0, cyr = 0, uk = 0, ru = 0;

	while (off < len) {
		k = fk_utf8_decode(p + off, len - off, &c);
		if (k == 0)
			k = 1, c = 0;
		c = lower(c);
		if (is_cyr(c)) {
			cyr++;
			if (c == 0x456 || c == 0x457 || c == 0x454 || c == 0x491)
				uk++;
			if (c == 0x44b || c == 0x44d || c == 0x44a || c == 0x451)
				ru++;
		} else if (is_lat(c))
			lat++;
		off += k;
	}
	if (cyr == 0)
		return lat ? FK_MN_LATIN : FK_MN_NONE;
	if (lat > cyr)
		return FK_MN_LATIN;
	return uk > ru ? FK_MN_UK : ru > uk ? FK_MN_RU : FK_MN_CYR;
}

static size_t
put_utf8(uint32_t c, char *o)
{
	if (c < 0x80) {
		o[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (char)(0xc0 | (c >> 6));
		o[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	o[0] = (char)(0xe0 | (c >> 12));
	o[1] = (char)(0x80 | ((c >> 6) & 0x3f));
	o[2] = (char)(0x80 | (c & 0x3f));
	return 3;
}

size_t
fk_mn_cyrfold(const char *in, size_t len, char *out, size_t outsz)
{
	uint32_t w[WCP];
	size_t off = 0, n, i, o = 0;
	char tmp[4 * WCP + 2];
	size_t t;

	if (outsz == 0)
		return 0;
	while ((n = next_word((const uint8_t *)in, len, &off, w)) > 0) {
		t = 0;
		for (i = 0; i < n; i++) {
			uint32_t c = w[i] == 0x451 ? 0x435 : w[i];
			if (c > 0xffff)
				continue;
			t += put_utf8(c, tmp + t);
		}
		if (o + (o > 0) + t + 1 > outsz)
			break;
		if (o > 0)
			out[o++] = ' ';
		memcpy(out + o, tmp, t);
		o += t;
	}
	out[o] = 0;
	return o;
}

/* ---- surnames ---- */

void
fk_mn_surname_stem(const char *word, char *out)
{
	size_t n = strnlen(word, FK_MN_WORD_MAX);

	memcpy(out, word, n);
	if (n >= 5 && (memcmp(word + n - 3, "ova", 3) == 0 ||
	    memcmp(word + n - 3, "eva", 3) == 0 || memcmp(word + n - 3, "ina", 3) == 0))
		n--;
	else if (n >= 4 && (word[n - 1] == 'a' || word[n - 1] == 'i') && !vowel(word[n - 2]))
		n--;
	else if (n >= 5 && memcmp(word + n - 2, "oi", 2) == 0)
		n -= 1; /* -ой */
	out[n] = 0;
}

/* ---- Daitch-Mokotoff ---- */

struct dmrule {
	const char *pat;
	const char *first, *vowel, *other; /* "" = not coded */
};

static const struct dmrule dmrules[] = {
	{"AI", "0", "1", ""}, {"AJ", "0", "1", ""}, {"AY", "0", "1", ""}, {"AU", "0", "7", ""},
	{"A", "0", "", ""},
	{"B", "7", "7", "7"},
	{"CHS", "5", "54", "54"}, {"CH", "5", "5", "5"}, {"CK", "5", "5", "5"},
	{"CZS", "4", "4", "4"}, {"CSZ", "4", "4", "4"}, {"CZ", "4", "4", "4"},
	{"CS", "4", "4", "4"}, {"C", "5", "5", "5"},
	{"DRZ", "4", "4", "4"}, {"DRS", "4", "4", "4"}, {"DSH", "4", "4", "4"},
	{"DSZ", "4", "4", "4"}, {"DS", "4", "4", "4"}, {"DZH", "4", "4", "4"},
	{"DZS", "4", "4", "4"}, {"DZ", "4", "4", "4"}, {"DT", "3", "3", "3"}, {"D", "3", "3", "3"},
	{"EI", "0", "1", ""}, {"EJ", "0", "1", ""}, {"EY", "0", "1", ""}, {"EU", "1", "1", ""},
	{"E", "0", "", ""},
	{"FB", "7", "7", "7"}, {"F", "7", "7", "7"},
	{"G", "5", "5", "5"},
	{"H", "5", "5", ""},
	{"IA", "1", "", ""}, {"IE", "1", "", ""}, {"IO", "1", "", ""}, {"IU", "1", "", ""},
	{"I", "0", "", ""},
	{"J", "1", "1", "1"},
	{"KS", "5", "54", "54"}, {"KH", "5", "5", "5"}, {"K", "5", "5", "5"},
	{"L", "8", "8", "8"},
	{"MN", "66", "66", "66"}, {"M", "6", "6", "6"},
	{"NM", "66", "66", "66"}, {"N", "6", "6", "6"},
	{"OI", "0", "1", ""}, {"OJ", "0", "1", ""}, {"OY", "0", "1", ""}, {"O", "0", "", ""},
	{"PF", "7", "7", "7"}, {"PH", "7", "7", "7"}, {"P", "7", "7", "7"},
	{"Q", "5", "5", "5"},
	{"RZ", "94", "94", "94"}, {"RS", "94", "94", "94"}, {"R", "9", "9", "9"},
	{"SCHTSCH", "2", "4", "4"}, {"SCHTSH", "2", "4", "4"}, {"SCHTCH", "2", "4", "4"},
	{"SCHT", "2", "43", "43"}, {"SCHD", "2", "43", "43"}, {"SCH", "4", "4", "4"},
	{"SHTCH", "2", "4", "4"}, {"SHTSH", "2", "4", "4"}, {"SHCH", "2", "4", "4"},
	{"SHT", "2", "43", "43"}, {"SHD", "2", "43", "43"}, {"SH", "4", "4", "4"},
	{"STSCH", "2", "4", "4"}, {"STCH", "2", "4", "4"}, {"STRZ", "2", "4", "4"},
	{"STRS", "2", "4", "4"}, {"STSH", "2", "4", "4"}, {"ST", "2", "43", "43"},
	{"SZCZ", "2", "4", "4"}, {"SZCS", "2", "4", "4"}, {"SZT", "2", "43", "43"},
	{"SZD", "2", "43", "43"}, {"SZ", "4", "4", "4"}, {"SD", "2", "43", "43"},
	{"SC", "2", "4", "4"}, {"S", "4", "4", "4"},
	{"TTSCH", "4", "4", "4"}, {"TTCH", "4", "4", "4"}, {"TTSZ", "4", "4", "4"},
	{"TSCH", "4", "4", "4"}, {"TCH", "4", "4", "4"}, {"TRZ", "4", "4", "4"},
	{"TRS", "4", "4", "4"}, {"TSH", "4", "4", "4"}, {"TTS", "4", "4", "4"},
	{"TTZ", "4", "4", "4"}, {"TZS", "4", "4", "4"}, {"TSZ", "4", "4", "4"},
	{"TH", "3", "3", "3"}, {"TS", "4", "4", "4"}, {"TC", "4", "4", "4"},
	{"TZ", "4", "4", "4"}, {"T", "3", "3", "3"},
	{"UI", "0", "1", ""}, {"UJ", "0", "1", ""}, {"UY", "0", "1", ""}, {"UE", "0", "", ""},
	{"U", "0", "", ""},
	{"V", "7", "7", "7"}, {"W", "7", "7", "7"},
	{"X", "5", "54", "54"},
	{"Y", "1", "", ""},
	{"ZHDZH", "2", "4", "4"}, {"ZDZH", "2", "4", "4"}, {"ZSCH", "4", "4", "4"},
	{"ZDZ", "2", "4", "4"}, {"ZHD", "2", "43", "43"}, {"ZSH", "4", "4", "4"},
	{"ZD", "2", "43", "43"}, {"ZH", "4", "4", "4"}, {"ZS", "4", "4", "4"},
	{"Z", "4", "4", "4"},
};

static int
dm_vowel(char c)
{
	return c == 'A' || c == 'E' || c == 'I' || c == 'O' || c == 'U' || c == 'Y';
}

uint32_t
fk_mn_dm(const char *ascii)
{
	char s[128], code[8];
	const char *last = NULL;
	size_t n = 0, i, r, l, cn = 0;
	uint32_t v = 0;

	for (i = 0; ascii[i] && n < sizeof s - 1; i++) {
		char c = ascii[i];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 32);
		if (c >= 'A' && c <= 'Z')
			s[n++] = c;
	}
	s[n] = 0;
	for (i = 0; i < n && cn < 6;) {
		const struct dmrule *m = NULL;
		const char *c;
		size_t ml = 0;
		for (r = 0; r < sizeof dmrules / sizeof dmrules[0]; r++) {
			if (dmrules[r].pat[0] != s[i])
				continue;
			l = strlen(dmrules[r].pat);
			if (l > ml && i + l <= n && memcmp(s + i, dmrules[r].pat, l) == 0) {
				m = &dmrules[r];
				ml = l;
			}
		}
		if (m == NULL) {
			i++;
			continue;
		}
		if (i == 0)
			c = m->first;
		else if (i + ml < n && dm_vowel(s[i + ml]))
			c = m->vowel;
		else
			c = m->other;
		if (last == NULL || strcmp(last, c) != 0 || strcmp(c, "66") == 0)
			for (l = 0; c[l] && cn < 6; l++)
				code[cn++] = c[l];
		last = c;
		i += ml;
	}
	while (cn < 6)
		code[cn++] = '0';
	for (i = 0; i < 6; i++)
		v = v * 10 + (uint32_t)(code[i] - '0');
	return v;
}

uint32_t
fk_mn_dm_skel(const char *word)
{
	char a[4 * FK_MN_WORD_MAX + 8];
	size_t o = 0, i;

	for (i = 0; word[i] && i < FK_MN_WORD_MAX; i++) {
		const char *s;
		switch (word[i]) {
		case 'j': s = "zh"; break;
		case 'q': s = "tch"; break;
		case 'w': s = "sh"; break;
		case 'c': s = "ts"; break;
		case 'h': s = "g"; break;
		default: a[o++] = word[i]; continue;
		}
		while (*s)
			a[o++] = *s++;
	}
	a[o] = 0;
	return fk_mn_dm(a);
}

/* ---- Jaro-Winkler ---- */

double
fk_mn_jw(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, m = 0, t = 0, k, win, p;
	unsigned char fa[128] = {0}, fb[128] = {0};
	double jaro;

	if (la > 127)
		la = 127;
	if (lb > 127)
		lb = 127;
	if (la == 0 || lb == 0)
		return la == lb ? 1.0 : 0.0;
	win = (la > lb ? la : lb) / 2;
	win = win > 0 ? win - 1 : 0;
	for (i = 0; i < la; i++) {
		size_t lo = i > win ? i - win : 0, hi = i + win + 1 < lb ? i + win + 1 : lb;
		for (j = lo; j < hi; j++)
			if (!fb[j] && a[i] == b[j]) {
				fa[i] = fb[j] = 1;
				m++;
				break;
			}
	}
	if (m == 0)
		return 0.0;
	for (i = 0, k = 0; i < la; i++) {
		if (!fa[i])
			continue;
		while (!fb[k])
			k++;
		if (a[i] != b[k])
			t++;
		k++;
	}
	jaro = ((double)m / la + (double)m / lb + (double)(m - t / 2) / m) / 3.0;
	for (p = 0; p < 4 && p < la && p < lb && a[p] == b[p]; p++)
		;
	return jaro + (double)p * 0.1 * (1.0 - jaro);
}

/* ---- the equivalence table ---- */

struct ment {
	char *key;
	int n;
	int16_t g[FK_MN_MAXG];
};

struct mmap {
	struct ment *v;
	size_t cap, n;
};

struct mgroup {
	char name[64];
	char sex;
	int pair;
	char skel[FK_MN_WORD_MAX + 1];
};

struct fk_mn_names {
	struct mgroup *g;
	int ng;
	struct mmap given, patr;
};

static uint64_t
hstr(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 1099511628211ULL;
	return h;
}

static struct ment *
map_slot(struct mmap *m, const char *k)
{
	size_t i = (size_t)hstr(k) & (m->cap - 1);

	while (m->v[i].key != NULL && strcmp(m->v[i].key, k) != 0)
		i = (i + 1) & (m->cap - 1);
	return &m->v[i];
}

static const struct ment *
map_get(const struct mmap *m, const char *k)
{
	const struct ment *s;

	if (m->cap == 0)
		return NULL;
	s = map_slot((struct mmap *)m, k);
	return s->key ? s : NULL;
}

static int
map_add(struct mmap *m, const char *k, int g, fk_err *e)
{
	struct ment *s;
	int i;

	if (k[0] == 0)
		return 0;
	if ((m->n + 1) * 2 > m->cap) {
		struct mmap nm = {0};
		size_t j;
		nm.cap = m->cap ? m->cap * 2 : 1024;
		if ((nm.v = calloc(nm.cap, sizeof *nm.v)) == NULL)
			return fk_fail(e, FK_ENOMEM, _("out of memory"));
		for (j = 0; j < m->cap; j++)
			if (m->v[j].key != NULL)
				*map_slot(&nm, m->v[j].key) = m->v[j];
		nm.n = m->n;
		free(m->v);
		*m = nm;
	}
	s = map_slot(m, k);
	if (s->key == NULL) {
		if ((s->key = strdup(k)) == NULL)
			return fk_fail(e, FK_ENOMEM, _("out of memory"));
		s->n = 0;
		m->n++;
	}
	for (i = 0; i < s->n; i++)
		if (s->g[i] == g)
			return 0;
	if (s->n >= FK_MN_MAXG)
		return fk_fail(e, FK_EINPUT, _("name table: %s is listed in more than %d groups; "
		    "split the groups or raise FK_MN_MAXG"), k, FK_MN_MAXG);
	s->g[s->n++] = (int16_t)g;
	return 0;
}

static void
map_free(struct mmap *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		free(m->v[i].key);
	free(m->v);
	memset(m, 0, sizeof *m);
}

static int
skel1(const char *s, size_t n, char *out)
{
	char buf[4 * FK_MN_WORD_MAX + 8];

	fk_mn_skeleton(s, n, buf, sizeof buf);
	if (strchr(buf, ' ') != NULL || strlen(buf) > FK_MN_WORD_MAX)
		return -1;
	strcpy(out, buf);
	return 0;
}

static int
ends(const char *s, size_t n, const char *suf)
{
	size_t l = strlen(suf);

	return n >= l && memcmp(s + n - l, suf, l) == 0;
}

/* Patronymics of one male full form (lower-case Cyrillic UTF-8), by rule. */
static int
add_patronymics(struct mmap *m, const char *name, int g, fk_err *e)
{
	static const char *const cons[] = {"ович", "івна", "овна", "евич", "евна", NULL};
	static const char *const vow[] = {"ич", "іч", "івна", "ична", "инична", "ович",
		"овна", NULL};
	char form[160], sk[FK_MN_WORD_MAX + 1], low[100];
	size_t n = 0, i;
	const char *add[24];
	char base[100], stem2[100];
	int na = 0, k;

	/* lower-case (the table is written with capitals) */
	for (i = 0; name[i] && n < sizeof low - 4;) {
		uint32_t c;
		size_t l = fk_utf8_decode((const uint8_t *)name + i, strlen(name + i), &c);
		if (l == 0)
			return 0;
		n += put_utf8(lower(c), low + n);
		i += l;
	}
	low[n] = 0;
	if ((uint8_t)low[0] != 0xd0 && (uint8_t)low[0] != 0xd1)
		return 0; /* Latin exonyms have no patronymic forms here */
	snprintf(base, sizeof base, "%s", low);
	stem2[0] = 0;
	if (ends(low, n, "й")) {
		base[n - 2] = 0; /* серге, никола, сергі, юри */
		add[na++] = "+ович";
		add[na++] = "-ївна";
		add[na++] = "-евич";
		add[na++] = "-евна";
		if (ends(low, n, "ій") || ends(low, n, "ий")) {
			snprintf(stem2, sizeof stem2, "%.*s", (int)(n - 4), low);
			add[na++] = "=ьевич";
			add[na++] = "=ьевна";
			add[na++] = "=иевич";
			add[na++] = "=иевна";
		}
	} else if (ends(low, n, "ь")) {
		base[n - 2] = 0;
		add[na++] = "+ович";
		add[na++] = "-івна";
		add[na++] = "-евич";
		add[na++] = "-евна";
	} else if (ends(low, n, "о")) {
		base[n - 2] = 0;
		add[na++] = "-ович";
		add[na++] = "-івна";
		add[na++] = "-овна";
	} else if (ends(low, n, "а") || ends(low, n, "я")) {
		base[n - 2] = 0;
		add[na++] = "+йович";
		add[na++] = "+ївна";
		for (k = 0; vow[k]; k++) {
			snprintf(form, sizeof form, "%s%s", base, vow[k]);
			if (skel1(form, strlen(form), sk) == 0 && map_add(m, sk, g, e) != 0)
				return -1;
		}
	} else {
		for (k = 0; cons[k]; k++) {
			snprintf(form, sizeof form, "%s%s", low, cons[k]);
			if (skel1(form, strlen(form), sk) == 0 && map_add(m, sk, g, e) != 0)
				return -1;
		}
	}
	for (k = 0; k < na; k++) {
		const char *a = add[k];
		const char *b = a[0] == '+' ? low : a[0] == '-' ? base : stem2;
		snprintf(form, sizeof form, "%s%s", b, a + 1);
		if (skel1(form, strlen(form), sk) == 0 && map_add(m, sk, g, e) != 0)
			return -1;
	}
	return 0;
}

static int
parse_line(fk_mn_names *t, char *line, fk_err *e)
{
	char *col[4] = {0}, *p = line, *tok, *save = NULL;
	char sk[FK_MN_WORD_MAX + 1];
	int nc = 0, g, c;
	struct mgroup *ng;

	while (nc < 4) {
		col[nc++] = p;
		if ((p = strchr(p, '\t')) == NULL)
			break;
		*p++ = 0;
	}
	if (nc < 2 || (strcmp(col[0], "m") != 0 && strcmp(col[0], "f") != 0))
		return fk_fail(e, FK_EINPUT, _("name table: a line must start with m or f and "
		    "a tab"));
	if ((ng = realloc(t->g, (size_t)(t->ng + 1) * sizeof *t->g)) == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	t->g = ng;
	g = t->ng++;
	memset(&t->g[g], 0, sizeof t->g[g]);
	snprintf(t->g[g].name, sizeof t->g[g].name, "%s", col[1]);
	t->g[g].sex = col[0][0];
	t->g[g].pair = -1;
	if (skel1(col[1], strlen(col[1]), t->g[g].skel) != 0)
		return fk_fail(e, FK_EINPUT, _("name table: %s is not one word"), col[1]);
	for (c = 1; c < nc; c++) {
		char *s = col[c];
		for (tok = strtok_r(s, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save)) {
			if (skel1(tok, strlen(tok), sk) != 0)
				continue;
			if (map_add(&t->given, sk, g, e) != 0)
				return -1;
			if (c <= 2 && t->g[g].sex == 'm' &&
			    add_patronymics(&t->patr, tok, g, e) != 0)
				return -1;
		}
	}
	return 0;
}

static void
pair_groups(fk_mn_names *t)
{
	int i, j;

	for (i = 0; i < t->ng; i++) {
		const char *m = t->g[i].skel;
		size_t n = strlen(m);
		if (t->g[i].sex != 'm')
			continue;
		for (j = 0; j < t->ng; j++) {
			const char *f = t->g[j].skel;
			size_t fn = strlen(f);
			if (t->g[j].sex != 'f' || t->g[j].pair >= 0)
				continue;
			if ((fn == n + 1 && memcmp(f, m, n) == 0 && f[n] == 'a') ||
			    (n > 2 && m[n - 1] == 'i' && fn == n && memcmp(f, m, n - 1) == 0 &&
			    f[n - 1] == 'a')) {
				t->g[i].pair = j;
				t->g[j].pair = i;
				break;
			}
		}
	}
}

int
fk_mn_names_load(fk_mn_names **out, const char *text, size_t len, fk_err *e)
{
	fk_mn_names *t = calloc(1, sizeof *t);
	char line[2048];
	size_t off = 0;
	int lineno = 0;

	*out = NULL;
	if (t == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t l = nl ? (size_t)(nl - (text + off)) : len - off;
		lineno++;
		if (l >= sizeof line) {
			fk_fail(e, FK_EINPUT, _("name table: line %d is too long"), lineno);
			goto fail;
		}
		memcpy(line, text + off, l);
		line[l] = 0;
		off += l + (nl != NULL);
		if (l > 0 && line[l - 1] == '\r')
			line[--l] = 0;
		if (l == 0 || line[0] == '#')
			continue;
		if (parse_line(t, line, e) != 0) {
			fk_prefix(e, _("line %d"), lineno);
			goto fail;
		}
	}
	pair_groups(t);
	*out = t;
	return 0;
fail:
	fk_mn_names_free(t);
	return -1;
}

/* hub/data/given-names.tsv, embedded by the build (hub/data/embed.cmake) */
extern const unsigned char fk_given_names_tsv[];
extern const size_t fk_given_names_tsv_len;

int
fk_mn_names_builtin(fk_mn_names **t, fk_err *e)
{
	return fk_mn_names_load(t, (const char *)fk_given_names_tsv, fk_given_names_tsv_len, e);
}

void
fk_mn_names_free(fk_mn_names *t)
{
	if (t == NULL)
		return;
	map_free(&t->given);
	map_free(&t->patr);
	free(t->g);
	free(t);
}

int
fk_mn_names_count(const fk_mn_names *t)
{
	return t->ng;
}

const char *
fk_mn_group_name(const fk_mn_names *t, int g)
{
	return g >= 0 && g < t->ng ? t->g[g].name : "";
}

int
fk_mn_group_sex(const fk_mn_names *t, int g)
{
	return g >= 0 && g < t->ng ? t->g[g].sex : 0;
}

int
fk_mn_group_pair(const fk_mn_names *t, int g)
{
	return g >= 0 && g < t->ng ? t->g[g].pair : -1;
}

int
fk_mn_given(const fk_mn_names *t, const char *word, int *groups)
{
	const struct ment *s = map_get(&t->given, word);
	int i;

	if (s == NULL)
		return 0;
	for (i = 0; i < s->n; i++)
		groups[i] = s->g[i];
	return s->n;
}

int
fk_mn_dl_within(const char *a, const char *b, int max)
{
	int la = (int)strlen(a), lb = (int)strlen(b), i, j;
	int d[FK_MN_WORD_MAX + 2][FK_MN_WORD_MAX + 2];

	if (la > FK_MN_WORD_MAX || lb > FK_MN_WORD_MAX || abs(la - lb) > max)
		return 0;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		int rowmin = INT32_MAX;
		for (j = 1; j <= lb; j++) {
			int c = a[i - 1] != b[j - 1], v = d[i - 1][j - 1] + c;
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
			if (v < rowmin)
				rowmin = v;
		}
		if (rowmin > max)
			return 0;
	}
	return d[la][lb] <= max;
}

int
fk_mn_given_near(const fk_mn_names *t, const char *word, int *groups)
{
	const struct ment *best = NULL;
	double bj = 0.92, j;
	size_t i, n = strlen(word);
	int k;

	if (n < 4)
		return 0;
	for (i = 0; i < t->given.cap; i++) {
		const char *key = t->given.v[i].key;
		size_t kn;
		if (key == NULL)
			continue;
		kn = strlen(key);
		if (kn + 2 < n || n + 2 < kn || key[0] != word[0])
			continue;
		j = fk_mn_jw(word, key);
		if (j <= bj && n >= 5 && fk_mn_dl_within(word, key, 1))
			j = bj + 1e-3; /* one typo */
		if (j > bj) {
			bj = j;
			best = &t->given.v[i];
		}
	}
	if (best == NULL)
		return 0;
	for (k = 0; k < best->n; k++)
		groups[k] = best->g[k];
	return best->n;
}

static const char *const patr_suf[] = {
	"iniqna", "iqna", "oviq", "eviq", "ovna", "evna", "ivna", "iq", NULL,
};

int
fk_mn_is_patronymic(const char *word)
{
	size_t n = strlen(word), k;

	for (k = 0; patr_suf[k]; k++)
		if (n >= strlen(patr_suf[k]) + 2 && ends(word, n, patr_suf[k]) &&
		    (strlen(patr_suf[k]) > 2 || n >= 4))
			return 1;
	return 0;
}

int
fk_mn_patronymic(const fk_mn_names *t, const char *word, int *groups, char *stem)
{
	const struct ment *s = map_get(&t->patr, word);
	size_t n = strlen(word), k, l;
	int i;

	stem[0] = 0;
	for (k = 0; patr_suf[k]; k++) {
		l = strlen(patr_suf[k]);
		if (n >= l + 3 && ends(word, n, patr_suf[k])) {
			memcpy(stem, word, n - l);
			stem[n - l] = 0;
			break;
		}
	}
	if (s != NULL) {
		for (i = 0; i < s->n; i++)
			groups[i] = s->g[i];
		return s->n;
	}
	return stem[0] ? fk_mn_given(t, stem, groups) : 0;
}
