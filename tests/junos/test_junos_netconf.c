/*
 * junos_device_ops over NETCONF ("transport": "netconf") with a scripted
 * fake SSH transport (transport/ssh.h struct ssh_ops with the nc_* ops):
 * no root, no sshd.  Every open, channel start, message sent and exec is
 * an ordered step of the script, each asserted; an unconsumed script or a
 * session left open is a failure.  The fake answers each <rpc> with the
 * message-id it carried, as a server does.  What is checked:
 *   - one session (one channel start, one hello exchange) for many
 *     queries, each query one <command format="json">CMD</command> RPC
 *     with the plain command, ended with <close-session/>;
 *   - the format learning of junos_ask() over NETCONF: JSON that does not
 *     parse -> XML from then on; format json refused by an rpc-error
 *     naming json (a release before 14.2) -> text from then on; an
 *     rpc-error about the command itself teaches nothing;
 *   - an rpc-error fails the query naming the device, the RPC and the
 *     error; a warning beside data does not;
 *   - a dropped session reopens once and the RPC is sent again; a reply
 *     to another message-id, a server without base:1.0 and a refused
 *     subsystem are errors naming the device; a timeout is not retried;
 *   - a device traceroute stays on an exec channel; a device that refuses
 *     that channel beside NETCONF's gets its NETCONF session ended first
 *     and reopened for the next query; a NETCONF-only port that refuses
 *     the exec gets the traceroute as an RPC, from then on at once;
 *   - device_ops.record saves the payload (the JSON itself);
 *   - a prefetch batch is pipelined (every RPC sent before the first
 *     reply is read) and a drop under it sends the unanswered RPCs again
 *     once.
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

#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "junos/junos.h"
#include "transport/netconf.h"
#include "transport/ssh.h"

/* FD_TEST_NO_LIBXML2: built with noxml.c, a host without libxml2. */

#define HELLO_10 \
	"<!-- No zombies were killed during the creation of this user " \
	"interface -->\n<hello xmlns=\"" NC_NS "\"><capabilities>" \
	"<capability>" NC_BASE_10 "</capability><capability>http://" \
	"xml.juniper.net/netconf/junos/1.0</capability></capabilities>" \
	"<session-id>4242</session-id></hello>\n"
#define HELLO_11 \
	"<hello xmlns=\"" NC_NS "\"><capabilities><capability>urn:ietf:" \
	"params:netconf:base:1.1</capability></capabilities><session-id>9" \
	"</session-id></hello>"

/* The payloads: each format of "show version" another release. */
#define BODY_JSON \
	"\n{\n\"software-information\" : [{\n" \
	"\"host-name\" : [{\"data\" : \"fw&amp;emu\"}],\n" \
	"\"product-model\" : [{\"data\" : \"vsrx\"}],\n" \
	"\"junos-version\" : [{\"data\" : \"21.4R3-S5.4\"}]\n}]\n}\n"
#define JSON_UNESCAPED \
	"\n{\n\"software-information\" : [{\n" \
	"\"host-name\" : [{\"data\" : \"fw&emu\"}],\n" \
	"\"product-model\" : [{\"data\" : \"vsrx\"}],\n" \
	"\"junos-version\" : [{\"data\" : \"21.4R3-S5.4\"}]\n}]\n}\n"
/* Accepted but two objects (FORMATS.md 2): no parse. */
#define BODY_JSON_BROKEN \
	"{ \"software-information\" : [ {} ] }\n{ \"x\" : 1 }\n"
#define BODY_XML \
	"<software-information>\n<host-name>fw-emu</host-name>\n" \
	"<product-model>vsrx</product-model>\n" \
	"<junos-version>22.1R1.10</junos-version>\n</software-information>\n"
#define BODY_TEXT \
	"<output>\nHostname: fw-emu\nModel: vsrx\nJunos: 20.4R3.8\n</output>\n"
#define RPC_ERROR(msg, bad) \
	"<rpc-error>\n<error-type>protocol</error-type>\n" \
	"<error-tag>operation-failed</error-tag>\n" \
	"<error-severity>error</error-severity>\n" \
	"<error-message>" msg "</error-message>\n<error-info>\n" \
	"<bad-element>" bad "</bad-element>\n</error-info>\n</rpc-error>\n"
#define WARNING(msg) \
	"<rpc-error><error-severity>warning</error-severity>" \
	"<error-message>" msg "</error-message></rpc-error>"
#define BODY_ROUTES_EMPTY \
	"{\"route-information\" : [{\"route-table\" : [{\"table-name\" : " \
	"[{\"data\" : \"inet.0\"}], \"total-route-count\" : [{\"data\" : " \
	"\"0\"}]}]}]}"

