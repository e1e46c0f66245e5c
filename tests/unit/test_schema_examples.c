/*
 * test_schema_examples.c - the shipped forms load, and every example record
 * in schemas/examples/ gives exactly the problems its .errors file lists
 * (none when there is no .errors file). An example's form is named by the
 * start of its file name (family-report-..., child-intake-...). Valid
 * examples must also survive fk_form_build and stay valid.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "batch.h"
#include "check.h"
#include "io.h"
#include "schema.h"

#define NOW ((time_t)1748779200) /* 2025-06-01 12:00:00 UTC */

static const char *forms[] = {"family-report", "child-intake"};
static fk_form *loaded[2];

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Splits text into sorted lines (modifies text). */
static size_t
lines(char *text, char **out, size_t max)
{
	size_t n = 0;
	char *save = NULL, *l;

	for (l = strtok_r(text, "\n", &save); l != NULL && n < max; l = strtok_r(NULL, "\n", &save))
		if (*l != '\0' && *l != '#')
			out[n++] = l;
	qsort(out, n, sizeof *out, cmpstr);
	return n;
}

static void
check_example(const char *dir, const char *name, size_t fi)
{
	char path[4096], *want[256], *got[256], gotbuf[256][300];
	fk_buf rec = {0}, exp = {0};
	fk_issues is = {0};
	fk_err e = {0};
	fk_vopts o = {"en", NOW};
	size_t nw = 0, ng = 0, i;
	uint8_t nul = 0;
	json_t *j;

	if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path - 8)
		return;
	if (fk_read_file(path, 1u << 24, &rec, &e) != 0) {
		CHECK_MSG(0, "%s: %s", path, e.msg);
		return;
	}
	strcpy(path + strlen(path) - 5, ".errors");
	if (fk_read_file(path, 1 << 20, &exp, &e) == 0 && fk_buf_append(&exp, &nul, 1, &e) == 0)
		nw = lines((char *)exp.p, want, 256);
	/* As `capture --from` reads it: attachments may name their files (files/...). */
	j = rec.len <= FK_RECORD_MAX ?
	    json_loadb((const char *)rec.p, rec.len, JSON_REJECT_DUPLICATES, NULL) : NULL;
	if (json_is_object(j)) {
		fk_batch_files files = {0};
		CHECK(fk_batch_attachments(loaded[fi], j, dir, UINT64_MAX, 0, &files, &is, &e) == 0);
		if (nw == 0) /* a valid example names files that are there, each sealed */
			CHECK_MSG(is.n == 0, "%s: %s", name, is.n ? is.v[0].msg : "");
		CHECK(fk_form_validate(loaded[fi], j, &o, &is, &e) == 0);
		fk_batch_files_free(&files);
	} else {
		CHECK(fk_form_validate_bytes(loaded[fi], rec.p, rec.len, &o, &is, &e) == 0);
	}
	for (i = 0; i < is.n && ng < 256; i++) {
		snprintf(gotbuf[ng], sizeof gotbuf[ng], "%s: %s", is.v[i].path[0] ? is.v[i].path :
		    "(record)", is.v[i].code);
		got[ng] = gotbuf[ng];
		ng++;
	}
	qsort(got, ng, sizeof *got, cmpstr);
	CHECK_MSG(ng == nw, "%s: %zu problems, %zu expected", name, ng, nw);
	for (i = 0; i < ng && i < nw; i++)
		CHECK_MSG(strcmp(got[i], want[i]) == 0, "%s: got '%s', want '%s'", name, got[i], want[i]);
	if (nw == 0 && ng == 0) {
		/* A valid record stays valid once built. */
		CHECK(j != NULL && fk_form_build(loaded[fi], j, &o, &e) == 0);
		fk_issues_clear(&is);
		CHECK(fk_form_validate(loaded[fi], j, &o, &is, &e) == 0);
		CHECK_MSG(is.n == 0, "%s after build: %s %s", name, is.n ? is.v[0].path : "",
		    is.n ? is.v[0].code : "");
	}
	json_decref(j);
	fk_issues_free(&is);
	fk_buf_free(&rec);
	fk_buf_free(&exp);
}

