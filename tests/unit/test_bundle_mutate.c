/*
 * test_bundle_mutate.c - a poor man's fuzzer for the bundle reader, device
 * cards and receipts: thousands of random mutations of valid files (flipped
 * bits, overwritten runs, inserted and deleted bytes, truncations, spliced
 * lengths). None may crash (run it under ASan) and none may be accepted
 * unless the bytes are unchanged.
 */
#include "check.h"
#include "hub_fixture.h"

#include "card.h"
#include "receipt.h"

static int
bundle_ok(const uint8_t *p, size_t n, struct fx_dev *d)
{
	fk_memsrc m;
	fk_err e;
	fk_bundle_reader *r = fk_bundle_open(fk_memsrc_init(&m, p, n), fx_key, d, &e);
	int rc;

	if (r == NULL)
		return 0;
	rc = fk_bundle_verify_all(r, &e) == 0;
	fk_bundle_close(r);
	return rc;
}

/* Says where an accepted mutation differs from the original, to reproduce it. */
static void
show_accepted(const char *what, const fk_buf *orig, const uint8_t *p, size_t n, unsigned seed)
{
	size_t i = 0, k;

	while (i < n && i < orig->len && p[i] == orig->p[i])
		i++;
	fprintf(stderr, "accepted %s: mutation kind %u, %zu bytes (original %zu), first "
	    "difference at offset %zu:", what, seed % 6, n, orig->len, i);
	for (k = i >= 8 ? i - 8 : 0; k < i + 8 && k < n; k++)
		fprintf(stderr, " %02x", p[k]);
	fputc('\n', stderr);
}

static size_t
mutate(const fk_buf *in, uint8_t *out, size_t cap, unsigned seed)
{
	size_t n = in->len, i, k, pos;
	unsigned kind = seed % 6;

	memcpy(out, in->p, n);
	pos = randombytes_uniform((uint32_t)n);
	switch (kind) {
	case 0: /* flip one bit */
		out[pos] ^= (uint8_t)(1u << randombytes_uniform(8));
		break;
	case 1: /* overwrite a run with random bytes */
		k = 1 + randombytes_uniform(16);
		for (i = 0; i < k && pos + i < n; i++)
			out[pos + i] = (uint8_t)randombytes_uniform(256);
		break;
	case 2: /* insert a byte */
		if (n + 1 > cap)
			break;
		memmove(out + pos + 1, out + pos, n - pos);
		out[pos] = (uint8_t)randombytes_uniform(256);
		n++;
		break;
	case 3: /* delete a run */
		k = 1 + randombytes_uniform(8);
		if (pos + k > n)
			k = n - pos;
		memmove(out + pos, out + pos + k, n - pos - k);
		n -= k;
		break;
	case 4: /* truncate */
		n = pos;
		break;
	default: /* a digit in the head changed */
		for (i = 0; i < 64 && i < n; i++)
			if (out[i] >= '0' && out[i] <= '9' && randombytes_uniform(3) == 0) {
				out[i] = (uint8_t)('0' + randombytes_uniform(10));
				break;
			}
		break;
	}
	return n;
}

