/* Continuous prober; see prober.h. */
#include <errno.h>
#include <time.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <netinet/icmp6.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "prober.h"

#define PROBER_MAGIC 0x66647077u	/* "fdpw" */
/* A reply later than this is counted as lost: at 20 probes a second a
 * path that answers after a second is not a working path. */
#define PROBER_REPLY_MS 1000

struct pw_payload {
	uint32_t magic;
	uint32_t nonce;
	uint32_t seq;
	uint32_t kind;		/* 0 end-to-end, 1 TTL-limited */
};

struct prober {
	struct watch_req req;
	struct probe_cfg cfg;
	int fd_e2e, fd_ttl;
	uint32_t nonce;
	pthread_t thread;
	bool started;
	atomic_int stop;
	int rc;			/* thread's result */
	char msg[FD_ERROR_MSG];
	struct watch_samples s;
	uint64_t *sent_ns;	/* per sample and kind: [2 * seq + kind] */
	size_t sent_cap;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
open_sock(const struct prober *p, unsigned port, int ttl, int *out,
    struct fd_error *err)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, on = 1, rc;
	bool v4 = p->req.target.family == AF_INET;

	fd = socket(p->req.target.family,
	    SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return fd_error_set(err, -errno, "socket: %s", strerror(errno));
	rc = v4 ? setsockopt(fd, SOL_IP, IP_RECVERR, &on, sizeof(on)) :
	    setsockopt(fd, SOL_IPV6, IPV6_RECVERR, &on, sizeof(on));
	if (rc == 0)
		rc = v4 ? setsockopt(fd, SOL_IP, IP_TTL, &ttl, sizeof(ttl)) :
		    setsockopt(fd, SOL_IPV6, IPV6_UNICAST_HOPS, &ttl,
		    sizeof(ttl));
	if (rc == 0 && p->cfg.iface[0] != '\0')
		rc = setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, p->cfg.iface,
		    (socklen_t)strlen(p->cfg.iface));
	if (rc < 0) {
		rc = fd_error_set(err, -errno, "setsockopt: %s",
		    strerror(errno));
		close(fd);
		return rc;
	}
	memset(&ss, 0, sizeof(ss));
	if (p->cfg.source[0] != '\0') {
		struct fd_addr src;

		if (addr_parse(p->cfg.source, &src, err) < 0 ||
		    src.family != p->req.target.family) {
			close(fd);
			return fd_error_set(err, -EINVAL, "bad source %s",
			    p->cfg.source);
		}
		if (v4) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

			s4->sin_family = AF_INET;
			memcpy(&s4->sin_addr, src.b, 4);
			sl = sizeof(*s4);
		} else {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

			s6->sin6_family = AF_INET6;
			memcpy(&s6->sin6_addr, src.b, 16);
			sl = sizeof(*s6);
		}
		if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
			rc = fd_error_set(err, -errno, "bind: %s",
			    strerror(errno));
			close(fd);
			return rc;
		}
	}
	memset(&ss, 0, sizeof(ss));
	if (v4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		memcpy(&s4->sin_addr, p->req.target.b, 4);
		sl = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		memcpy(&s6->sin6_addr, p->req.target.b, 16);
		sl = sizeof(*s6);
	}
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0) {
		rc = fd_error_set(err, -errno, "connect: %s", strerror(errno));
		close(fd);
		return rc;
	}
	*out = fd;
	return 0;
}

