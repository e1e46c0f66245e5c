/*
 * cmd_capture.c - `fieldkit capture FORM`: the wizard (interactive, or
 * scripted stdin) and batches (`--from FILE`, one JSON record or JSON Lines).
 *
 * Batch: every record is built and validated by the forms engine; an invalid
 * record is rejected with all its problems (line, field path, reason) and
 * nothing else is lost; valid ones are finalized in groups, each record whole
 * or absent. Stdout gets "LINE<TAB>SHORT-REF<TAB>SEQ" for every record once it
 * is durable. Input lines live only in sodium_malloc memory.
 *
 * Must never: print an answer (errors name paths and reasons, never values).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "kind.h"
#include "batch.h"
#include "device.h"
#include "draft.h"
#include "record.h"
#include "shortref.h"
#include "store.h"
#include "session.h"
#include "wizard.h"

#include "schema.h"


#define MAX_ATTACH 16
#define GROUP_RECORDS 200
#define GROUP_MS 200

static const char capture_usage[] = N_("Usage:\n"
    "  fieldkit capture FORM [--lang uk|en] [--attach ANSWER=FILE]... [--home DIR]\n"
    "                        [--passphrase-file F]\n"
    "  fieldkit capture --resume DRAFT [--home DIR] [--passphrase-file F]\n"
    "  fieldkit capture FORM --from FILE|- [--rejects FILE] [--attach ANSWER=FILE]...\n"
    "                        [--home DIR]\n\n"
    "Captures records of FORM (a form id such as family-report, or a form file).\n\n"
    "Without --from, asks one question at a time, numbered, in the worker's language:\n"
    "  Enter        keeps the answer, or takes the suggestion shown\n"
    "  -            (alone) clears an optional answer\n"
    "  <            goes back a question; going back and forth loses nothing\n"
    "  :review      shows every answer; :remove takes away the entry being answered\n"
    "               (a child, a photo); :lang uk or :lang en switches language\n"
    "  :draft       saves a draft and stops; Ctrl-C and the end of input do too,\n"
    "               once something is answered (nothing answered: no draft)\n"
    "Choices are typed by number or by label. Arrows, Home/End and Backspace edit\n"
    "the line; Up brings back the current answer for editing. The review shows\n"
    "every answer as it will be sealed (labels, calculated ages, file names,\n"
    "numbered entries), in pages that fit the terminal. A number changes that\n"
    "answer and comes back to the review; y on its last page seals exactly what it\n"
    "showed, and prints the short reference for the family's paper slip.\n"
    "'fieldkit drafts' lists drafts by a short id; --resume takes it.\n\n"
    "With --from FILE (\"-\" = standard input): one JSON record, or JSON Lines.\n"
    "Valid records are sealed and printed as LINE, SHORT-REF, SEQ. A line sealed\n"
    "before (in this run or an earlier one) is recognised and not sealed again, so\n"
    "a whole file may be run again once its rejected lines are fixed. Rejected\n"
    "lines are copied as given to FILE.rejected.jsonl next to the input (--rejects\n"
    "chooses another file; standard input has none unless given): they hold what\n"
    "was typed, so the file is made 0600 and removed once a run rejects nothing;\n"
    "fix them there and run that file, or the whole input, again. An attachment\n"
    "answer is {\"path\": \"photo.jpg\"}, relative to the batch file's folder.\n"
    "Exit status 1 if any record was rejected.\n\n"
    "Options:\n"
    "      --home DIR             device home\n"
    "      --from FILE            capture a batch of records from FILE\n"
    "      --rejects FILE         where rejected lines go (with --from)\n"
    "      --attach ANSWER=FILE   attach FILE as the answer at ANSWER, such as photo\n"
    "                             or children[0].child_photos[0].photo (entries count\n"
    "                             from 0; with --from: one record only)\n"
    "      --lang uk|en           language of the questions\n"
    "      --resume DRAFT         continue a draft (its short id: fieldkit drafts)\n"
    "      --passphrase-file F    device passphrase (drafts) from F\n"
    "  -h, --help                 show this help\n");


struct capture_opts {
	const char *home, *from, *lang, *resume, *passfile, *form, *rejects;
	fk_attach_in att[MAX_ATTACH];
	size_t natt;
};

/* FORM: a file path, or an id looked up in the schema folders. */
static int
load_form(const char *name, fk_form **form, fk_err *e)
{
	char path[4096];
	fk_issues is = { 0 };
	size_t i;
	int rc;

	if (fk_schema_find(name, path, sizeof path, e) != 0)
		return -1;
	rc = fk_form_load_file(path, form, &is, e);
	if (rc != 0) {
		for (i = 0; i < is.n && i < 20; i++)
			fk_warn("%s: %s: %s", path, is.v[i].path, is.v[i].msg);
	}
	fk_issues_free(&is);
	return rc;
}

