/*
 * cmd_init.c - `fieldkit init`: sets up the device home (device.json, the
 * signing key, the draft key, the store) for one or more hubs, and prints
 * the hub key fingerprints so the worker can compare them by phone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kind.h"
#include "text.h"
#include "device.h"
#include "pass.h"

static const char init_usage[] = N_("Usage:\n"
		     "  fieldkit init [--home DIR] [--name NAME] --hub CARD... [--passphrase-file F]\n"
		     "  fieldkit init [--home DIR] [--name NAME] --hub-qr IMAGES|DIR... [--passphrase-file F]\n"
		     "  fieldkit init [--home DIR] [--name NAME] --hub-recipient age1...\n"
		     "                --hub-sign-pubkey KEYFILE_OR_BASE64 [--hub-name NAME]\n"
		     "                [--passphrase-file F]\n\n"
		     "Sets up this device: every record captured here is sealed to the hubs'\n"
		     "keys at once and can no longer be read on the device.\n\n"
		     "Options:\n"
		     "      --home DIR               device home (default $FIELDKIT_HOME or\n"
		     "                               ~/.local/share/fieldkit)\n"
		     "      --name NAME              a name for this device\n"
		     "      --hub CARD               a hub card file from the hub (repeatable)\n"
		     "      --hub-qr IMAGE|DIR       the hub card as QR frame images (PNG/JPEG files or a\n"
		     "                               folder of them; repeatable, and any further\n"
		     "                               arguments are images too): all of them make up\n"
		     "                               one card, from `fieldkit qr send hub-card.json\n"
		     "                               --png DIR` at the hub\n"
		     "      --hub-recipient KEY      a hub's age1... key (repeatable)\n"
		     "      --hub-sign-pubkey KEY    the hub's minisign public key (file or base64)\n"
		     "      --hub-name NAME          the hub's name (default \"hub\")\n"
		     "      --retention WHEN         after delivery purge records: now, days:N, never\n"
		     "                               (default now)\n"
		     "      --attachment-limit MB    largest attachment in MB (default 10)\n"
		     "      --passphrase-file F      read the new device passphrase from F\n"
		     "  -h, --help                   show this help\n");

/* A hub card from a file (path) or from QR frame images (qr, then more). */
static int
add_card(fk_device *d, const char *path, const fk_args *qr, const fk_args *more, fk_err *e)
{
	fk_buf b = { 0 };
	fk_hubcard c;
	int rc;

	if (d->nhubs >= FK_DEVICE_MAX_HUBS)
		return fk_fail(e, FK_ELIMIT, _("at most %d hubs"), FK_DEVICE_MAX_HUBS);
	if (path != NULL)
		rc = fk_read_file(path, FK_DEVICE_MAX_JSON, &b, e);
	else
		rc = fk_cli_qr_receive(qr, more, FK_DEVICE_MAX_JSON, _("hub card"), &b, e);
	if (rc == 0 && (rc = fk_hubcard_parse(b.p, b.len, &c, e)) != 0 &&
	    fk_kind_hint(e, path, b.p, b.len, FK_KIND_HUB_CARD)) {
		fk_buf_free(&b);
		return -1;
	}
	if (rc != 0 && path != NULL && b.p == NULL &&
	    fk_kind_hint_file(e, path, path, FK_KIND_HUB_CARD)) /* too large: a bundle? */
		return -1;
	fk_buf_free(&b);
	if (rc != 0)
		return path != NULL ? fk_prefix(e, "%s", path) : -1;
	d->hubs[d->nhubs++] = c.hub;
	return 0;
}

static int
sign_key_arg(const char *arg, char out[FK_MINISIGN_PK_B64_LEN + 1], fk_err *e)
{
	fk_buf b = { 0 };
	int rc;

	if (strlen(arg) == FK_MINISIGN_PK_B64_LEN &&
	    fk_sign_pubkey_parse((const uint8_t *)arg, strlen(arg), out, NULL) == 0)
		return 0;
	if (fk_read_file(arg, 4096, &b, e) != 0)
		return -1;
	rc = fk_sign_pubkey_parse(b.p, b.len, out, e);
	fk_buf_free(&b);
	return rc;
}

static void
print_fingerprints(const fk_device *d)
{
	char fp[40], kid[17];
	size_t i, j;

	printf(_("Device %s set up in %s\n"), d->device_id, d->home);
	printf(_("Compare these hub key fingerprints with the hub operator (by phone):\n"));
	for (i = 0; i < d->nhubs; i++) {
		printf(_("  hub \"%s\"\n"), fk_show(d->hubs[i].name));
		for (j = 0; j < d->hubs[i].nrecip; j++) {
			fk_fingerprint_recipient(d->hubs[i].recip[j], fp);
			printf(_("    encryption key %zu: %s\n"), j + 1, fp);
		}
		if (fk_fingerprint_sign_pubkey(d->hubs[i].sign_pubkey, kid) == 0)
			printf(_("    signing key id:   %s\n"), kid);
	}
}

