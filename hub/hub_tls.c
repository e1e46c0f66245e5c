/*
 * hub_tls.c - see hub_tls.h. GnuTLS makes the key and the certificate.
 */
#include "hub_tls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <sodium.h>

#include "card.h"
#include "hub.h"
#include "util.h"

#define MAX_PEM (64u << 10)


static int
gt_fail(fk_err *e, const char *what, int k)
{
	return fk_fail(e, FK_ECRYPTO, _("TLS: %s: %s"), what, gnutls_strerror(k));
}

/* The passphrase as a C string in protected memory (GnuTLS wants one). */
static int
cpass(const uint8_t *pass, size_t passlen, fk_secret *s, fk_err *e)
{
	if (memchr(pass, 0, passlen) != NULL)
		return fk_fail(e, FK_EPASS, _("the hub passphrase cannot hold a NUL byte"));
	if (fk_secret_alloc(s, passlen + 1, e) != 0)
		return -1;
	memcpy(s->p, pass, passlen);
	s->p[passlen] = 0;
	return 0;
}

static char *
hpath(const char *home, const char *name, fk_err *e)
{
	char *p = fk_path_join(home, name);

	if (p == NULL)
		fk_fail(e, FK_ENOMEM, _("out of memory"));
	return p;
}

int
fk_tls_pin_valid(const char *s)
{
	return fk_hub_pin_valid(s);
}

static int
pin_of_crt(gnutls_x509_crt_t crt, char pin[FK_TLS_PIN_LEN + 1], fk_err *e)
{
	gnutls_pubkey_t pub = NULL;
	gnutls_datum_t der = {0};
	uint8_t h[32];
	int k;

	if ((k = gnutls_pubkey_init(&pub)) < 0 ||
	    (k = gnutls_pubkey_import_x509(pub, crt, 0)) < 0 ||
	    (k = gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &der)) < 0) {
		gnutls_pubkey_deinit(pub);
		return gt_fail(e, _("cannot read the certificate's public key"), k);
	}
	crypto_hash_sha256(h, der.data, der.size);
	gnutls_free(der.data);
	gnutls_pubkey_deinit(pub);
	{
		char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
		sodium_bin2base64(b64, sizeof b64, h, 32, sodium_base64_VARIANT_ORIGINAL);
		memcpy(pin, "sha256//", 8);
		memcpy(pin + 8, b64, FK_TLS_PIN_LEN - 8);
		pin[FK_TLS_PIN_LEN] = 0;
	}
	return 0;
}

int
fk_tls_pin_of_cert(const uint8_t *pem, size_t n, char pin[FK_TLS_PIN_LEN + 1], fk_err *e)
{
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t d = { (unsigned char *)pem, (unsigned)n };
	int k, rc;

	if (n > MAX_PEM)
		return fk_fail(e, FK_ELIMIT, _("the certificate file is too large"));
	if ((k = gnutls_x509_crt_init(&crt)) < 0 ||
	    (k = gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM)) < 0) {
		gnutls_x509_crt_deinit(crt);
		return gt_fail(e, _("not a PEM certificate"), k);
	}
	rc = pin_of_crt(crt, pin, e);
	gnutls_x509_crt_deinit(crt);
	return rc;
}

/* Reads HUB/tls.key and decrypts it. */
static int
key_load(const char *home, const char *pw, gnutls_x509_privkey_t *key, fk_err *e)
{
	fk_secret f = {0};
	char *p = hpath(home, FK_HUB_TLS_KEY, e);
	gnutls_datum_t d;
	int k, rc = -1;

	if (p == NULL || fk_read_secret_file(p, MAX_PEM, &f, e) != 0)
		goto out;
	d.data = f.p;
	d.size = (unsigned)f.len;
	if ((k = gnutls_x509_privkey_init(key)) < 0) {
		gt_fail(e, "init", k);
		goto out;
	}
	k = gnutls_x509_privkey_import_pkcs8(*key, &d, GNUTLS_X509_FMT_PEM, pw, 0);
	if (k == GNUTLS_E_DECRYPTION_FAILED) {
		fk_fail(e, FK_EPASS, _("wrong passphrase for the hub's TLS key"));
		goto out;
	}
	if (k < 0) {
		gt_fail(e, _("cannot read the hub's TLS key"), k);
		goto out;
	}
	rc = 0;
out:
	if (rc != 0 && *key != NULL) {
		gnutls_x509_privkey_deinit(*key);
		*key = NULL;
	}
	fk_secret_free(&f);
	free(p);
	return rc;
}

