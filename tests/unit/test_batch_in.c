/*
 * test_batch_in.c - cutting a batch input into records (capture/batch_in.c):
 * JSON Lines with blank lines and CRLF, a missing last newline, a record over
 * the limit skipped alone, a pretty-printed document, one over the limit, a
 * read failure; and every input fed in chunks of every size gives the same
 * records.
 */
#include <string.h>

#include "batch.h"
#include "check.h"

struct src {
	const char *p;
	size_t n, pos, step;
	int fail_at; /* fail on the read that would start at this offset (-1: never) */
};

static int
rd(void *ctx, uint8_t *buf, size_t cap, size_t *got, fk_err *e)
{
	struct src *s = ctx;
	size_t k = s->n - s->pos;

	if (s->fail_at >= 0 && s->pos >= (size_t)s->fail_at)
		return fk_fail(e, FK_EIO, "cannot read the input");
	if (k > s->step)
		k = s->step;
	if (k > cap)
		k = cap;
	memcpy(buf, s->p + s->pos, k);
	s->pos += k;
	*got = k;
	return 0;
}

/* The records of text as "LINE:TEXT|" (TEXT "!" when too long), or "ERR". */
static void
cut(const char *text, size_t max, size_t step, char *out, size_t cap)
{
	struct src s = { text, strlen(text), 0, step, -1 };
	fk_batch_in r;
	fk_batch_rec rec;
	fk_err e = { 0 };
	size_t o = 0;
	int rc;

	out[0] = '\0';
	if (fk_batch_in_init(&r, rd, &s, max, &e) != 0) {
		snprintf(out, cap, "ERR");
		return;
	}
	while ((rc = fk_batch_in_next(&r, &rec, &e)) == 1) {
		int w = rec.toolong ? snprintf(out + o, cap - o, "%ld:!|", rec.line) :
		    snprintf(out + o, cap - o, "%ld:%.*s|", rec.line, (int)rec.n, (const char *)rec.p);
		if (w < 0 || (size_t)w >= cap - o)
			break;
		o += (size_t)w;
	}
	if (rc < 0)
		snprintf(out, cap, "ERR");
	/* After the end, the end again. */
	if (rc == 0 && fk_batch_in_next(&r, &rec, &e) != 0)
		snprintf(out, cap, "AGAIN");
	fk_batch_in_free(&r);
}

struct tcase {
	const char *in;
	size_t max;
	const char *want;
};

int
main(void)
{
	static const struct tcase cases[] = {
		{ "{\"a\":1}\n{\"b\":2}\n", 100, "1:{\"a\":1}|2:{\"b\":2}|" },
		/* No newline at the end; blank lines and CRLF. */
		{ "\n{\"a\":1}\r\n  \r\n\t\n{\"b\":2}", 100, "2:{\"a\":1}\r|5:{\"b\":2}|" },
		/* A line over the limit is skipped alone, the next one read. */
		{ "{\"a\":1}\n{\"long\":\"xxxxxxxxxxxxxxxxxxxx\"}\n{\"b\":2}\n", 12,
		    "1:{\"a\":1}|2:!|3:{\"b\":2}|" },
		/* Exactly the limit fits. */
		{ "0123456789ab\n0123456789abc\n", 12, "1:0123456789ab|2:!|" },
		/* A pretty-printed document: one record at its first line. */
		{ "\n{\n  \"a\": 1,\n  \"b\": [\n    2\n  ]\n}\n", 100,
		    "2:{\n  \"a\": 1,\n  \"b\": [\n    2\n  ]\n}|" },
		/* ... over the limit: one record too long, nothing after. */
		{ "{\n  \"a\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"\n}\n{\"b\":2}\n", 20, "1:!|" },
		/* A complete object on line 1 is JSON Lines, even if line 2 is odd. */
		{ "{\"a\":1}\n{\n", 100, "1:{\"a\":1}|2:{|" },
		/* Not an object: left to the caller to refuse. */
		{ "[1,\n2]\n", 100, "1:[1,|2:2]|" },
		{ "", 100, "" },
		{ "\n\n \n", 100, "" },
	};
	char got[512], ref[512];
	size_t i, step;

	check_init();
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cut(cases[i].in, cases[i].max, 65536, got, sizeof got);
		CHECK_MSG(strcmp(got, cases[i].want) == 0, "case %zu: got [%s] want [%s]", i, got,
		    cases[i].want);
		/* The same records whatever the chunks the input comes in. */
		for (step = 1; step < 40; step++) {
			cut(cases[i].in, cases[i].max, step, ref, sizeof ref);
			CHECK_MSG(strcmp(ref, got) == 0, "case %zu step %zu: [%s] vs [%s]", i, step, ref,
			    got);
		}
	}

	/* A document of exactly the limit fits (blank lines after it too); one
	 * byte more does not. Many lines, read a few bytes at a time. */
	{
		static char doc[8192];
		char want[64];
		size_t len = 0, k;
		len += (size_t)snprintf(doc + len, sizeof doc - len, "{\n");
		for (k = 0; k < 500; k++)
			len += (size_t)snprintf(doc + len, sizeof doc - len, " \"k%zu\": %zu,\n", k, k);
		len += (size_t)snprintf(doc + len, sizeof doc - len, " \"end\": 0\n}");
		snprintf(doc + len, sizeof doc - len, "\n\n \n");
		{
			struct src s = { doc, strlen(doc), 0, 7, -1 };
			fk_batch_in r;
			fk_batch_rec rec;
			fk_err e = { 0 };
			CHECK(fk_batch_in_init(&r, rd, &s, len, &e) == 0);
			CHECK(fk_batch_in_next(&r, &rec, &e) == 1 && !rec.toolong && rec.line == 1 &&
			    rec.n == len && memcmp(rec.p, doc, len) == 0);
			CHECK(fk_batch_in_next(&r, &rec, &e) == 0);
			fk_batch_in_free(&r);
		}
		cut(doc, len - 1, 5, got, sizeof got);
		snprintf(want, sizeof want, "1:!|");
		CHECK_MSG(strcmp(got, want) == 0, "one byte over: [%s]", got);
	}

	/* A read failure is an error, not an end. */
	{
		const char *t = "{\"a\":1}\n{\"b\":2}\n";
		struct src s = { t, strlen(t), 0, 4, 10 };
		fk_batch_in r;
		fk_batch_rec rec;
		fk_err e = { 0 };
		CHECK(fk_batch_in_init(&r, rd, &s, 100, &e) == 0);
		CHECK(fk_batch_in_next(&r, &rec, &e) == 1 && rec.line == 1 && rec.n == 7);
		CHECK(fk_batch_in_next(&r, &rec, &e) == -1);
		fk_batch_in_free(&r);
	}
	/* A record's bytes are wiped when the next one is asked for. */
	{
		const char *t = "{\"secret\":\"Петренко\"}\n";
		struct src s = { t, strlen(t), 0, 65536, -1 };
		fk_batch_in r;
		fk_batch_rec rec;
		fk_err e = { 0 };
		const uint8_t *p;
		size_t n, k, nz = 0;
		CHECK(fk_batch_in_init(&r, rd, &s, 100, &e) == 0);
		CHECK(fk_batch_in_next(&r, &rec, &e) == 1);
		p = rec.p;
		n = rec.n;
		CHECK(fk_batch_in_next(&r, &rec, &e) == 0);
		for (k = 0; k < n; k++)
			nz += p[k] != 0;
		CHECK_MSG(nz == 0, "%zu bytes of the last record left", nz);
		fk_batch_in_free(&r);
	}
	return check_done("batch_in");
}
