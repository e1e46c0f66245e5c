/*
 * cmd_age.c - `fieldkit age` and `fieldkit keygen`: the age command line for
 * operators and scripts, taking the age CLI's flags that matter.
 *
 * Decrypted output named with -o is written to a temporary file and renamed
 * only once the whole file has authenticated, so a damaged file never leaves
 * partial plaintext under the output name.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "age.h"
#include "cli.h"
#include "io.h"
#include "pass.h"

static const char age_usage[] = N_("Usage:\n"
		     "  fieldkit age [-e] (-r RECIPIENT | -R FILE)... [-a] [-o OUTPUT] [INPUT]\n"
		     "  fieldkit age [-e] -p [-a] [-o OUTPUT] [INPUT]\n"
		     "  fieldkit age -d [-i IDENTITY]... [-o OUTPUT] [INPUT]\n\n"
		     "Encrypts or decrypts INPUT (default: standard input) in the age v1 format.\n"
		     "Files written here open with `age -d`; files from `age -e` open here.\n\n"
		     "Options:\n"
		     "  -e, --encrypt              encrypt (the default)\n"
		     "  -d, --decrypt              decrypt (armor is detected)\n"
		     "  -o, --output FILE          write to FILE (atomically) instead of stdout\n"
		     "  -a, --armor                write PEM-armored text\n"
		     "  -p, --passphrase           encrypt to a passphrase\n"
		     "  -r, --recipient KEY        encrypt to an age1... public key (repeatable)\n"
		     "  -R, --recipients-file FILE encrypt to the keys listed in FILE (repeatable)\n"
		     "  -i, --identity FILE        decrypt with the identities in FILE (repeatable;\n"
		     "                             a passphrase-protected identity file is opened)\n"
		     "      --passphrase-file FILE read the passphrase from FILE (first line)\n"
		     "      --scrypt-log-n N       passphrase work factor when encrypting (default 18)\n"
		     "  -h, --help                 show this help\n");

struct pass_ctx {
	const char *file;
};

static int
ask_pass(void *ctx, fk_secret *out, fk_err *e)
{
	struct pass_ctx *c = ctx;

	return fk_pass_get(_("Enter passphrase: "), 0, c->file, out, e);
}

static int
copy_encrypt(FILE *in, fk_age_enc *x, fk_err *e)
{
	static uint8_t buf[FK_AGE_CHUNK];
	size_t n;

	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		if (fk_age_enc_write(x, buf, n, e) != 0)
			return -1;
	if (ferror(in))
		return fk_fail(e, FK_EIO, _("cannot read the input: %s"), strerror(errno));
	return fk_age_enc_finish(x, e);
}

static int
copy_decrypt(fk_age_dec *d, fk_sink out, fk_err *e)
{
	uint8_t *buf = sodium_malloc(FK_AGE_CHUNK);
	long n;
	int rc = 0;

	if (buf == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	while ((n = fk_age_dec_read(d, buf, FK_AGE_CHUNK, e)) > 0)
		if (out.write(out.ctx, buf, (size_t)n, e) != 0) {
			rc = -1;
			break;
		}
	if (n < 0)
		rc = -1;
	sodium_free(buf);
	return rc;
}

/* The recipients of -r KEY and -R FILE. */
static int
add_recipients(fk_age_recipients *rec, const fk_args *keys, const fk_args *files, fk_err *e)
{
	uint8_t pk[FK_KEY_LEN];
	fk_buf b = {0};
	size_t i;
	int rc = 0;

	for (i = 0; i < keys->n && rc == 0; i++)
		rc = fk_age_parse_recipient(keys->v[i], strlen(keys->v[i]), pk, e) != 0 ||
		    fk_age_recipients_add(rec, pk, e) != 0 ? -1 : 0;
	for (i = 0; i < files->n && rc == 0; i++) {
		b.len = 0;
		if (fk_read_file(files->v[i], 1 << 20, &b, e) != 0 ||
		    fk_age_recipients_parse(rec, b.p, b.len, e) != 0)
			rc = fk_prefix(e, "%s", files->v[i]);
	}
	fk_buf_free(&b);
	return rc;
}

