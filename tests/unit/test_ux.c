/*
 * test_ux.c - small helpers of the command line's usability: a new key's
 * passphrase length in characters, not bytes (common/pass.h), and the display
 * width tables are padded by (common/text.h fk_utf8_width).
 */
#include <string.h>

#include "check.h"
#include "pass.h"
#include "text.h"

static size_t
width(const char *s)
{
	return fk_utf8_width(s, strlen(s));
}

int
main(void)
{
	fk_err e = {0};
	fk_secret s;

	check_init();
	/* Widths: columns on a terminal, never bytes. */
	CHECK(width("") == 0);
	CHECK(width("seq") == 3);
	CHECK(width("ном") == 3);                      /* 6 bytes */
	CHECK(width("доставлено") == 10);             /* 20 bytes */
	CHECK(width("Ґанна Їжак") == 10);
	CHECK(width("漢字") == 4);                     /* wide: 2 columns each */
	CHECK(width("ｆｕｌｌ") == 8);                 /* full-width forms */
	CHECK(width("e\xcc\x81") == 1);                /* e + combining acute */
	CHECK(width("й") == 1);
	CHECK(width("\xf0\x9f\x98\x80") == 2);         /* emoji */
	CHECK(width("a\xff" "b") == 3);                /* a stray byte: one column */
	CHECK(width("a\xe2\x80\x8b" "b") == 2);        /* zero-width space */

	/* A new passphrase: at least FK_PASS_MIN characters. */
	CHECK(fk_pass_chars((const uint8_t *)"пароль1", strlen("пароль1")) == 7);
	CHECK(fk_pass_check_new((const uint8_t *)"пароль1", strlen("пароль1"), &e) != 0);
	CHECK(e.code == FK_EPASS && strstr(e.msg, "at least 8 characters") != NULL);
	CHECK(fk_pass_check_new((const uint8_t *)"пароль12", strlen("пароль12"), &e) == 0);
	CHECK(fk_pass_check_new((const uint8_t *)"12345678", 8, &e) == 0);
	CHECK(fk_pass_check_new((const uint8_t *)"1234567", 7, &e) != 0);
	CHECK(fk_pass_check_new((const uint8_t *)"\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8", 8, &e) == 0);
	/* Unlocking reads any non-empty passphrase, short ones too. */
	CHECK(fk_pass_from_bytes((const uint8_t *)"pw\n", 3, &s, &e) == 0 && s.len == 2);
	if (s.p != NULL)
		fk_secret_free(&s);
	return check_done("test_ux");
}
