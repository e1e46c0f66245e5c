/*
 * test_schema.c - the forms engine on a small form that uses every type and
 * property: types, limits, constraints (messages in both languages),
 * relevance, required, repeats (bounds, nesting, sibling references),
 * calculations, defaults, transliteration, unknown fields, invalid UTF-8,
 * future dates, a 50 MB text, and the wizard API.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "schema.h"
#include "util.h"

#define NOW ((time_t)1748779200) /* 2025-06-01 12:00:00 UTC */

static const char form_src[] =
"{\"fieldkit_form\": 1, \"id\": \"test-form\", \"version\": 3,"
" \"title\": {\"uk\": \"Тест\", \"en\": \"Test\"}, \"languages\": [\"uk\", \"en\"],"
" \"choices\": {"
"  \"yn\": [{\"name\": \"yes\", \"label\": {\"uk\": \"Так\", \"en\": \"Yes\"}},"
"          {\"name\": \"no\", \"label\": {\"uk\": \"Ні\", \"en\": \"No\"}}],"
"  \"colours\": [{\"name\": \"red\", \"label\": {\"uk\": \"Червоний\", \"en\": \"Red\"}},"
"               {\"name\": \"blue\", \"label\": {\"uk\": \"Синій\", \"en\": \"Blue\"}}]},"
" \"fields\": ["
"  {\"name\": \"intro\", \"type\": \"note\", \"label\": {\"uk\": \"Вступ\", \"en\": \"Intro\"}},"
"  {\"name\": \"when\", \"type\": \"date\", \"label\": {\"uk\": \"Дата\", \"en\": \"Date\"},"
"   \"required\": true, \"default\": \"today\", \"max\": \"today\", \"min\": \"2000-01-01\"},"
"  {\"name\": \"stamp\", \"type\": \"datetime\", \"label\": {\"uk\": \"Час\", \"en\": \"Time\"}},"
"  {\"name\": \"surname_cyr\", \"type\": \"text\", \"label\": {\"uk\": \"Прізвище\", \"en\": \"Surname\"},"
"   \"hint\": {\"uk\": \"Кирилицею\", \"en\": \"In Cyrillic\"}, \"required\": true, \"max_length\": 20},"
"  {\"name\": \"surname_lat\", \"type\": \"text\", \"label\": {\"uk\": \"Латиницею\", \"en\": \"Latin\"},"
"   \"translit_from\": \"surname_cyr\"},"
"  {\"name\": \"count_n\", \"type\": \"integer\", \"label\": {\"uk\": \"Число\", \"en\": \"Number\"},"
"   \"min\": 0, \"max\": 10, \"default\": 2},"
"  {\"name\": \"weight\", \"type\": \"decimal\", \"label\": {\"uk\": \"Вага\", \"en\": \"Weight\"},"
"   \"constraint\": \". > 0.5\", \"constraint_message\": {\"uk\": \"Надто мало\", \"en\": \"Too little\"}},"
"  {\"name\": \"double_n\", \"type\": \"integer\", \"label\": {\"uk\": \"Подвоєне\", \"en\": \"Doubled\"},"
"   \"calculate\": \"${count_n} * 2\"},"
"  {\"name\": \"pet\", \"type\": \"select_one\", \"label\": {\"uk\": \"Тварина?\", \"en\": \"Pet?\"},"
"   \"choices\": \"yn\", \"required\": true},"
"  {\"name\": \"pet_name\", \"type\": \"text\", \"label\": {\"uk\": \"Кличка\", \"en\": \"Pet name\"},"
"   \"relevant\": \"${pet} = 'yes'\", \"required\": true,"
"   \"required_message\": {\"uk\": \"Вкажіть кличку\", \"en\": \"Give the name\"}},"
"  {\"name\": \"colours\", \"type\": \"select_multiple\", \"label\": {\"uk\": \"Кольори\", \"en\": \"Colours\"},"
"   \"choices\": \"colours\"},"
"  {\"name\": \"where\", \"type\": \"geopoint\", \"label\": {\"uk\": \"Де\", \"en\": \"Where\"}},"
"  {\"name\": \"grp\", \"type\": \"group\", \"label\": {\"uk\": \"Група\", \"en\": \"Group\"},"
"   \"relevant\": \"${pet} = 'no'\", \"fields\": ["
"    {\"name\": \"why\", \"type\": \"text\", \"label\": {\"uk\": \"Чому\", \"en\": \"Why\"}, \"required\": \"${count_n} > 1\"}]},"
"  {\"name\": \"kids\", \"type\": \"repeat\", \"label\": {\"uk\": \"Діти\", \"en\": \"Kids\"}, \"min\": 1, \"max\": 3,"
"   \"fields\": ["
"    {\"name\": \"kid_name\", \"type\": \"text\", \"label\": {\"uk\": \"Ім'я\", \"en\": \"Name\"}, \"required\": true},"
"    {\"name\": \"kid_name_lat\", \"type\": \"text\", \"label\": {\"uk\": \"Ім'я лат.\", \"en\": \"Name Latin\"},"
"     \"translit_from\": \"kid_name\"},"
"    {\"name\": \"kid_dob\", \"type\": \"date\", \"label\": {\"uk\": \"Народження\", \"en\": \"Born\"}, \"max\": \"today\"},"
"    {\"name\": \"kid_age\", \"type\": \"integer\", \"label\": {\"uk\": \"Вік\", \"en\": \"Age\"},"
"     \"calculate\": \"age(${kid_dob})\"},"
"    {\"name\": \"kid_school\", \"type\": \"text\", \"label\": {\"uk\": \"Школа\", \"en\": \"School\"},"
"     \"relevant\": \"${kid_age} >= 6 and ${pet} != ''\"},"
"    {\"name\": \"kid_photos\", \"type\": \"repeat\", \"label\": {\"uk\": \"Фото\", \"en\": \"Photos\"}, \"max\": 2,"
"     \"fields\": ["
"      {\"name\": \"pic\", \"type\": \"attachment\", \"kind\": \"photo\", \"max_size\": 1000,"
"       \"label\": {\"uk\": \"Фото\", \"en\": \"Photo\"}, \"required\": true},"
"      {\"name\": \"pic_of\", \"type\": \"text\", \"label\": {\"uk\": \"Хто\", \"en\": \"Who\"},"
"       \"calculate\": \"concat(${kid_name}, ' ', ${surname_cyr})\"}]}]},"
"  {\"name\": \"nkids\", \"type\": \"integer\", \"label\": {\"uk\": \"Дітей\", \"en\": \"Kids\"},"
"   \"calculate\": \"count(${kids})\"},"
"  {\"name\": \"doc\", \"type\": \"attachment\", \"kind\": \"document\", \"label\": {\"uk\": \"Документ\", \"en\": \"Doc\"},"
"   \"media_types\": [\"application/pdf\"]},"
"  {\"name\": \"last\", \"type\": \"text\", \"label\": {\"uk\": \"Останнє\", \"en\": \"Last\"},"
"   \"constraint\": \"${nkids} = 0 or . != ${surname_cyr}\"}"
" ]}";

