/*
 * Trace importers; see import.h.  Text formats are tokenised on white
 * space rather than cut by columns (FORMATS.md §0: pasted copies collapse
 * spaces, anonymisation shifts columns).  Bytes >= 0x80 are opaque.
 */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"

#define MAX_TOKENS 96

/* ------------------------------------------------------------- text helpers */

struct text {
	char *buf;		/* NUL-terminated copy, NULs replaced */
	char **lines;
	size_t n;
	bool last_nl;		/* the input ended with a newline */
};

static void
text_free(struct text *t)
{
	free(t->buf);
	free(t->lines);
}

static int
text_split(const char *in, size_t len, struct text *t)
{
	size_t i, j, n = 1;
	char *p;

	memset(t, 0, sizeof(*t));
	/* UTF-16LE with a BOM (PowerShell 5 redirection, FORMATS.md §0):
	 * keep the low byte of each unit; non-ASCII becomes '?'. */
	if (len >= 2 && (unsigned char)in[0] == 0xff &&
	    (unsigned char)in[1] == 0xfe) {
		t->buf = malloc(len / 2 + 1);
		if (t->buf == NULL)
			return -ENOMEM;
		for (i = 2, j = 0; i + 1 < len; i += 2)
			t->buf[j++] = in[i + 1] == 0 && in[i] != 0 ? in[i] :
			    '?';
		t->buf[j] = '\0';
		len = j;
	} else {
		t->buf = malloc(len + 1);
		if (t->buf == NULL)
			return -ENOMEM;
		for (i = 0; i < len; i++)
			t->buf[i] = in[i] == '\0' ? ' ' : in[i];
		t->buf[len] = '\0';
	}
	t->last_nl = len > 0 && t->buf[len - 1] == '\n';
	for (i = 0; i < len; i++)
		if (t->buf[i] == '\n')
			n++;
	t->lines = calloc(n, sizeof(*t->lines));
	if (t->lines == NULL) {
		free(t->buf);
		t->buf = NULL;
		return -ENOMEM;
	}
	for (p = t->buf; p != NULL;) {
		char *nl = strchr(p, '\n'), *e;

		if (nl != NULL)
			*nl = '\0';
		e = p + strlen(p);
		while (e > p && e[-1] == '\r')
			*--e = '\0';
		t->lines[t->n++] = p;
		p = nl != NULL ? nl + 1 : NULL;
	}
	/* A trailing newline leaves one empty last "line". */
	if (t->n > 0 && t->last_nl && t->lines[t->n - 1][0] == '\0')
		t->n--;
	return 0;
}

static bool
is_space(unsigned char c)
{
	/* 0xa0: the no-break space of cp1252/latin-1 (French tracert). */
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r' ||
	    c == 0xa0;
}

/* Split s (modified) into at most MAX_TOKENS tokens. */
static size_t
tokenize(char *s, char **tok)
{
	size_t n = 0;

	while (*s != '\0' && n < MAX_TOKENS) {
		while (is_space((unsigned char)*s))
			s++;
		if (*s == '\0')
			break;
		tok[n++] = s;
		while (*s != '\0' && !is_space((unsigned char)*s))
			s++;
		if (*s != '\0')
			*s++ = '\0';
	}
	return n;
}

static bool
all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* A decimal number: digits, optionally '.' digits.  Nothing else. */
static bool
parse_float(const char *s, double *out)
{
	const char *p = s;
	char *end;
	bool dig = false;

	while (isdigit((unsigned char)*p)) {
		p++;
		dig = true;
	}
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p)) {
			p++;
			dig = true;
		}
	}
	if (!dig || *p != '\0' || p - s > 24)
		return false;
	*out = strtod(s, &end);
	return true;
}

/* "1.5ms" -> 1.5 */
static bool
parse_ms_glued(const char *s, double *out)
{
	size_t n = strlen(s);
	char num[32];

	if (n < 3 || n >= sizeof(num) || strcmp(s + n - 2, "ms") != 0)
		return false;
	memcpy(num, s, n - 2);
	num[n - 2] = '\0';
	return parse_float(num, out);
}

static bool
parse_addr_tok(const char *s, struct fd_addr *out)
{
	return addr_parse(s, out, NULL) == 0;
}