static void
drain(struct prober *p, int fd)
{
	char buf[256];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	for (;;) {
		struct pw_payload pl;
		char ctl[512];
		struct sockaddr_storage peer;
		struct iovec iov = { &pl, sizeof(pl) };
		struct msghdr msg;
		struct cmsghdr *c;
		struct sock_extended_err *ee = NULL;
		struct watch_sample *w;
		const struct sockaddr *off;
		uint64_t t, sent;
		ssize_t n;

		memset(&msg, 0, sizeof(msg));
		msg.msg_name = &peer;
		msg.msg_namelen = sizeof(peer);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = ctl;
		msg.msg_controllen = sizeof(ctl);
		n = recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		t = now_ns();
		for (c = CMSG_FIRSTHDR(&msg); c != NULL;
		    c = CMSG_NXTHDR(&msg, c))
			if ((c->cmsg_level == SOL_IP &&
			    c->cmsg_type == IP_RECVERR) ||
			    (c->cmsg_level == SOL_IPV6 &&
			    c->cmsg_type == IPV6_RECVERR))
				ee = (struct sock_extended_err *)CMSG_DATA(c);
		if (ee == NULL || (ee->ee_origin != SO_EE_ORIGIN_ICMP &&
		    ee->ee_origin != SO_EE_ORIGIN_ICMP6))
			continue;
		if ((size_t)n < sizeof(pl) || pl.magic != PROBER_MAGIC ||
		    pl.nonce != p->nonce || pl.seq >= p->s.n || pl.kind > 1)
			continue;
		w = &p->s.v[pl.seq];
		sent = p->sent_ns[2 * pl.seq + pl.kind];
		if (sent == 0 || t - sent > PROBER_REPLY_MS * 1000000ull)
			continue;
		off = SO_EE_OFFENDER(ee);
		if (pl.kind == 0) {
			/* Only the target's own answer proves the path
			 * works; a router's unreachable is a loss. */
			struct fd_addr a;

			memset(&a, 0, sizeof(a));
			if (off->sa_family == AF_INET) {
				a.family = AF_INET;
				memcpy(a.b, &((const struct sockaddr_in *)
				    off)->sin_addr, 4);
			} else if (off->sa_family == AF_INET6) {
				a.family = AF_INET6;
				memcpy(a.b, &((const struct sockaddr_in6 *)
				    off)->sin6_addr, 16);
			}
			if (addr_equal(&a, &p->req.target) && !w->e2e_reply) {
				w->e2e_reply = true;
				w->rtt_ms = (double)(t - sent) / 1e6;
			}
		} else if (!w->ttl_reply) {
			w->ttl_reply = true;
			memset(&w->ttl_from, 0, sizeof(w->ttl_from));
			if (off->sa_family == AF_INET) {
				w->ttl_from.family = AF_INET;
				memcpy(w->ttl_from.b, &((const struct
				    sockaddr_in *)off)->sin_addr, 4);
			} else if (off->sa_family == AF_INET6) {
				w->ttl_from.family = AF_INET6;
				memcpy(w->ttl_from.b, &((const struct
				    sockaddr_in6 *)off)->sin6_addr, 16);
			}
		}
	}
}

static void
send_one(struct prober *p, int fd, uint32_t seq, uint32_t kind)
{
	struct pw_payload pl = { PROBER_MAGIC, p->nonce, seq, kind };
	int tries;

	for (tries = 0; tries < 3; tries++) {
		p->sent_ns[2 * seq + kind] = now_ns();
		if (send(fd, &pl, sizeof(pl), 0) == (ssize_t)sizeof(pl))
			return;
		if (errno == EAGAIN || errno == ENOBUFS)
			break;
		/* A queued ICMP error reported through sk_err. */
		drain(p, fd);
	}
	p->sent_ns[2 * seq + kind] = 0;
}

