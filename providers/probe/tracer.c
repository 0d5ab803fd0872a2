/*
 * Native traceroute; see tracer.h.
 *
 * Facts used (Linux ip(7), ipv6(7), iputils tracepath.c):
 * - With IP_RECVERR set on a UDP socket, ICMP errors about its datagrams are
 *   queued and read with recvmsg(MSG_ERRQUEUE).  The control message
 *   IP_RECVERR (IPV6_RECVERR) carries a struct sock_extended_err whose
 *   SO_EE_OFFENDER() is the router that sent the error; the data read is the
 *   quoted part of our datagram's payload.
 * - A queued error is also left in sk_err, so the next send() on the socket
 *   can fail once with that errno: we drain the queue and send again.
 * - Linux traceroute's -w MAX,HERE,NEAR: a probe waits at most MAX, or HERE
 *   times the RTT of a reply already received for the same hop, or NEAR
 *   times the RTT of a reply from a later hop (traceroute.c get_timeout()).
 */
#include <errno.h>
#include <time.h>
#include <linux/errqueue.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <netinet/icmp6.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "errq.h"
#include "tracer.h"

#define TRACER_MAGIC 0x66647472u	/* "fdtr" */
/* Probes in flight at once: enough for every TTL of a usual path, few
 * enough not to trip the destination's ICMP rate limit bucket. */
#define TRACER_WINDOW 64
/* Floor of an adaptive wait: replies are scheduled, not instant. */
#define TRACER_MIN_WAIT_MS 5.0
/*
 * A Linux router answers the ICMP errors it sends to one peer from a
 * token bucket: a burst of XRLIM_BURST_FACTOR (6) messages, then one per
 * net.ipv4.icmp_ratelimit (1000 ms by default) for the types of
 * icmp_ratemask, which include time-exceeded and unreachable
 * (net/ipv4/icmp.c icmpv4_xrlim_allow -> net/ipv4/inetpeer.c
 * inet_peer_xrlim_allow; IPv6 the same via icmpv6_xrlim_allow).  On top,
 * icmp_global_allow() caps a host's ICMP errors at icmp_msgs_per_sec (1000)
 * after a burst of icmp_msgs_burst (50).  Each flow meets one router per
 * TTL, so the tracer models one such bucket per TTL and sends no probe to
 * a TTL whose bucket is empty: 3 probes of 2 flows fit the burst, more
 * are paced at one a second instead of asking a router that cannot
 * answer.
 */
#define TRACER_PEER_BURST 6

struct tr_payload {
	uint32_t magic;
	uint32_t nonce;		/* per trace, so stale errors do not match */
	uint32_t index;		/* into the probe table */
	uint32_t ttl;
	uint8_t pad[16];	/* constant: every probe has the same size */
};

enum tr_state {
	TR_PENDING,
	TR_INFLIGHT,
	TR_ANSWERED,
	TR_TIMEDOUT,
};

struct tr_probe {
	unsigned ttl, flow;
	enum tr_state state;
	bool paced;		/* held back once for its hop's bucket */
	uint64_t sent_ns;
	double rtt_ms;
	struct fd_addr from;
	char flag[8];
};

