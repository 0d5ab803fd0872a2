/*
 * The ARM client: api-version on every call, x-ms-client-request-id per
 * call and one x-ms-correlation-request-id per drill (AZURE-REST.md §3.4),
 * ARM error bodies as one-line errors (§3.3), 429/5xx retries honouring
 * Retry-After through the injected clock (§3.1), LROs of read actions
 * (§2) and nextLink pagination (§7).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "azure.h"

static void
arm_logl(const struct arm *a, enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
arm_logl(const struct arm *a, enum log_level level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (a->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	a->log(a->log_arg, level, line);
}

/* Every call with its ids: debug.  Retries and failures: shown by
 * default (warnings). */
#define arm_log(a, ...) arm_logl((a), LOG_DEBUG, __VA_ARGS__)
#define arm_warn(a, ...) arm_logl((a), LOG_WARN, __VA_ARGS__)

/* "expressRouteCircuits/C/peerings/P" from a path or URL. */
static void
arm_resource(const char *target, char *out, size_t len)
{
	static const char prov[] = "/providers/Microsoft.Network/";
	const char *p = strcasestr(target, prov);
	size_t n;

	if (p != NULL) {
		p += sizeof(prov) - 1;
	} else {
		p = strstr(target, "://");
		p = p ? strchr(p + 3, '/') : target;
		if (p == NULL)
			p = target;
	}
	n = strcspn(p, "?");
	snprintf(out, len, "%.*s", (int)n, p);
}

void
arm_resp_done(struct arm_resp *r)
{
	if (r == NULL)
		return;
	json_decref(r->json);
	free(r->async_op);
	free(r->location);
	memset(r, 0, sizeof(*r));
}

static int
arm_errno(long status)
{
	switch (status) {
	case 400:
		return -EINVAL;
	case 401:
	case 403:
		return -EACCES;
	case 404:
		return -ENOENT;
	case 409:
		return -EBUSY;
	case 412:
		return -ESTALE;
	case 429:
		return -EAGAIN;
	default:
		return status >= 500 ? -EIO : -EPROTO;
	}
}

/* error.code / error.message of an ARM or NRP error body. */
static void
arm_error_body(const char *body, long status, char *code, size_t clen,
    char *msg, size_t mlen)
{
	json_t *j = json_loads(body ? body : "", 0, NULL);
	json_t *e = json_object_get(j, "error");
	const char *c = json_string_value(json_object_get(e, "code"));
	const char *m = json_string_value(json_object_get(e, "message"));

	if (c != NULL)
		snprintf(code, clen, "%s", c);
	else
		snprintf(code, clen, "HTTP %ld", status);
	if (m != NULL) {
		/* One line, all of it: newlines in the message become
		 * spaces. */
		size_t i;

		snprintf(msg, mlen, "%s", m);
		for (i = 0; msg[i] != '\0'; i++)
			if (msg[i] == '\r' || msg[i] == '\n')
				msg[i] = ' ';
	} else
		snprintf(msg, mlen, "no ARM error body");
	json_decref(j);
}

/* The "details" of an ARM/NRP error object (ARM's ErrorResponse: code,
 * message, target, details[] of the same shape; azure-rest-api-specs
 * common-types resource-management v5 types.json ErrorDetail) as
 * "code: message[ (target)]; ..." into out; "" when there are none. */
void
azure_error_details(const json_t *error, char *out, size_t len)
{
	const json_t *d;
	size_t i, off = 0;

	out[0] = '\0';
	json_array_foreach(json_object_get(error, "details"), i, d) {
		const char *c = json_string_value(json_object_get(d, "code"));
		const char *m = json_string_value(json_object_get(d,
		    "message"));
		const char *t = json_string_value(json_object_get(d,
		    "target"));
		int n;

		if (off >= len)
			break;
		n = snprintf(out + off, len - off, "%s%s: %.*s%s%s%s",
		    off ? "; " : "", c ? c : "no code",
		    m ? (int)strcspn(m, "\r\n") : 10, m ? m : "no message",
		    t ? " (target " : "", t ? t : "", t ? ")" : "");
		if (n < 0)
			break;
		off += (size_t)n;
	}
}

