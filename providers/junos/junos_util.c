/* Small helpers of the Junos parsers: lines, tokens, ages, AS paths;
 * the instance filter of a BGP summary. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "junos.h"
#include "junos_parse.h"
#include "junos_priv.h"

void
junos_lines_init(struct junos_lines *it, const char *buf, size_t len)
{
	it->p = buf;
	it->end = buf + len;
	it->line[0] = '\0';
	it->len = 0;
}

bool
junos_lines_next(struct junos_lines *it)
{
	const char *nl;
	size_t n;

	if (it->p == NULL || it->p >= it->end)
		return false;
	nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
	if (nl == NULL)
		nl = it->end;
	n = (size_t)(nl - it->p);
	it->cut = n >= JUNOS_LINE_MAX;
	if (it->cut)
		n = JUNOS_LINE_MAX - 1;
	memcpy(it->line, it->p, n);
	/* FORMATS.md rule 0.1: strip CR; NUL bytes end the line. */
	it->line[n] = '\0';
	n = strlen(it->line);
	while (n > 0 && (it->line[n - 1] == '\r' ||
	    isspace((unsigned char)it->line[n - 1])))
		it->line[--n] = '\0';
	it->len = n;
	it->p = nl < it->end ? nl + 1 : it->end;
	return true;
}

size_t
junos_split(char *s, char **tok, size_t *col, size_t max)
{
	char *base = s;
	size_t n = 0;

	while (*s != '\0' && n < max) {
		while (isspace((unsigned char)*s))
			s++;
		if (*s == '\0')
			break;
		tok[n] = s;
		if (col != NULL)
			col[n] = (size_t)(s - base);
		n++;
		while (*s != '\0' && !isspace((unsigned char)*s))
			s++;
		if (*s != '\0')
			*s++ = '\0';
	}
	return n;
}