struct tracer {
	const struct probe_cfg *cfg;
	struct fd_addr to;
	int fds[TRACER_MAX_FLOWS];
	unsigned n_flows;
	struct tr_probe *probes;
	unsigned n_probes;
	unsigned next;		/* next probe to send */
	unsigned inflight;
	unsigned stop_ttl;	/* no probe above this TTL (reached/!N) */
	uint32_t nonce;
	int serial;		/* the one probe in flight, or -1 */
	/* The modelled bucket of the router at each TTL (see
	 * TRACER_PEER_BURST): tokens, and when they were counted. */
	double tokens[HOPS_MAX + 1];
	uint64_t tokens_ns[HOPS_MAX + 1];
	/* Per TTL and flow: the router went silent after answering (or
	 * answered only when asked again): a rate limit, not an absence. */
	bool limited[HOPS_MAX + 1][TRACER_MAX_FLOWS];
	struct tracer_hist *hist;	/* the context's, NULL: none */
	/* Per router of hist: the fewest tokens it had during this trace
	 * (at its start, or left after an answer): a decision at the end
	 * of a long trace must not see the refill since. */
	double hist_min[TRACER_HIST_ROUTERS];
	struct probe_trace_stats st;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void
tracer_cfg_defaults(struct probe_cfg *cfg)
{
	if (cfg->probes_per_hop == 0)
		cfg->probes_per_hop = 3;
	if (cfg->first_ttl == 0)
		cfg->first_ttl = 1;
	if (cfg->max_ttl == 0)
		cfg->max_ttl = 30;
	if (cfg->flows == 0)
		cfg->flows = 1;
	if (cfg->wait_max_ms == 0)
		cfg->wait_max_ms = 3000;
	if (cfg->wait_here <= 0)
		cfg->wait_here = 3.0;
	if (cfg->wait_near <= 0)
		cfg->wait_near = 10.0;
	if (cfg->port == 0)
		cfg->port = 33434;
	if (cfg->hop_burst == 0)
		cfg->hop_burst = TRACER_PEER_BURST;
}

int
tracer_cfg_check(const struct probe_cfg *cfg, struct fd_error *err)
{
	if (cfg->probes_per_hop < 1 || cfg->probes_per_hop > TRACER_MAX_PROBES)
		return fd_error_set(err, -EINVAL,
		    "probes per hop must be 1..%d", TRACER_MAX_PROBES);
	if (cfg->max_ttl < 1 || cfg->max_ttl > HOPS_MAX)
		return fd_error_set(err, -EINVAL, "max TTL must be 1..%d",
		    HOPS_MAX);
	if (cfg->first_ttl < 1 || cfg->first_ttl > cfg->max_ttl)
		return fd_error_set(err, -EINVAL,
		    "first TTL must be 1..max TTL (%u)", cfg->max_ttl);
	if (cfg->flows < 1 || cfg->flows > TRACER_MAX_FLOWS)
		return fd_error_set(err, -EINVAL, "flows must be 1..%d",
		    TRACER_MAX_FLOWS);
	if (cfg->wait_max_ms < 1 || cfg->wait_max_ms > 60000)
		return fd_error_set(err, -EINVAL,
		    "wait must be 1..60000 ms");
	if (cfg->hop_burst < 1 || cfg->hop_burst > TRACER_MAX_HOP_BURST)
		return fd_error_set(err, -EINVAL, "hop burst must be 1..%d",
		    TRACER_MAX_HOP_BURST);
	if (cfg->port < 1 || cfg->port + cfg->flows - 1 > 65535)
		return fd_error_set(err, -EINVAL, "port %u out of range",
		    cfg->port);
	return 0;
}

static socklen_t
sockaddr_of(const struct fd_addr *a, unsigned port,
    struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		memcpy(&s4->sin_addr, a->b, 4);
		return sizeof(*s4);
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons((uint16_t)port);
	memcpy(&s6->sin6_addr, a->b, 16);
	return sizeof(*s6);
}

static int
open_flow(struct tracer *t, unsigned flow, struct fd_error *err)
{
	const struct probe_cfg *cfg = t->cfg;
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, on = 1, rc;

	fd = socket(t->to.family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_UDP);
	if (fd < 0)
		return fd_error_set(err, -errno, "socket: %s", strerror(errno));
	t->fds[flow] = fd;
	if (t->to.family == AF_INET)
		rc = setsockopt(fd, SOL_IP, IP_RECVERR, &on, sizeof(on));
	else
		rc = setsockopt(fd, SOL_IPV6, IPV6_RECVERR, &on, sizeof(on));
	if (rc < 0)
		return fd_error_set(err, -errno, "IP_RECVERR: %s",
		    strerror(errno));
	if (cfg->iface[0] != '\0' && setsockopt(fd, SOL_SOCKET,
	    SO_BINDTODEVICE, cfg->iface, (socklen_t)strlen(cfg->iface)) < 0)
		return fd_error_set(err, -errno, "interface %s: %s",
		    cfg->iface, strerror(errno));
	if (cfg->source[0] != '\0') {
		struct fd_addr src;

		if (addr_parse(cfg->source, &src, err) < 0)
			return fd_error_prefix(err, "source");
		if (src.family != t->to.family)
			return fd_error_set(err, -EINVAL,
			    "source %s is not of the target's family",
			    cfg->source);
		sl = sockaddr_of(&src, 0, &ss);
		if (bind(fd, (struct sockaddr *)&ss, sl) < 0)
			return fd_error_set(err, -errno, "bind %s: %s",
			    cfg->source, strerror(errno));
	}
	/* connect() fixes the source port and address: the whole 5-tuple of
	 * this flow stays the same for every TTL (Paris traceroute). */
	sl = sockaddr_of(&t->to, cfg->port + flow, &ss);
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0)
		return fd_error_set(err, -errno, "connect: %s",
		    strerror(errno));
	return 0;
}

