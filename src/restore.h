/*
 * Putting the peering back: the one restore that `run` (after every path
 * past the disable) and `recover` (from a journal) both use.  It journals
 * its intent before the first write and its outcome after the last, as
 * journal.h requires of every mutation, retries with backoff until its
 * deadline on a clock no signal cancels, and confirms the state with a
 * fresh read.
 */
#ifndef FD_RESTORE_H
#define FD_RESTORE_H

#include <stdbool.h>
#include <stdint.h>

#include "clock.h"
#include "error.h"
#include "journal.h"
#include "provider.h"

/* One peering write and its long-running operation on clock (which
 * decides whether a signal can cut the wait short), until deadline
 * (absolute, 0 = none).  info gets the PUT's ids.  An error after the
 * write was accepted is never err->unchanged. */
int peering_write(const struct cloud_ops *cloud, void *ctx, bool enable,
    const struct fd_clock *clock, uint64_t deadline,
    struct cloud_op_info *info, struct fd_error *err);

struct restore_req {
	const struct cloud_ops *cloud;
	void *ctx;
	const struct fd_clock *clock;	/* never cancelled */
	uint64_t deadline;		/* absolute, on clock */
	/* How often an error the provider calls final (FD_ERR_FINAL) is
	 * retried; transient and unclassified ones until the deadline. */
	unsigned final_retries;
	const char *circuit, *peering;	/* for messages */
	/* IPv6 the enable puts back (ipv6_restore); NONE: the provider's
	 * own memory, or unchanged. */
	enum cloud_state ipv6_restore;
	/* IPv6 the peering must show afterwards; NONE: not checked. */
	enum cloud_state ipv6_expect;
	/* Intent and outcome are written here (NULL: none kept). */
	struct journal *journal;
	const char *what;		/* "restore" | "recover", for logs */
};

struct restore_out {
	struct cloud_op_info info;	/* of the last enable */
	unsigned attempts;
	struct cloud_circuit circuit;	/* as confirmed, on success */
};

/*
 * Enable the peering.  0 when a fresh read confirms it Enabled (and IPv6
 * as expected); otherwise err says "RESTORE FAILED: circuit C peering P
 * may still be Disabled (request id R): cause".  out may be NULL.
 */
int peering_restore(const struct restore_req *r, struct restore_out *out,
    struct fd_error *err);

/*
 * Finish an interrupted drill from its journal (src/restore.c): when a
 * disable was attempted and no enable succeeded after it, the restore of
 * `run` (peering_restore: intent and outcome journaled); cloud may be
 * NULL when none is needed.  Once the peering is enabled the journal is
 * closed as "recovered" and kept as keep_as (NULL: not kept).  Returns 0
 * when the peering is (now) enabled; otherwise the journal stays for the
 * next recover.
 */
int drill_recover(const struct journal_state *js,
    const struct cloud_ops *cloud, void *cloud_ctx,
    const struct fd_clock *clock, unsigned deadline_s, const char *keep_as,
    struct fd_error *err);

#endif
