/*
 * The identity an ARM access token names (providers/azure/claims.c):
 * v1.0 app and user tokens, a v2.0 token, and tokens that are no JWT.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>

#include "azure/azure.h"

/* base64url without padding, as JWTs carry it. */
static void
b64url(const char *in, char *out)
{
	int n = EVP_EncodeBlock((unsigned char *)out,
	    (const unsigned char *)in, (int)strlen(in));

	while (n > 0 && out[n - 1] == '=')
		n--;
	out[n] = '\0';
	for (; *out != '\0'; out++)
		*out = *out == '+' ? '-' : *out == '/' ? '_' : *out;
}

/* "header.payload.signature" with the given payload JSON. */
static char *
token(const char *payload, char *buf)
{
	char h[128], p[2048];

	b64url("{\"typ\":\"JWT\",\"alg\":\"RS256\",\"kid\":\"k\"}", h);
	b64url(payload, p);
	sprintf(buf, "%s.%s.c2lnbmF0dXJl", h, p);
	return buf;
}

static void
test_v1_app_token(void **state)
{
	struct cloud_identity id;
	struct fd_error err = { 0 };
	char tok[4096];

	(void)state;
	assert_int_equal(azure_token_identity(token("{\"aud\":\"https://"
	    "management.azure.com/\",\"appid\":\"1b2c3d4e-0000-4000-8000-"
	    "000000000001\",\"appidacr\":\"1\",\"idtyp\":\"app\",\"oid\":"
	    "\"9f8e7d6c-0000-4000-8000-000000000002\",\"tid\":\"72f988bf-"
	    "86f1-41af-91ab-2d7cd011db47\",\"ver\":\"1.0\"}", tok), &id,
	    &err), 0);
	assert_string_equal(id.app_id, "1b2c3d4e-0000-4000-8000-000000000001");
	assert_string_equal(id.object_id,
	    "9f8e7d6c-0000-4000-8000-000000000002");
	assert_string_equal(id.tenant_id,
	    "72f988bf-86f1-41af-91ab-2d7cd011db47");
	assert_string_equal(id.type, "app");
	assert_string_equal(id.name, "");
}

/* A user's v1.0 token (az login): no idtyp, a upn; the payload lengths
 * 0, 1 and 2 mod 3 exercise every padding of the decoder. */
static void
test_v1_user_token_every_padding(void **state)
{
	static const char *const pad[] = { "", "x", "xy" };
	struct cloud_identity id;
	struct fd_error err = { 0 };
	char tok[4096], payload[512];
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		snprintf(payload, sizeof(payload), "{\"appid\":\"04b07795-"
		    "8ddb-461a-bbee-02f9e1bf7b46\",\"oid\":\"u-1\",\"tid\":"
		    "\"t-1\",\"upn\":\"ops@contoso.com\",\"p\":\"%s\"}",
		    pad[i]);
		assert_int_equal(azure_token_identity(token(payload, tok), &id,
		    &err), 0);
		assert_string_equal(id.name, "ops@contoso.com");
		assert_string_equal(id.type, "user");
		assert_string_equal(id.object_id, "u-1");
	}
}

/* v2.0 tokens name the client in azp, not appid. */
static void
test_v2_azp(void **state)
{
	struct cloud_identity id;
	struct fd_error err = { 0 };
	char tok[4096];

	(void)state;
	assert_int_equal(azure_token_identity(token("{\"azp\":\"a-2\","
	    "\"oid\":\"o-2\",\"ver\":\"2.0\",\"preferred_username\":"
	    "\"ops@contoso.com\"}", tok), &id, &err), 0);
	assert_string_equal(id.app_id, "a-2");
	assert_string_equal(id.name, "ops@contoso.com");
}

/* An opaque or encrypted token, a payload that is no JSON object, or one
 * that names nobody: -EBADMSG with a reason, never a made-up identity. */
static void
test_not_a_jwt(void **state)
{
	struct cloud_identity id;
	struct fd_error err = { 0 };
	char tok[4096];

	(void)state;
	assert_int_equal(azure_token_identity("EwBwA8l6BAAU7p9QDpi", &id,
	    &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "not a JWT"));
	/* JWE (encrypted): five parts */
	assert_int_equal(azure_token_identity("a.b.c.d.e", &id, &err),
	    -EBADMSG);
	assert_int_equal(azure_token_identity(token("[1,2]", tok), &id, &err),
	    -EBADMSG);
	assert_non_null(strstr(err.msg, "not a JSON object"));
	assert_int_equal(azure_token_identity("eyJ.!!!.sig", &id, &err),
	    -EBADMSG);
	assert_int_equal(azure_token_identity(token("{\"tid\":\"t\"}", tok),
	    &id, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "neither an app id nor an object"));
	assert_string_equal(id.app_id, "");
	assert_int_equal(azure_token_identity(NULL, &id, &err), -EBADMSG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1_app_token),
		cmocka_unit_test(test_v1_user_token_every_padding),
		cmocka_unit_test(test_v2_azp),
		cmocka_unit_test(test_not_a_jwt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
