/*
 * test_match.c - the matching engine on a small hub: Russified, Latin-only
 * and re-spelled records find their family report; siblings and twins do
 * not; consent is honoured and counted; probabilities are probabilities;
 * the model survives a save and load and scores a new intake alone as the
 * full run did; search finds a child from any script; duplicates cluster;
 * damaged models and odd records are refused cleanly.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "check.h"
#include "match.h"

static fk_mn_names *names;

/* A family report with one or more children ("given|surname|patr|sex|dob"). */
static json_t *
report(const char *rg, const char *rs, const char *consent, const char **kids)
{
	json_t *a = json_pack("{s:s, s:s, s:s, s:s}", "reporter_given_cyr", rg,
	    "reporter_surname_cyr", rs, "consent_process", consent, "report_date", "2024-05-01");
	json_t *ch = json_array();
	char buf[256];

	for (; *kids; kids++) {
		char *f[5], *p = buf;
		int i;
		json_t *c = json_object();
		snprintf(buf, sizeof buf, "%s", *kids);
		for (i = 0; i < 5; i++) {
			f[i] = p;
			p = strchr(p, '|');
			if (p)
				*p++ = 0;
			else
				p = buf + strlen(buf);
		}
		json_object_set_new(c, "relationship", json_string("mother"));
		json_object_set_new(c, "given_cyr", json_string(f[0]));
		json_object_set_new(c, "surname_cyr", json_string(f[1]));
		if (f[2][0])
			json_object_set_new(c, "patronymic_cyr", json_string(f[2]));
		json_object_set_new(c, "sex", json_string(f[3][0] == 'm' ? "male" : "female"));
		if (f[4][0] == '~') {
			json_object_set_new(c, "dob_kind", json_string("unknown"));
			json_object_set_new(c, "age_years", json_integer(atoi(f[4] + 1)));
		} else {
			json_object_set_new(c, "dob_kind", json_string("exact"));
			json_object_set_new(c, "dob", json_string(f[4]));
		}
		json_array_append_new(ch, c);
	}
	json_object_set_new(a, "children", ch);
	return a;
}

static json_t *
intake(const char *given, const char *surname, const char *patr, const char *sex,
    const char *dob, const char *consent, const char *member)
{
	json_t *a = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "given_cyr", given,
	    "surname_cyr", surname, "sex", sex, "dob_kind", "exact", "dob", dob,
	    "consent_tracing", consent, "intake_date", "2025-03-01");

	if (patr)
		json_object_set_new(a, "patronymic_cyr", json_string(patr));
	if (member)
		json_object_set_new(a, "family_members", json_pack("[{s:s, s:s}]",
		    "member_name_cyr", member, "member_relationship", "mother"));
	return a;
}

struct hub {
	fk_match *m;
};

static void
add(fk_match *m, uint32_t rec, const char *form, json_t *a)
{
	fk_err e = {0};

	CHECK_MSG(fk_match_add_record(m, rec, form, a, NULL, NULL, &e) >= 0, "%s", e.msg);
	json_decref(a);
}

/* The probability of (intake rec, report rec, child) in pairs, or -1. */
static double
prob(fk_match *m, fk_match_pair *p, size_t n, uint32_t irec, uint32_t rrec, int child)
{
	size_t i;
	fk_match_person_info a, b;

	for (i = 0; i < n; i++) {
		fk_match_person(m, p[i].a, &a);
		fk_match_person(m, p[i].b, &b);
		if (a.rec == irec && b.rec == rrec && b.child == child)
			return p[i].p;
	}
	return -1;
}

