/*
 * junos_device_ops: each query runs "CMD | display json | no-more" and
 * falls back to "CMD | display xml | no-more" when that JSON does not
 * parse, and to "CMD | no-more" (text) when the CLI rejects JSON ("syntax
 * error", "unknown command") or neither parsed.  The fallback is decided
 * per command; what a device has shown of its display formats is
 * remembered per device (junos_learn()), so a device whose JSON never
 * parses is not asked in JSON again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "junos.h"
#include "junos_nc.h"
#include "log.h"
#include "junos_parse.h"
#include "junos_replies.h"
#include "transport/ssh.h"

#define JUNOS_CMD_MAX 512
/* A command line with its pipes, or its NETCONF <command> element. */
#define JUNOS_FULL_MAX (JUNOS_CMD_MAX + 64)
/* Channels of one session a prefetch uses at once: under OpenSSH's
 * default MaxSessions 10 (sshd_config(5)); a device allowing fewer is
 * found out by the transport (ssh.h exec_many). */
#define JUNOS_CHANNELS 4

/* The display formats (enum junos_fmt, junos_nc.h) in the order
 * junos_ask() tries them.  A device starts at JUNOS_JSON and moves on
 * (never back) as junos_learn() says. */

/* A reply run ahead by junos_prefetch(), kept for its command. */
struct junos_pre {
	char *cmd;			/* the full command line */
	unsigned more;			/* queries after the first that take
					 * this same reply (one exec) */
	int rc;
	struct ssh_result res;
	struct fd_error err;
};

struct junos_ctx {
	struct device_cfg cfg;
	const struct ssh_ops *ssh_ops;	/* the transport (ssh.h) */
	struct ssh_conn *ssh;		/* NULL until the first command */
	struct junos_replies rec;	/* device_ops.record */
	struct junos_pre *pre;		/* junos_prefetch() */
	size_t npre;
	/* The format its queries start with (junos_learn()).  The device
	 * and its release outlive a dropped session, so this does too. */
	enum junos_fmt fmt;
	bool netconf;			/* spec "transport": "netconf" */
	bool trace_rpc;			/* its traceroutes: junos_trace_rpc */
};

/* ------------------------------------------------------------ session */

int
junos_open_with(const struct device_cfg *cfg, const struct ssh_ops *ssh,
    void **out, struct fd_error *err)
{
	struct junos_ctx *c;

	if (cfg->transport[0] != '\0' && strcmp(cfg->transport, "cli") != 0 &&
	    strcmp(cfg->transport, "netconf") != 0)
		return fd_error_set(err, -EINVAL, "%s: transport '%.16s' is "
		    "neither cli nor netconf", cfg->name, cfg->transport);
	if (cfg->routing_instance[0] != '\0' &&
	    !junos_valid_name(cfg->routing_instance))
		return fd_error_set(err, -EINVAL, "%s: invalid "
		    "routing_instance '%.64s'", cfg->name,
		    cfg->routing_instance);
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return fd_error_set(err, -ENOMEM, "out of memory");
	c->cfg = *cfg;
	c->ssh_ops = ssh;
	c->netconf = strcmp(cfg->transport, "netconf") == 0;
	*out = c;
	return 0;
}

static int
junos_open(const struct device_cfg *cfg, void **out, struct fd_error *err)
{
	return junos_open_with(cfg, &ssh_libssh2_ops, out, err);
}

/* Connect on first use and after a dropped session. */
static int
junos_connect(struct junos_ctx *c, struct fd_error *err)
{
	if (c->ssh != NULL)
		return 0;
	return ssh_open_with(c->ssh_ops, &c->cfg, &c->ssh, err);
}

static void
junos_pre_drop(struct junos_ctx *c)
{
	size_t i;

	for (i = 0; i < c->npre; i++) {
		free(c->pre[i].cmd);
		ssh_result_done(&c->pre[i].res);
	}
	free(c->pre);
	c->pre = NULL;
	c->npre = 0;
}

static void
junos_close(void *ctx)
{
	struct junos_ctx *c = ctx;

	if (c == NULL)
		return;
	junos_pre_drop(c);
	ssh_close(c->ssh);
	explicit_bzero(c, sizeof(*c));
	free(c);
}

/* The core is waiting: keep the session alive (transport/ssh.h). */
static void
junos_idle(void *ctx)
{
	struct junos_ctx *c = ctx;

	if (c != NULL)
		ssh_idle(c->ssh);
}

