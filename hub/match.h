/*
 * match.h - matching returned children to the family reports looking for
 * them, finding a child by name, and clustering children reported twice.
 *
 * Owns: persons (one per child of a family report, one per intake) built
 * from a record's answers, their blocking keys, the Fellegi-Sunter model
 * (levels per field, m from the documented priors, u from random pairs,
 * term-frequency adjustment, the prior match rate by EM), candidate pairs
 * with calibrated probabilities, search, duplicate clusters.
 * Must never: print, decide a link on its own (it only proposes), or look
 * at a record whose consent does not allow tracing (such records are
 * counted as skipped).
 *
 * The engine works in memory on persons; hub/match_db.c keeps persons and
 * keys in hub.db and calls it.
 */
#ifndef FK_MATCH_H
#define FK_MATCH_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "fk.h"
#include "match_norm.h"

enum { FK_MP_REPORT = 'r', FK_MP_INTAKE = 'i' };

/* Comparison fields and their levels (docs/matching.md has the table). */
enum { MF_GIVEN, MF_SURNAME, MF_PATR, MF_DOB, MF_SEX, MF_DOC, MF_REL, MF_PLACE, MF_N };
enum { L_NULL = 0 };
#define FK_MATCH_MAXLEVEL 12

/* One set of persons plus everything derived from them. */
typedef struct fk_match fk_match;

int fk_match_new(fk_match **m, const fk_mn_names *t, fk_err *e) FK_WUR;
void fk_match_free(fk_match *m);

/*
 * Adds the persons of one record: every child of a family report (child =
 * 1-based index), or the one child of an intake. rec is the caller's index
 * for the record (returned in results). date is the record's date
 * (YYYY-MM-DD; for ages given in years). short_ref may be NULL. Returns the
 * number of persons added, or -1. Persons whose record does not allow
 * tracing are added as skipped (counted, never compared).
 */
int fk_match_add_record(fk_match *m, uint32_t rec, const char *form_id, json_t *answers,
    const char *short_ref, const char *date, fk_err *e) FK_WUR;

size_t fk_match_npersons(const fk_match *m);
size_t fk_match_nskipped(const fk_match *m, int kind);

/* A candidate pair with its probability and field levels. */
typedef struct fk_match_pair {
	uint32_t a, b;        /* person indexes (a: intake or the earlier report child) */
	float weight;         /* match weight, log2 Bayes factor */
	float p;              /* calibrated probability */
	uint8_t level[MF_N];  /* per field, 0 = missing */
} fk_match_pair;

typedef struct fk_match_person_info {
	uint32_t rec;
	uint16_t child;       /* 1-based child in a report; 0 for an intake */
	char kind;            /* FK_MP_REPORT or FK_MP_INTAKE */
	int skipped;
} fk_match_person_info;
void fk_match_person(const fk_match *m, uint32_t p, fk_match_person_info *info);

/* Statistics of the last run. */
typedef struct fk_match_stats {
	size_t nintake, nreport, nskip_intake, nskip_report;
	size_t ncandidates;   /* blocked pairs compared */
	double lambda;        /* prior probability that a random pair matches */
	size_t nsample;       /* random pairs sampled for u */
} fk_match_stats;

/*
 * Links intakes to report children: blocking, scoring, calibration. Pairs
 * with p >= min_p are returned (malloc'd, sorted by intake then p
 * descending). threads: worker threads (1 = none).
 */
int fk_match_link(fk_match *m, double min_p, int threads, fk_match_pair **pairs, size_t *n,
    fk_match_stats *st, fk_err *e) FK_WUR;

/* Every blocked pair (for measuring blocking recall), not scored. */
int fk_match_blocked(fk_match *m, uint32_t **ab, size_t *n, fk_err *e) FK_WUR;

/*
 * Report children reported more than once: pairs of report children (from
 * different reports) with p >= min_p, and a cluster id per report child
 * (clusters[p] = smallest person index in its cluster; singletons point to
 * themselves).
 */
