/*
 * device.h - the device home: where it is, device.json (identity, retention,
 * attachment limit, hubs), the device signing key, the draft key wrapped by
 * the device passphrase (Argon2id), and hub cards.
 *
 * Owns: the layout of the device home (see docs/device-store.md).
 * Must never: write a secret (draft key, signing key, passphrase) unwrapped to
 * disk; accept a hub card that is not exactly in the card format; hold a hub
 * identity (the device can encrypt to the hub, never decrypt).
 */
#ifndef FK_DEVICE_H
#define FK_DEVICE_H

#include <stdint.h>

#include "age.h"
#include "fk.h"
#include "io.h"
#include "store.h"
#include "util.h"

#define FK_DEVICE_JSON "device.json"
#define FK_DEVICE_SIGN_KEY "sign.key"
#define FK_DEVICE_SIGN_PUB "sign.pub"
#define FK_DEVICE_DRAFT_KEY "draft.key"
#define FK_DEVICE_STORE "store.db"
#define FK_DEVICE_MAX_JSON (256 * 1024)
#define FK_DEVICE_DEFAULT_ATT_LIMIT (10u * 1024 * 1024)
#define FK_HUB_MAX_RECIPIENTS 64
#define FK_DEVICE_MAX_HUBS 16
#define FK_MINISIGN_PK_B64_LEN 56

/* Argon2id cost of the draft key (see docs/device-store.md for the reasoning). */
#define FK_DRAFTKEY_OPSLIMIT 3
#define FK_DRAFTKEY_MEMLIMIT (32u * 1024 * 1024)

/* Network sync (docs/sync-protocol.md): where a hub listens and the pins of
 * its TLS key ("sha256//" + base64 of the SHA-256 of its SubjectPublicKeyInfo). */
#define FK_HUB_URL_MAX 255
#define FK_HUB_PIN_LEN 52
#define FK_HUB_MAX_PINS 4

typedef struct fk_hub {
	char name[128];
	size_t nrecip;
	char recip[FK_HUB_MAX_RECIPIENTS][FK_AGE_RECIPIENT_LEN + 1];
	char sign_pubkey[FK_MINISIGN_PK_B64_LEN + 1];
	char url[FK_HUB_URL_MAX + 1];       /* "" when the card names none */
	size_t npins;
	char pins[FK_HUB_MAX_PINS][FK_HUB_PIN_LEN + 1];
} fk_hub;

/* A hub card as the hub writes it. */
typedef struct fk_hubcard {
	fk_hub hub;
	char created[FK_TIME_BUF];
} fk_hubcard;


typedef struct fk_device {
	char *home;
	char device_id[FK_UUID_BUF];
	char name[128];
	char created[FK_TIME_BUF];
	int purge;          /* enum fk_retention (store.h) */
	int purge_days;
	uint64_t att_limit; /* bytes */
	size_t nhubs;
	fk_hub hubs[FK_DEVICE_MAX_HUBS];
} fk_device;

/*
 * The device home: opt (--home) if given, else $FIELDKIT_HOME, else
 * $XDG_DATA_HOME/fieldkit, else ~/.local/share/fieldkit. *out is malloc'd.
 */
int fk_device_home(const char *opt, char **out, fk_err *e) FK_WUR;

/* Whether s is a hub URL cards may carry: https://HOST[:PORT][/], at most
 * FK_HUB_URL_MAX bytes, HOST a name, an IPv4 or a [IPv6] address. */
int fk_hub_url_valid(const char *s);
/* Whether s is a TLS pin as cards carry them. */
int fk_hub_pin_valid(const char *s);

/* Strict parsers of outside input. */
int fk_hubcard_parse(const uint8_t *p, size_t n, fk_hubcard *out, fk_err *e) FK_WUR;
int fk_device_parse(const uint8_t *p, size_t n, fk_device *d, fk_err *e) FK_WUR;
int fk_device_encode(const fk_device *d, fk_buf *out, fk_err *e) FK_WUR;

/* Loads home/device.json (fails clearly when the device is not set up). */
int fk_device_load(fk_device *d, const char *home, fk_err *e) FK_WUR;
int fk_device_save(const fk_device *d, fk_err *e) FK_WUR;
void fk_device_free(fk_device *d);

/*
 * Opens the device's store with its retention setting; FK_STORE_WRITE also
 * purges delivered records whose time has come.
 */
int fk_device_store_open(const fk_device *d, int mode, fk_store **s, fk_err *e) FK_WUR;

/* Every recipient of every hub. */
int fk_device_recipients(const fk_device *d, fk_age_recipients *r, fk_err *e) FK_WUR;

/* Purge setting text: "now", "days:N", "never". */
int fk_retention_parse(const char *s, int *purge, int *days, fk_err *e) FK_WUR;
void fk_retention_format(int purge, int days, char out[32]);

/* Parses a minisign public key given as a bare base64 key or .pub file text. */
int fk_sign_pubkey_parse(const uint8_t *p, size_t n, char out[FK_MINISIGN_PK_B64_LEN + 1],
    fk_err *e) FK_WUR;
/* Fingerprints to compare by phone: "1A2B 3C4D 5E6F 7A8B" style. */
void fk_fingerprint_recipient(const char *recip, char out[40]);
/* The minisign key id (16 hex digits, as minisign prints it). */
int fk_fingerprint_sign_pubkey(const char *b64, char out[17]);

/* Draft key: 32 random bytes wrapped with an Argon2id key of the passphrase. */
#define FK_DRAFTKEY_FILE_LEN 112
int fk_draftkey_wrap(const uint8_t key[FK_KEY_LEN], const uint8_t *pass, size_t passlen,
    unsigned long long ops, size_t mem, uint8_t out[FK_DRAFTKEY_FILE_LEN], fk_err *e) FK_WUR;
/* Fails with FK_EPASS on a wrong passphrase; key is sodium_malloc'd (32 bytes). */
int fk_draftkey_unwrap(const uint8_t *file, size_t n, const uint8_t *pass, size_t passlen,
    fk_secret *key, fk_err *e) FK_WUR;
/* Asks the passphrase (or reads passfile) and unwraps home/draft.key. */
int fk_device_unlock_drafts(const char *home, const char *passfile, fk_secret *key,
    fk_err *e) FK_WUR;

/*
 * Creates a device home: device.json, sign.key/sign.pub (minisign, protected
 * by the passphrase), draft.key, store.db. d->home and the hubs must be set;
 * device_id and created are filled in. Refuses a home that is already set up.
 */
int fk_device_create(fk_device *d, const uint8_t *pass, size_t passlen, fk_err *e) FK_WUR;
/* 0 when no device is set up in home yet (checked again by fk_device_create;
 * asked first so that no passphrase is asked for nothing). */
int fk_device_home_free(const char *home, fk_err *e) FK_WUR;

#endif
