/*
 * junos_device_ops over a scripted fake SSH transport (transport/ssh.h
 * struct ssh_ops): no root, no sshd.  Every open and every command is an
 * ordered step of the script, each command asserted; an unconsumed script
 * or a session left open is a failure.  What is checked:
 *   - the per-command display fallback of junos.c junos_ask(): JSON, then
 *     XML when the JSON was accepted but does not parse, then text; a
 *     refused JSON goes straight to text;
 *   - the retry of a read-only command whose session dropped (ssh.c
 *     ssh_exec): one reconnect and the same command again; a second drop,
 *     or a failed reconnect, is an error naming the device and the
 *     command; a timeout is not retried;
 *   - a device traceroute cut off at its (raised) command timeout keeps
 *     the hops printed so far, and the next command runs on a new session
 *     with the usual timeout.
 * Each format of "show version" reports another release, so the test
 * sees which reply was parsed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "junos/junos.h"
#include "transport/ssh.h"

#define CMD_JSON "show version | display json | no-more"
#define CMD_XML "show version | display xml | no-more"
#define CMD_TEXT "show version | no-more"

static const char reply_json[] =
    "{\n"
    "    \"software-information\" : [\n"
    "    {\n"
    "        \"host-name\" : [{ \"data\" : \"fw-emu\" }],\n"
    "        \"product-model\" : [{ \"data\" : \"vsrx\" }],\n"
    "        \"junos-version\" : [{ \"data\" : \"21.4R3-S5.4\" }]\n"
    "    }\n"
    "    ]\n"
    "}\n";

/* Accepted but not JSON a parser can take: two objects (FORMATS.md 2). */
static const char reply_json_broken[] =
    "{ \"software-information\" : [ {} ] }\n{ \"x\" : 1 }\n";

static const char reply_xml[] =
    "<rpc-reply xmlns:junos=\"http://xml.juniper.net/junos/22.1R1/junos\">\n"
    "<software-information>\n"
    "<host-name>fw-emu</host-name>\n"
    "<product-model>vsrx</product-model>\n"
    "<junos-version>22.1R1.10</junos-version>\n"
    "</software-information>\n"
    "</rpc-reply>\n";

static const char reply_text[] =
    "Hostname: fw-emu\n"
    "Model: vsrx\n"
    "Junos: 20.4R3.8\n";

/* What a release without "| display json" answers (Junos CLI: a caret
 * under the refused word, then "syntax error"). */
static const char reply_refused[] =
    "                     ^\n"
    "syntax error, expecting <command>.\n";

enum step_kind {
	OPEN,		/* the transport is asked to connect */
	OPEN_FAIL,	/* ... and cannot */
	REPLY,		/* cmd runs and prints out (exit 0) */
	DROP,		/* cmd: the connection drops mid-read */
	TIMEOUT,	/* cmd: runs past its timeout */
	CUT,		/* cmd (partial): cut off at its timeout after out */
	IDLE_DEAD,	/* a keepalive while idle finds the session dead */
};

struct step {
	enum step_kind kind;
	const char *cmd;
	const char *out;
	unsigned timeout_ms;	/* 0: any */
};

static struct {
	const struct step *v;
	size_t n, i;
	unsigned opens, closes;
} fake;

struct fake_sess {
	bool dead;
};

static const struct step *
next_step(const char *what)
{
	if (fake.i >= fake.n)
		fail_msg("unexpected %s after the script's %zu steps", what,
		    fake.n);
	return &fake.v[fake.i++];
}

static int
fake_open(const struct device_cfg *cfg, void **ctx, struct fd_error *err)
{
	const struct step *s = next_step("open");
	struct fake_sess *f;

	assert_string_equal(cfg->name, "fw");
	if (s->kind == OPEN_FAIL)
		return fd_error_set(err, -ECONNREFUSED, "connect %s port 22: "
		    "Connection refused", cfg->host);
	if (s->kind != OPEN)
		fail_msg("step %zu: expected \"%s\", got an open", fake.i - 1,
		    s->cmd);
	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	fake.opens++;
	*ctx = f;
	return 0;
}

static int
fake_exec(void *ctx, const char *cmd, unsigned timeout_ms, bool partial,
    struct ssh_result *out, struct fd_error *err)
{
	struct fake_sess *f = ctx;
	const struct step *s;

