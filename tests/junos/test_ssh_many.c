/*
 * ssh_exec_many() against a real OpenSSH sshd on 127.0.0.1 (root): the
 * commands of one batch run on channels of one session at once; a server
 * allowing one channel per connection (MaxSessions 1, a STIG-hardened
 * SRX) gets them one at a time without an error; a connection dropped
 * mid-batch is reconnected once and the cut-off commands run again.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sshtest.h"
#include "transport/ssh.h"

#define N 4

static struct sshtest T;

static int
setup(void **state)
{
	(void)state;
	return sshtest_start(&T, "many", NULL, NULL);
}

static int
teardown(void **state)
{
	(void)state;
	sshtest_stop(&T);
	return 0;
}

/* A fresh empty directory under the harness's. */
static void
fresh_dir(const struct sshtest *t, const char *name, char *buf, size_t len)
{
	char cmd[600];

	snprintf(buf, len, "%s/%s", t->dir, name);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir '%s'", buf, buf);
	assert_int_equal(system(cmd), 0);
}

/*
 * Each command marks its start in D and waits (at most 5 s) until all N
 * have started, then prints how many it saw.  Run one at a time, the
 * first sees only itself and times out its wait: it prints 1.
 */
static void
rendezvous_cmds(const char *d, char cmds[N][512], const char *p[N])
{
	int i;

	for (i = 0; i < N; i++) {
		snprintf(cmds[i], sizeof(cmds[i]), "touch %s/%d; n=0; "
		    "while [ $(ls %s | wc -l) -lt %d ] && [ $n -lt 100 ]; "
		    "do sleep 0.05; n=$((n+1)); done; ls %s | wc -l", d, i,
		    d, N, d);
		p[i] = cmds[i];
	}
}

static void
test_channels_at_once(void **state)
{
	struct device_cfg cfg;
	struct ssh_conn *c = NULL;
	struct ssh_result r[N];
	struct fd_error err = { 0 }, e[N];
	char d[300], cmds[N][512];
	const char *p[N];
	int rc[N], i;

	(void)state;
	fresh_dir(&T, "rv", d, sizeof(d));
	rendezvous_cmds(d, cmds, p);
	sshtest_cfg(&T, &cfg);
	assert_int_equal(ssh_open(&cfg, &c, &err), 0);
	ssh_exec_many(c, p, N, N, r, rc, e);
	for (i = 0; i < N; i++) {
		assert_int_equal(rc[i], 0);
		assert_int_equal(r[i].exit_status, 0);
		/* Every command saw all N started: they were open at once. */
		assert_int_equal(atoi(r[i].out), N);
		ssh_result_done(&r[i]);
	}
	assert_int_equal(ssh_reconnects(c), 0);
	ssh_close(c);
}

/* MaxSessions 1: the second channel is refused; the batch runs one
 * command at a time, each with its own output, and no error. */
static void
test_one_channel_allowed(void **state)
{
	static const char *const opt[] = { "--max-sessions", "1", NULL };
	struct sshtest K;
	struct device_cfg cfg;
	struct ssh_conn *c = NULL;
	struct ssh_result r[N];
	struct fd_error err = { 0 }, e[N];
	char d[300], cmds[N][512], want[32];
	const char *p[N];
	int rc[N], i, round;

	(void)state;
	assert_int_equal(sshtest_start_ex(&K, "maxs1", opt), 0);
	fresh_dir(&K, "ex", d, sizeof(d));
	/* Each holds a lock directory while it runs: an overlap shows. */
	for (i = 0; i < N; i++) {
		snprintf(cmds[i], sizeof(cmds[i]), "mkdir %s/lock || "
		    "echo overlap; sleep 0.1; rmdir %s/lock; echo cmd%d", d,
		    d, i);
		p[i] = cmds[i];
	}
	sshtest_cfg(&K, &cfg);
	assert_int_equal(ssh_open(&cfg, &c, &err), 0);
	/* Twice: the second batch starts from the cap learnt. */
	for (round = 0; round < 2; round++) {
		ssh_exec_many(c, p, N, N, r, rc, e);
		for (i = 0; i < N; i++) {
			if (rc[i] != 0)
				print_error("cmd%d: %s\n", i, e[i].msg);
			assert_int_equal(rc[i], 0);
			snprintf(want, sizeof(want), "cmd%d\n", i);
			assert_string_equal(r[i].out, want);
			assert_string_equal(r[i].errout, "");
			ssh_result_done(&r[i]);
		}
	}
	/* One command after another, as before batches: the next channel
	 * opens right after the last one closed, before sshd may have freed
	 * its session (the lab's ce2 failed preflight so, 2 runs in 3). */
	for (round = 0; round < 20; round++) {
		assert_int_equal(ssh_exec(c, "echo one", &r[0], &err), 0);
		assert_string_equal(r[0].out, "one\n");
		ssh_result_done(&r[0]);
	}
	assert_int_equal(ssh_reconnects(c), 0);
	ssh_close(c);
	sshtest_stop(&K);
}

/* $PPID of a command is the sshd process of its connection: killing it
 * drops every channel of the batch. */
static void
test_dropped_mid_batch(void **state)
{
	struct device_cfg cfg;
	struct ssh_conn *c = NULL;
	struct ssh_result r[3];
	struct fd_error err = { 0 }, e[3];
	char d[300], killer[600];
	const char *p[3];
	int rc[3], i;

	(void)state;
	fresh_dir(&T, "drop", d, sizeof(d));
	sshtest_cfg(&T, &cfg);
	assert_int_equal(ssh_open(&cfg, &c, &err), 0);
	/* Once: the batch reconnects once and every command completes. */
	snprintf(killer, sizeof(killer), "if [ ! -e %s/killed ]; then touch "
	    "%s/killed; sleep 0.3; kill -9 $PPID; sleep 5; fi; echo b", d, d);
	p[0] = "echo a";
	p[1] = killer;
	p[2] = "sleep 1; echo c";
	ssh_exec_many(c, p, 3, 4, r, rc, e);
	for (i = 0; i < 3; i++)
		assert_int_equal(rc[i], 0);
	assert_string_equal(r[0].out, "a\n");
	assert_string_equal(r[1].out, "b\n");
	assert_string_equal(r[2].out, "c\n");
	assert_int_equal(ssh_reconnects(c), 1);
	for (i = 0; i < 3; i++)
		ssh_result_done(&r[i]);

	/* Every time: one reconnect only, then an error naming the device;
	 * the command that finished first keeps its output. */
	p[1] = "sleep 0.3; kill -9 $PPID; sleep 5";
	ssh_exec_many(c, p, 3, 4, r, rc, e);
	assert_int_equal(rc[0], 0);
	assert_string_equal(r[0].out, "a\n");
	assert_int_equal(rc[1], -ECONNRESET);
	assert_non_null(strstr(e[1].msg, "device dut (127.0.0.1 port"));
	assert_non_null(strstr(e[1].msg, "dropped again after one reconnect"));
	assert_int_equal(ssh_reconnects(c), 2);
	for (i = 0; i < 3; i++)
		if (rc[i] == 0)
			ssh_result_done(&r[i]);
	ssh_close(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_channels_at_once),
		cmocka_unit_test(test_one_channel_allowed),
		cmocka_unit_test(test_dropped_mid_batch),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
