/*
 * fk.c - the error convention and the in-memory sources and sinks.
 */
#include "fk.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

int
fk_fail(fk_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return -1;
}

int
fk_prefix(fk_err *e, const char *fmt, ...)
{
	char pre[256], old[sizeof e->msg];
	va_list ap;

	if (e == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof pre, fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof old);
	if (snprintf(e->msg, sizeof e->msg, "%s: ", pre) > 0) {
		size_t n = strlen(e->msg);
		if (n < sizeof e->msg - 1)
			snprintf(e->msg + n, sizeof e->msg - n, "%.*s", (int)(sizeof e->msg - n - 1), old);
	}
	return -1;
}

void
fk_err_clear(fk_err *e)
{
	if (e != NULL) {
		e->code = FK_OK;
		e->msg[0] = '\0';
	}
}

static fk_status_fn status_fn;
static void *status_ctx;

void
fk_status_set(fk_status_fn fn, void *ctx)
{
	status_fn = fn;
	status_ctx = ctx;
}

void
fk_status(const char *what, int phase)
{
	if (status_fn != NULL)
		status_fn(status_ctx, what, phase);
}

long
fk_source_read_full(fk_source *s, uint8_t *buf, size_t len, fk_err *e)
{
	size_t got = 0;

	while (got < len) {
		long n = s->read(s->ctx, buf + got, len - got, e);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (long)got;
}

static long
memsrc_read(void *ctx, uint8_t *buf, size_t len, fk_err *e)
{
	fk_memsrc *m = ctx;
	size_t n = m->len - m->off;

	(void)e;
	if (n > len)
		n = len;
	if (n > 0)
		memcpy(buf, m->p + m->off, n);
	m->off += n;
	return (long)n;
}

fk_source
fk_memsrc_init(fk_memsrc *m, const uint8_t *p, size_t len)
{
	fk_source s;

	m->p = p;
	m->len = len;
	m->off = 0;
	s.read = memsrc_read;
	s.ctx = m;
	return s;
}

static int
null_write(void *ctx, const uint8_t *p, size_t n, fk_err *e)
{
	(void)ctx;
	(void)p;
	(void)n;
	(void)e;
	return 0;
}

fk_sink
fk_null_sink(void)
{
	fk_sink s = {null_write, NULL};
	return s;
}

int
fk_buf_append(fk_buf *b, const void *p, size_t n, fk_err *e)
{
	if (n == 0)
		return 0;
	if (b->max != 0 && (n > b->max || b->len > b->max - n))
		return fk_fail(e, FK_ELIMIT, _("data larger than the limit of %zu bytes"), b->max);
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		uint8_t *q;
		while (cap < b->len + n)
			cap *= 2;
		q = realloc(b->p, cap);
		if (q == NULL)
			return fk_fail(e, FK_ENOMEM, _("out of memory"));
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

static int
buf_write(void *ctx, const uint8_t *p, size_t n, fk_err *e)
{
	return fk_buf_append(ctx, p, n, e);
}

fk_sink
fk_buf_sink(fk_buf *b)
{
	return (fk_sink){buf_write, b};
}

void
fk_buf_free(fk_buf *b)
{
	if (b->p != NULL) {
		/* Buffers may have held plaintext: wipe before freeing. */
		sodium_memzero(b->p, b->cap);
		free(b->p);
	}
	b->p = NULL;
	b->len = b->cap = 0;
}

int
fk_threads(void)
{
	const char *v = getenv("FIELDKIT_THREADS");
	long n;

	if (v != NULL && *v != '\0') {
		n = strtol(v, NULL, 10);
		return n < 1 ? 1 : n > 64 ? 64 : (int)n;
	}
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 4 ? 4 : (int)n;
}