	assert_true(timeout_ms > 0);
	/* Only a traceroute keeps what it printed before its timeout. */
	assert_int_equal(partial, strncmp(cmd, "traceroute ", 11) == 0);
	/* The real adapter: a dropped session runs nothing until closed. */
	if (f->dead)
		return fd_error_set(err, -ENOTCONN, "the previous command "
		    "dropped the connection");
	s = next_step(cmd);
	if (s->kind == OPEN || s->kind == OPEN_FAIL || s->kind == IDLE_DEAD)
		fail_msg("step %zu: expected an open, got \"%s\"", fake.i - 1,
		    cmd);
	assert_string_equal(cmd, s->cmd);
	if (s->timeout_ms != 0)
		assert_int_equal(timeout_ms, s->timeout_ms);
	switch (s->kind) {
	case DROP:
		f->dead = true;
		return fd_error_set(err, -ECONNRESET, "command output: "
		    "connection dropped (fake)");
	case TIMEOUT:
		f->dead = true;
		return fd_error_set(err, -ETIMEDOUT, "command: timed out");
	default:
		break;
	}
	memset(out, 0, sizeof(*out));
	out->out = strdup(s->out);
	out->errout = strdup("");
	assert_non_null(out->out);
	assert_non_null(out->errout);
	out->out_len = strlen(out->out);
	out->exit_status = 0;
	if (s->kind == CUT) {
		/* As the libssh2 adapter: the session is dropped. */
		f->dead = true;
		out->timed_out = true;
		out->exit_status = -1;
	}
	return 0;
}

static void
fake_idle(void *ctx)
{
	struct fake_sess *f = ctx;
	const struct step *s = next_step("idle");

	if (s->kind != IDLE_DEAD)
		fail_msg("step %zu: expected \"%s\", got an idle", fake.i - 1,
		    s->cmd);
	f->dead = true;
}

static void
fake_close(void *ctx)
{
	fake.closes++;
	free(ctx);
}

static const struct ssh_ops fake_ops = {
	.open = fake_open,
	.exec = fake_exec,
	.idle = fake_idle,
	.close = fake_close,
};

struct t {
	void *dev;
	struct fd_error err;
};

static void
start(struct t *t, const struct step *v, size_t n)
{
	struct device_cfg cfg;

	memset(t, 0, sizeof(*t));
	memset(&fake, 0, sizeof(fake));
	fake.v = v;
	fake.n = n;
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.name, sizeof(cfg.name), "fw");
	snprintf(cfg.host, sizeof(cfg.host), "fw.example");
	cfg.command_timeout_ms = 5000;
	assert_int_equal(junos_open_with(&cfg, &fake_ops, &t->dev, &t->err),
	    0);
}

static void
finish(struct t *t)
{
	junos_device_ops.close(t->dev);
	if (fake.i != fake.n)
		fail_msg("script not consumed: %zu of %zu steps", fake.i,
		    fake.n);
	assert_int_equal(fake.opens, fake.closes);
}

#define START(t, v) start(t, v, sizeof(v) / sizeof((v)[0]))

static int
info(struct t *t, struct device_info *di)
{
	memset(di, 0, sizeof(*di));
	return junos_device_ops.info(t->dev, di, &t->err);
}

static void
test_json_first(void **state)
{
	static const struct step s[] = {
		{ OPEN, NULL, NULL },
		{ REPLY, CMD_JSON, reply_json },
	};
	struct device_info di;
	struct t t;

	(void)state;
	START(&t, s);
	assert_int_equal(info(&t, &di), 0);
	assert_string_equal(di.version, "21.4R3-S5.4");
	finish(&t);
}

/* A release before 14.2 refuses "| display json": text next, no XML. */
static void
test_json_refused_text(void **state)
{
	static const struct step s[] = {
		{ OPEN, NULL, NULL },
		{ REPLY, CMD_JSON, reply_refused },
		{ REPLY, CMD_TEXT, reply_text },
	};
	struct device_info di;
	struct t t;

	(void)state;
	START(&t, s);
	assert_int_equal(info(&t, &di), 0);
	assert_string_equal(di.version, "20.4R3.8");
	finish(&t);
}

