/*
 * test_translit.c - Ukrainian -> Latin against the national system (2010):
 * the resolution's own examples, word-initial forms, зг, ь, apostrophes,
 * case, pass-through and refusal of invalid UTF-8.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "translit.h"

static void
t(const char *cyr, const char *lat)
{
	fk_err e = {0};
	char *got = fk_translit_uk_str(cyr, strlen(cyr), &e);

	CHECK_MSG(got != NULL && strcmp(got, lat) == 0, "%s -> %s, want %s", cyr,
	    got ? got : e.msg, lat);
	free(got);
}

static const char *const pairs[][2] = {
	/* The examples of resolution 55 (2010), column by column. */
	{"Алушта", "Alushta"}, {"Андрій", "Andrii"}, {"Борщагівка", "Borshchahivka"},
	{"Борисенко", "Borysenko"}, {"Вінниця", "Vinnytsia"}, {"Володимир", "Volodymyr"},
	{"Гадяч", "Hadiach"}, {"Богдан", "Bohdan"}, {"Згурський", "Zghurskyi"},
	{"Ґалаґан", "Galagan"}, {"Ґорґани", "Gorgany"}, {"Донецьк", "Donetsk"},
	{"Дмитро", "Dmytro"}, {"Рівне", "Rivne"}, {"Олег", "Oleh"}, {"Есмань", "Esman"},
	{"Єнакієве", "Yenakiieve"}, {"Гаєвич", "Haievych"}, {"Короп'є", "Koropie"},
	{"Житомир", "Zhytomyr"}, {"Жанна", "Zhanna"}, {"Жежелів", "Zhezheliv"},
	{"Закарпаття", "Zakarpattia"}, {"Казимирчук", "Kazymyrchuk"},
	{"Медвин", "Medvyn"}, {"Михайленко", "Mykhailenko"}, {"Іванків", "Ivankiv"},
	{"Іващенко", "Ivashchenko"}, {"Їжакевич", "Yizhakevych"}, {"Кадиївка", "Kadyivka"},
	{"Мар'їне", "Marine"}, {"Йосипівка", "Yosypivka"}, {"Стрий", "Stryi"},
	{"Олексій", "Oleksii"}, {"Київ", "Kyiv"}, {"Коваленко", "Kovalenko"},
	{"Лебедин", "Lebedyn"}, {"Леонід", "Leonid"}, {"Миколаїв", "Mykolaiv"},
	{"Маринич", "Marynych"}, {"Ніжин", "Nizhyn"}, {"Наталія", "Nataliia"},
	{"Одеса", "Odesa"}, {"Онищенко", "Onyshchenko"}, {"Полтава", "Poltava"},
	{"Петро", "Petro"}, {"Решетилівка", "Reshetylivka"}, {"Рибчинський", "Rybchynskyi"},
	{"Суми", "Sumy"}, {"Соломія", "Solomiia"}, {"Тернопіль", "Ternopil"},
	{"Троць", "Trots"}, {"Ужгород", "Uzhhorod"}, {"Уляна", "Uliana"},
	{"Фастів", "Fastiv"}, {"Філіпчук", "Filipchuk"}, {"Харків", "Kharkiv"},
	{"Христина", "Khrystyna"}, {"Біла Церква", "Bila Tserkva"}, {"Стеценко", "Stetsenko"},
	{"Чернівці", "Chernivtsi"}, {"Шевченко", "Shevchenko"}, {"Шостка", "Shostka"},
	{"Кишеньки", "Kyshenky"}, {"Щербухи", "Shcherbukhy"}, {"Гоща", "Hoshcha"},
	{"Гаращенко", "Harashchenko"}, {"Юрій", "Yurii"}, {"Корюківка", "Koriukivka"},
	{"Крюківка", "Kriukivka"}, {"Яготин", "Yahotyn"}, {"Ярошенко", "Yaroshenko"},
	{"Костянтин", "Kostiantyn"}, {"Знам'янка", "Znamianka"}, {"Феодосія", "Feodosiia"},
	{"Ічня", "Ichnia"}, {"Згорани", "Zghorany"}, {"Розгон", "Rozghon"},
	/* Names the forms meet. */
	{"Мар'яна", "Mariana"}, {"Ігор", "Ihor"}, {"Ільїн", "Ilin"},
	{"Олександр", "Oleksandr"}, {"Сергій", "Serhii"}, {"Євген", "Yevhen"},
	{"Тетяна", "Tetiana"}, {"Ілля", "Illia"}, {"Василь", "Vasyl"},
	{"Згурівка", "Zghurivka"}, {"Ганна", "Hanna"},
	/* Apostrophe forms: ASCII, U+2019, U+02BC. */
	{"Мар’яна", "Mariana"}, {"Мар\xca\xbcяна", "Mariana"}, {"В'ячеслав", "Viacheslav"},
	/* Case: all-caps words, single capitals, lower case, word starts. */
	{"ЄНАКІЄВЕ", "YENAKIIEVE"}, {"ЮРІЙ", "YURII"}, {"ЗГУРСЬКИЙ", "ZGHURSKYI"},
	{"ЩЕРБУХИ", "SHCHERBUKHY"}, {"Щ", "Shch"}, {"Я", "Ya"}, {"юрій", "yurii"},
	{"Юрій ЯКОВЕНКО", "Yurii YAKOVENKO"}, {"Петренко-Юрченко", "Petrenko-Yurchenko"},
	{"Ю. Я.", "Yu. Ya."}, {"(Юля)", "(Yulia)"}, {"Яя", "Yaia"},
	/* Pass-through: Latin, digits, punctuation, Russian-only letters. */
	{"", ""}, {"O'Brien 42", "O'Brien 42"}, {"Ёлка", "Ёlka"}, {"Эдуард", "Эduard"},
	{"Ы", "Ы"}, {"Наталья", "Natalia"}, {"Ивано-Франковск", "Yvano-Frankovsk"},
};

