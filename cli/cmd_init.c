/*
 * cmd_init.c - `fieldkit init`: sets up the device home (device.json, the
 * signing key, the draft key, the store) for one or more hubs, and prints
 * the hub key fingerprints so the worker can compare them by phone.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "device.h"
#include "pass.h"
#include "qrwire.h"

static void
init_usage(FILE *f)
{
	fprintf(f, _("Usage:\n"
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
		     "  -h, --help                   show this help\n"));
}

/* A hub card from a file (path) or from QR frame images (q). */
static int
add_card(fk_device *d, const char *path, const fk_qr_paths *q, fk_err *e)
{
	fk_buf b = { 0 };
	fk_hubcard c;
	int rc;

	if (d->nhubs >= FK_DEVICE_MAX_HUBS)
		return fk_fail(e, FK_ELIMIT, _("at most %d hubs"), FK_DEVICE_MAX_HUBS);
	if (path != NULL)
		rc = fk_read_file(path, FK_DEVICE_MAX_JSON, &b, e);
	else
		rc = fk_cli_qr_receive(q, FK_DEVICE_MAX_JSON, _("hub card"), &b, e);
	if (rc == 0)
		rc = fk_hubcard_parse(b.p, b.len, &c, e);
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
		printf(_("  hub \"%s\"\n"), d->hubs[i].name);
		for (j = 0; j < d->hubs[i].nrecip; j++) {
			fk_fingerprint_recipient(d->hubs[i].recip[j], fp);
			printf(_("    encryption key %zu: %s\n"), j + 1, fp);
		}
		if (fk_fingerprint_sign_pubkey(d->hubs[i].sign_pubkey, kid) == 0)
			printf(_("    signing key id:   %s\n"), kid);
	}
}

static int
cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "home", required_argument, NULL, 'H' },
		{ "name", required_argument, NULL, 'n' },
		{ "hub", required_argument, NULL, 'c' },
		{ "hub-qr", required_argument, NULL, 'Q' },
		{ "hub-recipient", required_argument, NULL, 'r' },
		{ "hub-sign-pubkey", required_argument, NULL, 's' },
		{ "hub-name", required_argument, NULL, 'N' },
		{ "retention", required_argument, NULL, 'R' },
		{ "attachment-limit", required_argument, NULL, 'L' },
		{ "passphrase-file", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	fk_device *d = calloc(1, sizeof *d);
	fk_hub manual;
	fk_secret pass = { 0 };
	fk_qr_paths qr = { 0 };
	fk_err e = { 0 };
	const char *home = NULL, *passfile = NULL, *hubname = "hub";
	int c, have_manual = 0, have_sign = 0, rc = FK_EXIT_FAIL;
	char *end;
	long mb;
	uint8_t pk[FK_KEY_LEN];

	if (d == NULL)
		return fk_report(&(fk_err){ FK_ENOMEM, "out of memory" });
	memset(&manual, 0, sizeof manual);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			home = optarg;
			break;
		case 'n':
			snprintf(d->name, sizeof d->name, "%s", optarg);
			break;
		case 'c':
			if (add_card(d, optarg, NULL, &e) != 0)
				goto fail;
			break;
		case 'Q':
			if (fk_qr_paths_add(&qr, optarg, &e) != 0)
				goto fail;
			break;
		case 'r':
			if (manual.nrecip >= FK_HUB_MAX_RECIPIENTS ||
			    strlen(optarg) != FK_AGE_RECIPIENT_LEN ||
			    fk_age_parse_recipient(optarg, strlen(optarg), pk, &e) != 0) {
				rc = fk_usage_error("init", _("--hub-recipient: not an age1... public key"));
				goto out;
			}
			memcpy(manual.recip[manual.nrecip++], optarg, FK_AGE_RECIPIENT_LEN + 1);
			have_manual = 1;
			break;
		case 's':
			if (sign_key_arg(optarg, manual.sign_pubkey, &e) != 0)
				goto fail;
			have_sign = 1;
			break;
		case 'N':
			hubname = optarg;
			break;
		case 'R':
			if (fk_retention_parse(optarg, &d->purge, &d->purge_days, &e) != 0) {
				rc = fk_usage_error("init", "%s", e.msg);
				goto out;
			}
			break;
		case 'L':
			mb = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || mb < 1 || mb > 1024) {
				rc = fk_usage_error("init", _("--attachment-limit: a number of MB, 1 to 1024"));
				goto out;
			}
			d->att_limit = (uint64_t)mb * 1024 * 1024;
			break;
		case 'P':
			passfile = optarg;
			break;
		case 'h':
			init_usage(stdout);
			rc = FK_EXIT_OK;
			goto out;
		default:
			rc = fk_usage_error("init", _("unknown option"));
			goto out;
		}
	}
	while (qr.n > 0 && optind < argc)
		if (fk_qr_paths_add(&qr, argv[optind++], &e) != 0)
			goto fail;
	if (optind != argc) {
		rc = fk_usage_error("init", _("unexpected argument '%s'"), argv[optind]);
		goto out;
	}
	if (qr.n > 0 && add_card(d, NULL, &qr, &e) != 0)
		goto fail;
	if (have_manual != have_sign) {
		rc = fk_usage_error("init",
		    _("--hub-recipient and --hub-sign-pubkey go together"));
		goto out;
	}
	if (have_manual) {
		if (d->nhubs >= FK_DEVICE_MAX_HUBS) {
			rc = fk_usage_error("init", _("too many hubs"));
			goto out;
		}
		snprintf(manual.name, sizeof manual.name, "%s", hubname);
		d->hubs[d->nhubs++] = manual;
	}
	if (d->nhubs == 0) {
		rc = fk_usage_error("init", _("name a hub with --hub CARD, --hub-qr IMAGES or "
		    "--hub-recipient"));
		goto out;
	}
	if (fk_device_home(home, &d->home, &e) != 0)
		goto fail;
	if (fk_pass_get(_("New device passphrase: "), 1, passfile, &pass, &e) != 0)
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
	fk_qr_paths_free(&qr);
	fk_device_free(d);
	free(d);
	return rc;
}

FK_COMMAND(init, N_("set up this device for a hub (device home, keys, store)"), cmd_init);
