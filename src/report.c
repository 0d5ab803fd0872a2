#include <stdlib.h>
#include <string.h>

#include "hops_json.h"
#include "report.h"
#include "result.h"

static const struct report_ops *const report_table[] = {
	&report_text_ops,
	&report_json_ops,
	&report_junit_ops,
	&report_prom_ops,
	&report_html_ops,
};

#define N_FORMATS (sizeof(report_table) / sizeof(report_table[0]))

const char *const *
report_formats(void)
{
	static const char *const names[N_FORMATS + 1] = {
		"text", "json", "junit", "prom", "html", NULL
	};

	return names;
}

const struct report_ops *
report_find(const char *format)
{
	size_t i;

	for (i = 0; format != NULL && i < N_FORMATS; i++)
		if (strcmp(report_table[i]->name, format) == 0)
			return report_table[i];
	return NULL;
}

int
report_render(const json_t *doc, const char *format, FILE *out,
    struct fd_error *err)
{
	const struct report_ops *ops = report_find(format);
	int rc;

	if (ops == NULL)
		return fd_error_set(err, -EINVAL, "unknown report format "
		    "'%s' (text, json, junit, prom or html)",
		    format ? format : "");
	if ((rc = result_check(doc, err)) < 0)
		return rc;
	if ((rc = ops->render(doc, out, err)) < 0)
		return rc;
	if (fflush(out) != 0 || ferror(out))
		return fd_error_set(err, -EIO, "writing the %s report failed",
		    format);
	return 0;
}

/* ------------------------------------------------------------ helpers */

const char *
rp_str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

double
rp_num(const json_t *o, const char *k)
{
	return json_number_value(json_object_get(o, k));
}

bool
rp_bool(const json_t *o, const char *k)
{
	return json_is_true(json_object_get(o, k));
}

bool
rp_null(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return v == NULL || json_is_null(v);
}

void
rp_xml_escape(FILE *out, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&#39;", out);
			break;
		default:
			/* XML 1.0 allows only TAB, LF and CR below 0x20;
			 * jansson strings are valid UTF-8 already. */
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
				fputs("\xef\xbf\xbd", out);
			else
				fputc(c, out);
			break;
		}
	}
}

void
rp_prom_escape(FILE *out, const char *s)
{
	/* Label values escape backslash, double quote and line feed
	 * (Prometheus "Exposition formats", text format). */
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\\\", out);
		else if (*s == '"')
			fputs("\\\"", out);
		else if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
}

const char *
rp_hop_str(const struct hop *h, char *buf, size_t len)
{
	char a[FD_ADDR_STRLEN];
	size_t off = 0;
	unsigned i;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (h->n_answers == 0) {
		snprintf(buf, len, "*");
		return buf;
	}
	for (i = 0; i < h->n_answers && off < len; i++) {
		const struct hop_answer *an = &h->answers[i];

		off += (size_t)snprintf(buf + off, len - off, "%s%s",
		    i ? "|" : "", addr_is_set(&an->addr) ?
		    addr_str(&an->addr, a, sizeof(a)) : an->name);
	}
	return buf;
}

const char *const rp_trace_keys[RP_TRACES] = { "baseline", "failover",
	"restored" };

/* One aligned trace: per reference hop, its partner row; and the rows of
 * hops with no reference partner, grouped by how many reference hops came
 * before them. */
struct rp_side {
	int at[HOPS_MAX];
	bool differs[HOPS_MAX];
	unsigned n_extra[HOPS_MAX + 1];
	int extra[HOPS_MAX + 1][HOP_DIFF_MAX];
};

static void
side_build(const struct hop_list *ref, const struct hop_list *l,
    struct rp_side *s)
{
	struct hop_diff d;
	unsigned i, seen = 0;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < HOPS_MAX; i++) {
		s->at[i] = -1;
		s->differs[i] = true;
	}
	hops_diff(ref, l, &d);
	/* hops_diff() lists a gap's side-by-side pairs before its
	 * leftovers, so a leftover of l belongs after the last reference
	 * hop seen. */
	for (i = 0; i < d.n; i++) {
		const struct hop_diff_row *r = &d.rows[i];

		if (r->a >= 0) {
			s->at[r->a] = r->b;
			s->differs[r->a] = r->differs;
			seen = (unsigned)r->a + 1;
		} else if (r->b >= 0 && s->n_extra[seen] < HOP_DIFF_MAX) {
			s->extra[seen][s->n_extra[seen]++] = r->b;
		}
	}
}

static void
paths_push(struct rp_paths *p, const int idx[RP_TRACES],
    const bool differs[RP_TRACES])
{
	if (p->n >= RP_ROWS_MAX)
		return;
	memcpy(p->rows[p->n].idx, idx, sizeof(p->rows[p->n].idx));
	memcpy(p->rows[p->n].differs, differs,
	    sizeof(p->rows[p->n].differs));
	p->n++;
}

