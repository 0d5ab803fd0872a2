/*
 * Junos CLI text parsers (FORMATS.md sections 1 and 2).  They anchor on
 * content, not on absolute columns, because captured fixtures are indented
 * and anonymised ones lost their alignment (FORMATS.md rules 0.3, 0.5).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "junos_parse.h"
#include "junos_priv.h"

/* "inet.0: 4 destinations, 4 routes (4 active, 0 holddown, 0 hidden)". */
static bool
text_table_header(const char *line, char *table, size_t len)
{
	const char *p = junos_skip_ws(line), *colon;

	colon = strstr(p, ": ");
	if (colon == NULL || strstr(colon, " destinations, ") == NULL ||
	    strstr(colon, " routes (") == NULL)
		return false;
	if (memchr(p, ' ', (size_t)(colon - p)) != NULL)
		return false;
	snprintf(table, len, "%.*s", (int)(colon - p), p);
	return true;
}

/* A command echo left in captured or pasted output ("show route ...",
 * "#show route ...", "user@host> show route ...", "{master:0}[edit]"
 * prompts). */
static bool
text_is_echo(const char *t)
{
	const char *gt;

	if (*t == '#')
		t++;
	/* "user@host> " / "user@host# ": a CLI prompt with the command. */
	gt = strpbrk(t, ">#");
	if (gt != NULL && gt > t && (gt[1] == ' ' || gt[1] == '\0') &&
	    memchr(t, '@', (size_t)(gt - t)) != NULL &&
	    strcspn(t, " \t") >= (size_t)(gt - t))
		return true;
	return junos_starts(t, "show ") || junos_starts(t, "traceroute ");
}

struct rt_state {
	struct route_set tmp;
	char table[ROUTE_TABLE_MAX];
	bool have_dest;			/* a usable destination is current */
	struct fd_prefix dest;
	bool have_route;
	struct route cur;
	int rc;
};

static void
rt_flush(struct rt_state *st)
{
	if (st->have_route && st->rc == 0)
		st->rc = route_set_add(&st->tmp, &st->cur);
	st->have_route = false;
}

/* Comma-separated attributes after the age: "metric 1, localpref 100,
 * from 10.34.2.250". */
static void
rt_attrs(struct route *r, char *s)
{
	char *save = NULL, *a, *tok[4];
	long long v;

	for (a = strtok_r(s, ",", &save); a != NULL;
	    a = strtok_r(NULL, ",", &save)) {
		if (junos_split(a, tok, NULL, 4) != 2)
			continue;
		if (strcmp(tok[0], "from") == 0) {
			addr_parse(tok[1], &r->from, NULL);
			continue;
		}
		if (!junos_ll(tok[1], &v))
			continue;
		if (strcmp(tok[0], "MED") == 0)
			r->med = v;
		else if (strcmp(tok[0], "localpref") == 0)
			r->local_pref = v;
	}
}

/* "*[BGP/170] 00:25:19, localpref 100, from 10.120.202.40". */
static bool
rt_entry(struct rt_state *st, const char *s)
{
	char buf[JUNOS_LINE_MAX], *p, *close, *slash, *comma;
	struct route *r = &st->cur;

	snprintf(buf, sizeof(buf), "%s", s);
	p = buf;
	rt_flush(st);
	route_init(r);
	r->prefix = st->dest;
	snprintf(r->table, sizeof(r->table), "%s", st->table);
	if (*p == '*' || *p == '+' || *p == '-') {
		r->active = *p != '-';
		p++;
	}
	if (*p != '[')
		return false;
	close = strchr(p, ']');
	if (close == NULL)
		return false;
	*close = '\0';
	slash = strchr(p + 1, '/');
	if (slash != NULL) {
		*slash = '\0';
		r->preference = strtol(slash + 1, NULL, 10);
	}
	snprintf(r->protocol, sizeof(r->protocol), "%s", p + 1);
	p = (char *)junos_skip_ws(close + 1);
	comma = strchr(p, ',');
	if (comma != NULL)
		*comma = '\0';
	r->age_s = junos_age_parse(p);
	if (comma != NULL)
		rt_attrs(r, comma + 1);
	st->have_route = true;
	return true;
}

