/*
 * batch_in.c - the records of a batch input (`fieldkit capture FORM --from
 * FILE`): one JSON object per line (JSON Lines), or, when the first record
 * line is the start of an object that does not end on that line, the whole
 * input as one (pretty-printed) JSON document.
 *
 * Bytes come from a read callback in chunks of any size and go straight into
 * sodium_malloc memory; a record is at most max bytes (longer ones are
 * skipped to their end and reported once, never buffered). Blank lines
 * (spaces, tabs, CR) are skipped. This is only the cutting into records:
 * each record's JSON is parsed by the caller.
 */
#include <stdint.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "batch.h"

int
fk_batch_in_init(fk_batch_in *r, fk_batch_read_fn read, void *ctx, size_t max, fk_err *e)
{
	memset(r, 0, sizeof *r);
	r->read = read;
	r->ctx = ctx;
	r->max = max;
	return fk_secbuf_reserve(&r->chunk, 65536, e);
}

void
fk_batch_in_free(fk_batch_in *r)
{
	fk_secbuf_free(&r->chunk);
	fk_secbuf_free(&r->line);
	memset(r, 0, sizeof *r);
}

/*
 * The next line (without its '\n') into r->line, after what it holds when
 * append is set: 1, 0 at the end, -1. Over max bytes in all, r->line is
 * wiped and emptied and the line read to its end (toolong).
 */
static int
next_line(fk_batch_in *r, int append, fk_err *e)
{
	size_t start;

	if (!append)
		r->line.len = 0;
	start = r->line.len;
	r->toolong = 0;
	for (;;) {
		const uint8_t *nl;
		size_t take;
		if (r->pos == r->n) {
			size_t got = 0;
			if (r->eof)
				return r->line.len > start || r->toolong ? (r->lineno++, 1) : 0;
			if (r->read(r->ctx, r->chunk.p, r->chunk.cap, &got, e) != 0)
				return -1;
			r->n = got > r->chunk.cap ? r->chunk.cap : got;
			r->pos = 0;
			r->eof = r->n == 0;
			continue;
		}
		nl = memchr(r->chunk.p + r->pos, '\n', r->n - r->pos);
		take = nl ? (size_t)(nl - (r->chunk.p + r->pos)) : r->n - r->pos;
		if (!r->toolong) {
			if (take > r->max || r->line.len > r->max - take) {
				r->toolong = 1;
				sodium_memzero(r->line.p, r->line.cap);
				r->line.len = 0;
			} else if (fk_secbuf_append(&r->line, r->chunk.p + r->pos, take, e) != 0) {
				return -1;
			}
		}
		r->pos += take;
		if (nl != NULL) {
			r->pos++;
			r->lineno++;
			return 1;
		}
	}
}

static int
blank(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return 0;
	return 1;
}

/* Whether the line starts an object that does not end on it. */
static int
incomplete_object(const uint8_t *p, size_t n)
{
	json_error_t je;
	json_t *j;
	size_t i = 0;

	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'))
		i++;
	if (i == n || p[i] != '{')
		return 0;
	j = json_loadb((const char *)p, n, 0, &je);
	if (j != NULL) {
		json_decref(j);
		return 0;
	}
	return json_error_code(&je) == json_error_premature_end_of_input;
}

/*
 * The rest of the input joined to r->line by '\n', in place: the one
 * document, without the blank lines and spaces that end it. Over max bytes
 * (blank ones after it may take DOC_SLACK more while reading), the rest is
 * read and dropped (toolong).
 */
#define DOC_SLACK 4096

static int
read_document(fk_batch_in *r, fk_err *e)
{
	const uint8_t nl = '\n';
	long first = r->lineno;
	size_t max = r->max;
	int rc = 0;

	r->max = max > SIZE_MAX - DOC_SLACK ? SIZE_MAX : max + DOC_SLACK;
	for (;;) {
		size_t have = r->line.len;
		if (fk_secbuf_append(&r->line, &nl, 1, e) != 0 || (rc = next_line(r, 1, e)) < 0) {
			rc = -1;
			break;
		}
		if (rc == 0) {
			r->line.len = have;
			while (r->line.len > 0 && memchr(" \t\r\n", r->line.p[r->line.len - 1], 4) != NULL)
				r->line.len--;
			if (r->line.len > max)
				r->toolong = 1;
			break;
		}
		if (r->toolong) {
			while ((rc = next_line(r, 0, e)) == 1)
				;
			r->toolong = 1;
			break;
		}
	}
	r->max = max;
	if (r->toolong) {
		sodium_memzero(r->line.p, r->line.cap);
		r->line.len = 0;
	}
	r->lineno = first;
	return rc < 0 ? -1 : 0;
}

int
fk_batch_in_next(fk_batch_in *r, fk_batch_rec *out, fk_err *e)
{
	int rc;

	memset(out, 0, sizeof *out);
	if (r->line.p != NULL)
		sodium_memzero(r->line.p, r->line.cap);
	if (r->done)
		return 0;
	for (;;) {
		if ((rc = next_line(r, 0, e)) <= 0) {
			r->done = rc == 0;
			return rc;
		}
		if (!r->toolong && blank(r->line.p, r->line.len))
			continue;
		if (!r->started && !r->toolong && incomplete_object(r->line.p, r->line.len)) {
			if (read_document(r, e) != 0)
				return -1;
			r->document = 1;
			r->done = 1;
		}
		r->started = 1;
		out->line = r->lineno;
		out->toolong = r->toolong;
		out->p = r->toolong ? NULL : r->line.p;
		out->n = r->toolong ? 0 : r->line.len;
		return 1;
	}
}
