/*
 * A JSON scanner (RFC 8259) that records where every value starts, as a
 * tree of pointer segments, and finds duplicate keys.  It validates the
 * grammar only as far as it must to stay in step; jansson remains the
 * parser of record and reports syntax errors.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonpos.h"

/* Deeper than jansson's JSON_PARSER_MAX_DEPTH (2048), so whatever jansson
 * accepts is scanned. */
#define JPOS_MAX_DEPTH 2100
#define NONE SIZE_MAX

struct jpos_node {
	size_t parent, first_child, last_child, next_sibling;
	size_t seg_off, seg_len;
	struct jpos pos;
};

struct scanner {
	const unsigned char *p, *end;
	unsigned line, col;	/* of *p */
	unsigned depth;
	struct jpos_index *ix;
	char *tmp;		/* decoded key */
	size_t tmp_n, tmp_cap;
};

static int
peek(const struct scanner *sc)
{
	return sc->p < sc->end ? *sc->p : -1;
}

static void
advance(struct scanner *sc)
{
	unsigned char c = *sc->p++;

	if (c == '\n') {
		sc->line++;
		sc->col = 1;
	} else if ((c & 0xc0) != 0x80) {
		/* A new character starts at each non-continuation byte. */
		sc->col++;
	}
}

static void
skip_ws(struct scanner *sc)
{
	int c;

	while ((c = peek(sc)) == ' ' || c == '\t' || c == '\n' || c == '\r')
		advance(sc);
}

static int
pool_add(struct jpos_index *ix, const char *s, size_t n, size_t *off)
{
	if (ix->pool_n + n > ix->pool_cap) {
		size_t cap = ix->pool_cap ? ix->pool_cap : 256;
		char *np;

		while (cap < ix->pool_n + n)
			cap *= 2;
		if ((np = realloc(ix->pool, cap)) == NULL)
			return -ENOMEM;
		ix->pool = np;
		ix->pool_cap = cap;
	}
	if (n > 0)
		memcpy(ix->pool + ix->pool_n, s, n);
	*off = ix->pool_n;
	ix->pool_n += n;
	return 0;
}

/* Escape key as a pointer segment into the pool. */
static int
pool_add_key(struct jpos_index *ix, const char *key, size_t n, size_t *off,
    size_t *len)
{
	size_t i, start = NONE, total = 0, o;
	int rc;

	for (i = 0; i < n; i++) {
		const char *piece = key + i;
		size_t plen = 1;

		if (key[i] == '~') {
			piece = "~0";
			plen = 2;
		} else if (key[i] == '/') {
			piece = "~1";
			plen = 2;
		}
		if ((rc = pool_add(ix, piece, plen, &o)) < 0)
			return rc;
		if (start == NONE)
			start = o;
		total += plen;
	}
	*off = start == NONE ? ix->pool_n : start;
	*len = total;
	return 0;
}

static int
node_new(struct jpos_index *ix, size_t parent, size_t seg_off, size_t seg_len,
    const struct jpos *pos, size_t *out)
{
	struct jpos_node *nd;

	if (ix->n == ix->cap) {
		size_t cap = ix->cap ? ix->cap * 2 : 64;
		struct jpos_node *nv = realloc(ix->v, cap * sizeof(*nv));

		if (nv == NULL)
			return -ENOMEM;
		ix->v = nv;
		ix->cap = cap;
	}
	nd = &ix->v[ix->n];
	nd->parent = parent;
	nd->first_child = nd->last_child = nd->next_sibling = NONE;
	nd->seg_off = seg_off;
	nd->seg_len = seg_len;
	nd->pos = *pos;
	if (parent != NONE) {
		struct jpos_node *pa = &ix->v[parent];

		if (pa->last_child == NONE)
			pa->first_child = ix->n;
		else
			ix->v[pa->last_child].next_sibling = ix->n;
		pa->last_child = ix->n;
	}
	*out = ix->n++;
	return 0;
}

static int
tmp_add(struct scanner *sc, const char *s, size_t n)
{
	if (sc->tmp_n + n > sc->tmp_cap) {
		size_t cap = sc->tmp_cap ? sc->tmp_cap : 64;
		char *np;

		while (cap < sc->tmp_n + n)
			cap *= 2;
		if ((np = realloc(sc->tmp, cap)) == NULL)
			return -ENOMEM;
		sc->tmp = np;
		sc->tmp_cap = cap;
	}
	memcpy(sc->tmp + sc->tmp_n, s, n);
	sc->tmp_n += n;
	return 0;
}

