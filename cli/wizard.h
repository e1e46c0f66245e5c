/*
 * wizard.h - the terminal wizard: one question at a time in the worker's
 * language, each answer checked on entry, relevance and repeats honoured,
 * `<` to go back, `:lang uk|en` to switch language, `:draft` (or Ctrl-C /
 * end of input) to save a draft, a review screen before finalizing.
 * Works on a terminal and on scripted stdin alike.
 *
 * Owns: the dialogue. Finalizing is record.c's, sealing drafts draft.c's.
 * Must never: echo answers anywhere but the terminal; write answers to a
 * file other than as a sealed draft or a sealed record.
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
	const char *lang;            /* starting language ("uk", "en") */
	const char *resume_id;       /* a draft id to continue, or NULL */
	const fk_attach_in *att;     /* --attach FIELD=PATH given on the command line */
	size_t natt;
	uint64_t att_limit;
	FILE *in, *out;
} fk_wizard_opts;

/*
 * Runs the wizard. Returns 0 when a record was finalized (*out filled) or a
 * draft saved (*saved set to 1 and draft_id filled), -1 on failure.
 */
int fk_wizard_run(const fk_wizard_opts *o, fk_record_out *out, int *saved,
    char draft_id[FK_UUID_BUF], fk_err *e) FK_WUR;

#endif
