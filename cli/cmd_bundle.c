/*
 * cmd_bundle.c - `fieldkit bundle info|verify|unpack`: look into a bundle,
 * check it completely, or take it apart into files that minisign, sha256sum
 * and age check and open without fieldkit.
 *
 * Must never: call a bundle good without checking its signature and every
 * hash; leave a half-written file under its final name.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "kind.h"
#include "hub.h"
#include "io.h"

static const char bundle_help[] = N_(
    "Usage: fieldkit bundle info BUNDLE\n"
    "       fieldkit bundle verify BUNDLE (--hub DIR | --pubkey FILE)\n"
    "       fieldkit bundle unpack BUNDLE DIR [--hub DIR | --pubkey FILE]\n\n"
    "Looks into a USB bundle.\n\n"
    "Commands:\n"
    "  info      what a bundle says it holds (signature not checked)\n"
    "  verify    check the device's signature and every record's hash\n"
    "  unpack    take it apart into files that minisign, sha256sum and age check\n\n"
    "Run `fieldkit bundle COMMAND --help` for a command's own help.\n");

static const char info_help[] = N_(
    "Usage: fieldkit bundle info BUNDLE\n\n"
    "Shows what a bundle says it holds: device, bundle id, when created, records\n"
    "and their sequence numbers, attachments, size. The signature is not checked\n"
    "(see `fieldkit bundle verify`).\n\n"
    "Options:\n"
    "  -h, --help       show this help\n");

static const char verify_help[] = N_(
    "Usage: fieldkit bundle verify BUNDLE (--hub DIR | --pubkey FILE)\n\n"
    "Checks the device's signature of the bundle and every record's and\n"
    "attachment's hash. Exit status: 0 when all is good, 1 when not.\n\n"
    "Options:\n"
    "  --hub DIR        take the device key from this hub's registered devices\n"
    "  --pubkey FILE    the device's minisign public key\n"
    "  --passphrase-file FILE  the hub's passphrase (with --hub: its database is\n"
    "                   encrypted; else $FIELDKIT_PASSPHRASE_FILE or the terminal)\n"
    "  -h, --help       show this help\n");

static const char unpack_help[] = N_(
    "Usage: fieldkit bundle unpack BUNDLE DIR [--hub DIR | --pubkey FILE]\n\n"
    "Writes manifest.json.zst, its .minisig, manifest.json, device.pub (when the\n"
    "key is known), records/ID.age, attachments/ID.age and SHA256SUMS into DIR, so\n"
    "that `minisign -V`, `sha256sum -c` and `age -d` check and open them without\n"
    "fieldkit. Every hash is checked; the signature only with --hub or --pubkey.\n"
    "DIR is made if missing; its parent folder must exist.\n\n"
    "Options:\n"
    "  --hub DIR        take the device key from this hub's registered devices\n"
    "  --pubkey FILE    the device's minisign public key\n"
    "  --passphrase-file FILE  the hub's passphrase (with --hub: its database is\n"
    "                   encrypted; else $FIELDKIT_PASSPHRASE_FILE or the terminal)\n"
    "  -h, --help       show this help\n");

struct keysrc {
	fk_hubdb *hub;
	fk_minisign_pk pk;
	int have_pk;
	fk_minisign_pk used;
	int have_used;
};

static int
key_of(void *ctx, const char *device_id, fk_minisign_pk *pk, fk_err *e)
{
	struct keysrc *k = ctx;

	if (k->have_pk)
		*pk = k->pk;
	else if (fk_hub_device_key(k->hub, device_id, pk, e) != 0)
		return -1;
	k->used = *pk;
	k->have_used = 1;
	return 0;
}

static void
print_info(const fk_bundle_manifest *m, int verified)
{
	size_t i, natt = 0;

	for (i = 0; i < m->n; i++)
		natt += m->rec[i].natt;
	/* Every field as the unsigned manifest says it: outside text, escaped. */
	printf(_("device:      %s\n"), fk_show(m->device_id));
	printf(_("bundle:      %s\n"), fk_show(m->bundle_id));
	printf(_("created:     %s\n"), fk_show(m->created));
	printf(_("records:     %zu"), m->n);
	if (m->n > 0)
		printf(_(" (sequence %lld to %lld)"), (long long)m->rec[0].seq,
		    (long long)m->rec[m->n - 1].seq);
	printf(_("\nattachments: %zu\npayload:     %llu bytes\n"), natt,
	    (unsigned long long)m->payload_len);
	printf("%s\n", verified ? _("signature:   good") :
	    _("signature:   not checked (use `fieldkit bundle verify`)"));
}