enum step_kind {
	OPEN,		/* the transport connects */
	OPEN_REFUSED,	/* ... the device refuses the connection */
	START,		/* the netconf subsystem starts on a channel */
	START_REFUSED,	/* ... the server refuses the subsystem */
	HELLO,		/* the client's hello; out: the server's */
	RPC,		/* an <rpc> asking fmt/cmd; out: the reply's content */
	RPC_DROP,	/* ... the connection drops before the reply */
	RPC_TIMEOUT,	/* ... no reply within the timeout */
	RPC_OTHER_ID,	/* ... a reply to another message-id */
	CLOSE,		/* <close-session/>, answered <ok/> */
	EXEC,		/* cmd on an exec channel; out printed */
	EXEC_BUSY,	/* ... refused beside NETCONF's channel */
	EXEC_DENIED,	/* ... the port serves NETCONF only */
};

struct step {
	enum step_kind kind;
	const char *fmt;	/* RPC: json, xml, text */
	const char *cmd;	/* RPC, EXEC */
	const char *out;
};

static struct {
	const struct step *v;
	size_t n, i;
	unsigned opens, closes, starts, stops;
} fake;
static size_t fake_max_queued;

/* What the server will answer, in the order sent (RFC 6241 4.5). */
#define FAKE_QUEUE 16

struct fake_sess {
	bool dead;
	bool nc;		/* the NETCONF channel is open */
	char *reply[FAKE_QUEUE];
	int recv_rc[FAKE_QUEUE];
	size_t qh, qt;
	size_t max_queued;	/* most replies outstanding at once */
};

static void
fake_push(struct fake_sess *f, char *reply, int rc)
{
	assert_true(f->qt - f->qh < FAKE_QUEUE);
	f->reply[f->qt % FAKE_QUEUE] = reply;
	f->recv_rc[f->qt % FAKE_QUEUE] = rc;
	f->qt++;
	if (f->qt - f->qh > f->max_queued)
		f->max_queued = f->qt - f->qh;
	if (f->max_queued > fake_max_queued)
		fake_max_queued = f->max_queued;
}

static void
fake_flush(struct fake_sess *f)
{
	for (; f->qh < f->qt; f->qh++)
		free(f->reply[f->qh % FAKE_QUEUE]);
}

/* Every read and write is bounded by the device's command timeout, or
 * during a traceroute by the raised one (junos_traceroute_timeout_ms). */
static bool
bounded(unsigned timeout_ms)
{
	return timeout_ms == 5000 || timeout_ms ==
	    junos_traceroute_timeout_ms(0, 0);
}

static const struct step *
next_step(const char *what)
{
	if (fake.i >= fake.n)
		fail_msg("unexpected %s after the script's %zu steps", what,
		    fake.n);
	return &fake.v[fake.i++];
}

static void
expect(const struct step *s, enum step_kind a, enum step_kind b,
    const char *what)
{
	if (s->kind != a && s->kind != b)
		fail_msg("step %zu (kind %d): got %s", fake.i - 1, s->kind,
		    what);
}

static int
fake_open(const struct device_cfg *cfg, void **ctx, struct fd_error *err)
{
	const struct step *s = next_step("an open");
	struct fake_sess *f;

	assert_string_equal(cfg->name, "fw");
	expect(s, OPEN, OPEN_REFUSED, "an open");
	if (s->kind == OPEN_REFUSED)
		return fd_error_set(err, -ECONNREFUSED, "connect: Connection "
		    "refused");
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
	const struct step *s = next_step(cmd);

	(void)timeout_ms;
	assert_false(f->dead);
	if (s->kind != EXEC && s->kind != EXEC_BUSY && s->kind != EXEC_DENIED)
		fail_msg("step %zu (kind %d): got %s", fake.i - 1, s->kind,
		    cmd);
	assert_string_equal(cmd, s->cmd);
	assert_true(partial);
	if (s->kind == EXEC_BUSY) {
		/* The adapter says so only with NETCONF's channel open. */
		assert_true(f->nc);
		return fd_error_set(err, -EBUSY, "the device refused a "
		    "channel beside the NETCONF session's");
	}
	if (s->kind == EXEC_DENIED)
		return fd_error_set(err, -EPERM, "command output: Unable to "
		    "complete request for channel-process-startup (libssh2 "
		    "-22)");
	memset(out, 0, sizeof(*out));
	out->out = strdup(s->out);
	out->errout = strdup("");
	out->out_len = strlen(s->out);
	return 0;
}

