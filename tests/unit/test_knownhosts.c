/*
 * known_hosts as OpenSSH reads and writes it (providers/transport/
 * knownhosts.c): lookups, the host-key algorithm order, the verdicts and
 * parallel appends.  The hashed line below was written by OpenSSH 9.2's
 * "ssh-keygen -H" for example.net.
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
#include <pthread.h>

#include "transport/knownhosts.h"

#define ED1 "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
#define ED2 "AAAAC3NzaC1lZDI1NTE5AAAAIJ2t6g4n0pQ3Yc0TgVQh2m0f7wP8mO5l8YlA2sVQm9Zx"
#define EC1 "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEXAMPLE"
#define HASHED_EXAMPLE_NET \
	"|1|6mX4SS1FVAp9nm0oOab9WdAJ3m4=|AhlrD6Y1RY5Q9E2kpPggZDCEmcE= "

static struct kh_set
parse(const char *text, const char *name)
{
	struct kh_set s;

	assert_int_equal(kh_parse(text, strlen(text), name, &s), 0);
	return s;
}

static void
test_name(void **st)
{
	char buf[64];

	(void)st;
	kh_name("10.1.11.1", 22, buf, sizeof(buf));
	assert_string_equal(buf, "10.1.11.1");
	kh_name("FW1.Example.NET", 2222, buf, sizeof(buf));
	assert_string_equal(buf, "[fw1.example.net]:2222");
}

static void
test_lookup(void **st)
{
	const char *text =
	    "# comment\n"
	    "\n"
	    HASHED_EXAMPLE_NET "ssh-ed25519 " ED1 "\n"
	    "other.net,10.0.0.* ecdsa-sha2-nistp256 " EC1 "\n"
	    "!10.0.0.9,10.0.0.* ssh-ed25519 " ED2 " a comment\n"
	    "[example.net]:2222 ssh-ed25519 " ED2 "\r\n"
	    "@revoked * ssh-ed25519 " ED2 "\n"
	    "@cert-authority *.net ssh-ed25519 " ED1 "\n"
	    "@bogus example.net ssh-ed25519 " ED1 "\n"
	    "example.net 1024 35 12345\n";
	struct kh_set s;

	(void)st;
	s = parse(text, "example.net");
	assert_true(s.hashed);
	/* The hashed line, @revoked *, @cert-authority *.net. */
	assert_int_equal(s.n, 3);
	assert_int_equal(s.v[0].marker, KH_PLAIN);
	assert_int_equal(s.v[0].line, 3);
	assert_string_equal(s.v[0].type, "ssh-ed25519");
	assert_string_equal(s.v[0].b64, ED1);
	assert_int_equal(s.v[1].marker, KH_REVOKED);
	assert_int_equal(s.v[2].marker, KH_CA);
	assert_int_equal(kh_count_ca(&s), 1);
	kh_set_done(&s);

	/* Patterns, negation, and a CR before the newline. */
	s = parse(text, "10.0.0.5");
	assert_int_equal(s.n, 3);	/* ecdsa, ed25519, @revoked */
	kh_set_done(&s);
	s = parse(text, "10.0.0.9");
	assert_int_equal(s.n, 2);	/* the negated line is not for it */
	kh_set_done(&s);
	s = parse(text, "[example.net]:2222");
	assert_int_equal(s.n, 2);
	assert_string_equal(s.v[0].b64, ED2);
	kh_set_done(&s);
	/* A hashed name is the HMAC of the exact name. */
	s = parse(text, "example.org");
	assert_int_equal(s.n, 1);	/* @revoked * only */
	kh_set_done(&s);
}

static void
test_check(void **st)
{
	const char *text = "h ssh-ed25519 " ED1 "\n"
	    "h ecdsa-sha2-nistp256 " EC1 "\n";
	const struct kh_entry *e = NULL;
	struct kh_set s;

	(void)st;
	s = parse(text, "h");
	assert_int_equal(kh_check(&s, "ssh-ed25519", ED1, &e), KH_OK);
	assert_int_equal(e->line, 1);
	/* Same type, other key: changed, and the line says which. */
	assert_int_equal(kh_check(&s, "ssh-ed25519", ED2, &e), KH_CHANGED);
	assert_int_equal(e->line, 1);
	/* Another type: new, never changed. */
	assert_int_equal(kh_check(&s, "ssh-rsa", "AAAAB3Nza", &e), KH_NEW);
	assert_null(e);
	kh_set_done(&s);

	s = parse("h ssh-ed25519 " ED1 "\n@revoked h ssh-ed25519 " ED1 "\n",
	    "h");
	assert_int_equal(kh_check(&s, "ssh-ed25519", ED1, &e),
	    KH_REVOKED_KEY);
	assert_int_equal(e->line, 2);
	kh_set_done(&s);
}

