/*
 * Inside the drill engine (not for other modules): the state of one run
 * and the functions its files share.
 *
 *   drill.c         the run: phases in the order of drill_phases[], the
 *                   result document, exit status
 *   drill_phases.c  each phase: what it does and what plan says it does
 *   drill_checks.c  the spec's checks, devices and Azure in parallel
 *   drill_verdict.c what a check's reads mean (verdicts, evidence)
 *   drill_paths.c   traces against hop expectations, the converge watch
 *   drill_plan.c    plan, text and JSON, from drill_phases[]
 *   drill_lease.c   the lease tag on the circuit (lease.h, issue 14)
 */
#ifndef FD_DRILL_PRIV_H
#define FD_DRILL_PRIV_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "conv.h"
#include "drill.h"
#include "replies.h"
#include "error.h"
#include "lease.h"

struct drill {
	const struct spec *s;
	struct drill_providers *p;
	const struct drill_opts *o;
	json_t *doc, *phases, *checks, *paths, *ops;
	const char *phase;
	double phase_t0;
	json_t *phase_obj;
	unsigned phase_failed;		/* failed checks in this phase */
	char phase_error[FD_ERROR_MSG];	/* provider/infra error */
	unsigned failed;		/* failed checks in the whole drill */
	unsigned unchecked;		/* of those, could not be checked */
	bool infra_error;
	bool unfinished_journal;	/* another drill's, found at start */
	bool interrupted;
	bool attempted;			/* the disable was attempted */
	bool restoring;			/* the drill deadline no longer applies */
	bool judging;			/* verify-restored after a signal */
	const struct fd_clock *cloud_clk;	/* the provider's, cloud_clock() */
	uint64_t deadline;		/* timeouts.drill_s, on o->clock */
	bool dev_down[SPEC_MAX_DEVICES];
	struct journal *journal;
	char error[FD_ERROR_MSG];	/* the headline */
	struct hop_list *traces[SPEC_MAX_PROBES];	/* latest, per probe */
	struct drill_watch watch;
	/* The circuit as preflight read it: the peering's IPv4 and IPv6
	 * states are what restore puts back. */
	struct cloud_circuit before;
	bool have_before;
	struct device_replies replies;	/* replies.h, of every device */
	struct drill_lease lease;	/* lease.h, issue 14 */
	/* Provider contexts of finished concurrent reads, reused by the
	 * next ones (cloud_ctx_more/cloud_ctx_done): opening one costs a
	 * metadata read and a token request. */
	pthread_mutex_t pool_mu;
	void *pool[SPEC_MAX_CHECKS];
	unsigned n_pool;
	/* Baseline's reads made during preflight (its Azure checks, its
	 * probe provider's traces), for baseline to record; freed unused
	 * when the drill stops before it. */
	struct checks_read *pre_checks;
	struct paths_read *pre_paths;
};

/* ---------------------------------------------------------- drill.c */