static int
fake_nc_start(void *ctx, unsigned timeout_ms, struct fd_error *err)
{
	struct fake_sess *f = ctx;
	const struct step *s = next_step("a netconf start");

	assert_true(bounded(timeout_ms));
	if (f->dead)
		fail_msg("netconf start on a dead session");
	expect(s, START, START_REFUSED, "a netconf start");
	assert_false(f->nc);
	if (s->kind == START_REFUSED)
		return fd_error_set(err, -EPROTONOSUPPORT, "the device does "
		    "not offer the netconf subsystem on port 22");
	fake.starts++;
	f->nc = true;
	return 0;
}

static int
fake_nc_send(void *ctx, const char *msg, unsigned timeout_ms,
    struct fd_error *err)
{
	struct fake_sess *f = ctx;
	const struct step *s;
	char want[600], head[200], *r = NULL;
	unsigned long id = 0;
	const char *m;

	(void)err;
	assert_true(bounded(timeout_ms));
	assert_true(f->nc);
	assert_false(f->dead);
	assert_null(strstr(msg, NC_EOM));
	if (strstr(msg, "<hello") != NULL) {
		s = next_step("the client's hello");
		expect(s, HELLO, HELLO, "the client's hello");
		assert_string_equal(msg, nc_hello_client());
		fake_push(f, strdup(s->out), 0);
		return 0;
	}
	m = strstr(msg, "message-id=\"");
	assert_non_null(m);
	id = strtoul(m + 12, NULL, 10);
	if (strstr(msg, "<close-session/>") != NULL) {
		s = next_step("a close-session");
		expect(s, CLOSE, CLOSE, "<close-session/>");
		assert_int_equal(asprintf(&r, "<rpc-reply xmlns=\"" NC_NS
		    "\" message-id=\"%lu\"><ok/></rpc-reply>", id) < 0, 0);
		fake_push(f, r, 0);
		return 0;
	}
	s = next_step(msg);
	if (s->kind != RPC && s->kind != RPC_DROP && s->kind != RPC_TIMEOUT &&
	    s->kind != RPC_OTHER_ID)
		fail_msg("step %zu (kind %d): got %s", fake.i - 1, s->kind,
		    msg);
	/* The plain command, no "| display", no "| no-more". */
	snprintf(want, sizeof(want), "<command format=\"%s\">%s</command>",
	    s->fmt, s->cmd);
	if (strstr(msg, want) == NULL)
		fail_msg("step %zu: expected %s, got %s", fake.i - 1, want,
		    msg);
	assert_null(strstr(msg, "| "));
	if (s->kind == RPC_DROP || s->kind == RPC_TIMEOUT) {
		fake_push(f, NULL, s->kind == RPC_DROP ? -ECONNRESET :
		    -ETIMEDOUT);
		return 0;
	}
	snprintf(head, sizeof(head), "<rpc-reply xmlns=\"" NC_NS "\" xmlns:"
	    "junos=\"http://xml.juniper.net/junos/21.4R3/junos\" message-id="
	    "\"%lu\">", s->kind == RPC_OTHER_ID ? id + 1 : id);
	assert_int_equal(asprintf(&r, "%s%s</rpc-reply>", head, s->out) < 0,
	    0);
	fake_push(f, r, 0);
	return 0;
}

static int
fake_nc_recv(void *ctx, unsigned timeout_ms, char **msg, size_t *len,
    struct fd_error *err)
{
	struct fake_sess *f = ctx;

	int rc;

	assert_true(bounded(timeout_ms));
	if (f->qh == f->qt)
		fail_msg("a read with nothing sent");
	rc = f->recv_rc[f->qh % FAKE_QUEUE];
	if (rc < 0) {
		/* The session is gone with what was still to come. */
		f->dead = true;
		fake_flush(f);
		return fd_error_set(err, rc, rc == -ECONNRESET ? "NETCONF "
		    "read: connection dropped (fake)" : "NETCONF reply: timed "
		    "out");
	}
	*msg = f->reply[f->qh % FAKE_QUEUE];
	*len = strlen(*msg);
	f->qh++;
	return 0;
}

static void
fake_nc_stop(void *ctx)
{
	struct fake_sess *f = ctx;

	if (f->nc)
		fake.stops++;
	f->nc = false;
	fake_flush(f);
}

static void
fake_close(void *ctx)
{
	struct fake_sess *f = ctx;

	fake.closes++;
	fake_flush(f);
	free(f);
}

static const struct ssh_ops fake_ops = {
	.open = fake_open,
	.exec = fake_exec,
	.close = fake_close,
	.nc_start = fake_nc_start,
	.nc_send = fake_nc_send,
	.nc_recv = fake_nc_recv,
	.nc_stop = fake_nc_stop,
};

struct t {
	void *dev;
	struct fd_error err;
};