/* The core's phase changed: save its replies in dir (junos_replies.h). */
static void
junos_record(void *ctx, const char *dir, struct device_replies *budget)
{
	struct junos_ctx *c = ctx;

	if (c != NULL)
		junos_replies_set(&c->rec, dir, budget);
}

/* The reply about to be parsed, saved as evidence first: a reply that
 * does not parse is the one a reviewer most needs to see. */
static void
junos_keep(struct junos_ctx *c, const char *cmd, const char *ext,
    const struct ssh_result *res)
{
	junos_replies_save(&c->rec, c->cfg.name, cmd, ext, res->out,
	    res->out_len);
}

/* len bytes of b and a NUL (NULL b: an empty string); NULL: no memory. */
static char *
dup_bytes(const char *b, size_t len)
{
	char *o = malloc(len + 1);

	if (o == NULL)
		return NULL;
	if (len > 0)
		memcpy(o, b, len);
	o[len] = '\0';
	return o;
}

/* The reply run ahead for the full command line cmd, or NULL. */
static struct junos_pre *
junos_pre_find(struct junos_ctx *c, const char *cmd)
{
	size_t i;

	for (i = 0; i < c->npre; i++)
		if (c->pre[i].cmd != NULL && strcmp(c->pre[i].cmd, cmd) == 0)
			return &c->pre[i];
	return NULL;
}

/* The reply junos_prefetch() kept for cmd, taken once by each query that
 * asked it; false: none kept. */
static bool
junos_pre_take(struct junos_ctx *c, const char *cmd, struct ssh_result *res,
    struct fd_error *err, int *rc)
{
	struct junos_pre *p = junos_pre_find(c, cmd);

	if (p == NULL)
		return false;
	*rc = p->rc;
	if (p->rc != 0) {
		*err = p->err;
	} else if (p->more > 0) {
		/* Another query asks the same: a copy, so each parses and
		 * frees its own. */
		*res = p->res;
		res->out = dup_bytes(p->res.out, p->res.out_len);
		res->errout = dup_bytes(p->res.errout, p->res.err_len);
		if (res->out == NULL || res->errout == NULL) {
			ssh_result_done(res);
			*rc = fd_error_set(err, -ENOMEM, "out of memory");
		}
	} else {
		*res = p->res;
	}
	if (p->more > 0) {
		p->more--;
		return true;
	}
	memset(&p->res, 0, sizeof(p->res));
	free(p->cmd);
	p->cmd = NULL;
	return true;
}

/* Run one command (over NETCONF: the RPC cmd, asking format f);
 * connects on first use and after a dropped session. */
static int
junos_exec(struct junos_ctx *c, const char *cmd, enum junos_fmt f,
    struct ssh_result *res, struct fd_error *err)
{
	int rc;

	if (junos_pre_take(c, cmd, res, err, &rc)) {
		/* A drop was already retried once, by ssh_exec_many. */
		if (rc == -ECONNRESET || rc == -ETIMEDOUT || rc == -ENOTCONN) {
			ssh_close(c->ssh);
			c->ssh = NULL;
		}
		return rc;
	}
	if ((rc = junos_connect(c, err)) < 0)
		return rc;
	/* -vv: every round trip, to see what a device costs. */
	if (c->netconf) {
		rc = junos_nc_exec(c->ssh, c->cfg.name, cmd, f, res, err);
	} else {
		log_debug("%s: exec %s", c->cfg.name, cmd);
		rc = ssh_exec(c->ssh, cmd, res, err);
	}
	if (rc == -ECONNRESET || rc == -ETIMEDOUT || rc == -ENOTCONN) {
		ssh_close(c->ssh);
		c->ssh = NULL;
	}
	return rc;
}

static bool
junos_rejected(const struct junos_ctx *c, const struct ssh_result *r)
{
	/* Over NETCONF only an <rpc-error> refuses (junos_nc.h). */
	if (c->netconf)
		return r->exit_status != 0;
	return junos_reply_rejected(r->out) ||
	    junos_reply_rejected(r->errout);
}

/* The first line of a reply that says something: Junos puts a caret line
 * ("      ^") above "unknown command." / "syntax error.". */
static void
junos_first_words(const char *s, char *buf, size_t len)
{
	const char *p = s, *nl;

	snprintf(buf, len, "(no output)");
	while (*p != '\0') {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		if (p[strspn(p, " \t^\r")] != '\n' &&
		    p + strspn(p, " \t^\r") < nl) {
			snprintf(buf, len, "%.*s", (int)(nl - p), p);
			return;
		}
		p = *nl ? nl + 1 : nl;
	}
}