static int
cmd_age(int argc, char **argv)
{
	fk_age_recipients rec = {0};
	fk_age_identities ids = {0};
	fk_secret pass = {NULL, 0};
	struct pass_ctx pc = {NULL};
	const char *output = NULL, *input = "-", *logns = NULL;
	fk_args keys = {0}, keyfiles = {0}, idfiles = {0}, pos;
	int encrypt = 0, decrypt = 0, armor = 0, use_pass = 0, rc;
	const struct fk_opt opt[] = {
		FK_FLAG("encrypt", 'e', &encrypt), FK_FLAG("decrypt", 'd', &decrypt),
		FK_STR("output", 'o', &output), FK_FLAG("armor", 'a', &armor),
		FK_FLAG("passphrase", 'p', &use_pass), FK_LIST("recipient", 'r', &keys),
		FK_LIST("recipients-file", 'R', &keyfiles), FK_LIST("identity", 'i', &idfiles),
		FK_STR("passphrase-file", 0, &pc.file), FK_STR("scrypt-log-n", 0, &logns),
		FK_OPT_END,
	};
	size_t i;
	int logn = 0;
	FILE *in = NULL;
	fk_err e = {0};

	if ((rc = fk_opts_parse("age", age_usage, opt, argc, argv, &pos)) != FK_GO)
		return rc;
	if (pos.n > 1)
		return fk_usage_error("age", _("only one input file is allowed"));
	if (pos.n == 1)
		input = pos.v[0];
	if (logns != NULL && ((logn = atoi(logns)) < 1 || logn > FK_AGE_MAX_LOGN))
		return fk_usage_error("age", _("--scrypt-log-n takes 1 to %d"), FK_AGE_MAX_LOGN);
	rc = FK_EXIT_FAIL;
	if (add_recipients(&rec, &keys, &keyfiles, &e) != 0)
		goto report;
	if (encrypt && decrypt) {
		rc = fk_usage_error("age", _("-e and -d cannot be used together"));
		goto out;
	}
	if (decrypt && (rec.n > 0 || use_pass || armor)) {
		rc = fk_usage_error("age", _("-r, -R, -p and -a are for encryption; -d takes -i"));
		goto out;
	}
	if (!decrypt && idfiles.n > 0) {
		rc = fk_usage_error("age", _("-i is for decryption; did you mean -d?"));
		goto out;
	}
	if (!decrypt && !use_pass && rec.n == 0) {
		rc = fk_usage_error("age", _("give recipients with -r or -R, or use -p"));
		goto out;
	}
	if (!decrypt && use_pass && rec.n > 0) {
		rc = fk_usage_error("age", _("-p cannot be combined with -r or -R"));
		goto out;
	}
	if (output == NULL && !armor && isatty(1)) {
		fk_warn(_("refusing to write binary output to the terminal; use -o FILE or -a"));
		rc = FK_EXIT_USAGE;
		goto out;
	}
	if ((in = fk_open_read(input, &e)) == NULL)
		goto report;

	if (!decrypt) {
		fk_atomic at;
		fk_sink sink = fk_file_sink(stdout);
		fk_age_enc *x;
		if (use_pass) {
			if (fk_pass_get(_("Enter passphrase: "), 1, pc.file, &pass, &e) != 0)
				goto report;
			rec.pass = pass.p;
			rec.passlen = pass.len;
			rec.logn = logn;
		}
		if (output != NULL) {
			/* A passphrase-encrypted file is often an identity file: keep it private. */
			if (fk_atomic_open(&at, output, use_pass ? 0600 : 0644, &e) != 0)
				goto report;
			sink = fk_atomic_sink(&at);
		}
		x = fk_age_enc_new(&rec, armor, sink, &e);
		if (x == NULL || copy_encrypt(in, x, &e) != 0) {
			fk_age_enc_free(x);
			if (output != NULL)
				fk_atomic_abort(&at);
			goto report;
		}
		fk_age_enc_free(x);
		if (output != NULL && fk_atomic_commit(&at, &e) != 0)
			goto report;
		if (output == NULL && fflush(stdout) != 0) {
			fk_fail(&e, FK_EIO, _("cannot write the output: %s"), strerror(errno));
			goto report;
		}
	} else {
		fk_atomic at;
		fk_sink sink = fk_file_sink(stdout);
		fk_age_dec *d;
		for (i = 0; i < idfiles.n; i++)
			if (fk_age_identities_load(&ids, idfiles.v[i], pc.file, &e) != 0)
				goto report;
		ids.get_pass = ask_pass;
		ids.pass_ctx = &pc;
		d = fk_age_dec_open(fk_file_source(in), -1, &ids, &e);
		if (d == NULL)
			goto report;
		if (output != NULL) {
			if (fk_atomic_open(&at, output, 0600, &e) != 0) {
				fk_age_dec_free(d);
				goto report;
			}
			sink = fk_atomic_sink(&at);
		}
		if (copy_decrypt(d, sink, &e) != 0) {
			fk_age_dec_free(d);
			if (output != NULL)
				fk_atomic_abort(&at);
			goto report;
		}
		fk_age_dec_free(d);
		if (output != NULL && fk_atomic_commit(&at, &e) != 0)
			goto report;
		if (output == NULL && fflush(stdout) != 0) {
			fk_fail(&e, FK_EIO, _("cannot write the output: %s"), strerror(errno));
			goto report;
		}
	}
	rc = FK_EXIT_OK;
	goto out;
report:
	rc = fk_report(&e);
out:
	if (in != NULL && in != stdin)
		fclose(in);
	fk_secret_free(&pass);
	fk_age_recipients_free(&rec);
	fk_age_identities_free(&ids);
	return rc;
}

