/*
 * cmd_push.c - `fieldkit push`: network sync from the device. Exports what
 * is not yet delivered into the outbox (sync/outbox.c), uploads each bundle
 * (sync/net.c), and acknowledges each hub receipt that verifies - marking
 * its records delivered, which purges them per the retention setting - in
 * the same run. `--watch` keeps at it; `--status` shows the queue.
 *
 * Exit statuses: 0 everything captured so far is delivered and
 * acknowledged; 75 (EX_TEMPFAIL) the hub could not be reached or the
 * transfer broke off (nothing lost: the next run resumes); 1 the hub
 * refused (its reason is shown), or something else failed.
 *
 * Must never: let a record go on anything but a verified receipt; show or
 * keep anything identifying (the queue holds ciphertext and counts).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "ack.h"
#include "cli.h"
#include "device.h"
#include "io.h"
#include "net.h"
#include "outbox.h"
#include "receipt.h"
#include "store.h"

#define EXIT_TEMPFAIL 75

struct popts {
	const char *home, *passfile, *url, *hub, *card, *cainfo;
	int watch, status;
	uint64_t max_size;
};

static const char push_help[] = N_(
    "Usage: fieldkit push [--url URL] [--hub NAME] [--home DIR] [--passphrase-file F]\n"
    "       fieldkit push --watch [...]\n"
    "       fieldkit push --status [--home DIR]\n"
    "       fieldkit push --hub-card CARD [--home DIR]\n\n"
    "Sends every finalized record not yet delivered to the hub over the network:\n"
    "they are bundled (kept in the device home until the hub acknowledges them),\n"
    "uploaded - resuming where the hub stands after any break - and the hub's\n"
    "receipt is checked with the hub key from its card and acknowledged, which marks\n"
    "the records delivered and purges them per the retention setting.\n\n"
    "Exit status: 0 everything is delivered and acknowledged; 75 the hub could not\n"
    "be reached or the transfer broke off (nothing is lost; run it again); 1 the hub\n"
    "refused (the reason is shown).\n\n"
    "Options:\n"
    "  --url URL                 the hub's address (default: from its card)\n"
    "  --hub NAME                which hub, when the device has several\n"
    "  --watch                   keep trying until everything is delivered (waiting 1 s,\n"
    "                            then twice as long each time, up to 15 min), and again\n"
    "                            whenever new records are finalized; stop with Ctrl-C\n"
    "  --status                  show the queue: per bundle the bytes the hub holds,\n"
    "                            attempts, the last failure and the next try\n"
    "  --hub-card CARD           take a hub's new address and TLS pins from its card\n"
    "  --max-size SIZE           bundles of at most SIZE bytes (default 64M)\n"
    "  --ca-file F               trust the authorities in F (a hub whose card has no\n"
    "                            TLS pin, with a certificate from an authority)\n"
    "  --home DIR                device home (default $FIELDKIT_HOME)\n"
    "  --passphrase-file F       read the device passphrase from F (for the signing key)\n"
    "  -h, --help                show this help\n");

static long
env_long(const char *name, long def, long min, long max)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (v == NULL || *v == 0)
		return def;
	n = strtol(v, &end, 10);
	return *end == 0 && n >= min && n <= max ? n : def;
}

static void
human(uint64_t n, char out[32])
{
	if (n >= (1u << 20))
		snprintf(out, 32, _("%.1f MiB"), (double)n / (1 << 20));
	else if (n >= 1024)
		snprintf(out, 32, _("%.1f KiB"), (double)n / 1024);
	else
		snprintf(out, 32, _("%llu B"), (unsigned long long)n);
}

/* ---- which hub ---- */

static const fk_hub *
pick_hub(const fk_device *d, const struct popts *o, fk_err *e)
{
	size_t i;

	for (i = 0; i < d->nhubs; i++)
		if (o->hub ? strcmp(d->hubs[i].name, o->hub) == 0 :
		    (o->url != NULL || d->hubs[i].url[0] != 0))
			return &d->hubs[i];
	if (o->hub)
		fk_fail(e, FK_EUSAGE, _("this device has no hub named \"%s\""), o->hub);
	else
		fk_fail(e, FK_ESTATE, _("no hub address known: give --url https://HOST:PORT, or "
		    "take the hub's card with a URL (`fieldkit push --hub-card CARD`)"));
	return NULL;
}

