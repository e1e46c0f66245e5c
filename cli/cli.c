/*
 * cli.c - dispatch of `fieldkit SUBCOMMAND`, --help and --version.
 */
#include "cli.h"
#include "harden.h"
#include "text.h"
#include "util.h"

#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#ifndef FK_VERSION
#define FK_VERSION "0.0.0"
#endif

extern const struct fk_command __start_fk_cmds[];
extern const struct fk_command __stop_fk_cmds[];

/*
 * Outside text, escaped for a terminal (text.h). A ring of results, so that
 * one printf may show several; each is freed when its slot comes round again.
 */
#define SHOW_RING 8

const char *
fk_shown(const void *p, size_t n)
{
	static char *ring[SHOW_RING];
	static unsigned next;
	char **slot = &ring[next++ % SHOW_RING];

	free(*slot);
	*slot = fk_escape_dup(p, n);
	return *slot != NULL ? *slot : "?";
}

const char *
fk_show(const char *s)
{
	return s == NULL ? "" : fk_shown(s, strlen(s));
}

/* "fieldkit: " and a message that may hold outside text, escaped, on stderr. */
static void say_escaped(const char *prefix, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void
say_escaped(const char *prefix, const char *fmt, va_list ap)
{
	char msg[4096];

	vsnprintf(msg, sizeof msg, fmt, ap);
	fprintf(stderr, "fieldkit: %s%s", prefix, fk_show(msg));
}

size_t
fk_text_width(const char *s)
{
	return s == NULL ? 0 : fk_utf8_width(s, strlen(s));
}

void
fk_put_col(const char *s, size_t width)
{
	size_t w = fk_text_width(s);

	fputs(s != NULL ? s : "", stdout);
	for (; w < width; w++)
		putchar(' ');
}

int
fk_report(const fk_err *e)
{
	fprintf(stderr, "fieldkit: %s\n", fk_show(e->msg[0] ? e->msg : _("unknown error")));
	return e->code == FK_EUSAGE ? FK_EXIT_USAGE : FK_EXIT_FAIL;
}

void
fk_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say_escaped("", fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
fk_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	char pfx[256];

	snprintf(pfx, sizeof pfx, "%s: ", cmd);
	va_start(ap, fmt);
	say_escaped(pfx, fmt, ap);
	va_end(ap);
	fprintf(stderr, _(" (see: fieldkit %s --help)\n"), cmd);
	return FK_EXIT_USAGE;
}

int
fk_size_parse(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	int shift = 0;

	if (end == s || *s == '-')
		return -1;
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	else if (*end == 'G' || *end == 'g')
		shift = 30;
	else if (*end != 0)
		return -1;
	if (shift && end[1] != 0 && strcmp(end + 1, "B") != 0)
		return -1;
	if (v == 0 || v > (1ULL << 50) >> shift)
		return -1;
	*out = v << shift;
	return 0;
}

int
fk_progress_enabled(void)
{
	const char *q = getenv("FIELDKIT_QUIET");

	return isatty(2) && (q == NULL || *q == '\0');
}

const struct fk_command *
fk_command_find(const char *name)
{
	const struct fk_command *c;

	for (c = __start_fk_cmds; c < __stop_fk_cmds; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static int
cmd_cmp(const void *a, const void *b)
{
	const struct fk_command *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

/* The width of the command names in `fieldkit --help` ("hub duplicates"). */
#define USAGE_W 14

/*
 * The sub-commands of a group (its overview's paragraph after "Commands:",
 * in the language of the messages) as "  hub init       summary" lines. A
 * line the translation wrapped (it starts with blanks) stays under its
 * summary.
 */
static void
usage_group(FILE *f, const struct fk_command *c)
{
	const char *t = _(c->overview), *p, *nl;
	int para = 0;
	char full[64];

	/* The third paragraph: usage, description, then the commands. */
	for (p = t; *p != '\0' && para < 2; p++)
		if (p[0] == '\n' && p[1] == '\n') {
			para++;
			p++;
		}
	if ((nl = strchr(p, '\n')) == NULL) /* the heading "Commands:" */
		return;
	for (p = nl + 1; *p != '\0' && *p != '\n'; p = nl + 1) {
		const char *name = p, *rest;
		size_t n;
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p);
		while (name < nl && *name == ' ')
			name++;
		if (name - p > 2) { /* a wrapped line */
			fprintf(f, "  %-*s %.*s\n", USAGE_W, "", (int)(nl - name), name);
			continue;
		}
		for (rest = name; rest < nl && *rest != ' '; rest++)
			;
		n = (size_t)(rest - name);
		while (rest < nl && *rest == ' ')
			rest++;
		snprintf(full, sizeof full, "%s %.*s", c->name, (int)n, name);
		fprintf(f, "  %-*s %.*s\n", USAGE_W, full, (int)(nl - rest), rest);
		if (*nl == '\0')
			break;
	}
}

static void
usage(FILE *f)
{
	const struct fk_command *c, *list[256];
	size_t n = 0, i;

	fprintf(f, _("Usage: fieldkit COMMAND [OPTIONS]...\n"
		     "Capture, seal and move records of children's return, offline.\n\n"
		     "Commands:\n"));
	for (c = __start_fk_cmds; c < __stop_fk_cmds && n < 256; c++)
		list[n++] = c;
	qsort(list, n, sizeof list[0], cmd_cmp);
	for (i = 0; i < n; i++) {
		fprintf(f, "  %-*s %s\n", USAGE_W, list[i]->name, _(list[i]->summary));
		if (list[i]->overview != NULL)
			usage_group(f, list[i]);
	}
	fprintf(f, _("\nRun 'fieldkit COMMAND --help' (or 'fieldkit help COMMAND') for a command's\n"
		     "options.\n"
		     "Set LANGUAGE=uk (or FIELDKIT_LANG=uk) for Ukrainian messages.\n"));
}

/* Slow steps inside library calls, on a terminal: "what... done". */
static void
show_status(void *ctx, const char *what, int phase)
{
	(void)ctx;
	if (!fk_progress_enabled())
		return;
	if (phase == 0)
		fprintf(stderr, "%s... ", what);
	else
		fprintf(stderr, "%s\n", phase > 0 ? _("done") : _("failed"));
}

int
fk_main(int argc, char **argv)
{
	const struct fk_command *c;
	fk_err e = {0};

	/*
	 * Before anything is read: no core dumps (a crash or a kill -SEGV would
	 * write what was typed, decrypted or unlocked to disk), and memory that
	 * swap cannot take where the limits allow (harden.h).
	 */
	if (fk_no_core_dumps(&e) != 0)
		return fk_report(&e);
	fk_i18n_setup();
	(void)fk_lock_memory();
	fk_status_set(show_status, NULL);
	if (sodium_init() < 0) {
		fk_warn(_("cannot initialise libsodium"));
		return FK_EXIT_FAIL;
	}
	if (argc < 2) {
		usage(stderr);
		return FK_EXIT_USAGE;
	}
	if (strcmp(argv[1], "help") == 0 && argc > 2) {
		/* "fieldkit help CMD": CMD --help */
		if ((c = fk_command_find(argv[2])) == NULL) {
			fk_warn(_("unknown command '%s' (see: fieldkit --help)"), argv[2]);
			return FK_EXIT_USAGE;
		}
		/* "fieldkit help hub import": hub import --help (every word after
		 * help, then --help; argv has room: it ended with NULL) */
		{
			int i;

			for (i = 1; i < argc - 1; i++)
				argv[i] = argv[i + 1];
			argv[argc - 1] = "--help";
			return c->run(argc - 1, argv + 1);
		}
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return FK_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("fieldkit %s\n", FK_VERSION);
		return FK_EXIT_OK;
	}
	if (argv[1][0] == '-') {
		fk_warn(_("unknown option %s (see: fieldkit --help)"), argv[1]);
		return FK_EXIT_USAGE;
	}
	c = fk_command_find(argv[1]);
	if (c == NULL) {
		fk_warn(_("unknown command '%s' (see: fieldkit --help)"), argv[1]);
		return FK_EXIT_USAGE;
	}
	return c->run(argc - 1, argv + 1);
}

int
fk_confirm(const char *question)
{
	char line[32];
	FILE *tty = fopen("/dev/tty", "r+");
	int yes;

	if (tty == NULL)
		return -1;
	fputs(question, tty);
	fflush(tty);
	yes = fgets(line, sizeof line, tty) != NULL &&
	    (strcmp(line, "yes\n") == 0 || strcmp(line, _("yes\n")) == 0);
	fclose(tty);
	return yes;
}
