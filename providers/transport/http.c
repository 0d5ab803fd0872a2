/*
 * The libcurl adapter of the HTTP transport.  libcurl's error codes are
 * translated into ours in exactly one function, http_curl_error().
 *
 * libcurl is loaded with dlopen() when the first transport is opened, not
 * linked: libcurl.so.4 pulls about 25 shared libraries (gssapi/krb5, ldap,
 * sasl, rtmp with gnutls/nettle, nghttp2, idn2, psl, brotli, zstd ...),
 * and mapping them made every start of the CLI pay for them, Azure or
 * not.  `trace` was 1.79x traceroute -n in wall time (110 ms against
 * 61 ms, bench/trace.sh 10) while the trace itself takes 6 ms; the same
 * tracer linked only to jansson is 0.75x.  Loaded lazily (and libxml2
 * likewise, junos_json.c) the CLI maps 8 libraries instead of 41 and
 * trace is 0.83x (20 ms against 24 ms).  curl.h is still included, for
 * its types and constants only: every call goes through struct curl_fns.
 */
#include <ctype.h>
#include <stddef.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "http.h"

/* ARM drops responses over 8 MB (AZURE-REST.md §3.3); twice that is a
 * broken peer, not data. */
#define HTTP_BODY_MAX (16u * 1024 * 1024)
#define HTTP_HEADERS_MAX 256

/* The SONAME of libcurl's ABI 4 (every libcurl since 7.16). */
#define CURL_SONAME "libcurl.so.4"
#define HTTP_LIB_HINT "Debian: apt-get install libcurl4"

/*
 * The libcurl functions used here, typed from curl.h's prototypes.
 * Calls go through these pointers, never curl.h's names: with GCC those
 * names are the typecheck-gcc.h macros, and a direct call would make the
 * linker want libcurl again.
 */
struct curl_fns {
	CURLcode (*global_init)(long);
	void (*global_cleanup)(void);
	CURL *(*easy_init)(void);
	void (*easy_cleanup)(CURL *);
	void (*easy_reset)(CURL *);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	const char *(*easy_strerror)(CURLcode);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
	char *(*version)(void);
};

/*
 * The one exception to "no global state": what dlopen() gives is
 * process-wide anyway.  Filled once by curl_load() under pthread_once
 * and read-only after, so any thread may open transports.  The library
 * is never dlclose()d: libcurl and its TLS library register atexit and
 * thread-local destructors that must outlive every transport.
 */
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static struct curl_fns curl_fn;
static char curl_load_err[FD_ERROR_MSG];	/* "" when loaded */

struct curl_ctx {
	CURL *easy;
	char ca_bundle[4096];
	char noproxy[2048];
	unsigned connect_timeout_ms;
	unsigned timeout_ms;
	http_log_fn log;
	void *log_arg;
	/* Per request. */
	struct http_response *resp;
	size_t body_cap;
	int overflow;
};

/* --------------------------------------------------------- loading */

static void
curl_load(void)
{
	static const struct {
		const char *name;
		size_t off;
	} syms[] = {
#define CURL_SYM(f, n) { n, offsetof(struct curl_fns, f) }
		CURL_SYM(global_init, "curl_global_init"),
		CURL_SYM(global_cleanup, "curl_global_cleanup"),
		CURL_SYM(easy_init, "curl_easy_init"),
		CURL_SYM(easy_cleanup, "curl_easy_cleanup"),
		CURL_SYM(easy_reset, "curl_easy_reset"),
		CURL_SYM(easy_setopt, "curl_easy_setopt"),
		CURL_SYM(easy_perform, "curl_easy_perform"),
		CURL_SYM(easy_getinfo, "curl_easy_getinfo"),
		CURL_SYM(easy_strerror, "curl_easy_strerror"),
		CURL_SYM(slist_append, "curl_slist_append"),
		CURL_SYM(slist_free_all, "curl_slist_free_all"),
		CURL_SYM(version, "curl_version"),
#undef CURL_SYM
	};
	struct curl_fns f;
	const char *e;
	void *lib, *p;
	size_t i;

	/* RTLD_LOCAL: curl's dependencies stay out of the global scope. */
	lib = dlopen(CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL) {
		e = dlerror();
		snprintf(curl_load_err, sizeof(curl_load_err),
		    CURL_SONAME " not found: %s (" HTTP_LIB_HINT ")",
		    e ? e : "dlopen failed");
		return;
	}
	for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		(void)dlerror();
		p = dlsym(lib, syms[i].name);
		if (p == NULL) {
			e = dlerror();
			snprintf(curl_load_err, sizeof(curl_load_err),
			    CURL_SONAME " not usable: %s (" HTTP_LIB_HINT ")",
			    e ? e : syms[i].name);
			dlclose(lib);
			return;
		}
		/* POSIX: a dlsym() result converts to a function pointer
		 * (XSH dlsym, "Application Usage"). */
		memcpy((char *)&f + syms[i].off, &p, sizeof(p));
	}
	curl_fn = f;
}

