/*
 * pass.c - see pass.h.
 */
#include "pass.h"
#include "text.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

int
fk_pass_from_bytes(const uint8_t *p, size_t len, fk_secret *out, fk_err *e)
{
	size_t n = 0;

	while (n < len && p[n] != '\n')
		n++;
	if (n > 0 && p[n - 1] == '\r')
		n--;
	if (n == 0)
		return fk_fail(e, FK_EPASS, _("the passphrase is empty"));
	if (n > FK_PASS_MAX)
		return fk_fail(e, FK_ELIMIT, _("the passphrase is longer than %d bytes"),
		    FK_PASS_MAX);
	if (fk_secret_alloc(out, n, e) != 0)
		return -1;
	memcpy(out->p, p, n);
	return 0;
}

/* A signal that came while the passphrase was being typed (echo off). */
static volatile sig_atomic_t pass_signal;

static void
on_pass_signal(int sig)
{
	pass_signal = sig;
}

/*
 * Reads one line from the terminal fd with echo off. Ctrl-C, a hang-up or
 * SIGTERM while it waits first puts the terminal back as it was (echo on),
 * then is delivered as it would have been (the process stops, or the
 * caller's own handler sees it): never a shell left without echo.
 */
static int
tty_read_line(int fd, const char *prompt, fk_secret *out, fk_err *e)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	struct sigaction sa, olds[3];
	struct termios old, raw;
	fk_secret buf;
	size_t n = 0, i;
	int echo_off = 0, rc = -1, sig;

	if (fk_secret_alloc(&buf, FK_PASS_MAX + 2, e) != 0)
		return -1;
	pass_signal = 0;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_pass_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &olds[i]); /* no SA_RESTART: read returns EINTR */
	if (tcgetattr(fd, &old) == 0) {
		raw = old;
		raw.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		raw.c_lflag |= ICANON;
		if (tcsetattr(fd, TCSAFLUSH, &raw) == 0)
			echo_off = 1;
	}
	if (write(fd, prompt, strlen(prompt)) < 0) {
		/* The prompt is a courtesy; reading still works without it. */
	}
	for (;;) {
		char c;
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR && pass_signal == 0)
			continue;
		if (r <= 0 || c == '\n')
			break;
		if (n < FK_PASS_MAX + 1)
			buf.p[n++] = (uint8_t)c;
	}
	if (echo_off) {
		tcsetattr(fd, TCSAFLUSH, &old);
		if (write(fd, "\n", 1) < 0) {
			/* cosmetic */
		}
	}
	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &olds[i], NULL);
	if ((sig = pass_signal) != 0) {
		fk_secret_free(&buf);
		raise(sig); /* as it would have been: stops the process, or the caller handles it */
		return fk_fail(e, FK_EPASS, _("interrupted"));
	}
	rc = fk_pass_from_bytes(buf.p, n, out, e);
	fk_secret_free(&buf);
	return rc;
}

/*
 * Where a passphrase comes from when the command line names no file: the file
 * named by $FIELDKIT_PASSPHRASE_FILE (restic's RESTIC_PASSWORD_FILE
 * convention), else a systemd credential (LoadCredential=fieldkit-passphrase:
 * ...), else NULL (the terminal). credpath holds the credential's path.
 */
static const char *
pass_source(const char *file, char *credpath, size_t n)
{
	const char *env = getenv("FIELDKIT_PASSPHRASE_FILE"), *dir;

	if (file != NULL)
		return file;
	if (env != NULL && env[0] != 0)
		return env;
	dir = getenv("CREDENTIALS_DIRECTORY");
	if (dir != NULL && dir[0] == '/' &&
	    (size_t)snprintf(credpath, n, "%s/%s", dir, FK_PASS_CREDENTIAL) < n &&
	    access(credpath, F_OK) == 0)
		return credpath;
	return NULL;
}

int
fk_pass_asks(const char *file)
{
	char cred[4096];

	return pass_source(file, cred, sizeof cred) == NULL;
}

int
fk_pass_get(const char *prompt, int confirm, const char *file, fk_secret *out, fk_err *e)
{
	fk_secret again;
	char cred[4096];
	int fd, rc;

	out->p = NULL;
	out->len = 0;
	file = pass_source(file, cred, sizeof cred);
	if (file != NULL) {
		fk_secret raw;
		if (fk_read_secret_file(file, FK_PASS_MAX + 2, &raw, e) != 0)
			return fk_prefix(e, _("passphrase file"));
		rc = fk_pass_from_bytes(raw.p, raw.len, out, e);
		fk_secret_free(&raw);
		return rc;
	}
	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return fk_fail(e, FK_EUSAGE, _("no terminal to ask for the passphrase; give it "
		    "with --passphrase-file FILE or FIELDKIT_PASSPHRASE_FILE=FILE"));
	rc = tty_read_line(fd, prompt, out, e);
	if (rc == 0 && confirm) {
		rc = tty_read_line(fd, _("Repeat the passphrase: "), &again, e);
		if (rc == 0) {
			if (again.len != out->len || sodium_memcmp(again.p, out->p, out->len) != 0)
				rc = fk_fail(e, FK_EPASS, _("the passphrases do not match"));
			fk_secret_free(&again);
		}
		if (rc != 0)
			fk_secret_free(out);
	}
	close(fd);
	return rc;
}

size_t
fk_pass_chars(const uint8_t *p, size_t len)
{
	/* Code points when the passphrase is UTF-8; else each byte counts once. */
	if (!fk_utf8_valid(p, len, NULL))
		return len;
	return fk_utf8_count(p, len, len);
}

int
fk_pass_check_new(const uint8_t *p, size_t len, fk_err *e)
{
	if (fk_pass_chars(p, len) < FK_PASS_MIN)
		return fk_fail(e, FK_EPASS, _("the new passphrase is too short: use at least %d "
		    "characters (a few words are easiest to remember)"), FK_PASS_MIN);
	return 0;
}

int
fk_pass_new(const char *prompt, const char *file, fk_secret *out, fk_err *e)
{
	char cred[4096], again[1024];
	int tries;

	/* From a file: one answer, refused when short. */
	if (pass_source(file, cred, sizeof cred) != NULL) {
		if (fk_pass_get(prompt, 1, file, out, e) != 0)
			return -1;
		if (fk_pass_check_new(out->p, out->len, e) != 0) {
			fk_secret_free(out);
			return -1;
		}
		return 0;
	}
	/* On the terminal: a short one is said at once (before it is repeated),
	 * and asked again, three times at most. */
	for (tries = 0; tries < 3; tries++) {
		fk_secret rep = { 0 };
		int same;

		if (fk_pass_get(tries ? again : prompt, 0, NULL, out, e) != 0)
			return -1;
		if (fk_pass_check_new(out->p, out->len, e) != 0) {
			fk_secret_free(out);
			snprintf(again, sizeof again, "%s\n%s", e->msg, prompt);
			continue;
		}
		if (fk_pass_get(_("Repeat the passphrase: "), 0, NULL, &rep, e) != 0) {
			fk_secret_free(out);
			return -1;
		}
		same = rep.len == out->len && sodium_memcmp(rep.p, out->p, out->len) == 0;
		fk_secret_free(&rep);
		if (same)
			return 0;
		fk_secret_free(out);
		fk_fail(e, FK_EPASS, _("the passphrases do not match"));
		snprintf(again, sizeof again, "%s\n%s", e->msg, prompt);
	}
	return -1;
}
