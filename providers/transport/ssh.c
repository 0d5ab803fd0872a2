/*
 * libssh2 in blocking mode with session timeouts (libssh2_session_set_timeout
 * bounds every blocking call).  The overall command deadline is enforced by
 * lowering that timeout to the time left before each read.
 */
#include <ctype.h>
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
#include <openssl/evp.h>

#include "knownhosts.h"
#include "ssh.h"

/* A runaway command must not eat the host's memory. */
#define SSH_MAX_OUTPUT (64u * 1024 * 1024)
#define SSH_SECRET_MAX 1024

struct ssh_jump;

struct ssh_lib {
	int fd;
	LIBSSH2_SESSION *session;
	char host[256];
	unsigned port;
	unsigned keepalive_s;
	struct ssh_jump *jump;		/* NULL: direct TCP */
	/* What ssh_lib_open() was given (file names and variable names
	 * only: no secret is kept). */
	struct device_cfg cfg;
};

/*
 * A jump host: a session to it, a direct-tcpip channel through it to the
 * device, and a thread pumping bytes between that channel and one end of
 * a socketpair whose other end is the device session's socket (libssh2
 * sessions need a file descriptor).  The pump thread alone uses the jump
 * session.
 */
struct ssh_jump {
	struct ssh_lib *conn;
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
static void
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

/* Read the big-endian length-prefixed string at *p (RFC 4251 5). */
static bool
ssh_get_string(const unsigned char **p, const unsigned char *end,
    const unsigned char **s, uint32_t *n)
{
	if (end - *p < 4)
		return false;
	*n = (uint32_t)(*p)[0] << 24 | (uint32_t)(*p)[1] << 16 |
	    (uint32_t)(*p)[2] << 8 | (*p)[3];
	*p += 4;
	if ((size_t)(end - *p) < *n)
		return false;
	*s = *p;
	*p += *n;
	return true;
}

/*
 * The key type of a private key file, without its passphrase: the .pub
 * next to it, the PEM header, or the public key that an OpenSSH-format
 * file keeps unencrypted (PROTOCOL.key: "openssh-key-v1\0", cipher, kdf,
 * kdf options, number of keys, public key).  "" when unknown.
 */
static void
ssh_keyfile_type(const char *path, char *buf, size_t len)
{
	static const char begin[] = "-----BEGIN OPENSSH PRIVATE KEY-----";
	char pub[PATH_MAX + 8], *text = NULL, *b64 = NULL, *p;
	unsigned char *bin = NULL;
	const unsigned char *q, *end, *s;
	uint32_t n;
	FILE *f;
	size_t tn = 0, bn = 0;
	int dn, i;

	buf[0] = '\0';
	snprintf(pub, sizeof(pub), "%s.pub", path);
	if ((f = fopen(pub, "re")) != NULL) {
		char word[64];

		if (fscanf(f, "%63s", word) == 1)
			snprintf(buf, len, "%s", word);
		fclose(f);
		if (buf[0] != '\0')
			return;
	}
	if ((f = fopen(path, "re")) == NULL)
		return;
	text = calloc(1, 65536);
	if (text != NULL)
		tn = fread(text, 1, 65535, f);
	fclose(f);
	if (text == NULL)
		return;
	text[tn] = '\0';
	if (strstr(text, "-----BEGIN RSA PRIVATE KEY-----") != NULL)
		snprintf(buf, len, "ssh-rsa");
	else if (strstr(text, "-----BEGIN EC PRIVATE KEY-----") != NULL)
		snprintf(buf, len, "ecdsa");
	else if (strstr(text, "-----BEGIN DSA PRIVATE KEY-----") != NULL)
		snprintf(buf, len, "ssh-dss");
	if (buf[0] != '\0' || (p = strstr(text, begin)) == NULL)
		goto out;
	b64 = malloc(tn + 1);
	if (b64 == NULL)
		goto out;
	for (p += sizeof(begin) - 1; *p != '\0' && *p != '-'; p++)
		if (!isspace((unsigned char)*p))
			b64[bn++] = *p;
	bn -= bn % 4;
	bin = malloc(bn / 4 * 3 + 1);
	if (bin == NULL || bn == 0)
		goto out;
	dn = EVP_DecodeBlock(bin, (unsigned char *)b64, (int)bn);
	if (dn < 15 || memcmp(bin, "openssh-key-v1", 15) != 0)
		goto out;
	q = bin + 15;
	end = bin + dn;
	for (i = 0; i < 3; i++)		/* cipher, kdf, kdf options */
		if (!ssh_get_string(&q, end, &s, &n))
			goto out;
	if (end - q < 4)
		goto out;
	q += 4;				/* number of keys */
	if (ssh_get_string(&q, end, &s, &n))
		ssh_blob_type((const char *)s, n, buf, len);
	if (strcmp(buf, "unknown") == 0)
		buf[0] = '\0';
out:
	free(text);
	free(b64);
	free(bin);
}

/*
 * libssh2 before 1.11 signs with RSA keys only as "ssh-rsa" (SHA-1,
 * RFC 4253): 1.11 added rsa-sha2-256/512 for user authentication
 * (userauth.c _libssh2_key_sign_algorithm()).  OpenSSH 8.8 and later
 * refuse ssh-rsa signatures by default (PubkeyAcceptedAlgorithms,
 * release notes of 8.8), so an authorised RSA key is refused without a
 * word.
 */
static bool
ssh_rsa_sha1_only(void)
{
	return libssh2_version(0x010b00) == NULL;
}

static int
ssh_auth_agent(struct ssh_lib *c, const char *user, bool *rsa)
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
		char type[64];

