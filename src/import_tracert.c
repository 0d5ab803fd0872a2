/* Importer of Windows tracert; see import.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import_priv.h"

/* -------------------------------------------------------- Windows tracert */

/* One RTT cell: "*", "<1 ms", "12 ms", "<1ms", "12ms".  Returns tokens
 * used (0: not a cell); *rtt < 0 for a timeout.  "<1" is stored as 0. */
size_t
imp_tracert_cell(char **tok, size_t n, size_t i, double *rtt)
{
	const char *s;
	double v;

	if (i >= n)
		return 0;
	s = tok[i];
	if (strcmp(s, "*") == 0) {
		*rtt = -1;
		return 1;
	}
	if (s[0] == '<')
		s++;
	if (imp_all_digits(s) && i + 1 < n && strcmp(tok[i + 1], "ms") == 0) {
		*rtt = s != tok[i] ? 0 : strtod(s, NULL);
		return 2;
	}
	if (imp_ms_glued(s, &v) && strchr(s, '.') == NULL) {
		*rtt = s != tok[i] ? 0 : v;
		return 1;
	}
	return 0;
}

static const char *
tracert_flag(char **tok, size_t n, size_t i)
{
	/* "reports: Destination host unreachable." (FORMATS.md §6.4); other
	 * languages translate it, so only English picks the letter. */
	for (; i < n; i++) {
		if (strstr(tok[i], "host") != NULL)
			return "!H";
		if (strstr(tok[i], "net") != NULL)
			return "!N";
		if (strstr(tok[i], "protocol") != NULL)
			return "!P";
	}
	return "!";
}

static int
parse_tracert(const char *buf, size_t len, struct hop_list *out,
    struct fd_error *err)
{
	struct imp_text t;
	struct hop_list *l;
	bool seen_hop = false, have_bracket_target = false;
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
		size_t n = imp_tokenize(t.lines[li], tok), i, k, used;
		double rtt[3];
		unsigned ttl, cells = 0;
		struct imp_cur c;
		struct fd_addr a;
		const char *flag = NULL;

		if (n == 0)
			continue;
		if (!imp_all_digits(tok[0]) ||
		    (used = imp_tracert_cell(tok, n, 1, &rtt[0])) == 0) {
			/* Header, prompt or footer.  Before the hops, an
			 * address in brackets, else a bare one, is the
			 * target: "Tracing route to x [a]", "... to a over
			 * a maximum of 30 hops", in any language. */
			for (k = 0; !seen_hop && k < n; k++) {
				if (imp_bracketed(tok[k], '[', ']', &a)) {
					l->target = a;
					have_bracket_target = true;
				} else if (!have_bracket_target &&
				    imp_addr_tok(tok[k], &a)) {
					l->target = a;
				}
			}
			continue;
		}
		ttl = (unsigned)strtoul(tok[0], NULL, 10);
		if (ttl < 1 || ttl > 255)
			continue;
		seen_hop = true;
		i = 1 + used;
		cells = 1;
		while (cells < 3 && (used = imp_tracert_cell(tok, n, i,
		    &rtt[cells])) > 0) {
			i += used;
			cells++;
		}
		memset(&c, 0, sizeof(c));
		if (i < n) {
			if (imp_addr_tok(tok[i], &a)) {
				imp_cur_set(&c, &a, NULL);
				i++;
			} else if (imp_bracketed(tok[i], '[', ']', &a)) {
				imp_cur_set(&c, &a, NULL);
				i++;
			} else if (i + 1 < n && imp_bracketed(tok[i + 1],
			    '[', ']', &a)) {
				imp_cur_set(&c, &a, tok[i]);
				i += 2;
			}
			/* The rest is "reports: ..." after an address,
			 * or the "Request timed out." message. */
			if (c.set && i < n)
				flag = tracert_flag(tok, n, i);
		}
		if (cells < 3 || (i >= n && !c.set && li + 1 == t.n &&
		    !t.last_nl))
			l->truncated = true;
		for (k = 0; k < cells; k++) {
			if (rtt[k] < 0 || !c.set)
				rc = imp_add_probe(l, ttl, NULL, -1, NULL);
			else
				rc = imp_add_probe(l, ttl, &c, rtt[k], flag);
			if (rc < 0) {
				rc = imp_full(err, "tracert", rc);
				goto out;
			}
		}
		/* "2  192.168.1.1  reports: Destination host unreachable."
		 * has no RTT cell at all; handled by the cell check above
		 * failing, so it is skipped. */
	}
	rc = imp_finish(l, "windows-tracert", err);
	if (rc == 0)
		*out = *l;
out:
	hop_list_free(l);
	imp_text_free(&t);
	return rc;
}

const struct trace_format import_fmt_tracert = {
	"tracert", "Windows tracert (any language)", parse_tracert,
};
