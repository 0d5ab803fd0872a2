/*
 * junos_device_ops: each query runs "CMD | display json | no-more" and
 * falls back to "CMD | no-more" (text) when the CLI rejects JSON ("syntax
 * error", "unknown command").  The fallback is decided per command, not
 * per session: some releases render JSON for one command and not another.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "junos.h"
#include "junos_parse.h"
#include "transport/ssh.h"

#define JUNOS_CMD_MAX 512

struct junos_ctx {
	struct device_cfg cfg;
	struct ssh_conn *ssh;
};

bool
junos_valid_name(const char *s)
{
	size_t n = 0;

	if (s == NULL)
		return false;
	for (; s[n] != '\0'; n++)
		if (!isalnum((unsigned char)s[n]) && s[n] != '_' &&
		    s[n] != '.' && s[n] != '-')
			return false;
	return n > 0 && n < 64 && s[0] != '-';
}

static int
cmd_name(const char *what, const char *s, struct fd_error *err)
{
	if (!junos_valid_name(s))
		return fd_error_set(err, -EINVAL, "invalid %s name '%.64s' "
		    "(allowed: A-Z a-z 0-9 _ . -)", what, s ? s : "");
	return 0;
}

static int
cmd_fit(int n, size_t len, struct fd_error *err)
{
	if (n < 0 || (size_t)n >= len)
		return fd_error_set(err, -ENAMETOOLONG, "command too long");
	return 0;
}

int
junos_cmd_routes(const char *table, const struct fd_prefix *pfx, char *buf,
    size_t len, struct fd_error *err)
{
	char p[FD_PREFIX_STRLEN];
	int rc;

	if ((rc = cmd_name("table", table, err)) < 0)
		return rc;
	if (pfx != NULL)
		return cmd_fit(snprintf(buf, len, "show route table %s %s "
		    "exact", table, prefix_str(pfx, p, sizeof(p))), len, err);
	return cmd_fit(snprintf(buf, len, "show route table %s", table), len,
	    err);
}

int
junos_cmd_bgp_routes(bool advertised, const struct fd_addr *nbr,
    const char *table, char *buf, size_t len, struct fd_error *err)
{
	char a[FD_ADDR_STRLEN];
	int rc, n;

	if (nbr == NULL || !addr_is_set(nbr))
		return fd_error_set(err, -EINVAL, "no neighbour address");
	n = snprintf(buf, len, "show route %s-protocol bgp %s",
	    advertised ? "advertising" : "receive", addr_str(nbr, a,
	    sizeof(a)));
	if ((rc = cmd_fit(n, len, err)) < 0)
		return rc;
	if (table == NULL || table[0] == '\0')
		return 0;
	if ((rc = cmd_name("table", table, err)) < 0)
		return rc;
	return cmd_fit(n + snprintf(buf + n, len - (size_t)n, " table %s",
	    table), len, err);
}

int
junos_cmd_bgp_summary(const char *instance, char *buf, size_t len,
    struct fd_error *err)
{
	int rc;

	if (instance == NULL || instance[0] == '\0')
		return cmd_fit(snprintf(buf, len, "show bgp summary"), len,
		    err);
	if ((rc = cmd_name("instance", instance, err)) < 0)
		return rc;
	return cmd_fit(snprintf(buf, len, "show bgp summary instance %s",
	    instance), len, err);
}

int
junos_cmd_bgp_neighbor(const struct fd_addr *nbr, char *buf, size_t len,
    struct fd_error *err)
{
	char a[FD_ADDR_STRLEN];

	if (nbr == NULL || !addr_is_set(nbr))
		return fd_error_set(err, -EINVAL, "no neighbour address");
	return cmd_fit(snprintf(buf, len, "show bgp neighbor %s",
	    addr_str(nbr, a, sizeof(a))), len, err);
}

int
junos_cmd_traceroute(const struct fd_addr *to, const char *instance,
    char *buf, size_t len, struct fd_error *err)
{
	char a[FD_ADDR_STRLEN];
	int rc, n;

	if (to == NULL || !addr_is_set(to))
		return fd_error_set(err, -EINVAL, "no traceroute target");
	n = snprintf(buf, len, "traceroute %s no-resolve",
	    addr_str(to, a, sizeof(a)));
	if ((rc = cmd_fit(n, len, err)) < 0)
		return rc;
	if (instance == NULL || instance[0] == '\0')
		return 0;
	if ((rc = cmd_name("instance", instance, err)) < 0)
		return rc;
	return cmd_fit(n + snprintf(buf + n, len - (size_t)n,
	    " routing-instance %s", instance), len, err);
}

/* ------------------------------------------------------------ session */