/* Background: many unrelated children, so that u and frequencies mean something. */
static void
background(fk_match *m)
{
	static const char *const g[] = {"Іван", "Марія", "Олег", "Софія", "Богдан", "Дарина",
		"Максим", "Анна", "Артем", "Поліна", "Назар", "Юлія"};
	static const char *const s[] = {"Мельник", "Бойко", "Ткаченко", "Кравчук", "Олійник",
		"Шевчук", "Поліщук", "Лисенко", "Руденко", "Мороз", "Марченко", "Павленко",
		"Гончар", "Кушнір", "Савчук", "Литвин", "Зінченко", "Демченко"};
	char kid[128], dob[16];
	const char *kids[2] = {kid, NULL};
	uint32_t rec = 1000;
	int i;

	for (i = 0; i < 400; i++) {
		snprintf(dob, sizeof dob, "%04d-%02d-%02d", 2006 + i % 16, 1 + i % 12, 1 + i % 27);
		snprintf(kid, sizeof kid, "%s|%s||%s|%s", g[i % 12], s[(i * 7) % 18],
		    i % 2 ? "f" : "m", dob);
		add(m, rec++, "family-report", report("Олена", s[(i * 7) % 18], "yes", kids));
		if (i % 3 == 0)
			add(m, rec++, "child-intake", intake(g[(i + 5) % 12], s[(i * 5) % 18], NULL,
			    i % 2 ? "female" : "male", dob, "yes", NULL));
	}
}