/* ---- one pass ---- */

struct push {
	struct popts *o;
	fk_device d;
	char *home;
	const fk_hub *hub;
	fk_minisign_sk *sk;
	fk_net_client *net;
	char pins[FK_HUB_MAX_PINS * (FK_HUB_PIN_LEN + 1)];
	int progress;
	unsigned backoff_k;
	int64_t next_try;
	char last_words[200];
};

static void
on_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct push *p = ctx;
	char a[32], b[32];

	if (!p->progress)
		return;
	human(done, a);
	human(total, b);
	fputc('\r', stderr);
	fprintf(stderr, _("sending: %s of %s (%d%%)   "), a, b,
	    total ? (int)(done * 100 / total) : 100);
}

/* The one rule (ack.h): verify, mark delivered, purge; one transaction. */
static int
ack(struct push *p, const fk_net_result *res, size_t *marked, fk_err *e)
{
	fk_ack_result r;

	if (fk_ack_receipt(&p->d, res->receipt, res->receipt_len, &r, e) != 0)
		return -1;
	*marked = r.marked;
	return 0;
}

static int
ensure_key(struct push *p, fk_err *e)
{
	char *kp;
	int rc;

	if (p->sk != NULL)
		return 0;
	if ((kp = fk_path_join(p->home, FK_DEVICE_SIGN_KEY)) == NULL)
		return fk_fail(e, FK_ENOMEM, _("out of memory"));
	rc = fk_minisign_sk_load(kp, p->o->passfile, &p->sk, e);
	free(kp);
	return rc;
}

static int
ensure_client(struct push *p, fk_err *e)
{
	fk_net_target t;
	size_t i, n = 0;

	if (p->net != NULL)
		return 0;
	memset(&t, 0, sizeof t);
	t.url = p->o->url ? p->o->url : p->hub->url;
	p->pins[0] = 0;
	for (i = 0; i < p->hub->npins; i++)
		n += (size_t)snprintf(p->pins + n, sizeof p->pins - n, "%s%s", i ? ";" : "",
		    p->hub->pins[i]);
	t.pins = p->pins[0] ? p->pins : NULL;
	t.cainfo = p->o->cainfo;
	t.hub_name = p->hub->name;
	if (fk_minisign_pk_parse((const uint8_t *)p->hub->sign_pubkey,
	    strlen(p->hub->sign_pubkey), &t.hub_pk, e) != 0)
		return -1;
	if ((p->net = fk_net_client_new(&t, p->d.device_id, p->sk, e)) == NULL)
		return -1;
	fk_net_tune(p->net, (int)env_long("FIELDKIT_NET_RETRIES", 0, 1, 1000),
	    (int)env_long("FIELDKIT_NET_STALL", 0, 1, 3600),
	    (uint64_t)env_long("FIELDKIT_NET_CHUNK", 0, 65536, 8 << 20));
	fk_net_set_progress(p->net, on_progress, p);
	return 0;
}

/* A refusal in the worker's language and with what to do, from the hub's
 * Fieldkit-Error token; the hub's own words for the others (an import's
 * reason names what it found). */
static const char *
refusal_text(const char *token, const char *words)
{
	static const struct {
		const char *token, *text;
	} known[] = {
		{"revoked", N_("this device was revoked at this hub: ask its operator (`fieldkit hub "
		    "devices unrevoke`)")},
		{"unknown-device", N_("this device is not registered at this hub: give its operator "
		    "this device's card (`fieldkit device-card`)")},
		{"too-large", N_("the bundle is larger than this hub takes over the network: take "
		    "these records on a USB stick (`fieldkit export --to DIR`)")},
		{"clock", N_("this device's clock is more than 5 minutes off the hub's: set the date "
		    "and time, then push again")},
	};
	size_t i;

	for (i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strcmp(token, known[i].token) == 0)
			return _(known[i].text);
	return words;
}

