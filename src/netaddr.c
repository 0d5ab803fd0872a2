#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netaddr.h"

int
addr_parse(const char *s, struct fd_addr *out, struct fd_error *err)
{
	struct fd_addr a;

	memset(&a, 0, sizeof(a));
	if (s == NULL || *s == '\0')
		return fd_error_set(err, -EINVAL, "empty address");
	if (inet_pton(AF_INET, s, a.b) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, s, a.b) == 1)
		a.family = AF_INET6;
	else
		return fd_error_set(err, -EINVAL, "'%s' is not an IP address",
		    s);
	*out = a;
	return 0;
}

static int
prefix_parse_impl(const char *s, struct fd_prefix *out, bool host_ok,
    struct fd_error *err)
{
	char buf[FD_PREFIX_STRLEN + 8], *slash, *end;
	struct fd_prefix p;
	unsigned long len, max, i;

	if (s == NULL || *s == '\0')
		return fd_error_set(err, -EINVAL, "empty prefix");
	if (strlen(s) >= sizeof(buf))
		return fd_error_set(err, -EINVAL, "prefix '%.60s' too long", s);
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash == NULL && !host_ok)
		return fd_error_set(err, -EINVAL,
		    "'%s' is not a prefix (want ADDRESS/LENGTH)", s);
	if (slash != NULL)
		*slash = '\0';
	memset(&p, 0, sizeof(p));
	if (addr_parse(buf, &p.addr, NULL) < 0)
		return fd_error_set(err, -EINVAL, "'%s' is not an IP prefix",
		    s);
	max = p.addr.family == AF_INET ? 32 : 128;
	if (slash == NULL) {
		len = max;
	} else {
		if (slash[1] < '0' || slash[1] > '9')
			return fd_error_set(err, -EINVAL,
			    "'%s': bad prefix length", s);
		errno = 0;
		len = strtoul(slash + 1, &end, 10);
		if (errno != 0 || *end != '\0' || len > max)
			return fd_error_set(err, -EINVAL,
			    "'%s': bad prefix length", s);
	}
	p.len = (unsigned)len;
	for (i = 0; i < max; i++) {
		if (i < len)
			continue;
		if (p.addr.b[i / 8] & (0x80 >> (i % 8)))
			return fd_error_set(err, -EINVAL,
			    "'%s': host bits set after /%lu", s, len);
	}
	*out = p;
	return 0;
}

int
prefix_parse(const char *s, struct fd_prefix *out, struct fd_error *err)
{
	return prefix_parse_impl(s, out, false, err);
}

int
prefix_parse_host(const char *s, struct fd_prefix *out, struct fd_error *err)
{
	return prefix_parse_impl(s, out, true, err);
}

bool
addr_is_set(const struct fd_addr *a)
{
	return a != NULL && a->family != 0;
}

bool
addr_equal(const struct fd_addr *a, const struct fd_addr *b)
{
	size_t n;

	if (a->family != b->family)
		return false;
	n = a->family == AF_INET ? 4 : 16;
	return memcmp(a->b, b->b, n) == 0;
}

bool
prefix_equal(const struct fd_prefix *a, const struct fd_prefix *b)
{
	return a->len == b->len && addr_equal(&a->addr, &b->addr);
}

bool
prefix_contains(const struct fd_prefix *p, const struct fd_addr *a)
{
	unsigned i;

	if (p->addr.family != a->family)
		return false;
	for (i = 0; i < p->len / 8; i++)
		if (p->addr.b[i] != a->b[i])
			return false;
	if (p->len % 8) {
		uint8_t mask = (uint8_t)(0xff << (8 - p->len % 8));
		if ((p->addr.b[i] & mask) != (a->b[i] & mask))
			return false;
	}
	return true;
}

const char *
addr_str(const struct fd_addr *a, char *buf, size_t len)
{
	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (a == NULL || a->family == 0)
		return buf;
	if (inet_ntop(a->family, a->b, buf, (socklen_t)len) == NULL)
		buf[0] = '\0';
	return buf;
}

const char *
prefix_str(const struct fd_prefix *p, char *buf, size_t len)
{
	char a[FD_ADDR_STRLEN];

	snprintf(buf, len, "%s/%u", addr_str(&p->addr, a, sizeof(a)), p->len);
	return buf;
}