static void
start_script(struct t *t, const struct step *v, size_t n)
{
	struct device_cfg cfg;

	memset(t, 0, sizeof(*t));
	memset(&fake, 0, sizeof(fake));
	fake_max_queued = 0;
	fake.v = v;
	fake.n = n;
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.name, sizeof(cfg.name), "fw");
	snprintf(cfg.host, sizeof(cfg.host), "fw.example");
	snprintf(cfg.transport, sizeof(cfg.transport), "netconf");
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
	/* Every NETCONF channel started was closed. */
	assert_int_equal(fake.starts, fake.stops);
}

#define START(t, v) start_script(t, v, sizeof(v) / sizeof((v)[0]))

static int
info(struct t *t, struct device_info *di)
{
	memset(di, 0, sizeof(*di));
	memset(&t->err, 0, sizeof(t->err));
	return junos_device_ops.info(t->dev, di, &t->err);
}

static bool
have_libxml2(void)
{
	char lib[256];

	return junos_device_ops.library(lib, sizeof(lib)) == 0;
}

/* Two queries, one session: one start, one hello, one RPC each, ended
 * with <close-session/>.  The JSON is the reply's text, unescaped. */
static void
test_one_session(void **state)
{
	static const struct step s[] = {
		{ OPEN, NULL, NULL, NULL },
		{ START, NULL, NULL, NULL },
		{ HELLO, NULL, NULL, HELLO_10 },
		{ RPC, "json", "show version", BODY_JSON },
		{ RPC, "json", "show route table inet.0", BODY_ROUTES_EMPTY },
		{ CLOSE, NULL, NULL, NULL },
	};
	struct device_info di;
	struct route_set rs;
	struct t t;

	(void)state;
	START(&t, s);
	assert_int_equal(info(&t, &di), 0);
	assert_string_equal(di.version, "21.4R3-S5.4");
	assert_string_equal(di.hostname, "fw&emu");
	route_set_init(&rs);
	assert_int_equal(junos_device_ops.routes(t.dev, "", NULL, &rs,
	    &t.err), 0);
	assert_int_equal(rs.n, 0);
	route_set_done(&rs);
	finish(&t);
	assert_int_equal(fake.starts, 1);
}

#ifndef FD_TEST_NO_LIBXML2
/* JSON that does not parse: XML, and XML first from then on. */
static void
test_json_broken_learns_xml(void **state)
{
	static const struct step s[] = {
		{ OPEN, NULL, NULL, NULL },
		{ START, NULL, NULL, NULL },
		{ HELLO, NULL, NULL, HELLO_10 },
		{ RPC, "json", "show version", BODY_JSON_BROKEN },
		{ RPC, "xml", "show version", BODY_XML },
		{ RPC, "xml", "show version", BODY_XML },
		{ CLOSE, NULL, NULL, NULL },
	};
	struct device_info di;
	struct t t;

	(void)state;
	if (!have_libxml2())
		skip();
	START(&t, s);
	assert_int_equal(info(&t, &di), 0);
	assert_string_equal(di.version, "22.1R1.10");
	assert_int_equal(info(&t, &di), 0);
	assert_string_equal(di.version, "22.1R1.10");
	finish(&t);
}

#else
/* Without libxml2: JSON that does not parse, XML that cannot be read,
 * text; and text first from then on. */
static void
test_json_broken_no_libxml2_text(void **state)
{
	static const struct step s[] = {
		{ OPEN, NULL, NULL, NULL },
		{ START, NULL, NULL, NULL },
		{ HELLO, NULL, NULL, HELLO_10 },
		{ RPC, "json", "show version", BODY_JSON_BROKEN },
		{ RPC, "xml", "show version", BODY_XML },
		{ RPC, "text", "show version", BODY_TEXT },
		{ RPC, "text", "show version", BODY_TEXT },
		{ CLOSE, NULL, NULL, NULL },
	};
	struct device_info di;
	struct t t;

	(void)state;
	if (have_libxml2())
		skip();
	START(&t, s);
	assert_int_equal(info(&t, &di), 0);
	assert_string_equal(di.version, "20.4R3.8");
	assert_int_equal(info(&t, &di), 0);
	assert_string_equal(di.version, "20.4R3.8");
	finish(&t);
}

#endif

/* A release before 14.2 refuses format json (the rpc-error names it):
 * text, and text first from then on. */
