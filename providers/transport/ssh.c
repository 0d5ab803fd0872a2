/*
 * The transport-neutral half of transport/ssh.h: struct ssh_conn runs
 * each read-only command over any struct ssh_ops (the libssh2 adapter in
 * ssh_session.c, or a test's scripted fake) and reconnects once when the
 * session dropped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "netconf.h"
#include "ssh.h"

struct ssh_conn {
	const struct ssh_ops *ops;
	void *ctx;			/* NULL: not connected */
	/* What ssh_open() was given, for the one reconnect of ssh_exec()
	 * (file names and variable names only: no secret is kept). */
	struct device_cfg cfg;
	unsigned command_timeout_ms;
	unsigned reconnects;
	/* NETCONF (ssh_netconf()): hellos exchanged on the transport's
	 * channel, and the last message-id sent on it. */
	bool nc_open;
	unsigned long nc_id;
};

int
ssh_open_with(const struct ssh_ops *ops, const struct device_cfg *cfg,
    struct ssh_conn **out, struct fd_error *err)
{
	struct ssh_conn *c;
	int rc;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return fd_error_set(err, -ENOMEM, "out of memory");
	c->ops = ops;
	c->cfg = *cfg;
	c->command_timeout_ms = cfg->command_timeout_ms ?
	    cfg->command_timeout_ms : 60000;
	rc = ops->open(cfg, &c->ctx, err);
	if (rc < 0) {
		free(c);
		return rc;
	}
	*out = c;
	return 0;
}

int
ssh_open(const struct device_cfg *cfg, struct ssh_conn **out,
    struct fd_error *err)
{
	return ssh_open_with(&ssh_libssh2_ops, cfg, out, err);
}

/* How errors name the connection: "device fw (10.1.11.1 port 830)". */
static void
ssh_who(const struct ssh_conn *c, char *who, size_t len)
{
	unsigned port = c->cfg.port ? c->cfg.port : 22;

	if (c->cfg.name[0] != '\0')
		snprintf(who, len, "device %s (%s port %u)", c->cfg.name,
		    c->cfg.host, port);
	else
		snprintf(who, len, "%s port %u", c->cfg.host, port);
}

/* Drop the connection (and its NETCONF session) and open a new one, host
 * key checked again; an error names who and the first drop's message. */
static int
ssh_reopen(struct ssh_conn *c, const char *who, const char *first,
    struct fd_error *err)
{
	int rc;

	if (c->ctx != NULL)
		c->ops->close(c->ctx);
	c->ctx = NULL;
	c->nc_open = false;
	c->reconnects++;
	rc = c->ops->open(&c->cfg, &c->ctx, err);
	if (rc < 0) {
		c->ctx = NULL;
		return fd_error_prefix(err, "%s: reconnecting after \"%.60s\"",
		    who, first);
	}
	return 0;
}

/*
 * Every command this transport runs is read-only ("show ...",
 * "traceroute ..."), so a command whose connection dropped (device
 * rebooted its sshd, a firewall forgot an idle flow) is run again once on
 * a new connection, host key checked again.  A second drop is an error
 * naming the device.  A timeout is not retried: the command itself is
 * slow, and running it again would double the wait.
 */
static int
ssh_exec_mode(struct ssh_conn *c, const char *cmd, struct ssh_result *out,
    bool partial, struct fd_error *err)
{
	char first[FD_ERROR_MSG], who[320];
	int rc;

	if (c == NULL)
		return fd_error_set(err, -ENOTCONN, "not connected");
	rc = c->ctx != NULL ? c->ops->exec(c->ctx, cmd, c->command_timeout_ms,
	    partial, out, err) : fd_error_set(err, -ENOTCONN, "the previous "
	    "command dropped the connection");
	if (rc == -EBUSY && c->nc_open) {
		/* One channel per connection (a STIG-hardened SRX): the
		 * NETCONF session gives way to cmd and reopens on the next
		 * RPC. */
		log_debug("%s: the device refused a second channel; ending "
		    "the NETCONF session for \"%s\"", c->cfg.name, cmd);
		ssh_netconf_end(c);
		rc = c->ops->exec(c->ctx, cmd, c->command_timeout_ms,
		    partial, out, err);
	}
	if (rc != -ECONNRESET && rc != -ENOTCONN)
		return rc;
	snprintf(first, sizeof(first), "%s", err->msg);
	ssh_who(c, who, sizeof(who));
	if ((rc = ssh_reopen(c, who, first, err)) < 0)
		return rc;
	rc = c->ops->exec(c->ctx, cmd, c->command_timeout_ms, partial, out,
	    err);
	if (rc == -ECONNRESET || rc == -ENOTCONN)
		return fd_error_prefix(err, "%s: connection dropped again after "
		    "one reconnect", who);
	return rc;
}