static void *
thread_main(void *arg)
{
	struct prober *p = arg;
	uint64_t start = now_ns(), period, next, end;
	struct pollfd pfd[2];
	unsigned nfd = p->fd_ttl >= 0 ? 2 : 1;
	uint32_t seq = 0;

	period = 1000000000ull / p->req.rate_hz;
	end = start + p->req.max_ms * 1000000ull;
	next = start;
	pfd[0].fd = p->fd_e2e;
	pfd[0].events = POLLIN;
	pfd[1].fd = p->fd_ttl;
	pfd[1].events = POLLIN;
	while (!atomic_load(&p->stop)) {
		uint64_t now = now_ns();
		int wait;

		if (now >= end)
			break;
		if (now >= next) {
			struct watch_sample w;

			memset(&w, 0, sizeof(w));
			w.t_ms = now / 1000000u;
			w.rtt_ms = -1;
			if (p->s.n * 2 + 2 > p->sent_cap) {
				size_t cap = p->sent_cap ? p->sent_cap * 2 :
				    1024;
				uint64_t *v = realloc(p->sent_ns,
				    cap * sizeof(*v));

				if (v == NULL) {
					p->rc = -ENOMEM;
					break;
				}
				p->sent_ns = v;
				p->sent_cap = cap;
			}
			if (watch_samples_add(&p->s, &w) < 0) {
				p->rc = -ENOMEM;
				break;
			}
			p->sent_ns[2 * seq] = p->sent_ns[2 * seq + 1] = 0;
			send_one(p, p->fd_e2e, seq, 0);
			if (p->fd_ttl >= 0)
				send_one(p, p->fd_ttl, seq, 1);
			seq++;
			/* Keep the schedule, but never burst to catch up. */
			next += period;
			if (next < now)
				next = now + period;
		}
		now = now_ns();
		wait = next > now ? (int)((next - now) / 1000000u) : 0;
		if (wait > 50)
			wait = 50;	/* re-check the stop flag */
		if (poll(pfd, nfd, wait) > 0) {
			drain(p, p->fd_e2e);
			if (p->fd_ttl >= 0)
				drain(p, p->fd_ttl);
		}
	}
	/* Give the last probes their chance to be answered. */
	{
		uint64_t grace = now_ns() + 200000000ull;

		while (now_ns() < grace) {
			if (poll(pfd, nfd, 20) > 0) {
				drain(p, p->fd_e2e);
				if (p->fd_ttl >= 0)
					drain(p, p->fd_ttl);
			}
		}
	}
	return NULL;
}

int
prober_start(const struct watch_req *req, const struct probe_cfg *cfg,
    struct prober **out, struct fd_error *err)
{
	struct prober *p;
	unsigned port;
	int rc;

	if (req == NULL || (req->target.family != AF_INET &&
	    req->target.family != AF_INET6))
		return fd_error_set(err, -EINVAL, "watch: no target");
	if (req->rate_hz < 1 || req->rate_hz > 1000)
		return fd_error_set(err, -EINVAL,
		    "watch: rate must be 1..1000 per second");
	if (req->ttl > 255 || req->max_ms == 0)
		return fd_error_set(err, -EINVAL, "watch: bad ttl or max_ms");
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return fd_error_set(err, -ENOMEM, "out of memory");
	p->req = *req;
	if (cfg != NULL)
		p->cfg = *cfg;
	p->fd_e2e = p->fd_ttl = -1;
	atomic_init(&p->stop, 0);
	p->nonce = (uint32_t)(now_ns() ^ ((uint64_t)getpid() << 12));
	port = p->cfg.port ? p->cfg.port : 33434;
	rc = open_sock(p, port, 64, &p->fd_e2e, err);
	if (rc == 0 && req->ttl > 0)
		rc = open_sock(p, port + 1, (int)req->ttl, &p->fd_ttl, err);
	if (rc == 0) {
		rc = -pthread_create(&p->thread, NULL, thread_main, p);
		if (rc < 0)
			fd_error_set(err, rc, "pthread_create: %s",
			    strerror(-rc));
		else
			p->started = true;
	}
	if (rc < 0) {
		struct watch_samples none = { 0 };

		prober_stop(p, &none, NULL);
		return rc;
	}
	*out = p;
	return 0;
}

int
prober_stop(struct prober *p, struct watch_samples *out,
    struct fd_error *err)
{
	int rc;

	if (p == NULL)
		return 0;
	atomic_store(&p->stop, 1);
	if (p->started)
		pthread_join(p->thread, NULL);
	if (p->fd_e2e >= 0)
		close(p->fd_e2e);
	if (p->fd_ttl >= 0)
		close(p->fd_ttl);
	rc = p->rc;
	if (rc < 0) {
		fd_error_set(err, rc, "prober: %s", strerror(-rc));
		watch_samples_done(&p->s);
	} else if (out != NULL) {
		*out = p->s;
	} else {
		watch_samples_done(&p->s);
	}
	free(p->sent_ns);
	free(p);
	return rc;
}
