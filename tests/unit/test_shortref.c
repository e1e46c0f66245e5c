/*
 * test_shortref.c - short references: format, check character, every single
 * typo and every swap caught, normalization of what people type.
 */
#include <string.h>

#include "check.h"
#include "shortref.h"

int
main(void)
{
	char ref[9], out[9], bad[9], disp[10];
	const char *alpha = FK_SHORTREF_ALPHABET;
	int i, j, k, missed = 0, valid = 0;

	check_init();
	CHECK(strlen(alpha) == 31);
	for (i = 0; alpha[i]; i++)
		CHECK(strchr("01OIL", alpha[i]) == NULL);
	for (k = 0; k < 2000; k++) {
		fk_shortref_new(ref);
		valid += fk_shortref_valid(ref);
		/* Every single substitution is caught. */
		for (i = 0; i < 8; i++)
			for (j = 0; alpha[j]; j++) {
				if (alpha[j] == ref[i])
					continue;
				memcpy(bad, ref, 9);
				bad[i] = alpha[j];
				missed += fk_shortref_valid(bad);
			}
		/* Every swap of two different characters is caught. */
		for (i = 0; i < 8; i++)
			for (j = i + 1; j < 8; j++) {
				if (ref[i] == ref[j])
					continue;
				memcpy(bad, ref, 9);
				bad[i] = ref[j];
				bad[j] = ref[i];
				missed += fk_shortref_valid(bad);
			}
	}
	CHECK(valid == 2000);
	CHECK_MSG(missed == 0, "%d typos not caught", missed);

	fk_shortref_new(ref);
	fk_shortref_format(ref, disp);
	CHECK(strlen(disp) == 9 && disp[4] == '-');
	CHECK(fk_shortref_normalize(disp, strlen(disp), out) == 0 && strcmp(out, ref) == 0);
	for (i = 0; disp[i]; i++)
		if (disp[i] >= 'A' && disp[i] <= 'Z')
			disp[i] = (char)(disp[i] - 'A' + 'a');
	CHECK(fk_shortref_normalize(disp, strlen(disp), out) == 0 && strcmp(out, ref) == 0);
	CHECK(fk_shortref_valid("") == 0);
	CHECK(fk_shortref_valid(NULL) == 0);
	CHECK(fk_shortref_valid("2345678") == 0);
	CHECK(fk_shortref_valid("23456789A") == 0);
	memcpy(bad, ref, 9);
	bad[0] = 'O';
	CHECK(fk_shortref_valid(bad) == 0);
	bad[0] = '\xd0';
	CHECK(fk_shortref_valid(bad) == 0);
	/* A known vector: 7 data characters and the check computed by hand. */
	{
		/* data "2222222": all indexes 0 -> sum 0 -> check index 0 ('2'). */
		CHECK(fk_shortref_check_char("2222222") == '2');
		/* "3222222": v1 = 1 -> sum 1 -> check = -4 mod 31 = 27 -> 'W'. */
		CHECK(fk_shortref_check_char("3222222") == alpha[27]);
		CHECK(fk_shortref_valid("3222222W") == (alpha[27] == 'W'));
	}
	return check_done("shortref");
}