/* One pass over the queue: 0, EXIT_TEMPFAIL or FK_EXIT_FAIL. */
static int
push_once(struct push *p, int quiet_if_idle)
{
	fk_store *s = NULL;
	fk_outbox ob = {0};
	fk_err e = {0};
	int64_t unq = 0;
	size_t i, nf, nr, delivered = 0, ndel = 0, gone = 0;
	int rc = 0, refused = 0;

	if (fk_device_store_open(&p->d, FK_STORE_WRITE, &s, &e) != 0 ||
	    fk_outbox_load(&ob, p->home, &e) != 0)
		goto fail;
	if (fk_outbox_lock(&ob, &e) != 0) {
		/* Not a failure of this device's data: try again later (75). */
		if (e.code == FK_ESTATE) {
			fk_prefix(&e, "push");
			(void)fk_report(&e);
			rc = EXIT_TEMPFAIL;
			goto out;
		}
		goto fail;
	}
	if (fk_outbox_drop_delivered(&ob, s, &gone, &e) != 0 ||
	    fk_outbox_unqueued(&ob, s, &unq, &e) != 0)
		goto fail;
	if (gone > 0)
		printf(ngettext("%zu queued bundle was delivered another way (a USB receipt): not "
		    "sent again\n", "%zu queued bundles were delivered another way (a USB receipt): "
		    "not sent again\n", gone), gone);
	if (ob.n == 0 && unq == 0) {
		if (!quiet_if_idle)
			printf(_("nothing to push: every record is delivered\n"));
		goto out;
	}
	if (ensure_key(p, &e) != 0)
		goto fail;
	if (unq > 0) {
		if (fk_outbox_fill(&ob, s, p->d.device_id, p->sk, p->o->max_size, &nf, &nr, &e) != 0)
			goto fail;
		printf(ngettext("%zu record bundled for sending", "%zu records bundled for sending",
		    nr), nr);
		printf(ngettext(" (%zu bundle)\n", " (%zu bundles)\n", nf), nf);
	}
	if (ensure_client(p, &e) != 0)
		goto fail;
	/* Receipts are acknowledged through fk_ack_receipt, which opens the store
	 * itself: one connection at a time in this process. */
	fk_store_close(s);
	s = NULL;
	for (i = 0; i < ob.n;) {
		fk_outbox_item *it = &ob.items[i];
		fk_net_result res;
		char *path = fk_outbox_path(&ob, it), a[32];
		size_t marked = 0;
		int k;

		if (path == NULL) {
			fk_fail(&e, FK_ENOMEM, _("out of memory"));
			goto fail;
		}
		it->attempts++;
		it->last_try = (int64_t)time(NULL);
		/* Kept before the upload: a run killed midway still shows in --status as
		 * an attempt (it said "0 attempts (last -)"). */
		if (fk_outbox_save(&ob, it, &e) != 0) {
			free(path);
			goto fail;
		}
		k = fk_net_push_file(p->net, path, &res, &e);
		free(path);
		if (p->progress)
			fputs("\r                                                  \r", stderr);
		if (k != 0)
			goto fail;
		it->hub_offset = res.hub_offset;
		if (res.outcome == FK_NET_DELIVERED) {
			if (ack(p, &res, &marked, &e) != 0) {
				fk_net_result_free(&res);
				goto fail;
			}
			human(it->length, a);
			printf(ngettext("bundle %s: %zu record delivered to hub \"%s\" (%s); receipt "
			    "verified and acknowledged\n", "bundle %s: %zu records delivered to hub "
			    "\"%s\" (%s); receipt verified and acknowledged\n", marked), it->bundle_id,
			    marked, p->hub->name, a);
			if (res.breaks > 0 || res.sent > it->length)
				printf(ngettext("  %u break resumed in this run; %llu bytes sent for %llu "
				    "(%.1f%% again)\n", "  %u breaks resumed in this run; %llu bytes sent "
				    "for %llu (%.1f%% again)\n", res.breaks), res.breaks,
				    (unsigned long long)res.sent,
				    (unsigned long long)it->length, it->length ? 100.0 *
				    ((double)res.sent - (double)it->length) / (double)it->length : 0.0);
			fk_net_result_free(&res);
			if (fk_outbox_remove(&ob, i, &e) != 0)
				goto fail;
			delivered += marked;
			ndel++;
			continue;
		}
		fk_net_result_free(&res);
		snprintf(it->last_class, sizeof it->last_class, "%s", res.cls);
		/* a refusal in the worker's words, kept for --status as it is said now */
		snprintf(it->last_reason, sizeof it->last_reason, "%s",
		    res.outcome == FK_NET_REFUSED ? refusal_text(res.token, res.reason) : res.reason);
		if (res.hub_offset > 0)
			it->last_ok = it->last_try;
		if (res.outcome == FK_NET_REFUSED) {
			it->refused = 1;
			refused = 1;
			fk_warn(_("bundle %s: the hub refused it: %s"), it->bundle_id, it->last_reason);
			if (fk_outbox_save(&ob, it, &e) != 0)
				goto fail;
			i++;
			continue;
		}
		it->refused = 0;
		human(res.hub_offset, a);
		snprintf(p->last_words, sizeof p->last_words, "%s", res.cls);
		if (strcmp(res.cls, FK_NET_C_PIN) == 0)
			/* Not a break the next run resumes: the key answering is not the one
			 * in the hub's card. */
			fk_warn(_("bundle %s: the hub's TLS key is not the one in its card: if the hub "
			    "renewed its key, take its new card (`fieldkit push --hub-card CARD`); "
			    "otherwise this network is intercepting the connection (nothing was sent "
			    "to it)"), it->bundle_id);
		else
			fk_warn(_("bundle %s: %s; the hub holds %s of it, the next run resumes"),
			    it->bundle_id, _(res.cls), a);
		if (fk_outbox_save(&ob, it, &e) != 0)
			goto fail;
		rc = EXIT_TEMPFAIL;
		break;
	}
	if (rc == 0 && refused)
		rc = FK_EXIT_FAIL;
	if (rc == 0) {
		printf(ngettext("everything is delivered (%zu record", "everything is delivered "
		    "(%zu records", delivered), delivered);
		printf(ngettext(" in %zu bundle this run)\n", " in %zu bundles this run)\n", ndel),
		    ndel);
	}
	goto out;
fail:
	fk_prefix(&e, "push");
	rc = fk_report(&e) == FK_EXIT_USAGE ? FK_EXIT_USAGE : FK_EXIT_FAIL;
out:
	fk_outbox_free(&ob);
	fk_store_close(s);
	fflush(stdout);
	return rc;
}