static int
key_new(const char *home, const char *pw, gnutls_x509_privkey_t *key, fk_err *e)
{
	gnutls_datum_t out = {0};
	char *p = hpath(home, FK_HUB_TLS_KEY, e);
	int k, rc = -1;

	if (p == NULL)
		return -1;
	if ((k = gnutls_x509_privkey_init(key)) < 0 ||
	    (k = gnutls_x509_privkey_generate(*key, GNUTLS_PK_ECDSA,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0)) < 0 ||
	    (k = gnutls_x509_privkey_export2_pkcs8(*key, GNUTLS_X509_FMT_PEM, pw,
	    GNUTLS_PKCS_PBES2_AES_256, &out)) < 0) {
		gt_fail(e, _("cannot make a TLS key"), k);
		goto out;
	}
	/* Encrypted text, but written as a secret file all the same. */
	rc = fk_write_secret_file(p, out.data, out.size, 1, e);
out:
	gnutls_free(out.data);
	free(p);
	return rc;
}

static int
cert_new(const char *home, gnutls_x509_privkey_t key, char pin[FK_TLS_PIN_LEN + 1],
    fk_err *e)
{
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t out = {0};
	uint8_t serial[16];
	time_t now = time(NULL);
	char *p = hpath(home, FK_HUB_TLS_CRT, e);
	int k, rc = -1;

	if (p == NULL)
		return -1;
	randombytes_buf(serial, sizeof serial);
	serial[0] &= 0x7f;
	if ((k = gnutls_x509_crt_init(&crt)) < 0 ||
	    (k = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
	    (k = gnutls_x509_crt_set_serial(crt, serial, sizeof serial)) < 0 ||
	    (k = gnutls_x509_crt_set_activation_time(crt, now - 3600)) < 0 ||
	    (k = gnutls_x509_crt_set_expiration_time(crt,
	    now + (time_t)FK_TLS_CERT_DAYS * 86400)) < 0 ||
	    (k = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
	    "fieldkit hub", 12)) < 0 ||
	    (k = gnutls_x509_crt_set_issuer_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
	    "fieldkit hub", 12)) < 0 ||
	    (k = gnutls_x509_crt_set_key(crt, key)) < 0 ||
	    (k = gnutls_x509_crt_set_basic_constraints(crt, 0, -1)) < 0 ||
	    (k = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
	    (k = gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0 ||
	    (k = gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0)) < 0 ||
	    (k = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &out)) < 0) {
		gt_fail(e, _("cannot make a TLS certificate"), k);
		goto out;
	}
	if (pin_of_crt(crt, pin, e) != 0 ||
	    fk_write_file_atomic(p, out.data, out.size, 0644, e) != 0)
		goto out;
	rc = 0;
out:
	gnutls_free(out.data);
	gnutls_x509_crt_deinit(crt);
	free(p);
	return rc;
}

int
fk_hub_tls_pins(const char *home, char pins[FK_TLS_MAX_PINS][FK_TLS_PIN_LEN + 1],
    size_t *n, fk_err *e)
{
	char *p = hpath(home, FK_HUB_TLS_PINS, e);
	fk_buf b = {0};
	size_t off = 0;
	int rc = -1;

	*n = 0;
	if (p == NULL)
		return -1;
	if (access(p, F_OK) != 0) {
		free(p);
		return 0;
	}
	if (fk_read_file(p, 4096, &b, e) != 0)
		goto out;
	while (off < b.len && *n < FK_TLS_MAX_PINS) {
		uint8_t *nl = memchr(b.p + off, '\n', b.len - off);
		size_t l = nl ? (size_t)(nl - (b.p + off)) : b.len - off;
		if (l == FK_TLS_PIN_LEN) {
			memcpy(pins[*n], b.p + off, l);
			pins[*n][l] = 0;
			if (fk_tls_pin_valid(pins[*n]))
				(*n)++;
		}
		off += l + 1;
	}
	rc = 0;
out:
	fk_buf_free(&b);
	free(p);
	return rc;
}

/* tls.pins: the pin of the key served now. */
static int
pins_write(const char *home, const char *pin, fk_err *e)
{
	char text[FK_TLS_PIN_LEN + 2];
	char *p;
	int rc;

	snprintf(text, sizeof text, "%s\n", pin);
	if ((p = hpath(home, FK_HUB_TLS_PINS, e)) == NULL)
		return -1;
	rc = fk_write_file_atomic(p, text, strlen(text), 0644, e);
	free(p);
	return rc;
}

int
fk_hub_tls_make(const char *home, const uint8_t *pass, size_t passlen, int new_key,
    char pin[FK_TLS_PIN_LEN + 1], fk_err *e)
{
	gnutls_x509_privkey_t key = NULL;
	fk_secret pw = {0};
	char mypin[FK_TLS_PIN_LEN + 1], *kp = NULL;
	int rc = -1, have;

	if (cpass(pass, passlen, &pw, e) != 0)
		return -1;
	if ((kp = hpath(home, FK_HUB_TLS_KEY, e)) == NULL)
		goto out;
	have = access(kp, F_OK) == 0;
	if ((have && !new_key ? key_load(home, (const char *)pw.p, &key, e) :
	    key_new(home, (const char *)pw.p, &key, e)) != 0 ||
	    cert_new(home, key, mypin, e) != 0 || pins_write(home, mypin, e) != 0)
		goto out;
	if (pin != NULL)
		memcpy(pin, mypin, sizeof mypin);
	rc = 0;
out:
	gnutls_x509_privkey_deinit(key);
	fk_secret_free(&pw);
	free(kp);
	return rc;
}

