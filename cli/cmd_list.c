/*
 * cmd_list.c - `fieldkit list`, `fieldkit status` and `fieldkit drafts`:
 * what is on the device, showing only what identifies no one (form, short
 * reference, times, sync state, counts). Never opens a draft or a record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "device.h"
#include "harden.h"
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
    "Usage: fieldkit drafts [--home DIR]\n\n"
    "Lists saved drafts (id, form, last saved). Resume one with\n"
    "'fieldkit capture --resume ID'.\n\n"
    "Options:\n"
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

static int
print_info(void *ctx, const fk_store_info *r, fk_err *e)
{
	char ref[10], t[FK_TIME_BUF], dt[FK_TIME_BUF] = "-";

	(void)ctx;
	(void)e;
	fk_shortref_format(r->short_ref, ref);
	fk_time_rfc3339(r->finalized_at, t);
	if (r->delivered_at)
		fk_time_rfc3339(r->delivered_at, dt);
	printf("%-6lld %-20s %-3d %s  %s  %-9s %s  %zu\n", (long long)r->seq, r->form_id,
	    r->form_version, ref, t, state_name(r->state), dt, r->natt);
	return 0;
}

static int
cmd_list(int argc, char **argv)
{
	const char *home = NULL;
	fk_device d;
	fk_store *s = NULL;
	fk_err e = { 0 };
	int rc = home_only("list", list_help, argc, argv, &home);

	if (rc != FK_GO)
		return rc;
	if (open_device(home, &d, &s, &e) != 0)
		goto fail;
	printf("%-6s %-20s %-3s %-9s  %-20s  %-9s %-20s  %s\n", _("seq"), _("form"), _("ver"),
	    _("reference"), _("finalized"), _("state"), _("delivered"), _("att"));
	if (fk_store_each_info(s, print_info, NULL, &e) != 0)
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
	printf(_("to deliver:  %lld bytes of ciphertext, %lld attachments stored\n"),
	    (long long)c.pending_bytes, (long long)c.attachments);
	printf(_("drafts:      %lld\n"), (long long)c.drafts);
	printf(_("retention:   %s\n"), purge);
	if (fk_memory_locked(&why) == FK_MEMLOCK_ALL)
		printf(_("memory:      locked (swap cannot take what is typed or decrypted)\n"));
	else
		printf(_("memory:      not locked: %s (see docs/threat-model.md)\n"), why);
	if (bad != 0) {
		printf(_("hash chain:  BROKEN at seq %lld\n"), (long long)bad);
		rc = FK_EXIT_FAIL;
	} else {
		printf(_("hash chain:  ok (%lld records)\n"), (long long)n);
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

static int
print_draft(void *ctx, const fk_store_draft *dr, fk_err *e)
{
	char t[FK_TIME_BUF];

	(void)ctx;
	(void)e;
	fk_time_rfc3339(dr->saved_at, t);
	printf("%s  %-20s %-3d %s\n", dr->id, dr->form_id, dr->form_version, t);
	return 0;
}

static int
cmd_drafts(int argc, char **argv)
{
	const char *home = NULL;
	fk_device d;
	fk_store *s = NULL;
	fk_err e = { 0 };
	int rc = home_only("drafts", drafts_help, argc, argv, &home);

	if (rc != FK_GO)
		return rc;
	if (open_device(home, &d, &s, &e) != 0)
		goto fail;
	printf("%-36s  %-20s %-3s %s\n", _("draft"), _("form"), _("ver"), _("last saved"));
	if (fk_store_each_draft(s, print_draft, NULL, &e) != 0)
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

FK_COMMAND(list, N_("list the records on this device (nothing identifying)"), cmd_list);
FK_COMMAND(status, N_("show this device's records, drafts and sync state"), cmd_status);
FK_COMMAND(drafts, N_("list saved drafts"), cmd_drafts);