/* "> to 172.16.0.2 via ge-0/0/0.0, Push 16", ">  via fxp0.0",
 * "Local via ge-0/0/0.0", "to 10.2.94.2 via lt-1/2/0.49".  Returns 1 for
 * a next hop, 0 for a line that is none (kept opaque: "to table inet.0"
 * of a next-table route, genieparser junos/show_route.py; lines of
 * releases we have not seen), -1 for a next hop with a bad address. */
static int
rt_nexthop(struct route *r, const char *s)
{
	char buf[JUNOS_LINE_MAX], *tok[8];
	struct route_nh nh;
	size_t n, i = 0;

	memset(&nh, 0, sizeof(nh));
	snprintf(buf, sizeof(buf), "%s", s);
	buf[strcspn(buf, ",")] = '\0';
	n = junos_split(buf, tok, NULL, 8);
	if (n > 0 && strcmp(tok[0], ">") == 0) {
		nh.selected = true;
		i++;
	} else if (n > 0 && strcmp(tok[0], "Local") == 0) {
		i++;
	}
	if (i + 1 < n && strcmp(tok[i], "to") == 0) {
		if (strcmp(tok[i + 1], "table") == 0)
			return 0;	/* next-table: no address to compare */
		if (addr_parse(tok[i + 1], &nh.addr, NULL) < 0)
			return -1;
		i += 2;
	}
	if (i + 1 < n && strcmp(tok[i], "via") == 0) {
		snprintf(nh.iface, sizeof(nh.iface), "%s", tok[i + 1]);
		i += 2;
	}
	if (i != n || (!addr_is_set(&nh.addr) && nh.iface[0] == '\0'))
		return 0;
	if (r->n_nh < ROUTE_MAX_NH)
		r->nh[r->n_nh++] = nh;
	return 1;
}

static bool
rt_is_nh_keyword(const char *t)
{
	return strcmp(t, "Reject") == 0 || strcmp(t, "Discard") == 0 ||
	    strcmp(t, "Receive") == 0 || strcmp(t, "MultiRecv") == 0;
}

int
junos_text_routes(const char *buf, size_t len, struct route_set *out,
    struct fd_error *err)
{
	struct junos_lines it;
	struct rt_state st;
	size_t i, nlines = 0, ntables = 0;

