/*
 * Internals of the credential chain shared by its files: cred.c (the
 * chain, the token cache, token responses), cred_client.c (Entra client
 * credentials: secret, certificate, workload identity), cred_managed.c
 * (managed identity: App Service, Azure Arc, IMDS) and cred_cli.c (Azure
 * CLI).
 */
#ifndef FD_CRED_PRIV_H
#define FD_CRED_PRIV_H

#include <pthread.h>
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
#define CRED_KEY_LEN 32		/* SHA-256 */

/*
 * The token every context opened with the same credential configuration
 * shares (cred_cache.c); every field under cred_cache_lock().  Clock ms
 * are of the contexts' clocks, which all count the same monotonic time
 * (the engine's clocks wrap CLOCK_MONOTONIC; a test's contexts share one
 * virtual clock).
 */
struct cred_share {
	struct cred_share *next;
	unsigned char key[CRED_KEY_LEN];
	unsigned refs;		/* contexts holding it */
	pthread_cond_t cond;	/* signalled when a fetch ends */
	bool fetching;		/* one context is fetching: others wait */
	enum cred_kind kind;	/* the kind that gave the token */
	char *token;
	uint64_t expires_at;	/* clock ms */
	uint64_t refresh_tried;	/* clock ms of the last refresh, 0 none */
	uint64_t gen;		/* counts tokens acquired: which is current */
};

/* A custom cloud's discovered token audience, per metadata URL. */
struct cred_meta {
	struct cred_meta *next;
	char url[400];
	unsigned refs;
	pthread_cond_t cond;
	bool fetching;
	char audience[256];	/* "" until discovered */
};

struct azure_cred {
	const struct http *http;
	const struct fd_clock *clock;
	struct azure_deps deps;
	struct azure_endpoints ep;
	enum cred_kind kind;
	/* This context's copy of the shared token (valid until its next
	 * azure_cred_token call), of generation gen. */
	char *token;
	uint64_t expires_at;	/* clock ms */
	uint64_t gen;
	struct cred_share *share;
	struct cred_meta *meta;	/* NULL: the audience is configured */
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

/* cred_cache.c: the process-wide entries, counted by their holders. */
void cred_cache_lock(void);
void cred_cache_unlock(void);
void cred_cache_wait(pthread_cond_t *cond);
int cred_share_acquire(const unsigned char key[CRED_KEY_LEN],
    struct cred_share **out, struct fd_error *err);
void cred_share_release(struct cred_share *s);
int cred_meta_acquire(const char *url, struct cred_meta **out,
    struct fd_error *err);
void cred_meta_release(struct cred_meta *m);

/* One fetch per kind of credential. */
int cred_client(struct azure_cred *c, struct fd_error *err);
int cred_managed(struct azure_cred *c, struct fd_error *err);
int cred_cli(struct azure_cred *c, struct fd_error *err);

#endif