/* --- the batch --- */

/* The batch reader's source: the input file, unbuffered. */
static int
read_file(void *ctx, uint8_t *buf, size_t cap, size_t *got, fk_err *e)
{
	FILE *f = ctx;

	*got = fread(buf, 1, cap, f);
	if (*got == 0 && ferror(f))
		return fk_fail(e, FK_EIO, _("cannot read the input"));
	return 0;
}

struct pending_out {
	long line;
	char ref[9];
	int64_t seq;
};

struct batch {
	const fk_form *form;
	fk_finalizer *fin;
	fk_store *store;
	struct capture_opts *o;
	uint64_t att_limit;
	long done, rejected, seen, dups, uncopied;
	struct pending_out grp[GROUP_RECORDS + FK_FINALIZE_MANY];
	size_t ngrp;
	/* validated records waiting to be sealed together, with their line's keyed hash */
	json_t *chunk[FK_FINALIZE_MANY];
	long chunk_line[FK_FINALIZE_MANY];
	uint8_t chunk_hash[FK_FINALIZE_MANY][FK_SHA256_LEN];
	size_t nchunk;
	struct timespec grp_start, last_progress;
	int progress;
	fk_secret key;        /* the batch key: lines already sealed */
	char *base;           /* the batch file's folder: attachments' paths start there */
	char *extra;          /* the --attach options, part of the line's hash */
	/* rejected lines, for fixing and running again */
	const char *rej_path;
	fk_atomic rej;
	int rej_open;
};

static double
ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) * 1e3 + (double)(now.tv_nsec - t->tv_nsec) / 1e6;
}

/*
 * Some reasons quote the offending value ('...'); a batch's errors go to
 * logs, so for those codes the quoted text is replaced by an ellipsis: errors
 * name the line, the field path and the reason, never a value.
 */
static void
redact(const char *msg, char *out, size_t cap)
{
	size_t o = 0;
	int inq = 0;

	for (; *msg && o + 4 < cap; msg++) {
		if (*msg == '\'') {
			if (!inq) {
				memcpy(out + o, "'\xe2\x80\xa6'", 5);
				o += 5;
			}
			inq = !inq;
			continue;
		}
		if (!inq)
			out[o++] = *msg;
	}
	out[o < cap ? o : cap - 1] = '\0';
}

static void
reject(struct batch *b, long line, const char *path, const char *code, const char *msg)
{
	char safe[512];

	if (strcmp(code, "invalid_choice") == 0 || strcmp(code, "duplicate_choice") == 0 ||
	    strcmp(code, "media_type") == 0)
		redact(msg, safe, sizeof safe);
	else
		snprintf(safe, sizeof safe, "%s", msg);
	fprintf(stderr, _("line %ld: %s: %s (%s)\n"), line, path && *path ? path : _("(record)"),
	    safe, code);
	(void)b;
}

static const char *
json_err_reason(const json_error_t *je, const char **code)
{
	switch (json_error_code(je)) {
	case json_error_invalid_utf8:
		*code = "invalid_utf8";
		return _("the record is not valid UTF-8");
	case json_error_premature_end_of_input:
		*code = "invalid_json";
		return _("the record ends too early (a JSON record must be on one line)");
	case json_error_duplicate_key:
		*code = "duplicate_key";
		return _("a field is given twice");
	case json_error_null_character:
		*code = "invalid_json";
		return _("the record contains a NUL character");
	default:
		*code = "invalid_json";
		return _("the record is not valid JSON");
	}
}

