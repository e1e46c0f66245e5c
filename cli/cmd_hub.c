/*
 * cmd_hub.c - `fieldkit hub ...`: init, devices, import, list, show, export,
 * gaps, receipt.
 *
 * Owns: the hub's command line. Everything durable happens in hub.c,
 * hub_import.c and receipt.c. Must never: print a record's contents without
 * writing an audit row first, or report success for a refused bundle.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "card.h"
#include "cli.h"
#include "hub.h"
#include "hub_forms.h"
#include "io.h"
#include "pass.h"
#include "qr.h"
#include "receipt.h"

/* The options every hub command takes, before or after its name. */
struct hopts {
	const char *home, *passfile;
};
#define HUB_COMMON(o) FK_STR("home", 0, &(o)->home), FK_STR("passphrase-file", 0, &(o)->passfile)

static const char hub_help[] = N_(
    "Usage: fieldkit hub COMMAND [--home DIR] [OPTIONS]...\n\n"
    "The hub: where records from many devices are imported and kept.\n\n"
    "Commands:\n"
    "  init        create a hub: age identity, signing key, hub card\n"
    "  devices     register, list or revoke devices (add, list, revoke)\n"
    "  import      import bundles: files, folders of *.fkb, or QR code images\n"
    "  list        list stored records (logged in the audit table)\n"
    "  show        show one record (logged)\n"
    "  export      write records out as JSON Lines or CSV (logged)\n"
    "  gaps        report missing sequence numbers and chain breaks\n"
    "  conflicts   list different bodies received under a known record id\n"
    "  receipt     write a signed receipt for a device\n\n"
    "Options of every command:\n"
    "  --home DIR                the hub home (default: $FIELDKIT_HUB_HOME)\n"
    "  --passphrase-file FILE    read the hub passphrase from FILE (first line; 0600)\n"
    "  -h, --help                show this help\n\n"
    "Run `fieldkit hub COMMAND --help` for a command's own help.\n\n"
    "No USB? Any card, receipt or bundle travels as QR codes:\n"
    "`fieldkit qr send FILE --png DIR` (or --terminal) on one side, and on the other\n"
    "`fieldkit init --hub-qr DIR`, `fieldkit ack --qr DIR`, `hub devices add --qr DIR`\n"
    "or `hub import --qr DIR`.\n");

static const char init_help[] = N_(
    "Usage: fieldkit hub init --home DIR --name NAME [--passphrase-file FILE]\n\n"
    "Creates a hub in DIR: its age identity (protected by a new passphrase, asked\n"
    "twice), its signing key, the database and the hub card (hub-card.json) that\n"
    "devices are set up with (`fieldkit init --hub CARD`).\n\n"
    "Options:\n"
    "  --home DIR                where to create the hub (default: $FIELDKIT_HUB_HOME)\n"
    "  --name NAME               the hub's name, shown on devices\n"
    "  --passphrase-file FILE    read the new passphrase from FILE (first line; 0600)\n"
    "  -h, --help                show this help\n");

static const char devices_help[] = N_(
    "Usage: fieldkit hub devices add CARD | add --qr IMAGE|DIR... | list | revoke ID\n"
    "                            [--home DIR]\n\n"
    "The devices whose bundles this hub accepts.\n\n"
    "Commands:\n"
    "  add       register a device's signed card (`fieldkit device-card` on the device)\n"
    "  list      list registered devices: id, name, added, state, records, key\n"
    "  revoke    refuse every future bundle from a device\n\n"
    "Run `fieldkit hub devices COMMAND --help` for a command's own help.\n");

static const char devices_add_help[] = N_(
    "Usage: fieldkit hub devices add CARD [--home DIR]\n"
    "       fieldkit hub devices add --qr IMAGE|DIR [IMAGE|DIR]... [--home DIR]\n\n"
    "Registers a device from its signed card, written on the device by\n"
    "`fieldkit device-card`, and prints its key id: compare it with the device.\n\n"
    "Options:\n"
    "  --qr IMAGE|DIR            read the card from photos or screenshots of its QR\n"
    "                            frames (PNG/JPEG files or a folder of them; further\n"
    "                            arguments are images too)\n"
    "  --home DIR                the hub home (default: $FIELDKIT_HUB_HOME)\n"
    "  -h, --help                show this help\n");