FK_COMMAND(age, N_("encrypt or decrypt a file in the age v1 format"), cmd_age);

static const char keygen_usage[] = N_("Usage:\n"
		     "  fieldkit keygen [-o OUTPUT]\n"
		     "  fieldkit keygen -y [-o OUTPUT] [INPUT]\n\n"
		     "Generates an age X25519 identity, as age-keygen does. The identity file is\n"
		     "written 0600; the public key (age1...) is printed on standard error.\n\n"
		     "Options:\n"
		     "  -o, --output FILE  write the identity to FILE (refuses to overwrite)\n"
		     "  -y                 print the recipients of the identity file INPUT\n"
		     "  -h, --help         show this help\n");

static int
print_recipients(const char *input, const char *output, fk_err *e)
{
	fk_age_identities ids = {0};
	char rec[FK_AGE_RECIPIENT_LEN + 1];
	fk_buf out = {0};
	size_t i;
	int rc = -1;

	if (fk_age_identities_load(&ids, input, NULL, e) != 0)
		return -1;
	for (i = 0; i < ids.n; i++) {
		fk_age_format_recipient(ids.sk + 64 * i + 32, rec);
		if (fk_buf_append(&out, rec, strlen(rec), e) != 0 ||
		    fk_buf_append(&out, "\n", 1, e) != 0)
			goto done;
	}
	if (output != NULL)
		rc = fk_write_file_atomic(output, out.p, out.len, 0644, e);
	else
		rc = fwrite(out.p, 1, out.len, stdout) == out.len ? 0 :
		    fk_fail(e, FK_EIO, _("cannot write the output"));
done:
	fk_buf_free(&out);
	fk_age_identities_free(&ids);
	return rc;
}

static int
cmd_keygen(int argc, char **argv)
{
	const char *output = NULL;
	int convert = 0, rc;
	const struct fk_opt opt[] = {FK_STR("output", 'o', &output), FK_FLAG(NULL, 'y', &convert),
		FK_OPT_END};
	fk_args pos;
	fk_err e = {0};
	fk_secret text;
	uint8_t *sk, pk[FK_KEY_LEN];
	char rec[FK_AGE_RECIPIENT_LEN + 1], created[64];
	time_t now = time(NULL);
	struct tm tm;

	if ((rc = fk_opts_parse("keygen", keygen_usage, opt, argc, argv, &pos)) != FK_GO)
		return rc;
	if (convert) {
		if (pos.n > 1)
			return fk_usage_error("keygen", _("only one input file is allowed"));
		if (print_recipients(pos.n > 0 ? pos.v[0] : "-", output, &e) != 0)
			return fk_report(&e);
		return FK_EXIT_OK;
	}
	if ((rc = fk_args_max("keygen", &pos, 0)) != FK_GO)
		return rc;
	if (fk_secret_alloc(&text, 512, &e) != 0)
		return fk_report(&e);
	sk = text.p + 400;
	fk_age_keygen(sk, pk);
	fk_age_format_recipient(pk, rec);
	gmtime_r(&now, &tm);
	strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf((char *)text.p, 400, "# created: %s\n# public key: %s\n", created, rec);
	fk_age_format_identity(sk, (char *)text.p + strlen((char *)text.p));
	strcat((char *)text.p, "\n");
	if (output != NULL)
		rc = fk_write_secret_file(output, text.p, strlen((char *)text.p), 0, &e);
	else
		rc = fwrite(text.p, 1, strlen((char *)text.p), stdout) == strlen((char *)text.p) ?
		    0 : fk_fail(&e, FK_EIO, _("cannot write the output"));
	fk_secret_free(&text);
	if (rc != 0)
		return fk_report(&e);
	fprintf(stderr, _("Public key: %s\n"), rec);
	return FK_EXIT_OK;
}

FK_COMMAND(keygen, N_("generate an age identity (as age-keygen)"), cmd_keygen);
