/*
 * fuzz_match.c - libFuzzer entry point over matching's parsers of outside
 * input: the name normaliser (skeleton, Cyrillic folding, script, surname
 * stem, Daitch-Mokotoff, the given-name and patronymic lookups), the
 * given-name table loader, and a record's answers as matching reads them
 * (any JSON, then a link, a search and a dedup over it).
 */
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "match.h"
#include "match_norm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static fk_mn_names *t;
	char sk[512], fold[512], stem[FK_MN_WORD_MAX + 1], *w, *save = NULL;
	int g[FK_MN_MAXG];
	fk_err e = {0};

	if (t == NULL && fk_mn_names_builtin(&t, &e) != 0)
		return 0;
	fk_mn_skeleton((const char *)data, size, sk, sizeof sk);
	fk_mn_cyrfold((const char *)data, size, fold, sizeof fold);
	(void)fk_mn_script((const char *)data, size);
	for (w = strtok_r(sk, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		fk_mn_surname_stem(w, stem);
		(void)fk_mn_dm_skel(w);
		(void)fk_mn_given(t, w, g);
		(void)fk_mn_given_near(t, w, g);
		(void)fk_mn_patronymic(t, w, g, stem);
	}
	{
		fk_mn_names *u = NULL;
		if (fk_mn_names_load(&u, (const char *)data, size, &e) == 0)
			fk_mn_names_free(u);
	}
	{
		json_t *j = json_loadb((const char *)data, size, 0, NULL);
		fk_match *m = NULL;
		fk_match_pair *p = NULL;
		uint32_t *cl = NULL;
		size_t n;
		if (j != NULL && fk_match_new(&m, t, &e) == 0) {
			char *q = strndup((const char *)data, size < 64 ? size : 64);
			if (fk_match_add_record(m, 0, "family-report", j, "AB12CD34", NULL, &e) >= 0 &&
			    fk_match_add_record(m, 1, "child-intake", j, NULL, "2025-01-01", &e) >= 0) {
				if (fk_match_link(m, 0.0, 1, &p, &n, NULL, &e) == 0)
					free(p);
				p = NULL;
				if (fk_match_dedup(m, 0.0, 1, &p, &n, &cl, &e) == 0) {
					free(p);
					free(cl);
				}
				p = NULL;
				if (q != NULL && fk_match_find(m, q, 0, 0, 0, 0, 10, &p, &n, NULL, &e) == 0)
					free(p);
			}
			free(q);
		}
		fk_match_free(m);
		json_decref(j);
	}
	return 0;
}