static void
set_flag(char *flag, size_t len, int family, int type, int code)
{
	const char *f = NULL;

	flag[0] = '\0';
	if (family == AF_INET && type == ICMP_DEST_UNREACH) {
		switch (code) {
		case ICMP_PORT_UNREACH:
			return;
		case ICMP_NET_UNREACH:
		case ICMP_NET_UNKNOWN:
			f = "!N";
			break;
		case ICMP_HOST_UNREACH:
		case ICMP_HOST_UNKNOWN:
			f = "!H";
			break;
		case ICMP_PROT_UNREACH:
			f = "!P";
			break;
		case ICMP_PKT_FILTERED:
		case ICMP_NET_ANO:
		case ICMP_HOST_ANO:
			f = "!X";
			break;
		default:
			break;
		}
	} else if (family == AF_INET6 && type == ICMP6_DST_UNREACH) {
		switch (code) {
		case ICMP6_DST_UNREACH_NOPORT:
			return;
		case ICMP6_DST_UNREACH_NOROUTE:
			f = "!N";
			break;
		case ICMP6_DST_UNREACH_ADDR:
			f = "!H";
			break;
		case ICMP6_DST_UNREACH_ADMIN:
			f = "!X";
			break;
		default:
			break;
		}
	} else {
		return;
	}
	if (f != NULL)
		snprintf(flag, len, "%s", f);
	else
		snprintf(flag, len, "!%d", code);
}

static bool
is_time_exceeded(int family, int type)
{
	return family == AF_INET ? type == ICMP_TIME_EXCEEDED :
	    type == ICMP6_TIME_EXCEEDED;
}

static bool
is_unreach(int family, int type)
{
	return family == AF_INET ? type == ICMP_DEST_UNREACH :
	    type == ICMP6_DST_UNREACH;
}

/* The model of router r's bucket, refilled up to now. */
double
tracer_hist_tokens(const struct tracer_router *r, double burst, uint64_t now)
{
	double tok = r->tokens;

	if (now > r->t_ns)
		tok += (double)(now - r->t_ns) / 1e6 / TRACER_PEER_MS;
	return tok > burst ? burst : tok;
}

/* Router a answered a probe of ttl: it spent a token. */
static void
hist_answer(struct tracer *t, const struct fd_addr *a, unsigned ttl,
    uint64_t now)
{
	struct tracer_hist *h = t->hist;
	struct tracer_router *r = NULL;
	unsigned i;

	if (h == NULL || !addr_is_set(a) || ttl > HOPS_MAX)
		return;
	for (i = 0; i < h->n && r == NULL; i++)
		if (addr_equal(&h->r[i].addr, a))
			r = &h->r[i];
	if (r == NULL) {
		if (h->n == TRACER_HIST_ROUTERS) {
			h->full = true;
			return;
		}
		r = &h->r[h->n++];
		memset(r, 0, sizeof(*r));
		r->addr = *a;
		r->tokens = t->cfg->hop_burst;
		r->t_ns = now;
		t->hist_min[r - h->r] = r->tokens;
	}
	r->tokens = tracer_hist_tokens(r, t->cfg->hop_burst, now) - 1.0;
	if (r->tokens < 0)
		r->tokens = 0;
	r->t_ns = now;
	r->at_ttl[ttl] = true;
	if (r->tokens < t->hist_min[r - h->r])
		t->hist_min[r - h->r] = r->tokens;
}

/* May our own probes have emptied the bucket of the router at ttl?  Yes
 * when a router that answered there had less than a token left at some
 * point of this trace. */
static bool
hist_maybe_drained(const struct tracer *t, unsigned ttl)
{
	const struct tracer_hist *h = t->hist;
	unsigned i;

	if (h == NULL || h->full || ttl == h->watch_ttl)
		return true;
	for (i = 0; i < h->n; i++)
		if (h->r[i].at_ttl[ttl] && t->hist_min[i] < 1.0)
			return true;
	return false;
}