int fk_match_dedup(fk_match *m, double min_p, int threads, fk_match_pair **pairs, size_t *n,
    uint32_t **clusters, fk_err *e) FK_WUR;

/*
 * Search: persons of either kind ranked by how well they fit a free-text
 * query (names in any script, a 4-digit year is read as the birth year),
 * born (0 or a year), sex ('m', 'f' or 0). Returns up to max pairs with
 * a = query (UINT32_MAX), b = person; fw (may be NULL) receives *n x MF_N
 * weights, what each field added (malloc'd).
 */
int fk_match_find(fk_match *m, const char *query, int born_y, int born_m, int born_d, int sex,
    size_t max, fk_match_pair **res, size_t *n, double **fw, fk_err *e) FK_WUR;

/*
 * The model (weights, lambda, name and surname frequencies) of the last
 * fk_match_link, to store; loading it into another fk_match fixes that
 * model there (fk_match_score, fk_match_find use it as it is).
 */
int fk_match_model_save(const fk_match *m, fk_buf *out, fk_err *e) FK_WUR;
int fk_match_model_load(fk_match *m, const void *p, size_t n, fk_err *e) FK_WUR;
/* The intakes and report children (consenting) the model was learnt on. */
void fk_match_model_population(const fk_match *m, double *nintake, double *nreport);

/*
 * Incremental: scores the listed pairs (ab[2i] an intake, ab[2i+1] a report
 * child: every pair blocking lets through for each intake listed, as the
 * caller found them through the stored keys) with the loaded model, and
 * gives each pair its probability as fk_match_link would (siblings, and the
 * candidates of one intake competing). Pairs with p >= min_p are returned,
 * sorted by intake, then p descending.
 */
int fk_match_score(fk_match *m, const uint32_t *ab, size_t n, double min_p,
    fk_match_pair **pairs, size_t *np, fk_err *e) FK_WUR;

/*
 * Whether a new report child b could change what intake a is proposed (with
 * the loaded model): its pair would be proposed even alone, or would compete
 * with the intake's other candidates. 0: the intake's pairs stay as they are.
 */
int fk_match_may_matter(const fk_match *m, uint32_t a, uint32_t b, double min_p);

/* Drops every person, keeping the loaded model (to score the next batch). */
void fk_match_reset(fk_match *m);

/*
 * What each field added to the weight of the pair (a, b) (fw[MF_N], log2),
 * term frequencies included, with the model of the last run; returns the
 * total.
 */
double fk_match_explain(const fk_match *m, uint32_t a, uint32_t b, double *fw);

/* Blocking keys of a person: query = 0 as indexed, 1 as looked up. */
size_t fk_match_keys(const fk_match *m, uint32_t person, int query, uint64_t *keys, size_t max);
#define FK_MATCH_MAXKEYS 1024

/*
 * Search keys of a person (given-name group, surname code, the two
 * together, the group with the surname's first letter, and the surname's
 * one-typo neighbourhood), and of a query in
 * tiers: tiers[0] keys of given name and surname together (every split),
 * then up to tiers[1] keys of a surname alone (its code, one typo away),
 * then keys of a given name alone (the widest: a caller may stop early).
 */
size_t fk_match_search_keys(const fk_match *m, uint32_t person, uint64_t *keys, size_t max);
size_t fk_match_query_keys(const fk_match *m, const char *query, uint64_t *keys, size_t max,
    int *tiers);

/* Field and level names, for explanations ("given", "same group"). */
const char *fk_match_field_name(int f);
const char *fk_match_level_name(int f, int level);
/* The weight of a level before term frequencies (after the run's u estimation). */
double fk_match_level_weight(const fk_match *m, int f, int level);

/* Days since 1970-01-01 of YYYY-MM-DD, or INT32_MIN when malformed. */
int32_t fk_match_days(const char *s);
/* Days since 1970-01-01 of a civil date (no checks: 2024-02-30 is 2024-03-01). */
int32_t fk_match_civil_days(int y, int mo, int d);

#endif