static fk_form *form;
static fk_vopts en = {"en", NOW}, uk = {"uk", NOW};

static json_t *
J(const char *s)
{
	json_error_t je;
	json_t *v = json_loads(s, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);

	if (v == NULL)
		fprintf(stderr, "bad test JSON: %s: %s\n", s, je.text);
	return v;
}

/* A valid record to start from. */
static json_t *
base(void)
{
	return J("{\"when\": \"2025-05-30\", \"surname_cyr\": \"Згурський\", \"pet\": \"yes\","
		 " \"pet_name\": \"Рекс\", \"kids\": [{\"kid_name\": \"Юрій\"}]}");
}

/* The issues of rec as "path:code " in order. */
static void
issues_of(json_t *rec, const fk_vopts *o, char *buf, size_t n)
{
	fk_issues is = {0};
	fk_err e = {0};
	size_t i, off = 0;

	buf[0] = '\0';
	if (fk_form_validate(form, rec, o, &is, &e) != 0) {
		snprintf(buf, n, "FAILED: %s", e.msg);
		return;
	}
	for (i = 0; i < is.n && off < n; i++)
		off += (size_t)snprintf(buf + off, n - off, "%s:%s ", is.v[i].path, is.v[i].code);
	fk_issues_free(&is);
}

/* Validates rec (in English) and expects exactly the issues want. */
static void
same(int line, json_t *rec, const char *want)
{
	char got[4096];

	issues_of(rec, &en, got, sizeof got);
	CHECK_MSG(strcmp(got, want) == 0, "line %d: got '%s', want '%s'", line, got, want);
}

/* Sets key of rec (a JSON text value, or NULL to delete) then expects issues. */
static void
expect(const char *key, const char *val, const char *want)
{
	json_t *rec = base();
	char got[2048];

	if (val != NULL)
		json_object_set_new(rec, key, J(val));
	else
		json_object_del(rec, key);
	issues_of(rec, &en, got, sizeof got);
	CHECK_MSG(strcmp(got, want) == 0, "%s=%s: got '%s', want '%s'", key, val ? val : "(none)",
	    got, want);
	json_decref(rec);
}

static void
test_types(void)
{
	expect("x", NULL, "");
	/* date */
	expect("when", "\"2025-06-01\"", "");
	expect("when", "\"2025-06-02\"", "when:date_in_future ");
	expect("when", "\"1999-12-31\"", "when:below_min ");
	expect("when", "\"2025-02-30\"", "when:invalid_date ");
	expect("when", "20250601", "when:wrong_type ");
	expect("when", NULL, "when:required ");
	expect("when", "\"\"", "when:required ");
	expect("when", "null", "when:required ");
	/* datetime */
	expect("stamp", "\"2025-05-01T10:00:00+03:00\"", "");
	expect("stamp", "\"2025-05-01 10:00\"", "stamp:invalid_datetime ");
	/* text */
	expect("surname_cyr", "\"Шевченко-Юрченко\"", "");
	expect("surname_cyr", "\"Шевченко-Юрченко-Ільїн\"", "surname_cyr:too_long ");
	expect("surname_cyr", "\"a\\u0000b\"", "surname_cyr:control_chars ");
	expect("surname_cyr", "\"a\\u001bb\"", "surname_cyr:control_chars ");
	/* Invisible direction controls and C1 controls: "evil" must not show as "live". */
	expect("surname_cyr", "\"\\u202eevil\\u202c\"", "surname_cyr:control_chars ");
	expect("surname_cyr", "\"a\\u2066b\\u2069\"", "surname_cyr:control_chars ");
	expect("surname_cyr", "\"a\\u200fb\"", "surname_cyr:control_chars ");
	expect("surname_cyr", "\"a\\u0085b\"", "surname_cyr:control_chars ");
	/* invisible: two names that look equal would differ */
	expect("surname_cyr", "\"Іва\\u200bн\"", "surname_cyr:control_chars ");
	expect("surname_cyr", "\"\\ufeffІван\"", "surname_cyr:control_chars ");
	expect("surname_cyr", "\"Ґалаґан-Їжак\"", "");
	expect("surname_cyr", "\"рядок\\nдругий\"", "");
	expect("surname_cyr", "42", "surname_cyr:wrong_type ");
	expect("surname_cyr", "[\"a\"]", "surname_cyr:wrong_type ");
	/* integer and decimal */
	expect("count_n", "10", "");
	expect("count_n", "11", "count_n:above_max ");
	expect("count_n", "-1", "count_n:below_min ");
	expect("count_n", "2.5", "count_n:wrong_type ");
	expect("count_n", "\"2\"", "count_n:wrong_type ");
	expect("weight", "3", "");
	expect("weight", "0.75", "");
	expect("weight", "0.25", "weight:constraint ");
	expect("weight", "true", "weight:wrong_type ");
	/* select_one / select_multiple */
	expect("pet", "\"maybe\"", "pet:invalid_choice pet_name:not_relevant ");
	expect("pet", "[\"yes\"]", "pet:wrong_type ");
	expect("colours", "[\"red\", \"blue\"]", "");
	expect("colours", "[]", "");
	expect("colours", "[\"red\", \"red\"]", "colours:duplicate_choice ");
	expect("colours", "[\"green\"]", "colours:invalid_choice ");
	expect("colours", "\"red\"", "colours:wrong_type ");
	expect("colours", "[1]", "colours:wrong_type ");
	/* geopoint */
	expect("where", "{\"lat\": 50.45, \"lon\": 30.52, \"accuracy\": 5}", "");
	expect("where", "{\"lat\": 91, \"lon\": 30}", "where:invalid_geopoint ");
	expect("where", "{\"lat\": 50}", "where:invalid_geopoint ");
	expect("where", "{\"lat\": 50, \"lon\": 30, \"x\": 1}", "where:invalid_geopoint ");
	expect("where", "\"50 30\"", "where:wrong_type ");
	/* attachment */
	expect("doc", "{\"id\": \"d1\", \"media_type\": \"application/pdf\", \"size\": 99}", "");
	expect("doc", "{\"id\": \"d1\", \"media_type\": \"image/png\", \"size\": 99}", "doc:media_type ");
	expect("doc", "{\"id\": \"d1\", \"media_type\": \"application/pdf\", \"size\": -1}",
	    "doc:invalid_attachment ");
	expect("doc", "{\"id\": \"d/1\", \"media_type\": \"application/pdf\", \"size\": 1}",
	    "doc:invalid_attachment ");
	expect("doc", "{\"id\": \"d1\", \"media_type\": \"application/pdf\", \"size\": 1, \"sha256\": \"ab\"}",
	    "doc:invalid_attachment ");
	expect("doc", "{\"id\": \"d1\", \"media_type\": \"application/pdf\", \"size\": 1, \"extra\": 1}",
	    "doc:invalid_attachment ");
	/* note, calculated, unknown */
	expect("intro", "\"x\"", "intro:not_answerable ");
	expect("double_n", "4", "");
	expect("double_n", "\"four\"", "double_n:wrong_type ");
	expect("colour", "\"red\"", "colour:unknown_field ");
	expect("grp", "{}", "grp:unknown_field ");
	expect("kid_name", "\"x\"", "kid_name:unknown_field ");
	expect("_id", "\"abc\"", "");
	expect("_id", "5", "_id:wrong_type ");
	expect("_form", "\"test-form\"", "");
	expect("_form", "\"other\"", "_form:wrong_form ");
	expect("_version", "3", "");
	expect("_version", "1", "_version:wrong_version ");
	expect("_other", "1", "_other:unknown_field ");
}