	memset(&st, 0, sizeof(st));
	route_set_init(&st.tmp);
	junos_lines_init(&it, buf, len);
	while (junos_lines_next(&it) && st.rc == 0) {
		const char *s = junos_skip_ws(it.line);
		char first[JUNOS_LINE_MAX];
		const char *rest;

		nlines++;
		if (*s == '\0' || text_is_echo(s) || junos_is_prompt(s) ||
		    junos_starts(s, "+ = Active Route") ||
		    junos_starts(s, "Restart "))
			continue;
		if (text_table_header(s, st.table, sizeof(st.table))) {
			rt_flush(&st);
			st.have_dest = false;
			ntables++;
			continue;
		}
		if (ntables == 0) {
			st.rc = fd_error_set(err, -EBADMSG,
			    "line %zu: expected a route table header", nlines);
			break;
		}
		if (junos_starts(s, "Prefix ") &&
		    strstr(s, "Nexthop") != NULL) {
			st.rc = fd_error_set(err, -EBADMSG, "line %zu: this "
			    "is advertising/receive-protocol output", nlines);
			break;
		}
		if (strstr(s, " entry, ") != NULL ||
		    strstr(s, " entries, ") != NULL ||
		    junos_starts(s, "TSI:")) {
			st.rc = fd_error_set(err, -EPROTONOSUPPORT,
			    "line %zu: detail/extensive output is not read; "
			    "ask for | display json", nlines);
			break;
		}
		/* A destination line starts in the first column of the block,
		 * with a prefix; an entry or next hop line is indented. */
		if (*s != '[' && *s != '*' && *s != '+' && *s != '-' &&
		    *s != '>') {
			i = strcspn(s, " \t");
			snprintf(first, sizeof(first), "%.*s", (int)i, s);
			rest = junos_skip_ws(s + i);
			if (strchr(first, '/') != NULL &&
			    (*rest == '\0' || *rest == '[' || *rest == '*' ||
			    *rest == '+' || *rest == '-')) {
				rt_flush(&st);
				st.have_dest = prefix_parse(first, &st.dest,
				    NULL) == 0;
				if (*rest == '\0')
					continue;	/* wrapped prefix */
				if (st.have_dest && !rt_entry(&st, rest)) {
					st.rc = fd_error_set(err, -EBADMSG,
					    "line %zu: bad route entry",
					    nlines);
					break;
				}
				continue;
			}
		}
		if (!st.have_dest)
			continue;	/* rows of a destination we skip */
		if (*s == '[' || ((*s == '*' || *s == '+' || *s == '-') &&
		    s[1] == '[')) {
			if (!rt_entry(&st, s)) {
				st.rc = fd_error_set(err, -EBADMSG,
				    "line %zu: bad route entry", nlines);
				break;
			}
			continue;
		}
		if (!st.have_route)
			continue;
		if (junos_starts(s, "AS path:")) {
			st.cur.as_path_cut = !junos_as_path_clean(s,
			    st.cur.as_path, sizeof(st.cur.as_path)) || it.cut;
			continue;
		}
		if (rt_is_nh_keyword(s))
			continue;
		if (rt_nexthop(&st.cur, s) < 0) {
			st.rc = fd_error_set(err, -EBADMSG,
			    "line %zu: bad next hop '%.60s'", nlines, s);
			break;
		}
	}
	rt_flush(&st);
	if (st.rc == 0 && ntables == 0)
		st.rc = fd_error_set(err, -EBADMSG, "no route table in output");
	for (i = 0; st.rc == 0 && i < st.tmp.n; i++)
		st.rc = route_set_add(out, &st.tmp.v[i]);
	if (st.rc == -ENOMEM)
		fd_error_set(err, -ENOMEM, "out of memory");
	route_set_done(&st.tmp);
	return st.rc;
}

/* ------------------------------------------ advertising/receive-protocol */

struct bgpcols {
	size_t med_rel;		/* MED column, relative to Nexthop column */
	size_t lp_width;	/* Lclpref column minus MED column */
};

/* Columns of one row: next hop, MED, local-pref, the AS path's ASNs. */
#define BGPRT_TOK_MAX 512

static int
bgprt_row(struct bgpcols *cols, const char *table, const struct fd_prefix *pfx,
    bool active, char *line, size_t base, struct route *r)
{
	char *tok[BGPRT_TOK_MAX];
	size_t col[BGPRT_TOK_MAX], n, i, o, group_start, nh_end, medcol, lpcol;
	long long v;

	n = junos_split(line, tok, col, BGPRT_TOK_MAX);
	if (n < 2)
		return -1;
	route_init(r);
	r->prefix = *pfx;
	r->active = active;
	snprintf(r->table, sizeof(r->table), "%s", table);
	snprintf(r->protocol, sizeof(r->protocol), "BGP");
	if (strcmp(tok[0], "Self") != 0) {
		if (addr_parse(tok[0], &r->nh[0].addr, NULL) < 0)
			return -1;
		r->nh[0].selected = true;
		r->n_nh = 1;
	}
	/* The AS path is the last run of single-space separated tokens;
	 * columns are separated by two or more spaces (FORMATS.md 2.1). */
	group_start = n - 1;
	while (group_start > 1 && col[group_start] - col[group_start - 1] ==
	    strlen(tok[group_start - 1]) + 1)
		group_start--;
	if (group_start < 1)
		return -1;
	/* A row with more tokens than fit was cut: so is its AS path. */
	r->as_path_cut = n == BGPRT_TOK_MAX;
	for (i = group_start, o = 0; i < n && !r->as_path_cut; i++) {
		o += (size_t)snprintf(r->as_path + o, sizeof(r->as_path) - o,
		    "%s%s", i > group_start ? " " : "", tok[i]);
		if (o >= sizeof(r->as_path)) {
			r->as_path[sizeof(r->as_path) - 1] = '\0';
			r->as_path_cut = true;
		}
	}
	/* Numbers between the next hop and the AS path: MED and Lclpref,
	 * either may be blank.  Give a lone number to the nearer column. */
	nh_end = base + col[0] + strlen(tok[0]);
	medcol = base + col[0] + cols->med_rel;
	if (medcol < nh_end + 1)
		medcol = nh_end + 1;
	lpcol = medcol + cols->lp_width;
	if (group_start - 1 > 2)
		return -1;
	for (i = 1; i < group_start; i++) {
		size_t c = base + col[i];
		size_t dm = c > medcol ? c - medcol : medcol - c;
		size_t dl = c > lpcol ? c - lpcol : lpcol - c;

		if (!junos_ll(tok[i], &v))
			return -1;
		if (group_start - 1 == 2)
			*(i == 1 ? &r->med : &r->local_pref) = v;
		else if (dm < dl)
			r->med = v;
		else
			r->local_pref = v;
	}
	return 0;
}