/* How to read one command's reply in each display format. */
typedef int (*junos_parse_fn)(const char *, size_t, void *,
    struct fd_error *);
struct junos_parsers {
	junos_parse_fn json, xml, text;
};

/* The command line asking cmd in format f, or over NETCONF its
 * <command format="f"> (plain cmd: no pipes in an RPC); the file
 * extension of its saved reply (junos_replies.h). */
static void
junos_full(const struct junos_ctx *c, const char *cmd, enum junos_fmt f,
    char *buf, size_t len)
{
	static const char *const pipe[] = {
		[JUNOS_JSON] = " | display json",
		[JUNOS_XML] = " | display xml",
		[JUNOS_TEXT] = "",
	};

	if (!c->netconf || junos_nc_op(cmd, f, buf, len) < 0)
		snprintf(buf, len, "%s%s | no-more", cmd, pipe[f]);
}

static const char *const junos_fmt_ext[] = {
	[JUNOS_JSON] = "json", [JUNOS_XML] = "xml", [JUNOS_TEXT] = "txt",
};

/* What one try of a command in one format gave. */
struct junos_try {
	bool accepted;		/* false: the CLI refused it */
	int rc;			/* accepted: the parser's */
	int exit_status;	/* refused: how, */
	char first[224];	/* and the first words of why */
};

/*
 * Ask cmd in format f and, when the CLI accepts it, save and parse the
 * reply with parse (the parser of that format only).  Returns <0 for a
 * transport error (nothing tried), else 0 with t filled.
 */
static int
junos_try(struct junos_ctx *c, const char *cmd, enum junos_fmt f,
    junos_parse_fn parse, void *out, struct junos_try *t,
    struct fd_error *err)
{
	char full[JUNOS_FULL_MAX];
	struct ssh_result res;
	int rc;

	memset(t, 0, sizeof(*t));
	junos_full(c, cmd, f, full, sizeof(full));
	if ((rc = junos_exec(c, full, f, &res, err)) < 0)
		return rc;
	if (res.exit_status != 0 || junos_rejected(c, &res)) {
		t->exit_status = res.exit_status;
		junos_first_words(res.out[0] ? res.out : res.errout, t->first,
		    sizeof(t->first));
		ssh_result_done(&res);
		return 0;
	}
	t->accepted = true;
	junos_keep(c, cmd, junos_fmt_ext[f], &res);
	t->rc = parse(res.out, res.out_len, out, err);
	ssh_result_done(&res);
	return 0;
}

/*
 * The format cmd starts with: the device's (c->fmt), or an earlier one
 * whose reply junos_prefetch() already holds (sent before the device's
 * format moved on; reading it costs no round trip).
 */
static enum junos_fmt
junos_start(struct junos_ctx *c, const char *cmd)
{
	char full[JUNOS_FULL_MAX];
	enum junos_fmt f;

	for (f = JUNOS_JSON; f < c->fmt; f++) {
		junos_full(c, cmd, f, full, sizeof(full));
		if (junos_pre_find(c, full) != NULL)
			return f;
	}
	return c->fmt;
}

/*
 * The device's queries start with format f from now on; true when that is
 * news (the caller logs it once, naming the device and why).  Only ever
 * forward, JSON to XML or text; the fallbacks after f stay as they are.
 */
static bool
junos_learn(struct junos_ctx *c, enum junos_fmt f)
{
	if (f <= c->fmt)
		return false;
	c->fmt = f;
	return true;
}

/*
 * Run cmd and parse the reply into out, starting with the device's format
 * (junos_start()):
 *   1. "CMD | display json | no-more";
 *   2. when the JSON was accepted but does not parse (a prompt before the
 *      object, raw control characters, two objects, duplicate keys of
 *      15.1X49 SRX JSON), "CMD | display xml | no-more";
 *   3. "CMD | no-more" as text: when the CLI rejects JSON (before 14.2)
 *      or neither JSON nor XML parsed.
 * A device whose JSON does not parse while its XML does is asked in XML
 * first from then on (then text, as in 3); one that rejects "| display
 * json" with a syntax error, or whose XML cannot be read (libxml2
 * missing), while the text parses, in text.  PyEZ decides JSON once per
 * device too, from its release (py-junos-eznc lib/jnpr/junos/device.py:
 * native JSON from 14.2 on).  Nothing is learnt from a transport error,
 * or when the text failed as well: then the command is at fault, not the
 * format.  Parsers leave out untouched on failure, so a retry starts
 * clean.
 */
