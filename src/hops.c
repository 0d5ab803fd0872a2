#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hops.h"

struct hop_list *
hop_list_new(void)
{
	struct hop_list *l = malloc(sizeof(*l));

	if (l != NULL)
		hop_list_init(l);
	return l;
}

void
hop_list_free(struct hop_list *l)
{
	free(l);
}

void
hop_list_init(struct hop_list *l)
{
	memset(l, 0, sizeof(*l));
}

struct hop *
hop_list_get(struct hop_list *l, unsigned ttl)
{
	unsigned i;

	for (i = 0; i < l->n; i++)
		if (l->hops[i].ttl == ttl)
			return &l->hops[i];
	return NULL;
}

static struct hop *
hop_list_insert(struct hop_list *l, unsigned ttl)
{
	struct hop *h = hop_list_get(l, ttl);
	unsigned i;

	if (h != NULL)
		return h;
	if (l->n >= HOPS_MAX)
		return NULL;
	/* Keep TTL order; traces almost always append. */
	for (i = l->n; i > 0 && l->hops[i - 1].ttl > ttl; i--)
		l->hops[i] = l->hops[i - 1];
	memset(&l->hops[i], 0, sizeof(l->hops[i]));
	l->hops[i].ttl = ttl;
	l->n++;
	return &l->hops[i];
}

static int
hop_answer_index(struct hop *h, const struct fd_addr *addr, const char *name)
{
	unsigned i;

	for (i = 0; i < h->n_answers; i++) {
		struct hop_answer *a = &h->answers[i];

		if (addr_is_set(addr) && addr_is_set(&a->addr)) {
			if (addr_equal(addr, &a->addr))
				return (int)i;
		} else if (!addr_is_set(addr) && !addr_is_set(&a->addr) &&
		    name != NULL && strcmp(a->name, name) == 0) {
			return (int)i;
		}
	}
	if (h->n_answers >= HOP_MAX_ANSWERS)
		return -1;
	i = h->n_answers++;
	memset(&h->answers[i], 0, sizeof(h->answers[i]));
	if (addr_is_set(addr))
		h->answers[i].addr = *addr;
	if (name != NULL)
		snprintf(h->answers[i].name, sizeof(h->answers[i].name), "%s",
		    name);
	return (int)i;
}

int
hop_list_add_probe(struct hop_list *l, unsigned ttl,
    const struct fd_addr *addr, const char *name, double rtt_ms,
    const char *flag)
{
	struct hop *h;
	struct hop_probe *p;
	int ans = -1;

	if (ttl == 0 || ttl > 255)
		return -EINVAL;
	h = hop_list_insert(l, ttl);
	if (h == NULL)
		return -ENOSPC;
	if (addr_is_set(addr) || (name != NULL && *name != '\0')) {
		ans = hop_answer_index(h, addr, name);
		if (ans < 0)
			return -ENOSPC;
	} else if (name != NULL && *name == '\0') {
		name = NULL;
	}
	if (h->n_probes >= HOP_MAX_PROBES)
		return 0;	/* the answer is kept, surplus probes are not */
	p = &h->probes[h->n_probes++];
	p->answer = ans;
	p->rtt_ms = ans < 0 ? -1 : rtt_ms;
	snprintf(p->flag, sizeof(p->flag), "%s", flag ? flag : "");
	return 0;
}

void
hop_list_finish(struct hop_list *l)
{
	const struct hop *last;
	unsigned i;

	if (l->n == 0 || !addr_is_set(&l->target))
		return;
	last = &l->hops[l->n - 1];
	l->reached = false;
	for (i = 0; i < last->n_answers; i++)
		if (addr_is_set(&last->answers[i].addr) &&
		    addr_equal(&last->answers[i].addr, &l->target))
			l->reached = true;
}

static void
hop_str(const struct hop *h, char *buf, size_t len)
{
	char a[FD_ADDR_STRLEN];
	size_t off = 0;
	unsigned i;

	buf[0] = '\0';
	if (h->n_answers == 0) {
		snprintf(buf, len, "*");
		return;
	}
	for (i = 0; i < h->n_answers && off < len; i++) {
		const struct hop_answer *an = &h->answers[i];
		const char *s = addr_is_set(&an->addr) ?
		    addr_str(&an->addr, a, sizeof(a)) : an->name;

		off += (size_t)snprintf(buf + off, len - off, "%s%s",
		    i ? "|" : "", s);
	}
}