/* Read every queued error of one socket; 0 or -errno (not EAGAIN). */
static int
drain_errors(struct tracer *t, int fd)
{
	for (;;) {
		struct tr_payload pl;
		struct errq_msg m;
		struct tr_probe *p;
		uint64_t t_ns;
		size_t n;
		int rc = errq_read(fd, &pl, sizeof(pl), &m);

		if (rc <= 0)
			return rc;
		t_ns = now_ns();
		n = m.len;
		/* Routers that quote only the first 8 bytes of UDP (RFC 792
		 * minimum) give us no payload: such a reply can only be
		 * matched when its probe is alone in flight (see
		 * reprobe_serially()). */
		if (n < offsetof(struct tr_payload, pad) ||
		    pl.magic != TRACER_MAGIC || pl.nonce != t->nonce ||
		    pl.index >= t->n_probes) {
			if (t->serial >= 0 && n <
			    offsetof(struct tr_payload, ttl) &&
			    fd == t->fds[t->probes[t->serial].flow]) {
				pl.index = (uint32_t)t->serial;
			} else {
				t->st.unmatched++;
				continue;
			}
		}
		p = &t->probes[pl.index];
		if (p->state == TR_ANSWERED || p->state == TR_PENDING)
			continue;	/* duplicate */
		if (!is_time_exceeded(t->to.family, m.type) &&
		    !is_unreach(t->to.family, m.type))
			continue;
		if (p->state == TR_INFLIGHT)
			t->inflight--;
		p->state = TR_ANSWERED;
		p->rtt_ms = (double)(t_ns - p->sent_ns) / 1e6;
		p->from = m.offender;
		t->st.answered++;
		hist_answer(t, &p->from, p->ttl, t_ns);
		if (is_unreach(t->to.family, m.type)) {
			set_flag(p->flag, sizeof(p->flag), t->to.family,
			    m.type, m.code);
			/* The destination (port unreachable) or a router
			 * refusing it: nothing is learnt further out. */
			if (p->ttl < t->stop_ttl)
				t->stop_ttl = p->ttl;
		}
	}
}

