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
#include <getopt.h>
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
#include "qrwire.h"
#include "receipt.h"

struct hopts {
	const char *home, *passfile, *name, *device, *to, *format;
	fk_qr_paths qr; /* --qr IMAGE|DIR, then any further arguments */
	int help;
};

enum { O_HOME = 256, O_PASS, O_NAME, O_DEVICE, O_TO, O_FORMAT, O_QR };

static const char hub_help[] = N_(
    "Usage: fieldkit hub COMMAND [--home DIR] ...\n\n"
    "The hub: where records from many devices are imported and kept.\n\n"
    "Commands:\n"
    "  init --name NAME          create a hub: age identity, signing key, hub card\n"
    "  devices add CARD          register a device's signed card\n"
    "  devices add --qr IMAGE|DIR...   the same, the card read from QR frame images\n"
    "  devices list              list registered devices\n"
    "  devices revoke ID         refuse every future bundle from device ID\n"
    "  import FILE|DIR...        import bundles (a DIR: every *.fkb in it)\n"
    "  import --qr IMAGE|DIR...  import one bundle sent as QR codes, from photos or\n"
    "                            screenshots of its frames (PNG/JPEG, or a folder)\n"
    "  list [--device ID]        list stored records (logged in the audit table)\n"
    "  show ID                   show one record (logged)\n"
    "  export --format jsonl|csv --to DIR   write records out (logged)\n"
    "  gaps                      report missing sequence numbers and chain breaks\n"
    "  conflicts                 list different bodies received under a known record id\n"
    "  receipt --device ID --to DIR   write a signed receipt for a device\n\n"
    "Options:\n"
    "  --home DIR                the hub home (default: $FIELDKIT_HUB_HOME)\n"
    "  --passphrase-file FILE    read the hub passphrase from FILE (first line; 0600)\n"
    "  -h, --help                show this help\n\n"
    "No USB? Any card, receipt or bundle travels as QR codes:\n"
    "`fieldkit qr send FILE --png DIR` (or --terminal) on one side, and on the other\n"
    "`fieldkit init --hub-qr DIR`, `fieldkit ack --qr DIR`, `hub devices add --qr DIR`\n"
    "or `hub import --qr DIR`.\n");

static int
parse(int argc, char **argv, struct hopts *o)
{
	static const struct option lo[] = {
		{"home", required_argument, NULL, O_HOME},
		{"passphrase-file", required_argument, NULL, O_PASS},
		{"name", required_argument, NULL, O_NAME},
		{"device", required_argument, NULL, O_DEVICE},
		{"to", required_argument, NULL, O_TO},
		{"format", required_argument, NULL, O_FORMAT},
		{"qr", required_argument, NULL, O_QR},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	fk_err qe;
	int c;

	memset(o, 0, sizeof *o);
	o->home = getenv("FIELDKIT_HUB_HOME");
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case O_HOME: o->home = optarg; break;
		case O_PASS: o->passfile = optarg; break;
		case O_NAME: o->name = optarg; break;
		case O_DEVICE: o->device = optarg; break;
		case O_TO: o->to = optarg; break;
		case O_FORMAT: o->format = optarg; break;
		case O_QR:
			if (fk_qr_paths_add(&o->qr, optarg, &qe) != 0)
				return -1;
			break;
		case 'h': o->help = 1; break;
		default: return -1;
		}
	}
	return 0;
}

static int
hub_export(fk_hubdb *h, const struct hopts *o, fk_err *e)
{
	size_t n;

	if (o->format == NULL || o->to == NULL)
		return fk_usage_error("hub export", _("say --format jsonl|csv and --to DIR"));
	if (fk_hub_export(h, o->format, o->to, &n, e) != 0)
		return fk_report(e);
	printf(_("%zu records exported as %s to %s\n"), n, o->format, o->to);
	return 0;
}

static int
open_hub(const struct hopts *o, fk_hubdb **h, fk_err *e)
{
	if (o->home == NULL || o->home[0] == 0)
		return fk_fail(e, FK_EUSAGE, _("say where the hub is: --home DIR (or set "
		    "FIELDKIT_HUB_HOME)"));
	return fk_hub_open(h, o->home, e);
}

static int
hub_init(const struct hopts *o, fk_err *e)
{
	fk_secret pass = {0};
	const char *logn = getenv("FIELDKIT_SCRYPT_LOGN");
	char card[4200];
	int rc;

	if (o->home == NULL || o->name == NULL)
		return fk_usage_error("hub init", _("--home DIR and --name NAME are required"));
	if (fk_pass_get(_("New hub passphrase: "), 1, o->passfile, &pass, e) != 0)
		return fk_report(e);
	rc = fk_hub_create(o->home, o->name, pass.p, pass.len, logn ? atoi(logn) : 16, e);
	fk_secret_free(&pass);
	if (rc != 0)
		return fk_report(e);
	snprintf(card, sizeof card, "%s/%s", o->home, FK_HUB_CARD);
	printf(_("hub \"%s\" created in %s\n"), o->name, o->home);
	printf(_("give devices the hub card %s (`fieldkit init --hub %s`)\n"), card, card);
	printf(_("or as QR codes: `fieldkit qr send %s --png DIR` (or --terminal), read with "
	    "`fieldkit init --hub-qr DIR`\n"), card);
	return 0;
}