static int
hex4(struct scanner *sc, unsigned *out)
{
	unsigned v = 0, i;
	int c;

	for (i = 0; i < 4; i++) {
		c = peek(sc);
		if (c >= '0' && c <= '9')
			v = v * 16 + (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v = v * 16 + (unsigned)(c - 'A' + 10);
		else
			return -EINVAL;
		advance(sc);
	}
	*out = v;
	return 0;
}

static int
put_utf8(struct scanner *sc, unsigned cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return tmp_add(sc, b, n);
}

/* A string at *p == '"'; decoded into sc->tmp when keep. */
static int
scan_string(struct scanner *sc, bool keep)
{
	const unsigned char *run;
	unsigned cp, lo;
	int c, rc;

	sc->tmp_n = 0;
	advance(sc);
	for (;;) {
		run = sc->p;
		while ((c = peek(sc)) >= 0x20 && c != '"' && c != '\\')
			advance(sc);
		if (keep && sc->p > run &&
		    (rc = tmp_add(sc, (const char *)run,
		    (size_t)(sc->p - run))) < 0)
			return rc;
		if (c == '"') {
			advance(sc);
			return 0;
		}
		if (c != '\\')
			return -EINVAL;	/* end of input or control char */
		advance(sc);
		c = peek(sc);
		if (c < 0)
			return -EINVAL;
		advance(sc);
		switch (c) {
		case '"': cp = '"'; break;
		case '\\': cp = '\\'; break;
		case '/': cp = '/'; break;
		case 'b': cp = '\b'; break;
		case 'f': cp = '\f'; break;
		case 'n': cp = '\n'; break;
		case 'r': cp = '\r'; break;
		case 't': cp = '\t'; break;
		case 'u':
			if (hex4(sc, &cp) < 0)
				return -EINVAL;
			if (cp >= 0xd800 && cp < 0xdc00 && peek(sc) == '\\' &&
			    sc->p + 1 < sc->end && sc->p[1] == 'u') {
				advance(sc);
				advance(sc);
				if (hex4(sc, &lo) < 0)
					return -EINVAL;
				if (lo >= 0xdc00 && lo < 0xe000)
					cp = 0x10000 + ((cp - 0xd800) << 10) +
					    (lo - 0xdc00);
				else if (keep && (rc = put_utf8(sc, cp)) < 0)
					return rc;
				else
					cp = lo;
			}
			break;
		default:
			return -EINVAL;
		}
		if (keep && (rc = put_utf8(sc, cp)) < 0)
			return rc;
	}
}

static int
scan_digits(struct scanner *sc)
{
	int c, n = 0;

	while ((c = peek(sc)) >= '0' && c <= '9') {
		advance(sc);
		n++;
	}
	return n > 0 ? 0 : -EINVAL;
}

static int
scan_number(struct scanner *sc)
{
	int c;

	if (peek(sc) == '-')
		advance(sc);
	if (peek(sc) == '0')
		advance(sc);
	else if (scan_digits(sc) < 0)
		return -EINVAL;
	if (peek(sc) == '.') {
		advance(sc);
		if (scan_digits(sc) < 0)
			return -EINVAL;
	}
	if ((c = peek(sc)) == 'e' || c == 'E') {
		advance(sc);
		if ((c = peek(sc)) == '+' || c == '-')
			advance(sc);
		if (scan_digits(sc) < 0)
			return -EINVAL;
	}
	return 0;
}

static int
scan_literal(struct scanner *sc, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(sc->end - sc->p) < n || memcmp(sc->p, lit, n) != 0)
		return -EINVAL;
	while (n-- > 0)
		advance(sc);
	return 0;
}

static int
seg_cmp(const struct jpos_index *ix, size_t a, size_t b)
{
	const struct jpos_node *x = &ix->v[a], *y = &ix->v[b];
	size_t n = x->seg_len < y->seg_len ? x->seg_len : y->seg_len;
	int r = memcmp(ix->pool + x->seg_off, ix->pool + y->seg_off, n);

	if (r != 0)
		return r;
	if (x->seg_len != y->seg_len)
		return x->seg_len < y->seg_len ? -1 : 1;
	return a < b ? -1 : a > b;
}

