/*
 * cmd_demo.c - `fieldkit demo`: the whole loop in a temporary folder, saying
 * at each step what happened: a hub and a device set up, sample records of
 * both forms captured, a bundle exported, verified and imported, a receipt
 * signed by the hub and acknowledged by the device; then the same without
 * USB: a bundle as QR frames, a fifth of them lost, imported, and the receipt
 * back as QR frames.
 *
 * Each step runs this same program (/proc/self/exe) as a user would, with
 * passphrases from generated files (no prompts). Must never: touch anything
 * outside its temporary folder, or leave it behind unless --keep is given.
 */
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "io.h"

static const char family_sample[] =
    "{\"report_date\":\"2025-01-20\",\"report_place_kind\":\"remote\","
    "\"report_place\":\"Гаряча лінія\",\"status\":\"tracing\","
    "\"reporter_surname_cyr\":\"Юрченко\",\"reporter_given_cyr\":\"Ганна\","
    "\"reporter_dob_kind\":\"unknown\",\"reporter_age\":67,\"reporter_sex\":\"female\","
    "\"reporter_settlement\":\"Запоріжжя\",\"reporter_oblast\":\"UA23\","
    "\"reporter_language\":\"ru\",\"reporter_id_type\":\"none\",\"children\":[{"
    "\"relationship\":\"grandmother\",\"surname_cyr\":\"Юрченко\",\"given_cyr\":\"Євген\","
    "\"sex\":\"male\",\"dob_kind\":\"unknown\",\"age_years\":9,\"docs_had\":[\"unknown\"],"
    "\"imposed\":[\"unknown\"],\"res_settlement\":\"Маріуполь\",\"res_oblast\":\"UA14\","
    "\"separation_cause\":\"filtration\",\"with_whom\":\"parents\","
    "\"separation_date\":\"2022-04-10\",\"last_country\":\"unknown\"}],"
    "\"consent_process\":\"yes\",\"consent_share_authorities\":\"yes\","
    "\"consent_share_orgs\":\"no\",\"consent_publish_name\":\"no\","
    "\"consent_publish_photo\":\"no\",\"consent_withheld_reasons\":[\"safety_family\"]}\n";

static const char intake_sample[] =
    "{\"intake_date\":\"2025-02-11\",\"intake_place\":\"Київ, служба у справах дітей\","
    "\"surname_cyr\":\"Шевченко\",\"given_cyr\":\"Богдан\",\"sex\":\"male\","
    "\"dob_kind\":\"unknown\",\"age_years\":15,\"citizenship\":[\"UA\"],"
    "\"docs_on_return\":[\"none\"],\"imposed\":[\"none\"],\"dna_sample_taken\":\"no\","
    "\"return_date\":\"2025-02-10\",\"crossing_point\":\"Гоптівка\","
    "\"accompanied_by\":[\"alone\"],\"child_wishes\":\"not_asked\","
    "\"care_arrangement\":\"none_yet\",\"urgent\":\"yes\","
    "\"urgent_details\":\"Потребує лікування\",\"risk_level\":\"high\","
    "\"protection_concerns\":[\"unaccompanied\",\"medical\"],"
    "\"interview_present\":[\"psychologist\",\"social_worker\"],"
    "\"crime_disclosed\":\"unknown\",\"interview_subject\":\"child\","
    "\"consent_services\":\"yes\",\"consent_tracing\":\"yes\","
    "\"consent_share_family\":\"yes\",\"consent_share_authorities\":\"yes\","
    "\"consent_share_orgs\":\"no\",\"legal_basis\":\"vital_interest\",\"withheld\":\"no\"}\n";

static char dir[4096];
static int step;

static void say(const char *fmt, ...) FK_PRINTF(1, 2);

