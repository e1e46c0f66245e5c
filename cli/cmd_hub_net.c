/*
 * cmd_hub_net.c - the hub's network-sync commands: `hub serve`, `hub tls
 * renew`, `hub url set|clear`, rows of the hub command's table (cmd_hub.c).
 *
 * Owns: their command lines, the passphrase asked once for the three secrets
 * `hub serve` opens, the serve loop and its log on stderr.
 * Must never: print a personal detail in the log, or leave the hub running
 * half set up (it serves with everything unlocked or not at all).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_net.h"
#include "hub.h"
#include "hub_forms.h"
#include "hub_serve.h"
#include "hub_tls.h"
#include "io.h"
#include "pass.h"

/* The options of `hub serve`. */
struct nopts {
	const char *home, *passfile, *listen, *cert, *key, *portfile;
	fk_serve_opts so;
	int quiet;
};

static const char serve_help[] = N_(
    "Usage: fieldkit hub serve --home DIR [--listen ADDR:PORT] [--passphrase-file F]\n\n"
    "Serves network sync over HTTPS: devices push their bundles with `fieldkit push`;\n"
    "each complete bundle is imported as `hub import` would and answered with a\n"
    "hub-signed receipt. Runs until stopped (Ctrl-C or SIGTERM); what happens goes to\n"
    "standard error, one line each, without any personal detail.\n\n"
    "Options:\n"
    "  --listen ADDR:PORT        where to listen (default 0.0.0.0:8443; [::]:8443 for IPv6)\n"
    "  --max-bundle SIZE         the largest bundle taken (default 256M)\n"
    "  --quota SIZE              disk space all partial uploads may take (default 4G)\n"
    "  --expire-days N           drop a partial upload after N days without data (7)\n"
    "  --per-ip N                connections per client address (8)\n"
    "  --max-connections N       connections in all (256)\n"
    "  --timeout SECONDS         close a connection idle this long (60)\n"
    "  --tls-cert F --tls-key F  a certificate from an authority instead of the hub's\n"
    "                            own (the key file unencrypted, 0600)\n"
    "  --port-file F             write the port listened on to F (for scripts)\n"
    "  -q, --quiet               no log lines\n"
    "  --home DIR                the hub home (default $FIELDKIT_HUB_HOME)\n"
    "  --passphrase-file F       read the hub passphrase from F\n"
    "  -h, --help                show this help\n");

static const char tls_help[] = N_(
    "Usage: fieldkit hub tls renew --home DIR [--new-key] [--passphrase-file F]\n\n"
    "Makes a new TLS certificate for the hub. Its key stays, and so does the pin in\n"
    "the hub card, so devices need nothing new. With --new-key the key is new as\n"
    "well, and so is the pin in the card: devices need the new card (`fieldkit push\n"
    "--hub-card hub-card.json`); until then their pushes fail with \"TLS pin\n"
    "mismatch\" and nothing is lost. Restart `hub serve` afterwards.\n\n"
    "Options:\n"
    "  --new-key                 a new key as well\n"
    "  --home DIR                the hub home (default $FIELDKIT_HUB_HOME)\n"
    "  --passphrase-file F       read the hub passphrase from F\n"
    "  -h, --help                show this help\n");

static const char url_help[] = N_(
    "Usage: fieldkit hub url set URL --home DIR\n"
    "       fieldkit hub url clear --home DIR\n\n"
    "Sets (or removes) the address devices push to, https://HOST[:PORT], in the hub\n"
    "card. Give devices the new card: `fieldkit push --hub-card hub-card.json`.\n\n"
    "Options:\n"
    "  --home DIR                the hub home (default $FIELDKIT_HUB_HOME)\n"
    "  -h, --help                show this help\n");

/*
 * The passphrase once, for the three secrets: identity.age and sign.key are
 * opened through their own loaders, which read a passphrase file; a typed
 * passphrase is handed to them in a memory-only file (memfd, 0600).
 */
static int
pass_once(const char *passfile, fk_secret *pass, int *memfd, char path[4200], fk_err *e)
{
	*memfd = -1;
	if (fk_pass_get(_("Hub passphrase: "), 0, passfile, pass, e) != 0)
		return -1;
	if (passfile != NULL) {
		snprintf(path, 4200, "%s", passfile);
		return 0;
	}
	if ((*memfd = memfd_create("fieldkit-pass", MFD_CLOEXEC)) < 0 ||
	    fchmod(*memfd, 0600) != 0 ||
	    fk_fd_write_all(*memfd, pass->p, pass->len, "memfd", e) != 0 ||
	    fk_fd_write_all(*memfd, (const uint8_t *)"\n", 1, "memfd", e) != 0) {
		if (*memfd >= 0)
			close(*memfd);
		*memfd = -1;
		return fk_fail(e, FK_EIO, _("cannot hold the passphrase in memory: %s"),
		    strerror(errno));
	}
	snprintf(path, 4200, "/proc/self/fd/%d", *memfd);
	return 0;
}