static void
test_link(void)
{
	fk_match *m = NULL;
	fk_match_pair *p = NULL;
	fk_match_stats st;
	fk_err e = {0};
	size_t n = 0, i;
	const char *fam[] = {"Микола|Згурський|Олексійович|m|2012-05-14",
		"Ганна|Згурська|Олексіївна|f|2010-02-03",
		"Ярослава|Згурська|Олексіївна|f|2012-05-14", NULL};
	const char *one[] = {"Кирило|Шевченко|Євгенович|m|2015-09-30", NULL};
	const char *noc[] = {"Остап|Вовк||m|2013-01-20", NULL};
	const char *lat[] = {"Юлія|Яковенко|Андріївна|f|2011-11-11", NULL};

	CHECK(fk_match_new(&m, names, &e) == 0);
	background(m);
	add(m, 1, "family-report", report("Олена", "Згурська", "yes", fam));
	add(m, 2, "family-report", report("Євген", "Шевченко", "yes", one));
	add(m, 3, "family-report", report("Ірина", "Вовк", "no", noc));
	add(m, 4, "family-report", report("Ольга", "Яковенко", "yes", lat));
	/* the Russian documents of Микола: Николай Алексеевич Згурский */
	add(m, 11, "child-intake", intake("Николай", "Згурский", "Алексеевич", "male",
	    "2012-05-14", "yes", "Елена Згурская"));
	/* Кирилл Евгеньевич Шевченко, date mistyped (day/month swapped) */
	add(m, 12, "child-intake", intake("Кирилл", "Шевченко", "Евгеньевич", "male",
	    "2015-09-03", "yes", NULL));
	/* consent for tracing withheld */
	add(m, 13, "child-intake", intake("Кирило", "Шевченко", "Євгенович", "male",
	    "2015-09-30", "no", NULL));
	/* the report withheld consent */
	add(m, 14, "child-intake", intake("Остап", "Вовк", NULL, "male", "2013-01-20", "yes", NULL));
	/* Latin only, ICAO as in a Russian passport */
	add(m, 15, "child-intake", intake("Iuliia", "Iakovenko", "Andreevna", "female",
	    "2011-11-11", "yes", NULL));
	CHECK_MSG(fk_match_link(m, 0.0, fk_threads(), &p, &n, &st, &e) == 0, "%s", e.msg);
	CHECK(st.nskip_intake == 1 && st.nskip_report == 1);
	CHECK(st.lambda > 0 && st.lambda < 1 && st.nsample > 0);
	for (i = 0; i < n; i++)
		CHECK(p[i].p >= 0 && p[i].p <= 1 && !isnan(p[i].p));
	CHECK_MSG(prob(m, p, n, 11, 1, 1) >= 0.8, "Микола: %f", prob(m, p, n, 11, 1, 1));
	/* the twin sister and the older sister are not him */
	CHECK_MSG(prob(m, p, n, 11, 1, 3) < 0.5, "twin: %f", prob(m, p, n, 11, 1, 3));
	CHECK_MSG(prob(m, p, n, 11, 1, 2) < 0.5, "sister: %f", prob(m, p, n, 11, 1, 2));
	CHECK_MSG(prob(m, p, n, 12, 2, 1) >= 0.8, "Кирило: %f", prob(m, p, n, 12, 2, 1));
	CHECK(prob(m, p, n, 13, 2, 1) < 0);  /* never compared */
	CHECK(prob(m, p, n, 14, 3, 1) < 0);
	CHECK_MSG(prob(m, p, n, 15, 4, 1) >= 0.8, "Юлія: %f", prob(m, p, n, 15, 4, 1));
	/* sorted by intake, then probability */
	for (i = 1; i < n; i++)
		CHECK(p[i - 1].a < p[i].a || (p[i - 1].a == p[i].a && p[i - 1].p >= p[i].p));

	/* the model, stored and loaded: one new intake alone scores as in the full run */
	{
		fk_buf b = {0};
		fk_match *m2 = NULL;
		fk_match_pair *q = NULL;
		size_t nq = 0;
		uint32_t ab[2] = {0, 1};
		const char *again[] = {"Микола|Згурський|Олексійович|m|2012-05-14", NULL};
		CHECK(fk_match_model_save(m, &b, &e) == 0 && b.len > 100);
		CHECK(fk_match_new(&m2, names, &e) == 0);
		add(m2, 11, "child-intake", intake("Николай", "Згурский", "Алексеевич", "male",
		    "2012-05-14", "yes", "Елена Згурская"));
		add(m2, 1, "family-report", report("Олена", "Згурська", "yes", again));
		CHECK(fk_match_score(m2, ab, 1, 0.0, &q, &nq, &e) == -1); /* no model */
		free(q);
		CHECK(fk_match_model_load(m2, b.p, b.len, &e) == 0);
		CHECK_MSG(fk_match_score(m2, ab, 1, 0.0, &q, &nq, &e) == 0, "%s", e.msg);
		CHECK(nq == 1 && fabs(q[0].p - prob(m, p, n, 11, 1, 1)) < 0.05);
		free(q);
		/* damaged or truncated models are refused */
		b.p[0] ^= 1;
		CHECK(fk_match_model_load(m2, b.p, b.len, &e) == -1 && e.code == FK_EINPUT);
		b.p[0] ^= 1;
		CHECK(fk_match_model_load(m2, b.p, b.len - 1, &e) == -1);
		CHECK(fk_match_model_load(m2, b.p, 3, &e) == -1);
		fk_buf_free(&b);
		fk_match_free(m2);
	}
	free(p);

	/* search, in any script */
	{
		static const char *const q[] = {"Николай Згурский", "Mykola Zghurskyi", "Коля Згурський",
			"Nikolai Zgurskii 2012", "згурський микола олексійович"};
		size_t k, j;
		for (k = 0; k < sizeof q / sizeof q[0]; k++) {
			int found = 0;
			fk_match_person_info pi;
			CHECK_MSG(fk_match_find(m, q[k], 0, 0, 0, 0, 10, &p, &n, NULL, &e) == 0, "%s", e.msg);
			for (j = 0; j < n && j < 3; j++) {
				fk_match_person(m, p[j].b, &pi);
				found |= (pi.rec == 1 && pi.child == 1) || pi.rec == 11;
			}
			CHECK_MSG(found, "%s", q[k]);
			free(p);
		}
		CHECK(fk_match_find(m, "2012 !!", 0, 0, 0, 0, 10, &p, &n, NULL, &e) == -1 &&
		    e.code == FK_EUSAGE);
		CHECK(fk_match_find(m, "Николай Згурский", 2012, 5, 14, 'm', 2, &p, &n, NULL, &e) == 0 &&
		    n <= 2);
		free(p);
	}
	fk_match_free(m);
}