static const char devices_list_help[] = N_(
    "Usage: fieldkit hub devices list [--home DIR]\n\n"
    "Lists the registered devices, one a line, separated by tabs: id, name, when\n"
    "added, \"active\" or when revoked, records held, signing key.\n\n"
    "Options:\n"
    "  --home DIR                the hub home (default: $FIELDKIT_HUB_HOME)\n"
    "  -h, --help                show this help\n");

static const char devices_revoke_help[] = N_(
    "Usage: fieldkit hub devices revoke ID [--home DIR]\n\n"
    "Refuses every future bundle from device ID; records already imported stay.\n\n"
    "Options:\n"
    "  --home DIR                the hub home (default: $FIELDKIT_HUB_HOME)\n"
    "  -h, --help                show this help\n");

static const char import_help[] = N_(
    "Usage: fieldkit hub import FILE|DIR... [--home DIR] [--passphrase-file FILE]\n"
    "       fieldkit hub import --qr IMAGE|DIR [IMAGE|DIR]... [--home DIR]\n"
    "                           [--passphrase-file FILE]\n\n"
    "Imports bundles: each FILE, and every *.fkb in each DIR (a USB stick). Every\n"
    "bundle's signature, device and hashes are checked; a refused bundle is copied\n"
    "to the hub's quarantine folder and changes nothing. Records already held are\n"
    "counted as duplicates; a different body under a known id is kept as a conflict.\n"
    "Exit status: 0 when every bundle was imported, 1 when one was refused or a DIR\n"
    "holds no bundles, 2 for a usage error.\n\n"
    "Options:\n"
    "  --qr IMAGE|DIR            import one bundle sent as QR codes, from photos or\n"
    "                            screenshots of its frames (PNG/JPEG files or a folder\n"
    "                            of them; further arguments are images too)\n"
    "  --home DIR                the hub home (default: $FIELDKIT_HUB_HOME)\n"
    "  --passphrase-file FILE    read the hub passphrase from FILE (first line; 0600)\n"
    "  -h, --help                show this help\n");

static const char list_help[] = N_(
    "Usage: fieldkit hub list [--device ID] [--home DIR]\n\n"
    "Lists the stored records, one a line, separated by tabs: record id, device,\n"
    "sequence number, form@version, short reference, when finalized. Every listing\n"
    "is logged in the audit table.\n\n"
    "Options:\n"
    "  --device ID               only the records of device ID\n"
    "  --home DIR                the hub home (default: $FIELDKIT_HUB_HOME)\n"
    "  -h, --help                show this help\n");

static const char show_help[] = N_(
    "Usage: fieldkit hub show ID [--home DIR]\n\n"
    "Prints record ID as JSON, and any conflicting version kept for review. Every\n"
    "look is logged in the audit table.\n\n"
    "Options:\n"
    "  --home DIR                the hub home (default: $FIELDKIT_HUB_HOME)\n"
    "  -h, --help                show this help\n");

static const char export_help[] = N_(
    "Usage: fieldkit hub export --format jsonl|csv --to DIR [--home DIR]\n\n"
    "Writes every record to DIR: JSON Lines, or CSV with one file per repeat group.\n"
    "Every export is logged in the audit table.\n\n"
    "Options:\n"
    "  --format jsonl|csv        the format\n"
    "  --to DIR                  the folder to write to\n"
    "  --home DIR                the hub home (default: $FIELDKIT_HUB_HOME)\n"
    "  -h, --help                show this help\n");

static const char gaps_help[] = N_(
    "Usage: fieldkit hub gaps [--home DIR]\n\n"
    "Checks every device's records: a missing sequence number is a record not yet\n"
    "received; a broken hash chain is a record changed, lost or forged.\n"
    "Exit status: 0 when every chain is complete, 1 when records are missing or a\n"
    "chain is broken (each problem is printed), 2 for a usage error.\n\n"
    "Options:\n"
    "  --home DIR                the hub home (default: $FIELDKIT_HUB_HOME)\n"
    "  -h, --help                show this help\n");

