/*
 * test_bundle_gen.c - makes bundles for benchmarks (tests/bench/hub_bench.sh):
 *   test_bundle_gen HUB_CARD OUTDIR NRECORDS ATTACHMENT_BYTES
 * writes OUTDIR/device.card (register it at the hub) and one bundle of
 * NRECORDS records sealed to the hub card's recipient, each with one
 * attachment of ATTACHMENT_BYTES random bytes (0 = none), streamed so memory
 * stays flat. Without arguments (under ctest) it checks itself on a small bundle.
 *   test_bundle_gen --decrypt-rate IDENTITY PASSFILE BUNDLE
 * prints how many of the bundle's records fk_age_decrypt_buf alone opens per
 * second (the bound on the hub's import rate).
 */
#include "check.h"
#include "hub_fixture.h"

#include <time.h>

#include "card.h"

struct gen {
	struct fx_dev *d;
	const fk_age_recipients *to;
	size_t n, attsize;
	fk_store_record r;
	fk_store_attachment a;
	fk_buf act;
	fk_buf *cache; /* each record's age file, made once (age is randomized) */
	uint8_t last[32];
};

/* Generates record i into g (deterministic per run: seeded by i). */
static void
make(struct gen *g, size_t i)
{
	char ans[256], h[65];
	json_t *j, *atts = json_array();
	char *txt;

	memset(&g->r, 0, sizeof g->r);
	snprintf(g->r.id, sizeof g->r.id, "%08zx-0000-4000-8000-%012zx", i, i);
	g->r.seq = (int64_t)i + 1;
	memcpy(g->r.prev, g->last, 32);
	if (g->attsize > 0) {
		snprintf(g->a.id, sizeof g->a.id, "%08zx-1111-4000-8000-%012zx", i, i);
		g->a.ct = g->act.p;
		g->a.ctlen = g->act.len;
		crypto_hash_sha256(g->a.ct_hash, g->a.ct, g->a.ctlen);
		fk_hex(g->a.ct_hash, 32, h);
		json_array_append_new(atts, json_pack("{s:s,s:s,s:s,s:I,s:s,s:s}", "field", "photo",
		    "id", g->a.id, "sha256_ct", h, "size", (json_int_t)g->attsize, "media_type",
		    "image/jpeg", "name", "photo.jpg"));
		g->r.natt = 1;
		g->r.att = &g->a;
	}
	snprintf(ans, sizeof ans, "{\"surname_cyr\":\"Шевченко\",\"n\":%zu}", i);
	j = json_pack("{s:s,s:s,s:i,s:s,s:I,s:s,s:s,s:s,s:o,s:o}", "record_id", g->r.id,
	    "form_id", "bench", "form_version", 1, "device_id", g->d->id, "seq",
	    (json_int_t)g->r.seq, "created_at", "2026-09-21T10:00:00Z", "finalized_at",
	    "2026-09-21T10:05:00Z", "short_ref", "BENCH", "answers", json_loads(ans, 0, NULL),
	    "attachments", atts);
	if (g->cache[i].p == NULL) {
		txt = json_dumps(j, JSON_COMPACT);
		fx_seal(g->to, txt, strlen(txt), 1, &g->cache[i]);
		free(txt);
	}
	json_decref(j);
	g->r.ct = g->cache[i].p;
	g->r.ctlen = g->cache[i].len;
	crypto_hash_sha256(g->r.ct_hash, g->r.ct, g->r.ctlen);
	memcpy(g->last, g->r.ct_hash, 32);
}

static int
gen_iter(void *ictx, fk_record_fn fn, void *ctx, fk_err *e)
{
	struct gen *g = ictx;
	size_t i;
	int k;

	memset(g->last, 0, 32);
	for (i = 0; i < g->n; i++) {
		make(g, i);
		if ((k = fn(ctx, &g->r, e)) != 0)
			return k < 0 ? -1 : 0;
	}
	return 0;
}