/* ---- --watch ---- */

static volatile sig_atomic_t stop_now;

static void
on_signal(int sig)
{
	(void)sig;
	stop_now = 1;
}

static void
sleep_ms(long ms)
{
	while (ms > 0 && !stop_now) {
		long step = ms < 200 ? ms : 200;
		struct timespec ts = { step / 1000, (step % 1000) * 1000000L };
		nanosleep(&ts, NULL);
		ms -= step;
	}
}

/* Records the next try in every queued bundle's state (for --status). */
static void
note_next(struct push *p, int64_t when)
{
	fk_outbox ob;
	fk_err e;
	size_t i;

	if (fk_outbox_load(&ob, p->home, &e) != 0)
		return;
	for (i = 0; i < ob.n; i++) {
		ob.items[i].next_try = when;
		if (fk_outbox_save(&ob, &ob.items[i], &e) != 0)
			break;
	}
	fk_outbox_free(&ob);
}

static int
pending_now(struct push *p)
{
	fk_store *s = NULL;
	fk_store_counts c = {0};
	fk_err e;
	int n = 0;

	if (fk_device_store_open(&p->d, FK_STORE_READ, &s, &e) == 0 &&
	    fk_store_counts_get(s, &c, &e) == 0)
		n = c.pending > 0;
	fk_store_close(s);
	return n;
}

