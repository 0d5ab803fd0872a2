/*
 * NETCONF's channel in the libssh2 adapter (ssh_ops.nc_*): one session
 * channel with the "netconf" subsystem (RFC 6242 3), kept open across
 * RPCs, messages framed with the end-of-message marker (netconf.h).  The
 * protocol above the bytes (hello, rpc, rpc-reply) is ssh.c's; this file
 * moves whole messages, each read and write bounded by its deadline as
 * ssh_channel.c bounds an exec.  A timeout drops the whole session, as an
 * exec's does: a reply may still arrive, and a late reply would be read
 * as the answer to the next RPC.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssh_priv.h"

/* A libssh2 failure on the channel: the error, and the session dropped
 * when it is in an unknown state (timeout, dropped connection). */
static int
nc_fail(struct ssh_lib *c, int rc, const char *what, struct fd_error *err)
{
	int ret = ssh_error(c->session, rc, what, err);

	if (ret == -ETIMEDOUT || ret == -ECONNRESET || ret == -EIO) {
		ssh_drop(c);
		return ret == -EIO ? fd_error_set(err, -ECONNRESET, "%s",
		    err->msg) : ret;
	}
	return ret;
}

int
ssh_nc_start(struct ssh_lib *c, unsigned timeout_ms, struct fd_error *err)
{
	uint64_t deadline = ssh_now_ms() + timeout_ms;
	unsigned refused = 0;
	int rc;

	if (c->session == NULL)
		return fd_error_set(err, -ENOTCONN, "the previous command "
		    "dropped the connection");
	if (c->nc != NULL)
		return 0;
	libssh2_session_set_blocking(c->session, 0);
	while ((c->nc = libssh2_channel_open_session(c->session)) == NULL) {
		rc = libssh2_session_last_errno(c->session);
		if (rc == LIBSSH2_ERROR_CHANNEL_FAILURE && ++refused <= 25 &&
		    ssh_left(deadline) > 20) {
			/* As ssh_exec_once: on a device allowing one channel
			 * the last exec's may not be freed yet. */
			poll(NULL, 0, 20);
			continue;
		}
		if (rc == LIBSSH2_ERROR_EAGAIN)
			rc = ssh_wait(c, deadline);
		if (rc < 0) {
			rc = nc_fail(c, rc, "open the NETCONF channel", err);
			goto out;
		}
	}
	/* RFC 6242 3: the "netconf" subsystem.  OpenSSH answers a subsystem
	 * it does not know with a channel request failure (session.c
	 * session_subsystem_req()); so does a Junos box whose NETCONF
	 * service is off on that port. */
	while ((rc = libssh2_channel_process_startup(c->nc, "subsystem", 9,
	    "netconf", 7)) == LIBSSH2_ERROR_EAGAIN)
		if ((rc = ssh_wait(c, deadline)) < 0)
			break;
	if (rc == LIBSSH2_ERROR_CHANNEL_REQUEST_DENIED) {
		while (libssh2_channel_free(c->nc) == LIBSSH2_ERROR_EAGAIN &&
		    ssh_wait(c, deadline + 1000) == 0)
			;
		c->nc = NULL;
		rc = fd_error_set(err, -EPROTONOSUPPORT, "the device does not "
		    "offer the netconf subsystem on port %u (Junos: \"set "
		    "system services netconf ssh\" serves it on port 830)",
		    c->port);
		goto out;
	}
	if (rc < 0) {
		rc = nc_fail(c, rc, "start the netconf subsystem", err);
		goto out;
	}
	nc_framer_init(&c->ncf);
	rc = 0;
out:
	if (c->session != NULL)
		libssh2_session_set_blocking(c->session, 1);
	return rc;
}

int
ssh_nc_send(struct ssh_lib *c, const char *msg, unsigned timeout_ms,
    struct fd_error *err)
{
	uint64_t deadline = ssh_now_ms() + timeout_ms;
	const char *part[2] = { msg, NC_EOM };
	size_t i, off, n;
	ssize_t w;
	int rc = 0;

	if (c->session == NULL || c->nc == NULL)
		return fd_error_set(err, -ENOTCONN, "the NETCONF session is "
		    "not open");
	libssh2_session_set_blocking(c->session, 0);
	for (i = 0; i < 2 && rc == 0; i++) {
		n = strlen(part[i]);
		for (off = 0; off < n;) {
			w = libssh2_channel_write(c->nc, part[i] + off,
			    n - off);
			if (w > 0) {
				off += (size_t)w;
				continue;
			}
			if (w == LIBSSH2_ERROR_EAGAIN)
				w = ssh_wait(c, deadline);
			if (w < 0) {
				rc = nc_fail(c, (int)w, "NETCONF write", err);
				break;
			}
		}
	}
	if (c->session != NULL)
		libssh2_session_set_blocking(c->session, 1);
	return rc;
}