static const char conflicts_help[] = N_(
    "Usage: fieldkit hub conflicts [--home DIR]\n\n"
    "Lists the different bodies received under a record id the hub already held,\n"
    "kept for review: record id, device, sequence number, when imported, bundle,\n"
    "the stored and the other ciphertext hash.\n"
    "Exit status: 0 when there are none, 1 when conflicts are listed, 2 for a usage\n"
    "error.\n\n"
    "Options:\n"
    "  --home DIR                the hub home (default: $FIELDKIT_HUB_HOME)\n"
    "  -h, --help                show this help\n");

static const char receipt_help[] = N_(
    "Usage: fieldkit hub receipt --device ID --to DIR [--home DIR]\n"
    "                            [--passphrase-file FILE]\n\n"
    "Writes a receipt, signed with the hub's key, listing every record of device ID\n"
    "the hub holds. On the device, `fieldkit ack RECEIPT` marks them delivered.\n\n"
    "Options:\n"
    "  --device ID               the device\n"
    "  --to DIR                  the folder to write the receipt to (a USB stick)\n"
    "  --home DIR                the hub home (default: $FIELDKIT_HUB_HOME)\n"
    "  --passphrase-file FILE    read the hub passphrase from FILE (first line; 0600)\n"
    "  -h, --help                show this help\n");

/* Opens the hub for command cmd. Returns FK_GO or an exit status. */
static int
open_hub(const struct hopts *o, const char *cmd, fk_hubdb **h)
{
	fk_err e = {0};

	if (o->home == NULL || o->home[0] == 0)
		return fk_usage_error(cmd, _("say where the hub is: --home DIR (or set "
		    "FIELDKIT_HUB_HOME)"));
	if (fk_hub_open(h, o->home, &e) != 0)
		return fk_report(&e);
	return FK_GO;
}

static int
hub_init(void *ctx, int argc, char **argv)
{
	struct hopts *o = ctx;
	const char *name = NULL;
	const struct fk_opt opt[] = {FK_STR("name", 0, &name), HUB_COMMON(o), FK_OPT_END};
	fk_secret pass = {0};
	const char *logn = getenv("FIELDKIT_SCRYPT_LOGN");
	char card[4200];
	fk_args pos;
	fk_err e = {0};
	int rc;

	if ((rc = fk_opts_parse("hub init", init_help, opt, argc, argv, &pos)) != FK_GO ||
	    (rc = fk_args_max("hub init", &pos, 0)) != FK_GO)
		return rc;
	if (o->home == NULL || name == NULL)
		return fk_usage_error("hub init", _("--home DIR and --name NAME are required"));
	if (fk_pass_get(_("New hub passphrase: "), 1, o->passfile, &pass, &e) != 0)
		return fk_report(&e);
	rc = fk_hub_create(o->home, name, pass.p, pass.len, logn ? atoi(logn) : 16, &e);
	fk_secret_free(&pass);
	if (rc != 0)
		return fk_report(&e);
	snprintf(card, sizeof card, "%s/%s", o->home, FK_HUB_CARD);
	printf(_("hub \"%s\" created in %s\n"), name, o->home);
	printf(_("give devices the hub card %s (`fieldkit init --hub %s`)\n"), card, card);
	printf(_("or as QR codes: `fieldkit qr send %s --png DIR` (or --terminal), read with "
	    "`fieldkit init --hub-qr DIR`\n"), card);
	return 0;
}

static int
print_device(void *ctx, const fk_hub_device_row *d)
{
	(void)ctx;
	return printf("%s\t%s\t%s\t%s\t%lld\t%s\n", d->id, d->name, d->added,
	    d->revoked ? d->revoked : "active", d->nrec, d->sign_pubkey) < 0 ? -1 : 0;
}

