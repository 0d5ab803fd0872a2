/*
 * The guardian's pure parts: its argument vectors, the deadline's
 * arithmetic, and the disarm protocol over a real pipe with a forked
 * child standing in for the drill (bounded, reaped by PID).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "guardian.h"

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static char *
joined(const struct guardian_argv *a)
{
	static char buf[4096];
	unsigned i;

	buf[0] = '\0';
	for (i = 0; i < a->n; i++) {
		if (i > 0)
			strcat(buf, " ");
		strcat(buf, a->v[i]);
	}
	assert_null(a->v[a->n]);
	return buf;
}

static void
test_deadline(void **st)
{
	(void)st;
	/* drill_s + restore_s + the margin for the last operation. */
	assert_int_equal(guardian_deadline_s(600, 120), 600 + 120 +
	    GUARDIAN_MARGIN_S);
	assert_int_equal(guardian_deadline_s(3600, 1800), 5460);
	/* No drill deadline, none for the guardian (the pipe still is). */
	assert_int_equal(guardian_deadline_s(0, 1800), 0);
	/* What does not fit in milliseconds is no deadline, not a wrap. */
	assert_int_equal(guardian_deadline_s(4000000, 4000000), 0);
}

static void
test_exec_argv(void **st)
{
	struct guardian_argv a;

	(void)st;
	assert_int_equal(guardian_exec_argv(&a, "/proc/self/exe",
	    "/var/lib/failover-drill", 4242, true, 780, 60), 0);
	assert_string_equal(joined(&a), "/proc/self/exe --state-dir "
	    "/var/lib/failover-drill guardian --fd 3 --pid 4242 --pidfd 4 "
	    "--deadline 780 --grace 60");
	/* Without pidfd_open(2) and without a deadline. */
	assert_int_equal(guardian_exec_argv(&a, "/x/fd", "/s", 7, false, 0,
	    60), 0);
	assert_string_equal(joined(&a), "/x/fd --state-dir /s guardian "
	    "--fd 3 --pid 7 --grace 60");
}

static void
test_timer_argv(void **st)
{
	struct guardian_argv a;
	char unit[128];

	(void)st;
	guardian_unit_name("5e1f0c9a-33b2-4c1d-9a7e-0b8a2f6d7c11", unit,
	    sizeof(unit));
	assert_string_equal(unit, "failover-drill-guard-"
	    "5e1f0c9a-33b2-4c1d-9a7e-0b8a2f6d7c11");
	guardian_unit_name("a b/c@d", unit, sizeof(unit));
	assert_string_equal(unit, "failover-drill-guard-a_b_c_d");
	assert_int_equal(guardian_timer_argv(&a, "/usr/bin/failover-drill",
	    "/var/lib/failover-drill", "failover-drill-guard-x", 960), 0);
	/* The secret never in argv: the service reads recover.env as
	 * failover-drill-recover.service does. */
	assert_string_equal(joined(&a), "systemd-run --quiet --collect "
	    "--unit=failover-drill-guard-x --description=failover-drill "
	    "guardian backstop: recover the peering --on-active=960s "
	    "--timer-property=AccuracySec=1s "
	    "--property=EnvironmentFile=-/etc/failover-drill/recover.env -- "
	    "/usr/bin/failover-drill --state-dir /var/lib/failover-drill "
	    "recover --by systemd-timer");
	/* Too long for the fixed storage: an error, never a cut path. */
	{
		static char big[sizeof(a.store)];

		memset(big, 'x', sizeof(big) - 1);
		big[0] = '/';
		assert_int_equal(guardian_timer_argv(&a, big, "/s", "u", 1),
		    -E2BIG);
	}
}

/*
 * A child standing in for the drill: holds the write end, does what
 * `how` says.  'D': disarm; 'x': exit without; 's': sleep until
 * signalled; 'i': ignore SIGTERM, sleep until killed.
 */
