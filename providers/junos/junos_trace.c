/*
 * Junos traceroute text (FORMATS.md 5.1, 5.3).  Junos traceroute is the
 * FreeBSD/LBL program: "N  addr  rtt ms  rtt ms  rtt ms", "*" for a
 * timeout, "name (addr)" without no-resolve, and stderr fragments
 * ("traceroute: sendto: ...") interleaved with the probes.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "junos_parse.h"
#include "junos_priv.h"

/* Cut every "traceroute: ..." fragment (to the end of the line) out of
 * s: a "*" glued before one is still a timeout (FORMATS.md 5.1). */
static void
trace_strip_noise(char *s)
{
	char *p = strstr(s, "traceroute: ");

	if (p != NULL)
		*p = '\0';
}

static bool
trace_is_flag(const char *t)
{
	return t[0] == '!';
}

static bool
trace_rtt(const char *t, double *out)
{
	char *end;
	double v;

	if (!isdigit((unsigned char)t[0]))
		return false;
	v = strtod(t, &end);
	if (*end != '\0' && strcmp(end, "ms") != 0)
		return false;
	*out = v;
	return true;
}

int
junos_text_traceroute(const char *buf, size_t len, struct hop_list *out,
    struct fd_error *err)
{
	struct junos_lines it;
	struct hop_list *tmp;
	struct fd_addr cur;
	char name[HOP_NAME_MAX];
	unsigned ttl = 0;
	size_t nlines = 0;
	bool header = false;
	int rc = 0;

	tmp = hop_list_new();
	if (tmp == NULL)
		return fd_error_set(err, -ENOMEM, "out of memory");
	*tmp = *out;
	snprintf(tmp->source, sizeof(tmp->source), "junos");
	/* "{primary:node0}" after the output (issue 10). */
	junos_status_trim(&buf, &len);
	junos_lines_init(&it, buf, len);
	while (rc == 0 && junos_lines_next(&it)) {
		char *tok[64], *s = it.line;
		size_t n, i;
		long long v;

		nlines++;
		s = (char *)junos_skip_ws(s);
		if (junos_starts(s, "traceroute to ")) {
			char *open = strchr(s, '('), *close;

			header = true;
			if (open != NULL &&
			    (close = strchr(open, ')')) != NULL) {
				*close = '\0';
				addr_parse(open + 1, &tmp->target, NULL);
			}
			continue;
		}
		if (junos_starts(s, "traceroute ") ||
		    junos_starts(s, "MPLS ") || junos_is_prompt(s))
			continue;	/* echo, RFC 4950 labels, prompt */
		trace_strip_noise(s);
		n = junos_split(s, tok, NULL, 64);
		if (n == 0)
			continue;
		i = 0;
		if (junos_ll(tok[0], &v)) {
			if (v < 1 || v > 255 || (unsigned)v < ttl) {
				rc = fd_error_set(err, -EBADMSG,
				    "line %zu: bad hop number %lld", nlines,
				    v);
				break;
			}
			ttl = (unsigned)v;
			i = 1;
		} else if (ttl == 0) {
			rc = fd_error_set(err, -EBADMSG, "line %zu: expected a "
			    "hop line, got '%.40s'", nlines, s);
			break;
		}
		/* A line without a hop number continues the previous hop
		 * (ECMP continuation, or probes after a stderr fragment). */
		memset(&cur, 0, sizeof(cur));
		name[0] = '\0';
		for (; rc == 0 && i < n; i++) {
			char *t = tok[i];
			double rtt;

			if (strcmp(t, "*") == 0) {
				rc = hop_list_add_probe(tmp, ttl, NULL, NULL,
				    -1, "");
				continue;
			}
			if (t[0] == '(' && t[strlen(t) - 1] == ')') {
				t[strlen(t) - 1] = '\0';
				t++;
			}
			if (addr_parse(t, &cur, NULL) == 0)
				continue;
			if (trace_rtt(t, &rtt)) {
				const char *flag = "";

				if (!addr_is_set(&cur)) {
					rc = fd_error_set(err, -EBADMSG,
					    "line %zu: time before address",
					    nlines);
					break;
				}
				if (i + 1 < n && strcmp(tok[i + 1], "ms") == 0)
					i++;
				if (i + 1 < n && trace_is_flag(tok[i + 1]))
					flag = tok[++i];
				rc = hop_list_add_probe(tmp, ttl, &cur, name,
				    rtt, flag);
				continue;
			}
			/* A name ("r1", or a reverse name before "(addr)"). */
			snprintf(name, sizeof(name), "%s", t);
		}
		if (rc == -ENOSPC)
			fd_error_set(err, rc, "line %zu: too many hops or "
			    "probes", nlines);
	}
	if (rc == 0 && tmp->n == 0)
		rc = fd_error_set(err, -EBADMSG, "no hops in traceroute%s",
		    header ? "" : " (and no header)");
	if (rc == 0) {
		hop_list_finish(tmp);
		*out = *tmp;
	}
	hop_list_free(tmp);
	return rc;
}

