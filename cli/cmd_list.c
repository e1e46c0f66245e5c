/*
 * cmd_list.c - `fieldkit list`, `fieldkit status` and `fieldkit drafts`:
 * what is on the device, showing only what identifies no one (form, short
 * reference, times, sync state, counts). Never opens a draft or a record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "draft.h"
#include "lineedit.h"
#include "device.h"
#include "harden.h"
#include "schema.h"
#include "session.h"
#include "shortref.h"
#include "store.h"

static const char *
state_name(int st)
{
	switch (st) {
	case FK_STATE_PENDING:
		return _("pending");
	case FK_STATE_DELIVERED:
		return _("delivered");
	default:
		return _("purged");
	}
}

/* Parses the options of the three commands (only --home). Returns FK_GO or an exit status. */
static int
home_only(const char *cmd, const char *help, int argc, char **argv, const char **home)
{
	const struct fk_opt opt[] = {FK_STR("home", 0, home), FK_OPT_END};
	fk_args pos;
	int rc;

	if ((rc = fk_opts_parse(cmd, help, opt, argc, argv, &pos)) != FK_GO)
		return rc;
	return fk_args_max(cmd, &pos, 0);
}

static const char list_help[] = N_(
    "Usage: fieldkit list [--home DIR]\n\n"
    "Lists the records on this device: sequence, form, short reference, when\n"
    "finalized, sync state, when delivered, attachments. Nothing identifying.\n\n"
    "Options:\n"
    "  --home DIR                device home (default $FIELDKIT_HOME)\n"
    "  -h, --help                show this help\n");

static const char status_help[] = N_(
    "Usage: fieldkit status [--home DIR]\n\n"
    "Shows this device's state: records pending, delivered and purged, drafts,\n"
    "the hash chain check, hubs and retention. Nothing identifying.\n"
    "Exit status: 0, or 1 when the hash chain is broken.\n\n"
    "Options:\n"
    "  --home DIR                device home (default $FIELDKIT_HOME)\n"
    "  -h, --help                show this help\n");

static const char drafts_help[] = N_(
    "Usage: fieldkit drafts [--home DIR]\n"
    "       fieldkit drafts discard ID [--yes] [--home DIR]\n\n"
    "Lists saved drafts: a short id, the form, how many questions are answered of\n"
    "how many, when it was last saved, and where it stopped (a question, never an\n"
    "answer). Resume one with 'fieldkit capture --resume ID' (the short id, or any\n"
    "beginning of the id of at least 4 characters that no other draft shares).\n"
    "'discard ID' deletes a draft for good, after asking (type yes).\n\n"
    "Options:\n"
    "  --yes                     discard without asking (for scripts)\n"
    "  --home DIR                device home (default $FIELDKIT_HOME)\n"
    "  -h, --help                show this help\n");

/* Loads the device and opens its store. */
static int
open_device(const char *opt, fk_device *d, fk_store **s, fk_err *e)
{
	char *home = NULL;
	int rc;

	*s = NULL;
	memset(d, 0, sizeof *d);
	if (fk_device_home(opt, &home, e) != 0)
		return -1;
	rc = fk_device_load(d, home, e);
	if (rc == 0)
		rc = fk_device_store_open(d, FK_STORE_READ, s, e);
	free(home);
	return rc;
}

/* The columns of `fieldkit list`: each as wide as its heading or its widest value. */
struct listcols {
	size_t w[8];
};

static const char *const list_heads[8] = {
	N_("seq"), N_("form"), N_("ver"), N_("reference"), N_("finalized"), N_("state"),
	N_("delivered"), N_("att"),
};

static void
list_cols_init(struct listcols *c)
{
	static const size_t min[8] = {6, 20, 3, 9, 20, 9, 20, 0};
	size_t i, w;
	int st;

	for (i = 0; i < 8; i++) {
		w = fk_text_width(_(list_heads[i]));
		c->w[i] = w > min[i] ? w : min[i];
	}
	for (st = FK_STATE_PENDING; st <= FK_STATE_PENDING + 2; st++)
		if ((w = fk_text_width(state_name(st))) > c->w[5])
			c->w[5] = w;
}

