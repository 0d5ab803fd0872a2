/*
 * The libssh2 adapter of transport/ssh.h: one session per device in
 * blocking mode with session timeouts (libssh2_session_set_timeout bounds
 * every blocking call): TCP connect, host key checked against
 * known_hosts, authentication (ssh_auth.c), the ops table.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "knownhosts.h"

#include "ssh_priv.h"

static pthread_once_t ssh_once = PTHREAD_ONCE_INIT;
static int ssh_init_rc;

/* libssh2_init() is not thread-safe (libssh2_init(3)); the collector opens
 * sessions from several threads, so run it exactly once. */
static void
ssh_global_init(void)
{
	ssh_init_rc = libssh2_init(0);
}


/*
 * The one place where libssh2 error codes are translated (house style).
 * what names the step ("authentication", "reading output").
 */
int
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

/*
 * The host-key algorithms to propose before the handshake, as OpenSSH
 * does (sshconnect2.c order_hostkeyalgs()): those whose key type
 * known_hosts holds for this host first.  Without this libssh2 1.10
 * proposes ECDSA first (hostkey.c hostkey_methods[]), the server presents
 * its ECDSA key, and a host recorded with its ed25519 key (what ssh(1) and
 * "ssh-keyscan -t ed25519" record) looks unknown.  The base order is
 * OpenSSH 9.2's default (myproposal.h KEX_DEFAULT_PK_ALG, certificates
 * left out), then whatever else this libssh2 supports (ssh-rsa, ssh-dss).
 */
static void
ssh_hostkey_prefs(LIBSSH2_SESSION *s, const struct kh_set *known)
{
	static const char *const openssh[] = {
		"ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
		"ecdsa-sha2-nistp521", "rsa-sha2-512", "rsa-sha2-256",
	};
	const char **algs = NULL;
	char avail[1024], pref[1024];
	size_t o = 0, i;
	int n, j;

	n = libssh2_session_supported_algs(s, LIBSSH2_METHOD_HOSTKEY, &algs);
	if (n <= 0)
		return;
	avail[0] = '\0';
	for (i = 0; i < sizeof(openssh) / sizeof(openssh[0]); i++)
		for (j = 0; j < n; j++)
			if (strcmp(algs[j], openssh[i]) == 0 &&
			    o + strlen(algs[j]) + 2 < sizeof(avail))
				o += (size_t)snprintf(avail + o,
				    sizeof(avail) - o, ",%s", algs[j]);
	for (j = 0; j < n; j++) {
		bool seen = false;

		for (i = 0; i < sizeof(openssh) / sizeof(openssh[0]); i++)
			seen = seen || strcmp(algs[j], openssh[i]) == 0;
		if (!seen && o + strlen(algs[j]) + 2 < sizeof(avail))
			o += (size_t)snprintf(avail + o, sizeof(avail) - o,
			    ",%s", algs[j]);
	}
	libssh2_free(s, algs);
	if (o > 0 && kh_order_algs(known, avail + 1, pref, sizeof(pref)) > 0)
		libssh2_session_method_pref(s, LIBSSH2_METHOD_HOSTKEY, pref);
}

/* The key type a host-key blob names (RFC 4253 6.6: string type, ...). */
void
ssh_blob_type(const char *blob, size_t len, char *buf, size_t buflen)
{
	const unsigned char *b = (const unsigned char *)blob;
	uint32_t n;

	snprintf(buf, buflen, "unknown");
	if (len < 4)
		return;
	n = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3];
	if (n == 0 || n > len - 4 || n >= buflen)
		return;
	memcpy(buf, blob + 4, n);
	buf[n] = '\0';
}

/* The other key types known_hosts holds for the host: "ssh-ed25519". */
static void
ssh_known_types(const struct kh_set *k, char *buf, size_t len)
{
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < k->n; i++) {
		if (k->v[i].marker != KH_PLAIN || strstr(buf, k->v[i].type))
			continue;
		if (o + strlen(k->v[i].type) + 2 >= len)
			break;
		o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? "," : "",
		    k->v[i].type);
	}
}

/*
 * Judge the key the server presented against the entries known_hosts
 * holds for the host (loaded before the handshake), as sshconnect.c
 * check_host_key() does with StrictHostKeyChecking yes, or accept-new
 * when cfg->accept_new_host_key.
 */