static int
junos_ask(struct junos_ctx *c, const char *cmd, const struct junos_parsers *ps,
    void *out, struct fd_error *err)
{
	enum junos_fmt start = junos_start(c, cmd);
	struct fd_error ferr = { 0 };	/* the first format's parse error */
	struct fd_error xerr = { 0 };	/* why XML could not be read */
	const char *rest = "XML and text";
	bool learning = c->fmt == JUNOS_JSON, json_bad = false;
	bool json_refused = false;
	char first[160] = "";
	struct junos_try t;
	int rc;

	if (start == JUNOS_JSON && ps->json != NULL) {
		if ((rc = junos_try(c, cmd, JUNOS_JSON, ps->json, out, &t,
		    err)) < 0)
			return rc;
		if (t.accepted && t.rc != -EBADMSG)
			return t.rc;
		if (t.accepted) {
			json_bad = true;
			ferr = *err;
		} else {
			/* Before 14.2 "json" is no display option: the
			 * caret under it and "syntax error"; over NETCONF
			 * an rpc-error naming json (its bad-element). */
			json_refused = strstr(t.first, c->netconf ? "json" :
			    "syntax error") != NULL;
			snprintf(first, sizeof(first), "%s", t.first);
		}
	}
	if (ps->xml != NULL && (start == JUNOS_XML || json_bad)) {
		if ((rc = junos_try(c, cmd, JUNOS_XML, ps->xml, out, &t,
		    err)) < 0)
			return rc;
		if (t.accepted && t.rc == 0 && json_bad && learning &&
		    junos_learn(c, JUNOS_XML))
			log_info("%s: its JSON does not parse (%s: %s); asking "
			    "in XML from now on", c->cfg.name, cmd, ferr.msg);
		if (t.accepted && (t.rc == 0 || t.rc == -ENOMEM))
			return t.rc;
		/* Any XML failure (libxml2 missing too) leaves text to
		 * try. */
		if (t.accepted && t.rc == -ENOENT)
			xerr = *err;
		if (start == JUNOS_XML && t.accepted) {
			ferr = *err;
			rest = "text";
		}
	}
	if ((rc = junos_try(c, cmd, JUNOS_TEXT, ps->text, out, &t, err)) < 0)
		return rc;
	if (!t.accepted) {
		/* The JSON (or XML) error says more than a text refusal
		 * after it. */
		if (ferr.code != 0) {
			*err = ferr;
			return fd_error_set(err, ferr.code, "%s (%s not "
			    "accepted either)", ferr.msg, rest);
		}
		if (c->netconf)
			return fd_error_set(err, -EPROTO, "%s", t.first);
		return fd_error_set(err, -EPROTO, "device rejected the command "
		    "(exit %d): %s", t.exit_status, t.first);
	}
	if (t.rc == 0 && learning && json_refused &&
	    junos_learn(c, JUNOS_TEXT))
		log_info("%s: it rejects %s (%s: %s), as releases before "
		    "14.2 do; asking in text from now on", c->cfg.name,
		    c->netconf ? "format=\"json\"" : "\"| display json\"",
		    cmd, first);
	else if (t.rc == 0 && learning && json_bad && xerr.code != 0 &&
	    junos_learn(c, JUNOS_TEXT))
		log_info("%s: its JSON does not parse (%s: %s) and %s; asking "
		    "in text from now on", c->cfg.name, cmd, ferr.msg,
		    xerr.msg);
	return t.rc;
}

static int
junos_fail(struct junos_ctx *c, const char *cmd, int rc, struct fd_error *err)
{
	fd_error_prefix(err, "%s: %s%s", c->cfg.name, c->netconf &&
	    strncmp(cmd, "traceroute", 10) != 0 ? "netconf " : "", cmd);
	return rc;
}

/* Typed parsers behind the junos_parse_fn signature. */
static int
p_json_version(const char *b, size_t n, void *o, struct fd_error *e)
{
	return junos_json_version(b, n, o, e);
}

static int
p_xml_version(const char *b, size_t n, void *o, struct fd_error *e)
{
	return junos_xml_version(b, n, o, e);
}

static int
p_text_version(const char *b, size_t n, void *o, struct fd_error *e)
{
	return junos_text_version(b, n, o, e);
}

static int
p_json_routes(const char *b, size_t n, void *o, struct fd_error *e)
{
	return junos_json_routes(b, n, o, e);
}

static int
p_xml_routes(const char *b, size_t n, void *o, struct fd_error *e)
{
	return junos_xml_routes(b, n, o, e);
}