static int
group_commit(struct batch *b, fk_err *e)
{
	size_t i;

	if (fk_finalizer_commit(b->fin, e) != 0)
		return -1;
	for (i = 0; i < b->ngrp; i++) {
		char ref[10];
		fk_shortref_format(b->grp[i].ref, ref);
		printf("%ld\t%s\t%lld\n", b->grp[i].line, ref, (long long)b->grp[i].seq);
	}
	b->done += (long)b->ngrp;
	b->ngrp = 0;
	fflush(stdout);
	return 0;
}

static int
group_begin(struct batch *b, fk_err *e)
{
	if (b->ngrp > 0)
		return 0;
	if (fk_finalizer_begin(b->fin, e) != 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &b->grp_start);
	return 0;
}

static int
group_maybe_commit(struct batch *b, fk_err *e)
{
	if (b->ngrp >= GROUP_RECORDS || (b->ngrp > 0 && ms_since(&b->grp_start) > GROUP_MS))
		return group_commit(b, e);
	return 0;
}

/* Seals the validated records waiting in the chunk, in parallel, in order. */
static int
chunk_flush(struct batch *b, fk_err *e)
{
	fk_record_in in[FK_FINALIZE_MANY];
	fk_record_out out[FK_FINALIZE_MANY];
	size_t i, n = b->nchunk;
	int rc = -1;

	if (n == 0)
		return 0;
	memset(in, 0, sizeof in);
	for (i = 0; i < n; i++) {
		in[i].form_id = fk_form_id(b->form);
		in[i].form_version = fk_form_version(b->form);
		in[i].answers = b->chunk[i];
		in[i].seen = b->chunk_hash[i];
	}
	if (group_begin(b, e) != 0)
		goto out;
	if (fk_finalize_many(b->fin, in, n, out, e) != 0) {
		/* The store failed: the open group is lost (each record whole or absent). */
		fk_finalizer_rollback(b->fin);
		fk_prefix(e, _("the last %zu records were not finalized"), b->ngrp + n);
		b->ngrp = 0;
		goto out;
	}
	for (i = 0; i < n; i++) {
		b->grp[b->ngrp].line = b->chunk_line[i];
		memcpy(b->grp[b->ngrp].ref, out[i].short_ref, 9);
		b->grp[b->ngrp].seq = out[i].seq;
		b->ngrp++;
	}
	rc = group_maybe_commit(b, e);
out:
	for (i = 0; i < n; i++)
		json_decref(b->chunk[i]);
	b->nchunk = 0;
	return rc;
}

/*
 * Whether the line with this hash was sealed before (on this device, or
 * earlier in this batch). Prints it; returns 1 if so, 0 if not, -1.
 */
static int
already_sealed(struct batch *b, long line, const uint8_t h[FK_SHA256_LEN], fk_err *e)
{
	char ref[9], shown[10];
	int64_t seq;
	size_t i;
	int r;

	for (i = 0; i < b->nchunk; i++)
		if (sodium_memcmp(b->chunk_hash[i], h, FK_SHA256_LEN) == 0) {
			fprintf(stderr, _("line %ld: already sealed: the same record as line %ld; not sealed again\n"),
			    line, b->chunk_line[i]);
			return 1;
		}
	if ((r = fk_store_seen_get(b->store, h, &seq, ref, e)) <= 0)
		return r;
	if (ref[0] != '\0')
		fk_shortref_format(ref, shown);
	else
		snprintf(shown, sizeof shown, "?");
	fprintf(stderr, _("line %ld: already sealed on this device as %s (seq %lld); not sealed again\n"),
	    line, shown, (long long)seq);
	return 1;
}

static void
report_issues(struct batch *b, long line, const fk_issues *is)
{
	size_t i;

	for (i = 0; i < is->n; i++)
		reject(b, line, is->v[i].path, is->v[i].code, is->v[i].msg);
	if (is->dropped > 0)
		fprintf(stderr, _("line %ld: and %zu more problems\n"), line, is->dropped);
}

/*
 * One record's text: parse, recognise, attach, build, validate, finalize.
 * Returns 1 rejected, 2 already sealed, 0 ok, -1 fatal.
 */