static int
devices_add(void *ctx, int argc, char **argv)
{
	struct hopts *o = ctx;
	fk_args qr = {0}, pos;
	const struct fk_opt opt[] = {FK_LIST("qr", 0, &qr), HUB_COMMON(o), FK_OPT_END};
	fk_hubdb *h = NULL;
	fk_buf b = {0};
	fk_device_card c;
	fk_err e = {0};
	char fp[17];
	int rc;

	if ((rc = fk_opts_parse("hub devices add", devices_add_help, opt, argc, argv, &pos)) !=
	    FK_GO)
		return rc;
	if (qr.n == 0 && pos.n != 1)
		return fk_usage_error("hub devices add", _("name one device card (or its QR "
		    "images with --qr)"));
	if ((rc = open_hub(o, "hub devices add", &h)) != FK_GO)
		return rc;
	rc = qr.n > 0 ? fk_cli_qr_receive(&qr, &pos, 1 << 20, _("device card"), &b, &e) :
	    fk_read_file(pos.v[0], 1 << 20, &b, &e);
	if (rc != 0 || fk_card_device_parse(b.p, b.len, &c, &e) != 0 ||
	    fk_hub_device_add(h, c.device_id, c.name, &c.pk, &e) != 0) {
		rc = fk_report(&e);
	} else {
		fk_minisign_keyid_hex(c.pk.keynum, fp);
		printf(_("device %s (\"%s\") registered; key id %s - compare it with the device\n"),
		    c.device_id, c.name, fp);
	}
	fk_buf_free(&b);
	fk_hub_close(h);
	return rc;
}

static int
devices_list(void *ctx, int argc, char **argv)
{
	struct hopts *o = ctx;
	const struct fk_opt opt[] = {HUB_COMMON(o), FK_OPT_END};
	fk_hubdb *h = NULL;
	fk_args pos;
	fk_err e = {0};
	int rc;

	if ((rc = fk_opts_parse("hub devices list", devices_list_help, opt, argc, argv, &pos)) !=
	    FK_GO || (rc = fk_args_max("hub devices list", &pos, 0)) != FK_GO ||
	    (rc = open_hub(o, "hub devices list", &h)) != FK_GO)
		return rc;
	rc = fk_hub_each_device(h, print_device, NULL, &e) == 0 ? 0 : fk_report(&e);
	fk_hub_close(h);
	return rc;
}

static int
devices_revoke(void *ctx, int argc, char **argv)
{
	struct hopts *o = ctx;
	const struct fk_opt opt[] = {HUB_COMMON(o), FK_OPT_END};
	fk_hubdb *h = NULL;
	fk_args pos;
	fk_err e = {0};
	int rc;

	if ((rc = fk_opts_parse("hub devices revoke", devices_revoke_help, opt, argc, argv,
	    &pos)) != FK_GO)
		return rc;
	if (pos.n != 1)
		return fk_usage_error("hub devices revoke", _("name one device id"));
	if ((rc = open_hub(o, "hub devices revoke", &h)) != FK_GO)
		return rc;
	rc = 0;
	if (fk_hub_device_revoke(h, pos.v[0], &e) != 0)
		rc = fk_report(&e);
	else
		printf(_("device %s revoked: its bundles will be refused\n"), pos.v[0]);
	fk_hub_close(h);
	return rc;
}

static int
hub_devices(void *ctx, int argc, char **argv)
{
	static const struct fk_sub subs[] = {
		{"add", devices_add}, {"list", devices_list}, {"revoke", devices_revoke}};
	struct hopts *o = ctx;
	const struct fk_opt common[] = {HUB_COMMON(o), FK_OPT_END};

	return fk_subcommands("hub devices", devices_help, common, subs,
	    sizeof subs / sizeof subs[0], o, argc, argv);
}

static void
import_one(fk_hubdb *h, const char *path, int *bad)
{
	fk_import_result r;
	fk_err e = {0};

	if (fk_hub_import_file(h, path, &r, &e) != 0) {
		(*bad)++;
		fk_warn(_("%s: refused: %s%s%s"), path, e.msg,
		    r.quarantined[0] ? _("; copied to ") : "", r.quarantined);
		return;
	}
	printf(_("%s: %zu records from %s: %zu new, %zu duplicates, %zu conflicts, "
	    "%zu attachments\n"), path, r.nrec, r.device_id, r.nnew, r.ndup, r.nconf, r.natt);
	if (r.replayed[0])
		printf(_("%s: this bundle was already imported on %s; nothing changed\n"), path,
		    r.replayed);
}