/* Junos prints nothing at all when no route matches (FORMATS.md 1.1):
 * an empty set, which expectations then judge. */
static bool
text_blank(const char *b, size_t n)
{
	junos_status_trim(&b, &n);
	return n == 0;
}

static int
p_text_routes(const char *b, size_t n, void *o, struct fd_error *e)
{
	return text_blank(b, n) ? 0 : junos_text_routes(b, n, o, e);
}

static int
p_text_bgp_routes(const char *b, size_t n, void *o, struct fd_error *e)
{
	return text_blank(b, n) ? 0 : junos_text_bgp_routes(b, n, o, e);
}

static int
p_json_bgp(const char *b, size_t n, void *o, struct fd_error *e)
{
	return junos_json_bgp(b, n, o, e);
}

static int
p_xml_bgp(const char *b, size_t n, void *o, struct fd_error *e)
{
	return junos_xml_bgp(b, n, o, e);
}

static int
p_text_bgp_summary(const char *b, size_t n, void *o, struct fd_error *e)
{
	return junos_text_bgp_summary(b, n, o, e);
}

static int
p_text_bgp_neighbor(const char *b, size_t n, void *o, struct fd_error *e)
{
	return junos_text_bgp_neighbor(b, n, o, e);
}

static const struct junos_parsers parse_version = {
	p_json_version, p_xml_version, p_text_version,
};
static const struct junos_parsers parse_routes = {
	p_json_routes, p_xml_routes, p_text_routes,
};
static const struct junos_parsers parse_bgp_routes = {
	p_json_routes, p_xml_routes, p_text_bgp_routes,
};
static const struct junos_parsers parse_bgp_summary = {
	p_json_bgp, p_xml_bgp, p_text_bgp_summary,
};
static const struct junos_parsers parse_bgp_neighbor = {
	p_json_bgp, p_xml_bgp, p_text_bgp_neighbor,
};

static int
junos_info(void *ctx, struct device_info *out, struct fd_error *err)
{
	struct junos_ctx *c = ctx;
	const char *cmd = "show version";
	int rc;

	rc = junos_ask(c, cmd, &parse_version, out, err);
	return rc < 0 ? junos_fail(c, cmd, rc, err) : 0;
}

static void
junos_default_table(struct junos_ctx *c, bool v6, char *buf, size_t len)
{
	if (c->cfg.routing_instance[0] != '\0')
		snprintf(buf, len, "%s.%s", c->cfg.routing_instance,
		    v6 ? "inet6.0" : "inet.0");
	else
		snprintf(buf, len, "%s", v6 ? "inet6.0" : "inet.0");
}

static int
junos_route_query(struct junos_ctx *c, const char *cmd,
    const struct junos_parsers *ps, struct route_set *out,
    struct fd_error *err)
{
	int rc = junos_ask(c, cmd, ps, out, err);

	return rc < 0 ? junos_fail(c, cmd, rc, err) : 0;
}

static int
routes_cmd(struct junos_ctx *c, const char *table, const struct fd_prefix *pfx,
    char *cmd, size_t len, struct fd_error *err)
{
	char t[ROUTE_TABLE_MAX];

	if (table == NULL || table[0] == '\0') {
		junos_default_table(c, pfx != NULL &&
		    pfx->addr.family == AF_INET6, t, sizeof(t));
		table = t;
	}
	return junos_cmd_routes(table, pfx, cmd, len, err);
}

static int
bgp_routes_cmd(struct junos_ctx *c, bool adv, const struct fd_addr *nbr,
    const char *table, char *cmd, size_t len, struct fd_error *err)
{
	char t[ROUTE_TABLE_MAX];

	if ((table == NULL || table[0] == '\0') &&
	    c->cfg.routing_instance[0] != '\0') {
		junos_default_table(c, nbr != NULL &&
		    nbr->family == AF_INET6, t, sizeof(t));
		table = t;
	}
	return junos_cmd_bgp_routes(adv, nbr, table, cmd, len, err);
}

static int
junos_routes(void *ctx, const char *table, const struct fd_prefix *pfx,
    struct route_set *out, struct fd_error *err)
{
	struct junos_ctx *c = ctx;
	char cmd[JUNOS_CMD_MAX];
	int rc;

	rc = routes_cmd(c, table, pfx, cmd, sizeof(cmd), err);
	if (rc < 0)
		return junos_fail(c, "show route", rc, err);
	return junos_route_query(c, cmd, &parse_routes, out, err);
}

