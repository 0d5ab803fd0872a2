/*
 * The credential chain, in the order of the Azure SDKs' DefaultAzureCredential
 * (AZURE-REST.md §4.5): environment (client secret, else client
 * certificate), workload identity, managed identity (IDENTITY_ENDPOINT, else
 * IMDS), Azure CLI.  A configured credential that fails is final; only an
 * unreachable IMDS falls through to the CLI.  The first that works is kept.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "azure.h"

enum cred_kind {
	CRED_UNSET,
	CRED_SECRET,
	CRED_CERT,
	CRED_WORKLOAD,
	CRED_MI_ENDPOINT,
	CRED_IMDS,
	CRED_CLI,
	CRED_SERVICE_FABRIC,
	CRED_ARC,
};

static const char *const kind_names[] = {
	"", "client-secret", "client-certificate", "workload-identity",
	"managed-identity", "managed-identity", "azure-cli",
	"service-fabric", "azure-arc",
};

/* azure-identity DEFAULT_REFRESH_OFFSET. */
#define REFRESH_OFFSET_MS (300 * 1000ULL)
/* A failed refresh is retried no sooner than this while the cached token
 * is still valid (azure-identity _internal/get_token_mixin.py
 * _should_refresh: DEFAULT_TOKEN_REFRESH_RETRY_DELAY, 30 s). */
#define REFRESH_RETRY_MS (30 * 1000ULL)
#define TOKEN_MAX 16384
#define IMDS_PATH "/metadata/identity/oauth2/token"
#define IMDS_URL "http://169.254.169.254" IMDS_PATH
/* IMDS retries 404, 410, 429 and 5xx for up to 70 s in all: "If you
 * receive a 410 error, it indicates that IMDS is going through updates
 * and will be available in a maximum of 70 seconds" (MicrosoftDocs
 * how-to-use-vm-token.md, Retry guidance); the waits double from 1 s to
 * at most 10 s (MSAL's IMDS retry specification: 410 every 10 s). */
#define IMDS_RETRY_WINDOW_MS (70 * 1000ULL)
#define IMDS_RETRY_FIRST_MS 1000ULL
#define IMDS_RETRY_MAX_MS (10 * 1000ULL)
/* The first request to IMDS only finds out whether it is there
 * (azure-identity imds.py probes with a short timeout). */
#define IMDS_PROBE_TIMEOUT_MS 3000
/* Azure Arc's key file: in this directory, named *.key, at most 4096
 * bytes (azure-identity _credentials/azure_arc.py _validate_key_file,
 * _get_key_file_path on Linux). */
#define ARC_KEY_DIR "/var/opt/azcmagent/tokens"
#define ARC_KEY_MAX 4096

struct azure_cred {
	const struct http *http;
	const struct fd_clock *clock;
	struct azure_deps deps;
	struct azure_endpoints ep;
	enum cred_kind kind;
	char *token;
	uint64_t expires_at;	/* clock ms */
	uint64_t refresh_tried;	/* clock ms of the last refresh, 0 none */
	bool imds_seen;		/* IMDS answered once: no more probing */
};

extern char **environ;

static const char *
env(const struct azure_cred *c, const char *name)
{
	const char *v;

	if (c->deps.getenv != NULL)
		v = c->deps.getenv(c->deps.env_arg, name);
	else
		v = secure_getenv(name);
	return v != NULL && v[0] != '\0' ? v : NULL;
}

