/*
 * cmd_app.c - `fieldkit app`: the form app in the browser (web/web.h). The
 * command parses its options, prints the address to open (with its
 * per-start secret) and what happens that an operator should see (never an
 * answer), opens the browser when asked, and stops on Ctrl-C, saving every
 * open record as a draft.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "device.h"
#include "io.h"
#include "web.h"

#define MAX_FORMS 16

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static const char app_help[] = N_(
    "Usage: fieldkit app [--home DIR] [--listen [ADDRESS:]PORT] [--open] [--form FORM]...\n"
    "                    [--lock-after MINUTES]\n\n"
    "Serves the form app to a browser on this computer: the same forms, rules,\n"
    "drafts and sealing as `fieldkit capture`, as pages (sections, repeats, photos\n"
    "from a file or the camera, a review where every answer is one click from its\n"
    "question). It needs no network: everything comes from fieldkit itself.\n\n"
    "Open the address it prints (it holds a secret made at each start); the page\n"
    "asks for the device passphrase. Only this computer can connect. Drafts are\n"
    "saved encrypted as you go; Ctrl-C stops the app and keeps open records as\n"
    "drafts. The browser keeps nothing.\n\n"
    "Options:\n"
    "  --home DIR                device home (default $FIELDKIT_HOME)\n"
    "  --listen [ADDR:]PORT      loopback address and port (default 127.0.0.1 and a\n"
    "                            free port); ADDR is 127.0.0.1, ::1 or localhost\n"
    "  --open                    open the address in the browser (xdg-open)\n"
    "  --form FORM               offer this form: an id or a form file (repeatable;\n"
    "                            default: every form in the forms folder)\n"
    "  --lock-after MINUTES      forget the passphrase after this long without use\n"
    "                            (default 15; 0 = never)\n"
    "  -h, --help                show this help\n");

/* The operator's language: the server switches to the page's for each request. */
static char op_lang[8] = "en";

static void
on_event(void *ctx, enum fk_web_event ev, const char *text)
{
	const char *cur = getenv("LANGUAGE");
	char page_lang[16];

	(void)ctx;
	snprintf(page_lang, sizeof page_lang, "%s", cur != NULL ? cur : "");
	fk_i18n_switch(op_lang);
	switch (ev) {
	case FK_WEB_READY:
		printf(_("fieldkit app: open %s in a browser on this computer (Ctrl-C stops)\n"), text);
		break;
	case FK_WEB_UNLOCKED:
		printf("%s\n", _("app: unlocked"));
		break;
	case FK_WEB_LOCKED:
		printf(_("app: locked (%s)\n"), strcmp(text, "idle") == 0 ? _("idle") : _("asked"));
		break;
	case FK_WEB_BADPASS:
		printf("%s\n", _("app: a wrong passphrase was given"));
		break;
	case FK_WEB_SEALED: {
		char ref[16] = "";
		long long seq = 0;
		if (sscanf(text, "%15s %lld", ref, &seq) == 2)
			printf(_("app: record %lld sealed for the hub; short reference %s\n"), seq, ref);
		break;
	}
	case FK_WEB_REFUSED:
		fk_warn(_("app: refused %s"), _(text));
		break;
	case FK_WEB_WARNING:
		fk_warn("%s", text);
		break;
	}
	fflush(stdout);
	if (page_lang[0] != '\0')
		fk_i18n_switch(page_lang);
}

/* --listen [ADDR:]PORT, ADDR possibly in brackets ([::1]:8080). */
static int
parse_listen(const char *s, char *addr, size_t n, unsigned *port)
{
	const char *colon = strrchr(s, ':');
	char *end;
	unsigned long p;

	if (colon == NULL) {
		snprintf(addr, n, "127.0.0.1");
		colon = s - 1;
	} else if (s[0] == '[') {
		if (colon < s + 2 || colon[-1] != ']' || (size_t)(colon - s - 2) >= n)
			return -1;
		snprintf(addr, n, "%.*s", (int)(colon - s - 2), s + 1);
	} else {
		if ((size_t)(colon - s) >= n || colon == s)
			return -1;
		snprintf(addr, n, "%.*s", (int)(colon - s), s);
		if (strchr(addr, ':') != NULL)
			return -1;
	}
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || colon[1] == '\0' || errno != 0 || p > 65535)
		return -1;
	*port = (unsigned)p;
	return 0;
}

/*
 * --open: the browser gets a file (0600, in $XDG_RUNTIME_DIR or the device
 * home) that forwards to the address, so the secret is not in any program's
 * command line, where other users of the computer could read it.
 */
struct opener {
	char *file;
	int done;
};