static void
test_json_refused_learns_text(void **state)
{
	static const struct step s[] = {
		{ OPEN, NULL, NULL, NULL },
		{ START, NULL, NULL, NULL },
		{ HELLO, NULL, NULL, HELLO_10 },
		{ RPC, "json", "show version",
		    RPC_ERROR("syntax error, expecting &lt;command&gt;",
		    "json") },
		{ RPC, "text", "show version", BODY_TEXT },
		{ RPC, "text", "show version", BODY_TEXT },
		{ CLOSE, NULL, NULL, NULL },
	};
	struct device_info di;
	struct t t;

	(void)state;
	START(&t, s);
	assert_int_equal(info(&t, &di), 0);
	assert_string_equal(di.version, "20.4R3.8");
	assert_int_equal(info(&t, &di), 0);
	assert_string_equal(di.version, "20.4R3.8");
	finish(&t);
}

/* An rpc-error about the command: the error names device, RPC and the
 * error; nothing is learnt (the next query asks JSON again). */
static void
test_rpc_error(void **state)
{
	static const struct step s[] = {
		{ OPEN, NULL, NULL, NULL },
		{ START, NULL, NULL, NULL },
		{ HELLO, NULL, NULL, HELLO_10 },
		{ RPC, "json", "show version",
		    RPC_ERROR("syntax error, expecting &lt;command&gt;",
		    "version") },
		{ RPC, "text", "show version",
		    RPC_ERROR("syntax error, expecting &lt;command&gt;",
		    "version") },
		{ RPC, "json", "show version", BODY_JSON },
		{ CLOSE, NULL, NULL, NULL },
	};
	struct device_info di;
	struct t t;

	(void)state;
	START(&t, s);
	assert_int_equal(info(&t, &di), -EPROTO);
	assert_string_equal(t.err.msg, "fw: netconf show version: rpc-error: "
	    "syntax error, expecting <command> (bad element: version)");
	assert_int_equal(info(&t, &di), 0);
	finish(&t);
}

/* RFC 6241 4.3: a warning beside the data fails nothing. */
static void
test_warning_with_data(void **state)
{
	static const struct step s[] = {
		{ OPEN, NULL, NULL, NULL },
		{ START, NULL, NULL, NULL },
		{ HELLO, NULL, NULL, HELLO_10 },
		{ RPC, "json", "show version", BODY_JSON WARNING("statement "
		    "has no contents; ignored") },
		{ CLOSE, NULL, NULL, NULL },
	};
	struct device_info di;
	struct t t;

	(void)state;
	START(&t, s);
	assert_int_equal(info(&t, &di), 0);
	assert_string_equal(di.version, "21.4R3-S5.4");
	finish(&t);
}

/* A dropped session: one reconnect, a new hello, the same RPC again. */
static void
test_drop_reconnects_once(void **state)
{
	static const struct step s[] = {
		{ OPEN, NULL, NULL, NULL },
		{ START, NULL, NULL, NULL },
		{ HELLO, NULL, NULL, HELLO_10 },
		{ RPC_DROP, "json", "show version", NULL },
		{ OPEN, NULL, NULL, NULL },
		{ START, NULL, NULL, NULL },
		{ HELLO, NULL, NULL, HELLO_10 },
		{ RPC, "json", "show version", BODY_JSON },
		{ CLOSE, NULL, NULL, NULL },
	};
	struct device_info di;
	struct t t;

	(void)state;
	START(&t, s);
	assert_int_equal(info(&t, &di), 0);
	assert_string_equal(di.version, "21.4R3-S5.4");
	finish(&t);
	assert_int_equal(fake.opens, 2);
}

/* Dropped again after the reconnect: an error naming the device. */
static void
test_drop_twice(void **state)
{
	static const struct step s[] = {
		{ OPEN, NULL, NULL, NULL },
		{ START, NULL, NULL, NULL },
		{ HELLO, NULL, NULL, HELLO_10 },
		{ RPC_DROP, "json", "show version", NULL },
		{ OPEN, NULL, NULL, NULL },
		{ START, NULL, NULL, NULL },
		{ HELLO, NULL, NULL, HELLO_10 },
		{ RPC_DROP, "json", "show version", NULL },
	};
	struct device_info di;
	struct t t;

	(void)state;
	START(&t, s);
	assert_int_equal(info(&t, &di), -ECONNRESET);
	assert_non_null(strstr(t.err.msg, "fw: netconf show version: "
	    "device fw (fw.example port 22): NETCONF session lost again "
	    "after one reconnect"));
	finish(&t);
}

/* A timeout is not retried; the next query opens a new session. */
static void
test_timeout_not_retried(void **state)
{
	static const struct step s[] = {
		{ OPEN, NULL, NULL, NULL },
		{ START, NULL, NULL, NULL },
		{ HELLO, NULL, NULL, HELLO_10 },
		{ RPC_TIMEOUT, "json", "show version", NULL },
		{ OPEN, NULL, NULL, NULL },
		{ START, NULL, NULL, NULL },
		{ HELLO, NULL, NULL, HELLO_10 },
		{ RPC, "json", "show version", BODY_JSON },
		{ CLOSE, NULL, NULL, NULL },
	};
	struct device_info di;
	struct t t;

	(void)state;
	START(&t, s);
	assert_int_equal(info(&t, &di), -ETIMEDOUT);
	assert_string_equal(t.err.msg, "fw: netconf show version: NETCONF "
	    "reply: timed out");
	assert_int_equal(info(&t, &di), 0);
	finish(&t);
}