/* qsort has no context argument; sort with a small merge sort instead. */
static void
sort_children(const struct jpos_index *ix, size_t *v, size_t *tmp, size_t n)
{
	size_t mid = n / 2, i = 0, j = mid, k = 0;

	if (n < 2)
		return;
	sort_children(ix, v, tmp, mid);
	sort_children(ix, v + mid, tmp, n - mid);
	while (i < mid && j < n)
		tmp[k++] = seg_cmp(ix, v[i], v[j]) <= 0 ? v[i++] : v[j++];
	while (i < mid)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof(*v));
}

static void
node_path(const struct jpos_index *ix, size_t node, char *buf, size_t len)
{
	size_t chain[16], n = 0, used = 0;

	buf[0] = '\0';
	for (; node != NONE && ix->v[node].parent != NONE && n < 16;
	    node = ix->v[node].parent)
		chain[n++] = node;
	while (n-- > 0 && used + 1 < len) {
		const struct jpos_node *nd = &ix->v[chain[n]];
		int w = snprintf(buf + used, len - used, "/%.*s",
		    (int)nd->seg_len, ix->pool + nd->seg_off);

		if (w < 0)
			break;
		used += (size_t)w;
	}
}

static int
find_dups(struct jpos_index *ix, size_t obj, size_t nkeys)
{
	size_t *v, *tmp, i = 0, c;

	if (nkeys < 2)
		return 0;
	v = calloc(nkeys, sizeof(*v));
	tmp = calloc(nkeys, sizeof(*tmp));
	if (v == NULL || tmp == NULL) {
		free(v);
		free(tmp);
		return -ENOMEM;
	}
	for (c = ix->v[obj].first_child; c != NONE && i < nkeys;
	    c = ix->v[c].next_sibling)
		v[i++] = c;
	sort_children(ix, v, tmp, i);
	for (c = 1; c < i; c++) {
		const struct jpos_node *a = &ix->v[v[c - 1]], *b = &ix->v[v[c]];
		struct jpos_dup *d;

		if (a->seg_len != b->seg_len || memcmp(ix->pool + a->seg_off,
		    ix->pool + b->seg_off, a->seg_len) != 0)
			continue;
		if (ix->n_dups++ >= JPOS_MAX_DUPS)
			continue;
		d = &ix->dups[ix->n_dups - 1];
		d->at = b->pos;
		d->first_line = a->pos.key_line;
		snprintf(d->key, sizeof(d->key), "%.*s",
		    (int)(b->seg_len < 63 ? b->seg_len : 63),
		    ix->pool + b->seg_off);
		node_path(ix, obj, d->path, sizeof(d->path));
	}
	free(v);
	free(tmp);
	return 0;
}

static int scan_value(struct scanner *sc, size_t parent, size_t seg_off,
    size_t seg_len, const struct jpos *key);

static int
scan_object(struct scanner *sc, size_t self)
{
	size_t off, len, nkeys = 0;
	struct jpos key;
	int rc;

	advance(sc);
	skip_ws(sc);
	if (peek(sc) == '}') {
		advance(sc);
		return 0;
	}
	for (;;) {
		skip_ws(sc);
		if (peek(sc) != '"')
			return -EINVAL;
		key.key_line = sc->line;
		key.key_col = sc->col;
		if ((rc = scan_string(sc, true)) < 0)
			return rc;
		if ((rc = pool_add_key(sc->ix, sc->tmp, sc->tmp_n, &off,
		    &len)) < 0)
			return rc;
		skip_ws(sc);
		if (peek(sc) != ':')
			return -EINVAL;
		advance(sc);
		if ((rc = scan_value(sc, self, off, len, &key)) < 0)
			return rc;
		nkeys++;
		skip_ws(sc);
		if (peek(sc) == ',') {
			advance(sc);
			continue;
		}
		if (peek(sc) != '}')
			return -EINVAL;
		advance(sc);
		return find_dups(sc->ix, self, nkeys);
	}
}