static pid_t
drill_child(int p[2], char how)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		char b = GUARDIAN_DISARM;
		int i;

		close(p[0]);
		if (how == 'D' && write(p[1], &b, 1) != 1)
			_exit(3);
		if (how == 'i')
			signal(SIGTERM, SIG_IGN);
		if (how == 's' || how == 'i')
			for (i = 0; i < 100; i++)	/* 10 s at most */
				usleep(100000);
		_exit(0);
	}
	close(p[1]);
	return pid;
}

static int
reap(pid_t pid)
{
	int status = 0, i;

	for (i = 0; i < 100; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(50000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	fail_msg("child %ld did not end in 5 s", (long)pid);
	return -1;
}

static unsigned notes;
static void
count_note(const char *msg)
{
	(void)msg;
	notes++;
}

static void
test_watch_disarmed(void **st)
{
	int p[2];
	bool overdue = true;
	pid_t pid;

	(void)st;
	assert_int_equal(pipe(p), 0);
	pid = drill_child(p, 'D');
	assert_int_equal(guardian_watch(p[0], -1, pid, now_ms() + 5000, 1000,
	    &overdue, NULL), GUARDIAN_DISARMED);
	assert_false(overdue);
	close(p[0]);
	reap(pid);
}

static void
test_watch_gone(void **st)
{
	int p[2];
	bool overdue = true;
	pid_t pid;

	(void)st;
	/* Ended without the byte (kill -9, a crash): the guardian's case. */
	assert_int_equal(pipe(p), 0);
	pid = drill_child(p, 'x');
	assert_int_equal(guardian_watch(p[0], -1, pid, 0, 1000, &overdue,
	    NULL), GUARDIAN_GONE);
	assert_false(overdue);
	close(p[0]);
	reap(pid);
}

static void
test_watch_overdue_term(void **st)
{
	int p[2], status, pidfd;
	bool overdue = false;
	pid_t pid;
	uint64_t t0;

	(void)st;
	/* Past the deadline the drill gets SIGTERM (through its pidfd). */
	assert_int_equal(pipe(p), 0);
	pid = drill_child(p, 's');
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	notes = 0;
	t0 = now_ms();
	assert_int_equal(guardian_watch(p[0], pidfd, pid, t0 + 200, 5000,
	    &overdue, count_note), GUARDIAN_GONE);
	assert_true(overdue);
	assert_int_equal(notes, 1);
	close(p[0]);
	status = reap(pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGTERM);
	if (pidfd >= 0)
		close(pidfd);
}

static void
test_watch_overdue_kill(void **st)
{
	int p[2], status;
	bool overdue = false;
	pid_t pid;

	(void)st;
	/* SIGTERM ignored (a hung restore): SIGKILL after the grace. */
	assert_int_equal(pipe(p), 0);
	pid = drill_child(p, 'i');
	usleep(100000);	/* its SIG_IGN in place */
	notes = 0;
	assert_int_equal(guardian_watch(p[0], -1, pid, now_ms() + 100, 200,
	    &overdue, count_note), GUARDIAN_GONE);
	assert_true(overdue);
	assert_int_equal(notes, 2);
	close(p[0]);
	status = reap(pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
}

static void
test_arm_exec_fails(void **st)
{
	struct guardian g;
	struct fd_error err = { 0 };

	(void)st;
	/* The exec's failure comes back as an error, nothing left armed. */
	guardian_init(&g, "/tmp", "t", 600, 120);
	g.exe = "/nonexistent/failover-drill";
	g.systemd_timer = false;
	assert_int_equal(guardian_arm(&g, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "/nonexistent/failover-drill"));
	assert_int_equal(g.wfd, -1);
	guardian_disarm(&g);	/* harmless */
	/* Likewise where the kernel has no pidfd_open (Linux < 5.3, and
	 * valgrind): the child once closed its status pipe with the
	 * drill's descriptors and the failure went unseen. */
	guardian_init(&g, "/tmp", "t", 600, 120);
	g.exe = "/nonexistent/failover-drill";
	g.systemd_timer = false;
	g.no_pidfd = true;
	fd_error_clear(&err);
	assert_int_equal(guardian_arm(&g, &err), -ENOENT);
	assert_int_equal(g.wfd, -1);
}

/*
 * arm and disarm with systemd "PID 1" (a directory standing in for
 * /run/systemd/system) and scripts standing in for systemd-run and
 * systemctl that log their arguments: the timer is armed with the argv
 * above and stopped on disarm.  The guardian's exec is /bin/true, which
 * exits at once: the disarm then finds it gone (EPIPE, not an error).
 */
static void
test_arm_timer_and_disarm(void **st)
{
	struct guardian g;
	struct fd_error err = { 0 };
	char dir[64], sd[128], bin[128], logf[160], path[192], cmd[512];
	char line[4096];
	FILE *f;
	const char *tools[] = { "systemd-run", "systemctl" };
	unsigned i;

	(void)st;
	snprintf(dir, sizeof(dir), "/tmp/fd-test-guardian-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(sd, sizeof(sd), "%s/systemd", dir);
	snprintf(bin, sizeof(bin), "%s/bin", dir);
	snprintf(logf, sizeof(logf), "%s/calls", dir);
	assert_int_equal(mkdir(sd, 0700), 0);
	assert_int_equal(mkdir(bin, 0700), 0);
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", bin, tools[i]);
		f = fopen(path, "w");
		assert_non_null(f);
		fprintf(f, "#!/bin/sh\necho \"%s $*\" >>'%s'\n", tools[i],
		    logf);
		fclose(f);
		assert_int_equal(chmod(path, 0700), 0);
	}
	guardian_init(&g, "/var/lib/fd", "5e1f0c9a", 600, 120);
	g.exe = "/bin/true";
	g.systemd_dir = sd;
	g.bin_dir = bin;
	assert_int_equal(guardian_arm(&g, &err), 0);
	assert_true(g.pid > 0);
	assert_true(g.wfd >= 0);
	assert_string_equal(g.unit, "failover-drill-guard-5e1f0c9a");
	guardian_disarm(&g);
	assert_int_equal(g.wfd, -1);
	assert_string_equal(g.unit, "");
	f = fopen(logf, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	/* 600 + 120 + margin, + the grace and the timer's extra. */
	snprintf(cmd, sizeof(cmd), "systemd-run --quiet --collect "
	    "--unit=failover-drill-guard-5e1f0c9a --description=failover-drill "
	    "guardian backstop: recover the peering --on-active=%us ",
	    600 + 120 + GUARDIAN_MARGIN_S + GUARDIAN_GRACE_S +
	    GUARDIAN_TIMER_EXTRA_S);
	assert_non_null(strstr(line, cmd));
	assert_non_null(strstr(line, " -- "));
	assert_non_null(strstr(line, " --state-dir /var/lib/fd recover "
	    "--by systemd-timer"));
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "systemctl stop "
	    "failover-drill-guard-5e1f0c9a.timer\n");
	assert_null(fgets(line, sizeof(line), f));
	fclose(f);
	/* Without the directory: no timer, no call. */
	unlink(logf);
	rmdir(sd);
	guardian_init(&g, "/var/lib/fd", "x", 600, 120);
	g.exe = "/bin/true";
	g.systemd_dir = sd;
	g.bin_dir = bin;
	assert_int_equal(guardian_arm(&g, &err), 0);
	assert_string_equal(g.unit, "");
	guardian_disarm(&g);
	assert_int_equal(access(logf, F_OK), -1);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_exec_argv),
		cmocka_unit_test(test_timer_argv),
		cmocka_unit_test(test_watch_disarmed),
		cmocka_unit_test(test_watch_gone),
		cmocka_unit_test(test_watch_overdue_term),
		cmocka_unit_test(test_watch_overdue_kill),
		cmocka_unit_test(test_arm_exec_fails),
		cmocka_unit_test(test_arm_timer_and_disarm),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
