/* The result document's schema check and times; see result.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "result.h"

/* ------------------------------------------------------------ times */

int
result_time_parse(const char *s, double *out)
{
	struct tm tm;
	const char *p;
	double frac = 0, scale = 0.1;
	int off = 0, hh, mm;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (p == NULL || strlen(s) < 19 || s[4] != '-' || s[10] != 'T')
		return -EINVAL;
	if (*p == '.') {
		if (p[1] < '0' || p[1] > '9')
			return -EINVAL;
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			frac += (*p - '0') * scale;
	}
	if (*p == 'Z') {
		p++;
	} else if ((*p == '+' || *p == '-') &&
	    sscanf(p + 1, "%2d:%2d", &hh, &mm) == 2 && strlen(p) == 6 &&
	    p[3] == ':' && hh < 24 && mm < 60) {
		off = (hh * 60 + mm) * 60 * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		return -EINVAL;
	}
	if (*p != '\0')
		return -EINVAL;
	t = timegm(&tm);
	*out = (double)t - off + frac;
	return 0;
}

/* ------------------------------------------------------------ schema */

enum {
	T_NULL = 1 << 0,
	T_BOOL = 1 << 1,
	T_INT = 1 << 2,
	T_REAL = 1 << 3,
	T_NUM = T_INT | T_REAL,
	T_STR = 1 << 4,
	T_ARR = 1 << 5,
	T_OBJ = 1 << 6,
};

struct rfield {
	const char *key;		/* NULL ends a member list */
	unsigned types;
	bool optional;
	const struct rfield *members;	/* T_OBJ */
	const struct rfield *item;	/* T_ARR: describes each item */
	const char *const *values;	/* T_STR: allowed values */
	int (*check)(const json_t *v, const char *path,
	    struct fd_error *err);
};

static int
check_time(const json_t *v, const char *path, struct fd_error *err)
{
	double t;

	if (result_time_parse(json_string_value(v), &t) < 0)
		return fd_error_set(err, -EINVAL, "%s: \"%s\" is not a UTC "
		    "time like 2026-11-24T02:30:00.123Z", path,
		    json_string_value(v));
	return 0;
}

/* Counts and offsets only: durations come from the wall clock, which
 * may step back during a run, and a report must still be written. */
static int
check_nonneg(const json_t *v, const char *path, struct fd_error *err)
{
	if (json_is_number(v) && json_number_value(v) < 0)
		return fd_error_set(err, -EINVAL, "%s: negative", path);
	return 0;
}

static int
check_exit(const json_t *v, const char *path, struct fd_error *err)
{
	json_int_t x = json_integer_value(v);

	if (x < 0 || x > 5)
		return fd_error_set(err, -EINVAL, "%s: %lld not in 0..5", path,
		    (long long)x);
	return 0;
}

static int
check_schema(const json_t *v, const char *path, struct fd_error *err)
{
	const char *s = json_string_value(v);

	if (strcmp(s, RESULT_SCHEMA) == 0)
		return 0;
	if (strncmp(s, "failover-drill/result/", 22) == 0)
		return fd_error_set(err, -EPROTO, "%s: version \"%s\" is not "
		    "supported (this build reads %s)", path, s, RESULT_SCHEMA);
	return fd_error_set(err, -EINVAL, "%s: \"%s\" is not a "
	    "failover-drill result", path, s);
}

static int
check_trace(const json_t *v, const char *path, struct fd_error *err)
{
	struct hop_list *l;
	int rc;

	if (json_is_null(v))
		return 0;
	if ((l = hop_list_new()) == NULL)
		return fd_error_set(err, -ENOMEM, "out of memory");
	/* The hop-list reader names members from "trace"; put our path in
	 * front of it. */
	rc = hop_list_from_json(v, l, err);
	hop_list_free(l);
	if (rc < 0)
		return fd_error_prefix(err, "%s", path);
	return 0;
}

