/*
 * libssh2 in blocking mode with session timeouts (libssh2_session_set_timeout
 * bounds every blocking call).  The overall command deadline is enforced by
 * lowering that timeout to the time left before each read.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libssh2.h>

#include "ssh.h"

/* A runaway command must not eat the host's memory. */
#define SSH_MAX_OUTPUT (64u * 1024 * 1024)
#define SSH_SECRET_MAX 1024

struct ssh_jump;

struct ssh_conn {
	int fd;
	LIBSSH2_SESSION *session;
	char host[256];
	unsigned port;
	unsigned command_timeout_ms;
	unsigned keepalive_s;
	struct ssh_jump *jump;		/* NULL: direct TCP */
};

/*
 * A jump host: a session to it, a direct-tcpip channel through it to the
 * device, and a thread pumping bytes between that channel and one end of
 * a socketpair whose other end is the device session's socket (libssh2
 * sessions need a file descriptor).  The pump thread alone uses the jump
 * session.
 */
struct ssh_jump {
	struct ssh_conn *conn;
	LIBSSH2_CHANNEL *ch;
	int sock;			/* our end of the socketpair */
	int stop[2];			/* pipe: wake and stop the pump */
	pthread_t tid;
	bool running;
};

static pthread_once_t ssh_once = PTHREAD_ONCE_INIT;
static int ssh_init_rc;

/* libssh2_init() is not thread-safe (libssh2_init(3)); the collector opens
 * sessions from several threads, so run it exactly once. */
static void
ssh_global_init(void)
{
	ssh_init_rc = libssh2_init(0);
}

static uint64_t
ssh_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * The one place where libssh2 error codes are translated (house style).
 * what names the step ("authentication", "reading output").
 */
static int
ssh_error(LIBSSH2_SESSION *s, int rc, const char *what, struct fd_error *err)
{
	char *msg = NULL;
	int code;

	if (s != NULL)
		libssh2_session_last_error(s, &msg, NULL, 0);
	if (msg == NULL || *msg == '\0')
		msg = "no detail";

	switch (rc) {
	case LIBSSH2_ERROR_TIMEOUT:
		code = -ETIMEDOUT;
		break;
	case LIBSSH2_ERROR_SOCKET_SEND:
	case LIBSSH2_ERROR_SOCKET_RECV:
	case LIBSSH2_ERROR_SOCKET_DISCONNECT:
	case LIBSSH2_ERROR_SOCKET_TIMEOUT:
	case LIBSSH2_ERROR_CHANNEL_CLOSED:
	case LIBSSH2_ERROR_CHANNEL_EOF_SENT:
	case LIBSSH2_ERROR_BANNER_RECV:
	case LIBSSH2_ERROR_BANNER_SEND:
		code = -ECONNRESET;
		break;
	case LIBSSH2_ERROR_AUTHENTICATION_FAILED:
	case LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED:
	case LIBSSH2_ERROR_PASSWORD_EXPIRED:
	case LIBSSH2_ERROR_AGENT_PROTOCOL:
		code = -EACCES;
		break;
	case LIBSSH2_ERROR_FILE:
	case LIBSSH2_ERROR_KEYFILE_AUTH_FAILED:
		code = -ENOKEY;
		break;
	case LIBSSH2_ERROR_ALLOC:
		code = -ENOMEM;
		break;
	case LIBSSH2_ERROR_KEX_FAILURE:
	case LIBSSH2_ERROR_HOSTKEY_INIT:
	case LIBSSH2_ERROR_HOSTKEY_SIGN:
	case LIBSSH2_ERROR_METHOD_NOT_SUPPORTED:
	case LIBSSH2_ERROR_PROTO:
		code = -EPROTO;
		break;
	case LIBSSH2_ERROR_CHANNEL_FAILURE:
	case LIBSSH2_ERROR_CHANNEL_REQUEST_DENIED:
		code = -EPERM;
		break;
	default:
		code = -EIO;
		break;
	}
	if (code == -ETIMEDOUT)
		return fd_error_set(err, code, "%s: timed out", what);
	if (code == -ECONNRESET)
		return fd_error_set(err, code, "%s: connection dropped (%s)",
		    what, msg);
	return fd_error_set(err, code, "%s: %s (libssh2 %d)", what, msg, rc);
}