static void
test_dedup(void)
{
	fk_match *m = NULL;
	fk_match_pair *p = NULL;
	uint32_t *cl = NULL;
	size_t n = 0, i, a = SIZE_MAX, b = SIZE_MAX, c = SIZE_MAX;
	fk_err e = {0};
	const char *k1[] = {"Дарина|Коваль|Петрівна|f|2014-03-02",
		"Марко|Коваль|Петрович|m|2016-07-07", NULL};
	const char *k2[] = {"Даринка|Коваль|Петрівна|f|~10", NULL};

	CHECK(fk_match_new(&m, names, &e) == 0);
	background(m);
	/* each report carries its own reference: two references are two reports, not a
	 * sign of two children */
	{
		json_t *r1 = report("Оксана", "Коваль", "yes", k1), *r2 = report("Петро", "Коваль",
		    "yes", k2);
		CHECK(fk_match_add_record(m, 1, "family-report", r1, "K7QM-2XPA", NULL, &e) == 2);
		CHECK(fk_match_add_record(m, 2, "family-report", r2, "B3RT-9WLE", NULL, &e) == 1);
		json_decref(r1);
		json_decref(r2);
	}
	CHECK_MSG(fk_match_dedup(m, 0.9, fk_threads(), &p, &n, &cl, &e) == 0, "%s", e.msg);
	for (i = 0; i < fk_match_npersons(m); i++) {
		fk_match_person_info pi;
		fk_match_person(m, (uint32_t)i, &pi);
		if (pi.rec == 1 && pi.child == 1)
			a = i;
		if (pi.rec == 1 && pi.child == 2)
			b = i;
		if (pi.rec == 2)
			c = i;
	}
	CHECK(a != SIZE_MAX && c != SIZE_MAX && cl[a] == cl[c]);
	for (i = 0; i < n; i++)
		if ((p[i].a == a && p[i].b == c) || (p[i].a == c && p[i].b == a))
			CHECK_MSG(p[i].level[MF_DOC] == 0, "documents: %s",
			    fk_match_level_name(MF_DOC, p[i].level[MF_DOC]));
	CHECK(b != SIZE_MAX && cl[b] != cl[a]);
	free(p);
	free(cl);
	fk_match_free(m);
}

static void
test_odd_input(void)
{
	fk_match *m = NULL;
	fk_match_pair *p = NULL;
	size_t n = 0;
	fk_err e = {0};
	json_t *j;

	CHECK(fk_match_new(&m, names, &e) == 0);
	/* empty hub */
	CHECK(fk_match_link(m, 0.5, fk_threads(), &p, &n, NULL, &e) == 0 && n == 0);
	free(p);
	/* wrong shapes are read as missing, other forms are not persons */
	j = json_pack("{s:i, s:[i], s:s, s:{}}", "given_cyr", 5, "children", 3, "sex", "x",
	    "family_members");
	CHECK(fk_match_add_record(m, 1, "child-intake", j, NULL, "bad", &e) == 1);
	CHECK(fk_match_add_record(m, 2, "family-report", j, NULL, NULL, &e) == 1); /* nameless */
	CHECK(fk_match_add_record(m, 3, "something-else", j, NULL, NULL, &e) == 0);
	json_decref(j);
	CHECK(fk_match_link(m, 0.5, 1, &p, &n, NULL, &e) == 0 && n == 0);
	free(p);
	CHECK(fk_match_days("2024-02-30") != INT32_MIN);
	CHECK(fk_match_days("2024-13-01") == INT32_MIN && fk_match_days("24-1-1") == INT32_MIN);
	CHECK(fk_match_days("1970-01-01") == 0 && fk_match_days("2000-03-01") == 11017);
	CHECK(strcmp(fk_match_field_name(MF_GIVEN), "given name") == 0);
	CHECK(fk_match_level_name(MF_GIVEN, 99)[0] == 0 && fk_match_field_name(99)[0] == 0);
	fk_match_free(m);
}

int
main(void)
{
	fk_err e = {0};

	check_init();
	if (fk_mn_names_builtin(&names, &e) != 0) {
		fprintf(stderr, "%s\n", e.msg);
		return 1;
	}
	test_link();
	test_dedup();
	test_odd_input();
	fk_mn_names_free(names);
	return check_done("match");
}
