/*
 * web_int.h - what the web layer's files share. Not for other modules.
 */
#ifndef FK_WEB_INT_H
#define FK_WEB_INT_H

#include <microhttpd.h>

#include <jansson.h>

#include "device.h"
#include "entry.h"
#include "record.h"
#include "schema.h"
#include "store.h"
#include "web.h"

#define WEB_MAX_FORMS 16
#define WEB_MAX_OPEN 8
#define WEB_BODY_MAX (1u << 20)  /* bytes of a JSON request */
#define WEB_SAVE_AFTER 1.5       /* seconds after the last change a draft is saved */

struct web_asset {
	const char *name, *type;
	const unsigned char *data;
	size_t len;
};
extern const struct web_asset fk_web_assets[];
extern const size_t fk_web_nassets;

struct web_form {
	fk_form *f;
	fk_buf json;     /* the form file, as served to the page */
};

struct web_open {
	fk_entry *x;
	struct web_form *wf;
	int dirty;
	double changed, used;
	char tab[40];       /* the browser tab editing it ("" when not said) */
};

struct web {
	const fk_web_opts *o;
	struct MHD_Daemon *d;
	char token[48];
	char hosts[3][96];
	size_t nhosts;
	unsigned port;
	fk_device *dev;
	fk_store *store;
	fk_finalizer *fin;
	fk_secret dkey;
	int unlocked, fails;
	double last_req;
	struct web_form forms[WEB_MAX_FORMS];
	size_t nforms;
	struct web_open open[WEB_MAX_OPEN];
	char lang[8];
	char user_lang[8];  /* the language the app was started in, "" if none */
};

/* One request, from its first call to its completion. */
struct web_req {
	int answered;        /* a response is queued already (an upload refused at once) */
	int upload;          /* the body is a file for a pending attachment */
	fk_secbuf body;      /* a JSON body, in sodium_malloc memory */
	int too_big;
	/* upload */
	char rid[37];
	char tab[40];        /* the page's tab id, "" when not given */
	fk_pending_w *w;
	fk_secret key;
	char id[37];
	char *path, *name;
	char media[80];
	uint8_t head[8];
	size_t nhead;
	uint64_t got, max;
	unsigned status;     /* != 0: the upload failed with this status and err */
	fk_err err;
};

double web_now(void);
void web_event(struct web *w, enum fk_web_event ev, const char *fmt, ...) FK_PRINTF(3, 4);
/* Responses: JSON (j is taken), errors {"error": msg}. */
enum MHD_Result web_reply_json(struct MHD_Connection *c, unsigned status, json_t *j);
enum MHD_Result web_reply_error(struct MHD_Connection *c, unsigned status, const char *msg);
void web_headers(struct MHD_Response *r);

/*
 * api.c: one call of the JSON API, without HTTP (the server adapts it; the
 * unit tests and the fuzz target call it directly). path is what follows
 * "api/"; body is the request's JSON. Fills status and either out (JSON) or
 * raw (bytes served as they are, of type rawtype).
 */
struct web_call {
	const char *method, *path, *lang;
	const char *tab;     /* the page's tab id (?tab=), NULL when not given */
	const uint8_t *body;
	size_t len;
	unsigned status;
	json_t *out;
	const uint8_t *raw;
	size_t rawlen;
};
void web_call(struct web *w, struct web_call *c);
/* Uploads: the first call (0 to go on, else an HTTP status with rq->err). */
unsigned web_upload_begin(struct web *w, struct web_req *rq, const char *rid, const char *path,
    const char *name, const char *ctype, const char *clen, const char *lang);
void web_upload_data(struct web *w, struct web_req *rq, const uint8_t *p, size_t n);
void web_upload_end(struct web *w, struct web_req *rq, struct web_call *c);
void web_req_free(struct web_req *rq);
/* The bytes of attachment id of open record rid, to show it. */
int web_att_open(struct web *w, const char *rid, const char *id, fk_entry_src *s, fk_err *e);
/* Sets up the server for path home without HTTP (tests, fuzzing): device, store, forms. */
int web_open(struct web *w, const fk_web_opts *o, fk_err *e);
void web_close(struct web *w);
/* Saves the drafts changed more than WEB_SAVE_AFTER seconds ago (all: every changed one). */
void web_autosave(struct web *w, int all);
/* Saves every open record and forgets the drafts key. */
void web_lock(struct web *w, const char *why);

#endif