static int
scan_array(struct scanner *sc, size_t self)
{
	char seg[24];
	size_t off, i = 0;
	int rc, n;

	advance(sc);
	skip_ws(sc);
	if (peek(sc) == ']') {
		advance(sc);
		return 0;
	}
	for (;; i++) {
		n = snprintf(seg, sizeof(seg), "%zu", i);
		if ((rc = pool_add(sc->ix, seg, (size_t)n, &off)) < 0)
			return rc;
		if ((rc = scan_value(sc, self, off, (size_t)n, NULL)) < 0)
			return rc;
		skip_ws(sc);
		if (peek(sc) == ',') {
			advance(sc);
			continue;
		}
		if (peek(sc) != ']')
			return -EINVAL;
		advance(sc);
		return 0;
	}
}

static int
scan_value(struct scanner *sc, size_t parent, size_t seg_off, size_t seg_len,
    const struct jpos *key)
{
	struct jpos pos;
	size_t self;
	int c, rc;

	skip_ws(sc);
	pos.line = sc->line;
	pos.col = sc->col;
	pos.key_line = key ? key->key_line : pos.line;
	pos.key_col = key ? key->key_col : pos.col;
	if ((rc = node_new(sc->ix, parent, seg_off, seg_len, &pos, &self)) < 0)
		return rc;
	c = peek(sc);
	switch (c) {
	case '{':
	case '[':
		if (++sc->depth > JPOS_MAX_DEPTH)
			return -E2BIG;
		rc = c == '{' ? scan_object(sc, self) : scan_array(sc, self);
		sc->depth--;
		return rc;
	case '"':
		return scan_string(sc, false);
	case 't':
		return scan_literal(sc, "true");
	case 'f':
		return scan_literal(sc, "false");
	case 'n':
		return scan_literal(sc, "null");
	default:
		if (c == '-' || (c >= '0' && c <= '9'))
			return scan_number(sc);
		return -EINVAL;
	}
}

int
jpos_build(const char *buf, size_t len, struct jpos_index *ix)
{
	struct scanner sc;
	int rc;

	memset(ix, 0, sizeof(*ix));
	memset(&sc, 0, sizeof(sc));
	sc.p = (const unsigned char *)buf;
	sc.end = sc.p + len;
	sc.line = 1;
	sc.col = 1;
	sc.ix = ix;
	rc = scan_value(&sc, NONE, 0, 0, NULL);
	if (rc == 0) {
		skip_ws(&sc);
		if (sc.p != sc.end)
			rc = -EINVAL;
	}
	free(sc.tmp);
	return rc;
}

void
jpos_done(struct jpos_index *ix)
{
	if (ix == NULL)
		return;
	free(ix->v);
	free(ix->pool);
	memset(ix, 0, sizeof(*ix));
}

bool
jpos_find(const struct jpos_index *ix, const char *ptr, struct jpos *out)
{
	size_t cur = 0, c, n;
	const char *seg, *slash;

	if (ix->n == 0 || (ptr[0] != '\0' && ptr[0] != '/'))
		return false;
	while (*ptr == '/') {
		seg = ptr + 1;
		slash = strchr(seg, '/');
		n = slash ? (size_t)(slash - seg) : strlen(seg);
		for (c = ix->v[cur].first_child; c != NONE;
		    c = ix->v[c].next_sibling)
			if (ix->v[c].seg_len == n &&
			    memcmp(ix->pool + ix->v[c].seg_off, seg, n) == 0)
				break;
		if (c == NONE)
			return false;
		cur = c;
		ptr = seg + n;
	}
	*out = ix->v[cur].pos;
	return true;
}

bool
jpos_ptr_push(char *buf, size_t size, size_t *n, const char *key)
{
	size_t used = *n;

	if (used + 1 >= size)
		return false;
	buf[used++] = '/';
	for (; *key; key++) {
		const char *piece = key;
		size_t plen = 1;

		if (*key == '~') {
			piece = "~0";
			plen = 2;
		} else if (*key == '/') {
			piece = "~1";
			plen = 2;
		}
		if (used + plen >= size) {
			buf[*n] = '\0';
			return false;
		}
		memcpy(buf + used, piece, plen);
		used += plen;
	}
	buf[used] = '\0';
	*n = used;
	return true;
}