/* "(1.2.3.4)" or "[1.2.3.4]" (with the given brackets) -> address. */
static bool
parse_bracketed(const char *s, char open, char close, struct fd_addr *out)
{
	char tmp[FD_ADDR_STRLEN + 2];
	size_t n = strlen(s);

	if (n < 3 || s[0] != open || s[n - 1] != close || n - 2 >= sizeof(tmp))
		return false;
	memcpy(tmp, s + 1, n - 2);
	tmp[n - 2] = '\0';
	return parse_addr_tok(tmp, out);
}

/* Find "(addr)" anywhere in s (header lines: "traceroute to x (a)..."). */
static bool
find_paren_addr(const char *s, struct fd_addr *out)
{
	const char *p = s;

	while ((p = strchr(p, '(')) != NULL) {
		const char *e = strchr(p, ')');
		char tmp[FD_ADDR_STRLEN + 1];

		if (e == NULL)
			return false;
		if ((size_t)(e - p - 1) < sizeof(tmp)) {
			memcpy(tmp, p + 1, (size_t)(e - p - 1));
			tmp[e - p - 1] = '\0';
			if (parse_addr_tok(tmp, out))
				return true;
		}
		p = e;
	}
	return false;
}

static bool
starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The answer currently printed on a hop line. */
struct cur {
	bool set;
	struct fd_addr addr;
	char name[HOP_NAME_MAX];
};

static void
cur_set(struct cur *c, const struct fd_addr *a, const char *name)
{
	char abuf[FD_ADDR_STRLEN];

	memset(c, 0, sizeof(*c));
	c->set = true;
	if (a != NULL)
		c->addr = *a;
	/* A name equal to the address ("1.2.3.4 (1.2.3.4)") says nothing. */
	if (name != NULL && !(a != NULL && strcmp(name,
	    addr_str(a, abuf, sizeof(abuf))) == 0))
		snprintf(c->name, sizeof(c->name), "%s", name);
}

static int
add_probe(struct hop_list *l, unsigned ttl, const struct cur *c, double rtt,
    const char *flag)
{
	if (c == NULL || !c->set)
		return hop_list_add_probe(l, ttl, NULL, NULL, -1, NULL);
	return hop_list_add_probe(l, ttl, addr_is_set(&c->addr) ? &c->addr :
	    NULL, c->name, rtt, flag);
}

static void
flag_last(struct hop_list *l, unsigned ttl, const char *flag)
{
	struct hop *h = hop_list_get(l, ttl);

	if (h == NULL || h->n_probes == 0 ||
	    h->probes[h->n_probes - 1].answer < 0)
		return;
	snprintf(h->probes[h->n_probes - 1].flag,
	    sizeof(h->probes[0].flag), "%s", flag);
}

static int
finish(struct hop_list *l, const char *source, struct fd_error *err)
{
	snprintf(l->source, sizeof(l->source), "%s", source);
	if (l->n == 0)
		return fd_error_set(err, -ENODATA, "%s: no hop found", source);
	hop_list_finish(l);
	return 0;
}