const char *
hop_list_str(const struct hop_list *l, char *buf, size_t len)
{
	char one[HOP_MAX_ANSWERS * (FD_ADDR_STRLEN + 1)];
	size_t off = 0;
	unsigned i;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (i = 0; i < l->n && off < len; i++) {
		hop_str(&l->hops[i], one, sizeof(one));
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
		    i ? ", " : "", one);
	}
	return buf;
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int
hop_list_parse(const char *s, struct hop_list *out, struct fd_error *err)
{
	struct hop_list *l;
	char *copy, *tok, *save = NULL;
	unsigned ttl = 0;
	int rc = 0;

	l = hop_list_new();
	copy = strdup(s);
	if (l == NULL || copy == NULL) {
		rc = fd_error_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		char *t = trim(tok), *alt, *asave = NULL;

		ttl++;
		if (strcmp(t, "*") == 0) {
			rc = hop_list_add_probe(l, ttl, NULL, NULL, -1, NULL);
			if (rc < 0)
				goto full;
			continue;
		}
		if (strspn(t, "| \t") == strlen(t)) {
			rc = fd_error_set(err, -EINVAL, "hop %u: empty", ttl);
			goto out;
		}
		for (alt = strtok_r(t, "|", &asave); alt != NULL;
		    alt = strtok_r(NULL, "|", &asave)) {
			struct fd_addr a;

			if (addr_parse(trim(alt), &a, err) < 0) {
				rc = fd_error_prefix(err, "hop %u", ttl);
				goto out;
			}
			rc = hop_list_add_probe(l, ttl, &a, NULL, -1, NULL);
			if (rc < 0)
				goto full;
		}
	}
	if (l->n == 0) {
		rc = fd_error_set(err, -ENODATA, "empty hop list");
		goto out;
	}
	if (l->hops[l->n - 1].n_answers > 0) {
		l->target = l->hops[l->n - 1].answers[0].addr;
		l->reached = true;
	}
	snprintf(l->source, sizeof(l->source), "text");
	*out = *l;
	goto out;
full:
	rc = fd_error_set(err, rc, "hop list too long");
out:
	free(copy);
	hop_list_free(l);
	return rc;
}

/* ------------------------------------------------------------ hop sets */

const struct hop_set *
hop_sets_find(const struct hop_sets *s, const char *name)
{
	unsigned i;

	if (s == NULL)
		return NULL;
	for (i = 0; i < s->n; i++)
		if (strcmp(s->sets[i].name, name) == 0)
			return &s->sets[i];
	return NULL;
}

/* ------------------------------------------------------------ patterns */

static bool
set_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= HOPSET_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	return true;
}

int
hop_pat_parse(const char *s, struct hop_pat *out, struct fd_error *err)
{
	struct hop_pat p;

	memset(&p, 0, sizeof(p));
	if (s == NULL || *s == '\0')
		return fd_error_set(err, -EINVAL, "empty hop pattern");
	if (strcmp(s, "*") == 0) {
		p.kind = HOP_PAT_SILENT;
	} else if (strcmp(s, "?") == 0) {
		p.kind = HOP_PAT_ONE;
	} else if (strcmp(s, "...") == 0) {
		p.kind = HOP_PAT_ANY;
	} else if (s[0] == '@') {
		if (!set_name_ok(s + 1))
			return fd_error_set(err, -EINVAL,
			    "'%s': bad set name (letters, digits, _ and -)",
			    s);
		p.kind = HOP_PAT_SET;
		snprintf(p.set, sizeof(p.set), "%s", s + 1);
	} else {
		if (prefix_parse_host(s, &p.prefix, NULL) < 0)
			return fd_error_set(err, -EINVAL,
			    "'%s' is not a hop pattern (ADDRESS, CIDR, @set, "
			    "*, ? or ...)", s);
		p.kind = HOP_PAT_PREFIX;
	}
	*out = p;
	return 0;
}

int
hop_pat_check(const struct hop_pat *p, const struct hop_sets *sets,
    struct fd_error *err)
{
	if (p->kind == HOP_PAT_SET && hop_sets_find(sets, p->set) == NULL)
		return fd_error_set(err, -ENOENT, "undefined hop set '@%s'",
		    p->set);
	return 0;
}

