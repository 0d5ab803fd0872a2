/*
 * The Junos command lines (junos.h): built only from validated tokens, so
 * nothing from a spec can add ';' or '|' to what the device runs.  Pure
 * functions; the provider (junos.c) adds the display pipes.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "junos.h"

bool
junos_valid_name(const char *s)
{
	size_t n = 0;

	if (s == NULL)
		return false;
	for (; s[n] != '\0'; n++)
		if (!isalnum((unsigned char)s[n]) && s[n] != '_' &&
		    s[n] != '.' && s[n] != '-')
			return false;
	return n > 0 && n < 64 && s[0] != '-';
}

static int
cmd_name(const char *what, const char *s, struct fd_error *err)
{
	if (!junos_valid_name(s))
		return fd_error_set(err, -EINVAL, "invalid %s name '%.64s' "
		    "(allowed: A-Z a-z 0-9 _ . -)", what, s ? s : "");
	return 0;
}

static int
cmd_fit(int n, size_t len, struct fd_error *err)
{
	if (n < 0 || (size_t)n >= len)
		return fd_error_set(err, -ENAMETOOLONG, "command too long");
	return 0;
}

int
junos_cmd_routes(const char *table, const struct fd_prefix *pfx, char *buf,
    size_t len, struct fd_error *err)
{
	char p[FD_PREFIX_STRLEN];
	int rc;

	if ((rc = cmd_name("table", table, err)) < 0)
		return rc;
	if (pfx != NULL)
		return cmd_fit(snprintf(buf, len, "show route table %s %s "
		    "exact", table, prefix_str(pfx, p, sizeof(p))), len, err);
	return cmd_fit(snprintf(buf, len, "show route table %s", table), len,
	    err);
}

int
junos_cmd_bgp_routes(bool advertised, const struct fd_addr *nbr,
    const char *table, char *buf, size_t len, struct fd_error *err)
{
	char a[FD_ADDR_STRLEN];
	int rc, n;

	if (nbr == NULL || !addr_is_set(nbr))
		return fd_error_set(err, -EINVAL, "no neighbour address");
	n = snprintf(buf, len, "show route %s-protocol bgp %s",
	    advertised ? "advertising" : "receive", addr_str(nbr, a,
	    sizeof(a)));
	if ((rc = cmd_fit(n, len, err)) < 0)
		return rc;
	if (table == NULL || table[0] == '\0')
		return 0;
	if ((rc = cmd_name("table", table, err)) < 0)
		return rc;
	return cmd_fit(n + snprintf(buf + n, len - (size_t)n, " table %s",
	    table), len, err);
}

int
junos_cmd_bgp_summary(const char *instance, char *buf, size_t len,
    struct fd_error *err)
{
	int rc;

	if (instance == NULL || instance[0] == '\0')
		return cmd_fit(snprintf(buf, len, "show bgp summary"), len,
		    err);
	if ((rc = cmd_name("instance", instance, err)) < 0)
		return rc;
	/* "instance X" matches every instance whose name begins with X
	 * (Cust11 lists Cust111); "exact-instance" (Junos 11.4 on, "show
	 * bgp group" / "show bgp neighbor" reference) does not. */
	return cmd_fit(snprintf(buf, len, "show bgp summary exact-instance "
	    "%s", instance), len, err);
}

int
junos_cmd_bgp_neighbor(const struct fd_addr *nbr, char *buf, size_t len,
    struct fd_error *err)
{
	char a[FD_ADDR_STRLEN];

	if (nbr == NULL || !addr_is_set(nbr))
		return fd_error_set(err, -EINVAL, "no neighbour address");
	return cmd_fit(snprintf(buf, len, "show bgp neighbor %s",
	    addr_str(nbr, a, sizeof(a))), len, err);
}

int
junos_cmd_traceroute(const struct fd_addr *to, const char *instance,
    unsigned wait_s, unsigned ttl, char *buf, size_t len,
    struct fd_error *err)
{
	char a[FD_ADDR_STRLEN];
	int rc, n;

	if (to == NULL || !addr_is_set(to))
		return fd_error_set(err, -EINVAL, "no traceroute target");
	n = snprintf(buf, len, "traceroute %s no-resolve",
	    addr_str(to, a, sizeof(a)));
	if ((rc = cmd_fit(n, len, err)) < 0)
		return rc;
	if (instance != NULL && instance[0] != '\0') {
		if ((rc = cmd_name("instance", instance, err)) < 0)
			return rc;
		n += snprintf(buf + n, len - (size_t)n,
		    " routing-instance %s", instance);
		if ((rc = cmd_fit(n, len, err)) < 0)
			return rc;
	}
	/* Junos "traceroute": wait (seconds per probe, default 5) and ttl
	 * (the last hop tried, default 30). */
	if (wait_s > 0) {
		n += snprintf(buf + n, len - (size_t)n, " wait %u", wait_s);
		if ((rc = cmd_fit(n, len, err)) < 0)
			return rc;
	}
	if (ttl > 0)
		return cmd_fit(n + snprintf(buf + n, len - (size_t)n,
		    " ttl %u", ttl), len, err);
	return 0;
}

/*
 * The longest a Junos traceroute can take: every hop silent, 3 probes
 * each waiting wait_s (defaults 5 s and 30 hops: 450 s), plus a margin for
 * the session.  The command timeout is at least that, so trailing silent
 * hops ("* * *") end the trace rather than a timeout that loses the hops
 * already answered.
 */
unsigned
junos_traceroute_timeout_ms(unsigned wait_s, unsigned ttl)
{
	unsigned long long ms;

	ms = (unsigned long long)(ttl ? ttl : 30) * 3 * (wait_s ? wait_s : 5) *
	    1000 + 10000;
	return ms > 3600000 ? 3600000 : (unsigned)ms;
}