/* The positional arguments after --qr are images of the same stream. */
static int
qr_rest(struct hopts *o, int argc, char **argv, fk_err *e)
{
	int i;

	for (i = 0; i < argc; i++)
		if (fk_qr_paths_add(&o->qr, argv[i], e) != 0)
			return -1;
	return 0;
}

static int
print_device(void *ctx, const fk_hub_device_row *d)
{
	(void)ctx;
	return printf("%s\t%s\t%s\t%s\t%lld\t%s\n", d->id, d->name, d->added,
	    d->revoked ? d->revoked : "active", d->nrec, d->sign_pubkey) < 0 ? -1 : 0;
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
hub_devices(fk_hubdb *h, struct hopts *o, int argc, char **argv, fk_err *e)
{
	fk_buf b = {0};
	fk_device_card c;
	char fp[17];
	int rc;

	if (argc < 1)
		return fk_usage_error("hub devices", _("say add CARD, list or revoke ID"));
	if (o->qr.n > 0 && strcmp(argv[0], "add") != 0)
		return fk_usage_error("hub devices", _("--qr goes with devices add"));
	if (strcmp(argv[0], "list") == 0)
		return fk_hub_each_device(h, print_device, NULL, e) == 0 ? 0 : fk_report(e);
	if (o->qr.n > 0) {
		if (qr_rest(o, argc - 1, argv + 1, e) != 0)
			return fk_report(e);
	} else if (argc != 2)
		return fk_usage_error("hub devices", _("say add CARD, list or revoke ID"));
	if (strcmp(argv[0], "revoke") == 0) {
		if (fk_hub_device_revoke(h, argv[1], e) != 0)
			return fk_report(e);
		printf(_("device %s revoked: its bundles will be refused\n"), argv[1]);
		return 0;
	}
	if (strcmp(argv[0], "add") != 0)
		return fk_usage_error("hub devices", _("unknown devices command %s"), argv[0]);
	rc = o->qr.n > 0 ? fk_cli_qr_receive(&o->qr, 1 << 20, _("device card"), &b, e) :
	    fk_read_file(argv[1], 1 << 20, &b, e);
	if (rc != 0 || fk_card_device_parse(b.p, b.len, &c, e) != 0 ||
	    fk_hub_device_add(h, c.device_id, c.name, &c.pk, e) != 0) {
		fk_buf_free(&b);
		return fk_report(e);
	}
	fk_buf_free(&b);
	fk_minisign_keyid_hex(c.pk.keynum, fp);
	printf(_("device %s (\"%s\") registered; key id %s - compare it with the device\n"),
	    c.device_id, c.name, fp);
	return 0;
}

static int
import_one(fk_hubdb *h, const char *path, int *bad)
{
	fk_import_result r;
	fk_err e = {0};

	if (fk_hub_import_file(h, path, &r, &e) != 0) {
		(*bad)++;
		fk_warn(_("%s: refused: %s%s%s"), path, e.msg,
		    r.quarantined[0] ? _("; copied to ") : "", r.quarantined);
		return 0;
	}
	printf(_("%s: %zu records from %s: %zu new, %zu duplicates, %zu conflicts, "
	    "%zu attachments\n"), path, r.nrec, r.device_id, r.nnew, r.ndup, r.nconf, r.natt);
	if (r.replayed[0])
		printf(_("%s: this bundle was already imported on %s; nothing changed\n"), path,
		    r.replayed);
	return 0;
}

static int
namecmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
import_dir(fk_hubdb *h, const char *dir, int *bad, fk_err *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **v = NULL, path[4200];
	size_t n = 0, i;

	if (d == NULL)
		return fk_fail(e, FK_EIO, _("cannot open %s: %s"), dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		char **nv;
		if (l < 5 || strcmp(de->d_name + l - 4, ".fkb") != 0)
			continue;
		if ((nv = realloc(v, (n + 1) * sizeof *v)) == NULL)
			break;
		v = nv;
		v[n++] = strdup(de->d_name);
	}
	closedir(d);
	if (n > 1)
		qsort(v, n, sizeof *v, namecmp);
	for (i = 0; i < n; i++) {
		if (v[i] != NULL) {
			snprintf(path, sizeof path, "%s/%s", dir, v[i]);
			import_one(h, path, bad);
		}
		free(v[i]);
	}
	free(v);
	if (n == 0)
		fk_warn(_("%s: no bundles (*.fkb) here"), dir);
	return 0;
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
hub_import(fk_hubdb *h, struct hopts *o, int argc, char **argv, fk_err *e)
{
	fk_hub_forms *forms = NULL;
	fk_buf b = {0};
	struct stat st;
	int i, bad = 0;

	if (argc < 1 && o->qr.n == 0)
		return fk_usage_error("hub import", _("name the bundles or folders to import"));
	if (o->qr.n > 0) {
		/* Every argument is an image: receive before asking the passphrase. */
		if (qr_rest(o, argc, argv, e) != 0 ||
		    fk_cli_qr_receive(&o->qr, FK_QR_MAX_LEN, _("bundle"), &b, e) != 0) {
			fk_buf_free(&b);
			return fk_report(e);
		}
		argc = 0;
	}
	if (fk_hub_unlock(h, o->passfile, e) != 0 || fk_hub_forms_load(&forms, h, e) != 0) {
		fk_buf_free(&b);
		return fk_report(e);
	}
	fk_hub_set_validator(h, fk_hub_forms_validate, forms);
	if (fk_progress_enabled())
		fk_hub_set_progress(h, import_progress, NULL);
	if (o->qr.n > 0 && import_qr(h, &b, &bad, e) != 0) {
		fk_hub_forms_free(forms);
		fk_buf_free(&b);
		return fk_report(e);
	}
	fk_buf_free(&b);
	for (i = 0; i < argc; i++) {
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			if (import_dir(h, argv[i], &bad, e) != 0) {
				fk_warn("%s", e->msg);
				bad++;
			}
		} else
			import_one(h, argv[i], &bad);
	}
	fk_hub_forms_free(forms);
	return bad ? FK_EXIT_FAIL : 0;
}

static int
hub_list(fk_hubdb *h, const struct hopts *o, fk_err *e)
{
	sqlite3 *db = fk_hub_sqlite(h);
	sqlite3_stmt *st;
	long n = 0;

	if (sqlite3_prepare_v2(db, "SELECT record_id, device_id, seq, form_id, form_version,"
	    " coalesce(short_ref, ''), json_extract(body, '$.finalized_at') FROM records"
	    " WHERE ?1 IS NULL OR device_id = ?1 ORDER BY device_id, seq", -1, &st, NULL) !=
	    SQLITE_OK)
		return fk_report(e);
	sqlite3_bind_text(st, 1, o->device, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		printf("%s\t%s\t%lld\t%s@%d\t%s\t%s\n", sqlite3_column_text(st, 0),
		    sqlite3_column_text(st, 1), (long long)sqlite3_column_int64(st, 2),
		    sqlite3_column_text(st, 3), sqlite3_column_int(st, 4),
		    sqlite3_column_text(st, 5),
		    sqlite3_column_text(st, 6) ? (const char *)sqlite3_column_text(st, 6) : "");
		n++;
	}
	sqlite3_finalize(st);
	return fk_hub_audit(h, "list", o->device ? o->device : "all", n, e) == 0 ? 0 :
	    fk_report(e);
}

static int
hub_show(fk_hubdb *h, const char *id, fk_err *e)
{
	sqlite3_stmt *st;
	json_t *j = NULL;
	int k;

	if (sqlite3_prepare_v2(fk_hub_sqlite(h), "SELECT body FROM records WHERE record_id = ?"
	    " UNION ALL SELECT body FROM conflicts WHERE record_id = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		return fk_report(e);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	k = sqlite3_step(st);
	if (k == SQLITE_ROW)
		j = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
	if (j == NULL) {
		sqlite3_finalize(st);
		fk_fail(e, FK_EINPUT, _("no record %s in this hub; see `fieldkit hub list`"), id);
		return fk_report(e);
	}
	if (fk_hub_audit(h, "show", id, 1, e) != 0) {
		json_decref(j);
		sqlite3_finalize(st);
		return fk_report(e);
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
hub_conflicts(fk_hubdb *h, fk_err *e)
{
	sqlite3_stmt *st;
	long n = 0;

	if (sqlite3_prepare_v2(fk_hub_sqlite(h), "SELECT c.record_id, c.device_id, c.seq,"
	    " c.imported_at, c.bundle_id, r.ct_hash, c.ct_hash FROM conflicts c LEFT JOIN records"
	    " r ON r.record_id = c.record_id ORDER BY c.imported_at, c.record_id", -1, &st,
	    NULL) != SQLITE_OK)
		return fk_report(e);
	while (sqlite3_step(st) == SQLITE_ROW) {
		printf(_("%s\t%s\t%lld\t%s\tbundle %s\tstored %.16s\tother %.16s\n"),
		    sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
		    (long long)sqlite3_column_int64(st, 2), sqlite3_column_text(st, 3),
		    sqlite3_column_text(st, 4), sqlite3_column_text(st, 5),
		    sqlite3_column_text(st, 6));
		n++;
	}
	sqlite3_finalize(st);
	if (n == 0)
		printf(_("no conflicts\n"));
	else
		printf(_("%ld conflicting versions kept; compare them with `fieldkit hub show ID`\n"),
		    n);
	return 0;
}

static int
hub_receipt(fk_hubdb *h, const struct hopts *o, fk_err *e)
{
	fk_minisign_sk *sk = NULL;
	fk_buf out = {0};
	char *kp, path[4200], stamp[FK_TIME_BUF];
	size_t n;
	int rc = -1;

	if (o->device == NULL || o->to == NULL)
		return fk_usage_error("hub receipt", _("--device ID and --to DIR are required"));
	if ((kp = fk_path_join(fk_hub_home(h), FK_HUB_SIGN_KEY)) == NULL)
		return fk_report(e);
	if (fk_minisign_sk_load(kp, o->passfile, &sk, e) != 0 ||
	    fk_hub_receipt_make(h, o->device, sk, &out, &n, e) != 0 || fk_mkdirs(o->to, 0755, e))
		goto fail;
	fk_now_rfc3339(stamp);
	stamp[4] = stamp[7] = stamp[13] = stamp[16] = '-';
	snprintf(path, sizeof path, "%s/receipt-%s-%s.fkr", o->to, o->device, stamp);
	if (fk_write_file_atomic(path, out.p, out.len, 0644, e) != 0)
		goto fail;
	printf(_("receipt for %zu records of device %s written to %s\n"), n, o->device, path);
	printf(_("or as QR codes: `fieldkit qr send %s --png DIR` (or --terminal), read on the "
	    "device with `fieldkit ack --qr DIR`\n"), path);
	rc = 0;
fail:
	free(kp);
	fk_minisign_sk_free(sk);
	fk_buf_free(&out);
	return rc == 0 ? 0 : fk_report(e);
}

static int
hub_gaps(fk_hubdb *h, fk_err *e)
{
	size_t n;

	if (fk_hub_gaps(h, print_gap, NULL, &n, e) != 0)
		return fk_report(e);
	if (n == 0)
		printf(_("no gaps: every device's records are complete and chained\n"));
	return 0;
}

static int
cmd_hub(int argc, char **argv)
{
	struct hopts o;
	fk_hubdb *h = NULL;
	fk_err e = {0};
	const char *sub;
	int rc;

	if (parse(argc, argv, &o) != 0) {
		fk_qr_paths_free(&o.qr);
		return fk_usage_error("hub", _("unknown option"));
	}
	if (optind >= argc || o.help) {
		fputs(_(hub_help), o.help ? stdout : stderr);
		fk_qr_paths_free(&o.qr);
		return o.help ? 0 : FK_EXIT_USAGE;
	}
	sub = argv[optind];
	argc -= optind + 1;
	argv += optind + 1;
	if (o.qr.n > 0 && strcmp(sub, "devices") != 0 && strcmp(sub, "import") != 0) {
		fk_qr_paths_free(&o.qr);
		return fk_usage_error("hub", _("--qr goes with devices add and import"));
	}
	if (strcmp(sub, "init") == 0)
		return hub_init(&o, &e);
	if (open_hub(&o, &h, &e) != 0) {
		fk_qr_paths_free(&o.qr);
		return fk_report(&e);
	}
	if (strcmp(sub, "devices") == 0)
		rc = hub_devices(h, &o, argc, argv, &e);
	else if (strcmp(sub, "import") == 0)
		rc = hub_import(h, &o, argc, argv, &e);
	else if (strcmp(sub, "list") == 0)
		rc = hub_list(h, &o, &e);
	else if (strcmp(sub, "show") == 0)
		rc = argc == 1 ? hub_show(h, argv[0], &e) :
		    fk_usage_error("hub show", _("name one record id"));
	else if (strcmp(sub, "export") == 0)
		rc = hub_export(h, &o, &e);
	else if (strcmp(sub, "gaps") == 0)
		rc = hub_gaps(h, &e);
	else if (strcmp(sub, "conflicts") == 0)
		rc = hub_conflicts(h, &e);
	else if (strcmp(sub, "receipt") == 0)
		rc = hub_receipt(h, &o, &e);
	else
		rc = fk_usage_error("hub", _("unknown command %s"), sub);
	fk_hub_close(h);
	fk_qr_paths_free(&o.qr);
	return rc;
}

FK_COMMAND(hub, N_("the hub: init, devices, import, list, show, export, gaps, receipt"),
    cmd_hub);
