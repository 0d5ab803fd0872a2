/*
 * The NETCONF transport of junos_device_ops (a device's spec "transport":
 * "netconf"): each query is one RPC, Junos's <command format="json|xml|
 * text">CMD</command> (what PyEZ's Device.cli() sends, py-junos-eznc
 * lib/jnpr/junos/device.py), on the one NETCONF session of the device's
 * SSH connection (transport/ssh.h ssh_netconf()).  Its reply comes back
 * as an ssh_result like an exec's, so junos.c's format learning, record
 * and parsers take it as they take the CLI's.  Internal to providers/junos.
 */
#ifndef FD_JUNOS_NC_H
#define FD_JUNOS_NC_H

#include <stddef.h>

#include "error.h"
#include "transport/ssh.h"

/* The display formats, in the order junos.c tries them; the values are
 * those of netconf.h enum nc_format. */
enum junos_fmt {
	JUNOS_JSON,		/* "| display json", format="json", 14.2 on */
	JUNOS_XML,		/* "| display xml", format="xml" */
	JUNOS_TEXT,		/* the CLI's text, format="text" */
};

/* The <command> element asking cmd in format f, into buf: 0, or
 * -ENAMETOOLONG. */
int junos_nc_op(const char *cmd, enum junos_fmt f, char *buf, size_t len);

/*
 * Send op (junos_nc_op()) for device dev and read the reply as an exec's:
 * out->out is the payload of format f (netconf.h nc_reply_payload()),
 * exit_status 0; a reply with an <rpc-error> of severity error is a
 * refused command, exit_status 1 and out->out "rpc-error: MESSAGE"
 * (with " (bad element: WORD)" when the error names one).
 * Warnings are logged and do not fail it.  <0: the session failed (its
 * error, as ssh_netconf()), or a reply that could not be read.
 */
int junos_nc_exec(struct ssh_conn *ssh, const char *dev, const char *op,
    enum junos_fmt f, struct ssh_result *out, struct fd_error *err);

/* junos_nc_exec() for n operations in format f, pipelined on the one
 * session (transport/ssh.h ssh_netconf_many()): outs[i], rcs[i] and
 * errs[i] as junos_nc_exec() gives them. */
void junos_nc_many(struct ssh_conn *ssh, const char *dev,
    const char *const *ops, size_t n, enum junos_fmt f,
    struct ssh_result *outs, int *rcs, struct fd_error *errs);

#endif