int
fk_hub_tls_load(const char *home, const uint8_t *pass, size_t passlen, const char *key_path,
    const char *crt_path, fk_secret *key, fk_buf *crt, fk_err *e)
{
	gnutls_x509_privkey_t k = NULL;
	gnutls_datum_t out = {0};
	fk_secret pw = {0};
	char *cp = NULL;
	int g, rc = -1;

	key->p = NULL;
	if (key_path != NULL || crt_path != NULL) {
		if (key_path == NULL || crt_path == NULL)
			return fk_fail(e, FK_EUSAGE, _("give both --tls-cert and --tls-key"));
		if (fk_read_secret_file(key_path, MAX_PEM, key, e) != 0)
			return -1;
		if (fk_read_file(crt_path, MAX_PEM, crt, e) != 0) {
			fk_secret_free(key);
			return -1;
		}
		return 0;
	}
	if ((cp = hpath(home, FK_HUB_TLS_CRT, e)) == NULL)
		return -1;
	if (access(cp, F_OK) != 0) {
		fk_fail(e, FK_ESTATE, _("this hub has no TLS key yet; run `fieldkit hub tls renew "
		    "--home %s`"), home);
		goto out;
	}
	if (fk_read_file(cp, MAX_PEM, crt, e) != 0 || cpass(pass, passlen, &pw, e) != 0 ||
	    key_load(home, (const char *)pw.p, &k, e) != 0)
		goto out;
	if ((g = gnutls_x509_privkey_export2(k, GNUTLS_X509_FMT_PEM, &out)) < 0) {
		gt_fail(e, "export", g);
		goto out;
	}
	if (fk_secret_alloc(key, out.size + 1, e) != 0)
		goto out;
	memcpy(key->p, out.data, out.size);
	key->p[out.size] = 0;
	key->len = out.size;
	rc = 0;
out:
	if (out.data != NULL) {
		sodium_memzero(out.data, out.size);
		gnutls_free(out.data);
	}
	gnutls_x509_privkey_deinit(k);
	fk_secret_free(&pw);
	free(cp);
	return rc;
}

int
fk_hub_card_net_update(const char *home, const char *url, char *card_url, fk_err *e)
{
	char pins[FK_TLS_MAX_PINS][FK_TLS_PIN_LEN + 1];
	const char *pp[FK_TLS_MAX_PINS], *rp[FK_HUB_MAX_RECIPIENTS];
	char *path = hpath(home, FK_HUB_CARD, e);
	fk_hubcard c;
	fk_buf b = {0}, out = {0};
	size_t n, i;
	int rc = -1;

	if (path == NULL)
		return -1;
	if (url != NULL && url[0] && !fk_hub_url_valid(url)) {
		fk_fail(e, FK_EUSAGE, _("the hub URL must be https://HOST[:PORT] (at most %d "
		    "characters), not %.100s"), FK_HUB_URL_MAX, url);
		goto out;
	}
	if (fk_read_file(path, FK_DEVICE_MAX_JSON, &b, e) != 0 ||
	    fk_hubcard_parse(b.p, b.len, &c, e) != 0 || fk_hub_tls_pins(home, pins, &n, e) != 0)
		goto out;
	if (url != NULL)
		snprintf(c.hub.url, sizeof c.hub.url, "%s", url);
	for (i = 0; i < n; i++)
		pp[i] = pins[i];
	for (i = 0; i < c.hub.nrecip; i++)
		rp[i] = c.hub.recip[i];
	if (fk_card_hub_encode_net(c.hub.name, rp, c.hub.nrecip, c.hub.sign_pubkey, c.hub.url,
	    pp, n, c.created, &out, e) != 0 ||
	    fk_write_file_atomic(path, out.p, out.len, 0644, e) != 0)
		goto out;
	if (card_url != NULL)
		snprintf(card_url, FK_HUB_URL_MAX + 1, "%s", c.hub.url);
	rc = 0;
out:
	fk_buf_free(&b);
	fk_buf_free(&out);
	free(path);
	return rc;
}

int
fk_hub_net_init(const char *home, const uint8_t *pass, size_t passlen, const char *url,
    fk_err *e)
{
	if (fk_hub_tls_make(home, pass, passlen, 0, NULL, e) != 0 ||
	    fk_hub_card_net_update(home, url ? url : NULL, NULL, e) != 0)
		return fk_prefix(e, _("hub init"));
	return 0;
}
