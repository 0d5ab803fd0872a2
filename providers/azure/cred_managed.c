/*
 * Managed identity: App Service style IDENTITY_ENDPOINT/IDENTITY_HEADER,
 * Azure Arc's challenge, else IMDS with its retry guidance.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cred_priv.h"

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
int
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