int
junos_text_bgp_routes(const char *buf, size_t len, struct route_set *out,
    struct fd_error *err)
{
	struct junos_lines it;
	struct route_set tmp;
	struct bgpcols cols = { 21, 8 };
	struct fd_prefix pending;
	struct route r;
	char table[ROUTE_TABLE_MAX] = "";
	bool have_pending = false, have_header = false, pending_active = false;
	size_t nlines = 0, i;
	int rc = 0;

	route_set_init(&tmp);
	junos_lines_init(&it, buf, len);
	while (rc == 0 && junos_lines_next(&it)) {
		const char *s = junos_skip_ws(it.line);
		size_t base = (size_t)(s - it.line);
		char row[JUNOS_LINE_MAX], *tok[2];
		bool active = false;
		const char *p;

		nlines++;
		if (*s == '\0' || text_is_echo(s) || junos_is_prompt(s))
			continue;
		if (text_table_header(s, table, sizeof(table))) {
			have_pending = false;
			continue;
		}
		if (junos_starts(s, "Prefix ")) {
			const char *nh = strstr(s, "Nexthop");
			const char *med = strstr(s, "MED");
			const char *lp = strstr(s, "Lclpref");

			if (nh != NULL && med > nh && lp > med) {
				cols.med_rel = (size_t)(med - nh);
				cols.lp_width = (size_t)(lp - med);
			}
			have_header = true;
			continue;
		}
		if (strstr(s, " announced)") != NULL) {
			rc = fd_error_set(err, -EPROTONOSUPPORT, "line %zu: "
			    "detail output is not read", nlines);
			break;
		}
		if (!have_header || table[0] == '\0') {
			rc = fd_error_set(err, -EBADMSG, "line %zu: expected "
			    "a table header and a Prefix/Nexthop header",
			    nlines);
			break;
		}
		p = s;
		if (*p == '*' && (p[1] == ' ' || p[1] == '\0')) {
			active = true;
			p = junos_skip_ws(p + 1);
		}
		snprintf(row, sizeof(row), "%s", p);
		if (junos_split(row, tok, NULL, 2) == 1 &&
		    strchr(tok[0], '/') != NULL) {
			/* Wrapped prefix alone on its line; the flag and
			 * columns follow on the next line. */
			if (prefix_parse(tok[0], &pending, NULL) < 0) {
				rc = fd_error_set(err, -EBADMSG, "line %zu: "
				    "bad prefix %.60s", nlines, tok[0]);
				break;
			}
			have_pending = true;
			pending_active = active;
			continue;
		}
		snprintf(row, sizeof(row), "%s", p);
		if (have_pending) {
			rc = bgprt_row(&cols, table, &pending,
			    active || pending_active, row,
			    base + (size_t)(p - s), &r);
			have_pending = false;
		} else {
			struct fd_prefix pfx;
			size_t k = strcspn(row, " \t");

			row[k] = '\0';
			if (prefix_parse(row, &pfx, NULL) < 0) {
				rc = fd_error_set(err, -EBADMSG, "line %zu: "
				    "bad prefix %.60s", nlines, row);
				break;
			}
			p = junos_skip_ws(p + k);
			snprintf(row, sizeof(row), "%s", p);
			rc = bgprt_row(&cols, table, &pfx, active, row,
			    base + (size_t)(p - s), &r);
		}
		if (rc < 0) {
			rc = fd_error_set(err, -EBADMSG, "line %zu: bad row",
			    nlines);
			break;
		}
		if (it.cut)
			r.as_path_cut = true;
		rc = route_set_add(&tmp, &r);
	}
	if (rc == 0 && !have_header)
		rc = fd_error_set(err, -EBADMSG, "no Prefix/Nexthop header");
	for (i = 0; rc == 0 && i < tmp.n; i++)
		rc = route_set_add(out, &tmp.v[i]);
	if (rc == -ENOMEM)
		fd_error_set(err, rc, "out of memory");
	route_set_done(&tmp);
	return rc;
}