static int
ssh_check_host_key(struct ssh_lib *c, const struct device_cfg *cfg,
    const struct kh_set *known, const char *name, struct fd_error *err)
{
	const struct kh_entry *e = NULL;
	const char *key, *hash;
	char path[PATH_MAX], fp[64], type[64], others[128], ca[80];
	char *b64 = NULL;
	size_t keylen;
	int ktype, ret;

	key = libssh2_session_hostkey(c->session, &keylen, &ktype);
	hash = libssh2_hostkey_hash(c->session, LIBSSH2_HOSTKEY_HASH_SHA256);
	if (key == NULL || hash == NULL)
		return ssh_error(c->session, LIBSSH2_ERROR_HOSTKEY_INIT,
		    "host key", err);
	ssh_fingerprint_str((const unsigned char *)hash, fp, sizeof(fp));
	ssh_blob_type(key, keylen, type, sizeof(type));
	ssh_known_hosts_path(cfg, path, sizeof(path));
	b64 = malloc(4 * ((keylen + 2) / 3) + 1);
	if (b64 == NULL)
		return fd_error_set(err, -ENOMEM, "host key: out of memory");
	EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)key,
	    (int)keylen);
	ca[0] = '\0';
	if (kh_count_ca(known) > 0)
		snprintf(ca, sizeof(ca), "; its @cert-authority lines are "
		    "not supported (host certificates)");

	switch (kh_check(known, type, b64, &e)) {
	case KH_OK:
		ret = 0;
		break;
	case KH_REVOKED_KEY:
		/* Typed for the core: a revoked (-EKEYREVOKED) or changed
		 * (-EKEYREJECTED) key is a finding about the device; an
		 * unknown one (-ENOKEY) means it could not be checked. */
		ret = fd_error_set(err, -EKEYREVOKED, "host key of %s port %u "
		    "(%s %s) is marked @revoked in %s line %u - refusing",
		    c->host, c->port, type, fp, path, e->line);
		break;
	case KH_CHANGED:
		ret = fd_error_set(err, -EKEYREJECTED, "host key of %s port %u "
		    "CHANGED (now %s %s): %s line %u has another %s key - "
		    "refusing%s", c->host, c->port, type, fp, path, e->line,
		    type, ca);
		break;
	case KH_NEW:
	default:
		ssh_known_types(known, others, sizeof(others));
		if (!cfg->accept_new_host_key) {
			ret = fd_error_set(err, -ENOKEY, "host key of %s port "
			    "%u unknown (%s %s)%s%s; add it to %s or allow "
			    "new host keys%s", c->host, c->port, type, fp,
			    others[0] ? ": known_hosts has only " : "",
			    others, path, ca);
			break;
		}
		ret = kh_append(path, name, type, b64, err);
		break;
	}
	free(b64);
	return ret;
}


/* Drop the transport of c (session, socket, jump host) without a word
 * to the server: it is gone or in an unknown state. */
void
ssh_drop(struct ssh_lib *c)
{
	if (c->session != NULL) {
		/* Shut the socket first: libssh2_session_free() then fails
		 * its goodbye messages at once and frees everything (in
		 * non-blocking mode it would return EAGAIN and free
		 * nothing). */
		if (c->fd >= 0)
			shutdown(c->fd, SHUT_RDWR);
		libssh2_session_set_blocking(c->session, 1);
		libssh2_session_set_timeout(c->session, 500);
		libssh2_session_free(c->session);
		c->session = NULL;
	}
	/* libssh2_session_free() freed NETCONF's channel too. */
	c->nc = NULL;
	nc_framer_done(&c->ncf);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	ssh_jump_free(c->jump);
	c->jump = NULL;
}