static void
paths_align(struct rp_paths *p, struct rp_side *sides)
{
	const struct hop_list *ref = p->l[p->ref];
	unsigned slot, i, k, t;

	for (t = 0; t < RP_TRACES; t++)
		if (p->l[t] != NULL && (int)t != p->ref)
			side_build(ref, p->l[t], &sides[t]);
	for (slot = 0; slot <= ref->n; slot++) {
		unsigned most = 0;

		for (t = 0; t < RP_TRACES; t++)
			if (p->l[t] != NULL && (int)t != p->ref &&
			    sides[t].n_extra[slot] > most)
				most = sides[t].n_extra[slot];
		for (k = 0; k < most; k++) {
			int idx[RP_TRACES] = { -1, -1, -1 };
			bool differs[RP_TRACES] = { false, false, false };

			for (t = 0; t < RP_TRACES; t++) {
				if (p->l[t] == NULL || (int)t == p->ref)
					continue;
				/* Nothing in the reference here: any hop
				 * is a difference, no hop is none. */
				if (k < sides[t].n_extra[slot]) {
					idx[t] = sides[t].extra[slot][k];
					differs[t] = true;
				}
			}
			paths_push(p, idx, differs);
		}
		if (slot == ref->n)
			break;
		{
			int idx[RP_TRACES] = { -1, -1, -1 };
			bool differs[RP_TRACES] = { false, false, false };

			i = slot;
			idx[p->ref] = (int)i;
			for (t = 0; t < RP_TRACES; t++) {
				if (p->l[t] == NULL || (int)t == p->ref)
					continue;
				idx[t] = sides[t].at[i];
				differs[t] = sides[t].differs[i];
			}
			paths_push(p, idx, differs);
		}
	}
}

int
rp_paths_load(const json_t *path, struct rp_paths *out, struct fd_error *err)
{
	const json_t *traces = json_object_get(path, "traces");
	struct rp_side *sides = NULL;
	unsigned t;
	int rc;

	memset(out, 0, sizeof(*out));
	out->ref = -1;
	for (t = 0; t < RP_TRACES; t++) {
		const json_t *j = json_object_get(traces, rp_trace_keys[t]);

		if (j == NULL || json_is_null(j))
			continue;
		if ((out->l[t] = hop_list_new()) == NULL) {
			rc = fd_error_set(err, -ENOMEM, "out of memory");
			goto fail;
		}
		if ((rc = hop_list_from_json(j, out->l[t], err)) < 0) {
			fd_error_prefix(err, "%s", rp_trace_keys[t]);
			goto fail;
		}
		if (out->ref < 0)
			out->ref = (int)t;
	}
	if (out->ref < 0)
		return 0;
	if ((sides = calloc(RP_TRACES, sizeof(*sides))) == NULL) {
		rc = fd_error_set(err, -ENOMEM, "out of memory");
		goto fail;
	}
	paths_align(out, sides);
	free(sides);
	return 0;
fail:
	rp_paths_done(out);
	return rc;
}

void
rp_paths_done(struct rp_paths *p)
{
	unsigned t;

	if (p == NULL)
		return;
	for (t = 0; t < RP_TRACES; t++) {
		hop_list_free(p->l[t]);
		p->l[t] = NULL;
	}
}

const char *const rp_route_phases[RP_ROUTE_PHASES] = { "baseline", "verify",
	"verify-restored" };

static bool
str_eq(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

int
rp_route_rows(const json_t *doc, struct rp_route_row **out, size_t *n,
    struct fd_error *err)
{
	const json_t *checks = json_object_get(doc, "checks"), *c;
	struct rp_route_row *rows = NULL, *r;
	size_t i, k, nr = 0;
	unsigned t;

	if (json_array_size(checks) > 0 && (rows = calloc(
	    json_array_size(checks), sizeof(*rows))) == NULL)
		return fd_error_set(err, -ENOMEM, "out of memory");
	json_array_foreach(checks, i, c) {
		const char *dev = json_string_value(json_object_get(c,
		    "device"));
		const char *pfx = json_string_value(json_object_get(c,
		    "prefix"));
		const char *tbl = json_string_value(json_object_get(c,
		    "table"));

		if (dev == NULL || pfx == NULL)
			continue;
		for (t = 0; t < RP_ROUTE_PHASES; t++)
			if (strcmp(rp_str(c, "phase"), rp_route_phases[t]) ==
			    0)
				break;
		if (t == RP_ROUTE_PHASES)
			continue;
		for (k = 0; k < nr; k++)
			if (strcmp(rows[k].device, dev) == 0 &&
			    strcmp(rows[k].prefix, pfx) == 0 &&
			    str_eq(rows[k].table, tbl))
				break;
		r = &rows[k];
		if (k == nr) {
			r->device = dev;
			r->prefix = pfx;
			r->table = tbl;
			nr++;
		}
		if (r->check[t] == NULL || (!json_is_array(json_object_get(
		    r->check[t], "observed")) && json_is_array(
		    json_object_get(c, "observed"))))
			r->check[t] = c;
	}
	if (nr == 0) {
		free(rows);
		rows = NULL;
	}
	*out = rows;
	*n = nr;
	return 0;
}

const json_t *
rp_route_active(const json_t *check)
{
	const json_t *obs = json_object_get(check, "observed"), *o;
	size_t i;

	json_array_foreach(obs, i, o)
		if (json_is_true(json_object_get(o, "active")))
			return o;
	return NULL;
}
