/*
 * The SSH transport: one small interface (a const ops table plus ctx, as
 * http.h and curl's connection filters are built) and one libssh2
 * implementation: a blocking SSH session to one device, host key checked
 * strictly against known_hosts, and read-only command execution on exec
 * channels (ssh_session.c, ssh_auth.c, ssh_jump.c, ssh_channel.c).
 * libssh2 error codes become our errors in exactly one place
 * (ssh_session.c: ssh_error()).  Above the ops table, struct ssh_conn
 * (ssh.c) runs each read-only command, or NETCONF RPC (ssh_netconf(),
 * over ssh_netconf.c's channel), and reconnects once when the session
 * dropped; the Junos provider talks only to it, so its unit tests inject
 * a scripted fake and the integration tests the real adapter against
 * sshd.
 */
#ifndef FD_SSH_H
#define FD_SSH_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "provider.h"

/* What one command produced.  out and errout are NUL-terminated. */
struct ssh_result {
	char *out;
	size_t out_len;
	char *errout;
	size_t err_len;
	int exit_status;	/* -1 when the server sent none */
	char exit_signal[32];	/* "" or "KILL", "TERM", ... */
	bool timed_out;		/* ssh_exec_partial: cut off at the timeout */
};

/*
 * One session to one device.  open connects and authenticates (*ctx is
 * written only on success); exec runs cmd once on a new channel, bounded
 * by timeout_ms, and returns -ECONNRESET when the connection dropped or
 * -ENOTCONN when an earlier call dropped it (then only close is left to
 * call); with partial, a command cut off at its timeout returns 0 with
 * out->timed_out set (and the session dropped).  idle (may be NULL) keeps
 * an idle session alive without blocking; close frees ctx.
 */
struct ssh_ops {
	int (*open)(const struct device_cfg *cfg, void **ctx,
	    struct fd_error *err);
	int (*exec)(void *ctx, const char *cmd, unsigned timeout_ms,
	    bool partial, struct ssh_result *out, struct fd_error *err);
	void (*idle)(void *ctx);
	void (*close)(void *ctx);
	/* Optional: run n commands on at most max_ch channels of the one
	 * session at once, each bounded by timeout_ms from its start;
	 * rcs[i] and errs[i] as exec returns them, outs[i] filled when
	 * rcs[i] is 0.  A server that refuses a further channel makes it
	 * wait for a free one (never an error).  Returns <0 only when
	 * nothing could be tried (then every rcs[i] says why). */
	int (*exec_many)(void *ctx, const char *const *cmds, size_t n,
	    unsigned max_ch, unsigned timeout_ms, struct ssh_result *outs,
	    int *rcs, struct fd_error *errs);
	/*
	 * Optional, all four or none: NETCONF's channel (RFC 6242 3), one
	 * at a time, kept open across messages.  nc_start opens a channel
	 * with the "netconf" subsystem (-EPROTONOSUPPORT when the server
	 * refuses the subsystem; 0 at once when one is open); nc_send
	 * writes msg and the end-of-message marker; nc_recv reads one whole
	 * message (*msg malloc'd, NUL-terminated, without the marker;
	 * -EPIPE when the server ended the channel); nc_stop closes the
	 * channel, the session stays.  Each bounded by timeout_ms; errors
	 * as exec's (-ECONNRESET, -ENOTCONN, -ETIMEDOUT dropping the
	 * session).  While it is open, exec may return -EBUSY: the server
	 * refused another channel (one channel per connection).
	 */
	int (*nc_start)(void *ctx, unsigned timeout_ms, struct fd_error *err);
	int (*nc_send)(void *ctx, const char *msg, unsigned timeout_ms,
	    struct fd_error *err);
	int (*nc_recv)(void *ctx, unsigned timeout_ms, char **msg,
	    size_t *len, struct fd_error *err);
	void (*nc_stop)(void *ctx);
};

/* The libssh2 adapter (what ssh_open() uses). */
extern const struct ssh_ops ssh_libssh2_ops;

struct ssh_conn;

/* ssh_open() over another implementation of struct ssh_ops (a test's
 * scripted fake). */
int ssh_open_with(const struct ssh_ops *ops, const struct device_cfg *cfg,
    struct ssh_conn **out, struct fd_error *err);