static void
test_no_base10(void **state)
{
	static const struct step s[] = {
		{ OPEN, NULL, NULL, NULL },
		{ START, NULL, NULL, NULL },
		{ HELLO, NULL, NULL, HELLO_11 },
	};
	struct device_info di;
	struct t t;

	(void)state;
	START(&t, s);
	assert_int_equal(info(&t, &di), -EPROTO);
	assert_non_null(strstr(t.err.msg, "fw: netconf show version: the "
	    "server offers no base:1.0 (only base:1.1"));
	finish(&t);
}

static void
test_subsystem_refused(void **state)
{
	static const struct step s[] = {
		{ OPEN, NULL, NULL, NULL },
		{ START_REFUSED, NULL, NULL, NULL },
	};
	struct device_info di;
	struct t t;

	(void)state;
	START(&t, s);
	assert_int_equal(info(&t, &di), -EPROTONOSUPPORT);
	assert_non_null(strstr(t.err.msg, "fw: netconf show version: the "
	    "device does not offer the netconf subsystem"));
	finish(&t);
}

/* A reply to another message-id: an error, the session out of step is
 * ended; the next query opens a new one. */
static void
test_other_message_id(void **state)
{
	static const struct step s[] = {
		{ OPEN, NULL, NULL, NULL },
		{ START, NULL, NULL, NULL },
		{ HELLO, NULL, NULL, HELLO_10 },
		{ RPC_OTHER_ID, "json", "show version", BODY_JSON },
		{ START, NULL, NULL, NULL },
		{ HELLO, NULL, NULL, HELLO_10 },
		{ RPC, "json", "show version", BODY_JSON },
		{ CLOSE, NULL, NULL, NULL },
	};
	struct device_info di;
	struct t t;

	(void)state;
	START(&t, s);
	assert_int_equal(info(&t, &di), -EPROTO);
	assert_non_null(strstr(t.err.msg, "fw: netconf show version: "
	    "<rpc-reply> to message-id '2', expected 1"));
	assert_int_equal(info(&t, &di), 0);
	finish(&t);
}

/* The traceroute runs on an exec channel; refused beside NETCONF's (one
 * channel per connection), the NETCONF session ends first and reopens
 * for the next query. */
static void
test_traceroute_one_channel(void **state)
{
	static const char trace[] =
	    "traceroute to 10.1.2.3 (10.1.2.3), 30 hops max, 52 byte "
	    "packets\n"
	    " 1  10.0.0.1  1.123 ms  0.950 ms  0.901 ms\n"
	    " 2  10.1.2.3  2.001 ms  1.982 ms  1.970 ms\n";
	static const struct step s[] = {
		{ OPEN, NULL, NULL, NULL },
		{ START, NULL, NULL, NULL },
		{ HELLO, NULL, NULL, HELLO_10 },
		{ RPC, "json", "show version", BODY_JSON },
		{ EXEC_BUSY, NULL, "traceroute 10.1.2.3 no-resolve", NULL },
		{ CLOSE, NULL, NULL, NULL },
		{ EXEC, NULL, "traceroute 10.1.2.3 no-resolve", trace },
		{ START, NULL, NULL, NULL },
		{ HELLO, NULL, NULL, HELLO_10 },
		{ RPC, "json", "show version", BODY_JSON },
		{ CLOSE, NULL, NULL, NULL },
	};
	struct device_info di;
	struct hop_list hl;
	struct fd_addr to;
	struct t t;

	(void)state;
	START(&t, s);
	assert_int_equal(info(&t, &di), 0);
	assert_int_equal(addr_parse("10.1.2.3", &to, NULL), 0);
	hop_list_init(&hl);
	assert_int_equal(junos_device_ops.traceroute(t.dev, &to, "", &hl,
	    &t.err), 0);
	assert_int_equal(hl.n, 2);
	assert_int_equal(info(&t, &di), 0);
	finish(&t);
	assert_int_equal(fake.starts, 2);
}

/* A NETCONF-only port refuses the exec: the traceroute goes as an RPC
 * (text in <output>), and every later one at once. */