		rc = libssh2_agent_userauth(agent, user, id);
		if (rc == 0)
			break;
		ssh_blob_type((const char *)id->blob, id->blob_len, type,
		    sizeof(type));
		if (strcmp(type, "ssh-rsa") == 0)
			*rsa = true;
		prev = id;
	}
out:
	libssh2_agent_disconnect(agent);
	libssh2_agent_free(agent);
	return rc;
}

/*
 * keyboard-interactive (RFC 4256), as FreeBSD-derived sshd offers it for
 * PAM, RADIUS and TACACS+ logins: every round of prompts calls back here.
 * Exactly one password is given: to the first round with a single
 * echo-off prompt (OpenSSH's PAM glue asks one prompt per round,
 * auth-pam.c sshpam_query()).  A round with several prompts, an echoed
 * prompt or a second prompting round after the password is a challenge
 * (one-time password, second factor) that a batch tool cannot answer: it
 * gets empty answers and the caller reports the prompts.  Rounds with no
 * prompt (messages only) are acknowledged.
 */
struct ssh_kbd {
	const char *password;
	bool used;		/* the password was sent */
	bool challenge;		/* a prompt we would not answer */
	unsigned prompts;	/* prompts seen in all rounds */
	char shown[96];		/* their texts, for the error */
};

static void
ssh_kbd_cb(const char *name, int name_len, const char *instruction,
    int instruction_len, int num_prompts,
    const LIBSSH2_USERAUTH_KBDINT_PROMPT *prompts,
    LIBSSH2_USERAUTH_KBDINT_RESPONSE *responses, void **abstract)
{
	struct ssh_kbd *k = *abstract;
	int i;

	(void)name;
	(void)name_len;
	(void)instruction;
	(void)instruction_len;
	for (i = 0; i < num_prompts; i++) {
		size_t o = strlen(k->shown);

		if (o + 8 < sizeof(k->shown))
			snprintf(k->shown + o, sizeof(k->shown) - o, "%s\"%.*s\"",
			    o ? ", " : "", (int)(prompts[i].length > 32 ? 32 :
			    prompts[i].length), (const char *)prompts[i].text);
	}
	k->prompts += (unsigned)(num_prompts > 0 ? num_prompts : 0);
	if (num_prompts == 1 && !prompts[0].echo && !k->used &&
	    !k->challenge) {
		responses[0].text = strdup(k->password);
		responses[0].length = responses[0].text != NULL ?
		    (unsigned)strlen(k->password) : 0;
		k->used = true;
		return;
	}
	if (num_prompts > 0)
		k->challenge = true;
	for (i = 0; i < num_prompts; i++) {
		/* libssh2 frees the answers with its allocator (free()). */
		responses[i].text = strdup("");
		responses[i].length = 0;
	}
}

static int
ssh_auth_kbdint(struct ssh_lib *c, const char *user, const char *password,
    struct ssh_kbd *k)
{
	void **abstract = libssh2_session_abstract(c->session);
	void *old = *abstract;
	int rc;

	memset(k, 0, sizeof(*k));
	k->password = password;
	*abstract = k;
	rc = libssh2_userauth_keyboard_interactive_ex(c->session, user,
	    (unsigned)strlen(user), ssh_kbd_cb);
	*abstract = old;
	k->password = NULL;
	return rc;
}

static int
ssh_password(const struct device_cfg *cfg, char *secret, size_t len,
    struct fd_error *err)
{
	const char *v;

	if (cfg->password_file[0] != '\0')
		return ssh_read_secret(cfg->password_file, secret, len, err);
	v = getenv(cfg->password_env);
	if (v == NULL)
		return fd_error_set(err, -ENOKEY, "password variable %s is "
		    "not set", cfg->password_env);
	snprintf(secret, len, "%s", v);
	return 0;
}

