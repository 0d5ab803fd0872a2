/*
 * Reports rendered from a result document (result.h): one const ops table
 * per format in report_<format>.c, as OpenBSD bgpctl's output_*.c; the
 * front end only picks the table by name.
 */
#ifndef FD_REPORT_H
#define FD_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "error.h"
#include "hops.h"

struct report_ops {
	const char *name;	/* "text", "json", "junit", "prom", "html" */
	/* doc has passed result_check(). */
	int (*render)(const json_t *doc, FILE *out, struct fd_error *err);
};

extern const struct report_ops report_text_ops;
extern const struct report_ops report_json_ops;
extern const struct report_ops report_junit_ops;
extern const struct report_ops report_prom_ops;
extern const struct report_ops report_html_ops;

/* NULL-terminated list of format names, in a stable order. */
const char *const *report_formats(void);
const struct report_ops *report_find(const char *format);

/* Check doc (result_check()) and render it in format.  -EINVAL for an
 * unknown format (the message lists the known ones), -EIO on a write
 * error. */
int report_render(const json_t *doc, const char *format, FILE *out,
    struct fd_error *err);

/* Prometheus textfile metrics.  previous (may be NULL) is the text of the
 * metrics file this one replaces: when this run did not succeed, its
 * failover_drill_last_success_timestamp_seconds for the same drill is
 * carried over so the alert "no success for 100 days" keeps working. */
int report_prom(const json_t *doc, const char *previous, FILE *out,
    struct fd_error *err);

/* ---- Helpers shared by the report_*.c files ---- */

/* Member k of o as a string ("" when absent or not a string), number
 * (0 when absent), bool. */
const char *rp_str(const json_t *o, const char *k);
double rp_num(const json_t *o, const char *k);
bool rp_bool(const json_t *o, const char *k);
/* Is member k absent or null? */
bool rp_null(const json_t *o, const char *k);

/* Write s escaped for XML/HTML text and attribute values: & < > " ' and
 * control characters (not allowed in XML 1.0) as U+FFFD. */
void rp_xml_escape(FILE *out, const char *s);
/* Write s escaped for a Prometheus label value: \\ \" \n. */
void rp_prom_escape(FILE *out, const char *s);

/* The three traces of a path aligned into rows for side-by-side display.
 * The first trace present is the reference; each other one is aligned to
 * it with hops_diff() and its cells are marked where they differ. */
#define RP_TRACES 3
#define RP_ROWS_MAX (3 * HOPS_MAX)

struct rp_row {
	int idx[RP_TRACES];	/* hop index in trace t, -1: none */
	bool differs[RP_TRACES];	/* cell differs from the reference */
};

struct rp_paths {
	struct hop_list *l[RP_TRACES];	/* NULL: not traced */
	int ref;			/* index of the reference, -1: none */
	unsigned n;
	struct rp_row rows[RP_ROWS_MAX];
};

extern const char *const rp_trace_keys[RP_TRACES];	/* "baseline", ... */

/* Decode the traces of one "paths" item and align them.  rp_paths_done()
 * frees the lists. */
int rp_paths_load(const json_t *path, struct rp_paths *out,
    struct fd_error *err);
void rp_paths_done(struct rp_paths *p);
/* "10.1.11.1" / "a|b" for ECMP / "*" for a silent hop. */
const char *rp_hop_str(const struct hop *h, char *buf, size_t len);

/*
 * Route evidence (issue 13): the device route checks of baseline, verify
 * and verify-restored, one row per device, table and prefix (the checks'
 * machine keys "device", "table", "prefix"; never parsed from the name),
 * in the order the checks first name them.
 */
#define RP_ROUTE_PHASES 3

struct rp_route_row {
	const char *device, *table, *prefix;	/* borrowed from the doc */
	/* The check of each phase (rp_route_phases), NULL: not checked
	 * then.  Of several, the first that observed the routes. */
	const json_t *check[RP_ROUTE_PHASES];
};

extern const char *const rp_route_phases[RP_ROUTE_PHASES];

/* The rows into *out (free() it; NULL when there is none) and their
 * number into *n.  -ENOMEM. */
int rp_route_rows(const json_t *doc, struct rp_route_row **out, size_t *n,
    struct fd_error *err);
/* The active path among a route check's observed paths, or NULL. */
const json_t *rp_route_active(const json_t *check);

#endif