/* A refused or failed request, with what ARM support asks for to find it:
 * the error's details[], x-ms-request-id, x-ms-correlation-request-id and
 * x-ms-routing-request-id ("region:time:subscription" of the ARM instance
 * that routed it; ARM's request-tracing headers, AZURE-REST.md §3.4). */
static void
arm_log_failure(const struct arm *a, const char *method, const char *res,
    const struct http_response *r, const char *code, const char *msg)
{
	json_t *j = r->body_len > 0 ? json_loadb(r->body, r->body_len, 0,
	    NULL) : NULL;
	const char *corr = http_response_header(r,
	    "x-ms-correlation-request-id");
	const char *route = http_response_header(r,
	    "x-ms-routing-request-id");
	char details[600];

	azure_error_details(json_object_get(j, "error"), details,
	    sizeof(details));
	json_decref(j);
	arm_warn(a, "ARM %s %s failed: HTTP %ld %s: %s%s%s (request id %s, "
	    "correlation id %s, routing request id %s)", method, res,
	    r->status, code, msg, details[0] ? "; details: " : "", details,
	    a->last_request_id[0] ? a->last_request_id : "none",
	    corr ? corr : a->correlation_id, route ? route : "none");
}

bool
azure_transient_code(const char *code)
{
	/* AnotherOperationInProgress: NRP's conflict, also reported as an
	 * operation that ends Failed (Azure/bicep#5132, a subnet's async
	 * status {"status":"Failed","error":{"code":
	 * "AnotherOperationInProgress"}}); RetryableErrorDueToAnother-
	 * Operation (AZURE-REST.md §3.1); throttling and internal errors. */
	static const char *const codes[] = {
		"AnotherOperationInProgress",
		"RetryableErrorDueToAnotherOperation",
		"InternalServerError",
		"TooManyRequests",
		"ServerTimeout",
		"ServiceUnavailable",
		"OperationPreempted",
		"Canceled",
	};
	size_t i;

	for (i = 0; code != NULL && i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcasecmp(code, codes[i]) == 0)
			return true;
	return false;
}

static bool
arm_retryable(long status, const char *code)
{
	/* 409 AnotherOperationInProgress and 429
	 * RetryableErrorDueToAnotherOperation: the resource is busy with
	 * another operation (AZURE-REST.md §3.1, §8 step 7). */
	if (status == 409)
		return strcmp(code, "AnotherOperationInProgress") == 0;
	return status == 408 || status == 429 || status == 500 ||
	    status == 502 || status == 503 || status == 504;
}

/* What retrying an ARM answer that is no longer retried here can expect:
 * throttling, conflicts with another operation (409, 412: another writer)
 * and 5xx pass; a bad request, missing permission or missing resource do
 * not. */
static enum fd_error_kind
arm_error_kind(long status, const char *code)
{
	if (arm_retryable(status, code) || status >= 500 || status == 409 ||
	    status == 412)
		return FD_ERR_TRANSIENT;
	return FD_ERR_FINAL;
}

static bool
transient(int rc)
{
	return rc == -ECONNRESET || rc == -ETIMEDOUT ||
	    rc == -ECONNREFUSED || rc == -EHOSTUNREACH;
}

static void
copy_header(const struct http_response *r, const char *name, char *out,
    size_t len)
{
	const char *v = http_response_header(r, name);

	snprintf(out, len, "%s", v ? v : "");
}

static int
arm_fill(const struct http_response *r, struct arm_resp *out,
    struct fd_error *err)
{
	const char *v;