static int
namecmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Imports every *.fkb in dir, in name order; a folder without any is an error. */
static int
import_dir(fk_hubdb *h, const char *dir, int *bad, fk_err *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **v = NULL, **nv, path[4200];
	size_t n = 0, i, l;
	int rc = 0;

	if (d == NULL)
		return fk_fail(e, FK_EIO, _("cannot open %s: %s"), dir, strerror(errno));
	while (rc == 0 && (de = readdir(d)) != NULL) {
		l = strlen(de->d_name);
		if (l < 5 || strcmp(de->d_name + l - 4, ".fkb") != 0)
			continue;
		if ((nv = realloc(v, (n + 1) * sizeof *v)) != NULL)
			v = nv;
		if (nv == NULL || (v[n] = strdup(de->d_name)) == NULL)
			rc = fk_fail(e, FK_ENOMEM, _("out of memory"));
		else
			n++;
	}
	closedir(d);
	if (n > 1)
		qsort(v, n, sizeof *v, namecmp);
	for (i = 0; i < n; i++) {
		if (rc == 0) {
			snprintf(path, sizeof path, "%s/%s", dir, v[i]);
			import_one(h, path, bad);
		}
		free(v[i]);
	}
	free(v);
	if (rc == 0 && n == 0)
		rc = fk_fail(e, FK_EINPUT, _("no *.fkb bundles in %s"), dir);
	return rc;
}

/*
 * A bundle sent as QR codes (b: rebuilt and verified by its stream): written
 * to incoming/qr-HASH.fkb under the hub home, then imported like any bundle
 * file (a refused one is copied to quarantine from there). The file is
 * removed afterwards; the frames stay where they are.
 */
static int
import_qr(fk_hubdb *h, const fk_buf *b, int *bad, fk_err *e)
{
	char *dir = NULL, path[4200], hex[FK_SHA256_HEX + 1];
	uint8_t hash[FK_SHA256_LEN];
	int rc = -1;

	crypto_hash_sha256(hash, b->p, b->len);
	fk_hex(hash, 8, hex);
	if ((dir = fk_path_join(fk_hub_home(h), "incoming")) == NULL) {
		fk_fail(e, FK_ENOMEM, _("out of memory"));
		goto out;
	}
	snprintf(path, sizeof path, "%s/qr-%s.fkb", dir, hex);
	if (fk_mkdirs(dir, 0700, e) != 0 ||
	    fk_write_file_atomic(path, b->p, b->len, 0600, e) != 0)
		goto out;
	import_one(h, path, bad);
	unlink(path);
	rc = 0;
out:
	free(dir);
	return rc;
}

/* "records done/total" on the terminal while a bundle imports. */
static void
import_progress(void *ctx, size_t done, size_t total)
{
	(void)ctx;
	if (done < total)
		fprintf(stderr, "\r%zu/%zu", done, total);
	else
		fputs("\r                    \r", stderr);
}