const char *
hop_pat_str(const struct hop_pat *p, char *buf, size_t len)
{
	char a[FD_PREFIX_STRLEN];

	switch (p->kind) {
	case HOP_PAT_SILENT:
		snprintf(buf, len, "*");
		break;
	case HOP_PAT_ONE:
		snprintf(buf, len, "?");
		break;
	case HOP_PAT_ANY:
		snprintf(buf, len, "...");
		break;
	case HOP_PAT_SET:
		snprintf(buf, len, "@%s", p->set);
		break;
	case HOP_PAT_PREFIX:
		if (p->prefix.len ==
		    (p->prefix.addr.family == AF_INET ? 32u : 128u))
			addr_str(&p->prefix.addr, buf, len);
		else
			snprintf(buf, len, "%s",
			    prefix_str(&p->prefix, a, sizeof(a)));
		break;
	}
	return buf;
}

static bool
pat_match_addr(const struct hop_pat *p, const struct hop_sets *sets,
    const struct fd_addr *a)
{
	const struct hop_set *s;
	unsigned i;

	if (!addr_is_set(a))
		return false;
	switch (p->kind) {
	case HOP_PAT_PREFIX:
		return prefix_contains(&p->prefix, a);
	case HOP_PAT_SET:
		s = hop_sets_find(sets, p->set);
		for (i = 0; s != NULL && i < s->n; i++)
			if (prefix_contains(&s->prefixes[i], a))
				return true;
		return false;
	default:
		return false;
	}
}

bool
hop_pat_match_hop(const struct hop_pat *p, const struct hop_sets *sets,
    const struct hop *h)
{
	unsigned i;

	switch (p->kind) {
	case HOP_PAT_SILENT:
		return h->n_answers == 0;
	case HOP_PAT_ONE:
	case HOP_PAT_ANY:
		return true;
	default:
		for (i = 0; i < h->n_answers; i++)
			if (pat_match_addr(p, sets, &h->answers[i].addr))
				return true;
		return false;
	}
}

/* ------------------------------------------------------------ matcher */

static void
hop_desc(const struct hop *h, char *buf, size_t len)
{
	hop_str(h, buf, len);
}

static int
path_mismatch(const struct path_expect *e, const struct hop_sets *sets,
    const struct hop_list *l, struct fd_error *err)
{
	/* m[i][j]: hops[0..i) are matched by pats[0..j). */
	static const size_t W = PATH_MAX_PATS + 1;
	bool m[(HOPS_MAX + 1) * (PATH_MAX_PATS + 1)];
	char got[HOP_MAX_ANSWERS * (FD_ADDR_STRLEN + 1)], want[256], one[64];
	unsigned i, j, best = 0;
	size_t off = 0;

	memset(m, 0, sizeof(m));
	m[0] = true;
	for (i = 0; i <= l->n; i++) {
		for (j = 0; j <= e->n; j++) {
			bool v = m[i * W + j];
			const struct hop_pat *p;

			if (i == 0 && j == 0)
				v = true;
			if (j > 0) {
				p = &e->pats[j - 1];
				if (p->kind == HOP_PAT_ANY) {
					/* "..." consumes nothing or one more */
					v = v || m[i * W + j - 1] ||
					    (i > 0 && m[(i - 1) * W + j]);
				} else if (i > 0 && m[(i - 1) * W + j - 1] &&
				    hop_pat_match_hop(p, sets,
				    &l->hops[i - 1])) {
					v = true;
				}
			}
			m[i * W + j] = v;
			if (v && i > best)
				best = i;
		}
	}
	if (m[l->n * W + e->n])
		return 0;

	/* Explain at the first hop no prefix of the patterns could reach. */
	want[0] = '\0';
	for (j = 0; j < e->n; j++) {
		if (!m[best * W + j] || e->pats[j].kind == HOP_PAT_ANY)
			continue;
		hop_pat_str(&e->pats[j], one, sizeof(one));
		if (strstr(want, one) == NULL && off < sizeof(want))
			off += (size_t)snprintf(want + off, sizeof(want) - off,
			    "%s%s", off ? " or " : "", one);
	}
	if (best >= l->n) {
		return fd_error_set(err, -EBADMSG,
		    "trace ended after %u hops; expected further hop %s",
		    l->n, want[0] ? want : "(none)");
	}
	hop_desc(&l->hops[best], got, sizeof(got));
	if (want[0] == '\0')
		return fd_error_set(err, -EBADMSG,
		    "hop %u: got %s after the expected path had ended",
		    l->hops[best].ttl, got);
	return fd_error_set(err, -EBADMSG, "hop %u: got %s, expected %s",
	    l->hops[best].ttl, got, want);
}