static void
test_relevance_required(void)
{
	json_t *rec;

	expect("pet_name", NULL, "pet_name:required ");
	expect("pet", NULL, "pet:required pet_name:not_relevant ");
	/* pet = no: pet_name no longer applies; the group does, and why is required when count_n > 1. */
	rec = base();
	json_object_set_new(rec, "pet", json_string("no"));
	same(__LINE__, rec, "pet_name:not_relevant ");
	json_object_del(rec, "pet_name");
	same(__LINE__, rec, ""); /* count_n absent: why not required */
	json_object_set_new(rec, "count_n", json_integer(2));
	same(__LINE__, rec, "why:required ");
	json_object_set_new(rec, "why", json_string("бо"));
	same(__LINE__, rec, "");
	json_object_set_new(rec, "pet", json_string("yes"));
	json_object_set_new(rec, "pet_name", json_string("Рекс"));
	same(__LINE__, rec, "why:not_relevant ");
	json_decref(rec);
}

static void
test_repeats(void)
{
	json_t *rec = base();
	json_t *kids = json_object_get(rec, "kids");

	json_array_clear(kids);
	same(__LINE__, rec, "kids:repeat_min ");
	json_object_del(rec, "kids");
	same(__LINE__, rec, "kids:repeat_min ");
	json_object_set_new(rec, "kids", J("[{\"kid_name\": \"А\"}, {\"kid_name\": \"Б\"},"
					 " {\"kid_name\": \"В\"}, {\"kid_name\": \"Г\"}]"));
	same(__LINE__, rec, "kids:repeat_max ");
	/* Errors inside instances carry the instance path; nested repeats too. */
	json_object_set_new(rec, "kids", J("[{\"kid_name\": \"А\"},"
	    " {\"kid_dob\": \"2030-01-01\", \"surname_cyr\": \"x\","
	    "  \"kid_photos\": [{\"pic\": {\"id\": \"p\", \"media_type\": \"image/jpeg\", \"size\": 1001}},"
	    "   {}, {\"pic\": {\"id\": \"q\", \"media_type\": \"image/gif\", \"size\": 1}}]}, 7]"));
	same(__LINE__, rec, "kids[1].surname_cyr:unknown_field kids[1].kid_name:required "
	    "kids[1].kid_dob:date_in_future kids[1].kid_photos:repeat_max "
	    "kids[1].kid_photos[0].pic:too_large kids[1].kid_photos[1].pic:required "
	    "kids[2]:wrong_type "); /* photos[2] is past max: not walked */
	/* Sibling references: kid_school applies from age 6 (kid_age is a calculated sibling). */
	json_object_set_new(rec, "kids", J("[{\"kid_name\": \"А\", \"kid_age\": 5, \"kid_school\": \"№1\"},"
	    " {\"kid_name\": \"Б\", \"kid_age\": 7, \"kid_school\": \"№2\"}]"));
	same(__LINE__, rec, "kids[0].kid_school:not_relevant ");
	json_object_set_new(rec, "kids", J("{\"kid_name\": \"А\"}"));
	same(__LINE__, rec, "kids:wrong_type ");
	json_decref(rec);
}

static void
test_languages(void)
{
	fk_issues is = {0};
	fk_err e = {0};
	json_t *rec = base();

	json_object_set_new(rec, "weight", json_real(0.1));
	json_object_del(rec, "pet_name");
	CHECK(fk_form_validate(form, rec, &uk, &is, &e) == 0 && is.n == 2);
	CHECK(is.n == 2 && strcmp(is.v[0].msg, "Надто мало") == 0);
	CHECK(is.n == 2 && strcmp(is.v[1].msg, "Вкажіть кличку") == 0);
	fk_issues_clear(&is);
	CHECK(fk_form_validate(form, rec, &en, &is, &e) == 0 && is.n == 2);
	CHECK(is.n == 2 && strcmp(is.v[0].msg, "Too little") == 0);
	CHECK(is.n == 2 && strcmp(is.v[1].msg, "Give the name") == 0);
	fk_issues_free(&is);
	json_decref(rec);
	CHECK(strcmp(fk_form_title(form, "uk"), "Тест") == 0);
	CHECK(strcmp(fk_form_title(form, "en"), "Test") == 0);
	CHECK(strcmp(fk_form_title(form, "fr"), "Тест") == 0); /* the first language */
	CHECK(strcmp(fk_field_label(fk_form_find(form, "pet"), "uk"), "Тварина?") == 0);
	CHECK(strcmp(fk_field_label(fk_form_find(form, "pet"), "en"), "Pet?") == 0);
	CHECK(strcmp(fk_field_hint(fk_form_find(form, "surname_cyr"), "uk"), "Кирилицею") == 0);
	CHECK(fk_field_hint(fk_form_find(form, "pet"), "uk") == NULL);
	CHECK(fk_field_nchoices(fk_form_find(form, "colours")) == 2);
	CHECK(strcmp(fk_field_choice_label(fk_form_find(form, "colours"), 1, "uk"), "Синій") == 0);
	CHECK(strcmp(fk_field_choice_name(fk_form_find(form, "colours"), 0), "red") == 0);
	CHECK(fk_form_nlangs(form) == 2 && strcmp(fk_form_lang(form, 1), "en") == 0);
}

