/*
 * Who the drill acted as, for the change record (issue 13, item 10): the
 * claims of the ARM access token.  Entra's ARM tokens are v1.0 JWTs whose
 * payload names the caller -- appid (v2.0: azp), oid, tid, idtyp, and for
 * a user upn or unique_name (Microsoft identity platform, "Access token
 * claims reference", learn.microsoft.com/entra/identity-platform/
 * access-token-claims-reference).  The same page says claims are present
 * only when they have a value and a client must not depend on them, so
 * every field is optional and a token that is no JWT (opaque, encrypted)
 * is -EBADMSG: the record then says the identity is unknown.  The token
 * itself never leaves this file; nothing is verified (the signature is
 * ARM's business, not ours).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "azure.h"

/* base64url (RFC 4648 §5, unpadded) to bytes; NULL when malformed. */
static unsigned char *
b64url_decode(const char *in, size_t n, size_t *out_len)
{
	size_t pad = (4 - n % 4) % 4, i;
	unsigned char *std, *out;
	int len;

	if (n == 0 || pad == 3)
		return NULL;
	if ((std = malloc(n + pad + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		char c = in[i];

		if (c == '+' || c == '/' || c == '=') {
			free(std);
			return NULL;
		}
		std[i] = c == '-' ? '+' : c == '_' ? '/' : (unsigned char)c;
	}
	memset(std + n, '=', pad);
	std[n + pad] = '\0';
	out = malloc((n + pad) / 4 * 3 + 1);
	len = out != NULL ? EVP_DecodeBlock(out, std, (int)(n + pad)) : -1;
	free(std);
	if (len < 0 || (size_t)len < pad) {
		free(out);
		return NULL;
	}
	*out_len = (size_t)len - pad;	/* EVP_DecodeBlock counts the pad */
	out[*out_len] = '\0';
	return out;
}

static void
claim(const json_t *c, const char *const keys[], char *buf, size_t len)
{
	size_t i;

	buf[0] = '\0';
	for (i = 0; keys[i] != NULL; i++) {
		const char *v = json_string_value(json_object_get(c, keys[i]));

		if (v != NULL && *v != '\0') {
			snprintf(buf, len, "%s", v);
			return;
		}
	}
}

int
azure_token_identity(const char *token, struct cloud_identity *out,
    struct fd_error *err)
{
	static const char *const app[] = { "appid", "azp", NULL };
	static const char *const oid[] = { "oid", NULL };
	static const char *const tid[] = { "tid", NULL };
	static const char *const typ[] = { "idtyp", NULL };
	static const char *const name[] = { "upn", "unique_name",
	    "preferred_username", NULL };
	const char *dot1, *dot2;
	unsigned char *raw;
	size_t n;
	json_t *c;

	memset(out, 0, sizeof(*out));
	dot1 = token != NULL ? strchr(token, '.') : NULL;
	dot2 = dot1 != NULL ? strchr(dot1 + 1, '.') : NULL;
	if (dot2 == NULL || strchr(dot2 + 1, '.') != NULL)
		return fd_error_set(err, -EBADMSG, "the access token is not a "
		    "JWT (opaque or encrypted): its identity is unknown");
	raw = b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), &n);
	c = raw != NULL ? json_loadb((const char *)raw, n, 0, NULL) : NULL;
	free(raw);
	if (!json_is_object(c)) {
		json_decref(c);
		return fd_error_set(err, -EBADMSG, "the access token's payload "
		    "is not a JSON object: its identity is unknown");
	}
	claim(c, app, out->app_id, sizeof(out->app_id));
	claim(c, oid, out->object_id, sizeof(out->object_id));
	claim(c, tid, out->tenant_id, sizeof(out->tenant_id));
	claim(c, typ, out->type, sizeof(out->type));
	claim(c, name, out->name, sizeof(out->name));
	/* v1.0 user tokens carry no idtyp: a upn says user. */
	if (out->type[0] == '\0' && out->name[0] != '\0')
		snprintf(out->type, sizeof(out->type), "user");
	json_decref(c);
	if (out->app_id[0] == '\0' && out->object_id[0] == '\0')
		return fd_error_set(err, -EBADMSG, "the access token names "
		    "neither an app id nor an object id");
	return 0;
}
