/*
 * match_norm.h - name normalisation for matching across Cyrillic and Latin.
 *
 * Owns: the name skeleton (one key that Ukrainian and Russian Cyrillic and
 * every usual Latin transliteration of either fold to), case-folded
 * Cyrillic, surname gender/language folding, Daitch-Mokotoff codes,
 * Jaro-Winkler similarity, and the given-name equivalence table with the
 * patronymics derived from it. Pure functions over bytes and lengths: any
 * input (invalid UTF-8 included) gives some output, never a crash.
 * Must never: allocate without bound, print, or keep any name it was shown.
 *
 * The skeleton (docs/matching.md, "Normalisation"), per word:
 *  - letters are lower-cased; apostrophes (' ’ ʼ ʹ) and soft/hard signs go;
 *    a word mixing scripts has its look-alike letters (Latin i in "Сергiй")
 *    read in the word's main script;
 *  - Cyrillic maps letter by letter, Latin by digraphs first (shch sch szcz
 *    sh sz -> w, tsch tch ch cz -> q, zh -> j, kh gh h g -> h, ts tz tc c(e,i,y)
 *    -> c, x -> ks, ph -> f, w -> v, y j -> i, ISO 9 diacritics expanded),
 *    so that г ґ х / h g kh, и і ї й ы / y i j, е є э / e ie ye meet;
 *  - then: doubled letters collapse (ія/ия/ья, iia/ia/ya all give "ia"),
 *    word-initial "ie" -> "e", "io" after a consonant -> "e" (ё, ьо, yo),
 *    "i" before "e" goes (ьев/yev/iev, ієнко/иенко), a final "aia" after a
 *    consonant -> "a" (-ская/-skaya as -ська/-ska).
 * Output alphabet: a b c d e f h i j k l m n o p q r s t u v w z and spaces.
 */
#ifndef FK_MATCH_NORM_H
#define FK_MATCH_NORM_H

#include <stddef.h>
#include <stdint.h>

#include "fk.h"

#define FK_MN_WORD_MAX 48   /* longest word kept, in symbols */

/*
 * Skeleton of a name or free text: words separated by one space, no
 * leading or trailing space, NUL-terminated, at most outsz - 1 bytes
 * (words that do not fit are dropped whole). Returns the length.
 */
size_t fk_mn_skeleton(const char *in, size_t len, char *out, size_t outsz);

/* Script of a text: FK_MN_LATIN, FK_MN_UK (і ї є ґ), FK_MN_RU (ы э ъ ё), FK_MN_CYR. */
enum { FK_MN_NONE, FK_MN_LATIN, FK_MN_CYR, FK_MN_UK, FK_MN_RU };
int fk_mn_script(const char *in, size_t len);

/*
 * Case-folded Cyrillic: lower case, ё -> е, apostrophes dropped, Latin
 * look-alikes inside Cyrillic words read as Cyrillic, runs of other
 * characters -> one space. UTF-8, NUL-terminated, at most outsz - 1 bytes.
 */
size_t fk_mn_cyrfold(const char *in, size_t len, char *out, size_t outsz);

/*
 * Surname stem of one skeleton word: gender and language endings folded
 * (-ska/-ski -> -sk, -ova/-eva/-ina -> -ov/-ev/-in, a final -a or -i after
 * a consonant dropped), so Шевченко, Згурська/Згурський/Zgurskaia and
 * Іванова/Иванов meet. out holds at least FK_MN_WORD_MAX + 1 bytes.
 */
void fk_mn_surname_stem(const char *word, char *out);

/*
 * Daitch-Mokotoff Soundex of ASCII letters (others skipped): six digits as
 * an integer (e.g. 645740 for MOSKOWITZ). Where the table offers two codes
 * (CH, C, J, CK, RS, RZ) the first is taken. fk_mn_dm_skel codes a skeleton
 * word (its private letters spelled out first).
 */
uint32_t fk_mn_dm(const char *ascii);
uint32_t fk_mn_dm_skel(const char *word);

/* 1 if the Damerau-Levenshtein distance of a and b is at most max. */
int fk_mn_dl_within(const char *a, const char *b, int max);

/* Jaro-Winkler similarity of two byte strings, in [0, 1]. */
double fk_mn_jw(const char *a, const char *b);

/* ---- the given-name equivalence table ---- */

typedef struct fk_mn_names fk_mn_names;

#define FK_MN_MAXG 32 /* groups a name may belong to (Слава: 15 in the shipped table) */

/*
 * Parses the table (data/given-names.tsv, format in its header). A name (or
 * a derived patronymic) listed in more than FK_MN_MAXG groups is an error,
 * never silently cut.
 */
int fk_mn_names_load(fk_mn_names **t, const char *text, size_t len, fk_err *e) FK_WUR;
/* The table built into fieldkit. */
int fk_mn_names_builtin(fk_mn_names **t, fk_err *e) FK_WUR;
void fk_mn_names_free(fk_mn_names *t);
int fk_mn_names_count(const fk_mn_names *t);
const char *fk_mn_group_name(const fk_mn_names *t, int g); /* canonical Ukrainian form */
int fk_mn_group_sex(const fk_mn_names *t, int g);          /* 'm' or 'f' */
int fk_mn_group_pair(const fk_mn_names *t, int g);         /* other-sex pair or -1 */

/* Groups of one skeleton word as a given name; returns how many (<= FK_MN_MAXG). */
int fk_mn_given(const fk_mn_names *t, const char *word, int *groups);
/*
 * Groups of the table name nearest to an unknown skeleton word (Jaro-Winkler
 * >= 0.92, or one typo in words of 5 letters or more: "Олексанр", "Сошія"); returns how
 * many, 0 when none is near enough.
 */
int fk_mn_given_near(const fk_mn_names *t, const char *word, int *groups);
/*
 * Groups of one skeleton word as a patronymic (the father's name group);
 * returns how many. stem (FK_MN_WORD_MAX + 1 bytes) receives the word with
 * its patronymic suffix removed, or "" when it has none.
 */
int fk_mn_patronymic(const fk_mn_names *t, const char *word, int *groups, char *stem);
/* 1 if the skeleton word ends like a patronymic (-ovic, -ivna, -iq ...). */
int fk_mn_is_patronymic(const char *word);

#endif
