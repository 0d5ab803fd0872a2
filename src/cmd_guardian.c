/*
 * The "guardian" verb: the process `run` starts before the disable
 * (guardian.h); not for direct use.  See failover-drill(1), GUARDIAN.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "guardian.h"

static void
note(const char *msg)
{
	syslog(LOG_WARNING, "%s", msg);
}

static bool
parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || *s == '-' || v > max)
		return false;
	*out = v;
	return true;
}

int
cmd_guardian(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "fd", required_argument, NULL, 'f' },
		{ "pid", required_argument, NULL, 'p' },
		{ "pidfd", required_argument, NULL, 'P' },
		{ "deadline", required_argument, NULL, 'd' },
		{ "grace", required_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 },
	};
	static const int ignored[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT,
		SIGTSTP, SIGTTIN, SIGTTOU, SIGPIPE };
	unsigned long fd = 0, pid = 0, pidfd = 0, deadline = 0, grace = 0;
	bool have_fd = false, have_pid = false, have_pidfd = false, overdue;
	char *rargv[] = { "recover", "--by", "guardian", NULL };
	enum guardian_end end;
	struct timespec ts;
	uint64_t deadline_ms = 0;
	unsigned i;
	int c, rc = 0;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		unsigned long *v = c == 'f' ? &fd : c == 'p' ? &pid :
		    c == 'P' ? &pidfd : c == 'd' ? &deadline : c == 'g' ?
		    &grace : NULL;

		if (v == NULL || !parse_uint(optarg, c == 'p' ? 4194304 :
		    c == 'f' || c == 'P' ? 1023 : 30 * 86400, v))
			return usage_error("guardian: %s", "bad option");
		have_fd |= c == 'f';
		have_pid |= c == 'p';
		have_pidfd |= c == 'P';
	}
	if (optind != argc || !have_fd || !have_pid || pid < 2)
		return usage_error("guardian: %s", "--fd and --pid are "
		    "required (run starts the guardian; see GUARDIAN in "
		    "failover-drill(1))");
	/* The operator's Ctrl-C, Ctrl-Z and the terminal closing are for
	 * the drill, never for its guardian. */
	for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		signal(ignored[i], SIG_IGN);
	openlog("failover-drill-guardian", LOG_PID, LOG_DAEMON);
	if (deadline > 0) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		deadline_ms = (uint64_t)ts.tv_sec * 1000 +
		    (uint64_t)ts.tv_nsec / 1000000 + deadline * 1000;
	}
	syslog(LOG_INFO, "watching drill pid %lu (deadline %lu s, state "
	    "directory %s)", pid, deadline, state_dir);
	end = guardian_watch((int)fd, have_pidfd ? (int)pidfd : -1,
	    (pid_t)pid, deadline_ms, (uint64_t)grace * 1000, &overdue, note);
	if (end == GUARDIAN_DISARMED) {
		syslog(LOG_INFO, "drill pid %lu disarmed the guardian", pid);
		closelog();
		return 0;
	}
	/* The drill's lock is released with its last descriptor. */
	if (have_pidfd)
		guardian_wait_exit((int)pidfd, 10000);
	syslog(LOG_WARNING, "drill pid %lu %s without disarming: running "
	    "recover in %s", pid, overdue ? "was stopped past its deadline" :
	    "ended", state_dir);
	/* Up to three tries: a lock still held for an instant, an ARM
	 * that recover's own 1800 s of retries did not get through. */
	for (i = 0; i < 3; i++) {
		if (i > 0)
			sleep(2);
		rc = cmd_recover(3, rargv);
		if (rc == 0)
			break;
	}
	if (rc == 0)
		syslog(LOG_NOTICE, "peering restored by the guardian (drill "
		    "pid %lu); the journal in %s is closed", pid, state_dir);
	else
		syslog(LOG_ERR, "recover exited %d: the peering may still be "
		    "Disabled; run 'failover-drill --state-dir %s recover'",
		    rc, state_dir);
	closelog();
	return rc;
}