static void
test_order_algs(void **st)
{
	const char *avail = "ssh-ed25519,ecdsa-sha2-nistp256,"
	    "ecdsa-sha2-nistp256-cert-v01@openssh.com,rsa-sha2-512,"
	    "rsa-sha2-256,ssh-rsa";
	struct kh_set s = { 0 };
	char buf[512];

	(void)st;
	/* Nothing known: the given order, certificates dropped. */
	assert_true(kh_order_algs(&s, avail, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "ssh-ed25519,ecdsa-sha2-nistp256,"
	    "rsa-sha2-512,rsa-sha2-256,ssh-rsa");
	/* An RSA key known: every RSA signature algorithm first. */
	s = parse("h ssh-rsa AAAAB3Nza\n", "h");
	assert_true(kh_order_algs(&s, avail, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "rsa-sha2-512,rsa-sha2-256,ssh-rsa,"
	    "ssh-ed25519,ecdsa-sha2-nistp256");
	kh_set_done(&s);
	/* A @revoked key type is not a reason to prefer it. */
	s = parse("@revoked h ecdsa-sha2-nistp256 " EC1 "\n", "h");
	assert_true(kh_order_algs(&s, avail, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "ssh-ed25519,ecdsa-sha2-nistp256,"
	    "rsa-sha2-512,rsa-sha2-256,ssh-rsa");
	kh_set_done(&s);
	s = parse("h ecdsa-sha2-nistp256 " EC1 "\n", "h");
	assert_true(kh_order_algs(&s, avail, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "ecdsa-sha2-nistp256,ssh-ed25519,"
	    "rsa-sha2-512,rsa-sha2-256,ssh-rsa");
	kh_set_done(&s);
	assert_int_equal(kh_order_algs(&s, avail, buf, 8), -ENOSPC);
}

static char dir[64];

static int
setup(void **st)
{
	(void)st;
	snprintf(dir, sizeof(dir), "/tmp/fdt-kh-XXXXXX");
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int
teardown(void **st)
{
	char cmd[128];

	(void)st;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 1 << 20);
	size_t n;

	assert_non_null(f);
	assert_non_null(buf);
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
test_append_plain_and_hashed(void **st)
{
	struct fd_error err = { 0 };
	struct kh_set s;
	char path[128], *text;
	FILE *f;

	(void)st;
	/* A plain file gets a plain line; a missing last newline is
	 * added first. */
	snprintf(path, sizeof(path), "%s/plain", dir);
	f = fopen(path, "w");
	fputs("other ssh-ed25519 " ED2, f);
	fclose(f);
	assert_int_equal(kh_append(path, "[h]:2222", "ssh-ed25519", ED1, &err),
	    0);
	text = slurp(path);
	assert_string_equal(text, "other ssh-ed25519 " ED2 "\n"
	    "[h]:2222 ssh-ed25519 " ED1 "\n");
	free(text);
	/* The same key again: nothing written. */
	assert_int_equal(kh_append(path, "[h]:2222", "ssh-ed25519", ED1, &err),
	    0);
	text = slurp(path);
	assert_non_null(strstr(text, ED1));
	assert_null(strstr(strstr(text, ED1) + 1, ED1));
	free(text);

	/* A hashed file gets a hashed line that a lookup finds. */
	snprintf(path, sizeof(path), "%s/hashed", dir);
	f = fopen(path, "w");
	fputs(HASHED_EXAMPLE_NET "ssh-ed25519 " ED1 "\n", f);
	fclose(f);
	assert_int_equal(kh_append(path, "10.1.11.1", "ssh-ed25519", ED2,
	    &err), 0);
	text = slurp(path);
	assert_null(strstr(text, "10.1.11.1"));
	assert_int_equal(strncmp(strchr(text, '\n') + 1, "|1|", 3), 0);
	free(text);
	assert_int_equal(kh_load(path, "10.1.11.1", &s, &err), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.v[0].b64, ED2);
	assert_int_equal(s.v[0].line, 2);
	kh_set_done(&s);

	/* A missing file is empty, and an unwritable place an error. */
	snprintf(path, sizeof(path), "%s/none", dir);
	assert_int_equal(kh_load(path, "h", &s, &err), 0);
	assert_false(s.exists);
	assert_int_equal(kh_append("/nonexistent-dir/known_hosts", "h",
	    "ssh-ed25519", ED1, &err), -EIO);
	assert_non_null(strstr(err.msg, "/nonexistent-dir/known_hosts"));
}

enum { THREADS = 8, EACH = 40 };

struct appender {
	char path[128];
	int id, fails;
};

static void *
append_many(void *arg)
{
	struct appender *a = arg;
	struct fd_error err = { 0 };
	char name[32];
	int i;

	for (i = 0; i < EACH; i++) {
		snprintf(name, sizeof(name), "dev%d-%d", a->id, i);
		if (kh_append(a->path, name, "ssh-ed25519", ED1, &err) < 0)
			a->fails++;
	}
	return NULL;
}

/* Devices are collected in parallel threads: every append survives. */
static void
test_parallel_appends(void **st)
{
	struct appender a[THREADS];
	pthread_t th[THREADS];
	struct fd_error err = { 0 };
	struct kh_set s;
	char path[128], name[32], *text, *p;
	int i, j, lines = 0;
	FILE *f;

	(void)st;
	snprintf(path, sizeof(path), "%s/parallel", dir);
	f = fopen(path, "w");
	fputs(HASHED_EXAMPLE_NET "ssh-ed25519 " ED1 "\n", f);
	fclose(f);
	for (i = 0; i < THREADS; i++) {
		snprintf(a[i].path, sizeof(a[i].path), "%s", path);
		a[i].id = i;
		a[i].fails = 0;
		assert_int_equal(pthread_create(&th[i], NULL, append_many,
		    &a[i]), 0);
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(a[i].fails, 0);
	}
	text = slurp(path);
	for (p = text; *p != '\0'; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 1 + THREADS * EACH);
	/* All hashed: every line starts "|1|" (a plain name would start
	 * the line; "dev" may well occur inside the base64). */
	for (p = text; *p != '\0'; p = strchr(p, '\n') + 1)
		assert_int_equal(strncmp(p, "|1|", 3), 0);
	free(text);
	for (i = 0; i < THREADS; i++)
		for (j = 0; j < EACH; j += 13) {
			snprintf(name, sizeof(name), "dev%d-%d", i, j);
			assert_int_equal(kh_load(path, name, &s, &err), 0);
			assert_int_equal(s.n, 1);
			kh_set_done(&s);
		}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_order_algs),
		cmocka_unit_test(test_append_plain_and_hashed),
		cmocka_unit_test(test_parallel_appends),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