static int
batch_record(struct batch *b, const uint8_t *p, size_t n, long line, fk_err *e)
{
	fk_issues is = { 0 };
	fk_vopts vo = { b->o->lang, 0 };
	fk_batch_files files = { 0 };
	json_error_t je;
	json_t *ans;
	fk_record_in in;
	fk_record_out out;
	uint8_t h[FK_SHA256_LEN];
	const char *code;
	size_t i;
	int rc = 1, r;

	b->seen++;
	ans = json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES, &je);
	if (ans == NULL) {
		const char *why = json_err_reason(&je, &code);
		reject(b, line, "", code, why);
		return 1;
	}
	if (!json_is_object(ans)) {
		reject(b, line, "", "not_object", _("a record must be a JSON object of answers"));
		json_decref(ans);
		return 1;
	}
	if (b->o->natt > 0 && b->seen > 1) {
		reject(b, line, "", "attach_single", _("--attach goes with one record only"));
		json_decref(ans);
		return 1;
	}
	/* Sealed before? By the keyed hash of the record as given. */
	if (fk_batch_hash(&b->key, fk_form_id(b->form), fk_form_version(b->form), ans, b->extra, h,
	    e) != 0) {
		rc = -1;
		goto out;
	}
	if ((r = already_sealed(b, line, h, e)) != 0) {
		rc = r < 0 ? -1 : 2;
		goto out;
	}
	if (fk_batch_attachments(b->form, ans, b->base, b->att_limit, 1, &files, &is, e) != 0) {
		rc = -1;
		goto out;
	}
	for (i = 0; i < b->o->natt; i++)
		if (fk_batch_attach_at(b->form, ans, b->o->att[i].field, b->o->att[i].path, b->att_limit,
		    &files, &is, e) < 0) {
			rc = -1;
			goto out;
		}
	if (is.n == 0 && (fk_form_build(b->form, ans, &vo, e) != 0 ||
	    fk_form_validate(b->form, ans, &vo, &is, e) != 0)) {
		rc = -1;
		goto out;
	}
	if (is.n > 0 || is.dropped > 0) {
		report_issues(b, line, &is);
		goto out;
	}
	if (files.n == 0) {
		/* Sealed with the next chunk, several at a time. */
		b->chunk[b->nchunk] = json_incref(ans);
		memcpy(b->chunk_hash[b->nchunk], h, FK_SHA256_LEN);
		b->chunk_line[b->nchunk++] = line;
		rc = b->nchunk == FK_FINALIZE_MANY && chunk_flush(b, e) != 0 ? -1 : 0;
		goto out;
	}
	memset(&in, 0, sizeof in);
	in.form_id = fk_form_id(b->form);
	in.form_version = fk_form_version(b->form);
	in.answers = ans;
	in.att = files.v;
	in.natt = files.n;
	in.seen = h;
	/* Records keep the input's order: those waiting in the chunk go first. */
	if (chunk_flush(b, e) != 0 || group_begin(b, e) != 0) {
		rc = -1;
		goto out;
	}
	if (fk_finalize(b->fin, &in, &out, e) != 0) {
		reject(b, line, "", "not_finalized", e->msg);
		fk_err_clear(e);
		if (b->ngrp == 0)
			fk_finalizer_rollback(b->fin);
		goto out;
	}
	b->grp[b->ngrp].line = line;
	memcpy(b->grp[b->ngrp].ref, out.short_ref, 9);
	b->grp[b->ngrp].seq = out.seq;
	b->ngrp++;
	rc = group_maybe_commit(b, e) != 0 ? -1 : 0;
out:
	sodium_memzero(h, sizeof h);
	fk_batch_files_free(&files);
	fk_issues_free(&is);
	json_decref(ans);
	return rc;
}

/* Copies a rejected line (as given) to the file of rejected lines. */
static int
keep_rejected(struct batch *b, const uint8_t *p, size_t n, fk_err *e)
{
	if (b->rej_path == NULL)
		return 0;
	if (!b->rej_open) {
		if (fk_atomic_open(&b->rej, b->rej_path, 0600, e) != 0)
			return -1;
		b->rej_open = 1;
	}
	if (fk_fd_write_all(b->rej.fd, p, n, b->rej_path, e) != 0 ||
	    fk_fd_write_all(b->rej.fd, (const uint8_t *)"\n", 1, b->rej_path, e) != 0)
		return -1;
	return 0;
}

