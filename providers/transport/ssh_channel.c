/*
 * Exec channels of the libssh2 adapter.  The overall command deadline is
 * enforced by lowering the session timeout to the time left before each
 * read; keepalives during reads and between commands.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ssh_priv.h"

uint64_t
ssh_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}


struct ssh_buf {
	char *p;
	size_t n, cap;
};

static int
ssh_buf_add(struct ssh_buf *b, const char *data, size_t n)
{
	if (b->n + n + 1 > SSH_MAX_OUTPUT)
		return -EFBIG;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap < b->n + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (p == NULL)
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, data, n);
	b->n += n;
	b->p[b->n] = '\0';
	return 0;
}

/* Milliseconds left before the deadline, or -1 when it has passed. */
long
ssh_left(uint64_t deadline)
{
	uint64_t now = ssh_now_ms();

	return now >= deadline ? -1 : (long)(deadline - now);
}

/*
 * Poll the session's socket in the direction libssh2 is blocked on, at
 * most wait_ms, then send a keepalive if one is due: 0, or -1 when poll
 * failed.  Shared by one exec (ssh_wait) and a batch's loop
 * (ssh_multi.c).
 */
int
ssh_poll_session(struct ssh_lib *c, long wait_ms)
{
	struct pollfd pfd;
	int dir = libssh2_session_block_directions(c->session);

	pfd.fd = c->fd;
	pfd.events = 0;
	if (dir & LIBSSH2_SESSION_BLOCK_INBOUND)
		pfd.events |= POLLIN;
	if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)
		pfd.events |= POLLOUT;
	if (pfd.events == 0)
		pfd.events = POLLIN;
	if (poll(&pfd, 1, (int)wait_ms) < 0 && errno != EINTR)
		return -1;
	if (c->keepalive_s > 0) {
		int next;

		libssh2_keepalive_send(c->session, &next);
	}
	return 0;
}

/* Wait until the socket is ready in the direction libssh2 is blocked on,
 * or the deadline passes (then LIBSSH2_ERROR_TIMEOUT). */
int
ssh_wait(struct ssh_lib *c, uint64_t deadline)
{
	long left = ssh_left(deadline);

	if (left < 0)
		return LIBSSH2_ERROR_TIMEOUT;
	/* Wake at least every second: keepalives are due even when the
	 * device is quiet. */
	if (ssh_poll_session(c, left > 1000 ? 1000 : left) < 0)
		return LIBSSH2_ERROR_SOCKET_RECV;
	return 0;
}

/*
 * Read stdout and stderr until both reach EOF.  The read loop runs the
 * session non-blocking: a blocking read on one stream of a channel can
 * stall while the other stream has data queued, and the overall deadline
 * is easier to keep exactly with poll().
 */
static int
ssh_read_all(struct ssh_lib *c, LIBSSH2_CHANNEL *ch, struct ssh_buf *o,
    struct ssh_buf *e, uint64_t deadline)
{
	char buf[16384];
	ssize_t n;
	bool eof[2];
	int i, rc;

	for (;;) {
		bool progress = false;

		for (i = 0; i < 2; i++) {
			eof[i] = false;
			for (;;) {
				n = libssh2_channel_read_ex(ch, i == 0 ? 0 :
				    SSH_EXTENDED_DATA_STDERR, buf,
				    sizeof(buf));
				if (n > 0) {
					progress = true;
					if (ssh_buf_add(i == 0 ? o : e, buf,
					    (size_t)n) < 0)
						return LIBSSH2_ERROR_ALLOC;
					continue;
				}
				if (n == 0)
					eof[i] = true;
				else if (n != LIBSSH2_ERROR_EAGAIN)
					return (int)n;
				break;
			}
		}
		if (eof[0] && eof[1] && libssh2_channel_eof(ch))
			return 0;
		if (!progress && (rc = ssh_wait(c, deadline)) < 0)
			return rc;
		if (ssh_left(deadline) < 0)
			return LIBSSH2_ERROR_TIMEOUT;
	}
}

