/* Continuous prober; see prober.h. */
#include <errno.h>
#include <time.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <netinet/icmp6.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "errq.h"
#include "prober.h"

#define PROBER_MAGIC 0x66647077u	/* "fdpw" */
/* A reply later than this is counted as lost: at 20 probes a second a
 * path that answers after a second is not a working path. */
#define PROBER_REPLY_MS WATCH_REPLY_MS
/* tcp: at most this many connects in flight (rate_hz x PROBER_REPLY_MS
 * would be 1000 at the highest rate; older ones count as lost). */
#define PROBER_CONN_MAX 256
/* The TTL-limited probe's default pace: one every 2 s.  Linux answers
 * ICMP errors to one peer with a token bucket of icmp_ratelimit (1000 ms)
 * and a burst of 6 (net/ipv4/icmp.c icmpv4_xrlim_allow ->
 * inet_peer_xrlim_allow, XRLIM_BURST_FACTOR 6); edge routers police
 * time-exceeded harder (the lab's MSEEs: 2/s).  Half the router's refill
 * is answered, and leaves the other half to the re-traces that run while
 * the watch does (one a second would take every token). */
#define PROBER_TTL_PERIOD_MS 2000

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
	atomic_uint answered;	/* end-to-end answers so far */
	int rc;			/* thread's result */
	char msg[FD_ERROR_MSG];
	/* Held by the thread while it adds to or answers s, and by
	 * prober_peek() while it copies s; never across a poll. */
	pthread_mutex_t mu;
	struct watch_samples s;
	uint64_t *sent_ns;	/* per sample and kind: [2 * seq + kind] */
	size_t sent_cap;
	unsigned ttl_every;	/* a TTL-limited probe every n-th slot */
	bool ttl_adaptive;	/* default pace: adapt (ttl_pace) */
	struct ttl_pace pace;
	uint32_t ttl_next;	/* slot of the next TTL probe */
	int64_t ttl_last;	/* slot of the last one, -1: none yet */
	/* tcp: connects in flight, closed when answered or too old */
	struct pw_conn {
		int fd;
		uint32_t seq;
		uint32_t kind;	/* 0 end-to-end, 1 TTL-limited */
	} conn[PROBER_CONN_MAX];
	unsigned n_conn;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * A socket towards the target.  proto: IPPROTO_UDP (answered through the
 * error queue), IPPROTO_ICMP (an unprivileged ping socket: the kernel
 * keeps the echo id, we get the reply's TTL through IP_RECVTTL) or
 * IPPROTO_TCP (one per probe, non-blocking connect).
 */
static int
open_sock(const struct prober *p, int proto, unsigned port, int ttl,
    int *out, struct fd_error *err)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, on = 1, rc;
	bool v4 = p->req.target.family == AF_INET;
	int type = proto == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM;

	if (proto == IPPROTO_ICMP && !v4)
		proto = IPPROTO_ICMPV6;
	fd = socket(p->req.target.family, type | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    proto);
	if (fd < 0 && (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) &&
	    (errno == EACCES || errno == EPERM))
		/* Ping sockets are allowed to the groups in
		 * net.ipv4.ping_group_range (also for IPv6; see
		 * Documentation/networking/ip-sysctl.rst); Debian's default
		 * "1 0" allows nobody. */
		return fd_error_set(err, -EACCES, "icmp probe: the kernel "
		    "refuses an unprivileged ping socket (%s): allow this "
		    "user's group with sysctl -w net.ipv4.ping_group_range="
		    "\"0 2147483647\" (or a range holding gid %u), or use "
		    "method tcp or udp", strerror(errno), (unsigned)getgid());
	if (fd < 0)
		return fd_error_set(err, -errno, "socket: %s", strerror(errno));
	if (proto == IPPROTO_UDP || proto == IPPROTO_TCP)
		/* TCP too: a time-exceeded for the SYN ends the connect
		 * and is queued with its offender (net/ipv4/tcp_ipv4.c
		 * tcp_v4_err -> ip_icmp_error in SYN_SENT). */
		rc = v4 ? setsockopt(fd, SOL_IP, IP_RECVERR, &on, sizeof(on)) :
		    setsockopt(fd, SOL_IPV6, IPV6_RECVERR, &on, sizeof(on));
	else {
		rc = v4 ? setsockopt(fd, SOL_IP, IP_RECVTTL, &on, sizeof(on)) :
		    setsockopt(fd, SOL_IPV6, IPV6_RECVHOPLIMIT, &on,
		    sizeof(on));
		if (rc == 0)
			rc = v4 ? setsockopt(fd, SOL_IP, IP_RECVERR, &on,
			    sizeof(on)) : setsockopt(fd, SOL_IPV6,
			    IPV6_RECVERR, &on, sizeof(on));
	}
	if (rc == 0 && proto == IPPROTO_TCP) {
		struct linger l = { 1, 0 };

		/* Close sends RST: no connection is left half-open or in
		 * TIME_WAIT on the target. */
		rc = setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	}
	if (0)
		rc = v4 ? setsockopt(fd, SOL_IP, IP_RECVTTL, &on, sizeof(on)) :
		    setsockopt(fd, SOL_IPV6, IPV6_RECVHOPLIMIT, &on,
		    sizeof(on));
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
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0 &&
	    !(proto == IPPROTO_TCP && errno == EINPROGRESS)) {
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
		struct errq_msg m;
		struct watch_sample *w;
		uint64_t t, sent;

		if (errq_read(fd, &pl, sizeof(pl), &m) <= 0)
			return;
		t = now_ns();
		if (m.len < sizeof(pl) || pl.magic != PROBER_MAGIC ||
		    pl.nonce != p->nonce || pl.seq >= p->s.n || pl.kind > 1)
			continue;
		w = &p->s.v[pl.seq];
		sent = p->sent_ns[2 * pl.seq + pl.kind];
		if (sent == 0 || t - sent > PROBER_REPLY_MS * 1000000ull)
			continue;
		if (pl.kind == 0) {
			/* Only the target's own answer proves the path
			 * works; a router's unreachable is a loss. */
			if (addr_equal(&m.offender, &p->req.target) &&
			    !w->e2e_reply) {
				w->e2e_reply = true;
				w->rtt_ms = (double)(t - sent) / 1e6;
				atomic_fetch_add(&p->answered, 1);
			}
		} else if (!w->ttl_reply) {
			w->ttl_reply = true;
			w->ttl_from = m.offender;
		}
	}
}