static void
test_build(void)
{
	json_t *rec = J("{\"surname_cyr\": \"Згурський\", \"pet\": \"no\", \"pet_name\": \"stale\","
	    " \"kids\": [{\"kid_name\": \"Ілля\", \"kid_dob\": \"2015-06-02\","
	    "   \"kid_photos\": [{\"pic\": {\"id\": \"p\", \"media_type\": \"image/jpeg\", \"size\": 1}}]},"
	    "  {\"kid_name\": \"Мар'яна\", \"kid_name_lat\": \"Maryana\", \"kid_dob\": \"2015-06-01\","
	    "   \"kid_school\": \"№5\"}], \"double_n\": 99, \"why\": \"бо так\"}");
	json_t *k0, *k1;
	fk_issues is = {0};
	fk_err e = {0};

	CHECK(fk_form_build(form, rec, &en, &e) == 0);
	CHECK(strcmp(json_string_value(json_object_get(rec, "when")), "2025-06-01") == 0);
	CHECK(strcmp(json_string_value(json_object_get(rec, "surname_lat")), "Zghurskyi") == 0);
	CHECK(json_integer_value(json_object_get(rec, "count_n")) == 2);   /* default */
	CHECK(json_integer_value(json_object_get(rec, "double_n")) == 4);  /* recalculated */
	CHECK(json_integer_value(json_object_get(rec, "nkids")) == 2);
	CHECK(json_object_get(rec, "pet_name") == NULL);                   /* not relevant: gone */
	CHECK(json_object_get(rec, "weight") == NULL);
	k0 = json_array_get(json_object_get(rec, "kids"), 0);
	k1 = json_array_get(json_object_get(rec, "kids"), 1);
	CHECK(strcmp(json_string_value(json_object_get(k0, "kid_name_lat")), "Illia") == 0);
	CHECK(strcmp(json_string_value(json_object_get(k1, "kid_name_lat")), "Maryana") == 0); /* typed */
	CHECK(json_integer_value(json_object_get(k0, "kid_age")) == 9);
	CHECK(json_integer_value(json_object_get(k1, "kid_age")) == 10);
	CHECK(json_object_get(k0, "kid_school") == NULL);
	CHECK(strcmp(json_string_value(json_object_get(k1, "kid_school")), "№5") == 0);
	CHECK(strcmp(json_string_value(json_object_get(json_array_get(json_object_get(k0, "kid_photos"), 0),
	    "pic_of")), "Ілля Згурський") == 0);
	/* The built record needs only what the worker must still answer. */
	CHECK(fk_form_validate(form, rec, &en, &is, &e) == 0);
	CHECK_MSG(is.n == 0, "%zu issues, first %s %s", is.n, is.n ? is.v[0].path : "", is.n ? is.v[0].code : "");
	fk_issues_free(&is);
	json_decref(rec);
	rec = J("[]");
	CHECK(fk_form_build(form, rec, &en, &e) == -1 && e.code == FK_EINPUT);
	json_decref(rec);
}

static void
test_bytes(void)
{
	fk_issues is = {0};
	fk_err e = {0};
	char *big;
	size_t n = 50u << 20, off;
	json_t *rec;
	clock_t t0;
	static const char bad[] = "{\"surname_cyr\": \"\xd0\x97\xff\"}";
	static const char dup[] = "{\"pet\": \"yes\", \"pet\": \"no\"}";

	CHECK(fk_form_validate_bytes(form, (const uint8_t *)bad, sizeof bad - 1, &en, &is, &e) == 0);
	CHECK(is.n == 1 && strcmp(is.v[0].code, "invalid_utf8") == 0 && strcmp(is.v[0].path, "") == 0);
	CHECK(is.n == 1 && strstr(is.v[0].msg, "byte 19") != NULL);
	fk_issues_clear(&is);
	CHECK(fk_form_validate_bytes(form, (const uint8_t *)dup, sizeof dup - 1, &en, &is, &e) == 0);
	CHECK(is.n == 1 && strcmp(is.v[0].code, "invalid_json") == 0);
	fk_issues_clear(&is);
	CHECK(fk_form_validate_bytes(form, (const uint8_t *)"{\"x\": \"\\ud800\"}", 15, &en, &is, &e) == 0);
	CHECK(is.n == 1 && strcmp(is.v[0].code, "invalid_json") == 0);
	fk_issues_clear(&is);
	CHECK(fk_form_validate_bytes(form, (const uint8_t *)"", 0, &en, &is, &e) == 0);
	CHECK(is.n == 1 && strcmp(is.v[0].code, "invalid_json") == 0);
	fk_issues_clear(&is);

	/* A 50 MB text: refused before parsing as bytes, and as a value. */
	big = malloc(n + 64);
	CHECK(big != NULL);
	if (big == NULL)
		return;
	off = (size_t)sprintf(big, "{\"surname_cyr\": \"");
	memset(big + off, 'a', n);
	strcpy(big + off + n, "\"}");
	t0 = clock();
	CHECK(fk_form_validate_bytes(form, (const uint8_t *)big, strlen(big), &en, &is, &e) == 0);
	CHECK(is.n == 1 && strcmp(is.v[0].code, "record_too_large") == 0);
	fk_issues_clear(&is);
	big[off + n] = '\0';
	rec = base();
	json_object_set_new(rec, "surname_cyr", json_stringn_nocheck(big + off, n));
	CHECK(fk_form_validate(form, rec, &en, &is, &e) == 0);
	CHECK(is.n == 1 && strcmp(is.v[0].code, "too_long") == 0);
	fk_issues_clear(&is);
	CHECK(fk_form_check_answer(form, rec, "surname_cyr", json_object_get(rec, "surname_cyr"), &en,
	    &is, &e) == 0);
	CHECK(is.n == 1 && strcmp(is.v[0].code, "too_long") == 0);
	printf("50 MB text refused in %.3f s of CPU\n", (double)(clock() - t0) / CLOCKS_PER_SEC);
	fk_issues_free(&is);
	json_decref(rec);
	free(big);
}

static void
count_moved(void *ctx, const char *path)
{
	(void)path;
	(*(int *)ctx)++;
}