static int
junos_open(const struct device_cfg *cfg, void **out, struct fd_error *err)
{
	struct junos_ctx *c;

	if (cfg->routing_instance[0] != '\0' &&
	    !junos_valid_name(cfg->routing_instance))
		return fd_error_set(err, -EINVAL, "%s: invalid "
		    "routing_instance '%.64s'", cfg->name,
		    cfg->routing_instance);
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return fd_error_set(err, -ENOMEM, "out of memory");
	c->cfg = *cfg;
	*out = c;
	return 0;
}

static void
junos_close(void *ctx)
{
	struct junos_ctx *c = ctx;

	if (c == NULL)
		return;
	ssh_close(c->ssh);
	explicit_bzero(c, sizeof(*c));
	free(c);
}

/* Run one command; connects on first use and after a dropped session. */
static int
junos_exec(struct junos_ctx *c, const char *cmd, struct ssh_result *res,
    struct fd_error *err)
{
	int rc;

	if (c->ssh == NULL) {
		rc = ssh_open(&c->cfg, &c->ssh, err);
		if (rc < 0)
			return rc;
	}
	rc = ssh_exec(c->ssh, cmd, res, err);
	if (rc == -ECONNRESET || rc == -ETIMEDOUT || rc == -ENOTCONN) {
		ssh_close(c->ssh);
		c->ssh = NULL;
	}
	return rc;
}

static bool
junos_rejected(const struct ssh_result *r)
{
	return junos_reply_rejected(r->out) ||
	    junos_reply_rejected(r->errout);
}

enum junos_fmt { JUNOS_JSON, JUNOS_TEXT };

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

/*
 * Run cmd as JSON, or as text if the device rejects JSON.  On success
 * *fmt says which one res holds.
 */
static int
junos_query(struct junos_ctx *c, const char *cmd, bool json,
    struct ssh_result *res, enum junos_fmt *fmt, struct fd_error *err)
{
	char full[JUNOS_CMD_MAX + 64];
	int rc;

	if (json) {
		snprintf(full, sizeof(full), "%s | display json | no-more",
		    cmd);
		rc = junos_exec(c, full, res, err);
		if (rc < 0)
			return rc;
		if (res->exit_status == 0 && !junos_rejected(res)) {
			*fmt = JUNOS_JSON;
			return 0;
		}
		ssh_result_done(res);
	}
	snprintf(full, sizeof(full), "%s | no-more", cmd);
	if (!json)
		snprintf(full, sizeof(full), "%s", cmd);
	rc = junos_exec(c, full, res, err);
	if (rc < 0)
		return rc;
	if (res->exit_status != 0 || junos_rejected(res)) {
		char first[160];

		junos_first_words(res->out[0] ? res->out : res->errout, first,
		    sizeof(first));
		rc = fd_error_set(err, -EPROTO, "device rejected the command "
		    "(exit %d): %s", res->exit_status, first);
		ssh_result_done(res);
		return rc;
	}
	*fmt = JUNOS_TEXT;
	return 0;
}

static int
junos_fail(struct junos_ctx *c, const char *cmd, int rc, struct fd_error *err)
{
	fd_error_prefix(err, "%s: %s", c->cfg.name, cmd);
	return rc;
}

