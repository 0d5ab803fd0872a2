/*
 * known_hosts as OpenSSH reads and writes it (sshd(8) "SSH_KNOWN_HOSTS
 * FILE FORMAT"; openssh-portable hostfile.c, sshconnect.c, sshconnect2.c):
 * the entries for one host name (plain patterns with * ? and !, or hashed
 * "|1|salt|hmac" names), their markers (@revoked, @cert-authority), the
 * host-key algorithms to propose first, the check of the key the server
 * presented, and appending one line for a new host.
 *
 * libssh2's own knownhost API is not used: it cannot tell "another key
 * type is known" from "this key changed" unless given the key type, it
 * ignores markers, and libssh2_knownhost_writefile() rewrites the whole
 * file, losing lines other threads append at the same time.
 */
#ifndef FD_KNOWNHOSTS_H
#define FD_KNOWNHOSTS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

enum kh_marker {
	KH_PLAIN,
	KH_REVOKED,		/* "@revoked" */
	KH_CA,			/* "@cert-authority" */
};

struct kh_entry {
	enum kh_marker marker;
	unsigned line;
	char type[48];		/* "ssh-ed25519", "ecdsa-sha2-nistp256" ... */
	char *b64;		/* the key blob, base64 as in the file */
};

/* The entries of one file that apply to one host name. */
struct kh_set {
	struct kh_entry *v;
	size_t n;
	bool exists;		/* the file exists */
	bool hashed;		/* some line of the file has a hashed name */
};

enum kh_status {
	KH_OK,			/* a plain entry has this very key */
	KH_NEW,			/* no entry of this key type */
	KH_CHANGED,		/* entries of this type, none with this key */
	KH_REVOKED_KEY,		/* an @revoked entry has this key */
};

/* The name OpenSSH looks up: "host" on port 22, "[host]:port" otherwise
 * (misc.c put_host_port()), lower case (ssh.c lowercases the host). */
void kh_name(const char *host, unsigned port, char *buf, size_t len);

/* Read path and keep the entries whose host field matches name.  A missing
 * file is an empty set (exists false); an unreadable one is -EIO. */
int kh_load(const char *path, const char *name, struct kh_set *out,
    struct fd_error *err);
/* The same over a buffer (tests, and kh_append under its lock). */
int kh_parse(const char *buf, size_t len, const char *name,
    struct kh_set *out);
void kh_set_done(struct kh_set *s);

/* Key type of a host-key algorithm: "rsa-sha2-512" -> "ssh-rsa"; NULL for
 * certificate algorithms. */
const char *kh_alg_keytype(const char *alg);

/*
 * The host-key algorithms to propose, as sshconnect2.c order_hostkeyalgs()
 * orders them: those whose key type the set holds first, the others after,
 * each group in the order of avail (comma-separated).  Certificate
 * algorithms are dropped (no @cert-authority support).  Returns the
 * length, or -ENOSPC.
 */
int kh_order_algs(const struct kh_set *s, const char *avail, char *buf,
    size_t len);

/*
 * Judge the key (type, base64 blob) as hostfile.c
 * check_hostkeys_by_key_or_type() does: revoked wins; then a plain entry
 * with the same key is OK; plain entries of the same type but another key
 * are CHANGED; no plain entry of this type is NEW.  *found (may be NULL)
 * gets the deciding entry, or NULL.
 */
enum kh_status kh_check(const struct kh_set *s, const char *type,
    const char *b64, const struct kh_entry **found);
/* Number of @cert-authority entries in the set (not supported). */
size_t kh_count_ca(const struct kh_set *s);

/*
 * Append "NAME TYPE B64\n" to path (created 0600 if missing), holding
 * flock(LOCK_EX): one write, never a rewrite, so threads and processes
 * adding hosts at the same time all keep their lines.  The name is hashed
 * ("|1|salt|hmac", hostfile.c host_hash()) when the file already holds a
 * hashed name.  Nothing is written when, under the lock, the file already
 * has this key for name.
 */
int kh_append(const char *path, const char *name, const char *type,
    const char *b64, struct fd_error *err);

#endif