static void
test_traceroute_netconf_only_port(void **state)
{
	static const struct step s[] = {
		{ OPEN, NULL, NULL, NULL },
		{ EXEC_DENIED, NULL, "traceroute 10.1.2.3 no-resolve", NULL },
		{ START, NULL, NULL, NULL },
		{ HELLO, NULL, NULL, HELLO_10 },
		{ RPC, "text", "traceroute 10.1.2.3 no-resolve", "<output>\n"
		    " 1  10.0.0.1  1.123 ms  0.950 ms  0.901 ms\n"
		    " 2  10.1.2.3  2.001 ms  1.982 ms  1.970 ms\n</output>" },
		{ RPC, "text", "traceroute 10.1.2.3 no-resolve", "<output>\n"
		    " 1  10.0.0.1  1.123 ms  0.950 ms  0.901 ms\n</output>" },
		{ CLOSE, NULL, NULL, NULL },
	};
	struct hop_list hl;
	struct fd_addr to;
	struct t t;

	(void)state;
	START(&t, s);
	assert_int_equal(addr_parse("10.1.2.3", &to, NULL), 0);
	hop_list_init(&hl);
	if (junos_device_ops.traceroute(t.dev, &to, "", &hl, &t.err) != 0)
		fail_msg("%s", t.err.msg);
	assert_int_equal(hl.n, 2);
	assert_true(hl.reached);
	hop_list_init(&hl);
	assert_int_equal(junos_device_ops.traceroute(t.dev, &to, "", &hl,
	    &t.err), 0);
	assert_int_equal(hl.n, 1);
	finish(&t);
}

/* device_ops.record: the payload as parsed, the JSON itself. */
static void
test_record_payload(void **state)
{
	static const struct step s[] = {
		{ OPEN, NULL, NULL, NULL },
		{ START, NULL, NULL, NULL },
		{ HELLO, NULL, NULL, HELLO_10 },
		{ RPC, "json", "show version", BODY_JSON },
		{ CLOSE, NULL, NULL, NULL },
	};
	struct device_replies budget = { .max_bytes = 1 << 20 };
	char root[64] = "/tmp/fdt-ncrec-XXXXXX", dir[128], path[192];
	char got[1024] = "";
	struct device_info di;
	struct t t;
	FILE *f;
	size_t n;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(dir, sizeof(dir), "%s/verify", root);
	START(&t, s);
	junos_device_ops.record(t.dev, dir, &budget);
	assert_int_equal(info(&t, &di), 0);
	finish(&t);
	snprintf(path, sizeof(path), "%s/fw__show_version.json", dir);
	f = fopen(path, "rb");
	assert_non_null(f);
	n = fread(got, 1, sizeof(got) - 1, f);
	fclose(f);
	got[n] = '\0';
	assert_string_equal(got, JSON_UNESCAPED);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
	assert_int_equal(rmdir(root), 0);
}

static const struct device_query batch[] = {
	{ DEVQ_INFO, NULL, NULL, NULL, NULL },
	{ DEVQ_ROUTES, "inet.0", NULL, NULL, NULL },
	{ DEVQ_ROUTES, "other.inet.0", NULL, NULL, NULL },
};

/* The three queries the batch announced, each taking its kept reply. */
static void
ask_batch(struct t *t)
{
	struct device_info di;
	struct route_set rs;

	assert_int_equal(info(t, &di), 0);
	assert_string_equal(di.version, "21.4R3-S5.4");
	route_set_init(&rs);
	assert_int_equal(junos_device_ops.routes(t->dev, "inet.0", NULL, &rs,
	    &t->err), 0);
	assert_int_equal(junos_device_ops.routes(t->dev, "other.inet.0", NULL,
	    &rs, &t->err), 0);
	route_set_done(&rs);
}

/* A prefetch batch: its RPCs sent back to back before the first reply
 * is read (RFC 6241 4.5), the queries then take their replies. */
static void
test_prefetch_pipelined(void **state)
{
	static const struct step s[] = {
		{ OPEN, NULL, NULL, NULL },
		{ START, NULL, NULL, NULL },
		{ HELLO, NULL, NULL, HELLO_10 },
		{ RPC, "json", "show version", BODY_JSON },
		{ RPC, "json", "show route table inet.0", BODY_ROUTES_EMPTY },
		{ RPC, "json", "show route table other.inet.0",
		    BODY_ROUTES_EMPTY },
		{ CLOSE, NULL, NULL, NULL },
	};
	struct t t;

	(void)state;
	START(&t, s);
	junos_device_ops.prefetch(t.dev, batch, 3);
	assert_int_equal(fake.i, 6);
	assert_int_equal(fake_max_queued, 3);
	ask_batch(&t);
	finish(&t);
}

/* The session drops under the batch: the RPCs not answered are sent
 * again, once, on a new connection. */