static int
full(struct fd_error *err, const char *source, int rc)
{
	return fd_error_set(err, rc, "%s: more hops or answers than kept "
	    "(%d TTLs, %d answers per hop)", source, HOPS_MAX,
	    HOP_MAX_ANSWERS);
}

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
	struct text t;
	struct hop_list *l;
	unsigned ttl = 0, max_probes = 0;
	bool in_hop = false, interrupted = false;
	size_t li;
	int rc;

	rc = text_split(buf, len, &t);
	l = hop_list_new();
	if (rc < 0 || l == NULL) {
		rc = fd_error_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	for (li = 0; li < t.n; li++) {
		char *line = t.lines[li], *tok[MAX_TOKENS];
		size_t n, i = 0;
		struct cur c;
		struct hop *h;
		bool indented = is_space((unsigned char)line[0]);

		if (strstr(line, "^C") != NULL)
			interrupted = true;
		n = tokenize(line, tok);
		if (n == 0)
			continue;
		if ((strcmp(tok[0], "traceroute") == 0 ||
		    strcmp(tok[0], "traceroute6") == 0) && n > 1 &&
		    strcmp(tok[1], "to") == 0) {
			size_t k;

			/* Header: "traceroute to NAME (ADDR)[ from S], ..." */
			for (k = 2; k < n && k < 5; k++) {
				if (find_paren_addr(tok[k], &l->target))
					break;
				if (k == 2 && parse_addr_tok(tok[k],
				    &l->target))
					break;
			}
			continue;
		}
		if (all_digits(tok[0]) && n > 1) {
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

			if (strcmp(s, "*") == 0 || starts_with(s, "*^C")) {
				rc = add_probe(l, ttl, NULL, -1, NULL);
			} else if (strcmp(s, "^C") == 0 || s[0] == '[' ||
			    (s[0] == '<' && s[strlen(s) - 1] == '>') ||
			    s[0] == '\'' || strcmp(s, "-") == 0 ||
			    starts_with(s, "(ecn=") ||
			    (s[0] == '(' && strchr(s, '%') != NULL) ||
			    strcmp(s, "loss)") == 0) {
				continue;	/* AS path, MPLS, ecn, loss */
			} else if (s[0] == '!') {
				flag_last(l, ttl, s);
				continue;
			} else if (parse_float(s, &rtt) && i + 1 < n &&
			    strcmp(tok[i + 1], "ms") == 0) {
				i++;
				rc = add_probe(l, ttl, &c, rtt, NULL);
			} else if (parse_ms_glued(s, &rtt)) {
				rc = add_probe(l, ttl, &c, rtt, NULL);
			} else if (i + 1 < n && parse_bracketed(tok[i + 1],
			    '(', ')', &a)) {
				cur_set(&c, &a, s);
				i++;
				continue;
			} else if (parse_addr_tok(s, &a)) {
				cur_set(&c, &a, NULL);
				continue;
			} else if (parse_bracketed(s, '(', ')', &a)) {
				cur_set(&c, &a, NULL);
				continue;
			} else {
				cur_set(&c, NULL, s);	/* a bare name */
				continue;
			}
			if (rc < 0) {
				rc = full(err, "traceroute", rc);
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
	rc = finish(l, "traceroute", err);
	if (rc == 0)
		*out = *l;
out:
	hop_list_free(l);
	text_free(&t);
	return rc;
}

/* -------------------------------------------------------- Windows tracert */

/* One RTT cell: "*", "<1 ms", "12 ms", "<1ms", "12ms".  Returns tokens
 * used (0: not a cell); *rtt < 0 for a timeout.  "<1" is stored as 0. */
static size_t
tracert_cell(char **tok, size_t n, size_t i, double *rtt)
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
	if (all_digits(s) && i + 1 < n && strcmp(tok[i + 1], "ms") == 0) {
		*rtt = s != tok[i] ? 0 : strtod(s, NULL);
		return 2;
	}
	if (parse_ms_glued(s, &v) && strchr(s, '.') == NULL) {
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
	struct text t;
	struct hop_list *l;
	bool seen_hop = false, have_bracket_target = false;
	size_t li;
	int rc;

	rc = text_split(buf, len, &t);
	l = hop_list_new();
	if (rc < 0 || l == NULL) {
		rc = fd_error_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	for (li = 0; li < t.n; li++) {
		char *tok[MAX_TOKENS];
		size_t n = tokenize(t.lines[li], tok), i, k, used;
		double rtt[3];
		unsigned ttl, cells = 0;
		struct cur c;
		struct fd_addr a;
		const char *flag = NULL;

		if (n == 0)
			continue;
		if (!all_digits(tok[0]) || (used = tracert_cell(tok, n, 1,
		    &rtt[0])) == 0) {
			/* Header, prompt or footer.  Before the hops, an
			 * address in brackets, else a bare one, is the
			 * target: "Tracing route to x [a]", "... to a over
			 * a maximum of 30 hops", in any language. */
			for (k = 0; !seen_hop && k < n; k++) {
				if (parse_bracketed(tok[k], '[', ']', &a)) {
					l->target = a;
					have_bracket_target = true;
				} else if (!have_bracket_target &&
				    parse_addr_tok(tok[k], &a)) {
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
		while (cells < 3 && (used = tracert_cell(tok, n, i,
		    &rtt[cells])) > 0) {
			i += used;
			cells++;
		}
		memset(&c, 0, sizeof(c));
		if (i < n) {
			if (parse_addr_tok(tok[i], &a)) {
				cur_set(&c, &a, NULL);
				i++;
			} else if (parse_bracketed(tok[i], '[', ']', &a)) {
				cur_set(&c, &a, NULL);
				i++;
			} else if (i + 1 < n && parse_bracketed(tok[i + 1],
			    '[', ']', &a)) {
				cur_set(&c, &a, tok[i]);
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
				rc = add_probe(l, ttl, NULL, -1, NULL);
			else
				rc = add_probe(l, ttl, &c, rtt[k], flag);
			if (rc < 0) {
				rc = full(err, "tracert", rc);
				goto out;
			}
		}
		/* "2  192.168.1.1  reports: Destination host unreachable."
		 * has no RTT cell at all; handled by the cell check above
		 * failing, so it is skipped. */
	}
	rc = finish(l, "windows-tracert", err);
	if (rc == 0)
		*out = *l;
out:
	hop_list_free(l);
	text_free(&t);
	return rc;
}

/* ---------------------------------------------------------------- tracepath */

static bool
tracepath_ttl(const char *s, unsigned *ttl)
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
	struct text t;
	struct hop_list *l;
	bool reached = false;
	size_t li;
	int rc;

	rc = text_split(buf, len, &t);
	l = hop_list_new();
	if (rc < 0 || l == NULL) {
		rc = fd_error_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	for (li = 0; li < t.n; li++) {
		char *tok[MAX_TOKENS];
		size_t n = tokenize(t.lines[li], tok), i;
		unsigned ttl;
		struct cur c;
		struct fd_addr a;
		double rtt = -1;
		const char *flag = NULL;
		bool this_reached = false;

		if (n < 2 || !tracepath_ttl(tok[0], &ttl) ||
		    strcmp(tok[1], "[LOCALHOST]") == 0)
			continue;
		if (strcmp(tok[1], "no") == 0 && n > 2 &&
		    strcmp(tok[2], "reply") == 0) {
			rc = add_probe(l, ttl, NULL, -1, NULL);
			if (rc < 0)
				goto full_;
			continue;
		}
		i = 2;
		if (n > 2 && parse_bracketed(tok[2], '(', ')', &a)) {
			cur_set(&c, &a, tok[1]);	/* -b: name (addr) */
			i = 3;
		} else if (parse_addr_tok(tok[1], &a)) {
			cur_set(&c, &a, NULL);
		} else {
			cur_set(&c, NULL, tok[1]);
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
				parse_ms_glued(tok[i], &rtt);
			}
		}
		rc = add_probe(l, ttl, &c, rtt, flag);
		if (rc < 0)
			goto full_;
		if (this_reached) {
			reached = true;
			if (addr_is_set(&c.addr))
				l->target = c.addr;
		}
	}
	rc = finish(l, "tracepath", err);
	if (rc == 0) {
		if (reached && !addr_is_set(&l->target))
			l->reached = true;	/* reached a name */
		*out = *l;
	}
	goto out;
full_:
	rc = full(err, "tracepath", rc);
out:
	hop_list_free(l);
	text_free(&t);
	return rc;
}

/* ------------------------------------------------ mtr --report and curses */

static bool
mtr_row(const char *s, unsigned *ttl, bool *bar)
{
	char num[8];
	size_t d = 0;

	while (isdigit((unsigned char)s[d]))
		d++;
	if (d == 0 || d >= sizeof(num) || s[d] != '.')
		return false;
	if (strcmp(s + d + 1, "|--") == 0)
		*bar = true;
	else if (s[d + 1] == '\0')
		*bar = false;
	else
		return false;
	memcpy(num, s, d);
	num[d] = '\0';
	*ttl = (unsigned)strtoul(num, NULL, 10);
	return *ttl >= 1 && *ttl <= 255;
}

static int
parse_mtr_report(const char *buf, size_t len, struct hop_list *out,
    struct fd_error *err)
{
	struct text t;
	struct hop_list *l;
	unsigned ttl = 0;
	int avg_col = 3, loss_col = 0;	/* Loss% Snt Last Avg ... */
	bool in_hop = false;
	size_t li;
	int rc;

	rc = text_split(buf, len, &t);
	l = hop_list_new();
	if (rc < 0 || l == NULL) {
		rc = fd_error_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	for (li = 0; li < t.n; li++) {
		char *tok[MAX_TOKENS];
		bool indented = is_space((unsigned char)t.lines[li][0]), bar;
		size_t n = tokenize(t.lines[li], tok), i, k;
		struct cur c;
		struct fd_addr a;
		double loss = 0, avg = -1;

		if (n == 0)
			continue;
		/* The header names the columns (-o can reorder them). */
		for (k = 0; k < n; k++)
			if (strcmp(tok[k], "Loss%") == 0)
				break;
		if (k < n) {
			size_t j;

			for (j = k; j < n; j++) {
				if (strcmp(tok[j], "Avg") == 0)
					avg_col = (int)(j - k);
			}
			loss_col = 0;
			continue;
		}
		if (mtr_row(tok[0], &ttl, &bar)) {
			i = 1;
			if (!bar && i < n && strcmp(tok[i], "|--") == 0)
				i++;
			if (i >= n)
				continue;
			/* -z: "AS???" or "AS1234" before the host. */
			if (starts_with(tok[i], "AS") && i + 1 < n &&
			    !isdigit((unsigned char)tok[i + 1][0]))
				i++;
			in_hop = true;
			if (strcmp(tok[i], "???") == 0) {
				rc = add_probe(l, ttl, NULL, -1, NULL);
				if (rc < 0)
					goto full_;
				continue;
			}
			if (parse_addr_tok(tok[i], &a))
				cur_set(&c, &a, NULL);
			else
				cur_set(&c, NULL, tok[i]);
			i++;
			for (k = 0; i + k < n; k++) {
				char v[32];
				double d;

				snprintf(v, sizeof(v), "%s", tok[i + k]);
				if (v[0] != '\0' && v[strlen(v) - 1] == '%')
					v[strlen(v) - 1] = '\0';
				if (!parse_float(v, &d))
					continue;
				if ((int)k == loss_col)
					loss = d;
				if ((int)k == avg_col)
					avg = d;
			}
			if (loss >= 100)
				rc = add_probe(l, ttl, NULL, -1, NULL);
			else
				rc = add_probe(l, ttl, &c, avg, NULL);
			if (rc < 0)
				goto full_;
		} else if (indented && in_hop && n == 1) {
			/* Another responder of the same hop (ECMP). */
			if (parse_addr_tok(tok[0], &a))
				cur_set(&c, &a, NULL);
			else
				cur_set(&c, NULL, tok[0]);
			rc = add_probe(l, ttl, &c, -1, NULL);
			if (rc < 0)
				goto full_;
		} else {
			in_hop = false;
		}
	}
	rc = finish(l, "mtr-report", err);
	if (rc == 0)
		*out = *l;
	goto out;
full_:
	rc = full(err, "mtr-report", rc);
out:
	hop_list_free(l);
	text_free(&t);
	return rc;
}

/* ------------------------------------------------------------------ WinMTR */

static char *
trim(char *s)
{
	char *e;

	while (is_space((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && is_space((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int
parse_winmtr(const char *buf, size_t len, struct hop_list *out,
    struct fd_error *err)
{
	struct text t;
	struct hop_list *l;
	unsigned ttl = 0;
	size_t li;
	int rc;

	rc = text_split(buf, len, &t);
	l = hop_list_new();
	if (rc < 0 || l == NULL) {
		rc = fd_error_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	for (li = 0; li < t.n; li++) {
		char *f[10], *p = t.lines[li], *dash, *host;
		size_t nf = 0;
		double loss, avg;
		struct cur c;
		struct fd_addr a;

		if (*trim(p) != '|')
			continue;
		p = trim(p) + 1;
		/* | host - loss | Sent | Recv | Best | Avrg | Wrst | Last | */
		while (nf < 10 && p != NULL) {
			char *bar = strchr(p, '|');

			if (bar != NULL)
				*bar = '\0';
			f[nf++] = trim(p);
			p = bar != NULL ? bar + 1 : NULL;
		}
		if (nf < 7)
			continue;
		dash = strstr(f[0], " - ");
		if (dash == NULL)
			continue;
		*dash = '\0';
		host = trim(f[0]);
		if (!parse_float(trim(dash + 3), &loss) ||
		    !parse_float(f[4], &avg))
			continue;	/* the title and column headings */
		ttl++;
		if (strcmp(host, "No response from host") == 0 || loss >= 100) {
			rc = add_probe(l, ttl, NULL, -1, NULL);
		} else {
			if (parse_addr_tok(host, &a))
				cur_set(&c, &a, NULL);
			else
				cur_set(&c, NULL, host);
			rc = add_probe(l, ttl, &c, avg, NULL);
		}
		if (rc < 0) {
			rc = full(err, "winmtr", rc);
			goto out;
		}
	}
	rc = finish(l, "winmtr", err);
	if (rc == 0)
		*out = *l;
out:
	hop_list_free(l);
	text_free(&t);
	return rc;
}

/* ---------------------------------------------------------------- mtr JSON */

/* "number or numeric string" (FORMATS.md §6.6). */
static bool
json_num(const json_t *v, double *out)
{
	if (json_is_number(v)) {
		*out = json_number_value(v);
		return true;
	}
	if (json_is_string(v))
		return parse_float(json_string_value(v), out);
	return false;
}

static void
json_target(const json_t *v, struct hop_list *l)
{
	if (json_is_string(v))
		parse_addr_tok(json_string_value(v), &l->target);
}

static int
parse_mtr_json(const char *buf, size_t len, struct hop_list *out,
    struct fd_error *err)
{
	json_error_t je;
	json_t *root, *hubs, *report, *h;
	struct hop_list *l;
	bool alt;
	size_t i;
	int rc = 0;

	root = json_loadb(buf, len, 0, &je);
	if (root == NULL)
		return fd_error_set(err, -EBADMSG, "mtr-json: line %d: %s",
		    je.line, je.text);
	l = hop_list_new();
	if (l == NULL) {
		json_decref(root);
		return fd_error_set(err, -ENOMEM, "out of memory");
	}
	report = json_object_get(root, "report");
	alt = report == NULL;
	if (!alt) {
		json_target(json_object_get(json_object_get(report, "mtr"),
		    "dst"), l);
		hubs = json_object_get(report, "hubs");
	} else {
		/* Not upstream mtr: hops[].{hop, ipaddr, host, avg, ...}
		 * (mtr-json-alt-schema-03.json; rich-traceroute reads it). */
		json_target(json_object_get(root, "dst"), l);
		hubs = json_object_get(root, "hops");
	}
	if (!json_is_array(hubs)) {
		rc = fd_error_set(err, -EBADMSG, "mtr-json: no %s array",
		    alt ? "hops" : "report.hubs");
		goto out;
	}
	json_array_foreach(hubs, i, h) {
		double ttl_d, loss = 0, avg = -1;
		const char *host = NULL;
		struct cur c;
		struct fd_addr a;
		const json_t *v;

		if (!json_num(json_object_get(h, alt ? "hop" : "count"),
		    &ttl_d) || ttl_d < 1 || ttl_d > 255) {
			rc = fd_error_set(err, -EBADMSG,
			    "mtr-json: hop %zu has no valid %s", i,
			    alt ? "hop" : "count");
			goto out;
		}
		json_num(json_object_get(h, alt ? "losspercent" : "Loss%"),
		    &loss);
		json_num(json_object_get(h, alt ? "avg" : "Avg"), &avg);
		memset(&c, 0, sizeof(c));
		if (alt && json_is_string(v = json_object_get(h, "ipaddr")) &&
		    parse_addr_tok(json_string_value(v), &a)) {
			v = json_object_get(h, "host");
			host = json_is_string(v) ? json_string_value(v) : NULL;
			if (host != NULL && strcmp(host, "unresolved") == 0)
				host = NULL;
			cur_set(&c, &a, host);
		} else if (json_is_string(v = json_object_get(h, "host"))) {
			host = json_string_value(v);
			if (strcmp(host, "???") == 0)
				host = NULL;
			else if (parse_addr_tok(host, &a))
				cur_set(&c, &a, NULL);
			else
				cur_set(&c, NULL, host);
		}
		if (!c.set || loss >= 100)
			rc = add_probe(l, (unsigned)ttl_d, NULL, -1, NULL);
		else
			rc = add_probe(l, (unsigned)ttl_d, &c, avg, NULL);
		if (rc < 0) {
			rc = full(err, "mtr-json", rc);
			goto out;
		}
	}
	rc = finish(l, "mtr-json", err);
	if (rc == 0)
		*out = *l;
out:
	json_decref(root);
	hop_list_free(l);
	return rc;
}

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

	json_num(json_object_get(tr, "firsthop"), &first);
	json_num(json_object_get(tr, "hop_count"), &count);
	json_array_foreach(hops, i, h) {
		struct fd_addr a;
		struct cur c;
		double rtt = -1, type = -1, code = -1;
		char flag[8];
		const char *s = json_str(h, "addr");

		if (!json_num(json_object_get(h, "probe_ttl"), &d) || d < 1 ||
		    d > 255 || s == NULL || !parse_addr_tok(s, &a))
			return -EBADMSG;
		cur_set(&c, &a, json_str(h, "name"));
		json_num(json_object_get(h, "rtt"), &rtt);
		json_num(json_object_get(h, "icmp_type"), &type);
		json_num(json_object_get(h, "icmp_code"), &code);
		scamper_flag(a.family, (int)type, (int)code, flag,
		    sizeof(flag));
		rc = add_probe(l, (unsigned)d, &c, rtt, flag);
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
		rc = add_probe(l, ttl, NULL, -1, NULL);
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

	json_num(json_object_get(tr, "firsthop"), &first);
	json_array_foreach(nodes, i, n) {
		const json_t *links = json_object_get(n, "links"), *set;
		size_t j;
		struct fd_addr a;
		struct cur c;
		const char *s = json_str(n, "addr");

		if (i == 0 && s != NULL && parse_addr_tok(s, &a) &&
		    first >= 1 && first <= 255) {
			cur_set(&c, &a, json_str(n, "name"));
			rc = add_probe(l, (unsigned)first, &c, -1, NULL);
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
				if (s == NULL || !parse_addr_tok(s, &a))
					continue;
				cur_set(&c, &a, scamper_node_name(nodes, s));
				probes = json_object_get(link, "probes");
				json_array_foreach(probes, m, p) {
					const json_t *r = json_array_get(
					    json_object_get(p, "replies"), 0);
					double ttl, rtt = -1;

					if (!json_num(json_object_get(p,
					    "ttl"), &ttl) || ttl < 1 ||
					    ttl > 255)
						continue;
					json_num(json_object_get(r, "rtt"),
					    &rtt);
					rc = r != NULL ?
					    add_probe(l, (unsigned)ttl, &c,
					    rtt, NULL) :
					    add_probe(l, (unsigned)ttl, NULL,
					    -1, NULL);
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
			json_target(json_object_get(o, "dst"), l);
			rc = strcmp(type, "trace") == 0 ?
			    scamper_trace(o, l) : scamper_tracelb(o, l);
			if (rc == -EBADMSG)
				fd_error_set(err, rc, "scamper: line %zu: bad "
				    "hop", lineno);
			else if (rc < 0)
				full(err, "scamper", rc);
		}
		json_decref(o);
		off += n + 1;
	}
	if (rc == -ENODATA)
		rc = fd_error_set(err, -ENODATA, "scamper: no trace record");
	if (rc == 0)
		rc = finish(l, "scamper", err);
	if (rc == 0)
		*out = *l;
	hop_list_free(l);
	return rc;
}

/* ------------------------------------------------------------ format table */

static const struct trace_format fmt_traceroute = {
	"traceroute", "Linux, BSD and macOS traceroute/traceroute6",
	parse_traceroute,
};
static const struct trace_format fmt_tracert = {
	"tracert", "Windows tracert (any language)", parse_tracert,
};
static const struct trace_format fmt_tracepath = {
	"tracepath", "iputils tracepath/tracepath6", parse_tracepath,
};
static const struct trace_format fmt_mtr_json = {
	"mtr-json", "mtr --json (0.93 and 0.94+ schemas)", parse_mtr_json,
};
static const struct trace_format fmt_mtr_report = {
	"mtr-report", "mtr --report / curses screen copy", parse_mtr_report,
};
static const struct trace_format fmt_winmtr = {
	"winmtr", "WinMTR text export", parse_winmtr,
};
static const struct trace_format fmt_scamper = {
	"scamper-json", "scamper JSON (Lines): trace, tracelb", parse_scamper,
};

const struct trace_format *const trace_formats[] = {
	&fmt_traceroute,
	&fmt_tracert,
	&fmt_tracepath,
	&fmt_mtr_json,
	&fmt_mtr_report,
	&fmt_winmtr,
	&fmt_scamper,
	NULL,
};

const struct trace_format *
trace_format_find(const char *name)
{
	size_t i;

	for (i = 0; trace_formats[i] != NULL; i++)
		if (strcmp(trace_formats[i]->name, name) == 0)
			return trace_formats[i];
	return NULL;
}

/* Is this a tracert hop line: a number, then three RTT cells, then more
 * (an address or a message)?  Linux/BSD put the host before the RTTs. */
static bool
line_is_tracert(char *line)
{
	char *tok[MAX_TOKENS];
	size_t n = tokenize(line, tok), i = 1, k, used;
	double rtt;

	if (n < 2 || !all_digits(tok[0]))
		return false;
	for (k = 0; k < 3; k++) {
		used = tracert_cell(tok, n, i, &rtt);
		if (used == 0)
			return false;
		i += used;
	}
	return i < n;
}

const struct trace_format *
trace_format_detect(const char *buf, size_t len)
{
	const struct trace_format *f = NULL;
	struct text t;
	size_t i, first = 0;
	unsigned tracepath = 0, tracert = 0, mtr = 0, winmtr = 0, tr = 0;

	while (first < len && isspace((unsigned char)buf[first]))
		first++;
	if (first < len && buf[first] == '{') {
		/* JSON: scamper records carry "type"; mtr has report/hops. */
		const char *nl = memchr(buf + first, '\n', len - first);
		json_t *o = json_loadb(buf + first, nl != NULL ?
		    (size_t)(nl - (buf + first)) : len - first, 0, NULL);

		if (o == NULL || json_object_get(o, "type") != NULL ||
		    json_object_get(o, "UUID") != NULL)
			f = &fmt_scamper;
		json_decref(o);
		if (f == NULL || o == NULL) {
			o = json_loadb(buf, len, 0, NULL);
			if (o != NULL && (json_object_get(o, "report") ||
			    json_object_get(o, "hops")))
				f = &fmt_mtr_json;
			json_decref(o);
		}
		return f;
	}
	if (text_split(buf, len, &t) < 0)
		return NULL;
	for (i = 0; i < t.n; i++) {
		char *tok[MAX_TOKENS], copy[512];
		unsigned ttl;
		bool bar;
		size_t n;

		snprintf(copy, sizeof(copy), "%s", t.lines[i]);
		if (strstr(copy, "WinMTR") != NULL)
			winmtr += 10;
		if (strstr(copy, "Loss%") != NULL)
			mtr += 5;
		if (line_is_tracert(copy)) {
			tracert += 2;
			continue;
		}
		snprintf(copy, sizeof(copy), "%s", t.lines[i]);
		n = tokenize(copy, tok);
		if (n == 0)
			continue;
		if (tracepath_ttl(tok[0], &ttl))
			tracepath++;
		else if (mtr_row(tok[0], &ttl, &bar))
			mtr++;
		else if (all_digits(tok[0]) || strcmp(tok[0],
		    "traceroute") == 0 || strcmp(tok[0], "traceroute6") == 0)
			tr++;
		else if (tok[0][0] == '|' && strstr(t.lines[i], " - ") != NULL)
			winmtr++;
	}
	text_free(&t);
	if (winmtr >= 10 || (winmtr > tr && winmtr > mtr && winmtr >
	    tracert))
		return &fmt_winmtr;
	if (tracert > 0 && tracert >= tr)
		return &fmt_tracert;
	if (mtr > tr && mtr >= tracepath)
		return &fmt_mtr_report;
	if (tracepath > tr)
		return &fmt_tracepath;
	if (tr > 0)
		return &fmt_traceroute;
	return NULL;
}

int
trace_import(const char *buf, size_t len, const char *format,
    struct hop_list *out, struct fd_error *err)
{
	const struct trace_format *f;

	if (buf == NULL || out == NULL)
		return fd_error_set(err, -EINVAL, "nothing to import");
	if (format != NULL) {
		f = trace_format_find(format);
		if (f == NULL)
			return fd_error_set(err, -EINVAL,
			    "unknown trace format '%s'", format);
	} else {
		f = trace_format_detect(buf, len);
		if (f == NULL)
			return fd_error_set(err, -ENOMSG,
			    "unrecognised trace format (give --format)");
	}
	return f->parse(buf, len, out, err);
}
