/*
 * fuzz_device.c - libFuzzer entry over device.json parsing
 * (capture/device.h fk_device_parse) and the small text parsers behind it
 * (retention setting, RFC 3339 time, signing key fingerprint). A device.json
 * that parses must survive fk_device_encode and parse again to the same
 * encoding: anything else aborts (the device would not reopen its home).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "fuzz_util.h"

static void
roundtrip(const fk_device *d)
{
	fk_device *d2 = calloc(1, sizeof *d2);
	fk_buf a = {0}, b = {0};
	fk_err e;

	if (d2 == NULL)
		return;
	if (fk_device_encode(d, &a, &e) != 0)
		goto done;
	if (fk_device_parse(a.p, a.len, d2, &e) != 0) {
		fprintf(stderr, "fuzz_device: re-encoded device.json does not parse: %s\n%.*s\n",
		    e.msg, (int)a.len, (const char *)a.p);
		abort();
	}
	if (fk_device_encode(d2, &b, &e) != 0 || a.len != b.len || memcmp(a.p, b.p, a.len) != 0) {
		fprintf(stderr, "fuzz_device: device.json changes on re-encoding\n");
		abort();
	}
done:
	fk_buf_free(&a);
	fk_buf_free(&b);
	free(d2);
}

static void
seeds(void)
{
	static int done;
	fk_device d;
	fk_buf b = {0};
	fk_err e;

	if (done++)
		return;
	memset(&d, 0, sizeof d);
	snprintf(d.device_id, sizeof d.device_id, "9b2c6f0e-1a2b-4c3d-8e9f-001122334455");
	snprintf(d.name, sizeof d.name, "tablet Kharkiv 2");
	snprintf(d.created, sizeof d.created, "2026-01-01T00:00:00Z");
	d.purge = FK_RETAIN_DAYS;
	d.purge_days = 30;
	d.att_limit = FK_DEVICE_DEFAULT_ATT_LIMIT;
	d.nhubs = 1;
	snprintf(d.hubs[0].name, sizeof d.hubs[0].name, "Lviv hub");
	d.hubs[0].nrecip = 1;
	snprintf(d.hubs[0].recip[0], sizeof d.hubs[0].recip[0],
	    "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p");
	snprintf(d.hubs[0].sign_pubkey, sizeof d.hubs[0].sign_pubkey,
	    "RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3");
	if (fk_device_encode(&d, &b, &e) == 0)
		fz_seed("device", b.p, b.len);
	fk_buf_free(&b);
	fz_seed("purge", "days:30", 7);
	fz_seed("time", "2026-02-29T23:59:60Z", 20);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fk_device *d;
	fk_err e = {0};
	char *s, fp[17];
	int64_t t;
	int purge, days;

	seeds();
	if ((d = calloc(1, sizeof *d)) == NULL)
		return 0;
	if (fk_device_parse(data, size, d, &e) == 0)
		roundtrip(d);
	fk_device_free(d);
	free(d);
	if (size > 4096 || (s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	(void)fk_retention_parse(s, &purge, &days, &e);
	(void)fk_time_parse_rfc3339(s, &t);
	(void)fk_fingerprint_sign_pubkey(s, fp);
	free(s);
	return 0;
}
