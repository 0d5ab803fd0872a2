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

#include "import_priv.h"

/* ------------------------------------------------------------ format table */

const struct trace_format *const trace_formats[] = {
	&import_fmt_traceroute,
	&import_fmt_tracert,
	&import_fmt_tracepath,
	&import_fmt_mtr_json,
	&import_fmt_mtr_report,
	&import_fmt_winmtr,
	&import_fmt_scamper,
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
	size_t n = imp_tokenize(line, tok), i = 1, k, used;
	double rtt;

	if (n < 2 || !imp_all_digits(tok[0]))
		return false;
	for (k = 0; k < 3; k++) {
		used = imp_tracert_cell(tok, n, i, &rtt);
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
	struct imp_text t;
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
			f = &import_fmt_scamper;
		json_decref(o);
		if (f == NULL || o == NULL) {
			o = json_loadb(buf, len, 0, NULL);
			if (o != NULL && (json_object_get(o, "report") ||
			    json_object_get(o, "hops")))
				f = &import_fmt_mtr_json;
			json_decref(o);
		}
		return f;
	}
	if (imp_text_split(buf, len, &t) < 0)
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
		n = imp_tokenize(copy, tok);
		if (n == 0)
			continue;
		if (imp_tracepath_ttl(tok[0], &ttl))
			tracepath++;
		else if (imp_mtr_row(tok[0], &ttl, &bar))
			mtr++;
		else if (imp_all_digits(tok[0]) || strcmp(tok[0],
		    "traceroute") == 0 || strcmp(tok[0], "traceroute6") == 0)
			tr++;
		else if (tok[0][0] == '|' && strstr(t.lines[i], " - ") != NULL)
			winmtr++;
	}
	imp_text_free(&t);
	if (winmtr >= 10 || (winmtr > tr && winmtr > mtr && winmtr >
	    tracert))
		return &import_fmt_winmtr;
	if (tracert > 0 && tracert >= tr)
		return &import_fmt_tracert;
	if (mtr > tr && mtr >= tracepath)
		return &import_fmt_mtr_report;
	if (tracepath > tr)
		return &import_fmt_tracepath;
	if (tr > 0)
		return &import_fmt_traceroute;
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