static int
junos_info(void *ctx, struct device_info *out, struct fd_error *err)
{
	struct junos_ctx *c = ctx;
	struct ssh_result res;
	enum junos_fmt fmt;
	const char *cmd = "show version";
	int rc;

	rc = junos_query(c, cmd, true, &res, &fmt, err);
	if (rc < 0)
		return junos_fail(c, cmd, rc, err);
	rc = fmt == JUNOS_JSON ?
	    junos_json_version(res.out, res.out_len, out, err) :
	    junos_text_version(res.out, res.out_len, out, err);
	ssh_result_done(&res);
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

/* Query, parse as routes (JSON, or text with the given text parser). */
static int
junos_route_query(struct junos_ctx *c, const char *cmd,
    int (*text)(const char *, size_t, struct route_set *, struct fd_error *),
    struct route_set *out, struct fd_error *err)
{
	struct ssh_result res;
	enum junos_fmt fmt;
	int rc;

	rc = junos_query(c, cmd, true, &res, &fmt, err);
	if (rc < 0)
		return junos_fail(c, cmd, rc, err);
	/* Junos prints nothing at all when no route matches (FORMATS.md
	 * 1.1): an empty set, which expectations then judge. */
	if (fmt == JUNOS_TEXT && res.out[strspn(res.out, " \t\r\n")] == '\0')
		rc = 0;
	else
		rc = fmt == JUNOS_JSON ?
		    junos_json_routes(res.out, res.out_len, out, err) :
		    text(res.out, res.out_len, out, err);
	ssh_result_done(&res);
	return rc < 0 ? junos_fail(c, cmd, rc, err) : 0;
}

static int
junos_routes(void *ctx, const char *table, const struct fd_prefix *pfx,
    struct route_set *out, struct fd_error *err)
{
	struct junos_ctx *c = ctx;
	char cmd[JUNOS_CMD_MAX], t[ROUTE_TABLE_MAX];
	int rc;

	if (table == NULL || table[0] == '\0') {
		junos_default_table(c, pfx != NULL &&
		    pfx->addr.family == AF_INET6, t, sizeof(t));
		table = t;
	}
	rc = junos_cmd_routes(table, pfx, cmd, sizeof(cmd), err);
	if (rc < 0)
		return junos_fail(c, "show route", rc, err);
	return junos_route_query(c, cmd, junos_text_routes, out, err);
}

static int
junos_bgp_routes(struct junos_ctx *c, bool adv, const struct fd_addr *nbr,
    const char *table, struct route_set *out, struct fd_error *err)
{
	char cmd[JUNOS_CMD_MAX], t[ROUTE_TABLE_MAX];
	int rc;

	if ((table == NULL || table[0] == '\0') &&
	    c->cfg.routing_instance[0] != '\0') {
		junos_default_table(c, nbr != NULL &&
		    nbr->family == AF_INET6, t, sizeof(t));
		table = t;
	}
	rc = junos_cmd_bgp_routes(adv, nbr, table, cmd, sizeof(cmd), err);
	if (rc < 0)
		return junos_fail(c, "show route", rc, err);
	return junos_route_query(c, cmd, junos_text_bgp_routes, out, err);
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
junos_bgp_query(struct junos_ctx *c, const char *cmd,
    int (*text)(const char *, size_t, struct bgp_summary *,
    struct fd_error *), struct bgp_summary *out, struct fd_error *err)
{
	struct ssh_result res;
	enum junos_fmt fmt;
	int rc;

	rc = junos_query(c, cmd, true, &res, &fmt, err);
	if (rc < 0)
		return junos_fail(c, cmd, rc, err);
	rc = fmt == JUNOS_JSON ?
	    junos_json_bgp(res.out, res.out_len, out, err) :
	    text(res.out, res.out_len, out, err);
	ssh_result_done(&res);
	return rc < 0 ? junos_fail(c, cmd, rc, err) : 0;
}

static int
junos_bgp_summary(void *ctx, const char *instance, struct bgp_summary *out,
    struct fd_error *err)
{
	struct junos_ctx *c = ctx;
	char cmd[JUNOS_CMD_MAX];
	int rc;

	rc = junos_cmd_bgp_summary(instance, cmd, sizeof(cmd), err);
	if (rc < 0)
		return junos_fail(c, "show bgp summary", rc, err);
	return junos_bgp_query(c, cmd, junos_text_bgp_summary, out, err);
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
	return junos_bgp_query(c, cmd, junos_text_bgp_neighbor, out, err);
}

static int
junos_traceroute(void *ctx, const struct fd_addr *to, const char *instance,
    struct hop_list *out, struct fd_error *err)
{
	struct junos_ctx *c = ctx;
	struct ssh_result res;
	struct hop_list *l;
	enum junos_fmt fmt;
	char cmd[JUNOS_CMD_MAX];
	int rc;

	if (instance == NULL || instance[0] == '\0')
		instance = c->cfg.routing_instance;
	rc = junos_cmd_traceroute(to, instance, cmd, sizeof(cmd), err);
	if (rc < 0)
		return junos_fail(c, "traceroute", rc, err);
	rc = junos_query(c, cmd, false, &res, &fmt, err);
	if (rc < 0)
		return junos_fail(c, cmd, rc, err);
	l = hop_list_new();
	if (l == NULL) {
		ssh_result_done(&res);
		return fd_error_set(err, -ENOMEM, "out of memory");
	}
	/* The header goes to stderr on FreeBSD-derived traceroute
	 * (FORMATS.md 5.1); the hops are on stdout. */
	l->target = *to;
	rc = junos_text_traceroute(res.out, res.out_len, l, err);
	ssh_result_done(&res);
	if (rc == 0)
		*out = *l;
	hop_list_free(l);
	return rc < 0 ? junos_fail(c, cmd, rc, err) : 0;
}

const struct device_ops junos_device_ops = {
	.kind = "junos",
	.open = junos_open,
	.info = junos_info,
	.routes = junos_routes,
	.advertised = junos_advertised,
	.received = junos_received,
	.bgp_summary = junos_bgp_summary,
	.traceroute = junos_traceroute,
	.close = junos_close,
};
