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
#include <pthread.h>

#include <libssh2.h>

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

/* The PID of the sshd process serving c's session (the command's
 * parent), from the server itself. */
static long
session_pid(struct ssh_conn *c)
{
	struct ssh_result r;
	struct fd_error err = { 0 };
	long pid;

	assert_int_equal(ssh_exec(c, "echo $PPID", &r, &err), 0);
	pid = atol(r.out);
	ssh_result_done(&r);
	assert_true(pid > 1);
	return pid;
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
	assert_int_equal(ssh_open(&cfg, &c, &err), -ENOKEY);
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
	assert_int_equal(ssh_open(&cfg, &c, &err), -EKEYREJECTED);
	assert_null(c);
	assert_non_null(strstr(err.msg, "CHANGED"));
	assert_non_null(strstr(err.msg, T.host_fp));
	/* The same type was asked for and differs; the file line named. */
	assert_non_null(strstr(err.msg, "ssh-ed25519"));
	assert_non_null(strstr(err.msg, "known_hosts_changed line 1"));
}

/* "TYPE BASE64" of one of the harness's .pub files. */
static void
pubkey(const char *rel, char *buf, size_t len)
{
	char *s = sshtest_slurp_path(&T, rel), *sp;

	assert_non_null(s);
	sp = strchr(s, ' ');
	assert_non_null(sp);
	sp = strchr(sp + 1, ' ');
	if (sp != NULL)
		*sp = '\0';
	s[strcspn(s, "\n")] = '\0';
	snprintf(buf, len, "%s", s);
	free(s);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int
count_lines(const char *path)
{
	char *s = sshtest_slurp(path), *p;
	int n = 0;

	if (s == NULL)
		return -1;
	for (p = s; *p != '\0'; p++)
		n += *p == '\n';
	free(s);
	return n;
}

/*
 * Issue 10 item 2: the server offers ECDSA, ed25519 and RSA host keys (in
 * that order) and known_hosts holds only the ed25519 key, as ssh(1)
 * records a first connection.  libssh2 1.10 proposes ECDSA first; the
 * host was reported CHANGED.  Plain and hashed files.
 */
static void
test_known_ed25519_of_three_host_keys(void **state)
{
	struct device_cfg cfg;
	struct ssh_conn *c = NULL;
	struct fd_error err = { 0 };
	char path[300], line[1024], key[900];
	int rc;

	(void)state;
	sshtest_cfg(&T, &cfg);
	rc = ssh_open(&cfg, &c, &err);
	if (rc < 0)
		print_message("# %s\n", err.msg);
	assert_int_equal(rc, 0);
	ssh_close(c);
	c = NULL;

	snprintf(cfg.known_hosts, sizeof(cfg.known_hosts),
	    "%s/known_hosts_hashed", T.dir);
	rc = ssh_open(&cfg, &c, &err);
	if (rc < 0)
		print_message("# %s\n", err.msg);
	assert_int_equal(rc, 0);
	ssh_close(c);
	c = NULL;

	/* The file decides: holding only the ECDSA key, ECDSA is asked
	 * for and matches. */
	snprintf(path, sizeof(path), "%s/kh_ecdsa_only", T.dir);
	pubkey("host_ecdsa.pub", key, sizeof(key));
	snprintf(line, sizeof(line), "# a comment\n\n[127.0.0.1]:%u %s\n",
	    T.port, key);
	write_file(path, line);
	snprintf(cfg.known_hosts, sizeof(cfg.known_hosts), "%s", path);
	assert_int_equal(ssh_open(&cfg, &c, &err), 0);
	ssh_close(c);
	c = NULL;

	/* A pattern list with a wildcard matches too (sshd(8)). */
	pubkey("host_ed25519.pub", key, sizeof(key));
	snprintf(line, sizeof(line), "other.example,[127.0.0.*]:%u %s\n",
	    T.port, key);
	write_file(path, line);
	rc = ssh_open(&cfg, &c, &err);
	if (rc < 0)
		print_message("# %s\n", err.msg);
	assert_int_equal(rc, 0);
	ssh_close(c);
	c = NULL;
	/* ... and a negated pattern excludes the host. */
	snprintf(line, sizeof(line), "![127.0.0.1]*,[127.0.0.*]:%u %s\n",
	    T.port, key);
	write_file(path, line);
	assert_int_equal(ssh_open(&cfg, &c, &err), -ENOKEY);
	assert_non_null(strstr(err.msg, "unknown"));
	unlink(path);
}

/* Another type's key being known is no reason to cry CHANGED: a server
 * that no longer offers the known type presents an unknown key (sshconnect.c
 * reports HOST_NEW and shows the other keys). */
static void
test_other_key_type_is_not_changed(void **state)
{
	struct device_cfg cfg;
	struct ssh_conn *c = NULL;
	struct fd_error err = { 0 };
	char path[300], line[1024], key[900], cmd[600];

	(void)state;
	sshtest_cfg(&T, &cfg);
	snprintf(path, sizeof(path), "%s/kh_rsa_only", T.dir);
	/* The server's RSA key: libssh2 1.10 can check RSA host keys only
	 * as ssh-rsa (SHA-1), which OpenSSH 8.8+ no longer signs with. */
	pubkey("host_rsa.pub", key, sizeof(key));
	snprintf(line, sizeof(line), "[127.0.0.1]:%u %s\n", T.port, key);
	write_file(path, line);
	snprintf(cfg.known_hosts, sizeof(cfg.known_hosts), "%s", path);
	if (ssh_open(&cfg, &c, &err) == 0) {
		/* This libssh2 verifies rsa-sha2 host keys: nothing to
		 * judge here. */
		ssh_close(c);
		unlink(path);
		return;
	}
	assert_int_equal(err.code, -ENOKEY);
	assert_null(strstr(err.msg, "CHANGED"));
	assert_non_null(strstr(err.msg, "unknown"));
	assert_non_null(strstr(err.msg, "known_hosts has only ssh-rsa"));
	assert_non_null(strstr(err.msg, T.host_fp));

	/* accept-new adds the new type, one line, and keeps the old one. */
	cfg.accept_new_host_key = true;
	assert_int_equal(ssh_open(&cfg, &c, &err), 0);
	ssh_close(c);
	c = NULL;
	assert_int_equal(count_lines(path), 2);
	snprintf(cmd, sizeof(cmd), "ssh-keygen -F '[127.0.0.1]:%u' -f %s | "
	    "grep -q ssh-ed25519", T.port, path);
	assert_int_equal(system(cmd), 0);
	unlink(path);
}

/* @revoked keys are refused, whatever else the file says (hostfile.c
 * check_key_not_revoked()); accepting new keys does not override it. */
static void
test_revoked_host_key(void **state)
{
	struct device_cfg cfg;
	struct ssh_conn *c = NULL;
	struct fd_error err = { 0 };
	char path[300], line[2048], key[900];

	(void)state;
	sshtest_cfg(&T, &cfg);
	snprintf(path, sizeof(path), "%s/kh_revoked", T.dir);
	pubkey("host_ed25519.pub", key, sizeof(key));
	snprintf(line, sizeof(line), "[127.0.0.1]:%u %s\n@revoked * %s\n",
	    T.port, key, key);
	write_file(path, line);
	snprintf(cfg.known_hosts, sizeof(cfg.known_hosts), "%s", path);
	cfg.accept_new_host_key = true;
	assert_int_equal(ssh_open(&cfg, &c, &err), -EKEYREVOKED);
	assert_null(c);
	assert_non_null(strstr(err.msg, "@revoked"));
	assert_non_null(strstr(err.msg, "line 2"));
	assert_non_null(strstr(err.msg, T.host_fp));
	assert_int_equal(count_lines(path), 2);
	unlink(path);
}

/* Host certificates are not supported: say so rather than "unknown"
 * alone. */
static void
test_cert_authority_said(void **state)
{
	struct device_cfg cfg;
	struct ssh_conn *c = NULL;
	struct fd_error err = { 0 };
	char path[300], line[1024], key[900];

	(void)state;
	sshtest_cfg(&T, &cfg);
	snprintf(path, sizeof(path), "%s/kh_ca", T.dir);
	pubkey("id_wrong.pub", key, sizeof(key));
	snprintf(line, sizeof(line), "@cert-authority *.example,127.0.0.* %s\n"
	    "@cert-authority [127.0.0.1]:%u %s\n", key, T.port, key);
	write_file(path, line);
	snprintf(cfg.known_hosts, sizeof(cfg.known_hosts), "%s", path);
	assert_int_equal(ssh_open(&cfg, &c, &err), -ENOKEY);
	assert_non_null(strstr(err.msg, "unknown"));
	assert_non_null(strstr(err.msg, "@cert-authority"));
	assert_non_null(strstr(err.msg, "not supported"));
	unlink(path);
}

struct tofu_job {
	struct device_cfg cfg;
	int rc;
	char msg[256];
};

static void *
tofu_run(void *arg)
{
	struct tofu_job *j = arg;
	struct ssh_conn *c = NULL;
	struct fd_error err = { 0 };

	j->rc = ssh_open(&j->cfg, &c, &err);
	snprintf(j->msg, sizeof(j->msg), "%s", err.msg);
	ssh_close(c);
	return NULL;
}

/*
 * accept_new_host_key with devices collected in parallel: every thread
 * appends its own line (libssh2_knownhost_writefile() rewrote the file
 * and lost the lines of the others), hashed because the file is hashed,
 * and ssh(1) finds each of them.
 */
static void
test_accept_new_parallel_appends(void **state)
{
	enum { N = 6, ROUNDS = 3 };
	struct tofu_job jobs[N];
	pthread_t th[N];
	char path[300], cmd[700];
	char *text;
	int i, r;

	(void)state;
	snprintf(path, sizeof(path), "%s/kh_tofu", T.dir);
	for (r = 0; r < ROUNDS; r++) {
		/* One hashed line of another host: the file is hashed. */
		snprintf(cmd, sizeof(cmd), "printf 'other.example %s\\n' "
		    "\"$(cut -d' ' -f1-2 %s/id_wrong.pub)\" >%s && "
		    "ssh-keygen -q -H -f %s >/dev/null 2>&1 && rm -f %s.old",
		    "%s", T.dir, path, path, path);
		assert_int_equal(system(cmd), 0);
		for (i = 0; i < N; i++) {
			sshtest_cfg(&T, &jobs[i].cfg);
			snprintf(jobs[i].cfg.host, sizeof(jobs[i].cfg.host),
			    "127.0.0.%d", i + 1);
			snprintf(jobs[i].cfg.known_hosts,
			    sizeof(jobs[i].cfg.known_hosts), "%s", path);
			jobs[i].cfg.accept_new_host_key = true;
			assert_int_equal(pthread_create(&th[i], NULL, tofu_run,
			    &jobs[i]), 0);
		}
		for (i = 0; i < N; i++) {
			pthread_join(th[i], NULL);
			if (jobs[i].rc != 0)
				print_message("# %s\n", jobs[i].msg);
			assert_int_equal(jobs[i].rc, 0);
		}
		assert_int_equal(count_lines(path), N + 1);
		text = sshtest_slurp(path);
		assert_non_null(text);
		/* Every line hashed, none plain. */
		assert_null(strstr(text, "\n["));
		assert_null(strstr(text, "127.0.0."));
		free(text);
		for (i = 0; i < N; i++) {
			snprintf(cmd, sizeof(cmd), "ssh-keygen -F "
			    "'[127.0.0.%d]:%u' -f %s | grep -q '^|1|.* "
			    "ssh-ed25519 '", i + 1, T.port, path);
			assert_int_equal(system(cmd), 0);
		}
	}
	unlink(path);
}

/* Issue 10 item 4: libssh2 1.10 signs with an RSA key only as ssh-rsa
 * (SHA-1), which this OpenSSH refuses although the key is authorised. */
static void
test_rsa_user_key(void **state)
{
	struct device_cfg cfg;
	struct ssh_conn *c = NULL;
	struct fd_error err = { 0 };
	int rc;

	(void)state;
	sshtest_cfg(&T, &cfg);
	snprintf(cfg.identity_file, sizeof(cfg.identity_file), "%s/id_rsa",
	    T.dir);
	rc = ssh_open(&cfg, &c, &err);
	if (libssh2_version(0x010b00) != NULL) {
		/* rsa-sha2-256/512 from 1.11 on: the key just works. */
		assert_int_equal(rc, 0);
		ssh_close(c);
		return;
	}
	assert_int_equal(rc, -EACCES);
	assert_non_null(strstr(err.msg, "RSA key was refused"));
	assert_non_null(strstr(err.msg, "use an ed25519 or ECDSA key"));
	/* Without its .pub beside it too (the type is read from the
	 * private key file). */
	{
		char pub[300], moved[300];

		snprintf(pub, sizeof(pub), "%s/id_rsa.pub", T.dir);
		snprintf(moved, sizeof(moved), "%s/id_rsa.pub.away", T.dir);
		assert_int_equal(rename(pub, moved), 0);
		assert_int_equal(ssh_open(&cfg, &c, &err), -EACCES);
		assert_int_equal(rename(moved, pub), 0);
		assert_non_null(strstr(err.msg, "use an ed25519 or ECDSA key"));
	}
	/* A refused ed25519 key gets no such advice. */
	snprintf(cfg.identity_file, sizeof(cfg.identity_file), "%s/id_wrong",
	    T.dir);
	assert_int_equal(ssh_open(&cfg, &c, &err), -EACCES);
	assert_null(strstr(err.msg, "RSA"));
}

/*
 * Issue 10 item 3: an sshd that offers only keyboard-interactive (PAM),
 * as FreeBSD-derived Junos does for RADIUS/TACACS+ logins.  The password
 * answers its single echo-off "Password:" prompt.
 */
static void
test_keyboard_interactive(void **state)
{
	static const char *const opt[] = { "--kbdint", NULL };
	struct sshtest K;
	struct device_cfg cfg;
	struct ssh_conn *c = NULL;
	struct ssh_result r;
	struct fd_error err = { 0 };
	int rc;

	(void)state;
	assert_int_equal(sshtest_start_ex(&K, "kbd", opt), 0);
	sshtest_cfg(&K, &cfg);
	cfg.identity_file[0] = '\0';
	snprintf(cfg.password_file, sizeof(cfg.password_file), "%s/password",
	    K.dir);
	rc = ssh_open(&cfg, &c, &err);
	if (rc < 0)
		print_message("# %s\n", err.msg);
	assert_int_equal(rc, 0);
	assert_int_equal(ssh_exec(c, "echo kbd", &r, &err), 0);
	assert_string_equal(r.out, "kbd\n");
	ssh_result_done(&r);
	ssh_close(c);
	c = NULL;

	/* A wrong password is refused as such. */
	snprintf(cfg.password_file, sizeof(cfg.password_file), "%s/id_pass.pass",
	    K.dir);
	assert_int_equal(ssh_open(&cfg, &c, &err), -EACCES);
	assert_null(c);
	assert_non_null(strstr(err.msg, "root@127.0.0.1"));

	/* A key alone is no use there: the methods offered are named. */
	cfg.password_file[0] = '\0';
	snprintf(cfg.identity_file, sizeof(cfg.identity_file), "%s/id_ed25519",
	    K.dir);
	assert_int_equal(ssh_open(&cfg, &c, &err), -EACCES);
	assert_non_null(strstr(err.msg, "keyboard-interactive"));
	sshtest_stop(&K);
}

/* A second prompt after the password (a one-time password, a second
 * factor) cannot be answered: a clear error naming the prompts. */
static void
test_keyboard_interactive_challenge(void **state)
{
	static const char *const opt[] = { "--otp", NULL };
	struct sshtest K;
	struct device_cfg cfg;
	struct ssh_conn *c = NULL;
	struct fd_error err = { 0 };

	(void)state;
	assert_int_equal(sshtest_start_ex(&K, "otp", opt), 0);
	sshtest_cfg(&K, &cfg);
	cfg.identity_file[0] = '\0';
	snprintf(cfg.password_file, sizeof(cfg.password_file), "%s/password",
	    K.dir);
	assert_int_equal(ssh_open(&cfg, &c, &err), -EACCES);
	assert_null(c);
	print_message("# %s\n", err.msg);
	assert_non_null(strstr(err.msg, "keyboard-interactive asked more"));
	assert_non_null(strstr(err.msg, "2 prompts"));
	assert_non_null(strstr(err.msg, "Password"));
	assert_non_null(strstr(err.msg, "one-time"));
	sshtest_stop(&K);
}

/*
 * Issue 10 item 9: between commands the engine waits (settle, converge,
 * the ARM operation) and nothing reads or writes the session.  This sshd
 * drops a client silent for about 4 s (ClientAliveInterval 2,
 * ClientAliveCountMax 1).  With keepalives sent from ssh_idle() during
 * the wait the session lives; without (keepalive_s 0, the control) it is
 * dropped and the next command needs a reconnect.
 */
static void
test_keepalive_while_idle(void **state)
{
	static const char *const opt[] = { "--client-alive", "2", NULL };
	struct sshtest K;
	struct device_cfg cfg;
	struct ssh_conn *kept = NULL, *silent = NULL;
	struct fd_error err = { 0 };
	long pid;
	int i;

	(void)state;
	assert_int_equal(sshtest_start_ex(&K, "alive", opt), 0);
	sshtest_cfg(&K, &cfg);
	cfg.keepalive_s = 1;
	assert_int_equal(ssh_open(&cfg, &kept, &err), 0);
	cfg.keepalive_s = 0;
	assert_int_equal(ssh_open(&cfg, &silent, &err), 0);
	pid = session_pid(kept);
	session_pid(silent);
	/* 9 s of waiting, as the core waits: ssh_idle() every 200 ms. */
	for (i = 0; i < 45; i++) {
		usleep(200000);
		ssh_idle(kept);
		ssh_idle(silent);
	}
	assert_int_equal(session_pid(kept), pid);
	assert_int_equal(ssh_reconnects(kept), 0);
	session_pid(silent);
	assert_int_equal(ssh_reconnects(silent), 1);
	ssh_close(kept);
	ssh_close(silent);
	sshtest_stop(&K);
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
	 * drops the TCP connection with output half sent.  The command is
	 * read-only, so it runs once more on a new connection, which drops
	 * too: a clear error naming the device. */
	rc = ssh_exec(c, "echo partial; sleep 0.3; kill -9 $PPID; sleep 5",
	    &r, &err);
	assert_int_equal(rc, -ECONNRESET);
	assert_non_null(strstr(err.msg, "device dut (127.0.0.1 port"));
	assert_non_null(strstr(err.msg, "dropped again after one reconnect"));
	assert_int_equal(ssh_reconnects(c), 1);
	/* The next command starts on a new connection. */
	assert_int_equal(ssh_exec(c, "echo back", &r, &err), 0);
	assert_string_equal(r.out, "back\n");
	ssh_result_done(&r);
	ssh_close(c);
}

/* Issue 10 item 9: the connection drops between two commands (the
 * device's sshd restarted, a firewall forgot the flow): the next
 * command reconnects once and succeeds. */
static void
test_reconnect_between_commands(void **state)
{
	struct device_cfg cfg;
	struct ssh_conn *c = NULL;
	struct ssh_result r;
	struct fd_error err = { 0 };
	long pid;

	(void)state;
	sshtest_cfg(&T, &cfg);
	assert_int_equal(ssh_open(&cfg, &c, &err), 0);
	pid = session_pid(c);
	assert_int_equal(kill((pid_t)pid, SIGKILL), 0);
	usleep(200000);
	assert_int_equal(ssh_exec(c, "echo still-here", &r, &err), 0);
	assert_string_equal(r.out, "still-here\n");
	ssh_result_done(&r);
	assert_int_equal(ssh_reconnects(c), 1);
	assert_true(session_pid(c) != pid);
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
		cmocka_unit_test(test_known_ed25519_of_three_host_keys),
		cmocka_unit_test(test_other_key_type_is_not_changed),
		cmocka_unit_test(test_revoked_host_key),
		cmocka_unit_test(test_cert_authority_said),
		cmocka_unit_test(test_accept_new_parallel_appends),
		cmocka_unit_test(test_rsa_user_key),
		cmocka_unit_test(test_password_file_and_env),
		cmocka_unit_test(test_keyboard_interactive),
		cmocka_unit_test(test_keyboard_interactive_challenge),
		cmocka_unit_test(test_key_with_passphrase),
		cmocka_unit_test(test_dropped_mid_command),
		cmocka_unit_test(test_reconnect_between_commands),
		cmocka_unit_test(test_keepalive_while_idle),
		cmocka_unit_test(test_hung_command_times_out),
		cmocka_unit_test(test_connect_refused),
		cmocka_unit_test(test_jump_host),
		cmocka_unit_test(test_agent),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