static void
test_json_broken_xml(void **state)
{
	static const struct step s[] = {
		{ OPEN, NULL, NULL },
		{ REPLY, CMD_JSON, reply_json_broken },
		{ REPLY, CMD_XML, reply_xml },
	};
	struct device_info di;
	struct t t;
	char lib[256];

	(void)state;
	if (junos_device_ops.library(lib, sizeof(lib)) < 0)
		skip();		/* libxml2 is loaded at run time */
	START(&t, s);
	assert_int_equal(info(&t, &di), 0);
	assert_string_equal(di.version, "22.1R1.10");
	finish(&t);
}

static void
test_json_broken_xml_refused_text(void **state)
{
	static const struct step s[] = {
		{ OPEN, NULL, NULL },
		{ REPLY, CMD_JSON, reply_json_broken },
		{ REPLY, CMD_XML, reply_refused },
		{ REPLY, CMD_TEXT, reply_text },
	};
	struct device_info di;
	struct t t;

	(void)state;
	START(&t, s);
	assert_int_equal(info(&t, &di), 0);
	assert_string_equal(di.version, "20.4R3.8");
	finish(&t);
}

/* Nothing accepted: the JSON error, which says most, naming device and
 * command. */
static void
test_nothing_accepted(void **state)
{
	static const struct step s[] = {
		{ OPEN, NULL, NULL },
		{ REPLY, CMD_JSON, reply_json_broken },
		{ REPLY, CMD_XML, reply_refused },
		{ REPLY, CMD_TEXT, reply_refused },
	};
	struct device_info di;
	struct t t;

	(void)state;
	START(&t, s);
	assert_int_equal(info(&t, &di), -EBADMSG);
	assert_non_null(strstr(t.err.msg, "fw: show version: "));
	assert_non_null(strstr(t.err.msg, "XML and text not accepted"));
	finish(&t);
}

/* A session dropped mid-read: one reconnect, the same command again. */
static void
test_drop_reconnects_once(void **state)
{
	static const struct step s[] = {
		{ OPEN, NULL, NULL },
		{ DROP, CMD_JSON, NULL },
		{ OPEN, NULL, NULL },
		{ REPLY, CMD_JSON, reply_json },
	};
	struct device_info di;
	struct t t;

	(void)state;
	START(&t, s);
	assert_int_equal(info(&t, &di), 0);
	assert_string_equal(di.version, "21.4R3-S5.4");
	assert_int_equal(fake.opens, 2);
	assert_int_equal(fake.closes, 1);	/* the dropped session */
	finish(&t);
}

/* The retry runs the command of the step that dropped (the text one), not
 * the whole fallback again. */
static void
test_drop_during_fallback(void **state)
{
	static const struct step s[] = {
		{ OPEN, NULL, NULL },
		{ REPLY, CMD_JSON, reply_refused },
		{ DROP, CMD_TEXT, NULL },
		{ OPEN, NULL, NULL },
		{ REPLY, CMD_TEXT, reply_text },
	};
	struct device_info di;
	struct t t;

	(void)state;
	START(&t, s);
	assert_int_equal(info(&t, &di), 0);
	assert_string_equal(di.version, "20.4R3.8");
	finish(&t);
}

/* A second drop is an error naming the device and the command; the next
 * command starts on a new session. */
static void
test_drop_twice(void **state)
{
	static const struct step s[] = {
		{ OPEN, NULL, NULL },
		{ DROP, CMD_JSON, NULL },
		{ OPEN, NULL, NULL },
		{ DROP, CMD_JSON, NULL },
		{ OPEN, NULL, NULL },
		{ REPLY, CMD_JSON, reply_json },
	};
	struct device_info di;
	struct t t;

	(void)state;
	START(&t, s);
	assert_int_equal(info(&t, &di), -ECONNRESET);
	assert_non_null(strstr(t.err.msg, "fw: show version: device fw "
	    "(fw.example port 22): connection dropped again after one "
	    "reconnect"));
	assert_int_equal(fake.opens, fake.closes);
	assert_int_equal(info(&t, &di), 0);
	assert_string_equal(di.version, "21.4R3-S5.4");
	finish(&t);
}

