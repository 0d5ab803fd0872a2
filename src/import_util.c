/* What the trace importers share: lines, tokens, numbers, addresses and
 * building the hop list; see import_priv.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import_priv.h"

void
imp_text_free(struct imp_text *t)
{
	free(t->buf);
	free(t->lines);
}

int
imp_text_split(const char *in, size_t len, struct imp_text *t)
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

bool
imp_is_space(unsigned char c)
{
	/* 0xa0: the no-break space of cp1252/latin-1 (French tracert). */
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r' ||
	    c == 0xa0;
}

/* Split s (modified) into at most MAX_TOKENS tokens. */
size_t
imp_tokenize(char *s, char **tok)
{
	size_t n = 0;

	while (*s != '\0' && n < MAX_TOKENS) {
		while (imp_is_space((unsigned char)*s))
			s++;
		if (*s == '\0')
			break;
		tok[n++] = s;
		while (*s != '\0' && !imp_is_space((unsigned char)*s))
			s++;
		if (*s != '\0')
			*s++ = '\0';
	}
	return n;
}

bool
imp_all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* A decimal number: digits, optionally '.' digits.  Nothing else. */
bool
imp_float(const char *s, double *out)
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
bool
imp_ms_glued(const char *s, double *out)
{
	size_t n = strlen(s);
	char num[32];

	if (n < 3 || n >= sizeof(num) || strcmp(s + n - 2, "ms") != 0)
		return false;
	memcpy(num, s, n - 2);
	num[n - 2] = '\0';
	return imp_float(num, out);
}

bool
imp_addr_tok(const char *s, struct fd_addr *out)
{
	return addr_parse(s, out, NULL) == 0;
}

/* "(1.2.3.4)" or "[1.2.3.4]" (with the given brackets) -> address. */
bool
imp_bracketed(const char *s, char open, char close, struct fd_addr *out)
{
	char tmp[FD_ADDR_STRLEN + 2];
	size_t n = strlen(s);

	if (n < 3 || s[0] != open || s[n - 1] != close || n - 2 >= sizeof(tmp))
		return false;
	memcpy(tmp, s + 1, n - 2);
	tmp[n - 2] = '\0';
	return imp_addr_tok(tmp, out);
}

/* Find "(addr)" anywhere in s (header lines: "traceroute to x (a)..."). */
bool
imp_paren_addr(const char *s, struct fd_addr *out)
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
			if (imp_addr_tok(tmp, out))
				return true;
		}
		p = e;
	}
	return false;
}

bool
imp_starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

void
imp_cur_set(struct imp_cur *c, const struct fd_addr *a, const char *name)
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

int
imp_add_probe(struct hop_list *l, unsigned ttl, const struct imp_cur *c,
    double rtt, const char *flag)
{
	if (c == NULL || !c->set)
		return hop_list_add_probe(l, ttl, NULL, NULL, -1, NULL);
	return hop_list_add_probe(l, ttl, addr_is_set(&c->addr) ? &c->addr :
	    NULL, c->name, rtt, flag);
}

void
imp_flag_last(struct hop_list *l, unsigned ttl, const char *flag)
{
	struct hop *h = hop_list_get(l, ttl);

	if (h == NULL || h->n_probes == 0 ||
	    h->probes[h->n_probes - 1].answer < 0)
		return;
	snprintf(h->probes[h->n_probes - 1].flag,
	    sizeof(h->probes[0].flag), "%s", flag);
}

int
imp_finish(struct hop_list *l, const char *source, struct fd_error *err)
{
	snprintf(l->source, sizeof(l->source), "%s", source);
	if (l->n == 0)
		return fd_error_set(err, -ENODATA, "%s: no hop found", source);
	hop_list_finish(l);
	return 0;
}

int
imp_full(struct fd_error *err, const char *source, int rc)
{
	return fd_error_set(err, rc, "%s: more hops or answers than kept "
	    "(%d TTLs, %d answers per hop)", source, HOPS_MAX,
	    HOP_MAX_ANSWERS);
}

/* ------------------------------------------------------------- JSON */

/* "number or numeric string" (FORMATS.md §6.6). */
bool
imp_json_num(const json_t *v, double *out)
{
	if (json_is_number(v)) {
		*out = json_number_value(v);
		return true;
	}
	if (json_is_string(v))
		return imp_float(json_string_value(v), out);
	return false;
}

void
imp_json_target(const json_t *v, struct hop_list *l)
{
	if (json_is_string(v))
		imp_addr_tok(json_string_value(v), &l->target);
}