static void
drain_data(int fd)
{
	char buf[256];

	/* Something listened on the port and answered: not a probe reply
	 * we can match, but it must not fill the receive queue. */
	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

static int
send_probe(struct tracer *t, struct tr_probe *p, unsigned index)
{
	int fd = t->fds[p->flow], ttl = (int)p->ttl, tries, rc;
	struct tr_payload pl;

	memset(&pl, 0, sizeof(pl));
	pl.magic = TRACER_MAGIC;
	pl.nonce = t->nonce;
	pl.index = index;
	pl.ttl = p->ttl;
	if (t->to.family == AF_INET)
		rc = setsockopt(fd, SOL_IP, IP_TTL, &ttl, sizeof(ttl));
	else
		rc = setsockopt(fd, SOL_IPV6, IPV6_UNICAST_HOPS, &ttl,
		    sizeof(ttl));
	if (rc < 0)
		return -errno;
	for (tries = 0; tries < 4; tries++) {
		p->sent_ns = now_ns();
		if (send(fd, &pl, sizeof(pl), 0) == (ssize_t)sizeof(pl)) {
			p->state = TR_INFLIGHT;
			t->inflight++;
			t->st.sent++;
			return 0;
		}
		switch (errno) {
		case EINTR:
			continue;
		case ECONNREFUSED:
		case EHOSTUNREACH:
		case ENETUNREACH:
		case EPROTO:
		case EACCES:
		case EHOSTDOWN:
		case ENOPROTOOPT:
			/* A queued ICMP error left in sk_err, reported by
			 * this send instead of the probe going out. */
			rc = drain_errors(t, fd);
			if (rc < 0)
				return rc;
			continue;
		default:
			return -errno;
		}
	}
	/* The network keeps refusing: count it as a silent probe. */
	p->state = TR_TIMEDOUT;
	return 0;
}

/* Linux traceroute's adaptive wait for one probe, in ms. */
static double
probe_wait_ms(const struct tracer *t, const struct tr_probe *p)
{
	const struct probe_cfg *cfg = t->cfg;
	double w = cfg->wait_max_ms, best_here = -1, best_near = -1;
	unsigned i;

	for (i = 0; i < t->n_probes; i++) {
		const struct tr_probe *q = &t->probes[i];

		if (q->state != TR_ANSWERED)
			continue;
		if (q->ttl == p->ttl && best_here < 0)
			best_here = q->rtt_ms;
		else if (q->ttl > p->ttl && best_near < 0)
			best_near = q->rtt_ms;
	}
	if (best_here >= 0 && cfg->wait_here > 0)
		w = best_here * cfg->wait_here;
	else if (best_near >= 0 && cfg->wait_near > 0)
		w = best_near * cfg->wait_near;
	if (w < TRACER_MIN_WAIT_MS)
		w = TRACER_MIN_WAIT_MS;
	if (w > cfg->wait_max_ms)
		w = cfg->wait_max_ms;
	return w;
}

/* Expire probes; return ms until the next deadline (-1: none). */
static int
expire(struct tracer *t)
{
	uint64_t now = now_ns();
	double next = -1;
	unsigned i;

	for (i = 0; i < t->n_probes; i++) {
		struct tr_probe *p = &t->probes[i];
		double left;

		if (p->state != TR_INFLIGHT)
			continue;
		if (p->ttl > t->stop_ttl) {
			/* Beyond the destination: not worth waiting for. */
			p->state = TR_TIMEDOUT;
			t->inflight--;
			continue;
		}
		left = probe_wait_ms(t, p) - (double)(now - p->sent_ns) / 1e6;
		if (left <= 0) {
			p->state = TR_TIMEDOUT;
			t->inflight--;
			continue;
		}
		if (next < 0 || left < next)
			next = left;
	}
	if (next < 0)
		return -1;
	return (int)next + 1;
}

/* Take a token of the bucket modelled for ttl: 0 when one was there,
 * else the ms until there is one (nothing taken). */
static int
bucket_take(struct tracer *t, unsigned ttl, uint64_t now)
{
	double *tok = &t->tokens[ttl];

	*tok += (double)(now - t->tokens_ns[ttl]) / 1e6 / TRACER_PEER_MS;
	t->tokens_ns[ttl] = now;
	if (*tok > t->cfg->hop_burst)
		*tok = t->cfg->hop_burst;
	if (*tok >= 1.0) {
		*tok -= 1.0;
		return 0;
	}
	return (int)((1.0 - *tok) * TRACER_PEER_MS) + 1;
}

static int
run(struct tracer *t, struct fd_error *err)
{
	struct pollfd pfd[TRACER_MAX_FLOWS];
	unsigned i;
	int rc, wait;

	for (i = 0; i < t->n_flows; i++) {
		pfd[i].fd = t->fds[i];
		pfd[i].events = POLLIN;
	}
	for (;;) {
		int pace = -1;

		/* Send in order, passing over the probes whose hop's bucket
		 * is empty (they go when it refills). */
		for (i = t->next; i < t->n_probes &&
		    t->inflight < TRACER_WINDOW; i++) {
			struct tr_probe *p = &t->probes[i];
			int w;

			if (p->state != TR_PENDING || p->ttl > t->stop_ttl)
				continue;
			w = bucket_take(t, p->ttl, now_ns());
			if (w > 0) {
				if (pace < 0 || w < pace)
					pace = w;
				if (!p->paced) {
					p->paced = true;
					t->st.paced++;
				}
				continue;
			}
			rc = send_probe(t, p, i);
			if (rc < 0)
				return fd_error_set(err, rc, "send: %s",
				    strerror(-rc));
		}
		while (t->next < t->n_probes &&
		    (t->probes[t->next].state != TR_PENDING ||
		    t->probes[t->next].ttl > t->stop_ttl))
			t->next++;
		wait = expire(t);
		if (pace >= 0 && t->next < t->n_probes &&
		    (wait < 0 || pace < wait))
			wait = pace;
		if (wait < 0 && t->next >= t->n_probes)
			return 0;
		if (wait < 0)
			continue;	/* window room again */
		rc = poll(pfd, t->n_flows, wait);
		if (rc < 0 && errno != EINTR)
			return fd_error_set(err, -errno, "poll: %s",
			    strerror(errno));
		for (i = 0; rc > 0 && i < t->n_flows; i++) {
			if (pfd[i].revents & POLLERR) {
				int r = drain_errors(t, pfd[i].fd);

				if (r < 0)
					return fd_error_set(err, r,
					    "MSG_ERRQUEUE: %s", strerror(-r));
			}
			if (pfd[i].revents & POLLIN)
				drain_data(pfd[i].fd);
		}
	}
}

static int
wait_probe_alone(struct tracer *t, struct tr_probe *p, struct fd_error *err)
{
	struct pollfd pfd = { t->fds[p->flow], POLLIN, 0 };

	while (p->state == TR_INFLIGHT) {
		int wait = expire(t), rc;

		if (wait < 0)
			break;
		rc = poll(&pfd, 1, wait);
		if (rc < 0 && errno != EINTR)
			return fd_error_set(err, -errno, "poll: %s",
			    strerror(errno));
		if (rc > 0 && (pfd.revents & POLLERR)) {
			rc = drain_errors(t, pfd.fd);
			if (rc < 0)
				return fd_error_set(err, rc,
				    "MSG_ERRQUEUE: %s", strerror(-rc));
		}
		if (rc > 0 && (pfd.revents & POLLIN))
			drain_data(pfd.fd);
	}
	return 0;
}

/* Send probe idx on its own and wait for it alone (t->serial): the
 * answer of a router that quotes too little to be matched in a crowd. */
static int
ask_alone(struct tracer *t, struct tr_probe *p, unsigned idx,
    struct fd_error *err)
{
	int rc;

	t->serial = (int)idx;
	rc = send_probe(t, p, idx);
	if (rc < 0) {
		t->serial = -1;
		return fd_error_set(err, rc, "send: %s", strerror(-rc));
	}
	rc = wait_probe_alone(t, p, err);
	t->serial = -1;
	return rc;
}

/*
 * Some routers answered with a quote too short to carry our probe id.
 * Send the probes that got no matched answer again, one at a time, so
 * that any error on the flow's socket is theirs.  Only up to the
 * destination, or a few TTLs past the last answer, so that a path that
 * goes silent does not cost a full wait per probe.
 */
static int
reprobe_serially(struct tracer *t, struct fd_error *err)
{
	unsigned i, limit = 0;
	int rc;

	for (i = 0; i < t->n_probes; i++)
		if (t->probes[i].state == TR_ANSWERED &&
		    t->probes[i].ttl > limit)
			limit = t->probes[i].ttl;
	limit = t->stop_ttl < t->cfg->max_ttl ? t->stop_ttl : limit + 3;
	for (i = 0; i < t->n_probes; i++) {
		struct tr_probe *p = &t->probes[i];

		if (p->state != TR_TIMEDOUT || p->ttl > limit ||
		    p->ttl > t->stop_ttl)
			continue;
		if ((rc = ask_alone(t, p, i, err)) < 0)
			return rc;
	}
	return 0;
}

/*
 * A router limits the ICMP errors it sends to one destination: Linux
 * with a token bucket per peer, a burst of 6 and one a second after
 * (net/ipv4/icmp.c icmpv4_xrlim_allow -> inet_peer_xrlim_allow), edge
 * routers by policers.  Every probe of a trace is in flight at once, so a
 * router whose bucket other traces (or the prober) emptied stays silent
 * at its TTL although it forwarded the later probes.  Ask such a hop
 * again, once, one probe, after a bucket's refill; it stays '*' when it
 * is silent for good.  At most TRACER_REASK_HOPS hops, lowest first.
 */
#define TRACER_REFILL_MS 1050
#define TRACER_REASK_HOPS 3

static int
reask_silent(struct tracer *t, uint64_t t_start, struct fd_error *err)
{
	unsigned ttl, i, last = 0, asked = 0;
	bool slept = false;
	int rc;

	for (i = 0; i < t->n_probes; i++)
		if (t->probes[i].state == TR_ANSWERED &&
		    t->probes[i].ttl > last)
			last = t->probes[i].ttl;
	if (last > t->stop_ttl)
		last = t->stop_ttl;
	for (ttl = t->cfg->first_ttl; ttl < last &&
	    asked < TRACER_REASK_HOPS; ttl++) {
		struct tr_probe *p = NULL;
		unsigned idx = 0;
		bool answered = false;

		for (i = 0; i < t->n_probes; i++) {
			if (t->probes[i].ttl != ttl)
				continue;
			if (t->probes[i].state == TR_ANSWERED)
				answered = true;
			else if (t->probes[i].state == TR_TIMEDOUT &&
			    p == NULL) {
				p = &t->probes[i];
				idx = i;
			}
		}
		if (answered || p == NULL)
			continue;
		/* No router that answered at this TTL can have been
		 * emptied by our traces: silent for good (the lab's far
		 * gateway), and a refill changes nothing. */
		if (!hist_maybe_drained(t, ttl))
			continue;
		if (!slept) {
			uint64_t due = t_start + TRACER_REFILL_MS * 1000000ull,
			    now = now_ns();

			if (due > now) {
				struct timespec ts = {
					(time_t)((due - now) / 1000000000u),
					(long)((due - now) % 1000000000u) };

				while (nanosleep(&ts, &ts) < 0 &&
				    errno == EINTR)
					;
			}
			slept = true;
		}
		asked++;
		t->st.asked_again++;
		if ((rc = ask_alone(t, p, idx, err)) < 0)
			return rc;
		if (p->state == TR_ANSWERED) {
			/* Silent in the burst, answering after a refill. */
			t->st.reasked++;
			t->limited[ttl][p->flow] = true;
		}
	}
	return 0;
}

/*
 * A router that limits its ICMP answers the first probes of a burst and
 * then goes silent: a probe left unanswered after an earlier probe of the
 * same flow (the same 5-tuple, so the same router) and TTL was answered
 * marks the hop rate-limited.  A hop with no answer at all is not marked:
 * nothing tells a limit from a router that never answers.
 */
static void
mark_limited(struct tracer *t)
{
	bool seen[HOPS_MAX + 1][TRACER_MAX_FLOWS];
	unsigned i;

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < t->n_probes; i++) {
		const struct tr_probe *p = &t->probes[i];

		if (p->ttl > t->stop_ttl)
			continue;
		if (p->state == TR_ANSWERED)
			seen[p->ttl][p->flow] = true;
		else if (p->state == TR_TIMEDOUT && seen[p->ttl][p->flow])
			t->limited[p->ttl][p->flow] = true;
	}
}

