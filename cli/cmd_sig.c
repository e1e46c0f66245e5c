/*
 * cmd_sig.c - `fieldkit sig keygen|sign|verify`: minisign -G/-S/-V for
 * operators and scripts, with minisign's flags and file formats.
 *
 * Owns: the command line only; formats and crypto live in minisign.c.
 * Must never: leave a partial key or signature file (all writes are atomic),
 * overwrite a key without -f, or report success for a signature that did not
 * verify. Files are hashed as a stream, so memory stays flat for any size;
 * only a legacy "Ed" signature needs its file in memory (at most 1 GiB).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "io.h"
#include "minisign.h"
#include "pass.h"

static const char sig_usage[] = N_("Usage:\n"
		     "  fieldkit sig keygen -p PUBKEY -s SECKEY [-W] [-f] [--passphrase-file FILE]\n"
		     "  fieldkit sig sign -s SECKEY -m FILE [-x SIGFILE] [-t TRUSTED] [-c UNTRUSTED]\n"
		     "                    [--passphrase-file FILE]\n"
		     "  fieldkit sig verify (-p PUBKEY | -P KEY) -m FILE [-x SIGFILE] [-H] [-q | -Q]\n\n"
		     "Makes and checks minisign signatures. Keys and signatures are in minisign's\n"
		     "formats: `minisign -V` checks our signatures, and we check minisign's.\n"
		     "Run `fieldkit sig COMMAND --help` for the options of each command.\n");

static const char keygen_usage[] = N_("Usage: fieldkit sig keygen -p PUBKEY -s SECKEY [-W] [-f] [--passphrase-file FILE]\n\n"
		     "Generates a minisign key pair. The secret key is written 0600 and protected\n"
		     "by a passphrase (asked twice on the terminal) unless -W is given.\n\n"
		     "Options:\n"
		     "  -p, --public-key FILE      write the public key to FILE\n"
		     "  -s, --secret-key FILE      write the secret key to FILE\n"
		     "  -W, --no-passphrase        do not protect the secret key with a passphrase\n"
		     "  -f, --force                overwrite existing key files\n"
		     "      --passphrase-file FILE read the passphrase from FILE (first line; 0600)\n"
		     "  -h, --help                 show this help\n");

static const char sign_usage[] = N_("Usage: fieldkit sig sign -s SECKEY -m FILE [-x SIGFILE] [-t TRUSTED] [-c UNTRUSTED]\n"
		     "                         [--passphrase-file FILE]\n\n"
		     "Signs FILE (BLAKE2b-512 pre-hashed, as minisign 0.11 does) and writes the\n"
		     "signature atomically to SIGFILE.\n\n"
		     "Options:\n"
		     "  -s, --secret-key FILE      the secret key\n"
		     "  -m, --message FILE         the file to sign\n"
		     "  -x, --signature FILE       the signature file (default: FILE.minisig)\n"
		     "  -t, --trusted-comment TEXT a signed one-line comment\n"
		     "                             (default: timestamp:<unix time>\\tfile:<name>\\thashed)\n"
		     "  -c, --comment TEXT         an unsigned one-line comment\n"
		     "      --passphrase-file FILE read the passphrase from FILE (first line; 0600)\n"
		     "  -h, --help                 show this help\n");

static const char verify_usage[] = N_("Usage: fieldkit sig verify (-p PUBKEY | -P KEY) -m FILE [-x SIGFILE] [-H] [-q | -Q]\n\n"
		     "Checks that SIGFILE is a valid signature of FILE by the key, and that its\n"
		     "trusted comment is intact; prints the trusted comment. Exits 1 on failure.\n"
		     "Legacy (non-prehashed) signatures are accepted for files up to 1 GiB.\n\n"
		     "Options:\n"
		     "  -p, --public-key FILE      the public key file\n"
		     "  -P, --public-key-string KEY the public key, as a base64 string\n"
		     "  -m, --message FILE         the signed file\n"
		     "  -x, --signature FILE       the signature file (default: FILE.minisig)\n"
		     "  -H, --hashed-only          refuse legacy (non-prehashed) signatures\n"
		     "  -q, --quiet                print nothing on success\n"
		     "  -Q, --pretty-quiet         print only the trusted comment\n"
		     "  -h, --help                 show this help\n");

static int
key_exists(const char *path, int force, fk_err *e)
{
	if (!force && access(path, F_OK) == 0)
		return fk_fail(e, FK_ESTATE,
		    _("%s already exists; add -f to overwrite the key pair"), path);
	return 0;
}

static int
sig_keygen(const struct fk_call *call, int argc, char **argv)
{
	const char *pkpath = NULL, *skpath = NULL, *passfile = NULL;
	int nopass = 0, force = 0, rc;
	const struct fk_opt opt[] = {
		FK_STR("public-key", 'p', &pkpath), FK_STR("secret-key", 's', &skpath),
		FK_FLAG("no-passphrase", 'W', &nopass), FK_FLAG("force", 'f', &force),
		FK_STR("passphrase-file", 0, &passfile), FK_OPT_END,
	};
	fk_minisign_sk *sk = NULL;
	fk_minisign_pk pk;
	fk_secret pass = {NULL, 0}, text = {NULL, 0};
	fk_buf pub = {0};
	fk_args pos;
	fk_err e = {0};
	char id[17];

	if ((rc = fk_opts_parse(call->cmd, keygen_usage, opt, argc, argv, &pos)) != FK_GO ||
	    (rc = fk_args_max(call->cmd, &pos, 0)) != FK_GO)
		return rc;
	if (pkpath == NULL || skpath == NULL)
		return fk_usage_error(call->cmd, _("give the key files with -p PUBKEY -s SECKEY"));
	if (nopass && passfile != NULL)
		return fk_usage_error(call->cmd, _("-W and --passphrase-file cannot be used together"));
	if (strcmp(pkpath, skpath) == 0)
		return fk_usage_error(call->cmd, _("the public and secret key files must differ"));
	rc = FK_EXIT_FAIL;
	if (key_exists(pkpath, force, &e) != 0 || key_exists(skpath, force, &e) != 0)
		goto report;
	if (!nopass && fk_pass_new(_("Passphrase for the new secret key: "), passfile, &pass,
	    &e) != 0)
		goto report;
	if (fk_minisign_keygen(&sk, &pk, &e) != 0)
		goto report;
	if (!nopass && fk_progress_enabled())
		fprintf(stderr, "%s", _("Deriving a key from the passphrase... "));
	if (fk_minisign_sk_encode(sk, nopass ? NULL : pass.p, pass.len, &text, &e) != 0)
		goto report;
	if (!nopass && fk_progress_enabled())
		fprintf(stderr, "%s\n", _("done"));
	if (fk_minisign_pk_encode(&pk, &pub, &e) != 0 ||
	    fk_write_secret_file(skpath, text.p, text.len, force, &e) != 0 ||
	    fk_write_file_atomic(pkpath, pub.p, pub.len, 0644, &e) != 0)
		goto report;
	fk_minisign_keyid_hex(pk.keynum, id);
	/* The public key file's second line is the -P form; pub ends with its LF. */
	pub.p[pub.len - 1] = '\0';
	printf(_("The secret key was saved as %s - keep it secret.\n"
		 "The public key was saved as %s - that one can be public.\n"
		 "Key id: %s\n\n"
		 "Files signed with this key pair can be verified with:\n"
		 "fieldkit sig verify -m FILE -P %s\n"),
	    skpath, pkpath, id, strchr((char *)pub.p, '\n') + 1);
	rc = FK_EXIT_OK;
	goto out;
