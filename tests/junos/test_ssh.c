/*
 * The libssh2 transport against a real OpenSSH sshd on 127.0.0.1, started
 * by sshd_harness.py with generated host and user keys and its own
 * known_hosts.  Needs root (CI runs as root).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "sshtest.h"
#include "transport/ssh.h"

static struct sshtest T;

static int
setup(void **state)
{
	(void)state;
	return sshtest_start(&T, "ssh", NULL, NULL);
}

static int
teardown(void **state)
{
	(void)state;
	sshtest_stop(&T);
	return 0;
}

static void
test_key_auth_exec(void **state)
{
	struct device_cfg cfg;
	struct ssh_conn *c = NULL;
	struct ssh_result r;
	struct fd_error err = { 0 };
	int rc;

	(void)state;
	sshtest_cfg(&T, &cfg);
	rc = ssh_open(&cfg, &c, &err);
	assert_int_equal(rc, 0);
	rc = ssh_exec(c, "echo hello; echo oops >&2; exit 3", &r, &err);
	assert_int_equal(rc, 0);
	assert_string_equal(r.out, "hello\n");
	assert_int_equal(r.out_len, 6);
	assert_string_equal(r.errout, "oops\n");
	assert_int_equal(r.exit_status, 3);
	ssh_result_done(&r);

	/* The session carries several commands, one channel each. */
	rc = ssh_exec(c, "printf '%s' abc", &r, &err);
	assert_int_equal(rc, 0);
	assert_string_equal(r.out, "abc");
	assert_int_equal(r.exit_status, 0);
	ssh_result_done(&r);
	ssh_close(c);
}

static void
test_large_output(void **state)
{
	struct device_cfg cfg;
	struct ssh_conn *c = NULL;
	struct ssh_result r;
	struct fd_error err = { 0 };

	(void)state;
	sshtest_cfg(&T, &cfg);
	assert_int_equal(ssh_open(&cfg, &c, &err), 0);
	/* More than the channel window, on both streams. */
	assert_int_equal(ssh_exec(c, "head -c 3000000 /dev/zero | tr '\\0' a;"
	    " head -c 100000 /dev/zero | tr '\\0' b >&2", &r, &err), 0);
	assert_int_equal(r.out_len, 3000000);
	assert_int_equal(r.err_len, 100000);
	assert_int_equal(r.out[2999999], 'a');
	ssh_result_done(&r);
	ssh_close(c);
}

static void
test_wrong_user_key(void **state)
{
	struct device_cfg cfg;
	struct ssh_conn *c = NULL;
	struct fd_error err = { 0 };

	(void)state;
	sshtest_cfg(&T, &cfg);
	snprintf(cfg.identity_file, sizeof(cfg.identity_file), "%s/id_wrong",
	    T.dir);
	assert_int_equal(ssh_open(&cfg, &c, &err), -EACCES);
	assert_null(c);
	assert_non_null(strstr(err.msg, "root@127.0.0.1"));
}

static void
test_missing_key_file(void **state)
{
	struct device_cfg cfg;
	struct ssh_conn *c = NULL;
	struct fd_error err = { 0 };

	(void)state;
	sshtest_cfg(&T, &cfg);
	snprintf(cfg.identity_file, sizeof(cfg.identity_file), "%s/nope",
	    T.dir);
	assert_true(ssh_open(&cfg, &c, &err) < 0);
	assert_null(c);
}

static void
test_unknown_host_key(void **state)
{
	struct device_cfg cfg;
	struct ssh_conn *c = NULL;
	struct fd_error err = { 0 };
	char *kh;

	(void)state;
	sshtest_cfg(&T, &cfg);
	snprintf(cfg.known_hosts, sizeof(cfg.known_hosts),
	    "%s/known_hosts_empty", T.dir);
	unlink(cfg.known_hosts);
	assert_int_equal(ssh_open(&cfg, &c, &err), -EACCES);
	assert_null(c);
	assert_non_null(strstr(err.msg, "unknown"));
	/* The same fingerprint ssh-keygen -l prints. */
	assert_non_null(strstr(err.msg, T.host_fp));

	/* Trust on first use adds it; then it is known. */
	cfg.accept_new_host_key = true;
	assert_int_equal(ssh_open(&cfg, &c, &err), 0);
	ssh_close(c);
	c = NULL;
	kh = sshtest_slurp(cfg.known_hosts);
	assert_non_null(kh);
	assert_non_null(strstr(kh, "[127.0.0.1]:"));
	assert_non_null(strstr(kh, "ssh-ed25519 "));
	free(kh);
	cfg.accept_new_host_key = false;
	assert_int_equal(ssh_open(&cfg, &c, &err), 0);
	ssh_close(c);
	unlink(cfg.known_hosts);
}

