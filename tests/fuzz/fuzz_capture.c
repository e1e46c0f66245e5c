/*
 * fuzz_capture.c - libFuzzer entry over what capture takes from outside:
 * the head of an attached file (attach.h fk_media_sniff), a typed slip code
 * (fk_shortref_normalize), a batch record's attachment answers
 * (batch.h fk_batch_attachments, strict and lenient), and what a worker types
 * into the capture engine (session.h: answers, Enter, '-', '<', jumps,
 * entries added and removed, then a review). The first byte picks which;
 * the engine run checks its own promises: a review never fails on typed
 * input, and every answer of the built record is on a row (else abort).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attach.h"
#include "batch.h"
#include "fuzz_util.h"
#include "record.h"
#include "schema.h"
#include "session.h"
#include "shortref.h"

static const char FORM[] =
    "{\"fieldkit_form\": 1, \"id\": \"fz\", \"version\": 1, \"languages\": [\"uk\", \"en\"],"
    " \"title\": {\"uk\": \"т\", \"en\": \"t\"},"
    " \"choices\": {\"c\": [{\"name\": \"a\", \"label\": {\"uk\": \"Пункт пропуску\", \"en\": \"Border crossing\"}},"
    "  {\"name\": \"b\", \"label\": {\"uk\": \"Офіс\", \"en\": \"Office, city\"}}]},"
    " \"fields\": ["
    "  {\"name\": \"n\", \"type\": \"note\", \"label\": {\"uk\": \"н\", \"en\": \"n\"}},"
    "  {\"name\": \"s_cyr\", \"type\": \"text\", \"required\": true, \"label\": {\"uk\": \"п\", \"en\": \"s\"}},"
    "  {\"name\": \"s_lat\", \"type\": \"text\", \"translit_from\": \"s_cyr\", \"label\": {\"uk\": \"п\", \"en\": \"s\"}},"
    "  {\"name\": \"d\", \"type\": \"date\", \"label\": {\"uk\": \"д\", \"en\": \"d\"}},"
    "  {\"name\": \"age\", \"type\": \"integer\", \"calculate\": \"age(${d})\", \"relevant\": \"${d} != ''\","
    "   \"label\": {\"uk\": \"в\", \"en\": \"a\"}},"
    "  {\"name\": \"one\", \"type\": \"select_one\", \"choices\": \"c\", \"label\": {\"uk\": \"о\", \"en\": \"o\"}},"
    "  {\"name\": \"many\", \"type\": \"select_multiple\", \"choices\": \"c\", \"label\": {\"uk\": \"б\", \"en\": \"m\"}},"
    "  {\"name\": \"ref\", \"type\": \"text\", \"constraint\": \"is-short-ref(.)\", \"label\": {\"uk\": \"к\", \"en\": \"r\"}},"
    "  {\"name\": \"kids\", \"type\": \"repeat\", \"min\": 1, \"max\": 3, \"label\": {\"uk\": \"д\", \"en\": \"k\"}, \"fields\": ["
    "   {\"name\": \"k_cyr\", \"type\": \"text\", \"label\": {\"uk\": \"і\", \"en\": \"k\"}},"
    "   {\"name\": \"k_lat\", \"type\": \"text\", \"translit_from\": \"k_cyr\", \"label\": {\"uk\": \"і\", \"en\": \"k\"}},"
    "   {\"name\": \"pics\", \"type\": \"repeat\", \"max\": 2, \"label\": {\"uk\": \"ф\", \"en\": \"p\"}, \"fields\": ["
    "    {\"name\": \"pic\", \"type\": \"attachment\", \"kind\": \"photo\", \"label\": {\"uk\": \"ф\", \"en\": \"p\"}},"
    "    {\"name\": \"cap\", \"type\": \"text\", \"label\": {\"uk\": \"п\", \"en\": \"c\"}}]}]},"
    "  {\"name\": \"why\", \"type\": \"text\", \"relevant\": \"${one} = 'b'\", \"label\": {\"uk\": \"ч\", \"en\": \"w\"}}]}";

static fk_form *form;

static void
engine(const uint8_t *p, size_t n)
{
	fk_session_cfg c;
	fk_session *s = NULL;
	fk_issues is = { 0 };
	fk_review_rows r;
	fk_step st;
	fk_err e = { 0 };
	size_t i = 0, steps = 0;

	memset(&c, 0, sizeof c);
	c.form = form;
	c.lang = "en";
	c.att_limit = 1 << 20;
	c.now = 1750000000;
	if (fk_session_new(&c, &s, &e) != 0)
		return;
	while (i < n && steps++ < 200) {
		const uint8_t *nl = memchr(p + i, '\n', n - i);
		size_t len = nl ? (size_t)(nl - (p + i)) : n - i;
		const char *t = (const char *)p + i;
		char entry[256];
		fk_issues_clear(&is);
		fk_err_clear(&e);
		if (fk_session_step(s, &st, &e) != 0)
			break;
		if (len == 0)
			(void)!fk_session_keep(s, &is, &e);
		else if (len == 1 && t[0] == '-')
			(void)!fk_session_clear(s, NULL, &is, &e);
		else if (len == 1 && t[0] == '<')
			(void)!fk_session_back(s, &e);
		else if (len >= 2 && t[0] == '#')
			(void)!fk_session_goto_number(s, (size_t)(unsigned char)t[1] % 20, &e);
		else if (len == 1 && t[0] == '!' &&
		    fk_session_cursor_entry(s, entry, sizeof entry, &e) == 0)
			(void)!fk_session_remove_entry(s, entry, &e);
		else if (st.kind != FK_STEP_REVIEW)
			(void)!fk_session_answer(s, NULL, t, len, &is, &e);
		i += len + 1;
	}
	fk_err_clear(&e);
	if (fk_session_review(s, &r, &e) != 0 && e.code != FK_ENOMEM)
		abort(); /* the review of typed answers always works */
	for (i = 0; i < r.issues.n; i++)
		if (strcmp(r.issues.v[i].code, "not_shown") == 0)
			abort(); /* an answer that would be sealed unseen */
	fk_review_rows_free(&r);
	fk_issues_free(&is);
	fk_session_free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char ref[FK_SHORTREF_LEN + 1];
	fk_err e = { 0 };

	if (form == NULL) {
		if (sodium_init() < 0)
			abort();
		fk_json_use_wiping_alloc();
		if (fk_form_load((const uint8_t *)FORM, sizeof FORM - 1, &form, NULL, &e) != 0)
			abort();
	}
	if (size == 0)
		return 0;
	switch (data[0] % 4) {
	case 0:
		(void)fk_media_sniff(data + 1, size - 1);
		break;
	case 1:
		if (fk_shortref_normalize((const char *)data + 1, size - 1, ref) == 0 &&
		    !fk_shortref_valid(ref))
			abort();
		break;
	case 2: {
		json_t *j = json_loadb((const char *)data + 1, size - 1, 0, NULL);
		fk_batch_files files = { 0 };
		fk_issues is = { 0 };
		if (j != NULL) {
			(void)!fk_batch_attachments(form, j, "/nonexistent", 1 << 20, size % 2, &files, &is,
			    &e);
			json_decref(j);
		}
		fk_batch_files_free(&files);
		fk_issues_free(&is);
		break;
	}
	default:
		engine(data + 1, size - 1);
		break;
	}
	return 0;
}