void
ssh_fingerprint_str(const unsigned char *sha256, char *buf, size_t len)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char tmp[64];
	size_t i, o = 0;

	/* ssh-keygen prints unpadded base64 of the 32-byte digest. */
	for (i = 0; i < 32; i += 3) {
		uint32_t v = (uint32_t)sha256[i] << 16;
		size_t n = 32 - i < 3 ? 32 - i : 3;

		if (n > 1)
			v |= (uint32_t)sha256[i + 1] << 8;
		if (n > 2)
			v |= sha256[i + 2];
		tmp[o++] = b64[(v >> 18) & 63];
		tmp[o++] = b64[(v >> 12) & 63];
		if (n > 1)
			tmp[o++] = b64[(v >> 6) & 63];
		if (n > 2)
			tmp[o++] = b64[v & 63];
	}
	tmp[o] = '\0';
	snprintf(buf, len, "SHA256:%s", tmp);
}

static int
ssh_tcp_connect(const struct device_cfg *cfg, unsigned port, int *out,
    struct fd_error *err)
{
	struct addrinfo hints = { 0 }, *res = NULL, *ai;
	char portstr[8];
	int fd = -1, rc, last = -ECONNREFUSED;
	unsigned tmo = cfg->connect_timeout_ms ? cfg->connect_timeout_ms :
	    10000;

	hints.ai_socktype = SOCK_STREAM;
	hints.ai_family = AF_UNSPEC;
	snprintf(portstr, sizeof(portstr), "%u", port);
	rc = getaddrinfo(cfg->host, portstr, &hints, &res);
	if (rc != 0)
		return fd_error_set(err, -EHOSTUNREACH, "resolve %s: %s",
		    cfg->host, gai_strerror(rc));

	for (ai = res; ai != NULL; ai = ai->ai_next) {
		struct pollfd pfd;
		int soerr = 0, fl, one = 1;
		socklen_t sl = sizeof(soerr);

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd < 0) {
			last = -errno;
			continue;
		}
		fl = fcntl(fd, F_GETFL);
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 &&
		    errno != EINPROGRESS) {
			last = -errno;
			close(fd);
			fd = -1;
			continue;
		}
		pfd.fd = fd;
		pfd.events = POLLOUT;
		rc = poll(&pfd, 1, (int)tmo);
		if (rc == 0) {
			last = -ETIMEDOUT;
		} else if (rc < 0 ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0) {
			last = -errno;
		} else if (soerr != 0) {
			last = -soerr;
		} else {
			fcntl(fd, F_SETFL, fl);
			/* Dead peers are noticed by the kernel too, not
			 * only by our SSH keepalives. */
			setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one,
			    sizeof(one));
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
			    sizeof(one));
			break;
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return fd_error_set(err, last, "connect %s port %u: %s",
		    cfg->host, port, strerror(-last));
	*out = fd;
	return 0;
}

static int
ssh_knownhost_keytype(int type)
{
	switch (type) {
	case LIBSSH2_HOSTKEY_TYPE_RSA:
		return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
	case LIBSSH2_HOSTKEY_TYPE_DSS:
		return LIBSSH2_KNOWNHOST_KEY_SSHDSS;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_256:
		return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_384:
		return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_521:
		return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
	case LIBSSH2_HOSTKEY_TYPE_ED25519:
		return LIBSSH2_KNOWNHOST_KEY_ED25519;
	default:
		return LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
	}
}

static void
ssh_known_hosts_path(const struct device_cfg *cfg, char *buf, size_t len)
{
	const char *home;

	if (cfg->known_hosts[0] != '\0') {
		snprintf(buf, len, "%s", cfg->known_hosts);
		return;
	}
	home = getenv("HOME");
	snprintf(buf, len, "%s/.ssh/known_hosts", home ? home : "");
}

static int
ssh_check_host_key(struct ssh_conn *c, const struct device_cfg *cfg,
    struct fd_error *err)
{
	LIBSSH2_KNOWNHOSTS *kh = NULL;
	struct libssh2_knownhost *found = NULL;
	const char *key, *hash;
	char path[PATH_MAX], fp[64], name[300];
	size_t keylen;
	int type, rc, ret;

	key = libssh2_session_hostkey(c->session, &keylen, &type);
	hash = libssh2_hostkey_hash(c->session, LIBSSH2_HOSTKEY_HASH_SHA256);
	if (key == NULL || hash == NULL)
		return ssh_error(c->session, LIBSSH2_ERROR_HOSTKEY_INIT,
		    "host key", err);
	ssh_fingerprint_str((const unsigned char *)hash, fp, sizeof(fp));