int
ssh_exec_once(struct ssh_lib *c, const char *cmd, unsigned timeout_ms,
    bool partial, struct ssh_result *out, struct fd_error *err)
{
	LIBSSH2_CHANNEL *ch = NULL;
	struct ssh_buf o = { 0 }, e = { 0 };
	uint64_t deadline;
	char *sig = NULL;
	size_t siglen = 0;
	int rc, ret;
	unsigned refused = 0;
	bool broken = false;

	if (c->session == NULL)
		return fd_error_set(err, -ENOTCONN, "the previous command "
		    "dropped the connection");
	deadline = ssh_now_ms() + timeout_ms;
	libssh2_session_set_blocking(c->session, 0);

	while ((ch = libssh2_channel_open_session(c->session)) == NULL) {
		rc = libssh2_session_last_errno(c->session);
		if (rc == LIBSSH2_ERROR_CHANNEL_FAILURE && c->nc != NULL) {
			/* Refused beside NETCONF's open channel: a device
			 * allowing one channel per connection.  Said at
			 * once, so ssh.c ends that session and runs cmd
			 * alone (ssh_ops.exec). */
			ret = fd_error_set(err, -EBUSY, "the device refused "
			    "a channel beside the NETCONF session's");
			goto out;
		}
		if (rc == LIBSSH2_ERROR_CHANNEL_FAILURE && ++refused <= 25 &&
		    ssh_left(deadline) > 20) {
			/* One channel per connection allowed (sshd
			 * MaxSessions 1, a STIG-hardened SRX): the previous
			 * command's session may not be freed yet on the
			 * server (seen against OpenSSH; ssh_multi.c).  Try
			 * again shortly, bounded. */
			poll(NULL, 0, 20);
			continue;
		}
		if (rc == LIBSSH2_ERROR_EAGAIN)
			rc = ssh_wait(c, deadline);
		if (rc < 0) {
			ret = ssh_error(c->session, rc, "open channel", err);
			broken = true;
			goto out;
		}
	}
	while ((rc = libssh2_channel_exec(ch, cmd)) == LIBSSH2_ERROR_EAGAIN)
		if ((rc = ssh_wait(c, deadline)) < 0)
			break;
	if (rc == 0)
		rc = ssh_read_all(c, ch, &o, &e, deadline);
	if (rc == LIBSSH2_ERROR_TIMEOUT && partial) {
		/* What the command printed before its time ran out (a device
		 * traceroute still waiting on silent hops): the caller keeps
		 * it.  The channel is mid-command: drop the session. */
		broken = true;
		rc = 0;
		goto done;
	}
	if (rc == 0)
		while ((rc = libssh2_channel_close(ch)) ==
		    LIBSSH2_ERROR_EAGAIN)
			if ((rc = ssh_wait(c, deadline)) < 0)
				break;
	if (rc == 0)
		while ((rc = libssh2_channel_wait_closed(ch)) ==
		    LIBSSH2_ERROR_EAGAIN)
			if ((rc = ssh_wait(c, deadline)) < 0)
				break;
	if (rc != 0) {
		ret = ssh_error(c->session, rc, rc == LIBSSH2_ERROR_TIMEOUT ?
		    "command" : "command output", err);
		broken = ret == -ETIMEDOUT || ret == -ECONNRESET;
		goto out;
	}
done:
	if (ssh_buf_add(&o, "", 0) < 0 || ssh_buf_add(&e, "", 0) < 0) {
		ret = fd_error_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	memset(out, 0, sizeof(*out));
	if (broken) {
		out->timed_out = true;
		out->exit_status = -1;
	} else {
		out->exit_status = libssh2_channel_get_exit_status(ch);
		if (libssh2_channel_get_exit_signal(ch, &sig, &siglen, NULL,
		    NULL, NULL, NULL) == 0 && sig != NULL) {
			snprintf(out->exit_signal, sizeof(out->exit_signal),
			    "%s", sig);
			out->exit_status = -1;
		}
		free(sig);
	}
	out->out = o.p;
	out->out_len = o.n;
	out->errout = e.p;
	out->err_len = e.n;
	o.p = e.p = NULL;
	ret = 0;
out:
	if (broken) {
		/* Timed out or dropped: the session is in an unknown state
		 * and closing the channel politely could block.  Drop it all
		 * (libssh2_session_free frees the channel too); the next
		 * exec reconnects. */
		ssh_drop(c);
	} else {
		if (ch != NULL)
			while (libssh2_channel_free(ch) ==
			    LIBSSH2_ERROR_EAGAIN && ssh_wait(c, deadline +
			    1000) == 0)
				;
		libssh2_session_set_blocking(c->session, 1);
	}
	free(o.p);
	free(e.p);
	return ret;
}

/*
 * Between commands nothing reads or writes the session, and an idle
 * session dies: sshd counts a client that sent nothing for
 * ClientAliveInterval as not responding and closes the connection after
 * ClientAliveCountMax probes (openssh-portable serverloop.c
 * client_alive_check(); any packet from the client resets the count,
 * packet.c ssh_packet_read_poll_seqnr()), and stateful firewalls forget
 * idle flows.  The core calls this during its long waits.  Never blocks:
 * the keepalive is sent non-blocking; a connection found dead is dropped
 * here so that the next command reconnects at once.
 */
void
ssh_lib_idle(struct ssh_lib *c)
{
	int next = 0, rc;

	if (c->session == NULL || c->keepalive_s == 0)
		return;
	libssh2_session_set_blocking(c->session, 0);
	rc = libssh2_keepalive_send(c->session, &next);
	libssh2_session_set_blocking(c->session, 1);
	if (rc < 0 && rc != LIBSSH2_ERROR_EAGAIN)
		ssh_drop(c);
}