static int
junos_bgp_routes(struct junos_ctx *c, bool adv, const struct fd_addr *nbr,
    const char *table, struct route_set *out, struct fd_error *err)
{
	char cmd[JUNOS_CMD_MAX];
	int rc;

	rc = bgp_routes_cmd(c, adv, nbr, table, cmd, sizeof(cmd), err);
	if (rc < 0)
		return junos_fail(c, "show route", rc, err);
	return junos_route_query(c, cmd, &parse_bgp_routes, out, err);
}

static int
junos_advertised(void *ctx, const struct fd_addr *nbr, const char *table,
    struct route_set *out, struct fd_error *err)
{
	return junos_bgp_routes(ctx, true, nbr, table, out, err);
}

static int
junos_received(void *ctx, const struct fd_addr *nbr, const char *table,
    struct route_set *out, struct fd_error *err)
{
	return junos_bgp_routes(ctx, false, nbr, table, out, err);
}

static int
junos_bgp_summary(void *ctx, const char *instance, struct bgp_summary *out,
    struct fd_error *err)
{
	struct junos_ctx *c = ctx;
	struct bgp_summary tmp;
	char cmd[JUNOS_CMD_MAX], inst[64];
	size_t i;
	int rc;

	rc = junos_cmd_bgp_summary(instance, cmd, sizeof(cmd), err);
	if (rc < 0)
		return junos_fail(c, "show bgp summary", rc, err);
	bgp_summary_init(&tmp);
	rc = junos_ask(c, cmd, &parse_bgp_summary, &tmp, err);
	if (rc == -EPROTO && instance != NULL && instance[0] != '\0') {
		/* A release without "exact-instance": "instance" matches
		 * by prefix; the filter below keeps the exact one. */
		snprintf(cmd, sizeof(cmd), "show bgp summary instance %s",
		    instance);
		rc = junos_ask(c, cmd, &parse_bgp_summary, &tmp, err);
	}
	if (rc == 0 && instance != NULL && instance[0] != '\0') {
		/* The CLI says "master" for the default instance. */
		snprintf(inst, sizeof(inst), "%s", strcmp(instance,
		    "master") == 0 ? "" : instance);
		junos_bgp_keep_instance(&tmp, inst);
	}
	for (i = 0; rc == 0 && i < tmp.n; i++)
		if (bgp_summary_add(out, &tmp.v[i]) < 0)
			rc = fd_error_set(err, -ENOMEM, "out of memory");
	bgp_summary_done(&tmp);
	return rc < 0 ? junos_fail(c, cmd, rc, err) : 0;
}

int
junos_bgp_neighbor(void *ctx, const struct fd_addr *nbr,
    struct bgp_summary *out, struct fd_error *err)
{
	struct junos_ctx *c = ctx;
	char cmd[JUNOS_CMD_MAX];
	int rc;

	rc = junos_cmd_bgp_neighbor(nbr, cmd, sizeof(cmd), err);
	if (rc < 0)
		return junos_fail(c, "show bgp neighbor", rc, err);
	rc = junos_ask(c, cmd, &parse_bgp_neighbor, out, err);
	return rc < 0 ? junos_fail(c, cmd, rc, err) : 0;
}

struct trace_out {
	const struct fd_addr *to;
	struct hop_list *out;
};

static int
p_text_trace(const char *b, size_t n, void *o, struct fd_error *e)
{
	struct trace_out *t = o;
	struct hop_list *l;
	int rc;

	l = hop_list_new();
	if (l == NULL)
		return fd_error_set(e, -ENOMEM, "out of memory");
	/* The header goes to stderr on FreeBSD-derived traceroute
	 * (FORMATS.md 5.1); the hops are on stdout. */
	l->target = *t->to;
	rc = junos_text_traceroute(b, n, l, e);
	if (rc == 0)
		*t->out = *l;
	hop_list_free(l);
	return rc;
}

/*
 * Run the traceroute and parse it.  A trace that outlives its command
 * timeout (the device waits longer than the spec says, or the path has
 * more silent hops than ttl allows for) keeps the hops it printed: the
 * output so far is parsed, the cut-off line dropped, and the trace ends
 * there, not reached.  Only a trace with no hop at all is an error.
 */
static int
junos_trace_exec(struct junos_ctx *c, const char *cmd, struct trace_out *t,
    struct fd_error *err)
{
	struct ssh_result res;
	char first[160];
	const char *nl;
	size_t n;
	int rc;