/* --------------------------------------------------------- bgp summary */

/* "65000" or asdot "64512.1" (RFC 5396: high.low = high * 65536 + low),
 * as Junos prints 4-byte ASNs under "set routing-options
 * autonomous-system ... asdot-notation". */
static bool
junos_asn(const char *t, long long *out)
{
	char hi[16], *dot = strchr(t, '.');
	long long h, l;

	if (dot == NULL)
		return junos_ll(t, out) && *out <= 4294967295LL;
	if (dot - t >= (ptrdiff_t)sizeof(hi))
		return false;
	snprintf(hi, sizeof(hi), "%.*s", (int)(dot - t), t);
	if (!junos_ll(hi, &h) || !junos_ll(dot + 1, &l) || h > 65535 ||
	    l > 65535)
		return false;
	*out = h * 65536 + l;
	return true;
}

static void
bgp_rib_counts(struct bgp_peer *p, const char *counts)
{
	long long v[4] = { -1, -1, -1, -1 };

	if (sscanf(counts, "%lld/%lld/%lld/%lld", &v[0], &v[1], &v[2],
	    &v[3]) != 4)
		return;
	p->active = v[0];
	p->received = v[1];
	p->accepted = v[2];
}

int
junos_text_bgp_summary(const char *buf, size_t len, struct bgp_summary *out,
    struct fd_error *err)
{
	struct junos_lines it;
	struct bgp_summary tmp;
	struct bgp_peer cur;
	bool have_header = false, have_peer = false, have_rib = false;
	size_t nlines = 0, i;
	int rc = 0;

	bgp_summary_init(&tmp);
	junos_lines_init(&it, buf, len);
	while (rc == 0 && junos_lines_next(&it)) {
		const char *s = junos_skip_ws(it.line);
		char row[JUNOS_LINE_MAX], *tok[32];
		size_t n, k;
		long long v;

		nlines++;
		if (*s == '\0' || junos_is_prompt(s) || text_is_echo(s))
			continue;
		if (junos_starts(s, "Peer ") && strstr(s, " AS ") != NULL) {
			have_header = true;
			continue;
		}
		if (!have_header)
			continue;	/* Threading mode, Groups, Table ... */
		snprintf(row, sizeof(row), "%s", s);
		n = junos_split(row, tok, NULL, 32);
		/* "  inet.0: 682/684/684/0" under the peer. */
		if (n == 2 && tok[0][strlen(tok[0]) - 1] == ':' &&
		    strchr(tok[1], '/') != NULL) {
			if (!have_peer) {
				rc = fd_error_set(err, -EBADMSG, "line %zu: "
				    "RIB line before any peer", nlines);
				break;
			}
			if (!have_rib) {
				tok[0][strlen(tok[0]) - 1] = '\0';
				junos_table_instance(tok[0], cur.instance,
				    sizeof(cur.instance));
				bgp_rib_counts(&cur, tok[1]);
				have_rib = true;
			}
			continue;
		}
		if (have_peer) {
			rc = bgp_summary_add(&tmp, &cur);
			have_peer = false;
			if (rc < 0)
				break;
		}
		bgp_peer_init(&cur);
		have_rib = false;
		if (n < 8 || addr_parse(tok[0], &cur.addr, NULL) < 0 ||
		    !junos_asn(tok[1], &cur.peer_as)) {
			rc = fd_error_set(err, -EBADMSG, "line %zu: not a peer "
			    "row: '%.60s'", nlines, s);
			break;
		}
		if (junos_ll(tok[5], &v))
			cur.flaps = v;
		/* Last Up/Dwn: "3w2d 4:19:15" (two tokens), "4:05", "9". */
		k = 6;
		{
			char age[64];

			if (strpbrk(tok[k], "wd") != NULL && k + 1 < n) {
				snprintf(age, sizeof(age), "%s %s", tok[k],
				    tok[k + 1]);
				k += 2;
			} else {
				snprintf(age, sizeof(age), "%s", tok[k]);
				k++;
			}
			if (k >= n) {
				rc = fd_error_set(err, -EBADMSG, "line %zu: no "
				    "state", nlines);
				break;
			}
			v = junos_age_parse(age);
		}
		if (isdigit((unsigned char)tok[k][0]) &&
		    strchr(tok[k], '/') != NULL) {
			/* Inline counts mean Established (FORMATS.md 2.3). */
			snprintf(cur.state, sizeof(cur.state), "Established");
			bgp_rib_counts(&cur, tok[k]);
			have_rib = true;
		} else if (strcmp(tok[k], "Establ") == 0) {
			snprintf(cur.state, sizeof(cur.state), "Established");
		} else {
			snprintf(cur.state, sizeof(cur.state), "%s", tok[k]);
		}
		if (bgp_peer_established(&cur))
			cur.uptime_s = v;
		have_peer = true;
	}
	if (rc == 0 && have_peer)
		rc = bgp_summary_add(&tmp, &cur);
	if (rc == 0 && !have_header)
		rc = fd_error_set(err, -EBADMSG, "no Peer header in output");
	for (i = 0; rc == 0 && i < tmp.n; i++)
		rc = bgp_summary_add(out, &tmp.v[i]);
	if (rc == -ENOMEM)
		fd_error_set(err, rc, "out of memory");
	bgp_summary_done(&tmp);
	return rc;
}

