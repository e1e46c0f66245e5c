/*
 * fuzz_netproto.c - libFuzzer entry over the network-sync header parsers
 * (sync/netproto.h) and the hub URL / TLS pin checks (capture/device.h):
 * what `hub serve` reads from any client before it checks a signature.
 * The first byte picks the parser; the rest is the header value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "netproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	fk_net_sig sig;
	char id[FK_UUID_BUF];
	uint8_t sha[32];
	uint64_t v;
	fk_err e;

	if (size < 1)
		return 0;
	/* Header values reach the parsers NUL-terminated, as libmicrohttpd gives them. */
	if ((s = malloc(size)) == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = 0;
	switch (data[0] % 6) {
	case 0:
		if (fk_net_sig_parse(s, strlen(s), &sig, &e) == 0 && !fk_device_id_valid(sig.device_id))
			abort();
		break;
	case 1:
		if (fk_net_meta_parse(s, strlen(s), id, sha, &e) == 0 && !fk_uuid_valid(id))
			abort();
		break;
	case 2:
		(void)fk_net_checksum_parse(s, strlen(s), sha, &e);
		break;
	case 3:
		if (fk_net_u64_parse(s, strlen(s), 1ull << 50, &v) == 0 && v > (1ull << 50))
			abort();
		break;
	case 4:
		(void)fk_net_upload_id_valid(s);
		break;
	default:
		(void)fk_hub_url_valid(s);
		(void)fk_hub_pin_valid(s);
		break;
	}
	free(s);
	return 0;
}