int
hops_match(const struct path_expect *e, const struct hop_sets *sets,
    const struct hop_list *l, struct fd_error *err)
{
	char a[FD_ADDR_STRLEN], one[64];
	unsigned i, k, x;

	if (l == NULL || l->n == 0)
		return fd_error_set(err, -ENODATA,
		    "empty trace: no hop was recorded");
	if (e->reach && !l->reached)
		return fd_error_set(err, -EBADMSG,
		    "destination %s not reached (trace ended at hop %u%s)",
		    addr_str(&l->target, a, sizeof(a)), l->hops[l->n - 1].ttl,
		    l->truncated ? ", output truncated" : "");
	if (!e->reach && l->reached)
		return fd_error_set(err, -EBADMSG,
		    "destination %s answered at hop %u but was expected to "
		    "be unreachable", addr_str(&l->target, a, sizeof(a)),
		    l->hops[l->n - 1].ttl);
	if (e->max_hops > 0 && l->n > e->max_hops)
		return fd_error_set(err, -EBADMSG,
		    "%u hops, more than max_hops %u", l->n, e->max_hops);
	for (i = 0; i < l->n; i++) {
		const struct hop *h = &l->hops[i];

		for (k = 0; k < e->n_avoid; k++) {
			const struct hop_pat *p = &e->avoid[k];

			for (x = 0; x < h->n_answers; x++) {
				if (!pat_match_addr(p, sets,
				    &h->answers[x].addr))
					continue;
				return fd_error_set(err, -EBADMSG,
				    "hop %u: %s matches avoided %s", h->ttl,
				    addr_str(&h->answers[x].addr, a,
				    sizeof(a)), hop_pat_str(p, one,
				    sizeof(one)));
			}
		}
	}
	if (e->n == 0)
		return 0;
	return path_mismatch(e, sets, l, err);
}

/* ------------------------------------------------------------ diff */

bool
hop_same(const struct hop *a, const struct hop *b)
{
	unsigned i, j;

	if (a->n_answers == 0 || b->n_answers == 0)
		return a->n_answers == 0 && b->n_answers == 0;
	for (i = 0; i < a->n_answers; i++) {
		for (j = 0; j < b->n_answers; j++) {
			const struct hop_answer *x = &a->answers[i];
			const struct hop_answer *y = &b->answers[j];

			if (addr_is_set(&x->addr) && addr_is_set(&y->addr)) {
				if (addr_equal(&x->addr, &y->addr))
					return true;
			} else if (strcmp(x->name, y->name) == 0) {
				return true;
			}
		}
	}
	return false;
}

static void
diff_push(struct hop_diff *d, int a, int b, bool differs)
{
	if (d->n >= HOP_DIFF_MAX)
		return;
	d->rows[d->n].a = a;
	d->rows[d->n].b = b;
	d->rows[d->n].differs = differs;
	d->n++;
}

/* Emit the unmatched runs a[ai..ae) and b[bi..be) side by side. */
static void
diff_gap(struct hop_diff *d, unsigned ai, unsigned ae, unsigned bi,
    unsigned be)
{
	while (ai < ae || bi < be) {
		int x = ai < ae ? (int)ai++ : -1;
		int y = bi < be ? (int)bi++ : -1;

		diff_push(d, x, y, true);
	}
}

void
hops_diff(const struct hop_list *a, const struct hop_list *b,
    struct hop_diff *out)
{
	static const size_t W = HOPS_MAX + 1;
	unsigned short L[(HOPS_MAX + 1) * (HOPS_MAX + 1)];
	unsigned i, j, pa = 0, pb = 0;

	memset(out, 0, sizeof(*out));
	memset(L, 0, sizeof(L));
	for (i = a->n; i-- > 0;) {
		for (j = b->n; j-- > 0;) {
			if (hop_same(&a->hops[i], &b->hops[j]))
				L[i * W + j] = (unsigned short)(
				    L[(i + 1) * W + j + 1] + 1);
			else
				L[i * W + j] = L[(i + 1) * W + j] >
				    L[i * W + j + 1] ? L[(i + 1) * W + j] :
				    L[i * W + j + 1];
		}
	}
	i = j = 0;
	while (i < a->n && j < b->n) {
		if (hop_same(&a->hops[i], &b->hops[j]) &&
		    L[i * W + j] == L[(i + 1) * W + j + 1] + 1) {
			diff_gap(out, pa, i, pb, j);
			diff_push(out, (int)i, (int)j, false);
			pa = ++i;
			pb = ++j;
		} else if (L[(i + 1) * W + j] >= L[i * W + j + 1]) {
			i++;
		} else {
			j++;
		}
	}
	diff_gap(out, pa, a->n, pb, b->n);
}
