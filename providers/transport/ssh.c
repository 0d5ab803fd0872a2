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

#include "ssh.h"

struct ssh_conn {
	const struct ssh_ops *ops;
	void *ctx;			/* NULL: not connected */
	/* What ssh_open() was given, for the one reconnect of ssh_exec()
	 * (file names and variable names only: no secret is kept). */
	struct device_cfg cfg;
	unsigned command_timeout_ms;
	unsigned reconnects;
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
	unsigned port;
	int rc;

	if (c == NULL)
		return fd_error_set(err, -ENOTCONN, "not connected");
	rc = c->ctx != NULL ? c->ops->exec(c->ctx, cmd, c->command_timeout_ms,
	    partial, out, err) : fd_error_set(err, -ENOTCONN, "the previous "
	    "command dropped the connection");
	if (rc != -ECONNRESET && rc != -ENOTCONN)
		return rc;
	snprintf(first, sizeof(first), "%s", err->msg);
	port = c->cfg.port ? c->cfg.port : 22;
	if (c->cfg.name[0] != '\0')
		snprintf(who, sizeof(who), "device %s (%s port %u)",
		    c->cfg.name, c->cfg.host, port);
	else
		snprintf(who, sizeof(who), "%s port %u", c->cfg.host, port);
	if (c->ctx != NULL)
		c->ops->close(c->ctx);
	c->ctx = NULL;
	c->reconnects++;
	rc = c->ops->open(&c->cfg, &c->ctx, err);
	if (rc < 0) {
		c->ctx = NULL;
		return fd_error_prefix(err, "%s: reconnecting after \"%.60s\"",
		    who, first);
	}
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
	snprintf(who, sizeof(who), "device %s (%s port %u)", c->cfg.name,
	    c->cfg.host, c->cfg.port ? c->cfg.port : 22);
	if (c->ctx != NULL)
		c->ops->close(c->ctx);
	c->ctx = NULL;
	c->reconnects++;
	rc = c->ops->open(&c->cfg, &c->ctx, &e2[0]);
	if (rc < 0) {
		c->ctx = NULL;
		for (i = 0; i < m; i++) {
			errs[at[i]] = e2[0];
			rcs[at[i]] = fd_error_prefix(&errs[at[i]], "%s: "
			    "reconnecting after \"%.60s\"", who, first);
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