static const char *const modes[] = { "run", "dry-run", NULL };
static const char *const outcomes[] = { "passed", "failed", "aborted",
	"restore-failed", "unchecked", NULL };
static const char *const phase_names[] = { "preflight", "baseline",
	"failover", "converge", "verify", "restore", "verify-restored", NULL };
static const char *const phase_status[] = { "ok", "failed", "error",
	"skipped", NULL };
/* The peering writes, and the lease tag's (issue 14, lease.h). */
static const char *const actions[] = { "disable", "enable", "lease-set",
	"lease-clear", NULL };
static const char *const states[] = { "primary", "backup", "lost", NULL };

static const struct rfield f_tool[] = {
	{ "name", T_STR },
	{ "version", T_STR },
	{ NULL }
};

static const struct rfield f_drill[] = {
	{ "name", T_STR },
	{ "spec", T_STR },
	{ "subscription", T_STR },
	{ "resource_group", T_STR },
	{ "circuit", T_STR },
	{ "peering", T_STR },
	{ "hop_sets", T_OBJ, .optional = true },
	{ NULL }
};

static const struct rfield f_phase[] = {
	{ "name", T_STR, .values = phase_names },
	{ "started", T_STR, .check = check_time },
	{ "duration_s", T_NUM },
	{ "status", T_STR, .values = phase_status },
	{ "message", T_STR, .optional = true },
	{ NULL }
};

static const struct rfield f_check[] = {
	{ "phase", T_STR, .values = phase_names },
	{ "name", T_STR },
	{ "ok", T_BOOL },
	{ "message", T_STR, .optional = true },
	{ "line", T_INT, .optional = true, .check = check_nonneg },
	{ "could_not_check", T_BOOL, .optional = true },
	{ "duration_s", T_NUM, .optional = true },
	{ "same_as", T_STR, .optional = true },
	{ "observed", T_ARR | T_OBJ, .optional = true },
	{ "device", T_STR, .optional = true },
	{ "table", T_STR, .optional = true },
	{ "prefix", T_STR, .optional = true },
	{ NULL }
};

static const struct rfield f_traces[] = {
	{ "baseline", T_OBJ | T_NULL, .check = check_trace },
	{ "failover", T_OBJ | T_NULL, .check = check_trace },
	{ "restored", T_OBJ | T_NULL, .check = check_trace },
	{ NULL }
};

static const struct rfield f_path[] = {
	{ "probe", T_STR },
	{ "target", T_STR },
	{ "from", T_STR, .optional = true },
	{ "traces", T_OBJ, .members = f_traces },
	{ NULL }
};

static const struct rfield f_segment[] = {
	{ "from_s", T_NUM, .check = check_nonneg },
	{ "to_s", T_NUM, .check = check_nonneg },
	{ "state", T_STR, .values = states },
	{ NULL }
};

static const struct rfield i_segment = { NULL, T_OBJ, .members = f_segment };

static const struct rfield f_signals[] = {
	{ "none", T_INT, .check = check_nonneg },
	{ "ttl_responder", T_INT, .check = check_nonneg },
	{ "reply_ttl", T_INT, .check = check_nonneg },
	{ "rtt", T_INT, .check = check_nonneg },
	{ "carried", T_INT, .check = check_nonneg },
	{ NULL }
};

static const struct rfield f_conv[] = {
	{ "probe", T_STR },
	{ "target", T_STR },
	{ "rate_hz", T_NUM, .check = check_nonneg },
	{ "sent", T_INT, .check = check_nonneg },
	{ "lost", T_INT, .check = check_nonneg },
	{ "left_s", T_NUM | T_NULL, .check = check_nonneg },
	{ "stable_s", T_NUM | T_NULL, .check = check_nonneg },
	{ "longest_loss_s", T_NUM, .check = check_nonneg },
	{ "converged", T_BOOL },
	{ "timeline", T_ARR, .optional = true, .item = &i_segment },
	{ "t0", T_STR, .optional = true, .check = check_time },
	{ "limit_s", T_NUM | T_NULL, .optional = true,
	  .check = check_nonneg },
	{ "signals", T_OBJ, .optional = true, .members = f_signals },
	{ NULL }
};

