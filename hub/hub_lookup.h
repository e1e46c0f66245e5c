/*
 * hub_lookup.h - finding records the way people name them: a record id, a
 * unique beginning of one, or a family's slip code (the short reference on
 * the paper slip, written XXXX-XXXX; any case, dash and blanks optional).
 *
 * Owns: reading identifiers typed by people (checked: a slip code's check
 * character catches a typo before any lookup).
 * Must never: print, or write to the hub database (callers log what they show).
 */
#ifndef FK_HUB_LOOKUP_H
#define FK_HUB_LOOKUP_H

#include "hub.h"

/* Characters of a record id that may stand for it. */
#define FK_HUB_ID_PREFIX_MIN 4

/* What a lookup found (pointers valid during the callback). */
typedef struct fk_hub_found {
	const char *record_id, *device_id, *form_id, *short_ref;
	int64_t seq;
	int cited;    /* 1: the record cites the code (a family member's report_ref), 0: it is its own */
	int fork;     /* 1: not a stored record: a fork kept in conflicts for review */
} fk_hub_found;

typedef int (*fk_hub_found_fn)(void *ctx, const fk_hub_found *r);

/* Lookups: the records' own codes only, or also records that cite the code;
 * with FK_HUB_REF_FORKS also forks (kept in conflicts) that carry it. */
enum { FK_HUB_REF_OWN = 0, FK_HUB_REF_CITED = 1, FK_HUB_REF_FORKS = 2 };

/*
 * Calls fn for every record whose slip code is code (several devices may
 * have given the same one), and with FK_HUB_REF_CITED also for every record
 * that names it in an answer ending in "report_ref" (an intake's
 * member_report_ref), and with FK_HUB_REF_FORKS for every fork (a second
 * record at a held sequence number, kept for review, never stored; its
 * form_id is "") whose own code it is, after the records. *n counts them.
 * FK_EINPUT when code is not a valid slip code (its message says whether a
 * character is outside the alphabet or the check character does not fit: a
 * typo). fn returns 0 to go on, 1 to stop.
 */
int fk_hub_find_by_ref(fk_hubdb *h, const char *code, int flags, fk_hub_found_fn fn, void *ctx,
    size_t *n, fk_err *e) FK_WUR;

/*
 * The one record text names: its id; else its slip code; else a unique
 * beginning of an id (at least FK_HUB_ID_PREFIX_MIN characters). Conflicting
 * versions share their record's id. FK_EINPUT when nothing fits, FK_EUSAGE
 * when several records do (the message says how to tell them apart).
 */
/* How many forks (second records at a held sequence number) wait for review. */
int fk_hub_fork_count(fk_hubdb *h, long *n, fk_err *e) FK_WUR;

int fk_hub_resolve_record(fk_hubdb *h, const char *text, char id[FK_UUID_BUF],
    fk_err *e) FK_WUR;

#endif