static void
open_browser(struct opener *op, const char *home, const char *url)
{
	const char *rt = getenv("XDG_RUNTIME_DIR");
	char name[64], *page;
	fk_err e = { 0 };
	pid_t pid;
	int n;

	snprintf(name, sizeof name, "fieldkit-app-%ld.html", (long)getpid());
	op->file = fk_path_join(rt != NULL && *rt ? rt : home, name);
	if (op->file == NULL)
		return;
	n = asprintf(&page, "<!doctype html><meta charset=utf-8><meta name=referrer content=no-referrer>"
	    "<meta http-equiv=refresh content=\"0;url=%s\"><title>fieldkit</title>\n", url);
	if (n < 0)
		return;
	if (fk_write_file_atomic(op->file, page, (size_t)n, 0600, &e) != 0) {
		fk_warn("%s", e.msg);
		free(page);
		return;
	}
	free(page);
	pid = fork();
	if (pid == 0) {
		int fd = open("/dev/null", 0);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp("xdg-open", "xdg-open", op->file, (char *)NULL);
		_exit(127);
	}
	if (pid < 0)
		fk_warn(_("cannot start xdg-open: %s"), strerror(errno));
	op->done = 1;
}

struct app_ctx {
	int open;
	const char *home;
	struct opener op;
};

static void
on_event_open(void *ctx, enum fk_web_event ev, const char *text)
{
	struct app_ctx *a = ctx;

	on_event(NULL, ev, text);
	if (ev == FK_WEB_READY && a->open)
		open_browser(&a->op, a->home, text);
}

static int
cmd_app(int argc, char **argv)
{
	const char *home_opt = NULL, *listen = NULL, *lock_opt = NULL;
	int open_flag = 0;
	fk_args form_args = { 0 }, pos;
	const struct fk_opt opt[] = {
		FK_STR("home", 0, &home_opt), FK_STR("listen", 0, &listen),
		FK_FLAG("open", 0, &open_flag), FK_LIST("form", 0, &form_args),
		FK_STR("lock-after", 0, &lock_opt), FK_OPT_END};
	char addr[64] = "127.0.0.1", *paths[MAX_FORMS], *home = NULL, *end;
	const char *forms[MAX_FORMS];
	size_t nforms = 0, i;
	unsigned port = 0;
	long lock = 15;
	struct app_ctx actx;
	struct sigaction sa, oint, oterm, opipe;
	fk_web_opts wo;
	fk_err e = { 0 };
	int c, rc;

	memset(&actx, 0, sizeof actx);
	snprintf(op_lang, sizeof op_lang, "%s", fk_lang_pref() != NULL ? fk_lang_pref() : "en");
	if ((rc = fk_opts_parse("app", app_help, opt, argc, argv, &pos)) != FK_GO ||
	    (rc = fk_args_max("app", &pos, 0)) != FK_GO)
		return rc;
	actx.open = open_flag;
	if (listen != NULL && parse_listen(listen, addr, sizeof addr, &port) != 0)
		return fk_usage_error("app", _("--listen takes [ADDRESS:]PORT, e.g. 127.0.0.1:8080"));
	if (!fk_web_addr_ok(addr))
		return fk_usage_error("app",
		    _("--listen: %s is not a loopback address (127.0.0.1, ::1 or localhost)"), addr);
	if (lock_opt != NULL) {
		lock = strtol(lock_opt, &end, 10);
		if (*end != '\0' || lock_opt[0] == '\0' || lock < 0 || lock > 24 * 60)
			return fk_usage_error("app", _("--lock-after takes minutes, 0 to 1440"));
	}
	if (form_args.n > MAX_FORMS)
		return fk_usage_error("app", _("at most %d forms"), MAX_FORMS);
	rc = FK_EXIT_FAIL;
	for (; nforms < form_args.n; nforms++) {
		if ((paths[nforms] = malloc(4096)) == NULL) {
			fk_fail(&e, FK_ENOMEM, _("out of memory"));
			goto fail;
		}
		if (fk_schema_find(form_args.v[nforms], paths[nforms], 4096, &e) != 0) {
			free(paths[nforms]);
			goto fail;
		}
		forms[nforms] = paths[nforms];
	}
	if (fk_device_home(home_opt, &home, &e) != 0)
		goto fail;
	memset(&wo, 0, sizeof wo);
	wo.home = home;
	wo.addr = addr;
	wo.port = port;
	wo.forms = forms;
	wo.nforms = nforms;
	wo.lock_after = (int)lock * 60;
	wo.event = on_event_open;
	wo.ctx = &actx;
	actx.home = home;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal; /* no SA_RESTART: the server's wait returns at once */
	sigaction(SIGINT, &sa, &oint);
	sigaction(SIGTERM, &sa, &oterm);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &opipe);
	stop = 0;
	c = fk_web_run(&wo, &stop, &e);
	fk_i18n_switch(op_lang); /* the page may have left its own */
	sigaction(SIGINT, &oint, NULL);
	sigaction(SIGTERM, &oterm, NULL);
	sigaction(SIGPIPE, &opipe, NULL);
	if (actx.op.file != NULL) {
		unlink(actx.op.file);
		free(actx.op.file);
	}
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	if (c != 0)
		goto fail;
	printf("%s\n", _("app: stopped; open records are kept as drafts"));
	rc = FK_EXIT_OK;
	goto out;
fail:
	rc = fk_report(&e);
out:
	for (i = 0; i < nforms; i++)
		free(paths[i]);
	free(home);
	return rc;
}

FK_COMMAND(app, N_("the forms as pages in a browser on this computer"), cmd_app);
