/*
 * ICMP errors from a socket's error queue; see errq.h.
 *
 * ip(7): with IP_RECVERR, recvmsg(MSG_ERRQUEUE) returns the original
 * datagram's quoted payload and an IP_RECVERR control message holding a
 * struct sock_extended_err; ee_origin SO_EE_ORIGIN_ICMP(6) for errors a
 * router or the target sent, with ee_type/ee_code the ICMP type and code
 * and SO_EE_OFFENDER() its address (ipv6(7): IPV6_RECVERR alike).
 */
#include <errno.h>
#include <time.h>	/* before linux/errqueue.h: struct timespec */
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "errq.h"

int
errq_read(int fd, void *buf, size_t len, struct errq_msg *m)
{
	for (;;) {
		char ctl[512];
		struct sockaddr_storage peer;
		struct iovec iov = { buf, len };
		struct msghdr msg;
		struct cmsghdr *c;
		const struct sock_extended_err *ee = NULL;
		const struct sockaddr *off;
		ssize_t n;

		memset(&msg, 0, sizeof(msg));
		memset(buf, 0, len);
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
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -errno;
		}
		for (c = CMSG_FIRSTHDR(&msg); c != NULL;
		    c = CMSG_NXTHDR(&msg, c))
			if ((c->cmsg_level == SOL_IP &&
			    c->cmsg_type == IP_RECVERR) ||
			    (c->cmsg_level == SOL_IPV6 &&
			    c->cmsg_type == IPV6_RECVERR))
				ee = (const struct sock_extended_err *)
				    CMSG_DATA(c);
		if (ee == NULL || (ee->ee_origin != SO_EE_ORIGIN_ICMP &&
		    ee->ee_origin != SO_EE_ORIGIN_ICMP6))
			continue;	/* local errors (EMSGSIZE ...) */
		memset(m, 0, sizeof(*m));
		m->len = (size_t)n;
		m->type = ee->ee_type;
		m->code = ee->ee_code;
		off = SO_EE_OFFENDER(ee);
		if (off->sa_family == AF_INET) {
			m->offender.family = AF_INET;
			memcpy(m->offender.b,
			    &((const struct sockaddr_in *)off)->sin_addr, 4);
		} else if (off->sa_family == AF_INET6) {
			m->offender.family = AF_INET6;
			memcpy(m->offender.b,
			    &((const struct sockaddr_in6 *)off)->sin6_addr,
			    16);
		}
		return 1;
	}
}