static bool
dropped(int rc)
{
	return rc == -ECONNRESET || rc == -ENOTCONN;
}

/* As ssh_exec_mode: one reconnect for the whole batch, and the commands
 * the drop cut off run again on the new connection. */
void
ssh_exec_many(struct ssh_conn *c, const char *const *cmds, size_t n,
    unsigned max_ch, struct ssh_result *outs, int *rcs, struct fd_error *errs)
{
	char who[320], first[FD_ERROR_MSG];
	const char **again;
	size_t *at, i, m = 0;
	struct ssh_result *o2;
	struct fd_error *e2;
	int *r2, rc;

	if (c == NULL || c->ops->exec_many == NULL || n < 2) {
		for (i = 0; i < n; i++)
			rcs[i] = ssh_exec(c, cmds[i], &outs[i], &errs[i]);
		return;
	}
	if (c->ctx != NULL)
		c->ops->exec_many(c->ctx, cmds, n, max_ch,
		    c->command_timeout_ms, outs, rcs, errs);
	else
		for (i = 0; i < n; i++)
			rcs[i] = fd_error_set(&errs[i], -ENOTCONN, "the "
			    "previous command dropped the connection");
	for (i = 0; i < n; i++)
		if (dropped(rcs[i]))
			m++;
	if (m == 0)
		return;
	again = calloc(m, sizeof(*again));
	at = calloc(m, sizeof(*at));
	o2 = calloc(m, sizeof(*o2));
	r2 = calloc(m, sizeof(*r2));
	e2 = calloc(m, sizeof(*e2));
	if (again == NULL || at == NULL || o2 == NULL || r2 == NULL ||
	    e2 == NULL)
		goto out;
	m = 0;
	for (i = 0; i < n; i++)
		if (dropped(rcs[i])) {
			if (m == 0)
				snprintf(first, sizeof(first), "%s",
				    errs[i].msg);
			at[m] = i;
			again[m++] = cmds[i];
		}
	ssh_who(c, who, sizeof(who));
	if ((rc = ssh_reopen(c, who, first, &e2[0])) < 0) {
		for (i = 0; i < m; i++) {
			errs[at[i]] = e2[0];
			rcs[at[i]] = rc;
		}
		goto out;
	}
	c->ops->exec_many(c->ctx, again, m, max_ch, c->command_timeout_ms,
	    o2, r2, e2);
	for (i = 0; i < m; i++) {
		outs[at[i]] = o2[i];
		rcs[at[i]] = r2[i];
		errs[at[i]] = e2[i];
		if (dropped(r2[i]))
			fd_error_prefix(&errs[at[i]], "%s: connection dropped "
			    "again after one reconnect", who);
	}
out:
	free(again);
	free(at);
	free(o2);
	free(r2);
	free(e2);
}

int
ssh_exec(struct ssh_conn *c, const char *cmd, struct ssh_result *out,
    struct fd_error *err)
{
	return ssh_exec_mode(c, cmd, out, false, err);
}

int
ssh_exec_partial(struct ssh_conn *c, const char *cmd, struct ssh_result *out,
    struct fd_error *err)
{
	return ssh_exec_mode(c, cmd, out, true, err);
}

void
ssh_idle(struct ssh_conn *c)
{
	if (c != NULL && c->ctx != NULL && c->ops->idle != NULL)
		c->ops->idle(c->ctx);
}

unsigned
ssh_reconnects(const struct ssh_conn *c)
{
	return c != NULL ? c->reconnects : 0;
}

