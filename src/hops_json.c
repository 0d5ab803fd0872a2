/* The hop-list JSON codec; see hops_json.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hops_json.h"

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

const char *
hops_json_type_name(const json_t *v)
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
		    path, k, want, hops_json_type_name(v));
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
		    "got %s", path, hops_json_type_name(j));
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
		    "true or false, got %s", path, hops_json_type_name(v));
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
			    "object, got %s", p, hops_json_type_name(item));
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
			    "object, got %s", p, hops_json_type_name(item));
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
		    j ? hops_json_type_name(j) : "nothing");
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
