/*
 * fuzz_import.c - libFuzzer entry over the hub's import of what a malicious
 * (registered) device may send: the input is the plaintext of one record,
 * which the target seals to the hub (zstd, age), signs into a bundle of the
 * registered device "fz-dev" and imports with fk_hub_import_file, the shipped
 * forms validating. So everything behind the signature and the decryption is
 * fuzzed: the record's own fields against the manifest, the form and its
 * validation, duplicates, conflicts, the transaction. A refused bundle must
 * leave the hub as it was; nothing may crash or leak.
 *
 * The manifest's record id and sequence number are taken from the input's
 * "record_id" (when a UUID) and "seq" (when 1 to 2^31), so that the fuzzer
 * reaches past the check that they agree. The hub lives in a temporary
 * folder (in /dev/shm when there is one), removed at exit; its quarantine
 * is emptied every 256 inputs.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <zstd.h>

#include "age.h"
#include "bundle_export.h"
#include "fuzz_util.h"
#include "hub.h"
#include "hub_forms.h"
#include "io.h"
#include "util.h"

#define FZ_DEV "fz-dev"
#define FZ_ID "0b6c9e0a-1111-4a2b-8c3d-000000000001"

static char root[4096], hubdir[4200], outdir[4200];
static fk_hubdb *hub;
static fk_hub_forms *forms;
static fk_minisign_sk *sk;
static fk_minisign_pk pk;
static fk_age_recipients to;
static fk_store_record rec;

static int
one_record(void *ictx, fk_record_fn fn, void *ctx, fk_err *e)
{
	(void)ictx;
	return fn(ctx, &rec, e) < 0 ? -1 : 0;
}

static void
empty_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[4600];

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
		unlink(p);
	}
	closedir(d);
}

static void
cleanup(void)
{
	char cmd[4200];

	fk_hub_close(hub);
	hub = NULL;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	if (root[0] != '\0' && system(cmd) != 0)
		fprintf(stderr, "fuzz_import: cannot remove %s\n", root);
}

static void
seed(void)
{
	const char *dirs[2];
	char path[4200];
	fk_buf b = {0};
	json_t *ans, *r;
	fk_err e;
	char *s;

	if (fk_schema_dirs(dirs) == 0)
		return;
	snprintf(path, sizeof path, "%s/examples/family-report-valid-1.json", dirs[0]);
	if (fk_read_file(path, 1 << 20, &b, &e) != 0)
		return;
	if ((ans = json_loadb((const char *)b.p, b.len, 0, NULL)) != NULL) {
		json_object_del(ans, "_form");
		json_object_del(ans, "_version");
		r = json_pack("{s:s,s:s,s:i,s:s,s:i,s:s,s:s,s:s,s:o,s:[]}", "record_id", FZ_ID,
		    "form_id", "family-report", "form_version", 1, "device_id", FZ_DEV, "seq", 1,
		    "created_at", "2026-09-21T10:00:00Z", "finalized_at", "2026-09-21T10:05:00Z",
		    "short_ref", "AKAS3YCH", "answers", ans, "attachments");
		if (r != NULL && (s = json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS)) != NULL) {
			fz_seed("family-report", s, strlen(s));
			free(s);
		}
		json_decref(r);
	}
	fk_buf_free(&b);
}

static void
init(void)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
	uint8_t p[FK_KEY_LEN];
	char passfile[4200], card[4200];
	fk_buf cb = {0};
	json_t *cj;
	FILE *pf;
	fk_err e;

	if (sodium_init() < 0)
		abort();
	snprintf(root, sizeof root, "%s/fuzz_import.XXXXXX", base ? base : "/tmp");
	if (mkdtemp(root) == NULL)
		abort();
	atexit(cleanup);
	snprintf(hubdir, sizeof hubdir, "%s/hub", root);
	snprintf(outdir, sizeof outdir, "%s/out", root);
	snprintf(passfile, sizeof passfile, "%s/pass", root);
	if ((pf = fopen(passfile, "w")) == NULL || fputs("fuzz hub passphrase\n", pf) < 0 ||
	    fclose(pf) != 0 || chmod(passfile, 0600) != 0)
		abort();
	/* The hub's own keys: records are sealed to the recipient on its card. */
	if (fk_hub_create(hubdir, "Fuzz hub", (const uint8_t *)"fuzz hub passphrase", 19, 10,
	    &e) != 0 || fk_hub_open(&hub, hubdir, &e) != 0 || fk_hub_unlock(hub, passfile, &e) != 0) {
		fprintf(stderr, "fuzz_import: %s\n", e.msg);
		abort();
	}
	snprintf(card, sizeof card, "%s/hub-card.json", hubdir);
	if (fk_read_file(card, 65536, &cb, &e) != 0 ||
	    (cj = json_loadb((const char *)cb.p, cb.len, 0, NULL)) == NULL)
		abort();
	if (fk_age_parse_recipient(json_string_value(json_array_get(json_object_get(cj,
	    "recipients"), 0)), 62, p, &e) != 0 || fk_age_recipients_add(&to, p, &e) != 0)
		abort();
	json_decref(cj);
	fk_buf_free(&cb);
	if (fk_hub_forms_load(&forms, hub, &e) == 0)
		fk_hub_set_validator(hub, fk_hub_forms_validate, forms);
	else
		fprintf(stderr, "fuzz_import: no forms (%s): records are not validated\n", e.msg);
	sk = fz_key(9, &pk);
	if (fk_hub_device_add(hub, FZ_DEV, "fuzz device", &pk, &e) != 0 ||
	    fk_mkdirs(outdir, 0700, &e) != 0)
		abort();
	seed();
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Before the corpus is read, so that the seed is in it. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	init();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned long runs;
	fk_buf ct = {0};
	fk_export_result res;
	fk_import_result ir;
	size_t zc = ZSTD_compressBound(size), zl;
	uint8_t *z;
	json_t *j, *v;
	const char *s;
	fk_err e;
	char q[4300];

	if (hub == NULL)
		init();
	if ((z = malloc(zc ? zc : 1)) == NULL)
		abort();
	zl = ZSTD_compress(z, zc, data, size, 1);
	if (ZSTD_isError(zl) || fk_age_encrypt_buf(&to, 0, z, zl, &ct, &e) != 0) {
		free(z);
		fk_buf_free(&ct);
		return 0;
	}
	free(z);
	memset(&rec, 0, sizeof rec);
	snprintf(rec.id, sizeof rec.id, "%s", FZ_ID);
	rec.seq = 1;
	snprintf(rec.form_id, sizeof rec.form_id, "family-report");
	rec.form_version = 1;
	if ((j = json_loadb((const char *)data, size, 0, NULL)) != NULL) {
		s = json_string_value(json_object_get(j, "record_id"));
		if (s != NULL && fk_uuid_valid(s))
			snprintf(rec.id, sizeof rec.id, "%s", s);
		v = json_object_get(j, "seq");
		if (json_is_integer(v) && json_integer_value(v) >= 1 &&
		    json_integer_value(v) <= 0x7fffffff)
			rec.seq = (int64_t)json_integer_value(v);
		json_decref(j);
	}
	rec.ct = ct.p;
	rec.ctlen = ct.len;
	crypto_hash_sha256(rec.ct_hash, ct.p, ct.len);
	if (fk_bundle_export(one_record, NULL, FZ_DEV, sk, outdir, 0, &res, &e) != 0) {
		fprintf(stderr, "fuzz_import: export: %s\n", e.msg);
		abort();
	}
	if (res.nfiles == 1) {
		(void)fk_hub_import_file(hub, res.paths[0], &ir, &e);
		unlink(res.paths[0]);
	}
	fk_export_result_free(&res);
	fk_buf_free(&ct);
	if (++runs % 256 == 0) {
		snprintf(q, sizeof q, "%s/quarantine", hubdir);
		empty_dir(q);
	}
	return 0;
}
