/*
 * harden.h - process-wide protections for a process that holds plaintext or
 * secrets: no core dumps, and memory that cannot be paged out to swap.
 *
 * The fieldkit command calls both first thing, for every command (cli/cli.c),
 * so no command can forget them. See docs/threat-model.md ("Core dumps and
 * swap") for what each protects against and what is left where the system's
 * limits do not allow locking.
 * Must never: print, or lock memory where the limit would later turn ordinary
 * allocations into failures.
 */
#ifndef FK_HARDEN_H
#define FK_HARDEN_H

#include "fk.h"

/*
 * No core dumps: RLIMIT_CORE 0 (soft and hard, so nothing this process runs
 * can raise it) and PR_SET_DUMPABLE 0, which also stops a core_pattern that
 * pipes to a program (the kernel ignores RLIMIT_CORE for those) and keeps
 * other users' debuggers out. Fails only if the kernel refuses.
 */
int fk_no_core_dumps(fk_err *e) FK_WUR;

/* What fk_lock_memory did. */
enum fk_memlock {
	FK_MEMLOCK_ALL = 1, /* every page of the process, now and later, is locked */
	FK_MEMLOCK_NONE = 0 /* only sodium_malloc buffers are (see why) */
};

/*
 * Locks every page of the process in memory, now and later (mlockall with
 * MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT: pages are locked as they are first
 * touched, so nothing is read in ahead), where the limits allow it for any
 * size the process may grow to: the process has CAP_IPC_LOCK (root), or
 * RLIMIT_MEMLOCK is unlimited (its soft limit is raised to an unlimited hard
 * limit). With a finite limit it locks nothing, since later allocations past
 * the limit would then fail. Sanitizer builds (whose shadow memory is
 * terabytes of reserved address space) and FIELDKIT_MLOCK=off do not lock.
 * Returns FK_MEMLOCK_ALL or FK_MEMLOCK_NONE.
 */
int fk_lock_memory(void);

/* The result of fk_lock_memory (FK_MEMLOCK_NONE before it ran); *why (if not
 * NULL) gets a translated sentence saying why memory is not locked, or "". */
int fk_memory_locked(const char **why);

#endif
