/*
 * The ICMP errors a socket with IP_RECVERR (IPV6_RECVERR) queues about its
 * datagrams, read one at a time: the one place the tracer and the prober
 * parse a sock_extended_err (ip(7), ipv6(7)).
 */
#ifndef FD_PROBE_ERRQ_H
#define FD_PROBE_ERRQ_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "netaddr.h"

struct errq_msg {
	size_t len;		/* bytes of the quoted datagram read */
	uint8_t type, code;	/* ICMP or ICMPv6 type and code */
	struct fd_addr offender; /* who sent it (SO_EE_OFFENDER), or unset */
};

/*
 * Read the next ICMP error of fd's error queue (MSG_ERRQUEUE, never
 * blocking).  buf (zeroed first) gets the part of our datagram the error
 * quoted, up to len bytes.  Local errors (EMSGSIZE ...) are skipped.
 * Returns 1 with *m filled, 0 when the queue is empty, -errno on error.
 */
int errq_read(int fd, void *buf, size_t len, struct errq_msg *m);

#endif