int
main(void)
{
	fk_err e = {0};
	fk_buf b = {0};
	size_t i;
	static const uint8_t bad[][4] = {
		{0xd0}, {0xc0, 0x80}, {0xed, 0xa0, 0x80}, {0xf5, 0x80, 0x80, 0x80}, {0x80},
	};
	static const size_t badlen[] = {1, 2, 3, 4, 1};
	size_t off = 99;

	check_init();
	for (i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
		t(pairs[i][0], pairs[i][1]);

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		b.len = 0;
		CHECK(fk_translit_uk(bad[i], badlen[i], &b, &e) == -1);
		CHECK(e.code == FK_EINPUT);
		CHECK(b.len == 0);
	}
	CHECK(fk_utf8_valid((const uint8_t *)"ab\xd0", 3, &off) == 0 && off == 2);
	CHECK(fk_utf8_valid((const uint8_t *)"Юрій", strlen("Юрій"), NULL) == 1);
	CHECK(fk_utf8_count((const uint8_t *)"Юрій", strlen("Юрій"), 100) == 4);
	CHECK(fk_utf8_count((const uint8_t *)"Юрій", strlen("Юрій"), 2) == 3);

	/* Invisible direction marks have no Latin: not carried over (a refused
	 * Cyrillic answer made its Latin one refused too). */
	t("Ковал\xe2\x80\xae\xd1\x8c", "Koval");
	t("\xd8\x9c\xd0\xb0\xd0\xb1\xd0\xb2", "abv");
	t("\xe2\x81\xa6Іван\xe2\x81\xa9", "Ivan");

	/* Output bound respected. */
	b.len = 0;
	b.max = 4;
	CHECK(fk_translit_uk((const uint8_t *)"Щербухи", strlen("Щербухи"), &b, &e) == -1);
	CHECK(e.code == FK_ELIMIT);
	fk_buf_free(&b);
	return check_done("translit");
}
