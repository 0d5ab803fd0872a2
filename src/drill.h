/*
 * The drill engine: the lifecycle of DESIGN.md §2 over the three provider
 * interfaces.
 *
 *   preflight -> baseline -> failover -> converge -> verify -> restore ->
 *   verify-restored -> report
 *
 * Before the first write any failure aborts (exit 3, nothing changed).
 * From the moment the disable is attempted, every path — success, failed
 * expectation, provider error, timeout, signal — goes through restore,
 * which runs on a clock that signals cannot cancel and retries with backoff
 * until its own deadline.
 */
#ifndef FD_DRILL_H
#define FD_DRILL_H

#include <jansson.h>
#include <stdbool.h>

#include "clock.h"
#include "provider.h"
#include "spec.h"

/* Exit status, failover-drill(1). */
enum drill_exit {
	DRILL_PASSED = 0,
	DRILL_FAILED = 1,	/* changed, restored, but did not pass */
	DRILL_USAGE = 2,	/* usage or spec error */
	DRILL_ABORTED = 3,	/* stopped before any change */
	DRILL_RESTORE_FAILED = 4,	/* the peering may still be disabled */
	/* Could not check, nothing changed: a provider unreachable, a login
	 * or token refused, the lock held, an unfinished journal. */
	DRILL_UNCHECKED = 5,
};

struct journal;

/* Opened providers; dev[i] belongs to spec->devices[i]. */
struct drill_providers {
	const struct cloud_ops *cloud;
	void *cloud_ctx;
	const struct device_ops *dev[SPEC_MAX_DEVICES];
	void *dev_ctx[SPEC_MAX_DEVICES];
	const struct probe_ops *probe;
	void *probe_ctx;
};

struct drill_opts {
	bool dry_run;
	const char *state_dir;		/* journals and locks */
	const char *out_dir;		/* result directory or NULL */
	const char *correlation_id;	/* for the report */
	/* Cancellable by SIGINT/SIGTERM/SIGHUP (clock.cancel). */
	const struct fd_clock *clock;
	/* Never cancelled: restore and its waits. */
	const struct fd_clock *restore_clock;
	/* Waits between re-traces while converging (default 1000 ms). */
	unsigned retrace_ms;
	/* How often an error the provider calls final (FD_ERR_FINAL) is
	 * retried during restore (default 2); transient and unclassified
	 * errors are retried until timeouts.restore_s. */
	unsigned restore_failed_retries;
	/* The guardian (guardian.h; NULL: none).  guard_arm runs just
	 * before the disable PUT, after the journal's intent record; its
	 * error aborts with nothing changed.  guard_disarm runs once
	 * restore has returned: from then on this process reports itself. */
	int (*guard_arm)(void *ctx, struct journal *j, struct fd_error *err);
	void (*guard_disarm)(void *ctx);
	void *guard_ctx;
	/* run --change ID or NULL: named in the lease (lease.h). */
	const char *change_id;
};

/*
 * Run the drill.  Returns the exit status (enum drill_exit); *result gets
 * the result document (a new reference, always set), err the headline
 * error when the drill did not pass.
 */
int drill_run(const struct spec *s, struct drill_providers *p,
    const struct drill_opts *o, json_t **result, struct fd_error *err);

/* Describe every step and every write of a drill (the "plan" verb), from
 * the phase list drill_run walks, the cloud's requests as cloud (may be
 * NULL) describes them: as text, or as a JSON document
 * {"drill", "spec", "dry_run", "peering", "warnings", "notes",
 * "phases": [{"number", "name", "title", "always", "writes", "steps":
 * [{"kind": "read" | "trace" | "write", "what"}]}], "writes"} (a new
 * reference). */
void drill_plan(const struct spec *s, const struct cloud_ops *cloud,
    bool dry_run, FILE *out);
json_t *drill_plan_json(const struct spec *s, const struct cloud_ops *cloud,
    bool dry_run);

#endif