void
azure_free_secret(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

/* ---------------------------------------------------------- form body */

struct buf {
	char *p;
	size_t n, cap;
	int oom;
};

static void
buf_put(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 512;
		char *p;

		while (cap < b->n + n + 1)
			cap *= 2;
		p = malloc(cap);
		if (p == NULL) {
			b->oom = 1;
			return;
		}
		if (b->p != NULL) {
			memcpy(p, b->p, b->n);
			/* The old buffer may hold a secret. */
			explicit_bzero(b->p, b->cap);
			free(b->p);
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

/* application/x-www-form-urlencoded value. */
static void
buf_form(struct buf *b, const char *key, const char *val)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *v;
	char e[3];

	if (b->n > 0)
		buf_put(b, "&", 1);
	buf_put(b, key, strlen(key));
	buf_put(b, "=", 1);
	for (v = (const unsigned char *)val; *v; v++) {
		if ((*v >= 'a' && *v <= 'z') || (*v >= 'A' && *v <= 'Z') ||
		    (*v >= '0' && *v <= '9') || strchr("-._~", *v)) {
			buf_put(b, (const char *)v, 1);
			continue;
		}
		e[0] = '%';
		e[1] = hex[*v >> 4];
		e[2] = hex[*v & 15];
		buf_put(b, e, 3);
	}
}

static void
buf_wipe(struct buf *b)
{
	if (b->p != NULL)
		explicit_bzero(b->p, b->cap);
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* ------------------------------------------------------------- tokens */

static void
cred_logl(const struct azure_cred *c, enum log_level level, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

static void
cred_logl(const struct azure_cred *c, enum log_level level, const char *fmt,
    ...)
{
	char line[512];
	va_list ap;

	if (c->deps.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	c->deps.log(c->deps.log_arg, level, line);
}

/* Token life: debug.  IMDS retries: shown by default (warnings). */
#define cred_log(c, ...) cred_logl((c), LOG_DEBUG, __VA_ARGS__)
#define cred_warn(c, ...) cred_logl((c), LOG_WARN, __VA_ARGS__)

/* expires_in / expires_on arrive as numbers (Entra v2) or strings (IMDS,
 * App Service); 0 when absent. */
static long long
json_num_or_string(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v))
		return (long long)json_real_value(v);
	if (json_is_string(v))
		return strtoll(json_string_value(v), NULL, 10);
	return 0;
}

/* Keep the token of a token response; lifetime from expires_in, else
 * expires_on (epoch seconds). */
static int
cred_take(struct azure_cred *c, const char *body, const char *tok_key,
    struct fd_error *err)
{
	json_t *j;
	const char *tok;
	long long in, on;
	uint64_t now = clock_now(c->clock);

	j = json_loads(body, 0, NULL);
	tok = json_string_value(json_object_get(j, tok_key));
	if (tok == NULL || tok[0] == '\0' || strlen(tok) > TOKEN_MAX) {
		json_decref(j);
		return fd_error_set(err, -EPROTO,
		    "token response without %s", tok_key);
	}
	in = json_num_or_string(j, "expires_in");
	on = json_num_or_string(j, "expires_on");
	if (in <= 0 && on > 0)
		in = on - (long long)time(NULL);
	if (in <= 0)
		in = 300;
	azure_free_secret(c->token);
	c->token = strdup(tok);
	/* The parsed copy of the token dies with the json_t; wipe it. */
	explicit_bzero((char *)tok, strlen(tok));
	json_decref(j);
	if (c->token == NULL)
		return fd_error_set(err, -ENOMEM, "out of memory");
	c->expires_at = now + (uint64_t)in * 1000;
	cred_log(c, "azure: %s token acquired, valid %lld s", kind_names[c->kind],
	    in);
	return 0;
}

/* The identity provider's error, without anything secret: OAuth error
 * code and the first line of the description (AADSTS code). */
static int
cred_http_error(const struct azure_cred *c, const char *what,
    const struct http_response *r, struct fd_error *err)
{
	json_t *j = json_loads(r->body ? r->body : "", 0, NULL);
	const char *e = json_string_value(json_object_get(j, "error"));
	const char *d = json_string_value(json_object_get(j,
	    "error_description"));
	char desc[160] = "";
	int code = r->status == 400 || r->status == 401 ||
	    r->status == 403 ? -EACCES : -EIO;

	(void)c;
	if (d != NULL)
		snprintf(desc, sizeof(desc), ": %.*s", (int)strcspn(d, "\r\n"),
		    d);
	fd_error_set(err, code, "%s: HTTP %ld: %s%s", what, r->status,
	    e ? e : "no OAuth error body", desc);
	json_decref(j);
	return code;
}

/* Send a token request, retrying 408/429/5xx and transient transport
 * errors like the ARM client. */
static int
cred_send(struct azure_cred *c, const struct http_request *req,
    bool retry_transport, struct http_response *out, struct fd_error *err)
{
	unsigned attempt;
	int rc;

	for (attempt = 1;; attempt++) {
		struct http_response r;
		int64_t hint = -1, d;

		http_response_init(&r);
		rc = http_request(c->http, req, &r, err);
		if (rc == 0 && !(r.status == 408 || r.status == 429 ||
		    r.status >= 500)) {
			*out = r;
			return 0;
		}
		if (rc == 0)
			hint = azure_retry_after_ms(&r);
		else if (!retry_transport ||
		    (rc != -ECONNRESET && rc != -ETIMEDOUT))
			return rc;
		d = retry_delay(&c->deps.retry, c->clock, attempt, hint);
		if (d < 0) {
			if (rc == 0)
				*out = r;
			return rc;
		}
		http_response_done(&r);
		cred_log(c, "azure: token request failed, retry in %lld ms",
		    (long long)d);
		if ((rc = clock_sleep(c->clock, (uint64_t)d)) < 0)
			return fd_error_set(err, rc, "cancelled");
	}
}

static int
token_url(const struct azure_cred *c, const char *tenant, char *url,
    size_t len, struct fd_error *err)
{
	if ((size_t)snprintf(url, len, "%s/%s/oauth2/v2.0/token",
	    c->ep.authority, tenant) >= len)
		return fd_error_set(err, -ENAMETOOLONG, "authority too long");
	return 0;
}

/* Entra client credentials grant: secret, certificate assertion, or a
 * federated token (AZURE-REST.md §4.1, §4.2, §4.4). */
static int
cred_client(struct azure_cred *c, struct fd_error *err)
{
	const char *tenant = env(c, "AZURE_TENANT_ID");
	const char *client = env(c, "AZURE_CLIENT_ID");
	const char *hdrs[] = {
		"Content-Type: application/x-www-form-urlencoded",
		"Accept: application/json", NULL,
	};
	struct http_request req = { "POST", NULL, hdrs, NULL, 0, 0 };
	struct http_response r;
	struct buf b = { 0 };
	char url[600], scope[300], *assertion = NULL;
	int rc;

	if ((rc = token_url(c, tenant, url, sizeof(url), err)) < 0)
		return rc;
	snprintf(scope, sizeof(scope), "%s/.default", c->ep.audience);
	buf_form(&b, "grant_type", "client_credentials");
	buf_form(&b, "client_id", client);
	buf_form(&b, "scope", scope);
	if (c->kind == CRED_SECRET) {
		buf_form(&b, "client_secret", env(c, "AZURE_CLIENT_SECRET"));
	} else {
		if (c->kind == CRED_CERT) {
			rc = azure_jwt_assertion(
			    env(c, "AZURE_CLIENT_CERTIFICATE_PATH"),
			    env(c, "AZURE_CLIENT_CERTIFICATE_PASSWORD"),
			    client, url, &assertion, err);
		} else {
			/* Re-read on every fetch: Kubernetes rotates the
			 * file (AZURE-REST.md §4.4). */
			size_t n = 0;
			FILE *f = fopen(env(c, "AZURE_FEDERATED_TOKEN_FILE"),
			    "re");

			rc = 0;
			assertion = calloc(1, TOKEN_MAX + 1);
			if (f == NULL || assertion == NULL)
				rc = fd_error_set(err, f ? -ENOMEM : -errno,
				    "AZURE_FEDERATED_TOKEN_FILE: %s",
				    strerror(f ? ENOMEM : errno));
			else
				n = fread(assertion, 1, TOKEN_MAX, f);
			if (f != NULL)
				fclose(f);
			while (rc == 0 && n > 0 &&
			    (assertion[n - 1] == '\n' || assertion[n - 1] == ' '))
				assertion[--n] = '\0';
			if (rc == 0 && n == 0)
				rc = fd_error_set(err, -EINVAL,
				    "AZURE_FEDERATED_TOKEN_FILE is empty");
		}
		if (rc < 0) {
			azure_free_secret(assertion);
			buf_wipe(&b);
			return rc;
		}
		buf_form(&b, "client_assertion_type",
		    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
		buf_form(&b, "client_assertion", assertion);
		azure_free_secret(assertion);
	}
	if (b.oom) {
		buf_wipe(&b);
		return fd_error_set(err, -ENOMEM, "out of memory");
	}
	req.url = url;
	req.body = b.p;
	req.body_len = b.n;
	http_response_init(&r);
	rc = cred_send(c, &req, true, &r, err);
	buf_wipe(&b);
	if (rc < 0)
		return fd_error_prefix(err, "Entra ID token (%s)",
		    kind_names[c->kind]);
	if (r.status != 200)
		rc = cred_http_error(c, "Entra ID token", &r, err);
	else
		rc = cred_take(c, r.body, "access_token", err);
	if (r.body != NULL)
		explicit_bzero(r.body, r.body_len);
	http_response_done(&r);
	return rc;
}

static bool
imds_retryable(long status)
{
	return status == 404 || status == 410 || status == 429 ||
	    status >= 500;
}

/* GET the IMDS token.  The first request ever is the availability probe:
 * short timeout, and no answer means "not on an Azure VM" (the caller
 * moves on to the CLI).  Once IMDS has answered, 404, 410, 429 and 5xx
 * are retried, Retry-After honoured, for up to IMDS_RETRY_WINDOW_MS from
 * the first request; *out is then the last answer. */
static int
imds_send(struct azure_cred *c, struct http_request *req,
    struct http_response *out, struct fd_error *err)
{
	uint64_t start = clock_now(c->clock), next = IMDS_RETRY_FIRST_MS;
	unsigned attempt;
	int rc;

	for (attempt = 1;; attempt++) {
		struct http_response r;
		uint64_t wait, now;
		int64_t hint;

		req->timeout_ms = c->imds_seen ? 0 : IMDS_PROBE_TIMEOUT_MS;
		http_response_init(&r);
		rc = http_request(c->http, req, &r, err);
		if (rc < 0 && !c->imds_seen)
			return rc;
		if (rc == 0)
			c->imds_seen = true;
		if (rc == 0 && !imds_retryable(r.status)) {
			*out = r;
			return 0;
		}
		if (rc < 0 && rc != -ECONNRESET && rc != -ETIMEDOUT &&
		    rc != -ECONNREFUSED)
			return rc;
		hint = rc == 0 ? azure_retry_after_ms(&r) : -1;
		wait = hint > 0 ? (uint64_t)hint : next;
		next = next * 2 > IMDS_RETRY_MAX_MS ? IMDS_RETRY_MAX_MS :
		    next * 2;
		now = clock_now(c->clock);
		if (now + wait > start + IMDS_RETRY_WINDOW_MS) {
			cred_log(c, "azure: IMDS still failing after %u "
			    "tries in %llu s; giving up", attempt,
			    (unsigned long long)((now - start) / 1000));
			if (rc < 0)
				return rc;
			*out = r;
			return 0;
		}
		if (rc == 0)
			cred_warn(c, "azure: IMDS answered %ld; retry %u in "
			    "%llu ms", r.status, attempt,
			    (unsigned long long)wait);
		else
			cred_warn(c, "azure: IMDS: %s; retry %u in %llu ms",
			    err ? err->msg : "transport error", attempt,
			    (unsigned long long)wait);
		http_response_done(&r);
		if ((rc = clock_sleep(c->clock, wait)) < 0)
			return fd_error_set(err, rc, "cancelled");
	}
}

/* Azure Arc's challenge: the 401's "WWW-Authenticate: Basic
 * realm=<key file>" names a file the agent just wrote, readable by
 * members of the himds group; its content is the Basic credential of
 * the retried request (azure-identity azure_arc.py _get_secret_key,
 * _validate_key_file).  *key is a secret. */
static int
arc_key(const struct azure_cred *c, const struct http_response *r,
    char **key, struct fd_error *err)
{
	const char *h = http_response_header(r, "WWW-Authenticate");
	const char *dir = c->deps.arc_key_dir ? c->deps.arc_key_dir :
	    ARC_KEY_DIR;
	const char *eq, *base;
	char path[512], *buf = NULL;
	struct stat st;
	size_t n, dl = strlen(dir);
	ssize_t k;
	int fd = -1, rc;

	if (h == NULL || (eq = strchr(h, '=')) == NULL)
		return fd_error_set(err, -EPROTO, "Azure Arc managed identity: "
		    "401 without 'WWW-Authenticate: Basic realm=<key file>'");
	eq++;
	n = strcspn(eq, "\r\n");
	if (n >= 2 && eq[0] == '"' && eq[n - 1] == '"') {
		eq++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(path))
		return fd_error_set(err, -EPROTO, "Azure Arc managed identity: "
		    "bad key file path in WWW-Authenticate");
	snprintf(path, sizeof(path), "%.*s", (int)n, eq);
	base = strrchr(path, '/');
	/* Only a file directly in the agent's token directory: the header
	 * must not make us read (and send) any other file. */
	if (base == NULL || (size_t)(base - path) != dl ||
	    strncmp(path, dir, dl) != 0 || strstr(path, "/..") != NULL)
		return fd_error_set(err, -EPERM, "Azure Arc managed identity: "
		    "key file %s is not in %s", path, dir);
	n = strlen(base);
	if (n < 5 || strcmp(base + n - 4, ".key") != 0)
		return fd_error_set(err, -EPERM, "Azure Arc managed identity: "
		    "key file %s has no .key extension", path);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0 ||
	    fstat(fd, &st) < 0) {
		rc = fd_error_set(err, -errno, "Azure Arc managed identity: "
		    "key file %s: %s (is this user in the himds group?)",
		    path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > ARC_KEY_MAX) {
		rc = fd_error_set(err, -EPERM, "Azure Arc managed identity: "
		    "key file %s is not a regular file of at most %d bytes",
		    path, ARC_KEY_MAX);
		goto out;
	}
	if ((buf = calloc(1, ARC_KEY_MAX + 1)) == NULL) {
		rc = fd_error_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	k = read(fd, buf, ARC_KEY_MAX);
	if (k <= 0) {
		rc = fd_error_set(err, k < 0 ? -errno : -EPROTO, "Azure Arc "
		    "managed identity: key file %s: %s", path, k < 0 ?
		    strerror(errno) : "empty");
		goto out;
	}
	/* A header value ends at a line break. */
	buf[strcspn(buf, "\r\n")] = '\0';
	*key = buf;
	buf = NULL;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	azure_free_secret(buf);
	return rc;
}

/* Managed identity: App Service style IDENTITY_ENDPOINT/IDENTITY_HEADER
 * (api-version 2019-08-01), Azure Arc IDENTITY_ENDPOINT + IMDS_ENDPOINT
 * (api-version 2020-06-01, key-file challenge), else IMDS (api-version
 * 2018-02-01, header Metadata: true; AZURE-REST.md §4.3). */
static int
cred_managed(struct azure_cred *c, struct fd_error *err)
{
	char url[1024], hdr[600], *auth = NULL, *key = NULL;
	const char *hdrs[3] = { "Metadata: true", NULL, NULL };
	const char *client = env(c, "AZURE_CLIENT_ID");
	struct http_request req = { "GET", url, hdrs, NULL, 0, 0 };
	struct http_response r;
	int rc;

	hdr[0] = '\0';
	if (c->kind == CRED_MI_ENDPOINT) {
		snprintf(url, sizeof(url),
		    "%s?api-version=2019-08-01&resource=%s/%s%s",
		    env(c, "IDENTITY_ENDPOINT"), c->ep.audience,
		    client ? "&client_id=" : "", client ? client : "");
		snprintf(hdr, sizeof(hdr), "X-IDENTITY-HEADER: %s",
		    env(c, "IDENTITY_HEADER"));
		hdrs[0] = hdr;
	} else if (c->kind == CRED_ARC) {
		/* azure_arc.py _get_request: a user-assigned identity is
		 * refused, Arc machines have only their own. */
		if (client != NULL)
			return fd_error_set(err, -ENOTSUP, "managed identity: "
			    "Azure Arc supports only the system-assigned "
			    "identity; unset AZURE_CLIENT_ID");
		snprintf(url, sizeof(url),
		    "%s?api-version=2020-06-01&resource=%s/",
		    env(c, "IDENTITY_ENDPOINT"), c->ep.audience);
	} else {
		/* AZURE_POD_IDENTITY_AUTHORITY_HOST replaces the IMDS host
		 * (azure-identity imds.py _get_request: AAD Pod Identity's
		 * NMI, or a stand-in). */
		const char *host = env(c, "AZURE_POD_IDENTITY_AUTHORITY_HOST");
		size_t hl = host ? strlen(host) : 0;

		while (hl > 0 && host[hl - 1] == '/')
			hl--;
		if (host != NULL)
			snprintf(url, sizeof(url), "%.*s%s", (int)hl, host,
			    IMDS_PATH);
		else
			snprintf(url, sizeof(url), "%s", IMDS_URL);
		snprintf(url + strlen(url), sizeof(url) - strlen(url),
		    "?api-version=2018-02-01&resource=%s/%s%s",
		    c->ep.audience, client ? "&client_id=" : "",
		    client ? client : "");
	}
	http_response_init(&r);
	if (c->kind == CRED_IMDS)
		rc = imds_send(c, &req, &r, err);
	else
		rc = cred_send(c, &req, true, &r, err);
	if (rc == 0 && c->kind == CRED_ARC && r.status == 401) {
		size_t n;

		rc = arc_key(c, &r, &key, err);
		http_response_done(&r);
		if (rc < 0)
			return rc;
		n = strlen(key) + 32;
		if ((auth = malloc(n)) == NULL) {
			azure_free_secret(key);
			return fd_error_set(err, -ENOMEM, "out of memory");
		}
		snprintf(auth, n, "Authorization: Basic %s", key);
		azure_free_secret(key);
		hdrs[1] = auth;
		http_response_init(&r);
		rc = cred_send(c, &req, true, &r, err);
		azure_free_secret(auth);
	}
	explicit_bzero(hdr, sizeof(hdr));
	if (rc < 0)
		return fd_error_prefix(err, "managed identity");
	/* IMDS answers 400 when this VM has no identity (or not the one
	 * asked for): DefaultAzureCredential treats that as "unavailable"
	 * and moves on (azure-identity _credentials/imds.py _request_token:
	 * status 400 raises CredentialUnavailableError). */
	if (c->kind == CRED_IMDS && r.status == 400) {
		(void)cred_http_error(c, "managed identity (IMDS: no identity "
		    "on this VM)", &r, err);
		http_response_done(&r);
		if (err != NULL)
			err->code = -ENODEV;
		return -ENODEV;
	}
	if (r.status != 200)
		rc = cred_http_error(c, c->kind == CRED_ARC ? "managed "
		    "identity (Azure Arc)" : "managed identity", &r, err);
	else
		rc = cred_take(c, r.body, "access_token", err);
	if (r.body != NULL)
		explicit_bzero(r.body, r.body_len);
	http_response_done(&r);
	return rc;
}

/* Run argv without a shell from /bin, stdin closed, 10 s limit. */
static int
run_argv(void *arg, const char *const *argv, char *out, size_t len,
    struct fd_error *err)
{
	int pfd[2], status, devnull;
	size_t n = 0, i, ne;
	char **envp;
	pid_t pid;

	(void)arg;
	for (ne = 0; environ[ne] != NULL; ne++)
		;
	envp = calloc(ne + 2, sizeof(*envp));
	if (envp == NULL)
		return fd_error_set(err, -ENOMEM, "out of memory");
	for (i = 0; i < ne; i++)
		envp[i] = environ[i];
	envp[ne] = (char *)"AZURE_CORE_NO_COLOR=true";
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		free(envp);
		return fd_error_set(err, -errno, "pipe: %s", strerror(errno));
	}
	pid = fork();
	if (pid < 0) {
		free(envp);
		close(pfd[0]);
		close(pfd[1]);
		return fd_error_set(err, -errno, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0) {
			dup2(devnull, 0);
			dup2(devnull, 2);
		}
		dup2(pfd[1], 1);
		if (chdir("/bin") < 0)
			_exit(126);
		execvpe(argv[0], (char *const *)argv, envp);
		_exit(127);
	}
	free(envp);
	close(pfd[1]);
	for (;;) {
		struct pollfd p = { pfd[0], POLLIN, 0 };
		ssize_t k;

		if (poll(&p, 1, 10000) <= 0) {
			kill(pid, SIGKILL);
			break;
		}
		if (n + 1 >= len)
			break;
		k = read(pfd[0], out + n, len - n - 1);
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	out[n] = '\0';
	close(pfd[0]);
	status = 0;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return fd_error_set(err, -errno, "waitpid: %s",
			    strerror(errno));
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return fd_error_set(err, -ETIMEDOUT, "%s: killed or timed out",
	    argv[0]);
}

/* az account get-access-token (azure-identity azure_cli.py). */
static int
cred_cli(struct azure_cred *c, struct fd_error *err)
{
	const char *tenant = env(c, "AZURE_TENANT_ID");
	char resource[300];
	const char *argv[] = {
		"az", "account", "get-access-token", "--output", "json",
		"--resource", resource, tenant ? "--tenant" : NULL, tenant, NULL,
	};
	char *out;
	json_t *j, *fixed;
	int rc;

	snprintf(resource, sizeof(resource), "%s/", c->ep.audience);
	out = calloc(1, 65536);
	if (out == NULL)
		return fd_error_set(err, -ENOMEM, "out of memory");
	rc = (c->deps.run ? c->deps.run : run_argv)(c->deps.run_arg, argv, out,
	    65536, err);
	if (rc != 0) {
		azure_free_secret(out);
		if (rc == 127)
			return fd_error_set(err, -ENOENT, "no credential: "
			    "AZURE_CLIENT_ID/AZURE_TENANT_ID with a secret, "
			    "certificate or federated token, managed identity, "
			    "or the Azure CLI (az not found)");
		if (rc > 0)
			return fd_error_set(err, -EACCES,
			    "az account get-access-token exited %d "
			    "(not logged in? run 'az login')", rc);
		return fd_error_prefix(err, "azure cli");
	}
	/* Map the CLI's shape onto a token response: accessToken, and
	 * expires_on (CLI >= 2.54, Azure/azure-cli PR #27476). */
	j = json_loads(out, 0, NULL);
	azure_free_secret(out);
	if (!json_is_string(json_object_get(j, "accessToken"))) {
		json_decref(j);
		return fd_error_set(err, -EPROTO,
		    "az account get-access-token: no accessToken");
	}
	fixed = json_pack("{s:O, s:I}", "access_token",
	    json_object_get(j, "accessToken"), "expires_on",
	    (json_int_t)json_num_or_string(j, "expires_on"));
	json_decref(j);
	out = json_dumps(fixed, JSON_COMPACT);
	json_decref(fixed);
	if (out == NULL)
		return fd_error_set(err, -ENOMEM, "out of memory");
	rc = cred_take(c, out, "access_token", err);
	azure_free_secret(out);
	return rc;
}

/* Does metadata document m describe the cloud whose ARM endpoint is arm
 * (both compared without trailing '/')? */
static bool
meta_is_arm(const json_t *m, const char *arm)
{
	const char *rm = json_string_value(json_object_get(m,
	    "resourceManager"));
	size_t n;

	if (rm == NULL)
		return false;
	n = strlen(rm);
	while (n > 0 && rm[n - 1] == '/')
		n--;
	return strlen(arm) == n && strncasecmp(rm, arm, n) == 0;
}

/* A custom cloud without azure.audience: ask ARM for its token audience,
 * GET {arm}/metadata/endpoints?api-version=2022-09-01, no token, and take
 * authentication.audiences[0], as hashicorp/go-azure-sdk
 * sdk/internal/metadata/client.go (getMetaDataFrom2022API) and Azure CLI
 * (azure/cli/core/cloud.py _arm_to_cli_mapper: active_directory_resource_id
 * = audiences[0]) do.  Azure Stack Hub answers one object; the public
 * ARM answers an array of every cloud, of which the one whose
 * resourceManager is our endpoint counts. */
static int
cred_discover_audience(struct azure_cred *c, struct fd_error *err)
{
	char url[400];
	const char *hdrs[] = { "Accept: application/json", NULL };
	struct http_request req = { "GET", url, hdrs, NULL, 0, 0 };
	struct http_response r;
	json_t *j = NULL, *m = NULL, *aud;
	const char *a;
	size_t i, n;
	int rc;

	snprintf(url, sizeof(url), "%s/metadata/endpoints?api-version="
	    "2022-09-01", c->ep.arm);
	http_response_init(&r);
	if ((rc = cred_send(c, &req, true, &r, err)) < 0)
		return fd_error_prefix(err, "azure audience discovery (%s; "
		    "set azure.audience)", url);
	if (r.status != 200) {
		rc = fd_error_set(err, -EPROTO, "azure audience discovery: "
		    "GET %s: HTTP %ld; set azure.audience", url, r.status);
		goto out;
	}
	j = json_loads(r.body ? r.body : "", 0, NULL);
	if (json_is_array(j)) {
		json_array_foreach(j, i, aud)
			if (meta_is_arm(aud, c->ep.arm))
				m = aud;
	} else if (json_is_object(j)) {
		m = j;
	}
	aud = json_object_get(json_object_get(m, "authentication"),
	    "audiences");
	a = json_string_value(json_array_get(aud, 0));
	if (a == NULL || strncmp(a, "https://", 8) != 0 ||
	    strlen(a) >= sizeof(c->ep.audience)) {
		rc = fd_error_set(err, -EPROTO, "azure audience discovery: "
		    "%s has no authentication.audiences for %s; set "
		    "azure.audience", url, c->ep.arm);
		goto out;
	}
	n = strlen(a);
	while (n > 8 && a[n - 1] == '/')
		n--;
	snprintf(c->ep.audience, sizeof(c->ep.audience), "%.*s", (int)n, a);
	cred_log(c, "azure: token audience %s (from %s)", c->ep.audience,
	    url);
	rc = 0;
out:
	json_decref(j);
	http_response_done(&r);
	return rc;
}

static int
cred_fetch(struct azure_cred *c, struct fd_error *err)
{
	int rc;

	if (c->ep.audience[0] == '\0' &&
	    (rc = cred_discover_audience(c, err)) < 0)
		return rc;
	switch (c->kind) {
	case CRED_SECRET:
	case CRED_CERT:
	case CRED_WORKLOAD:
		return cred_client(c, err);
	case CRED_MI_ENDPOINT:
	case CRED_ARC:
	case CRED_IMDS:
		return cred_managed(c, err);
	case CRED_CLI:
		return cred_cli(c, err);
	case CRED_SERVICE_FABRIC:
		return fd_error_set(err, -ENOTSUP, "managed identity: Service "
		    "Fabric (IDENTITY_SERVER_THUMBPRINT set) is not supported; "
		    "use a client secret or certificate");
	default:
		return fd_error_set(err, -EINVAL, "no credential");
	}
}

/* The first configured credential of the chain. */
static enum cred_kind
cred_pick(const struct azure_cred *c)
{
	bool app = env(c, "AZURE_TENANT_ID") && env(c, "AZURE_CLIENT_ID");

	if (app && env(c, "AZURE_CLIENT_SECRET"))
		return CRED_SECRET;
	if (app && env(c, "AZURE_CLIENT_CERTIFICATE_PATH"))
		return CRED_CERT;
	if (app && env(c, "AZURE_FEDERATED_TOKEN_FILE"))
		return CRED_WORKLOAD;
	/* Service Fabric sets IDENTITY_SERVER_THUMBPRINT too and speaks its
	 * own protocol (azure-identity _credentials/service_fabric.py); it
	 * must not be sent the App Service request. */
	if (env(c, "IDENTITY_ENDPOINT") && env(c, "IDENTITY_HEADER") &&
	    env(c, "IDENTITY_SERVER_THUMBPRINT"))
		return CRED_SERVICE_FABRIC;
	if (env(c, "IDENTITY_ENDPOINT") && env(c, "IDENTITY_HEADER"))
		return CRED_MI_ENDPOINT;
	/* Azure Arc: IDENTITY_ENDPOINT and IMDS_ENDPOINT without
	 * IDENTITY_HEADER (azure-identity managed_identity.py picks
	 * AzureArcCredential so). */
	if (env(c, "IDENTITY_ENDPOINT") && env(c, "IMDS_ENDPOINT"))
		return CRED_ARC;
	return CRED_IMDS;
}

int
azure_cred_token(struct azure_cred *c, const char **token,
    struct fd_error *err)
{
	uint64_t now = clock_now(c->clock);
	int rc;

	if (c->token != NULL && now + REFRESH_OFFSET_MS < c->expires_at) {
		*token = c->token;
		return 0;
	}
	/* Within 30 s of a failed refresh the valid cached token is used
	 * without asking again (get_token_mixin.py _should_refresh). */
	if (c->token != NULL && now < c->expires_at && c->refresh_tried != 0 &&
	    now < c->refresh_tried + REFRESH_RETRY_MS) {
		*token = c->token;
		return 0;
	}
	if (c->token != NULL) {
		cred_log(c, "azure: token expires in < 5 min, refreshing");
		c->refresh_tried = now;
	}
	if (c->kind == CRED_UNSET) {
		c->kind = cred_pick(c);
		rc = cred_fetch(c, err);
		/* Only an unreachable IMDS (not on an Azure VM) moves on. */
		if (rc < 0 && c->kind == CRED_IMDS &&
		    (rc == -ECONNREFUSED || rc == -ETIMEDOUT ||
		    rc == -EHOSTUNREACH || rc == -ECONNRESET ||
		    rc == -ENODEV)) {
			cred_log(c, "azure: IMDS unavailable, trying Azure CLI");
			c->kind = CRED_CLI;
			rc = cred_fetch(c, err);
		}
		if (rc < 0)
			c->kind = CRED_UNSET;
	} else {
		rc = cred_fetch(c, err);
	}
	if (rc < 0 && c->token != NULL && now < c->expires_at) {
		/* get_token_mixin.py get_token: a refresh that fails while
		 * the cached token is valid is ignored and the cached token
		 * returned. */
		cred_log(c, "azure: token refresh failed (%s); using the "
		    "cached token, valid %llu s more, retrying in 30 s",
		    err != NULL ? err->msg : "error",
		    (unsigned long long)((c->expires_at - now) / 1000));
		fd_error_clear(err);
		*token = c->token;
		return 0;
	}
	if (rc < 0)
		return rc;
	c->refresh_tried = 0;
	*token = c->token;
	return 0;
}

void
azure_cred_invalidate(struct azure_cred *c)
{
	azure_free_secret(c->token);
	c->token = NULL;
	c->expires_at = 0;
}

const char *
azure_cred_kind(const struct azure_cred *c)
{
	return kind_names[c->kind];
}

int
azure_cred_new(const struct azure_endpoints *ep, const struct http *http,
    const struct fd_clock *clock, const struct azure_deps *deps,
    struct azure_cred **out, struct fd_error *err)
{
	struct azure_cred *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return fd_error_set(err, -ENOMEM, "out of memory");
	c->ep = *ep;
	c->http = http;
	c->clock = clock;
	c->deps = *deps;
	*out = c;
	return 0;
}

void
azure_cred_free(struct azure_cred *c)
{
	if (c == NULL)
		return;
	azure_free_secret(c->token);
	free(c);
}