/* Checks what fk_form_build adds to the valid family report with two children. */
static void
check_build(const char *dir)
{
	char path[4096];
	json_t *j, *kids;
	fk_err e = {0};
	fk_vopts o = {"uk", NOW};

	if (snprintf(path, sizeof path, "%s/family-report-valid-2.json", dir) >= (int)sizeof path)
		return;
	j = json_load_file(path, 0, NULL);
	CHECK(j != NULL);
	if (j == NULL)
		return;
	CHECK(fk_form_build(loaded[0], j, &o, &e) == 0);
	kids = json_object_get(j, "children");
	CHECK(strcmp(json_string_value(json_object_get(j, "reporter_surname_lat")), "Yurchenko") == 0);
	CHECK(strcmp(json_string_value(json_object_get(j, "reporter_given_lat")), "Hanna") == 0);
	CHECK(strcmp(json_string_value(json_object_get(json_array_get(kids, 0), "given_lat")), "Yevhen") == 0);
	CHECK(strcmp(json_string_value(json_object_get(json_array_get(kids, 1), "surname_lat")), "Ilin") == 0);
	CHECK(strcmp(json_string_value(json_object_get(json_array_get(kids, 1), "given_lat")), "Ihor") == 0);
	CHECK(strcmp(json_string_value(json_object_get(json_array_get(kids, 1), "nicknames_lat")), "Hosha") == 0);
	CHECK(json_integer_value(json_object_get(json_array_get(kids, 1), "age_calc")) == 8);
	CHECK(json_object_get(json_array_get(kids, 0), "age_calc") == NULL); /* dob unknown */
	CHECK(json_object_get(j, "reporter_age_calc") == NULL);
	json_decref(j);
}

int
main(void)
{
	const char *sch = getenv("FIELDKIT_SCHEMAS");
	char dir[2048], path[4096];
	fk_issues is = {0};
	fk_err e = {0};
	struct dirent *d;
	DIR *dp;
	size_t i, n = 0, nbad = 0, len;

	check_init();
	setenv("TZ", "UTC", 1);
	tzset();
	if (sch == NULL)
		sch = "schemas";
	for (i = 0; i < 2; i++) {
		if (snprintf(path, sizeof path, "%s/%s.json", sch, forms[i]) >= (int)sizeof path)
			return 1;
		CHECK_MSG(fk_form_load_file(path, &loaded[i], &is, &e) == 0, "%s: %s (%s %s)", path,
		    e.msg, is.n ? is.v[0].path : "", is.n ? is.v[0].msg : "");
		if (loaded[i] == NULL)
			return check_done("schema examples");
		CHECK(strcmp(fk_form_id(loaded[i]), forms[i]) == 0 && fk_form_version(loaded[i]) == 1);
		CHECK(fk_form_has_lang(loaded[i], "uk") && fk_form_has_lang(loaded[i], "en"));
	}
	if (snprintf(dir, sizeof dir, "%s/examples", sch) >= (int)sizeof dir)
		return 1;
	if ((dp = opendir(dir)) == NULL) {
		CHECK_MSG(0, "cannot open %s", dir);
		return check_done("schema examples");
	}
	while ((d = readdir(dp)) != NULL) {
		len = strlen(d->d_name);
		if (len < 6 || strcmp(d->d_name + len - 5, ".json") != 0)
			continue;
		for (i = 0; i < 2; i++)
			if (strncmp(d->d_name, forms[i], strlen(forms[i])) == 0)
				break;
		CHECK_MSG(i < 2, "%s: names no form", d->d_name);
		if (i == 2)
			continue;
		n++;
		nbad += strstr(d->d_name, "-bad-") != NULL;
		check_example(dir, d->d_name, i);
	}
	closedir(dp);
	CHECK_MSG(n >= 20 && nbad >= 15, "%zu examples, %zu invalid", n, nbad);
	check_build(dir);
	for (i = 0; i < 2; i++)
		fk_form_free(loaded[i]);
	fk_issues_free(&is);
	printf("%zu examples (%zu invalid) checked\n", n, nbad);
	return check_done("schema examples");
}
