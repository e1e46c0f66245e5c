/*
 * cli.h - the `fieldkit` command: subcommand registration and shared helpers.
 *
 * A module adds a subcommand with one line at file scope:
 *     FK_COMMAND(age, "encrypt or decrypt a file in the age v1 format", cmd_age);
 * The linker gathers every FK_COMMAND into one table (section fk_cmds), so
 * no central list has to be edited. Each command parses its own options,
 * answers --help, and returns an exit status: 0 ok, 1 failure, 2 usage error.
 */
#ifndef FK_CLI_H
#define FK_CLI_H

#include "fk.h"
#include "util.h"

struct fk_command {
	const char *name;
	const char *summary; /* untranslated; translated when shown */
	int (*run)(int argc, char **argv);
};

#define FK_COMMAND(id, summary, fn)                                                    \
	static const struct fk_command fk_cmd_##id                                     \
	    __attribute__((used, section("fk_cmds"), aligned(sizeof(void *)))) = {      \
		#id, summary, fn}

/* Exit statuses. */
#define FK_EXIT_OK 0
#define FK_EXIT_FAIL 1
#define FK_EXIT_USAGE 2

/* Prints "fieldkit: <msg>" on stderr and returns the exit status for e. */
int fk_report(const fk_err *e);
/* Prints "fieldkit: <formatted>" on stderr. */
void fk_warn(const char *fmt, ...) FK_PRINTF(1, 2);
/* Prints a usage error and a hint to use --help; returns FK_EXIT_USAGE. */
int fk_usage_error(const char *cmd, const char *fmt, ...) FK_PRINTF(2, 3);

/* True when isatty(2) and not silenced: for progress lines. */
int fk_progress_enabled(void);

struct fk_qr_paths;
/* Rebuilds a file from QR frame images (qrwire.h), with progress and a
 * closing line on the terminal. */
int fk_cli_qr_receive(const struct fk_qr_paths *q, size_t max, const char *what,
    fk_buf *out, fk_err *e) FK_WUR;

/* Finds a registered command by name, or NULL. */
const struct fk_command *fk_command_find(const char *name);
/* Runs "fieldkit argv[0] ...". */
int fk_main(int argc, char **argv);

#endif
