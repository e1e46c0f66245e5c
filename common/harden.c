/*
 * harden.c - see harden.h.
 */
#include "harden.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

#if defined(__SANITIZE_ADDRESS__)
#define FK_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define FK_SANITIZED 1
#endif
#endif

#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif

static int locked;
static char why_not[256];

int
fk_no_core_dumps(fk_err *e)
{
	struct rlimit none = {0, 0};

	if (setrlimit(RLIMIT_CORE, &none) != 0)
		return fk_fail(e, FK_EIO, _("cannot turn core dumps off: %s"), strerror(errno));
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return fk_fail(e, FK_EIO, _("cannot turn core dumps off: %s"), strerror(errno));
	return 0;
}

/* Whether the process may lock memory beyond RLIMIT_MEMLOCK (CAP_IPC_LOCK). */
static int
has_ipc_lock(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	memset(d, 0, sizeof d);
	if (syscall(SYS_capget, &h, d) != 0)
		return 0;
	return (d[CAP_IPC_LOCK / 32].effective >> (CAP_IPC_LOCK % 32)) & 1;
}

int
fk_lock_memory(void)
{
	const char *env = getenv("FIELDKIT_MLOCK");
	struct rlimit rl;

	locked = FK_MEMLOCK_NONE;
	if (env != NULL && (strcmp(env, "off") == 0 || strcmp(env, "0") == 0)) {
		snprintf(why_not, sizeof why_not, "%s", _("FIELDKIT_MLOCK=off"));
		return locked;
	}
#ifdef FK_SANITIZED
	snprintf(why_not, sizeof why_not, "%s", _("a sanitizer build never locks memory"));
	return locked;
#endif
	if (getrlimit(RLIMIT_MEMLOCK, &rl) != 0) {
		snprintf(why_not, sizeof why_not, _("cannot read RLIMIT_MEMLOCK: %s"),
		    strerror(errno));
		return locked;
	}
	if (!has_ipc_lock()) {
		if (rl.rlim_max != RLIM_INFINITY) {
			snprintf(why_not, sizeof why_not, _("the limit of locked memory "
			    "(ulimit -l, RLIMIT_MEMLOCK) is %llu KiB, not unlimited"),
			    (unsigned long long)(rl.rlim_max / 1024));
			return locked;
		}
		rl.rlim_cur = RLIM_INFINITY;
		if (setrlimit(RLIMIT_MEMLOCK, &rl) != 0) {
			snprintf(why_not, sizeof why_not, _("cannot raise RLIMIT_MEMLOCK: %s"),
			    strerror(errno));
			return locked;
		}
	}
	if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) != 0) {
		snprintf(why_not, sizeof why_not, _("mlockall failed: %s"), strerror(errno));
		return locked;
	}
	why_not[0] = 0;
	return locked = FK_MEMLOCK_ALL;
}

int
fk_memory_locked(const char **why)
{
	if (why != NULL)
		*why = locked == FK_MEMLOCK_ALL ? "" : why_not[0] ? why_not : _("not tried");
	return locked;
}
