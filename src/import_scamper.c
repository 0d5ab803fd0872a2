/* Importer of scamper JSON (trace, tracelb); see import.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "import_priv.h"

/* ----------------------------------------------------------- scamper JSON */

/* icmp_type/icmp_code are raw numbers of the address family (FORMATS.md
 * §6.9): an unreachable other than "port" becomes a flag. */
static void
scamper_flag(int family, int type, int code, char *flag, size_t len)
{
	flag[0] = '\0';
	if (family == AF_INET && type == 3 && code != 3) {
		const char *f = code == 0 ? "!N" : code == 1 ? "!H" :
		    code == 2 ? "!P" : code == 13 ? "!X" : NULL;

		if (f != NULL)
			snprintf(flag, len, "%s", f);
		else
			snprintf(flag, len, "!%d", code);
	} else if (family == AF_INET6 && type == 1 && code != 4) {
		const char *f = code == 0 ? "!N" : code == 1 ? "!X" :
		    code == 3 ? "!H" : NULL;

		if (f != NULL)
			snprintf(flag, len, "%s", f);
		else
			snprintf(flag, len, "!%d", code);
	}
}

static const char *
json_str(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int
scamper_trace(const json_t *tr, struct hop_list *l)
{
	const json_t *hops = json_object_get(tr, "hops"), *h;
	double d, first = 1, count = 0;
	unsigned ttl;
	size_t i;
	int rc;

	imp_json_num(json_object_get(tr, "firsthop"), &first);
	imp_json_num(json_object_get(tr, "hop_count"), &count);
	json_array_foreach(hops, i, h) {
		struct fd_addr a;
		struct imp_cur c;
		double rtt = -1, type = -1, code = -1;
		char flag[8];
		const char *s = json_str(h, "addr");

		if (!imp_json_num(json_object_get(h, "probe_ttl"), &d) ||
		    d < 1 || d > 255 || s == NULL || !imp_addr_tok(s, &a))
			return -EBADMSG;
		imp_cur_set(&c, &a, json_str(h, "name"));
		imp_json_num(json_object_get(h, "rtt"), &rtt);
		imp_json_num(json_object_get(h, "icmp_type"), &type);
		imp_json_num(json_object_get(h, "icmp_code"), &code);
		scamper_flag(a.family, (int)type, (int)code, flag,
		    sizeof(flag));
		rc = imp_add_probe(l, (unsigned)d, &c, rtt, flag);
		if (rc < 0)
			return rc;
		if (d > count)
			count = d;
	}
	/* TTLs that got no reply are simply missing from hops[]. */
	if (first < 1)
		first = 1;
	for (ttl = (unsigned)first; ttl <= (unsigned)count && ttl <= 255;
	    ttl++) {
		if (hop_list_get(l, ttl) != NULL)
			continue;
		rc = imp_add_probe(l, ttl, NULL, -1, NULL);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static const char *
scamper_node_name(const json_t *nodes, const char *addr)
{
	const json_t *n;
	size_t i;

	json_array_foreach(nodes, i, n) {
		const char *a = json_str(n, "addr");

		if (a != NULL && strcmp(a, addr) == 0)
			return json_str(n, "name");
	}
	return NULL;
}

/* tracelb (MDA): a graph.  A node's links carry the probes sent to reach
 * the next node, with their TTL and replies. */
static int
scamper_tracelb(const json_t *tr, struct hop_list *l)
{
	const json_t *nodes = json_object_get(tr, "nodes"), *n;
	double first = 1;
	size_t i;
	int rc;

	imp_json_num(json_object_get(tr, "firsthop"), &first);
	json_array_foreach(nodes, i, n) {
		const json_t *links = json_object_get(n, "links"), *set;
		size_t j;
		struct fd_addr a;
		struct imp_cur c;
		const char *s = json_str(n, "addr");

		if (i == 0 && s != NULL && imp_addr_tok(s, &a) &&
		    first >= 1 && first <= 255) {
			imp_cur_set(&c, &a, json_str(n, "name"));
			rc = imp_add_probe(l, (unsigned)first, &c, -1, NULL);
			if (rc < 0)
				return rc;
		}
		json_array_foreach(links, j, set) {
			const json_t *link;
			size_t k;

			json_array_foreach(set, k, link) {
				const json_t *probes, *p;
				size_t m;

				s = json_str(link, "addr");
				if (s == NULL || !imp_addr_tok(s, &a))
					continue;
				imp_cur_set(&c, &a,
				    scamper_node_name(nodes, s));
				probes = json_object_get(link, "probes");
				json_array_foreach(probes, m, p) {
					const json_t *r = json_array_get(
					    json_object_get(p, "replies"), 0);
					double ttl, rtt = -1;

					if (!imp_json_num(json_object_get(p,
					    "ttl"), &ttl) || ttl < 1 ||
					    ttl > 255)
						continue;
					imp_json_num(json_object_get(r, "rtt"),
					    &rtt);
					rc = r != NULL ?
					    imp_add_probe(l, (unsigned)ttl, &c,
					    rtt, NULL) :
					    imp_add_probe(l, (unsigned)ttl,
					    NULL, -1, NULL);
					if (rc < 0)
						return rc;
				}
			}
		}
	}
	return 0;
}

static int
parse_scamper(const char *buf, size_t len, struct hop_list *out,
    struct fd_error *err)
{
	struct hop_list *l;
	size_t off = 0, lineno = 0;
	int rc = -ENODATA;

	l = hop_list_new();
	if (l == NULL)
		return fd_error_set(err, -ENOMEM, "out of memory");
	/* JSON Lines: the first trace or tracelb record is imported; other
	 * types (cycle-start, M-Lab metadata ...) are skipped. */
	while (off < len && rc == -ENODATA) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t n = nl != NULL ? (size_t)(nl - (buf + off)) : len - off;
		json_t *o = json_loadb(buf + off, n, 0, NULL);
		const char *type = json_str(o, "type");

		lineno++;
		if (type != NULL && (strcmp(type, "trace") == 0 ||
		    strcmp(type, "tracelb") == 0)) {
			imp_json_target(json_object_get(o, "dst"), l);
			rc = strcmp(type, "trace") == 0 ?
			    scamper_trace(o, l) : scamper_tracelb(o, l);
			if (rc == -EBADMSG)
				fd_error_set(err, rc, "scamper: line %zu: bad "
				    "hop", lineno);
			else if (rc < 0)
				imp_full(err, "scamper", rc);
		}
		json_decref(o);
		off += n + 1;
	}
	if (rc == -ENODATA)
		rc = fd_error_set(err, -ENODATA, "scamper: no trace record");
	if (rc == 0)
		rc = imp_finish(l, "scamper", err);
	if (rc == 0)
		*out = *l;
	hop_list_free(l);
	return rc;
}

const struct trace_format import_fmt_scamper = {
	"scamper-json", "scamper JSON (Lines): trace, tracelb", parse_scamper,
};