static int
write_file(const char *dir, const char *name, const uint8_t *p, size_t n, fk_err *e)
{
	char path[4200];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	return fk_write_file_atomic(path, p, n, 0644, e);
}

/*
 * dir/name as a folder of its own: made if missing; refused if it is there as
 * a symbolic link (a planted `records -> /somewhere` would send every file
 * there) or as anything but a folder.
 */
static int
real_subdir(const char *dir, const char *name, fk_err *e)
{
	char path[4200];
	struct stat st;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (mkdir(path, 0755) == 0)
		return 0;
	if (errno != EEXIST)
		return fk_fail(e, FK_EIO, _("cannot create %s: %s"), path, strerror(errno));
	if (lstat(path, &st) != 0)
		return fk_fail(e, FK_EIO, _("cannot open %s: %s"), path, strerror(errno));
	if (S_ISLNK(st.st_mode) || !S_ISDIR(st.st_mode))
		return fk_fail(e, FK_EINPUT, _("%s is %s, not a folder; unpack into a new or empty "
		    "folder"), path, S_ISLNK(st.st_mode) ? _("a symbolic link") : _("a file"));
	return 0;
}

static int
unpack(fk_bundle_reader *r, const char *dir, struct keysrc *k, fk_err *e)
{
	const fk_bundle_manifest *m = fk_bundle_manifest_of(r);
	const uint8_t *mz, *sig, *js;
	size_t mzl, sl, jl, ri, ai;
	fk_buf sums = {0};
	char path[4300], hex[FK_SHA256_HEX + 1], line[200];
	fk_atomic a;
	int kk, rc = -1;

	fk_bundle_raw(r, &mz, &mzl, &sig, &sl, &js, &jl);
	if (fk_mkdirs(dir, 0755, e) != 0 || real_subdir(dir, "records", e) != 0 ||
	    real_subdir(dir, "attachments", e) != 0 ||
	    write_file(dir, "manifest.json.zst", mz, mzl, e) != 0 ||
	    write_file(dir, "manifest.json.zst.minisig", sig, sl, e) != 0 ||
	    write_file(dir, "manifest.json", js, jl, e) != 0)
		return -1;
	if (k->have_used) {
		fk_buf pub = {0};
		kk = fk_minisign_pk_encode(&k->used, &pub, e) == 0 &&
		    write_file(dir, "device.pub", pub.p, pub.len, e) == 0;
		fk_buf_free(&pub);
		if (!kk)
			return -1;
	}
	while ((kk = fk_bundle_peek(r, &ri, &ai, e)) == 1) {
		const fk_bundle_entry *en = &m->rec[ri];
		const char *id = ai == (size_t)-1 ? en->id : en->att[ai].id;
		const char *kind = ai == (size_t)-1 ? "records" : "attachments";
		snprintf(path, sizeof path, "%s/%s/%s.age", dir, kind, id);
		if (fk_atomic_open(&a, path, 0644, e) != 0)
			goto fail;
		if (fk_bundle_read(r, fk_atomic_sink(&a), e) != 0) {
			fk_atomic_abort(&a);
			goto fail;
		}
		if (fk_atomic_commit(&a, e) != 0)
			goto fail;
		fk_hex(ai == (size_t)-1 ? en->ct_hash : en->att[ai].hash, 32, hex);
		snprintf(line, sizeof line, "%s  %s/%s.age\n", hex, kind, id);
		if (fk_buf_append(&sums, line, strlen(line), e) != 0)
			goto fail;
	}
	if (kk != 0 || write_file(dir, "SHA256SUMS", sums.p, sums.len, e) != 0)
		goto fail;
	rc = 0;
fail:
	fk_buf_free(&sums);
	return rc;
}

static int
run_info(fk_bundle_reader *r, const fk_args *pos, struct keysrc *k, fk_err *e)
{
	(void)pos;
	(void)k;
	(void)e;
	print_info(fk_bundle_manifest_of(r), 0);
	return 0;
}