	kh = libssh2_knownhost_init(c->session);
	if (kh == NULL)
		return fd_error_set(err, -ENOMEM, "known_hosts: out of memory");
	ssh_known_hosts_path(cfg, path, sizeof(path));
	rc = libssh2_knownhost_readfile(kh, path,
	    LIBSSH2_KNOWNHOST_FILE_OPENSSH);
	if (rc < 0 && access(path, F_OK) == 0) {
		ret = fd_error_set(err, -EIO, "known_hosts %s: unreadable",
		    path);
		goto out;
	}

	rc = libssh2_knownhost_checkp(kh, c->host, (int)c->port, key, keylen,
	    LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW,
	    &found);
	switch (rc) {
	case LIBSSH2_KNOWNHOST_CHECK_MATCH:
		ret = 0;
		break;
	case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
		ret = fd_error_set(err, -EACCES,
		    "host key of %s port %u CHANGED (now %s); not in %s - "
		    "refusing", c->host, c->port, fp, path);
		break;
	case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
		if (!cfg->accept_new_host_key) {
			ret = fd_error_set(err, -EACCES,
			    "host key of %s port %u unknown (%s); add it to "
			    "%s or allow new host keys", c->host, c->port, fp,
			    path);
			break;
		}
		/* OpenSSH writes "[host]:port" for a non-default port. */
		if (c->port == 22)
			snprintf(name, sizeof(name), "%s", c->host);
		else
			snprintf(name, sizeof(name), "[%s]:%u", c->host,
			    c->port);
		rc = libssh2_knownhost_addc(kh, name, NULL, key, keylen,
		    NULL, 0, LIBSSH2_KNOWNHOST_TYPE_PLAIN |
		    LIBSSH2_KNOWNHOST_KEYENC_RAW | ssh_knownhost_keytype(type),
		    NULL);
		if (rc == 0)
			rc = libssh2_knownhost_writefile(kh, path,
			    LIBSSH2_KNOWNHOST_FILE_OPENSSH);
		if (rc != 0)
			ret = fd_error_set(err, -EIO,
			    "known_hosts %s: cannot add %s", path, fp);
		else
			ret = 0;
		break;
	default:
		ret = fd_error_set(err, -EIO, "known_hosts %s: check failed",
		    path);
		break;
	}
out:
	libssh2_knownhost_free(kh);
	return ret;
}