static void
test_wizard(void)
{
	json_t *rec = J("{}"), *v = NULL;
	fk_questions q = {0};
	fk_issues is = {0};
	fk_err e = {0};
	size_t i, idx = 99;
	char list[4096];
	size_t off;
	const fk_field *pet = fk_form_find(form, "pet");

	CHECK(fk_form_visible(form, rec, &en, &q, &e) == 0);
	off = 0;
	list[0] = '\0';
	for (i = 0; i < q.n; i++)
		off += (size_t)snprintf(list + off, sizeof list - off, "%s%s%s ", q.v[i].path,
		    q.v[i].required ? "*" : "", q.v[i].readonly ? "=" : "");
	CHECK_MSG(strcmp(list, "intro when* stamp surname_cyr* surname_lat count_n weight double_n= "
	    "pet* colours where kids* nkids= doc last ") == 0, "%s", list);
	fk_questions_free(&q);

	CHECK(fk_answers_set(form, rec, "pet", json_string("no"), &e) == 0);
	CHECK(fk_answers_set(form, rec, "count_n", json_integer(3), &e) == 0);
	CHECK(fk_answers_repeat_add(form, rec, "kids", &idx, &e) == 0 && idx == 0);
	CHECK(fk_answers_repeat_add(form, rec, "kids", &idx, &e) == 0 && idx == 1);
	CHECK(fk_answers_set(form, rec, "kids[1].kid_name", json_string("Юрій"), &e) == 0);
	CHECK(fk_answers_set(form, rec, "kids[1].kid_age", json_integer(8), &e) == 0);
	CHECK(fk_answers_repeat_add(form, rec, "kids[1].kid_photos", &idx, &e) == 0 && idx == 0);
	CHECK(fk_form_visible(form, rec, &en, &q, &e) == 0);
	off = 0;
	list[0] = '\0';
	for (i = 0; i < q.n; i++)
		off += (size_t)snprintf(list + off, sizeof list - off, "%d:%s%s ", q.v[i].depth,
		    q.v[i].path, q.v[i].required ? "*" : "");
	CHECK_MSG(strcmp(list, "0:intro 0:when* 0:stamp 0:surname_cyr* 0:surname_lat 0:count_n 0:weight "
	    "0:double_n 0:pet* 0:colours 0:where 0:grp 1:why* 0:kids* "
	    "1:kids[0].kid_name* 1:kids[0].kid_name_lat 1:kids[0].kid_dob 1:kids[0].kid_age "
	    "1:kids[0].kid_photos "
	    "1:kids[1].kid_name* 1:kids[1].kid_name_lat 1:kids[1].kid_dob 1:kids[1].kid_age "
	    "1:kids[1].kid_school 1:kids[1].kid_photos 2:kids[1].kid_photos[0].pic* "
	    "2:kids[1].kid_photos[0].pic_of 0:nkids 0:doc 0:last ") == 0, "%s", list);
	fk_questions_free(&q);

	CHECK(strcmp(json_string_value(fk_answers_get(form, rec, "kids[1].kid_name")), "Юрій") == 0);
	CHECK(fk_answers_get(form, rec, "kids[0].kid_name") == NULL);
	CHECK(fk_answers_get(form, rec, "kids[5].kid_name") == NULL);
	CHECK(fk_answers_get(form, rec, "kid_name") == NULL);
	CHECK(fk_answers_set(form, rec, "kids[9].kid_name", json_string("x"), &e) == -1 && e.code == FK_EINPUT);
	CHECK(fk_answers_set(form, rec, "kids.kid_name", json_string("x"), &e) == -1);
	CHECK(fk_answers_set(form, rec, "nope", json_string("x"), &e) == -1);
	CHECK(fk_answers_set(form, rec, "kids", json_string("x"), &e) == -1);
	CHECK(fk_answers_set(form, rec, "kids[0]", json_string("x"), &e) == -1);
	CHECK(fk_answers_repeat_add(form, rec, "kids", &idx, &e) == 0 && idx == 2);
	CHECK(fk_answers_repeat_add(form, rec, "kids", &idx, &e) == -1 && e.code == FK_ELIMIT);
	CHECK(fk_answers_repeat_remove(form, rec, "kids", 0, &e) == 0);
	CHECK(strcmp(json_string_value(fk_answers_get(form, rec, "kids[0].kid_name")), "Юрій") == 0);
	CHECK(fk_answers_repeat_remove(form, rec, "kids", 5, &e) == -1);
	CHECK(fk_answers_repeat_add(form, rec, "pet", &idx, &e) == -1);
	CHECK(fk_answers_set(form, rec, "kids[0].kid_age", NULL, &e) == 0);
	CHECK(fk_answers_get(form, rec, "kids[0].kid_age") == NULL);

	/* One answer at a time, with the reason. */
	CHECK(fk_form_check_answer(form, rec, "kids[0].kid_dob", v = json_string("2031-01-01"), &en, &is, &e) == 0);
	json_decref(v);
	CHECK(is.n == 1 && strcmp(is.v[0].code, "date_in_future") == 0 &&
	    strcmp(is.v[0].path, "kids[0].kid_dob") == 0);
	fk_issues_clear(&is);
	CHECK(fk_form_check_answer(form, rec, "kids[0].kid_name", NULL, &en, &is, &e) == 0);
	CHECK(is.n == 1 && strcmp(is.v[0].code, "required") == 0);
	fk_issues_clear(&is);
	CHECK(fk_form_check_answer(form, rec, "weight", v = json_real(0.2), &uk, &is, &e) == 0);
	json_decref(v);
	CHECK(is.n == 1 && strcmp(is.v[0].msg, "Надто мало") == 0);
	fk_issues_clear(&is);
	CHECK(fk_form_check_answer(form, rec, "weight", v = json_real(2), &uk, &is, &e) == 0 && is.n == 0);
	json_decref(v);
	CHECK(fk_form_check_answer(form, rec, "why", NULL, &en, &is, &e) == 0 && is.n == 1); /* count_n 3 > 1 */
	fk_issues_clear(&is);
	CHECK(fk_form_check_answer(form, rec, "intro", NULL, &en, &is, &e) == 0 && is.n == 0);
	CHECK(fk_form_check_answer(form, rec, "kids", NULL, &en, &is, &e) == -1);
	CHECK(fk_form_check_answer(form, rec, "zzz", NULL, &en, &is, &e) == -1);

	/* Suggestions: transliteration, default, calculation. */
	CHECK(fk_answers_set(form, rec, "surname_cyr", json_string("Щербухи"), &e) == 0);
	CHECK(fk_form_suggest(form, rec, "surname_lat", &en, &v, &e) == 0 && v != NULL &&
	    strcmp(json_string_value(v), "Shcherbukhy") == 0);
	json_decref(v);
	CHECK(fk_form_suggest(form, rec, "kids[0].kid_name_lat", &en, &v, &e) == 0 && v != NULL &&
	    strcmp(json_string_value(v), "Yurii") == 0);
	json_decref(v);
	CHECK(fk_form_suggest(form, rec, "when", &en, &v, &e) == 0 && v != NULL &&
	    strcmp(json_string_value(v), "2025-06-01") == 0);
	json_decref(v);
	CHECK(fk_form_suggest(form, rec, "double_n", &en, &v, &e) == 0 && json_integer_value(v) == 6);
	json_decref(v);
	CHECK(fk_form_suggest(form, rec, "stamp", &en, &v, &e) == 0 && v == NULL);

	/* Typed answers. */
#define PA(fname, text, rc_want) \
	(fk_form_parse_answer(fk_form_find(form, fname), text, strlen(text), &v, &is, &e) == (rc_want))
	CHECK(PA("count_n", " 7 ", 0) && json_integer_value(v) == 7);
	json_decref(v);
	CHECK(PA("count_n", "7.5", 1) && v == NULL && strcmp(is.v[is.n - 1].code, "wrong_type") == 0);
	CHECK(PA("count_n", "сім", 1));
	CHECK(PA("weight", "2,5", 0) && json_real_value(v) == 2.5);
	json_decref(v);
	CHECK(PA("when", "14.05.2012", 0) && strcmp(json_string_value(v), "2012-05-14") == 0);
	json_decref(v);
	CHECK(PA("when", "31.02.2012", 1) && strcmp(is.v[is.n - 1].code, "invalid_date") == 0);
	/* Dates as people write them: day, month, year; or year, month, day. */
	{
		static const char *const same[] = {"14.5.2012", "14.05.2012", "2012-5-14",
		    "14/05/2012", " 14-05-2012 ", "2012-05-14", "2012.05.14", "2012/5/14", NULL};
		char rd[64];
		for (i = 0; same[i] != NULL; i++) {
			CHECK_MSG(PA("when", same[i], 0) && strcmp(json_string_value(v), "2012-05-14") == 0,
			    "%s", same[i]);
			json_decref(v);
		}
		CHECK(fk_date_readable("2012-05-14", rd, sizeof rd) == 0 && strcmp(rd, "14 May 2012") == 0);
		CHECK(fk_date_readable("2012-02-30", rd, sizeof rd) == -1);
		CHECK(fk_date_readable(NULL, rd, sizeof rd) == -1);
	}
	CHECK(PA("when", "31.02.2012", 1) && strstr(is.v[is.n - 1].msg, "no 31 February") != NULL);
	CHECK(PA("when", "2012-02-30", 1) && strstr(is.v[is.n - 1].msg, "no 30 February") != NULL);
	CHECK(PA("when", "29.02.2013", 1) && strstr(is.v[is.n - 1].msg, "no 29 February in 2013") != NULL);
	CHECK(PA("when", "29.02.2012", 0) && strcmp(json_string_value(v), "2012-02-29") == 0);
	json_decref(v);
	CHECK(PA("when", "31.04.2012", 1) && strstr(is.v[is.n - 1].msg, "no 31 April") != NULL);
	CHECK(PA("when", "31.11.2012", 1) && strstr(is.v[is.n - 1].msg, "no 31 November") != NULL);
	CHECK(PA("when", "14.13.2012", 1) && strstr(is.v[is.n - 1].msg, "no month 13") != NULL);
	CHECK(PA("when", "32.01.2012", 1) && strstr(is.v[is.n - 1].msg, "no day 32") != NULL);
	CHECK(PA("when", "00.01.2012", 1) && strstr(is.v[is.n - 1].msg, "no day 0") != NULL);
	CHECK(PA("when", "14.05.0999", 1) && strstr(is.v[is.n - 1].msg, "1000") != NULL);
	/* not dates at all: the format is explained */
	{
		static const char *const bad[] = {"14.05.12", "14.05-2012", "2012", "14 May 2012",
		    "2012-05-14x", "114.05.2012", "2012-123-1", "1.1.1.2012", "", "-", NULL};
		for (i = 0; bad[i] != NULL; i++) {
			CHECK_MSG(PA("when", bad[i], 1) && v == NULL &&
			    strcmp(is.v[is.n - 1].code, "invalid_date") == 0 &&
			    strstr(is.v[is.n - 1].msg, "14.05.2012") != NULL, "%s: %s", bad[i],
			    is.n ? is.v[is.n - 1].msg : "");
		}
	}
	/* Dependent answers follow: a Latin answer that was the transliteration follows it. */
	{
		json_t *r2 = J("{\"kids\": [{\"kid_name\": \"Юрій\"}]}");
		int moved = 0;
		CHECK(fk_answers_set_follow(form, r2, "surname_cyr", json_string("Петренко"), &en, count_moved,
		    &moved, &e) == 0 && moved == 1);
		CHECK(fk_answers_get(form, r2, "surname_lat") == NULL); /* nothing taken yet */
		CHECK(fk_answers_set(form, r2, "surname_lat", json_string("Petrenko"), &e) == 0);
		CHECK(fk_answers_set_follow(form, r2, "surname_cyr", json_string("Петрук"), &en, count_moved,
		    &moved, &e) == 0 && moved == 2);
		CHECK(strcmp(json_string_value(fk_answers_get(form, r2, "surname_lat")), "Petruk") == 0);
		CHECK(fk_answers_set(form, r2, "surname_lat", json_string("Petruck"), &e) == 0); /* typed */
		CHECK(fk_answers_set_follow(form, r2, "surname_cyr", json_string("Петров"), &en, NULL, NULL,
		    &e) == 0);
		CHECK(strcmp(json_string_value(fk_answers_get(form, r2, "surname_lat")), "Petruck") == 0);
		CHECK(fk_answers_set(form, r2, "surname_lat", json_string("Petrov"), &e) == 0);
		CHECK(fk_answers_set_follow(form, r2, "surname_cyr", NULL, &en, NULL, NULL, &e) == 0);
		CHECK(fk_answers_get(form, r2, "surname_lat") == NULL); /* its source went: so does it */
		/* in a repeat entry: only that entry's Latin name */
		CHECK(fk_answers_set(form, r2, "kids[0].kid_name_lat", json_string("Yurii"), &e) == 0);
		CHECK(fk_answers_set_follow(form, r2, "kids[0].kid_name", json_string("Іван"), &en, NULL, NULL,
		    &e) == 0);
		CHECK(strcmp(json_string_value(fk_answers_get(form, r2, "kids[0].kid_name_lat")), "Ivan") == 0);
		json_decref(r2);
	}
	/* A refused file says which types are taken, and sizes as people read them. */
	{
		json_t *a = J("{\"id\": \"d1\", \"media_type\": \"image/gif\", \"size\": 20971520}");
		json_t *b = J("{\"id\": \"d1\", \"media_type\": \"application/pdf\", \"size\": 11010048}");
		size_t n0 = is.n;
		char ok[64];
		CHECK(fk_form_check_answer(form, rec, "doc", a, &en, &is, &e) == 0 && is.n == n0 + 1);
		CHECK_MSG(strstr(is.v[is.n - 1].msg, "20 MB") != NULL &&
		    strstr(is.v[is.n - 1].msg, "10 MB") != NULL && strstr(is.v[is.n - 1].msg, "bytes") == NULL,
		    "%s", is.v[is.n - 1].msg);
		json_object_set_new(a, "size", json_integer(300));
		CHECK(fk_form_check_answer(form, rec, "doc", a, &en, &is, &e) == 0 && is.n == n0 + 2);
		CHECK_MSG(strcmp(is.v[is.n - 1].code, "media_type") == 0 &&
		    strstr(is.v[is.n - 1].msg, "choose PDF") != NULL, "%s", is.v[is.n - 1].msg);
		CHECK(fk_form_check_answer(form, rec, "doc", b, &en, &is, &e) == 0 && is.n == n0 + 3 &&
		    strstr(is.v[is.n - 1].msg, "10.5 MB") != NULL);
		CHECK(strcmp(fk_media_accepted(fk_form_find(form, "pic"), ok, sizeof ok), "JPEG or PNG") == 0);
		CHECK(strcmp(fk_size_text(300, ok, sizeof ok), "300 bytes") == 0);
		CHECK(strcmp(fk_size_text(48 * 1024 + 100, ok, sizeof ok), "48 KB") == 0);
		CHECK(strcmp(fk_size_text(1572864, ok, sizeof ok), "1.5 MB") == 0);
		json_decref(a);
		json_decref(b);
	}
	/* One-line text: a name takes no line break; a long free text does. */
	CHECK(!fk_field_multiline(fk_form_find(form, "surname_cyr")) &&
	    !fk_field_multiline(fk_form_find(form, "surname_lat")) &&
	    fk_field_multiline(fk_form_find(form, "kid_name")) &&
	    fk_field_multiline(fk_form_find(form, "kid_name_lat")) &&
	    !fk_field_multiline(fk_form_find(form, "when")));
	CHECK(PA("surname_cyr", "Ко\nваль", 1) && v == NULL && strcmp(is.v[is.n - 1].code, "one_line") == 0);
	CHECK(PA("surname_lat", "Koval\r\n", 1) && strcmp(is.v[is.n - 1].code, "one_line") == 0);
	CHECK(PA("kid_name", "Юрій\nЮра", 0) && v != NULL);
	json_decref(v);
	{
		json_t *nl = json_string("Ко\nваль");
		size_t n0 = is.n;
		CHECK(fk_form_check_answer(form, rec, "surname_cyr", nl, &en, &is, &e) == 0 &&
		    is.n == n0 + 1 && strcmp(is.v[is.n - 1].code, "one_line") == 0 &&
		    strcmp(is.v[is.n - 1].path, "surname_cyr") == 0);
		json_decref(nl);
	}
	CHECK(PA("colours", "red, blue", 0) && json_array_size(v) == 2);
	json_decref(v);
	CHECK(PA("where", "50.45 30.52", 0) && json_number_value(json_object_get(v, "lon")) == 30.52);
	json_decref(v);
	CHECK(PA("where", "north", 1));
	CHECK(PA("surname_cyr", "Ґалаґан", 0) && strcmp(json_string_value(v), "Ґалаґан") == 0);
	json_decref(v);
	CHECK(PA("surname_cyr", "\xd0", 1) && strcmp(is.v[is.n - 1].code, "invalid_utf8") == 0);
	CHECK(PA("doc", "file.pdf", 1));
	CHECK(pet != NULL && PA("pet", "yes", 0) && strcmp(json_string_value(v), "yes") == 0);
	json_decref(v);
	fk_issues_free(&is);
	json_decref(rec);
}