/* Time-exceeded for the TTL-limited echoes: ping sockets queue ICMP
 * errors with IP_RECVERR (net/ipv4/ping.c ping_err -> ip_icmp_error); the
 * data is our echo from its ICMP header on. */
static void
drain_echo_err(struct prober *p, int fd)
{
	for (;;) {
		struct {
			struct icmphdr h;
			struct pw_payload pl;
		} r;
		struct errq_msg m;
		struct watch_sample *w;

		if (errq_read(fd, &r, sizeof(r), &m) <= 0)
			return;
		if (m.len < sizeof(r) || r.pl.magic != PROBER_MAGIC ||
		    r.pl.nonce != p->nonce || r.pl.seq >= p->s.n ||
		    r.pl.kind != 1)
			continue;
		w = &p->s.v[r.pl.seq];
		if (w->ttl_reply || p->sent_ns[2 * r.pl.seq + 1] == 0 ||
		    !addr_is_set(&m.offender))
			continue;
		w->ttl_from = m.offender;
		w->ttl_reply = true;
	}
}

/* Echo replies on the ping socket: the kernel matched the echo id; we
 * match our nonce and sequence in the payload, and keep the reply's TTL
 * (hop limit): the return path's length tells which path answered. */
static void
drain_echo(struct prober *p, int fd, uint32_t kind)
{
	if (kind == 1)
		drain_echo_err(p, fd);
	for (;;) {
		struct {
			struct icmphdr h;	/* same size as icmp6_hdr */
			struct pw_payload pl;
		} r;
		char ctl[128];
		struct iovec iov = { &r, sizeof(r) };
		struct msghdr msg;
		struct cmsghdr *c;
		struct watch_sample *w;
		uint64_t t, sent;
		int ttl = -1;
		ssize_t n;
		bool v4 = p->req.target.family == AF_INET;

		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = ctl;
		msg.msg_controllen = sizeof(ctl);
		n = recvmsg(fd, &msg, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return;
			/* An ICMP error for an echo (net unreachable ...):
			 * reported through sk_err, read it off; no answer. */
			continue;
		}
		t = now_ns();
		if ((size_t)n < sizeof(r) ||
		    r.h.type != (v4 ? ICMP_ECHOREPLY : ICMP6_ECHO_REPLY) ||
		    r.pl.magic != PROBER_MAGIC || r.pl.nonce != p->nonce ||
		    r.pl.seq >= p->s.n || r.pl.kind != kind)
			continue;
		w = &p->s.v[r.pl.seq];
		if (kind == 1) {
			/* The target itself answered the TTL-limited echo:
			 * the path is no longer than that TTL.  Echo replies
			 * are not rate-limited (icmp_ratemask), so this
			 * leaves the target's error budget to the traces. */
			if (!w->ttl_reply && p->sent_ns[2 * r.pl.seq + 1]) {
				w->ttl_reply = true;
				w->ttl_from = p->req.target;
			}
			continue;
		}
		for (c = CMSG_FIRSTHDR(&msg); c != NULL;
		    c = CMSG_NXTHDR(&msg, c))
			if ((c->cmsg_level == SOL_IP &&
			    c->cmsg_type == IP_TTL) ||
			    (c->cmsg_level == SOL_IPV6 &&
			    c->cmsg_type == IPV6_HOPLIMIT))
				memcpy(&ttl, CMSG_DATA(c), sizeof(ttl));
		sent = p->sent_ns[2 * r.pl.seq];
		if (sent == 0 || t - sent > PROBER_REPLY_MS * 1000000ull ||
		    w->e2e_reply)
			continue;
		w->e2e_reply = true;
		w->rtt_ms = (double)(t - sent) / 1e6;
		w->reply_ttl = ttl;
		atomic_fetch_add(&p->answered, 1);
	}
}