/* Copy the marks into the hop lists built by build(). */
static void
apply_limited(struct tracer *t, struct hop_list *merged,
    struct hop_list *per_flow)
{
	unsigned ttl, f;

	for (ttl = t->cfg->first_ttl; ttl <= t->cfg->max_ttl; ttl++) {
		bool any = false;

		for (f = 0; f < t->n_flows; f++) {
			struct hop *h;

			if (!t->limited[ttl][f])
				continue;
			any = true;
			if (per_flow != NULL &&
			    (h = hop_list_get(&per_flow[f], ttl)) != NULL)
				h->rate_limited = true;
		}
		if (any) {
			struct hop *h = hop_list_get(merged, ttl);

			if (h != NULL) {
				h->rate_limited = true;
				t->st.rate_limited++;
			}
		}
	}
}

static int
build(const struct tracer *t, struct hop_list *merged,
    struct hop_list *per_flow)
{
	unsigned i, f;
	int rc;

	for (f = 0; f < t->n_flows; f++) {
		for (i = 0; i < t->n_probes; i++) {
			const struct tr_probe *p = &t->probes[i];
			const struct fd_addr *a;

			if (p->flow != f || p->ttl > t->stop_ttl ||
			    p->state == TR_PENDING)
				continue;
			a = p->state == TR_ANSWERED ? &p->from : NULL;
			rc = hop_list_add_probe(merged, p->ttl, a, NULL,
			    a ? p->rtt_ms : -1, p->flag);
			if (rc < 0)
				return rc;
			if (per_flow != NULL) {
				rc = hop_list_add_probe(&per_flow[f], p->ttl,
				    a, NULL, a ? p->rtt_ms : -1, p->flag);
				if (rc < 0)
					return rc;
			}
		}
	}
	return 0;
}

