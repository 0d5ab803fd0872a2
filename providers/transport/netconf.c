/*
 * NETCONF 1.0 messages (netconf.h): framing, hello, rpc, rpc-reply.  Pure
 * functions; a small XML scanner of its own, since libxml2 is optional in
 * this code base (junos_json.c loads it on demand) and a session must
 * work, and its errors must be readable, without it.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netconf.h"

/* ------------------------------------------------------------ framing */

void
nc_framer_init(struct nc_framer *f)
{
	memset(f, 0, sizeof(*f));
}

void
nc_framer_done(struct nc_framer *f)
{
	if (f == NULL)
		return;
	free(f->buf);
	memset(f, 0, sizeof(*f));
}

int
nc_framer_feed(struct nc_framer *f, const char *data, size_t n)
{
	if (f->n + n > NC_MAX_MESSAGE + NC_EOM_LEN)
		return -EFBIG;
	if (f->n + n + 1 > f->cap) {
		size_t cap = f->cap ? f->cap : 4096;
		char *p;

		while (cap < f->n + n + 1)
			cap *= 2;
		if ((p = realloc(f->buf, cap)) == NULL)
			return -ENOMEM;
		f->buf = p;
		f->cap = cap;
	}
	if (n > 0)
		memcpy(f->buf + f->n, data, n);
	f->n += n;
	f->buf[f->n] = '\0';
	return 0;
}

/*
 * RFC 6242 4.3: each message ends with "]]>]]>".  That sequence cannot
 * occur inside well-formed XML ("]]>" is not allowed in character data,
 * XML 1.0 2.4, and ends a CDATA section), so the first one ends the
 * message.  A marker split across reads is found once its last byte
 * arrives: the search restarts NC_EOM_LEN - 1 bytes before the end.
 */
int
nc_framer_next(struct nc_framer *f, char **msg, size_t *len)
{
	const char *m;
	size_t at;
	char *o;

	if (f->n < NC_EOM_LEN)
		return 0;
	m = memmem(f->buf + f->scanned, f->n - f->scanned, NC_EOM,
	    NC_EOM_LEN);
	if (m == NULL) {
		f->scanned = f->n - (NC_EOM_LEN - 1);
		return 0;
	}
	at = (size_t)(m - f->buf);
	if ((o = malloc(at + 1)) == NULL)
		return -ENOMEM;
	memcpy(o, f->buf, at);
	o[at] = '\0';
	f->n -= at + NC_EOM_LEN;
	memmove(f->buf, f->buf + at + NC_EOM_LEN, f->n);
	f->buf[f->n] = '\0';
	f->scanned = 0;
	*msg = o;
	*len = at;
	return 1;
}

size_t
nc_framer_pending(const struct nc_framer *f)
{
	size_t i = 0;

	/* A newline after the last marker is no truncated message. */
	while (i < f->n && isspace((unsigned char)f->buf[i]))
		i++;
	return f->n - i;
}

/* ------------------------------------------------------------ buffers */

struct sbuf {
	char *p;
	size_t n, cap;
	bool oom;
};

static void
sb_add(struct sbuf *b, const char *d, size_t k)
{
	if (b->oom)
		return;
	if (b->n + k + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *q;

		while (cap < b->n + k + 1)
			cap *= 2;
		if ((q = realloc(b->p, cap)) == NULL) {
			b->oom = true;
			return;
		}
		b->p = q;
		b->cap = cap;
	}
	if (k > 0)
		memcpy(b->p + b->n, d, k);
	b->n += k;
	b->p[b->n] = '\0';
}

static void
sb_utf8(struct sbuf *b, unsigned long cp)
{
	char u[4];
	size_t k;

	if (cp < 0x80) {
		u[0] = (char)cp;
		k = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		k = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		k = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		k = 4;
	}
	sb_add(b, u, k);
}

/*
 * Append the character data s[0..n) to b with its references resolved:
 * the five predefined entities and &#N; / &#xN; (XML 1.0 4.1, 4.6).
 * Anything else after '&' is -EBADMSG: no DTD declares more.
 */