/* Loads src and expects a problem at path whose message contains want. */
static void
bad_form(const char *src, const char *path, const char *want)
{
	fk_form *f = NULL;
	fk_issues is = {0};
	fk_err e = {0};
	size_t i;
	int found = 0;

	CHECK_MSG(fk_form_load((const uint8_t *)src, strlen(src), &f, &is, &e) == -1, "loaded: %s", src);
	CHECK(f == NULL && e.code == FK_EINPUT);
	for (i = 0; i < is.n; i++)
		if (strcmp(is.v[i].path, path) == 0 && strstr(is.v[i].msg, want) != NULL)
			found = 1;
	CHECK_MSG(found, "want %s: %s; got %zu: %s: %s", path, want, is.n, is.n ? is.v[0].path : "",
	    is.n ? is.v[0].msg : e.msg);
	fk_issues_free(&is);
	fk_form_free(f);
}

#define HEAD "{\"fieldkit_form\": 1, \"id\": \"t\", \"version\": 1, \"title\": {\"uk\": \"т\", \"en\": \"t\"}," \
	" \"languages\": [\"uk\", \"en\"], \"choices\": {\"yn\": [{\"name\": \"yes\", \"label\": {\"uk\": \"Так\", \"en\": \"Yes\"}}]},"
#define LB "\"label\": {\"uk\": \"м\", \"en\": \"l\"}"
#define FLD(name, type, extra) "{\"name\": \"" name "\", \"type\": \"" type "\", " LB extra "}"