report:
	rc = fk_report(&e);
out:
	fk_minisign_sk_free(sk);
	fk_secret_free(&pass);
	fk_secret_free(&text);
	fk_buf_free(&pub);
	return rc;
}

/* Streams path through BLAKE2b-512. */
static int
hash_file(const char *path, uint8_t hash[64], fk_err *e)
{
	static uint8_t buf[65536];
	fk_minisign_hasher h;
	FILE *f = fk_open_read(path, e);
	size_t n;
	int rc = 0;

	if (f == NULL)
		return -1;
	fk_minisign_hash_init(&h);
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		fk_minisign_hash_update(&h, buf, n);
	if (ferror(f))
		rc = fk_fail(e, FK_EIO, _("cannot read %s: %s"), path, strerror(errno));
	fk_minisign_hash_final(&h, hash);
	if (f != stdin)
		fclose(f);
	return rc;
}

static char *
default_sigpath(const char *msg)
{
	size_t n = strlen(msg) + sizeof ".minisig";
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s.minisig", msg);
	return p;
}

static int
sig_sign(const struct fk_call *call, int argc, char **argv)
{
	const char *skpath = NULL, *msg = NULL, *sigpath = NULL, *trusted = NULL;
	const char *untrusted = NULL, *passfile = NULL;
	const struct fk_opt opt[] = {
		FK_STR("secret-key", 's', &skpath), FK_STR("message", 'm', &msg),
		FK_STR("signature", 'x', &sigpath), FK_STR("trusted-comment", 't', &trusted),
		FK_STR("comment", 'c', &untrusted), FK_STR("passphrase-file", 0, &passfile),
		FK_OPT_END,
	};
	char *defsig = NULL, deftrusted[FK_MINISIGN_TRUSTED_MAX];
	fk_minisign_sk *sk = NULL;
	fk_buf out = {0};
	fk_args pos;
	fk_err e = {0};
	uint8_t hash[64];
	int rc;

	if ((rc = fk_opts_parse(call->cmd, sign_usage, opt, argc, argv, &pos)) != FK_GO ||
	    (rc = fk_args_max(call->cmd, &pos, 0)) != FK_GO)
		return rc;
	if (skpath == NULL || msg == NULL)
		return fk_usage_error(call->cmd, _("give the secret key with -s and the file with -m"));
	if (sigpath == NULL && strcmp(msg, "-") == 0)
		return fk_usage_error(call->cmd, _("signing standard input needs -x SIGFILE"));
	rc = FK_EXIT_FAIL;
	if (sigpath == NULL && (sigpath = defsig = default_sigpath(msg)) == NULL) {
		fk_fail(&e, FK_ENOMEM, _("out of memory"));
		goto report;
	}
	if (trusted == NULL || *trusted == '\0') {
		fk_minisign_default_trusted(msg, (uint64_t)time(NULL), deftrusted, sizeof deftrusted);
		trusted = deftrusted;
	}
	if (untrusted != NULL && *untrusted == '\0')
		untrusted = NULL;
	/* Check the comments before asking for a passphrase. */
	if (fk_minisign_comments_ok(trusted, untrusted, &e) != 0)
		goto report;
	if (fk_minisign_sk_load(skpath, passfile, &sk, &e) != 0 || hash_file(msg, hash, &e) != 0 ||
	    fk_minisign_sign_hash(sk, hash, trusted, untrusted, &out, &e) != 0 ||
	    fk_write_file_atomic(sigpath, out.p, out.len, 0644, &e) != 0)
		goto report;
	rc = FK_EXIT_OK;
	goto done;
report:
	rc = fk_report(&e);
done:
	fk_minisign_sk_free(sk);
	fk_buf_free(&out);
	free(defsig);
	return rc;
}