static int
generate(const char *cardpath, const char *out, size_t n, size_t attsize)
{
	struct fx_dev d;
	fk_age_recipients to = {0};
	struct gen g;
	fk_buf card = {0}, dc = {0};
	fk_device_card c;
	fk_export_result res;
	fk_err e;
	json_t *j = NULL;
	uint8_t pk[32];
	char path[4200];
	size_t i;
	int rc = 1;

	if (fk_read_file(cardpath, 65536, &card, &e) != 0 ||
	    (j = json_loadb((const char *)card.p, card.len, 0, NULL)) == NULL ||
	    fk_age_parse_recipient(json_string_value(json_array_get(json_object_get(j,
	    "recipients"), 0)), 62, pk, &e) != 0 || fk_age_recipients_add(&to, pk, &e) != 0) {
		fprintf(stderr, "bad hub card\n");
		json_decref(j);
		fk_buf_free(&card);
		fk_age_recipients_free(&to);
		return 1;
	}
	memset(&g, 0, sizeof g);
	fx_dev_init(&d, "bench-device");
	memset(&c, 0, sizeof c);
	snprintf(c.device_id, sizeof c.device_id, "%s", d.id);
	snprintf(c.name, sizeof c.name, "bench");
	c.pk = d.pk;
	fk_now_rfc3339(c.created);
	snprintf(path, sizeof path, "%s/device.card", out);
	if (fk_card_device_encode(&c, d.sk, &dc, &e) != 0 ||
	    fk_write_file_atomic(path, dc.p, dc.len, 0644, &e) != 0)
		goto fail;
	g.d = &d;
	g.to = &to;
	g.n = n;
	g.attsize = attsize;
	g.cache = calloc(n, sizeof *g.cache);
	if (attsize > 0) {
		uint8_t *b = malloc(attsize);
		randombytes_buf(b, attsize);
		fx_seal(&to, b, attsize, 0, &g.act);
		free(b);
	}
	if (fk_bundle_export(gen_iter, &g, d.id, d.sk, out, 0, &res, &e) != 0)
		goto fail;
	printf("%s\n", res.paths[0]);
	fk_export_result_free(&res);
	rc = 0;
fail:
	if (rc != 0)
		fprintf(stderr, "test_bundle_gen: %s\n", e.msg);
	if (g.cache != NULL)
		for (i = 0; i < n; i++)
			fk_buf_free(&g.cache[i]);
	free(g.cache);
	fk_buf_free(&g.act);
	fk_buf_free(&card);
	fk_buf_free(&dc);
	json_decref(j);
	fx_dev_free(&d);
	fk_age_recipients_free(&to);
	return rc;
}

static int
decrypt_rate(const char *idpath, const char *passfile, const char *bundle)
{
	fk_age_identities ids = {0};
	fk_bundle_reader *r;
	fk_err e;
	FILE *f = fopen(bundle, "rb");
	fk_buf *ct;
	size_t ri, ai, n = 0, i;
	struct timespec a, b;
	double s;

	if (f == NULL || fk_age_identities_load(&ids, idpath, passfile, &e) != 0 ||
	    (r = fk_bundle_open(fk_file_source(f), NULL, NULL, &e)) == NULL)
		return 1;
	ct = calloc(fk_bundle_manifest_of(r)->n, sizeof *ct);
	while (fk_bundle_peek(r, &ri, &ai, &e) == 1) {
		fk_buf tmp = {0};
		if (fk_bundle_read(r, fk_buf_sink(ai == (size_t)-1 ? &ct[n] : &tmp), &e) != 0)
			return 1;
		if (ai == (size_t)-1)
			n++;
		fk_buf_free(&tmp);
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++) {
		fk_buf out = {0};
		if (fk_age_decrypt_buf(&ids, ct[i].p, ct[i].len, 1 << 24, &out, &e) != 0)
			return 1;
		fk_buf_free(&out);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	printf("%.0f\n", (double)n / s);
	for (i = 0; i < n; i++)
		fk_buf_free(&ct[i]);
	free(ct);
	fk_bundle_close(r);
	fclose(f);
	fk_age_identities_free(&ids);
	return 0;
}

int
main(int argc, char **argv)
{
	char *dir;
	fk_err e;
	fk_bundle_manifest m = {0};

	check_init();
	if (argc == 5 && strcmp(argv[1], "--decrypt-rate") == 0)
		return decrypt_rate(argv[2], argv[3], argv[4]);
	if (argc == 5)
		return generate(argv[1], argv[2], strtoul(argv[3], NULL, 10),
		    strtoul(argv[4], NULL, 10));
	/* Self-check: a small generated bundle verifies (the attachment is shared). */
	dir = fx_tmpdir("gen");
	{
		char card[4200], cmd[4400];
		FILE *f;
		uint8_t sk[32], pk[32];
		char r[FK_AGE_RECIPIENT_LEN + 1];
		fk_age_keygen(sk, pk);
		fk_age_format_recipient(pk, r);
		snprintf(card, sizeof card, "%s/card.json", dir);
		f = fopen(card, "w");
		fprintf(f, "{\"recipients\":[\"%s\"]}", r);
		fclose(f);
		CHECK(generate(card, dir, 20, 1000) == 0);
		snprintf(cmd, sizeof cmd, "%s/bench-device-", dir);
		(void)cmd;
	}
	{
		char path[4200];
		FILE *p;
		snprintf(path, sizeof path, "ls %s/*.fkb", dir);
		p = popen(path, "r");
		CHECK(p != NULL && fgets(path, sizeof path, p) != NULL);
		if (p)
			pclose(p);
		path[strcspn(path, "\n")] = 0;
		CHECK(fk_bundle_verify_file(path, NULL, NULL, &m, &e) == 0 && m.n == 20);
		fk_bundle_manifest_free(&m);
	}
	free(dir);
	return check_done("bundle_gen");
}