/* ------------------------------------------------------- bgp neighbor */

/* Value after "key" in s, up to the next run of 2 spaces; "" if absent. */
static bool
kv(const char *s, const char *key, char *out, size_t len)
{
	const char *p = s, *end;

	for (;;) {
		p = strstr(p, key);
		if (p == NULL)
			return false;
		/* "State:" must not match inside "Last State:". */
		if ((p == s || p[-1] == ' ') &&
		    !(p - s >= 5 && strncmp(p - 5, "Last ", 5) == 0))
			break;
		p += strlen(key);
	}
	p = junos_skip_ws(p + strlen(key));
	end = strstr(p, "  ");
	if (end == NULL)
		end = p + strlen(p);
	snprintf(out, len, "%.*s", (int)(end - p), p);
	return true;
}

int
junos_text_bgp_neighbor(const char *buf, size_t len, struct bgp_summary *out,
    struct fd_error *err)
{
	struct junos_lines it;
	struct bgp_summary tmp;
	struct bgp_peer cur;
	bool have_peer = false;
	int tables = 0, rc = 0;
	size_t i, nlines = 0;

	bgp_summary_init(&tmp);
	junos_lines_init(&it, buf, len);
	while (rc == 0 && junos_lines_next(&it)) {
		const char *s = junos_skip_ws(it.line);
		char v[128], *tok[8], row[JUNOS_LINE_MAX];
		long long n;

		nlines++;
		if (junos_starts(s, "Peer: ")) {
			if (have_peer && (rc = bgp_summary_add(&tmp, &cur)) < 0)
				break;
			bgp_peer_init(&cur);
			have_peer = true;
			tables = 0;
			snprintf(row, sizeof(row), "%s", s);
			if (junos_split(row, tok, NULL, 8) < 4 ||
			    strcmp(tok[2], "AS") != 0 ||
			    !junos_ll(tok[3], &cur.peer_as)) {
				rc = fd_error_set(err, -EBADMSG,
				    "line %zu: bad Peer line", nlines);
				break;
			}
			/* "10.169.14.240+60606": the port shows while up. */
			tok[1][strcspn(tok[1], "+")] = '\0';
			if (addr_parse(tok[1], &cur.addr, NULL) < 0) {
				rc = fd_error_set(err, -EBADMSG,
				    "line %zu: bad peer address", nlines);
				break;
			}
			continue;
		}
		if (!have_peer)
			continue;
		if (kv(s, "Routing-Instance:", v, sizeof(v)))
			snprintf(cur.instance, sizeof(cur.instance), "%s",
			    strcmp(v, "master") == 0 ? "" : v);
		if (junos_starts(s, "Type:") && kv(s, "State:", v, sizeof(v))) {
			v[strcspn(v, " (")] = '\0';
			snprintf(cur.state, sizeof(cur.state), "%s", v);
		}
		if (kv(s, "Number of flaps:", v, sizeof(v)) && junos_ll(v, &n))
			cur.flaps = n;
		if (junos_starts(s, "Table "))
			tables++;
		/* Counts of the first table (inet.0 or the VRF's). */
		if (tables != 1)
			continue;
		if (kv(s, "Active prefixes:", v, sizeof(v)) && junos_ll(v, &n))
			cur.active = n;
		else if (kv(s, "Received prefixes:", v, sizeof(v)) &&
		    junos_ll(v, &n))
			cur.received = n;
		else if (kv(s, "Accepted prefixes:", v, sizeof(v)) &&
		    junos_ll(v, &n))
			cur.accepted = n;
		else if (kv(s, "Advertised prefixes:", v, sizeof(v)) &&
		    junos_ll(v, &n))
			cur.advertised = n;
	}
	if (rc == 0 && have_peer)
		rc = bgp_summary_add(&tmp, &cur);
	if (rc == 0 && tmp.n == 0)
		rc = fd_error_set(err, -EBADMSG, "no Peer: block in output");
	for (i = 0; rc == 0 && i < tmp.n; i++)
		rc = bgp_summary_add(out, &tmp.v[i]);
	if (rc == -ENOMEM)
		fd_error_set(err, rc, "out of memory");
	bgp_summary_done(&tmp);
	return rc;
}

