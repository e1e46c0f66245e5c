/*
 * cmd_hub.c - `fieldkit hub ...`: init, devices, import, list, show, export,
 * gaps, conflicts, receipt; find, match and duplicates live in cmd_match.c.
 *
 * Owns: the hub's command line, one table entry a command (its options,
 * arguments and help; hub_run parses them and opens the hub). Everything durable happens in hub.c,
 * hub_import.c and receipt.c. Must never: print a record's contents without
 * writing an audit row first, or report success for a refused bundle.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "card.h"
#include "kind.h"
#include "cli.h"
#include "cli_net.h"
#include "hub.h"
#include "shortref.h"
#include "hub_lookup.h"
#include "hub_forms.h"
#include "cmd_match.h"
#include "device.h"
#include "match_db.h"
#include "hub_tls.h"
#include "io.h"
#include "pass.h"
#include "qr.h"
#include "receipt.h"
#include "text.h"

/* The options of the hub commands; each command takes some of them. */
struct hopts {
	const char *home, *passfile, *name, *device, *to, *format;
	fk_args qr;
	const char *labels, *reason, *url;
	int yes;
};
enum { H_HOME = 1, H_PASS = 2, H_NAME = 4, H_DEVICE = 8, H_TO = 16, H_FORMAT = 32, H_QR = 64,
	H_LABELS = 128, H_YES = 256, H_REASON = 512, H_URL = 1024 };

/*
 * A hub command: its options (beyond --home and --passphrase-file, which
 * every one takes) and those it needs, how many arguments it takes (with
 * --qr: any number, all images) and what to say otherwise; run does the
 * work on the opened hub and returns an exit status, or -1 for an error in
 * e. open: 0 no hub (h is NULL), HUB_UNLOCK the hub opened and unlocked (the
 * passphrase asked), HUB_OPEN only opened (run unlocks it when it needs to).
 */
enum { HUB_UNLOCK = 1, HUB_OPEN = 2 };
struct hub_cmd {
	const char *help;
	unsigned opts, need;
	const char *need_msg;
	size_t min, max;
	const char *args_msg;
	int open;
	int (*run)(fk_hubdb *h, const struct hopts *o, const fk_args *pos, fk_err *e);
};

static const char hub_help[] = N_(
    "Usage: fieldkit hub COMMAND [--home DIR] [OPTIONS]...\n\n"
    "The hub: where records from many devices are imported and kept.\n\n"
    "Commands:\n"
    "  init        create a hub: age identity, signing key, hub card\n"
    "  info        the hub's name and key fingerprints (to compare by phone)\n"
    "  devices     register, list, revoke devices (add, list, revoke, unrevoke)\n"
    "  import      import bundles: files, folders of *.fkb, or QR code images\n"
    "  list        list stored records (logged in the audit table)\n"
    "  show        show one record (logged)\n"
    "  export      write records out as JSON Lines or CSV (logged)\n"
    "  gaps        report missing sequence numbers and chain breaks\n"
    "  conflicts   list what was kept for review instead of being stored\n"
    "  receipt     write a signed receipt for a device\n"
    "  find        find a child by name, in any script or spelling (logged)\n"
    "  match       returned children against the family reports; confirm or reject\n"
    "  duplicates  children reported more than once, as clusters\n"
    "  sql         run a read-only SQL query over the hub's database (logged)\n"
    "  migrate     encrypt the database of a hub made by an earlier fieldkit\n"
    "  serve       serve network sync over HTTPS (`fieldkit push` on devices)\n"
    "  tls         renew the hub's TLS certificate (and key)\n"
    "  url         set the address devices push to, in the hub card\n\n"
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
    "Usage: fieldkit hub init --home DIR --name NAME [--url URL] [--passphrase-file FILE]\n\n"
    "Creates a hub in DIR: its age identity (protected by a new passphrase, asked\n"
    "twice), its signing key, its TLS key and certificate (for `hub serve`), the\n"
    "database and the hub card (hub-card.json) that devices are set up with\n"
    "(`fieldkit init --hub CARD`); the card carries the pin of the TLS key.\n\n"
    "Options:\n"
    "  --home DIR                where to create the hub (default: $FIELDKIT_HUB_HOME)\n"
    "  --name NAME               the hub's name, shown on devices\n"
    "  --url URL                 where devices will push to, https://HOST[:PORT]\n"
    "  --passphrase-file FILE    read the new passphrase from FILE (first line; 0600)\n"
    "  -h, --help                show this help\n");

static const char devices_help[] = N_(
    "Usage: fieldkit hub devices add CARD | add --qr IMAGE|DIR... | list | revoke ID\n"
    "                            | unrevoke ID --reason TEXT [--home DIR]\n\n"
    "The devices whose bundles this hub accepts.\n\n"
    "Commands:\n"
    "  add       register a device's signed card (`fieldkit device-card` on the device)\n"
    "  list      list registered devices: id, name, added, state, records, key\n"
    "  revoke    refuse every future bundle from a device\n"
    "  unrevoke  take a revocation back (with a reason, audited)\n\n"
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
    "  --passphrase-file FILE    read the hub passphrase from FILE (first line; 0600)\n"
    "  -h, --help                show this help\n");

static const char devices_list_help[] = N_(
    "Usage: fieldkit hub devices list [--home DIR]\n\n"
    "Lists the registered devices, one a line, separated by tabs: id, name, when\n"
    "added, \"active\" or \"revoked\" and when, records held, signing key.\n\n"
    "Options:\n"
    "  --home DIR                the hub home (default: $FIELDKIT_HUB_HOME)\n"
    "  --passphrase-file FILE    read the hub passphrase from FILE (first line; 0600)\n"
    "  -h, --help                show this help\n");

