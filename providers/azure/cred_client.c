/*
 * Entra client credentials grant (AZURE-REST.md §4): a client secret, a
 * client-certificate assertion (jwt.c) or a workload identity's federated
 * token.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cred_priv.h"

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
int
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
		    cred_kind_names[c->kind]);
	if (r.status != 200)
		rc = cred_http_error(c, "Entra ID token", &r, err);
	else
		rc = cred_take(c, r.body, "access_token", err);
	if (r.body != NULL)
		explicit_bzero(r.body, r.body_len);
	http_response_done(&r);
	return rc;
}