static const struct rfield f_convergence[] = {
	{ "failover", T_OBJ | T_NULL, .members = f_conv },
	{ "failback", T_OBJ | T_NULL, .members = f_conv },
	{ NULL }
};

static const struct rfield f_operation[] = {
	{ "action", T_STR, .values = actions },
	{ "http_status", T_INT },
	{ "request_id", T_STR },
	{ "status", T_STR },
	{ "duration_s", T_NUM },
	{ "attempts", T_INT, .check = check_nonneg },
	{ NULL }
};

static const struct rfield i_operation = { NULL, T_OBJ,
	.members = f_operation };
static const struct rfield i_phase = { NULL, T_OBJ, .members = f_phase };
static const struct rfield i_check = { NULL, T_OBJ, .members = f_check };
static const struct rfield i_path = { NULL, T_OBJ, .members = f_path };

static const struct rfield f_before[] = {
	{ "state", T_STR },
	{ "ipv6_state", T_STR },
	{ NULL }
};

/* The drill's lease tag (issue 14, lease.h): noted under "azure" by the
 * drill, moved to evidence.lease by run. */
static const struct rfield f_lease[] = {
	{ "value", T_STR | T_NULL },
	{ "written", T_BOOL },
	{ "removed", T_BOOL },
	{ "stale", T_STR | T_NULL },
	{ "not_removed", T_STR | T_NULL },
	{ NULL }
};

static const struct rfield f_azure[] = {
	{ "correlation_id", T_STR },
	{ "operations", T_ARR, .item = &i_operation },
	{ "peering_before", T_OBJ, .optional = true, .members = f_before },
	{ "lease", T_OBJ, .optional = true, .members = f_lease },
	{ NULL }
};

/* Who ran it, where, under which change, from which spec (issue 13). */
static const struct rfield f_evidence[] = {
	{ "operator", T_STR },
	{ "change_id", T_STR | T_NULL },
	{ "spec_sha256", T_STR },
	{ "spec_copy", T_STR | T_NULL },
	{ "window_until", T_STR, .optional = true, .check = check_time },
	{ "lease", T_OBJ, .optional = true, .members = f_lease },
	{ NULL }
};

static const struct rfield f_result[] = {
	{ "schema", T_STR, .check = check_schema },
	{ "tool", T_OBJ, .members = f_tool },
	{ "drill", T_OBJ, .members = f_drill },
	{ "mode", T_STR, .values = modes },
	{ "started", T_STR, .check = check_time },
	{ "finished", T_STR, .check = check_time },
	{ "duration_s", T_NUM },
	{ "outcome", T_STR, .values = outcomes },
	{ "exit_code", T_INT, .check = check_exit },
	{ "error", T_STR | T_NULL },
	{ "backup_healthy", T_BOOL | T_NULL },
	{ "unfinished_journal", T_BOOL, .optional = true },
	{ "phases", T_ARR, .item = &i_phase },
	{ "checks", T_ARR, .item = &i_check },
	{ "paths", T_ARR, .item = &i_path },
	{ "convergence", T_OBJ, .members = f_convergence },
	{ "azure", T_OBJ, .members = f_azure },
	{ "journal", T_STR | T_NULL, .optional = true },
	{ "evidence", T_OBJ, .optional = true, .members = f_evidence },
	{ NULL }
};

static unsigned
type_bit(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_NULL:
		return T_NULL;
	case JSON_TRUE:
	case JSON_FALSE:
		return T_BOOL;
	case JSON_INTEGER:
		return T_INT;
	case JSON_REAL:
		return T_REAL;
	case JSON_STRING:
		return T_STR;
	case JSON_ARRAY:
		return T_ARR;
	default:
		return T_OBJ;
	}
}