	memset(out, 0, sizeof(*out));
	out->status = r->status;
	copy_header(r, "x-ms-request-id", out->request_id,
	    sizeof(out->request_id));
	copy_header(r, "x-ms-client-request-id", out->client_request_id,
	    sizeof(out->client_request_id));
	copy_header(r, "ETag", out->etag, sizeof(out->etag));
	if (r->body_len > 0)
		out->json = json_loadb(r->body, r->body_len, 0, NULL);
	if (out->json != NULL && json_is_null(out->json)) {
		json_decref(out->json);
		out->json = NULL;
	}
	if (out->etag[0] == '\0' && json_is_string(json_object_get(out->json,
	    "etag")))
		snprintf(out->etag, sizeof(out->etag), "%s",
		    json_string_value(json_object_get(out->json, "etag")));
	if ((v = http_response_header(r, "Azure-AsyncOperation")) != NULL &&
	    v[0] != '\0' && (out->async_op = strdup(v)) == NULL)
		goto oom;
	if ((v = http_response_header(r, "Location")) != NULL &&
	    v[0] != '\0' && (out->location = strdup(v)) == NULL)
		goto oom;
	{
		int64_t h = azure_retry_after_ms(r);

		out->retry_after_ms = h > 0 ? (uint64_t)h : 0;
	}
	return 0;
oom:
	arm_resp_done(out);
	return fd_error_set(err, -ENOMEM, "out of memory");
}

/* ---------------------------------------------------------------- call */

int
arm_call(struct arm *a, const char *method, const char *target,
    const json_t *body, const char *if_match, struct arm_resp *out,
    struct fd_error *err)
{
	char url[AZURE_URL_MAX + 64], res[256], crid[37];
	char h_crid[80], h_corr[100], h_match[200], *h_auth = NULL;
	char code[128], msg[1024];
	const char *hdrs[10];
	char *payload = NULL;
	bool refreshed = false;
	/* Some attempt's outcome is unknown (timeout, dropped connection,
	 * 5xx): a write may have been applied. */
	bool maybe_applied = false;
	unsigned attempt, n;
	int rc;

	arm_resource(target, res, sizeof(res));
	if (strstr(target, "://") != NULL && strncasecmp(target, "https://",
	    8) != 0)
		/* A Location, Azure-AsyncOperation or nextLink from the
		 * service that is not https would carry the bearer token in
		 * clear text; azcore's bearer token policy refuses any such
		 * request (runtime/policy_bearer_token.go: "authenticated
		 * requests are not permitted for non TLS protected (https)
		 * endpoints"). */
		return fd_error_set(err, -EPROTO, "ARM %s %s: refusing to "
		    "send the token to a URL that is not https: %.120s",
		    method, res, target);
	if (strncasecmp(target, "https://", 8) == 0)
		rc = snprintf(url, sizeof(url), "%s", target);
	else
		rc = snprintf(url, sizeof(url), "%s%s%capi-version=%s",
		    a->endpoint, target, strchr(target, '?') ? '&' : '?',
		    a->api_version);
	if (rc < 0 || (size_t)rc >= sizeof(url))
		return fd_error_set(err, -ENAMETOOLONG, "ARM %s %s: URL too "
		    "long", method, res);
	if (body != NULL && (payload = json_dumps(body, JSON_COMPACT)) == NULL)
		return fd_error_set(err, -ENOMEM, "out of memory");
	snprintf(h_corr, sizeof(h_corr), "x-ms-correlation-request-id: %s",
	    a->correlation_id);
	if (if_match != NULL)
		snprintf(h_match, sizeof(h_match), "If-Match: %s", if_match);