static const char devices_revoke_help[] = N_(
    "Usage: fieldkit hub devices revoke ID|NAME [--yes] [--home DIR]\n\n"
    "Refuses every future bundle from the device, also of records it captured\n"
    "before; records already imported stay. Asks for confirmation (type yes).\n"
    "A device back in safe hands can send what it holds after `hub devices unrevoke`.\n\n"
    "Options:\n"
    "  --yes                     do not ask (for scripts)\n"
    "  --home DIR                the hub home (default: $FIELDKIT_HUB_HOME)\n"
    "  --passphrase-file FILE    read the hub passphrase from FILE (first line; 0600)\n"
    "  -h, --help                show this help\n");

static const char devices_unrevoke_help[] = N_(
    "Usage: fieldkit hub devices unrevoke ID|NAME --reason TEXT [--home DIR]\n\n"
    "Takes a revocation back, with the reason in the audit log: the way for records\n"
    "a revoked device captured before its revocation to reach the hub (unrevoke,\n"
    "import its bundles, revoke it again if need be). Its key is trusted again:\n"
    "do it only for a device back in safe hands.\n\n"
    "Options:\n"
    "  --reason TEXT             why (one line; kept in the audit log)\n"
    "  --home DIR                the hub home (default: $FIELDKIT_HUB_HOME)\n"
    "  --passphrase-file FILE    read the hub passphrase from FILE (first line; 0600)\n"
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
    "Usage: fieldkit hub list [--device ID|NAME] [--home DIR]\n\n"
    "Lists the stored records, one a line, separated by tabs: record id, device,\n"
    "sequence number, form@version, short reference, when finalized. Every listing\n"
    "is logged in the audit table.\n\n"
    "Options:\n"
    "  --device ID|NAME          only the records of that device (its id or name)\n"
    "  --home DIR                the hub home (default: $FIELDKIT_HUB_HOME)\n"
    "  --passphrase-file FILE    read the hub passphrase from FILE (first line; 0600)\n"
    "  -h, --help                show this help\n");

static const char show_help[] = N_(
    "Usage: fieldkit hub show ID|SLIP-CODE [--home DIR]\n\n"
    "Prints a record as JSON, and any conflicting version kept for review, then\n"
    "the matching links a person confirmed (`hub match --confirm`). The record is\n"
    "named by its id, a unique beginning of its id (at least 4 characters), or the\n"
    "family's slip code (XXXX-XXXX, any case, the dash optional; a mistyped\n"
    "character is caught by the check character). Every look is logged in the\n"
    "audit table.\n\n"
    "Options:\n"
    "  --home DIR                the hub home (default: $FIELDKIT_HUB_HOME)\n"
    "  --passphrase-file FILE    read the hub passphrase from FILE (first line; 0600)\n"
    "  -h, --help                show this help\n");

static const char export_help[] = N_(
    "Usage: fieldkit hub export --format jsonl|csv --to DIR [--labels LANG]\n"
    "                           [--home DIR] [--passphrase-file FILE]\n\n"
    "Writes every record to DIR: JSON Lines, or CSV with one file per form and one\n"
    "per repeat group. CSV files are UTF-8 with a byte order mark, their columns in\n"
    "the form's order; an attachment is the name of its file in the hub\n"
    "(files/HASH.age, opened with `fieldkit age -d -i identity.age`); a value that a\n"
    "spreadsheet would run as a formula (starting with = + - @, a tab or a carriage\n"
    "return) is written with ' in front. Every export is logged in the audit table.\n\n"
    "Options:\n"
    "  --format jsonl|csv        the format\n"
    "  --to DIR                  the folder to write to\n"
    "                            (made if missing; its parent folder must exist)\n"
    "  --labels LANG             beside each choice's code, its label in LANG (uk, en)\n"
    "  --home DIR                the hub home (default: $FIELDKIT_HUB_HOME)\n"
    "  --passphrase-file FILE    read the hub passphrase from FILE (first line; 0600)\n"
    "  -h, --help                show this help\n");

static const char gaps_help[] = N_(
    "Usage: fieldkit hub gaps [--home DIR]\n\n"
    "Checks every device's records: a missing sequence number is a record not yet\n"
    "received; a broken hash chain is a record changed, lost or forged.\n"
    "Exit status: 0 when every chain is complete, 1 when records are missing or a\n"
    "chain is broken (each problem is printed), 2 for a usage error.\n\n"
    "Options:\n"
    "  --home DIR                the hub home (default: $FIELDKIT_HUB_HOME)\n"
    "  --passphrase-file FILE    read the hub passphrase from FILE (first line; 0600)\n"
    "  -h, --help                show this help\n");

static const char conflicts_help[] = N_(
    "Usage: fieldkit hub conflicts [--home DIR]\n\n"
    "Lists what was kept for review instead of being stored: a different body\n"
    "received under a record id the hub already held (\"another body\"), and a\n"
    "second record at a sequence number the hub holds from that device (\"fork of\n"
    "ID\": a cloned device, or a store restored from a backup). Columns: record id,\n"
    "device, sequence number, when imported, bundle, the stored and the other\n"
    "ciphertext hash, which of the two it is.\n"
    "Exit status: 0 when there are none, 1 when conflicts are listed, 2 for a usage\n"
    "error.\n\n"
    "Options:\n"
    "  --home DIR                the hub home (default: $FIELDKIT_HUB_HOME)\n"
    "  --passphrase-file FILE    read the hub passphrase from FILE (first line; 0600)\n"
    "  -h, --help                show this help\n");

static const char receipt_help[] = N_(
    "Usage: fieldkit hub receipt --device ID|NAME --to DIR [--home DIR]\n"
    "                            [--passphrase-file FILE]\n\n"
    "Writes a receipt, signed with the hub's key, listing every record of the device\n"
    "the hub holds. On the device, `fieldkit ack RECEIPT` marks them delivered.\n"
    "A device the hub does not know is refused.\n\n"
    "Options:\n"
    "  --device ID|NAME          the device, by its id or its name\n"
    "  --to DIR                  the folder to write the receipt to (a USB stick)\n"
    "                            (made if missing; its parent folder must exist)\n"
    "  --home DIR                the hub home (default: $FIELDKIT_HUB_HOME)\n"
    "  --passphrase-file FILE    read the hub passphrase from FILE (first line; 0600)\n"
    "  -h, --help                show this help\n");