static void
list_begin(struct hop_list *l, const struct fd_addr *to)
{
	hop_list_init(l);
	snprintf(l->source, sizeof(l->source), "native");
	l->target = *to;
}

int
tracer_run(const struct probe_cfg *cfg_in, const struct fd_addr *to,
    struct hop_list *out, struct hop_list *per_flow,
    struct probe_trace_stats *stats, struct fd_error *err)
{
	return tracer_run_hist(cfg_in, to, out, per_flow, stats, NULL, err);
}

int
tracer_run_hist(const struct probe_cfg *cfg_in, const struct fd_addr *to,
    struct hop_list *out, struct hop_list *per_flow,
    struct probe_trace_stats *stats, struct tracer_hist *hist,
    struct fd_error *err)
{
	struct probe_cfg cfg = *cfg_in;
	struct tracer t;
	struct hop_list *merged = NULL, *flows = NULL;
	unsigned ttl, k, f, i;
	uint64_t t_start = now_ns();
	int rc;

	tracer_cfg_defaults(&cfg);
	rc = tracer_cfg_check(&cfg, err);
	if (rc < 0)
		return rc;
	if (to == NULL || (to->family != AF_INET && to->family != AF_INET6))
		return fd_error_set(err, -EINVAL, "no target address");

	memset(&t, 0, sizeof(t));
	for (f = 0; f < TRACER_MAX_FLOWS; f++)
		t.fds[f] = -1;
	t.cfg = &cfg;
	t.serial = -1;
	t.hist = hist;
	for (i = 0; hist != NULL && i < hist->n; i++)
		t.hist_min[i] = tracer_hist_tokens(&hist->r[i], cfg.hop_burst,
		    t_start);
	t.to = *to;
	t.n_flows = cfg.flows;
	t.stop_ttl = cfg.max_ttl;
	t.nonce = (uint32_t)(t_start ^ ((uint64_t)getpid() << 16));
	t.n_probes = (cfg.max_ttl - cfg.first_ttl + 1) * cfg.probes_per_hop *
	    cfg.flows;
	t.probes = calloc(t.n_probes, sizeof(*t.probes));
	for (ttl = 0; ttl <= HOPS_MAX; ttl++) {
		t.tokens[ttl] = cfg.hop_burst;
		t.tokens_ns[ttl] = t_start;
	}
	merged = hop_list_new();
	if (per_flow != NULL)
		flows = calloc(cfg.flows, sizeof(*flows));
	if (t.probes == NULL || merged == NULL ||
	    (per_flow != NULL && flows == NULL)) {
		rc = fd_error_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	/* Send order: TTL by TTL, and within one TTL the probe rounds of
	 * every flow, so near hops answer first and set the waits. */
	i = 0;
	for (ttl = cfg.first_ttl; ttl <= cfg.max_ttl; ttl++)
		for (k = 0; k < cfg.probes_per_hop; k++)
			for (f = 0; f < cfg.flows; f++) {
				t.probes[i].ttl = ttl;
				t.probes[i].flow = f;
				t.probes[i].rtt_ms = -1;
				i++;
			}
	for (f = 0; f < cfg.flows; f++) {
		rc = open_flow(&t, f, err);
		if (rc < 0)
			goto out;
	}
	rc = run(&t, err);
	if (rc == 0 && t.st.unmatched > 0)
		rc = reprobe_serially(&t, err);
	if (rc == 0 && cfg.reask)
		rc = reask_silent(&t, t_start, err);
	if (rc < 0)
		goto out;

	list_begin(merged, to);
	for (f = 0; flows != NULL && f < cfg.flows; f++)
		list_begin(&flows[f], to);
	rc = build(&t, merged, flows);
	if (rc < 0) {
		rc = fd_error_set(err, rc, "hop list full");
		goto out;
	}
	mark_limited(&t);
	apply_limited(&t, merged, flows);
	hop_list_finish(merged);
	for (f = 0; flows != NULL && f < cfg.flows; f++)
		hop_list_finish(&flows[f]);
	t.st.wall_ms = (now_ns() - t_start) / 1000000u;
	*out = *merged;
	if (per_flow != NULL)
		memcpy(per_flow, flows, cfg.flows * sizeof(*flows));
	if (stats != NULL)
		*stats = t.st;
	rc = 0;
out:
	for (f = 0; f < TRACER_MAX_FLOWS; f++)
		if (t.fds[f] >= 0)
			close(t.fds[f]);
	free(t.probes);
	free(flows);
	hop_list_free(merged);
	return rc;
}
