/*
 * User authentication of the libssh2 adapter: ssh-agent, a key file, a
 * password given to "password" or to one keyboard-interactive prompt.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "ssh_priv.h"

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
int
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