	if ((rc = junos_connect(c, err)) < 0)
		return rc;
	rc = ssh_exec_partial(c->ssh, cmd, &res, err);
	if (rc == -ECONNRESET || rc == -ENOTCONN) {
		ssh_close(c->ssh);
		c->ssh = NULL;
	}
	if (rc < 0)
		return rc;
	if (res.timed_out) {
		/* The session was dropped mid-command; the next command
		 * opens a new one.  The last line may be cut mid-hop. */
		ssh_close(c->ssh);
		c->ssh = NULL;
		nl = memrchr(res.out, '\n', res.out_len);
		n = nl != NULL ? (size_t)(nl - res.out) + 1 : 0;
		res.out[n] = '\0';
		res.out_len = n;
		junos_keep(c, cmd, "txt", &res);
		rc = p_text_trace(res.out, res.out_len, t, err);
		if (rc == 0)
			t->out->truncated = true;
		if (rc == 0 && t->out->n == 0)
			rc = fd_error_set(err, -ETIMEDOUT, "timed out before "
			    "the first hop");
		else if (rc == 0)
			log_warn("%s: %s: timed out after %u hops; kept the "
			    "hops answered so far", c->cfg.name, cmd,
			    t->out->n);
		ssh_result_done(&res);
		return rc;
	}
	if (res.exit_status != 0 || junos_reply_rejected(res.out) ||
	    junos_reply_rejected(res.errout)) {
		junos_first_words(res.out[0] ? res.out : res.errout, first,
		    sizeof(first));
		ssh_result_done(&res);
		return fd_error_set(err, -EPROTO, "device rejected the command "
		    "(exit %d): %s", res.exit_status, first);
	}
	junos_keep(c, cmd, "txt", &res);
	rc = p_text_trace(res.out, res.out_len, t, err);
	ssh_result_done(&res);
	return rc;
}

/* The traceroute as an RPC, for a device whose NETCONF-only port (Junos's
 * 830 "accepts only NETCONF-over-SSH sessions", Juniper's "Configuring
 * NETCONF-Over-SSH Connections on a Specified TCP Port") refuses an exec.
 * No partial output; the raised timeout covers every hop silent. */
static int
junos_trace_rpc(struct junos_ctx *c, const char *cmd, struct trace_out *t,
    struct fd_error *err)
{
	char op[JUNOS_FULL_MAX];
	struct ssh_result res;
	int rc;

	junos_full(c, cmd, JUNOS_TEXT, op, sizeof(op));
	if ((rc = junos_exec(c, op, JUNOS_TEXT, &res, err)) < 0)
		return rc;
	if (res.exit_status != 0) {
		rc = fd_error_set(err, -EPROTO, "%s", res.out);
	} else {
		junos_keep(c, cmd, "txt", &res);
		rc = p_text_trace(res.out, res.out_len, t, err);
	}
	ssh_result_done(&res);
	return rc;
}

static int
junos_traceroute(void *ctx, const struct fd_addr *to, const char *instance,
    struct hop_list *out, struct fd_error *err)
{
	struct junos_ctx *c = ctx;
	struct trace_out t = { to, out };
	char cmd[JUNOS_CMD_MAX], why[FD_ERROR_MSG];
	unsigned want, old;
	int rc;

	if (instance == NULL || instance[0] == '\0')
		instance = c->cfg.routing_instance;
	rc = junos_cmd_traceroute(to, instance, c->cfg.trace_wait_s,
	    c->cfg.trace_max_ttl, cmd, sizeof(cmd), err);
	if (rc < 0)
		return junos_fail(c, "traceroute", rc, err);
	if ((rc = junos_connect(c, err)) < 0)
		return junos_fail(c, cmd, rc, err);
	want = junos_traceroute_timeout_ms(c->cfg.trace_wait_s,
	    c->cfg.trace_max_ttl);
	old = ssh_set_command_timeout(c->ssh, want > c->cfg.command_timeout_ms ?
	    want : c->cfg.command_timeout_ms);
	rc = c->trace_rpc ? -EPERM : junos_trace_exec(c, cmd, &t, err);
	if (c->netconf && c->ssh != NULL && (rc == -EPERM || rc == -EPROTO)) {
		snprintf(why, sizeof(why), "%s", c->trace_rpc ? "" : err->msg);
		rc = junos_trace_rpc(c, cmd, &t, err);
		if (rc == 0 && !c->trace_rpc)
			log_info("%s: %s: not run on an exec channel (%s); "
			    "traceroutes go over NETCONF from now on",
			    c->cfg.name, cmd, why);
		c->trace_rpc = c->trace_rpc || rc == 0;
	}
	if (c->ssh != NULL)
		ssh_set_command_timeout(c->ssh, old);
	return rc < 0 ? junos_fail(c, cmd, rc, err) : 0;
}

