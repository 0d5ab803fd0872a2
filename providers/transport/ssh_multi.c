/*
 * Several exec channels of one libssh2 session at once (ssh_ops.exec_many).
 *
 * libssh2 sessions are not thread-safe, so every channel of the session is
 * driven here, from the caller's one thread, non-blocking, by one poll()
 * loop over the session's socket.  Two libssh2 constraints shape the loop:
 *   - a channel open in progress is session state (libssh2 channel.c
 *     _libssh2_channel_open() keeps it in session->open_state), so only one
 *     slot is opening at a time;
 *   - a packet whose send returned EAGAIN is finished by the next send of
 *     any caller, which then returns as if its own packet had gone
 *     (transport.c send_existing()), so a slot blocked on writing is the
 *     only one stepped until the write completes.
 * sshd allows MaxSessions channels per connection (default 10,
 * sshd_config(5)); a STIG-hardened SRX allows one ("set system services
 * ssh max-sessions-per-connection 1", DISA STIG V-66549 / SV-223180).  A
 * refused channel (SSH_MSG_CHANNEL_OPEN_FAILURE, RFC 4254 5.1; libssh2:
 * LIBSSH2_ERROR_CHANNEL_FAILURE) lowers the cap of this session to the
 * channels open then, remembered, and the command waits for a free
 * channel: never an error.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "ssh_priv.h"

enum slot_state { S_IDLE, S_OPEN, S_EXEC, S_READ, S_CLOSE, S_WAIT, S_FREE };

struct slot {
	enum slot_state st;
	size_t idx;
	LIBSSH2_CHANNEL *ch;
	char *o, *e;
	size_t on, ocap, en, ecap;
	uint64_t deadline;
	unsigned refused;		/* opens refused with none open */
};

static int
add(char **p, size_t *n, size_t *cap, const char *d, size_t k)
{
	if (*n + k + 1 > SSH_MAX_OUTPUT)
		return -EFBIG;
	if (*n + k + 1 > *cap) {
		size_t c = *cap ? *cap : 4096;
		char *q;

		while (c < *n + k + 1)
			c *= 2;
		if ((q = realloc(*p, c)) == NULL)
			return -ENOMEM;
		*p = q;
		*cap = c;
	}
	if (k > 0)
		memcpy(*p + *n, d, k);
	*n += k;
	(*p)[*n] = '\0';
	return 0;
}

static void
slot_reset(struct slot *s)
{
	free(s->o);
	free(s->e);
	memset(s, 0, sizeof(*s));
}

/* The command of s finished: its result, the channel's exit status. */
static int
slot_result(struct slot *s, struct ssh_result *r)
{
	char *sig = NULL;
	size_t siglen = 0;

	if (add(&s->o, &s->on, &s->ocap, "", 0) < 0 ||
	    add(&s->e, &s->en, &s->ecap, "", 0) < 0)
		return -ENOMEM;
	memset(r, 0, sizeof(*r));
	r->exit_status = libssh2_channel_get_exit_status(s->ch);
	if (libssh2_channel_get_exit_signal(s->ch, &sig, &siglen, NULL, NULL,
	    NULL, NULL) == 0 && sig != NULL) {
		snprintf(r->exit_signal, sizeof(r->exit_signal), "%s", sig);
		r->exit_status = -1;
	}
	free(sig);
	r->out = s->o;
	r->out_len = s->on;
	r->errout = s->e;
	r->err_len = s->en;
	s->o = s->e = NULL;
	return 0;
}

/*
 * One step of slot s.  Returns 1 when it progressed, 0 when it waits on
 * the socket (EAGAIN), 2 when the channel was refused (s back to idle), or
 * a libssh2 error (<0).
 */
static int
slot_step(struct ssh_lib *c, struct slot *s, const char *cmd,
    struct ssh_result *r, int *done)
{
	char buf[16384];
	ssize_t n;
	int rc, i, any = 0;

