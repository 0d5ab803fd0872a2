/* Importers of Linux/BSD/macOS traceroute and iputils tracepath; see
 * import.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import_priv.h"

/* ------------------------------------------------- Linux / BSD traceroute */

/*
 * One grammar for Linux traceroute 2.x (inline ECMP: a new "name (addr)"
 * before the RTTs it answered, FORMATS.md §6.1) and the BSD/macOS LBL code
 * (ECMP on continuation lines, §6.2), old traceroute6 and the odd variants
 * of the samples.
 */
static int
parse_traceroute(const char *buf, size_t len, struct hop_list *out,
    struct fd_error *err)
{
	struct imp_text t;
	struct hop_list *l;
	unsigned ttl = 0, max_probes = 0;
	bool in_hop = false, interrupted = false;
	size_t li;
	int rc;

	rc = imp_text_split(buf, len, &t);
	l = hop_list_new();
	if (rc < 0 || l == NULL) {
		rc = fd_error_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	for (li = 0; li < t.n; li++) {
		char *line = t.lines[li], *tok[MAX_TOKENS];
		size_t n, i = 0;
		struct imp_cur c;
		struct hop *h;
		bool indented = imp_is_space((unsigned char)line[0]);

		if (strstr(line, "^C") != NULL)
			interrupted = true;
		n = imp_tokenize(line, tok);
		if (n == 0)
			continue;
		if ((strcmp(tok[0], "traceroute") == 0 ||
		    strcmp(tok[0], "traceroute6") == 0) && n > 1 &&
		    strcmp(tok[1], "to") == 0) {
			size_t k;

			/* Header: "traceroute to NAME (ADDR)[ from S], ..." */
			for (k = 2; k < n && k < 5; k++) {
				if (imp_paren_addr(tok[k], &l->target))
					break;
				if (k == 2 && imp_addr_tok(tok[k],
				    &l->target))
					break;
			}
			continue;
		}
		if (imp_all_digits(tok[0]) && n > 1) {
			ttl = (unsigned)strtoul(tok[0], NULL, 10);
			i = 1;
			in_hop = ttl >= 1 && ttl <= 255;
			if (!in_hop)
				continue;	/* "0 -  *  *  *" */
		} else if (!(indented && in_hop)) {
			in_hop = false;	/* warnings, prompts, footers */
			continue;
		}
		memset(&c, 0, sizeof(c));
		for (; i < n; i++) {
			const char *s = tok[i];
			struct fd_addr a;
			double rtt;

			if (strcmp(s, "*") == 0 || imp_starts_with(s, "*^C")) {
				rc = imp_add_probe(l, ttl, NULL, -1, NULL);
			} else if (strcmp(s, "^C") == 0 || s[0] == '[' ||
			    (s[0] == '<' && s[strlen(s) - 1] == '>') ||
			    s[0] == '\'' || strcmp(s, "-") == 0 ||
			    imp_starts_with(s, "(ecn=") ||
			    (s[0] == '(' && strchr(s, '%') != NULL) ||
			    strcmp(s, "loss)") == 0) {
				continue;	/* AS path, MPLS, ecn, loss */
			} else if (s[0] == '!') {
				imp_flag_last(l, ttl, s);
				continue;
			} else if (imp_float(s, &rtt) && i + 1 < n &&
			    strcmp(tok[i + 1], "ms") == 0) {
				i++;
				rc = imp_add_probe(l, ttl, &c, rtt, NULL);
			} else if (imp_ms_glued(s, &rtt)) {
				rc = imp_add_probe(l, ttl, &c, rtt, NULL);
			} else if (i + 1 < n && imp_bracketed(tok[i + 1],
			    '(', ')', &a)) {
				imp_cur_set(&c, &a, s);
				i++;
				continue;
			} else if (imp_addr_tok(s, &a)) {
				imp_cur_set(&c, &a, NULL);
				continue;
			} else if (imp_bracketed(s, '(', ')', &a)) {
				imp_cur_set(&c, &a, NULL);
				continue;
			} else {
				/* A bare name. */
				imp_cur_set(&c, NULL, s);
				continue;
			}
			if (rc < 0) {
				rc = imp_full(err, "traceroute", rc);
				goto out;
			}
		}
		h = hop_list_get(l, ttl);
		if (h != NULL && h->n_probes > max_probes && !interrupted)
			max_probes = h->n_probes;
	}
	/* Output cut in mid-hop: a last line without its newline and with
	 * fewer probes than the other hops, or a ^C. */
	if (l->n > 0) {
		const struct hop *last = &l->hops[l->n - 1];

		if (interrupted || (!t.last_nl && last->n_probes < max_probes))
			l->truncated = true;
	}
	rc = imp_finish(l, "traceroute", err);
	if (rc == 0)
		*out = *l;
out:
	hop_list_free(l);
	imp_text_free(&t);
	return rc;
}

/* ---------------------------------------------------------------- tracepath */

bool
imp_tracepath_ttl(const char *s, unsigned *ttl)
{
	char num[8];
	size_t n = strlen(s), d = 0;

	while (d < n && isdigit((unsigned char)s[d]))
		d++;
	if (d == 0 || d >= sizeof(num))
		return false;
	if (!(strcmp(s + d, ":") == 0 || strcmp(s + d, "?:") == 0))
		return false;
	memcpy(num, s, d);
	num[d] = '\0';
	*ttl = (unsigned)strtoul(num, NULL, 10);
	return *ttl >= 1 && *ttl <= 255;
}

static int
parse_tracepath(const char *buf, size_t len, struct hop_list *out,
    struct fd_error *err)
{
	struct imp_text t;
	struct hop_list *l;
	bool reached = false;
	size_t li;
	int rc;