	for (attempt = 1;; attempt++) {
		struct http_request req = { method, url, hdrs, payload,
		    payload ? strlen(payload) : 0, 0, a->clock->cancel };
		struct http_response r;
		const char *token;
		int64_t d;
		size_t tl;

		/* A fresh id for every HTTP request, retries included, so
		 * each one can be found in the service's logs. */
		azure_uuid(crid);
		snprintf(a->last_client_request_id,
		    sizeof(a->last_client_request_id), "%s", crid);
		snprintf(h_crid, sizeof(h_crid), "x-ms-client-request-id: %s",
		    crid);
		if ((rc = azure_cred_token(a->cred, &token, err)) < 0) {
			/* Not sent: the credential's own verdict. */
			fd_error_prefix(err, "ARM %s %s", method, res);
			if (err != NULL)
				err->unchanged = !maybe_applied;
			goto out;
		}
		tl = strlen(token) + 32;
		if ((h_auth = malloc(tl)) == NULL) {
			rc = fd_error_set(err, -ENOMEM, "out of memory");
			goto out;
		}
		snprintf(h_auth, tl, "Authorization: Bearer %s", token);
		n = 0;
		hdrs[n++] = h_auth;
		hdrs[n++] = "Accept: application/json";
		if (payload != NULL)
			hdrs[n++] = "Content-Type: application/json";
		hdrs[n++] = h_crid;
		hdrs[n++] = "x-ms-return-client-request-id: true";
		hdrs[n++] = h_corr;
		if (if_match != NULL)
			hdrs[n++] = h_match;
		hdrs[n] = NULL;

		http_response_init(&r);
		a->last_sent_ms = clock_now(a->clock);
		rc = http_request(a->http, &req, &r, err);
		azure_free_secret(h_auth);
		h_auth = NULL;
		a->n_requests++;
		if (rc < 0) {
			maybe_applied = true;
			if (!transient(rc) || (d = retry_delay(&a->retry,
			    a->clock, attempt, -1)) < 0) {
				fd_error_prefix(err, "ARM %s %s", method, res);
				if (transient(rc))
					fd_error_kind_set(err,
					    FD_ERR_TRANSIENT);
				goto out;
			}
			arm_warn(a, "ARM %s %s: %s; retry %u in %lld ms",
			    method, res, err ? err->msg : "transport error",
			    attempt, (long long)d);
			if ((rc = clock_sleep(a->clock, (uint64_t)d)) < 0) {
				fd_error_set(err, rc, "ARM %s %s: cancelled",
				    method, res);
				goto out;
			}
			continue;
		}
		copy_header(&r, "x-ms-request-id", a->last_request_id,
		    sizeof(a->last_request_id));
		arm_log(a, "ARM %s %s -> %ld (request id %s, client request "
		    "id %s)", method, res, r.status, a->last_request_id, crid);
		if (r.status >= 200 && r.status < 300) {
			rc = arm_fill(&r, out, err);
			http_response_done(&r);
			goto out;
		}
		arm_error_body(r.body, r.status, code, sizeof(code), msg,
		    sizeof(msg));
		if (r.status >= 500)
			maybe_applied = true;
		if (r.status == 401 && !refreshed) {
			/* ExpiredAuthenticationToken and friends: one fresh
			 * token, then give up. */
			arm_log(a, "ARM %s %s: %s, fetching a new token",
			    method, res, code);
			azure_cred_invalidate(a->cred);
			refreshed = true;
			attempt--;
			http_response_done(&r);
			continue;
		}
		if (arm_retryable(r.status, code) &&
		    (d = retry_delay(&a->retry, a->clock, attempt,
		    azure_retry_after_ms(&r))) >= 0) {
			arm_warn(a, "ARM %s %s: %s; retry %u in %lld ms",
			    method, res, code, attempt, (long long)d);
			http_response_done(&r);
			if ((rc = clock_sleep(a->clock, (uint64_t)d)) < 0) {
				fd_error_set(err, rc, "ARM %s %s: cancelled",
				    method, res);
				goto out;
			}
			continue;
		}
		arm_log_failure(a, method, res, &r, code, msg);
		rc = fd_error_set(err, arm_errno(r.status),
		    "ARM %s %s: %s: %s (request id %s)", method, res, code, msg,
		    a->last_request_id[0] ? a->last_request_id : "none");
		fd_error_request_id(err, a->last_request_id);
		fd_error_kind_set(err, arm_error_kind(r.status, code));
		/* A 4xx is a refusal: ARM validates (authorization, body,
		 * If-Match) before it writes.  Only when no earlier attempt
		 * could have been applied. */
		if (err != NULL)
			err->unchanged = r.status < 500 && !maybe_applied;
		http_response_done(&r);
		goto out;
	}
out:
	azure_free_secret(h_auth);
	free(payload);
	return rc;
}

