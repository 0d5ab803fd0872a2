/*
 * The one libssh2 wrapper: a blocking SSH session to one device, host key
 * checked strictly against known_hosts, and read-only command execution on
 * exec channels.  libssh2 error codes become our errors in exactly one
 * place (ssh.c: ssh_error()).
 */
#ifndef FD_SSH_H
#define FD_SSH_H

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
};

struct ssh_conn;

/*
 * Connect to cfg->host:cfg->port, verify the host key against
 * cfg->known_hosts (unknown or changed key: -EACCES naming the SHA256
 * fingerprint, unless cfg->accept_new_host_key and the key is unknown, in
 * which case it is appended), then authenticate: ssh-agent (cfg->agent),
 * key file (passphrase from cfg->passphrase_file), password from
 * cfg->password_file or the environment variable cfg->password_env.
 */
int ssh_open(const struct device_cfg *cfg, struct ssh_conn **out,
    struct fd_error *err);

/*
 * Run cmd on a new exec channel and collect stdout, stderr and the exit
 * status.  The whole call is bounded by cfg->command_timeout_ms:
 * -ETIMEDOUT when it runs longer, -ECONNRESET when the connection drops.
 * A non-zero exit status is not an error here; the caller judges it.
 */
int ssh_exec(struct ssh_conn *c, const char *cmd, struct ssh_result *out,
    struct fd_error *err);

void ssh_result_done(struct ssh_result *r);
/* Set the time one command may take (a device traceroute's comes from
 * its wait and ttl); returns the previous value. */
unsigned ssh_set_command_timeout(struct ssh_conn *c, unsigned ms);
void ssh_close(struct ssh_conn *c);

/* "SHA256:<base64>" of a raw 32-byte digest, as ssh-keygen -l prints it. */
void ssh_fingerprint_str(const unsigned char *sha256, char *buf, size_t len);

#endif