/* The hub given by --hub-recipient and --hub-sign-pubkey, if any. */
static int
add_manual(fk_device *d, const fk_args *recip, const char *sign, const char *name, fk_err *e)
{
	fk_hub *h;
	uint8_t pk[FK_KEY_LEN];
	size_t i;

	if ((recip->n > 0) != (sign != NULL))
		return fk_usage_error("init", _("--hub-recipient and --hub-sign-pubkey go together"));
	if (sign == NULL)
		return FK_GO;
	if (d->nhubs >= FK_DEVICE_MAX_HUBS)
		return fk_usage_error("init", _("too many hubs"));
	h = &d->hubs[d->nhubs];
	memset(h, 0, sizeof *h);
	for (i = 0; i < recip->n; i++) {
		const char *r = recip->v[i];
		if (i >= FK_HUB_MAX_RECIPIENTS || strlen(r) != FK_AGE_RECIPIENT_LEN ||
		    fk_age_parse_recipient(r, strlen(r), pk, e) != 0)
			return fk_usage_error("init", _("--hub-recipient: not an age1... public key"));
		memcpy(h->recip[h->nrecip++], r, FK_AGE_RECIPIENT_LEN + 1);
	}
	if (sign_key_arg(sign, h->sign_pubkey, e) != 0)
		return fk_report(e);
	snprintf(h->name, sizeof h->name, "%s", name);
	d->nhubs++;
	return FK_GO;
}

static int
cmd_init(int argc, char **argv)
{
	const char *home = NULL, *passfile = NULL, *hubname = "hub", *name = NULL;
	const char *sign = NULL, *retention = NULL, *limit = NULL;
	fk_args cards = {0}, qr = {0}, recip = {0}, pos;
	const struct fk_opt opt[] = {
		FK_STR("home", 0, &home), FK_STR("name", 0, &name), FK_LIST("hub", 0, &cards),
		FK_LIST("hub-qr", 0, &qr), FK_LIST("hub-recipient", 0, &recip),
		FK_STR("hub-sign-pubkey", 0, &sign), FK_STR("hub-name", 0, &hubname),
		FK_STR("retention", 0, &retention), FK_STR("attachment-limit", 0, &limit),
		FK_STR("passphrase-file", 0, &passfile), FK_OPT_END};
	fk_device *d;
	fk_secret pass = { 0 };
	fk_err e = { 0 };
	char *end;
	long mb = 0;
	size_t i;
	int rc;

	if ((rc = fk_opts_parse("init", init_usage, opt, argc, argv, &pos)) != FK_GO ||
	    (rc = fk_args_max("init", &pos, qr.n > 0 ? pos.n : 0)) != FK_GO)
		return rc;
	if (limit != NULL) {
		mb = strtol(limit, &end, 10);
		if (*limit == '\0' || *end != '\0' || mb < 1 || mb > 1024)
			return fk_usage_error("init", _("--attachment-limit: a number of MB, 1 to 1024"));
	}
	if ((d = calloc(1, sizeof *d)) == NULL)
		return fk_report(&(fk_err){ FK_ENOMEM, "out of memory" });
	rc = FK_EXIT_FAIL;
	if (name != NULL && !fk_text_plain(name, strlen(name))) {
		free(d);
		return fk_usage_error("init", _("--name: a name without control characters, please "
		    "(it goes on the device card and into the hub's lists)"));
	}
	if (name != NULL)
		snprintf(d->name, sizeof d->name, "%s", name);
	if (limit != NULL)
		d->att_limit = (uint64_t)mb * 1024 * 1024;
	if (retention != NULL && fk_retention_parse(retention, &d->purge, &d->purge_days, &e) != 0) {
		rc = fk_usage_error("init", "%s", e.msg);
		goto out;
	}
	for (i = 0; i < cards.n; i++)
		if (add_card(d, cards.v[i], NULL, NULL, &e) != 0)
			goto fail;
	if (qr.n > 0 && add_card(d, NULL, &qr, &pos, &e) != 0)
		goto fail;
	if ((rc = add_manual(d, &recip, sign, hubname, &e)) != FK_GO)
		goto out;
	if (d->nhubs == 0) {
		rc = fk_usage_error("init", _("name a hub with --hub CARD, --hub-qr IMAGES or "
		    "--hub-recipient"));
		goto out;
	}
	if (fk_device_home(home, &d->home, &e) != 0 || fk_device_home_free(d->home, &e) != 0)
		goto fail;
	if (fk_pass_new(_("New device passphrase: "), passfile, &pass, &e) != 0)
		goto fail;
	if (fk_device_create(d, pass.p, pass.len, &e) != 0)
		goto fail;
	print_fingerprints(d);
	rc = FK_EXIT_OK;
	goto out;
fail:
	rc = fk_report(&e);
out:
	if (pass.p != NULL)
		fk_secret_free(&pass);
	fk_device_free(d);
	free(d);
	return rc;
}

FK_COMMAND(init, N_("set up this device for a hub (device home, keys, store)"), cmd_init);