/* One row: the cells separated as the heading's are. */
static void
list_row(const struct listcols *c, const char *const cell[8])
{
	static const char *const sep[8] = {" ", " ", " ", "  ", "  ", " ", "  ", "\n"};
	size_t i;

	for (i = 0; i < 8; i++) {
		fk_put_col(cell[i], i == 7 ? 0 : c->w[i]);
		fputs(sep[i], stdout);
	}
}

static int
print_info(void *ctx, const fk_store_info *r, fk_err *e)
{
	char ref[10], t[FK_TIME_BUF], dt[FK_TIME_BUF] = "-", seq[24], ver[16], natt[24];
	const char *cell[8];

	(void)e;
	fk_shortref_format(r->short_ref, ref);
	fk_time_rfc3339(r->finalized_at, t);
	if (r->delivered_at)
		fk_time_rfc3339(r->delivered_at, dt);
	snprintf(seq, sizeof seq, "%lld", (long long)r->seq);
	snprintf(ver, sizeof ver, "%d", r->form_version);
	snprintf(natt, sizeof natt, "%zu", r->natt);
	cell[0] = seq;
	cell[1] = r->form_id;
	cell[2] = ver;
	cell[3] = ref;
	cell[4] = t;
	cell[5] = state_name(r->state);
	cell[6] = dt;
	cell[7] = natt;
	list_row(ctx, cell);
	return 0;
}

static int
cmd_list(int argc, char **argv)
{
	const char *home = NULL;
	fk_device d;
	fk_store *s = NULL;
	fk_err e = { 0 };
	struct listcols cols;
	const char *heads[8];
	size_t i;
	int rc = home_only("list", list_help, argc, argv, &home);

	if (rc != FK_GO)
		return rc;
	if (open_device(home, &d, &s, &e) != 0)
		goto fail;
	list_cols_init(&cols);
	for (i = 0; i < 8; i++)
		heads[i] = _(list_heads[i]);
	list_row(&cols, heads);
	if (fk_store_each_info(s, print_info, &cols, &e) != 0)
		goto fail;
	rc = FK_EXIT_OK;
	goto out;
fail:
	rc = fk_report(&e);
out:
	fk_store_close(s);
	fk_device_free(&d);
	return rc;
}

static int
cmd_status(int argc, char **argv)
{
	const char *home = NULL;
	fk_device d;
	fk_store *s = NULL;
	fk_store_counts c;
	fk_err e = { 0 };
	int64_t n, bad;
	char purge[FK_TIME_BUF];
	const char *why;
	int rc = home_only("status", status_help, argc, argv, &home);

	if (rc != FK_GO)
		return rc;
	if (open_device(home, &d, &s, &e) != 0 || fk_store_counts_get(s, &c, &e) != 0 ||
	    fk_store_verify_chain(s, &n, &bad, &e) != 0)
		goto fail;
	fk_retention_format(d.purge, d.purge_days, purge);
	printf(_("device:      %s (%s)\n"), d.device_id, d.name[0] ? d.name : "-");
	printf(_("home:        %s\n"), d.home);
	printf(_("hubs:        %zu\n"), d.nhubs);
	printf(_("records:     %lld pending, %lld delivered, %lld purged (last seq %lld)\n"),
	    (long long)c.pending, (long long)c.delivered, (long long)c.purged,
	    (long long)c.last_seq);
	printf(ngettext("to deliver:  %lld byte of ciphertext", "to deliver:  %lld bytes of "
	    "ciphertext", (unsigned long)c.pending_bytes), (long long)c.pending_bytes);
	printf(ngettext(", %lld attachment stored\n", ", %lld attachments stored\n",
	    (unsigned long)c.attachments), (long long)c.attachments);
	printf(_("drafts:      %lld\n"), (long long)c.drafts);
	/* The setting's token (as --retention takes it), and what it means. */
	if (d.purge == FK_RETAIN_NOW || (d.purge == FK_RETAIN_DAYS && d.purge_days == 0))
		printf(_("retention:   %s (a record is purged when a hub's receipt confirms it)\n"),
		    purge);
	else if (d.purge == FK_RETAIN_DAYS)
		printf(ngettext("retention:   %s (a record is purged %d day after a hub's receipt "
		    "confirms it)\n", "retention:   %s (a record is purged %d days after a hub's "
		    "receipt confirms it)\n", (unsigned long)d.purge_days), purge, d.purge_days);
	else
		printf(_("retention:   %s (delivered records stay on this device, sealed)\n"),
		    purge);
	if (fk_memory_locked(&why) == FK_MEMLOCK_ALL)
		printf(_("memory:      locked (swap cannot take what is typed or decrypted)\n"));
	else
		printf(_("memory:      not locked: %s (see docs/threat-model.md)\n"), why);
	if (bad != 0) {
		printf(_("hash chain:  BROKEN at seq %lld\n"), (long long)bad);
		rc = FK_EXIT_FAIL;
	} else {
		printf(ngettext("hash chain:  ok (%lld record)\n", "hash chain:  ok (%lld records)\n",
		    (unsigned long)n), (long long)n);
		rc = FK_EXIT_OK;
	}
	goto out;
fail:
	rc = fk_report(&e);
out:
	fk_store_close(s);
	fk_device_free(&d);
	return rc;
}