json_t *json_time(double t);
/* Only the first error becomes the headline. */
void set_error(struct drill *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The drill deadline passed or a signal came (noted once). */
bool cancelled(struct drill *d);
/* Stop reading and judging: cancelled, unless verify-restored runs on
 * after a signal to show whether traffic came back. */
bool stopped(struct drill *d);
/* cancelled() without noting it: for reading threads.  Thread-safe. */
bool cancel_pending(const struct drill *d);
int dev_index(const struct spec *s, const char *name);
int probe_index(const struct spec *s, const char *name);
/* The clock the cloud provider's own waits run on from now. */
void cloud_clock(struct drill *d, const struct fd_clock *clock);
/* One more provider context for a concurrent read, from the pool or newly
 * opened; NULL: read on the main one.  Thread-safe. */
void *cloud_ctx_more(struct drill *d);
/* Give it back for the next concurrent read.  Thread-safe. */
void cloud_ctx_done(struct drill *d, void *ctx);
/* Close the pooled contexts (the drill's end). */
void cloud_ctx_pool_close(struct drill *d);
void phase_begin(struct drill *d, const char *name);
void phase_error(struct drill *d, const struct fd_error *err);
int phase_end(struct drill *d);
json_t *record_check(struct drill *d, const char *name, int rc,
    const char *msg, unsigned line);
void check_time(json_t *c, double secs);

/* -------------------------------------------------- drill_verdict.c */

struct collect_job;
/* A device check judged on what its job collected. */
int device_verdict(const struct spec_check *c, struct collect_job *j,
    struct fd_error *err);
/* What it saw, for the record; NULL: nothing. */
json_t *device_observed(const struct spec_check *c,
    const struct collect_job *j);
/* An Azure check, read on ctx (any thread); keep_before: a circuit read
 * becomes d->before (preflight's). */
int azure_verdict_on(struct drill *d, void *ctx, const struct spec_check *c,
    bool keep_before, struct fd_error *err);
int links_up(struct drill *d, void *ctx, struct fd_error *err);

/* --------------------------------------------------- drill_checks.c */

void check_name(const struct spec_check *c, char *buf, size_t len);
void run_checks(struct drill *d, const struct spec_check *v, unsigned n);
/* run_checks() in three steps, so a phase can trace while the checks are
 * read: begin (NULL: nothing to read), read (blocks; touches nothing of
 * the run but what the checks read: any thread), end (records in spec
 * order and frees; the drill's thread). */
struct checks_read;
struct checks_read *checks_read_begin(struct drill *d,
    const struct spec_check *v, unsigned n);
/* d->pre_checks, its device queries still to make; NULL: nothing. */
struct checks_read *checks_read_resume(struct drill *d,
    struct checks_read *r);
void checks_read_free(struct checks_read *r);
void checks_read(struct checks_read *r);
void checks_read_end(struct drill *d, struct checks_read *r);
/* All of preflight's checks, read at once, recorded in order. */
void preflight_checks(struct drill *d);

/* ---------------------------------------------------- drill_paths.c */

int check_paths(struct drill *d, const struct spec_expect *e,
    const char *key, bool record);
/* The paths of e traced while its checks are read; recorded as
 * check_paths(record) then run_checks() would. */
void judge_expect(struct drill *d, const struct spec_expect *e,
    const char *key);
/* The probe provider's traces of e, to read ahead (paths_read_native on
 * any thread) and judge later; NULL: nothing to trace, or no memory. */
struct paths_read;
struct paths_read *paths_prefetch(struct drill *d,
    const struct spec_expect *e);
void *paths_read_native(void *arg);
void paths_read_free(struct paths_read *pr);
/* verify-restored's bounded wait for the paths and the links. */
void wait_restored(struct drill *d, const struct spec_expect *e,
    const struct fd_clock *clk, uint64_t deadline, bool after_signal);
void watch_setup(struct drill *d);
void watch_t0_at(struct drill *d, struct drill_watch_run *run,
    uint64_t sent_ms);
int watch_start(struct drill *d, struct drill_watch_run *run,
    struct fd_error *err);
void watch_stop(struct drill *d, struct drill_watch_run *run,
    const char *key, bool returning);
unsigned retrace_wait_ms(const struct drill *d);
/*
 * The wait between the re-traces of converge and verify-restored: the beat
 * of retrace_wait_ms(), cut short once the watched probe's samples show
 * the path arrived where it is moving in a run that began after the last
 * trace did (drill_watch_arrived()), though not before the routers can
 * answer a trace again (probe_ops trace_ready_ms) nor within a second of
 * the last trace's start.  At most one wait in two is cut short, so an
 * early re-trace never follows another: the routers' ICMP buckets get the
 * beat's refill.  Without a running watch, a provider's watch_peek or
 * trace_ready_ms, the beat alone.
 */
struct retrace_wait {
	struct drill_watch_run *run;	/* NULL: no watch */
	bool returning;			/* failback: waiting for the primary */
	uint64_t traced_ms;		/* the last trace began (the wait's
					 * clock) */
	bool woke_early;		/* the last wait was cut short */
	struct watch_samples seen;	/* the watch's samples so far */
};
void retrace_wait_init(struct retrace_wait *rw, struct drill_watch_run *run,
    bool returning);
/* 0, or -ECANCELED as clock_sleep(). */
int retrace_wait(struct drill *d, struct retrace_wait *rw,
    const struct fd_clock *clk);
/* Before the first trace: while the watch shows the path still where it
 * was, wait (at most the beat) for it to move, as retrace_wait() would
 * after a trace; at once otherwise. */
int retrace_wait_first(struct drill *d, struct retrace_wait *rw,
    const struct fd_clock *clk);
void retrace_wait_done(struct retrace_wait *rw);

/* ---------------------------------------------------- drill_lease.c */

/* Preflight (run and dry run): an unexpired or unreadable lease refuses
 * (-EBUSY, the check recorded, d's lease.refused); an expired one is
 * reported and the drill goes on.  0 to go on. */
int lease_preflight(struct drill *d);
/* Before the first peering write: write our lease, read it back; -EBUSY
 * (another's won) or the write's error, with lease.refused set. */
int lease_take(struct drill *d, struct fd_error *err);
/* Once the peering is back (or was never changed): remove our lease if
 * we wrote it.  A failure is a warning and a failed check. */
void lease_release(struct drill *d);
/* Leave it (restore failed): say so. */
void lease_leave(struct drill *d);
/* The lease for result.json (azure.lease, moved to evidence.lease). */
void lease_record(struct drill *d);

/* --------------------------------------------------- drill_phases.c */

enum drill_phase_kind {
	PHASE_READ,	/* before any change: a failure aborts (exit 3) */
	PHASE_CHANGE,	/* the disable and what follows it, in order while
			 * each passes; never in a dry run */
	PHASE_RESTORE,	/* always once the disable was attempted */
	PHASE_AFTER,	/* after the restore succeeded, also after a
			 * signal */
};

/* What a phase's plan is made from: the spec, and the cloud provider
 * that describes its own requests (may be NULL). */
struct drill_plan_ctx {
	const struct spec *s;
	const struct cloud_ops *cloud;
};

struct drill_phase {
	const char *name;
	enum drill_phase_kind kind;
	/* 0 when the phase passed. */
	int (*run)(struct drill *d);
	/* What it will do, for plan: sets "title" when the phase says more
	 * than its name, appends {"kind": "read" | "trace" | "write",
	 * "what"} to "steps". */
	void (*plan)(const struct drill_plan_ctx *pc, json_t *phase);
};

/* The lifecycle of DESIGN.md §2 in order: run and plan both walk it. */
extern const struct drill_phase drill_phases[];
extern const size_t drill_n_phases;

/* A plan step (drill_plan.c). */
void plan_step(json_t *phase, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void plan_checks(json_t *phase, const struct spec_check *v, unsigned n);
void plan_paths(json_t *phase, const struct spec *s,
    const struct spec_expect *e);

#endif
