/*
 * cmd_bundle.c - `fieldkit bundle info|verify|unpack`: look into a bundle,
 * check it completely, or take it apart into files that minisign, sha256sum
 * and age check and open without fieldkit.
 *
 * Must never: call a bundle good without checking its signature and every
 * hash; leave a half-written file under its final name.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hub.h"
#include "io.h"

enum { O_HUB = 256, O_PUBKEY };

static const char bundle_help[] = N_(
    "Usage: fieldkit bundle info BUNDLE\n"
    "       fieldkit bundle verify BUNDLE (--hub DIR | --pubkey FILE)\n"
    "       fieldkit bundle unpack BUNDLE DIR [--hub DIR | --pubkey FILE]\n\n"
    "info shows what a bundle says it holds (signature not checked).\n"
    "verify checks the device's signature and every record's hash.\n"
    "unpack writes manifest.json.zst, its .minisig, manifest.json, device.pub (when the\n"
    "key is known), records/ID.age, attachments/ID.age and SHA256SUMS, so that\n"
    "`minisign -V`, `sha256sum -c` and `age -d` check and open them without fieldkit.\n\n"
    "Options:\n"
    "  --hub DIR        take the device key from this hub's registered devices\n"
    "  --pubkey FILE    the device's minisign public key\n"
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
	printf(_("device:      %s\n"), m->device_id);
	printf(_("bundle:      %s\n"), m->bundle_id);
	printf(_("created:     %s\n"), m->created);
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

static int
unpack(fk_bundle_reader *r, const char *dir, struct keysrc *k, fk_err *e)
{
	const fk_bundle_manifest *m = fk_bundle_manifest_of(r);
	const uint8_t *mz, *sig, *js;
	size_t mzl, sl, jl, ri, ai;
	fk_buf sums = {0};
	char sub[4200], path[4300], hex[FK_SHA256_HEX + 1], line[200];
	fk_atomic a;
	int kk, rc = -1;

	fk_bundle_raw(r, &mz, &mzl, &sig, &sl, &js, &jl);
	snprintf(sub, sizeof sub, "%s/records", dir);
	if (fk_mkdirs(sub, 0755, e) != 0)
		return -1;
	snprintf(sub, sizeof sub, "%s/attachments", dir);
	if (fk_mkdirs(sub, 0755, e) != 0 ||
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
cmd_bundle(int argc, char **argv)
{
	static const struct option lo[] = {
		{"hub", required_argument, NULL, O_HUB},
		{"pubkey", required_argument, NULL, O_PUBKEY},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	const char *hub = NULL, *pubkey = NULL, *sub;
	struct keysrc k = {0};
	fk_bundle_reader *r = NULL;
	fk_err e = {0};
	FILE *f = NULL;
	int c, rc = FK_EXIT_FAIL, want_key;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case O_HUB: hub = optarg; break;
		case O_PUBKEY: pubkey = optarg; break;
		case 'h': fputs(_(bundle_help), stdout); return 0;
		default: return fk_usage_error("bundle", _("unknown option"));
		}
	}
	if (argc - optind < 2)
		return fk_usage_error("bundle", _("say info, verify or unpack, and the bundle"));
	sub = argv[optind];
	if (strcmp(sub, "info") != 0 && strcmp(sub, "verify") != 0 &&
	    strcmp(sub, "unpack") != 0)
		return fk_usage_error("bundle", _("unknown command %s"), sub);
	if (strcmp(sub, "unpack") == 0 && argc - optind != 3)
		return fk_usage_error("bundle unpack", _("name the bundle and the folder"));
	want_key = strcmp(sub, "info") != 0 && (hub || pubkey || strcmp(sub, "verify") == 0);
	if (strcmp(sub, "verify") == 0 && !hub && !pubkey)
		return fk_usage_error("bundle verify", _("say whose key: --hub DIR or "
		    "--pubkey FILE"));
	if (pubkey && fk_minisign_pk_load(pubkey, &k.pk, &e) != 0)
		return fk_report(&e);
	k.have_pk = pubkey != NULL;
	if (hub && !pubkey && fk_hub_open(&k.hub, hub, &e) != 0)
		return fk_report(&e);
	if ((f = fk_open_read(argv[optind + 1], &e)) == NULL)
		goto out;
	r = fk_bundle_open(fk_file_source(f), want_key ? key_of : NULL, &k, &e);
	if (r == NULL)
		goto out;
	if (strcmp(sub, "info") == 0) {
		print_info(fk_bundle_manifest_of(r), 0);
		rc = 0;
	} else if (strcmp(sub, "verify") == 0) {
		if (fk_bundle_verify_all(r, &e) != 0)
			goto out;
		print_info(fk_bundle_manifest_of(r), 1);
		printf(_("every record and attachment matches the signed manifest\n"));
		rc = 0;
	} else {
		if (fk_mkdirs(argv[optind + 2], 0755, &e) != 0 ||
		    unpack(r, argv[optind + 2], &k, &e) != 0)
			goto out;
		if (!want_key)
			fk_warn(_("signature not checked (no --hub or --pubkey); hashes checked"));
		printf(_("unpacked %zu records into %s\n"), fk_bundle_manifest_of(r)->n,
		    argv[optind + 2]);
		rc = 0;
	}
out:
	if (rc != 0) {
		fk_prefix(&e, "%s", argv[optind + 1]);
		rc = fk_report(&e);
	}
	fk_bundle_close(r);
	if (f != NULL && f != stdin)
		fclose(f);
	fk_hub_close(k.hub);
	return rc;
}

FK_COMMAND(bundle, N_("inspect, verify or unpack a USB bundle"), cmd_bundle);