/* Connect, check the host key, authenticate. */
static int
ssh_connect(struct ssh_lib *c, struct fd_error *err)
{
	const struct device_cfg *cfg = &c->cfg;
	struct kh_set known = { 0 };
	char path[PATH_MAX], name[300];
	int rc;

	/* The known keys are read before the handshake: they decide which
	 * host-key algorithms to propose. */
	ssh_known_hosts_path(cfg, path, sizeof(path));
	kh_name(c->host, c->port, name, sizeof(name));
	rc = kh_load(path, name, &known, err);
	if (rc < 0)
		return rc;
	if (cfg->jump_host[0] != '\0')
		rc = ssh_jump_open(cfg, c->port, &c->jump, &c->fd, err);
	else
		rc = ssh_tcp_connect(cfg, c->port, &c->fd, err);
	if (rc < 0)
		goto out;
	c->session = libssh2_session_init();
	if (c->session == NULL) {
		rc = fd_error_set(err, -ENOMEM, "libssh2 session: no memory");
		goto out;
	}
	libssh2_session_set_blocking(c->session, 1);
	libssh2_session_set_timeout(c->session,
	    cfg->connect_timeout_ms ? cfg->connect_timeout_ms : 10000);
	ssh_hostkey_prefs(c->session, &known);
	rc = libssh2_session_handshake(c->session, c->fd);
	if (rc != 0) {
		rc = ssh_error(c->session, rc, "SSH handshake", err);
		goto out;
	}
	rc = ssh_check_host_key(c, cfg, &known, name, err);
	if (rc < 0)
		goto out;
	rc = ssh_authenticate(c, cfg, err);
	if (rc < 0)
		goto out;
	if (c->keepalive_s > 0)
		libssh2_keepalive_config(c->session, 1, c->keepalive_s);
out:
	kh_set_done(&known);
	if (rc < 0)
		ssh_drop(c);
	return rc;
}

int
ssh_lib_open(const struct device_cfg *cfg, struct ssh_lib **out,
    struct fd_error *err)
{
	struct ssh_lib *c;
	int rc;

	pthread_once(&ssh_once, ssh_global_init);
	if (ssh_init_rc != 0)
		return fd_error_set(err, -EIO, "libssh2_init failed");

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return fd_error_set(err, -ENOMEM, "out of memory");
	c->fd = -1;
	c->cfg = *cfg;
	snprintf(c->host, sizeof(c->host), "%s", cfg->host);
	c->port = cfg->port ? cfg->port : 22;
	c->keepalive_s = cfg->keepalive_s;
	rc = ssh_connect(c, err);
	if (rc < 0) {
		ssh_lib_free(c);
		return rc;
	}
	*out = c;
	return 0;
}


void
ssh_lib_free(struct ssh_lib *c)
{
	if (c == NULL)
		return;
	nc_framer_done(&c->ncf);
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


/* ssh_libssh2_ops: the libssh2 session behind the void * of struct
 * ssh_ops. */
static int
lib_open(const struct device_cfg *cfg, void **ctx, struct fd_error *err)
{
	struct ssh_lib *c = NULL;
	int rc;

	rc = ssh_lib_open(cfg, &c, err);
	if (rc == 0)
		*ctx = c;
	return rc;
}

static int
lib_exec(void *ctx, const char *cmd, unsigned timeout_ms, bool partial,
    struct ssh_result *out, struct fd_error *err)
{
	return ssh_exec_once(ctx, cmd, timeout_ms, partial, out, err);
}

static int
lib_exec_many(void *ctx, const char *const *cmds, size_t n, unsigned max_ch,
    unsigned timeout_ms, struct ssh_result *outs, int *rcs,
    struct fd_error *errs)
{
	return ssh_exec_many_once(ctx, cmds, n, max_ch, timeout_ms, outs, rcs,
	    errs);
}

static void
lib_idle(void *ctx)
{
	ssh_lib_idle(ctx);
}

static int
lib_nc_start(void *ctx, unsigned timeout_ms, struct fd_error *err)
{
	return ssh_nc_start(ctx, timeout_ms, err);
}

static int
lib_nc_send(void *ctx, const char *msg, unsigned timeout_ms,
    struct fd_error *err)
{
	return ssh_nc_send(ctx, msg, timeout_ms, err);
}

static int
lib_nc_recv(void *ctx, unsigned timeout_ms, char **msg, size_t *len,
    struct fd_error *err)
{
	return ssh_nc_recv(ctx, timeout_ms, msg, len, err);
}

static void
lib_nc_stop(void *ctx)
{
	ssh_nc_stop(ctx);
}

static void
lib_close(void *ctx)
{
	ssh_lib_free(ctx);
}

const struct ssh_ops ssh_libssh2_ops = {
	.open = lib_open,
	.exec = lib_exec,
	.idle = lib_idle,
	.close = lib_close,
	.exec_many = lib_exec_many,
	.nc_start = lib_nc_start,
	.nc_send = lib_nc_send,
	.nc_recv = lib_nc_recv,
	.nc_stop = lib_nc_stop,
};
