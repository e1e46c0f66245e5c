/*
 * web.h - the page face of capture: a local HTTP server (libmicrohttpd, one
 * thread) that serves the form app (HTML, CSS and JavaScript built into the
 * binary) and a JSON API over the same forms engine, device store, drafts
 * and finalizing as the terminal wizard (capture/entry.h). See docs/app.md.
 *
 * Only the local user can use it: it listens on a loopback address only,
 * every URL carries a secret made at start (32 random bytes), requests whose
 * Host or Origin is not this server are refused (DNS rebinding, other
 * sites), and nothing opens before the device passphrase is given in the
 * page. Every response says Cache-Control: no-store.
 *
 * Owns: the HTTP API, the checks on every request, the page's assets.
 * Must never: print (events go to the caller's callback, and never carry an
 * answer); listen on anything but loopback; write an answer or a file's
 * bytes to disk but through capture (sealed drafts, sealed pending files,
 * sealed records).
 */
#ifndef FK_WEB_H
#define FK_WEB_H

#include <signal.h>
#include <stddef.h>

#include "fk.h"

enum fk_web_event {
	FK_WEB_READY,      /* text: the address to open (with its secret) */
	FK_WEB_UNLOCKED,
	FK_WEB_LOCKED,     /* text: why ("idle", "asked") */
	FK_WEB_BADPASS,    /* a wrong passphrase was given */
	FK_WEB_SEALED,     /* text: "SHORT-REF SEQ" */
	FK_WEB_REFUSED,    /* text: why a request was refused (untranslated: no secret, wrong host, ...) */
	FK_WEB_WARNING,    /* text: something went wrong that the operator should know */
};

typedef struct fk_web_opts {
	const char *home;          /* the device home */
	const char *addr;          /* a loopback address: 127.0.0.1 (default), ::1, localhost */
	unsigned port;             /* 0 = a free port */
	const char *const *forms;  /* form files offered in the page */
	size_t nforms;
	int lock_after;            /* seconds without a request before the drafts key is dropped; 0 = never */
	void (*event)(void *ctx, enum fk_web_event ev, const char *text);
	void *ctx;
} fk_web_opts;

/* Whether addr is a loopback address the app may listen on. */
int fk_web_addr_ok(const char *addr);

/*
 * Serves until *stop becomes non-zero (a signal handler sets it), then saves
 * every open record as a draft and returns 0; -1 if it could not start.
 */
int fk_web_run(const fk_web_opts *o, volatile sig_atomic_t *stop, fk_err *e) FK_WUR;

#endif