static void
send_echo(struct prober *p, int fd, uint32_t seq, uint32_t kind)
{
	struct {
		struct icmphdr h;
		struct pw_payload pl;
	} q;

	memset(&q, 0, sizeof(q));
	/* ICMP6_ECHO_REQUEST for IPv6; the ping socket sets the id and the
	 * checksum (net/ipv4/ping.c ping_v4_sendmsg / ping_v6_sendmsg). */
	q.h.type = p->req.target.family == AF_INET ? ICMP_ECHO :
	    ICMP6_ECHO_REQUEST;
	q.h.un.echo.sequence = htons((uint16_t)seq);
	q.pl = (struct pw_payload){ PROBER_MAGIC, p->nonce, seq, kind };
	p->sent_ns[2 * seq + kind] = now_ns();
	if (send(fd, &q, sizeof(q), 0) != (ssize_t)sizeof(q)) {
		p->sent_ns[2 * seq + kind] = 0;
		drain_echo(p, fd, kind);
	}
}

static void
conn_close(struct prober *p, unsigned i)
{
	close(p->conn[i].fd);
	p->conn[i] = p->conn[--p->n_conn];
}

/* A connect answered: SYN-ACK (connected) or RST (refused) both prove the
 * target answers on this path. */
static void
conn_answered(struct prober *p, uint32_t seq)
{
	struct watch_sample *w = &p->s.v[seq];
	uint64_t sent = p->sent_ns[2 * seq];

	if (sent != 0 && !w->e2e_reply) {
		w->e2e_reply = true;
		w->rtt_ms = (double)(now_ns() - sent) / 1e6;
		atomic_fetch_add(&p->answered, 1);
	}
}

/* The TTL-limited connect was answered: by the target itself (the path
 * is no longer than this TTL), or by the router whose time-exceeded is
 * queued on the socket. */
static void
conn_ttl_answered(struct prober *p, int fd, uint32_t seq, bool target)
{
	struct watch_sample *w = &p->s.v[seq];
	struct errq_msg m;
	char buf[64];

	if (w->ttl_reply)
		return;
	if (target) {
		w->ttl_reply = true;
		w->ttl_from = p->req.target;
		return;
	}
	if (errq_read(fd, buf, sizeof(buf), &m) <= 0 ||
	    !addr_is_set(&m.offender))
		return;
	w->ttl_from = m.offender;
	w->ttl_reply = true;
}

/* One connect probe; kind 1 goes with the path-revealing TTL. */
static void
send_tcp(struct prober *p, uint32_t seq, uint32_t kind)
{
	int fd = -1, rc;

	if (p->n_conn == PROBER_CONN_MAX)
		conn_close(p, 0);	/* the oldest: counted lost */
	p->sent_ns[2 * seq + kind] = now_ns();
	rc = open_sock(p, IPPROTO_TCP, p->req.port,
	    kind ? (int)p->req.ttl : 64, &fd, NULL);
	if (rc == 0 && fd >= 0) {
		p->conn[p->n_conn].fd = fd;
		p->conn[p->n_conn].seq = seq;
		p->conn[p->n_conn].kind = kind;
		p->n_conn++;
	} else if (rc == -ECONNREFUSED) {
		if (kind)
			conn_ttl_answered(p, -1, seq, true);
		else
			conn_answered(p, seq);
	}
}