void
ssh_result_done(struct ssh_result *r)
{
	if (r == NULL)
		return;
	free(r->out);
	free(r->errout);
	r->out = r->errout = NULL;
	r->out_len = r->err_len = 0;
}

void
ssh_close(struct ssh_conn *c)
{
	if (c == NULL)
		return;
	ssh_netconf_end(c);
	if (c->ctx != NULL)
		c->ops->close(c->ctx);
	free(c);
}

unsigned
ssh_set_command_timeout(struct ssh_conn *c, unsigned ms)
{
	unsigned old = c->command_timeout_ms;

	c->command_timeout_ms = ms;
	return old;
}

/* ------------------------------------------------------------ NETCONF */

static bool
nc_ops(const struct ssh_conn *c)
{
	return c->ops->nc_start != NULL && c->ops->nc_send != NULL &&
	    c->ops->nc_recv != NULL && c->ops->nc_stop != NULL;
}

static void
nc_abandon(struct ssh_conn *c)
{
	if (c->ctx != NULL)
		c->ops->nc_stop(c->ctx);
	c->nc_open = false;
}

/*
 * Open NETCONF's channel and exchange hellos.  RFC 6241 8.1: both peers
 * send their <hello> as soon as the session opens; ours goes first, so a
 * server that waits for it (against the RFC) still answers.  It offers
 * base:1.0 only, which keeps end-of-message framing (RFC 6242 4.1).
 */
static int
nc_begin(struct ssh_conn *c, struct fd_error *err)
{
	struct nc_hello h;
	char *msg = NULL;
	size_t len = 0;
	int rc;

	rc = c->ops->nc_start(c->ctx, c->command_timeout_ms, err);
	if (rc < 0)
		return rc;
	c->nc_id = 0;
	rc = c->ops->nc_send(c->ctx, nc_hello_client(), c->command_timeout_ms,
	    err);
	if (rc == 0)
		rc = c->ops->nc_recv(c->ctx, c->command_timeout_ms, &msg, &len,
		    err);
	if (rc == 0 && (rc = nc_hello_parse(msg, len, &h, err)) < 0 &&
	    rc == -EBADMSG)
		fd_error_prefix(err, "the server's <hello>");
	free(msg);
	if (rc < 0) {
		nc_abandon(c);
		return rc;
	}
	c->nc_open = true;
	log_debug("%s: netconf session %lu open", c->cfg.name, h.session_id);
	return 0;
}

static bool
nc_dropped(int rc)
{
	return rc == -ECONNRESET || rc == -ENOTCONN || rc == -EPIPE;
}

void
ssh_netconf_end(struct ssh_conn *c)
{
	unsigned t;
	char *rpc, *m = NULL;
	size_t n = 0;
	struct nc_reply r;
	struct fd_error e = { 0 };

	if (c == NULL || !c->nc_open || c->ctx == NULL) {
		if (c != NULL)
			c->nc_open = false;
		return;
	}
	/* The server answers <ok/> and closes the channel; a device that
	 * does not answer at once is left (the channel is closed
	 * anyway). */
	t = c->command_timeout_ms < 5000 ? c->command_timeout_ms : 5000;
	rpc = nc_rpc_close(++c->nc_id);
	if (rpc != NULL && c->ops->nc_send(c->ctx, rpc, t, &e) == 0 &&
	    c->ops->nc_recv(c->ctx, t, &m, &n, &e) == 0 &&
	    (nc_reply_parse(m, n, c->nc_id, &r, &e) < 0 || !r.ok))
		log_debug("%s: <close-session/> not answered <ok/>: %s",
		    c->cfg.name, e.msg[0] ? e.msg : r.message);
	free(rpc);
	free(m);
	nc_abandon(c);
}

/*
 * n operations on the open session, pipelined: every <rpc> sent before
 * the first reply is read.  RFC 6241 4.5: the server processes them one
 * after another and replies in the order received, so n queries cost the
 * device's work and one round trip, not n round trips.  ops[at[k]] for k
 * < m; a failure at reply k fails replies k..m-1 with its error (rc the
 * same for all, so a drop sends them again).
 */
