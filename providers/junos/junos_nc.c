/*
 * junos_nc.h: a Junos query as one NETCONF RPC.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "junos_nc.h"
#include "log.h"
#include "transport/netconf.h"

/* The format attribute's values, in enum junos_fmt order. */
static const char *const fname[] = { "json", "xml", "text" };

int
junos_nc_op(const char *cmd, enum junos_fmt f, char *buf, size_t len)
{
	char *op = nc_command_op((enum nc_format)f, cmd);
	int n;

	if (op == NULL)
		return -ENOMEM;
	n = snprintf(buf, len, "%s", op);
	free(op);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* What the log and errors call the RPC: its command, without the XML. */
static void
op_cmd(const char *op, char *buf, size_t len)
{
	const char *s = strchr(op, '>'), *e = strrchr(op, '<');

	if (s == NULL || e == NULL || e <= s)
		snprintf(buf, len, "%s", op);
	else
		snprintf(buf, len, "%.*s", (int)(e - s - 1), s + 1);
}

/* A reply as an exec's result (junos_nc.h junos_nc_exec()). */
static int
nc_result(const char *dev, const char *cmd, enum junos_fmt f,
    const char *msg, size_t len, const struct nc_reply *rep,
    struct ssh_result *out, struct fd_error *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if (rep->errors > 0) {
		rc = asprintf(&out->out, "rpc-error: %s%s%s%s", rep->message,
		    rep->bad_element[0] ? " (bad element: " : "",
		    rep->bad_element, rep->bad_element[0] ? ")" : "");
		out->exit_status = 1;
		if (rc < 0)
			out->out = NULL;
		else
			out->out_len = (size_t)rc;
	} else {
		/* RFC 6241 4.3: a warning does not fail the operation. */
		if (rep->warnings > 0)
			log_warn("%s: netconf %s: the device warns: %s", dev,
			    cmd, rep->warning);
		rc = nc_reply_payload(msg, len, (enum nc_format)f, &out->out,
		    &out->out_len, err);
		if (rc < 0)
			return fd_error_prefix(err, "reply to format %s",
			    fname[f]);
	}
	out->errout = strdup("");
	if (out->out == NULL || out->errout == NULL) {
		ssh_result_done(out);
		return fd_error_set(err, -ENOMEM, "out of memory");
	}
	return 0;
}

int
junos_nc_exec(struct ssh_conn *ssh, const char *dev, const char *op,
    enum junos_fmt f, struct ssh_result *out, struct fd_error *err)
{
	struct nc_reply rep;
	char cmd[512], *msg = NULL;
	size_t len = 0;
	int rc;

	op_cmd(op, cmd, sizeof(cmd));
	/* -vv: every round trip, to see what a device costs. */
	log_debug("%s: netconf rpc %s (format %s)", dev, cmd, fname[f]);
	if ((rc = ssh_netconf(ssh, op, &msg, &len, &rep, err)) < 0)
		return rc;
	rc = nc_result(dev, cmd, f, msg, len, &rep, out, err);
	free(msg);
	return rc;
}

void
junos_nc_many(struct ssh_conn *ssh, const char *dev, const char *const *ops,
    size_t n, enum junos_fmt f, struct ssh_result *outs, int *rcs,
    struct fd_error *errs)
{
	struct nc_reply *reps = calloc(n, sizeof(*reps));
	char **msgs = calloc(n, sizeof(*msgs)), cmd[512];
	size_t *lens = calloc(n, sizeof(*lens)), i;

	if (reps == NULL || msgs == NULL || lens == NULL) {
		for (i = 0; i < n; i++)
			rcs[i] = fd_error_set(&errs[i], -ENOMEM,
			    "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		op_cmd(ops[i], cmd, sizeof(cmd));
		log_debug("%s: netconf rpc %s (format %s, %zu pipelined)", dev,
		    cmd, fname[f], n);
	}
	ssh_netconf_many(ssh, ops, n, msgs, lens, reps, rcs, errs);
	for (i = 0; i < n; i++) {
		memset(&outs[i], 0, sizeof(outs[i]));
		if (rcs[i] < 0)
			continue;
		op_cmd(ops[i], cmd, sizeof(cmd));
		rcs[i] = nc_result(dev, cmd, f, msgs[i], lens[i], &reps[i],
		    &outs[i], &errs[i]);
	}
out:
	for (i = 0; msgs != NULL && i < n; i++)
		free(msgs[i]);
	free(msgs);
	free(lens);
	free(reps);
}