int
http_library(char *buf, size_t len)
{
	pthread_once(&curl_once, curl_load);
	if (curl_load_err[0] != '\0') {
		snprintf(buf, len, "%s", curl_load_err);
		return -ENOENT;
	}
	/* "libcurl/7.88.1 OpenSSL/3.0.15 zlib/1.2.13 ..." */
	snprintf(buf, len, "%s (" CURL_SONAME ")", curl_fn.version());
	return 0;
}

/* ---------------------------------------------------------- responses */

void
http_response_init(struct http_response *r)
{
	memset(r, 0, sizeof(*r));
}

void
http_response_done(struct http_response *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n_headers; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	free(r->headers);
	free(r->body);
	http_response_init(r);
}

const char *
http_response_header(const struct http_response *r, const char *name)
{
	size_t i;

	for (i = r->n_headers; i > 0; i--)
		if (strcasecmp(r->headers[i - 1].name, name) == 0)
			return r->headers[i - 1].value;
	return NULL;
}

int
http_response_add_header(struct http_response *r, const char *name,
    const char *value)
{
	struct http_header *h;

	if (r->n_headers >= HTTP_HEADERS_MAX)
		return -E2BIG;
	h = realloc(r->headers, (r->n_headers + 1) * sizeof(*h));
	if (h == NULL)
		return -ENOMEM;
	r->headers = h;
	h = &r->headers[r->n_headers];
	h->name = strdup(name);
	h->value = strdup(value);
	if (h->name == NULL || h->value == NULL) {
		free(h->name);
		free(h->value);
		return -ENOMEM;
	}
	r->n_headers++;
	return 0;
}

int
http_response_set_body(struct http_response *r, const char *body, size_t len)
{
	char *b = malloc(len + 1);

	if (b == NULL)
		return -ENOMEM;
	memcpy(b, body, len);
	b[len] = '\0';
	free(r->body);
	r->body = b;
	r->body_len = len;
	return 0;
}