static int
sb_unescape(struct sbuf *b, const char *s, size_t n, struct fd_error *err)
{
	static const struct {
		const char *name;
		char c;
	} ent[] = {
		{ "lt", '<' }, { "gt", '>' }, { "amp", '&' },
		{ "quot", '"' }, { "apos", '\'' },
	};
	const char *end = s + n, *amp, *semi;
	size_t i, k;

	while (s < end) {
		amp = memchr(s, '&', (size_t)(end - s));
		if (amp == NULL) {
			sb_add(b, s, (size_t)(end - s));
			break;
		}
		sb_add(b, s, (size_t)(amp - s));
		semi = memchr(amp, ';', (size_t)(end - amp));
		if (semi == NULL || semi - amp > 12)
			return fd_error_set(err, -EBADMSG, "XML: '&' without "
			    "a reference");
		k = (size_t)(semi - amp - 1);
		if (k > 1 && amp[1] == '#') {
			unsigned long cp = 0;
			bool hex = amp[2] == 'x', okd = true;
			const char *d;

			for (d = amp + (hex ? 3 : 2); d < semi; d++) {
				if (hex ? !isxdigit((unsigned char)*d) :
				    !isdigit((unsigned char)*d)) {
					okd = false;
					break;
				}
				cp = cp * (hex ? 16 : 10) + (unsigned long)(
				    isdigit((unsigned char)*d) ? *d - '0' :
				    tolower((unsigned char)*d) - 'a' + 10);
				if (cp > 0x10ffff)
					okd = false;
			}
			if (!okd || d == amp + (hex ? 3 : 2) || cp == 0)
				return fd_error_set(err, -EBADMSG, "XML: bad "
				    "character reference '%.*s'",
				    (int)(semi - amp + 1), amp);
			sb_utf8(b, cp);
		} else {
			for (i = 0; i < sizeof(ent) / sizeof(ent[0]); i++)
				if (strlen(ent[i].name) == k &&
				    memcmp(ent[i].name, amp + 1, k) == 0)
					break;
			if (i == sizeof(ent) / sizeof(ent[0]))
				return fd_error_set(err, -EBADMSG, "XML: "
				    "unknown entity '%.*s'", (int)(k + 2),
				    amp);
			sb_add(b, &ent[i].c, 1);
		}
		s = semi + 1;
	}
	return b->oom ? fd_error_set(err, -ENOMEM, "out of memory") : 0;
}

/* Escape text for element content (XML 1.0 2.4: '<' and '&'; '>' too,
 * so that "]]>" never appears). */
static void
sb_escape(struct sbuf *b, const char *s)
{
	for (; *s != '\0'; s++)
		switch (*s) {
		case '<':
			sb_add(b, "&lt;", 4);
			break;
		case '>':
			sb_add(b, "&gt;", 4);
			break;
		case '&':
			sb_add(b, "&amp;", 5);
			break;
		default:
			sb_add(b, s, 1);
		}
}

/* ------------------------------------------------------------ scanner */

#define NC_DEPTH 64

enum tok { T_START, T_END, T_TEXT, T_EOF };

struct tokn {
	enum tok kind;
	const char *name;		/* T_START, T_END: the local name */
	size_t name_len;
	const char *attrs;		/* T_START: raw attribute text */
	size_t attrs_len;
	bool empty;			/* T_START: <x/> (no T_END follows) */
	const char *text;		/* T_TEXT: raw */
	size_t text_len;
	bool cdata;			/* T_TEXT: not to be unescaped */
	unsigned depth;			/* T_START, T_TEXT: of the element
					 * (1: the root); T_END: likewise */
};

struct scan {
	const char *p, *end;
	const char *qn[NC_DEPTH];	/* open elements' qualified names */
	size_t qlen[NC_DEPTH];
	unsigned depth;
	bool root_seen;
};

static void
scan_init(struct scan *s, const char *msg, size_t len)
{
	memset(s, 0, sizeof(*s));
	s->p = msg;
	s->end = msg + len;
}

static bool
name_char(char c)
{
	return c != '\0' && !isspace((unsigned char)c) && c != '/' &&
	    c != '>' && c != '<' && c != '=' && c != '"' && c != '\'';
}

static const char *
find(const char *p, const char *end, const char *what)
{
	return memmem(p, (size_t)(end - p), what, strlen(what));
}

