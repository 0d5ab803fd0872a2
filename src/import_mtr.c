/* Importers of mtr (--report, curses, --json) and WinMTR; see import.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "import_priv.h"

/* ------------------------------------------------ mtr --report and curses */

bool
imp_mtr_row(const char *s, unsigned *ttl, bool *bar)
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
	struct imp_text t;
	struct hop_list *l;
	unsigned ttl = 0;
	int avg_col = 3, loss_col = 0;	/* Loss% Snt Last Avg ... */
	bool in_hop = false;
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
		bool indented = imp_is_space((unsigned char)*t.lines[li]), bar;
		size_t n = imp_tokenize(t.lines[li], tok), i, k;
		struct imp_cur c;
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
		if (imp_mtr_row(tok[0], &ttl, &bar)) {
			i = 1;
			if (!bar && i < n && strcmp(tok[i], "|--") == 0)
				i++;
			if (i >= n)
				continue;
			/* -z: "AS???" or "AS1234" before the host. */
			if (imp_starts_with(tok[i], "AS") && i + 1 < n &&
			    !isdigit((unsigned char)tok[i + 1][0]))
				i++;
			in_hop = true;
			if (strcmp(tok[i], "???") == 0) {
				rc = imp_add_probe(l, ttl, NULL, -1, NULL);
				if (rc < 0)
					goto full_;
				continue;
			}
			if (imp_addr_tok(tok[i], &a))
				imp_cur_set(&c, &a, NULL);
			else
				imp_cur_set(&c, NULL, tok[i]);
			i++;
			for (k = 0; i + k < n; k++) {
				char v[32];
				double d;

				snprintf(v, sizeof(v), "%s", tok[i + k]);
				if (v[0] != '\0' && v[strlen(v) - 1] == '%')
					v[strlen(v) - 1] = '\0';
				if (!imp_float(v, &d))
					continue;
				if ((int)k == loss_col)
					loss = d;
				if ((int)k == avg_col)
					avg = d;
			}
			if (loss >= 100)
				rc = imp_add_probe(l, ttl, NULL, -1, NULL);
			else
				rc = imp_add_probe(l, ttl, &c, avg, NULL);
			if (rc < 0)
				goto full_;
		} else if (indented && in_hop && n == 1) {
			/* Another responder of the same hop (ECMP). */
			if (imp_addr_tok(tok[0], &a))
				imp_cur_set(&c, &a, NULL);
			else
				imp_cur_set(&c, NULL, tok[0]);
			rc = imp_add_probe(l, ttl, &c, -1, NULL);
			if (rc < 0)
				goto full_;
		} else {
			in_hop = false;
		}
	}
	rc = imp_finish(l, "mtr-report", err);
	if (rc == 0)
		*out = *l;
	goto out;
full_:
	rc = imp_full(err, "mtr-report", rc);
out:
	hop_list_free(l);
	imp_text_free(&t);
	return rc;
}

/* ------------------------------------------------------------------ WinMTR */

static char *
trim(char *s)
{
	char *e;

	while (imp_is_space((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && imp_is_space((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int
parse_winmtr(const char *buf, size_t len, struct hop_list *out,
    struct fd_error *err)
{
	struct imp_text t;
	struct hop_list *l;
	unsigned ttl = 0;
	size_t li;
	int rc;

	rc = imp_text_split(buf, len, &t);
	l = hop_list_new();
	if (rc < 0 || l == NULL) {
		rc = fd_error_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	for (li = 0; li < t.n; li++) {
		char *f[10], *p = t.lines[li], *dash, *host;
		size_t nf = 0;
		double loss, avg;
		struct imp_cur c;
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
		if (!imp_float(trim(dash + 3), &loss) ||
		    !imp_float(f[4], &avg))
			continue;	/* the title and column headings */
		ttl++;
		if (strcmp(host, "No response from host") == 0 || loss >= 100) {
			rc = imp_add_probe(l, ttl, NULL, -1, NULL);
		} else {
			if (imp_addr_tok(host, &a))
				imp_cur_set(&c, &a, NULL);
			else
				imp_cur_set(&c, NULL, host);
			rc = imp_add_probe(l, ttl, &c, avg, NULL);
		}
		if (rc < 0) {
			rc = imp_full(err, "winmtr", rc);
			goto out;
		}
	}
	rc = imp_finish(l, "winmtr", err);
	if (rc == 0)
		*out = *l;
out:
	hop_list_free(l);
	imp_text_free(&t);
	return rc;
}

/* ---------------------------------------------------------------- mtr JSON */

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
		imp_json_target(json_object_get(json_object_get(report, "mtr"),
		    "dst"), l);
		hubs = json_object_get(report, "hubs");
	} else {
		/* Not upstream mtr: hops[].{hop, ipaddr, host, avg, ...}
		 * (mtr-json-alt-schema-03.json; rich-traceroute reads it). */
		imp_json_target(json_object_get(root, "dst"), l);
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
		struct imp_cur c;
		struct fd_addr a;
		const json_t *v;

		if (!imp_json_num(json_object_get(h, alt ? "hop" : "count"),
		    &ttl_d) || ttl_d < 1 || ttl_d > 255) {
			rc = fd_error_set(err, -EBADMSG,
			    "mtr-json: hop %zu has no valid %s", i,
			    alt ? "hop" : "count");
			goto out;
		}
		imp_json_num(json_object_get(h, alt ? "losspercent" : "Loss%"),
		    &loss);
		imp_json_num(json_object_get(h, alt ? "avg" : "Avg"), &avg);
		memset(&c, 0, sizeof(c));
		if (alt && json_is_string(v = json_object_get(h, "ipaddr")) &&
		    imp_addr_tok(json_string_value(v), &a)) {
			v = json_object_get(h, "host");
			host = json_is_string(v) ? json_string_value(v) : NULL;
			if (host != NULL && strcmp(host, "unresolved") == 0)
				host = NULL;
			imp_cur_set(&c, &a, host);
		} else if (json_is_string(v = json_object_get(h, "host"))) {
			host = json_string_value(v);
			if (strcmp(host, "???") == 0)
				host = NULL;
			else if (imp_addr_tok(host, &a))
				imp_cur_set(&c, &a, NULL);
			else
				imp_cur_set(&c, NULL, host);
		}
		if (!c.set || loss >= 100)
			rc = imp_add_probe(l, (unsigned)ttl_d, NULL, -1, NULL);
		else
			rc = imp_add_probe(l, (unsigned)ttl_d, &c, avg, NULL);
		if (rc < 0) {
			rc = imp_full(err, "mtr-json", rc);
			goto out;
		}
	}
	rc = imp_finish(l, "mtr-json", err);
	if (rc == 0)
		*out = *l;
out:
	json_decref(root);
	hop_list_free(l);
	return rc;
}

const struct trace_format import_fmt_mtr_report = {
	"mtr-report", "mtr --report / curses screen copy", parse_mtr_report,
};

const struct trace_format import_fmt_winmtr = {
	"winmtr", "WinMTR text export", parse_winmtr,
};

const struct trace_format import_fmt_mtr_json = {
	"mtr-json", "mtr --json (0.93 and 0.94+ schemas)", parse_mtr_json,
};