/* -------------------------------------------------------------- action */

/* Append the pages behind nextLink to result.value. */
static int
arm_pages(struct arm *a, json_t *result, struct fd_error *err)
{
	unsigned pages = 0;
	int rc;

	for (;;) {
		json_t *next = json_object_get(result, "nextLink");
		json_t *value = json_object_get(result, "value");
		struct arm_resp p;
		char link[AZURE_URL_MAX];

		if (!json_is_string(next) || json_string_length(next) == 0)
			break;
		if (++pages > 1000)
			return fd_error_set(err, -ELOOP, "ARM: more than 1000 "
			    "pages");
		snprintf(link, sizeof(link), "%s", json_string_value(next));
		if ((rc = arm_call(a, "GET", link, NULL, NULL, &p, err)) < 0)
			return rc;
		if (!json_is_array(value)) {
			value = json_array();
			json_object_set_new(result, "value", value);
		}
		json_array_extend(value, json_object_get(p.json, "value"));
		json_object_set(result, "nextLink",
		    json_object_get(p.json, "nextLink") ?
		    json_object_get(p.json, "nextLink") : json_null());
		arm_resp_done(&p);
	}
	return 0;
}

int
arm_get_all(struct arm *a, const char *target, json_t **out,
    struct fd_error *err)
{
	struct arm_resp r;
	json_t *result;
	char res[256];
	int rc;

	if ((rc = arm_call(a, "GET", target, NULL, NULL, &r, err)) < 0)
		return rc;
	result = r.json;
	r.json = NULL;
	arm_resp_done(&r);
	if (!json_is_object(result)) {
		json_decref(result);
		arm_resource(target, res, sizeof(res));
		return fd_error_set(err, -EPROTO, "ARM GET %s: the answer is "
		    "not an object", res);
	}
	if ((rc = arm_pages(a, result, err)) < 0) {
		json_decref(result);
		return rc;
	}
	*out = result;
	return 0;
}