/* The local part of a qualified name ("junos:comment" -> "comment"). */
static void
local_name(const char *q, size_t qn, const char **name, size_t *len)
{
	const char *c = memrchr(q, ':', qn);

	*name = c != NULL ? c + 1 : q;
	*len = c != NULL ? qn - (size_t)(c + 1 - q) : qn;
}

static int
scan_next(struct scan *s, struct tokn *t, struct fd_error *err)
{
	const char *p, *q, *e;

	memset(t, 0, sizeof(*t));
	for (;;) {
		p = s->p;
		if (p >= s->end) {
			if (s->depth > 0)
				return fd_error_set(err, -EBADMSG, "XML ends "
				    "inside <%.*s>", (int)s->qlen[s->depth - 1],
				    s->qn[s->depth - 1]);
			if (!s->root_seen)
				return fd_error_set(err, -EBADMSG, "no XML "
				    "element");
			t->kind = T_EOF;
			return 0;
		}
		if (*p != '<') {
			q = memchr(p, '<', (size_t)(s->end - p));
			e = q != NULL ? q : s->end;
			s->p = e;
			if (s->depth == 0) {
				for (; p < e; p++)
					if (!isspace((unsigned char)*p))
						return fd_error_set(err,
						    -EBADMSG, "not XML: text "
						    "outside an element: "
						    "'%.40s'", p);
				continue;
			}
			t->kind = T_TEXT;
			t->text = p;
			t->text_len = (size_t)(e - p);
			t->depth = s->depth;
			return 0;
		}
		if (s->end - p >= 2 && p[1] == '?') {
			if ((q = find(p, s->end, "?>")) == NULL)
				return fd_error_set(err, -EBADMSG, "XML: "
				    "unterminated <?");
			s->p = q + 2;
			continue;
		}
		if (s->end - p >= 4 && memcmp(p, "<!--", 4) == 0) {
			if ((q = find(p + 4, s->end, "-->")) == NULL)
				return fd_error_set(err, -EBADMSG, "XML: "
				    "unterminated comment");
			s->p = q + 3;
			continue;
		}
		if (s->end - p >= 9 && memcmp(p, "<![CDATA[", 9) == 0) {
			if (s->depth == 0)
				return fd_error_set(err, -EBADMSG, "XML: "
				    "CDATA outside an element");
			if ((q = find(p + 9, s->end, "]]>")) == NULL)
				return fd_error_set(err, -EBADMSG, "XML: "
				    "unterminated CDATA");
			s->p = q + 3;
			t->kind = T_TEXT;
			t->text = p + 9;
			t->text_len = (size_t)(q - p - 9);
			t->cdata = true;
			t->depth = s->depth;
			return 0;
		}
		if (s->end - p >= 2 && p[1] == '!')
			return fd_error_set(err, -EBADMSG, "XML: no DOCTYPE or "
			    "declaration is allowed in NETCONF");
		break;
	}
	if (s->end - p >= 2 && p[1] == '/') {
		for (q = p + 2; q < s->end && name_char(*q); q++)
			;
		e = q;
		while (e < s->end && isspace((unsigned char)*e))
			e++;
		if (e >= s->end || *e != '>' || q == p + 2)
			return fd_error_set(err, -EBADMSG, "XML: bad end tag "
			    "'%.20s'", p);
		if (s->depth == 0 || s->qlen[s->depth - 1] !=
		    (size_t)(q - p - 2) || memcmp(s->qn[s->depth - 1], p + 2,
		    (size_t)(q - p - 2)) != 0)
			return fd_error_set(err, -EBADMSG, "XML: </%.*s> "
			    "does not close <%.*s>", (int)(q - p - 2), p + 2,
			    s->depth ? (int)s->qlen[s->depth - 1] : 0,
			    s->depth ? s->qn[s->depth - 1] : "");
		t->kind = T_END;
		t->depth = s->depth--;
		local_name(p + 2, (size_t)(q - p - 2), &t->name,
		    &t->name_len);
		s->p = e + 1;
		return 0;
	}
	for (q = p + 1; q < s->end && name_char(*q); q++)
		;
	if (q == p + 1)
		return fd_error_set(err, -EBADMSG, "XML: bad tag '%.20s'", p);
	/* Attributes up to '>', quoted values may hold '>'. */
	for (e = q; e < s->end && *e != '>'; e++)
		if (*e == '"' || *e == '\'') {
			const char *c = memchr(e + 1, *e,
			    (size_t)(s->end - e - 1));

			if (c == NULL)
				break;
			e = c;
		}
	if (e >= s->end)
		return fd_error_set(err, -EBADMSG, "XML: unterminated tag "
		    "'%.20s'", p);
	if (s->depth == 0 && s->root_seen)
		return fd_error_set(err, -EBADMSG, "XML: a second root "
		    "element <%.*s>", (int)(q - p - 1), p + 1);
	s->root_seen = true;
	t->kind = T_START;
	t->empty = e[-1] == '/';
	t->attrs = q;
	t->attrs_len = (size_t)(e - q - (t->empty ? 1 : 0));
	local_name(p + 1, (size_t)(q - p - 1), &t->name, &t->name_len);
	t->depth = s->depth + 1;
	if (!t->empty) {
		if (s->depth == NC_DEPTH)
			return fd_error_set(err, -EBADMSG, "XML nested deeper "
			    "than %d", NC_DEPTH);
		s->qn[s->depth] = p + 1;
		s->qlen[s->depth] = (size_t)(q - p - 1);
		s->depth++;
	}
	s->p = e + 1;
	return 0;
}