struct draftlist {
	size_t w[4]; /* draft, form, answered, last saved: as wide as heading or value */
	fk_form *forms[8];
	size_t nforms;
	const char *lang;
};

/* The draft's form, loaded once per listing (NULL when it cannot be found). */
static const fk_form *
draft_form(struct draftlist *l, const char *id)
{
	char path[4096];
	fk_form *f = NULL;
	fk_err e = { 0 };
	size_t i;

	for (i = 0; i < l->nforms; i++)
		if (strcmp(fk_form_id(l->forms[i]), id) == 0)
			return l->forms[i];
	if (l->nforms == sizeof l->forms / sizeof l->forms[0] ||
	    fk_schema_find(id, path, sizeof path, &e) != 0 ||
	    fk_form_load_file(path, &f, NULL, &e) != 0)
		return NULL;
	l->forms[l->nforms++] = f;
	return f;
}

static void
draft_row(const struct draftlist *l, const char *id, const char *form, const char *prog,
    const char *saved, const char *at)
{
	fk_put_col(id, l->w[0]);
	fputs("  ", stdout);
	fk_put_col(form, l->w[1]);
	fputs(" ", stdout);
	fk_put_col(prog, l->w[2]);
	fputs(" ", stdout);
	fk_put_col(saved, l->w[3]);
	printf("  %s\n", at);
}

static int
print_draft(void *ctx, const fk_store_draft *dr, fk_err *e)
{
	struct draftlist *l = ctx;
	const fk_form *f = draft_form(l, dr->form_id);
	char t[FK_TIME_BUF], prog[32], at[512], id[9];
	const char *lang = l->lang;

	(void)e;
	fk_time_rfc3339(dr->saved_at, t);
	if (dr->total > 0)
		snprintf(prog, sizeof prog, "%d/%d", dr->answered, dr->total);
	else
		snprintf(prog, sizeof prog, "-");
	at[0] = '\0';
	if (f != NULL && dr->at[0] != '\0') {
		if (lang == NULL || !fk_form_has_lang(f, lang))
			lang = fk_form_lang(f, 0);
		fk_form_path_label(f, dr->at, lang, at, sizeof at);
	} else if (dr->at[0] == '\0' && dr->total > 0) {
		snprintf(at, sizeof at, "%s", _("the review"));
	}
	snprintf(id, sizeof id, "%.8s", dr->id);
	draft_row(l, id, dr->form_id, prog, t, at[0] ? at : "-");
	return 0;
}