static int
verify_file(const fk_minisign_pk *pk, const char *msg, const char *sigpath, int hashed_only,
    char *trusted, size_t cap, fk_err *e)
{
	fk_buf sig = {0}, data = {0};
	fk_minisign_sig *s = malloc(sizeof *s);
	uint8_t hash[64] = {0};
	int rc = -1;

	if (s == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	if (fk_read_file(sigpath, FK_MINISIGN_FILE_MAX, &sig, e) != 0) {
		if (e != NULL && e->code == FK_ELIMIT)
			fk_fail(e, FK_EINPUT, _("%s is too large to be a signature file"), sigpath);
		goto done;
	}
	if (fk_minisign_sig_parse(sig.p, sig.len, s, e) != 0) {
		fk_prefix(e, "%s", sigpath);
		goto done;
	}
	if (fk_minisign_sig_legacy(s) && !hashed_only) {
		if (fk_read_file(msg, FK_MINISIGN_LEGACY_MAX, &data, e) != 0) {
			if (e != NULL && e->code == FK_ELIMIT)
				fk_fail(e, FK_ELIMIT, _("%s: a legacy signature can only be checked for "
				    "files up to 1 GiB; ask for a new (pre-hashed) signature"), msg);
			goto done;
		}
	} else if (!fk_minisign_sig_legacy(s) && hash_file(msg, hash, e) != 0) {
		goto done;
	}
	if (fk_minisign_verify(pk, sig.p, sig.len, hash,
	    data.p != NULL ? data.p : (const uint8_t *)"", data.len, hashed_only, trusted, cap,
	    e) != 0) {
		fk_prefix(e, "%s", sigpath);
		goto done;
	}
	rc = 0;
done:
	fk_buf_free(&sig);
	fk_buf_free(&data);
	free(s);
	return rc;
}

static int
sig_verify(const struct fk_call *call, int argc, char **argv)
{
	const char *pkpath = NULL, *pkstr = NULL, *msg = NULL, *sigpath = NULL;
	int hashed_only = 0, quiet = 0, rc;
	const struct fk_opt opt[] = {
		FK_STR("public-key", 'p', &pkpath), FK_STR("public-key-string", 'P', &pkstr),
		FK_STR("message", 'm', &msg), FK_STR("signature", 'x', &sigpath),
		FK_FLAG("hashed-only", 'H', &hashed_only), FK_FLAG_VAL("quiet", 'q', &quiet, 1),
		FK_FLAG_VAL("pretty-quiet", 'Q', &quiet, 2), FK_OPT_END,
	};
	char *defsig = NULL, trusted[FK_MINISIGN_TRUSTED_MAX];
	fk_minisign_pk pk;
	fk_args pos;
	fk_err e = {0};

	if ((rc = fk_opts_parse(call->cmd, verify_usage, opt, argc, argv, &pos)) != FK_GO ||
	    (rc = fk_args_max(call->cmd, &pos, 0)) != FK_GO)
		return rc;
	if ((pkpath == NULL) == (pkstr == NULL))
		return fk_usage_error(call->cmd, _("give the public key with either -p FILE or -P KEY"));
	if (msg == NULL)
		return fk_usage_error(call->cmd, _("give the signed file with -m FILE"));
	if (sigpath == NULL && strcmp(msg, "-") == 0)
		return fk_usage_error(call->cmd, _("verifying standard input needs -x SIGFILE"));
	rc = FK_EXIT_FAIL;
	if (pkpath != NULL ? fk_minisign_pk_load(pkpath, &pk, &e) != 0 :
	    fk_minisign_pk_parse((const uint8_t *)pkstr, strlen(pkstr), &pk, &e) != 0)
		goto report;
	if (sigpath == NULL && (sigpath = defsig = default_sigpath(msg)) == NULL) {
		fk_fail(&e, FK_ENOMEM, _("out of memory"));
		goto report;
	}
	if (verify_file(&pk, msg, sigpath, hashed_only, trusted, sizeof trusted, &e) != 0)
		goto report;
	if (quiet == 0)
		printf(_("Signature and comment signature verified\nTrusted comment: %s\n"), trusted);
	else if (quiet == 2)
		printf("%s\n", trusted);
	if (fflush(stdout) != 0) {
		fk_fail(&e, FK_EIO, _("cannot write the output: %s"), strerror(errno));
		goto report;
	}
	rc = FK_EXIT_OK;
	goto done;
report:
	rc = fk_report(&e);
done:
	free(defsig);
	return rc;
}

static int
cmd_sig(int argc, char **argv)
{
	static const struct fk_sub subs[] = {
		{"keygen", sig_keygen, NULL}, {"sign", sig_sign, NULL}, {"verify", sig_verify, NULL}};

	return fk_subcommands("sig", sig_usage, NULL, subs, sizeof subs / sizeof subs[0], NULL,
	    argc, argv);
}

FK_COMMAND(sig, N_("make and check minisign signatures (keygen, sign, verify)"), cmd_sig);
