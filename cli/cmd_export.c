/*
 * cmd_export.c - the device's side of USB sync: `fieldkit export` (bundle of
 * every record not yet acknowledged), `fieldkit ack RECEIPT` (mark what a hub
 * holds as delivered, which purges it per the retention setting) and
 * `fieldkit device-card` (the signed public card a hub registers).
 *
 * Must never: mark anything delivered without a receipt signed by a hub this
 * device was set up with and addressed to this device; report an export as
 * done before the bundle was read back and verified.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ack.h"
#include "kind.h"
#include "bundle_export.h"
#include "card.h"
#include "cli.h"
#include "device.h"
#include "io.h"
#include "receipt.h"
#include "store.h"

/* The options of every command here. */
struct dopts {
	const char *home, *passfile;
};
#define DEVICE_COMMON(o) FK_STR("home", 0, &(o)->home), FK_STR("passphrase-file", 0, &(o)->passfile)

static int
load_device(const char *opt, fk_device *d, char **home, fk_err *e)
{
	if (fk_device_home(opt, home, e) != 0)
		return -1;
	return fk_device_load(d, *home, e);
}

static int
load_sign_key(const char *home, const char *passfile, fk_minisign_sk **sk, fk_err *e)
{
	char *p = fk_path_join(home, FK_DEVICE_SIGN_KEY);
	int rc;

	if (p == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	rc = fk_minisign_sk_load(p, passfile, sk, e);
	free(p);
	return rc;
}

static int
store_iter(void *ictx, fk_record_fn fn, void *ctx, fk_err *e)
{
	return fk_store_each_pending(ictx, fn, ctx, e);
}

static const char export_help[] = N_(
    "Usage: fieldkit export --to DIR [--max-size SIZE] [--home DIR] [--passphrase-file F]\n\n"
    "Writes every finalized record not yet acknowledged by a hub (with its\n"
    "attachments) into a signed bundle in DIR, then reads it back and checks it.\n"
    "Records stay on this device until `fieldkit ack RECEIPT`.\n"
    "No USB stick? Send the bundle as QR codes: `fieldkit qr send BUNDLE --png DIR`\n"
    "(or --terminal); the hub takes them with `fieldkit hub import --qr DIR`.\n\n"
    "Options:\n"
    "  --to DIR                  where to write (a USB stick)\n"
    "                            (made if missing; its parent folder must exist)\n"
    "  --max-size SIZE           split into bundles of at most SIZE bytes (K, M, G)\n"
    "  --home DIR                device home (default $FIELDKIT_HOME)\n"
    "  --passphrase-file F       read the device passphrase from F (for the signing key)\n"
    "  -h, --help                show this help\n");

static int
cmd_export(int argc, char **argv)
{
	struct dopts o = {0};
	const char *to = NULL, *maxs = NULL;
	const struct fk_opt opt[] = {FK_STR("to", 0, &to), FK_STR("max-size", 0, &maxs),
		DEVICE_COMMON(&o), FK_OPT_END};
	fk_device *d;
	fk_minisign_sk *sk = NULL;
	fk_store *s = NULL;
	fk_export_result res = {0};
	fk_store_counts counts = {0};
	fk_args pos;
	fk_err e = {0};
	char *home = NULL;
	uint64_t max = 0;
	size_t i;
	int rc;

	if ((rc = fk_opts_parse("export", export_help, opt, argc, argv, &pos)) != FK_GO ||
	    (rc = fk_args_max("export", &pos, 0)) != FK_GO)
		return rc;
	if (to == NULL)
		return fk_usage_error("export", _("say where to write: --to DIR"));
	if (maxs != NULL && fk_size_parse(maxs, &max) != 0)
		return fk_usage_error("export", _("--max-size takes a size like 650M, 4G or 100000"));
	if ((d = calloc(1, sizeof *d)) == NULL)
		return fk_report(&(fk_err){FK_ENOMEM, "out of memory"});
	rc = FK_EXIT_FAIL;
	if (load_device(o.home, d, &home, &e) != 0 ||
	    fk_device_store_open(d, FK_STORE_WRITE, &s, &e) != 0 ||
	    fk_store_counts_get(s, &counts, &e) != 0) {
		rc = fk_report(&e);
		goto out;
	}
	/* The signing key (and its passphrase) only when there is something to sign. */
	if (counts.pending > 0 && (fk_mkdir_target(to, 0755, &e) != 0 ||
	    load_sign_key(home, o.passfile, &sk, &e) != 0 ||
	    fk_bundle_export(store_iter, s, d->device_id, sk, to, max, &res, &e) != 0)) {
		rc = fk_report(&e);
		goto out;
	}
	if (res.nfiles == 0)
		printf(_("nothing to export: every record was acknowledged by a hub\n"));
	for (i = 0; i < res.nfiles; i++)
		printf(_("wrote %s\n"), res.paths[i]);
	if (res.nfiles > 0) {
		/* Each count with its own plural form (Ukrainian has three). */
		printf(ngettext("%zu record", "%zu records", res.nrec), res.nrec);
		printf(ngettext(" and %zu attachment", " and %zu attachments", res.natt), res.natt);
		printf(ngettext(" in %zu bundle", " in %zu bundles", res.nfiles), res.nfiles);
		printf(ngettext(", %llu byte", ", %llu bytes", (unsigned long)res.bytes),
		    (unsigned long long)res.bytes);
		printf("%s", _(", read back and verified; records stay here until a hub's receipt "
		    "is acknowledged\n"));
	}
	rc = 0;
out:
	fk_export_result_free(&res);
	fk_minisign_sk_free(sk);
	fk_store_close(s);
	fk_device_free(d);
	free(d);
	free(home);
	return rc;
}

static const char ack_help[] = N_(
    "Usage: fieldkit ack RECEIPT [--home DIR]\n"
    "       fieldkit ack --qr IMAGE|DIR [IMAGE|DIR]... [--home DIR]\n\n"
    "Checks a hub's receipt (its signature against the hub keys this device was set\n"
    "up with, and that it is addressed to this device), then marks the records it\n"
    "lists as delivered; they are purged per the device's retention setting.\n\n"
    "Options:\n"
    "  --qr IMAGE|DIR            read the receipt from photos or screenshots of its QR\n"
    "                            frames (PNG/JPEG files or a folder of them; further\n"
    "                            arguments are images too), as written by\n"
    "                            `fieldkit qr send RECEIPT --png DIR` at the hub\n"
    "  --home DIR                device home (default $FIELDKIT_HOME)\n"
    "  --passphrase-file F       the device passphrase (ack needs none; taken so that\n"
    "                            scripts can give it to every command)\n"
    "  -h, --help                show this help\n");

static int
cmd_ack(int argc, char **argv)
{
	struct dopts o = {0};
	fk_args qr = {0}, pos;
	const struct fk_opt opt[] = {FK_LIST("qr", 0, &qr), DEVICE_COMMON(&o), FK_OPT_END};
	fk_device *d;
	fk_ack_result r;
	fk_buf b = {0};
	fk_err e = {0};
	char *home = NULL;
	int rc;

	if ((rc = fk_opts_parse("ack", ack_help, opt, argc, argv, &pos)) != FK_GO)
		return rc;
	if (qr.n == 0 && pos.n != 1)
		return fk_usage_error("ack", _("name one receipt file (or its QR images with --qr)"));
	if ((d = calloc(1, sizeof *d)) == NULL)
		return fk_report(&(fk_err){FK_ENOMEM, "out of memory"});
	rc = FK_EXIT_FAIL;
	if (load_device(o.home, d, &home, &e) != 0)
		goto fail;
	if (qr.n > 0 ? fk_cli_qr_receive(&qr, &pos, FK_SIGNED_MAX_BODY + 8192, _("receipt"), &b,
	    &e) != 0 : fk_read_file(pos.v[0], FK_SIGNED_MAX_BODY + 8192, &b, &e) != 0) {
		/* A bundle is often larger than any receipt: said what it is all the same. */
		if (qr.n == 0)
			(void)fk_kind_hint_file(&e, pos.v[0], pos.v[0], FK_KIND_RECEIPT);
		goto fail;
	}
	if (fk_ack_receipt(d, b.p, b.len, &r, &e) != 0) {
		(void)fk_kind_hint(&e, qr.n == 0 ? pos.v[0] : NULL, b.p, b.len, FK_KIND_RECEIPT);
		goto fail;
	}
	if (r.marked > 0 && r.already == r.marked)
		/* The same receipt again: nothing changed; say so, not "confirmed". */
		printf(ngettext("receipt from hub \"%s\" (%s) was acknowledged before: its %zu "
		    "record was already confirmed delivered (nothing changed)",
		    "receipt from hub \"%s\" (%s) was acknowledged before: its %zu records were "
		    "already confirmed delivered (nothing changed)", r.marked),
		    fk_show(r.hub), fk_show(r.created), r.marked);
	else
		printf(ngettext("receipt from hub \"%s\" (%s): %zu record confirmed delivered",
		    "receipt from hub \"%s\" (%s): %zu records confirmed delivered",
		    r.marked - r.already), fk_show(r.hub), fk_show(r.created), r.marked - r.already);
	if (r.already > 0 && r.already < r.marked)
		printf(ngettext("; %zu other was confirmed before", "; %zu others were confirmed "
		    "before", r.already), r.already);
	if (r.mismatched > 0)
		printf(ngettext("; %zu listed record is not held here in that form (kept as it is)",
		    "; %zu listed records are not held here in that form (kept as they are)",
		    r.mismatched), r.mismatched);
	putchar('\n');
	rc = 0;
	goto out;
fail:
	fk_prefix(&e, "ack");
	rc = fk_report(&e);
out:
	fk_buf_free(&b);
	fk_device_free(d);
	free(d);
	free(home);
	return rc;
}

static const char card_help[] = N_(
    "Usage: fieldkit device-card [--to FILE] [--home DIR] [--passphrase-file F]\n\n"
    "Writes this device's public card (device id, name, signing key), signed by the\n"
    "device key, for the hub to register with `fieldkit hub devices add CARD`.\n"
    "No USB? `fieldkit qr send CARD --png DIR` (or --terminal) shows it as QR codes;\n"
    "the hub reads them with `fieldkit hub devices add --qr DIR`.\n\n"
    "Options:\n"
    "  --to FILE                 where to write the card (default: device-ID.card)\n"
    "  --home DIR                device home (default $FIELDKIT_HOME)\n"
    "  --passphrase-file F       read the device passphrase from F (for the signing key)\n"
    "  -h, --help                show this help\n");

static int
cmd_device_card(int argc, char **argv)
{
	struct dopts o = {0};
	const char *to = NULL;
	const struct fk_opt opt[] = {FK_STR("to", 0, &to), DEVICE_COMMON(&o), FK_OPT_END};
	fk_device *d;
	fk_minisign_sk *sk = NULL;
	fk_device_card c;
	fk_buf out = {0};
	fk_args pos;
	fk_err e = {0};
	char *home = NULL, def[64], fp[17];
	int rc;

	if ((rc = fk_opts_parse("device-card", card_help, opt, argc, argv, &pos)) != FK_GO ||
	    (rc = fk_args_max("device-card", &pos, 0)) != FK_GO)
		return rc;
	if ((d = calloc(1, sizeof *d)) == NULL)
		return fk_report(&(fk_err){FK_ENOMEM, "out of memory"});
	rc = FK_EXIT_FAIL;
	if (load_device(o.home, d, &home, &e) != 0 || load_sign_key(home, o.passfile, &sk, &e))
		goto fail;
	memset(&c, 0, sizeof c);
	snprintf(c.device_id, sizeof c.device_id, "%s", d->device_id);
	snprintf(c.name, sizeof c.name, "%s", d->name);
	fk_minisign_sk_public(sk, &c.pk);
	fk_now_rfc3339(c.created);
	snprintf(def, sizeof def, "device-%.8s.card", d->device_id);
	if (to == NULL)
		to = def;
	if (fk_card_device_encode(&c, sk, &out, &e) != 0 ||
	    fk_write_file_atomic(to, out.p, out.len, 0644, &e) != 0)
		goto fail;
	fk_minisign_keyid_hex(c.pk.keynum, fp);
	printf(_("device card written to %s (device %s, key id %s)\n"), to, c.device_id, fp);
	rc = 0;
	goto out;
fail:
	rc = fk_report(&e);
out:
	fk_minisign_sk_free(sk);
	fk_buf_free(&out);
	fk_device_free(d);
	free(d);
	free(home);
	return rc;
}

FK_COMMAND(export, N_("write a signed bundle of unacknowledged records (USB sync)"),
    cmd_export);
FK_COMMAND(ack, N_("acknowledge a hub's receipt: mark its records delivered"), cmd_ack);
/* FK_COMMAND with a hyphenated name. */
static const struct fk_command fk_cmd_device_card
    __attribute__((used, section("fk_cmds"), aligned(sizeof(void *)))) = {
	"device-card", N_("write this device's signed public card for the hub"),
	cmd_device_card, NULL};