static int
drafts_discard(const char *home, const char *id, int yes)
{
	fk_device d;
	fk_store *s = NULL;
	fk_err e = { 0 };
	char full[FK_UUID_BUF], *h = NULL;
	int rc, hold = -1;

	memset(&d, 0, sizeof d);
	/* Not a draft open in the form app or another terminal (held there). */
	if (fk_device_home(home, &h, &e) != 0 || fk_device_load(&d, h, &e) != 0 ||
	    fk_device_store_open(&d, FK_STORE_WRITE, &s, &e) != 0 ||
	    fk_draft_find(s, id, full, &e) != 0 || fk_draft_hold(h, full, &hold, &e) != 0) {
		fk_draft_release(&hold, NULL, NULL);
		rc = fk_report(&e);
		goto out;
	}
	/* Deleted for good: asked first, unless --yes (a script). */
	if (!yes) {
		char q[300];
		int k;

		snprintf(q, sizeof q, _("Discard draft %.8s for good? Its answers cannot be "
		    "recovered. Type yes: "), full);
		if ((k = fk_confirm(q)) <= 0) {
			fk_draft_release(&hold, NULL, NULL);
			if (k < 0) {
				rc = fk_usage_error("drafts", _("discard asks for confirmation; without a "
				    "terminal, add --yes"));
				goto out;
			}
			fk_warn(_("draft %.8s kept"), full);
			rc = FK_EXIT_FAIL;
			goto out;
		}
	}
	if (fk_store_draft_delete(s, full, &e) != 0) {
		fk_draft_release(&hold, NULL, NULL);
		rc = fk_report(&e);
		goto out;
	}
	fk_draft_release(&hold, h, full);
	printf(_("draft %.8s discarded\n"), full);
	rc = FK_EXIT_OK;
out:
	fk_store_close(s);
	fk_device_free(&d);
	free(h);
	return rc;
}

static int
cmd_drafts(int argc, char **argv)
{
	const char *home = NULL;
	int yes = 0;
	const struct fk_opt opt[] = {FK_STR("home", 0, &home), FK_FLAG("yes", 0, &yes),
		FK_OPT_END};
	struct draftlist l;
	fk_args pos;
	fk_device d;
	fk_store *s = NULL;
	fk_err e = { 0 };
	size_t i;
	int rc;

	if ((rc = fk_opts_parse("drafts", drafts_help, opt, argc, argv, &pos)) != FK_GO ||
	    (rc = fk_args_max("drafts", &pos, 2)) != FK_GO)
		return rc;
	if (pos.n > 0) {
		if (strcmp(pos.v[0], "discard") != 0)
			return fk_usage_error("drafts", _("unknown sub-command %s (only: discard ID)"),
			    pos.v[0]);
		if (pos.n != 2)
			return fk_usage_error("drafts", _("discard takes the draft's ID"));
		return drafts_discard(home, pos.v[1], yes);
	}
	memset(&l, 0, sizeof l);
	/* Labels in the language of the messages (English unless asked). */
	l.lang = fk_lang_pref() ? fk_lang_pref() : "en";
	if (open_device(home, &d, &s, &e) != 0)
		goto fail;
	{
		static const size_t min[4] = {8, 20, 9, 20};
		const char *head[4] = {_("draft"), _("form"), _("answered"), _("last saved")};
		for (i = 0; i < 4; i++)
			l.w[i] = fk_text_width(head[i]) > min[i] ? fk_text_width(head[i]) : min[i];
		draft_row(&l, head[0], head[1], head[2], head[3], _("stopped at"));
	}
	if (fk_store_each_draft(s, print_draft, &l, &e) != 0)
		goto fail;
	rc = FK_EXIT_OK;
	goto out;
fail:
	rc = fk_report(&e);
out:
	for (i = 0; i < l.nforms; i++)
		fk_form_free(l.forms[i]);
	fk_store_close(s);
	fk_device_free(&d);
	return rc;
}

FK_COMMAND(list, N_("list the records on this device (nothing identifying)"), cmd_list);
FK_COMMAND(status, N_("show this device's records, drafts and sync state"), cmd_status);
FK_COMMAND(drafts, N_("list saved drafts, or discard one"), cmd_drafts);