static volatile sig_atomic_t stop_now;

static void
on_signal(int sig)
{
	(void)sig;
	stop_now = 1;
}

static void
log_line(void *ctx, const char *line)
{
	struct nopts *o = ctx;

	if (!o->quiet) {
		fprintf(stderr, "%s\n", line);
		fflush(stderr);
	}
}

static int
hub_serve(struct nopts *o, fk_err *e)
{
	fk_hubdb *h = NULL;
	fk_hub_forms *forms = NULL;
	fk_minisign_sk *sk = NULL;
	fk_secret pass = {0}, key = {0};
	fk_buf crt = {0};
	fk_server *srv = NULL;
	char pf[4200], *kp = NULL, pin[FK_TLS_PIN_LEN + 1] = "";
	int memfd = -1, rc = FK_EXIT_FAIL;
	time_t last;
	struct sigaction sa;

	if (fk_hub_open(&h, o->home, e) != 0 || pass_once(o->passfile, &pass, &memfd, pf, e) != 0 ||
	    fk_hub_unlock(h, pf, e) != 0 || fk_hub_forms_load(&forms, h, e) != 0 ||
	    (kp = fk_path_join(o->home, FK_HUB_SIGN_KEY)) == NULL ||
	    fk_minisign_sk_load(kp, pf, &sk, e) != 0 ||
	    fk_hub_tls_load(o->home, pass.p, pass.len, o->key, o->cert, &key, &crt, e) != 0 ||
	    fk_tls_pin_of_cert(crt.p, crt.len, pin, e) != 0) {
		rc = fk_report(e);
		goto out;
	}
	if (memfd >= 0) {
		close(memfd);
		memfd = -1;
	}
	fk_secret_free(&pass);
	fk_hub_set_validator(h, fk_hub_forms_validate, forms);
	o->so.listen = o->listen;
	if (fk_serve_start(&srv, h, &o->so, &key, &crt, sk, log_line, o, e) != 0) {
		rc = fk_report(e);
		goto out;
	}
	printf(_("hub \"%s\" serving network sync on port %d (TLS pin %s)\n"), fk_hub_name(h),
	    fk_serve_port(srv), pin);
	fflush(stdout);
	if (o->portfile != NULL) {
		char txt[16];
		int n = snprintf(txt, sizeof txt, "%d\n", fk_serve_port(srv));
		if (fk_write_file_atomic(o->portfile, txt, (size_t)n, 0644, e) != 0) {
			rc = fk_report(e);
			goto out;
		}
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	last = time(NULL);
	while (!stop_now) {
		struct timespec ts = { 0, 200000000L };
		nanosleep(&ts, NULL);
		if (time(NULL) - last >= 300) {
			fk_serve_tick(srv);
			last = time(NULL);
		}
	}
	printf(_("hub serve stopped\n"));
	rc = 0;
out:
	fk_serve_stop(srv);
	if (memfd >= 0)
		close(memfd);
	fk_secret_free(&pass);
	fk_secret_free(&key);
	fk_buf_free(&crt);
	fk_minisign_sk_free(sk);
	fk_hub_forms_free(forms);
	fk_hub_close(h);
	free(kp);
	return rc;
}

/* --home is required; the hub must exist. */
static int
need_hub(const char *cmd, const char *home, fk_err *e)
{
	fk_hubdb *h = NULL;

	if (home == NULL || home[0] == 0)
		return fk_usage_error(cmd, _("say where the hub is: --home DIR (or set "
		    "FIELDKIT_HUB_HOME)"));
	if (fk_hub_open(&h, home, e) != 0)
		return fk_report(e);
	fk_hub_close(h);
	return FK_GO;
}

static int
number(const char *cmd, const char *s, long max, int *out)
{
	char *end;
	long n;

	if (s == NULL)
		return FK_GO;
	n = strtol(s, &end, 10);
	if (*end != 0 || end == s || n < 1 || n > max)
		return fk_usage_error(cmd, _("%s: a whole number from 1 to %ld"), s, max);
	*out = (int)n;
	return FK_GO;
}

static int
hub_serve_cmd(const char *cmd, const char *home, const char *passfile, int argc,
    char **argv)
{
	struct nopts o;
	const char *maxb = NULL, *quota = NULL, *exp = NULL, *perip = NULL, *maxc = NULL,
	    *tmo = NULL;
	fk_args pos;
	fk_err e = {0};
	int rc;

	memset(&o, 0, sizeof o);
	fk_serve_opts_default(&o.so);
	o.home = home;
	o.passfile = passfile;
	o.listen = "0.0.0.0:8443";
	{
		const struct fk_opt opt[] = {FK_STR("home", 0, &o.home),
			FK_STR("passphrase-file", 0, &o.passfile), FK_STR("listen", 0, &o.listen),
			FK_STR("max-bundle", 0, &maxb), FK_STR("quota", 0, &quota),
			FK_STR("expire-days", 0, &exp), FK_STR("per-ip", 0, &perip),
			FK_STR("max-connections", 0, &maxc), FK_STR("timeout", 0, &tmo),
			FK_STR("tls-cert", 0, &o.cert), FK_STR("tls-key", 0, &o.key),
			FK_STR("port-file", 0, &o.portfile), FK_FLAG("quiet", 'q', &o.quiet),
			FK_OPT_END};
		if ((rc = fk_opts_parse(cmd, serve_help, opt, argc, argv, &pos)) != FK_GO ||
		    (rc = fk_args_max(cmd, &pos, 0)) != FK_GO)
			return rc;
	}
	if ((maxb != NULL && fk_size_parse(maxb, &o.so.max_bundle) != 0) ||
	    (quota != NULL && fk_size_parse(quota, &o.so.quota) != 0))
		return fk_usage_error(cmd, _("--max-bundle and --quota take a size like 256M or 4G"));
	if ((rc = number(cmd, exp, 3650, &o.so.expire_days)) != FK_GO ||
	    (rc = number(cmd, perip, 10000, &o.so.per_ip)) != FK_GO ||
	    (rc = number(cmd, maxc, 100000, &o.so.max_conn)) != FK_GO ||
	    (rc = number(cmd, tmo, 86400, &o.so.timeout)) != FK_GO)
		return rc;
	if ((o.cert == NULL) != (o.key == NULL))
		return fk_usage_error(cmd, _("--tls-cert and --tls-key go together"));
	if ((rc = need_hub(cmd, o.home, &e)) != FK_GO)
		return rc;
	return hub_serve(&o, &e);
}

static int
hub_tls_cmd(const char *cmd, const char *home, const char *passfile, int argc,
    char **argv)
{
	fk_secret pass = {0};
	char pin[FK_TLS_PIN_LEN + 1], url[FK_HUB_URL_MAX + 1];
	int newkey = 0, rc;
	fk_args pos;
	fk_err e = {0};
	const struct fk_opt opt[] = {FK_STR("home", 0, &home),
		FK_STR("passphrase-file", 0, &passfile), FK_FLAG("new-key", 0, &newkey),
		FK_OPT_END};

	if ((rc = fk_opts_parse(cmd, tls_help, opt, argc, argv, &pos)) != FK_GO)
		return rc;
	if (pos.n != 1 || strcmp(pos.v[0], "renew") != 0)
		return fk_usage_error(cmd, _("say `hub tls renew`"));
	if ((rc = need_hub(cmd, home, &e)) != FK_GO)
		return rc;
	if (fk_pass_get(_("Hub passphrase: "), 0, passfile, &pass, &e) != 0)
		return fk_report(&e);
	rc = fk_hub_tls_make(home, pass.p, pass.len, newkey, pin, &e);
	fk_secret_free(&pass);
	if (rc != 0 || fk_hub_card_net_update(home, NULL, url, &e) != 0)
		return fk_report(&e);
	printf(_("new TLS certificate in %s/%s (pin %s)\n"), home, FK_HUB_TLS_CRT, pin);
	if (newkey)
		printf(_("the key is new: give devices the new card %s/%s (`fieldkit push "
		    "--hub-card CARD`), then restart `hub serve`\n"), home, FK_HUB_CARD);
	else
		printf(_("same key, same pin: devices need nothing new; restart `hub serve`\n"));
	return 0;
}

static int
hub_url_cmd(const char *cmd, const char *home, const char *passfile, int argc,
    char **argv)
{
	char url[FK_HUB_URL_MAX + 1];
	fk_args pos;
	fk_err e = {0};
	int rc;
	const struct fk_opt opt[] = {FK_STR("home", 0, &home),
		FK_STR("passphrase-file", 0, &passfile), FK_OPT_END};

	if ((rc = fk_opts_parse(cmd, url_help, opt, argc, argv, &pos)) != FK_GO)
		return rc;
	if (!((pos.n == 2 && strcmp(pos.v[0], "set") == 0) ||
	    (pos.n == 1 && strcmp(pos.v[0], "clear") == 0)))
		return fk_usage_error(cmd, _("say `hub url set https://HOST[:PORT]` or "
		    "`hub url clear`"));
	if ((rc = need_hub(cmd, home, &e)) != FK_GO)
		return rc;
	if (fk_hub_card_net_update(home, pos.n == 2 ? pos.v[1] : "", url, &e) != 0)
		return fk_report(&e);
	if (url[0])
		printf(_("the hub card %s/%s now names %s\n"), home, FK_HUB_CARD, url);
	else
		printf(_("the hub card %s/%s names no address now\n"), home, FK_HUB_CARD);
	printf(_("give devices the new card: `fieldkit push --hub-card CARD`\n"));
	return 0;
}

const struct fk_match_cmd fk_hub_serve_sub = {hub_serve_cmd};
const struct fk_match_cmd fk_hub_tls_sub = {hub_tls_cmd};
const struct fk_match_cmd fk_hub_url_sub = {hub_url_cmd};