static const char sql_help[] = N_(
    "Usage: fieldkit hub sql QUERY [--home DIR] [--passphrase-file FILE]\n\n"
    "Runs one read-only SQL query (a SELECT or WITH statement) over the hub's\n"
    "database and prints the rows as the sqlite3 shell does: columns separated by\n"
    "'|', no header, NULL as nothing. On a terminal, control characters in values\n"
    "are shown escaped; into a pipe or a file, values are written as they are.\n"
    "The database is encrypted, so the sqlite3 shell cannot open it; its tables are\n"
    "described in docs/hub-database.md. Every query is logged in the audit table.\n\n"
    "Options:\n"
    "  --home DIR                the hub home (default: $FIELDKIT_HUB_HOME)\n"
    "  --passphrase-file FILE    read the hub passphrase from FILE (first line; 0600)\n"
    "  -h, --help                show this help\n");

static const char info_help[] = N_(
    "Usage: fieldkit hub info [--home DIR]\n\n"
    "Prints the hub's name, where it is, and its key fingerprints as `fieldkit init`\n"
    "prints them on a device: read them to the field worker by phone, who compares.\n"
    "Reads only the public hub card: no passphrase.\n\n"
    "Options:\n"
    "  --home DIR                the hub home (default: $FIELDKIT_HUB_HOME)\n"
    "  -h, --help                show this help\n");

static const char migrate_help[] = N_(
    "Usage: fieldkit hub migrate [--home DIR] [--passphrase-file FILE]\n\n"
    "Encrypts the database of a hub made by a fieldkit that kept hub.db unencrypted\n"
    "(every other hub command refuses such a hub and names this one). The database\n"
    "is copied into an encrypted one, checked row for row, and put in its place.\n"
    "Stop imports and other hub commands first. Backups and copies of the old\n"
    "hub.db are not touched and still reveal everything in it: destroy them.\n"
    "Exit status: 0 when the database is encrypted (now or already), 1 otherwise.\n\n"
    "Options:\n"
    "  --home DIR                the hub home (default: $FIELDKIT_HUB_HOME)\n"
    "  --passphrase-file FILE    read the hub passphrase from FILE (first line; 0600)\n"
    "  -h, --help                show this help\n");