static int
watch(struct push *p)
{
	long base = env_long("FIELDKIT_NET_BACKOFF_MS", 1000, 1, 3600000);
	long cap = env_long("FIELDKIT_NET_BACKOFF_MAX_MS", 15 * 60 * 1000, 1, 86400000);
	long idle = env_long("FIELDKIT_NET_IDLE_MS", 5000, 10, 3600000);
	struct sigaction sa;
	int rc = 0, quiet = 0;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!stop_now) {
		rc = push_once(p, quiet);
		if (rc == FK_EXIT_USAGE)
			return rc;
		if (rc == 0) {
			p->backoff_k = 0;
			quiet = 1;
			/* Wait for newly finalized records. */
			while (!stop_now && !pending_now(p))
				sleep_ms(idle);
			quiet = 0;
			continue;
		}
		{
			/* 1 s doubling to 15 min, with jitter (half fixed, half random). */
			long d = base;
			unsigned k;
			for (k = 0; k < p->backoff_k && d < cap; k++)
				d *= 2;
			if (d > cap)
				d = cap;
			d = d / 2 + (long)randombytes_uniform((uint32_t)(d / 2 + 1));
			p->backoff_k++;
			note_next(p, (int64_t)time(NULL) + d / 1000);
			printf(_("next try in %ld s\n"), (d + 999) / 1000);
			fflush(stdout);
			sleep_ms(d);
		}
	}
	printf(_("push --watch stopped\n"));
	return rc;
}

/* ---- --status ---- */

static void
when(int64_t t, char out[FK_TIME_BUF])
{
	if (t == 0)
		snprintf(out, FK_TIME_BUF, "-");
	else
		fk_time_rfc3339(t, out);
}

static int
status(struct push *p)
{
	fk_store *s = NULL;
	fk_outbox ob = {0};
	fk_err e = {0};
	int64_t unq = 0;
	size_t i;
	unsigned char *live = NULL;

	if (fk_device_store_open(&p->d, FK_STORE_READ, &s, &e) != 0 ||
	    fk_outbox_load(&ob, p->home, &e) != 0 || fk_outbox_unqueued(&ob, s, &unq, &e) != 0 ||
	    (live = calloc(ob.n + 1, 1)) == NULL || fk_outbox_live(&ob, s, live, &e) != 0) {
		if (live == NULL && e.code == FK_OK)
			fk_fail(&e, FK_ENOMEM, _("out of memory"));
		free(live);
		fk_outbox_free(&ob);
		fk_store_close(s);
		return fk_report(&e);
	}
	for (i = 0; i < ob.n; i++) {
		const fk_outbox_item *it = &ob.items[i];
		char a[32], b[32], lt[FK_TIME_BUF], nt[FK_TIME_BUF];
		human(it->hub_offset, a);
		human(it->length, b);
		when(it->last_try, lt);
		when(it->next_try, nt);
		printf(ngettext("bundle %s: %zu record, %s; the hub holds %s", "bundle %s: %zu records, "
		    "%s; the hub holds %s", it->nrec), it->bundle_id, it->nrec, b, a);
		printf(ngettext("; %u attempt (last %s)\n", "; %u attempts (last %s)\n", it->attempts),
		    it->attempts, lt);
		if (!live[i])
			/* its records reached a hub another way: the next push drops it */
			printf(_("  delivered another way (a USB receipt): the next push drops it\n"));
		else if (it->refused)
			printf(_("  refused: %s\n"), it->last_reason);
		else if (it->last_class[0])
			printf(_("  last failure: %s; next try %s\n"), _(it->last_class), nt);
		else
			printf(_("  not sent yet\n"));
	}
	if (unq > 0)
		printf(ngettext("%lld record not bundled yet (the next push bundles it)\n",
		    "%lld records not bundled yet (the next push bundles them)\n",
		    (unsigned long)unq), (long long)unq);
	if (ob.n == 0 && unq == 0)
		printf(_("nothing waiting: every record is delivered\n"));
	free(live);
	fk_outbox_free(&ob);
	fk_store_close(s);
	return 0;
}

/* ---- --hub-card ---- */