static void
test_reconnect_fails(void **state)
{
	static const struct step s[] = {
		{ OPEN, NULL, NULL },
		{ DROP, CMD_JSON, NULL },
		{ OPEN_FAIL, NULL, NULL },
	};
	struct device_info di;
	struct t t;

	(void)state;
	START(&t, s);
	assert_int_equal(info(&t, &di), -ECONNREFUSED);
	assert_non_null(strstr(t.err.msg, "fw: show version: device fw "
	    "(fw.example port 22): reconnecting after \"command output: "
	    "connection dropped"));
	finish(&t);
}

/* A slow command is not run twice (that would double the wait); the next
 * command gets a new session. */
static void
test_timeout_not_retried(void **state)
{
	static const struct step s[] = {
		{ OPEN, NULL, NULL },
		{ TIMEOUT, CMD_JSON, NULL },
		{ OPEN, NULL, NULL },
		{ REPLY, CMD_JSON, reply_json },
	};
	struct device_info di;
	struct t t;

	(void)state;
	START(&t, s);
	assert_int_equal(info(&t, &di), -ETIMEDOUT);
	assert_non_null(strstr(t.err.msg, "fw: show version: "));
	assert_int_equal(fake.opens, 1);
	assert_int_equal(info(&t, &di), 0);
	finish(&t);
}

/* A session that died while the core waited (found by the keepalive of
 * junos_idle) is replaced by the next command without an error. */
static void
test_idle_death_reconnects(void **state)
{
	static const struct step s[] = {
		{ OPEN, NULL, NULL, 0 },
		{ REPLY, CMD_JSON, reply_json, 0 },
		{ IDLE_DEAD, NULL, NULL, 0 },
		{ OPEN, NULL, NULL, 0 },
		{ REPLY, CMD_JSON, reply_json, 0 },
	};
	struct device_info di;
	struct t t;

	(void)state;
	START(&t, s);
	assert_int_equal(info(&t, &di), 0);
	junos_device_ops.idle(t.dev);
	assert_int_equal(info(&t, &di), 0);
	assert_string_equal(di.version, "21.4R3-S5.4");
	assert_int_equal(fake.opens, 2);
	finish(&t);
}

/* Junos traceroute with the defaults (wait 5 s, 30 hops) may take 450 s
 * (junos_traceroute_timeout_ms): the command gets that much, and what it
 * printed before a cut-off is kept, marked truncated. */
static void
test_traceroute_cut_off(void **state)
{
	static const struct step s[] = {
		{ OPEN, NULL, NULL, 0 },
		{ CUT, "traceroute 10.17.11.132 no-resolve",
		  "traceroute to 10.17.11.132 (10.17.11.132), 30 hops max, "
		  "52 byte packets\n"
		  " 1  10.1.11.1  1.792 ms  1.142 ms  0.831 ms\n"
		  " 2  192.168.11.0  1.734 ms  1.234 ms  0.855 ms\n"
		  " 3  *", 460000 },
		{ OPEN, NULL, NULL, 0 },
		{ REPLY, CMD_JSON, reply_json, 5000 },
	};
	struct hop_list l;
	struct fd_addr to;
	struct device_info di;
	struct t t;

	(void)state;
	START(&t, s);
	assert_int_equal(addr_parse("10.17.11.132", &to, &t.err), 0);
	hop_list_init(&l);
	assert_int_equal(junos_device_ops.traceroute(t.dev, &to, NULL, &l,
	    &t.err), 0);
	assert_int_equal(l.n, 2);
	assert_true(l.truncated);
	assert_false(l.reached);
	assert_int_equal(info(&t, &di), 0);
	finish(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_first),
		cmocka_unit_test(test_json_refused_text),
		cmocka_unit_test(test_json_broken_xml),
		cmocka_unit_test(test_json_broken_xml_refused_text),
		cmocka_unit_test(test_nothing_accepted),
		cmocka_unit_test(test_drop_reconnects_once),
		cmocka_unit_test(test_drop_during_fallback),
		cmocka_unit_test(test_drop_twice),
		cmocka_unit_test(test_reconnect_fails),
		cmocka_unit_test(test_timeout_not_retried),
		cmocka_unit_test(test_idle_death_reconnects),
		cmocka_unit_test(test_traceroute_cut_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