static void
batch_progress(struct batch *b, int final)
{
	if (!b->progress || (!final && ms_since(&b->last_progress) < 500))
		return;
	clock_gettime(CLOCK_MONOTONIC, &b->last_progress);
	fputc('\r', stderr);
	fprintf(stderr, _("capture: %ld read, %ld finalized, %ld already sealed, %ld rejected"),
	    b->seen, b->done + (long)b->ngrp, b->dups, b->rejected);
	if (final)
		fputc('\n', stderr);
}

/*
 * Where the rejected lines go: --rejects FILE, else next to the input as
 * NAME.rejected.jsonl (the input itself when it is such a file); none for
 * standard input without --rejects.
 */
static char *
rejects_path(const struct capture_opts *o)
{
	const char *from = o->from, *slash, *name;
	size_t n, dir;
	char *out;

	if (o->rejects != NULL)
		return strdup(o->rejects);
	if (strcmp(from, "-") == 0)
		return NULL;
	slash = strrchr(from, '/');
	name = slash ? slash + 1 : from;
	dir = (size_t)(name - from);
	n = strlen(name);
	if (n > 15 && strcmp(name + n - 15, ".rejected.jsonl") == 0)
		return strdup(from);
	if (n > 6 && strcmp(name + n - 6, ".jsonl") == 0)
		n -= 6;
	else if (n > 5 && strcmp(name + n - 5, ".json") == 0)
		n -= 5;
	if ((out = malloc(dir + n + 16)) == NULL)
		return NULL;
	snprintf(out, dir + n + 16, "%.*s%.*s.rejected.jsonl", (int)dir, from, (int)n, name);
	return out;
}

/* The folder of the batch file (attachments' paths start there). */
static char *
batch_folder(const char *from)
{
	const char *slash = strcmp(from, "-") == 0 ? NULL : strrchr(from, '/');

	if (slash == NULL)
		return strdup(".");
	if (slash == from)
		return strdup("/");
	return strndup(from, (size_t)(slash - from));
}

/* The --attach options as one string: part of the hash of a one-record batch. */
static char *
attach_spec(const struct capture_opts *o)
{
	size_t i, n = 1;
	char *s;

	if (o->natt == 0)
		return NULL;
	for (i = 0; i < o->natt; i++)
		n += strlen(o->att[i].field) + strlen(o->att[i].path) + 2;
	if ((s = calloc(1, n)) == NULL)
		return NULL;
	for (i = 0; i < o->natt; i++) {
		strcat(s, o->att[i].field);
		strcat(s, "=");
		strcat(s, o->att[i].path);
		strcat(s, "\n");
	}
	return s;
}