int
arm_action(struct arm *a, const char *path, const char *query,
    const json_t *body, json_t **out, struct fd_error *err)
{
	char target[2048], res[256], code[128], msg[200];
	char *poll = NULL, *final = NULL;
	json_t *result = NULL;
	struct arm_resp r;
	uint64_t deadline, wait;
	bool by_location;
	int rc;

	snprintf(target, sizeof(target), "%s%s%s", path, query ? "?" : "",
	    query ? query : "");
	arm_resource(target, res, sizeof(res));
	if ((rc = arm_call(a, "POST", target, body, NULL, &r, err)) < 0)
		return rc;
	if (r.status != 202 && r.async_op == NULL && r.location == NULL) {
		/* 200: done synchronously. */
		result = r.json;
		r.json = NULL;
		arm_resp_done(&r);
		goto done;
	}
	/* As azcore picks its poller (sdk/azcore/runtime/poller.go
	 * NewPoller: the Azure-AsyncOperation poller first, "as it can also
	 * have a location header", then Location): with Azure-
	 * AsyncOperation, poll its status until it is terminal, then, for a
	 * POST, GET the Location once for the result (internal/pollers/
	 * async/async.go Result: final-state-via location, or no hint and a
	 * Location given; should it still answer 202, it is polled on, never
	 * taken as an empty result); without a Location the status body is
	 * the result.  With Location only, poll it until it stops answering
	 * 202 (internal/pollers/loc/loc.go). */
	by_location = r.async_op == NULL;
	poll = by_location ? r.location : r.async_op;
	if (poll == NULL) {
		arm_resp_done(&r);
		return fd_error_set(err, -EPROTO, "ARM POST %s: 202 without "
		    "Location or Azure-AsyncOperation", res);
	}
	if (by_location) {
		r.location = NULL;
	} else {
		r.async_op = NULL;
		final = r.location;
		r.location = NULL;
	}
	wait = r.retry_after_ms ? r.retry_after_ms : a->poll_default_ms;
	arm_resp_done(&r);
	deadline = clock_now(a->clock) + a->poll_limit_ms;
	for (;;) {
		struct arm_resp p;
		const char *st;

		if (clock_now(a->clock) + wait > deadline) {
			rc = fd_error_set(err, -ETIMEDOUT, "ARM POST %s: no "
			    "result after %llu s", res,
			    (unsigned long long)(a->poll_limit_ms / 1000));
			goto fail;
		}
		if (wait > 0 && (rc = clock_sleep(a->clock, wait)) < 0) {
			fd_error_set(err, rc, "ARM POST %s: cancelled", res);
			goto fail;
		}
		if ((rc = arm_call(a, "GET", poll, NULL, NULL, &p, err)) < 0)
			goto fail;
		wait = p.retry_after_ms ? p.retry_after_ms : a->poll_default_ms;
		if (by_location) {
			if (p.status == 202) {
				if (p.location != NULL) {
					free(poll);
					poll = p.location;
					p.location = NULL;
				}
				arm_resp_done(&p);
				continue;
			}
			result = p.json;
			p.json = NULL;
			arm_resp_done(&p);
			break;
		}
		/* The operation status: {"status": ..., "error": ...}
		 * (AZURE-REST.md §2.2); a status body without one is not
		 * an answer (azcore: "the response did not contain a
		 * status"). */
		st = json_string_value(json_object_get(p.json, "status"));
		if (st == NULL || st[0] == '\0') {
			rc = fd_error_set(err, -EPROTO, "ARM POST %s: the "
			    "operation status has no status (HTTP %ld, request "
			    "id %s)", res, p.status,
			    p.request_id[0] ? p.request_id : "none");
			arm_resp_done(&p);
			goto fail;
		}
		if (azure_status_is(st, "Succeeded") && final != NULL) {
			/* The result is behind the Location: read it now.
			 * Should it still answer 202 (not replicated yet),
			 * it is polled like a Location-only operation rather
			 * than taken as an empty result. */
			arm_resp_done(&p);
			free(poll);
			poll = final;
			final = NULL;
			by_location = true;
			wait = 0;
			continue;
		}
		if (azure_status_is(st, "Succeeded")) {
			result = json_object_get(p.json, "properties");
			result = json_incref(result ? result : p.json);
			arm_resp_done(&p);
			break;
		}
		if (azure_status_is(st, "Failed") ||
		    azure_status_is(st, "Canceled")) {
			char *s = json_dumps(p.json, JSON_COMPACT);
			char details[600];

			arm_error_body(s, 200, code, sizeof(code), msg,
			    sizeof(msg));
			free(s);
			azure_error_details(json_object_get(p.json, "error"),
			    details, sizeof(details));
			arm_warn(a, "ARM POST %s failed: operation %s: %s: "
			    "%s%s%s (request id %s, correlation id %s)", res,
			    st, code, msg, details[0] ? "; details: " : "",
			    details,
			    p.request_id[0] ? p.request_id : "none",
			    a->correlation_id);
			rc = fd_error_set(err, -EIO, "ARM POST %s: operation %s: "
			    "%s: %s (request id %s)", res, st, code, msg,
			    p.request_id[0] ? p.request_id : "none");
			fd_error_request_id(err, p.request_id);
			arm_resp_done(&p);
			goto fail;
		}
		arm_resp_done(&p);
	}
done:
	free(poll);
	free(final);
	poll = final = NULL;
	if (result == NULL)
		result = json_object();
	/* An array is a whole result too (getCircuitLinkFailover-
	 * AllTestsDetails answers one, AZURE-REST.md §5.5). */
	if (!json_is_object(result) && !json_is_array(result)) {
		rc = fd_error_set(err, -EPROTO, "ARM POST %s: result is not "
		    "an object", res);
		goto fail;
	}
	if (json_is_object(result) && (rc = arm_pages(a, result, err)) < 0)
		goto fail;
	*out = result;
	return 0;
fail:
	free(poll);
	free(final);
	json_decref(result);
	return rc;
}

