/*
 * kind.h - what a file is, from its first bytes: for a clear message when a
 * person gives one fieldkit file where another is expected (a device card to
 * `init --hub`, a receipt to `hub import`, a form to `capture --from`...):
 * "this is a device card; give it to `fieldkit hub devices add`".
 *
 * Owns: recognising each fieldkit file by its magic line or its JSON type, and
 * the command that takes it. Must never: trust the answer for anything but a
 * message (the real parser still decides).
 */
#ifndef FK_KIND_H
#define FK_KIND_H

#include <stddef.h>
#include <stdint.h>

#include "fk.h"

enum fk_kind {
	FK_KIND_UNKNOWN = 0,
	FK_KIND_BUNDLE,      /* "fieldkit-bundle v1" */
	FK_KIND_RECEIPT,     /* "fieldkit-receipt v1" */
	FK_KIND_DEVICE_CARD, /* "fieldkit-device-card v1" */
	FK_KIND_HUB_CARD,    /* JSON, "type": "fieldkit-hub-card" */
	FK_KIND_FORM,        /* JSON, "fieldkit_form": 1 */
	FK_KIND_AGE,         /* age v1, binary or armored */
	FK_KIND_PNG,         /* an image (QR frames) */
	FK_KIND_JPEG,
	FK_KIND_MINISIG,     /* a minisign key or signature */
	FK_KIND_RECORD,      /* a record's answers (JSON, JSON Lines): only wanted, never found */
};

/* What p[0..n) (a file's first bytes; 4096 are enough) is. */
enum fk_kind fk_kind_of(const uint8_t *p, size_t n);
/* The same for a file (its first 4096 bytes); FK_KIND_UNKNOWN when unreadable. */
enum fk_kind fk_kind_of_file(const char *path);

/*
 * When p[0..n) is a known fieldkit file of another kind than want, replaces
 * e's message with "NAME: this is a device card, not a hub card; give it to
 * the hub: `fieldkit hub devices add CARD`" (without "NAME: " when name is
 * NULL) and returns 1; else leaves e alone and returns 0.
 */
int fk_kind_hint(fk_err *e, const char *name, const uint8_t *p, size_t n, enum fk_kind want);
/* The same for the first 4096 bytes of the file path (0 when unreadable). */
int fk_kind_hint_file(fk_err *e, const char *path, const char *name, enum fk_kind want);

#endif