static void
nc_batch(struct ssh_conn *c, const char *const *ops, const size_t *at,
    size_t m, char **msgs, size_t *lens, struct nc_reply *reps, int *rcs,
    struct fd_error *errs)
{
	unsigned long first;
	struct fd_error e = { 0 };
	size_t k = 0, j;
	char *rpc;
	int rc = 0;

	if (c->ctx == NULL)
		rc = fd_error_set(&e, -ENOTCONN, "the previous command dropped "
		    "the connection");
	else if (!c->nc_open)
		rc = nc_begin(c, &e);
	first = c->nc_id + 1;
	for (j = 0; rc == 0 && j < m; j++) {
		if ((rpc = nc_rpc_wrap(++c->nc_id, ops[at[j]])) == NULL) {
			rc = fd_error_set(&e, -ENOMEM, "out of memory");
			break;
		}
		rc = c->ops->nc_send(c->ctx, rpc, c->command_timeout_ms, &e);
		free(rpc);
	}
	if (rc < 0)
		nc_abandon(c);
	for (; rc == 0 && k < m; k++) {
		char *msg = NULL;
		size_t n = 0;

		rc = c->ops->nc_recv(c->ctx, c->command_timeout_ms, &msg, &n,
		    &e);
		if (rc == 0 && (rc = nc_reply_parse(msg, n, first + k,
		    &reps[at[k]], &e)) < 0)
			free(msg);
		if (rc < 0) {
			nc_abandon(c);
			break;
		}
		msgs[at[k]] = msg;
		lens[at[k]] = n;
		rcs[at[k]] = 0;
	}
	for (j = k; rc < 0 && j < m; j++) {
		rcs[at[j]] = rc;
		if (j == k)
			errs[at[j]] = e;
		else
			fd_error_set(&errs[at[j]], rc, "not answered: %s",
			    e.msg);
	}
}

void
ssh_netconf_many(struct ssh_conn *c, const char *const *ops, size_t n,
    char **msgs, size_t *lens, struct nc_reply *reps, int *rcs,
    struct fd_error *errs)
{
	char first[FD_ERROR_MSG], who[320];
	size_t *at, i, m = 0;
	int rc;

	for (i = 0; i < n; i++) {
		msgs[i] = NULL;
		lens[i] = 0;
		rcs[i] = 0;
		fd_error_clear(&errs[i]);
	}
	if ((at = calloc(n ? n : 1, sizeof(*at))) == NULL || c == NULL ||
	    !nc_ops(c)) {
		for (i = 0; i < n; i++)
			rcs[i] = at == NULL ? fd_error_set(&errs[i], -ENOMEM,
			    "out of memory") : c == NULL ? fd_error_set(
			    &errs[i], -ENOTCONN, "not connected") :
			    fd_error_set(&errs[i], -ENOTSUP, "this SSH "
			    "transport has no NETCONF");
		free(at);
		return;
	}
	for (i = 0; i < n; i++)
		at[i] = i;
	nc_batch(c, ops, at, n, msgs, lens, reps, rcs, errs);
	for (i = 0; i < n; i++)
		if (nc_dropped(rcs[i])) {
			if (m == 0)
				snprintf(first, sizeof(first), "%s",
				    errs[i].msg);
			at[m++] = i;
		}
	if (m == 0)
		goto out;
	/* As ssh_exec_mode(): read-only, so once more, on a new
	 * connection. */
	ssh_who(c, who, sizeof(who));
	if ((rc = ssh_reopen(c, who, first, &errs[at[0]])) < 0) {
		for (i = 0; i < m; i++) {
			errs[at[i]] = errs[at[0]];
			rcs[at[i]] = rc;
		}
		goto out;
	}
	nc_batch(c, ops, at, m, msgs, lens, reps, rcs, errs);
	for (i = 0; i < m; i++)
		if (nc_dropped(rcs[at[i]]))
			fd_error_prefix(&errs[at[i]], "%s: NETCONF session "
			    "lost again after one reconnect", who);
out:
	free(at);
}

/* One RPC: a batch of one. */
int
ssh_netconf(struct ssh_conn *c, const char *op, char **msg, size_t *len,
    struct nc_reply *rep, struct fd_error *err)
{
	int rc;

	ssh_netconf_many(c, &op, 1, msg, len, rep, &rc, err);
	return rc;
}