static int
run_batch(struct capture_opts *o, const fk_form *form, fk_finalizer *fin, fk_store *store,
    const char *home, uint64_t limit, fk_err *e)
{
	fk_batch_in r;
	fk_batch_rec rec;
	FILE *in = NULL;
	struct batch *b = calloc(1, sizeof *b);
	char *rej = NULL;
	int rc = -1, x = 0;

	memset(&r, 0, sizeof r);
	if (b == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	b->form = form;
	b->fin = fin;
	b->store = store;
	b->o = o;
	b->att_limit = limit;
	b->progress = fk_progress_enabled();
	b->rej.fd = -1;
	clock_gettime(CLOCK_MONOTONIC, &b->last_progress);
	rej = rejects_path(o);
	b->rej_path = rej;
	if ((b->base = batch_folder(o->from)) == NULL || (o->natt > 0 &&
	    (b->extra = attach_spec(o)) == NULL) || ((o->rejects || strcmp(o->from, "-") != 0) &&
	    rej == NULL)) {
		fk_fail(e, FK_ENOMEM, _("out of memory"));
		goto out;
	}
	if (fk_batch_key(home, &b->key, e) != 0)
		goto out;
	/* A form (or a bundle...) given for records: say what it is. */
	if (strcmp(o->from, "-") != 0 && fk_kind_hint_file(e, o->from, o->from, FK_KIND_RECORD))
		goto out;
	if ((in = fk_open_read(o->from, e)) == NULL)
		goto out;
	/* No stdio buffer: input bytes go straight into sodium_malloc memory. */
	setvbuf(in, NULL, _IONBF, 0);
	if (fk_batch_in_init(&r, read_file, in, FK_RECORD_MAX, e) != 0)
		goto out;
	while ((x = fk_batch_in_next(&r, &rec, e)) == 1) {
		long line = rec.line;
		if (rec.toolong) {
			b->seen++;
			b->rejected++;
			b->uncopied += b->rej_path != NULL;
			fprintf(stderr, _("line %ld: (record): the record is larger than %u bytes; it is skipped (record_too_large)\n"),
			    line, FK_RECORD_MAX);
			continue;
		}
		x = batch_record(b, rec.p, rec.n, line, e);
		if (x == 1 && keep_rejected(b, rec.p, rec.n, e) != 0)
			x = -1;
		if (x < 0)
			goto out;
		b->rejected += x == 1;
		b->dups += x == 2;
		batch_progress(b, 0);
	}
	if (x < 0)
		goto out;
	if (chunk_flush(b, e) != 0 || (b->ngrp > 0 && group_commit(b, e) != 0))
		goto out;
	batch_progress(b, 1);
	/* Each count with its own plural form (Ukrainian has three). */
	fprintf(stderr, ngettext("capture: %ld record finalized", "capture: %ld records finalized",
	    (unsigned long)b->done), b->done);
	fprintf(stderr, ngettext(", %ld already sealed", ", %ld already sealed",
	    (unsigned long)b->dups), b->dups);
	fprintf(stderr, ngettext(", %ld rejected\n", ", %ld rejected\n",
	    (unsigned long)b->rejected), b->rejected);
	if (b->rej_open) {
		if (fk_atomic_commit(&b->rej, e) != 0)
			goto out;
		b->rej_open = 0;
		fprintf(stderr, _("capture: the rejected lines are in %s (0600, as sensitive as the "
		    "input): fix them there and run it again; lines already sealed are recognised\n"),
		    b->rej_path);
	} else if (b->rej_path != NULL && b->rejected == 0) {
		/* Nothing rejected: an old file of rejected lines would mislead. */
		if (unlink(b->rej_path) == 0)
			fprintf(stderr, _("capture: no line rejected; %s removed\n"), b->rej_path);
	}
	if (b->uncopied > 0)
		fprintf(stderr, _("capture: %ld lines too large to copy to the rejected lines\n"),
		    b->uncopied);
	if (b->rejected > 0 && b->rej_path == NULL)
		fprintf(stderr, "%s\n", _("capture: give --rejects FILE to keep rejected lines for fixing"));
	if (b->seen == 0)
		fprintf(stderr, _("capture: the input holds no record\n"));
	rc = b->rejected > 0 || b->seen == 0 ? 1 : 0;
out:
	if (rc < 0) {
		fk_finalizer_rollback(fin);
		if (b->ngrp > 0)
			fk_prefix(e, _("the last %zu records were not finalized"), b->ngrp);
		for (x = 0; (size_t)x < b->nchunk; x++)
			json_decref(b->chunk[x]);
	}
	if (b->rej_open)
		fk_atomic_abort(&b->rej);
	if (in != NULL && in != stdin)
		fclose(in);
	fk_batch_in_free(&r);
	if (b->key.p != NULL)
		fk_secret_free(&b->key);
	free(b->base);
	free(b->extra);
	free(b);
	free(rej);
	return rc;
}

/* --- the command --- */

static int
parse_attach(struct capture_opts *o, const char *arg)
{
	const char *eq = strchr(arg, '=');

	if (eq == NULL || eq == arg || eq[1] == '\0' || o->natt >= MAX_ATTACH)
		return -1;
	o->att[o->natt].field = strndup(arg, (size_t)(eq - arg));
	o->att[o->natt].path = eq + 1;
	if (o->att[o->natt].field == NULL)
		return -1;
	o->natt++;
	return 0;
}

/* The record path of field x with entry 0 of every repeat: "children[0].photos[0].photo". */
static void
path_template(const fk_field *x, char *out, size_t cap)
{
	const fk_field *chain[32], *p;
	size_t n = 0, o = 0;
	int w;

	for (p = x; p != NULL && fk_field_parent(p) != NULL && n < 32; p = fk_field_parent(p))
		if (p == x || fk_field_type(p) == FK_T_REPEAT)
			chain[n++] = p;
	out[0] = '\0';
	while (n > 0 && o < cap) {
		p = chain[--n];
		w = snprintf(out + o, cap - o, "%s%s%s", o ? "." : "", fk_field_name(p),
		    p != x ? "[0]" : "");
		if (w < 0)
			return;
		o += (size_t)w;
	}
}

/* Whether path (indexes any) has the shape of x's record path. */
static int
same_shape(const char *path, const char *tmpl)
{
	while (*path && *tmpl) {
		if (*tmpl == '[' && *path == '[') {
			path++;
			tmpl++;
			if (!isdigit((unsigned char)*path))
				return 0;
			while (isdigit((unsigned char)*path))
				path++;
			while (*tmpl && *tmpl != ']')
				tmpl++;
			continue;
		}
		if (*path++ != *tmpl++)
			return 0;
	}
	return *path == *tmpl;
}

static void
attachment_paths(const fk_field *x, char *out, size_t cap)
{
	size_t i, o = strlen(out);

	if (fk_field_type(x) == FK_T_ATTACHMENT && o + 2 < cap) {
		char t[512];
		path_template(x, t, sizeof t);
		snprintf(out + o, cap - o, "%s%s", o ? ", " : "", t);
	}
	for (i = 0; i < fk_field_nkids(x); i++)
		attachment_paths(fk_field_kid(x, i), out, cap);
}

/* --attach ANSWER=FILE: ANSWER is an attachment question's record path
 * ("photo", "children[0].child_photos[0].photo"). */
static int
check_attach_fields(const struct capture_opts *o, const fk_form *form, fk_err *e)
{
	char t[512], all[1024] = "";
	size_t i;

	for (i = 0; i < o->natt; i++) {
		const char *f = o->att[i].field, *last = strrchr(f, '.');
		const fk_field *x = fk_form_find(form, last ? last + 1 : f);
		if (x != NULL && fk_field_type(x) == FK_T_ATTACHMENT) {
			path_template(x, t, sizeof t);
			if (same_shape(f, t))
				continue;
		}
		attachment_paths(fk_form_root(form), all, sizeof all);
		return fk_fail(e, FK_EUSAGE, _("--attach: \"%s\" is not the path of an attachment answer "
		    "of this form; its attachment answers are at: %s (numbers count entries from 0)"), f,
		    all[0] ? all : "-");
	}
	return 0;
}

/* The form of a draft given by its id or a unique beginning of it. */
static int
draft_form_id(const char *home, const char *id, char out[64], fk_err *e)
{
	fk_store *s;
	fk_store_draft d;
	fk_buf ct = { 0 };
	char full[FK_UUID_BUF];
	int rc;

	if (fk_store_open(&s, home, FK_STORE_READ, e) != 0)
		return -1;
	rc = fk_draft_find(s, id, full, e);
	if (rc == 0)
		rc = fk_store_draft_get(s, full, &d, &ct, e);
	if (rc == 0)
		snprintf(out, 64, "%s", d.form_id);
	fk_buf_free(&ct);
	fk_store_close(s);
	return rc;
}

static int
run_wizard(const struct capture_opts *o, const fk_form *form, fk_store *s, fk_finalizer *fin,
    const char *home, uint64_t limit, int *end, fk_err *e)
{
	fk_wizard_opts w;
	fk_record_out out;
	fk_secret key = { 0 };
	char did[FK_UUID_BUF] = "";
	int rc;

	if (fk_device_unlock_drafts(home, o->passfile, &key, e) != 0)
		return -1;
	memset(&w, 0, sizeof w);
	w.form = form;
	w.store = s;
	w.fin = fin;
	w.draft_key = &key;
	w.lang = o->lang;
	w.resume_id = o->resume;
	w.att = o->att;
	w.natt = o->natt;
	w.att_limit = limit;
	w.home = home;
	w.in = stdin;
	w.out = stdout;
	rc = fk_wizard_run(&w, &out, end, did, e);
	fk_secret_free(&key);
	return rc;
}

static int
cmd_capture(int argc, char **argv)
{
	struct capture_opts o;
	fk_args attach = { 0 }, pos;
	const struct fk_opt opt[] = {
		FK_STR("home", 0, &o.home), FK_STR("from", 0, &o.from), FK_LIST("attach", 0, &attach),
		FK_STR("lang", 0, &o.lang), FK_STR("resume", 0, &o.resume),
		FK_STR("passphrase-file", 0, &o.passfile), FK_STR("rejects", 0, &o.rejects), FK_OPT_END,
	};
	fk_device *d = NULL;
	fk_form *form = NULL;
	fk_store *s = NULL;
	fk_finalizer *fin = NULL;
	fk_err e = { 0 };
	char *home = NULL, formid[64];
	int rc, end = FK_WIZ_NOTHING;
	size_t i;

	memset(&o, 0, sizeof o);
	if ((rc = fk_opts_parse("capture", capture_usage, opt, argc, argv, &pos)) != FK_GO ||
	    (rc = fk_args_max("capture", &pos, 1)) != FK_GO)
		return rc;
	if (pos.n > 0)
		o.form = pos.v[0];
	for (i = 0; i < attach.n; i++)
		if (parse_attach(&o, attach.v[i]) != 0) {
			rc = fk_usage_error("capture", _("--attach takes FIELD=PATH (at most %d)"),
			    MAX_ATTACH);
			goto out;
		}
	rc = FK_EXIT_FAIL;
	if (o.rejects != NULL && o.from == NULL) {
		rc = fk_usage_error("capture", _("--rejects goes with --from"));
		goto out;
	}
	if (o.resume != NULL && o.from != NULL) {
		rc = fk_usage_error("capture", _("--resume and --from do not go together"));
		goto out;
	}
	if (o.form == NULL && o.resume == NULL) {
		rc = fk_usage_error("capture", _("name the FORM to capture"));
		goto out;
	}
	if (o.lang != NULL && strcmp(o.lang, "uk") != 0 && strcmp(o.lang, "en") != 0) {
		rc = fk_usage_error("capture", _("--lang is uk or en"));
		goto out;
	}
	fk_json_use_wiping_alloc();
	if ((d = calloc(1, sizeof *d)) == NULL) {
		fk_fail(&e, FK_ENOMEM, _("out of memory"));
		goto fail;
	}
	if (fk_device_home(o.home, &home, &e) != 0 || fk_device_load(d, home, &e) != 0)
		goto fail;
	if (o.form == NULL) {
		if (draft_form_id(home, o.resume, formid, &e) != 0)
			goto fail;
		o.form = formid;
	}
	if (load_form(o.form, &form, &e) != 0 || check_attach_fields(&o, form, &e) != 0)
		goto fail;
	if (fk_device_store_open(d, FK_STORE_WRITE, &s, &e) != 0 || fk_finalizer_new(&fin, s, d, &e) != 0)
		goto fail;
	if (o.from != NULL) {
		rc = run_batch(&o, form, fin, s, home, d->att_limit, &e);
		if (rc < 0)
			goto fail;
		goto out;
	}
	if (run_wizard(&o, form, s, fin, home, d->att_limit, &end, &e) != 0)
		goto fail;
	rc = end == FK_WIZ_NOTHING ? FK_EXIT_FAIL : FK_EXIT_OK;
	goto out;
fail:
	rc = fk_report(&e);
out:
	fk_finalizer_free(fin);
	fk_store_close(s);
	fk_form_free(form);
	if (d != NULL)
		fk_device_free(d);
	free(d);
	free(home);
	for (i = 0; i < o.natt; i++)
		free((char *)o.att[i].field);
	return rc;
}

FK_COMMAND(capture, N_("capture records: one at a time (wizard) or a batch (--from)"), cmd_capture);