static void
types_str(unsigned t, char *buf, size_t len)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
		{ T_OBJ, "an object" }, { T_ARR, "an array" },
		{ T_STR, "a string" }, { T_NUM, "a number" },
		{ T_INT, "an integer" }, { T_BOOL, "a boolean" },
		{ T_NULL, "null" },
	};
	size_t off = 0, i;

	buf[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]) && off < len; i++) {
		if ((t & names[i].bit) != names[i].bit)
			continue;
		t &= ~names[i].bit;
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
		    off ? " or " : "", names[i].name);
	}
}

static int check_value(const json_t *v, const struct rfield *f,
    const char *path, struct fd_error *err);

static int
check_object(const json_t *o, const struct rfield *members, const char *path,
    struct fd_error *err)
{
	char p[160];
	const struct rfield *f;
	json_t *v;
	int rc;

	for (f = members; f->key != NULL; f++) {
		snprintf(p, sizeof(p), "%s%s%s", path, *path ? "." : "",
		    f->key);
		v = json_object_get(o, f->key);
		if (v == NULL) {
			if (f->optional)
				continue;
			return fd_error_set(err, -EINVAL,
			    "%s: missing member \"%s\"", *path ? path :
			    "result", f->key);
		}
		if ((rc = check_value(v, f, p, err)) < 0)
			return rc;
	}
	return 0;
}

static int
check_value(const json_t *v, const struct rfield *f, const char *path,
    struct fd_error *err)
{
	char want[96], p[160];
	json_t *item;
	size_t i;
	int rc;

	if ((type_bit(v) & f->types) == 0) {
		types_str(f->types, want, sizeof(want));
		return fd_error_set(err, -EINVAL, "%s: expected %s, got %s",
		    path, want, hops_json_type_name(v));
	}
	if (json_is_string(v) && f->values != NULL) {
		for (i = 0; f->values[i] != NULL; i++)
			if (strcmp(f->values[i], json_string_value(v)) == 0)
				break;
		if (f->values[i] == NULL)
			return fd_error_set(err, -EINVAL,
			    "%s: \"%s\" is not a known value", path,
			    json_string_value(v));
	}
	if (json_is_object(v) && f->members != NULL &&
	    (rc = check_object(v, f->members, path, err)) < 0)
		return rc;
	if (json_is_array(v) && f->item != NULL) {
		json_array_foreach(v, i, item) {
			snprintf(p, sizeof(p), "%s[%zu]", path, i);
			if ((rc = check_value(item, f->item, p, err)) < 0)
				return rc;
		}
	}
	if (f->check != NULL && (rc = f->check(v, path, err)) < 0)
		return rc;
	return 0;
}

int
result_check(const json_t *doc, struct fd_error *err)
{
	static const struct rfield top = { "", T_OBJ, .members = f_result };
	json_t *v;
	int rc;

	if (doc == NULL)
		return fd_error_set(err, -EINVAL, "result: no document");
	/* The schema first, so a future version is reported as such rather
	 * than as a missing member. */
	v = json_object_get(doc, "schema");
	if (json_is_string(v) && (rc = check_schema(v, "schema", err)) < 0)
		return rc;
	if (!json_is_object(doc))
		return fd_error_set(err, -EINVAL,
		    "result: expected an object, got %s",
		    hops_json_type_name(doc));
	return check_value(doc, &top, "", err);
}

int
result_load(const char *path, json_t **out, struct fd_error *err)
{
	json_error_t jerr;
	json_t *doc;
	int rc;

	doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL)
		return fd_error_set(err, -EINVAL, "%s:%d:%d: %s", path,
		    jerr.line, jerr.column, jerr.text);
	if ((rc = result_check(doc, err)) < 0) {
		json_decref(doc);
		return fd_error_prefix(err, "%s", path);
	}
	*out = doc;
	return 0;
}
