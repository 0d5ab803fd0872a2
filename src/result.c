#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "report.h"
#include "result.h"

/* ------------------------------------------------------------ hop lists */

static json_t *
hop_to_json(const struct hop *h)
{
	char a[FD_ADDR_STRLEN];
	json_t *answers, *probes;
	unsigned i;

	answers = json_array();
	probes = json_array();
	for (i = 0; answers != NULL && i < h->n_answers; i++)
		if (json_array_append_new(answers, json_pack("{s:s, s:s}",
		    "addr", addr_str(&h->answers[i].addr, a, sizeof(a)),
		    "name", h->answers[i].name)) < 0)
			goto fail;
	for (i = 0; probes != NULL && i < h->n_probes; i++) {
		const struct hop_probe *p = &h->probes[i];

		if (json_array_append_new(probes, json_pack("{s:i, s:o, s:s}",
		    "answer", p->answer,
		    "rtt_ms", p->rtt_ms < 0 ? json_null() :
		    json_real(p->rtt_ms), "flag", p->flag)) < 0)
			goto fail;
	}
	if (answers == NULL || probes == NULL)
		goto fail;
	/* rate_limited only when set: documents without it stay as they
	 * were. */
	if (h->rate_limited)
		return json_pack("{s:i, s:o, s:o, s:b}", "ttl", (int)h->ttl,
		    "answers", answers, "probes", probes, "rate_limited", 1);
	return json_pack("{s:i, s:o, s:o}", "ttl", (int)h->ttl,
	    "answers", answers, "probes", probes);
fail:
	json_decref(answers);
	json_decref(probes);
	return NULL;
}

json_t *
hop_list_to_json(const struct hop_list *l)
{
	char a[FD_ADDR_STRLEN];
	json_t *hops;
	unsigned i;

	if ((hops = json_array()) == NULL)
		return NULL;
	for (i = 0; i < l->n; i++) {
		if (json_array_append_new(hops, hop_to_json(&l->hops[i])) < 0) {
			json_decref(hops);
			return NULL;
		}
	}
	return json_pack("{s:s, s:s, s:b, s:b, s:o}", "source", l->source,
	    "target", addr_str(&l->target, a, sizeof(a)),
	    "reached", l->reached, "truncated", l->truncated, "hops", hops);
}

static const char *
json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
	default:
		return "null";
	}
}

/* Only the members in keys (NULL-terminated) are allowed. */
static int
only_members(const json_t *o, const char *const *keys, const char *path,
    struct fd_error *err)
{
	const char *k;
	json_t *v;
	size_t i;

	json_object_foreach((json_t *)o, k, v) {
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(keys[i], k) == 0)
				break;
		if (keys[i] == NULL)
			return fd_error_set(err, -EINVAL,
			    "%s: unknown member \"%s\"", path, k);
	}
	return 0;
}

/* Member k of o, which must have type t (JSON_REAL: any number). */
static int
member(const json_t *o, const char *k, json_type t, const char *path,
    json_t **out, struct fd_error *err)
{
	json_t *v = json_object_get(o, k);
	const char *want;
	bool ok;

	if (v == NULL)
		return fd_error_set(err, -EINVAL, "%s: missing member \"%s\"",
		    path, k);
	switch (t) {
	case JSON_REAL:
		ok = json_is_number(v);
		want = "a number";
		break;
	case JSON_INTEGER:
		ok = json_is_integer(v);
		want = "an integer";
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		ok = json_is_boolean(v);
		want = "a boolean";
		break;
	default:
		ok = json_typeof(v) == t;
		want = t == JSON_STRING ? "a string" : t == JSON_ARRAY ?
		    "an array" : "an object";
		break;
	}
	if (!ok)
		return fd_error_set(err, -EINVAL, "%s.%s: expected %s, got %s",
		    path, k, want, json_type_name(v));
	*out = v;
	return 0;
}

