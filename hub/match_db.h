/*
 * match_db.h - matching on the hub's database: what `hub import` adds for
 * every new record, and what `hub match`, `hub find`, `hub duplicates` and
 * `hub show` read (docs/matching.md).
 *
 * Owns the match_* tables of hub.db: match_records (each record's matching
 * view: the answers matching reads), match_keys (blocking and search keys,
 * indexed), match_model (the last run's model), match_pairs (proposed
 * links), match_decisions (a person's confirmations and rejections, with
 * who and when). Every table is created on first use, inside the caller's
 * transaction where there is one.
 * Must never: merge or change a record, propose a pair a person rejected,
 * or leave a view without an audit row (the callers in cli/ write it).
 */
#ifndef FK_MATCH_DB_H
#define FK_MATCH_DB_H

#include <jansson.h>

#include "hub.h"
#include "match.h"

#define FK_MATCH_REVIEW 0.50 /* a pair at or above this is proposed for review */
#define FK_MATCH_MATCH 0.80  /* ... and at or above this it is a confident match */
#define FK_MATCH_DUP 0.90    /* two report children at or above this: one child */
#define FK_MATCH_IDLEN 64

/* Import hook: indexes one new record (in the import's transaction). */
int fk_match_db_add(fk_hubdb *h, const char *record_id, const char *form_id, json_t *rec,
    fk_err *e) FK_WUR;

/*
 * Matches what was added since the last call (and any record stored before
 * matching existed); *nreview: new pairs at or above the review level.
 */
int fk_match_db_update(fk_hubdb *h, size_t *nreview, fk_err *e) FK_WUR;

typedef struct fk_match_hit {
	char intake[FK_MATCH_IDLEN];  /* find: the record found */
	char report[FK_MATCH_IDLEN];  /* find: "" */
	int child;                    /* 1-based child of the report; 0 for an intake */
	char kind;                    /* find: 'r' or 'i' */
	double p;
	uint8_t level[MF_N];
	double weight[MF_N];          /* what each field added (log2), term frequencies included */
	double total;                 /* their sum: the match weight */
	char status;                  /* 'm' match, 'r' review, 'c' confirmed */
} fk_match_hit;

typedef struct fk_match_run {
	fk_match_stats st;
	size_t nconfirmed, nrejected;
} fk_match_run;

/*
 * `hub match`: relinks everything (and stores the model and the pairs).
 * all = 0: the best candidate of each intake; 1: every candidate at or
 * above the review level. Confirmed pairs come first with status 'c';
 * rejected ones never come.
 */
int fk_match_db_run(fk_hubdb *h, int all, fk_match_hit **hits, size_t *n, fk_match_run *r,
    fk_err *e) FK_WUR;

/* `hub find`: children of either form ranked for a query (see fk_match_find). */
int fk_match_db_find(fk_hubdb *h, const char *query, int by, int bm, int bd, int sex,
    size_t max, fk_match_hit **hits, size_t *n, fk_err *e) FK_WUR;

typedef struct fk_match_dup {
	size_t cluster;               /* 1-based cluster number */
	char report[FK_MATCH_IDLEN];
	int child;
	double p;                     /* the best link of this member into its cluster */
} fk_match_dup;
/* `hub duplicates`: clusters of report children that are one child. */
int fk_match_db_dups(fk_hubdb *h, fk_match_dup **d, size_t *n, size_t *nclusters,
    fk_err *e) FK_WUR;

/* Every pair blocking lets through (to measure blocking recall). */
int fk_match_db_blocked(fk_hubdb *h, char (**ids)[FK_MATCH_IDLEN], int **child, size_t *n,
    fk_err *e) FK_WUR;

/* The decision a new one met on the same pair (decision[0] == 0: none). */
typedef struct fk_match_prev {
	char decision[16];            /* "confirmed" or "rejected" */
	char who[128];
	char at[40];
} fk_match_prev;

/*
 * A person's decision on a pair; logged in the audit table. A decision
 * that differs from the pair's last one replaces it (the earlier stays in
 * match_decisions and the audit row says what was replaced); the same
 * decision again changes nothing. prev (may be NULL) receives the pair's
 * last decision before this one.
 */
int fk_match_db_decide(fk_hubdb *h, const char *intake, const char *report, int child,
    int confirm, fk_match_prev *prev, fk_err *e) FK_WUR;

/* Confirmed links of a record (either side), for `hub show`. */
int fk_match_db_links(fk_hubdb *h, const char *record_id,
    int (*fn)(void *ctx, const char *intake, const char *report, int child, const char *who,
    const char *at), void *ctx, fk_err *e) FK_WUR;

/*
 * The matching view of one child (a report's child, or an intake): the
 * answers matching reads, for the side-by-side table. *view is new.
 */
int fk_match_db_view(fk_hubdb *h, const char *record_id, int child, json_t **view,
    fk_err *e) FK_WUR;

#endif