	switch (s->st) {
	case S_OPEN:
		s->ch = libssh2_channel_open_session(c->session);
		if (s->ch == NULL) {
			rc = libssh2_session_last_errno(c->session);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return 0;
			return rc == LIBSSH2_ERROR_CHANNEL_FAILURE ? 2 : rc;
		}
		s->st = S_EXEC;
		return 1;
	case S_EXEC:
		rc = libssh2_channel_exec(s->ch, cmd);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 0;
		if (rc < 0)
			return rc;
		s->st = S_READ;
		return 1;
	case S_READ:
		for (i = 0; i < 2; i++)
			for (;;) {
				n = libssh2_channel_read_ex(s->ch, i == 0 ? 0 :
				    SSH_EXTENDED_DATA_STDERR, buf, sizeof(buf));
				if (n == LIBSSH2_ERROR_EAGAIN || n == 0)
					break;
				if (n < 0)
					return (int)n;
				any = 1;
				if ((i == 0 ? add(&s->o, &s->on, &s->ocap, buf,
				    (size_t)n) : add(&s->e, &s->en, &s->ecap,
				    buf, (size_t)n)) < 0)
					return LIBSSH2_ERROR_ALLOC;
			}
		if (!libssh2_channel_eof(s->ch))
			return any;
		/* EOF: what is still queued was read above. */
		s->st = S_CLOSE;
		return 1;
	case S_CLOSE:
		rc = libssh2_channel_close(s->ch);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 0;
		if (rc < 0)
			return rc;
		s->st = S_WAIT;
		return 1;
	case S_WAIT:
		rc = libssh2_channel_wait_closed(s->ch);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 0;
		if (rc < 0)
			return rc;
		if (slot_result(s, r) < 0)
			return LIBSSH2_ERROR_ALLOC;
		*done = 1;
		s->st = S_FREE;
		return 1;
	case S_FREE:
		rc = libssh2_channel_free(s->ch);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 0;
		s->ch = NULL;
		slot_reset(s);
		return 1;
	case S_IDLE:
		break;
	}
	return 0;
}

int
ssh_exec_many_once(struct ssh_lib *c, const char *const *cmds, size_t n,
    unsigned max_ch, unsigned timeout_ms, struct ssh_result *outs, int *rcs,
    struct fd_error *errs)
{
	struct slot *sl;
	size_t *queue, qh = 0, qt = 0, i, left = n;
	unsigned cap, limit, k, active = 0;
	struct slot *stuck = NULL;
	int rc = 0, broken = 0, idle_passes = 0;

