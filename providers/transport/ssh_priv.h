/*
 * Internals of the libssh2 adapter of transport/ssh.h, shared by its
 * files: ssh_session.c (connect, host key, the ops table), ssh_auth.c
 * (user authentication), ssh_jump.c (jump host tunnel) and ssh_channel.c
 * (exec channels, keepalive), ssh_netconf.c (NETCONF's channel).  Not for use outside providers/transport.
 */
#ifndef FD_SSH_PRIV_H
#define FD_SSH_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>

#include <libssh2.h>

#include "netconf.h"
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
	/* Channels the server allows at once, learnt from a refusal
	 * (ssh_multi.c); 0: not known. */
	unsigned max_channels;
	/* NETCONF's channel (ssh_netconf.c), NULL when none is open, and
	 * the bytes read on it that are not yet a whole message. */
	LIBSSH2_CHANNEL *nc;
	struct nc_framer ncf;
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

/* ssh_session.c */
/* The one place where libssh2 error codes are translated (house style).
 * what names the step ("authentication", "reading output"). */
int ssh_error(LIBSSH2_SESSION *s, int rc, const char *what,
    struct fd_error *err);
/* The key type a host-key blob names (RFC 4253 6.6). */
void ssh_blob_type(const char *blob, size_t len, char *buf, size_t buflen);
int ssh_lib_open(const struct device_cfg *cfg, struct ssh_lib **out,
    struct fd_error *err);
/* Drop the transport of c without a word to the server. */
void ssh_drop(struct ssh_lib *c);
void ssh_lib_free(struct ssh_lib *c);

/* ssh_auth.c: agent, key file, password or keyboard-interactive. */
int ssh_authenticate(struct ssh_lib *c, const struct device_cfg *cfg,
    struct fd_error *err);

/* ssh_jump.c: a tunnel through cfg->jump_host to cfg->host:port; *fd is
 * the socket the device session runs on. */
int ssh_jump_open(const struct device_cfg *cfg, unsigned port,
    struct ssh_jump **out, int *fd, struct fd_error *err);
void ssh_jump_free(struct ssh_jump *j);

/* ssh_channel.c */
uint64_t ssh_now_ms(void);
long ssh_left(uint64_t deadline);
int ssh_poll_session(struct ssh_lib *c, long wait_ms);
/* Wait until the socket is ready in the direction libssh2 is blocked
 * on, waking at least every second, or until the deadline passes (then
 * LIBSSH2_ERROR_TIMEOUT). */
int ssh_wait(struct ssh_lib *c, uint64_t deadline);
int ssh_exec_once(struct ssh_lib *c, const char *cmd, unsigned timeout_ms,
    bool partial, struct ssh_result *out, struct fd_error *err);
void ssh_lib_idle(struct ssh_lib *c);

/* ssh_netconf.c: ssh_ops.nc_* of the libssh2 adapter. */
int ssh_nc_start(struct ssh_lib *c, unsigned timeout_ms, struct fd_error *err);
int ssh_nc_send(struct ssh_lib *c, const char *msg, unsigned timeout_ms,
    struct fd_error *err);
int ssh_nc_recv(struct ssh_lib *c, unsigned timeout_ms, char **msg,
    size_t *len, struct fd_error *err);
void ssh_nc_stop(struct ssh_lib *c);

/* ssh_multi.c: ssh_ops.exec_many of the libssh2 adapter. */
int ssh_exec_many_once(struct ssh_lib *c, const char *const *cmds, size_t n,
    unsigned max_ch, unsigned timeout_ms, struct ssh_result *outs, int *rcs,
    struct fd_error *errs);

#endif