/* ------------------------------------------------------------ version */

/* "node0:" heading a node's section on an SRX chassis cluster. */
static bool
text_node_heading(const char *s, char *node, size_t len)
{
	size_t n = strlen(s);

	if (!junos_starts(s, "node") || n < 6 || s[n - 1] != ':' ||
	    strspn(s + 4, "0123456789") != n - 5)
		return false;
	snprintf(node, len, "%.*s", (int)(n - 1), s);
	return true;
}

/*
 * Hostname/Model/Junos lines; on a chassis cluster one section per node
 * ("node0:", a dashed line, the fields), the local node first.  Fields are
 * read from the first section; every node's Junos line goes to nodes.
 */
int
junos_text_version(const char *buf, size_t len, struct device_info *out,
    struct fd_error *err)
{
	struct junos_lines it;
	struct device_info info;
	char v[128], node[32] = "";
	int sections = 0;
	size_t o = 0;

	memset(&info, 0, sizeof(info));
	junos_status_trim(&buf, &len);
	junos_lines_init(&it, buf, len);
	while (junos_lines_next(&it)) {
		const char *s = junos_skip_ws(it.line);

		if (text_node_heading(s, node, sizeof(node))) {
			sections++;
			continue;
		}
		if (sections > 1 && !junos_starts(s, "Junos:"))
			continue;
		if (junos_starts(s, "Hostname:") && kv(s, "Hostname:", v,
		    sizeof(v)))
			snprintf(info.hostname, sizeof(info.hostname), "%s", v);
		else if (junos_starts(s, "Model:") && kv(s, "Model:", v,
		    sizeof(v)))
			snprintf(info.model, sizeof(info.model), "%s", v);
		else if (junos_starts(s, "Junos:") && kv(s, "Junos:", v,
		    sizeof(v))) {
			if (sections <= 1 && info.version[0] == '\0')
				snprintf(info.version, sizeof(info.version),
				    "%s", v);
			if (sections > 0)
				o += (size_t)snprintf(info.nodes + o,
				    o < sizeof(info.nodes) ?
				    sizeof(info.nodes) - o : 0, "%s%s %s",
				    o ? ", " : "", node, v);
		}
	}
	if (info.version[0] == '\0')
		return fd_error_set(err, -EBADMSG,
		    "no 'Junos:' line in show version");
	*out = info;
	return 0;
}