static bool
is(const struct tokn *t, const char *name)
{
	return t->name_len == strlen(name) &&
	    memcmp(t->name, name, t->name_len) == 0;
}

/* The value of attribute name (unprefixed) in a start tag's attribute
 * text: 1 and *out (unescaped, cut at len), 0 when absent. */
static int
attr_get(const struct tokn *t, const char *name, char *out, size_t len,
    struct fd_error *err)
{
	const char *p = t->attrs, *end = t->attrs + t->attrs_len, *n, *v;
	size_t nl = strlen(name);
	struct sbuf b = { 0 };
	int rc;

	while (p < end) {
		while (p < end && isspace((unsigned char)*p))
			p++;
		n = p;
		while (p < end && name_char(*p))
			p++;
		if (p == n)
			break;
		nl = (size_t)(p - n);
		while (p < end && isspace((unsigned char)*p))
			p++;
		if (p >= end || *p != '=')
			return fd_error_set(err, -EBADMSG, "XML: attribute "
			    "without a value");
		p++;
		while (p < end && isspace((unsigned char)*p))
			p++;
		if (p >= end || (*p != '"' && *p != '\''))
			return fd_error_set(err, -EBADMSG, "XML: unquoted "
			    "attribute value");
		v = memchr(p + 1, *p, (size_t)(end - p - 1));
		if (v == NULL)
			return fd_error_set(err, -EBADMSG, "XML: unterminated "
			    "attribute value");
		if (nl == strlen(name) && memcmp(n, name, nl) == 0) {
			if ((rc = sb_unescape(&b, p + 1, (size_t)(v - p - 1),
			    err)) < 0) {
				free(b.p);
				return rc;
			}
			snprintf(out, len, "%s", b.p != NULL ? b.p : "");
			free(b.p);
			return 1;
		}
		p = v + 1;
	}
	return 0;
}

/* Collapse runs of whitespace to one space and trim: error messages
 * span lines in Junos's replies. */
static void
squeeze(const char *in, char *out, size_t len)
{
	size_t o = 0;
	bool sp = false;

	if (len == 0)
		return;
	for (; in != NULL && *in != '\0' && o + 1 < len; in++) {
		if (isspace((unsigned char)*in)) {
			sp = o > 0;
			continue;
		}
		if (sp && o + 2 < len)
			out[o++] = ' ';
		sp = false;
		out[o++] = *in;
	}
	out[o] = '\0';
}

/*
 * The text inside the element that just started (start) until its end
 * tag, unescaped, into *b: only its own text, child elements skipped with
 * their content, or with deep the text at any depth; b NULL skips the
 * element.  Leaves s after the element.
 */