static int
hub_info(fk_hubdb *h, const struct hopts *o, const fk_args *pos, fk_err *e)
{
	char *path = fk_path_join(fk_hub_home(h), FK_HUB_CARD), fp[40], kid[17];
	fk_hubcard c;
	fk_buf b = {0};
	size_t j;
	int rc;

	(void)o;
	(void)pos;
	if (path == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	rc = fk_read_file(path, 1 << 16, &b, e) == 0 ? fk_hubcard_parse(b.p, b.len, &c, e) : -1;
	fk_buf_free(&b);
	if (rc != 0) {
		fk_prefix(e, "%s", path);
		free(path);
		return -1;
	}
	printf(_("hub \"%s\" in %s, created %s; its card: %s\n"), fk_show(c.hub.name),
	    fk_hub_home(h), fk_show(c.created), path);
	free(path);
	/* as `fieldkit init` prints them on the device (cmd_init.c) */
	printf(_("Compare these hub key fingerprints with the field devices (by phone):\n"));
	printf(_("  hub \"%s\"\n"), fk_show(c.hub.name));
	for (j = 0; j < c.hub.nrecip; j++) {
		fk_fingerprint_recipient(c.hub.recip[j], fp);
		printf(_("    encryption key %zu: %s\n"), j + 1, fp);
	}
	if (fk_fingerprint_sign_pubkey(c.hub.sign_pubkey, kid) == 0)
		printf(_("    signing key id:   %s\n"), kid);
	return 0;
}

static int
hub_init(fk_hubdb *h, const struct hopts *o, const fk_args *pos, fk_err *e)
{
	fk_secret pass = {0};
	const char *logn = getenv("FIELDKIT_SCRYPT_LOGN");
	char card[4200];
	int rc;

	(void)h;
	(void)pos;
	if (o->url != NULL && !fk_hub_url_valid(o->url))
		return fk_usage_error("hub init", _("--url must be https://HOST[:PORT]"));
	if (fk_pass_new(_("New hub passphrase: "), o->passfile, &pass, e) != 0)
		return -1;
	rc = fk_hub_create(o->home, o->name, pass.p, pass.len, logn ? atoi(logn) : 16, e);
	/* Network sync: the TLS key, its pin and the URL in the card. */
	if (rc == 0)
		rc = fk_hub_net_init(o->home, pass.p, pass.len, o->url, e);
	fk_secret_free(&pass);
	if (rc != 0)
		return -1;
	snprintf(card, sizeof card, "%s/%s", o->home, FK_HUB_CARD);
	printf(_("hub \"%s\" created in %s\n"), fk_show(o->name), o->home);
	printf(_("give devices the hub card %s (`fieldkit init --hub %s`)\n"), card, card);
	printf(_("or as QR codes: `fieldkit qr send %s --png DIR` (or --terminal), read with "
	    "`fieldkit init --hub-qr DIR`\n"), card);
	return 0;
}

static int
devices_add(fk_hubdb *h, const struct hopts *o, const fk_args *pos, fk_err *e)
{
	fk_buf b = {0};
	fk_device_card c;
	char fp[17];
	int rc;

	rc = o->qr.n > 0 ? fk_cli_qr_receive(&o->qr, pos, 1 << 20, _("device card"), &b, e) :
	    fk_read_file(pos->v[0], 1 << 20, &b, e);
	if (rc != 0 && o->qr.n == 0)
		(void)fk_kind_hint_file(e, pos->v[0], pos->v[0], FK_KIND_DEVICE_CARD);
	if (rc == 0 && fk_card_device_parse(b.p, b.len, &c, e) != 0) {
		(void)fk_kind_hint(e, o->qr.n == 0 ? pos->v[0] : NULL, b.p, b.len,
		    FK_KIND_DEVICE_CARD);
		rc = -1;
	}
	if (rc == 0 && (fk_hub_unlock(h, o->passfile, e) != 0 ||
	    fk_hub_device_add(h, c.device_id, c.name, &c.pk, e) != 0))
		rc = -1;
	fk_buf_free(&b);
	if (rc != 0)
		return -1;
	fk_minisign_keyid_hex(c.pk.keynum, fp);
	printf(_("device %s (\"%s\") registered; key id %s - compare it with the device\n"),
	    fk_show(c.device_id), fk_show(c.name), fp);
	return 0;
}

static int
print_device(void *ctx, const fk_hub_device_row *d)
{
	(void)ctx;
	/* A name stored before names were checked may hold a tab, a newline or ESC:
	 * escaped, it stays one row of six columns. */
	return printf("%s\t%s\t%s\t%s%s\t%lld\t%s\n", fk_show(d->id), fk_show(d->name),
	    fk_show(d->added), d->revoked ? "revoked " : "active", d->revoked ? fk_show(d->revoked) :
	    "", d->nrec, fk_show(d->sign_pubkey)) < 0 ? -1 : 0;
}

static int
devices_list(fk_hubdb *h, const struct hopts *o, const fk_args *pos, fk_err *e)
{
	(void)o;
	(void)pos;
	return fk_hub_each_device(h, print_device, NULL, e);
}

static int
devices_revoke(fk_hubdb *h, const struct hopts *o, const fk_args *pos, fk_err *e)
{
	char id[FK_ID_MAX + 1], q[600];
	int k;

	if (fk_hub_device_find(h, pos->v[0], id, e) != 0)
		return -1;
	if (!o->yes) {
		snprintf(q, sizeof q, _("Revoke device %s? Every bundle from it will be refused, "
		    "also of records it captured before (`hub devices unrevoke` takes it back). "
		    "Type yes: "), id);
		if ((k = fk_confirm(q)) < 0)
			return fk_fail(e, FK_EUSAGE, _("hub devices revoke asks for confirmation; "
			    "without a terminal, add --yes"));
		if (k == 0) {
			fk_warn(_("device %s not revoked"), id);
			return FK_EXIT_FAIL;
		}
	}
	if (fk_hub_device_revoke(h, id, e) != 0)
		return -1;
	printf(_("device %s revoked: its bundles will be refused\n"), id);
	return 0;
}

static int
devices_unrevoke(fk_hubdb *h, const struct hopts *o, const fk_args *pos, fk_err *e)
{
	char id[FK_ID_MAX + 1];

	if (fk_hub_device_find(h, pos->v[0], id, e) != 0 ||
	    fk_hub_device_unrevoke(h, id, o->reason, e) != 0)
		return -1;
	printf(_("device %s active again (the reason is in the audit log); import what it "
	    "captured, then revoke it again if it is not back in safe hands\n"), id);
	return 0;
}

/* An import of this command failed for the hub's own reason (its disk full). */
static int import_hub_failed;

static void
import_one(fk_hubdb *h, const char *path, int *bad)
{
	fk_import_result r;
	fk_err e = {0};
	const char *p = fk_show(path); /* file names come from the stick */

	if (fk_hub_import_file(h, path, &r, &e) != 0) {
		(*bad)++;
		if (r.skipped) {
			fk_warn("%s: %s", p, fk_show(e.msg));
			return;
		}
		if (r.hub_failed) {
			fk_warn(_("%s: not imported: %s"), p, fk_show(e.msg));
			import_hub_failed = 1;
			return;
		}
		/* A receipt or card given for a bundle: say what it is and who takes it. */
		(void)fk_kind_hint_file(&e, path, NULL, FK_KIND_BUNDLE);
		fk_warn(_("%s: refused: %s%s%s%s%s%s"), p, fk_show(e.msg),
		    r.quarantined[0] ? _("; copied to ") : "", fk_show(r.quarantined),
		    r.qnote[0] ? " (" : "", fk_show(r.qnote), r.qnote[0] ? ")" : "");
		return;
	}
	/* A file name on a stick is outside text too. */
	/* Each count with its own plural form (Ukrainian has three). */
	printf(ngettext("%s: %zu record from %s:", "%s: %zu records from %s:", r.nrec), p, r.nrec,
	    fk_show(r.device_id));
	printf(ngettext(" %zu new", " %zu new", r.nnew), r.nnew);
	printf(ngettext(", %zu duplicate", ", %zu duplicates", r.ndup), r.ndup);
	printf(ngettext(", %zu conflict", ", %zu conflicts", r.nconf), r.nconf);
	printf(ngettext(", %zu attachment\n", ", %zu attachments\n", r.natt), r.natt);
	if (r.replayed[0])
		printf(_("%s: this bundle was already imported on %s; nothing changed\n"), p,
		    fk_show(r.replayed));
	if (r.nfork > 0)
		printf(ngettext("%s: %zu of the conflicts is a second record at a sequence number "
		    "the hub holds (a fork: a cloned device or a store restored from a backup); see "
		    "`fieldkit hub conflicts`\n", "%s: %zu of the conflicts are a second record at "
		    "a sequence number the hub holds (a fork: a cloned device or a store restored "
		    "from a backup); see `fieldkit hub conflicts`\n", r.nfork), p, r.nfork);
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
	size_t n = 0, i, l, nsub = 0;
	int rc = 0;

	if (d == NULL)
		return fk_fail(e, FK_EIO, _("cannot open %s: %s"), dir, strerror(errno));
	while (rc == 0 && (de = readdir(d)) != NULL) {
		l = strlen(de->d_name);
		if (de->d_type == DT_DIR && strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			nsub++;
		/* X.FKB too: sticks formatted FAT may show names in capitals */
		if (l < 5 || strcasecmp(de->d_name + l - 4, ".fkb") != 0)
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
	if (rc == 0 && n == 0 && nsub > 0)
		rc = fk_fail(e, FK_EINPUT, _("no *.fkb bundles in %s (the folders inside it are not "
		    "searched: name them)"), dir);
	else if (rc == 0 && n == 0)
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
hub_import(fk_hubdb *h, const struct hopts *o, const fk_args *pos, fk_err *e)
{
	fk_hub_forms *forms = NULL;
	fk_buf b = {0};
	struct stat st;
	size_t i;
	int bad = 0, rc = -1;

	/* With --qr every argument is an image: receive before asking the passphrase. */
	if ((o->qr.n > 0 && fk_cli_qr_receive(&o->qr, pos, FK_QR_MAX_LEN, _("bundle"), &b, e) != 0) ||
	    fk_hub_unlock(h, o->passfile, e) != 0 || fk_hub_forms_load(&forms, h, e) != 0)
		goto out;
	fk_hub_set_validator(h, fk_hub_forms_validate, forms);
	if (fk_progress_enabled())
		fk_hub_set_progress(h, import_progress, NULL);
	if (o->qr.n > 0 && import_qr(h, &b, &bad, e) != 0)
		goto out;
	for (i = 0; o->qr.n == 0 && i < pos->n; i++) {
		if (stat(pos->v[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			if (import_dir(h, pos->v[i], &bad, e) != 0) {
				fk_warn("%s", e->msg);
				bad++;
			}
		} else {
			import_one(h, pos->v[i], &bad);
		}
	}
	/* matching: the new records against the hub (hub/match_db.c); not when the
	 * hub itself just failed (its disk full): the import again will do it */
	if (!import_hub_failed) {
		size_t nm = 0;
		struct timespec t0, t1;
		int mrc;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
		mrc = fk_match_db_update(h, &nm, e);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
		/* FIELDKIT_MATCH_TIMING: the matching step's own cost, for tests/bench */
		if (getenv("FIELDKIT_MATCH_TIMING") != NULL)
			fprintf(stderr, "matching: %.1f ms CPU\n", (double)(t1.tv_sec - t0.tv_sec) *
			    1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
		if (mrc != 0) {
			fk_warn(_("matching the new records failed: %s; run `fieldkit hub match`"),
			    e->msg);
			bad++;
		} else if (nm > 0)
			printf(ngettext("%zu possible match to review: `fieldkit hub match`\n",
			    "%zu possible matches to review: `fieldkit hub match`\n", nm), nm);
	}
	rc = bad ? FK_EXIT_FAIL : 0;
out:
	fk_hub_forms_free(forms);
	fk_buf_free(&b);
	return rc;
}

static int
hub_list(fk_hubdb *h, const struct hopts *o, const fk_args *pos, fk_err *e)
{
	sqlite3_stmt *st;
	long n = 0;
	char dev[FK_ID_MAX + 1], ref[10];
	const char *sref;

	(void)pos;
	/* --device: an id or a name; an unknown one is an error, not an empty list */
	if (o->device != NULL && fk_hub_device_find(h, o->device, dev, e) != 0)
		return -1;
	if (sqlite3_prepare_v2(fk_hub_sqlite(h), "SELECT record_id, device_id, seq, form_id,"
	    " form_version, coalesce(short_ref, ''), json_extract(body, '$.finalized_at') FROM"
	    " records WHERE ?1 IS NULL OR device_id = ?1 ORDER BY device_id, seq", -1, &st,
	    NULL) != SQLITE_OK)
		return fk_hub_db_err(h, e);
	sqlite3_bind_text(st, 1, o->device != NULL ? dev : NULL, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		/* the slip code as the family's slip shows it: XXXX-XXXX */
		sref = (const char *)sqlite3_column_text(st, 5);
		if (sref != NULL && fk_shortref_valid(sref)) {
			fk_shortref_format(sref, ref);
			sref = ref;
		}
		printf("%s\t%s\t%lld\t%s@%d\t%s\t%s\n",
		    fk_show((const char *)sqlite3_column_text(st, 0)),
		    fk_show((const char *)sqlite3_column_text(st, 1)),
		    (long long)sqlite3_column_int64(st, 2),
		    fk_show((const char *)sqlite3_column_text(st, 3)), sqlite3_column_int(st, 4),
		    fk_show(sref), fk_show((const char *)sqlite3_column_text(st, 6)));
		n++;
	}
	sqlite3_finalize(st);
	return fk_hub_audit(h, "list", o->device ? o->device : "all", n, e);
}

/* A confirmed matching link, under `hub show`. */
static int
print_link(void *ctx, const char *intake, const char *report, int child, const char *who,
    const char *at)
{
	(void)ctx;
	printf(_("link: intake %s is child %d of family report %s (confirmed by %s, %s)\n"),
	    intake, child, report, who, at);
	return 0;
}

/*
 * A record as JSON: JSON escapes the control characters; the code points a
 * terminal or a bidirectional renderer acts on (C1, line separators,
 * direction marks and overrides) are written as \\uXXXX too, so that what is
 * shown is what is stored, and still JSON.
 */
static void
print_json(const json_t *j)
{
	char *t = j ? json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	const unsigned char *p;
	char one[8];

	for (p = (const unsigned char *)t; p != NULL && *p; p++) {
		size_t k = *p >= 0xc0 ? (*p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : 2) : 1;
		if (k > 1 && strnlen((const char *)p, k) == k) {
			memcpy(one, p, k);
			one[k] = 0;
			if (!fk_text_plain(one, k)) {
				uint32_t c = k == 2 ? (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f) :
				    (uint32_t)(p[0] & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 |
				    (p[2] & 0x3f);
				printf("\\u%04x", (unsigned)c);
				p += k - 1;
				continue;
			}
		}
		putchar(*p);
	}
	putchar('\n');
	free(t);
}

static int
hub_show(fk_hubdb *h, const struct hopts *o, const fk_args *pos, fk_err *e)
{
	char id[FK_UUID_BUF];
	sqlite3_stmt *st;
	json_t *j = NULL;
	int k;

	(void)o;
	/* A record id, a unique beginning of one, or a family's slip code. */
	if (fk_hub_resolve_record(h, pos->v[0], id, e) != 0)
		return -1;
	if (sqlite3_prepare_v2(fk_hub_sqlite(h), "SELECT body, 0 FROM records WHERE record_id = ?"
	    " UNION ALL SELECT body, 1 FROM conflicts WHERE record_id = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		return fk_hub_db_err(h, e);
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
	/* Only a version kept for review (a fork): say so before it. */
	if (sqlite3_column_int(st, 1) == 1)
		printf(_("--- kept for review, not stored as a record (a fork or a conflicting "
		    "version); see `fieldkit hub conflicts`:\n"));
	print_json(j);
	json_decref(j);
	while ((k = sqlite3_step(st)) == SQLITE_ROW) {
		printf(_("--- conflicting version, kept for review:\n"));
		j = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
		print_json(j);
		json_decref(j);
	}
	sqlite3_finalize(st);
	return fk_match_db_links(h, id, print_link, NULL, e);
}

static int
hub_export(fk_hubdb *h, const struct hopts *o, const fk_args *pos, fk_err *e)
{
	size_t n;

	(void)pos;
	if (fk_hub_export(h, o->format, o->to, o->labels, &n, e) != 0)
		return -1;
	printf(ngettext("%zu record exported as %s to %s\n", "%zu records exported as %s to %s\n",
	    n), n, o->format, o->to);
	return 0;
}

static void
print_gap(void *ctx, const fk_hub_gap *g)
{
	(void)ctx;
	if (g->kind == FK_GAP_FORK)
		printf(_("%s: two records at sequence number %lld (a fork: a cloned device or a "
		    "store restored from a backup); see `fieldkit hub conflicts`\n"), g->device_id,
		    (long long)g->from);
	else if (g->kind == FK_GAP_CHAIN)
		printf(_("%s: hash chain broken before record %lld\n"), g->device_id,
		    (long long)g->from);
	else if (g->from == g->to)
		printf(_("%s: record %lld missing\n"), g->device_id, (long long)g->from);
	else
		printf(_("%s: records %lld to %lld missing\n"), g->device_id,
		    (long long)g->from, (long long)g->to);
}

/* Exit status 1 when a record is missing or a chain is broken. */
static int
hub_gaps(fk_hubdb *h, const struct hopts *o, const fk_args *pos, fk_err *e)
{
	size_t n;

	(void)o;
	(void)pos;
	if (fk_hub_gaps(h, print_gap, NULL, &n, e) != 0)
		return -1;
	if (n > 0)
		return FK_EXIT_FAIL;
	printf(_("no gaps: every device's records are complete and chained\n"));
	return 0;
}

/* Exit status 1 when there are conflicts. */
static int
hub_conflicts(fk_hubdb *h, const struct hopts *o, const fk_args *pos, fk_err *e)
{
	sqlite3_stmt *st;
	long n = 0;

	(void)o;
	(void)pos;
	/* A conflict is another body under a held id, or a fork: another record
	 * (its own id) at a sequence number the hub holds from that device. */
	if (sqlite3_prepare_v2(fk_hub_sqlite(h), "SELECT c.record_id, c.device_id, c.seq,"
	    " c.imported_at, c.bundle_id, coalesce(r.ct_hash, f.ct_hash, ''), c.ct_hash,"
	    " r.record_id IS NULL, coalesce(f.record_id, '') FROM conflicts c LEFT JOIN records r"
	    " ON r.record_id = c.record_id LEFT JOIN records f ON r.record_id IS NULL AND"
	    " f.device_id = c.device_id AND f.seq = c.seq ORDER BY c.imported_at, c.record_id",
	    -1, &st, NULL) != SQLITE_OK)
		return fk_hub_db_err(h, e);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char kind[200];
		if (sqlite3_column_int(st, 7))
			snprintf(kind, sizeof kind, _("fork of %s"), sqlite3_column_text(st, 8));
		else
			snprintf(kind, sizeof kind, "%s", _("another body"));
		printf(_("%s\t%s\t%lld\t%s\tbundle %s\tstored %.16s\tother %.16s\t%s\n"),
		    sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
		    (long long)sqlite3_column_int64(st, 2), sqlite3_column_text(st, 3),
		    sqlite3_column_text(st, 4), sqlite3_column_text(st, 5),
		    sqlite3_column_text(st, 6), kind);
		n++;
	}
	sqlite3_finalize(st);
	if (n == 0) {
		printf(_("no conflicts\n"));
		return 0;
	}
	printf(ngettext("%ld conflicting version kept; compare it with `fieldkit hub show ID`\n",
	    "%ld conflicting versions kept; compare them with `fieldkit hub show ID`\n",
	    (unsigned long)n), n);
	return FK_EXIT_FAIL;
}

static int
hub_receipt(fk_hubdb *h, const struct hopts *o, const fk_args *pos, fk_err *e)
{
	fk_minisign_sk *sk = NULL;
	fk_buf out = {0};
	char path[4200], stamp[FK_TIME_BUF], id[FK_ID_MAX + 1];
	size_t n;
	int rc = -1;

	(void)pos;
	/* an unknown device is refused (an empty receipt would say nothing) */
	if (fk_hub_device_find(h, o->device, id, e) != 0 ||
	    fk_hub_sign_key(h, o->passfile, &sk, e) != 0 ||
	    fk_hub_receipt_make(h, id, sk, &out, &n, e) != 0 || fk_mkdir_target(o->to, 0755, e))
		goto fail;
	fk_now_rfc3339(stamp);
	stamp[4] = stamp[7] = stamp[13] = stamp[16] = '-';
	snprintf(path, sizeof path, "%s%sreceipt-%s-%s.fkr", o->to, fk_dir_sep(o->to), id, stamp);
	if (fk_write_file_atomic(path, out.p, out.len, 0644, e) != 0)
		goto fail;
	printf(ngettext("receipt for %zu record of device %s written to %s\n",
	    "receipt for %zu records of device %s written to %s\n", n), n, id, path);
	printf(_("or as QR codes: `fieldkit qr send %s --png DIR` (or --terminal), read on the "
	    "device with `fieldkit ack --qr DIR`\n"), path);
	rc = 0;
fail:
	fk_minisign_sk_free(sk);
	fk_buf_free(&out);
	return rc;
}

/* A value of a row: as it is into a pipe or a file (as the sqlite3 shell writes
 * it), with control characters escaped on a terminal. */
static void
print_value(const char *v, int tty)
{
	char *out;
	size_t n;

	if (!tty) {
		fputs(v, stdout);
		return;
	}
	n = fk_escape_display(v, strlen(v), NULL, 0);
	if ((out = malloc(n + 1)) == NULL) {
		fputs("?", stdout);
		return;
	}
	fk_escape_display(v, strlen(v), out, n + 1);
	fputs(out, stdout);
	free(out);
}

static int
print_row(void *ctx, int ncol, const char *const *vals)
{
	const int *tty = ctx;
	int i;

	for (i = 0; i < ncol; i++) {
		if (i > 0)
			putchar('|');
		if (vals[i] != NULL)
			print_value(vals[i], *tty);
	}
	return putchar('\n') == EOF ? -1 : 0;
}

static int
hub_sql(fk_hubdb *h, const struct hopts *o, const fk_args *pos, fk_err *e)
{
	int tty = isatty(STDOUT_FILENO);
	long n;

	(void)o;
	if (fk_hub_sql(h, pos->v[0], print_row, &tty, &n, e) != 0)
		return -1;
	return fflush(stdout) == 0 ? 0 : fk_fail(e, FK_EIO, _("cannot write the rows"));
}

static int
hub_migrate(fk_hubdb *h, const struct hopts *o, const fk_args *pos, fk_err *e)
{
	int done;

	(void)pos;
	if (fk_hub_migrate(h, o->passfile, &done, e) != 0)
		return -1;
	if (!done) {
		printf(_("the database of the hub in %s is already encrypted; nothing to do\n"),
		    o->home);
		return 0;
	}
	printf(_("the database of the hub in %s is now encrypted\n"), o->home);
	printf(_("backups and copies of the old hub.db still reveal everything in it: destroy "
	    "them (the disk may also keep the old file's blocks until they are overwritten)\n"));
	return 0;
}

static const struct hub_cmd devices_cmds[] = {
	{devices_add_help, H_QR, 0, NULL, 1, 1,
	    N_("name one device card (or its QR images with --qr)"), HUB_OPEN,
	    devices_add},
	{devices_list_help, 0, 0, NULL, 0, 0, NULL, HUB_UNLOCK, devices_list},
	{devices_revoke_help, H_YES, 0, NULL, 1, 1, N_("name one device (its id or name)"), HUB_UNLOCK,
	    devices_revoke},
	{devices_unrevoke_help, H_REASON, H_REASON, N_("say why: --reason TEXT"), 1, 1,
	    N_("name one device (its id or name)"), HUB_UNLOCK, devices_unrevoke}};

enum { C_INIT, C_IMPORT, C_LIST, C_SHOW, C_EXPORT, C_GAPS, C_CONFLICTS, C_RECEIPT, C_SQL,
	C_MIGRATE, C_INFO };
static const struct hub_cmd hub_cmds[] = {
	[C_INIT] = {init_help, H_NAME | H_URL, H_HOME | H_NAME, N_("--home DIR and --name NAME are required"),
	    0, 0, NULL, 0, hub_init},
	[C_IMPORT] = {import_help, H_QR, 0, NULL, 1, (size_t)-1,
	    N_("name the bundles or folders to import"), HUB_OPEN, hub_import},
	[C_LIST] = {list_help, H_DEVICE, 0, NULL, 0, 0, NULL, HUB_UNLOCK, hub_list},
	[C_SHOW] = {show_help, 0, 0, NULL, 1, 1, N_("name one record id"), HUB_UNLOCK, hub_show},
	[C_EXPORT] = {export_help, H_FORMAT | H_TO | H_LABELS, H_FORMAT | H_TO,
	    N_("say --format jsonl|csv and --to DIR"), 0, 0, NULL, HUB_UNLOCK, hub_export},
	[C_GAPS] = {gaps_help, 0, 0, NULL, 0, 0, NULL, HUB_UNLOCK, hub_gaps},
	[C_CONFLICTS] = {conflicts_help, 0, 0, NULL, 0, 0, NULL, HUB_UNLOCK, hub_conflicts},
	[C_RECEIPT] = {receipt_help, H_DEVICE | H_TO, H_DEVICE | H_TO,
	    N_("--device ID and --to DIR are required"), 0, 0, NULL, HUB_UNLOCK, hub_receipt},
	[C_SQL] = {sql_help, 0, 0, NULL, 1, 1, N_("give one query, quoted"), HUB_UNLOCK, hub_sql},
	[C_MIGRATE] = {migrate_help, 0, 0, NULL, 0, 0, NULL, HUB_OPEN, hub_migrate},
	[C_INFO] = {info_help, 0, 0, NULL, 0, 0, NULL, HUB_OPEN, hub_info}};

/* Parses a hub command's options and arguments, opens the hub and runs it. */
static int
hub_run(const struct fk_call *call, int argc, char **argv)
{
	const struct hub_cmd *c = call->data;
	const char *cmd = call->cmd;
	struct hopts *o = call->ctx;
	const struct {
		unsigned bit;
		struct fk_opt opt;
	} all[] = {
		{H_HOME, FK_STR("home", 0, &o->home)},
		{H_PASS, FK_STR("passphrase-file", 0, &o->passfile)},
		{H_NAME, FK_STR("name", 0, &o->name)}, {H_DEVICE, FK_STR("device", 0, &o->device)},
		{H_TO, FK_STR("to", 0, &o->to)}, {H_FORMAT, FK_STR("format", 0, &o->format)},
		{H_QR, FK_LIST("qr", 0, &o->qr)}, {H_LABELS, FK_STR("labels", 0, &o->labels)},
		{H_YES, FK_FLAG("yes", 0, &o->yes)}, {H_REASON, FK_STR("reason", 0, &o->reason)},
		{H_URL, FK_STR("url", 0, &o->url)}};
	const size_t nall = sizeof all / sizeof all[0];
	struct fk_opt opt[sizeof all / sizeof all[0] + 1];
	fk_hubdb *h = NULL;
	fk_args pos;
	fk_err e = {0};
	size_t i, n = 0;
	int rc;

	for (i = 0; i < nall; i++)
		if (all[i].bit & (c->opts | H_HOME | H_PASS))
			opt[n++] = all[i].opt;
	opt[n] = (struct fk_opt)FK_OPT_END;
	if ((rc = fk_opts_parse(cmd, c->help, opt, argc, argv, &pos)) != FK_GO)
		return rc;
	for (i = 0; i < nall; i++)
		if ((all[i].bit & c->need) && all[i].opt.kind == FK_OPT_STR &&
		    (*(const char **)all[i].opt.dst == NULL || **(const char **)all[i].opt.dst == 0))
			return fk_usage_error(cmd, "%s", _(c->need_msg));
	if (c->max == 0 && (rc = fk_args_max(cmd, &pos, 0)) != FK_GO)
		return rc;
	if (o->qr.n == 0 && (pos.n < c->min || pos.n > c->max))
		return fk_usage_error(cmd, "%s", _(c->args_msg));
	/* Usage errors said before the passphrase is asked. */
	if ((c->opts & H_FORMAT) && o->format != NULL && strcmp(o->format, "jsonl") != 0 &&
	    strcmp(o->format, "csv") != 0)
		return fk_usage_error(cmd, _("--format is jsonl or csv"));
	if ((c->opts & H_LABELS) && o->labels != NULL && (strlen(o->labels) < 2 ||
	    strlen(o->labels) > 8 || strspn(o->labels, "abcdefghijklmnopqrstuvwxyz-") !=
	    strlen(o->labels)))
		return fk_usage_error(cmd, _("--labels takes a language code, such as uk or en"));
	if ((c->opts & H_LABELS) && o->labels != NULL && o->format != NULL &&
	    strcmp(o->format, "csv") != 0)
		return fk_usage_error(cmd, _("--labels is for --format csv"));
	if (c->open && (o->home == NULL || o->home[0] == 0))
		return fk_usage_error(cmd, _("say where the hub is: --home DIR (or set "
		    "FIELDKIT_HUB_HOME)"));
	if (c->open && fk_hub_open(&h, o->home, &e) != 0)
		return fk_report(&e);
	if (c->open == HUB_UNLOCK && fk_hub_unlock(h, o->passfile, &e) != 0) {
		fk_hub_close(h);
		return fk_report(&e);
	}
	rc = c->run(h, o, &pos, &e);
	if (rc < 0)
		rc = fk_report(&e);
	fk_hub_close(h);
	return rc;
}

/* --home and --passphrase-file may come before the command's name too. */
#define HUB_COMMON(o)                                                                  \
	{FK_STR("home", 0, &(o)->home), FK_STR("passphrase-file", 0, &(o)->passfile), FK_OPT_END}

static int
hub_devices(const struct fk_call *call, int argc, char **argv)
{
	static const struct fk_sub subs[] = {{"add", hub_run, &devices_cmds[0]},
		{"list", hub_run, &devices_cmds[1]}, {"revoke", hub_run, &devices_cmds[2]},
		{"unrevoke", hub_run, &devices_cmds[3]}};
	struct hopts *o = call->ctx;
	const struct fk_opt common[] = HUB_COMMON(o);

	return fk_subcommands(call->cmd, devices_help, common, subs, sizeof subs / sizeof subs[0],
	    o, argc, argv);
}

/* find, match, duplicates: their own options (cmd_match.c); --home may come first. */
static int
hub_match_run(const struct fk_call *call, int argc, char **argv)
{
	const struct fk_match_cmd *m = call->data;
	const struct hopts *o = call->ctx;

	return m->run(call->cmd, o->home, o->passfile, argc, argv);
}

static int
cmd_hub(int argc, char **argv)
{
	static const struct fk_sub subs[] = {{"init", hub_run, &hub_cmds[C_INIT]},
		{"devices", hub_devices, NULL}, {"import", hub_run, &hub_cmds[C_IMPORT]},
		{"list", hub_run, &hub_cmds[C_LIST]}, {"show", hub_run, &hub_cmds[C_SHOW]},
		{"export", hub_run, &hub_cmds[C_EXPORT]}, {"gaps", hub_run, &hub_cmds[C_GAPS]},
		{"conflicts", hub_run, &hub_cmds[C_CONFLICTS]},
		{"receipt", hub_run, &hub_cmds[C_RECEIPT]}, {"find", hub_match_run, &fk_hub_find_cmd},
		{"match", hub_match_run, &fk_hub_match_cmd},
		{"duplicates", hub_match_run, &fk_hub_dups_cmd}, {"sql", hub_run, &hub_cmds[C_SQL]},
		{"migrate", hub_run, &hub_cmds[C_MIGRATE]}, {"info", hub_run, &hub_cmds[C_INFO]},
		/* network sync: cmd_hub_net.c */
		{"serve", hub_match_run, &fk_hub_serve_sub}, {"tls", hub_match_run, &fk_hub_tls_sub},
		{"url", hub_match_run, &fk_hub_url_sub}};
	struct hopts o = {getenv("FIELDKIT_HUB_HOME"), NULL, NULL, NULL, NULL, NULL, {NULL, 0},
		NULL, NULL, NULL, 0};
	const struct fk_opt common[] = HUB_COMMON(&o);

	return fk_subcommands("hub", hub_help, common, subs, sizeof subs / sizeof subs[0], &o,
	    argc, argv);
}

FK_COMMAND_GROUP(hub, N_("the hub: imports, keeps, exports and matches records; its "
    "commands:"), cmd_hub, hub_help);