static void
response_clear_headers(struct http_response *r)
{
	size_t i;

	for (i = 0; i < r->n_headers; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	free(r->headers);
	r->headers = NULL;
	r->n_headers = 0;
}

/* ------------------------------------------------------------ logging */

/* Headers whose value is a credential: never logged. */
static const char *const secret_headers[] = {
	"authorization", "x-identity-header", "secret", "proxy-authorization",
	"cookie", "set-cookie", NULL,
};

void
http_redact_line(const char *in, size_t n, char *out, size_t len)
{
	const char *colon;
	size_t i, name_len;

	if (len == 0)
		return;
	while (n > 0 && (in[n - 1] == '\r' || in[n - 1] == '\n'))
		n--;
	colon = memchr(in, ':', n);
	if (colon != NULL) {
		name_len = (size_t)(colon - in);
		for (i = 0; secret_headers[i] != NULL; i++)
			if (strlen(secret_headers[i]) == name_len &&
			    strncasecmp(in, secret_headers[i], name_len) == 0) {
				snprintf(out, len, "%.*s: [redacted]",
				    (int)name_len, in);
				return;
			}
	}
	snprintf(out, len, "%.*s", (int)n, in);
}

/*
 * Only text and headers are logged, never data: request bodies carry
 * client secrets and assertions, responses carry access tokens.
 */
static int
curl_debug(CURL *h, curl_infotype type, char *data, size_t size, void *arg)
{
	struct curl_ctx *c = arg;
	const char *dir;
	char line[1024], out[1100];
	size_t start = 0, i;

	(void)h;
	switch (type) {
	case CURLINFO_TEXT:
		dir = "*";
		break;
	case CURLINFO_HEADER_IN:
		dir = "<";
		break;
	case CURLINFO_HEADER_OUT:
		dir = ">";
		break;
	default:
		return 0;
	}
	for (i = 0; i <= size; i++) {
		if (i < size && data[i] != '\n')
			continue;
		if (i > start) {
			http_redact_line(data + start, i - start, line,
			    sizeof(line));
			if (line[0] != '\0') {
				snprintf(out, sizeof(out), "%s %s", dir, line);
				c->log(c->log_arg, LOG_DEBUG, out);
			}
		}
		start = i + 1;
	}
	return 0;
}

/* ------------------------------------------------------------- errors */

/* The one place where libcurl's errors become ours.  req is NULL when
 * the transport is being opened, and CURLE_FAILED_INIT then means that
 * libcurl could not be loaded (detail says why; curl_fn is not set). */
static int
http_curl_error(CURLcode rc, const struct http_request *req,
    const char *detail, struct fd_error *err)
{
	char url[512];
	const char *q;
	int code;

	switch (rc) {
	case CURLE_FAILED_INIT:
		code = req == NULL ? -ENOENT : -EIO;
		break;
	case CURLE_OPERATION_TIMEDOUT:
		code = -ETIMEDOUT;
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		code = -EHOSTUNREACH;
		break;
	case CURLE_COULDNT_CONNECT:
		code = -ECONNREFUSED;
		break;
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
		code = -ECONNRESET;
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
		code = -EPROTO;
		break;
	case CURLE_OUT_OF_MEMORY:
		code = -ENOMEM;
		break;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_BAD_FUNCTION_ARGUMENT:
		code = -EINVAL;
		break;
	case CURLE_WRITE_ERROR:
	case CURLE_FILESIZE_EXCEEDED:
		code = -EMSGSIZE;
		break;
	case CURLE_ABORTED_BY_CALLBACK:	/* http_request.cancel */
		code = -ECANCELED;
		detail = "cancelled while waiting for the answer";
		break;
	default:
		code = -EIO;
		break;
	}
	if (req == NULL)
		return fd_error_set(err, code, "%s", detail);
	/* The query may carry nothing secret today, but a URL is only
	 * needed up to its path to say where the failure was. */
	q = strchr(req->url, '?');
	snprintf(url, sizeof(url), "%.*s",
	    q ? (int)(q - req->url) : (int)strlen(req->url), req->url);
	return fd_error_set(err, code, "%s %s: %s", req->method, url,
	    detail && detail[0] ? detail : curl_fn.easy_strerror(rc));
}

/* ---------------------------------------------------------- callbacks */

/*
 * libcurl calls this "roughly once per second or sooner" also while
 * nothing is transferred (CURLOPT_XFERINFOFUNCTION(3)); a non-zero
 * return aborts the transfer with CURLE_ABORTED_BY_CALLBACK.
 */
static int
curl_xferinfo(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	volatile sig_atomic_t *cancel = arg;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return *cancel != 0;
}

static size_t
curl_write(char *p, size_t size, size_t n, void *arg)
{
	struct curl_ctx *c = arg;
	struct http_response *r = c->resp;
	size_t len = size * n;

	if (r->body_len + len + 1 > HTTP_BODY_MAX) {
		c->overflow = 1;
		return 0;
	}
	if (r->body_len + len + 1 > c->body_cap) {
		size_t cap = c->body_cap ? c->body_cap : 4096;
		char *b;

		while (cap < r->body_len + len + 1)
			cap *= 2;
		b = realloc(r->body, cap);
		if (b == NULL)
			return 0;
		r->body = b;
		c->body_cap = cap;
	}
	memcpy(r->body + r->body_len, p, len);
	r->body_len += len;
	r->body[r->body_len] = '\0';
	return len;
}

static size_t
curl_header(char *p, size_t size, size_t n, void *arg)
{
	struct curl_ctx *c = arg;
	size_t len = size * n, nl, vl;
	char name[128], *value;
	const char *colon;

	/* A status line starts a new response (100 Continue, proxies):
	 * keep only the final one's headers. */
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		response_clear_headers(c->resp);
		return len;
	}
	colon = memchr(p, ':', len);
	if (colon == NULL)
		return len;
	nl = (size_t)(colon - p);
	if (nl == 0 || nl >= sizeof(name))
		return len;
	memcpy(name, p, nl);
	name[nl] = '\0';
	colon++;
	vl = len - nl - 1;
	while (vl > 0 && (*colon == ' ' || *colon == '\t')) {
		colon++;
		vl--;
	}
	while (vl > 0 && isspace((unsigned char)colon[vl - 1]))
		vl--;
	value = strndup(colon, vl);
	if (value == NULL)
		return 0;
	if (http_response_add_header(c->resp, name, value) < 0) {
		free(value);
		return 0;
	}
	free(value);
	return len;
}