/*
 * Connect to cfg->host:cfg->port, proposing first the host-key algorithms
 * whose key types cfg->known_hosts holds for the host, verify the host key
 * as OpenSSH does (knownhosts.h; unknown key -ENOKEY, changed
 * -EKEYREJECTED, @revoked -EKEYREVOKED, each naming the SHA256
 * fingerprint), unless cfg->accept_new_host_key and no
 * key of that type is known, in which case one line is appended; then
 * authenticate: ssh-agent (cfg->agent), key file (passphrase from
 * cfg->passphrase_file), password from cfg->password_file or the
 * environment variable cfg->password_env, given to "password" or to a
 * single keyboard-interactive password prompt.
 */
int ssh_open(const struct device_cfg *cfg, struct ssh_conn **out,
    struct fd_error *err);

/*
 * Run cmd (read-only: it may run twice) on a new exec channel and collect
 * stdout, stderr and the exit status.  Each try is bounded by
 * cfg->command_timeout_ms (-ETIMEDOUT).  When the connection dropped
 * (before or during the command) it reconnects once, host key checked
 * again, and runs cmd again; a second drop is -ECONNRESET naming the
 * device.  A non-zero exit status is not an error here; the caller judges
 * it.
 */
int ssh_exec(struct ssh_conn *c, const char *cmd, struct ssh_result *out,
    struct fd_error *err);

/*
 * ssh_exec for a command that may outlast its timeout with useful output
 * (a device traceroute over silent hops): at the timeout it returns 0 with
 * what the command printed so far, out->timed_out set and exit_status -1;
 * the session is dropped (the next command reconnects).
 */
int ssh_exec_partial(struct ssh_conn *c, const char *cmd,
    struct ssh_result *out, struct fd_error *err);

/*
 * ssh_exec for n independent read-only commands: at most max_ch run at
 * once on channels of the one session (one at a time when the transport
 * has no exec_many or the server allows one channel).  Commands a dropped
 * connection interrupted or never started are run again once on one new
 * connection.  rcs[i], errs[i] and outs[i] as ssh_exec() gives them.
 */
void ssh_exec_many(struct ssh_conn *c, const char *const *cmds, size_t n,
    unsigned max_ch, struct ssh_result *outs, int *rcs,
    struct fd_error *errs);

/*
 * One NETCONF RPC on the device's session (RFC 6241 over RFC 6242):
 * op is the operation element (netconf.h nc_command_op()); it is sent in
 * an <rpc> with the next message-id.  The first call opens the channel
 * and exchanges hellos (the server's must offer base:1.0; the client
 * offers base:1.0 only, so the session keeps end-of-message framing); the
 * session stays open for the next call.  On success *msg is the whole
 * <rpc-reply> (the caller frees it) and *rep what it said, message-id
 * checked; its <rpc-error>s are for the caller to judge.  Every read is
 * bounded by the command timeout.  A dropped connection or a session the
 * server ended is reopened once and the RPC sent again (read-only, as
 * ssh_exec); -ENOTSUP when the transport has no NETCONF.
 */
struct nc_reply;
int ssh_netconf(struct ssh_conn *c, const char *op, char **msg, size_t *len,
    struct nc_reply *rep, struct fd_error *err);
/*
 * ssh_netconf() for n independent operations, pipelined (RFC 6241 4.5):
 * all sent before the first reply is read, so they cost one round trip.
 * msgs[i] (the caller frees each), lens[i], reps[i], rcs[i], errs[i] as
 * ssh_netconf() gives them; a dropped session is reopened once and the
 * operations not answered are sent again.
 */
void ssh_netconf_many(struct ssh_conn *c, const char *const *ops, size_t n,
    char **msgs, size_t *lens, struct nc_reply *reps, int *rcs,
    struct fd_error *errs);
/* End the NETCONF session politely (<close-session/>, RFC 6241 7.8) and
 * close its channel; the SSH session stays.  No-op when none is open. */
void ssh_netconf_end(struct ssh_conn *c);

void ssh_result_done(struct ssh_result *r);
/* Set the time one command may take (a device traceroute's comes from
 * its wait and ttl); returns the previous value. */
unsigned ssh_set_command_timeout(struct ssh_conn *c, unsigned ms);
void ssh_close(struct ssh_conn *c);
/* During long waits between commands: send an SSH keepalive when one is
 * due (cfg->keepalive_s), without blocking.  A dead connection is dropped
 * so the next command reconnects at once.  c may be NULL. */
void ssh_idle(struct ssh_conn *c);
/* How many times ssh_exec() reconnected (for tests and logs). */
unsigned ssh_reconnects(const struct ssh_conn *c);

/* "SHA256:<base64>" of a raw 32-byte digest, as ssh-keygen -l prints it. */
void ssh_fingerprint_str(const unsigned char *sha256, char *buf, size_t len);

#endif