int
junos_text_traceroute_monitor(const char *buf, size_t len,
    struct hop_list *out, struct fd_error *err)
{
	struct junos_lines it;
	struct hop_list *tmp;
	size_t nlines = 0;
	bool header = false;
	int rc = 0;

	tmp = hop_list_new();
	if (tmp == NULL)
		return fd_error_set(err, -ENOMEM, "out of memory");
	*tmp = *out;
	snprintf(tmp->source, sizeof(tmp->source), "junos-monitor");
	/* "{primary:node0}" after the output (issue 10). */
	junos_status_trim(&buf, &len);
	junos_lines_init(&it, buf, len);
	while (rc == 0 && junos_lines_next(&it)) {
		char *tok[16];
		struct fd_addr a;
		long long ttl;
		size_t n;
		double avg;

		nlines++;
		n = junos_split(it.line, tok, NULL, 16);
		if (n == 0)
			continue;
		if (strcmp(tok[0], "HOST:") == 0) {
			header = true;
			continue;
		}
		/* "  1. 10.1.2.185  0.0%  10  0.9  1.7 ..." (FORMATS.md 5.3):
		 * keep one probe per hop with the average RTT. */
		if (!header || n < 2 || tok[0][strlen(tok[0]) - 1] != '.') {
			rc = fd_error_set(err, -EBADMSG, "line %zu: not a "
			    "traceroute monitor row", nlines);
			break;
		}
		tok[0][strlen(tok[0]) - 1] = '\0';
		if (!junos_ll(tok[0], &ttl) || ttl < 1 || ttl > 255) {
			rc = fd_error_set(err, -EBADMSG, "line %zu: bad hop",
			    nlines);
			break;
		}
		if (strcmp(tok[1], "???") == 0) {
			rc = hop_list_add_probe(tmp, (unsigned)ttl, NULL, NULL,
			    -1, "");
		} else if (addr_parse(tok[1], &a, NULL) == 0) {
			avg = n > 5 ? strtod(tok[5], NULL) : -1;
			rc = hop_list_add_probe(tmp, (unsigned)ttl, &a, NULL,
			    avg, "");
		} else {
			rc = fd_error_set(err, -EBADMSG, "line %zu: bad "
			    "address", nlines);
		}
		/* Found by fuzz_junos_text_traceroute_monitor: more than
		 * HOPS_MAX hops failed without saying why. */
		if (rc == -ENOSPC)
			fd_error_set(err, rc, "line %zu: more than %d hops",
			    nlines, HOPS_MAX);
	}
	if (rc == 0 && tmp->n == 0)
		rc = fd_error_set(err, -EBADMSG, "no hops");
	if (rc == 0) {
		hop_list_finish(tmp);
		*out = *tmp;
	}
	hop_list_free(tmp);
	return rc;
}