/* ------------------------------------------------------------ request */

static int
curl_request(void *ctx, const struct http_request *req,
    struct http_response *out, struct fd_error *err)
{
	struct curl_ctx *c = ctx;
	struct http_response r;
	struct curl_slist *hdrs = NULL, *t;
	char errbuf[CURL_ERROR_SIZE] = "";
	CURLcode rc;
	long status = 0;
	size_t i;
	int ret = 0;

	http_response_init(&r);
	c->resp = &r;
	c->body_cap = 0;
	c->overflow = 0;

	/* Reset keeps the connection cache and TLS sessions. */
	curl_fn.easy_reset(c->easy);
	for (i = 0; req->headers != NULL && req->headers[i] != NULL; i++) {
		t = curl_fn.slist_append(hdrs, req->headers[i]);
		if (t == NULL) {
			ret = fd_error_set(err, -ENOMEM, "out of memory");
			goto out;
		}
		hdrs = t;
	}
	/* No "Expect: 100-continue" round trip for small JSON bodies. */
	t = curl_fn.slist_append(hdrs, "Expect:");
	if (t == NULL) {
		ret = fd_error_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	hdrs = t;

	curl_fn.easy_setopt(c->easy, CURLOPT_URL, req->url);
	curl_fn.easy_setopt(c->easy, CURLOPT_HTTPHEADER, hdrs);
	curl_fn.easy_setopt(c->easy, CURLOPT_ERRORBUFFER, errbuf);
	curl_fn.easy_setopt(c->easy, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_fn.easy_setopt(c->easy, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_fn.easy_setopt(c->easy, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_fn.easy_setopt(c->easy, CURLOPT_FOLLOWLOCATION, 0L);
	/* TLS verification is never switched off; a private CA (Azure
	 * Stack Hub, the test mock) is given as a bundle instead. */
	curl_fn.easy_setopt(c->easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_fn.easy_setopt(c->easy, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->ca_bundle[0] != '\0')
		curl_fn.easy_setopt(c->easy, CURLOPT_CAINFO, c->ca_bundle);
	/* IMDS must not go through a proxy (AZURE-REST.md §4.3); the
	 * option replaces NO_PROXY, so the user's list is kept in it. */
	curl_fn.easy_setopt(c->easy, CURLOPT_NOPROXY, c->noproxy);
	curl_fn.easy_setopt(c->easy, CURLOPT_USERAGENT,
	    "failover-drill/" FD_VERSION);
	curl_fn.easy_setopt(c->easy, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)c->connect_timeout_ms);
	curl_fn.easy_setopt(c->easy, CURLOPT_TIMEOUT_MS,
	    (long)(req->timeout_ms ? req->timeout_ms : c->timeout_ms));
	if (req->cancel != NULL) {
		curl_fn.easy_setopt(c->easy, CURLOPT_XFERINFOFUNCTION,
		    curl_xferinfo);
		curl_fn.easy_setopt(c->easy, CURLOPT_XFERINFODATA,
		    (void *)req->cancel);
		curl_fn.easy_setopt(c->easy, CURLOPT_NOPROGRESS, 0L);
	} else {
		curl_fn.easy_setopt(c->easy, CURLOPT_NOPROGRESS, 1L);
	}
	curl_fn.easy_setopt(c->easy, CURLOPT_WRITEFUNCTION, curl_write);
	curl_fn.easy_setopt(c->easy, CURLOPT_WRITEDATA, c);
	curl_fn.easy_setopt(c->easy, CURLOPT_HEADERFUNCTION, curl_header);
	curl_fn.easy_setopt(c->easy, CURLOPT_HEADERDATA, c);
	if (c->log != NULL) {
		curl_fn.easy_setopt(c->easy, CURLOPT_DEBUGFUNCTION, curl_debug);
		curl_fn.easy_setopt(c->easy, CURLOPT_DEBUGDATA, c);
		curl_fn.easy_setopt(c->easy, CURLOPT_VERBOSE, 1L);
	}
	if (strcmp(req->method, "GET") == 0) {
		curl_fn.easy_setopt(c->easy, CURLOPT_HTTPGET, 1L);
	} else {
		curl_fn.easy_setopt(c->easy, CURLOPT_POSTFIELDS,
		    req->body ? req->body : "");
		curl_fn.easy_setopt(c->easy, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)(req->body ? req->body_len : 0));
		if (strcmp(req->method, "POST") != 0)
			curl_fn.easy_setopt(c->easy, CURLOPT_CUSTOMREQUEST,
			    req->method);
	}

	rc = curl_fn.easy_perform(c->easy);
	if (rc == CURLE_WRITE_ERROR && c->overflow)
		rc = CURLE_FILESIZE_EXCEEDED;
	if (rc != CURLE_OK) {
		ret = http_curl_error(rc, req, errbuf, err);
		goto out;
	}
	curl_fn.easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
	r.status = status;
	if (r.body == NULL && http_response_set_body(&r, "", 0) < 0) {
		ret = fd_error_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	*out = r;
	http_response_init(&r);
out:
	/* Request headers may hold the bearer token: wipe our copies. */
	for (t = hdrs; t != NULL; t = t->next)
		memset(t->data, 0, strlen(t->data));
	curl_fn.slist_free_all(hdrs);
	curl_fn.easy_setopt(c->easy, CURLOPT_HTTPHEADER, NULL);
	curl_fn.easy_setopt(c->easy, CURLOPT_ERRORBUFFER, NULL);
	c->resp = NULL;
	http_response_done(&r);
	return ret;
}

static void
curl_close(void *ctx)
{
	struct curl_ctx *c = ctx;

	if (c == NULL)
		return;
	curl_fn.easy_cleanup(c->easy);
	free(c);
	curl_fn.global_cleanup();
}

static const struct http_ops curl_ops = {
	.request = curl_request,
	.close = curl_close,
};

int
http_curl_open(const struct http_cfg *cfg, struct http *out,
    struct fd_error *err)
{
	struct curl_ctx *c;

	/* The first transport opened loads libcurl (see the top of this
	 * file); a missing library is an error here, not at exec. */
	pthread_once(&curl_once, curl_load);
	if (curl_load_err[0] != '\0')
		return http_curl_error(CURLE_FAILED_INIT, NULL, curl_load_err,
		    err);
	/* Reference counted and thread-safe since libcurl 7.84. */
	if (curl_fn.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return fd_error_set(err, -EIO, "curl_global_init failed");
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		curl_fn.global_cleanup();
		return fd_error_set(err, -ENOMEM, "out of memory");
	}
	c->easy = curl_fn.easy_init();
	if (c->easy == NULL) {
		free(c);
		curl_fn.global_cleanup();
		return fd_error_set(err, -ENOMEM, "curl_easy_init failed");
	}
	if (cfg->ca_bundle != NULL) {
		if (strlen(cfg->ca_bundle) >= sizeof(c->ca_bundle)) {
			curl_close(c);
			return fd_error_set(err, -ENAMETOOLONG,
			    "CA bundle path too long");
		}
		snprintf(c->ca_bundle, sizeof(c->ca_bundle), "%s",
		    cfg->ca_bundle);
	}
	c->connect_timeout_ms = cfg->connect_timeout_ms ?
	    cfg->connect_timeout_ms : 10000;
	/* ARM gives a resource provider 60 s before it answers 504 itself
	 * (AZURE-REST.md): a client that gives up first never sees it. */
	c->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : 65000;
	{
		const char *np = getenv("NO_PROXY");

		if (np == NULL || np[0] == '\0')
			np = getenv("no_proxy");
		snprintf(c->noproxy, sizeof(c->noproxy), "169.254.169.254%s%s",
		    np != NULL && np[0] != '\0' ? "," : "", np ? np : "");
	}
	c->log = cfg->log;
	c->log_arg = cfg->log_arg;
	out->ops = &curl_ops;
	out->ctx = c;
	return 0;
}

int
http_request(const struct http *h, const struct http_request *req,
    struct http_response *out, struct fd_error *err)
{
	return h->ops->request(h->ctx, req, out, err);
}

void
http_close(struct http *h)
{
	if (h == NULL || h->ops == NULL)
		return;
	if (h->ops->close != NULL)
		h->ops->close(h->ctx);
	h->ops = NULL;
	h->ctx = NULL;
}