	for (i = 0; i < n; i++) {
		rcs[i] = 0;
		memset(&outs[i], 0, sizeof(outs[i]));
		fd_error_clear(&errs[i]);
	}
	if (n == 0)
		return 0;
	if (c->session == NULL) {
		for (i = 0; i < n; i++)
			rcs[i] = fd_error_set(&errs[i], -ENOTCONN, "the "
			    "previous command dropped the connection");
		return 0;
	}
	cap = max_ch ? max_ch : 1;
	if (c->max_channels > 0 && c->max_channels < cap)
		cap = c->max_channels;
	sl = calloc(cap, sizeof(*sl));
	queue = calloc(n, sizeof(*queue));
	if (sl == NULL || queue == NULL) {
		free(sl);
		free(queue);
		for (i = 0; i < n; i++)
			rcs[i] = fd_error_set(&errs[i], -ENOMEM,
			    "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		queue[qt++] = i;
	limit = cap;
	libssh2_session_set_blocking(c->session, 0);

	while (left > 0 && !broken) {
		bool progress = false, opening = false;
		uint64_t now = ssh_now_ms(), first = UINT64_MAX;
		long wait;

		for (k = 0; k < cap; k++)
			if (sl[k].st == S_OPEN)
				opening = true;
		/* Start queued commands on free slots, one open at a time. */
		for (k = 0; k < cap && !opening && qh < qt && stuck == NULL &&
		    active < limit; k++) {
			if (sl[k].st != S_IDLE)
				continue;
			sl[k].st = S_OPEN;
			sl[k].idx = queue[qh++];
			sl[k].deadline = now + timeout_ms;
			active++;
			opening = true;
		}
		for (k = 0; k < cap && !broken; k++) {
			struct slot *s = &sl[k];
			int done = 0;

			if (s->st == S_IDLE || (stuck != NULL && stuck != s))
				continue;
			if (s->st != S_FREE && now >= s->deadline) {
				rc = LIBSSH2_ERROR_TIMEOUT;
				i = s->idx;
				rcs[i] = ssh_error(c->session, rc, "command",
				    &errs[i]);
				left--;
				broken = 1;
				break;
			}
			rc = slot_step(c, s, cmds[s->idx], &outs[s->idx],
			    &done);
			if (rc == 2) {
				/* Refused: sshd's MaxSessions, Junos's
				 * max-sessions-per-connection.  The others
				 * open now are this session's cap. */
				active--;
				if (active == 0 && ++s->refused <= 25) {
					/* None of ours open, yet refused:
					 * sshd frees a closed channel's
					 * session just after its CLOSE, so
					 * the next open can race it.  Try
					 * again shortly (bounded: 25 x
					 * 20 ms, within the deadline). */
					active++;
					poll(NULL, 0, 20);
					progress = true;
					continue;
				}
				if (active == 0) {
					i = s->idx;
					rcs[i] = ssh_error(c->session,
					    LIBSSH2_ERROR_CHANNEL_FAILURE,
					    "open channel", &errs[i]);
					left--;
					s->st = S_IDLE;
					continue;
				}
				c->max_channels = active;
				limit = active;
				log_info("%s: the device allows %u SSH "
				    "channel%s per connection; running its "
				    "commands %s", c->host, active,
				    active == 1 ? "" : "s", active == 1 ?
				    "one at a time" : "fewer at once");
				queue[--qh] = s->idx;
				s->st = S_IDLE;
				progress = true;
				stuck = NULL;
				break;
			}
			if (rc < 0) {
				i = s->idx;
				rcs[i] = ssh_error(c->session, rc, s->st ==
				    S_OPEN ? "open channel" : "command output",
				    &errs[i]);
				left--;
				if (rcs[i] == -ECONNRESET ||
				    rcs[i] == -ETIMEDOUT || s->st == S_OPEN) {
					broken = 1;
					break;
				}
				/* This channel alone failed (exec refused):
				 * free it, the session goes on. */
				if (s->st == S_EXEC || s->st == S_READ ||
				    s->st == S_CLOSE || s->st == S_WAIT) {
					free(s->o);
					free(s->e);
					s->o = s->e = NULL;
					s->st = S_FREE;
				}
				continue;
			}
			if (done)
				left--;
			if (rc == 1) {
				progress = true;
				if (s->st == S_IDLE)
					active--;
			}
			/* A write left half-sent: only this slot until it
			 * is out (send_existing(), see above). */
			stuck = rc == 0 && (libssh2_session_block_directions(
			    c->session) & LIBSSH2_SESSION_BLOCK_OUTBOUND) ?
			    s : NULL;
			if (stuck != NULL)
				break;
		}
		if (broken || left == 0)
			break;
		/*
		 * A channel's read may take packets of another channel off
		 * the socket into libssh2's queue, after that channel's
		 * step in this pass: one more pass before waiting, and a
		 * short wait while several channels are open, so a queued
		 * packet (the last one, a CHANNEL_CLOSE) never waits for
		 * the socket.
		 */
		if (progress || ++idle_passes < 2) {
			if (progress)
				idle_passes = 0;
			continue;
		}
		idle_passes = 0;
		now = ssh_now_ms();
		for (k = 0; k < cap; k++)
			if (sl[k].st != S_IDLE && sl[k].st != S_FREE &&
			    sl[k].deadline < first)
				first = sl[k].deadline;
		wait = first == UINT64_MAX ? 1000 : first <= now ? 0 :
		    (long)(first - now);
		if (wait > 1000)
			wait = 1000;	/* keepalives are due when quiet */
		if (active > 1 && wait > 20)
			wait = 20;
		if (ssh_poll_session(c, wait) < 0) {
			broken = 1;
			break;
		}
	}
	if (broken) {
		/* A timeout or a dropped connection: the session is in an
		 * unknown state (as ssh_exec_once).  Every command not
		 * finished is -ECONNRESET: read-only, the caller runs it
		 * again on a new connection. */
		for (i = 0; i < n; i++)
			if (rcs[i] == 0 && outs[i].out == NULL)
				rcs[i] = fd_error_set(&errs[i], -ECONNRESET,
				    "connection dropped (another command of "
				    "the batch failed)");
		for (k = 0; k < cap; k++) {
			free(sl[k].o);
			free(sl[k].e);
		}
		ssh_drop(c);
	} else {
		for (k = 0; k < cap; k++)
			while (sl[k].st == S_FREE && libssh2_channel_free(
			    sl[k].ch) == LIBSSH2_ERROR_EAGAIN) {
				struct pollfd pfd = { c->fd, POLLIN | POLLOUT,
				    0 };

				if (poll(&pfd, 1, 1000) <= 0)
					break;
			}
		for (k = 0; k < cap; k++)
			slot_reset(&sl[k]);
		libssh2_session_set_blocking(c->session, 1);
	}
	free(sl);
	free(queue);
	return 0;
}