const char *
junos_skip_ws(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

bool
junos_starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool
junos_ll(const char *s, long long *out)
{
	char *end;
	long long v;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	*out = v;
	return true;
}

long long
junos_age_parse(const char *s)
{
	long long total = 0, v, parts[3];
	size_t np = 0, i;
	const char *p = junos_skip_ws(s);
	char *end;

	/* ^(?:(\d+)w)?(?:(\d+)d)?\s*([\d:]+)$ (FORMATS.md 1.2). */
	for (;;) {
		if (!isdigit((unsigned char)*p))
			return -1;
		v = strtoll(p, &end, 10);
		if (*end == 'w') {
			total += v * 7 * 86400;
			p = end + 1;
			continue;
		}
		if (*end == 'd') {
			total += v * 86400;
			p = junos_skip_ws(end + 1);
			continue;
		}
		break;
	}
	for (;;) {
		if (!isdigit((unsigned char)*p) || np == 3)
			return -1;
		parts[np++] = strtoll(p, &end, 10);
		if (*end == ':') {
			p = end + 1;
			continue;
		}
		if (*junos_skip_ws(end) != '\0')
			return -1;
		break;
	}
	/* Read the clock from the right: "4:07" is minutes:seconds. */
	for (i = 0; i < np; i++) {
		static const long long mul[] = { 1, 60, 3600 };

		total += parts[np - 1 - i] * mul[i];
	}
	return total;
}

static bool
junos_is_origin(const char *t)
{
	return strcmp(t, "I") == 0 || strcmp(t, "E") == 0 ||
	    strcmp(t, "?") == 0 || strcmp(t, "Incomplete") == 0;
}

/* One whitespace-separated token of [p, end): sets *t past it. */
static size_t
as_tok(const char **p, const char *end, const char **t)
{
	while (*p < end && isspace((unsigned char)**p))
		(*p)++;
	*t = *p;
	while (*t < end && !isspace((unsigned char)**t))
		(*t)++;
	return (size_t)(*t - *p);
}

bool
junos_as_path_clean(const char *in, char *out, size_t len)
{
	const char *p, *t, *end, *stop = NULL;
	char one[16];
	size_t n, o = 0;

	if (len == 0)
		return false;
	out[0] = '\0';
	in = junos_skip_ws(in ? in : "");
	if (junos_starts(in, "AS path:"))
		in += 8;
	/* Detail output runs on over several lines (Aggregator, Recorded);
	 * brief text appends ", validation-state: ...". */
	end = in + strcspn(in, "\n,");
	/* The last origin ends the path: notes after it ("I  (Originator)",
	 * "(Atomic)") are dropped. */
	for (p = in; (n = as_tok(&p, end, &t)) > 0; p = t) {
		snprintf(one, sizeof(one), "%.*s", (int)n, p);
		if (n < sizeof(one) && junos_is_origin(one))
			stop = t;
	}
	if (stop != NULL)
		end = stop;
	for (p = in; (n = as_tok(&p, end, &t)) > 0; p = t) {
		if (o + (o ? 1 : 0) + n >= len)
			return false;
		if (o)
			out[o++] = ' ';
		memcpy(out + o, p, n);
		o += n;
		out[o] = '\0';
	}
	return true;
}

bool
junos_reply_rejected(const char *buf)
{
	/* The CLI answers an unknown or malformed command with a caret line
	 * and one of these (Junos CLI user guide, "syntax error"). */
	return strstr(buf, "syntax error") != NULL ||
	    strstr(buf, "unknown command") != NULL ||
	    strstr(buf, "invalid argument") != NULL ||
	    strstr(buf, "error: ") == buf;
}

bool
junos_is_prompt(const char *line)
{
	const char *p = junos_skip_ws(line);

	if (*p++ != '{' || !isalpha((unsigned char)*p))
		return false;
	while (isalnum((unsigned char)*p) || *p == ':' || *p == '_' ||
	    *p == '-')
		p++;
	return *p == '}' && *junos_skip_ws(p + 1) == '\0';
}

void
junos_table_instance(const char *table, char *out, size_t len)
{
	const char *p = strstr(table, ".inet");

	if (p == NULL)
		p = strstr(table, ".mdt.");
	if (p == NULL || p == table) {
		snprintf(out, len, "%s", "");
		return;
	}
	snprintf(out, len, "%.*s", (int)(p - table), table);
}

/* Length of the line at p (up to '\n' or end). */
static size_t
line_len(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return (size_t)((nl ? nl : end) - p);
}

static bool
is_prompt_span(const char *p, size_t n)
{
	char line[128];

	if (n >= sizeof(line))
		return false;
	memcpy(line, p, n);
	line[n] = '\0';
	return junos_is_prompt(line);
}

void
junos_status_trim(const char **buf, size_t *len)
{
	const char *p = *buf, *end = *buf + *len, *q;
	size_t n;

	/* Leading blank and status lines. */
	for (;;) {
		while (p < end && isspace((unsigned char)*p))
			p++;
		n = line_len(p, end);
		if (p == end || !is_prompt_span(p, n))
			break;
		p += n;
	}
	/* Trailing ones, from the last line backwards. */
	for (;;) {
		while (end > p && isspace((unsigned char)end[-1]))
			end--;
		for (q = end; q > p && q[-1] != '\n'; q--)
			;
		if (end == p || !is_prompt_span(q, (size_t)(end - q)))
			break;
		end = q;
	}
	*buf = p;
	*len = (size_t)(end - p);
}

/*
 * Keep only the peers of instance (exactly): "instance Cust11" lists
 * Cust111's peers too, and one may reuse a Cust11 peer's address.  A peer
 * whose instance the reply did not say (a text row of a peer that is not
 * Established has no RIB line) is kept unless a peer with the same address
 * is known to be in the instance.
 */
void
junos_bgp_keep_instance(struct bgp_summary *s, const char *instance)
{
	size_t i, j, n = 0;
	bool known;

	for (i = 0; i < s->n; i++) {
		const struct bgp_peer *p = &s->v[i];

		if (p->instance[0] != '\0' &&
		    strcmp(p->instance, instance) != 0)
			continue;
		if (p->instance[0] == '\0') {
			known = false;
			for (j = 0; j < s->n; j++)
				if (j != i && addr_equal(&s->v[j].addr,
				    &p->addr) && strcmp(s->v[j].instance,
				    instance) == 0)
					known = true;
			if (known)
				continue;
		}
		s->v[n++] = *p;
	}
	s->n = n;
}