static void
check_conns(struct prober *p, uint64_t now)
{
	unsigned i = 0;

	while (i < p->n_conn) {
		struct pollfd pf = { p->conn[i].fd, POLLOUT, 0 };
		uint32_t seq = p->conn[i].seq, kind = p->conn[i].kind;
		int soerr = 0;
		socklen_t sl = sizeof(soerr);

		if (poll(&pf, 1, 0) > 0) {
			bool target;

			getsockopt(pf.fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
			target = soerr == 0 || soerr == ECONNREFUSED;
			if (kind)
				conn_ttl_answered(p, pf.fd, seq, target);
			else if (target)
				conn_answered(p, seq);
			conn_close(p, i);
			continue;
		}
		if (now - p->sent_ns[2 * seq + kind] >
		    PROBER_REPLY_MS * 1000000ull) {
			conn_close(p, i);
			continue;
		}
		i++;
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

static void
drain_all(struct prober *p)
{
	if (p->req.method == PROBE_METHOD_ICMP) {
		drain_echo(p, p->fd_e2e, 0);
		if (p->fd_ttl >= 0)
			drain_echo(p, p->fd_ttl, 1);
		return;
	}
	if (p->req.method == PROBE_METHOD_UDP)
		drain(p, p->fd_e2e);
	if (p->fd_ttl >= 0)
		drain(p, p->fd_ttl);
}

/* Read what came back (polled: a socket is readable) and the outcomes of
 * the connects in flight, under p->mu (prober_peek() copies meanwhile). */
static void
collect(struct prober *p, bool polled)
{
	if (!polled && p->n_conn == 0)
		return;
	pthread_mutex_lock(&p->mu);
	if (polled)
		drain_all(p);
	if (p->n_conn > 0)
		check_conns(p, now_ns());
	pthread_mutex_unlock(&p->mu);
}

/* Is an end-to-end probe sent within PROBER_REPLY_MS still unanswered? */
static bool
e2e_pending(const struct prober *p, uint64_t now)
{
	size_t i = p->s.n;

	while (i-- > 0) {
		uint64_t sent = p->sent_ns[2 * i];

		if (sent != 0 && now - sent > PROBER_REPLY_MS * 1000000ull)
			break;
		if (sent != 0 && !p->s.v[i].e2e_reply)
			return true;
	}
	return false;
}

/* Take sample seq: its end-to-end probe and, in its slot, the
 * TTL-limited one.  With p->mu held.  0 or -ENOMEM. */
static int
take_sample(struct prober *p, uint64_t now, uint32_t seq)
{
	struct watch_sample w;

	memset(&w, 0, sizeof(w));
	w.t_ms = now / 1000000u;
	w.rtt_ms = -1;
	if (p->s.n * 2 + 2 > p->sent_cap) {
		size_t cap = p->sent_cap ? p->sent_cap * 2 : 1024;
		uint64_t *v = realloc(p->sent_ns, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		p->sent_ns = v;
		p->sent_cap = cap;
	}
	if (watch_samples_add(&p->s, &w) < 0)
		return -ENOMEM;
	p->sent_ns[2 * seq] = p->sent_ns[2 * seq + 1] = 0;
	p->s.v[seq].reply_ttl = -1;
	if (p->req.method == PROBE_METHOD_ICMP)
		send_echo(p, p->fd_e2e, seq, 0);
	else if (p->req.method == PROBE_METHOD_TCP)
		send_tcp(p, seq, 0);
	else
		send_one(p, p->fd_e2e, seq, 0);
	if (p->req.ttl > 0 && seq >= p->ttl_next) {
		unsigned every = p->ttl_every;

		if (p->ttl_adaptive && p->ttl_last >= 0) {
			const struct watch_sample *l = &p->s.v[p->ttl_last];

			every = ttl_pace_update(&p->pace, l->ttl_reply,
			    l->e2e_reply);
		}
		p->ttl_last = seq;
		p->ttl_next = seq + every;
		p->s.v[seq].ttl_sent = true;
		if (p->req.method == PROBE_METHOD_TCP)
			send_tcp(p, seq, 1);
		else if (p->req.method == PROBE_METHOD_ICMP)
			send_echo(p, p->fd_ttl, seq, 1);
		else
			send_one(p, p->fd_ttl, seq, 1);
	}
	return 0;
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
	pfd[0].fd = p->fd_e2e;	/* -1 for tcp: poll ignores it */
	pfd[0].events = POLLIN;
	pfd[1].fd = p->fd_ttl;
	pfd[1].events = POLLIN;
	while (!atomic_load(&p->stop)) {
		uint64_t now = now_ns();
		int wait;

		if (now >= end)
			break;
		if (now >= next) {
			int rc;

			pthread_mutex_lock(&p->mu);
			rc = take_sample(p, now, seq);
			pthread_mutex_unlock(&p->mu);
			if (rc < 0) {
				p->rc = rc;
				break;
			}
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
		if (p->n_conn > 0 && wait > 1)
			wait = 1;	/* connects are polled one by one */
		collect(p, poll(pfd, nfd, wait) > 0);
	}
	/* Give the last probes their chance to be answered: up to 200 ms,
	 * over once every end-to-end probe is (the grace used to be a fixed
	 * 200 ms at every stop: drill overhead, bench/drill.sh). */
	{
		uint64_t grace = now_ns() + 200000000ull;

		while (now_ns() < grace && e2e_pending(p, now_ns())) {
			collect(p, poll(pfd, nfd, p->n_conn > 0 ? 1 : 20) > 0);
		}
		while (p->n_conn > 0)
			conn_close(p, 0);
	}
	return NULL;
}

void
ttl_pace_init(struct ttl_pace *tp, unsigned base_every)
{
	memset(tp, 0, sizeof(*tp));
	tp->base = tp->every = base_every ? base_every : 1;
}

unsigned
ttl_pace_update(struct ttl_pace *tp, bool ttl_answered, bool e2e_answered)
{
	if (ttl_answered) {
		tp->seen = true;
		tp->silent = 0;
		if (++tp->answered >= 3 && tp->every > tp->base) {
			tp->every /= 2;
			if (tp->every < tp->base)
				tp->every = tp->base;
			tp->answered = 0;
		}
	} else if (e2e_answered && tp->seen) {
		tp->answered = 0;
		if (++tp->silent >= 2) {
			if (tp->every < tp->base * TTL_PACE_MAX_FACTOR)
				tp->every *= 2;
			if (tp->every > tp->base * TTL_PACE_MAX_FACTOR)
				tp->every = tp->base * TTL_PACE_MAX_FACTOR;
			tp->silent = 0;
		}
	}
	return tp->every;
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
	atomic_init(&p->answered, 0);
	pthread_mutex_init(&p->mu, NULL);
	p->nonce = (uint32_t)(now_ns() ^ ((uint64_t)getpid() << 12));
	port = p->cfg.port ? p->cfg.port : 33434;
	if (req->method == PROBE_METHOD_UDP && req->port != 0)
		port = req->port;
	p->ttl_every = req->ttl_rate_hz ? req->rate_hz / req->ttl_rate_hz :
	    req->rate_hz * PROBER_TTL_PERIOD_MS / 1000;
	if (p->ttl_every == 0)
		p->ttl_every = 1;
	p->ttl_adaptive = req->ttl_rate_hz == 0;
	ttl_pace_init(&p->pace, p->ttl_every);
	p->ttl_last = -1;
	rc = 0;
	if (req->method == PROBE_METHOD_ICMP)
		rc = open_sock(p, IPPROTO_ICMP, 0, 64, &p->fd_e2e, err);
	else if (req->method == PROBE_METHOD_UDP)
		rc = open_sock(p, IPPROTO_UDP, port, 64, &p->fd_e2e, err);
	else if (req->port == 0 || req->port > 65535)
		rc = fd_error_set(err, -EINVAL, "watch: tcp needs a port");
	/* The path-revealing probe is UDP (time-exceeded through the error
	 * queue) but for tcp, whose targets drop UDP: there it is a
	 * TTL-limited connect, so the target itself answers it where the
	 * path got shorter. */
	if (rc == 0 && req->ttl > 0 && req->method == PROBE_METHOD_UDP)
		rc = open_sock(p, IPPROTO_UDP, port + 1, (int)req->ttl,
		    &p->fd_ttl, err);
	else if (rc == 0 && req->ttl > 0 && req->method == PROBE_METHOD_ICMP)
		rc = open_sock(p, IPPROTO_ICMP, 0, (int)req->ttl, &p->fd_ttl,
		    err);
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

unsigned
prober_answered(struct prober *p)
{
	return atomic_load(&p->answered);
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
	pthread_mutex_destroy(&p->mu);
	free(p);
	return rc;
}

int
prober_peek(struct prober *p, size_t from, struct watch_samples *out,
    struct fd_error *err)
{
	size_t i;
	int rc = 0;

	if (p == NULL || out == NULL)
		return fd_error_set(err, -EINVAL, "watch peek: no watch");
	pthread_mutex_lock(&p->mu);
	for (i = from; i < p->s.n && rc == 0; i++)
		rc = watch_samples_add(out, &p->s.v[i]);
	pthread_mutex_unlock(&p->mu);
	if (rc < 0)
		return fd_error_set(err, rc, "out of memory");
	return 0;
}
