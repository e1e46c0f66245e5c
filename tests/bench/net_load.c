/*
 * net_load.c - load generator for tests/bench/net_bench.sh (not a test).
 *
 *   net_load URL PASSFILE DIR...
 *
 * Each DIR is a device home whose bundles (exported beforehand) are in
 * DIR/bench (*.fkb files). One thread per device pushes its bundles one after the
 * other with the network client (sign, upload, hub import, receipt back and
 * verified: end to end; then acknowledged on the device, outside the timed
 * latency), all devices at once. Prints one line:
 *   bundles=N records=R seconds=S rate=B/s p50_ms=.. p95_ms=.. max_ms=.. failed=F
 */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "ack.h"
#include "bundle.h"
#include "device.h"
#include "net.h"

struct dev {
	const char *home;
	char **files;
	size_t nfiles;
	double *ms;
	size_t nrec;
	int failed;
	fk_device d;
	fk_minisign_sk *sk;
	const char *url;
};

static double
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int
cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
cmps(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void *
run(void *arg)
{
	struct dev *v = arg;
	fk_net_target t;
	fk_net_client *c;
	char pins[256] = "";
	fk_err e;
	size_t i;

	memset(&t, 0, sizeof t);
	t.url = v->url;
	for (i = 0; i < v->d.hubs[0].npins; i++)
		snprintf(pins + strlen(pins), sizeof pins - strlen(pins), "%s%s", i ? ";" : "",
		    v->d.hubs[0].pins[i]);
	t.pins = pins;
	t.hub_name = v->d.hubs[0].name;
	if (fk_minisign_pk_parse((const uint8_t *)v->d.hubs[0].sign_pubkey,
	    strlen(v->d.hubs[0].sign_pubkey), &t.hub_pk, &e) != 0 ||
	    (c = fk_net_client_new(&t, v->d.device_id, v->sk, &e)) == NULL) {
		v->failed = (int)v->nfiles;
		return NULL;
	}
	for (i = 0; i < v->nfiles; i++) {
		fk_net_result r;
		double t0 = now_ms();
		if (fk_net_push_file(c, v->files[i], &r, &e) != 0 ||
		    r.outcome != FK_NET_DELIVERED) {
			fprintf(stderr, "net_load: %s: %s %s\n", v->files[i], r.cls, r.reason);
			v->failed++;
		}
		v->ms[i] = now_ms() - t0;
		/* The device acknowledges (marks delivered, purges), as push does. */
		if (r.outcome == FK_NET_DELIVERED) {
			fk_ack_result ar;
			if (fk_ack_receipt(&v->d, r.receipt, r.receipt_len, &ar, &e) != 0) {
				fprintf(stderr, "net_load: ack: %s\n", e.msg);
				v->failed++;
			}
		}
		fk_net_result_free(&r);
	}
	fk_net_client_free(c);
	return NULL;
}

static int
load(struct dev *v, const char *passfile)
{
	char path[4200];
	DIR *d;
	struct dirent *de;
	fk_err e;
	size_t i;

	if (fk_device_load(&v->d, v->home, &e) != 0) {
		fprintf(stderr, "net_load: %s: %s\n", v->home, e.msg);
		return -1;
	}
	snprintf(path, sizeof path, "%s/sign.key", v->home);
	if (fk_minisign_sk_load(path, passfile, &v->sk, &e) != 0) {
		fprintf(stderr, "net_load: %s\n", e.msg);
		return -1;
	}
	snprintf(path, sizeof path, "%s/bench", v->home);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		if (l < 5 || strcmp(de->d_name + l - 4, ".fkb") != 0)
			continue;
		v->files = realloc(v->files, (v->nfiles + 1) * sizeof *v->files);
		v->files[v->nfiles] = malloc(strlen(path) + l + 2);
		sprintf(v->files[v->nfiles++], "%s/%s", path, de->d_name);
	}
	closedir(d);
	qsort(v->files, v->nfiles, sizeof *v->files, cmps);
	v->ms = calloc(v->nfiles + 1, sizeof *v->ms);
	for (i = 0; i < v->nfiles; i++) {
		FILE *f = fopen(v->files[i], "rb");
		fk_bundle_reader *r = f ? fk_bundle_open(fk_file_source(f), NULL, NULL, &e) : NULL;
		if (r != NULL)
			v->nrec += fk_bundle_manifest_of(r)->n;
		fk_bundle_close(r);
		if (f)
			fclose(f);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct dev *v;
	pthread_t *th;
	double t0, secs, *all;
	size_t n = 0, i, j, nrec = 0;
	int k, failed = 0;

	if (argc < 4) {
		fprintf(stderr, "usage: net_load URL PASSFILE DEVHOME...\n");
		return 2;
	}
	if (sodium_init() < 0)
		return 1;
	k = argc - 3;
	v = calloc((size_t)k, sizeof *v);
	th = calloc((size_t)k, sizeof *th);
	for (i = 0; i < (size_t)k; i++) {
		v[i].home = argv[3 + i];
		v[i].url = argv[1];
		if (load(&v[i], argv[2]) != 0)
			return 1;
		n += v[i].nfiles;
		nrec += v[i].nrec;
	}
	t0 = now_ms();
	for (i = 0; i < (size_t)k; i++)
		pthread_create(&th[i], NULL, run, &v[i]);
	for (i = 0; i < (size_t)k; i++)
		pthread_join(th[i], NULL);
	secs = (now_ms() - t0) / 1e3;
	all = calloc(n + 1, sizeof *all);
	for (i = 0, j = 0; i < (size_t)k; i++) {
		memcpy(all + j, v[i].ms, v[i].nfiles * sizeof *all);
		j += v[i].nfiles;
		failed += v[i].failed;
	}
	qsort(all, n, sizeof *all, cmpd);
	printf("bundles=%zu records=%zu seconds=%.2f rate=%.1f p50_ms=%.1f p95_ms=%.1f "
	    "max_ms=%.1f failed=%d\n", n, nrec, secs, (double)n / secs,
	    n ? all[n / 2] : 0.0, n ? all[n * 95 / 100] : 0.0, n ? all[n - 1] : 0.0, failed);
	return failed ? 1 : 0;
}