/* Read a secret (first line) from a file into buf; zeroed by the caller. */
static int
ssh_read_secret(const char *path, char *buf, size_t len, struct fd_error *err)
{
	FILE *f;
	size_t n;

	f = fopen(path, "re");
	if (f == NULL)
		return fd_error_set(err, -errno, "secret file %s: %s", path,
		    strerror(errno));
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

static int
ssh_auth_agent(struct ssh_conn *c, const char *user)
{
	LIBSSH2_AGENT *agent;
	struct libssh2_agent_publickey *id = NULL, *prev = NULL;
	int rc = LIBSSH2_ERROR_AUTHENTICATION_FAILED;

	agent = libssh2_agent_init(c->session);
	if (agent == NULL)
		return LIBSSH2_ERROR_ALLOC;
	if (libssh2_agent_connect(agent) != 0 ||
	    libssh2_agent_list_identities(agent) != 0)
		goto out;
	while (libssh2_agent_get_identity(agent, &id, prev) == 0) {
		rc = libssh2_agent_userauth(agent, user, id);
		if (rc == 0)
			break;
		prev = id;
	}
out:
	libssh2_agent_disconnect(agent);
	libssh2_agent_free(agent);
	return rc;
}

static int
ssh_authenticate(struct ssh_conn *c, const struct device_cfg *cfg,
    struct fd_error *err)
{
	char secret[SSH_SECRET_MAX];
	const char *user = cfg->user[0] ? cfg->user : getenv("USER");
	const char *methods;
	int rc = LIBSSH2_ERROR_AUTHENTICATION_FAILED, ret;
	bool tried = false;

	if (user == NULL || *user == '\0')
		user = "root";
	methods = libssh2_userauth_list(c->session, user,
	    (unsigned)strlen(user));
	if (methods == NULL) {
		if (libssh2_userauth_authenticated(c->session))
			return 0;
		rc = libssh2_session_last_errno(c->session);
		return ssh_error(c->session, rc, "authentication", err);
	}

	if (cfg->agent && strstr(methods, "publickey") != NULL) {
		tried = true;
		rc = ssh_auth_agent(c, user);
		if (rc == 0)
			return 0;
	}
	if (cfg->identity_file[0] != '\0' &&
	    strstr(methods, "publickey") != NULL) {
		tried = true;
		secret[0] = '\0';
		if (cfg->passphrase_file[0] != '\0') {
			ret = ssh_read_secret(cfg->passphrase_file, secret,
			    sizeof(secret), err);
			if (ret < 0)
				return ret;
		}
		/* With the OpenSSL backend libssh2 derives the public key
		 * from the private one (libssh2_userauth_publickey_fromfile
		 * (3)), so no .pub file is needed. */
		rc = libssh2_userauth_publickey_fromfile_ex(c->session, user,
		    (unsigned)strlen(user), NULL, cfg->identity_file,
		    secret[0] ? secret : NULL);
		explicit_bzero(secret, sizeof(secret));
		if (rc == 0)
			return 0;
		if (rc == LIBSSH2_ERROR_FILE)
			return ssh_error(c->session, rc, "key file", err);
	}
	if ((cfg->password_file[0] != '\0' || cfg->password_env[0] != '\0') &&
	    strstr(methods, "password") != NULL) {
		tried = true;
		if (cfg->password_file[0] != '\0') {
			ret = ssh_read_secret(cfg->password_file, secret,
			    sizeof(secret), err);
			if (ret < 0)
				return ret;
		} else {
			const char *v = getenv(cfg->password_env);

			if (v == NULL)
				return fd_error_set(err, -ENOKEY,
				    "password variable %s is not set",
				    cfg->password_env);
			snprintf(secret, sizeof(secret), "%s", v);
		}
		rc = libssh2_userauth_password_ex(c->session, user,
		    (unsigned)strlen(user), secret,
		    (unsigned)strlen(secret), NULL);
		explicit_bzero(secret, sizeof(secret));
		if (rc == 0)
			return 0;
	}
	if (!tried)
		return fd_error_set(err, -EACCES,
		    "no usable authentication for %s@%s (server offers %s)",
		    user, c->host, methods);
	ret = ssh_error(c->session, rc, "authentication", err);
	fd_error_prefix(err, "%s@%s", user, c->host);
	return ret;
}

static void ssh_jump_free(struct ssh_jump *j);

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

static int
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
	rc = ssh_open(&jc, &j->conn, err);
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

static void
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
	ssh_close(j->conn);
	if (j->sock >= 0)
		close(j->sock);
	if (j->stop[0] >= 0)
		close(j->stop[0]);
	if (j->stop[1] >= 0)
		close(j->stop[1]);
	free(j);
}

int
ssh_open(const struct device_cfg *cfg, struct ssh_conn **out,
    struct fd_error *err)
{
	struct ssh_conn *c;
	int rc;

	pthread_once(&ssh_once, ssh_global_init);
	if (ssh_init_rc != 0)
		return fd_error_set(err, -EIO, "libssh2_init failed");

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return fd_error_set(err, -ENOMEM, "out of memory");
	c->fd = -1;
	snprintf(c->host, sizeof(c->host), "%s", cfg->host);
	c->port = cfg->port ? cfg->port : 22;
	c->command_timeout_ms = cfg->command_timeout_ms ?
	    cfg->command_timeout_ms : 60000;
	c->keepalive_s = cfg->keepalive_s;