static void
test_prefetch_drop_resends(void **state)
{
	static const struct step s[] = {
		{ OPEN, NULL, NULL, NULL },
		{ START, NULL, NULL, NULL },
		{ HELLO, NULL, NULL, HELLO_10 },
		{ RPC, "json", "show version", BODY_JSON },
		{ RPC_DROP, "json", "show route table inet.0", NULL },
		{ RPC, "json", "show route table other.inet.0",
		    BODY_ROUTES_EMPTY },
		{ OPEN, NULL, NULL, NULL },
		{ START, NULL, NULL, NULL },
		{ HELLO, NULL, NULL, HELLO_10 },
		{ RPC, "json", "show route table inet.0", BODY_ROUTES_EMPTY },
		{ RPC, "json", "show route table other.inet.0",
		    BODY_ROUTES_EMPTY },
		{ CLOSE, NULL, NULL, NULL },
	};
	struct t t;

	(void)state;
	START(&t, s);
	junos_device_ops.prefetch(t.dev, batch, 3);
	assert_int_equal(fake.i, 11);
	ask_batch(&t);
	finish(&t);
	assert_int_equal(fake.opens, 2);
}

/* The session drops under the batch and the device refuses the new
 * connection: each unanswered query says so once, naming the device and
 * the first drop (the reconnect's error is not prefixed again for every
 * query it is copied to). */
static void
test_prefetch_reconnect_refused(void **state)
{
	static const struct step s[] = {
		{ OPEN, NULL, NULL, NULL },
		{ START, NULL, NULL, NULL },
		{ HELLO, NULL, NULL, HELLO_10 },
		{ RPC, "json", "show version", BODY_JSON },
		{ RPC_DROP, "json", "show route table inet.0", NULL },
		{ RPC, "json", "show route table other.inet.0",
		    BODY_ROUTES_EMPTY },
		{ OPEN_REFUSED, NULL, NULL, NULL },
	};
	static const char *const tables[] = { "inet.0", "other.inet.0" };
	struct device_info di;
	struct route_set rs;
	struct t t;
	const char *m, *again;
	size_t i;

	(void)state;
	START(&t, s);
	junos_device_ops.prefetch(t.dev, batch, 3);
	assert_int_equal(fake.i, 7);
	assert_int_equal(info(&t, &di), 0);
	for (i = 0; i < 2; i++) {
		route_set_init(&rs);
		assert_true(junos_device_ops.routes(t.dev, tables[i], NULL,
		    &rs, &t.err) < 0);
		route_set_done(&rs);
		m = strstr(t.err.msg, "device fw (fw.example port 22): "
		    "reconnecting after \"");
		if (m == NULL)
			fail_msg("%s: %s", tables[i], t.err.msg);
		again = strstr(strstr(m, "reconnecting after") + 1,
		    "reconnecting after");
		if (again != NULL)
			fail_msg("%s: prefixed twice: %s", tables[i],
			    t.err.msg);
		assert_non_null(strstr(t.err.msg, "Connection refused"));
	}
	finish(&t);
	assert_int_equal(fake.opens, 1);
}

/* A device whose spec says another transport is refused at open. */
static void
test_bad_transport(void **state)
{
	struct device_cfg cfg;
	struct fd_error err = { 0 };
	void *dev = NULL;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.name, sizeof(cfg.name), "fw");
	snprintf(cfg.transport, sizeof(cfg.transport), "telnet");
	assert_int_equal(junos_open_with(&cfg, &fake_ops, &dev, &err),
	    -EINVAL);
	assert_string_equal(err.msg, "fw: transport 'telnet' is neither cli "
	    "nor netconf");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_session),
#ifdef FD_TEST_NO_LIBXML2
		cmocka_unit_test(test_json_broken_no_libxml2_text),
#else
		cmocka_unit_test(test_json_broken_learns_xml),
#endif
		cmocka_unit_test(test_json_refused_learns_text),
		cmocka_unit_test(test_rpc_error),
		cmocka_unit_test(test_warning_with_data),
		cmocka_unit_test(test_drop_reconnects_once),
		cmocka_unit_test(test_drop_twice),
		cmocka_unit_test(test_timeout_not_retried),
		cmocka_unit_test(test_no_base10),
		cmocka_unit_test(test_subsystem_refused),
		cmocka_unit_test(test_other_message_id),
		cmocka_unit_test(test_traceroute_one_channel),
		cmocka_unit_test(test_traceroute_netconf_only_port),
		cmocka_unit_test(test_record_payload),
		cmocka_unit_test(test_prefetch_pipelined),
		cmocka_unit_test(test_prefetch_drop_resends),
		cmocka_unit_test(test_prefetch_reconnect_refused),
		cmocka_unit_test(test_bad_transport),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
