/* IPv4/IPv6 addresses and prefixes, parsed strictly. */
#ifndef FD_NETADDR_H
#define FD_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "error.h"

#define FD_ADDR_STRLEN 46	/* INET6_ADDRSTRLEN */
#define FD_PREFIX_STRLEN 50

struct fd_addr {
	int family;		/* AF_INET, AF_INET6, or 0 (none) */
	uint8_t b[16];		/* network byte order; IPv4 in b[0..3] */
};

struct fd_prefix {
	struct fd_addr addr;
	unsigned len;
};

/* "10.1.11.1" or "2001:db8::1"; nothing else (no names, no brackets). */
int addr_parse(const char *s, struct fd_addr *out, struct fd_error *err);
/* "10.1.11.0/25"; host bits must be zero. */
int prefix_parse(const char *s, struct fd_prefix *out, struct fd_error *err);
/* Like prefix_parse, but a bare address becomes a host prefix. */
int prefix_parse_host(const char *s, struct fd_prefix *out,
    struct fd_error *err);

bool addr_is_set(const struct fd_addr *a);
bool addr_equal(const struct fd_addr *a, const struct fd_addr *b);
bool prefix_equal(const struct fd_prefix *a, const struct fd_prefix *b);
bool prefix_contains(const struct fd_prefix *p, const struct fd_addr *a);
/* Formats into buf (>= FD_ADDR_STRLEN); "" for an unset address. */
const char *addr_str(const struct fd_addr *a, char *buf, size_t len);
const char *prefix_str(const struct fd_prefix *p, char *buf, size_t len);

#endif
