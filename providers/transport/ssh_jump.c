/*
 * A jump host for the libssh2 adapter: a session to it and a
 * direct-tcpip channel through it to the device.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ssh_priv.h"

/* Write all of buf to the channel (non-blocking session). */
static int
ssh_jump_write(struct ssh_jump *j, const char *buf, size_t n)
{
	struct pollfd pfd = { .fd = j->conn->fd, .events = POLLOUT | POLLIN };
	ssize_t w;

	while (n > 0) {
		w = libssh2_channel_write(j->ch, buf, n);
		if (w == LIBSSH2_ERROR_EAGAIN) {
			if (poll(&pfd, 1, 1000) < 0 && errno != EINTR)
				return -1;
			continue;
		}
		if (w < 0)
			return -1;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

static void *
ssh_jump_pump(void *arg)
{
	struct ssh_jump *j = arg;
	char buf[16384];
	ssize_t n;
	bool down_eof = false;

	for (;;) {
		struct pollfd pfd[3];
		bool progress = false;

		/* Device -> us. */
		if (!down_eof) {
			n = libssh2_channel_read(j->ch, buf, sizeof(buf));
			if (n > 0) {
				/* MSG_NOSIGNAL: the device session may have
				 * closed its end already. */
				if (send(j->sock, buf, (size_t)n, MSG_NOSIGNAL)
				    != n)
					break;
				progress = true;
			} else if (n == 0 && libssh2_channel_eof(j->ch)) {
				shutdown(j->sock, SHUT_WR);
				down_eof = true;
			} else if (n < 0 && n != LIBSSH2_ERROR_EAGAIN) {
				break;
			}
		}
		/* The jump session idles as long as the device session
		 * does: keep it alive too (sent only when due). */
		{
			int next;

			libssh2_keepalive_send(j->conn->session, &next);
		}
		/* Us -> device. */
		pfd[0].fd = j->sock;
		pfd[0].events = POLLIN;
		pfd[1].fd = j->conn->fd;
		pfd[1].events = POLLIN;
		pfd[2].fd = j->stop[0];
		pfd[2].events = POLLIN;
		if (poll(pfd, 3, progress ? 0 : 1000) < 0 && errno != EINTR)
			break;
		if (pfd[2].revents != 0)
			break;
		if (pfd[0].revents & (POLLIN | POLLHUP)) {
			n = read(j->sock, buf, sizeof(buf));
			if (n <= 0)
				break;	/* the device session closed */
			if (ssh_jump_write(j, buf, (size_t)n) < 0)
				break;
		}
	}
	/* Wake the device session: its socket reads EOF now. */
	shutdown(j->sock, SHUT_RDWR);
	return NULL;
}

/* "[user@]host[:port]" -> cfg for the jump host; the device's
 * credentials and known_hosts apply to it too. */
static int
ssh_jump_cfg(const struct device_cfg *dev, struct device_cfg *out,
    struct fd_error *err)
{
	char spec[256], *host = spec, *at, *colon;

	*out = *dev;
	out->jump_host[0] = '\0';
	snprintf(spec, sizeof(spec), "%s", dev->jump_host);
	at = strchr(spec, '@');
	if (at != NULL) {
		*at = '\0';
		snprintf(out->user, sizeof(out->user), "%s", spec);
		host = at + 1;
	}
	out->port = 22;
	colon = strrchr(host, ':');
	if (colon != NULL && strchr(host, ':') == colon) {
		char *end;
		unsigned long p = strtoul(colon + 1, &end, 10);

		if (*end != '\0' || p == 0 || p > 65535)
			return fd_error_set(err, -EINVAL, "jump host '%s': bad "
			    "port", dev->jump_host);
		*colon = '\0';
		out->port = (unsigned)p;
	}
	if (*host == '\0')
		return fd_error_set(err, -EINVAL, "jump host '%s': no host",
		    dev->jump_host);
	snprintf(out->host, sizeof(out->host), "%s", host);
	return 0;
}

int
ssh_jump_open(const struct device_cfg *cfg, unsigned port,
    struct ssh_jump **out, int *fd, struct fd_error *err)
{
	struct device_cfg jc;
	struct ssh_jump *j;
	int sv[2], rc;

	rc = ssh_jump_cfg(cfg, &jc, err);
	if (rc < 0)
		return rc;
	j = calloc(1, sizeof(*j));
	if (j == NULL)
		return fd_error_set(err, -ENOMEM, "out of memory");
	j->sock = j->stop[0] = j->stop[1] = -1;
	rc = ssh_lib_open(&jc, &j->conn, err);
	if (rc < 0) {
		fd_error_prefix(err, "jump host %s", jc.host);
		free(j);
		return rc;
	}
	libssh2_session_set_timeout(j->conn->session,
	    cfg->connect_timeout_ms ? cfg->connect_timeout_ms : 10000);
	j->ch = libssh2_channel_direct_tcpip_ex(j->conn->session, cfg->host,
	    (int)port, "127.0.0.1", 22);
	if (j->ch == NULL) {
		rc = ssh_error(j->conn->session,
		    libssh2_session_last_errno(j->conn->session),
		    "jump host tunnel", err);
		fd_error_prefix(err, "%s via %s", cfg->host, jc.host);
		goto fail;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 ||
	    pipe2(j->stop, O_CLOEXEC) < 0) {
		rc = fd_error_set(err, -errno, "socketpair: %s",
		    strerror(errno));
		goto fail;
	}
	j->sock = sv[1];
	libssh2_session_set_blocking(j->conn->session, 0);
	if (pthread_create(&j->tid, NULL, ssh_jump_pump, j) != 0) {
		close(sv[0]);
		rc = fd_error_set(err, -EAGAIN, "cannot start the tunnel "
		    "thread");
		goto fail;
	}
	j->running = true;
	*fd = sv[0];
	*out = j;
	return 0;
fail:
	ssh_jump_free(j);
	return rc;
}

void
ssh_jump_free(struct ssh_jump *j)
{
	if (j == NULL)
		return;
	if (j->running) {
		if (write(j->stop[1], "x", 1) < 0) {
			/* The pump also stops when its socket closes. */
		}
		pthread_join(j->tid, NULL);
	}
	if (j->ch != NULL && j->conn != NULL && j->conn->session != NULL) {
		libssh2_session_set_blocking(j->conn->session, 1);
		libssh2_session_set_timeout(j->conn->session, 1000);
		libssh2_channel_free(j->ch);
	}
	ssh_lib_free(j->conn);
	if (j->sock >= 0)
		close(j->sock);
	if (j->stop[0] >= 0)
		close(j->stop[0]);
	if (j->stop[1] >= 0)
		close(j->stop[1]);
	free(j);
}