/*
 * device_ops.prefetch: the first try of each query, in the device's format
 * (junos_ask(): "CMD | display json | no-more" until the device showed
 * that another serves it better), on up to JUNOS_CHANNELS channels of the
 * session at once (ssh_exec_many), or over NETCONF as RPCs pipelined on
 * its one session (junos_nc_many()), each reply kept for its query's
 * junos_exec() under its full command line, so only the query's try in
 * that format takes it, for that format's parser.  The fallbacks,
 * parsing, saving and errors stay with the query.  A query whose command
 * cannot be built is left to report it.
 */
static void
junos_prefetch(void *ctx, const struct device_query *q, size_t n)
{
	struct junos_ctx *c = ctx;
	char cmd[JUNOS_CMD_MAX], full[JUNOS_FULL_MAX];
	struct fd_error e = { 0 };
	const char **cmds = NULL;
	struct ssh_result *res = NULL;
	struct fd_error *errs = NULL;
	int *rcs = NULL, rc;
	size_t i, k, m = 0;

	junos_pre_drop(c);
	if (n < 2 || junos_connect(c, &e) < 0)
		return;
	c->pre = calloc(n, sizeof(*c->pre));
	cmds = calloc(n, sizeof(*cmds));
	res = calloc(n, sizeof(*res));
	errs = calloc(n, sizeof(*errs));
	rcs = calloc(n, sizeof(*rcs));
	if (c->pre == NULL || cmds == NULL || res == NULL || errs == NULL ||
	    rcs == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		switch (q[i].kind) {
		case DEVQ_INFO:
			rc = snprintf(cmd, sizeof(cmd), "show version") < 0;
			break;
		case DEVQ_ROUTES:
			rc = routes_cmd(c, q[i].table, q[i].prefix, cmd,
			    sizeof(cmd), &e);
			break;
		case DEVQ_ADVERTISED:
		case DEVQ_RECEIVED:
			rc = bgp_routes_cmd(c, q[i].kind == DEVQ_ADVERTISED,
			    q[i].addr, q[i].table, cmd, sizeof(cmd), &e);
			break;
		case DEVQ_BGP_SUMMARY:
			rc = junos_cmd_bgp_summary(q[i].instance, cmd,
			    sizeof(cmd), &e);
			break;
		default:
			rc = -EINVAL;
		}
		if (rc < 0)
			continue;
		junos_full(c, cmd, c->fmt, full, sizeof(full));
		/* Two queries that ask the same (preflight's route check and
		 * baseline's snapshot of it) share one exec and its reply. */
		for (k = 0; k < m; k++)
			if (strcmp(c->pre[k].cmd, full) == 0)
				break;
		if (k < m) {
			c->pre[k].more++;
			continue;
		}
		if ((c->pre[m].cmd = strdup(full)) == NULL)
			break;
		cmds[m] = c->pre[m].cmd;
		m++;
	}
	c->npre = m;
	if (m == 0 || (m == 1 && c->pre[0].more == 0)) {
		junos_pre_drop(c);
		goto out;
	}
	for (i = 0; i < m && !c->netconf; i++)
		log_debug("%s: exec %s (batch of %zu)", c->cfg.name, cmds[i],
		    m);
	if (c->netconf)
		junos_nc_many(c->ssh, c->cfg.name, cmds, m, c->fmt, res, rcs,
		    errs);
	else
		ssh_exec_many(c->ssh, cmds, m, JUNOS_CHANNELS, res, rcs,
		    errs);
	for (i = 0; i < m; i++) {
		c->pre[i].rc = rcs[i];
		c->pre[i].res = res[i];
		c->pre[i].err = errs[i];
	}
out:
	if (c->pre != NULL && c->npre == 0)
		junos_pre_drop(c);
	free(cmds);
	free(res);
	free(errs);
	free(rcs);
}

const struct device_ops junos_device_ops = {
	.kind = "junos",
	.library = junos_xml_library,
	.open = junos_open,
	.info = junos_info,
	.routes = junos_routes,
	.advertised = junos_advertised,
	.received = junos_received,
	.bgp_summary = junos_bgp_summary,
	.traceroute = junos_traceroute,
	.idle = junos_idle,
	.record = junos_record,
	.close = junos_close,
	.prefetch = junos_prefetch,
};
