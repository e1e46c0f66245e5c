/*
 * fuzz_kind.c - libFuzzer entry over what a file is (sync/kind.h: fk_kind_of
 * and the hint built from it) and the display width of text (common/text.h
 * fk_utf8_width), both fed bytes that came from a stick or a QR stream.
 */
#include <stdint.h>
#include <string.h>

#include "kind.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t n)
{
	fk_err e = {0};
	enum fk_kind k = fk_kind_of(p, n);
	size_t w = fk_utf8_width(p, n);

	/* Every byte is at most one column, but a wide character two (four bytes
	 * at least two): never more than n columns. */
	if (w > n)
		__builtin_trap();
	if (fk_kind_hint(&e, "input", p, n, FK_KIND_RECORD) != (k != FK_KIND_UNKNOWN))
		__builtin_trap();
	if (k != FK_KIND_UNKNOWN && strlen(e.msg) == 0)
		__builtin_trap();
	return 0;
}
