/*
 * util.c - see util.h.
 */
#include "util.h"

#include <ctype.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#ifndef FK_LOCALEDIR
#define FK_LOCALEDIR "/usr/share/locale"
#endif
#ifndef FK_BUILD_LOCALEDIR
#define FK_BUILD_LOCALEDIR FK_LOCALEDIR
#endif
#ifndef FK_SCHEMADIR
#define FK_SCHEMADIR "/usr/share/fieldkit/schemas"
#endif
#ifndef FK_BUILD_SCHEMADIR
#define FK_BUILD_SCHEMADIR FK_SCHEMADIR
#endif

void
fk_hex(const uint8_t *p, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
fk_unhex(const char *s, uint8_t *out, size_t n)
{
	size_t i;

	if (strlen(s) != 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

void
fk_uuid(char out[FK_UUID_BUF])
{
	uint8_t b[16];
	char h[33];

	randombytes_buf(b, sizeof b);
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	fk_hex(b, 16, h);
	snprintf(out, FK_UUID_BUF, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16,
	    h + 20);
}

int
fk_uuid_valid(const char *s)
{
	int i;

	for (i = 0; i < FK_UUID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (hexval(s[i]) < 0)
			return 0;
	}
	return s[FK_UUID_LEN] == 0;
}

void
fk_time_rfc3339(int64_t t, char out[FK_TIME_BUF])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, FK_TIME_BUF, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void
fk_now_rfc3339(char out[FK_TIME_BUF])
{
	fk_time_rfc3339((int64_t)time(NULL), out);
}

int
fk_time_parse_rfc3339(const char *s, int64_t *t)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:ddZ";
	char back[FK_TIME_BUF];
	struct tm tm;
	int i;

	if (strlen(s) != sizeof pat - 1)
		return -1;
	for (i = 0; pat[i]; i++) {
		if (pat[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != pat[i])
			return -1;
	}
	memset(&tm, 0, sizeof tm);
	tm.tm_year = atoi(s) - 1900;
	tm.tm_mon = (s[5] - '0') * 10 + (s[6] - '0') - 1;
	tm.tm_mday = (s[8] - '0') * 10 + (s[9] - '0');
	tm.tm_hour = (s[11] - '0') * 10 + (s[12] - '0');
	tm.tm_min = (s[14] - '0') * 10 + (s[15] - '0');
	tm.tm_sec = (s[17] - '0') * 10 + (s[18] - '0');
	if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 59)
		return -1;
	*t = (int64_t)timegm(&tm);
	/* A real day: timegm carries 2026-02-31 over to 2026-03-03; refuse it. */
	fk_time_rfc3339(*t, back);
	return strcmp(back, s) == 0 ? 0 : -1;
}

char *
fk_path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s%s%s", dir, fk_dir_sep(dir), name);
	return p;
}

const char *
fk_dir_sep(const char *dir)
{
	size_t n = strlen(dir);

	return n > 0 && dir[n - 1] == '/' ? "" : "/";
}

size_t
fk_schema_dirs(const char *dirs[2])
{
	const char *env = getenv("FIELDKIT_SCHEMAS");
	struct stat st;
	size_t n = 0;

	if (env != NULL && *env != '\0')
		dirs[n++] = env;
	else
		dirs[n++] = stat(FK_SCHEMADIR, &st) == 0 ? FK_SCHEMADIR : FK_BUILD_SCHEMADIR;
	return n;
}

int
fk_schema_find(const char *name, char *path, size_t n, fk_err *e)
{
	const char *dirs[2];
	struct stat st;
	size_t i, nd;

	if (strchr(name, '/') != NULL || (strlen(name) > 5 &&
	    strcmp(name + strlen(name) - 5, ".json") == 0) || stat(name, &st) == 0) {
		if ((size_t)snprintf(path, n, "%s", name) >= n)
			return fk_fail(e, FK_EUSAGE, _("path too long"));
		return 0;
	}
	for (i = 0; name[i]; i++)
		if (!islower((unsigned char)name[i]) && !isdigit((unsigned char)name[i]) &&
		    name[i] != '-')
			break;
	if (name[i] == '\0' && i > 0 && i <= 64) {
		nd = fk_schema_dirs(dirs);
		for (i = 0; i < nd; i++) {
			if ((size_t)snprintf(path, n, "%s/%s.json", dirs[i], name) < n &&
			    access(path, R_OK) == 0)
				return 0;
		}
	}
	return fk_fail(e, FK_EUSAGE,
	    _("no form \"%.64s\" (give a form id such as family-report, or a form file)"), name);
}

const char *
fk_lang_pref(void)
{
	static const char *const vars[] = {"FIELDKIT_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES",
	    "LANG"};
	size_t i;

	for (i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		const char *v = getenv(vars[i]);
		if (v == NULL || *v == '\0')
			continue;
		if (strncmp(v, "uk", 2) == 0)
			return "uk";
		if (strncmp(v, "en", 2) == 0)
			return "en";
		if (i < 2) /* an explicit choice of another language: no preference */
			return NULL;
	}
	return NULL;
}

void
fk_i18n_setup(void)
{
	const char *lang = getenv("FIELDKIT_LANG");
	const char *dir = getenv("FIELDKIT_LOCALEDIR");
	const char *cur, *want;
	struct stat st;

	if (lang != NULL && *lang != '\0')
		setenv("LANGUAGE", lang, 1);
	if (setlocale(LC_ALL, "") == NULL)
		setlocale(LC_ALL, "C.UTF-8");
	/* gettext ignores LANGUAGE in the "C" locale: a worker who asked for a
	 * language gets it even on a machine with no locale configured. */
	cur = setlocale(LC_MESSAGES, NULL);
	want = getenv("LANGUAGE");
	if (want != NULL && *want != '\0' && cur != NULL &&
	    (strcmp(cur, "C") == 0 || strcmp(cur, "POSIX") == 0))
		setlocale(LC_ALL, "C.UTF-8");
	if (dir == NULL || *dir == '\0') {
		dir = FK_LOCALEDIR;
		if (stat(FK_LOCALEDIR "/uk/LC_MESSAGES/fieldkit.mo", &st) != 0)
			dir = FK_BUILD_LOCALEDIR;
	}
	bindtextdomain("fieldkit", dir);
	bind_textdomain_codeset("fieldkit", "UTF-8");
	textdomain("fieldkit");
}

extern int _nl_msg_cat_cntr; /* glibc: bump to make gettext see a new LANGUAGE */

void
fk_i18n_switch(const char *lang)
{
	const char *cur;

	setenv("LANGUAGE", lang, 1);
	cur = setlocale(LC_MESSAGES, NULL);
	if (cur != NULL && (strcmp(cur, "C") == 0 || strcmp(cur, "POSIX") == 0))
		setlocale(LC_MESSAGES, "C.UTF-8");
	++_nl_msg_cat_cntr;
}

const char *
fk_size_text(unsigned long long n, char *buf, size_t cap)
{
	if (n < 1024) {
		snprintf(buf, cap, _("%llu bytes"), n);
	} else if (n < 1024 * 1024) {
		snprintf(buf, cap, _("%llu KB"), (n + 512) / 1024);
	} else {
		unsigned long long t = (n * 10 + 512 * 1024) / (1024 * 1024); /* tenths of a MB */
		if (t % 10 == 0)
			snprintf(buf, cap, _("%llu MB"), t / 10);
		else
			snprintf(buf, cap, _("%llu.%llu MB"), t / 10, t % 10);
	}
	return buf;
}

char *
fk_bytes_dup(const void *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s != NULL) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}