	rc = imp_text_split(buf, len, &t);
	l = hop_list_new();
	if (rc < 0 || l == NULL) {
		rc = fd_error_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	for (li = 0; li < t.n; li++) {
		char *tok[MAX_TOKENS];
		size_t n = imp_tokenize(t.lines[li], tok), i;
		unsigned ttl;
		struct imp_cur c;
		struct fd_addr a;
		double rtt = -1;
		const char *flag = NULL;
		bool this_reached = false;

		if (n < 2 || !imp_tracepath_ttl(tok[0], &ttl) ||
		    strcmp(tok[1], "[LOCALHOST]") == 0)
			continue;
		if (strcmp(tok[1], "no") == 0 && n > 2 &&
		    strcmp(tok[2], "reply") == 0) {
			rc = imp_add_probe(l, ttl, NULL, -1, NULL);
			if (rc < 0)
				goto full_;
			continue;
		}
		i = 2;
		if (n > 2 && imp_bracketed(tok[2], '(', ')', &a)) {
			/* -b: name (addr) */
			imp_cur_set(&c, &a, tok[1]);
			i = 3;
		} else if (imp_addr_tok(tok[1], &a)) {
			imp_cur_set(&c, &a, NULL);
		} else {
			imp_cur_set(&c, NULL, tok[1]);
		}
		for (; i < n; i++) {
			if (strcmp(tok[i], "asymm") == 0 ||
			    strcmp(tok[i], "pmtu") == 0) {
				i++;
			} else if (strcmp(tok[i], "reached") == 0) {
				this_reached = true;
			} else if (tok[i][0] == '!') {
				flag = tok[i];
			} else {
				imp_ms_glued(tok[i], &rtt);
			}
		}
		rc = imp_add_probe(l, ttl, &c, rtt, flag);
		if (rc < 0)
			goto full_;
		if (this_reached) {
			reached = true;
			if (addr_is_set(&c.addr))
				l->target = c.addr;
		}
	}
	rc = imp_finish(l, "tracepath", err);
	if (rc == 0) {
		if (reached && !addr_is_set(&l->target))
			l->reached = true;	/* reached a name */
		*out = *l;
	}
	goto out;
full_:
	rc = imp_full(err, "tracepath", rc);
out:
	hop_list_free(l);
	imp_text_free(&t);
	return rc;
}

const struct trace_format import_fmt_traceroute = {
	"traceroute", "Linux, BSD and macOS traceroute/traceroute6",
	parse_traceroute,
};

const struct trace_format import_fmt_tracepath = {
	"tracepath", "iputils tracepath/tracepath6", parse_tracepath,
};
