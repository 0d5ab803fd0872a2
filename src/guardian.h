/*
 * The guardian (issue 14 item 1): what restores the peering when the drill
 * process itself cannot, because it was killed (kill -9, the OOM killer),
 * crashed or hangs past its own deadline.
 *
 * Just before the disable PUT the drill starts it: fork, setsid, fork
 * again and exec the tool's own binary as "failover-drill guardian", in
 * its own session, with SIGINT, SIGTERM, SIGHUP and the job-control
 * signals ignored (the operator's Ctrl-C, Ctrl-Z and a closed terminal
 * reach the drill, never the guardian), stdin, stdout and stderr on
 * /dev/null, and no descriptor of the drill but the read end of a pipe
 * (fd 3) and a pidfd of the drill (fd 4, when the kernel has
 * pidfd_open(2), Linux 5.3).  Only the drill holds the pipe's write end:
 *
 *   drill writes 'D' and closes        -> disarmed, the guardian exits
 *   EOF without 'D' (the drill is gone) -> the guardian runs `recover`
 *   the deadline passes, still armed    -> SIGCONT + SIGTERM to the drill
 *                                          (its own restore runs); after
 *                                          the grace SIGKILL; then EOF ->
 *                                          `recover`
 *
 * `recover` runs in the guardian process, exactly as the verb does (its
 * journal handling, its per-circuit lock), with the environment the drill
 * had (the credentials recover reads; the guardian holds no other
 * secret), and records {"event": "recover", "detail": "by guardian"} in
 * the journal.  Where
 * systemd is PID 1, a transient timer (systemd-run) is a second backstop;
 * see failover-drill(1), GUARDIAN.
 */
#ifndef FD_GUARDIAN_H
#define FD_GUARDIAN_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* After drill_s + restore_s: room for the last ARM operation of restore
 * (its poll ends at restore's deadline, the confirming GET after it). */
#define GUARDIAN_MARGIN_S 60
/* Between the SIGTERM at the deadline and the SIGKILL. */
#define GUARDIAN_GRACE_S 60
/* The transient timer fires this long after the guardian's last step. */
#define GUARDIAN_TIMER_EXTRA_S 120

/* The message the drill writes to disarm. */
#define GUARDIAN_DISARM 'D'

struct guardian {
	/* Set before guardian_arm() (guardian_init). */
	const char *exe;	/* NULL: /proc/self/exe */
	const char *state_dir;
	char drill_id[64];	/* the transient unit's name */
	unsigned deadline_s;	/* from arming; 0: no deadline */
	bool systemd_timer;	/* arm systemd-run where PID 1 is systemd */
	/* Tests only; NULL: /run/systemd/system, and systemd-run and
	 * systemctl from /usr/bin, then /bin. */
	const char *systemd_dir;
	const char *bin_dir;
	bool no_pidfd;		/* as a kernel without pidfd_open (< 5.3) */
	/* Filled by guardian_arm(). */
	int wfd;		/* the pipe's write end, -1: not armed */
	pid_t pid;		/* the guardian process */
	char unit[128];		/* the transient timer, "" when none */
};

void guardian_init(struct guardian *g, const char *state_dir,
    const char *drill_id, unsigned drill_s, unsigned restore_s);

/* drill_s + restore_s + GUARDIAN_MARGIN_S, or 0 (no deadline) when
 * drill_s is 0 or the sum does not fit. */
unsigned guardian_deadline_s(unsigned drill_s, unsigned restore_s);

/*
 * Start the guardian and, where systemd is PID 1, the transient timer.
 * Returns 0 once the guardian's exec succeeded (g->pid, g->wfd set), a
 * negative errno otherwise (then nothing is left running).
 */
int guardian_arm(struct guardian *g, struct fd_error *err);

/* Write the disarm byte, close the pipe, stop the timer.  Idempotent; a
 * guardian that is already gone is not an error. */
void guardian_disarm(struct guardian *g);

/*
 * drill_opts.guard_arm and guard_disarm over a struct guardian (ctx):
 * arm, then record it in the drill's journal, {"event": "guardian",
 * "status": "armed", "detail": "pid=N deadline_s=S timer=UNIT|none"}.
 */
struct journal;
int guardian_drill_arm(void *ctx, struct journal *j, struct fd_error *err);
void guardian_drill_disarm(void *ctx);

/* An argument vector in fixed storage, built without allocation. */
#define GUARDIAN_ARGV_MAX 24
struct guardian_argv {
	char *v[GUARDIAN_ARGV_MAX + 1];
	unsigned n;
	char store[2 * PATH_MAX + 1024];
	size_t used;
};

/* exe --state-dir DIR guardian --fd 3 --pid PID [--pidfd 4]
 *     [--deadline S] --grace G */
int guardian_exec_argv(struct guardian_argv *a, const char *exe,
    const char *state_dir, pid_t drill, bool pidfd, unsigned deadline_s,
    unsigned grace_s);

/* systemd-run --quiet --collect --unit=UNIT --on-active=S
 *     --timer-property=AccuracySec=1s
 *     --property=EnvironmentFile=-/etc/failover-drill/recover.env
 *     -- EXE --state-dir DIR recover --by systemd-timer */
int guardian_timer_argv(struct guardian_argv *a, const char *exe,
    const char *state_dir, const char *unit, unsigned on_active_s);

/* "failover-drill-guard-<id>", the id cut to what a unit name takes. */
void guardian_unit_name(const char *drill_id, char *buf, size_t len);

enum guardian_end {
	GUARDIAN_DISARMED,	/* the drill wrote 'D' */
	GUARDIAN_GONE,		/* EOF without 'D': the drill ended */
	GUARDIAN_STUCK,		/* still open after SIGKILL + 10 s */
};

/*
 * The guardian's watch: wait on rfd (the pipe's read end) until the
 * disarm byte or EOF.  deadline_ms (monotonic ms, 0: none) and grace_ms
 * as above; the drill is signalled through pidfd when >= 0, else by pid.
 * *overdue is set when the deadline passed.  note (may be NULL) gets
 * each step as a sentence, for syslog.
 */
enum guardian_end guardian_watch(int rfd, int pidfd, pid_t drill,
    uint64_t deadline_ms, uint64_t grace_ms, bool *overdue,
    void (*note)(const char *msg));

/* Until the process behind pidfd has exited (its descriptors, the
 * drill's lock among them, are closed by then), at most ms. */
void guardian_wait_exit(int pidfd, unsigned ms);

#endif
