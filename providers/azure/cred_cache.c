/*
 * The process-wide cache behind every credential (cred.c): one entry per
 * cloud metadata document (keyed by its URL, which holds the ARM endpoint
 * and the api-version) and one per access token (keyed by a SHA-256 of
 * what decides the token: authority, audience, the credential kind picked
 * and every input of the chain).  The engine opens a provider context per
 * concurrent read; with the entries shared, a new context costs neither a
 * metadata GET nor a token POST while the token is valid.
 *
 * Entries are counted by the contexts that hold them and freed, token
 * wiped, when the last one closes: nothing outlives the contexts, and
 * nothing is written anywhere but memory.  One mutex guards the lists and
 * every entry's fields; each entry has a condition variable on which
 * contexts wait for the one fetch in flight (single-flight, as azcore's
 * temporal.Resource: sdk/internal/temporal/resource.go, cond + acquiring).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cred_priv.h"

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static struct cred_share *shares;
static struct cred_meta *metas;

void
cred_cache_lock(void)
{
	pthread_mutex_lock(&cache_mu);
}

void
cred_cache_unlock(void)
{
	pthread_mutex_unlock(&cache_mu);
}

void
cred_cache_wait(pthread_cond_t *cond)
{
	pthread_cond_wait(cond, &cache_mu);
}

int
cred_share_acquire(const unsigned char key[CRED_KEY_LEN],
    struct cred_share **out, struct fd_error *err)
{
	struct cred_share *s;

	cred_cache_lock();
	for (s = shares; s != NULL; s = s->next)
		if (memcmp(s->key, key, CRED_KEY_LEN) == 0)
			break;
	if (s == NULL) {
		if ((s = calloc(1, sizeof(*s))) == NULL ||
		    pthread_cond_init(&s->cond, NULL) != 0) {
			cred_cache_unlock();
			free(s);
			return fd_error_set(err, -ENOMEM, "out of memory");
		}
		memcpy(s->key, key, CRED_KEY_LEN);
		s->next = shares;
		shares = s;
	}
	s->refs++;
	cred_cache_unlock();
	*out = s;
	return 0;
}

void
cred_share_release(struct cred_share *s)
{
	struct cred_share **pp;

	if (s == NULL)
		return;
	cred_cache_lock();
	if (--s->refs > 0) {
		cred_cache_unlock();
		return;
	}
	for (pp = &shares; *pp != NULL; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	cred_cache_unlock();
	azure_free_secret(s->token);
	pthread_cond_destroy(&s->cond);
	free(s);
}

int
cred_meta_acquire(const char *url, struct cred_meta **out,
    struct fd_error *err)
{
	struct cred_meta *m;

	if (strlen(url) >= sizeof(m->url))
		return fd_error_set(err, -ENAMETOOLONG, "azure: metadata URL "
		    "too long");
	cred_cache_lock();
	for (m = metas; m != NULL; m = m->next)
		if (strcmp(m->url, url) == 0)
			break;
	if (m == NULL) {
		if ((m = calloc(1, sizeof(*m))) == NULL ||
		    pthread_cond_init(&m->cond, NULL) != 0) {
			cred_cache_unlock();
			free(m);
			return fd_error_set(err, -ENOMEM, "out of memory");
		}
		memcpy(m->url, url, strlen(url) + 1);
		m->next = metas;
		metas = m;
	}
	m->refs++;
	cred_cache_unlock();
	*out = m;
	return 0;
}

void
cred_meta_release(struct cred_meta *m)
{
	struct cred_meta **pp;

	if (m == NULL)
		return;
	cred_cache_lock();
	if (--m->refs > 0) {
		cred_cache_unlock();
		return;
	}
	for (pp = &metas; *pp != NULL; pp = &(*pp)->next)
		if (*pp == m) {
			*pp = m->next;
			break;
		}
	cred_cache_unlock();
	pthread_cond_destroy(&m->cond);
	free(m);
}

void
azure_cred_cache_forget(void)
{
	struct cred_share *s;
	struct cred_meta *m;

	cred_cache_lock();
	for (s = shares; s != NULL; s = s->next) {
		azure_free_secret(s->token);
		s->token = NULL;
		s->expires_at = s->refresh_tried = 0;
		s->kind = CRED_UNSET;
	}
	for (m = metas; m != NULL; m = m->next)
		m->audience[0] = '\0';
	cred_cache_unlock();
}