static void
say(const char *fmt, ...)
{
	va_list ap;

	printf("\n[%d] ", ++step);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* Runs `fieldkit ARGS...` (this very program); returns its exit status. */
static int
run(const char *first, ...)
{
	char *argv[32];
	va_list ap;
	int n = 0, status;
	pid_t pid;

	argv[n++] = "fieldkit";
	argv[n++] = (char *)first;
	va_start(ap, first);
	while (n < 31 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static char *
p(const char *name)
{
	static char buf[8][4200];
	static int k;

	k = (k + 1) % 8;
	snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
	return buf[k];
}

static int
write_pass(const char *name, fk_err *e)
{
	uint8_t r[18];
	char b64[32];

	randombytes_buf(r, sizeof r);
	sodium_bin2base64(b64, sizeof b64, r, sizeof r, sodium_base64_VARIANT_URLSAFE);
	strcat(b64, "\n");
	return fk_write_secret_file(p(name), b64, strlen(b64), 0, e);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static int
first_file(const char *sub, const char *suffix, char *out, size_t cap)
{
	char cmd[4400];
	FILE *f;
	int rc = -1;

	snprintf(cmd, sizeof cmd, "ls -1 '%s'/*%s 2>/dev/null | head -1", p(sub), suffix);
	if ((f = popen(cmd, "r")) == NULL)
		return -1;
	if (fgets(out, (int)cap, f) != NULL) {
		out[strcspn(out, "\n")] = 0;
		rc = out[0] ? 0 : -1;
	}
	pclose(f);
	return rc;
}

static int
device_id(char *out, size_t cap)
{
	char cmd[4400];
	FILE *f;
	int rc = -1;

	snprintf(cmd, sizeof cmd, "sed -n 's/.*\"device_id\" *: *\"\\([^\"]*\\)\".*/\\1/p' "
	    "'%s' | head -1", p("device/device.json"));
	if ((f = popen(cmd, "r")) == NULL)
		return -1;
	if (fgets(out, (int)cap, f) != NULL) {
		out[strcspn(out, "\n")] = 0;
		rc = out[0] ? 0 : -1;
	}
	pclose(f);
	return rc;
}

#define RUN(...) do { if (run(__VA_ARGS__, (char *)NULL) != 0) goto failed; } while (0)

/* Deletes every fifth frame of DIR (frame-00005.png, frame-00010.png, ...). */
static void
lose_frames(const char *sub)
{
	char name[64], *path;
	unsigned i, n = 0;

	printf(_("Lost on the way (deleted):"));
	for (i = 5; i < 100000; i += 5) {
		snprintf(name, sizeof name, "%s/frame-%05u.png", sub, i);
		path = p(name);
		if (access(path, F_OK) != 0)
			break;
		if (remove(path) == 0) {
			printf(" %s", name + strlen(sub) + 1);
			n++;
		}
	}
	printf(n ? "\n" : _(" none (too few frames)\n"));
}

/* The loop again with no USB: a bundle and a receipt as QR codes. */
static int
qr_loop(const char *dev, fk_err *e)
{
	char bundle[4200], receipt[4200];

	say(_("No USB stick? The same by QR codes. One more record is captured and "
	    "exported..."));
	RUN("capture", "family-report", "--from", p("family.jsonl"), "--home", p("device"));
	RUN("export", "--home", p("device"), "--to", p("phone"), "--passphrase-file",
	    p("device.pass"));
	if (first_file("phone", ".fkb", bundle, sizeof bundle) != 0)
		goto failed;
	say(_("...and shown as a stream of QR codes (here: small PNG frames, k of them plus "
	    "50%% repair frames; `--terminal` animates them on screen)."));
	RUN("qr", "send", bundle, "--png", p("bundle-frames"), "--single", "--version", "10");
	say(_("The camera misses every fifth frame; any k + 2 frames are enough."));
	lose_frames("bundle-frames");
	say(_("The hub rebuilds the bundle from the frames it saw, checks its SHA-256, and "
	    "imports it like one from a stick."));
	RUN("hub", "import", "--home", p("hub"), "--passphrase-file", p("hub.pass"), "--qr",
	    p("bundle-frames"));
	say(_("The receipt goes back as QR codes too; the device checks its signature and "
	    "purges."));
	RUN("hub", "receipt", "--home", p("hub"), "--device", dev, "--to", p("hub-out"),
	    "--passphrase-file", p("hub.pass"));
	if (first_file("hub-out", ".fkr", receipt, sizeof receipt) != 0)
		goto failed;
	RUN("qr", "send", receipt, "--png", p("receipt-frames"));
	RUN("ack", "--home", p("device"), "--qr", p("receipt-frames"));
	RUN("list", "--home", p("device"));
	return 0;
failed:
	return fk_fail(e, FK_ESTATE, _("the demo stopped at step %d (see above)"), step);
}

/* Starts `fieldkit ARGS...` in the background; its pid, or -1. */
static pid_t
spawn(char *const argv[])
{
	pid_t pid;

	fflush(stdout);
	if ((pid = fork()) == 0) {
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	return pid;
}

/* The loop once more over the network: hub serve on loopback, push. */
static int
net_loop(fk_err *e)
{
	char *serve[] = { "fieldkit", "hub", "serve", "--home", p("hub"), "--passphrase-file",
		p("hub.pass"), "--listen", "127.0.0.1:0", "--port-file", p("hub.port"), "--quiet",
		NULL };
	char url[64];
	fk_buf b = {0};
	pid_t pid;
	int i, st;

	say(_("Over the network: the hub serves HTTPS on this machine with its own TLS key; "
	    "its card carries the key's pin, so the device needs no certificate authority."));
	if ((pid = spawn(serve)) < 0)
		goto failed;
	for (i = 0; i < 200 && access(p("hub.port"), F_OK) != 0; i++)
		usleep(50000);
	if (fk_read_file(p("hub.port"), 16, &b, e) != 0 || b.len < 2)
		goto stop;
	snprintf(url, sizeof url, "https://127.0.0.1:%.*s", (int)b.len - 1, (const char *)b.p);
	fk_buf_free(&b);
	/* Requests are signed after the hub started: give it its second. */
	sleep(1);
	if (run("hub", "url", "set", url, "--home", p("hub"), (char *)NULL) != 0 ||
	    run("push", "--home", p("device"), "--hub-card", p("hub/hub-card.json"),
	    (char *)NULL) != 0)
		goto stop;
	say(_("One more record captured; `push` bundles it, uploads the bundle (it would "
	    "resume after any break), checks the hub's receipt and purges."));
	if (run("capture", "family-report", "--from", p("family.jsonl"), "--home",
	    p("device"), (char *)NULL) != 0 ||
	    run("push", "--home", p("device"), "--passphrase-file", p("device.pass"),
	    (char *)NULL) != 0 ||
	    run("push", "--status", "--home", p("device"), (char *)NULL) != 0 ||
	    run("list", "--home", p("device"), (char *)NULL) != 0)
		goto stop;
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	return 0;
stop:
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	fk_buf_free(&b);
failed:
	return fk_fail(e, FK_ESTATE, _("the demo stopped at step %d (see above)"), step);
}

static int
loop(fk_err *e)
{
	char bundle[4200], receipt[4200], dev[128];

	say(_("A hub (the office that receives records): its age key, protected by a "
	    "passphrase; its signing key; its public card."));
	RUN("hub", "init", "--home", p("hub"), "--name", "Demo hub", "--passphrase-file",
	    p("hub.pass"));
	say(_("A field device, set up with the hub's card: whatever it captures is sealed "
	    "to the hub at once."));
	RUN("init", "--home", p("device"), "--name", "Demo laptop", "--hub",
	    p("hub/hub-card.json"), "--passphrase-file", p("device.pass"));
	say(_("The device's signed card, registered at the hub: only registered devices "
	    "may send bundles."));
	RUN("device-card", "--home", p("device"), "--to", p("device.card"),
	    "--passphrase-file", p("device.pass"));
	RUN("hub", "devices", "add", p("device.card"), "--home", p("hub"), "--passphrase-file",
	    p("hub.pass"));
	say(_("Capturing sample records: a family report and a returned child's intake. "
	    "The device cannot read them back."));
	if (fk_write_file_atomic(p("family.jsonl"), family_sample, strlen(family_sample), 0600,
	    e) != 0 || fk_write_file_atomic(p("intake.jsonl"), intake_sample,
	    strlen(intake_sample), 0600, e) != 0)
		return -1;
	RUN("capture", "family-report", "--from", p("family.jsonl"), "--home", p("device"));
	RUN("capture", "child-intake", "--from", p("intake.jsonl"), "--home", p("device"));
	RUN("list", "--home", p("device"));
	say(_("Export to a \"USB stick\": one signed bundle, written safely and read back."));
	RUN("export", "--home", p("device"), "--to", p("stick"), "--passphrase-file",
	    p("device.pass"));
	if (first_file("stick", ".fkb", bundle, sizeof bundle) != 0)
		goto failed;
	say(_("At the hub: the bundle's signature and every record's hash are checked..."));
	RUN("bundle", "verify", bundle, "--hub", p("hub"), "--passphrase-file", p("hub.pass"));
	say(_("...and it is imported in one transaction: decrypted, validated against its "
	    "form, stored."));
	RUN("hub", "import", "--home", p("hub"), "--passphrase-file", p("hub.pass"), bundle);
	say(_("Importing the same stick again changes nothing: duplicates are recognised."));
	RUN("hub", "import", "--home", p("hub"), "--passphrase-file", p("hub.pass"), bundle);
	RUN("hub", "list", "--home", p("hub"), "--passphrase-file", p("hub.pass"));
	RUN("hub", "gaps", "--home", p("hub"), "--passphrase-file", p("hub.pass"));
	say(_("The hub signs a receipt of what it holds; the device checks it and only then "
	    "purges."));
	if (device_id(dev, sizeof dev) != 0)
		goto failed;
	RUN("hub", "receipt", "--home", p("hub"), "--device", dev, "--to", p("stick"),
	    "--passphrase-file", p("hub.pass"));
	if (first_file("stick", ".fkr", receipt, sizeof receipt) != 0)
		goto failed;
	RUN("ack", "--home", p("device"), receipt);
	RUN("list", "--home", p("device"));
	if (qr_loop(dev, e) != 0)
		return -1;
	return net_loop(e);
failed:
	return fk_fail(e, FK_ESTATE, _("the demo stopped at step %d (see above)"), step);
}

static const char demo_help[] = N_("Usage: fieldkit demo [--keep]\n\n"
    "Runs the whole loop in a temporary folder: hub and device set up, sample\n"
    "records of both forms captured, a bundle exported and imported, the hub's\n"
    "receipt acknowledged; then a bundle and a receipt as QR code frames, some\n"
    "frames lost; then over the network: hub serve on this machine, push, receipt.\n"
    "--keep leaves the folder for a look around.\n");

static int
cmd_demo(int argc, char **argv)
{
	int keep = 0, rc;
	const struct fk_opt opt[] = {FK_FLAG("keep", 'k', &keep), FK_OPT_END};
	const char *tmp = getenv("TMPDIR");
	fk_args pos;
	fk_err e = {0};
	time_t t0 = time(NULL);

	if ((rc = fk_opts_parse("demo", demo_help, opt, argc, argv, &pos)) != FK_GO ||
	    (rc = fk_args_max("demo", &pos, 0)) != FK_GO)
		return rc;
	snprintf(dir, sizeof dir, "%s/fieldkit-demo-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		fk_fail(&e, FK_EIO, _("cannot create a temporary folder: %s"), strerror(errno));
		return fk_report(&e);
	}
	printf(_("fieldkit demo in %s\n"), dir);
	setenv("FIELDKIT_QUIET", "1", 0);
	rc = write_pass("hub.pass", &e) == 0 && write_pass("device.pass", &e) == 0 ?
	    loop(&e) : -1;
	if (rc == 0)
		printf(_("\nDone in %ld s: every record captured reached the hub once, and the "
		    "device holds nothing the hub has not confirmed.\n"), (long)(time(NULL) - t0));
	if (keep)
		printf(_("Everything is in %s (passphrases in hub.pass, device.pass).\n"), dir);
	else
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return rc == 0 ? 0 : fk_report(&e);
}

FK_COMMAND(demo, N_("run the whole loop (device -> USB bundle, QR codes or network -> "
    "hub -> receipt) in a temporary folder"), cmd_demo);