/* ------------------------------------------------------------- clouds */

/* Authority hosts: azure-identity AzureAuthorityHosts; ARM endpoints: the
 * Azure SDK cloud configurations (AZURE-REST.md §4.6).  The token
 * audience is the ARM endpoint, as the SDKs' management clients ask for
 * "<resource_manager>/.default". */
static const struct {
	const char *name, *arm, *authority;
} clouds[] = {
	{ "public", "https://management.azure.com",
	  "https://login.microsoftonline.com" },
	{ "usgov", "https://management.usgovcloudapi.net",
	  "https://login.microsoftonline.us" },
	{ "china", "https://management.chinacloudapi.cn",
	  "https://login.chinacloudapi.cn" },
};

static int
set_url(char *dst, size_t len, const char *src, const char *what,
    struct fd_error *err)
{
	size_t n;

	if (strncmp(src, "https://", 8) != 0)
		return fd_error_set(err, -EINVAL, "azure %s must be an https "
		    "URL: %s", what, src);
	n = strlen(src);
	while (n > 8 && src[n - 1] == '/')
		n--;
	if (n >= len)
		return fd_error_set(err, -ENAMETOOLONG, "azure %s too long",
		    what);
	snprintf(dst, len, "%.*s", (int)n, src);
	return 0;
}

int
azure_endpoints(const struct azure_cfg *cfg, const char *authority_env,
    struct azure_endpoints *out, struct fd_error *err)
{
	struct azure_endpoints ep;
	const char *name = cfg->cloud[0] ? cfg->cloud : "public";
	const char *arm = NULL, *auth = NULL;
	size_t i;
	int rc;

	memset(&ep, 0, sizeof(ep));
	for (i = 0; i < sizeof(clouds) / sizeof(clouds[0]); i++)
		if (strcmp(clouds[i].name, name) == 0) {
			arm = clouds[i].arm;
			auth = clouds[i].authority;
		}
	if (arm == NULL && strcmp(name, "custom") != 0)
		return fd_error_set(err, -EINVAL, "unknown azure cloud '%s' "
		    "(public, usgov, china, custom)", name);
	if (cfg->arm_endpoint[0] != '\0')
		arm = cfg->arm_endpoint;
	if (cfg->authority[0] != '\0')
		auth = cfg->authority;
	else if (cfg->cloud[0] == '\0' && authority_env != NULL &&
	    authority_env[0] != '\0')
		/* AZURE_AUTHORITY_HOST stands in only for a cloud the spec
		 * does not name: "cloud": "usgov" keeps the usgov host. */
		auth = authority_env;
	if (arm == NULL || auth == NULL)
		return fd_error_set(err, -EINVAL, "azure cloud 'custom' needs "
		    "arm_endpoint and authority");
	if ((rc = set_url(ep.arm, sizeof(ep.arm), arm, "arm_endpoint",
	    err)) < 0 || (rc = set_url(ep.authority, sizeof(ep.authority),
	    auth, "authority", err)) < 0)
		return rc;
	/* The token audience: given, the public clouds' ARM endpoint, or,
	 * for a custom cloud (Azure Stack Hub, private clouds, whose
	 * audience differs from the ARM URL), left empty so the credential
	 * discovers it from {arm}/metadata/endpoints (cred.c). */
	if (cfg->audience[0] != '\0') {
		if ((rc = set_url(ep.audience, sizeof(ep.audience),
		    cfg->audience, "audience", err)) < 0)
			return rc;
	} else if (strcmp(name, "custom") != 0) {
		snprintf(ep.audience, sizeof(ep.audience), "%s", ep.arm);
	}
	*out = ep;
	return 0;
}