static int
run_verify(fk_bundle_reader *r, const fk_args *pos, struct keysrc *k, fk_err *e)
{
	(void)pos;
	(void)k;
	if (fk_bundle_verify_all(r, e) != 0)
		return -1;
	print_info(fk_bundle_manifest_of(r), 1);
	printf(_("every record and attachment matches the signed manifest\n"));
	return 0;
}

static int
run_unpack(fk_bundle_reader *r, const fk_args *pos, struct keysrc *k, fk_err *e)
{
	if (fk_mkdir_target(pos->v[1], 0755, e) != 0 || unpack(r, pos->v[1], k, e) != 0)
		return -1;
	if (!k->have_used)
		fk_warn(_("signature not checked (no --hub or --pubkey); hashes checked"));
	printf(ngettext("unpacked %zu record into %s\n", "unpacked %zu records into %s\n",
	    fk_bundle_manifest_of(r)->n), fk_bundle_manifest_of(r)->n, pos->v[1]);
	return 0;
}

/* A bundle command: its arguments (the bundle first), whether it takes or
 * needs the device's key, and what it does with the opened bundle. */
static const struct bundle_cmd {
	const char *help;
	size_t nargs;
	const char *args_msg;
	int key; /* 0: takes no key, 1: optional, 2: needed */
	int (*run)(fk_bundle_reader *r, const fk_args *pos, struct keysrc *k, fk_err *e);
} cmds[] = {
	{info_help, 1, N_("name one bundle"), 0, run_info},
	{verify_help, 1, N_("name one bundle"), 2, run_verify},
	{unpack_help, 2, N_("name the bundle and the folder"), 1, run_unpack}};

static int
bundle_run(const struct fk_call *call, int argc, char **argv)
{
	const struct bundle_cmd *c = call->data;
	const char *hub = NULL, *pubkey = NULL, *passfile = NULL;
	const struct fk_opt keyed[] = {FK_STR("passphrase-file", 0, &passfile),
		FK_STR("hub", 0, &hub), FK_STR("pubkey", 0, &pubkey), FK_OPT_END};
	struct keysrc k = {0};
	fk_bundle_reader *r = NULL;
	FILE *f = NULL;
	fk_args pos;
	fk_err e = {0};
	const char *cmd = call->cmd;
	int rc;

	if ((rc = fk_opts_parse(cmd, c->help, c->key ? keyed : keyed + 3, argc, argv, &pos)) !=
	    FK_GO)
		return rc;
	if (pos.n != c->nargs)
		return fk_usage_error(cmd, "%s", _(c->args_msg));
	if (c->key == 2 && !hub && !pubkey)
		return fk_usage_error(cmd, _("say whose key: --hub DIR or --pubkey FILE"));
	k.have_pk = pubkey != NULL;
	rc = -1;
	if ((pubkey && fk_minisign_pk_load(pubkey, &k.pk, &e) != 0) ||
	    (hub && !pubkey && fk_hub_open_unlocked(&k.hub, hub, passfile, &e) != 0) ||
	    (f = fk_open_read(pos.v[0], &e)) == NULL)
		goto out;
	r = fk_bundle_open(fk_file_source(f), hub || pubkey ? key_of : NULL, &k, &e);
	if (r != NULL)
		rc = c->run(r, &pos, &k, &e);
out:
	if (rc != 0) {
		/* A receipt or a card given for a bundle: say what it is and who takes it. */
		if (strcmp(pos.v[0], "-") == 0 ||
		    !fk_kind_hint_file(&e, pos.v[0], pos.v[0], FK_KIND_BUNDLE))
			fk_prefix(&e, "%s", pos.v[0]);
		rc = fk_report(&e);
	}
	fk_bundle_close(r);
	if (f != NULL && f != stdin)
		fclose(f);
	fk_hub_close(k.hub);
	return rc;
}

static int
cmd_bundle(int argc, char **argv)
{
	static const struct fk_sub subs[] = {
		{"info", bundle_run, &cmds[0]}, {"verify", bundle_run, &cmds[1]},
		{"unpack", bundle_run, &cmds[2]}};

	return fk_subcommands("bundle", bundle_help, NULL, subs, sizeof subs / sizeof subs[0],
	    NULL, argc, argv);
}

FK_COMMAND(bundle, N_("inspect, verify or unpack a USB bundle"), cmd_bundle);