static void
test_changed_host_key(void **state)
{
	struct device_cfg cfg;
	struct ssh_conn *c = NULL;
	struct fd_error err = { 0 };

	(void)state;
	sshtest_cfg(&T, &cfg);
	snprintf(cfg.known_hosts, sizeof(cfg.known_hosts),
	    "%s/known_hosts_changed", T.dir);
	/* Accepting new keys never overrides a changed one. */
	cfg.accept_new_host_key = true;
	assert_int_equal(ssh_open(&cfg, &c, &err), -EACCES);
	assert_null(c);
	assert_non_null(strstr(err.msg, "CHANGED"));
	assert_non_null(strstr(err.msg, T.host_fp));
}

static void
test_password_file_and_env(void **state)
{
	struct device_cfg cfg;
	struct ssh_conn *c = NULL;
	struct ssh_result r;
	struct fd_error err = { 0 };
	char *pw;

	(void)state;
	sshtest_cfg(&T, &cfg);
	cfg.identity_file[0] = '\0';
	snprintf(cfg.password_file, sizeof(cfg.password_file), "%s/password",
	    T.dir);
	assert_int_equal(ssh_open(&cfg, &c, &err), 0);
	assert_int_equal(ssh_exec(c, "echo pw", &r, &err), 0);
	assert_string_equal(r.out, "pw\n");
	ssh_result_done(&r);
	ssh_close(c);
	c = NULL;

	cfg.password_file[0] = '\0';
	snprintf(cfg.password_env, sizeof(cfg.password_env), "FD_TEST_PW");
	pw = sshtest_slurp_path(&T, "password");
	pw[strcspn(pw, "\n")] = '\0';
	setenv("FD_TEST_PW", pw, 1);
	assert_int_equal(ssh_open(&cfg, &c, &err), 0);
	ssh_close(c);
	c = NULL;

	setenv("FD_TEST_PW", "wrong-password", 1);
	assert_int_equal(ssh_open(&cfg, &c, &err), -EACCES);
	assert_null(c);
	unsetenv("FD_TEST_PW");
	assert_int_equal(ssh_open(&cfg, &c, &err), -ENOKEY);
	free(pw);
}

static void
test_key_with_passphrase(void **state)
{
	struct device_cfg cfg;
	struct ssh_conn *c = NULL;
	struct fd_error err = { 0 };

	(void)state;
	sshtest_cfg(&T, &cfg);
	snprintf(cfg.identity_file, sizeof(cfg.identity_file), "%s/id_pass",
	    T.dir);
	assert_true(ssh_open(&cfg, &c, &err) < 0);
	snprintf(cfg.passphrase_file, sizeof(cfg.passphrase_file),
	    "%s/id_pass.pass", T.dir);
	assert_int_equal(ssh_open(&cfg, &c, &err), 0);
	ssh_close(c);
}

static void
test_dropped_mid_command(void **state)
{
	struct device_cfg cfg;
	struct ssh_conn *c = NULL;
	struct ssh_result r;
	struct fd_error err = { 0 };
	int rc;

	(void)state;
	sshtest_cfg(&T, &cfg);
	assert_int_equal(ssh_open(&cfg, &c, &err), 0);
	/* $PPID is the sshd process serving this session: killing it
	 * drops the TCP connection with output half sent. */
	rc = ssh_exec(c, "echo partial; sleep 0.3; kill -9 $PPID; sleep 5",
	    &r, &err);
	assert_int_equal(rc, -ECONNRESET);
	assert_non_null(strstr(err.msg, "dropped"));
	/* The dead session fails fast afterwards. */
	assert_int_equal(ssh_exec(c, "true", &r, &err), -ENOTCONN);
	ssh_close(c);
}