static void
test_bad_forms(void)
{
	fk_form *f = NULL;
	fk_issues is = {0};
	fk_err e = {0};
	static const char three[] = HEAD "\"fields\": [" FLD("a", "integer", ", \"max_length\": 3") ","
	    FLD("a", "text", "") "," FLD("b", "colour", "") "]}";

	bad_form("{", "$", "line 1");
	bad_form("[]", "$", "a form is a JSON object");
	bad_form("{\"a\": 1, \"a\": 2}", "$", "duplicate");
	bad_form(HEAD "\"fields\": [], \"extra\": 1}", "$", "unknown key 'extra'");
	bad_form(HEAD "\"fields\": []}", "$.fields", "non-empty list");
	bad_form(HEAD "\"fields\": [{\"name\": \"a\", \"type\": \"text\", \"label\": {\"uk\": \"м\"}}]}",
	    "$.fields[0].label", "no text in language 'en'");
	bad_form(HEAD "\"fields\": [{\"name\": \"a\", \"type\": \"text\", \"label\": {\"uk\": \"м\", \"en\": \"l\", \"fr\": \"x\"}}]}",
	    "$.fields[0].label", "language 'fr'");
	bad_form(HEAD "\"fields\": [{\"name\": \"a\", \"type\": \"text\"}]}", "$.fields[0].label", "missing");
	bad_form(HEAD "\"fields\": [" FLD("a", "text", "") "," FLD("a", "text", "") "]}",
	    "$.fields[1].name", "used twice");
	bad_form(HEAD "\"fields\": [" FLD("A-b", "text", "") "]}", "$.fields[0].name", "a name is");
	bad_form(HEAD "\"fields\": [" FLD("a", "txt", "") "]}", "$.fields[0].type", "unknown type");
	bad_form(HEAD "\"fields\": [" FLD("a", "text", ", \"relevant\": \"1 +\"") "]}",
	    "$.fields[0].relevant", "at character 4");
	bad_form(HEAD "\"fields\": [" FLD("a", "text", ", \"relevant\": \"${zz} = 1\"") "]}",
	    "$.fields[0].relevant", "no field named 'zz'");
	bad_form(HEAD "\"fields\": [" FLD("a", "text", ", \"relevant\": \"${b} = 1\"") ","
	    FLD("b", "text", "") "]}", "$.fields[0].relevant", "does not come before");
	bad_form(HEAD "\"fields\": [" FLD("a", "text", ", \"calculate\": \"${a}\"") "]}",
	    "$.fields[0].calculate", "does not come before");
	bad_form(HEAD "\"fields\": [" FLD("r", "repeat", ", \"fields\": [" FLD("x", "text", "") "]") ","
	    FLD("b", "text", ", \"relevant\": \"${x} = 1\"") "]}", "$.fields[1].relevant", "cannot be reached");
	bad_form(HEAD "\"fields\": [" FLD("r", "repeat", ", \"fields\": [" FLD("x", "text", "") "]") ","
	    FLD("b", "text", ", \"relevant\": \"${r} = 1\"") "]}", "$.fields[1].relevant", "use count");
	bad_form(HEAD "\"fields\": [" FLD("a", "text", "") "," FLD("b", "text", ", \"relevant\": \"count(${a}) > 1\"") "]}",
	    "$.fields[1].relevant", "is not one");
	bad_form(HEAD "\"fields\": [" FLD("a", "text", ", \"relevant\": \". = 1\"") "]}",
	    "$.fields[0].relevant", "only be used in a constraint");
	bad_form(HEAD "\"fields\": [" FLD("a", "select_one", ", \"choices\": \"nope\"") "]}",
	    "$.fields[0].choices", "no choice list named 'nope'");
	bad_form(HEAD "\"fields\": [" FLD("a", "select_one", "") "]}", "$.fields[0].choices", "missing");
	bad_form(HEAD "\"fields\": [" FLD("a", "integer", ", \"max_length\": 3") "]}",
	    "$.fields[0]", "does not apply");
	bad_form(HEAD "\"fields\": [" FLD("a", "integer", ", \"default\": \"x\"") "]}",
	    "$.fields[0].default", "not a valid answer");
	bad_form(HEAD "\"fields\": [" FLD("a", "select_one", ", \"choices\": \"yn\", \"default\": \"no\"") "]}",
	    "$.fields[0].default", "not one of the choices");
	bad_form(HEAD "\"fields\": [" FLD("a", "text", ", \"translit_from\": \"b\"") "," FLD("b", "text", "") "]}",
	    "$.fields[0].translit_from", "earlier text field");
	bad_form(HEAD "\"fields\": [" FLD("r", "repeat", ", \"min\": 3, \"max\": 2, \"fields\": [" FLD("x", "text", "") "]") "]}",
	    "$.fields[0].max", "smaller than min");
	bad_form(HEAD "\"fields\": [" FLD("r", "repeat", ", \"max\": 5000, \"fields\": [" FLD("x", "text", "") "]") "]}",
	    "$.fields[0].max", "from 1 to 1000");
	bad_form(HEAD "\"fields\": [" FLD("a", "date", ", \"max\": \"tomorrow\"") "]}",
	    "$.fields[0].max", "a date bound");
	bad_form(HEAD "\"fields\": [" FLD("a", "attachment", ", \"kind\": \"video\"") "]}",
	    "$.fields[0].kind", "photo");
	bad_form(HEAD "\"fields\": [" FLD("a", "text", ", \"max_length\": 1000000") "]}",
	    "$.fields[0].max_length", "from 1 to 100000");
	bad_form(HEAD "\"fields\": [" FLD("a", "text", ", \"required\": 1") "]}",
	    "$.fields[0].required", "true, false or an expression");
	bad_form(HEAD "\"fields\": [" FLD("a", "text", ", \"constraint_message\": {\"uk\": \"м\", \"en\": \"m\"}") "]}",
	    "$.fields[0]", "without a constraint");
	bad_form("{\"fieldkit_form\": 2, \"id\": \"Bad Id\", \"version\": 0, \"languages\": []}", "$.id", "form id");
	bad_form("{\"fieldkit_form\": 2}", "$.fieldkit_form", "must be 1");
	bad_form("{\"fieldkit_form\": 1, \"version\": 0}", "$.version", "whole number");
	bad_form(HEAD "\"fields\": [" FLD("a", "text", "") "]}" "\xff", "$", "UTF-8");

	/* Every problem is reported, not only the first. */
	CHECK(fk_form_load((const uint8_t *)three, sizeof three - 1, &f, &is, &e) == -1);
	CHECK_MSG(is.n == 3, "%zu problems", is.n);
	CHECK(strstr(e.msg, "problems in the form: 3") != NULL);
	fk_issues_free(&is);
}

int
main(void)
{
	fk_issues is = {0};
	fk_err e = {0};
	size_t i;

	check_init();
	setenv("TZ", "UTC", 1);
	tzset();
	if (fk_form_load((const uint8_t *)form_src, sizeof form_src - 1, &form, &is, &e) != 0) {
		for (i = 0; i < is.n; i++)
			fprintf(stderr, "%s: %s\n", is.v[i].path, is.v[i].msg);
		fprintf(stderr, "test form: %s\n", e.msg);
		return 1;
	}
	CHECK(strcmp(fk_form_id(form), "test-form") == 0 && fk_form_version(form) == 3);
	CHECK(fk_form_nfields(form) == 23);
	test_types();
	test_relevance_required();
	test_repeats();
	test_languages();
	test_build();
	test_bytes();
	test_wizard();
	test_bad_forms();
	fk_form_free(form);
	fk_issues_free(&is);
	return check_done("schema");
}
