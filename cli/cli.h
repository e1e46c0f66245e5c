/*
 * cli.h - the `fieldkit` command: subcommand registration and shared helpers.
 *
 * A module adds a subcommand with one line at file scope:
 *     FK_COMMAND(age, "encrypt or decrypt a file in the age v1 format", cmd_age);
 * The linker gathers every FK_COMMAND into one table (section fk_cmds), so
 * no central list has to be edited. Each command describes its options in a
 * table for fk_opts_parse (or its sub-commands for fk_subcommands), which
 * answers -h/--help with the command's own help, and returns an exit status:
 * 0 ok, 1 failure, 2 usage error.
 */
#ifndef FK_CLI_H
#define FK_CLI_H

#include "fk.h"
#include "util.h"

struct fk_command {
	const char *name;
	const char *summary; /* untranslated; translated when shown */
	int (*run)(int argc, char **argv);
	/* A command with sub-commands listed in `fieldkit --help` (hub): its
	 * overview help (untranslated); the paragraph after the heading
	 * "Commands:" lists them, one a line. NULL for the others. */
	const char *overview;
};

#define FK_COMMAND(id, summary, fn)                                                    \
	static const struct fk_command fk_cmd_##id                                     \
	    __attribute__((used, section("fk_cmds"), aligned(sizeof(void *)))) = {      \
		#id, summary, fn, NULL}
/* The same, with its sub-commands listed under it in `fieldkit --help`. */
#define FK_COMMAND_GROUP(id, summary, fn, overview)                                    \
	static const struct fk_command fk_cmd_##id                                     \
	    __attribute__((used, section("fk_cmds"), aligned(sizeof(void *)))) = {      \
		#id, summary, fn, overview}

/* Exit statuses. */
#define FK_EXIT_OK 0
#define FK_EXIT_FAIL 1
#define FK_EXIT_USAGE 2

/*
 * Options. A command lists its options in a table ending with FK_OPT_END:
 *     const char *to = NULL; int armor = 0; fk_args rec = {0}, pos;
 *     const struct fk_opt opt[] = {
 *         FK_STR("to", 0, &to), FK_FLAG("armor", 'a', &armor),
 *         FK_LIST("recipient", 'r', &rec), FK_OPT_END};
 *     if ((rc = fk_opts_parse("hub export", help, opt, argc, argv, &pos)) != FK_GO)
 *         return rc;
 * Names are exact (no abbreviations). A value follows as `--to DIR`,
 * `--to=DIR`, `-o FILE` or `-oFILE`; a separate value that looks like a long
 * option (`--to --format`) counts as missing (write `--to=--x` to mean it).
 * Flags cluster (`-Wf`). Options and positional arguments mix in any order;
 * `--` ends the options ("-" alone is a positional argument). -h and --help
 * print the command's help on stdout. Unknown options, missing or unwanted
 * values are one line on stderr and exit status 2.
 */
enum fk_opt_kind {
	FK_OPT_FLAG, /* dst: int *, set to val */
	FK_OPT_STR,  /* dst: const char **, the last one given wins */
	FK_OPT_LIST, /* dst: fk_args *, every value in the order given */
};

struct fk_opt {
	const char *name; /* long name without "--", or NULL */
	char letter;      /* short name, or 0 */
	enum fk_opt_kind kind;
	void *dst;
	int val;
};

/* Arguments, in order. They point into the command's argv (which the parser
 * rearranges): nothing to free. */
typedef struct fk_args {
	char **v;
	size_t n;
} fk_args;

/* The conditional expressions make the compiler check dst's type. */
#define FK_FLAG_VAL(name, letter, dst, val)                                            \
	{(name), (letter), FK_OPT_FLAG, (1 ? (dst) : (int *)0), (val)}
#define FK_FLAG(name, letter, dst) FK_FLAG_VAL(name, letter, dst, 1)
#define FK_STR(name, letter, dst)                                                      \
	{(name), (letter), FK_OPT_STR, (void *)(1 ? (dst) : (const char **)0), 0}
#define FK_LIST(name, letter, dst) {(name), (letter), FK_OPT_LIST, (1 ? (dst) : (fk_args *)0), 0}
#define FK_OPT_END {NULL, 0, FK_OPT_FLAG, NULL, 0}

/* fk_opts_parse's "carry on": not an exit status. */
#define FK_GO (-1)

/*
 * Parses argv[1..argc) of the command cmd ("hub export", for messages) by
 * the table opt; help is its untranslated (N_) help text. pos gets the
 * positional arguments. Returns FK_GO, or the exit status to return: 0 after
 * printing the help, 2 after a one-line usage error, 1 when out of memory.
 */
int fk_opts_parse(const char *cmd, const char *help, const struct fk_opt *opt, int argc,
    char **argv, fk_args *pos) FK_WUR;

/* FK_GO when pos holds at most max arguments; else a usage error naming the
 * first one too many (exit status 2). */
int fk_args_max(const char *cmd, const fk_args *pos, size_t max) FK_WUR;

/* What fk_subcommands gives a sub-command: its whole name, for messages
 * ("hub import"), the data of its table entry, and fk_subcommands' ctx. */
struct fk_call {
	const char *cmd;
	const void *data;
	void *ctx;
};

/* A sub-command; run gets argv[0] = its name. */
struct fk_sub {
	const char *name;
	int (*run)(const struct fk_call *call, int argc, char **argv);
	const void *data;
};

/*
 * Runs "cmd SUB ...": options from the table common (may be NULL) may come
 * before SUB (the sub-command's own table takes them as well); `cmd --help`
 * or `cmd help` print help (the overview); `cmd help SUB` runs `SUB --help`.
 * A missing or unknown SUB is a one-line usage error naming the choices.
 */
int fk_subcommands(const char *cmd, const char *help, const struct fk_opt *common,
    const struct fk_sub *subs, size_t nsubs, void *ctx, int argc, char **argv) FK_WUR;

/*
 * Outside text (from a bundle, card, receipt, QR stream, file name) as it may
 * be shown: escaped by text.h's rules, so no byte of it can move the cursor,
 * recolour, rewrite a line or reverse text. The result lives until 8 more
 * calls: enough for one printf. fk_report, fk_warn and fk_usage_error escape
 * their whole message the same way.
 */
const char *fk_show(const char *s);
const char *fk_shown(const void *p, size_t n);

/*
 * Table columns padded by what a terminal shows, not by bytes (a Cyrillic
 * letter is two bytes, one column; a CJK one three bytes, two columns):
 * fk_text_width is s's width in columns (text.h's fk_utf8_width), fk_put_col
 * prints s on stdout and blanks up to width columns (none when s is wider).
 */
size_t fk_text_width(const char *s);
void fk_put_col(const char *s, size_t width);

/* Prints "fieldkit: <msg>" on stderr and returns the exit status for e. */
int fk_report(const fk_err *e);
/*
 * Asks question on the terminal (/dev/tty) and reads one line: 1 when it is
 * "yes" (or the word for yes in the messages' language), 0 otherwise, -1
 * when there is no terminal (a script: it must say --yes).
 */
int fk_confirm(const char *question);
/* Prints "fieldkit: <formatted>" on stderr. */
void fk_warn(const char *fmt, ...) FK_PRINTF(1, 2);
/* Prints "fieldkit: CMD: <formatted> (see: fieldkit CMD --help)", one line on
 * stderr; returns FK_EXIT_USAGE. */
int fk_usage_error(const char *cmd, const char *fmt, ...) FK_PRINTF(2, 3);

/* "650M", "4G", "100000" (K, M, G, an optional B after them) -> bytes. */
int fk_size_parse(const char *s, uint64_t *out) FK_WUR;

/* True when isatty(2) and not silenced: for progress lines. */
int fk_progress_enabled(void);

/* Rebuilds a file of at most max bytes from QR frame images (qrwire.h): the
 * files and folders in qr, then those in more (may be NULL); with progress
 * and a closing line on the terminal. */
int fk_cli_qr_receive(const fk_args *qr, const fk_args *more, size_t max, const char *what,
    fk_buf *out, fk_err *e) FK_WUR;

/*
 * What a QR receive still misses, said one way everywhere (progress and the
 * closing error): "not seen yet: frames 2, 4-5 (in frame-00001.png); any new
 * frame stands in for one". Frames are numbered from 1, as the frame files
 * of `qr send --png --single` and the labels of --sheet pages; when pictures
 * held several codes (--png screens), the files that held the missing ones
 * are named too. fk_cli_qr_incomplete appends it to an "incomplete QR stream"
 * error.
 */
struct fk_qr_progress;
void fk_cli_qr_missing(const struct fk_qr_progress *p, char *out, size_t cap);
void fk_cli_qr_incomplete(const struct fk_qr_progress *p, fk_err *e);

/* Finds a registered command by name, or NULL. */
const struct fk_command *fk_command_find(const char *name);
/* Runs "fieldkit argv[0] ...". */
int fk_main(int argc, char **argv);

#endif