static void
test_hung_command_times_out(void **state)
{
	struct device_cfg cfg;
	struct ssh_conn *c = NULL;
	struct ssh_result r;
	struct fd_error err = { 0 };
	struct timespec t0, t1;
	double s;

	(void)state;
	sshtest_cfg(&T, &cfg);
	cfg.command_timeout_ms = 1000;
	assert_int_equal(ssh_open(&cfg, &c, &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(ssh_exec(c, "sleep 8", &r, &err), -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(s >= 0.9 && s < 4.0);

	/* A command that keeps talking is bounded too: the deadline is for
	 * the whole command, not per read. */
	ssh_close(c);
	c = NULL;
	assert_int_equal(ssh_open(&cfg, &c, &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(ssh_exec(c, "for i in 1 2 3 4 5 6 7 8; do echo $i; "
	    "sleep 0.5; done", &r, &err), -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(s < 3.0);
	ssh_close(c);
}

static void
test_connect_refused(void **state)
{
	struct device_cfg cfg;
	struct ssh_conn *c = NULL;
	struct fd_error err = { 0 };

	(void)state;
	sshtest_cfg(&T, &cfg);
	cfg.port = T.closed_port;
	assert_int_equal(ssh_open(&cfg, &c, &err), -ECONNREFUSED);
	assert_null(c);
}

static void
test_jump_host(void **state)
{
	struct device_cfg cfg;
	struct ssh_conn *c = NULL;
	struct ssh_result r;
	struct fd_error err = { 0 };
	int i;

	(void)state;
	/* Through the sshd to itself: a direct-tcpip channel carries the
	 * device session. */
	sshtest_cfg(&T, &cfg);
	snprintf(cfg.jump_host, sizeof(cfg.jump_host), "root@127.0.0.1:%u",
	    T.port);
	assert_int_equal(ssh_open(&cfg, &c, &err), 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(ssh_exec(c, "echo via-jump; head -c 200000 "
		    "/dev/zero", &r, &err), 0);
		assert_int_equal(r.out_len, 9 + 200000);
		assert_int_equal(memcmp(r.out, "via-jump", 8), 0);
		ssh_result_done(&r);
	}
	ssh_close(c);
	c = NULL;

	/* Nothing listens behind the jump host: a clean error. */
	cfg.port = T.closed_port;
	assert_true(ssh_open(&cfg, &c, &err) < 0);
	assert_null(c);
	assert_non_null(strstr(err.msg, "via 127.0.0.1"));

	snprintf(cfg.jump_host, sizeof(cfg.jump_host), "root@127.0.0.1:x");
	assert_int_equal(ssh_open(&cfg, &c, &err), -EINVAL);
}

extern char **environ;

static void
test_agent(void **state)
{
	struct device_cfg cfg;
	struct ssh_conn *c = NULL;
	struct ssh_result r;
	struct fd_error err = { 0 };
	char sock[300], key[300];
	posix_spawn_file_actions_t fa;
	struct stat st;
	pid_t agent;
	int i, rc;

	(void)state;
	snprintf(sock, sizeof(sock), "%s/agent.sock", T.dir);
	snprintf(key, sizeof(key), "%s/id_ed25519", T.dir);
	/* A private ssh-agent in the foreground (-D), stopped by PID. */
	/* Its stdout (the "SSH_AUTH_SOCK=..." lines) must not mix with the
	 * TAP output. */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	rc = posix_spawnp(&agent, "ssh-agent", &fa, NULL,
	    (char *const[]){ "ssh-agent", "-D", "-a", sock, NULL }, environ);
	posix_spawn_file_actions_destroy(&fa);
	assert_int_equal(rc, 0);
	for (i = 0; i < 100 && stat(sock, &st) != 0; i++)
		usleep(20000);
	setenv("SSH_AUTH_SOCK", sock, 1);
	rc = sshtest_run((char *const[]){ "ssh-add", "-q", key, NULL });

	sshtest_cfg(&T, &cfg);
	cfg.identity_file[0] = '\0';
	cfg.agent = true;
	if (rc == 0)
		rc = ssh_open(&cfg, &c, &err);
	if (rc == 0) {
		rc = ssh_exec(c, "echo agent", &r, &err);
		if (rc == 0) {
			assert_string_equal(r.out, "agent\n");
			ssh_result_done(&r);
		}
		ssh_close(c);
	}
	kill(agent, SIGTERM);
	waitpid(agent, NULL, 0);
	unsetenv("SSH_AUTH_SOCK");
	assert_int_equal(rc, 0);

	/* No agent and no other method: refused, saying so. */
	c = NULL;
	assert_int_equal(ssh_open(&cfg, &c, &err), -EACCES);
	assert_null(c);
}

static void
test_fingerprint_format(void **state)
{
	unsigned char d[32];
	char buf[64];

	(void)state;
	memset(d, 0, sizeof(d));
	ssh_fingerprint_str(d, buf, sizeof(buf));
	/* 32 zero bytes: 43 base64 characters, no padding. */
	assert_string_equal(buf,
	    "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fingerprint_format),
		cmocka_unit_test(test_key_auth_exec),
		cmocka_unit_test(test_large_output),
		cmocka_unit_test(test_wrong_user_key),
		cmocka_unit_test(test_missing_key_file),
		cmocka_unit_test(test_unknown_host_key),
		cmocka_unit_test(test_changed_host_key),
		cmocka_unit_test(test_password_file_and_env),
		cmocka_unit_test(test_key_with_passphrase),
		cmocka_unit_test(test_dropped_mid_command),
		cmocka_unit_test(test_hung_command_times_out),
		cmocka_unit_test(test_connect_refused),
		cmocka_unit_test(test_jump_host),
		cmocka_unit_test(test_agent),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
