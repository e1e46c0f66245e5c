/*
 * lineedit.h - reading one answer from the worker: on a terminal with line
 * editing (arrow keys, Home/End, Backspace/Delete, Ctrl-A/E/K/U/W, Up to
 * edit the current answer, Down to empty the line), otherwise plain lines
 * (scripted input). Our own, not readline: what is typed goes only into
 * sodium_malloc memory (no history, no plain heap copies), and it builds the
 * same everywhere (arm64 included) with no dependency.
 *
 * Owns: the terminal's raw mode while a line is read (restored after every
 * line, on Ctrl-C and at exit).
 * Must never: keep a line after it is returned; write it anywhere but the
 * terminal's echo.
 */
#ifndef FK_LINEEDIT_H
#define FK_LINEEDIT_H

#include <stdio.h>

#include "record.h"

enum { FK_LE_LINE, FK_LE_EOF, FK_LE_INTR, FK_LE_ERR };

#define FK_LE_MAX 65536 /* bytes of one line; more is dropped */

typedef struct fk_le {
	FILE *in, *out;
	int tty;            /* in and out are a terminal: edit */
	fk_secbuf line;     /* the line read, NUL-terminated (len without the NUL) */
} fk_le;

/* Sets up reading from in (echo and editing to out when both are a terminal). */
void fk_le_init(fk_le *le, FILE *in, FILE *out);
void fk_le_free(fk_le *le);

/*
 * Shows prompt and reads one line into le->line. edit (may be NULL): the
 * text Up puts on the line for editing. Returns FK_LE_LINE, FK_LE_EOF (end
 * of input, or Ctrl-D on an empty line), FK_LE_INTR (Ctrl-C: SIGINT set
 * *intr), FK_LE_ERR. Trailing blanks and CR are dropped.
 */
int fk_le_read(fk_le *le, const char *prompt, const char *edit, volatile int *intr);

/* The terminal's size (rows, columns) when out is one, else 40 x 100. */
void fk_le_size(const fk_le *le, int *rows, int *cols);

/* Display width of UTF-8 text (wide characters count 2, control characters 1). */
size_t fk_le_width(const char *s, size_t n);

#endif