	if (cfg->jump_host[0] != '\0')
		rc = ssh_jump_open(cfg, c->port, &c->jump, &c->fd, err);
	else
		rc = ssh_tcp_connect(cfg, c->port, &c->fd, err);
	if (rc < 0)
		goto fail;
	c->session = libssh2_session_init();
	if (c->session == NULL) {
		rc = fd_error_set(err, -ENOMEM, "libssh2 session: no memory");
		goto fail;
	}
	libssh2_session_set_blocking(c->session, 1);
	libssh2_session_set_timeout(c->session,
	    cfg->connect_timeout_ms ? cfg->connect_timeout_ms : 10000);
	rc = libssh2_session_handshake(c->session, c->fd);
	if (rc != 0) {
		rc = ssh_error(c->session, rc, "SSH handshake", err);
		goto fail;
	}
	rc = ssh_check_host_key(c, cfg, err);
	if (rc < 0)
		goto fail;
	rc = ssh_authenticate(c, cfg, err);
	if (rc < 0)
		goto fail;
	if (c->keepalive_s > 0)
		libssh2_keepalive_config(c->session, 1, c->keepalive_s);
	*out = c;
	return 0;
fail:
	ssh_close(c);
	return rc;
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
static long
ssh_left(uint64_t deadline)
{
	uint64_t now = ssh_now_ms();

	return now >= deadline ? -1 : (long)(deadline - now);
}

/* Wait until the socket is ready in the direction libssh2 is blocked on,
 * or the deadline passes (then LIBSSH2_ERROR_TIMEOUT). */
static int
ssh_wait(struct ssh_conn *c, uint64_t deadline)
{
	struct pollfd pfd;
	int dir = libssh2_session_block_directions(c->session);
	long left = ssh_left(deadline);

	if (left < 0)
		return LIBSSH2_ERROR_TIMEOUT;
	pfd.fd = c->fd;
	pfd.events = 0;
	if (dir & LIBSSH2_SESSION_BLOCK_INBOUND)
		pfd.events |= POLLIN;
	if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)
		pfd.events |= POLLOUT;
	if (pfd.events == 0)
		pfd.events = POLLIN;
	/* Wake at least every second: keepalives are due even when the
	 * device is quiet. */
	if (poll(&pfd, 1, left > 1000 ? 1000 : (int)left) < 0 && errno != EINTR)
		return LIBSSH2_ERROR_SOCKET_RECV;
	if (c->keepalive_s > 0) {
		int next;

		libssh2_keepalive_send(c->session, &next);
	}
	return 0;
}

/*
 * Read stdout and stderr until both reach EOF.  The read loop runs the
 * session non-blocking: a blocking read on one stream of a channel can
 * stall while the other stream has data queued, and the overall deadline
 * is easier to keep exactly with poll().
 */
static int
ssh_read_all(struct ssh_conn *c, LIBSSH2_CHANNEL *ch, struct ssh_buf *o,
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
ssh_exec(struct ssh_conn *c, const char *cmd, struct ssh_result *out,
    struct fd_error *err)
{
	LIBSSH2_CHANNEL *ch = NULL;
	struct ssh_buf o = { 0 }, e = { 0 };
	uint64_t deadline;
	char *sig = NULL;
	size_t siglen = 0;
	int rc, ret;
	bool broken = false;

	if (c == NULL || c->session == NULL)
		return fd_error_set(err, -ENOTCONN, "not connected");
	deadline = ssh_now_ms() + c->command_timeout_ms;
	libssh2_session_set_blocking(c->session, 0);

	while ((ch = libssh2_channel_open_session(c->session)) == NULL) {
		rc = libssh2_session_last_errno(c->session);
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
	if (ssh_buf_add(&o, "", 0) < 0 || ssh_buf_add(&e, "", 0) < 0) {
		ret = fd_error_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	memset(out, 0, sizeof(*out));
	out->exit_status = libssh2_channel_get_exit_status(ch);
	if (libssh2_channel_get_exit_signal(ch, &sig, &siglen, NULL, NULL,
	    NULL, NULL) == 0 && sig != NULL) {
		snprintf(out->exit_signal, sizeof(out->exit_signal), "%s",
		    sig);
		out->exit_status = -1;
	}
	free(sig);
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
		 * exec fails fast with -ENOTCONN. */
		/* Shut the socket first: libssh2_session_free() then fails
		 * its goodbye messages at once and frees everything (in
		 * non-blocking mode it would return EAGAIN and free
		 * nothing). */
		shutdown(c->fd, SHUT_RDWR);
		libssh2_session_set_blocking(c->session, 1);
		libssh2_session_set_timeout(c->session, 500);
		libssh2_session_free(c->session);
		c->session = NULL;
		close(c->fd);
		c->fd = -1;
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
	if (c->session != NULL) {
		libssh2_session_set_timeout(c->session, 1000);
		libssh2_session_disconnect(c->session, "bye");
		libssh2_session_free(c->session);
	}
	if (c->fd >= 0)
		close(c->fd);
	ssh_jump_free(c->jump);
	free(c);
}

unsigned
ssh_set_command_timeout(struct ssh_conn *c, unsigned ms)
{
	unsigned old = c->command_timeout_ms;

	c->command_timeout_ms = ms;
	return old;
}