/* The last line the server wrote on stderr, for an early end. */
static void
keep_stderr(char *keep, size_t len, const char *b, size_t n)
{
	size_t k = strlen(keep);

	if (n >= len - 1) {
		memcpy(keep, b + n - (len - 1), len - 1);
		keep[len - 1] = '\0';
		return;
	}
	if (k + n >= len) {
		memmove(keep, keep + (k + n - (len - 1)), len - 1 - n);
		k = len - 1 - n;
	}
	memcpy(keep + k, b, n);
	keep[k + n] = '\0';
}

int
ssh_nc_recv(struct ssh_lib *c, unsigned timeout_ms, char **msg, size_t *len,
    struct fd_error *err)
{
	uint64_t deadline = ssh_now_ms() + timeout_ms;
	char buf[16384], errtext[160] = "";
	ssize_t n;
	int rc;

	if (c->session == NULL || c->nc == NULL)
		return fd_error_set(err, -ENOTCONN, "the NETCONF session is "
		    "not open");
	libssh2_session_set_blocking(c->session, 0);
	for (;;) {
		bool progress = false;

		if ((rc = nc_framer_next(&c->ncf, msg, len)) != 0) {
			if (rc < 0)
				rc = fd_error_set(err, rc, "out of memory");
			else
				rc = 0;
			break;
		}
		/* stderr is read too (a full window on it would stall
		 * stdout) and kept only to say why a session ended. */
		while ((n = libssh2_channel_read_stderr(c->nc, buf,
		    sizeof(buf))) > 0)
			keep_stderr(errtext, sizeof(errtext), buf, (size_t)n);
		n = libssh2_channel_read(c->nc, buf, sizeof(buf));
		if (n > 0) {
			if ((rc = nc_framer_feed(&c->ncf, buf, (size_t)n)) <
			    0) {
				rc = fd_error_set(err, rc, "a NETCONF message "
				    "larger than %u MiB", NC_MAX_MESSAGE >>
				    20);
				ssh_drop(c);
				break;
			}
			progress = true;
		} else if (n == 0 && libssh2_channel_eof(c->nc)) {
			size_t p = nc_framer_pending(&c->ncf);
			char *nl;

			while ((nl = strrchr(errtext, '\n')) != NULL &&
			    nl[1] == '\0')
				*nl = '\0';
			if (p > 0)
				rc = fd_error_set(err, -EPIPE, "the device "
				    "ended the NETCONF session mid-message "
				    "(%zu bytes without the end-of-message "
				    "marker ]]>]]>)%s%s", p, errtext[0] ?
				    ": " : "", errtext);
			else
				rc = fd_error_set(err, -EPIPE, "the device "
				    "ended the NETCONF session%s%s",
				    errtext[0] ? ": " : "", errtext);
			break;
		} else if (n < 0 && n != LIBSSH2_ERROR_EAGAIN) {
			rc = nc_fail(c, (int)n, "NETCONF read", err);
			break;
		}
		if (!progress && (rc = ssh_wait(c, deadline)) < 0) {
			rc = nc_fail(c, rc, "NETCONF reply", err);
			break;
		}
		if (ssh_left(deadline) < 0) {
			rc = nc_fail(c, LIBSSH2_ERROR_TIMEOUT, "NETCONF reply",
			    err);
			break;
		}
	}
	if (c->session != NULL)
		libssh2_session_set_blocking(c->session, 1);
	return rc;
}

/* Close the channel (the session stays): bounded, never an error. */
void
ssh_nc_stop(struct ssh_lib *c)
{
	uint64_t deadline = ssh_now_ms() + 2000;

	if (c->nc == NULL)
		return;
	if (c->session != NULL) {
		libssh2_session_set_blocking(c->session, 0);
		while (libssh2_channel_close(c->nc) == LIBSSH2_ERROR_EAGAIN &&
		    ssh_wait(c, deadline) == 0)
			;
		while (libssh2_channel_free(c->nc) == LIBSSH2_ERROR_EAGAIN &&
		    ssh_wait(c, deadline) == 0)
			;
		libssh2_session_set_blocking(c->session, 1);
	}
	c->nc = NULL;
	nc_framer_done(&c->ncf);
}