/* Copy string member k into buf, refusing what does not fit. */
static int
member_str(const json_t *o, const char *k, char *buf, size_t len,
    const char *path, struct fd_error *err)
{
	json_t *v;
	int rc;

	if ((rc = member(o, k, JSON_STRING, path, &v, err)) < 0)
		return rc;
	if (json_string_length(v) >= len || strlen(json_string_value(v)) !=
	    json_string_length(v))
		return fd_error_set(err, -EINVAL,
		    "%s.%s: longer than %zu bytes or contains NUL", path, k,
		    len - 1);
	memcpy(buf, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static int
member_addr(const json_t *o, const char *k, struct fd_addr *out,
    const char *path, struct fd_error *err)
{
	char buf[FD_ADDR_STRLEN + 8];
	int rc;

	if ((rc = member_str(o, k, buf, sizeof(buf), path, err)) < 0)
		return rc;
	memset(out, 0, sizeof(*out));
	if (buf[0] == '\0')
		return 0;
	if (addr_parse(buf, out, NULL) < 0)
		return fd_error_set(err, -EINVAL,
		    "%s.%s: \"%s\" is not an IP address", path, k, buf);
	return 0;
}

static int
hop_from_json(const json_t *j, struct hop *h, const char *path,
    struct fd_error *err)
{
	static const char *const hop_keys[] = { "ttl", "answers", "probes",
		"rate_limited", NULL };
	static const char *const ans_keys[] = { "addr", "name", NULL };
	static const char *const probe_keys[] = { "answer", "rtt_ms", "flag",
		NULL };
	char p[96];
	json_t *v, *answers, *probes, *item;
	json_int_t ttl, ans;
	size_t i;
	int rc;

	if (!json_is_object(j))
		return fd_error_set(err, -EINVAL, "%s: expected an object, "
		    "got %s", path, json_type_name(j));
	if ((rc = only_members(j, hop_keys, path, err)) < 0 ||
	    (rc = member(j, "ttl", JSON_INTEGER, path, &v, err)) < 0 ||
	    (rc = member(j, "answers", JSON_ARRAY, path, &answers, err)) < 0 ||
	    (rc = member(j, "probes", JSON_ARRAY, path, &probes, err)) < 0)
		return rc;
	ttl = json_integer_value(v);
	if (ttl < 1 || ttl > 255)
		return fd_error_set(err, -EINVAL, "%s.ttl: %lld not in 1..255",
		    path, (long long)ttl);
	h->ttl = (unsigned)ttl;
	v = json_object_get(j, "rate_limited");
	if (v != NULL && !json_is_boolean(v))
		return fd_error_set(err, -EINVAL, "%s.rate_limited: expected "
		    "true or false, got %s", path, json_type_name(v));
	h->rate_limited = v != NULL && json_is_true(v);
	if (json_array_size(answers) > HOP_MAX_ANSWERS)
		return fd_error_set(err, -E2BIG, "%s.answers: more than %d",
		    path, HOP_MAX_ANSWERS);
	if (json_array_size(probes) > HOP_MAX_PROBES)
		return fd_error_set(err, -E2BIG, "%s.probes: more than %d",
		    path, HOP_MAX_PROBES);
	json_array_foreach(answers, i, item) {
		struct hop_answer *a = &h->answers[i];

		snprintf(p, sizeof(p), "%s.answers[%zu]", path, i);
		if (!json_is_object(item))
			return fd_error_set(err, -EINVAL, "%s: expected an "
			    "object, got %s", p, json_type_name(item));
		if ((rc = only_members(item, ans_keys, p, err)) < 0 ||
		    (rc = member_addr(item, "addr", &a->addr, p, err)) < 0 ||
		    (rc = member_str(item, "name", a->name, sizeof(a->name),
		    p, err)) < 0)
			return rc;
		if (!addr_is_set(&a->addr) && a->name[0] == '\0')
			return fd_error_set(err, -EINVAL,
			    "%s: neither addr nor name", p);
	}
	h->n_answers = (unsigned)json_array_size(answers);
	json_array_foreach(probes, i, item) {
		struct hop_probe *pr = &h->probes[i];

		snprintf(p, sizeof(p), "%s.probes[%zu]", path, i);
		if (!json_is_object(item))
			return fd_error_set(err, -EINVAL, "%s: expected an "
			    "object, got %s", p, json_type_name(item));
		if ((rc = only_members(item, probe_keys, p, err)) < 0 ||
		    (rc = member(item, "answer", JSON_INTEGER, p, &v,
		    err)) < 0 ||
		    (rc = member_str(item, "flag", pr->flag, sizeof(pr->flag),
		    p, err)) < 0)
			return rc;
		ans = json_integer_value(v);
		if (ans < -1 || ans >= (json_int_t)h->n_answers)
			return fd_error_set(err, -EINVAL,
			    "%s.answer: %lld is not -1 or an index into "
			    "answers", p, (long long)ans);
		pr->answer = (int)ans;
		v = json_object_get(item, "rtt_ms");
		if (v == NULL)
			return fd_error_set(err, -EINVAL,
			    "%s: missing member \"rtt_ms\"", p);
		if (json_is_null(v)) {
			pr->rtt_ms = -1;
		} else if (json_is_number(v) && json_number_value(v) >= 0) {
			pr->rtt_ms = json_number_value(v);
		} else {
			return fd_error_set(err, -EINVAL, "%s.rtt_ms: expected "
			    "a number >= 0 or null", p);
		}
	}
	h->n_probes = (unsigned)json_array_size(probes);
	return 0;
}

int
hop_list_from_json(const json_t *j, struct hop_list *out,
    struct fd_error *err)
{
	static const char *const keys[] = { "source", "target", "reached",
		"truncated", "hops", NULL };
	struct hop_list *l = NULL;
	json_t *v, *hops, *item;
	char p[64];
	size_t i;
	int rc;

	if (!json_is_object(j))
		return fd_error_set(err, -EINVAL,
		    "trace: expected an object, got %s",
		    j ? json_type_name(j) : "nothing");
	if ((l = hop_list_new()) == NULL)
		return fd_error_set(err, -ENOMEM, "out of memory");
	if ((rc = only_members(j, keys, "trace", err)) < 0 ||
	    (rc = member_str(j, "source", l->source, sizeof(l->source),
	    "trace", err)) < 0 ||
	    (rc = member_addr(j, "target", &l->target, "trace", err)) < 0 ||
	    (rc = member(j, "reached", JSON_TRUE, "trace", &v, err)) < 0)
		goto out;
	l->reached = json_is_true(v);
	if ((rc = member(j, "truncated", JSON_TRUE, "trace", &v, err)) < 0 ||
	    (rc = member(j, "hops", JSON_ARRAY, "trace", &hops, err)) < 0)
		goto out;
	l->truncated = json_is_true(v);
	if (json_array_size(hops) > HOPS_MAX) {
		rc = fd_error_set(err, -E2BIG, "trace.hops: more than %d",
		    HOPS_MAX);
		goto out;
	}
	json_array_foreach(hops, i, item) {
		snprintf(p, sizeof(p), "trace.hops[%zu]", i);
		if ((rc = hop_from_json(item, &l->hops[i], p, err)) < 0)
			goto out;
		if (i > 0 && l->hops[i].ttl <= l->hops[i - 1].ttl) {
			rc = fd_error_set(err, -EINVAL,
			    "%s.ttl: %u after %u (TTLs must increase)", p,
			    l->hops[i].ttl, l->hops[i - 1].ttl);
			goto out;
		}
		l->n = (unsigned)i + 1;
	}
	*out = *l;
	rc = 0;
out:
	hop_list_free(l);
	return rc;
}

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
static const char *const actions[] = { "disable", "enable", NULL };
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

static const struct rfield f_azure[] = {
	{ "correlation_id", T_STR },
	{ "operations", T_ARR, .item = &i_operation },
	{ "peering_before", T_OBJ, .optional = true, .members = f_before },
	{ NULL }
};

/* Who ran it, where, under which change, from which spec (issue 13). */
static const struct rfield f_evidence[] = {
	{ "operator", T_STR },
	{ "change_id", T_STR | T_NULL },
	{ "spec_sha256", T_STR },
	{ "spec_copy", T_STR | T_NULL },
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
		    path, want, json_type_name(v));
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
		    "result: expected an object, got %s", json_type_name(doc));
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

/* ------------------------------------------------------------ writing */

static int
render_prom(const json_t *doc, const char *previous, FILE *out,
    struct fd_error *err)
{
	return report_prom(doc, previous, out, err);
}

static int
render_fmt(const json_t *doc, const char *format, FILE *out,
    struct fd_error *err)
{
	const struct report_ops *ops = report_find(format);

	return ops->render(doc, out, err);
}

static int
fsync_dir(const char *dir, struct fd_error *err)
{
	int fd, rc = 0;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return fd_error_set(err, -errno, "%s: %s", dir,
		    strerror(errno));
	if (fsync(fd) < 0)
		rc = fd_error_set(err, -errno, "fsync %s: %s", dir,
		    strerror(errno));
	close(fd);
	return rc;
}

/* Render into a temporary file next to path, fsync it, rename it over
 * path, so a reader never sees half a file.  format is a report_find()
 * name, or NULL for metrics with previous for the carry-over. */
static int
write_atomic(const char *path, const json_t *doc, const char *format,
    const char *previous, struct fd_error *err)
{
	char *tmp = NULL;
	FILE *f = NULL;
	int fd = -1, rc;

	if (asprintf(&tmp, "%s.XXXXXX", path) < 0) {
		tmp = NULL;
		return fd_error_set(err, -ENOMEM, "out of memory");
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		rc = fd_error_set(err, -errno, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return rc;
	}
	/* Reports hold no secret; node_exporter and web servers read them. */
	if (fchmod(fd, 0644) < 0 || (f = fdopen(fd, "w")) == NULL) {
		rc = fd_error_set(err, -errno, "%s: %s", tmp, strerror(errno));
		close(fd);
		goto fail;
	}
	if (format != NULL)
		rc = render_fmt(doc, format, f, err);
	else
		rc = render_prom(doc, previous, f, err);
	if (rc < 0)
		goto fail_close;
	if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) < 0) {
		rc = fd_error_set(err, -EIO, "%s: %s", tmp, strerror(errno));
		goto fail_close;
	}
	if (fclose(f) != 0) {
		f = NULL;
		rc = fd_error_set(err, -EIO, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	f = NULL;
	if (rename(tmp, path) < 0) {
		rc = fd_error_set(err, -errno, "rename %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	free(tmp);
	return 0;
fail_close:
	fclose(f);
fail:
	unlink(tmp);
	free(tmp);
	return rc;
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (cap - len < 4096) {
			char *nb;

			/* A metrics file is small; refuse to read a huge one. */
			if (cap >= (1u << 20) ||
			    (nb = realloc(buf, cap + 8192)) == NULL) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap += 8192;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		buf[len] = '\0';
		if (n == 0)
			break;
	}
	fclose(f);
	return buf;
}

static char *
dir_join(const char *dir, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		return NULL;
	return p;
}

int
result_write_metrics(const json_t *doc, const char *path,
    struct fd_error *err)
{
	char *previous;
	int rc;

	if ((rc = result_check(doc, err)) < 0)
		return rc;
	previous = slurp(path);
	rc = write_atomic(path, doc, NULL, previous, err);
	free(previous);
	return rc;
}

int
result_write_all(const json_t *doc, const char *dir, struct fd_error *err)
{
	static const struct {
		const char *name;
		const char *format;	/* NULL: metrics */
	} files[] = {
		{ RESULT_JSON, "json" },
		{ RESULT_TEXT, "text" },
		{ RESULT_JUNIT, "junit" },
		{ RESULT_PROM, NULL },
		{ RESULT_HTML, "html" },
	};
	char *path, *previous;
	size_t i;
	int rc;

	if ((rc = result_check(doc, err)) < 0)
		return rc;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return fd_error_set(err, -errno, "%s: %s", dir,
		    strerror(errno));
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if ((path = dir_join(dir, files[i].name)) == NULL)
			return fd_error_set(err, -ENOMEM, "out of memory");
		previous = files[i].format == NULL ? slurp(path) : NULL;
		rc = write_atomic(path, doc, files[i].format, previous, err);
		free(previous);
		free(path);
		if (rc < 0)
			return rc;
	}
	return fsync_dir(dir, err);
}