/*
 * Methods in this order, each only when the server offers it: ssh-agent,
 * the key file, then the password, given to "password" or, when the
 * server offers only "keyboard-interactive", to its password prompt.
 */
static int
ssh_authenticate(struct ssh_lib *c, const struct device_cfg *cfg,
    struct fd_error *err)
{
	char secret[SSH_SECRET_MAX], ktype[64] = "";
	const char *user = cfg->user[0] ? cfg->user : getenv("USER");
	const char *methods;
	struct ssh_kbd kbd = { 0 };
	int rc = LIBSSH2_ERROR_AUTHENTICATION_FAILED, ret;
	bool tried = false, rsa = false, pw_tried = false, have_pw;

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
		rc = ssh_auth_agent(c, user, &rsa);
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
		ssh_keyfile_type(cfg->identity_file, ktype, sizeof(ktype));
		if (strcmp(ktype, "ssh-rsa") == 0)
			rsa = true;
	}
	have_pw = cfg->password_file[0] != '\0' || cfg->password_env[0] != '\0';
	if (have_pw && (strstr(methods, "password") != NULL ||
	    strstr(methods, "keyboard-interactive") != NULL)) {
		tried = pw_tried = true;
		ret = ssh_password(cfg, secret, sizeof(secret), err);
		if (ret < 0)
			return ret;
		if (strstr(methods, "password") != NULL)
			rc = libssh2_userauth_password_ex(c->session, user,
			    (unsigned)strlen(user), secret,
			    (unsigned)strlen(secret), NULL);
		else
			rc = ssh_auth_kbdint(c, user, secret, &kbd);
		explicit_bzero(secret, sizeof(secret));
		if (rc == 0 && !kbd.challenge)
			return 0;
		if (kbd.challenge) {
			ret = fd_error_set(err, -EACCES, "%s@%s: keyboard-"
			    "interactive asked more than one password (%u "
			    "prompts: %s): one-time passwords and second "
			    "factors cannot be answered by a batch tool; use "
			    "a key or a password-only login", user, c->host,
			    kbd.prompts, kbd.shown);
			return ret;
		}
	}
	if (!tried)
		return fd_error_set(err, -EACCES,
		    "no usable authentication for %s@%s (server offers %s)",
		    user, c->host, methods);
	if (rsa && !pw_tried && ssh_rsa_sha1_only() && rc != 0 &&
	    rc != LIBSSH2_ERROR_SOCKET_RECV && rc != LIBSSH2_ERROR_TIMEOUT &&
	    rc != LIBSSH2_ERROR_SOCKET_DISCONNECT)
		return fd_error_set(err, -EACCES, "%s@%s: the RSA key was "
		    "refused: libssh2 %s signs RSA keys with SHA-1 (ssh-rsa), "
		    "which OpenSSH 8.8 and later refuse; use an ed25519 or "
		    "ECDSA key", user, c->host, libssh2_version(0));
	ret = ssh_error(c->session, rc, "authentication", err);
	fd_error_prefix(err, "%s@%s", user, c->host);
	return ret;
}

static void ssh_jump_free(struct ssh_jump *j);
static int ssh_lib_open(const struct device_cfg *cfg, struct ssh_lib **out,
    struct fd_error *err);
static void ssh_lib_free(struct ssh_lib *c);

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
	ssh_lib_free(j->conn);
	if (j->sock >= 0)
		close(j->sock);
	if (j->stop[0] >= 0)
		close(j->stop[0]);
	if (j->stop[1] >= 0)
		close(j->stop[1]);
	free(j);
}

/* Drop the transport of c (session, socket, jump host) without a word
 * to the server: it is gone or in an unknown state. */
static void
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

static int
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
ssh_wait(struct ssh_lib *c, uint64_t deadline)
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

static int
ssh_exec_once(struct ssh_lib *c, const char *cmd, unsigned timeout_ms,
    bool partial, struct ssh_result *out, struct fd_error *err)
{
	LIBSSH2_CHANNEL *ch = NULL;
	struct ssh_buf o = { 0 }, e = { 0 };
	uint64_t deadline;
	char *sig = NULL;
	size_t siglen = 0;
	int rc, ret;
	bool broken = false;

	if (c->session == NULL)
		return fd_error_set(err, -ENOTCONN, "the previous command "
		    "dropped the connection");
	deadline = ssh_now_ms() + timeout_ms;
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
static void
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

static void
ssh_lib_free(struct ssh_lib *c)
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

static void
lib_idle(void *ctx)
{
	ssh_lib_idle(ctx);
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
};

/* ------------------------------------------- the transport-neutral layer */

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