static int
hub_import(void *ctx, int argc, char **argv)
{
	struct hopts *o = ctx;
	fk_args qr = {0}, pos;
	const struct fk_opt opt[] = {FK_LIST("qr", 0, &qr), HUB_COMMON(o), FK_OPT_END};
	fk_hub_forms *forms = NULL;
	fk_hubdb *h = NULL;
	fk_buf b = {0};
	fk_err e = {0};
	struct stat st;
	size_t i;
	int bad = 0, rc;

	if ((rc = fk_opts_parse("hub import", import_help, opt, argc, argv, &pos)) != FK_GO)
		return rc;
	if (pos.n == 0 && qr.n == 0)
		return fk_usage_error("hub import", _("name the bundles or folders to import"));
	if ((rc = open_hub(o, "hub import", &h)) != FK_GO)
		return rc;
	/* With --qr every argument is an image: receive before asking the passphrase. */
	if ((qr.n > 0 && fk_cli_qr_receive(&qr, &pos, FK_QR_MAX_LEN, _("bundle"), &b, &e) != 0) ||
	    fk_hub_unlock(h, o->passfile, &e) != 0 || fk_hub_forms_load(&forms, h, &e) != 0)
		goto fail;
	fk_hub_set_validator(h, fk_hub_forms_validate, forms);
	if (fk_progress_enabled())
		fk_hub_set_progress(h, import_progress, NULL);
	if (qr.n > 0) {
		if (import_qr(h, &b, &bad, &e) != 0)
			goto fail;
		pos.n = 0;
	}
	for (i = 0; i < pos.n; i++) {
		if (stat(pos.v[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			if (import_dir(h, pos.v[i], &bad, &e) != 0) {
				fk_warn("%s", e.msg);
				bad++;
			}
		} else {
			import_one(h, pos.v[i], &bad);
		}
	}
	rc = bad ? FK_EXIT_FAIL : 0;
	goto out;
fail:
	rc = fk_report(&e);
out:
	fk_hub_forms_free(forms);
	fk_buf_free(&b);
	fk_hub_close(h);
	return rc;
}

static int
list(fk_hubdb *h, const char *device, fk_err *e)
{
	sqlite3_stmt *st;
	long n = 0;

	if (sqlite3_prepare_v2(fk_hub_sqlite(h), "SELECT record_id, device_id, seq, form_id,"
	    " form_version, coalesce(short_ref, ''), json_extract(body, '$.finalized_at') FROM"
	    " records WHERE ?1 IS NULL OR device_id = ?1 ORDER BY device_id, seq", -1, &st,
	    NULL) != SQLITE_OK)
		return fk_fail(e, FK_EIO, _("hub database: %s"), sqlite3_errmsg(fk_hub_sqlite(h)));
	sqlite3_bind_text(st, 1, device, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		printf("%s\t%s\t%lld\t%s@%d\t%s\t%s\n", sqlite3_column_text(st, 0),
		    sqlite3_column_text(st, 1), (long long)sqlite3_column_int64(st, 2),
		    sqlite3_column_text(st, 3), sqlite3_column_int(st, 4),
		    sqlite3_column_text(st, 5),
		    sqlite3_column_text(st, 6) ? (const char *)sqlite3_column_text(st, 6) : "");
		n++;
	}
	sqlite3_finalize(st);
	return fk_hub_audit(h, "list", device ? device : "all", n, e);
}

static int
hub_list(void *ctx, int argc, char **argv)
{
	struct hopts *o = ctx;
	const char *device = NULL;
	const struct fk_opt opt[] = {FK_STR("device", 0, &device), HUB_COMMON(o), FK_OPT_END};
	fk_hubdb *h = NULL;
	fk_args pos;
	fk_err e = {0};
	int rc;

	if ((rc = fk_opts_parse("hub list", list_help, opt, argc, argv, &pos)) != FK_GO ||
	    (rc = fk_args_max("hub list", &pos, 0)) != FK_GO ||
	    (rc = open_hub(o, "hub list", &h)) != FK_GO)
		return rc;
	rc = list(h, device, &e) == 0 ? 0 : fk_report(&e);
	fk_hub_close(h);
	return rc;
}

static int
show(fk_hubdb *h, const char *id, fk_err *e)
{
	sqlite3_stmt *st;
	json_t *j = NULL;
	int k;

	if (sqlite3_prepare_v2(fk_hub_sqlite(h), "SELECT body FROM records WHERE record_id = ?"
	    " UNION ALL SELECT body FROM conflicts WHERE record_id = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		return fk_fail(e, FK_EIO, _("hub database: %s"), sqlite3_errmsg(fk_hub_sqlite(h)));
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	k = sqlite3_step(st);
	if (k == SQLITE_ROW)
		j = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
	if (j == NULL) {
		sqlite3_finalize(st);
		return fk_fail(e, FK_EINPUT, _("no record %s in this hub; see `fieldkit hub list`"),
		    id);
	}
	if (fk_hub_audit(h, "show", id, 1, e) != 0) {
		json_decref(j);
		sqlite3_finalize(st);
		return -1;
	}
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
	putchar('\n');
	json_decref(j);
	while ((k = sqlite3_step(st)) == SQLITE_ROW) {
		printf(_("--- conflicting version, kept for review:\n"));
		j = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		putchar('\n');
		json_decref(j);
	}
	sqlite3_finalize(st);
	return 0;
}

static int
hub_show(void *ctx, int argc, char **argv)
{
	struct hopts *o = ctx;
	const struct fk_opt opt[] = {HUB_COMMON(o), FK_OPT_END};
	fk_hubdb *h = NULL;
	fk_args pos;
	fk_err e = {0};
	int rc;

	if ((rc = fk_opts_parse("hub show", show_help, opt, argc, argv, &pos)) != FK_GO)
		return rc;
	if (pos.n != 1)
		return fk_usage_error("hub show", _("name one record id"));
	if ((rc = open_hub(o, "hub show", &h)) != FK_GO)
		return rc;
	rc = show(h, pos.v[0], &e) == 0 ? 0 : fk_report(&e);
	fk_hub_close(h);
	return rc;
}

static int
hub_export(void *ctx, int argc, char **argv)
{
	struct hopts *o = ctx;
	const char *format = NULL, *to = NULL;
	const struct fk_opt opt[] = {FK_STR("format", 0, &format), FK_STR("to", 0, &to),
		HUB_COMMON(o), FK_OPT_END};
	fk_hubdb *h = NULL;
	fk_args pos;
	fk_err e = {0};
	size_t n;
	int rc;

	if ((rc = fk_opts_parse("hub export", export_help, opt, argc, argv, &pos)) != FK_GO ||
	    (rc = fk_args_max("hub export", &pos, 0)) != FK_GO)
		return rc;
	if (format == NULL || to == NULL)
		return fk_usage_error("hub export", _("say --format jsonl|csv and --to DIR"));
	if ((rc = open_hub(o, "hub export", &h)) != FK_GO)
		return rc;
	rc = 0;
	if (fk_hub_export(h, format, to, &n, &e) != 0)
		rc = fk_report(&e);
	else
		printf(_("%zu records exported as %s to %s\n"), n, format, to);
	fk_hub_close(h);
	return rc;
}

static void
print_gap(void *ctx, const fk_hub_gap *g)
{
	(void)ctx;
	if (g->kind == FK_GAP_CHAIN)
		printf(_("%s: hash chain broken before record %lld\n"), g->device_id,
		    (long long)g->from);
	else if (g->from == g->to)
		printf(_("%s: record %lld missing\n"), g->device_id, (long long)g->from);
	else
		printf(_("%s: records %lld to %lld missing\n"), g->device_id,
		    (long long)g->from, (long long)g->to);
}

static int
hub_gaps(void *ctx, int argc, char **argv)
{
	struct hopts *o = ctx;
	const struct fk_opt opt[] = {HUB_COMMON(o), FK_OPT_END};
	fk_hubdb *h = NULL;
	fk_args pos;
	fk_err e = {0};
	size_t n;
	int rc;

	if ((rc = fk_opts_parse("hub gaps", gaps_help, opt, argc, argv, &pos)) != FK_GO ||
	    (rc = fk_args_max("hub gaps", &pos, 0)) != FK_GO ||
	    (rc = open_hub(o, "hub gaps", &h)) != FK_GO)
		return rc;
	rc = 0;
	if (fk_hub_gaps(h, print_gap, NULL, &n, &e) != 0)
		rc = fk_report(&e);
	else if (n > 0)
		rc = FK_EXIT_FAIL;
	else
		printf(_("no gaps: every device's records are complete and chained\n"));
	fk_hub_close(h);
	return rc;
}

static int
conflicts(fk_hubdb *h, long *n, fk_err *e)
{
	sqlite3_stmt *st;

	*n = 0;
	if (sqlite3_prepare_v2(fk_hub_sqlite(h), "SELECT c.record_id, c.device_id, c.seq,"
	    " c.imported_at, c.bundle_id, r.ct_hash, c.ct_hash FROM conflicts c LEFT JOIN records"
	    " r ON r.record_id = c.record_id ORDER BY c.imported_at, c.record_id", -1, &st,
	    NULL) != SQLITE_OK)
		return fk_fail(e, FK_EIO, _("hub database: %s"), sqlite3_errmsg(fk_hub_sqlite(h)));
	while (sqlite3_step(st) == SQLITE_ROW) {
		printf(_("%s\t%s\t%lld\t%s\tbundle %s\tstored %.16s\tother %.16s\n"),
		    sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
		    (long long)sqlite3_column_int64(st, 2), sqlite3_column_text(st, 3),
		    sqlite3_column_text(st, 4), sqlite3_column_text(st, 5),
		    sqlite3_column_text(st, 6));
		(*n)++;
	}
	sqlite3_finalize(st);
	return 0;
}

static int
hub_conflicts(void *ctx, int argc, char **argv)
{
	struct hopts *o = ctx;
	const struct fk_opt opt[] = {HUB_COMMON(o), FK_OPT_END};
	fk_hubdb *h = NULL;
	fk_args pos;
	fk_err e = {0};
	long n;
	int rc;

	if ((rc = fk_opts_parse("hub conflicts", conflicts_help, opt, argc, argv, &pos)) !=
	    FK_GO || (rc = fk_args_max("hub conflicts", &pos, 0)) != FK_GO ||
	    (rc = open_hub(o, "hub conflicts", &h)) != FK_GO)
		return rc;
	rc = 0;
	if (conflicts(h, &n, &e) != 0) {
		rc = fk_report(&e);
	} else if (n > 0) {
		printf(_("%ld conflicting versions kept; compare them with `fieldkit hub show ID`\n"),
		    n);
		rc = FK_EXIT_FAIL;
	} else {
		printf(_("no conflicts\n"));
	}
	fk_hub_close(h);
	return rc;
}

static int
receipt(fk_hubdb *h, const char *passfile, const char *device, const char *to, fk_err *e)
{
	fk_minisign_sk *sk = NULL;
	fk_buf out = {0};
	char *kp, path[4200], stamp[FK_TIME_BUF];
	size_t n;
	int rc = -1;

	if ((kp = fk_path_join(fk_hub_home(h), FK_HUB_SIGN_KEY)) == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	if (fk_minisign_sk_load(kp, passfile, &sk, e) != 0 ||
	    fk_hub_receipt_make(h, device, sk, &out, &n, e) != 0 || fk_mkdirs(to, 0755, e))
		goto fail;
	fk_now_rfc3339(stamp);
	stamp[4] = stamp[7] = stamp[13] = stamp[16] = '-';
	snprintf(path, sizeof path, "%s/receipt-%s-%s.fkr", to, device, stamp);
	if (fk_write_file_atomic(path, out.p, out.len, 0644, e) != 0)
		goto fail;
	printf(_("receipt for %zu records of device %s written to %s\n"), n, device, path);
	printf(_("or as QR codes: `fieldkit qr send %s --png DIR` (or --terminal), read on the "
	    "device with `fieldkit ack --qr DIR`\n"), path);
	rc = 0;
fail:
	free(kp);
	fk_minisign_sk_free(sk);
	fk_buf_free(&out);
	return rc;
}

static int
hub_receipt(void *ctx, int argc, char **argv)
{
	struct hopts *o = ctx;
	const char *device = NULL, *to = NULL;
	const struct fk_opt opt[] = {FK_STR("device", 0, &device), FK_STR("to", 0, &to),
		HUB_COMMON(o), FK_OPT_END};
	fk_hubdb *h = NULL;
	fk_args pos;
	fk_err e = {0};
	int rc;

	if ((rc = fk_opts_parse("hub receipt", receipt_help, opt, argc, argv, &pos)) != FK_GO ||
	    (rc = fk_args_max("hub receipt", &pos, 0)) != FK_GO)
		return rc;
	if (device == NULL || to == NULL)
		return fk_usage_error("hub receipt", _("--device ID and --to DIR are required"));
	if ((rc = open_hub(o, "hub receipt", &h)) != FK_GO)
		return rc;
	rc = receipt(h, o->passfile, device, to, &e) == 0 ? 0 : fk_report(&e);
	fk_hub_close(h);
	return rc;
}

static int
cmd_hub(int argc, char **argv)
{
	static const struct fk_sub subs[] = {
		{"init", hub_init}, {"devices", hub_devices}, {"import", hub_import},
		{"list", hub_list}, {"show", hub_show}, {"export", hub_export},
		{"gaps", hub_gaps}, {"conflicts", hub_conflicts}, {"receipt", hub_receipt}};
	struct hopts o = {getenv("FIELDKIT_HUB_HOME"), NULL};
	const struct fk_opt common[] = {HUB_COMMON(&o), FK_OPT_END};

	return fk_subcommands("hub", hub_help, common, subs, sizeof subs / sizeof subs[0], &o,
	    argc, argv);
}

FK_COMMAND(hub, N_("the hub: init, devices, import, list, show, export, gaps, conflicts, "
    "receipt"), cmd_hub);