static int
elem_text(struct scan *s, const struct tokn *start, bool deep,
    struct sbuf *b, struct fd_error *err)
{
	struct tokn t;
	int rc;

	if (start->empty)
		return 0;
	for (;;) {
		if ((rc = scan_next(s, &t, err)) < 0)
			return rc;
		if (t.kind == T_EOF)
			return fd_error_set(err, -EBADMSG, "XML ends early");
		if (t.kind == T_END && t.depth == start->depth)
			return 0;
		if (b == NULL || t.kind != T_TEXT ||
		    (!deep && t.depth != start->depth))
			continue;
		if (t.cdata)
			sb_add(b, t.text, t.text_len);
		else if ((rc = sb_unescape(b, t.text, t.text_len, err)) < 0)
			return rc;
		if (b->oom)
			return fd_error_set(err, -ENOMEM, "out of memory");
	}
}

/* -------------------------------------------------------------- hello */

const char *
nc_hello_client(void)
{
	return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<hello xmlns=\"" NC_NS "\"><capabilities>"
	    "<capability>" NC_BASE_10 "</capability>"
	    "</capabilities></hello>";
}

int
nc_hello_parse(const char *msg, size_t len, struct nc_hello *out,
    struct fd_error *err)
{
	struct nc_hello h = { 0 };
	struct scan s;
	struct tokn t;
	struct sbuf b = { 0 };
	char v[128];
	bool sid = false;
	int rc;

	scan_init(&s, msg, len);
	if ((rc = scan_next(&s, &t, err)) < 0)
		return rc;
	if (t.kind != T_START || !is(&t, "hello"))
		return fd_error_set(err, -EPROTO, "expected the server's "
		    "<hello>, got <%.*s>", (int)t.name_len, t.name);
	for (;;) {
		if ((rc = scan_next(&s, &t, err)) < 0)
			goto out;
		if (t.kind == T_EOF)
			break;
		if (t.kind != T_START || (!is(&t, "capability") &&
		    !is(&t, "session-id")))
			continue;
		b.n = 0;
		if (b.p != NULL)
			b.p[0] = '\0';
		if ((rc = elem_text(&s, &t, false, &b, err)) < 0)
			goto out;
		squeeze(b.p, v, sizeof(v));
		if (is(&t, "session-id")) {
			char *end;

			h.session_id = strtoul(v, &end, 10);
			if (v[0] == '\0' || *end != '\0' ||
			    !isdigit((unsigned char)v[0]) ||
			    h.session_id == 0) {
				rc = fd_error_set(err, -EPROTO, "the server's "
				    "<hello> has a bad session-id '%.40s'",
				    v);
				goto out;
			}
			sid = true;
		} else if (strcmp(v, NC_BASE_10) == 0 ||
		    strcmp(v, NC_NS) == 0) {
			/* Junos before the RFC 6241 names lists base:1.0 by
			 * its namespace URI (a 12.1X45 SRX240's hello in
			 * Juniper's go-netconf, netconf/transport_test.go);
			 * ncclient's capabilities.py takes both forms. */
			h.base10 = true;
		} else if (strcmp(v, "urn:ietf:params:netconf:base:1.1") ==
		    0) {
			h.base11 = true;
		} else if (strcmp(v, "http://xml.juniper.net/netconf/junos/"
		    "1.0") == 0) {
			h.junos = true;
		}
	}
	if (!h.base10) {
		rc = fd_error_set(err, -EPROTO, "the server offers no "
		    "base:1.0 (%s)", h.base11 ? "only base:1.1, whose "
		    "chunked framing this tool does not speak" : "no NETCONF "
		    "base capability at all");
		goto out;
	}
	/* RFC 6241 8.1: the server's hello MUST carry a session-id. */
	if (!sid) {
		rc = fd_error_set(err, -EPROTO, "the server's <hello> has no "
		    "session-id (RFC 6241 8.1)");
		goto out;
	}
	*out = h;
	rc = 0;
out:
	free(b.p);
	return rc;
}

/* ---------------------------------------------------------------- rpc */

static const char *const fmt_name[] = {
	[NC_JSON] = "json", [NC_XML] = "xml", [NC_TEXT] = "text",
};