int
main(void)
{
	struct fx_dev d;
	fk_age_recipients to = {0};
	uint8_t sk[32], pk[32], *buf;
	char *dir, *path;
	fk_buf b = {0}, card = {0};
	fk_err e;
	size_t i, n, accepted = 0, same = 0, cap;
	fk_device_card c, c2;

	check_init();
	fk_age_keygen(sk, pk);
	CHECK(fk_age_recipients_add(&to, pk, &e) == 0);
	fx_dev_init(&d, "mutant");
	for (i = 0; i < 6; i++)
		fx_add(&d, &to, "family_report", 1, "{\"a\":\"б\"}", i % 2, 300);
	dir = fx_tmpdir("mutate");
	path = fx_export(&d, dir);
	CHECK(fk_read_file(path, 0, &b, &e) == 0);
	cap = b.len + 16;
	buf = malloc(cap);
	for (i = 0; i < 4000; i++) {
		n = mutate(&b, buf, cap, (unsigned)i);
		if (n == b.len && memcmp(buf, b.p, n) == 0) {
			same++;
			continue;
		}
		if (bundle_ok(buf, n, &d)) {
			show_accepted("bundle", &b, buf, n, (unsigned)i);
			accepted++;
		}
	}
	CHECK_MSG(accepted == 0, "%zu mutated bundles accepted", accepted);
	/* The head, exhaustively: a byte deleted or a space, digit, '+' or NUL
	 * inserted anywhere (a NUL once passed: it ended the line for strcmp). */
	{
		size_t head = fx_head_len(&b);
		accepted = 0;
		for (i = 0; i < head; i++) {
			static const char ins[] = " 0+\0";
			size_t k;
			memcpy(buf, b.p, i);
			memcpy(buf + i, b.p + i + 1, b.len - i - 1);
			if (bundle_ok(buf, b.len - 1, &d))
				accepted++;
			for (k = 0; k < sizeof ins - 1; k++) {
				memcpy(buf, b.p, i);
				buf[i] = (uint8_t)ins[k];
				memcpy(buf + i + 1, b.p + i, b.len - i);
				if ((i == 0 || b.p[i - 1] != (uint8_t)ins[k]) &&
				    bundle_ok(buf, b.len + 1, &d))
					accepted++;
			}
		}
		CHECK_MSG(accepted == 0, "%zu bundles with a head byte inserted or deleted "
		    "accepted", accepted);
	}

	memset(&c, 0, sizeof c);
	snprintf(c.device_id, sizeof c.device_id, "%s", d.id);
	snprintf(c.name, sizeof c.name, "x");
	c.pk = d.pk;
	fk_now_rfc3339(c.created);
	CHECK(fk_card_device_encode(&c, d.sk, &card, &e) == 0);
	free(buf);
	cap = card.len + 16;
	buf = malloc(cap);
	accepted = 0;
	for (i = 0; i < 3000; i++) {
		n = mutate(&card, buf, cap, (unsigned)i);
		if (n == card.len && memcmp(buf, card.p, n) == 0)
			continue;
		if (fk_card_device_parse(buf, n, &c2, &e) == 0) {
			show_accepted("device card", &card, buf, n, (unsigned)i);
			accepted++;
		}
	}
	CHECK_MSG(accepted == 0, "%zu mutated device cards accepted", accepted);
	/* Exhaustively: every byte deleted, and a space, digit, newline, '+', tab or
	 * NUL inserted before every byte (non-canonical spellings must not pass; a
	 * NUL after the lengths once did, one random run in thousands). */
	accepted = 0;
	for (i = 0; i < card.len; i++) {
		static const char ins[] = " 0\n+\t\0";
		size_t k;
		memcpy(buf, card.p, i);
		memcpy(buf + i, card.p + i + 1, card.len - i - 1);
		if (fk_card_device_parse(buf, card.len - 1, &c2, &e) == 0)
			accepted++;
		for (k = 0; k < sizeof ins - 1; k++) {
			memcpy(buf, card.p, i);
			buf[i] = (uint8_t)ins[k];
			memcpy(buf + i + 1, card.p + i, card.len - i);
			if ((i == 0 || card.p[i - 1] != (uint8_t)ins[k]) &&
			    fk_card_device_parse(buf, card.len + 1, &c2, &e) == 0)
				accepted++;
		}
	}
	CHECK_MSG(accepted == 0, "%zu cards with a byte inserted or deleted accepted", accepted);
	{
		/* Receipts: random mutations, and plain garbage. */
		fk_receipt r;
		const char *names[1] = {"h"};
		uint8_t junk[512];
		for (i = 0; i < 200; i++) {
			randombytes_buf(junk, sizeof junk);
			memcpy(junk, FK_RECEIPT_MAGIC "\n", strlen(FK_RECEIPT_MAGIC) + 1);
			CHECK(fk_receipt_check(junk, sizeof junk, &d.pk, names, 1, d.id, &r, &e) != 0);
		}
	}
	fprintf(stderr, "mutations: %zu identical skipped\n", same);
	free(buf);
	fk_buf_free(&b);
	fk_buf_free(&card);
	free(path);
	free(dir);
	fx_dev_free(&d);
	fk_age_recipients_free(&to);
	return check_done("bundle_mutate");
}
