/*
 * wizard.h - the terminal face of the capture engine (capture/session.h):
 * one question at a time in the worker's language, with line editing; a
 * lone '-' clears an optional answer, '<' goes back, ':review' shows the
 * review, ':remove' takes away the entry being answered, ':draft' (or Ctrl-C
 * / end of input) saves a draft, ':lang uk|en' switches language; the review
 * is numbered and paged to the terminal's height, and a number jumps to that
 * answer. Works on a terminal and on scripted stdin alike.
 *
 * Owns: showing steps and the review, reading what is typed.
 * Must never: hold answers of its own (the session does); echo answers
 * anywhere but the terminal; show outside text unescaped.
 */
#ifndef FK_WIZARD_H
#define FK_WIZARD_H

#include <stdio.h>

#include "device.h"
#include "fk.h"
#include "io.h"
#include "record.h"
#include "store.h"

struct fk_form;

typedef struct fk_wizard_opts {
	const struct fk_form *form;
	fk_store *store;
	fk_finalizer *fin;
	const fk_secret *draft_key;  /* unlocked; drafts need it */
	const char *lang;            /* starting language ("uk", "en"), or NULL */
	const char *resume_id;       /* a draft id (or a unique prefix) to continue, or NULL */
	const fk_attach_in *att;     /* --attach ANSWER-PATH=FILE given on the command line */
	size_t natt;
	uint64_t att_limit;
	const char *home;            /* the device home (photos a draft took in the app) */
	FILE *in, *out;
} fk_wizard_opts;

enum fk_wizard_end {
	FK_WIZ_SEALED,   /* a record was finalized (*out filled) */
	FK_WIZ_DRAFT,    /* a draft was saved (draft_id filled) */
	FK_WIZ_NOTHING,  /* stopped before anything was answered: no draft */
};

/* Runs the wizard. Returns 0 and *end, or -1 on failure. */
int fk_wizard_run(const fk_wizard_opts *o, fk_record_out *out, int *end,
    char draft_id[FK_UUID_BUF], fk_err *e) FK_WUR;

#endif