static int
take_card(struct push *p, fk_err *e)
{
	fk_buf b = {0};
	fk_hubcard c;
	size_t i, j;

	if (fk_read_file(p->o->card, FK_DEVICE_MAX_JSON, &b, e) != 0 ||
	    fk_hubcard_parse(b.p, b.len, &c, e) != 0) {
		fk_buf_free(&b);
		return fk_report(e);
	}
	fk_buf_free(&b);
	for (i = 0; i < p->d.nhubs; i++) {
		fk_hub *h = &p->d.hubs[i];
		if (strcmp(h->sign_pubkey, c.hub.sign_pubkey) != 0 || h->nrecip != c.hub.nrecip)
			continue;
		for (j = 0; j < h->nrecip; j++)
			if (strcmp(h->recip[j], c.hub.recip[j]) != 0)
				break;
		if (j < h->nrecip)
			continue;
		memcpy(h->url, c.hub.url, sizeof h->url);
		memcpy(h->pins, c.hub.pins, sizeof h->pins);
		h->npins = c.hub.npins;
		if (fk_device_save(&p->d, e) != 0)
			return fk_report(e);
		printf(ngettext("hub \"%s\": address %s, %zu TLS pin taken from the card\n",
		    "hub \"%s\": address %s, %zu TLS pins taken from the card\n", h->npins), h->name,
		    h->url[0] ? h->url : _("(none)"), h->npins);
		return 0;
	}
	fk_fail(e, FK_EINPUT, _("this card is of a hub this device was not set up with (its "
	    "keys differ); a new hub needs `fieldkit init`"));
	return fk_report(e);
}

static int
cmd_push(int argc, char **argv)
{
	struct popts o;
	struct push p;
	const char *maxs = NULL;
	fk_args pos;
	fk_err e = {0};
	int rc;
	const struct fk_opt opt[] = {FK_STR("home", 0, &o.home),
		FK_STR("passphrase-file", 0, &o.passfile), FK_STR("url", 0, &o.url),
		FK_STR("hub", 0, &o.hub), FK_FLAG("watch", 0, &o.watch),
		FK_FLAG("status", 0, &o.status), FK_STR("hub-card", 0, &o.card),
		FK_STR("max-size", 0, &maxs), FK_STR("ca-file", 0, &o.cainfo), FK_OPT_END};

	memset(&p, 0, sizeof p);
	memset(&o, 0, sizeof o);
	o.max_size = 64ull << 20;
	if ((rc = fk_opts_parse("push", push_help, opt, argc, argv, &pos)) != FK_GO ||
	    (rc = fk_args_max("push", &pos, 0)) != FK_GO)
		return rc;
	if (maxs != NULL && fk_size_parse(maxs, &o.max_size) != 0)
		return fk_usage_error("push", _("--max-size takes a size like 64M"));
	if (o.status + o.watch + (o.card != NULL) > 1)
		return fk_usage_error("push", _("--status, --watch and --hub-card go alone"));
	if (o.url != NULL && !fk_hub_url_valid(o.url))
		return fk_usage_error("push", _("--url must be https://HOST[:PORT]"));
	p.o = &o;
	if (fk_device_home(o.home, &p.home, &e) != 0 || fk_device_load(&p.d, p.home, &e) != 0) {
		rc = fk_report(&e);
		goto out;
	}
	if (o.status) {
		rc = status(&p);
		goto out;
	}
	if (o.card != NULL) {
		rc = take_card(&p, &e);
		goto out;
	}
	if ((p.hub = pick_hub(&p.d, &o, &e)) == NULL) {
		rc = fk_report(&e);
		goto out;
	}
	p.progress = fk_progress_enabled();
	signal(SIGPIPE, SIG_IGN);
	rc = o.watch ? watch(&p) : push_once(&p, 0);
out:
	fk_net_client_free(p.net);
	fk_minisign_sk_free(p.sk);
	fk_device_free(&p.d);
	free(p.home);
	return rc;
}

FK_COMMAND(push, N_("send what is not yet delivered to the hub over the network"), cmd_push);