char *
nc_command_op(enum nc_format f, const char *cmd)
{
	struct sbuf b = { 0 };

	sb_add(&b, "<command format=\"", 17);
	sb_add(&b, fmt_name[f], strlen(fmt_name[f]));
	sb_add(&b, "\">", 2);
	sb_escape(&b, cmd);
	sb_add(&b, "</command>", 10);
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

char *
nc_rpc_wrap(unsigned long id, const char *op)
{
	char *o = NULL;

	if (asprintf(&o, "<rpc message-id=\"%lu\" xmlns=\"" NC_NS "\">%s"
	    "</rpc>", id, op) < 0)
		return NULL;
	return o;
}

char *
nc_rpc_command(unsigned long id, enum nc_format f, const char *cmd)
{
	char *op = nc_command_op(f, cmd), *o;

	if (op == NULL)
		return NULL;
	o = nc_rpc_wrap(id, op);
	free(op);
	return o;
}

char *
nc_rpc_close(unsigned long id)
{
	return nc_rpc_wrap(id, "<close-session/>");
}

/* ---------------------------------------------------------- rpc-reply */

/* One <rpc-error> (t its start): severity, tag, message into r. */
static int
reply_error(struct scan *s, const struct tokn *start, struct nc_reply *r,
    struct fd_error *err)
{
	char sev[32] = "", tag[48] = "", msg[200] = "", bad[64] = "";
	struct sbuf b = { 0 };
	struct tokn t;
	int rc = 0;

	while (!start->empty) {
		if ((rc = scan_next(s, &t, err)) < 0)
			goto out;
		if (t.kind == T_EOF) {
			rc = fd_error_set(err, -EBADMSG, "XML ends early");
			goto out;
		}
		if (t.kind == T_END && t.depth == start->depth)
			break;
		if (t.kind != T_START)
			continue;
		/* error-info/bad-element (RFC 6241 4.3): the word Junos
		 * refused. */
		if (t.depth == start->depth + 2 ? !is(&t, "bad-element") :
		    t.depth != start->depth + 1 || is(&t, "error-info"))
			continue;
		b.n = 0;
		if (b.p != NULL)
			b.p[0] = '\0';
		if ((rc = elem_text(s, &t, false, &b, err)) < 0)
			goto out;
		if (is(&t, "error-severity"))
			squeeze(b.p, sev, sizeof(sev));
		else if (is(&t, "error-tag"))
			squeeze(b.p, tag, sizeof(tag));
		else if (is(&t, "error-message"))
			squeeze(b.p, msg, sizeof(msg));
		else if (is(&t, "bad-element"))
			squeeze(b.p, bad, sizeof(bad));
	}
	if (msg[0] == '\0')
		snprintf(msg, sizeof(msg), "%s", tag[0] ? tag :
		    "(no error-message)");
	if (strcmp(sev, "warning") == 0) {
		if (r->warnings++ == 0) {
			snprintf(r->warning, sizeof(r->warning), "%s", msg);
			if (r->errors == 0) {
				snprintf(r->tag, sizeof(r->tag), "%s", tag);
				snprintf(r->message, sizeof(r->message), "%s",
				    msg);
			}
		}
	} else if (r->errors++ == 0) {
		snprintf(r->tag, sizeof(r->tag), "%s", tag);
		snprintf(r->message, sizeof(r->message), "%s", msg);
		snprintf(r->bad_element, sizeof(r->bad_element), "%s", bad);
	}
out:
	free(b.p);
	return rc;
}

/* Open the reply: its root must be rpc-reply; *root its start tag. */
static int
reply_open(struct scan *s, const char *msg, size_t len, struct tokn *root,
    struct fd_error *err)
{
	int rc;

	scan_init(s, msg, len);
	if ((rc = scan_next(s, root, err)) < 0)
		return rc;
	if (root->kind != T_START || !is(root, "rpc-reply"))
		return fd_error_set(err, -EPROTO, "expected <rpc-reply>, got "
		    "<%.*s>", (int)root->name_len, root->name);
	return 0;
}

int
nc_reply_parse(const char *msg, size_t len, unsigned long want,
    struct nc_reply *out, struct fd_error *err)
{
	struct nc_reply r = { 0 };
	struct scan s;
	struct tokn t;
	char id[32], *end;
	bool open;
	int rc;

	if ((rc = reply_open(&s, msg, len, &t, err)) < 0)
		return rc;
	if ((rc = attr_get(&t, "message-id", id, sizeof(id), err)) < 0)
		return rc;
	if (rc == 0)
		return fd_error_set(err, -EPROTO, "<rpc-reply> without a "
		    "message-id (expected %lu)", want);
	r.message_id = strtoul(id, &end, 10);
	if (id[0] == '\0' || *end != '\0' || r.message_id != want)
		return fd_error_set(err, -EPROTO, "<rpc-reply> to message-id "
		    "'%.20s', expected %lu", id, want);
	open = !t.empty;
	while (open) {
		if ((rc = scan_next(&s, &t, err)) < 0)
			return rc;
		if (t.kind == T_EOF)
			break;
		if (t.kind != T_START)
			continue;
		if (is(&t, "rpc-error")) {
			if ((rc = reply_error(&s, &t, &r, err)) < 0)
				return rc;
		} else if (is(&t, "ok") && t.depth == 2) {
			r.ok = true;
		}
	}
	*out = r;
	return 0;
}

int
nc_reply_payload(const char *msg, size_t len, enum nc_format f,
    char **out, size_t *out_len, struct fd_error *err)
{
	struct sbuf b = { 0 }, said = { 0 };
	struct scan s;
	struct tokn t;
	bool output = false, other = false, open;
	char other_name[48] = "", words[120];
	int rc;

	if ((rc = reply_open(&s, msg, len, &t, err)) < 0)
		return rc;
	sb_add(&b, "", 0);
	if (f == NC_XML) {
		/* From its first '<': an XML declaration after the newline
		 * a server sends behind the last marker is an error to an
		 * XML parser (XML 1.0 2.8: only at the very start). */
		while (len > 0 && isspace((unsigned char)*msg)) {
			msg++;
			len--;
		}
		sb_add(&b, msg, len);
		goto done;
	}
	open = !t.empty;
	while (open) {
		if ((rc = scan_next(&s, &t, err)) < 0)
			goto fail;
		if (t.kind == T_EOF)
			break;
		if (t.kind == T_TEXT && t.depth == 1) {
			/* The JSON is the rpc-reply's own text; beside text
			 * it is what Junos says instead of <output> (below). */
			struct sbuf *to = f == NC_JSON ? &b : &said;

			if (t.cdata)
				sb_add(to, t.text, t.text_len);
			else if ((rc = sb_unescape(to, t.text, t.text_len,
			    err)) < 0)
				goto fail;
			continue;
		}
		if (t.kind != T_START || t.depth != 2)
			continue;
		if (f == NC_TEXT && is(&t, "output") && !output) {
			output = true;
			if ((rc = elem_text(&s, &t, true, &b, err)) < 0)
				goto fail;
			continue;
		}
		if (!is(&t, "rpc-error") && !is(&t, "ok") && !other) {
			other = true;
			snprintf(other_name, sizeof(other_name), "%.*s",
			    (int)t.name_len, t.name);
		}
		if ((rc = elem_text(&s, &t, false, NULL, err)) < 0)
			goto fail;
	}
	if (f == NC_TEXT && !output && other) {
		rc = fd_error_set(err, -EBADMSG, "a text reply without "
		    "<output> (it holds <%s>)", other_name);
		goto fail;
	}
	/* Junos may answer with the error as the reply's bare text, e.g.
	 * "protocol: operation-failed error: device asdf not found"
	 * (py-junos-eznc device.py execute()): never an empty answer. */
	squeeze(said.p, words, sizeof(words));
	if (f == NC_TEXT && !output && words[0] != '\0') {
		rc = fd_error_set(err, -EBADMSG, "a text reply without "
		    "<output>: '%s'", words);
		goto fail;
	}
done:
	if (b.oom) {
		rc = fd_error_set(err, -ENOMEM, "out of memory");
		goto fail;
	}
	free(said.p);
	*out = b.p;
	*out_len = b.n;
	return 0;
fail:
	free(said.p);
	free(b.p);
	return rc;
}
