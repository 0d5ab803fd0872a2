/*
 * Internals of the credential chain shared by its files: cred.c (the
 * chain, the token cache, token responses), cred_client.c (Entra client
 * credentials: secret, certificate, workload identity), cred_managed.c
 * (managed identity: App Service, Azure Arc, IMDS) and cred_cli.c (Azure
 * CLI).
 */
#ifndef FD_CRED_PRIV_H
#define FD_CRED_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

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

/* What azure_cred_kind() answers for each kind. */
extern const char *const cred_kind_names[];

#define TOKEN_MAX 16384

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

static inline const char *
env(const struct azure_cred *c, const char *name)
{
	const char *v;

	if (c->deps.getenv != NULL)
		v = c->deps.getenv(c->deps.env_arg, name);
	else
		v = secure_getenv(name);
	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* cred.c */
void cred_logl(const struct azure_cred *c, enum log_level level,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Token life: debug.  IMDS retries: shown by default (warnings). */
#define cred_log(c, ...) cred_logl((c), LOG_DEBUG, __VA_ARGS__)
#define cred_warn(c, ...) cred_logl((c), LOG_WARN, __VA_ARGS__)
/* expires_in / expires_on as numbers or strings; 0 when absent. */
long long json_num_or_string(const json_t *o, const char *key);
/* Keep the token of a token response. */
int cred_take(struct azure_cred *c, const char *body, const char *tok_key,
    struct fd_error *err);
/* The identity provider's error, without anything secret. */
int cred_http_error(const struct azure_cred *c, const char *what,
    const struct http_response *r, struct fd_error *err);
/* Send a token request, retrying 408/429/5xx (and transient transport
 * errors when retry_transport). */
int cred_send(struct azure_cred *c, const struct http_request *req,
    bool retry_transport, struct http_response *out, struct fd_error *err);

/* One fetch per kind of credential. */
int cred_client(struct azure_cred *c, struct fd_error *err);
int cred_managed(struct azure_cred *c, struct fd_error *err);
int cred_cli(struct azure_cred *c, struct fd_error *err);

#endif
